// MetadataStoreSuite: the contract of metadata_store.h (RepositoryIndex,
// BlobIndex, UploadSessionStore) as tests, run against every backend.
//
// A backend hooks in with a few lines (see sqlite_metadata_conformance_test.cc):
//
//   class MyBackend : public MetadataStoreBackend {
//     Result<std::unique_ptr<MetadataStore>> NewStore(const Clock& clock) override { ... }
//   };
//   INSTANTIATE_TEST_SUITE_P(My, MetadataStoreSuite,
//       ::testing::Values(MetadataStoreSuiteParam{"My", [] { return std::make_unique<MyBackend>(); }}),
//       MetadataStoreSuiteName);
//
// The suite uses only the interface and a FakeClock: nothing in it may
// depend on how a backend stores data.
#pragma once

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <functional>
#include <initializer_list>
#include <memory>
#include <optional>
#include <ostream>
#include <string>
#include <string_view>
#include <vector>

#include "scopereg/metadata/metadata_store.h"
#include "testing/fake_clock.h"

namespace scopereg::metadata {

// What a backend supplies: an empty store for each test.
class MetadataStoreBackend {
 public:
  virtual ~MetadataStoreBackend() = default;
  // A store with no data; the suite calls Migrate() on it. Called once per
  // test. `clock` and this backend object outlive the store.
  virtual Result<std::unique_ptr<MetadataStore>> NewStore(const Clock& clock) = 0;
};

struct MetadataStoreSuiteParam {
  std::string name;  // the instantiation's test-name suffix, e.g. "Sqlite"
  std::function<std::unique_ptr<MetadataStoreBackend>()> make_backend;
};

// The digests of `records` (ManifestRecord, BlobRecord), in order.
template <typename Record>
std::vector<oci::Digest> DigestsOf(const std::vector<Record>& records) {
  std::vector<oci::Digest> out;
  out.reserve(records.size());
  for (const Record& r : records) out.push_back(r.digest);
  return out;
}

// Prints the backend's name where gtest shows the parameter.
void PrintTo(const MetadataStoreSuiteParam& param, std::ostream* os);

std::string MetadataStoreSuiteName(const ::testing::TestParamInfo<MetadataStoreSuiteParam>& info);

class MetadataStoreSuite : public ::testing::TestWithParam<MetadataStoreSuiteParam> {
 protected:
  static constexpr std::string_view kRepo = "library/app";
  static constexpr std::string_view kOtherRepo = "team/other";

  void SetUp() override;

  MetadataStore& store() { return *store_; }

  // sha256 of `seed`: distinct seeds give distinct, valid digests.
  static oci::Digest DigestOf(std::string_view seed);
  // `digests` in the order the store lists them (byte order).
  static std::vector<oci::Digest> Sorted(std::vector<oci::Digest> digests);

  // Records a blob of `size` with digest DigestOf(seed) and links it to
  // `repository`.
  Result<oci::Digest> AddBlob(std::string_view repository, std::string_view seed, std::int64_t size = 100);
  // A manifest record whose own blob (DigestOf(seed)) is recorded, as a
  // push does before PutManifest.
  Result<ManifestRecord> NewManifest(std::string_view seed, std::optional<oci::Digest> subject = std::nullopt,
                                     std::string artifact_type = "");
  // Pushes an image: one new layer (seed + "/layer") linked to the
  // repository, then the manifest DigestOf(seed) with an optional tag.
  Result<oci::Digest> PushImage(std::string_view repository, std::string_view seed,
                                std::optional<std::string> tag = std::nullopt);
  // Moves (or creates) `tag` to the manifest `digest`, which must exist.
  Result<PutManifestResult> Retag(std::string_view repository, const oci::Digest& digest, std::string tag,
                                  TagPrecondition precondition = {});

  // Every tag name of the repository, listed one page of `page_size` at a
  // time through ListTags, checking that `more` is set exactly when a page
  // is followed by another.
  std::vector<std::string> AllTagsByPages(std::string_view repository, std::size_t page_size,
                                          bool include_unlisted);

  // A lock to set on a repository, on its tag "v1" or on the manifest.
  enum class LockTarget { kRepository, kTag, kManifest };
  struct LockCase {
    LockTarget target;
    LockAttributesPatch patch;
  };
  // For each target: delete_enabled=false, and write_enabled=false (either
  // locks an object for deletion).
  static std::vector<LockCase> DeletionLocks(std::initializer_list<LockTarget> targets);
  static std::string Describe(const LockCase& lock);
  // Pushes image `seed` tagged "v1" into `repository`, then sets `lock`.
  // Returns the manifest digest.
  Result<oci::Digest> PushLockedImage(std::string_view repository, std::string_view seed,
                                      const LockCase& lock);

  static LockAttributesPatch Patch(std::optional<bool> write, std::optional<bool> del) {
    LockAttributesPatch p;
    p.write_enabled = write;
    p.delete_enabled = del;
    return p;
  }

  scopereg::testing::FakeClock clock_;

 private:
  std::unique_ptr<MetadataStoreBackend> backend_;  // outlives store_
  std::unique_ptr<MetadataStore> store_;
};

}  // namespace scopereg::metadata
