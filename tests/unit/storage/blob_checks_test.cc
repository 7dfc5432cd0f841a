#include "scopereg/storage/blob_checks.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cstdint>

#include "testing/status_matchers.h"

namespace scopereg::storage {
namespace {

TEST(BlobChecksTest, OnlySha256AndSha512AreVerifiable) {
  EXPECT_OK(CheckVerifiableDigest(oci::Digest::Sha256Of("x")));
  EXPECT_OK(CheckVerifiableDigest(oci::Digest::FromHex(HashAlgorithm::kSha512, std::string(128, 'a'))));
  ASSERT_OK_AND_ASSIGN(oci::Digest md5, oci::Digest::Parse("md5:0cc175b9c0f1b6a831c399e269772661"));
  EXPECT_STATUS(CheckVerifiableDigest(md5), StatusCode::kInvalidArgument);
  EXPECT_STATUS(CheckVerifiableDigest(oci::Digest()), StatusCode::kInvalidArgument);
}

TEST(BlobChecksTest, ContentMustHashToTheDigest) {
  EXPECT_OK(CheckContentDigest(oci::Digest::Sha256Of("abc"), "abc"));
  Status mismatch = CheckContentDigest(oci::Digest::Sha256Of("abc"), "abd");
  EXPECT_EQ(mismatch.code(), StatusCode::kInvalidArgument);
  // The message names what the content really hashes to, for the operator.
  EXPECT_THAT(std::string(mismatch.message()), ::testing::HasSubstr(oci::Digest::Sha256Of("abd").str()));
}

TEST(BlobChecksTest, ResolveRange) {
  struct Case {
    std::uint64_t size, offset;
    std::optional<std::uint64_t> length;
    std::optional<std::uint64_t> want;  // nullopt: kOutOfRange
  };
  for (const Case& c : std::vector<Case>{
           {10, 0, std::nullopt, 10},
           {10, 3, std::nullopt, 7},
           {10, 10, std::nullopt, 0},
           {10, 10, 0, 0},
           {10, 2, 8, 8},
           {0, 0, std::nullopt, 0},
           {10, 11, std::nullopt, std::nullopt},
           {10, 2, 9, std::nullopt},
           {10, 1, UINT64_MAX, std::nullopt},
           {UINT64_MAX, UINT64_MAX - 1, 2, std::nullopt},
       }) {
    SCOPED_TRACE(::testing::Message() << c.size << " " << c.offset << " " << c.length.value_or(0));
    auto got = ResolveRange(c.size, c.offset, c.length);
    if (c.want) {
      ASSERT_OK(got);
      EXPECT_EQ(*got, *c.want);
    } else {
      EXPECT_STATUS(got, StatusCode::kOutOfRange);
    }
  }
}

}  // namespace
}  // namespace scopereg::storage
