// The low-level SHA256_CTX API is deprecated in OpenSSL 3 but is the only one
// whose state is a plain struct we can precompute and copy: with it an HMAC of
// a 43-byte password is two SHA-256 compressions and no allocation (EVP_MAC
// allocates and looks up the algorithm on every call).
#define OPENSSL_SUPPRESS_DEPRECATED 1
#include "scopereg/auth/credentials.h"

#include <openssl/crypto.h>
#include <openssl/sha.h>

#include <cstring>

#include "scopereg/core/crypto.h"
#include "scopereg/core/encoding.h"

namespace scopereg::auth {

static_assert(sizeof(SHA256_CTX) <= 128);

std::string_view PasswordSlotName(PasswordSlot slot) {
  return slot == PasswordSlot::kPassword1 ? "password1" : "password2";
}

std::string_view AdminPasswordSlotName(PasswordSlot slot) {
  return slot == PasswordSlot::kPassword1 ? "password" : "password2";
}

std::optional<PasswordSlot> ParsePasswordSlot(std::string_view name) {
  if (name == "password1" || name == "password") return PasswordSlot::kPassword1;
  if (name == "password2") return PasswordSlot::kPassword2;
  return std::nullopt;
}

Result<std::string> GeneratePassword() {
  SCOPEREG_ASSIGN_OR_RETURN(std::string bytes, RandomBytes(kPasswordBytes));
  std::string password = Base64UrlEncode(bytes);
  // Best effort: do not leave the raw bytes in freed heap memory.
  OPENSSL_cleanse(bytes.data(), bytes.size());
  return password;
}

Result<std::uint64_t> NewCredentialEpoch() {
  for (;;) {
    SCOPEREG_ASSIGN_OR_RETURN(std::string bytes, RandomBytes(sizeof(std::uint64_t)));
    std::uint64_t v = 0;
    std::memcpy(&v, bytes.data(), sizeof v);
    if (v != 0) return v;  // 0 means "no epoch" in records
  }
}

Result<PasswordHasher> PasswordHasher::Create(std::string_view key) {
  if (key.size() < kMinDigestKeyLength) {
    return Status::InvalidArgument("password digest key: must be at least " + std::to_string(kMinDigestKeyLength) +
                                   " bytes");
  }
  // RFC 2104: keys longer than the block size are hashed first.
  constexpr std::size_t kBlock = SHA256_CBLOCK;
  std::array<unsigned char, kBlock> k{};
  if (key.size() > kBlock) {
    auto h = Sha256(key);
    std::memcpy(k.data(), h.data(), h.size());
  } else {
    std::memcpy(k.data(), key.data(), key.size());
  }
  std::array<unsigned char, kBlock> ipad{}, opad{};
  for (std::size_t i = 0; i < kBlock; ++i) {
    ipad[i] = static_cast<unsigned char>(k[i] ^ 0x36);
    opad[i] = static_cast<unsigned char>(k[i] ^ 0x5c);
  }
  PasswordHasher h;
  auto* inner = reinterpret_cast<SHA256_CTX*>(h.inner_.data());
  auto* outer = reinterpret_cast<SHA256_CTX*>(h.outer_.data());
  SHA256_Init(inner);
  SHA256_Update(inner, ipad.data(), ipad.size());
  SHA256_Init(outer);
  SHA256_Update(outer, opad.data(), opad.size());
  OPENSSL_cleanse(k.data(), k.size());
  OPENSSL_cleanse(ipad.data(), ipad.size());
  OPENSSL_cleanse(opad.data(), opad.size());
  return h;
}

std::array<unsigned char, kDigestLength> PasswordHasher::DigestArray(std::string_view password) const {
  SHA256_CTX ctx;
  std::memcpy(&ctx, inner_.data(), sizeof ctx);
  SHA256_Update(&ctx, password.data(), password.size());
  std::array<unsigned char, kDigestLength> inner_md{};
  SHA256_Final(inner_md.data(), &ctx);
  std::memcpy(&ctx, outer_.data(), sizeof ctx);
  SHA256_Update(&ctx, inner_md.data(), inner_md.size());
  std::array<unsigned char, kDigestLength> md{};
  SHA256_Final(md.data(), &ctx);
  OPENSSL_cleanse(&ctx, sizeof ctx);
  return md;
}

std::string PasswordHasher::Digest(std::string_view password) const {
  auto md = DigestArray(password);
  return std::string(reinterpret_cast<const char*>(md.data()), md.size());
}

bool PasswordHasher::Verify(std::string_view password, std::string_view digest) const {
  if (digest.size() != kDigestLength) return false;
  auto md = DigestArray(password);
  return CRYPTO_memcmp(md.data(), digest.data(), kDigestLength) == 0;
}

}  // namespace scopereg::auth
