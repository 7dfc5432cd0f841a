#include "conformance/metadata_store_suite.h"

#include <algorithm>

#include "testing/status_matchers.h"

namespace scopereg::metadata {

void PrintTo(const MetadataStoreSuiteParam& param, std::ostream* os) { *os << param.name; }

std::string MetadataStoreSuiteName(const ::testing::TestParamInfo<MetadataStoreSuiteParam>& info) {
  return info.param.name;
}

void MetadataStoreSuite::SetUp() {
  backend_ = GetParam().make_backend();
  ASSERT_NE(backend_, nullptr);
  ASSERT_OK_AND_ASSIGN(store_, backend_->NewStore(clock_));
  ASSERT_OK(store_->Migrate());
}

oci::Digest MetadataStoreSuite::DigestOf(std::string_view seed) { return oci::Digest::Sha256Of(seed); }

std::vector<oci::Digest> MetadataStoreSuite::Sorted(std::vector<oci::Digest> digests) {
  std::sort(digests.begin(), digests.end());
  return digests;
}

Result<oci::Digest> MetadataStoreSuite::AddBlob(std::string_view repository, std::string_view seed,
                                                std::int64_t size) {
  oci::Digest digest = DigestOf(seed);
  SCOPEREG_RETURN_IF_ERROR(store().RecordBlob(digest, size));
  SCOPEREG_RETURN_IF_ERROR(store().LinkBlob(repository, digest));
  return digest;
}

Result<ManifestRecord> MetadataStoreSuite::NewManifest(std::string_view seed,
                                                       std::optional<oci::Digest> subject,
                                                       std::string artifact_type) {
  ManifestRecord m;
  m.digest = DigestOf(seed);
  m.media_type = "application/vnd.oci.image.manifest.v1+json";
  m.size = 500;
  m.subject = std::move(subject);
  m.artifact_type = std::move(artifact_type);
  SCOPEREG_RETURN_IF_ERROR(store().RecordBlob(m.digest, m.size));
  return m;
}

Result<oci::Digest> MetadataStoreSuite::PushImage(std::string_view repository, std::string_view seed,
                                                  std::optional<std::string> tag) {
  SCOPEREG_ASSIGN_OR_RETURN(oci::Digest layer, AddBlob(repository, std::string(seed) + "/layer"));
  SCOPEREG_ASSIGN_OR_RETURN(ManifestRecord m, NewManifest(seed));
  SCOPEREG_RETURN_IF_ERROR(store().PutManifest(repository, m, ManifestReferences{.blobs = {layer}}, tag, {}));
  return m.digest;
}

Result<PutManifestResult> MetadataStoreSuite::Retag(std::string_view repository, const oci::Digest& digest,
                                                    std::string tag, TagPrecondition precondition) {
  SCOPEREG_ASSIGN_OR_RETURN(ManifestRecord m, store().GetManifest(repository, digest));
  return store().PutManifest(repository, m, {}, std::move(tag), precondition);
}

std::vector<MetadataStoreSuite::LockCase> MetadataStoreSuite::DeletionLocks(
    std::initializer_list<LockTarget> targets) {
  std::vector<LockCase> cases;
  for (LockTarget target : targets) {
    cases.push_back({target, Patch(std::nullopt, false)});
    cases.push_back({target, Patch(false, std::nullopt)});
  }
  return cases;
}

std::string MetadataStoreSuite::Describe(const LockCase& lock) {
  std::string s = lock.target == LockTarget::kRepository ? "repository"
                  : lock.target == LockTarget::kTag      ? "tag"
                                                         : "manifest";
  s += lock.patch.write_enabled ? " write_enabled=false" : " delete_enabled=false";
  return s;
}

Result<oci::Digest> MetadataStoreSuite::PushLockedImage(std::string_view repository, std::string_view seed,
                                                        const LockCase& lock) {
  SCOPEREG_ASSIGN_OR_RETURN(oci::Digest manifest, PushImage(repository, seed, "v1"));
  switch (lock.target) {
    case LockTarget::kRepository:
      SCOPEREG_RETURN_IF_ERROR(store().UpdateRepositoryAttributes(repository, lock.patch));
      break;
    case LockTarget::kTag:
      SCOPEREG_RETURN_IF_ERROR(store().UpdateTagAttributes(repository, "v1", lock.patch));
      break;
    case LockTarget::kManifest:
      SCOPEREG_RETURN_IF_ERROR(store().UpdateManifestAttributes(repository, manifest, lock.patch));
      break;
  }
  return manifest;
}

std::vector<std::string> MetadataStoreSuite::AllTagsByPages(std::string_view repository,
                                                            std::size_t page_size, bool include_unlisted) {
  std::vector<std::string> all;
  std::string after;
  for (int pages = 0; pages < 1000; ++pages) {
    Result<Page<std::string>> page = store().ListTags(repository, after, page_size, include_unlisted);
    if (!page.ok()) {
      ADD_FAILURE() << page.status().ToString();
      return all;
    }
    EXPECT_LE(page->items.size(), page_size);
    all.insert(all.end(), page->items.begin(), page->items.end());
    if (!page->more) return all;
    EXPECT_EQ(page->items.size(), page_size) << "a page before the last must be full";
    if (page->items.empty()) return all;
    after = page->items.back();
  }
  ADD_FAILURE() << "pagination does not end";
  return all;
}

}  // namespace scopereg::metadata
