#include "scopereg/cli/command_support.h"

#include <unistd.h>

#include <exception>
#include <iostream>

#include "scopereg/cli/exit_codes.h"
#include "scopereg/core/strings.h"

extern char** environ;

namespace scopereg::cli {

using nlohmann::json;

CliContext ProcessContext() {
  CliContext ctx;
  for (char** e = environ; e != nullptr && *e != nullptr; ++e) {
    std::string_view kv(*e);
    auto eq = kv.find('=');
    if (eq != std::string_view::npos) ctx.env.emplace(std::string(kv.substr(0, eq)), std::string(kv.substr(eq + 1)));
  }
  ctx.in = &std::cin;
  ctx.out = &std::cout;
  ctx.err = &std::cerr;
  ctx.interactive = ::isatty(0) == 1 && ::isatty(2) == 1;
  ctx.clock = &SystemClock::Instance();
  return ctx;
}

void AddConnectionFlags(CLI::App* cmd, ConnectionFlags* flags) {
  cmd->add_option("-r,--registry", flags->registry,
                  "Registry profile (from `scopereg login`); default: $SCOPEREG_REGISTRY, else the default profile");
  cmd->add_option("--ca-file", flags->ca_file, "CA bundle to verify the registry's TLS certificate");
  cmd->add_flag("--insecure", flags->insecure,
                "Skip TLS verification, and allow plain http to a host that is not loopback");
}

void AddOutputFlags(CLI::App* cmd, CommonFlags* flags) {
  cmd->add_option("-o,--output", flags->output, "Output format: json, table, tsv, yaml (default $SCOPEREG_OUTPUT, else json)");
  cmd->add_option("--query", flags->query, "JMESPath query applied to the result, e.g. passwords[0].value");
}

void AddCommonFlags(CLI::App* cmd, CommonFlags* flags) {
  AddConnectionFlags(cmd, &flags->connection);
  AddOutputFlags(cmd, flags);
}

Result<OutputSpec> MakeOutputSpec(const CliContext& ctx, const CommonFlags& flags) {
  OutputSpec spec;
  std::string format = flags.output;
  if (format.empty()) {
    auto it = ctx.env.find("SCOPEREG_OUTPUT");
    format = it != ctx.env.end() && !it->second.empty() ? it->second : "json";
  }
  SCOPEREG_ASSIGN_OR_RETURN(spec.format, ParseOutputFormat(format));
  if (!flags.query.empty()) {
    SCOPEREG_ASSIGN_OR_RETURN(spec.query, Query::Parse(flags.query));
  }
  return spec;
}

Result<Session> OpenSession(CliContext& ctx, const ConnectionFlags& flags) {
  SCOPEREG_ASSIGN_OR_RETURN(ProfileStore store, ProfileStore::Load(ConfigDir(ctx.env)));
  Session s;
  SCOPEREG_ASSIGN_OR_RETURN(s.target, ResolveTarget(flags, ctx.env, store));
  if (s.target.url.rfind("http://", 0) == 0 && !IsLoopbackUrl(s.target.url) && !s.target.insecure) {
    return Status::InvalidArgument("refusing to send the operator credential in clear text to " + s.target.url +
                                   ": use https://, or pass --insecure if the network is trusted");
  }
  std::string warning;
  SCOPEREG_ASSIGN_OR_RETURN(s.client, ManagementClient::Connect(s.target, &warning));
  if (!warning.empty()) *ctx.err << "WARNING: " << warning << "\n";
  return s;
}

Status GetAndPrint(CliContext& ctx, const CommonFlags& common, const std::string& path, const TableLayout& layout,
                   bool all_pages) {
  SCOPEREG_ASSIGN_OR_RETURN(OutputSpec spec, MakeOutputSpec(ctx, common));
  SCOPEREG_ASSIGN_OR_RETURN(Session s, OpenSession(ctx, common.connection));
  SCOPEREG_ASSIGN_OR_RETURN(json result, all_pages ? s.client->GetAllPages(path) : s.client->Get(path));
  Print(result, spec, layout, *ctx.out);
  return Status::Ok();
}

void SetActionWithExitCode(CLI::App* cmd, CliContext& ctx, int* exit_code, std::function<Result<int>()> body) {
  cmd->callback([&ctx, exit_code, body = std::move(body)] {
    Result<int> r = Status::Internal("command did not run");
    try {
      r = body();
    } catch (const std::exception& e) {
      r = Status::Internal(std::string("internal error: ") + e.what());
    }
    *exit_code = r.ok() ? *r : ReportFailure(r.status(), *ctx.err);
    ctx.out->flush();
  });
}

void SetAction(CLI::App* cmd, CliContext& ctx, int* exit_code, std::function<Status()> body) {
  SetActionWithExitCode(cmd, ctx, exit_code, [body = std::move(body)]() -> Result<int> {
    SCOPEREG_RETURN_IF_ERROR(body());
    return static_cast<int>(kExitOk);
  });
}

Status Confirm(CliContext& ctx, const std::string& question, bool yes) {
  if (yes) return Status::Ok();
  if (!ctx.interactive) {
    return Status::Aborted(question + " Not confirmed: there is no terminal to ask; pass --yes to proceed");
  }
  *ctx.err << question << " (y/N): ";
  ctx.err->flush();
  std::string answer;
  if (!std::getline(*ctx.in, answer)) answer.clear();
  const std::string a = ToLower(TrimSpace(answer));
  if (a == "y" || a == "yes") return Status::Ok();
  return Status::Aborted("not confirmed; nothing was changed");
}

void AddExpiryFlags(CLI::App* cmd, ExpiryFlags* flags, const std::string& what) {
  cmd->add_option("--expiration", flags->expiration,
                  "UTC time at which " + what + " expire(s), e.g. 2027-12-31T12:59:59Z");
  cmd->add_option("--expiration-in-days", flags->days, "Number of days until " + what + " expire(s)");
  // az's deprecated alias.
  cmd->add_option("--days", flags->days)->group("");
}

Result<std::string> ParseTimeFlag(const std::string& value, const std::string& flag) {
  auto t = ParseRfc3339(value);
  if (!t) {
    return Status::InvalidArgument(flag + ": '" + value +
                                   "' is not a time; use the format %Y-%m-%dT%H:%M:%SZ, e.g. 2027-12-31T12:59:59Z, "
                                   "or a date such as 2027-12-31");
  }
  return FormatRfc3339(*t);
}

Result<std::optional<std::string>> ExpiryFromFlags(const ExpiryFlags& flags, const Clock& clock) {
  if (!flags.expiration.empty() && !flags.days.empty()) {
    return Status::InvalidArgument("usage error: --expiration and --expiration-in-days are mutually exclusive.");
  }
  if (!flags.expiration.empty()) {
    SCOPEREG_ASSIGN_OR_RETURN(std::string t, ParseTimeFlag(flags.expiration, "--expiration"));
    return std::optional<std::string>(t);
  }
  if (!flags.days.empty()) {
    auto days = ParseUint64(flags.days);
    if (!days || *days == 0 || *days > 36500) {
      return Status::InvalidArgument("--expiration-in-days: '" + flags.days + "' is not a number of days (1-36500)");
    }
    return std::optional<std::string>(
        FormatRfc3339(clock.Now() + std::chrono::hours(24) * static_cast<long>(*days)));
  }
  return std::optional<std::string>();
}

void AddHandoffFlags(CLI::App* cmd, HandoffFlags* flags) {
  cmd->add_option("--format", flags->format,
                  "Print the new password as a docker config.json (docker-config) or a Kubernetes "
                  "kubernetes.io/dockerconfigjson Secret (k8s-secret) instead of the result")
      ->check(CLI::IsMember({"json", "docker-config", "k8s-secret"}));
  cmd->add_option("--secret-name", flags->secret_name, "With --format k8s-secret: metadata.name (default <token>-registry)");
  cmd->add_option("--namespace", flags->secret_namespace, "With --format k8s-secret: metadata.namespace");
}

Status PrintGeneratedCredentials(CliContext& ctx, const Session& session, const json& result, const json& passwords,
                                 const std::string& username, const CommonFlags& common, const HandoffFlags& handoff,
                                 const TableLayout& layout, std::string_view rows_field) {
  SCOPEREG_ASSIGN_OR_RETURN(HandoffFormat format, ParseHandoffFormat(handoff.format));
  const std::string host = RegistryHost(session.target.url);
  if (format == HandoffFormat::kNone) {
    SCOPEREG_ASSIGN_OR_RETURN(OutputSpec spec, MakeOutputSpec(ctx, common));
    Print(result, spec, layout, *ctx.out, rows_field);
  } else {
    std::string value, slot;
    if (passwords.is_array()) {
      for (const json& p : passwords) {
        if (p.contains("value") && p["value"].is_string()) {
          value = p["value"].get<std::string>();
          slot = p.value("name", "");
          break;
        }
      }
    }
    if (value.empty()) {
      return Status::InvalidArgument("--format " + handoff.format + ": no password was generated to hand off");
    }
    if (format == HandoffFormat::kDockerConfig) {
      *ctx.out << FormatJson(DockerConfigJson(host, username, value));
    } else {
      *ctx.out << K8sSecretYaml(host, username, value, {handoff.secret_name, handoff.secret_namespace});
    }
    *ctx.err << "The " << (format == HandoffFormat::kDockerConfig ? "docker config" : "Secret") << " holds "
             << slot << ".\n";
  }
  *ctx.err << "Please store your generated credentials safely: they are shown only this once. Log in with: "
              "docker login "
           << host << " -u " << username << " --password-stdin\n";
  return Status::Ok();
}

std::string Ago(Time then, Time now) {
  const auto secs = std::chrono::duration_cast<std::chrono::seconds>(now - then).count();
  if (secs < 60) return "just now";
  auto unit = [](long long n, const char* what) {
    return std::to_string(n) + " " + what + (n == 1 ? "" : "s") + " ago";
  };
  if (secs < 3600) return unit(secs / 60, "minute");
  if (secs < 86400) return unit(secs / 3600, "hour");
  return unit(secs / 86400, "day");
}

std::string LastUseText(const json& password, Time now) {
  const json used = password.is_object() ? password.value("lastUsed", json(nullptr)) : json(nullptr);
  if (!used.is_string()) return "never used";
  auto t = ParseRfc3339(used.get<std::string>());
  std::string text = "last used " + used.get<std::string>();
  if (t) text += " (" + Ago(*t, now) + ")";
  const json from = password.value("lastUsedFrom", json(nullptr));
  if (from.is_string() && !from.get<std::string>().empty()) text += " from " + from.get<std::string>();
  return text;
}

}  // namespace scopereg::cli
