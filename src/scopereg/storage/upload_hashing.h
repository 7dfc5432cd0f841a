// Upload logic written once for every backend: the resumable hash of staged
// bytes and the check of a finished upload against the client's digest.
// Backends supply only how bytes are appended and re-read.
//
// Thread safety: functions are pure; a HashingUploadWriter is used by one
// request at a time, like any UploadWriter.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <optional>

#include "scopereg/core/clock.h"
#include "scopereg/core/crypto.h"
#include "scopereg/core/status.h"
#include "scopereg/oci/digest.h"
#include "scopereg/storage/blob_store.h"

namespace scopereg::storage {

// The hasher of bytes [0, state.offset) from state.hash_state. An empty
// hash_state is accepted at offset 0 (nothing was hashed yet).
// kInvalidArgument if the state does not belong to state.hash_algorithm.
Result<Hasher> RestoreUploadHasher(const UploadState& state);

// Feeds the staged bytes [0, state.offset), in order, to the hasher.
using StagedBytesHasher = std::function<Status(Hasher& hasher)>;

// OK if the staged bytes [0, state.offset) hash to `expected`. When
// `expected` uses the upload's algorithm the saved hash state answers
// without I/O; otherwise `hash_staged` re-reads the bytes (decision 3 keeps
// the state only for the algorithm the upload started with).
//   kInvalidArgument: mismatch, unverifiable `expected`, or a bad hash state.
//   Whatever `hash_staged` returns on failure.
Status VerifyUploadDigest(const UploadState& state, const oci::Digest& expected,
                          const StagedBytesHasher& hash_staged);

// An UploadWriter that hashes exactly the bytes its backend accepted, so the
// state it returns always describes the staged data. A subclass implements
// Append and Close.
//
// After a failed Append the writer is broken: the backend may hold part of
// the buffer past the last persisted offset, which no state describes, so
// every later Write and Finish returns the same error and the caller keeps
// its previous state (the next OpenUpload discards those bytes). Write after
// Finish is kFailedPrecondition.
class HashingUploadWriter : public UploadWriter {
 public:
  Status Write(const char* data, std::size_t n) final;
  std::uint64_t offset() const final { return state_.offset + written_; }
  oci::Digest CurrentDigest() const final;
  Result<UploadState> Finish() final;

 protected:
  // `state` is the one passed to OpenUpload, `hasher` its restored hasher.
  HashingUploadWriter(UploadState state, Hasher hasher, const Clock& clock);

  // Stores `n` > 0 bytes at offset(). Called before the bytes are hashed.
  virtual Status Append(const char* data, std::size_t n) = 0;
  // Called once by Finish, after the last Append and before the new state is
  // returned (flush buffers, release locks). An error fails Finish.
  virtual Status Close() = 0;

  // The state the writer started from. A backend that keeps its own
  // progress (S3: the multipart part list) updates backend_state here;
  // Finish returns it along with the new offset and hash state.
  UploadState& state() { return state_; }

 private:
  UploadState state_;
  Hasher hasher_;
  const Clock& clock_;
  std::uint64_t written_ = 0;
  std::optional<Status> broken_;  // set by the first failed Append or Close
  bool finished_ = false;
};

}  // namespace scopereg::storage
