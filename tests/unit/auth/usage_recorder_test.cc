#include "scopereg/auth/usage_recorder.h"

#include <gtest/gtest.h>

#include "scopereg/auth/memory/memory_access_store.h"
#include "testing/status_matchers.h"

namespace scopereg::auth {
namespace {

// A store whose usage writes fail while `fail` is set.
class FlakyStore : public MemoryAccessStore {
 public:
  Status RecordPasswordUses(std::span<const PasswordUse> uses) override {
    if (fail) return Status::Unavailable("store down");
    return MemoryAccessStore::RecordPasswordUses(uses);
  }
  bool fail = false;
};

class UsageRecorderTest : public ::testing::Test {
 protected:
  void SetUp() override {
    Token t;
    t.name = "ci-token";
    t.scope_map = "_repositories_pull";
    ASSERT_OK(store_.PutToken(t, Precondition::None(),
                              AccessChange{{}, ChangeOperation::kTokenCreate, Caller::System(), "ci-token", "", 0}));
  }
  FlakyStore store_;
  UsageRecorder recorder_;
  const Principal token_{PrincipalKind::kToken, "ci-token", PasswordSlot::kPassword2, 1, 1};
  const Principal admin_{PrincipalKind::kAdmin, "myregistry", PasswordSlot::kPassword1, 1, 1};
};

TEST_F(UsageRecorderTest, KeepsTheLatestPerSlotAndFlushes) {
  recorder_.Record(token_, FromUnixSeconds(20), "10.0.0.2");
  recorder_.Record(token_, FromUnixSeconds(10), "10.0.0.1");  // older: dropped
  recorder_.Record(admin_, FromUnixSeconds(5), "10.0.0.9");
  recorder_.Record(Principal::Anonymous(), FromUnixSeconds(30), "x");  // ignored
  EXPECT_EQ(recorder_.pending(), 2u);
  ASSERT_OK(recorder_.Flush(store_));
  EXPECT_EQ(recorder_.pending(), 0u);
  ASSERT_OK_AND_ASSIGN(TokenUsage u, store_.GetTokenUsage("ci-token"));
  EXPECT_EQ(u.slots[1].last_used, FromUnixSeconds(20));
  EXPECT_EQ(u.slots[1].last_used_from, "10.0.0.2");
  ASSERT_OK_AND_ASSIGN(TokenUsage a, store_.GetTokenUsage(""));
  EXPECT_EQ(a.slots[0].last_used, FromUnixSeconds(5));
  EXPECT_OK(recorder_.Flush(store_));  // nothing pending: no-op
}

TEST_F(UsageRecorderTest, FailedFlushKeepsTheUses) {
  recorder_.Record(token_, FromUnixSeconds(20), "old");
  store_.fail = true;
  EXPECT_STATUS(recorder_.Flush(store_), StatusCode::kUnavailable);
  EXPECT_EQ(recorder_.pending(), 1u);
  recorder_.Record(token_, FromUnixSeconds(25), "new");
  store_.fail = false;
  ASSERT_OK(recorder_.Flush(store_));
  ASSERT_OK_AND_ASSIGN(TokenUsage u, store_.GetTokenUsage("ci-token"));
  EXPECT_EQ(u.slots[1].last_used, FromUnixSeconds(25));
  EXPECT_EQ(u.slots[1].last_used_from, "new");
}

}  // namespace
}  // namespace scopereg::auth
