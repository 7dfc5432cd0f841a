// scopereg login / logout / profile list / whoami: registry profiles.
#include <filesystem>
#include <fstream>

#include "scopereg/cli/commands.h"
#include "scopereg/core/strings.h"

namespace scopereg::cli {

using nlohmann::json;
namespace fs = std::filesystem;

namespace {

struct LoginFlags {
  std::string registry;
  std::string url;
  std::string credential_file;
  bool credential_stdin = false;
  std::string ca_file;
  bool insecure = false;
  bool make_default = false;
  bool no_verify = false;
  CommonFlags common;
};

json ProfileJson(const Profile& p, bool is_default) {
  return json{{"name", p.name},           {"url", p.url},          {"credentialFile", p.credential_file},
              {"caFile", p.ca_file},      {"insecure", p.insecure}, {"default", is_default}};
}

TableRow ProfileRow(const json& p) {
  return {{"NAME", Field(p, "name")},
          {"URL", Field(p, "url")},
          {"DEFAULT", p.value("default", false) ? "yes" : ""},
          {"CREDENTIAL FILE", Field(p, "credentialFile")}};
}

Status Login(CliContext& ctx, const LoginFlags& f) {
  if (!IsValidProfileName(f.registry)) {
    return Status::InvalidArgument("--registry: '" + f.registry +
                                   "' is not a profile name (1-64 characters of A-Z a-z 0-9 . _ -, starting with a "
                                   "letter or digit)");
  }
  SCOPEREG_ASSIGN_OR_RETURN(std::string url, NormalizeRegistryUrl(f.url));
  if (f.credential_file.empty() == !f.credential_stdin) {
    return Status::InvalidArgument("usage error: give exactly one of --credential-file FILE and --credential-stdin");
  }
  SCOPEREG_ASSIGN_OR_RETURN(ProfileStore store, ProfileStore::Load(ConfigDir(ctx.env)));
  Profile p;
  p.name = f.registry;
  p.url = url;
  p.ca_file = f.ca_file.empty() ? "" : fs::absolute(f.ca_file).string();
  p.insecure = f.insecure;
  if (url.rfind("http://", 0) == 0 && !IsLoopbackUrl(url) && !f.insecure) {
    return Status::InvalidArgument("--url: refusing plain http to " + url +
                                   " (the operator credential would cross the network in clear text); use https://, "
                                   "or pass --insecure if the network is trusted");
  }
  std::string warning;
  std::string pending_secret;  // --credential-stdin: written only after verification
  if (f.credential_stdin) {
    std::string line;
    std::getline(*ctx.in, line);
    pending_secret = std::string(TrimSpace(line));
    if (pending_secret.rfind("srop_", 0) != 0 || pending_secret.find('.') == std::string::npos) {
      return Status::Unauthenticated("--credential-stdin: standard input does not hold an operator secret line "
                                     "(srop_<id>.<secret>)");
    }
    p.credential_file = store.ManagedCredentialPath(p.name);
  } else {
    p.credential_file = fs::absolute(f.credential_file).string();
    SCOPEREG_RETURN_IF_ERROR(ReadCredentialFile(p.credential_file, &warning));
    if (!warning.empty()) *ctx.err << "WARNING: " << warning << "\n";
  }

  json whoami = nullptr;
  if (!f.no_verify) {
    // Verify before anything is written: a typo in the URL or a revoked
    // credential should not leave a broken profile behind.
    http::ClientOptions tls;
    tls.verify_tls = !p.insecure;
    tls.ca_file = p.ca_file;
    std::string secret = pending_secret;
    if (secret.empty()) {
      SCOPEREG_ASSIGN_OR_RETURN(secret, ReadCredentialFile(p.credential_file, nullptr));
    }
    ManagementClient client(p.url, secret, tls);
    SCOPEREG_ASSIGN_OR_RETURN(whoami, client.Get("/api/v1/whoami"));
  }
  if (!pending_secret.empty()) SCOPEREG_RETURN_IF_ERROR(WritePrivateFile(p.credential_file, pending_secret + "\n"));
  store.Put(p, f.make_default);
  SCOPEREG_RETURN_IF_ERROR(store.Save());

  json out = ProfileJson(p, store.default_name() == p.name);
  if (!whoami.is_null()) {
    out["operator"] = whoami.value("id", "");
    out["role"] = whoami.value("role", "");
  }
  SCOPEREG_ASSIGN_OR_RETURN(OutputSpec spec, MakeOutputSpec(ctx, f.common));
  Print(out, spec, ProfileRow, *ctx.out);
  if (!whoami.is_null()) {
    *ctx.err << "Logged in to " << p.url << " as operator '" << whoami.value("id", "") << "' (role "
             << whoami.value("role", "") << "); profile '" << p.name << "' saved in "
             << (fs::path(store.dir()) / "config.json").string() << "\n";
  }
  return Status::Ok();
}

Status Logout(CliContext& ctx, const std::string& name) {
  SCOPEREG_ASSIGN_OR_RETURN(ProfileStore store, ProfileStore::Load(ConfigDir(ctx.env)));
  const Profile* p = store.Find(name);
  if (p == nullptr) return Status::NotFound("no registry profile '" + name + "'");
  // A secret that `login --credential-stdin` stored goes with the profile;
  // a file the operator named stays theirs.
  const std::string managed = store.ManagedCredentialPath(name);
  const bool remove_secret = p->credential_file == managed;
  store.Remove(name);
  SCOPEREG_RETURN_IF_ERROR(store.Save());
  if (remove_secret) {
    std::error_code ec;
    fs::remove(managed, ec);
  }
  *ctx.err << "Removed registry profile '" << name << "'"
           << (remove_secret ? " and its stored credential" : "") << "\n";
  return Status::Ok();
}

Status ListProfiles(CliContext& ctx, const CommonFlags& common) {
  SCOPEREG_ASSIGN_OR_RETURN(ProfileStore store, ProfileStore::Load(ConfigDir(ctx.env)));
  json out = json::array();
  for (const auto& [name, p] : store.profiles()) out.push_back(ProfileJson(p, name == store.default_name()));
  SCOPEREG_ASSIGN_OR_RETURN(OutputSpec spec, MakeOutputSpec(ctx, common));
  Print(out, spec, ProfileRow, *ctx.out);
  return Status::Ok();
}

Status Whoami(CliContext& ctx, const CommonFlags& common) {
  SCOPEREG_ASSIGN_OR_RETURN(Session s, OpenSession(ctx, common.connection));
  SCOPEREG_ASSIGN_OR_RETURN(json who, s.client->Get("/api/v1/whoami"));
  who["registry"] = s.target.name;
  who["url"] = s.target.url;
  SCOPEREG_ASSIGN_OR_RETURN(OutputSpec spec, MakeOutputSpec(ctx, common));
  Print(who, spec,
        [](const json& w) {
          return TableRow{{"REGISTRY", Field(w, "registry")},
                          {"URL", Field(w, "url")},
                          {"OPERATOR", Field(w, "id")},
                          {"ROLE", Field(w, "role")}};
        },
        *ctx.out);
  return Status::Ok();
}

}  // namespace

void AddLoginCommands(CLI::App& app, CliContext& ctx, int* exit_code) {
  auto lf = std::make_shared<LoginFlags>();
  CLI::App* login = app.add_subcommand("login", "Save a registry profile: its URL and an operator credential");
  login->add_option("-r,--registry", lf->registry, "Profile name, used with --registry by every command")
      ->required();
  login->add_option("--url", lf->url, "The registry's URL: https://host[:port] (http:// on loopback)")->required();
  login->add_option("--credential-file", lf->credential_file,
                    "File holding the operator secret line srop_<id>.<secret> (the profile stores the path, "
                    "not the secret)");
  login->add_flag("--credential-stdin", lf->credential_stdin,
                  "Read the secret line from standard input and keep it in the config directory (0600)");
  login->add_option("--ca-file", lf->ca_file, "CA bundle to verify the registry's TLS certificate");
  login->add_flag("--insecure", lf->insecure, "Skip TLS verification, and allow plain http to a non-loopback host");
  login->add_flag("--default", lf->make_default, "Make this the default profile (the first profile always is)");
  login->add_flag("--no-verify", lf->no_verify, "Save without checking the credential against the registry");
  AddOutputFlags(login, &lf->common);
  login->footer(R"(The profile is saved in $SCOPEREG_CONFIG_DIR (else $XDG_CONFIG_HOME/scopereg, else
~/.config/scopereg)/config.json with mode 0600. Login checks the credential
with GET /api/v1/whoami before saving.

Examples:
  scopereg login --registry prod --url https://registry.example.com --credential-file ~/.secrets/prod-operator
  cat owner.cred | scopereg login --registry dev --url http://127.0.0.1:5000 --credential-stdin --default)");
  SetAction(login, ctx, exit_code, [&ctx, lf] { return Login(ctx, *lf); });

  auto logout_name = std::make_shared<std::string>();
  CLI::App* logout = app.add_subcommand("logout", "Remove a registry profile");
  logout->add_option("-r,--registry", *logout_name, "Profile name")->required();
  logout->footer("Examples:\n  scopereg logout --registry dev");
  SetAction(logout, ctx, exit_code, [&ctx, logout_name] { return Logout(ctx, *logout_name); });

  CLI::App* profile = app.add_subcommand("profile", "Registry profiles saved by login");
  profile->require_subcommand(1);
  auto pf = std::make_shared<CommonFlags>();
  CLI::App* list = profile->add_subcommand("list", "List the registry profiles");
  AddOutputFlags(list, pf.get());
  list->footer("Examples:\n  scopereg profile list -o table");
  SetAction(list, ctx, exit_code, [&ctx, pf] { return ListProfiles(ctx, *pf); });

  auto wf = std::make_shared<CommonFlags>();
  CLI::App* whoami = app.add_subcommand("whoami", "Show the operator and role the registry sees");
  AddCommonFlags(whoami, wf.get());
  whoami->footer("Examples:\n  scopereg whoami --registry prod -o table");
  SetAction(whoami, ctx, exit_code, [&ctx, wf] { return Whoami(ctx, *wf); });
}

}  // namespace scopereg::cli
