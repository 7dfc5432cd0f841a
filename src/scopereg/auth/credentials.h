// Passwords: generation, keyed digests, constant-time verification, and the
// credential epochs that let a change revoke earlier JWTs.
//
// Decided (access-model.md section 1): a password is 32 bytes from the OS
// CSPRNG, base64url without padding (43 characters). Because passwords are
// high-entropy and never chosen by people, they are stored as
// HMAC-SHA256(registry secret, password) and compared in constant time; a slow
// password hash would only cap login throughput. The per-registry secret
// means a leaked database alone does not allow an offline check of guesses
// (there is nothing to guess anyway) nor a lookup across registries.
//
// Credential epochs (architecture.md decision 4). Each token and the admin
// user carry a `version`; each password slot carries an `epoch`. A Principal
// (and every JWT issued for it) records both values it authenticated with;
// AuthState::Validate rejects the principal when either differs from the
// current state. Who changes what:
//   token.version  on status change (enable/disable) and expiresOn change,
//                  and a fresh value at creation;
//   slot.epoch     when that slot's password is generated (create or
//                  regenerate).
// Deleting a slot or a token needs no epoch: the slot or token is gone.
// So regenerating password2 revokes exactly the JWTs obtained with
// password2, while disabling the token revokes all of them. Epoch values are
// random 64-bit numbers (never 0), not counters: a token deleted and created
// again under the same name must not accept JWTs issued for the old one.
// AccessAdmin assigns them; an AccessStore stores them as given.
//
// Thread safety: PasswordHasher is immutable after construction and safe for
// concurrent use; the free functions are safe for concurrent use.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "scopereg/core/clock.h"
#include "scopereg/core/status.h"

namespace scopereg::auth {

inline constexpr std::size_t kPasswordBytes = 32;
inline constexpr std::size_t kPasswordLength = 43;  // base64url, no padding
inline constexpr std::size_t kDigestLength = 32;    // HMAC-SHA256
// The per-registry digest key must be at least this long (bytes).
inline constexpr std::size_t kMinDigestKeyLength = 32;

// Tokens have "password1" and "password2"; the admin user has "password"
// and "password2". Slot 0 / slot 1 in both cases.
enum class PasswordSlot : std::uint8_t { kPassword1 = 0, kPassword2 = 1 };
inline constexpr std::array<PasswordSlot, 2> kBothSlots = {PasswordSlot::kPassword1, PasswordSlot::kPassword2};
inline constexpr std::size_t SlotIndex(PasswordSlot s) { return static_cast<std::size_t>(s); }

// "password1" / "password2" (token slot names, as in ACR).
std::string_view PasswordSlotName(PasswordSlot slot);
// "password" / "password2" (admin user slot names, as in ACR).
std::string_view AdminPasswordSlotName(PasswordSlot slot);
// Accepts "password1", "password2", and "password" (= slot 1 of the admin
// user). nullopt otherwise.
std::optional<PasswordSlot> ParsePasswordSlot(std::string_view name);

// One stored password. The plaintext is never stored.
struct PasswordCredential {
  Time creation_time{};
  std::optional<Time> expiry;  // nullopt = never; valid while now < expiry
  std::string digest;          // kDigestLength raw bytes (PasswordHasher::Digest)
  std::uint64_t epoch = 0;     // see the file comment

  bool ExpiredAt(Time now) const { return expiry.has_value() && now >= *expiry; }
  friend bool operator==(const PasswordCredential&, const PasswordCredential&) = default;
};

// A new password: 43 characters of base64url from 32 CSPRNG bytes.
// kUnavailable if the OS generator fails (never falls back).
Result<std::string> GeneratePassword();

// A new credential epoch: a random non-zero 64-bit value. kUnavailable if
// the OS generator fails.
Result<std::uint64_t> NewCredentialEpoch();

// Computes and checks keyed password digests. Construct once per registry
// from the secret key (kept outside the database, e.g. in a 0600 file).
// Changing the key invalidates every stored digest.
class PasswordHasher {
 public:
  // kInvalidArgument if `key` is shorter than kMinDigestKeyLength bytes.
  static Result<PasswordHasher> Create(std::string_view key);

  // HMAC-SHA256(key, password): kDigestLength raw bytes. About 0.3 us: the
  // key's inner and outer SHA-256 states are computed once, here.
  std::string Digest(std::string_view password) const;
  std::array<unsigned char, kDigestLength> DigestArray(std::string_view password) const;

  // Whether `password` digests to `digest`, compared in constant time. False
  // for a digest of the wrong length.
  bool Verify(std::string_view password, std::string_view digest) const;

 private:
  PasswordHasher() = default;
  // Saved SHA-256 states after absorbing (key ^ ipad) and (key ^ opad): an
  // HMAC then costs two compressions for a short password instead of four.
  alignas(16) std::array<unsigned char, 128> inner_{};
  alignas(16) std::array<unsigned char, 128> outer_{};
};

}  // namespace scopereg::auth
