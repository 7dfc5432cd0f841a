// A token-auth registry with helpers to create tokens, speak Basic, and read
// back the audit trail, for the audit and metrics integration tests.
#pragma once

#include <nlohmann/json.hpp>

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "registry_fixture.h"
#include "scopereg/audit/audit_log.h"
#include "scopereg/core/encoding.h"

namespace scopereg::testing {

class AuditFixture : public RegistryFixture {
 protected:
  void Configure(server::Config& config) override {
    config.auth_mode = "token";
    config.registry_name = "scopereg";
    ConfigureAudit(config);
  }
  virtual void ConfigureAudit(server::Config& config) { (void)config; }

  auth::AccessAdmin& Admin() { return *app_->AccessAdminForTest(); }

  // A token on a system scope map with password1 set; returns password1.
  std::string CreateToken(const std::string& name, const std::string& scope_map = "_repositories_admin") {
    auth::TokenSpec spec;
    spec.name = name;
    spec.scope_map = scope_map;
    spec.passwords[0] = auth::PasswordRequest{};
    auto created = Admin().CreateToken(auth::Caller::System(), spec);
    EXPECT_TRUE(created.ok()) << created.status().ToString();
    return created.ok() ? created->credentials.passwords[0].value : "";
  }

  static std::string Basic(const std::string& user, const std::string& pass) {
    return "Basic " + Base64Encode(user + ":" + pass);
  }

  http::ClientResponse As(const std::string& user, const std::string& pass, const std::string& method,
                          const std::string& path, std::string body = "",
                          std::vector<std::pair<std::string, std::string>> headers = {}) {
    headers.emplace_back("Authorization", Basic(user, pass));
    headers.emplace_back("User-Agent", "audit-test/1.0");
    return Send(method, path, std::move(body), std::move(headers));
  }

  // Pushes config + layer + manifest as `user`; returns the manifest body.
  std::string PushImageAs(const std::string& user, const std::string& pass, const std::string& repo,
                          const std::string& tag, const std::string& layer) {
    const std::string config = "{\"architecture\":\"amd64\",\"os\":\"linux\",\"layer\":\"" + layer + "\"}";
    for (const std::string& blob : {config, layer}) {
      auto r = As(user, pass, "POST", "/v2/" + repo + "/blobs/uploads/?digest=" + oci::Digest::Sha256Of(blob).str(),
                  blob, {{"Content-Type", "application/octet-stream"}});
      EXPECT_EQ(r.status, 201) << r.body;
    }
    std::string manifest =
        "{\"schemaVersion\":2,\"mediaType\":\"application/vnd.oci.image.manifest.v1+json\",\"config\":" +
        DescriptorJson("application/vnd.oci.image.config.v1+json", config) + ",\"layers\":[" +
        DescriptorJson("application/vnd.oci.image.layer.v1.tar+gzip", layer) + "]}";
    auto r = As(user, pass, "PUT", "/v2/" + repo + "/manifests/" + tag, manifest,
                {{"Content-Type", "application/vnd.oci.image.manifest.v1+json"}});
    EXPECT_EQ(r.status, 201) << r.body;
    return manifest;
  }

  // Every event matching `filter`, oldest first, after the writer flushed.
  std::vector<audit::AuditEvent> Events(const audit::AuditFilter& filter = {}) {
    app_->FlushAuditForTest();
    std::vector<audit::AuditEvent> out;
    std::int64_t after = 0;
    for (;;) {
      auto page = app_->AuditLogForTest()->Query(filter, after, 10000);
      EXPECT_TRUE(page.ok()) << page.status().ToString();
      if (!page.ok()) return out;
      for (auto& e : page->events) out.push_back(std::move(e));
      if (!page->next_after_id) return out;
      after = *page->next_after_id;
    }
  }
  std::vector<audit::AuditEvent> EventsOf(const std::string& operation, const std::string& identity = "") {
    audit::AuditFilter f;
    f.operation = operation;
    f.identity = identity;
    return Events(f);
  }

  // The value of one sample in the /metrics text ("name{labels}"), or
  // nullopt if absent.
  std::optional<double> Metric(const std::string& series) {
    auto res = Send("GET", "/metrics");
    EXPECT_EQ(res.status, 200) << res.body;
    const std::string needle = "\n" + series + " ";
    auto pos = ("\n" + res.body).find(needle);
    if (pos == std::string::npos) return std::nullopt;
    const std::string text = "\n" + res.body;
    auto start = pos + needle.size();
    return std::stod(text.substr(start, text.find('\n', start) - start));
  }
};

}  // namespace scopereg::testing
