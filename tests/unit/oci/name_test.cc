#include "scopereg/oci/name.h"

#include <gtest/gtest.h>

#include "testing/status_matchers.h"

namespace scopereg::oci {
namespace {

TEST(NameTest, ValidRepositoryNames) {
  for (const char* ok : {"a", "library/ubuntu", "a/b/c/d", "team-a/app", "a--b", "a.b", "a_b", "a__b",
                         "conformance-0c4a/x.y_z", "0/1"}) {
    EXPECT_TRUE(IsValidRepositoryName(ok)) << ok;
  }
}

TEST(NameTest, InvalidRepositoryNames) {
  for (const char* bad : {"", "A", "a/", "/a", "a//b", "-a", "a-", "a___b", "a..b", "a._b", "a/B", "a b",
                          "a:b", "_a", "a/.b"}) {
    EXPECT_FALSE(IsValidRepositoryName(bad)) << bad;
  }
  EXPECT_TRUE(IsValidRepositoryName(std::string(255, 'a')));
  EXPECT_FALSE(IsValidRepositoryName(std::string(256, 'a')));
}

TEST(NameTest, Tags) {
  for (const char* ok : {"latest", "v1.0", "_x", "A-b_c.d", "0"}) EXPECT_TRUE(IsValidTag(ok)) << ok;
  for (const char* bad : {"", ".x", "-x", "a/b", "a:b", "a+b"}) EXPECT_FALSE(IsValidTag(bad)) << bad;
  EXPECT_TRUE(IsValidTag(std::string(128, 'a')));
  EXPECT_FALSE(IsValidTag(std::string(129, 'a')));
}

TEST(ReferenceTest, TagOrDigest) {
  ASSERT_OK_AND_ASSIGN(Reference t, Reference::Parse("v1"));
  EXPECT_TRUE(t.is_tag());
  EXPECT_EQ(t.tag(), "v1");
  ASSERT_OK_AND_ASSIGN(Reference d, Reference::Parse(Digest::Sha256Of("x").str()));
  EXPECT_TRUE(d.is_digest());
  EXPECT_FALSE(Reference::Parse("sha256:nothex").ok());
  EXPECT_FALSE(Reference::Parse("-bad").ok());
}

}  // namespace
}  // namespace scopereg::oci
