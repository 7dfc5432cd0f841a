// The AccessStore contract's shared pieces: the management audit event of a
// change (what every backend stores and the audit pipeline copies).
#include "scopereg/auth/access_store.h"

#include <gtest/gtest.h>

namespace scopereg::auth {
namespace {

TEST(ManagementAuditEventTest, MapsTheChange) {
  AccessChange c;
  c.time = FromUnixSeconds(1000);
  c.operation = ChangeOperation::kPasswordGenerate;
  c.caller = Caller{"alice", OperatorRole::kTokenAdmin, "10.1.1.1", "corr-9"};
  c.target = "ci-pull";
  c.detail = "password2 (expiry never)";
  audit::AuditEvent e = ManagementAuditEvent(c);
  EXPECT_EQ(e.category, audit::Category::kManagement);
  EXPECT_EQ(e.operation, "token.password.generate");
  EXPECT_EQ(e.identity, "alice");
  EXPECT_EQ(e.identity_kind, "operator");
  EXPECT_EQ(e.target, "ci-pull");
  EXPECT_EQ(e.detail, "password2 (expiry never)");
  EXPECT_EQ(e.client_address, "10.1.1.1");
  EXPECT_EQ(e.correlation_id, "corr-9");
  EXPECT_TRUE(e.success);
  EXPECT_EQ(ManagementAuditEvent(AccessChange{.caller = Caller::System()}).identity_kind, "system");
}

}  // namespace
}  // namespace scopereg::auth
