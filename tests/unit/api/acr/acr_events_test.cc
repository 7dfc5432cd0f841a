// The repository events ACR metadata writes report (lock, untag, delete),
// refusals included: a Registry over SQLite and the filesystem in a temp
// directory, served on loopback, with a recording EventSink.
#include <gtest/gtest.h>

#include <mutex>

#include "scopereg/api/registry.h"
#include "scopereg/http/client.h"
#include "scopereg/http/server.h"
#include "scopereg/metadata/sqlite/sqlite_metadata_store.h"
#include "scopereg/storage/fs/fs_blob_store.h"
#include "testing/fake_clock.h"
#include "testing/status_matchers.h"
#include "testing/temp_dir.h"

namespace scopereg::api {
namespace {

struct Recorded {
  std::string operation, repository, tag, digest;
  int http_status = 0;
  std::string error_code;
  friend bool operator==(const Recorded&, const Recorded&) = default;
  friend std::ostream& operator<<(std::ostream& os, const Recorded& r) {
    return os << r.operation << " " << r.repository << " tag=" << r.tag << " digest=" << r.digest << " "
              << r.http_status << " " << r.error_code;
  }
};

class RecordingSink final : public EventSink {
 public:
  void RecordRepository(const http::Request&, RepositoryEvent e) override {
    std::lock_guard lock(mu_);
    events_.push_back({std::string(e.operation), e.repository, e.tag, e.digest, e.http_status, e.error_code});
  }
  void RecordLogin(const http::Request&, LoginEvent) override {}
  std::vector<Recorded> Take() {
    std::lock_guard lock(mu_);
    return std::exchange(events_, {});
  }

 private:
  std::mutex mu_;
  std::vector<Recorded> events_;
};

class AcrEventsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_OK_AND_ASSIGN(metadata_,
                         metadata::SqliteMetadataStore::Open(dir_.str() + "/db.sqlite", clock_, {}));
    ASSERT_OK(metadata_->Migrate());
    ASSERT_OK_AND_ASSIGN(blobs_, storage::FsBlobStore::Open(dir_.str() + "/blobs", clock_));
    RegistryDeps deps{blobs_.get(), metadata_.get(), &clock_, &access_, &sink_};
    registry_ = std::make_unique<Registry>(deps, RegistryOptions{});
    http::ServerOptions so;
    so.port = 0;
    so.threads = 2;
    server_ = std::make_unique<http::Server>(
        so, [this](http::Request& req, http::Response& res) { return registry_->Handle(req, res); });
    ASSERT_OK(server_->Start());
    base_ = "http://127.0.0.1:" + std::to_string(server_->port());
  }
  void TearDown() override { server_->Stop(); }

  int Send(const std::string& method, const std::string& path, const std::string& body = "",
           std::vector<std::pair<std::string, std::string>> headers = {}) {
    http::HttpClient client;
    auto res = client.Send({method, base_ + path, std::move(headers), body});
    EXPECT_TRUE(res.ok()) << res.status().ToString();
    return res.ok() ? res->status : 0;
  }

  // Pushes a config-only image as repo:tag; returns its digest.
  std::string PushImage(const std::string& repo, const std::string& tag) {
    const std::string config = "{}";
    const std::string config_digest = oci::Digest::Sha256Of(config).str();
    EXPECT_EQ(Send("POST", "/v2/" + repo + "/blobs/uploads/?digest=" + config_digest, config), 201);
    const std::string manifest =
        R"({"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json","config":)"
        R"({"mediaType":"application/vnd.oci.empty.v1+json","digest":")" +
        config_digest + R"(","size":2},"layers":[]})";
    EXPECT_EQ(Send("PUT", "/v2/" + repo + "/manifests/" + tag, manifest,
                   {{"Content-Type", "application/vnd.oci.image.manifest.v1+json"}}),
              201);
    sink_.Take();  // only the metadata API's events matter here
    return oci::Digest::Sha256Of(manifest).str();
  }

  ::scopereg::testing::TempDir dir_;
  ::scopereg::testing::FakeClock clock_;
  std::unique_ptr<metadata::SqliteMetadataStore> metadata_;
  std::unique_ptr<storage::FsBlobStore> blobs_;
  AllowAllAccessController access_;
  RecordingSink sink_;
  std::unique_ptr<Registry> registry_;
  std::unique_ptr<http::Server> server_;
  std::string base_;
};

TEST_F(AcrEventsTest, EveryWriteReportsAnEventRefusalsIncluded) {
  const std::string digest = PushImage("audit/app", "v1");

  EXPECT_EQ(Send("PATCH", "/acr/v1/audit/app/_tags/v1", R"({"deleteEnabled":false})"), 200);
  EXPECT_EQ(Send("DELETE", "/acr/v1/audit/app/_tags/v1"), 403);
  EXPECT_EQ(Send("PATCH", "/acr/v1/audit/app/_tags/v1", R"({"deleteEnabled":true})"), 200);
  EXPECT_EQ(Send("PATCH", "/acr/v1/audit/app/_tags/v9", R"({"deleteEnabled":true})"), 404);
  EXPECT_EQ(Send("PATCH", "/acr/v1/audit/app/_tags/v1", R"({"bogus":true})"), 400);
  EXPECT_EQ(Send("DELETE", "/acr/v1/audit/app/_tags/v1"), 202);
  EXPECT_EQ(Send("PATCH", "/acr/v1/audit/app/_manifests/" + digest, R"({"listEnabled":false})"), 200);
  EXPECT_EQ(Send("PATCH", "/acr/v1/audit/app", R"({"writeEnabled":true})"), 200);
  EXPECT_EQ(Send("DELETE", "/acr/v1/audit/app/_manifests/" + digest), 202);
  EXPECT_EQ(Send("DELETE", "/acr/v1/audit/app"), 202);
  EXPECT_EQ(Send("GET", "/acr/v1/audit/app"), 404);  // reads report nothing

  const std::vector<Recorded> expected = {
      {"lock", "audit/app", "v1", "", 200, ""},
      {"untag", "audit/app", "v1", "", 403, "DENIED"},
      {"lock", "audit/app", "v1", "", 200, ""},
      {"lock", "audit/app", "v9", "", 404, "MANIFEST_UNKNOWN"},
      {"lock", "audit/app", "v1", "", 400, "UNSUPPORTED"},
      {"untag", "audit/app", "v1", "", 202, ""},
      {"lock", "audit/app", "", digest, 200, ""},
      {"lock", "audit/app", "", "", 200, ""},
      {"delete", "audit/app", "", digest, 202, ""},
      {"delete", "audit/app", "", "", 202, ""},
  };
  EXPECT_EQ(sink_.Take(), expected);
}

TEST_F(AcrEventsTest, WritesInvalidateTheManifestCache) {
  PushImage("cached/app", "v1");
  ASSERT_EQ(Send("GET", "/v2/cached/app/manifests/v1"), 200);  // fills the cache
  const ManifestCache::Generation before = registry_->manifest_cache().CurrentGeneration("cached/app");
  ASSERT_EQ(Send("PATCH", "/acr/v1/cached/app/_tags/v1", R"({"readEnabled":false})"), 200);
  EXPECT_NE(registry_->manifest_cache().CurrentGeneration("cached/app"), before);
  EXPECT_EQ(Send("GET", "/v2/cached/app/manifests/v1"), 403);
}

}  // namespace
}  // namespace scopereg::api
