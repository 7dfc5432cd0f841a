// BlobIndex: which blobs exist, which repositories may see them, and the
// protocol that lets garbage collection delete blobs without racing pushes.
//
// The GC protocol (no lock held across storage calls, so it works across
// several nodes sharing one database):
//   push:  RecordBlob(d) -> publish bytes in the BlobStore -> LinkBlob(repo, d)
//   GC:    MarkBlobDeleting(d, cutoff) -> BlobStore::Delete(d) -> ForgetBlob(d)
// RecordBlob and LinkBlob refresh `last_touched`, and MarkBlobDeleting only
// marks blobs that nothing references and nobody touched since `cutoff`.
// A push that meets a blob being deleted gets kAborted from RecordBlob and
// retries once ForgetBlob removed the row; LinkBlob treats it as absent. So a
// blob's bytes are never deleted after a push recorded or linked it.
//
// "Referenced" means: the blob is a manifest's own content, or a manifest's
// config or layer, in any repository. A link alone (a pushed layer that no
// manifest uses yet) protects a blob only until `cutoff`.
//
// Thread safety: all methods are safe for concurrent use.
#pragma once

#include <cstdint>
#include <string_view>
#include <vector>

#include "scopereg/core/status.h"
#include "scopereg/metadata/records.h"

namespace scopereg::metadata {

class BlobIndex {
 public:
  virtual ~BlobIndex() = default;

  // kNotFound if no blob row exists (or it is being deleted).
  virtual Result<BlobRecord> GetBlob(const oci::Digest& digest) = 0;
  // The blob if it is linked to `repository`; kNotFound otherwise.
  virtual Result<BlobRecord> GetLinkedBlob(std::string_view repository, const oci::Digest& digest) = 0;
  // Up to `limit` repositories the blob is linked to, in name order (for
  // mounting a blob without `from`).
  virtual Result<std::vector<std::string>> RepositoriesWithBlob(const oci::Digest& digest, std::size_t limit) = 0;

  // Creates the blob row, or refreshes last_touched if it exists. Call it
  // BEFORE publishing the bytes. kAborted if GC is deleting the blob right
  // now (retry shortly); kInvalidArgument if the row exists with another size.
  virtual Status RecordBlob(const oci::Digest& digest, std::int64_t size) = 0;
  // Links a recorded blob to the repository (creating the repository) and
  // refreshes last_touched. kNotFound if there is no blob row (or it is being
  // deleted). Linking twice is OK.
  virtual Status LinkBlob(std::string_view repository, const oci::Digest& digest) = 0;
  // Removes the link (DELETE /v2/<name>/blobs/<digest>). kNotFound if the
  // blob was not linked to the repository.
  virtual Status UnlinkBlob(std::string_view repository, const oci::Digest& digest) = 0;

  // Blobs that no manifest references and that were last touched before
  // `cutoff`, at most `limit`, in digest order after `after`.
  virtual Result<std::vector<BlobRecord>> ListUnreferencedBlobs(Time cutoff, const oci::Digest& after,
                                                                std::size_t limit) = 0;
  // Atomically marks the blob as being deleted if it is still unreferenced
  // and untouched since `cutoff`. Returns false (and changes nothing) if it
  // is referenced, was touched, or does not exist.
  virtual Result<bool> MarkBlobDeleting(const oci::Digest& digest, Time cutoff) = 0;
  // Removes the row of a blob marked as being deleted, with its links.
  virtual Status ForgetBlob(const oci::Digest& digest) = 0;
  // Blobs marked as being deleted (a GC that crashed between its steps), so
  // the next GC can finish them.
  virtual Result<std::vector<oci::Digest>> ListBlobsBeingDeleted() = 0;
};

}  // namespace scopereg::metadata
