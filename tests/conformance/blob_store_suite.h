// The BlobStore conformance suite: every behaviour of storage/blob_store.h,
// checked the same way for every backend (in the spirit of Arrow's
// GenericFileSystemTest and Distribution's driver testsuites).
//
// A backend hooks in with a harness and one instantiation:
//
//   class FsHarness final : public BlobStoreHarness { ... };
//   INSTANTIATE_TEST_SUITE_P(Fs, BlobStoreConformanceTest,
//       ::testing::Values(BlobStoreSuiteParam{"Fs", [] { return std::make_unique<FsHarness>(); }}),
//       BlobStoreSuiteParamName);
//
// and compiles blob_store_suite.cc into its test binary (the TEST_Ps
// register themselves at static-initialisation time, which a static library
// would drop).
//
// Where backends may legitimately differ, the harness answers a capability
// switch and the test checks the promised variant. Everything else is the
// same for all.
#pragma once

#include <gtest/gtest.h>

#include <functional>
#include <memory>
#include <ostream>
#include <string>

#include "scopereg/storage/blob_store.h"
#include "testing/fake_clock.h"

namespace scopereg::testing {

class BlobStoreHarness {
 public:
  virtual ~BlobStoreHarness() = default;

  // A new store object over this harness's storage, which is empty when the
  // harness is made. Objects from several calls may be alive together and
  // see the same blobs and uploads, like processes sharing one root or
  // bucket; the suite makes a fresh one to stand for a restarted process.
  virtual Result<std::unique_ptr<storage::BlobStore>> NewStore() = 0;
  // The clock given to every store of this harness.
  virtual FakeClock& clock() = 0;

  // ---- capability switches -------------------------------------------------

  // BlobReader::native_fd() is a descriptor for sendfile (fs) rather than -1
  // (object stores).
  virtual bool has_native_fd() const { return true; }
  // OpenUpload while another writer of the upload is alive fails (fs, by a
  // lock), instead of letting the second writer overwrite the first one's
  // unpersisted bytes. Both are allowed; losing persisted bytes never is.
  virtual bool rejects_second_writer() const { return true; }
};

struct BlobStoreSuiteParam {
  std::string name;  // test-name suffix: letters, digits and '_'
  std::function<std::unique_ptr<BlobStoreHarness>()> make_harness;
};

std::string BlobStoreSuiteParamName(const ::testing::TestParamInfo<BlobStoreSuiteParam>& info);
// So that gtest names the backend in failure messages instead of dumping bytes.
void PrintTo(const BlobStoreSuiteParam& param, std::ostream* os);

class BlobStoreConformanceTest : public ::testing::TestWithParam<BlobStoreSuiteParam> {
 protected:
  void SetUp() override;

  BlobStoreHarness& harness() { return *harness_; }
  // The store made in SetUp.
  storage::BlobStore& store() { return *store_; }
  // Another store object over the same storage (a restarted process).
  std::unique_ptr<storage::BlobStore> FreshStore();

 private:
  std::unique_ptr<BlobStoreHarness> harness_;
  std::unique_ptr<storage::BlobStore> store_;
};

}  // namespace scopereg::testing
