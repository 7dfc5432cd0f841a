#include "registry_fixture.h"

#include <nlohmann/json.hpp>

#include <cstring>

namespace scopereg::testing {

void RegistryFixture::SetUp() {
  dir_ = std::make_unique<TempDir>();
  config_ = server::Config{};
  config_.data_dir = dir_->str() + "/data";
  config_.listen_port = 0;
  config_.threads = 2;
  config_.access_log = false;
  config_.gc_interval = std::chrono::seconds(0);
  // The distribution tests exercise the API itself; auth tests switch it on
  // (tests/integration/token_auth_test.cc).
  config_.auth_mode = "none";
  Configure(config_);
  app_ = std::make_unique<server::App>(config_, &clock_);
  ASSERT_OK(app_->Start());
  base_ = "http://127.0.0.1:" + std::to_string(app_->port());
}

void RegistryFixture::TearDown() {
  if (app_) app_->Stop();
  app_.reset();
}

void RegistryFixture::Restart() {
  app_->Stop();
  app_.reset();
  app_ = std::make_unique<server::App>(config_, &clock_);
  ASSERT_OK(app_->Start());
  base_ = "http://127.0.0.1:" + std::to_string(app_->port());
}

std::string RegistryFixture::Url(const std::string& p) const {
  if (p.rfind("http://", 0) == 0 || p.rfind("https://", 0) == 0) return p;
  return base_ + p;
}

http::ClientResponse RegistryFixture::Send(const std::string& method, const std::string& path, std::string body,
                                           std::vector<std::pair<std::string, std::string>> headers) {
  http::ClientRequest req;
  req.method = method;
  req.url = Url(path);
  req.body = std::move(body);
  req.headers = std::move(headers);
  auto res = client_.Send(req);
  EXPECT_TRUE(res.ok()) << res.status().ToString();
  return res.ok() ? std::move(res).value() : http::ClientResponse{};
}

http::ClientResponse RegistryFixture::SendChunked(const std::string& method, const std::string& path,
                                                  const std::string& body, std::size_t piece,
                                                  std::vector<std::pair<std::string, std::string>> headers) {
  http::ClientRequest req{method, Url(path)};
  req.headers = std::move(headers);
  std::size_t off = 0;
  req.body_reader = [&](char* buf, std::size_t n) {
    std::size_t k = std::min({n, body.size() - off, piece});
    std::memcpy(buf, body.data() + off, k);
    off += k;
    return k;
  };
  auto res = client_.Send(req);
  EXPECT_TRUE(res.ok()) << res.status().ToString();
  return res.ok() ? std::move(res).value() : http::ClientResponse{};
}

std::string RegistryFixture::ErrorCode(const http::ClientResponse& res) {
  auto j = nlohmann::json::parse(res.body, nullptr, false);
  if (j.is_discarded() || !j.contains("errors")) return "<no error body: " + res.body + ">";
  return j["errors"][0]["code"].get<std::string>();
}

oci::Digest RegistryFixture::PushBlob(const std::string& repo, const std::string& content) {
  oci::Digest d = oci::Digest::Sha256Of(content);
  auto res = Send("POST", "/v2/" + repo + "/blobs/uploads/?digest=" + d.str(), content,
                  {{"Content-Type", "application/octet-stream"}});
  EXPECT_EQ(res.status, 201) << res.body;
  return d;
}

http::ClientResponse RegistryFixture::PutManifest(const std::string& repo, const std::string& ref,
                                                  const std::string& body, const std::string& media_type) {
  return Send("PUT", "/v2/" + repo + "/manifests/" + ref, body, {{"Content-Type", media_type}});
}

std::string DescriptorJson(const std::string& media_type, const std::string& content) {
  return "{\"mediaType\":\"" + media_type + "\",\"digest\":\"" + oci::Digest::Sha256Of(content).str() +
         "\",\"size\":" + std::to_string(content.size()) + "}";
}

std::string RegistryFixture::PushImage(const std::string& repo, const std::string& tag,
                                       const std::string& layer_content, const std::string& extra_fields) {
  const std::string config = "{\"architecture\":\"amd64\",\"os\":\"linux\",\"layer\":\"" + layer_content + "\"}";
  PushBlob(repo, config);
  PushBlob(repo, layer_content);
  std::string manifest = "{\"schemaVersion\":2,\"mediaType\":\"application/vnd.oci.image.manifest.v1+json\",\"config\":" +
                         DescriptorJson("application/vnd.oci.image.config.v1+json", config) + ",\"layers\":[" +
                         DescriptorJson("application/vnd.oci.image.layer.v1.tar+gzip", layer_content) + "]" +
                         extra_fields + "}";
  auto res = PutManifest(repo, tag, manifest);
  EXPECT_EQ(res.status, 201) << res.body;
  return manifest;
}

}  // namespace scopereg::testing
