// Hand-off formats for a newly generated password (`--format` of
// `token create`, `token credential generate` and `token rotate`), so the
// value goes straight into a secret store or a GitOps commit without being
// retyped:
//
//   docker-config  a docker config.json with one auth entry:
//                  {"auths": {"<host>": {"auth": "<base64(user:password)>"}}}
//   k8s-secret     a Kubernetes Secret of type kubernetes.io/dockerconfigjson
//                  (YAML), whose .dockerconfigjson holds username, password
//                  and auth for <host>, as `kubectl create secret
//                  docker-registry` writes it.
//
// <host> is the registry's host[:port] from the profile URL (what `docker
// login` and image references use). Pure functions.
#pragma once

#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "scopereg/core/status.h"

namespace scopereg::cli {

enum class HandoffFormat { kNone, kDockerConfig, kK8sSecret };

// "json" (kNone: the command's normal output), "docker-config",
// "k8s-secret"; kInvalidArgument otherwise.
Result<HandoffFormat> ParseHandoffFormat(std::string_view name);

nlohmann::json DockerConfigJson(std::string_view host, std::string_view username, std::string_view password);

struct K8sSecretOptions {
  std::string name;       // metadata.name; "" = "<username>-registry"
  std::string namespace_; // metadata.namespace; "" = omitted
};

// The Secret manifest as YAML (ends with a newline).
std::string K8sSecretYaml(std::string_view host, std::string_view username, std::string_view password,
                          const K8sSecretOptions& options);

}  // namespace scopereg::cli
