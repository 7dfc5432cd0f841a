#include "scopereg/auth/memory/memory_access_store.h"

#include "testing/access_store_suite.h"

namespace scopereg::auth {
namespace {

AccessStoreBackend MemoryBackend() {
  auto store = std::make_unique<MemoryAccessStore>();
  MemoryAccessStore* raw = store.get();
  AccessStoreBackend backend;
  backend.store = std::move(store);
  backend.recorded_changes = [raw] { return raw->RecordedChanges(); };
  backend.break_recording = [raw] { raw->SetRecordFailureForTest(Status::Unavailable("the audit trail is down")); };
  return backend;
}

INSTANTIATE_TEST_SUITE_P(Memory, AccessStoreSuite,
                         ::testing::Values(AccessStoreSuiteParam{"Memory", MemoryBackend}),
                         AccessStoreSuiteName);

// What the suite cannot see through every backend: the revision the store
// gives each recorded change.
TEST(MemoryAccessStoreTest, RecordedChangesCarryTheRevisionOfTheWrite) {
  MemoryAccessStore store;
  AccessChange create{FromUnixSeconds(1), ChangeOperation::kOperatorCreate, Caller::System(), "root-op", "", 999};
  OperatorCredential op;
  op.id = "root-op";
  ASSERT_OK_AND_ASSIGN(OperatorCredential stored, store.PutOperator(op, Precondition::None(), create));
  AccessChange del = create;
  del.operation = ChangeOperation::kOperatorDelete;
  ASSERT_OK(store.DeleteOperator("root-op", Precondition::None(), del));
  const std::vector<AccessChange> changes = store.RecordedChanges();
  ASSERT_EQ(changes.size(), 2u);
  EXPECT_EQ(changes[0].revision, stored.revision);
  EXPECT_EQ(changes[1].revision, 0u);
}

}  // namespace
}  // namespace scopereg::auth
