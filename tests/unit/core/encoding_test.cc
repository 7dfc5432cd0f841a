#include "scopereg/core/encoding.h"

#include <gtest/gtest.h>

namespace scopereg {
namespace {

TEST(EncodingTest, Hex) {
  EXPECT_EQ(HexEncode(std::string("\x00\xff\x10", 3)), "00ff10");
  EXPECT_EQ(HexDecode("00FF10"), std::string("\x00\xff\x10", 3));
  EXPECT_FALSE(HexDecode("0").has_value());
  EXPECT_FALSE(HexDecode("zz").has_value());
}

TEST(EncodingTest, Base64Rfc4648Vectors) {
  const std::pair<const char*, const char*> cases[] = {
      {"", ""}, {"f", "Zg=="}, {"fo", "Zm8="}, {"foo", "Zm9v"}, {"foob", "Zm9vYg=="},
      {"fooba", "Zm9vYmE="}, {"foobar", "Zm9vYmFy"}};
  for (auto [plain, enc] : cases) {
    EXPECT_EQ(Base64Encode(plain), enc);
    EXPECT_EQ(Base64Decode(enc), std::string(plain));
  }
}

TEST(EncodingTest, Base64UrlHasNoPaddingAndUrlAlphabet) {
  std::string bytes("\xfb\xff\xbf", 3);
  EXPECT_EQ(Base64Encode(bytes), "+/+/");
  EXPECT_EQ(Base64UrlEncode(bytes), "-_-_");
  EXPECT_EQ(Base64UrlEncode("f"), "Zg");
  EXPECT_EQ(Base64Decode("-_-_"), bytes);
  EXPECT_EQ(Base64Decode("Zg"), std::string("f"));
}

TEST(EncodingTest, Base64RejectsGarbage) {
  EXPECT_FALSE(Base64Decode("Zm9v YmFy").has_value());
  EXPECT_FALSE(Base64Decode("Z").has_value());
  EXPECT_FALSE(Base64Decode("Zm9v*").has_value());
}

TEST(EncodingTest, UrlEncodeDecode) {
  EXPECT_EQ(UrlEncode("sha256:ab/c d"), "sha256%3Aab%2Fc%20d");
  EXPECT_EQ(UrlDecode("sha256%3Aab%2fc%20d"), std::string("sha256:ab/c d"));
  EXPECT_EQ(UrlDecode("a+b", true), std::string("a b"));
  EXPECT_EQ(UrlDecode("a+b", false), std::string("a+b"));
  EXPECT_FALSE(UrlDecode("%4").has_value());
  EXPECT_FALSE(UrlDecode("%").has_value());
  EXPECT_FALSE(UrlDecode("%zz").has_value());
}

}  // namespace
}  // namespace scopereg
