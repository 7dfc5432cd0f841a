#include "scopereg/auth/memory/memory_access_store.h"

#include "testing/access_store_suite.h"

namespace scopereg::auth {
namespace {

INSTANTIATE_TEST_SUITE_P(Memory, AccessStoreSuite,
                         ::testing::Values(AccessStoreFactory([] { return std::make_unique<MemoryAccessStore>(); })));

}  // namespace
}  // namespace scopereg::auth
