#include "scopereg/storage/layout.h"

#include <gtest/gtest.h>

#include <string>

#include "scopereg/core/strings.h"

namespace scopereg::storage {
namespace {

const std::string kHex256 = "ab" + std::string(62, '0');

TEST(LayoutTest, BlobKeyFansOutByTheFirstTwoHexCharacters) {
  EXPECT_EQ(BlobKey(oci::Digest::FromHex(HashAlgorithm::kSha256, kHex256)), "blobs/sha256/ab/" + kHex256);
  const std::string hex512 = "9f" + std::string(126, 'e');
  EXPECT_EQ(BlobKey(oci::Digest::FromHex(HashAlgorithm::kSha512, hex512)), "blobs/sha512/9f/" + hex512);
}

TEST(LayoutTest, DigestFromBlobKeyInvertsBlobKey) {
  auto digest = DigestFromBlobKey("sha256", "ab", kHex256);
  ASSERT_TRUE(digest.has_value());
  EXPECT_EQ(digest->str(), "sha256:" + kHex256);
}

TEST(LayoutTest, DigestFromBlobKeyRejectsForeignNames) {
  std::string upper = kHex256;
  upper[5] = 'A';
  EXPECT_FALSE(DigestFromBlobKey("sha256", "cd", kHex256));         // wrong fan-out directory
  EXPECT_FALSE(DigestFromBlobKey("sha256", "ab", upper));           // not lower-case
  EXPECT_FALSE(DigestFromBlobKey("sha256", "ab", kHex256 + "0"));   // wrong length
  EXPECT_FALSE(DigestFromBlobKey("sha512", "ab", kHex256));         // length of another algorithm
  EXPECT_FALSE(DigestFromBlobKey("md5", "ab", kHex256));            // unsupported algorithm
  EXPECT_FALSE(DigestFromBlobKey("sha256", "ab", kHex256 + ".tmp"));
  EXPECT_FALSE(DigestFromBlobKey("sha256", "..", ".."));
}

TEST(LayoutTest, UploadIdsAreCanonicalLowerCaseUuids) {
  for (int i = 0; i < 100; ++i) {
    const std::string id = NewUuid();
    EXPECT_TRUE(IsValidUploadId(id)) << id;
    EXPECT_TRUE(CheckUploadId(id).ok());
  }
  EXPECT_EQ(UploadKey("3f2504e0-4f89-11d3-9a0c-0305e82c3301"), "uploads/3f2504e0-4f89-11d3-9a0c-0305e82c3301");
  for (std::string_view bad : {"", "..", "/", "../3f2504e0-4f89-11d3-9a0c-0305e82c33",
                               "3F2504E0-4F89-11D3-9A0C-0305E82C3301", "3f2504e04f8911d39a0c0305e82c3301",
                               "3f2504e0-4f89-11d3-9a0c-0305e82c3301 ", "3f2504e0-4f89-11d3-9a0c-0305e82c330g",
                               "3f2504e0-4f89-11d3-9a0c/0305e82c3301", "3f2504e0-4f89-11d3-9a0c-0305e82c3301\n"}) {
    EXPECT_FALSE(IsValidUploadId(bad)) << bad;
    EXPECT_EQ(CheckUploadId(bad).code(), StatusCode::kInvalidArgument);
  }
}

}  // namespace
}  // namespace scopereg::storage
