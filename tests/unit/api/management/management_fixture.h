// A ManagementApi behind a real http::Server on 127.0.0.1:<free port>, over
// an AccessAdmin with a MemoryAccessStore, an audit log in memory and a
// FakeClock, with three operators (one per role) and a small client.
#pragma once

#include <gtest/gtest.h>
#include <utility>

#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "scopereg/api/management/management_api.h"
#include "scopereg/auth/access_admin.h"
#include "scopereg/auth/memory/memory_access_store.h"
#include "scopereg/http/client.h"
#include "scopereg/http/server.h"
#include "testing/fake_clock.h"
#include "testing/fault_injecting_audit_log.h"
#include "testing/memory_audit_log.h"

namespace scopereg::api::management::testing {

using Json = nlohmann::json;
using Headers = std::vector<std::pair<std::string, std::string>>;

struct Reply {
  int status = 0;
  Json body;  // parsed; null if the body was empty or not JSON
  http::ClientResponse raw;
  std::string header(std::string_view name) const { return raw.header(name); }
  // body["error"]["code"], or "" if there is none.
  std::string error_code() const;
  std::string error_message() const;
};

class ManagementApiTest : public ::testing::Test {
 protected:
  static constexpr const char* kRegistryName = "myregistry";

  void SetUp() override;
  void TearDown() override;

  // Sends a request with `secret` as "Authorization: Bearer <secret>" (none
  // if empty). Thread-safe: each call uses its own client.
  Reply Send(const std::string& method, const std::string& path, const std::string& secret,
             const std::string& body = "", Headers headers = {});
  Reply AsOwner(const std::string& method, const std::string& path, const std::string& body = "",
                Headers headers = {}) {
    return Send(method, path, owner_, body, std::move(headers));
  }

  // Creates a scope map / token through the API (as owner) and expects 201.
  Json CreateScopeMap(const std::string& name, const std::vector<std::string>& actions);
  Json CreateToken(const std::string& name, const Json& body);

  // An RFC 3339 time `days` days after the fake clock's now.
  std::string InDays(int days) const;

  ::scopereg::testing::FakeClock clock_;
  auth::MemoryAccessStore store_;
  std::shared_ptr<const auth::PasswordHasher> hasher_;
  std::unique_ptr<auth::AccessAdmin> admin_;
  // The audit log the API reads (tests append to audit_store_ directly).
  ::scopereg::testing::MemoryAuditLog audit_store_;
  ::scopereg::testing::FaultInjectingAuditLog audit_log_{audit_store_};
  std::unique_ptr<ManagementApi> api_;
  std::unique_ptr<http::Server> server_;
  std::string base_;
  // Secret lines of the operators "root" (owner), "tadmin" (token-admin)
  // and "audit" (auditor).
  std::string owner_, token_admin_, auditor_;

 private:
  http::Task<void> Serve(http::Request& req, http::Response& res);
};

}  // namespace scopereg::api::management::testing
