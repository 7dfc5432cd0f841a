// ACR's metadata API (/acr/v1/...) against a whole in-process registry:
// attribute reads and changes, and that the locks they set are enforced on
// the /v2/ data plane (push, pull, delete, tag listing, uploads); untag and
// repository delete.
//
// Every /acr/v1 request goes through Acr(), which adds AuthHeaders(). The
// server authorizes everything until token auth is wired; then
// AuthHeaders() must return credentials with metadata/read, metadata/write
// and content/delete (e.g. the admin user), and the fixture's own push
// helpers need the same.
#include <nlohmann/json.hpp>

#include "registry_fixture.h"

namespace scopereg::testing {
namespace {

using nlohmann::json;
using Headers = std::vector<std::pair<std::string, std::string>>;

class AcrMetadataTest : public RegistryFixture {
 protected:
  Headers AuthHeaders() const { return {}; }

  struct Reply {
    int status = 0;
    json body;
    http::ClientResponse raw;
  };

  Reply Acr(const std::string& method, const std::string& path, const std::string& body = "") {
    Headers headers = AuthHeaders();
    if (!body.empty()) headers.emplace_back("Content-Type", "application/json");
    Reply r;
    r.raw = Send(method, "/acr/v1/" + path, body, std::move(headers));
    r.status = r.raw.status;
    r.body = json::parse(r.raw.body, nullptr, false);
    return r;
  }

  static std::string ErrorCode(const http::ClientResponse& res) {
    auto j = json::parse(res.body, nullptr, false);
    if (j.is_discarded() || !j.contains("errors")) return "<no error body: " + res.body + ">";
    return j["errors"][0]["code"].get<std::string>();
  }

  // Pushes an image and returns its manifest digest.
  std::string Push(const std::string& repo, const std::string& tag, const std::string& layer) {
    return oci::Digest::Sha256Of(PushImage(repo, tag, layer)).str();
  }

  std::vector<std::string> TagsList(const std::string& repo) {
    auto res = Send("GET", "/v2/" + repo + "/tags/list", "", AuthHeaders());
    EXPECT_EQ(res.status, 200) << res.body;
    std::vector<std::string> out;
    json j = json::parse(res.body, nullptr, false);
    if (j.is_object() && j["tags"].is_array()) {
      for (const json& t : j["tags"]) out.push_back(t.get<std::string>());
    }
    return out;
  }
};

const json kAllEnabled = {
    {"deleteEnabled", true}, {"writeEnabled", true}, {"readEnabled", true}, {"listEnabled", true}};

TEST_F(AcrMetadataTest, ShowsRepositoryTagAndManifest) {
  const std::string d1 = Push("team/app", "v1", "layer-1");
  Push("team/app", "v2", "layer-2");
  ASSERT_EQ(Send("PUT", "/v2/team/app/manifests/latest", PushImage("team/app", "latest", "layer-1"),
                 {{"Content-Type", "application/vnd.oci.image.manifest.v1+json"}})
                .status,
            201);

  Reply repo = Acr("GET", "team/app");
  ASSERT_EQ(repo.status, 200) << repo.raw.body;
  EXPECT_EQ(repo.body["imageName"], "team/app");
  EXPECT_EQ(repo.body["registry"], "127.0.0.1:" + std::to_string(app_->port()));
  EXPECT_EQ(repo.body["manifestCount"], 2);
  EXPECT_EQ(repo.body["tagCount"], 3);
  EXPECT_EQ(repo.body["changeableAttributes"], kAllEnabled);
  EXPECT_EQ(repo.body["createdTime"], FormatRfc3339(clock_.Now(), true));
  EXPECT_TRUE(repo.body.contains("lastUpdateTime"));

  Reply tag = Acr("GET", "team/app/_tags/v1");
  ASSERT_EQ(tag.status, 200) << tag.raw.body;
  EXPECT_EQ(tag.body["imageName"], "team/app");
  EXPECT_EQ(tag.body["tag"]["name"], "v1");
  EXPECT_EQ(tag.body["tag"]["digest"], d1);
  EXPECT_EQ(tag.body["tag"]["changeableAttributes"], kAllEnabled);

  // The Azure SDKs percent-encode the digest.
  std::string encoded = d1;
  encoded.replace(encoded.find(':'), 1, "%3A");
  Reply manifest = Acr("GET", "team/app/_manifests/" + encoded);
  ASSERT_EQ(manifest.status, 200) << manifest.raw.body;
  EXPECT_EQ(manifest.body["manifest"]["digest"], d1);
  EXPECT_EQ(manifest.body["manifest"]["mediaType"], "application/vnd.oci.image.manifest.v1+json");
  EXPECT_EQ(manifest.body["manifest"]["tags"], (json{"latest", "v1"}));
  EXPECT_GT(manifest.body["manifest"]["imageSize"].get<int>(), 0);

  Reply tags = Acr("GET", "team/app/_tags?n=2");
  ASSERT_EQ(tags.status, 200);
  ASSERT_EQ(tags.body["tags"].size(), 2u);
  EXPECT_EQ(tags.body["tags"][0]["name"], "latest");
  EXPECT_EQ(tags.raw.header("Link"), "</acr/v1/team/app/_tags?last=v1&n=2>; rel=\"next\"");
  tags = Acr("GET", "team/app/_tags?last=v1&n=2");
  ASSERT_EQ(tags.body["tags"].size(), 1u);
  EXPECT_EQ(tags.body["tags"][0]["name"], "v2");

  Reply manifests = Acr("GET", "team/app/_manifests");
  ASSERT_EQ(manifests.status, 200);
  ASSERT_EQ(manifests.body["manifests"].size(), 2u);
  for (const json& m : manifests.body["manifests"]) {
    EXPECT_EQ(m["tags"].size(), m["digest"] == d1 ? 2u : 1u);
  }

  Reply catalog = Acr("GET", "_catalog");
  ASSERT_EQ(catalog.status, 200);
  EXPECT_EQ(catalog.body["repositories"], (json{"team/app"}));

  EXPECT_EQ(Acr("GET", "team/none").status, 404);
  EXPECT_EQ(ErrorCode(Acr("GET", "team/none").raw), "NAME_UNKNOWN");
  EXPECT_EQ(ErrorCode(Acr("GET", "team/app/_tags/v9").raw), "MANIFEST_UNKNOWN");
  EXPECT_EQ(ErrorCode(Acr("GET", "team/app/_manifests/sha256:abc").raw), "DIGEST_INVALID");
  EXPECT_EQ(ErrorCode(Acr("GET", "team/none/_tags").raw), "NAME_UNKNOWN");
}

TEST_F(AcrMetadataTest, CatalogPagesPointBackToAcr) {
  for (const char* repo : {"a1", "a2", "a3"}) Push(repo, "v1", repo);
  Reply page = Acr("GET", "_catalog?n=2");
  ASSERT_EQ(page.status, 200);
  EXPECT_EQ(page.body["repositories"], (json{"a1", "a2"}));
  EXPECT_EQ(page.raw.header("Link"), "</acr/v1/_catalog?last=a2&n=2>; rel=\"next\"");
}

TEST_F(AcrMetadataTest, WriteLockedTagRefusesOverwriteAndDeleteUntilUnlocked) {
  const std::string d1 = Push("locked", "prod", "layer-1");
  Reply r = Acr("PATCH", "locked/_tags/prod", R"({"writeEnabled":false})");
  ASSERT_EQ(r.status, 200) << r.raw.body;
  EXPECT_EQ(r.body["tag"]["changeableAttributes"]["writeEnabled"], false);
  EXPECT_EQ(r.body["tag"]["changeableAttributes"]["deleteEnabled"], true);

  // Another manifest cannot take the tag.
  PushBlob("locked", "other-layer");
  const std::string other = PushImage("locked", "other", "other-layer");
  auto put = PutManifest("locked", "prod", other);
  EXPECT_EQ(put.status, 403) << put.body;
  EXPECT_EQ(ErrorCode(put), "DENIED");
  // The tag cannot be deleted, neither through /v2/ nor by untagging.
  auto del = Send("DELETE", "/v2/locked/manifests/prod");
  EXPECT_EQ(del.status, 403);
  EXPECT_EQ(ErrorCode(del), "DENIED");
  Reply untag = Acr("DELETE", "locked/_tags/prod");
  EXPECT_EQ(untag.status, 403);
  EXPECT_EQ(ErrorCode(untag.raw), "DENIED");
  EXPECT_NE(untag.raw.body.find("prod"), std::string::npos);
  // Nor the manifest it points at.
  EXPECT_EQ(Send("DELETE", "/v2/locked/manifests/" + d1).status, 403);
  // Pulls still work.
  EXPECT_EQ(Send("GET", "/v2/locked/manifests/prod").status, 200);

  r = Acr("PATCH", "locked/_tags/prod", R"({"changeableAttributes":{"writeEnabled":true}})");
  ASSERT_EQ(r.status, 200) << r.raw.body;
  EXPECT_EQ(PutManifest("locked", "prod", other).status, 201);
  EXPECT_EQ(Acr("GET", "locked/_tags/prod").body["tag"]["digest"], oci::Digest::Sha256Of(other).str());
}

TEST_F(AcrMetadataTest, DeleteLockedManifestAndRepository) {
  const std::string d1 = Push("keep", "v1", "layer-1");
  ASSERT_EQ(Acr("PATCH", "keep/_manifests/" + d1, R"({"deleteEnabled":false})").status, 200);
  EXPECT_EQ(Send("DELETE", "/v2/keep/manifests/" + d1).status, 403);
  EXPECT_EQ(Acr("DELETE", "keep/_manifests/" + d1).status, 403);
  // A lock anywhere inside blocks the repository delete.
  Reply del = Acr("DELETE", "keep");
  EXPECT_EQ(del.status, 403);
  EXPECT_EQ(ErrorCode(del.raw), "DENIED");
  ASSERT_EQ(Acr("PATCH", "keep/_manifests/" + d1, R"({"deleteEnabled":true})").status, 200);
  EXPECT_EQ(Acr("DELETE", "keep/_manifests/" + d1).status, 202);
  EXPECT_EQ(Send("GET", "/v2/keep/manifests/" + d1).status, 404);
}

TEST_F(AcrMetadataTest, ReadDisabledManifestCannotBePulled) {
  const std::string d1 = Push("secret/app", "v1", "layer-1");
  // Warm the manifest cache first: the change must invalidate it.
  ASSERT_EQ(Send("GET", "/v2/secret/app/manifests/v1").status, 200);
  ASSERT_EQ(Acr("PATCH", "secret/app/_manifests/" + d1, R"({"readEnabled":false})").status, 200);
  for (const std::string& ref : {std::string("v1"), d1}) {
    auto get = Send("GET", "/v2/secret/app/manifests/" + ref);
    EXPECT_EQ(get.status, 403) << ref;
    EXPECT_EQ(ErrorCode(get), "DENIED");
  }
  // Its metadata stays readable (that is how it gets unlocked).
  EXPECT_EQ(Acr("GET", "secret/app/_manifests/" + d1).body["manifest"]["changeableAttributes"]["readEnabled"],
            false);
  ASSERT_EQ(Acr("PATCH", "secret/app/_manifests/" + d1, R"({"readEnabled":true})").status, 200);
  EXPECT_EQ(Send("GET", "/v2/secret/app/manifests/v1").status, 200);

  // The same on a tag, and on the whole repository.
  ASSERT_EQ(Acr("PATCH", "secret/app/_tags/v1", R"({"readEnabled":false})").status, 200);
  EXPECT_EQ(Send("GET", "/v2/secret/app/manifests/v1").status, 403);
  EXPECT_EQ(Send("GET", "/v2/secret/app/manifests/" + d1).status,
            200);  // tag and manifest locks are separate
  ASSERT_EQ(Acr("PATCH", "secret/app/_tags/v1", R"({"readEnabled":true})").status, 200);
  ASSERT_EQ(Acr("PATCH", "secret/app", R"({"readEnabled":false})").status, 200);
  EXPECT_EQ(Send("GET", "/v2/secret/app/manifests/" + d1).status, 403);
  ASSERT_EQ(Acr("PATCH", "secret/app", R"({"readEnabled":true})").status, 200);
  EXPECT_EQ(Send("GET", "/v2/secret/app/manifests/" + d1).status, 200);
}

TEST_F(AcrMetadataTest, ListDisabledTagIsHiddenFromTagsList) {
  Push("listing", "visible", "layer-1");
  Push("listing", "hidden", "layer-2");
  ASSERT_EQ(TagsList("listing"), (std::vector<std::string>{"hidden", "visible"}));
  Reply r = Acr("PATCH", "listing/_tags/hidden", R"({"listEnabled":false})");
  ASSERT_EQ(r.status, 200);
  EXPECT_EQ(TagsList("listing"), (std::vector<std::string>{"visible"}));
  // Still pullable by name, and shown (with the attribute) in the ACR listing.
  EXPECT_EQ(Send("GET", "/v2/listing/manifests/hidden").status, 200);
  Reply tags = Acr("GET", "listing/_tags");
  ASSERT_EQ(tags.body["tags"].size(), 2u);
  EXPECT_EQ(tags.body["tags"][0]["changeableAttributes"]["listEnabled"], false);
  ASSERT_EQ(Acr("PATCH", "listing/_tags/hidden", R"({"listEnabled":true})").status, 200);
  EXPECT_EQ(TagsList("listing"), (std::vector<std::string>{"hidden", "visible"}));
}

TEST_F(AcrMetadataTest, WriteLockedRepositoryRefusesUploadsAndPushes) {
  Push("frozen", "v1", "layer-1");
  Reply r = Acr("PATCH", "frozen", R"({"writeEnabled":false})");
  ASSERT_EQ(r.status, 200) << r.raw.body;
  EXPECT_EQ(r.body["changeableAttributes"]["writeEnabled"], false);

  auto upload = Send("POST", "/v2/frozen/blobs/uploads/");
  EXPECT_EQ(upload.status, 403);
  EXPECT_EQ(ErrorCode(upload), "DENIED");
  const std::string content = "new layer";
  auto monolithic = Send("POST", "/v2/frozen/blobs/uploads/?digest=" + oci::Digest::Sha256Of(content).str(),
                         content, {{"Content-Type", "application/octet-stream"}});
  EXPECT_EQ(monolithic.status, 403);
  // Deleting a tag needs the repository unlocked too.
  EXPECT_EQ(Acr("DELETE", "frozen/_tags/v1").status, 403);

  ASSERT_EQ(Acr("PATCH", "frozen", R"({"writeEnabled":true})").status, 200);
  EXPECT_EQ(Send("POST", "/v2/frozen/blobs/uploads/").status, 202);
  Push("frozen", "v2", "layer-2");
}

TEST_F(AcrMetadataTest, UntagKeepsTheManifest) {
  const std::string d1 = Push("untag/me", "v1", "layer-1");
  Reply r = Acr("DELETE", "untag/me/_tags/v1");
  EXPECT_EQ(r.status, 202) << r.raw.body;
  EXPECT_EQ(Acr("GET", "untag/me/_tags/v1").status, 404);
  EXPECT_EQ(Send("GET", "/v2/untag/me/manifests/v1").status, 404);
  EXPECT_EQ(Send("GET", "/v2/untag/me/manifests/" + d1).status, 200);
  EXPECT_EQ(Acr("GET", "untag/me/_manifests/" + d1).body["manifest"]["tags"], json::array());
  EXPECT_EQ(Acr("DELETE", "untag/me/_tags/v1").status, 404);
}

TEST_F(AcrMetadataTest, RepositoryDeleteReportsWhatWentWithIt) {
  const std::string d1 = Push("gone/app", "v1", "layer-1");
  const std::string d2 = Push("gone/app", "v2", "layer-2");
  Reply r = Acr("DELETE", "gone/app");
  ASSERT_EQ(r.status, 202) << r.raw.body;
  json expected_manifests = json::array({d1, d2});
  std::sort(expected_manifests.begin(), expected_manifests.end());
  EXPECT_EQ(r.body["manifestsDeleted"], expected_manifests);
  EXPECT_EQ(r.body["tagsDeleted"], (json{"v1", "v2"}));
  EXPECT_EQ(Acr("GET", "gone/app").status, 404);
  EXPECT_EQ(Send("GET", "/v2/gone/app/manifests/v1").status, 404);
  EXPECT_EQ(Acr("DELETE", "gone/app").status, 404);
  // The name can be pushed to again.
  Push("gone/app", "v3", "layer-3");
}

TEST_F(AcrMetadataTest, PatchBodiesAreStrict) {
  Push("strict", "v1", "layer-1");
  struct Case {
    const char* body;
    int status;
    const char* message_part;
  };
  const Case cases[] = {
      {"", 400, "body: a JSON object is required"},
      {"{", 400, "malformed JSON"},
      {"{}", 400, "no attributes to update"},
      {R"({"writeEnabled":"no"})", 400, "writeEnabled: must be true or false"},
      {R"({"writeEnable":false})", 400, "writeEnable: unknown field"},
      {R"({"teleportEnabled":true})", 400, "teleportEnabled: unknown field"},
      {R"({"changeableAttributes":{"readEnabled":1}})", 400, "changeableAttributes.readEnabled: must be"},
      {R"({"changeableAttributes":{"readEnabled":true},"writeEnabled":true})", 400,
       "changeableAttributes: unknown field"},
  };
  for (const Case& c : cases) {
    Reply r = Acr("PATCH", "strict/_tags/v1", c.body);
    EXPECT_EQ(r.status, c.status) << c.body << " -> " << r.raw.body;
    EXPECT_NE(r.raw.body.find(c.message_part), std::string::npos) << c.body << " -> " << r.raw.body;
  }
  EXPECT_EQ(Acr("GET", "strict/_tags/v1").body["tag"]["changeableAttributes"], kAllEnabled);
  EXPECT_EQ(Acr("PATCH", "strict/_tags/none", R"({"writeEnabled":false})").status, 404);
  EXPECT_EQ(Acr("PATCH", "nothing", R"({"writeEnabled":false})").status, 404);
  EXPECT_EQ(Acr("PATCH", "strict/_tags/v1", std::string(1024 * 1024 + 10, ' ')).status, 413);
}

}  // namespace
}  // namespace scopereg::testing
