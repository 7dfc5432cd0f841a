// Cryptographic primitives over OpenSSL 3: hashing, HMAC, the OS CSPRNG and
// constant-time comparison.
//
// Thread safety: free functions are safe for concurrent use. A Hasher object
// is not; give each upload its own.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "scopereg/core/status.h"

namespace scopereg {

enum class HashAlgorithm : std::uint8_t { kSha256, kSha512 };

std::string_view HashAlgorithmName(HashAlgorithm a);  // "sha256", "sha512"
std::optional<HashAlgorithm> ParseHashAlgorithm(std::string_view name);
std::size_t HashHexLength(HashAlgorithm a);  // 64 or 128

// A streaming hash whose intermediate state can be saved and restored, so an
// upload that continues on another node (or after a restart) does not re-read
// what it already hashed (architecture.md decision 3).
class Hasher {
 public:
  explicit Hasher(HashAlgorithm algorithm);
  HashAlgorithm algorithm() const { return algorithm_; }

  void Update(const void* data, std::size_t size);
  void Update(std::string_view s) { Update(s.data(), s.size()); }
  // Lower-case hex of the digest of everything passed to Update. The hasher
  // stays usable: Finish works on a copy of the state.
  std::string HexDigest() const;

  // Opaque bytes that Restore accepts, for the same algorithm only.
  std::string SaveState() const;
  // kInvalidArgument when `state` did not come from SaveState of this
  // algorithm.
  static Result<Hasher> Restore(HashAlgorithm algorithm, std::string_view state);

 private:
  HashAlgorithm algorithm_;
  // Large enough for SHA512_CTX; aligned for both context structs.
  alignas(16) std::array<unsigned char, 256> ctx_{};
};

// One-shot lower-case hex SHA-256.
std::string Sha256Hex(std::string_view data);
// One-shot raw SHA-256 (32 bytes).
std::array<unsigned char, 32> Sha256(std::string_view data);
// Raw HMAC-SHA256 (32 bytes).
std::array<unsigned char, 32> HmacSha256(std::string_view key, std::string_view message);

// `n` bytes from the OS CSPRNG. kUnavailable if the generator fails, which
// callers must treat as fatal for the operation (never fall back).
Result<std::string> RandomBytes(std::size_t n);

// Compares in time that depends only on the lengths, never on the contents.
bool ConstantTimeEquals(std::string_view a, std::string_view b);

}  // namespace scopereg
