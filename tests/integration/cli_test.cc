// The operator CLI against a real registry on loopback: an in-process App in
// token mode, driven through cli::RunCli exactly as the binary's main() does
// (same parser, same commands), with the fixture's FakeClock shared by both
// sides so expiries and "last used" ages are exact.
#include <sys/stat.h>
#include <yaml-cpp/yaml.h>

#include <fstream>
#include <functional>
#include <set>
#include <sstream>

#include <nlohmann/json.hpp>

#include "registry_fixture.h"
#include "scopereg/cli/cli.h"
#include "scopereg/cli/exit_codes.h"
#include "scopereg/core/encoding.h"

namespace scopereg::testing {
namespace {

using nlohmann::json;

struct CliRun {
  int code = -1;
  std::string out;
  std::string err;
  json Json() const {
    json j = json::parse(out, nullptr, false);
    EXPECT_FALSE(j.is_discarded()) << "not JSON: " << out << "\nstderr: " << err;
    return j;
  }
};

std::string Trimmed(std::string s) {
  while (!s.empty() && (s.back() == '\n' || s.back() == ' ')) s.pop_back();
  return s;
}

class CliTest : public RegistryFixture {
 protected:
  void Configure(server::Config& config) override {
    config.auth_mode = "token";
    config.registry_name = "myregistry";
  }

  void SetUp() override {
    RegistryFixture::SetUp();
    env_ = {{"HOME", dir_->str()}, {"SCOPEREG_CONFIG_DIR", dir_->str() + "/cfg"}};
    owner_file_ = config_.InitialOwnerCredentialFile();
    CliRun login = Cli({"login", "--registry", "test", "--url", base_, "--credential-file", owner_file_});
    ASSERT_EQ(login.code, 0) << login.err;
  }

  CliRun Cli(const std::vector<std::string>& args, const std::string& input = "", bool interactive = false) {
    std::istringstream in(input);
    std::ostringstream out, err;
    cli::CliContext ctx;
    ctx.env = env_;
    ctx.in = &in;
    ctx.out = &out;
    ctx.err = &err;
    ctx.interactive = interactive;
    ctx.clock = &clock_;
    CliRun r;
    r.code = cli::RunCli(args, ctx);
    r.out = out.str();
    r.err = err.str();
    return r;
  }

  std::string OwnerSecret() const {
    std::ifstream in(owner_file_);
    return Trimmed(std::string((std::istreambuf_iterator<char>(in)), {}));
  }

  // The value of one generated password, captured the way a script does.
  std::string CreateToken(const std::vector<std::string>& args) {
    std::vector<std::string> full{"token", "create"};
    full.insert(full.end(), args.begin(), args.end());
    full.insert(full.end(), {"--query", "credentials.passwords[0].value", "-o", "tsv"});
    CliRun r = Cli(full);
    EXPECT_EQ(r.code, 0) << r.err;
    return Trimmed(r.out);
  }

  static std::vector<std::pair<std::string, std::string>> Basic(const std::string& user, const std::string& pw) {
    return {{"Authorization", "Basic " + Base64Encode(user + ":" + pw)}};
  }

  // A docker login: GET /v2/ with the credential.
  int Login(const std::string& user, const std::string& pw) { return Send("GET", "/v2/", "", Basic(user, pw)).status; }

  int Pull(const std::string& user, const std::string& pw, const std::string& repo, const std::string& ref) {
    auto h = Basic(user, pw);
    h.emplace_back("Accept", "application/vnd.oci.image.manifest.v1+json");
    return Send("GET", "/v2/" + repo + "/manifests/" + ref, "", h).status;
  }

  // Pushes a one-layer image with Basic credentials; returns the manifest digest.
  std::string PushImageAs(const std::string& user, const std::string& pw, const std::string& repo,
                          const std::string& tag, const std::string& layer) {
    const std::string config = "{\"architecture\":\"amd64\",\"os\":\"linux\",\"layer\":\"" + layer + "\"}";
    for (const std::string& blob : {config, layer}) {
      auto h = Basic(user, pw);
      h.emplace_back("Content-Type", "application/octet-stream");
      auto res = Send("POST", "/v2/" + repo + "/blobs/uploads/?digest=" + oci::Digest::Sha256Of(blob).str(), blob, h);
      EXPECT_EQ(res.status, 201) << res.body;
    }
    const std::string manifest =
        "{\"schemaVersion\":2,\"mediaType\":\"application/vnd.oci.image.manifest.v1+json\",\"config\":" +
        DescriptorJson("application/vnd.oci.image.config.v1+json", config) + ",\"layers\":[" +
        DescriptorJson("application/vnd.oci.image.layer.v1.tar+gzip", layer) + "]}";
    auto h = Basic(user, pw);
    h.emplace_back("Content-Type", "application/vnd.oci.image.manifest.v1+json");
    auto res = Send("PUT", "/v2/" + repo + "/manifests/" + tag, manifest, h);
    EXPECT_EQ(res.status, 201) << res.body;
    return oci::Digest::Sha256Of(manifest).str();
  }

  // A publisher token and one image in `repo`.
  std::string Publish(const std::string& repo, const std::string& tag) {
    const std::string pw =
        CreateToken({"--name", "publisher", "--scope-map", "_repositories_push", "--password1"});
    return PushImageAs("publisher", pw, repo, tag, "layer of " + repo + ":" + tag);
  }

  cli::Environment env_;
  std::string owner_file_;
};

int ModeOf(const std::string& path) {
  struct stat st {};
  EXPECT_EQ(::stat(path.c_str(), &st), 0) << path;
  return st.st_mode & 0777;
}

// ---- profiles and errors --------------------------------------------------------

TEST_F(CliTest, LoginSavesAPrivateProfileAndChecksTheCredential) {
  EXPECT_EQ(ModeOf(dir_->str() + "/cfg/config.json"), 0600);
  CliRun who = Cli({"whoami"});
  ASSERT_EQ(who.code, 0) << who.err;
  EXPECT_EQ(who.Json()["id"], "owner");
  EXPECT_EQ(who.Json()["role"], "owner");
  EXPECT_EQ(who.Json()["registry"], "test");

  // A wrong credential is refused (exit 5) and no profile is saved.
  const std::string bad = dir_->str() + "/bad";
  std::ofstream(bad) << "srop_owner.AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA\n";
  ::chmod(bad.c_str(), 0600);
  CliRun refused = Cli({"login", "-r", "other", "--url", base_, "--credential-file", bad});
  EXPECT_EQ(refused.code, cli::kExitAuthFailed);
  EXPECT_NE(refused.err.find("rejected the operator credential"), std::string::npos) << refused.err;
  EXPECT_EQ(Cli({"profile", "list", "--query", "[].name", "-o", "tsv"}).out, "test\n");

  // The secret read from stdin is kept 0600 in the config directory.
  CliRun stdin_login =
      Cli({"login", "-r", "piped", "--url", base_, "--credential-stdin", "--default"}, OwnerSecret() + "\n");
  ASSERT_EQ(stdin_login.code, 0) << stdin_login.err;
  EXPECT_EQ(ModeOf(dir_->str() + "/cfg/credentials/piped"), 0600);
  EXPECT_EQ(Cli({"whoami", "--query", "registry", "-o", "tsv"}).out, "piped\n");  // the new default
  EXPECT_EQ(Cli({"logout", "-r", "piped"}).code, 0);
  EXPECT_EQ(::access((dir_->str() + "/cfg/credentials/piped").c_str(), F_OK), -1);
}

TEST_F(CliTest, ErrorsHaveDistinctExitCodes) {
  // Bad flags.
  CliRun bad_flag = Cli({"token", "list", "--no-such-flag"});
  EXPECT_EQ(bad_flag.code, cli::kExitUsage);
  EXPECT_NE(bad_flag.err.find("--no-such-flag"), std::string::npos);
  EXPECT_EQ(Cli({"token", "create", "--name", "x"}).code, cli::kExitUsage);  // neither scope map nor repository
  EXPECT_EQ(Cli({"token", "list", "-o", "xml"}).code, cli::kExitUsage);
  EXPECT_EQ(Cli({"token", "list", "--query", "a["}).code, cli::kExitUsage);
  // The server's 400 message is passed through.
  CliRun invalid = Cli({"token", "create", "--name", "bad_name", "--scope-map", "_repositories_pull"});
  EXPECT_EQ(invalid.code, cli::kExitUsage);
  EXPECT_NE(invalid.err.find("ERROR: (InvalidArgument) name"), std::string::npos) << invalid.err;
  // 404.
  CliRun missing = Cli({"token", "show", "--name", "nobody"});
  EXPECT_EQ(missing.code, cli::kExitNotFound);
  EXPECT_EQ(missing.err, "ERROR: (NotFound) token 'nobody' does not exist\n");
  // 409 (already exists): a server refusal.
  ASSERT_FALSE(CreateToken({"--name", "twice", "--scope-map", "_repositories_pull"}).empty());
  CliRun again = Cli({"token", "create", "--name", "twice", "--scope-map", "_repositories_pull"});
  EXPECT_EQ(again.code, cli::kExitError);
  EXPECT_NE(again.err.find("(AlreadyExists)"), std::string::npos) << again.err;
  // 403: an auditor may read but not write.
  auto op = Send("POST", "/api/v1/operators", R"({"id":"audit","role":"auditor"})",
                 {{"Authorization", "Bearer " + OwnerSecret()}});
  ASSERT_EQ(op.status, 201) << op.body;
  const std::string auditor = dir_->str() + "/auditor";
  std::ofstream(auditor) << json::parse(op.body)["secret"].get<std::string>() << "\n";
  ::chmod(auditor.c_str(), 0600);
  ASSERT_EQ(Cli({"login", "-r", "audit", "--url", base_, "--credential-file", auditor}).code, 0);
  EXPECT_EQ(Cli({"token", "list", "-r", "audit"}).code, 0);
  CliRun forbidden = Cli({"token", "create", "-r", "audit", "--name", "sneaky", "--scope-map", "_repositories_pull"});
  EXPECT_EQ(forbidden.code, cli::kExitForbidden);
  EXPECT_NE(forbidden.err.find("(Forbidden) operator 'audit' (role auditor) may not write-tokens"),
            std::string::npos)
      << forbidden.err;
  // 401: the operator was deleted (what an expired or revoked credential looks like).
  ASSERT_EQ(Cli({"login", "-r", "gone", "--url", base_, "--credential-file", auditor}).code, 0);
  auto del = Send("DELETE", "/api/v1/operators/audit", "", {{"Authorization", "Bearer " + OwnerSecret()}});
  ASSERT_EQ(del.status, 204);
  EXPECT_EQ(Cli({"token", "list", "-r", "gone"}).code, cli::kExitAuthFailed);
  // Unreachable: the registry stopped.
  app_->Stop();
  CliRun down = Cli({"token", "list"});
  EXPECT_EQ(down.code, cli::kExitUnreachable);
  EXPECT_NE(down.err.find("cannot reach the registry at " + base_), std::string::npos) << down.err;
}

TEST_F(CliTest, EveryCommandHasHelpWithExamples) {
  CLI::App app;
  cli::CliContext ctx;
  int code = 0;
  cli::AddCliCommands(app, ctx, &code);
  std::vector<std::vector<std::string>> leaves;
  std::function<void(CLI::App*, std::vector<std::string>)> walk = [&](CLI::App* a, std::vector<std::string> path) {
    const auto all = [](CLI::App*) { return true; };
    if (a->get_subcommands(all).empty()) {
      leaves.push_back(path);
      return;
    }
    for (CLI::App* sub : a->get_subcommands(all)) {
      auto p = path;
      p.push_back(sub->get_name());
      walk(sub, p);
    }
  };
  walk(&app, {});
  EXPECT_GE(leaves.size(), 20u);
  for (auto path : leaves) {
    std::string command;
    for (const auto& p : path) command += p + " ";
    path.push_back("--help");
    CliRun r = Cli(path);
    EXPECT_EQ(r.code, 0) << command;
    EXPECT_NE(r.out.find("Examples:"), std::string::npos) << "no examples in the help of: " << command;
  }
}

// ---- tokens -------------------------------------------------------------------

TEST_F(CliTest, PullOnlyTokenForOneRepositoryInOneCommand) {
  const std::string digest = Publish("factory/firmware", "1.4.2");
  CliRun created = Cli({"token", "create", "--name", "device-fleet", "--repository", "factory/firmware",
                        "content/read", "metadata/read", "--owner", "firmware@example.com", "--label", "site=plant-1",
                        "--password1"});
  ASSERT_EQ(created.code, 0) << created.err;
  const json token = created.Json();
  EXPECT_EQ(token["scopeMap"], "device-fleet-scope-map");
  ASSERT_EQ(token["credentials"]["passwords"].size(), 1u);
  const std::string pw = token["credentials"]["passwords"][0]["value"];
  // The value is printed once, on stdout; stderr has the hint, never the value.
  EXPECT_NE(created.err.find("Please store your generated credentials safely"), std::string::npos);
  EXPECT_NE(created.err.find("Created scope map 'device-fleet-scope-map'"), std::string::npos);
  EXPECT_EQ(created.err.find(pw), std::string::npos);

  EXPECT_EQ(Pull("device-fleet", pw, "factory/firmware", digest), 200);
  EXPECT_EQ(Pull("device-fleet", pw, "factory/firmware", "1.4.2"), 200);
  EXPECT_EQ(Pull("device-fleet", pw, "factory/other", "1.4.2"), 403);  // valid credential, not this repository
  auto push = Send("POST", "/v2/factory/firmware/blobs/uploads/", "", Basic("device-fleet", pw));
  EXPECT_EQ(push.status, 403);

  // The scope map is what az creates.
  CliRun map = Cli({"scope-map", "show", "--name", "device-fleet-scope-map"});
  EXPECT_EQ(map.Json()["actions"], json({"repositories/factory/firmware/content/read",
                                         "repositories/factory/firmware/metadata/read"}));
  EXPECT_EQ(map.Json()["description"], "Created by token: device-fleet");

  // show never carries a value; the table has az's columns plus LAST USED.
  ASSERT_OK(app_->FlushUsageForTest());
  CliRun show = Cli({"token", "show", "--name", "device-fleet"});
  EXPECT_EQ(show.out.find(pw), std::string::npos);
  EXPECT_EQ(show.Json()["credentials"]["passwords"][0]["lastUsedFrom"], "127.0.0.1");
  EXPECT_EQ(show.Json()["labels"]["site"], "plant-1");
  CliRun table = Cli({"token", "list", "-o", "table"});
  EXPECT_EQ(table.out.rfind("NAME          SCOPE MAP               PASSWORD1 EXPIRY  PASSWORD2 EXPIRY  STATUS   "
                            "CREATION DATE         LAST USED",
                            0),
            0u)
      << table.out;
  EXPECT_NE(table.out.find("device-fleet  device-fleet-scope-map  Never                               Enabled  "
                           "2027-01-15T08:00:00Z  2027-01-15T08:00:00Z"),
            std::string::npos)
      << table.out;
}

TEST_F(CliTest, CreateFlagsFollowAz) {
  EXPECT_EQ(Cli({"token", "create", "-n", "abcde", "--scope-map", "m", "--repository", "r", "content/read"}).err,
            "ERROR: usage error: can't use --scope-map and --repository\n");
  EXPECT_EQ(Cli({"token", "create", "-n", "abcde", "--scope-map", "m", "--no-passwords", "--expiration-in-days", "3"})
                .err,
            "ERROR: usage error: --no-passwords and expiration arguments are mutually exclusive.\n");
  EXPECT_EQ(Cli({"token", "create", "-n", "abcde", "--scope-map", "m", "--expiration", "2027-12-31T00:00:00Z",
                 "--expiration-in-days", "3"})
                .err,
            "ERROR: usage error: --expiration and --expiration-in-days are mutually exclusive.\n");
  EXPECT_EQ(Cli({"token", "create", "-n", "abcde", "--repository", "hello-world"}).err,
            "ERROR: At least one action must be specified with \"hello-world\".\n");

  // --expiration-in-days sets both slots' expiry; --expires-on the token's.
  CliRun r = Cli({"token", "create", "-n", "expiring", "--scope-map", "_repositories_pull", "--expiration-in-days",
                  "30", "--expires-on", "2027-06-30", "--status", "disabled"});
  ASSERT_EQ(r.code, 0) << r.err;
  const json t = r.Json();
  EXPECT_EQ(t["status"], "disabled");
  EXPECT_EQ(t["expiresOn"], "2027-06-30T00:00:00Z");
  ASSERT_EQ(t["credentials"]["passwords"].size(), 2u);
  EXPECT_EQ(t["credentials"]["passwords"][0]["expiry"], "2027-02-14T08:00:00Z");  // fake now + 30 days
  EXPECT_EQ(t["credentials"]["passwords"][1]["expiry"], "2027-02-14T08:00:00Z");

  CliRun none = Cli({"token", "create", "-n", "nopass", "--scope-map", "_repositories_pull", "--no-passwords"});
  ASSERT_EQ(none.code, 0) << none.err;
  EXPECT_TRUE(none.Json()["credentials"]["passwords"].empty());
  EXPECT_EQ(none.err.find("store your generated credentials"), std::string::npos);

  // The derived scope map is reused for the same actions, refused for others.
  ASSERT_FALSE(CreateToken({"-n", "derived", "--repository", "a", "content/read"}).empty());
  ASSERT_EQ(Cli({"token", "delete", "-n", "derived", "--yes"}).code, 0);
  ASSERT_FALSE(CreateToken({"-n", "derived", "--repository", "a", "content/read"}).empty());
  ASSERT_EQ(Cli({"token", "delete", "-n", "derived", "--yes"}).code, 0);
  CliRun other = Cli({"token", "create", "-n", "derived", "--repository", "b", "content/read"});
  EXPECT_EQ(other.code, cli::kExitError);
  EXPECT_NE(other.err.find("(FailedPrecondition)"), std::string::npos) << other.err;
}

TEST_F(CliTest, UpdateChangesOnlyWhatIsGiven) {
  ASSERT_FALSE(CreateToken({"-n", "ci-bot", "--scope-map", "_repositories_pull", "--owner", "a@x", "--label",
                            "team=a", "--label", "env=dev"})
                   .empty());
  CliRun r = Cli({"token", "update", "-n", "ci-bot", "--label", "env=prod", "--remove-label", "team", "--expires-on",
                  "2027-12-31", "--description", "CI"});
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_EQ(r.Json()["labels"], json({{"env", "prod"}}));
  EXPECT_EQ(r.Json()["owner"], "a@x");
  EXPECT_EQ(r.Json()["expiresOn"], "2027-12-31T00:00:00Z");
  r = Cli({"token", "update", "-n", "ci-bot", "--expires-on", "never", "--owner", ""});
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_TRUE(r.Json()["expiresOn"].is_null());
  EXPECT_EQ(r.Json()["owner"], "");
  EXPECT_EQ(Cli({"token", "update", "-n", "ci-bot"}).code, cli::kExitUsage);
  EXPECT_EQ(Cli({"token", "update", "-n", "ci-bot", "--status", "off"}).code, cli::kExitUsage);
}

// The scripted rotation flow: create, generate slot 2, log in with both,
// delete slot 1, the old password is rejected.
TEST_F(CliTest, RotationThroughTheSecondSlot) {
  const std::string pw1 = CreateToken({"--name", "rotating", "--scope-map", "_repositories_pull", "--password1"});
  ASSERT_EQ(Login("rotating", pw1), 200);
  ASSERT_OK(app_->FlushUsageForTest());
  clock_.Advance(std::chrono::minutes(5));

  CliRun rotated = Cli({"token", "rotate", "--name", "rotating"});
  ASSERT_EQ(rotated.code, 0) << rotated.err;
  const json r = rotated.Json();
  EXPECT_EQ(r["rotated"], "password2");  // the empty slot
  ASSERT_EQ(r["passwords"].size(), 1u);
  const std::string pw2 = r["passwords"][0]["value"];
  EXPECT_EQ(r["previous"]["name"], "password1");
  EXPECT_TRUE(r["previous"]["inUse"].get<bool>());
  EXPECT_EQ(r["previous"]["lastUsedFrom"], "127.0.0.1");
  EXPECT_FALSE(r["previous"].contains("value"));
  EXPECT_NE(rotated.err.find("password1 is still in use: last used 2027-01-15T08:00:00Z (5 minutes ago) from "
                             "127.0.0.1"),
            std::string::npos)
      << rotated.err;

  EXPECT_EQ(Login("rotating", pw1), 200);
  EXPECT_EQ(Login("rotating", pw2), 200);

  // Without a terminal, deleting a slot needs --yes.
  CliRun refused = Cli({"token", "credential", "delete", "--name", "rotating", "--password1"});
  EXPECT_EQ(refused.code, cli::kExitDeclined);
  EXPECT_NE(refused.err.find("pass --yes"), std::string::npos);
  EXPECT_EQ(Login("rotating", pw1), 200);

  CliRun deleted = Cli({"token", "credential", "delete", "--name", "rotating", "--password1", "--yes"});
  ASSERT_EQ(deleted.code, 0) << deleted.err;
  EXPECT_EQ(deleted.Json()["credentials"]["passwords"].size(), 1u);
  EXPECT_EQ(Login("rotating", pw1), 401);
  EXPECT_EQ(Login("rotating", pw2), 200);

  // Next wave: password1 is empty now, so it is the one generated.
  clock_.Advance(std::chrono::minutes(1));
  const std::string pw1b = Trimmed(
      Cli({"token", "rotate", "--name", "rotating", "--query", "passwords[0].value", "-o", "tsv"}).out);
  EXPECT_EQ(pw1b.size(), 43u);
  EXPECT_EQ(Login("rotating", pw1b), 200);
  // Both slots set: the older (password2) would be replaced, which needs --yes.
  EXPECT_EQ(Cli({"token", "rotate", "--name", "rotating"}).code, cli::kExitDeclined);
  EXPECT_EQ(Login("rotating", pw2), 200);
}

TEST_F(CliTest, CredentialCommandsUseAzMessages) {
  ASSERT_FALSE(CreateToken({"--name", "creds", "--scope-map", "_repositories_pull", "--password1"}).empty());
  EXPECT_EQ(Cli({"token", "credential", "delete", "--name", "creds"}).err, "ERROR: No credentials to delete.\n");
  CliRun missing = Cli({"token", "credential", "delete", "--name", "creds", "--password2", "--yes"});
  EXPECT_EQ(missing.code, cli::kExitNotFound);
  EXPECT_EQ(missing.err, "ERROR: Unable to perform operation. Password2 credential doesn't exist.\n");

  CliRun both = Cli({"token", "credential", "generate", "--name", "creds", "--expiration", "2027-03-01T00:00:00Z"});
  ASSERT_EQ(both.code, 0) << both.err;
  EXPECT_EQ(both.Json()["username"], "creds");
  ASSERT_EQ(both.Json()["passwords"].size(), 2u);
  EXPECT_EQ(both.Json()["passwords"][1]["expiry"], "2027-03-01T00:00:00Z");
  CliRun table = Cli({"token", "credential", "generate", "--name", "creds", "--password2", "-o", "table"});
  ASSERT_EQ(table.code, 0);
  EXPECT_EQ(table.out.rfind("NAME       VALUE", 0), 0u) << table.out;
  EXPECT_NE(table.out.find("password2  "), std::string::npos) << table.out;

  // Interactive confirmation: "n" keeps the slots, "y" deletes them.
  EXPECT_EQ(Cli({"token", "credential", "delete", "-n", "creds", "--password1", "--password2"}, "n\n", true).code,
            cli::kExitDeclined);
  CliRun yes = Cli({"token", "credential", "delete", "-n", "creds", "--password1", "--password2"}, "y\n", true);
  ASSERT_EQ(yes.code, 0) << yes.err;
  EXPECT_NE(yes.err.find("Deleting both passwords of token 'creds'"), std::string::npos) << yes.err;
  EXPECT_TRUE(yes.Json()["credentials"]["passwords"].empty());
}

TEST_F(CliTest, HandOffFormatsWorkAsCredentials) {
  ASSERT_FALSE(CreateToken({"--name", "depot-eu", "--scope-map", "_repositories_pull", "--password1"}).empty());
  clock_.Advance(std::chrono::minutes(1));
  CliRun docker = Cli({"token", "credential", "generate", "-n", "depot-eu", "--password2", "--format", "docker-config"});
  ASSERT_EQ(docker.code, 0) << docker.err;
  const json config = docker.Json();
  const std::string host = base_.substr(std::string("http://").size());
  const std::string auth = config["auths"][host]["auth"];
  EXPECT_EQ(Send("GET", "/v2/", "", {{"Authorization", "Basic " + auth}}).status, 200);

  CliRun secret = Cli({"token", "rotate", "-n", "depot-eu", "--yes", "--format", "k8s-secret", "--secret-name",
                       "regcred", "--namespace", "depot"});
  ASSERT_EQ(secret.code, 0) << secret.err;
  YAML::Node doc = YAML::Load(secret.out);
  EXPECT_EQ(doc["type"].as<std::string>(), "kubernetes.io/dockerconfigjson");
  EXPECT_EQ(doc["metadata"]["name"].as<std::string>(), "regcred");
  const json dockerconfig = json::parse(*Base64Decode(doc["data"][".dockerconfigjson"].as<std::string>()));
  const std::string pw = dockerconfig["auths"][host]["password"];
  EXPECT_EQ(Login("depot-eu", pw), 200);
  // The rotation replaced the older slot: password1.
  EXPECT_NE(secret.err.find("The Secret holds password1"), std::string::npos) << secret.err;
}

// Emergency disable of one token while another keeps pulling.
TEST_F(CliTest, EmergencyDisableOfOneToken) {
  const std::string digest = Publish("depot/app", "v1");
  ASSERT_EQ(Cli({"scope-map", "create", "--name", "depot-pull", "--repository", "depot/app", "content/read"}).code, 0);
  const std::string eu = CreateToken({"--name", "depot-eu", "--scope-map", "depot-pull", "--password1"});
  const std::string us = CreateToken({"--name", "depot-us", "--scope-map", "depot-pull", "--password1"});
  ASSERT_EQ(Pull("depot-eu", eu, "depot/app", digest), 200);
  ASSERT_EQ(Pull("depot-us", us, "depot/app", digest), 200);

  CliRun off = Cli({"token", "update", "--name", "depot-eu", "--status", "disabled", "--query", "status", "-o", "tsv"});
  ASSERT_EQ(off.code, 0) << off.err;
  EXPECT_EQ(off.out, "disabled\n");
  EXPECT_EQ(Pull("depot-eu", eu, "depot/app", digest), 401);
  EXPECT_EQ(Pull("depot-us", us, "depot/app", digest), 200);

  ASSERT_EQ(Cli({"token", "update", "--name", "depot-eu", "--status", "enabled"}).code, 0);
  EXPECT_EQ(Pull("depot-eu", eu, "depot/app", digest), 200);
}

// Who pulled this image, and what changed in access: audit list and export.
TEST_F(CliTest, AuditListAndExportAnswerWhoPulled) {
  const std::string digest = Publish("depot/audited", "v1");
  const std::string pw = CreateToken({"--name", "depot-reader", "--repository", "depot/audited", "content/read",
                                      "--password1"});
  ASSERT_EQ(Pull("depot-reader", pw, "depot/audited", digest), 200);
  ASSERT_EQ(Pull("depot-reader", pw, "depot/audited", "v1"), 200);
  app_->FlushAuditForTest();

  CliRun pulls = Cli({"audit", "list", "--identity", "depot-reader", "--operation", "pull", "-o", "json"});
  ASSERT_EQ(pulls.code, 0) << pulls.err;
  json events = json::parse(pulls.out);
  ASSERT_EQ(events.size(), 2u) << pulls.out;
  for (const json& e : events) {
    EXPECT_EQ(e["repository"], "depot/audited");
    EXPECT_EQ(e["digest"], digest);
    EXPECT_EQ(e["success"], true);
  }
  CliRun table = Cli({"audit", "list", "--repository", "depot/audited", "--operation", "pull", "-o", "table"});
  ASSERT_EQ(table.code, 0) << table.err;
  EXPECT_NE(table.out.find("depot-reader"), std::string::npos) << table.out;
  EXPECT_NE(table.out.find("IDENTITY"), std::string::npos) << table.out;

  CliRun changes = Cli({"audit", "export", "--category", "management"});
  ASSERT_EQ(changes.code, 0) << changes.err;
  std::istringstream lines(changes.out);
  std::string line;
  int creates = 0, n = 0;
  while (std::getline(lines, line)) {
    json e = json::parse(line);
    ++n;
    EXPECT_EQ(e["category"], "management");
    if (e["operation"] == "token.create" && e["target"] == "depot-reader") ++creates;
    EXPECT_EQ(line.find(pw), std::string::npos) << "a password in the audit trail";
  }
  EXPECT_GE(n, 3);  // the scope map and the two tokens at least
  EXPECT_EQ(creates, 1);

  CliRun bad = Cli({"audit", "list", "--from", "yesterday"});
  EXPECT_EQ(bad.code, 2) << bad.err;
  EXPECT_NE(bad.err.find("--from"), std::string::npos) << bad.err;
}

// Vendor offboarding: disable, confirm nothing still uses it, delete, keep the evidence.
TEST_F(CliTest, VendorOffboarding) {
  const std::string pw =
      CreateToken({"--name", "vendor-x", "--repository", "staging/vendor-x", "content/read", "content/write",
                   "metadata/read", "--expires-on", "2027-03-31", "--owner", "vendor-x@example.com", "--password1"});
  PushImageAs("vendor-x", pw, "staging/vendor-x", "rc1", "vendor layer");
  ASSERT_OK(app_->FlushUsageForTest());
  CliRun before = Cli({"export"});
  ASSERT_EQ(before.code, 0) << before.err;
  const std::string evidence = dir_->str() + "/before.json";
  std::ofstream(evidence) << before.out;

  clock_.Advance(std::chrono::hours(2));
  ASSERT_EQ(Cli({"token", "update", "-n", "vendor-x", "--status", "disabled"}).code, 0);
  EXPECT_EQ(Login("vendor-x", pw), 401);
  ASSERT_OK(app_->FlushUsageForTest());
  // Nothing has used it since it was disabled: last use is the push, 2 hours ago.
  CliRun last = Cli({"token", "show", "-n", "vendor-x", "--query", "credentials.passwords[0].lastUsed", "-o", "tsv"});
  EXPECT_EQ(last.out, "2027-01-15T08:00:00Z\n");

  // Delete: no terminal, no --yes: refused, nothing deleted.
  CliRun refused = Cli({"token", "delete", "-n", "vendor-x"});
  EXPECT_EQ(refused.code, cli::kExitDeclined);
  EXPECT_NE(refused.err.find("password1 last used 2027-01-15T08:00:00Z (2 hours ago) from 127.0.0.1"),
            std::string::npos)
      << refused.err;
  EXPECT_EQ(Cli({"token", "show", "-n", "vendor-x"}).code, 0);
  // The scope map cannot go while the token uses it.
  CliRun in_use = Cli({"scope-map", "delete", "-n", "vendor-x-scope-map", "--yes"});
  EXPECT_EQ(in_use.code, cli::kExitError);
  EXPECT_NE(in_use.err.find("used by tokens: vendor-x"), std::string::npos) << in_use.err;

  CliRun gone = Cli({"token", "delete", "-n", "vendor-x", "--yes"});
  ASSERT_EQ(gone.code, 0) << gone.err;
  EXPECT_NE(gone.err.find("scopereg scope-map delete --name vendor-x-scope-map"), std::string::npos);
  ASSERT_EQ(Cli({"scope-map", "delete", "-n", "vendor-x-scope-map", "--yes"}).code, 0);
  EXPECT_EQ(Cli({"token", "show", "-n", "vendor-x"}).code, cli::kExitNotFound);

  // The evidence: before vs now shows the token and its map removed.
  CliRun diff = Cli({"diff", evidence, "test", "-o", "json"});
  EXPECT_EQ(diff.code, cli::kExitFindings) << diff.err;
  const json d = diff.Json();
  ASSERT_EQ(d.size(), 2u) << d.dump();
  EXPECT_EQ(d[0]["type"], "scopeMap");
  EXPECT_EQ(d[0]["name"], "vendor-x-scope-map");
  EXPECT_EQ(d[0]["change"], "removed");
  EXPECT_EQ(d[1]["type"], "token");
  EXPECT_EQ(d[1]["change"], "removed");
}

// ---- scope maps -------------------------------------------------------------------

TEST_F(CliTest, ScopeMapLifecycle) {
  CliRun created = Cli({"scope-map", "create", "--name", "MyScopeMap", "--repository", "hello-world", "content/write",
                        "metadata/read", "--repository", "hello-world-again", "content/read", "--description",
                        "Sample scope map."});
  ASSERT_EQ(created.code, 0) << created.err;
  EXPECT_EQ(created.Json()["type"], "UserDefined");

  EXPECT_EQ(Cli({"scope-map", "update", "-n", "MyScopeMap"}).err, "ERROR: No scope map properties to update.\n");
  EXPECT_EQ(Cli({"scope-map", "update", "-n", "MyScopeMap", "--add-repository", "x", "content/read",
                 "--remove-repository", "x", "content/read"})
                .err,
            "ERROR: Update ambiguity. Duplicate actions were provided with --add and --remove arguments.\n");
  EXPECT_EQ(Cli({"scope-map", "update", "-n", "MyScopeMap", "--add-repository", "x"}).err,
            "ERROR: At least one action must be specified with \"x\".\n");

  CliRun updated = Cli({"scope-map", "update", "-n", "MyScopeMap", "--add-repository", "hello-world", "content/delete",
                        "--remove-repository", "hello-world-again", "content/read", "--query", "actions"});
  ASSERT_EQ(updated.code, 0) << updated.err;
  // The server's canonical order: by repository, then read, write, delete, metadata.
  EXPECT_EQ(updated.Json(), json({"repositories/hello-world/content/write", "repositories/hello-world/content/delete",
                                  "repositories/hello-world/metadata/read"}));
  // The deprecated az aliases still work.
  ASSERT_EQ(Cli({"scope-map", "update", "-n", "MyScopeMap", "--remove", "hello-world", "content/delete"}).code, 0);

  CliRun table = Cli({"scope-map", "list", "-o", "table"});
  EXPECT_NE(table.out.find("MyScopeMap                         UserDefined    2027-01-15T08:00:00Z  Sample scope map."),
            std::string::npos)
      << table.out;
  EXPECT_NE(table.out.find("Can perform all read, write and delete operations on the ...\n"), std::string::npos);

  EXPECT_EQ(Cli({"scope-map", "update", "-n", "_repositories_pull", "--description", "x"}).code, cli::kExitError);
  EXPECT_EQ(Cli({"scope-map", "delete", "-n", "MyScopeMap"}, "no\n", true).code, cli::kExitDeclined);
  EXPECT_EQ(Cli({"scope-map", "delete", "-n", "MyScopeMap"}, "yes\n", true).code, 0);
  EXPECT_EQ(Cli({"scope-map", "show", "-n", "MyScopeMap"}).code, cli::kExitNotFound);
}

// ---- admin user ---------------------------------------------------------------------

TEST_F(CliTest, AdminUser) {
  CliRun shown = Cli({"admin-user", "show", "-o", "table"});
  EXPECT_EQ(shown.out,
            "USERNAME    ENABLED  PASSWORD LAST USED  PASSWORD2 LAST USED\n"
            "----------  -------  ------------------  -------------------\n"
            "myregistry  false\n");
  CliRun enabled = Cli({"admin-user", "enable"});
  ASSERT_EQ(enabled.code, 0) << enabled.err;
  const std::string pw = enabled.Json()["passwords"][0]["value"];
  EXPECT_EQ(Login("myregistry", pw), 200);

  CliRun regen = Cli({"admin-user", "regenerate", "--password", "--yes", "--query", "passwords[0].value", "-o", "tsv"});
  ASSERT_EQ(regen.code, 0) << regen.err;
  EXPECT_EQ(Login("myregistry", pw), 401);
  EXPECT_EQ(Login("myregistry", Trimmed(regen.out)), 200);
  EXPECT_EQ(Cli({"admin-user", "regenerate"}).code, cli::kExitUsage);

  EXPECT_EQ(Cli({"admin-user", "disable"}).code, cli::kExitDeclined);
  EXPECT_EQ(Login("myregistry", Trimmed(regen.out)), 200);
  ASSERT_EQ(Cli({"admin-user", "disable", "--yes"}).code, 0);
  EXPECT_EQ(Login("myregistry", Trimmed(regen.out)), 401);
  EXPECT_EQ(Cli({"admin-user", "show", "--query", "enabled", "-o", "tsv"}).out, "false\n");
}

// ---- export, diff, review -------------------------------------------------------------

TEST_F(CliTest, ExportIsStableAndHasNoSecrets) {
  const std::string pw = CreateToken({"--name", "ci-pull", "--scope-map", "_repositories_pull"});
  ASSERT_EQ(Cli({"admin-user", "enable"}).code, 0);
  CliRun a = Cli({"export"});
  ASSERT_EQ(a.code, 0) << a.err;
  clock_.Advance(std::chrono::seconds(3));
  CliRun b = Cli({"export"});
  json ja = a.Json(), jb = b.Json();
  EXPECT_NE(ja["exportedAt"], jb["exportedAt"]);
  ja.erase("exportedAt");
  jb.erase("exportedAt");
  EXPECT_EQ(ja.dump(2), jb.dump(2));
  EXPECT_EQ(a.out.find(pw), std::string::npos);
  EXPECT_EQ(a.out.find("\"value\""), std::string::npos);
  EXPECT_EQ(a.out.find("\"secret\""), std::string::npos);
  EXPECT_EQ(a.out.find("srop_"), std::string::npos);
  // The same state exported twice: no differences, exit 0.
  const std::string fa = dir_->str() + "/a.json";
  std::ofstream(fa) << a.out;
  CliRun same = Cli({"diff", fa, "test", "-o", "table"});
  EXPECT_EQ(same.code, 0) << same.err;
  EXPECT_EQ(same.out, "");
  EXPECT_NE(same.err.find("No differences"), std::string::npos);
  // YAML works too.
  EXPECT_EQ(YAML::Load(Cli({"export", "-o", "yaml"}).out)["registry"].as<std::string>(), "myregistry");
}

TEST_F(CliTest, DiffTwoRegistries) {
  // A second registry profile for the same server stands for "prod" here; the
  // drift is made between two exports of it.
  ASSERT_EQ(Cli({"scope-map", "create", "-n", "app-pull", "--repository", "app", "content/read"}).code, 0);
  ASSERT_FALSE(CreateToken({"-n", "app-reader", "--scope-map", "app-pull"}).empty());
  const std::string before = dir_->str() + "/before.json";
  std::ofstream(before) << Cli({"export"}).out;
  ASSERT_EQ(Cli({"scope-map", "update", "-n", "app-pull", "--add-repository", "app", "content/write"}).code, 0);
  ASSERT_EQ(Cli({"token", "update", "-n", "app-reader", "--status", "disabled"}).code, 0);
  CliRun d = Cli({"diff", before, "test", "-o", "table"});
  EXPECT_EQ(d.code, cli::kExitFindings);
  EXPECT_EQ(d.out,
            "TYPE      NAME        CHANGE   DETAIL\n"
            "--------  ----------  -------  ----------------------------------------\n"
            "scopeMap  app-pull    changed  actions: +repositories/app/content/write\n"
            "token     app-reader  changed  status: enabled -> disabled\n"
            "token     app-reader  changed  actions: +repositories/app/content/write\n")
      << d.out;
  EXPECT_EQ(Cli({"diff", before, "no-such-profile"}).code, cli::kExitUsage);
}

TEST_F(CliTest, ReviewFindsWhatNeedsALook) {
  ASSERT_FALSE(CreateToken({"-n", "tidy-token", "--repository", "app", "content/read", "--owner", "ops@x",
                            "--password1"})
                   .empty());
  ASSERT_EQ(Cli({"token", "create", "-n", "pusher", "--scope-map", "_repositories_push", "--password1"}).code, 0);
  ASSERT_EQ(Cli({"scope-map", "create", "-n", "orphan", "--repository", "x", "content/read"}).code, 0);
  CliRun r = Cli({"token", "review", "-o", "json"});
  EXPECT_EQ(r.code, cli::kExitFindings) << r.err;
  std::set<std::string> found;
  for (const json& f : r.Json()) found.insert(f["name"].get<std::string>() + ":" + f["check"].get<std::string>());
  EXPECT_EQ(found, (std::set<std::string>{"pusher:token-unowned", "pusher:write-access", "pusher:all-repositories",
                                          "orphan:unused-scope-map"}));
  // 100 days later the unused slots are stale too.
  clock_.Advance(std::chrono::hours(24 * 100));
  CliRun later = Cli({"token", "review", "--stale-days", "90", "--ignore", "token-unowned", "-o", "json", "--query",
                      "[?check=='password-unused'].name"});
  EXPECT_EQ(later.Json(), json({"pusher", "tidy-token"}));
  // Nothing left to find: exit 0.
  ASSERT_EQ(Cli({"token", "delete", "-n", "pusher", "--yes"}).code, 0);
  ASSERT_EQ(Cli({"scope-map", "delete", "-n", "orphan", "--yes"}).code, 0);
  CliRun clean = Cli({"token", "review", "--ignore", "password-unused", "-o", "table"});
  EXPECT_EQ(clean.code, 0) << clean.out;
  EXPECT_NE(clean.err.find("No findings"), std::string::npos);
}

}  // namespace
}  // namespace scopereg::testing
