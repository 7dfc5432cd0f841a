#include "management_fixture.h"

#include "scopereg/api/routes.h"
#include "testing/status_matchers.h"

namespace scopereg::api::management::testing {

std::string Reply::error_code() const {
  if (!body.is_object() || !body.contains("error") || !body["error"].is_object()) return "";
  const Json& e = body["error"];
  return e.contains("code") && e["code"].is_string() ? e["code"].get<std::string>() : "";
}

std::string Reply::error_message() const {
  if (!body.is_object() || !body.contains("error") || !body["error"].is_object()) return "";
  const Json& e = body["error"];
  return e.contains("message") && e["message"].is_string() ? e["message"].get<std::string>() : "";
}

void ManagementApiTest::SetUp() {
  hasher_ = std::make_shared<const auth::PasswordHasher>(
      auth::PasswordHasher::Create(std::string(32, 'k')).value());
  auth::AccessAdminOptions options;
  options.registry_name = kRegistryName;
  // The concurrency tests run several writers on two cores; give the
  // read-modify-write loop room so none of them gives up.
  options.max_attempts = 200;
  admin_ = std::make_unique<auth::AccessAdmin>(store_, clock_, hasher_, options);
  auto system = auth::Caller::System();
  owner_ =
      admin_->CreateOperator(system, "root", auth::OperatorRole::kOwner, "bootstrap").value().secret_line;
  token_admin_ =
      admin_->CreateOperator(system, "tadmin", auth::OperatorRole::kTokenAdmin, "").value().secret_line;
  auditor_ = admin_->CreateOperator(system, "audit", auth::OperatorRole::kAuditor, "").value().secret_line;

  api_ = std::make_unique<ManagementApi>(*admin_, clock_, ManagementApiOptions{kRegistryName}, &audit_log_);
  http::ServerOptions so;
  so.port = 0;
  so.threads = 2;
  server_ = std::make_unique<http::Server>(
      so, [this](http::Request& req, http::Response& res) { return Serve(req, res); });
  ASSERT_OK(server_->Start());
  base_ = "http://127.0.0.1:" + std::to_string(server_->port());
}

void ManagementApiTest::TearDown() { server_->Stop(); }

http::Task<void> ManagementApiTest::Serve(http::Request& req, http::Response& res) {
  // The RouteMatch must outlive Handle, so it lives in this frame.
  const RouteMatch route = MatchRoute(req.path());
  if (route.route != Route::kManagement) {
    res.set_status(404);
    co_return;
  }
  co_await api_->Handle(req, res, route);
}

Reply ManagementApiTest::Send(const std::string& method, const std::string& path, const std::string& secret,
                              const std::string& body, Headers headers) {
  http::HttpClient client;
  http::ClientRequest req;
  req.method = method;
  req.url = base_ + path;
  req.body = body;
  req.headers = std::move(headers);
  if (!secret.empty()) req.headers.emplace_back("Authorization", "Bearer " + secret);
  if (!body.empty()) req.headers.emplace_back("Content-Type", "application/json");
  auto res = client.Send(req);
  EXPECT_TRUE(res.ok()) << res.status().ToString();
  Reply out;
  if (!res.ok()) return out;
  out.raw = std::move(res).value();
  out.status = out.raw.status;
  out.body = Json::parse(out.raw.body, nullptr, /*allow_exceptions=*/false);
  if (out.body.is_discarded()) out.body = nullptr;
  return out;
}

Json ManagementApiTest::CreateScopeMap(const std::string& name, const std::vector<std::string>& actions) {
  Reply r = AsOwner("PUT", "/api/v1/scopeMaps/" + name, Json{{"actions", actions}}.dump());
  EXPECT_EQ(r.status, 201) << r.raw.body;
  return r.body;
}

Json ManagementApiTest::CreateToken(const std::string& name, const Json& body) {
  Reply r = AsOwner("PUT", "/api/v1/tokens/" + name, body.dump());
  EXPECT_EQ(r.status, 201) << r.raw.body;
  return r.body;
}

std::string ManagementApiTest::InDays(int days) const {
  return FormatRfc3339(clock_.Now() + std::chrono::hours(24 * days));
}

}  // namespace scopereg::api::management::testing
