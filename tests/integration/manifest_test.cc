// Manifests, tags, referrers, catalog, deletion, locks and GC over real HTTP.
#include <nlohmann/json.hpp>

#include "registry_fixture.h"

namespace scopereg::testing {
namespace {

using nlohmann::json;

constexpr char kOciManifest[] = "application/vnd.oci.image.manifest.v1+json";
constexpr char kOciIndex[] = "application/vnd.oci.image.index.v1+json";

class ManifestTest : public RegistryFixture {
 protected:
};

TEST_F(ManifestTest, PushAndPullByTagAndDigest) {
  std::string body = PushImage("app/web", "v1", "layer-1");
  oci::Digest d = oci::Digest::Sha256Of(body);
  for (const std::string ref : {std::string("v1"), d.str()}) {
    auto get = Send("GET", "/v2/app/web/manifests/" + ref, "", {{"Accept", kOciManifest}});
    EXPECT_EQ(get.status, 200);
    EXPECT_EQ(get.body, body);
    EXPECT_EQ(get.header("Content-Type"), kOciManifest);
    EXPECT_EQ(get.header("Docker-Content-Digest"), d.str());
    EXPECT_EQ(get.header("ETag"), "\"" + d.str() + "\"");
    auto head = Send("HEAD", "/v2/app/web/manifests/" + ref);
    EXPECT_EQ(head.status, 200);
    EXPECT_EQ(head.header("Content-Length"), std::to_string(body.size()));
    EXPECT_EQ(head.header("Docker-Content-Digest"), d.str());
    EXPECT_EQ(head.header("Content-Type"), kOciManifest);
  }
}

TEST_F(ManifestTest, ContentNegotiationReadsEveryAcceptLine) {
  std::string body = PushImage("neg", "v1", "layer");
  // c/image sends one type per Accept line; the right one may be the last.
  http::ClientRequest req{"GET", Url("/v2/neg/manifests/v1")};
  req.headers = {{"Accept", "application/vnd.docker.distribution.manifest.v2+json"},
                 {"Accept", "application/vnd.docker.distribution.manifest.list.v2+json"},
                 {"Accept", "application/vnd.oci.image.index.v1+json"},
                 {"Accept", std::string(kOciManifest) + ";q=0.9"}};
  auto res = client_.Send(req);
  ASSERT_TRUE(res.ok());
  EXPECT_EQ(res->status, 200);
  EXPECT_EQ(res->body, body);
  auto combined = Send("GET", "/v2/neg/manifests/v1", "",
                       {{"Accept", "application/vnd.docker.distribution.manifest.v2+json, " + std::string(kOciManifest)}});
  EXPECT_EQ(combined.status, 200);
  EXPECT_EQ(Send("GET", "/v2/neg/manifests/v1", "", {{"Accept", "*/*"}}).status, 200);
  auto refused = Send("GET", "/v2/neg/manifests/v1", "",
                      {{"Accept", "application/vnd.docker.distribution.manifest.v2+json"}});
  EXPECT_EQ(refused.status, 404);
  EXPECT_EQ(ErrorCode(refused), "MANIFEST_UNKNOWN");
  EXPECT_NE(refused.body.find("accept header does not support OCI manifests"), std::string::npos);
}

TEST_F(ManifestTest, PutResponseHeaders) {
  PushBlob("h", "{}");
  std::string manifest = std::string("{\"schemaVersion\":2,\"mediaType\":\"") + kOciManifest +
                         "\",\"config\":" + DescriptorJson("application/vnd.oci.empty.v1+json", "{}") +
                         ",\"layers\":[]}";
  auto put = PutManifest("h", "t", manifest);
  EXPECT_EQ(put.status, 201) << put.body;
  oci::Digest d = oci::Digest::Sha256Of(manifest);
  EXPECT_EQ(put.header("Location"), "/v2/h/manifests/" + d.str());
  EXPECT_EQ(put.header("Docker-Content-Digest"), d.str());
  EXPECT_TRUE(put.header("OCI-Subject").empty());
}

TEST_F(ManifestTest, ManifestErrors) {
  auto missing = Send("GET", "/v2/nothing/here/manifests/latest");
  EXPECT_EQ(missing.status, 404);
  EXPECT_EQ(ErrorCode(missing), "NAME_UNKNOWN");
  PushImage("errs", "v1", "l");
  auto unknown_tag = Send("GET", "/v2/errs/manifests/v2");
  EXPECT_EQ(unknown_tag.status, 404);
  EXPECT_EQ(ErrorCode(unknown_tag), "MANIFEST_UNKNOWN");
  auto unknown_digest = Send("GET", "/v2/errs/manifests/" + oci::Digest::Sha256Of("x").str());
  EXPECT_EQ(unknown_digest.status, 404);
  EXPECT_EQ(ErrorCode(unknown_digest), "MANIFEST_UNKNOWN");

  auto invalid = PutManifest("errs", "bad", "{not json");
  EXPECT_EQ(invalid.status, 400);
  EXPECT_EQ(ErrorCode(invalid), "MANIFEST_INVALID");

  std::string dangling = std::string("{\"schemaVersion\":2,\"mediaType\":\"") + kOciManifest + "\",\"config\":" +
                         DescriptorJson("application/vnd.oci.image.config.v1+json", "never pushed") +
                         ",\"layers\":[]}";
  auto blob_unknown = PutManifest("errs", "dangling", dangling);
  EXPECT_EQ(blob_unknown.status, 400);
  EXPECT_EQ(ErrorCode(blob_unknown), "MANIFEST_BLOB_UNKNOWN");
  EXPECT_EQ(Send("GET", "/v2/errs/manifests/dangling").status, 404);

  std::string good = PushImage("errs", "v3", "l3");
  auto wrong_digest = PutManifest("errs", oci::Digest::Sha256Of("other").str(), good);
  EXPECT_EQ(wrong_digest.status, 400);
  EXPECT_EQ(ErrorCode(wrong_digest), "DIGEST_INVALID");

  auto too_big = PutManifest("errs", "big", std::string(5 * 1024 * 1024, ' '));
  EXPECT_EQ(too_big.status, 413);

  auto bad_tag = PutManifest("errs", "-bad", good);
  EXPECT_EQ(bad_tag.status, 400);
}

TEST_F(ManifestTest, IndexRequiresItsChildren) {
  std::string child = PushImage("multi", "amd64", "amd64 layer");
  std::string index = std::string("{\"schemaVersion\":2,\"mediaType\":\"") + kOciIndex + "\",\"manifests\":[" +
                      DescriptorJson(kOciManifest, child) + "]}";
  auto ok = PutManifest("multi", "latest", index, kOciIndex);
  EXPECT_EQ(ok.status, 201) << ok.body;
  std::string broken = std::string("{\"schemaVersion\":2,\"mediaType\":\"") + kOciIndex + "\",\"manifests\":[" +
                       DescriptorJson(kOciManifest, "not a manifest here") + "]}";
  auto bad = PutManifest("multi", "broken", broken, kOciIndex);
  EXPECT_EQ(bad.status, 400);
  EXPECT_EQ(ErrorCode(bad), "MANIFEST_BLOB_UNKNOWN");
}

TEST_F(ManifestTest, IfMatchGuardsTagUpdates) {
  std::string v1 = PushImage("ifm", "t", "one");
  std::string v2_layer = "two";
  PushImage("ifm", "other", v2_layer);
  std::string v2 = Send("GET", "/v2/ifm/manifests/other").body;
  auto stale = Send("PUT", "/v2/ifm/manifests/t", v2,
                    {{"Content-Type", kOciManifest}, {"If-Match", "\"" + oci::Digest::Sha256Of("nope").str() + "\""}});
  EXPECT_EQ(stale.status, 412);
  EXPECT_EQ(Send("GET", "/v2/ifm/manifests/t").body, v1);
  auto fresh = Send("PUT", "/v2/ifm/manifests/t", v2,
                    {{"Content-Type", kOciManifest}, {"If-Match", "\"" + oci::Digest::Sha256Of(v1).str() + "\""}});
  EXPECT_EQ(fresh.status, 201) << fresh.body;
  EXPECT_EQ(Send("GET", "/v2/ifm/manifests/t").body, v2);
}

TEST_F(ManifestTest, ReferrersApiAndOciSubject) {
  std::string subject = PushImage("ref", "v1", "base layer");
  oci::Digest subject_digest = oci::Digest::Sha256Of(subject);
  PushBlob("ref", "{}");
  PushBlob("ref", "sbom contents");
  auto artifact = [&](const std::string& type, const std::string& ann) {
    return std::string("{\"schemaVersion\":2,\"mediaType\":\"") + kOciManifest + "\",\"artifactType\":\"" + type +
           "\",\"config\":" + DescriptorJson("application/vnd.oci.empty.v1+json", "{}") + ",\"layers\":[" +
           DescriptorJson("application/spdx+json", "sbom contents") + "],\"subject\":" +
           DescriptorJson(kOciManifest, subject) + ",\"annotations\":{\"k\":\"" + ann + "\"}}";
  };
  std::string sbom = artifact("application/vnd.example.sbom", "a");
  std::string sig = artifact("application/vnd.example.sig", "b");
  auto put = PutManifest("ref", oci::Digest::Sha256Of(sbom).str(), sbom);
  EXPECT_EQ(put.status, 201) << put.body;
  EXPECT_EQ(put.header("OCI-Subject"), subject_digest.str());
  EXPECT_EQ(PutManifest("ref", oci::Digest::Sha256Of(sig).str(), sig).status, 201);

  auto all = Send("GET", "/v2/ref/referrers/" + subject_digest.str());
  EXPECT_EQ(all.status, 200);
  EXPECT_EQ(all.header("Content-Type"), kOciIndex);
  EXPECT_TRUE(all.header("OCI-Filters-Applied").empty());
  auto j = json::parse(all.body);
  EXPECT_EQ(j["schemaVersion"], 2);
  EXPECT_EQ(j["mediaType"], kOciIndex);
  ASSERT_EQ(j["manifests"].size(), 2u);
  for (const auto& m : j["manifests"]) {
    EXPECT_TRUE(m.contains("artifactType"));
    EXPECT_TRUE(m["annotations"].contains("k"));
  }
  auto filtered = Send("GET", "/v2/ref/referrers/" + subject_digest.str() + "?artifactType=application/vnd.example.sig");
  EXPECT_EQ(filtered.header("OCI-Filters-Applied"), "artifactType");
  auto f = json::parse(filtered.body);
  ASSERT_EQ(f["manifests"].size(), 1u);
  EXPECT_EQ(f["manifests"][0]["digest"], oci::Digest::Sha256Of(sig).str());
  auto none = Send("GET", "/v2/ref/referrers/" + oci::Digest::Sha256Of("no subject").str());
  EXPECT_EQ(none.status, 200);
  EXPECT_EQ(json::parse(none.body)["manifests"].size(), 0u);
}

TEST_F(ManifestTest, TagListPagination) {
  for (const char* t : {"c", "a", "e", "b", "d"}) PushImage("tags", t, std::string("layer ") + t);
  auto all = Send("GET", "/v2/tags/tags/list");
  EXPECT_EQ(all.status, 200);
  auto j = json::parse(all.body);
  EXPECT_EQ(j["name"], "tags");
  EXPECT_EQ(j["tags"], json({"a", "b", "c", "d", "e"}));
  EXPECT_TRUE(all.header("Link").empty());

  auto p1 = Send("GET", "/v2/tags/tags/list?n=2");
  EXPECT_EQ(json::parse(p1.body)["tags"], json({"a", "b"}));
  EXPECT_EQ(p1.header("Link"), "</v2/tags/tags/list?last=b&n=2>; rel=\"next\"");
  auto p2 = Send("GET", "/v2/tags/tags/list?n=2&last=b");
  EXPECT_EQ(json::parse(p2.body)["tags"], json({"c", "d"}));
  auto p3 = Send("GET", "/v2/tags/tags/list?n=2&last=d");
  EXPECT_EQ(json::parse(p3.body)["tags"], json({"e"}));
  EXPECT_TRUE(p3.header("Link").empty());
  auto zero = Send("GET", "/v2/tags/tags/list?n=0");
  EXPECT_EQ(json::parse(zero.body)["tags"].size(), 0u);
  EXPECT_EQ(Send("GET", "/v2/tags/tags/list?n=x").status, 400);
  auto unknown = Send("GET", "/v2/nope/tags/list");
  EXPECT_EQ(unknown.status, 404);
  EXPECT_EQ(ErrorCode(unknown), "NAME_UNKNOWN");
}

TEST_F(ManifestTest, CatalogPagination) {
  for (const char* r : {"z/one", "a/two", "m/three"}) PushBlob(r, r);
  auto all = json::parse(Send("GET", "/v2/_catalog").body);
  EXPECT_EQ(all["repositories"], json({"a/two", "m/three", "z/one"}));
  auto p1 = Send("GET", "/v2/_catalog?n=2");
  EXPECT_EQ(json::parse(p1.body)["repositories"], json({"a/two", "m/three"}));
  EXPECT_EQ(p1.header("Link"), "</v2/_catalog?last=m%2Fthree&n=2>; rel=\"next\"");
  auto p2 = Send("GET", "/v2/_catalog?n=2&last=m/three");
  EXPECT_EQ(json::parse(p2.body)["repositories"], json({"z/one"}));
}

TEST_F(ManifestTest, DeleteByTagAndByDigest) {
  std::string body = PushImage("gone", "v1", "l");
  oci::Digest d = oci::Digest::Sha256Of(body);
  PushImage("gone", "v2", "l");  // same manifest bytes: v2 points at d too
  EXPECT_EQ(Send("DELETE", "/v2/gone/manifests/v1").status, 202);
  EXPECT_EQ(Send("GET", "/v2/gone/manifests/v1").status, 404);
  EXPECT_EQ(Send("GET", "/v2/gone/manifests/v2").status, 200);
  EXPECT_EQ(Send("DELETE", "/v2/gone/manifests/" + d.str()).status, 202);
  EXPECT_EQ(Send("GET", "/v2/gone/manifests/" + d.str()).status, 404);
  EXPECT_EQ(Send("GET", "/v2/gone/manifests/v2").status, 404);  // its tags went with it
  auto again = Send("DELETE", "/v2/gone/manifests/" + d.str());
  EXPECT_EQ(again.status, 404);
  EXPECT_EQ(ErrorCode(again), "MANIFEST_UNKNOWN");
}

TEST_F(ManifestTest, DockerSchema2AndManifestList) {
  const std::string config = "{\"architecture\":\"arm64\"}";
  PushBlob("docker", config);
  PushBlob("docker", "docker layer");
  std::string m = "{\"schemaVersion\":2,\"mediaType\":\"application/vnd.docker.distribution.manifest.v2+json\","
                  "\"config\":" + DescriptorJson("application/vnd.docker.container.image.v1+json", config) +
                  ",\"layers\":[" + DescriptorJson("application/vnd.docker.image.rootfs.diff.tar.gzip", "docker layer") + "]}";
  auto put = PutManifest("docker", "v2s2", m, "application/vnd.docker.distribution.manifest.v2+json");
  EXPECT_EQ(put.status, 201) << put.body;
  std::string list = "{\"schemaVersion\":2,\"mediaType\":\"application/vnd.docker.distribution.manifest.list.v2+json\","
                     "\"manifests\":[" + DescriptorJson("application/vnd.docker.distribution.manifest.v2+json", m) + "]}";
  auto put_list = PutManifest("docker", "list", list, "application/vnd.docker.distribution.manifest.list.v2+json");
  EXPECT_EQ(put_list.status, 201) << put_list.body;
  auto get = Send("GET", "/v2/docker/manifests/list");
  EXPECT_EQ(get.header("Content-Type"), "application/vnd.docker.distribution.manifest.list.v2+json");
}

TEST_F(ManifestTest, UnknownEndpointsAndMethods) {
  auto nf = Send("GET", "/v3/whatever");
  EXPECT_EQ(nf.status, 404);
  EXPECT_EQ(Send("PATCH", "/v2/x/manifests/latest").status, 405);
  EXPECT_EQ(Send("DELETE", "/v2/x/tags/list").status, 405);
}

TEST_F(ManifestTest, DataSurvivesRestart) {
  std::string body = PushImage("persist/me", "v1", "durable layer");
  Restart();
  auto get = Send("GET", "/v2/persist/me/manifests/v1");
  EXPECT_EQ(get.status, 200);
  EXPECT_EQ(get.body, body);
}

TEST_F(ManifestTest, GarbageCollectionKeepsReferencedAndRecentBlobs) {
  std::string body = PushImage("gc", "v1", "kept layer");
  oci::Digest loose = PushBlob("gc", "unreferenced blob");
  ASSERT_OK_AND_ASSIGN(auto early, app_->CollectGarbage());
  EXPECT_EQ(early.blobs_deleted, 0u);  // within the grace period
  clock_.Advance(std::chrono::hours(2));
  ASSERT_OK_AND_ASSIGN(auto report, app_->CollectGarbage());
  EXPECT_EQ(report.blobs_deleted, 1u);
  EXPECT_EQ(report.errors, 0u);
  EXPECT_EQ(Send("HEAD", "/v2/gc/blobs/" + loose.str()).status, 404);
  EXPECT_EQ(Send("GET", "/v2/gc/manifests/v1").body, body);
  EXPECT_EQ(Send("GET", "/v2/gc/blobs/" + oci::Digest::Sha256Of("kept layer").str()).body, "kept layer");
  // Pushing the collected blob again works.
  PushBlob("gc", "unreferenced blob");
  EXPECT_EQ(Send("GET", "/v2/gc/blobs/" + loose.str()).body, "unreferenced blob");
}

TEST_F(ManifestTest, GarbageCollectionExpiresAbandonedUploads) {
  auto start = Send("POST", "/v2/abandon/blobs/uploads/");
  ASSERT_EQ(start.status, 202);
  ASSERT_EQ(Send("PATCH", start.header("Location"), "partial").status, 202);
  clock_.Advance(std::chrono::hours(25));
  ASSERT_OK_AND_ASSIGN(auto report, app_->CollectGarbage());
  EXPECT_EQ(report.uploads_expired, 1u);
  EXPECT_EQ(Send("GET", start.header("Location")).status, 404);
}

}  // namespace
}  // namespace scopereg::testing
