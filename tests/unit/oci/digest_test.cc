#include "scopereg/oci/digest.h"

#include <gtest/gtest.h>

#include "testing/status_matchers.h"

namespace scopereg::oci {
namespace {

const char kEmptySha256[] = "sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";

TEST(DigestTest, ParsesSha256AndSha512) {
  ASSERT_OK_AND_ASSIGN(Digest d, Digest::Parse(kEmptySha256));
  EXPECT_EQ(d.algorithm(), "sha256");
  EXPECT_EQ(d.encoded().size(), 64u);
  EXPECT_EQ(d.hash_algorithm(), HashAlgorithm::kSha256);
  EXPECT_EQ(d, Digest::Sha256Of(""));
  std::string sha512 = "sha512:" + std::string(128, 'a');
  ASSERT_OK_AND_ASSIGN(Digest d5, Digest::Parse(sha512));
  EXPECT_EQ(d5.hash_algorithm(), HashAlgorithm::kSha512);
}

TEST(DigestTest, UnknownAlgorithmsParseButAreUnsupported) {
  ASSERT_OK_AND_ASSIGN(Digest d, Digest::Parse("multihash+base58:QmRZxt2b1FVZPNqd8hsiykDL3TdBDeTSPX9Kv46HmX4Gx8"));
  EXPECT_FALSE(d.Supported());
}

TEST(DigestTest, RejectsMalformed) {
  for (const char* bad : {"", "sha256", "sha256:", ":abc", "SHA256:abc", "sha256:abc",
                          "sha256:E3B0C44298FC1C149AFBF4C8996FB92427AE41E4649B934CA495991B7852B855",
                          "sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b85g",
                          "sha256+:abc", "sha256:ab cd", "sha512:abc"}) {
    EXPECT_FALSE(Digest::Parse(bad).ok()) << bad;
  }
}

}  // namespace
}  // namespace scopereg::oci
