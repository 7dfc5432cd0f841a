#include "scopereg/storage/upload_hashing.h"

#include <string>
#include <utility>

#include "scopereg/storage/blob_checks.h"

namespace scopereg::storage {

Result<Hasher> RestoreUploadHasher(const UploadState& state) {
  if (state.hash_state.empty() && state.offset == 0) return Hasher(state.hash_algorithm);
  auto hasher = Hasher::Restore(state.hash_algorithm, state.hash_state);
  if (!hasher.ok()) return hasher.status().WithPrefix("upload " + state.id);
  return hasher;
}

Status VerifyUploadDigest(const UploadState& state, const oci::Digest& expected,
                          const StagedBytesHasher& hash_staged) {
  SCOPEREG_RETURN_IF_ERROR(CheckVerifiableDigest(expected));
  const HashAlgorithm algorithm = *expected.hash_algorithm();
  std::string actual;
  if (algorithm == state.hash_algorithm) {
    SCOPEREG_ASSIGN_OR_RETURN(Hasher hasher, RestoreUploadHasher(state));
    actual = hasher.HexDigest();
  } else {
    Hasher hasher(algorithm);
    SCOPEREG_RETURN_IF_ERROR(hash_staged(hasher));
    actual = hasher.HexDigest();
  }
  if (actual == expected.encoded()) return Status::Ok();
  return Status::InvalidArgument("upload " + state.id + " does not match digest " + expected.str() + ": its " +
                                 std::to_string(state.offset) + " bytes are " +
                                 std::string(expected.algorithm()) + ":" + actual);
}

HashingUploadWriter::HashingUploadWriter(UploadState state, Hasher hasher, const Clock& clock)
    : state_(std::move(state)), hasher_(std::move(hasher)), clock_(clock) {}

Status HashingUploadWriter::Write(const char* data, std::size_t n) {
  if (finished_) return Status::FailedPrecondition("upload " + state_.id + ": write after Finish");
  if (broken_) return *broken_;
  if (n == 0) return Status::Ok();
  // Hash only what the backend accepted: a state must never describe bytes
  // that are not staged.
  Status s = Append(data, n);
  if (!s.ok()) {
    broken_ = s;
    return s;
  }
  hasher_.Update(data, n);
  written_ += n;
  return Status::Ok();
}

oci::Digest HashingUploadWriter::CurrentDigest() const {
  return oci::Digest::FromHex(hasher_.algorithm(), hasher_.HexDigest());
}

Result<UploadState> HashingUploadWriter::Finish() {
  if (finished_) return Status::FailedPrecondition("upload " + state_.id + ": Finish called twice");
  if (broken_) return *broken_;
  Status s = Close();
  if (!s.ok()) {
    broken_ = s;
    return s;
  }
  finished_ = true;
  UploadState next = state_;
  next.offset = offset();
  next.hash_state = hasher_.SaveState();
  next.updated_at = clock_.Now();
  return next;
}

}  // namespace scopereg::storage
