// AccessController: decides, before any handler runs, whether the caller may
// make this request (Distribution's auth.AccessController: one method, and a
// refusal writes its own challenge).
//
// The implementation (api/auth_access_controller.h) authenticates Basic or
// Bearer credentials, computes the actions the route needs from the single
// route table (api/required_access.h), and answers 401 with a
// WWW-Authenticate challenge or 403 DENIED. Handlers ask the returned Grant
// only for decisions the route table cannot make up front: may the caller
// read the source repository of a mount, which repositories may the catalog
// show.
//
// Thread safety: Authorize is called concurrently for different requests.
#pragma once

#include <memory>
#include <string_view>

#include "scopereg/api/routes.h"
#include "scopereg/http/message.h"

namespace scopereg::api {

// What an authorized caller may do beyond the request itself.
class Grant {
 public:
  virtual ~Grant() = default;
  // May the caller pull from `repository` (content/read)?
  virtual bool CanPull(std::string_view repository) const = 0;
  // May the caller see `repository` in the catalog (metadata/read)?
  virtual bool CanList(std::string_view repository) const = 0;
};

class AccessController {
 public:
  virtual ~AccessController() = default;
  // Returns the caller's Grant if the request may proceed. Otherwise returns
  // nullptr after writing the complete refusal (401 + challenge or 403) into
  // `res`. Sets req.log().identity.
  virtual http::Task<std::unique_ptr<Grant>> Authorize(http::Request& req, http::Response& res,
                                                       const RouteMatch& route) = 0;
};

// Lets everything through: for unit tests of handlers that do not test auth.
class AllowAllAccessController final : public AccessController {
 public:
  http::Task<std::unique_ptr<Grant>> Authorize(http::Request& req, http::Response& res,
                                               const RouteMatch& route) override;
};

}  // namespace scopereg::api
