// BlobStore: content-addressed bytes (layers, configs, manifests) and the
// staging area where uploads are written before they become blobs.
//
// A blob lives at a key derived from its digest (blobs/<alg>/<2 hex>/<hex>),
// is immutable once published, and is the same object for every repository:
// which repository may see which blob is metadata (BlobIndex links), never
// storage. Publishing is atomic and durable: a reader sees either no blob or
// the whole, fsync'ed content (architecture.md decision 2). A crash at any
// point leaves at most an unreferenced object or a staging area that GC
// removes.
//
// Upload staging is resumable from persisted state (decision 3): an
// UploadState (offset, hash state, backend state) is kept by the metadata
// store, and any process holding it can append the next chunk, even after a
// restart, without re-reading what was hashed before.
//
// Thread safety: all methods are safe for concurrent use. Two writers on the
// same upload at once are the caller's bug; OpenUpload makes the second one
// fail or overwrite only unpersisted bytes, never persisted ones.
//
// Implementations: storage/fs (the embedded default). The shared conformance
// suite is tests/conformance/blob_store_suite.h.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "scopereg/core/clock.h"
#include "scopereg/core/crypto.h"
#include "scopereg/core/status.h"
#include "scopereg/oci/digest.h"

namespace scopereg::storage {

// Everything needed to continue an upload; persisted by the metadata store
// (metadata::UploadSessionStore) after every successful chunk.
struct UploadState {
  std::string id;                  // the upload UUID in the Location URL
  std::string repository;          // the repository it was started in
  std::uint64_t offset = 0;        // bytes staged and persisted so far
  HashAlgorithm hash_algorithm = HashAlgorithm::kSha256;
  std::string hash_state;          // Hasher::SaveState() of bytes [0, offset)
  std::string backend_state;       // opaque to callers (e.g. S3 multipart ids)
  Time created_at{};
  Time updated_at{};
};

// Sequential reader over a blob or a byte range of it.
class BlobReader {
 public:
  virtual ~BlobReader() = default;
  // The number of bytes this reader produces in total (the range length).
  virtual std::uint64_t size() const = 0;
  // Copies up to `n` bytes; 0 after size() bytes were read. kUnavailable or
  // kDataLoss on I/O errors.
  virtual Result<std::size_t> Read(char* buf, std::size_t n) = 0;
  // For sendfile(2): a descriptor whose bytes [native_offset(),
  // native_offset()+size()) are this range, or -1 if there is none (S3).
  virtual int native_fd() const { return -1; }
  virtual std::uint64_t native_offset() const { return 0; }
};

// Appends one request's bytes to an upload and hashes them on the way.
class UploadWriter {
 public:
  virtual ~UploadWriter() = default;
  // Appends and hashes. kUnavailable on I/O errors (disk full...). A backend
  // may store the bytes after returning (the filesystem one writes while the
  // caller hashes): its I/O error then comes from the next Write or from
  // Finish, and a writer that reported an error stays failed.
  virtual Status Write(const char* data, std::size_t n) = 0;
  // Total staged bytes including this writer's (state.offset + written).
  virtual std::uint64_t offset() const = 0;
  // Digest of all staged bytes so far, in the upload's hash algorithm.
  virtual oci::Digest CurrentDigest() const = 0;
  // Ends this writer and returns the state to persist. The bytes need not be
  // durable yet (CommitUpload makes them so). Dropping a writer without
  // calling Finish means its bytes are not part of the upload: the next
  // OpenUpload discards them.
  virtual Result<UploadState> Finish() = 0;
};

class BlobStore {
 public:
  virtual ~BlobStore() = default;

  // ---- blobs -----------------------------------------------------------------

  // Size of the published blob. kNotFound if absent.
  virtual Result<std::uint64_t> Stat(const oci::Digest& digest) = 0;
  // Reads [offset, offset+length) of a published blob; nullopt length means
  // to the end. kNotFound if absent; kOutOfRange if offset > size or the
  // range exceeds the blob.
  virtual Result<std::unique_ptr<BlobReader>> Open(const oci::Digest& digest, std::uint64_t offset = 0,
                                                   std::optional<std::uint64_t> length = std::nullopt) = 0;
  // Reads a whole published blob into memory (manifests). kNotFound if
  // absent; kResourceExhausted if it is larger than `max_bytes`.
  virtual Result<std::string> ReadAll(const oci::Digest& digest, std::size_t max_bytes) = 0;
  // Publishes `content` at `digest` atomically and durably (manifests, small
  // monolithic pushes). kInvalidArgument if `content` does not hash to
  // `digest`. Publishing an existing blob is OK and changes nothing.
  virtual Status Put(const oci::Digest& digest, std::string_view content) = 0;
  // Removes a published blob. OK if it was absent. Only garbage collection
  // calls this, after the metadata store agreed (BlobIndex::MarkBlobDeleting).
  virtual Status Delete(const oci::Digest& digest) = 0;
  // Calls `fn` for each published blob (GC's sweep for objects that have no
  // metadata row, e.g. after a crash between publish and record). Stops when
  // `fn` returns false.
  virtual Status ForEachBlob(const std::function<bool(const oci::Digest&, std::uint64_t size, Time modified)>& fn) = 0;

  // ---- uploads -----------------------------------------------------------------

  // Creates an empty staging area for upload `id` and returns its state
  // (offset 0). kAlreadyExists if `id` is in use.
  virtual Result<UploadState> StartUpload(std::string_view id, std::string_view repository,
                                          HashAlgorithm algorithm) = 0;
  // Opens the staging area to append at `state.offset`. Bytes staged beyond
  // state.offset (from a writer that never finished) are discarded first.
  // kNotFound if the staging area is gone; kDataLoss if it holds fewer than
  // state.offset bytes.
  virtual Result<std::unique_ptr<UploadWriter>> OpenUpload(const UploadState& state) = 0;
  // Verifies that the staged bytes [0, state.offset) hash to `expected`
  // (re-reading them if `expected` uses another algorithm than the upload),
  // then publishes them as that blob, durably, and removes the staging area.
  // Returns the blob size.
  //   kInvalidArgument: digest mismatch; nothing is published and the staging
  //     area is left as it was, so the client may retry.
  //   kNotFound: the staging area is gone.
  virtual Result<std::uint64_t> CommitUpload(const UploadState& state, const oci::Digest& expected) = 0;
  // Deletes the staging area. OK if it was already gone.
  virtual Status AbortUpload(const UploadState& state) = 0;
  // Calls `fn` for each staging area (id, last modified) so GC can remove
  // ones whose metadata row is gone. Stops when `fn` returns false.
  virtual Status ForEachUpload(const std::function<bool(std::string_view id, Time modified)>& fn) = 0;
};

}  // namespace scopereg::storage
