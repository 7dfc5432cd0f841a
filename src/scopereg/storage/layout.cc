#include "scopereg/storage/layout.h"

namespace scopereg::storage {

namespace {

bool IsLowerHex(char c) { return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'); }

bool IsLowerHex(std::string_view s) {
  for (char c : s) {
    if (!IsLowerHex(c)) return false;
  }
  return true;
}

}  // namespace

std::string BlobKey(const oci::Digest& digest) {
  std::string_view hex = digest.encoded();
  std::string key = "blobs/";
  key.append(digest.algorithm());
  key += '/';
  key.append(hex.substr(0, 2));
  key += '/';
  key.append(hex);
  return key;
}

std::optional<oci::Digest> DigestFromBlobKey(std::string_view algorithm, std::string_view fanout,
                                             std::string_view name) {
  auto alg = ParseHashAlgorithm(algorithm);
  if (!alg || name.size() != HashHexLength(*alg) || !IsLowerHex(name) || name.substr(0, 2) != fanout) {
    return std::nullopt;
  }
  return oci::Digest::FromHex(*alg, std::string(name));
}

bool IsValidUploadId(std::string_view id) {
  if (id.size() != 36) return false;
  for (std::size_t i = 0; i < id.size(); ++i) {
    const bool dash_position = i == 8 || i == 13 || i == 18 || i == 23;
    if (dash_position ? id[i] != '-' : !IsLowerHex(id[i])) return false;
  }
  return true;
}

Status CheckUploadId(std::string_view id) {
  if (IsValidUploadId(id)) return Status::Ok();
  return Status::InvalidArgument("invalid upload id '" + std::string(id) + "': want a lower-case UUID");
}

std::string UploadKey(std::string_view id) { return "uploads/" + std::string(id); }

}  // namespace scopereg::storage
