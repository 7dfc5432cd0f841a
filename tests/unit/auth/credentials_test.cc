#include "scopereg/auth/credentials.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <set>

#include "scopereg/core/crypto.h"
#include "scopereg/core/encoding.h"
#include "testing/status_matchers.h"

namespace scopereg::auth {
namespace {

const std::string kKey(32, 'k');

TEST(PasswordTest, FormatIs43Base64UrlCharacters) {
  std::set<std::string> seen;
  for (int i = 0; i < 100; ++i) {
    ASSERT_OK_AND_ASSIGN(std::string pw, GeneratePassword());
    ASSERT_EQ(pw.size(), kPasswordLength);
    for (char c : pw) {
      EXPECT_TRUE((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' || c == '_')
          << pw;
    }
    auto raw = Base64Decode(pw);
    ASSERT_TRUE(raw.has_value());
    EXPECT_EQ(raw->size(), kPasswordBytes);
    seen.insert(pw);
  }
  EXPECT_EQ(seen.size(), 100u);
}

TEST(PasswordHasherTest, IsHmacSha256WithTheRegistryKey) {
  ASSERT_OK_AND_ASSIGN(PasswordHasher h, PasswordHasher::Create(kKey));
  const std::string pw = "correct horse battery staple";
  auto expected = HmacSha256(kKey, pw);
  EXPECT_EQ(h.Digest(pw), std::string(reinterpret_cast<const char*>(expected.data()), expected.size()));
  // Keys longer than a SHA-256 block are hashed first (RFC 2104).
  const std::string long_key(100, 'L');
  ASSERT_OK_AND_ASSIGN(PasswordHasher hl, PasswordHasher::Create(long_key));
  auto expected_long = HmacSha256(long_key, pw);
  EXPECT_EQ(hl.Digest(pw), std::string(reinterpret_cast<const char*>(expected_long.data()), expected_long.size()));
  // Empty and block-sized messages.
  auto e0 = HmacSha256(kKey, "");
  EXPECT_EQ(h.Digest(""), std::string(reinterpret_cast<const char*>(e0.data()), e0.size()));
  const std::string block(64, 'x');
  auto e64 = HmacSha256(kKey, block);
  EXPECT_EQ(h.Digest(block), std::string(reinterpret_cast<const char*>(e64.data()), e64.size()));
}

TEST(PasswordHasherTest, VerifyAndKeySeparation) {
  ASSERT_OK_AND_ASSIGN(PasswordHasher h, PasswordHasher::Create(kKey));
  ASSERT_OK_AND_ASSIGN(PasswordHasher other, PasswordHasher::Create(std::string(32, 'o')));
  ASSERT_OK_AND_ASSIGN(std::string pw, GeneratePassword());
  const std::string digest = h.Digest(pw);
  EXPECT_EQ(digest.size(), kDigestLength);
  EXPECT_TRUE(h.Verify(pw, digest));
  EXPECT_FALSE(h.Verify(pw + "x", digest));
  EXPECT_FALSE(other.Verify(pw, digest));
  EXPECT_FALSE(h.Verify(pw, digest.substr(1)));
  EXPECT_FALSE(h.Verify(pw, ""));
}

TEST(PasswordHasherTest, ShortKeyRejected) {
  auto r = PasswordHasher::Create(std::string(31, 'k'));
  EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument);
}

TEST(CredentialEpochTest, NonZeroAndDistinct) {
  std::set<std::uint64_t> seen;
  for (int i = 0; i < 50; ++i) {
    ASSERT_OK_AND_ASSIGN(std::uint64_t e, NewCredentialEpoch());
    EXPECT_NE(e, 0u);
    seen.insert(e);
  }
  EXPECT_EQ(seen.size(), 50u);
}

TEST(PasswordSlotTest, Names) {
  EXPECT_EQ(PasswordSlotName(PasswordSlot::kPassword1), "password1");
  EXPECT_EQ(PasswordSlotName(PasswordSlot::kPassword2), "password2");
  EXPECT_EQ(AdminPasswordSlotName(PasswordSlot::kPassword1), "password");
  EXPECT_EQ(ParsePasswordSlot("password"), PasswordSlot::kPassword1);
  EXPECT_EQ(ParsePasswordSlot("password2"), PasswordSlot::kPassword2);
  EXPECT_EQ(ParsePasswordSlot("password3"), std::nullopt);
}

TEST(PasswordCredentialTest, ExpiryIsExclusive) {
  PasswordCredential c;
  const Time t = FromUnixSeconds(1'000);
  c.expiry = t;
  EXPECT_FALSE(c.ExpiredAt(t - std::chrono::milliseconds(1)));
  EXPECT_TRUE(c.ExpiredAt(t));
  c.expiry.reset();
  EXPECT_FALSE(c.ExpiredAt(FromUnixSeconds(9'000'000'000)));
}

}  // namespace
}  // namespace scopereg::auth
