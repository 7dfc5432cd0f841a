// Runs the BlobStore conformance suite against every backend in this build.
#include <memory>

#include "conformance/blob_store_suite.h"
#include "scopereg/storage/fs/fs_blob_store.h"
#include "testing/fault_injecting_blob_store.h"
#include "testing/temp_dir.h"

namespace scopereg::testing {
namespace {

class FsHarness : public BlobStoreHarness {
 public:
  Result<std::unique_ptr<storage::BlobStore>> NewStore() override {
    SCOPEREG_ASSIGN_OR_RETURN(auto store, storage::FsBlobStore::Open(dir_.str(), clock_));
    return std::unique_ptr<storage::BlobStore>(std::move(store));
  }
  FakeClock& clock() override { return clock_; }

 private:
  TempDir dir_;
  FakeClock clock_;
};

// The decorator with no fault armed must be invisible, or the crash tests
// built on it would test the decorator rather than the backend.
class UnarmedFaultInjectingFsHarness final : public FsHarness {
 public:
  Result<std::unique_ptr<storage::BlobStore>> NewStore() override {
    SCOPEREG_ASSIGN_OR_RETURN(auto store, FsHarness::NewStore());
    return std::unique_ptr<storage::BlobStore>(std::make_unique<FaultInjectingBlobStore>(std::move(store)));
  }
};

INSTANTIATE_TEST_SUITE_P(
    Backends, BlobStoreConformanceTest,
    ::testing::Values(BlobStoreSuiteParam{"Fs", [] { return std::make_unique<FsHarness>(); }},
                      BlobStoreSuiteParam{"UnarmedFaultInjectingFs",
                                          [] { return std::make_unique<UnarmedFaultInjectingFsHarness>(); }}),
    BlobStoreSuiteParamName);

}  // namespace
}  // namespace scopereg::testing
