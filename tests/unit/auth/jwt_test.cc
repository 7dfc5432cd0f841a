#include "scopereg/auth/jwt.h"

#include <gtest/gtest.h>
#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/param_build.h>
#include <openssl/pem.h>
#include <sys/stat.h>

#include <nlohmann/json.hpp>

#include "scopereg/core/crypto.h"
#include "scopereg/core/encoding.h"
#include "testing/status_matchers.h"
#include "testing/temp_dir.h"

namespace scopereg::auth {
namespace {

// PEM of a public P-256 key given its raw coordinates.
std::string PublicPemFromXY(std::string_view x_b64, std::string_view y_b64) {
  std::string point = "\x04" + Base64Decode(x_b64).value() + Base64Decode(y_b64).value();
  OSSL_PARAM_BLD* bld = OSSL_PARAM_BLD_new();
  OSSL_PARAM_BLD_push_utf8_string(bld, OSSL_PKEY_PARAM_GROUP_NAME, "prime256v1", 0);
  OSSL_PARAM_BLD_push_octet_string(bld, OSSL_PKEY_PARAM_PUB_KEY, point.data(), point.size());
  OSSL_PARAM* params = OSSL_PARAM_BLD_to_param(bld);
  EVP_PKEY_CTX* ctx = EVP_PKEY_CTX_new_from_name(nullptr, "EC", nullptr);
  EVP_PKEY* pkey = nullptr;
  EVP_PKEY_fromdata_init(ctx);
  EVP_PKEY_fromdata(ctx, &pkey, EVP_PKEY_PUBLIC_KEY, params);
  BIO* bio = BIO_new(BIO_s_mem());
  PEM_write_bio_PUBKEY(bio, pkey);
  char* data = nullptr;
  long n = BIO_get_mem_data(bio, &data);
  std::string pem(data, static_cast<std::size_t>(n));
  BIO_free(bio);
  EVP_PKEY_free(pkey);
  EVP_PKEY_CTX_free(ctx);
  OSSL_PARAM_free(params);
  OSSL_PARAM_BLD_free(bld);
  return pem;
}

std::string PemOfGenerated(const char* curve_or_rsa) {
  EVP_PKEY* pkey = std::string_view(curve_or_rsa) == "RSA" ? EVP_RSA_gen(1024) : EVP_EC_gen(curve_or_rsa);
  BIO* bio = BIO_new(BIO_s_mem());
  PEM_write_bio_PrivateKey(bio, pkey, nullptr, nullptr, 0, nullptr, nullptr);
  char* data = nullptr;
  long n = BIO_get_mem_data(bio, &data);
  std::string pem(data, static_cast<std::size_t>(n));
  BIO_free(bio);
  EVP_PKEY_free(pkey);
  return pem;
}

TEST(SigningKeyTest, VerifiesTheRfc7515A3Vector) {
  // RFC 7515 appendix A.3: an independent ES256 known answer, so the raw
  // r||s conversion is checked against someone else's signer.
  const std::string pem =
      PublicPemFromXY("f83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVEU", "x_FEzRu9m36HLN_tue659LNpXW6pCyStikYjKIWI5a0");
  ASSERT_OK_AND_ASSIGN(SigningKey key, SigningKey::FromPem(pem));
  EXPECT_FALSE(key.has_private_key());
  const std::string input =
      "eyJhbGciOiJFUzI1NiJ9."
      "eyJpc3MiOiJqb2UiLA0KICJleHAiOjEzMDA4MTkzODAsDQogImh0dHA6Ly9leGFtcGxlLmNvbS9pc19yb290Ijp0cnVlfQ";
  const std::string sig =
      DecodeBase64UrlStrict("DtEhU3ljbEg8L38VWAfUAqOyKAM6-Xx-F4GawxaepmXFCgfTjDxw5djxLa8ISlSApmWQxfKTUJqPP3-Kg6NU1Q")
          .value();
  EXPECT_TRUE(key.Verify(input, sig));
  std::string tampered = sig;
  tampered[63] ^= 1;
  EXPECT_FALSE(key.Verify(input, tampered));
  EXPECT_FALSE(key.Verify(input + "x", sig));
  EXPECT_FALSE(key.Verify(input, sig.substr(1)));
  EXPECT_STATUS(key.Sign("x"), StatusCode::kFailedPrecondition);
  // The kid is the RFC 7638 thumbprint of the JWK.
  const auto thumb = Sha256(
      R"({"crv":"P-256","kty":"EC","x":"f83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVEU","y":"x_FEzRu9m36HLN_tue659LNpXW6pCyStikYjKIWI5a0"})");
  EXPECT_EQ(key.kid(), Base64UrlEncode(std::string_view(reinterpret_cast<const char*>(thumb.data()), thumb.size())));
}

TEST(SigningKeyTest, GenerateSignVerifyAndPemRoundTrip) {
  ASSERT_OK_AND_ASSIGN(SigningKey key, SigningKey::Generate());
  EXPECT_TRUE(key.has_private_key());
  EXPECT_EQ(key.kid().size(), 43u);
  ASSERT_OK_AND_ASSIGN(std::string sig, key.Sign("hello"));
  EXPECT_EQ(sig.size(), 64u);
  EXPECT_TRUE(key.Verify("hello", sig));

  ASSERT_OK_AND_ASSIGN(std::string priv_pem, key.PrivateKeyPem());
  EXPECT_NE(priv_pem.find("BEGIN PRIVATE KEY"), std::string::npos);
  ASSERT_OK_AND_ASSIGN(SigningKey reloaded, SigningKey::FromPem(priv_pem));
  EXPECT_EQ(reloaded.kid(), key.kid());
  EXPECT_TRUE(reloaded.Verify("hello", sig));

  ASSERT_OK_AND_ASSIGN(std::string pub_pem, key.PublicKeyPem());
  ASSERT_OK_AND_ASSIGN(SigningKey pub, SigningKey::FromPem(pub_pem));
  EXPECT_EQ(pub.kid(), key.kid());
  EXPECT_FALSE(pub.has_private_key());
  EXPECT_TRUE(pub.Verify("hello", sig));
  EXPECT_STATUS(pub.PrivateKeyPem(), StatusCode::kFailedPrecondition);

  auto jwk = nlohmann::json::parse(key.PublicJwk());
  EXPECT_EQ(jwk["kid"], key.kid());
  EXPECT_EQ(jwk["alg"], "ES256");
  EXPECT_FALSE(jwk.contains("d"));
}

TEST(SigningKeyTest, RejectsOtherKeys) {
  EXPECT_STATUS(SigningKey::FromPem(PemOfGenerated("P-384")), StatusCode::kInvalidArgument);
  EXPECT_STATUS(SigningKey::FromPem(PemOfGenerated("RSA")), StatusCode::kInvalidArgument);
  EXPECT_STATUS(SigningKey::FromPem("not a pem"), StatusCode::kInvalidArgument);
  EXPECT_STATUS(SigningKey::FromPem("-----BEGIN ENCRYPTED PRIVATE KEY-----\nAAAA\n-----END ENCRYPTED PRIVATE KEY-----\n"),
                StatusCode::kInvalidArgument);
}

TEST(KeyFileTest, WritesMode0600AndReadsBack) {
  testing::TempDir dir;
  const std::string path = dir.str() + "/signing.pem";
  ASSERT_OK_AND_ASSIGN(SigningKey key, SigningKey::Generate());
  ::umask(022);
  ASSERT_OK(WritePrivateKeyFile(key, path));
  struct stat st {};
  ASSERT_EQ(::stat(path.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  ASSERT_OK_AND_ASSIGN(SigningKey loaded, ReadKeyFile(path));
  EXPECT_EQ(loaded.kid(), key.kid());
  EXPECT_TRUE(loaded.has_private_key());
  // Overwrite in place (rotation writes a new key to the same path).
  ASSERT_OK_AND_ASSIGN(SigningKey next, SigningKey::Generate());
  ASSERT_OK(WritePrivateKeyFile(next, path));
  ASSERT_OK_AND_ASSIGN(SigningKey loaded_next, ReadKeyFile(path));
  EXPECT_EQ(loaded_next.kid(), next.kid());
  EXPECT_STATUS(ReadKeyFile(dir.str() + "/missing.pem"), StatusCode::kNotFound);
  EXPECT_STATUS(WritePrivateKeyFile(key, dir.str() + "/no/such/dir/k.pem"), StatusCode::kUnavailable);
}

TEST(KeySetTest, FindRotateAndJwks) {
  ASSERT_OK_AND_ASSIGN(SigningKey a, SigningKey::Generate());
  ASSERT_OK_AND_ASSIGN(SigningKey b, SigningKey::Generate());
  ASSERT_OK_AND_ASSIGN(SigningKey c, SigningKey::Generate());
  ASSERT_OK_AND_ASSIGN(KeySet set, KeySet::Create(a));
  EXPECT_EQ(set.signing_key().kid(), a.kid());
  ASSERT_OK_AND_ASSIGN(KeySet rotated, set.Rotated(b));
  EXPECT_EQ(rotated.signing_key().kid(), b.kid());
  EXPECT_NE(rotated.Find(a.kid()), nullptr);
  ASSERT_OK_AND_ASSIGN(KeySet twice, rotated.Rotated(c, 1));
  EXPECT_NE(twice.Find(b.kid()), nullptr);
  EXPECT_EQ(twice.Find(a.kid()), nullptr);
  EXPECT_EQ(twice.size(), 2u);
  auto jwks = nlohmann::json::parse(twice.ToJwks());
  EXPECT_EQ(jwks["keys"].size(), 2u);
  ASSERT_OK_AND_ASSIGN(SigningKey pub_only, SigningKey::FromPem(a.PublicKeyPem().value()));
  EXPECT_STATUS(KeySet::Create(pub_only), StatusCode::kInvalidArgument);
  EXPECT_STATUS(KeySet::Create(a, {a}), StatusCode::kInvalidArgument);
}

TEST(JwsTest, SignAndVerifyCompact) {
  ASSERT_OK_AND_ASSIGN(SigningKey key, SigningKey::Generate());
  ASSERT_OK_AND_ASSIGN(KeySet keys, KeySet::Create(key));
  ASSERT_OK_AND_ASSIGN(std::string jwt, SignJwt(key, R"({"a":1})"));
  ASSERT_OK_AND_ASSIGN(std::string payload, VerifyJwt(keys, jwt));
  EXPECT_EQ(payload, R"({"a":1})");
  auto header = nlohmann::json::parse(DecodeBase64UrlStrict(jwt.substr(0, jwt.find('.'))).value());
  EXPECT_EQ(header["alg"], "ES256");
  EXPECT_EQ(header["kid"], key.kid());
  EXPECT_EQ(header["typ"], "JWT");
}

TEST(JwsTest, StrictBase64Url) {
  EXPECT_EQ(DecodeBase64UrlStrict("aGk"), "hi");
  EXPECT_EQ(DecodeBase64UrlStrict("aGk="), std::nullopt);
  EXPECT_EQ(DecodeBase64UrlStrict("a+k"), std::nullopt);
  EXPECT_EQ(DecodeBase64UrlStrict("a"), std::nullopt);
  EXPECT_EQ(DecodeBase64UrlStrict(""), "");
}

}  // namespace
}  // namespace scopereg::auth
