// Operator authentication, the role matrix, and the generic error paths
// (404/405, malformed bodies, unknown fields, 413) of the management API.
#include <fstream>
#include <sstream>

#include "management_fixture.h"
#include "scopereg/core/encoding.h"
#include "scopereg/core/log.h"
#include "testing/temp_dir.h"

namespace scopereg::api::management::testing {
namespace {

TEST_F(ManagementApiTest, RequestsWithoutValidCredentialsGet401WithChallenge) {
  const std::string wrong_secret = "srop_root." + std::string(43, 'A');
  for (const std::string& secret :
       {std::string(), wrong_secret, std::string("srop_nobody.xyz"), std::string("not-a-secret")}) {
    Reply r = Send("GET", "/api/v1/tokens", secret);
    EXPECT_EQ(r.status, 401) << secret;
    EXPECT_EQ(r.header("WWW-Authenticate"), "Bearer realm=\"scopereg-management\"");
    EXPECT_EQ(r.error_code(), "Unauthorized");
    EXPECT_EQ(r.error_message(), "authentication required");
    EXPECT_EQ(r.raw.body.find(secret.empty() ? "\x01" : secret), std::string::npos);
  }
  // Unknown endpoints do not tell an anonymous caller anything either.
  EXPECT_EQ(Send("GET", "/api/v1/no-such-thing", "").status, 401);
}

TEST_F(ManagementApiTest, BasicAuthenticationWithIdAndSecretOrWholeLine) {
  const std::string secret_part = owner_.substr(owner_.find('.') + 1);
  Reply r = Send("GET", "/api/v1/whoami", "", "",
                 {{"Authorization", "Basic " + Base64Encode("root:" + secret_part)}});
  ASSERT_EQ(r.status, 200) << r.raw.body;
  EXPECT_EQ(r.body["id"], "root");
  r = Send("GET", "/api/v1/whoami", "", "", {{"Authorization", "Basic " + Base64Encode("root:" + owner_)}});
  EXPECT_EQ(r.status, 200);
  // The claimed id must be the line's.
  r = Send("GET", "/api/v1/whoami", "", "", {{"Authorization", "Basic " + Base64Encode("audit:" + owner_)}});
  EXPECT_EQ(r.status, 401);
  r = Send("GET", "/api/v1/whoami", "", "", {{"Authorization", "Basic " + Base64Encode("root:wrong")}});
  EXPECT_EQ(r.status, 401);
  r = Send("GET", "/api/v1/whoami", "", "", {{"Authorization", "Basic !!!"}});
  EXPECT_EQ(r.status, 401);
}

TEST_F(ManagementApiTest, WhoAmIShowsIdRoleAndPermissions) {
  Reply r = Send("GET", "/api/v1/whoami", auditor_);
  ASSERT_EQ(r.status, 200);
  EXPECT_EQ(r.body, (Json{{"id", "audit"}, {"role", "auditor"}, {"permissions", {"read", "read-audit"}}}));
  r = Send("GET", "/api/v1/whoami", token_admin_);
  EXPECT_EQ(r.body["role"], "token-admin");
  EXPECT_EQ(r.body["permissions"], (Json{"read", "read-audit", "write-scope-maps", "write-tokens"}));
  r = Send("GET", "/api/v1/whoami", owner_);
  EXPECT_EQ(r.body["permissions"].size(), 6u);
  EXPECT_EQ(r.header("Cache-Control"), "no-store");
}

struct EndpointCase {
  const char* method;
  const char* path;
  const char* body;
  std::optional<auth::OperatorPermission> needs;
};

// Every endpoint with the permission it needs. Targets mostly do not exist:
// an allowed call then fails later (404/400/409), never with 403.
const EndpointCase kEndpointCases[] = {
    {"GET", "/api/v1/scopeMaps", "", auth::OperatorPermission::kRead},
    {"GET", "/api/v1/scopeMaps/_repositories_pull", "", auth::OperatorPermission::kRead},
    {"PUT", "/api/v1/scopeMaps/newmap", "{\"actions\":[\"repositories/a/content/read\"]}",
     auth::OperatorPermission::kWriteScopeMaps},
    {"PATCH", "/api/v1/scopeMaps/nomap", "{\"description\":\"x\"}",
     auth::OperatorPermission::kWriteScopeMaps},
    {"DELETE", "/api/v1/scopeMaps/nomap", "", auth::OperatorPermission::kWriteScopeMaps},
    {"GET", "/api/v1/scopeMaps/_repositories_pull/tokens", "", auth::OperatorPermission::kRead},
    {"GET", "/api/v1/tokens", "", auth::OperatorPermission::kRead},
    {"GET", "/api/v1/tokens/notoken", "", auth::OperatorPermission::kRead},
    {"PUT", "/api/v1/tokens/newtoken", "{\"scopeMap\":\"_repositories_pull\",\"passwords\":[]}",
     auth::OperatorPermission::kWriteTokens},
    {"PATCH", "/api/v1/tokens/notoken", "{\"status\":\"disabled\"}", auth::OperatorPermission::kWriteTokens},
    {"DELETE", "/api/v1/tokens/notoken", "", auth::OperatorPermission::kWriteTokens},
    {"POST", "/api/v1/tokens/notoken/generateCredentials", "", auth::OperatorPermission::kWriteTokens},
    {"DELETE", "/api/v1/tokens/notoken/credentials/password1", "", auth::OperatorPermission::kWriteTokens},
    {"GET", "/api/v1/adminUser", "", auth::OperatorPermission::kRead},
    {"POST", "/api/v1/adminUser/disable", "", auth::OperatorPermission::kManageAdminUser},
    {"POST", "/api/v1/adminUser/enable", "", auth::OperatorPermission::kManageAdminUser},
    {"POST", "/api/v1/adminUser/regenerateCredential", "{\"name\":\"password2\"}",
     auth::OperatorPermission::kManageAdminUser},
    {"GET", "/api/v1/operators", "", auth::OperatorPermission::kRead},
    {"GET", "/api/v1/operators/root", "", auth::OperatorPermission::kRead},
    {"POST", "/api/v1/operators", "{\"id\":\"new-op\",\"role\":\"auditor\"}",
     auth::OperatorPermission::kManageOperators},
    {"DELETE", "/api/v1/operators/nobody", "", auth::OperatorPermission::kManageOperators},
    {"GET", "/api/v1/whoami", "", std::nullopt},
    {"GET", "/api/v1/export", "", auth::OperatorPermission::kRead},
    {"GET", "/api/v1/audit", "", auth::OperatorPermission::kReadAudit},
    {"GET", "/api/v1/audit/export", "", auth::OperatorPermission::kReadAudit},
};

TEST_F(ManagementApiTest, EveryEndpointEnforcesItsPermissionForEveryRole) {
  const std::pair<std::string, auth::OperatorRole> roles[] = {{auditor_, auth::OperatorRole::kAuditor},
                                                              {token_admin_, auth::OperatorRole::kTokenAdmin},
                                                              {owner_, auth::OperatorRole::kOwner}};
  for (const auto& [secret, role] : roles) {
    for (const EndpointCase& e : kEndpointCases) {
      const bool allowed = !e.needs || auth::RoleAllows(role, *e.needs);
      Reply r = Send(e.method, e.path, secret, e.body);
      SCOPED_TRACE(std::string(auth::OperatorRoleName(role)) + " " + e.method + " " + e.path + " -> " +
                   std::to_string(r.status) + " " + r.raw.body);
      if (allowed) {
        EXPECT_NE(r.status, 403);
        EXPECT_NE(r.status, 401);
        EXPECT_LT(r.status, 500);
      } else {
        EXPECT_EQ(r.status, 403);
        EXPECT_EQ(r.error_code(), "Forbidden");
        EXPECT_NE(r.error_message().find(std::string(auth::OperatorRoleName(role))), std::string::npos);
      }
    }
  }
}

TEST_F(ManagementApiTest, UnknownPathsAndMethods) {
  Reply r = AsOwner("GET", "/api/v1/nothing");
  EXPECT_EQ(r.status, 404);
  EXPECT_EQ(r.error_code(), "NotFound");
  r = AsOwner("GET", "/api/v1/tokens/a/b/c/d/e");
  EXPECT_EQ(r.status, 404);
  r = AsOwner("POST", "/api/v1/tokens/abcde");
  EXPECT_EQ(r.status, 405);
  EXPECT_EQ(r.error_code(), "MethodNotAllowed");
  EXPECT_EQ(r.header("Allow"), "GET, PUT, PATCH, DELETE");
  r = AsOwner("GET", "/api/v1/tokens/");  // a trailing slash is the collection
  EXPECT_EQ(r.status, 200);
  r = AsOwner("GET", "/api/v1/tokens/bad%zz");
  EXPECT_EQ(r.status, 400);
}

TEST_F(ManagementApiTest, MalformedAndMistypedBodiesAre400NamingTheField) {
  struct Case {
    std::string body;
    std::string message_part;
  };
  const Case cases[] = {
      {"", "body: a JSON object is required"},
      {"{\"scopeMap\":", "body: malformed JSON"},
      {"[1,2]", "body: must be a JSON object"},
      {"{\"scopeMap\":\"_repositories_pull\",\"staus\":\"enabled\"}", "staus: unknown field"},
      {"{\"scopeMap\":5}", "scopeMap: must be a string"},
      {"{\"scopeMap\":\"_repositories_pull\",\"labels\":{\"a\":1}}", "labels.a: must be a string"},
      {"{\"scopeMap\":\"_repositories_pull\",\"expiresOn\":\"next week\"}", "expiresOn: must be an RFC 3339"},
      {"{\"scopeMap\":\"_repositories_pull\",\"status\":\"Enabled\"}", "status: must be \"enabled\" or"},
      {"{\"scopeMap\":\"_repositories_pull\",\"passwords\":[{\"name\":\"password3\"}]}",
       "passwords[0].name: must be"},
      {"{\"scopeMap\":\"_repositories_pull\",\"passwords\":[{\"name\":\"password1\",\"expiry\":1}]}",
       "passwords[0].expiry: must be"},
      {"{\"scopeMap\":\"_repositories_pull\",\"passwords\":[{\"name\":\"password1\"},{\"name\":\"password1\"}"
       "]}",
       "passwords[1].name: \"password1\" is listed twice"},
      {"{\"scopeMap\":\"_repositories_pull\",\"passwords\":[{\"nam\":\"password1\"}]}",
       "passwords[0].nam: unknown field"},
      {"{\"scopeMap\":\"_repositories_pull\",\"repositoryActions\":[\"repositories/a/content/read\"]}",
       "scopeMap: give either"},
      {"{}", "scopeMap: give either"},
      {"{\"repositoryActions\":[\"repositories/a/content/raed\"]}", "Invalid action"},
  };
  for (const Case& c : cases) {
    Reply r = AsOwner("PUT", "/api/v1/tokens/tokenx", c.body);
    EXPECT_EQ(r.status, 400) << c.body << " -> " << r.raw.body;
    EXPECT_EQ(r.error_code(), "InvalidArgument") << c.body;
    EXPECT_NE(r.error_message().find(c.message_part), std::string::npos)
        << c.body << " -> " << r.error_message();
  }
  // Nothing was created by any of them.
  EXPECT_EQ(AsOwner("GET", "/api/v1/tokens/tokenx").status, 404);
  // Endpoints without fields refuse any.
  Reply r = AsOwner("POST", "/api/v1/adminUser/disable", "{\"force\":true}");
  EXPECT_EQ(r.status, 400);
  EXPECT_NE(r.error_message().find("force: unknown field"), std::string::npos);
}

TEST_F(ManagementApiTest, BodiesOverOneMebibyteAre413) {
  const std::string big = "{\"description\":\"" + std::string(1024 * 1024, 'x') + "\"}";
  Reply r = AsOwner("PATCH", "/api/v1/scopeMaps/somemap", big);
  EXPECT_EQ(r.status, 413);
  EXPECT_EQ(r.error_code(), "PayloadTooLarge");

  // Chunked (no Content-Length): refused once the limit is crossed.
  http::HttpClient client;
  http::ClientRequest req{"PATCH", base_ + "/api/v1/scopeMaps/somemap"};
  req.headers = {{"Authorization", "Bearer " + owner_}};
  std::size_t offset = 0;
  req.body_reader = [&](char* buf, std::size_t n) {
    std::size_t k = std::min(n, big.size() - offset);
    std::memcpy(buf, big.data() + offset, k);
    offset += k;
    return k;
  };
  auto res = client.Send(req);
  ASSERT_TRUE(res.ok()) << res.status().ToString();
  EXPECT_EQ(res->status, 413);
}

TEST_F(ManagementApiTest, SecretsNeverReachTheLog) {
  ::scopereg::testing::TempDir dir;
  const std::string path = dir.str() + "/log.jsonl";
  log::Init(path, log::Level::kDebug);
  const std::string wrong = "srop_root." + std::string(43, 'Z');
  EXPECT_EQ(Send("GET", "/api/v1/tokens", wrong).status, 401);
  Json created = CreateToken("logtoken", Json{{"scopeMap", "_repositories_pull"}});
  Reply op = AsOwner("POST", "/api/v1/operators", "{\"id\":\"logged\",\"role\":\"auditor\"}");
  ASSERT_EQ(op.status, 201);
  log::Flush();
  log::Init("", log::Level::kWarn);
  std::stringstream content;
  content << std::ifstream(path).rdbuf();
  const std::string text = content.str();
  EXPECT_NE(text.find("management authentication failed"), std::string::npos);
  for (const std::string& secret : {wrong, owner_, op.body["secret"].get<std::string>(),
                                    created["credentials"]["passwords"][0]["value"].get<std::string>()}) {
    EXPECT_EQ(text.find(secret.substr(secret.size() - 20)), std::string::npos) << secret;
  }
}

}  // namespace
}  // namespace scopereg::api::management::testing
