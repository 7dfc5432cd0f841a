#include "scopereg/server/config.h"

#include <yaml-cpp/yaml.h>

#include <filesystem>
#include <functional>
#include <limits>

#include "scopereg/audit/audit_sink.h"
#include "scopereg/core/log.h"
#include "scopereg/core/strings.h"

extern char** environ;

namespace scopereg::server {

namespace {

using Setter = std::function<Status(Config&, const std::string&)>;

struct Key {
  const char* name;
  const char* type;
  const char* default_text;
  const char* description;
  Setter set;
};

Status Bad(const std::string& key, const std::string& why, const std::string& value) {
  return Status::InvalidArgument(key + ": " + why + ": '" + value + "'");
}

Setter String(std::string Config::*field) {
  return [field](Config& c, const std::string& v) {
    c.*field = v;
    return Status::Ok();
  };
}

Setter Bool(bool Config::*field, const char* key) {
  return [field, key](Config& c, const std::string& v) {
    std::string l = ToLower(v);
    if (l == "true" || l == "yes" || l == "on" || l == "1") {
      c.*field = true;
    } else if (l == "false" || l == "no" || l == "off" || l == "0") {
      c.*field = false;
    } else {
      return Bad(key, "not a boolean", v);
    }
    return Status::Ok();
  };
}

template <typename T>
Setter Number(T Config::*field, const char* key, std::uint64_t min, std::uint64_t max) {
  return [=](Config& c, const std::string& v) {
    auto n = ParseUint64(v);
    if (!n || *n < min || *n > max) {
      return Bad(key, "expected an integer in [" + std::to_string(min) + ", " + std::to_string(max) + "]", v);
    }
    c.*field = static_cast<T>(*n);
    return Status::Ok();
  };
}

Setter Seconds(std::chrono::seconds Config::*field, const char* key) {
  return [=](Config& c, const std::string& v) {
    auto d = ParseDuration(v);
    if (!d) return Bad(key, "not a duration (e.g. 30s, 15m, 2h, 7d)", v);
    c.*field = *d;
    return Status::Ok();
  };
}

Status SetAnonymous(Config& c, const std::string& v) {
  // Flat form for env and --set: "pattern:action,action;pattern:action".
  c.anonymous.clear();
  for (auto rule : Split(v, ';')) {
    rule = TrimSpace(rule);
    if (rule.empty()) continue;
    auto colon = rule.rfind(':');
    if (colon == std::string_view::npos) return Bad("auth.anonymous", "expected pattern:action[,action]", v);
    AnonymousRule r;
    r.repository_pattern = std::string(TrimSpace(rule.substr(0, colon)));
    for (auto a : Split(rule.substr(colon + 1), ',')) {
      if (!TrimSpace(a).empty()) r.actions.emplace_back(TrimSpace(a));
    }
    c.anonymous.push_back(std::move(r));
  }
  return Status::Ok();
}

const std::vector<Key>& Keys() {
  static const std::vector<Key> keys = {
      {"data_dir", "path", "./scopereg-data", "Directory for blobs, the SQLite database and keys.",
       String(&Config::data_dir)},
      {"registry.name", "string", "scopereg",
       "Registry name: the admin user's name and the JWT service/audience.", String(&Config::registry_name)},
      {"registry.public_url", "url", "(from the Host header)",
       "Base URL clients use to reach the registry, e.g. https://registry.example.com; used for the token realm.",
       String(&Config::public_url)},
      {"listen.address", "ip", "127.0.0.1", "Address to listen on (0.0.0.0 for all interfaces).",
       String(&Config::listen_address)},
      {"listen.port", "port", "5000", "TCP port; 0 picks a free one.",
       Number(&Config::listen_port, "listen.port", 0, 65535)},
      {"listen.threads", "int", "0", "Event-loop threads; 0 means one per core.",
       Number(&Config::threads, "listen.threads", 0, 256)},
      {"listen.blocking_threads", "int", "4", "Threads for fsync, database writes and GC.",
       Number(&Config::blocking_threads, "listen.blocking_threads", 1, 256)},
      {"tls.cert_file", "path", "", "PEM certificate chain; with tls.key_file enables HTTPS.",
       String(&Config::tls_cert_file)},
      {"tls.key_file", "path", "", "PEM private key for tls.cert_file.", String(&Config::tls_key_file)},
      {"storage.fs.root", "path", "<data_dir>/storage", "Where blob files live.", String(&Config::storage_root)},
      {"metadata.sqlite.path", "path", "<data_dir>/metadata.db", "The SQLite database file.",
       String(&Config::sqlite_path)},
      {"metadata.sqlite.synchronous_full", "bool", "false",
       "fsync every commit (PRAGMA synchronous=FULL); the default NORMAL survives process crashes.",
       Bool(&Config::sqlite_synchronous_full, "metadata.sqlite.synchronous_full")},
      {"log.level", "debug|info|warn|error|off", "info", "Log level.",
       [](Config& c, const std::string& v) {
         if (!log::ParseLevel(v)) return Bad("log.level", "expected debug, info, warn, error or off", v);
         c.log_level = v;
         return Status::Ok();
       }},
      {"log.file", "path", "(stderr)", "Write JSON log lines to this file.", String(&Config::log_file)},
      {"log.access_log", "bool", "true", "One JSON line per request.",
       Bool(&Config::access_log, "log.access_log")},
      {"limits.max_manifest_bytes", "bytes", "4194304", "Largest manifest accepted (413 above).",
       Number(&Config::max_manifest_bytes, "limits.max_manifest_bytes", 1024, 64u << 20)},
      {"limits.max_page_size", "int", "10000", "Largest page of tags or repositories.",
       Number(&Config::max_page_size, "limits.max_page_size", 1, 1000000)},
      {"limits.manifest_cache_bytes", "bytes", "67108864", "Manifest bytes cached in memory.",
       Number(&Config::manifest_cache_bytes, "limits.manifest_cache_bytes", 0, 1ull << 40)},
      {"http.header_timeout", "duration", "30s", "Time allowed for a request header to arrive.",
       Seconds(&Config::header_timeout, "http.header_timeout")},
      {"http.idle_timeout", "duration", "90s", "Idle keep-alive connections are closed after this.",
       Seconds(&Config::idle_timeout, "http.idle_timeout")},
      {"http.stall_timeout", "duration", "120s", "A body transfer with no progress this long is aborted.",
       Seconds(&Config::stall_timeout, "http.stall_timeout")},
      {"http.shutdown_grace", "duration", "20s", "On SIGTERM, time given to in-flight requests.",
       Seconds(&Config::shutdown_grace, "http.shutdown_grace")},
      {"gc.interval", "duration", "1h", "Online garbage collection period; 0 disables it.",
       Seconds(&Config::gc_interval, "gc.interval")},
      {"gc.grace_period", "duration", "1h",
       "Unreferenced blobs younger than this are kept (a push in progress).",
       Seconds(&Config::gc_grace_period, "gc.grace_period")},
      {"gc.upload_expiry", "duration", "24h", "Uploads with no activity this long are removed.",
       Seconds(&Config::upload_expiry, "gc.upload_expiry")},
      {"auth.mode", "token|none", "token",
       "token: Docker token auth with tokens and scope maps. none: no authentication (local "
       "experiments and benchmarks only).",
       [](Config& c, const std::string& v) {
         if (v != "token" && v != "none") return Bad("auth.mode", "expected token or none", v);
         c.auth_mode = v;
         return Status::Ok();
       }},
      {"auth.secret_file", "path", "<data_dir>/keys/password-digest.key",
       "Key that password digests are made with (created on first start, 0600). Nodes sharing one "
       "database must share this file.",
       String(&Config::auth_secret_file)},
      {"auth.signing_key_file", "path", "<data_dir>/keys/token-signing.pem",
       "ES256 key that signs access and refresh tokens (created on first start, 0600). Nodes must share it.",
       String(&Config::auth_signing_key_file)},
      {"auth.access_token_ttl", "duration", "15m", "Lifetime of access tokens from /oauth2/token.",
       Seconds(&Config::access_token_ttl, "auth.access_token_ttl")},
      {"auth.refresh_token_ttl", "duration", "24h", "Lifetime of refresh tokens.",
       Seconds(&Config::refresh_token_ttl, "auth.refresh_token_ttl")},
      {"auth.anonymous", "rules", "(none)",
       "Anonymous access, off by default. YAML: a list of {repository: PATTERN, actions: [...]}; "
       "env/--set: 'pattern:action,action;pattern:action'.",
       SetAnonymous},
      {"audit.enabled", "bool", "true",
       "Record data-plane audit events (pulls, pushes, deletes, logins). Management events are always "
       "recorded, in the same transaction as the change.",
       Bool(&Config::audit_enabled, "audit.enabled")},
      {"audit.file", "path", "(none)",
       "Also append every audit event as one JSON line to this file (0600, fdatasync per batch, reopened "
       "after logrotate moves it).",
       String(&Config::audit_file)},
      {"audit.syslog", "bool", "false", "Also send every audit event to syslog as a JSON message.",
       Bool(&Config::audit_syslog, "audit.syslog")},
      {"audit.syslog_facility", "auth|authpriv|daemon|user|local0..local7", "authpriv",
       "Syslog facility of audit messages.",
       [](Config& c, const std::string& v) {
         if (!audit::ParseSyslogFacility(v)) {
           return Bad("audit.syslog_facility", "expected auth, authpriv, daemon, user or local0..local7", v);
         }
         c.audit_syslog_facility = v;
         return Status::Ok();
       }},
      {"audit.syslog_ident", "string", "scopereg", "Syslog ident (program name) of audit messages.",
       String(&Config::audit_syslog_ident)},
      {"audit.retention", "duration", "90d",
       "Audit events older than this are deleted (hourly, in bounded steps); 0 keeps them forever.",
       Seconds(&Config::audit_retention, "audit.retention")},
      {"audit.queue_capacity", "int", "65536",
       "Data-plane audit events held in memory while the writer catches up; beyond it events are dropped "
       "and counted (scopereg_audit_events_dropped_total).",
       Number(&Config::audit_queue_capacity, "audit.queue_capacity", 100, 10000000)},
      {"metrics.enabled", "bool", "true", "Serve Prometheus metrics at /metrics.",
       Bool(&Config::metrics_enabled, "metrics.enabled")},
      {"metrics.public", "bool", "false",
       "Serve /metrics to every client; by default only loopback clients get it (it names tokens).",
       Bool(&Config::metrics_public, "metrics.public")},
      {"metrics.max_token_labels", "int", "100",
       "Distinct identities labelled in scopereg_access_denied_total; the rest count as \"other\".",
       Number(&Config::metrics_max_token_labels, "metrics.max_token_labels", 0, 100000)},
  };
  return keys;
}

const Key* FindKey(std::string_view name) {
  for (const auto& k : Keys()) {
    if (name == k.name) return &k;
  }
  return nullptr;
}

std::string EnvName(std::string_view key) {
  std::string out = "SCOPEREG_";
  for (char c : key) out.push_back(c == '.' ? '_' : static_cast<char>(std::toupper(static_cast<unsigned char>(c))));
  return out;
}

Status ApplyYamlNode(Config& c, const YAML::Node& node, const std::string& prefix, const std::string& file) {
  if (!node.IsMap()) return Status::InvalidArgument(file + ": expected a mapping at '" + prefix + "'");
  for (const auto& kv : node) {
    const std::string name = prefix.empty() ? kv.first.as<std::string>() : prefix + "." + kv.first.as<std::string>();
    const YAML::Node& value = kv.second;
    if (name == "auth.anonymous") {
      if (value.IsNull()) {
        c.anonymous.clear();
        continue;
      }
      if (!value.IsSequence()) return Status::InvalidArgument(name + ": expected a list of rules");
      c.anonymous.clear();
      for (std::size_t i = 0; i < value.size(); ++i) {
        const YAML::Node& r = value[i];
        const std::string where = name + "[" + std::to_string(i) + "]";
        if (!r.IsMap() || !r["repository"] || !r["actions"] || !r["actions"].IsSequence()) {
          return Status::InvalidArgument(where + ": expected {repository: PATTERN, actions: [ACTION...]}");
        }
        AnonymousRule rule;
        rule.repository_pattern = r["repository"].as<std::string>();
        for (const auto& a : r["actions"]) rule.actions.push_back(a.as<std::string>());
        c.anonymous.push_back(std::move(rule));
      }
      continue;
    }
    if (value.IsMap()) {
      SCOPEREG_RETURN_IF_ERROR(ApplyYamlNode(c, value, name, file));
      continue;
    }
    const Key* key = FindKey(name);
    if (key == nullptr) return Status::InvalidArgument(name + ": unknown configuration key (in " + file + ")");
    if (!value.IsScalar()) return Status::InvalidArgument(name + ": expected a single value (in " + file + ")");
    SCOPEREG_RETURN_IF_ERROR(key->set(c, value.as<std::string>()));
  }
  return Status::Ok();
}

}  // namespace

std::optional<std::chrono::seconds> ParseDuration(std::string_view s) {
  s = TrimSpace(s);
  if (s.empty()) return std::nullopt;
  std::uint64_t scale = 1;
  switch (s.back()) {
    case 's': scale = 1; s.remove_suffix(1); break;
    case 'm': scale = 60; s.remove_suffix(1); break;
    case 'h': scale = 3600; s.remove_suffix(1); break;
    case 'd': scale = 86400; s.remove_suffix(1); break;
    default: break;
  }
  auto n = ParseUint64(s);
  if (!n || *n > std::numeric_limits<std::int64_t>::max() / static_cast<std::int64_t>(scale)) return std::nullopt;
  return std::chrono::seconds(static_cast<std::int64_t>(*n * scale));
}

std::string Config::ResolvedStorageRoot() const {
  return storage_root.empty() ? (std::filesystem::path(data_dir) / "storage").string() : storage_root;
}

std::string Config::ResolvedSqlitePath() const {
  return sqlite_path.empty() ? (std::filesystem::path(data_dir) / "metadata.db").string() : sqlite_path;
}

std::string Config::ResolvedSecretFile() const {
  return auth_secret_file.empty() ? (std::filesystem::path(data_dir) / "keys" / "password-digest.key").string()
                                  : auth_secret_file;
}

std::string Config::ResolvedSigningKeyFile() const {
  return auth_signing_key_file.empty() ? (std::filesystem::path(data_dir) / "keys" / "token-signing.pem").string()
                                       : auth_signing_key_file;
}

std::string Config::InitialOwnerCredentialFile() const {
  return (std::filesystem::path(data_dir) / "initial-owner-credential").string();
}

Result<Config> LoadConfig(const ConfigSources& sources) {
  Config c;
  if (!sources.file.empty()) {
    YAML::Node root;
    try {
      root = YAML::LoadFile(sources.file);
    } catch (const YAML::BadFile&) {
      return Status::InvalidArgument("cannot read config file '" + sources.file + "'");
    } catch (const YAML::Exception& e) {
      return Status::InvalidArgument(sources.file + ": " + e.what());
    }
    if (!root.IsNull()) {
      try {
        SCOPEREG_RETURN_IF_ERROR(ApplyYamlNode(c, root, "", sources.file));
      } catch (const YAML::Exception& e) {
        return Status::InvalidArgument(sources.file + ": " + e.what());
      }
    }
  }
  for (const auto& k : Keys()) {
    auto it = sources.environment.find(EnvName(k.name));
    if (it != sources.environment.end()) {
      SCOPEREG_RETURN_IF_ERROR(k.set(c, it->second).WithPrefix("environment " + it->first));
    }
  }
  for (const auto& [name, value] : sources.overrides) {
    const Key* key = FindKey(name);
    if (key == nullptr) return Status::InvalidArgument(name + ": unknown configuration key");
    SCOPEREG_RETURN_IF_ERROR(key->set(c, value));
  }
  // Cross-field checks.
  if (!c.audit_enabled && (!c.audit_file.empty() || c.audit_syslog)) {
    return Status::InvalidArgument(
        "audit.enabled: false, but audit.file or audit.syslog asks for copies of the events it turns off");
  }
  if (c.tls_cert_file.empty() != c.tls_key_file.empty()) {
    return Status::InvalidArgument(c.tls_cert_file.empty() ? "tls.cert_file: required when tls.key_file is set"
                                                           : "tls.key_file: required when tls.cert_file is set");
  }
  if (c.data_dir.empty()) return Status::InvalidArgument("data_dir: must not be empty");
  if (c.registry_name.empty()) return Status::InvalidArgument("registry.name: must not be empty");
  if (!c.public_url.empty() && c.public_url.rfind("http://", 0) != 0 && c.public_url.rfind("https://", 0) != 0) {
    return Bad("registry.public_url", "must start with http:// or https://", c.public_url);
  }
  while (!c.public_url.empty() && c.public_url.back() == '/') c.public_url.pop_back();
  return c;
}

std::map<std::string, std::string> ProcessEnvironment() {
  std::map<std::string, std::string> out;
  for (char** e = environ; e != nullptr && *e != nullptr; ++e) {
    std::string_view kv(*e);
    if (kv.rfind("SCOPEREG_", 0) != 0) continue;
    auto eq = kv.find('=');
    if (eq == std::string_view::npos) continue;
    out.emplace(std::string(kv.substr(0, eq)), std::string(kv.substr(eq + 1)));
  }
  return out;
}

std::string DescribeConfigKeys() {
  std::string out;
  for (const auto& k : Keys()) {
    out += k.name;
    out += " (";
    out += k.type;
    out += ", default ";
    out += k.default_text;
    out += ", env ";
    out += EnvName(k.name);
    out += "): ";
    out += k.description;
    out += "\n";
  }
  return out;
}

}  // namespace scopereg::server
