// Repository names, tags and manifest references (distribution-spec
// "Definitions"): what a URL path segment may contain.
//
// Pure functions; safe for concurrent use.
#pragma once

#include <string>
#include <string_view>
#include <variant>

#include "scopereg/core/status.h"
#include "scopereg/oci/digest.h"

namespace scopereg::oci {

// Longest repository name accepted. The spec allows registries to limit it;
// 255 is what Distribution and most clients (host + name) assume.
inline constexpr std::size_t kMaxRepositoryNameLength = 255;
inline constexpr std::size_t kMaxTagLength = 128;

// [a-z0-9]+((\.|_|__|-+)[a-z0-9]+)*(\/[a-z0-9]+((\.|_|__|-+)[a-z0-9]+)*)*
bool IsValidRepositoryName(std::string_view name);
// [a-zA-Z0-9_][a-zA-Z0-9._-]{0,127}
bool IsValidTag(std::string_view tag);

// A manifest reference: a tag or a digest.
class Reference {
 public:
  // A string with ':' is parsed as a digest, anything else as a tag.
  // kInvalidArgument if it is neither.
  static Result<Reference> Parse(std::string_view s);
  static Reference OfDigest(Digest d) { return Reference(std::move(d)); }

  bool is_digest() const { return std::holds_alternative<Digest>(v_); }
  bool is_tag() const { return !is_digest(); }
  const Digest& digest() const { return std::get<Digest>(v_); }  // REQUIRES: is_digest()
  const std::string& tag() const { return std::get<std::string>(v_); }  // REQUIRES: is_tag()
  std::string str() const { return is_digest() ? digest().str() : tag(); }

 private:
  explicit Reference(std::string tag) : v_(std::move(tag)) {}
  explicit Reference(Digest d) : v_(std::move(d)) {}
  std::variant<std::string, Digest> v_;
};

}  // namespace scopereg::oci
