#include "scopereg/auth/jwt.h"

#include <fcntl.h>
#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/ec.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <sys/stat.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <cstdint>
#include <cstring>
#include <nlohmann/json.hpp>

#include "scopereg/core/crypto.h"
#include "scopereg/core/encoding.h"

namespace scopereg::auth {

namespace {

constexpr std::size_t kCoordinateBytes = 32;  // P-256
constexpr std::size_t kSignatureBytes = 64;

struct BioFree {
  void operator()(BIO* b) const { BIO_free(b); }
};
struct SigFree {
  void operator()(ECDSA_SIG* s) const { ECDSA_SIG_free(s); }
};
struct BnFree {
  void operator()(BIGNUM* b) const { BN_free(b); }
};
using BioPtr = std::unique_ptr<BIO, BioFree>;

// OpenSSL keeps errors in a per-thread queue; leaving them there makes a
// later unrelated call look like it failed. Every failure path clears it.
Status OpenSslError(std::string_view what) {
  ERR_clear_error();
  return Status::Internal("openssl: " + std::string(what));
}

// Never prompt for a PEM password (the default callback reads the terminal).
int NoPassword(char*, int, int, void*) { return 0; }

std::string BnToPadded(const BIGNUM* bn) {
  std::string out(kCoordinateBytes, '\0');
  BN_bn2binpad(bn, reinterpret_cast<unsigned char*>(out.data()), static_cast<int>(kCoordinateBytes));
  return out;
}

Result<std::string> BioToString(BIO* bio) {
  char* data = nullptr;
  const long n = BIO_get_mem_data(bio, &data);
  if (n <= 0 || data == nullptr) return OpenSslError("empty PEM output");
  return std::string(data, static_cast<std::size_t>(n));
}

}  // namespace

Result<SigningKey> SigningKey::FromPkey(EVP_PKEY* adopted) {
  std::shared_ptr<EVP_PKEY> key(adopted, EVP_PKEY_free);
  if (!EVP_PKEY_is_a(key.get(), "EC")) {
    ERR_clear_error();
    return Status::InvalidArgument("signing key: not an EC key (ES256 needs P-256)");
  }
  char group[64] = {};
  std::size_t group_len = 0;
  if (EVP_PKEY_get_utf8_string_param(key.get(), OSSL_PKEY_PARAM_GROUP_NAME, group, sizeof group, &group_len) != 1 ||
      (std::string_view(group, group_len) != "prime256v1" && std::string_view(group, group_len) != "P-256")) {
    ERR_clear_error();
    return Status::InvalidArgument("signing key: EC key is not on P-256 (ES256)");
  }
  BIGNUM* x = nullptr;
  BIGNUM* y = nullptr;
  if (EVP_PKEY_get_bn_param(key.get(), OSSL_PKEY_PARAM_EC_PUB_X, &x) != 1 ||
      EVP_PKEY_get_bn_param(key.get(), OSSL_PKEY_PARAM_EC_PUB_Y, &y) != 1) {
    BN_free(x);
    BN_free(y);
    return OpenSslError("cannot read the public point");
  }
  SigningKey k;
  k.x_b64_ = Base64UrlEncode(BnToPadded(x));
  k.y_b64_ = Base64UrlEncode(BnToPadded(y));
  BN_free(x);
  BN_free(y);
  BIGNUM* priv = nullptr;
  k.has_private_ = EVP_PKEY_get_bn_param(key.get(), OSSL_PKEY_PARAM_PRIV_KEY, &priv) == 1;
  BN_clear_free(priv);
  ERR_clear_error();  // a public key "fails" the private-key query
  // RFC 7638: required members only, lexicographic order, no whitespace.
  const std::string thumbprint_input =
      R"({"crv":"P-256","kty":"EC","x":")" + k.x_b64_ + R"(","y":")" + k.y_b64_ + R"("})";
  const auto digest = Sha256(thumbprint_input);
  k.kid_ = Base64UrlEncode(std::string_view(reinterpret_cast<const char*>(digest.data()), digest.size()));
  k.key_ = std::move(key);
  return k;
}

Result<SigningKey> SigningKey::Generate() {
  EVP_PKEY* pkey = EVP_EC_gen("P-256");
  if (pkey == nullptr) return OpenSslError("EC key generation failed");
  return FromPkey(pkey);
}

Result<SigningKey> SigningKey::FromPem(std::string_view pem) {
  if (pem.find("ENCRYPTED") != std::string_view::npos) {
    return Status::InvalidArgument("signing key: encrypted PEM is not supported");
  }
  BioPtr bio(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
  if (!bio) return OpenSslError("BIO_new_mem_buf");
  EVP_PKEY* pkey = PEM_read_bio_PrivateKey(bio.get(), nullptr, NoPassword, nullptr);
  if (pkey == nullptr) {
    ERR_clear_error();
    BioPtr again(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
    pkey = again ? PEM_read_bio_PUBKEY(again.get(), nullptr, NoPassword, nullptr) : nullptr;
  }
  if (pkey == nullptr) {
    ERR_clear_error();
    return Status::InvalidArgument("signing key: not a PEM EC private or public key");
  }
  return FromPkey(pkey);
}

Result<std::string> SigningKey::PrivateKeyPem() const {
  if (!has_private_) return Status::FailedPrecondition("signing key " + kid_ + " has no private key");
  BioPtr bio(BIO_new(BIO_s_mem()));
  if (!bio || PEM_write_bio_PrivateKey(bio.get(), key_.get(), nullptr, nullptr, 0, nullptr, nullptr) != 1) {
    return OpenSslError("PEM_write_bio_PrivateKey");
  }
  return BioToString(bio.get());
}

Result<std::string> SigningKey::PublicKeyPem() const {
  BioPtr bio(BIO_new(BIO_s_mem()));
  if (!bio || PEM_write_bio_PUBKEY(bio.get(), key_.get()) != 1) return OpenSslError("PEM_write_bio_PUBKEY");
  return BioToString(bio.get());
}

std::string SigningKey::PublicJwk() const {
  return R"({"alg":"ES256","crv":"P-256","kid":")" + kid_ + R"(","kty":"EC","use":"sig","x":")" + x_b64_ +
         R"(","y":")" + y_b64_ + R"("})";
}

namespace {

enum class PkeyOp : std::uint8_t { kSign, kVerify };

// Per-thread EVP_PKEY_CTXs, initialised once per key for signing or
// verifying. Initialising a context looks the algorithm up in the provider
// tables and allocates; doing it per token cost about a third of an
// issuance. A context may be reused for many operations with the same key
// (EVP_PKEY_sign(3)); it holds a reference on its key, so a key address can
// not be recycled while a slot points at it.
class ThreadPkeyCtxCache {
 public:
  ~ThreadPkeyCtxCache() {
    for (Slot& s : slots_) EVP_PKEY_CTX_free(s.ctx);
  }
  // A context for `op` with `key`, or nullptr if OpenSSL fails.
  EVP_PKEY_CTX* Get(EVP_PKEY* key, PkeyOp op) {
    for (Slot& s : slots_) {
      if (s.key == key && s.op == op && s.ctx != nullptr) return s.ctx;
    }
    Slot& victim = slots_[next_++ % slots_.size()];
    EVP_PKEY_CTX_free(victim.ctx);
    victim = Slot{};
    EVP_PKEY_CTX* ctx = EVP_PKEY_CTX_new_from_pkey(nullptr, key, nullptr);
    const int init = ctx == nullptr ? 0 : op == PkeyOp::kSign ? EVP_PKEY_sign_init(ctx) : EVP_PKEY_verify_init(ctx);
    if (init != 1) {
      EVP_PKEY_CTX_free(ctx);
      return nullptr;
    }
    victim = Slot{key, op, ctx};
    return ctx;
  }
  // Drops the context after a failed operation (its state is unknown).
  void Forget(EVP_PKEY_CTX* ctx) {
    for (Slot& s : slots_) {
      if (s.ctx == ctx) {
        EVP_PKEY_CTX_free(s.ctx);
        s = Slot{};
      }
    }
  }

 private:
  struct Slot {
    EVP_PKEY* key = nullptr;
    PkeyOp op = PkeyOp::kSign;
    EVP_PKEY_CTX* ctx = nullptr;
  };
  std::array<Slot, 4> slots_{};  // a signing key plus a few verification keys
  std::size_t next_ = 0;
};

thread_local ThreadPkeyCtxCache tls_pkey_ctx;

}  // namespace

Result<std::string> SigningKey::Sign(std::string_view signing_input) const {
  if (!has_private_) return Status::FailedPrecondition("signing key " + kid_ + " has no private key");
  // ES256 signs SHA-256(signing input); hashing here lets the cached
  // context take the digest directly.
  const auto digest = Sha256(signing_input);
  EVP_PKEY_CTX* ctx = tls_pkey_ctx.Get(key_.get(), PkeyOp::kSign);
  std::array<unsigned char, 80> der{};  // a DER P-256 signature is at most 72 bytes
  std::size_t der_len = der.size();
  if (ctx == nullptr) return OpenSslError("ES256 signing context");
  if (EVP_PKEY_sign(ctx, der.data(), &der_len, digest.data(), digest.size()) != 1) {
    tls_pkey_ctx.Forget(ctx);
    return OpenSslError("ES256 signing failed");
  }
  const unsigned char* p = der.data();
  std::unique_ptr<ECDSA_SIG, SigFree> sig(d2i_ECDSA_SIG(nullptr, &p, static_cast<long>(der_len)));
  if (!sig) return OpenSslError("cannot decode the DER signature");
  const BIGNUM* r = nullptr;
  const BIGNUM* s = nullptr;
  ECDSA_SIG_get0(sig.get(), &r, &s);
  return BnToPadded(r) + BnToPadded(s);
}

bool SigningKey::Verify(std::string_view signing_input, std::string_view signature) const {
  if (signature.size() != kSignatureBytes) return false;
  const auto* raw = reinterpret_cast<const unsigned char*>(signature.data());
  std::unique_ptr<BIGNUM, BnFree> r(BN_bin2bn(raw, static_cast<int>(kCoordinateBytes), nullptr));
  std::unique_ptr<BIGNUM, BnFree> s(BN_bin2bn(raw + kCoordinateBytes, static_cast<int>(kCoordinateBytes), nullptr));
  std::unique_ptr<ECDSA_SIG, SigFree> sig(ECDSA_SIG_new());
  if (!r || !s || !sig || ECDSA_SIG_set0(sig.get(), r.get(), s.get()) != 1) {
    ERR_clear_error();
    return false;
  }
  r.release();  // owned by sig now
  s.release();
  std::array<unsigned char, 80> der{};
  unsigned char* out = der.data();
  const int der_len = i2d_ECDSA_SIG(sig.get(), nullptr) <= static_cast<int>(der.size()) ? i2d_ECDSA_SIG(sig.get(), &out)
                                                                                       : -1;
  EVP_PKEY_CTX* ctx = der_len > 0 ? tls_pkey_ctx.Get(key_.get(), PkeyOp::kVerify) : nullptr;
  if (ctx == nullptr) {
    ERR_clear_error();
    return false;
  }
  const auto digest = Sha256(signing_input);
  const int rc = EVP_PKEY_verify(ctx, der.data(), static_cast<std::size_t>(der_len), digest.data(), digest.size());
  if (rc != 1) {
    // 0 is a plain mismatch and leaves the context usable; anything else is
    // an error that may not.
    if (rc != 0) tls_pkey_ctx.Forget(ctx);
    ERR_clear_error();
    return false;
  }
  return true;
}

// ---- files ----------------------------------------------------------------------------

Status WritePrivateKeyFile(const SigningKey& key, const std::string& path) {
  SCOPEREG_ASSIGN_OR_RETURN(std::string pem, key.PrivateKeyPem());
  SCOPEREG_ASSIGN_OR_RETURN(std::string nonce, RandomBytes(8));
  const std::string tmp = path + ".tmp-" + HexEncode(nonce);
  auto io_error = [&](std::string_view what) {
    const int err = errno;
    return Status::Unavailable(std::string(what) + " " + path + ": " + std::strerror(err));
  };
  const int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0600);
  if (fd < 0) return io_error("cannot create key file for");
  // The mode argument is filtered by the umask; make sure it is exactly 0600.
  bool ok = ::fchmod(fd, 0600) == 0;
  for (std::size_t off = 0; ok && off < pem.size();) {
    const ssize_t n = ::write(fd, pem.data() + off, pem.size() - off);
    if (n < 0 && errno == EINTR) continue;
    ok = n > 0;
    if (ok) off += static_cast<std::size_t>(n);
  }
  ok = ok && ::fsync(fd) == 0;
  Status st = ok ? Status::Ok() : io_error("cannot write key file");
  ::close(fd);
  if (st.ok() && ::rename(tmp.c_str(), path.c_str()) != 0) st = io_error("cannot rename key file to");
  if (!st.ok()) (void)::unlink(tmp.c_str());  // best effort: do not leave a stray copy of the key
  return st;
}

Result<SigningKey> ReadKeyFile(const std::string& path) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    if (errno == ENOENT) return Status::NotFound("key file " + path + " does not exist");
    return Status::Unavailable("cannot open key file " + path + ": " + std::strerror(errno));
  }
  std::string pem;
  char buf[4096];
  for (;;) {
    const ssize_t n = ::read(fd, buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      const int err = errno;
      ::close(fd);
      return Status::Unavailable("cannot read key file " + path + ": " + std::strerror(err));
    }
    if (n == 0) break;
    pem.append(buf, static_cast<std::size_t>(n));
    if (pem.size() > 64 * 1024) {
      ::close(fd);
      return Status::InvalidArgument("key file " + path + " is too large for a PEM key");
    }
  }
  ::close(fd);
  auto key = SigningKey::FromPem(pem);
  OPENSSL_cleanse(pem.data(), pem.size());
  if (!key.ok()) return key.status().WithPrefix(path);
  return key;
}

// ---- key sets -------------------------------------------------------------------------

Result<KeySet> KeySet::Create(SigningKey signing, std::vector<SigningKey> verification_only) {
  if (!signing.has_private_key()) return Status::InvalidArgument("key set: the signing key has no private key");
  std::vector<SigningKey> keys;
  keys.reserve(verification_only.size() + 1);
  keys.push_back(std::move(signing));
  for (SigningKey& k : verification_only) {
    for (const SigningKey& existing : keys) {
      if (existing.kid() == k.kid()) return Status::InvalidArgument("key set: duplicate kid " + k.kid());
    }
    keys.push_back(std::move(k));
  }
  return KeySet(std::move(keys));
}

const SigningKey* KeySet::Find(std::string_view kid) const {
  for (const SigningKey& k : keys_) {
    if (k.kid() == kid) return &k;
  }
  return nullptr;
}

Result<KeySet> KeySet::Rotated(SigningKey next, std::size_t keep_previous) const {
  std::vector<SigningKey> old;
  for (const SigningKey& k : keys_) {
    if (old.size() == keep_previous) break;
    if (k.kid() != next.kid()) old.push_back(k);
  }
  return Create(std::move(next), std::move(old));
}

std::string KeySet::ToJwks() const {
  std::string out = R"({"keys":[)";
  for (std::size_t i = 0; i < keys_.size(); ++i) {
    if (i > 0) out += ',';
    out += keys_[i].PublicJwk();
  }
  out += "]}";
  return out;
}

// ---- compact JWS -------------------------------------------------------------------

std::optional<std::string> DecodeBase64UrlStrict(std::string_view text) {
  if (text.size() % 4 == 1) return std::nullopt;
  for (char c : text) {
    const bool ok = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_';
    if (!ok) return std::nullopt;
  }
  return Base64Decode(text);
}

Result<std::string> SignJwt(const SigningKey& key, std::string_view payload_json) {
  std::string out = Base64UrlEncode(R"({"alg":"ES256","kid":")" + key.kid() + R"(","typ":"JWT"})");
  out += '.';
  out += Base64UrlEncode(payload_json);
  SCOPEREG_ASSIGN_OR_RETURN(std::string sig, key.Sign(out));
  out += '.';
  out += Base64UrlEncode(sig);
  return out;
}

Result<std::string> VerifyJwt(const KeySet& keys, std::string_view jwt) {
  auto fail = [](std::string_view why) { return Status::Unauthenticated("jwt: " + std::string(why)); };
  if (jwt.size() > kMaxJwtLength) return fail("too long");
  const auto dot1 = jwt.find('.');
  const auto dot2 = dot1 == std::string_view::npos ? dot1 : jwt.find('.', dot1 + 1);
  if (dot2 == std::string_view::npos || jwt.find('.', dot2 + 1) != std::string_view::npos) {
    return fail("malformed (need three parts)");
  }
  const auto header_text = DecodeBase64UrlStrict(jwt.substr(0, dot1));
  const auto payload_text = DecodeBase64UrlStrict(jwt.substr(dot1 + 1, dot2 - dot1 - 1));
  const auto signature = DecodeBase64UrlStrict(jwt.substr(dot2 + 1));
  if (!header_text || !payload_text || !signature) return fail("malformed base64url");

  const nlohmann::json header = nlohmann::json::parse(*header_text, nullptr, /*allow_exceptions=*/false);
  if (!header.is_object()) return fail("malformed header");
  const auto alg = header.find("alg");
  if (alg == header.end() || !alg->is_string() || alg->get_ref<const std::string&>() != "ES256") {
    return fail("unsupported alg (only ES256)");
  }
  if (header.contains("crit")) return fail("unsupported crit header");
  const auto kid = header.find("kid");
  if (kid == header.end() || !kid->is_string()) return fail("missing kid");
  const SigningKey* key = keys.Find(kid->get_ref<const std::string&>());
  if (key == nullptr) return fail("unknown kid");
  if (!key->Verify(jwt.substr(0, dot2), *signature)) return fail("bad signature");
  return *payload_text;
}

}  // namespace scopereg::auth
