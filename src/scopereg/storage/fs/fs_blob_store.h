// FsBlobStore: the BlobStore of the embedded default, on a local POSIX
// filesystem (ext4/xfs; not NFS, whose flock and rename semantics differ).
//
// On-disk layout under `root` (storage/layout.h names the keys):
//
//   <root>/
//   ├── blobs/                        published blobs, immutable
//   │   ├── sha256/
//   │   │   └── ab/                   first two hex characters (fan-out)
//   │   │       └── ab12...ef         the blob's bytes; the name is its digest
//   │   └── sha512/
//   │       └── ...
//   ├── uploads/
//   │   └── <id>                      staging data of upload <id> (a lower-case
//   │                                 UUID); bytes [0, persisted offset) count,
//   │                                 anything after them is discarded
//   └── tmp/
//       └── <uuid>                    a Put in progress; never read
//
// Nothing else is written under root. Listings skip names that do not fit
// this scheme, so stray files (editor backups, lost+found) are harmless.
//
// Crash consistency. A blob becomes visible only by rename(2) of a complete
// file whose data was fdatasync'ed first, into a directory whose own entry
// was fsync'ed when it was created; the directory holding the new name is
// fsync'ed before Put/CommitUpload return, so a caller that then records the
// blob in the metadata store never refers to a name a power loss can undo.
// A crash before the rename leaves a file in tmp/ (removed by Open once it is
// an hour old) or the staging file (removed by GC through ForEachUpload); a
// crash after it leaves an unreferenced blob (removed by GC through
// ForEachBlob). Staging data is not fsync'ed until commit: after a power
// loss OpenUpload may report kDataLoss and the client restarts the upload.
//
// Writers. An UploadWriter holds an exclusive flock(2) on its staging file
// until Finish or destruction. A second OpenUpload, or a CommitUpload, of the
// same upload while a writer is alive fails with kAborted, so two requests
// can never interleave bytes under one hash state, and a commit can never
// publish a file a writer still appends to.
//
// Error codes, in addition to the BlobStore contract:
//   kUnavailable: any I/O failure of this host (ENOSPC, EIO, EDQUOT, EROFS,
//     EACCES...), with the errno text and the path; retrying after the
//     operator fixes the disk works.
//   kInvalidArgument: a digest that is not sha256/sha512, an upload id that
//     is not a lower-case UUID (storage/layout.h), or an UploadState whose
//     hash_state does not belong to its hash_algorithm; before any file is
//     touched.
//   kAborted: OpenUpload/CommitUpload while another writer of that upload is
//     alive (see Writers).
//
// Thread safety: all methods are safe for concurrent use, also by several
// processes on the same root. Every call blocks on disk I/O (Put and
// CommitUpload on fsync); run them off the event loop (decision 6).
#pragma once

#include <memory>
#include <string>

#include "scopereg/core/clock.h"
#include "scopereg/storage/blob_store.h"

namespace scopereg::storage {

class FsBlobStore final : public BlobStore {
 public:
  // Creates root (made absolute) and its three directories as needed, and removes files in
  // tmp/ left by Puts that crashed more than an hour ago (by `clock`; a live
  // Put takes milliseconds, so a second process on the same root is safe).
  // kUnavailable if root cannot be created or is not a directory.
  // `clock` must outlive the store; it stamps UploadState times.
  static Result<std::unique_ptr<FsBlobStore>> Open(std::string root, const Clock& clock);

  const std::string& root() const { return root_; }

  Result<std::uint64_t> Stat(const oci::Digest& digest) override;
  // The reader's native_fd() is its own descriptor (valid until the reader
  // is destroyed) and native_offset() the range start, for sendfile(2).
  Result<std::unique_ptr<BlobReader>> Open(const oci::Digest& digest, std::uint64_t offset = 0,
                                           std::optional<std::uint64_t> length = std::nullopt) override;
  Result<std::string> ReadAll(const oci::Digest& digest, std::size_t max_bytes) override;
  Status Put(const oci::Digest& digest, std::string_view content) override;
  // Leaves the fan-out directory in place even when it becomes empty: removing
  // it would race with a publish that just created or checked it.
  Status Delete(const oci::Digest& digest) override;
  // `modified` is the file's mtime.
  Status ForEachBlob(const std::function<bool(const oci::Digest&, std::uint64_t size, Time modified)>& fn) override;

  // The staging file is created but not fsync'ed (see Crash consistency).
  Result<UploadState> StartUpload(std::string_view id, std::string_view repository,
                                  HashAlgorithm algorithm) override;
  // Writes go straight from the caller's buffer to write(2) and to the
  // hasher: no copy, no buffering, no fsync.
  Result<std::unique_ptr<UploadWriter>> OpenUpload(const UploadState& state) override;
  // Publishes by renaming the staging file (no copy), after truncating any
  // unpersisted tail and fdatasync'ing it. Re-hashing for another algorithm
  // reads through a fixed 1 MiB buffer.
  Result<std::uint64_t> CommitUpload(const UploadState& state, const oci::Digest& expected) override;
  Status AbortUpload(const UploadState& state) override;
  // `modified` is the staging file's mtime, i.e. the last write.
  Status ForEachUpload(const std::function<bool(std::string_view id, Time modified)>& fn) override;

 private:
  FsBlobStore(std::string root, const Clock& clock);

  std::string BlobPath(const oci::Digest& digest) const;
  std::string UploadPath(std::string_view id) const;
  // Renames the complete, synced file at `from` to the blob's path and makes
  // the new name durable. An existing blob wins and `from` is removed.
  Status Publish(const std::string& from, const oci::Digest& digest);
  Status WriteTempAndPublish(const std::string& tmp, const oci::Digest& digest, std::string_view content);
  void RemoveStaleTempFiles();

  const std::string root_;
  const Clock& clock_;
};

}  // namespace scopereg::storage
