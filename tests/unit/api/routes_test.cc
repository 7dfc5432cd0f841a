#include "scopereg/api/routes.h"

#include <gtest/gtest.h>

namespace scopereg::api {
namespace {

void Expect(std::string_view path, Route route, std::string repo = "", std::string ref = "") {
  RouteMatch m = MatchRoute(path);
  EXPECT_EQ(m.route, route) << path;
  EXPECT_EQ(m.repository, repo) << path;
  EXPECT_EQ(m.reference, ref) << path;
}

TEST(RoutesTest, DistributionEndpoints) {
  Expect("/v2/", Route::kBase);
  Expect("/v2", Route::kBase);
  Expect("/v2/_catalog", Route::kCatalog);
  Expect("/v2/a/tags/list", Route::kTagsList, "a");
  Expect("/v2/a/b/c/tags/list", Route::kTagsList, "a/b/c");
  Expect("/v2/a/b/manifests/latest", Route::kManifest, "a/b", "latest");
  Expect("/v2/a/b/manifests/sha256:abc", Route::kManifest, "a/b", "sha256:abc");
  Expect("/v2/a/blobs/sha256:abc", Route::kBlob, "a", "sha256:abc");
  Expect("/v2/a/b/blobs/uploads/", Route::kBlobUploadStart, "a/b");
  Expect("/v2/a/b/blobs/uploads", Route::kBlobUploadStart, "a/b");
  Expect("/v2/a/b/blobs/uploads/1234-abcd", Route::kBlobUpload, "a/b", "1234-abcd");
  Expect("/v2/a/referrers/sha256:abc", Route::kReferrers, "a", "sha256:abc");
}

TEST(RoutesTest, KeywordsInsideRepositoryNames) {
  Expect("/v2/blobs/blobs/sha256:x", Route::kBlob, "blobs", "sha256:x");
  Expect("/v2/manifests/manifests/v1", Route::kManifest, "manifests", "v1");
  Expect("/v2/x/blobs/uploads/y/manifests/v1", Route::kManifest, "x/blobs/uploads/y", "v1");
  Expect("/v2/tags/list/tags/list", Route::kTagsList, "tags/list");
}

TEST(RoutesTest, OtherEndpointsAndMisses) {
  Expect("/oauth2/token", Route::kToken);
  Expect("/healthz", Route::kHealth, "", "healthz");
  Expect("/metrics", Route::kMetrics);
  Expect("/api/v1/tokens/x", Route::kManagement, "", "tokens/x");
  Expect("/acr/v1/_catalog", Route::kAcrMetadata, "", "_catalog");
  Expect("/v2/manifests/latest", Route::kNotFound);
  Expect("/v2/a/manifests/", Route::kNotFound);
  Expect("/v2/a/unknown/x", Route::kNotFound);
  Expect("/", Route::kNotFound);
  Expect("/v2//manifests/x", Route::kNotFound);
}

}  // namespace
}  // namespace scopereg::api
