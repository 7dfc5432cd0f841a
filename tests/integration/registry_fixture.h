// A whole scopereg App on 127.0.0.1:<free port> with a temporary data
// directory and a FakeClock, plus a small HTTP client bound to it.
#pragma once

#include <gtest/gtest.h>

#include <memory>
#include <string>

#include "scopereg/http/client.h"
#include "scopereg/oci/digest.h"
#include "scopereg/server/app.h"
#include "testing/fake_clock.h"
#include "testing/status_matchers.h"
#include "testing/temp_dir.h"

namespace scopereg::testing {

class RegistryFixture : public ::testing::Test {
 protected:
  // Override to change the configuration before Start.
  virtual void Configure(server::Config& config) { (void)config; }

  void SetUp() override;
  void TearDown() override;

  // Restarts the app on the same data directory (a new process, as far as
  // persistence is concerned).
  void Restart();

  http::ClientResponse Send(const std::string& method, const std::string& path, std::string body = "",
                            std::vector<std::pair<std::string, std::string>> headers = {});
  // Sends `body` with Transfer-Encoding: chunked, in pieces of at most
  // `piece` bytes (how clients that compress on the fly send).
  http::ClientResponse SendChunked(const std::string& method, const std::string& path, const std::string& body,
                                   std::size_t piece, std::vector<std::pair<std::string, std::string>> headers = {});
  // The OCI error code of an error response ("<no error body: ...>" if none).
  static std::string ErrorCode(const http::ClientResponse& res);
  // Follows a Location header that may be relative.
  std::string Url(const std::string& path_or_url) const;

  // Pushes a blob with POST ?digest= (monolithic). Returns its digest.
  oci::Digest PushBlob(const std::string& repo, const std::string& content);
  // Pushes a manifest; returns the response.
  http::ClientResponse PutManifest(const std::string& repo, const std::string& ref, const std::string& body,
                                   const std::string& media_type = "application/vnd.oci.image.manifest.v1+json");
  // A minimal OCI image manifest whose config and layer blobs are pushed
  // first. Returns the manifest body.
  std::string PushImage(const std::string& repo, const std::string& tag, const std::string& layer_content,
                        const std::string& extra_fields = "");

  server::Config config_;
  FakeClock clock_;
  std::unique_ptr<TempDir> dir_;
  std::unique_ptr<server::App> app_;
  std::string base_;
  http::HttpClient client_;
};

// {"mediaType":..,"digest":..,"size":..}
std::string DescriptorJson(const std::string& media_type, const std::string& content);

}  // namespace scopereg::testing
