#include "scopereg/server/config.h"

#include <gtest/gtest.h>

#include <fstream>
#include <sstream>

#include "testing/status_matchers.h"
#include "testing/temp_dir.h"

namespace scopereg::server {
namespace {

TEST(ConfigTest, DefaultsAreTheEmbeddedRegistry) {
  ASSERT_OK_AND_ASSIGN(Config c, LoadConfig({}));
  EXPECT_EQ(c.listen_address, "127.0.0.1");
  EXPECT_EQ(c.listen_port, 5000);
  EXPECT_EQ(c.data_dir, "./scopereg-data");
  EXPECT_EQ(c.ResolvedSqlitePath(), "./scopereg-data/metadata.db");
  EXPECT_EQ(c.ResolvedStorageRoot(), "./scopereg-data/storage");
  EXPECT_TRUE(c.anonymous.empty());
}

TEST(ConfigTest, FileThenEnvironmentThenOverrides) {
  testing::TempDir dir;
  std::string file = dir.str() + "/c.yaml";
  std::ofstream(file) << "data_dir: /srv/reg\nlisten:\n  port: 6000\n  address: 0.0.0.0\n"
                         "gc:\n  grace_period: 2h\nauth:\n  anonymous:\n"
                         "    - repository: \"public/*\"\n      actions: [content/read, metadata/read]\n";
  ConfigSources s;
  s.file = file;
  s.environment = {{"SCOPEREG_LISTEN_PORT", "7000"}, {"SCOPEREG_LOG_LEVEL", "debug"}};
  s.overrides = {{"listen.port", "8000"}};
  ASSERT_OK_AND_ASSIGN(Config c, LoadConfig(s));
  EXPECT_EQ(c.data_dir, "/srv/reg");
  EXPECT_EQ(c.listen_address, "0.0.0.0");
  EXPECT_EQ(c.listen_port, 8000);
  EXPECT_EQ(c.log_level, "debug");
  EXPECT_EQ(c.gc_grace_period, std::chrono::hours(2));
  ASSERT_EQ(c.anonymous.size(), 1u);
  EXPECT_EQ(c.anonymous[0].repository_pattern, "public/*");
  EXPECT_EQ(c.anonymous[0].actions.size(), 2u);
}

TEST(ConfigTest, ErrorsNameTheKey) {
  testing::TempDir dir;
  std::string file = dir.str() + "/c.yaml";
  std::ofstream(file) << "listen:\n  prot: 6000\n";
  ConfigSources s;
  s.file = file;
  auto r = LoadConfig(s);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("listen.prot"), std::string::npos) << r.status().ToString();

  ConfigSources bad_port;
  bad_port.overrides = {{"listen.port", "99999"}};
  auto p = LoadConfig(bad_port);
  ASSERT_FALSE(p.ok());
  EXPECT_NE(p.status().message().find("listen.port"), std::string::npos);

  ConfigSources env;
  env.environment = {{"SCOPEREG_GC_INTERVAL", "soon"}};
  auto e = LoadConfig(env);
  ASSERT_FALSE(e.ok());
  EXPECT_NE(e.status().message().find("gc.interval"), std::string::npos);

  ConfigSources tls;
  tls.overrides = {{"tls.cert_file", "/x.pem"}};
  auto t = LoadConfig(tls);
  ASSERT_FALSE(t.ok());
  EXPECT_NE(t.status().message().find("tls.key_file"), std::string::npos);

  ConfigSources missing;
  missing.file = dir.str() + "/absent.yaml";
  EXPECT_FALSE(LoadConfig(missing).ok());

  std::ofstream(file) << "listen: [1, 2\n";
  EXPECT_FALSE(LoadConfig(s).ok());
}

TEST(ConfigTest, Durations) {
  EXPECT_EQ(ParseDuration("90"), std::chrono::seconds(90));
  EXPECT_EQ(ParseDuration("15m"), std::chrono::minutes(15));
  EXPECT_EQ(ParseDuration("7d"), std::chrono::hours(168));
  EXPECT_FALSE(ParseDuration("").has_value());
  EXPECT_FALSE(ParseDuration("1w").has_value());
  EXPECT_FALSE(ParseDuration("-1s").has_value());
}

}  // namespace
}  // namespace scopereg::server

namespace scopereg::server {
namespace {

// docs/config.md must name every key the binary knows, so the documentation
// cannot fall behind the code.
TEST(ConfigDocTest, EveryKeyIsDocumented) {
  std::ifstream in(SCOPEREG_SOURCE_DIR "/docs/config.md");
  ASSERT_TRUE(in) << "docs/config.md not found";
  std::string doc((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  std::istringstream keys(DescribeConfigKeys());
  std::string line;
  int n = 0;
  while (std::getline(keys, line)) {
    std::string key = line.substr(0, line.find(' '));
    EXPECT_NE(doc.find("`" + key + "`"), std::string::npos) << key << " is missing from docs/config.md";
    ++n;
  }
  EXPECT_GT(n, 20);
}

}  // namespace
}  // namespace scopereg::server
