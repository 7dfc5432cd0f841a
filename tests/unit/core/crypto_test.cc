#include "scopereg/core/crypto.h"

#include <gtest/gtest.h>

#include "scopereg/core/encoding.h"
#include "testing/status_matchers.h"

namespace scopereg {
namespace {

TEST(CryptoTest, Sha256KnownAnswers) {
  EXPECT_EQ(Sha256Hex(""), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  EXPECT_EQ(Sha256Hex("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}

TEST(CryptoTest, HasherStreamsAndMatchesOneShot) {
  Hasher h(HashAlgorithm::kSha256);
  h.Update("a");
  h.Update("bc");
  EXPECT_EQ(h.HexDigest(), Sha256Hex("abc"));
  // HexDigest does not disturb the running state.
  h.Update("d");
  EXPECT_EQ(h.HexDigest(), Sha256Hex("abcd"));
}

TEST(CryptoTest, Sha512KnownAnswer) {
  Hasher h(HashAlgorithm::kSha512);
  h.Update("abc");
  EXPECT_EQ(h.HexDigest(),
            "ddaf35a193617abacc417349ae20413112e6fa4e89a97ea20a9eeee64b55d39a"
            "2192992a274fc1a836ba3c23a3feebbd454d4423643ce80e2a9ac94fa54ca49f");
}

TEST(CryptoTest, HasherStateSurvivesSaveAndRestore) {
  for (auto alg : {HashAlgorithm::kSha256, HashAlgorithm::kSha512}) {
    Hasher h(alg);
    h.Update("hello ");
    std::string state = h.SaveState();
    ASSERT_OK_AND_ASSIGN(Hasher resumed, Hasher::Restore(alg, state));
    resumed.Update("world");
    Hasher whole(alg);
    whole.Update("hello world");
    EXPECT_EQ(resumed.HexDigest(), whole.HexDigest());
  }
}

TEST(CryptoTest, RestoreRejectsForeignState) {
  Hasher h(HashAlgorithm::kSha256);
  EXPECT_FALSE(Hasher::Restore(HashAlgorithm::kSha512, h.SaveState()).ok());
  EXPECT_FALSE(Hasher::Restore(HashAlgorithm::kSha256, "garbage").ok());
}

TEST(CryptoTest, HmacSha256Rfc4231Case2) {
  auto mac = HmacSha256("Jefe", "what do ya want for nothing?");
  EXPECT_EQ(HexEncode(std::string_view(reinterpret_cast<const char*>(mac.data()), mac.size())),
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
}

TEST(CryptoTest, RandomBytesAreFreshEachTime) {
  ASSERT_OK_AND_ASSIGN(std::string a, RandomBytes(32));
  ASSERT_OK_AND_ASSIGN(std::string b, RandomBytes(32));
  EXPECT_EQ(a.size(), 32u);
  EXPECT_NE(a, b);
}

TEST(CryptoTest, ConstantTimeEquals) {
  EXPECT_TRUE(ConstantTimeEquals("secret", "secret"));
  EXPECT_FALSE(ConstantTimeEquals("secret", "secreT"));
  EXPECT_FALSE(ConstantTimeEquals("secret", "secrets"));
  EXPECT_TRUE(ConstantTimeEquals("", ""));
}

}  // namespace
}  // namespace scopereg
