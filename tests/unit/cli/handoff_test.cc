#include "scopereg/cli/handoff.h"

#include <gtest/gtest.h>
#include <yaml-cpp/yaml.h>

#include "scopereg/core/encoding.h"
#include "testing/status_matchers.h"

namespace scopereg::cli {
namespace {

using nlohmann::json;

TEST(HandoffTest, ParseFormat) {
  EXPECT_EQ(*ParseHandoffFormat(""), HandoffFormat::kNone);
  EXPECT_EQ(*ParseHandoffFormat("json"), HandoffFormat::kNone);
  EXPECT_EQ(*ParseHandoffFormat("docker-config"), HandoffFormat::kDockerConfig);
  EXPECT_EQ(*ParseHandoffFormat("k8s-secret"), HandoffFormat::kK8sSecret);
  EXPECT_STATUS(ParseHandoffFormat("helm"), StatusCode::kInvalidArgument);
}

TEST(HandoffTest, DockerConfigHasOneAuthEntry) {
  json c = DockerConfigJson("127.0.0.1:5460", "device-fleet", "pw");
  EXPECT_EQ(c, json::parse(R"({"auths":{"127.0.0.1:5460":{"auth":"ZGV2aWNlLWZsZWV0OnB3"}}})"));
  EXPECT_EQ(*Base64Decode("ZGV2aWNlLWZsZWV0OnB3"), "device-fleet:pw");
}

TEST(HandoffTest, K8sSecretIsADockerConfigJsonSecret) {
  const std::string y = K8sSecretYaml("registry.example.com", "region-eu", "pa:ss", {"pull-eu", "depot"});
  YAML::Node doc = YAML::Load(y);
  EXPECT_EQ(doc["apiVersion"].as<std::string>(), "v1");
  EXPECT_EQ(doc["kind"].as<std::string>(), "Secret");
  EXPECT_EQ(doc["type"].as<std::string>(), "kubernetes.io/dockerconfigjson");
  EXPECT_EQ(doc["metadata"]["name"].as<std::string>(), "pull-eu");
  EXPECT_EQ(doc["metadata"]["namespace"].as<std::string>(), "depot");
  auto decoded = Base64Decode(doc["data"][".dockerconfigjson"].as<std::string>());
  ASSERT_TRUE(decoded.has_value());
  json config = json::parse(*decoded);
  const json& entry = config["auths"]["registry.example.com"];
  EXPECT_EQ(entry["username"], "region-eu");
  EXPECT_EQ(entry["password"], "pa:ss");
  EXPECT_EQ(*Base64Decode(entry["auth"].get<std::string>()), "region-eu:pa:ss");

  YAML::Node defaults = YAML::Load(K8sSecretYaml("r", "region-eu", "p", {}));
  EXPECT_EQ(defaults["metadata"]["name"].as<std::string>(), "region-eu-registry");
  EXPECT_FALSE(defaults["metadata"]["namespace"]);
}

}  // namespace
}  // namespace scopereg::cli
