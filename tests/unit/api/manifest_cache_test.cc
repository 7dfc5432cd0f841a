#include "scopereg/api/manifest_cache.h"

#include <gtest/gtest.h>

namespace scopereg::api {
namespace {

std::shared_ptr<const CachedManifest> Make(const std::string& content) {
  auto m = std::make_shared<CachedManifest>();
  m->digest = oci::Digest::Sha256Of(content);
  m->bytes = std::make_shared<const std::string>(content);
  return m;
}

TEST(ManifestCacheTest, FillsAndInvalidates) {
  ManifestCache cache(1 << 20);
  auto gen = cache.CurrentGeneration("r");
  auto m = Make("manifest");
  cache.PutManifest("r", gen, m);
  cache.PutTag("r", gen, "v1", CachedTag{m->digest, {}});
  EXPECT_EQ(cache.GetManifest("r", m->digest), m);
  EXPECT_EQ(cache.GetTag("r", "v1")->digest, m->digest);
  EXPECT_EQ(cache.GetManifest("other", m->digest), nullptr);
  cache.Invalidate("r");
  EXPECT_EQ(cache.GetManifest("r", m->digest), nullptr);
  EXPECT_FALSE(cache.GetTag("r", "v1").has_value());
  EXPECT_EQ(cache.bytes(), 0u);
}

TEST(ManifestCacheTest, AFillThatRacedWithAWriteIsDropped) {
  ManifestCache cache(1 << 20);
  auto seen = cache.CurrentGeneration("r");  // reader starts, goes to the database
  cache.Invalidate("r");                      // a writer commits meanwhile
  cache.PutTag("r", seen, "v1", CachedTag{oci::Digest::Sha256Of("stale"), {}});
  EXPECT_FALSE(cache.GetTag("r", "v1").has_value());
  auto fresh = cache.CurrentGeneration("r");
  cache.PutTag("r", fresh, "v1", CachedTag{oci::Digest::Sha256Of("new"), {}});
  EXPECT_TRUE(cache.GetTag("r", "v1").has_value());
}

TEST(ManifestCacheTest, BoundedByBytes) {
  ManifestCache cache(16 * 1000);  // 1000 bytes per shard
  auto gen = cache.CurrentGeneration("r");
  for (int i = 0; i < 100; ++i) cache.PutManifest("r", gen, Make(std::string(100, 'a') + std::to_string(i)));
  EXPECT_LE(cache.bytes(), 1100u);
  EXPECT_GT(cache.bytes(), 0u);
}

TEST(ManifestCacheTest, RepeatedInvalidationDoesNotGrowMemory) {
  ManifestCache cache(1 << 20);
  for (int i = 0; i < 20000; ++i) {
    auto gen = cache.CurrentGeneration("r");
    cache.PutManifest("r", gen, Make("m" + std::to_string(i % 3)));
    cache.Invalidate("r");
  }
  EXPECT_EQ(cache.bytes(), 0u);
}

}  // namespace
}  // namespace scopereg::api
