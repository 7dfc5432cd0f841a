// Digest: a content address "<algorithm>:<encoded>" (OCI image-spec
// descriptor.md). scopereg verifies sha256 and sha512; a syntactically valid
// digest with another algorithm parses but is not Supported().
//
// Thread safety: value type.
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <string_view>

#include "scopereg/core/crypto.h"
#include "scopereg/core/status.h"

namespace scopereg::oci {

class Digest {
 public:
  Digest() = default;

  // kInvalidArgument unless `s` is algorithm ":" encoded per the image spec,
  // and, for sha256/sha512, the encoded part is exactly 64/128 lower-case hex.
  static Result<Digest> Parse(std::string_view s);
  // Builds from a known algorithm and the lower-case hex from a Hasher.
  static Digest FromHex(HashAlgorithm algorithm, std::string hex);
  // sha256 of `content`.
  static Digest Sha256Of(std::string_view content);

  const std::string& str() const { return value_; }
  std::string_view algorithm() const;
  std::string_view encoded() const;
  // The HashAlgorithm, if scopereg can verify it.
  std::optional<HashAlgorithm> hash_algorithm() const;
  bool Supported() const { return hash_algorithm().has_value(); }
  bool empty() const { return value_.empty(); }

  friend bool operator==(const Digest& a, const Digest& b) { return a.value_ == b.value_; }
  friend bool operator<(const Digest& a, const Digest& b) { return a.value_ < b.value_; }

 private:
  explicit Digest(std::string v) : value_(std::move(v)) {}
  std::string value_;
};

}  // namespace scopereg::oci

template <>
struct std::hash<scopereg::oci::Digest> {
  std::size_t operator()(const scopereg::oci::Digest& d) const noexcept {
    return std::hash<std::string>()(d.str());
  }
};
