// ManagementApi: the REST API under /api/v1/ that operators and the
// `scopereg` CLI use to manage scope maps, tokens, their passwords, the
// admin user and operator credentials, and to export the sanitized access
// state. docs/api.md is the complete reference (every endpoint, body,
// status and error); this header is the contract for the server that wires
// it.
//
// Wiring (server start-up, after AccessAdmin exists):
//
//   api::management::ManagementApi management(admin, clock, {config.registry_name}, &audit_log);
//   registry.SetRouteHandler(api::Route::kManagement,
//       [&management](http::Request& req, http::Response& res, const api::RouteMatch& route) {
//         return management.Handle(req, res, route);
//       });
//
// Every request authenticates itself with an operator secret (auth/operator.h):
//   Authorization: Bearer srop_<id>.<secret>
//   Authorization: Basic base64(<id>:<secret>)   (or <id>:srop_<id>.<secret>)
// Missing or bad credentials get 401 with
// `WWW-Authenticate: Bearer realm="scopereg-management"`; an operator whose
// role lacks the endpoint's permission gets 403 before the body is read.
// Permission checks are repeated by AccessAdmin (defence in depth).
//
// Errors are ARM-style JSON, {"error":{"code":"NotFound","message":"..."}},
// from one table (StatusCode -> HTTP status and code, see docs/api.md). The
// message names the field or object; a kInternal/kDataLoss message is
// logged, never sent.
//
// Secrets: password values and operator secret lines appear only in the
// response that generated them. No response carries a digest. Every
// response has `Cache-Control: no-store`. Nothing from the Authorization
// header or a response body is logged.
//
// The audit trail is read here (GET /api/v1/audit, GET /api/v1/audit/export;
// permission read-audit) and never written: the AccessStore records each
// change AccessAdmin makes, in the change's own transaction
// (auth/access_store.h; AccessAdmin's AccessChangeObserver gets copies),
// and no endpoint edits or deletes events.
//
// Cost note: a token's last-used data is one AccessStore::GetTokenUsage
// call per token (the store has no batch read), so GET /api/v1/tokens with
// n=1000 makes 1001 store reads and GET /api/v1/export one per token. Each
// is a point read by primary key; a batch read in AccessStore would make it
// one.
//
// Thread safety: Handle runs concurrently for different requests. Store
// calls run on the blocking pool (http::RunBlocking).
#pragma once

#include <cstddef>
#include <memory>
#include <string>

#include "scopereg/api/routes.h"
#include "scopereg/audit/audit_log.h"
#include "scopereg/auth/access_admin.h"
#include "scopereg/core/clock.h"
#include "scopereg/http/message.h"

namespace scopereg::api::management {

struct ManagementApiOptions {
  // The registry name: the admin user's username and the `registry` field
  // of exports. Must equal AccessAdminOptions::registry_name.
  std::string registry_name;
  // Page size of list endpoints without `n`, and the largest `n` honoured
  // (a larger one is clamped; the Link header leads on).
  std::size_t default_page_size = 100;
  std::size_t max_page_size = 1000;
};

class ManagementApi {
 public:
  // `admin`, `clock` and `audit_log` must outlive this object. Without an
  // audit log (null) the audit endpoints answer 404.
  ManagementApi(auth::AccessAdmin& admin, const Clock& clock, ManagementApiOptions options,
                audit::AuditLog* audit_log = nullptr);
  ~ManagementApi();
  ManagementApi(const ManagementApi&) = delete;
  ManagementApi& operator=(const ManagementApi&) = delete;

  // Serves one request whose route is Route::kManagement (route.reference =
  // the path after "/api/v1/", still percent-encoded). Always writes a
  // complete response.
  http::Task<void> Handle(http::Request& req, http::Response& res, const RouteMatch& route);

 private:
  struct State;
  std::unique_ptr<State> state_;
};

}  // namespace scopereg::api::management
