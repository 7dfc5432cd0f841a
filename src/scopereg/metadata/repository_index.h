// RepositoryIndex: repositories, manifests, tags, referrers and lock
// attributes. The embedded implementation is metadata/sqlite; the same
// contract is run against every backend by
// tests/conformance/metadata_store_suite.h.
//
// Every method is one atomic transaction: a concurrent reader sees all of a
// PutManifest or none of it, and a manifest is visible only after its row is
// committed (architecture.md decision 2).
//
// Repositories exist implicitly: the first LinkBlob or PutManifest creates
// one, DeleteRepository removes it with everything in it.
//
// Lock attributes are enforced here, inside the transaction that writes, so a
// lock set concurrently cannot be missed. "Locked for writing" means
// write_enabled=false; "locked for deletion" means delete_enabled=false or
// write_enabled=false (ACR: either blocks deletion). Writes refused by a lock
// return kPermissionDenied with a message naming the lock.
//
// Thread safety: all methods are safe for concurrent use.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "scopereg/core/status.h"
#include "scopereg/metadata/records.h"

namespace scopereg::metadata {

// Condition for moving a tag (the If-Match header on manifest PUT).
struct TagPrecondition {
  // The tag must currently point at this digest. A tag that does not exist
  // does not match.
  std::optional<oci::Digest> must_point_to;
};

struct PutManifestResult {
  bool created = false;            // false: the manifest existed already
  std::optional<oci::Digest> previous_tag_target;  // the tag's old digest, if it moved
};

class RepositoryIndex {
 public:
  virtual ~RepositoryIndex() = default;

  // ---- repositories ------------------------------------------------------------

  // kNotFound if the repository does not exist.
  virtual Result<RepositoryRecord> GetRepository(std::string_view name) = 0;
  // Repositories with name > `after` in byte order, at most `limit`.
  virtual Result<Page<std::string>> ListRepositories(std::string_view after, std::size_t limit) = 0;
  // Removes the repository, its tags, manifests and blob links (blobs
  // themselves stay until GC). kNotFound if absent; kPermissionDenied if the
  // repository or any of its tags or manifests is locked for deletion.
  virtual Status DeleteRepository(std::string_view name) = 0;
  // kNotFound if absent.
  virtual Status UpdateRepositoryAttributes(std::string_view name, const LockAttributesPatch& patch) = 0;

  // ---- manifests and tags ------------------------------------------------------

  // kNotFound if the manifest is not in the repository.
  virtual Result<ManifestRecord> GetManifest(std::string_view repository, const oci::Digest& digest) = 0;
  // kNotFound if the tag is not in the repository.
  virtual Result<TagRecord> GetTag(std::string_view repository, std::string_view tag) = 0;

  // Stores a manifest whose bytes were already published in the BlobStore
  // and, if `tag` is set, points the tag at it, all in one transaction.
  // Links the manifest's own blob to the repository. Creates the repository.
  //   kFailedPrecondition "manifest blob unknown: <digest>" if a blob in
  //     `refs.blobs` is not linked to the repository, or the manifest's own
  //     blob is not recorded (BlobIndex::RecordBlob);
  //   kNotFound "manifest unknown: <digest>" if a child in `refs.manifests`
  //     is not a manifest of the repository;
  //   kAborted if `precondition` does not hold (nothing changes);
  //   kPermissionDenied if the repository is locked for writing, or `tag`
  //     exists, points elsewhere and is locked for writing.
  virtual Result<PutManifestResult> PutManifest(std::string_view repository, const ManifestRecord& manifest,
                                                const ManifestReferences& refs,
                                                const std::optional<std::string>& tag,
                                                const TagPrecondition& precondition) = 0;

  // Deletes the manifest and every tag pointing at it. kNotFound if absent;
  // kPermissionDenied if the repository, the manifest or one of those tags is
  // locked for deletion.
  virtual Status DeleteManifest(std::string_view repository, const oci::Digest& digest) = 0;
  // Deletes one tag (the manifest stays). kNotFound if absent;
  // kPermissionDenied if the repository or the tag is locked for deletion.
  virtual Status DeleteTag(std::string_view repository, std::string_view tag) = 0;

  // Tag names > `after` in byte order, at most `limit`. Tags with
  // list_enabled=false are left out unless `include_unlisted`.
  // kNotFound if the repository does not exist.
  virtual Result<Page<std::string>> ListTags(std::string_view repository, std::string_view after,
                                             std::size_t limit, bool include_unlisted) = 0;
  // Full tag records in name order (the ACR metadata API).
  virtual Result<Page<TagRecord>> ListTagRecords(std::string_view repository, std::string_view after,
                                                 std::size_t limit) = 0;
  // Manifests in digest order (the ACR metadata API).
  virtual Result<Page<ManifestRecord>> ListManifests(std::string_view repository, std::string_view after,
                                                     std::size_t limit) = 0;
  // Tags pointing at `digest`, in name order.
  virtual Result<std::vector<std::string>> TagsOf(std::string_view repository, const oci::Digest& digest) = 0;

  // Manifests in the repository whose subject is `subject`, optionally only
  // those with the given artifact type, in digest order. An unknown
  // repository or subject gives an empty list, not an error.
  virtual Result<std::vector<ManifestRecord>> ListReferrers(std::string_view repository,
                                                            const oci::Digest& subject,
                                                            std::optional<std::string_view> artifact_type) = 0;

  // kNotFound if the tag or manifest is absent.
  virtual Status UpdateTagAttributes(std::string_view repository, std::string_view tag,
                                     const LockAttributesPatch& patch) = 0;
  virtual Status UpdateManifestAttributes(std::string_view repository, const oci::Digest& digest,
                                          const LockAttributesPatch& patch) = 0;
};

}  // namespace scopereg::metadata
