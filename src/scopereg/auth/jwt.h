// ES256 signing keys, key sets with rotation, and compact JWS signing and
// verification (RFC 7515/7518) over OpenSSL 3. token_service.h builds the
// registry's access and refresh tokens on top of this.
//
// Only ES256 (ECDSA P-256 with SHA-256) exists here: a JWT whose header names
// any other algorithm ("none", HS256, RS256, ...) is refused before any key
// is touched, which rules out algorithm-confusion attacks.
//
// Key id ("kid" header), decided: the RFC 7638 JWK thumbprint of the public
// key, i.e. base64url(SHA-256('{"crv":"P-256","kty":"EC","x":"<x>","y":"<y>"}'))
// (43 characters). It is standard, derived from the key alone (every node
// computes the same kid from the same PEM, nothing to configure), and equals
// the kid a JWKS consumer would compute. Distribution's old libtrust ids
// are not needed: only this registry verifies its own tokens.
//
// Signatures: OpenSSL produces DER-encoded ECDSA signatures; JWS needs the
// raw 64-byte r||s. Both directions are converted here.
//
// Thread safety: SigningKey and KeySet are immutable after construction and
// safe for concurrent use (OpenSSL 3 allows concurrent use of one EVP_PKEY for
// signing and verifying; each call uses its own context).
#pragma once

#include <cstddef>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "scopereg/core/status.h"

struct evp_pkey_st;  // OpenSSL's EVP_PKEY

namespace scopereg::auth {

// Longest compact JWT accepted for verification (bytes). An access claim for
// the maximum of 64 scopes of long names stays below it.
inline constexpr std::size_t kMaxJwtLength = 16 * 1024;

class SigningKey {
 public:
  // A fresh P-256 key pair. kInternal if OpenSSL fails.
  static Result<SigningKey> Generate();

  // Loads a PEM private key (PKCS#8 "PRIVATE KEY" or SEC1 "EC PRIVATE KEY")
  // or public key ("PUBLIC KEY", verification only). Encrypted PEM is not
  // supported (kInvalidArgument; no password prompt). kInvalidArgument if
  // it is not PEM, not EC, or not on P-256.
  static Result<SigningKey> FromPem(std::string_view pem);

  // kFailedPrecondition for a public-only key.
  Result<std::string> PrivateKeyPem() const;  // PKCS#8, unencrypted
  Result<std::string> PublicKeyPem() const;   // SubjectPublicKeyInfo

  const std::string& kid() const { return kid_; }
  bool has_private_key() const { return has_private_; }
  // The public key as a JWK object: {"alg":"ES256","crv":"P-256","kid":...,
  // "kty":"EC","use":"sig","x":...,"y":...}.
  std::string PublicJwk() const;

  // JWS ES256 signature of `signing_input`: 64 raw bytes (r||s).
  // kFailedPrecondition for a public-only key; kInternal if OpenSSL fails.
  Result<std::string> Sign(std::string_view signing_input) const;
  // Whether `signature` (64 raw bytes) is a valid ES256 signature of
  // `signing_input` under this key. False for any malformed input.
  bool Verify(std::string_view signing_input, std::string_view signature) const;

 private:
  SigningKey() = default;
  static Result<SigningKey> FromPkey(evp_pkey_st* adopted);
  std::shared_ptr<evp_pkey_st> key_;
  std::string kid_;
  std::string x_b64_, y_b64_;  // public point coordinates, base64url
  bool has_private_ = false;
};

// Writes the private key as PKCS#8 PEM to `path` with mode 0600: written to
// a temporary file in the same directory, fsynced, then renamed over `path`,
// so a crash never leaves a truncated key. kFailedPrecondition for a
// public-only key; kUnavailable for I/O errors (the message names the path).
Status WritePrivateKeyFile(const SigningKey& key, const std::string& path);

// Reads a PEM key from `path` (FromPem). kNotFound if the file does not
// exist; kUnavailable for other I/O errors.
Result<SigningKey> ReadKeyFile(const std::string& path);

// The signing key plus keys that still verify (rotation). Kids are unique.
class KeySet {
 public:
  // kInvalidArgument if `signing` has no private key or two keys share a
  // kid.
  static Result<KeySet> Create(SigningKey signing, std::vector<SigningKey> verification_only = {});

  const SigningKey& signing_key() const { return keys_.front(); }
  // The key with `kid` (signing or verification-only), or nullptr.
  const SigningKey* Find(std::string_view kid) const;
  std::size_t size() const { return keys_.size(); }

  // Rotation: `next` signs from now on; the current signing key and at most
  // `keep_previous` - 1 of the older keys stay for verification, so tokens
  // issued before the rotation keep working until they expire. Keep old keys
  // at least as long as the longest token TTL (refresh tokens).
  Result<KeySet> Rotated(SigningKey next, std::size_t keep_previous = 2) const;

  // {"keys":[<PublicJwk>...]} for publishing.
  std::string ToJwks() const;

 private:
  explicit KeySet(std::vector<SigningKey> keys) : keys_(std::move(keys)) {}
  std::vector<SigningKey> keys_;  // [0] signs
};

// "<b64url(header)>.<b64url(payload)>.<b64url(sig)>" with header
// {"alg":"ES256","kid":<kid>,"typ":"JWT"}.
Result<std::string> SignJwt(const SigningKey& key, std::string_view payload_json);

// Checks the structure, the header (alg exactly "ES256", a kid known to
// `keys`, no "crit"), and the signature. Returns the decoded payload JSON
// text (claims are NOT checked here). kUnauthenticated on any failure, with a
// short reason for logs ("jwt: unknown kid"); never echoes the token.
Result<std::string> VerifyJwt(const KeySet& keys, std::string_view jwt);

// Strict base64url without padding (RFC 7515 section 2): nullopt for any
// other character or an impossible length.
std::optional<std::string> DecodeBase64UrlStrict(std::string_view text);

}  // namespace scopereg::auth
