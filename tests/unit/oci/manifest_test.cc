#include "scopereg/oci/manifest.h"

#include <gtest/gtest.h>

#include "testing/status_matchers.h"

namespace scopereg::oci {
namespace {

std::string Desc(std::string_view mt, std::string_view content, std::string extra = "") {
  return "{\"mediaType\":\"" + std::string(mt) + "\",\"digest\":\"" + Digest::Sha256Of(content).str() +
         "\",\"size\":" + std::to_string(content.size()) + extra + "}";
}

std::string ImageManifest(std::string extra = "") {
  return "{\"schemaVersion\":2,\"mediaType\":\"application/vnd.oci.image.manifest.v1+json\",\"config\":" +
         Desc("application/vnd.oci.image.config.v1+json", "{}") + ",\"layers\":[" +
         Desc("application/vnd.oci.image.layer.v1.tar+gzip", "layer") + "]" + extra + "}";
}

TEST(ManifestTest, ParsesAnImageManifest) {
  ASSERT_OK_AND_ASSIGN(Manifest m, ParseManifest(ImageManifest(), media_type::kOciManifest));
  EXPECT_EQ(m.kind, ManifestKind::kImage);
  EXPECT_EQ(m.media_type, media_type::kOciManifest);
  ASSERT_TRUE(m.config.has_value());
  EXPECT_EQ(m.config->digest, Digest::Sha256Of("{}"));
  ASSERT_EQ(m.layers.size(), 1u);
  EXPECT_EQ(m.layers[0].size, 5);
  EXPECT_FALSE(m.subject.has_value());
  EXPECT_EQ(m.ReferrerArtifactType(), "application/vnd.oci.image.config.v1+json");
}

TEST(ManifestTest, ArtifactWithSubjectAndAnnotations) {
  std::string body = ImageManifest(",\"artifactType\":\"application/vnd.example.sbom\",\"subject\":" +
                                   Desc(media_type::kOciManifest, "subj") + ",\"annotations\":{\"a\":\"b\"}");
  ASSERT_OK_AND_ASSIGN(Manifest m, ParseManifest(body, ""));
  ASSERT_TRUE(m.subject.has_value());
  EXPECT_EQ(m.subject->digest, Digest::Sha256Of("subj"));
  EXPECT_EQ(m.ReferrerArtifactType(), "application/vnd.example.sbom");
  EXPECT_EQ(m.annotations_json, "{\"a\":\"b\"}");
}

TEST(ManifestTest, ParsesAnIndexAndInfersTypeFromShape) {
  std::string body = "{\"schemaVersion\":2,\"manifests\":[" + Desc(media_type::kOciManifest, "m1") + "," +
                     Desc(media_type::kOciManifest, "m2") + "]}";
  ASSERT_OK_AND_ASSIGN(Manifest m, ParseManifest(body, ""));
  EXPECT_EQ(m.kind, ManifestKind::kIndex);
  EXPECT_EQ(m.media_type, media_type::kOciIndex);
  EXPECT_EQ(m.manifests.size(), 2u);
  ASSERT_OK_AND_ASSIGN(Manifest list, ParseManifest(body, std::string(media_type::kDockerManifestList) + "; charset=utf-8"));
  EXPECT_EQ(list.media_type, media_type::kDockerManifestList);
}

TEST(ManifestTest, RejectsInvalidManifests) {
  const std::pair<std::string, std::string> cases[] = {
      {"not json", ""},
      {"[]", ""},
      {"{\"schemaVersion\":1}", ""},
      {"{\"schemaVersion\":2,\"mediaType\":\"application/vnd.oci.image.manifest.v1+json\"}", ""},
      {ImageManifest(), std::string(media_type::kDockerManifest)},
      {"{\"schemaVersion\":2,\"mediaType\":\"application/vnd.oci.image.manifest.v1+json\",\"config\":{\"digest\":\"x\"}}", ""},
      {"{\"schemaVersion\":2,\"mediaType\":\"application/vnd.docker.distribution.manifest.v1+prettyjws\"}", ""},
      {"{\"schemaVersion\":2,\"mediaType\":\"text/plain\",\"config\":" + Desc("a", "b") + "}", ""},
      {"{\"schemaVersion\":2,\"manifests\":{}}", ""},
      {ImageManifest(",\"subject\":{\"mediaType\":\"x\",\"size\":1}"), ""},
      {"{\"schemaVersion\":2,\"mediaType\":\"application/vnd.oci.image.manifest.v1+json\",\"config\":" +
           Desc("a", "b", ",\"size\":-1") + "}", ""},
  };
  for (const auto& [body, ct] : cases) {
    auto r = ParseManifest(body, ct);
    EXPECT_FALSE(r.ok()) << body;
    if (!r.ok()) {
      EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument);
    }
  }
}

}  // namespace
}  // namespace scopereg::oci
