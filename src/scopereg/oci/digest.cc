#include "scopereg/oci/digest.h"

namespace scopereg::oci {

namespace {

bool IsAlgorithmComponentChar(char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'); }
bool IsAlgorithmSeparator(char c) { return c == '+' || c == '.' || c == '_' || c == '-'; }
bool IsEncodedChar(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '=' ||
         c == '_' || c == '-';
}
bool IsLowerHex(char c) { return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'); }

// algorithm ::= component (separator component)*, component ::= [a-z0-9]+
bool ValidAlgorithm(std::string_view a) {
  if (a.empty()) return false;
  bool need_component = true;
  for (char c : a) {
    if (IsAlgorithmComponentChar(c)) {
      need_component = false;
    } else if (IsAlgorithmSeparator(c)) {
      if (need_component) return false;
      need_component = true;
    } else {
      return false;
    }
  }
  return !need_component;
}

}  // namespace

Result<Digest> Digest::Parse(std::string_view s) {
  auto colon = s.find(':');
  if (colon == std::string_view::npos) return Status::InvalidArgument("digest has no algorithm: '" + std::string(s) + "'");
  std::string_view alg = s.substr(0, colon), enc = s.substr(colon + 1);
  if (!ValidAlgorithm(alg)) return Status::InvalidArgument("invalid digest algorithm in '" + std::string(s) + "'");
  if (enc.empty()) return Status::InvalidArgument("empty digest in '" + std::string(s) + "'");
  for (char c : enc) {
    if (!IsEncodedChar(c)) return Status::InvalidArgument("invalid digest '" + std::string(s) + "'");
  }
  if (auto known = ParseHashAlgorithm(alg)) {
    if (enc.size() != HashHexLength(*known)) {
      return Status::InvalidArgument("invalid " + std::string(alg) + " digest length in '" + std::string(s) + "'");
    }
    for (char c : enc) {
      if (!IsLowerHex(c)) {
        return Status::InvalidArgument("digest must be lower-case hex: '" + std::string(s) + "'");
      }
    }
  }
  return Digest(std::string(s));
}

Digest Digest::FromHex(HashAlgorithm algorithm, std::string hex) {
  std::string v(HashAlgorithmName(algorithm));
  v += ':';
  v += hex;
  return Digest(std::move(v));
}

Digest Digest::Sha256Of(std::string_view content) { return FromHex(HashAlgorithm::kSha256, Sha256Hex(content)); }

std::string_view Digest::algorithm() const {
  std::string_view v(value_);
  return v.substr(0, v.find(':'));
}

std::string_view Digest::encoded() const {
  std::string_view v(value_);
  auto c = v.find(':');
  return c == std::string_view::npos ? std::string_view() : v.substr(c + 1);
}

std::optional<HashAlgorithm> Digest::hash_algorithm() const { return ParseHashAlgorithm(algorithm()); }

}  // namespace scopereg::oci
