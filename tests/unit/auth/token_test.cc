#include "scopereg/auth/token.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "scopereg/auth/operator.h"
#include "scopereg/auth/principal.h"
#include "testing/status_matchers.h"

namespace scopereg::auth {
namespace {

using ::testing::HasSubstr;

TEST(TokenNameTest, Edges) {
  EXPECT_OK(ValidateTokenName("abcde"));
  EXPECT_OK(ValidateTokenName("My-Token-1"));
  EXPECT_OK(ValidateTokenName(std::string(50, 'Z')));
  for (const std::string& bad : {std::string("abcd"), std::string(51, 'a'), std::string("my_token"), std::string("my.token"),
                                std::string("tok en"), std::string(""), std::string("t\xc3\xa4ken")}) {
    Status s = ValidateTokenName(bad);
    EXPECT_EQ(s.code(), StatusCode::kInvalidArgument) << bad;
    EXPECT_THAT(std::string(s.message()), HasSubstr("name: ")) << bad;
  }
}

TEST(TokenFieldsTest, OwnerDescriptionLabels) {
  EXPECT_OK(ValidateTokenOwner("team-a@example.com"));
  EXPECT_STATUS(ValidateTokenOwner(std::string(129, 'o')), StatusCode::kInvalidArgument);
  EXPECT_OK(ValidateTokenDescription(std::string(256, 'd')));
  EXPECT_STATUS(ValidateTokenDescription(std::string(257, 'd')), StatusCode::kInvalidArgument);
  EXPECT_STATUS(ValidateTokenDescription("a\tb"), StatusCode::kInvalidArgument);

  EXPECT_OK(ValidateLabel("team", "a"));
  EXPECT_OK(ValidateLabel("example.com/cost-center", ""));
  EXPECT_OK(ValidateLabel(std::string(63, 'k'), std::string(256, 'v')));
  for (const std::string& bad : {std::string(""), std::string("-team"), std::string("team-"), std::string("te am"),
                                std::string(64, 'k'), std::string("k=v")}) {
    EXPECT_STATUS(ValidateLabel(bad, "v"), StatusCode::kInvalidArgument);
  }
  Status long_value = ValidateLabel("team", std::string(257, 'v'));
  EXPECT_THAT(std::string(long_value.message()), HasSubstr("labels[team]"));
  EXPECT_STATUS(ValidateLabel("team", "line\nbreak"), StatusCode::kInvalidArgument);

  std::map<std::string, std::string> many;
  for (std::size_t i = 0; i <= kMaxTokenLabels; ++i) many["k" + std::to_string(i)] = "v";
  EXPECT_STATUS(ValidateLabels(many), StatusCode::kInvalidArgument);
  many.erase(many.begin());
  EXPECT_OK(ValidateLabels(many));
}

TEST(TokenFieldsTest, ParseLabel) {
  ASSERT_OK_AND_ASSIGN(auto kv, ParseLabel("env=prod=eu"));
  EXPECT_EQ(kv.first, "env");
  EXPECT_EQ(kv.second, "prod=eu");
  ASSERT_OK_AND_ASSIGN(auto empty, ParseLabel("flag="));
  EXPECT_EQ(empty.second, "");
  EXPECT_STATUS(ParseLabel("novalue"), StatusCode::kInvalidArgument);
  EXPECT_STATUS(ParseLabel("=v"), StatusCode::kInvalidArgument);
}

TEST(TokenTest, StatusNamesAndExpiry) {
  EXPECT_EQ(TokenStatusName(TokenStatus::kEnabled), "enabled");
  EXPECT_EQ(ParseTokenStatus("disabled"), TokenStatus::kDisabled);
  EXPECT_EQ(ParseTokenStatus("Enabled"), std::nullopt);
  Token t;
  t.expires_on = FromUnixSeconds(100);
  EXPECT_FALSE(t.ExpiredAt(FromUnixSeconds(99)));
  EXPECT_TRUE(t.ExpiredAt(FromUnixSeconds(100)));
}

TEST(OperatorTest, RolesAndPermissions) {
  using P = OperatorPermission;
  for (P p : {P::kRead, P::kReadAudit, P::kWriteScopeMaps, P::kWriteTokens, P::kManageAdminUser,
              P::kManageOperators}) {
    EXPECT_TRUE(RoleAllows(OperatorRole::kOwner, p)) << OperatorPermissionName(p);
  }
  EXPECT_TRUE(RoleAllows(OperatorRole::kTokenAdmin, P::kWriteTokens));
  EXPECT_TRUE(RoleAllows(OperatorRole::kTokenAdmin, P::kWriteScopeMaps));
  EXPECT_TRUE(RoleAllows(OperatorRole::kTokenAdmin, P::kReadAudit));
  EXPECT_FALSE(RoleAllows(OperatorRole::kTokenAdmin, P::kManageAdminUser));
  EXPECT_FALSE(RoleAllows(OperatorRole::kTokenAdmin, P::kManageOperators));
  EXPECT_TRUE(RoleAllows(OperatorRole::kAuditor, P::kRead));
  EXPECT_TRUE(RoleAllows(OperatorRole::kAuditor, P::kReadAudit));
  EXPECT_FALSE(RoleAllows(OperatorRole::kAuditor, P::kWriteTokens));
  EXPECT_FALSE(RoleAllows(static_cast<OperatorRole>(77), P::kRead));
  EXPECT_EQ(ParseOperatorRole("token-admin"), OperatorRole::kTokenAdmin);
  EXPECT_EQ(ParseOperatorRole("root"), std::nullopt);
}

TEST(OperatorTest, SecretLineRoundTrip) {
  ASSERT_OK_AND_ASSIGN(auto gen, GenerateOperatorSecret("ci-bot"));
  EXPECT_TRUE(gen.line.starts_with("srop_ci-bot."));
  EXPECT_EQ(gen.line.size(), 5 + 6 + 1 + 43);
  ASSERT_OK_AND_ASSIGN(auto parsed, ParseOperatorSecret(gen.line + "\n"));
  EXPECT_EQ(parsed.id, "ci-bot");
  EXPECT_EQ(parsed.secret, gen.parts.secret);
  EXPECT_STATUS(GenerateOperatorSecret("Bad_Id"), StatusCode::kInvalidArgument);
}

TEST(OperatorTest, MalformedSecretsNeverEchoed) {
  for (const std::string& bad : {std::string("srop_ci-bot"), std::string("ci-bot.xxxx"),
                                std::string("srop_ci-bot.short"), std::string("srop_CI.") + std::string(43, 'a'),
                                std::string("srop_ci-bot.") + std::string(42, 'a') + "+"}) {
    auto r = ParseOperatorSecret(bad);
    ASSERT_FALSE(r.ok()) << bad;
    EXPECT_EQ(r.status().code(), StatusCode::kUnauthenticated);
    EXPECT_EQ(r.status().message(), "malformed operator secret");
  }
}

TEST(PrincipalTest, AuditIdentityAndFailureNames) {
  Principal admin{PrincipalKind::kAdmin, "myregistry"};
  EXPECT_EQ(admin.AuditIdentity(), "admin");
  Principal token{PrincipalKind::kToken, "ci-token"};
  EXPECT_EQ(token.AuditIdentity(), "ci-token");
  EXPECT_EQ(Principal::Anonymous().AuditIdentity(), "anonymous");
  EXPECT_EQ(AuthFailureName(AuthFailure::kPasswordExpired), "password_expired");
  EXPECT_EQ(AuthFailureName(AuthFailure::kCredentialsChanged), "credentials_changed");
  Status s = AuthOutcome::Failure(AuthFailure::kTokenDisabled).ToStatus();
  EXPECT_EQ(s.code(), StatusCode::kUnauthenticated);
  EXPECT_EQ(s.message(), "authentication required");
}

}  // namespace
}  // namespace scopereg::auth
