#include "scopereg/cli/handoff.h"

#include "scopereg/cli/output.h"
#include "scopereg/core/encoding.h"

namespace scopereg::cli {

using nlohmann::json;

Result<HandoffFormat> ParseHandoffFormat(std::string_view name) {
  if (name.empty() || name == "json") return HandoffFormat::kNone;
  if (name == "docker-config") return HandoffFormat::kDockerConfig;
  if (name == "k8s-secret") return HandoffFormat::kK8sSecret;
  return Status::InvalidArgument("--format: '" + std::string(name) + "' is not one of json, docker-config, k8s-secret");
}

json DockerConfigJson(std::string_view host, std::string_view username, std::string_view password) {
  const std::string auth = Base64Encode(std::string(username) + ":" + std::string(password));
  return json{{"auths", {{std::string(host), {{"auth", auth}}}}}};
}

std::string K8sSecretYaml(std::string_view host, std::string_view username, std::string_view password,
                          const K8sSecretOptions& options) {
  const std::string auth = Base64Encode(std::string(username) + ":" + std::string(password));
  json config{{"auths",
               {{std::string(host), {{"username", username}, {"password", password}, {"auth", auth}}}}}};
  json metadata{{"name", options.name.empty() ? std::string(username) + "-registry" : options.name}};
  if (!options.namespace_.empty()) metadata["namespace"] = options.namespace_;
  metadata["labels"] = {{"app.kubernetes.io/managed-by", "scopereg"}};
  // Key order as kubectl writes a Secret, not sorted.
  std::string out = "apiVersion: v1\nkind: Secret\n";
  std::string meta = FormatYaml(metadata);
  out += "metadata:\n";
  std::size_t start = 0;
  while (start < meta.size()) {
    std::size_t end = meta.find('\n', start);
    out += "  " + meta.substr(start, end - start) + "\n";
    start = end + 1;
  }
  out += "type: kubernetes.io/dockerconfigjson\n";
  out += "data:\n  .dockerconfigjson: " + Base64Encode(config.dump()) + "\n";
  return out;
}

}  // namespace scopereg::cli
