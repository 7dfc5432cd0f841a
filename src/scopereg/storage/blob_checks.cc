#include "scopereg/storage/blob_checks.h"

#include <string>

#include "scopereg/core/crypto.h"

namespace scopereg::storage {

Status CheckVerifiableDigest(const oci::Digest& digest) {
  if (digest.Supported()) return Status::Ok();
  return Status::InvalidArgument("unsupported digest '" + digest.str() + "': want sha256 or sha512");
}

Status CheckContentDigest(const oci::Digest& digest, std::string_view content) {
  SCOPEREG_RETURN_IF_ERROR(CheckVerifiableDigest(digest));
  Hasher hasher(*digest.hash_algorithm());
  hasher.Update(content);
  std::string actual = hasher.HexDigest();
  if (actual == digest.encoded()) return Status::Ok();
  return Status::InvalidArgument("content does not match digest " + digest.str() + ": it is " +
                                 std::string(digest.algorithm()) + ":" + actual);
}

Result<std::uint64_t> ResolveRange(std::uint64_t size, std::uint64_t offset,
                                   std::optional<std::uint64_t> length) {
  if (offset > size) {
    return Status::OutOfRange("offset " + std::to_string(offset) + " is past the end (" +
                              std::to_string(size) + " bytes)");
  }
  const std::uint64_t available = size - offset;
  if (!length) return available;
  // Compared against what is left, so offset + length cannot overflow.
  if (*length > available) {
    return Status::OutOfRange("range of " + std::to_string(*length) + " bytes at " + std::to_string(offset) +
                              " exceeds the object (" + std::to_string(size) + " bytes)");
  }
  return *length;
}

}  // namespace scopereg::storage
