#include "scopereg/cli/profiles.h"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <fstream>

#include "testing/status_matchers.h"
#include "testing/temp_dir.h"

namespace scopereg::cli {
namespace {

int ModeOf(const std::string& path) {
  struct stat st {};
  EXPECT_EQ(::stat(path.c_str(), &st), 0) << path;
  return st.st_mode & 0777;
}

void WriteFile(const std::string& path, const std::string& content, int mode = 0600) {
  std::ofstream(path) << content;
  ::chmod(path.c_str(), mode);
}

TEST(ProfilesTest, ConfigDirFollowsTheEnvironment) {
  EXPECT_EQ(ConfigDir({{"SCOPEREG_CONFIG_DIR", "/x"}, {"HOME", "/h"}}), "/x");
  EXPECT_EQ(ConfigDir({{"XDG_CONFIG_HOME", "/xdg"}, {"HOME", "/h"}}), "/xdg/scopereg");
  EXPECT_EQ(ConfigDir({{"HOME", "/h"}}), "/h/.config/scopereg");
}

TEST(ProfilesTest, SaveIsPrivateAndLoadsBack) {
  testing::TempDir dir;
  const std::string cfg = dir.str() + "/cfg";
  ASSERT_OK_AND_ASSIGN(ProfileStore store, ProfileStore::Load(cfg));
  EXPECT_TRUE(store.profiles().empty());
  store.Put(Profile{"prod", "https://r.example.com", "/etc/op", "", false}, false);
  store.Put(Profile{"dev", "http://127.0.0.1:5000", "/tmp/op", "/ca.pem", true}, false);
  EXPECT_EQ(store.default_name(), "prod");  // the first profile is the default
  ASSERT_OK(store.Save());
  EXPECT_EQ(ModeOf(cfg), 0700);
  EXPECT_EQ(ModeOf(cfg + "/config.json"), 0600);

  ASSERT_OK_AND_ASSIGN(ProfileStore again, ProfileStore::Load(cfg));
  ASSERT_NE(again.Find("dev"), nullptr);
  EXPECT_EQ(again.Find("dev")->url, "http://127.0.0.1:5000");
  EXPECT_EQ(again.Find("dev")->ca_file, "/ca.pem");
  EXPECT_TRUE(again.Find("dev")->insecure);
  EXPECT_EQ(again.default_name(), "prod");
  again.Put(*again.Find("dev"), true);
  EXPECT_EQ(again.default_name(), "dev");
  EXPECT_TRUE(again.Remove("dev"));
  EXPECT_EQ(again.default_name(), "prod");
  EXPECT_FALSE(again.Remove("dev"));
}

TEST(ProfilesTest, CorruptConfigIsAnError) {
  testing::TempDir dir;
  WriteFile(dir.str() + "/config.json", "[1,2]");
  EXPECT_STATUS(ProfileStore::Load(dir.str()), StatusCode::kInvalidArgument);
  WriteFile(dir.str() + "/config.json", R"({"registries":{"x":{}}})");
  EXPECT_STATUS(ProfileStore::Load(dir.str()), StatusCode::kInvalidArgument);
}

TEST(ProfilesTest, ResolveTarget) {
  testing::TempDir dir;
  ASSERT_OK_AND_ASSIGN(ProfileStore store, ProfileStore::Load(dir.str()));
  // Nothing configured.
  EXPECT_STATUS(ResolveTarget({}, {}, store), StatusCode::kInvalidArgument);
  // Environment only: a script needs no profile.
  ASSERT_OK_AND_ASSIGN(Profile p, ResolveTarget({}, {{"SCOPEREG_URL", "http://127.0.0.1:5460/"},
                                                     {"SCOPEREG_CREDENTIAL_FILE", "/c"}}, store));
  EXPECT_EQ(p.url, "http://127.0.0.1:5460");
  EXPECT_EQ(p.credential_file, "/c");

  store.Put(Profile{"prod", "https://prod.example.com", "/prod-op", "", false}, false);
  store.Put(Profile{"dev", "https://dev.example.com", "/dev-op", "", false}, false);
  ASSERT_OK_AND_ASSIGN(p, ResolveTarget({}, {}, store));
  EXPECT_EQ(p.name, "prod");
  ASSERT_OK_AND_ASSIGN(p, ResolveTarget({"dev", "", false}, {}, store));
  EXPECT_EQ(p.url, "https://dev.example.com");
  ASSERT_OK_AND_ASSIGN(p, ResolveTarget({}, {{"SCOPEREG_REGISTRY", "dev"}}, store));
  EXPECT_EQ(p.name, "dev");
  ASSERT_OK_AND_ASSIGN(p, ResolveTarget({"dev", "/ca", true}, {}, store));
  EXPECT_EQ(p.ca_file, "/ca");
  EXPECT_TRUE(p.insecure);
  auto missing = ResolveTarget({"qa", "", false}, {}, store);
  ASSERT_FALSE(missing.ok());
  EXPECT_NE(missing.status().message().find("scopereg login --registry qa"), std::string_view::npos);
}

TEST(ProfilesTest, UrlsAndHosts) {
  EXPECT_EQ(*NormalizeRegistryUrl(" https://r.example.com:8443/ "), "https://r.example.com:8443");
  EXPECT_STATUS(NormalizeRegistryUrl("r.example.com"), StatusCode::kInvalidArgument);
  EXPECT_STATUS(NormalizeRegistryUrl("https://r.example.com/api"), StatusCode::kInvalidArgument);
  EXPECT_STATUS(NormalizeRegistryUrl("https://"), StatusCode::kInvalidArgument);
  EXPECT_EQ(RegistryHost("https://r.example.com"), "r.example.com");
  EXPECT_EQ(RegistryHost("http://127.0.0.1:5000"), "127.0.0.1:5000");
  EXPECT_TRUE(IsLoopbackUrl("http://127.0.0.1:5000"));
  EXPECT_TRUE(IsLoopbackUrl("http://localhost"));
  EXPECT_TRUE(IsLoopbackUrl("http://[::1]:5000"));
  EXPECT_FALSE(IsLoopbackUrl("http://10.0.0.1:5000"));
  EXPECT_TRUE(IsValidProfileName("prod-eu.1"));
  EXPECT_FALSE(IsValidProfileName("-x"));
  EXPECT_FALSE(IsValidProfileName("a/b"));
}

TEST(ProfilesTest, CredentialFile) {
  testing::TempDir dir;
  const std::string path = dir.str() + "/op";
  WriteFile(path, "srop_ci-bot.abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG\n");
  std::string warning;
  ASSERT_OK_AND_ASSIGN(std::string line, ReadCredentialFile(path, &warning));
  EXPECT_EQ(line, "srop_ci-bot.abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG");
  EXPECT_EQ(warning, "");
  ::chmod(path.c_str(), 0644);
  ASSERT_OK(ReadCredentialFile(path, &warning));
  EXPECT_NE(warning.find("chmod 600"), std::string::npos);

  WriteFile(path, "not a credential");
  auto bad = ReadCredentialFile(path, nullptr);
  EXPECT_STATUS(bad, StatusCode::kUnauthenticated);
  EXPECT_EQ(bad.status().message().find("not a credential"), std::string_view::npos);  // never echoes content
  EXPECT_STATUS(ReadCredentialFile(dir.str() + "/absent", nullptr), StatusCode::kUnauthenticated);
}

TEST(ProfilesTest, WritePrivateFileReplacesAtomically) {
  testing::TempDir dir;
  const std::string path = dir.str() + "/sub/secret";
  ASSERT_OK(WritePrivateFile(path, "one"));
  ASSERT_OK(WritePrivateFile(path, "two"));
  std::ifstream in(path);
  std::string content((std::istreambuf_iterator<char>(in)), {});
  EXPECT_EQ(content, "two");
  EXPECT_EQ(ModeOf(path), 0600);
  EXPECT_EQ(ModeOf(dir.str() + "/sub"), 0700);
}

}  // namespace
}  // namespace scopereg::cli
