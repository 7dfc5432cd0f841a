// Config: every setting of `scopereg serve`, parsed once into typed fields
// and validated before anything starts (aesthetics.md 4.1: startup fails fast
// and names the offending key).
//
// Sources, later ones winning: built-in defaults, the YAML file
// (--config FILE or SCOPEREG_CONFIG), environment variables
// (SCOPEREG_<KEY> with dots as underscores, e.g. SCOPEREG_LISTEN_PORT), and
// command-line overrides (--set key=value and the dedicated flags).
// Unknown keys are errors, so a typo never silently falls back to a default.
//
// Every key, its type, default and meaning is in the table in config.cc and
// documented in docs/config.md; DescribeConfigKeys() prints the table.
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "scopereg/core/status.h"

namespace scopereg::server {

struct AnonymousRule {
  std::string repository_pattern;    // exact name, prefix/* or *
  std::vector<std::string> actions;  // e.g. content/read, metadata/read
};

struct Config {
  std::string data_dir = "./scopereg-data";

  // registry.*
  std::string registry_name = "scopereg";  // admin user name, JWT service/audience
  std::string public_url;                  // base URL clients reach us at; empty: from Host

  // listen.*
  std::string listen_address = "127.0.0.1";
  std::uint16_t listen_port = 5000;
  int threads = 0;           // 0: one per core
  int blocking_threads = 4;  // fsync, database writes, GC

  // tls.*
  std::string tls_cert_file;
  std::string tls_key_file;

  // storage.* and metadata.* (paths default under data_dir)
  std::string storage_root;
  std::string sqlite_path;
  bool sqlite_synchronous_full = false;

  // log.*
  std::string log_level = "info";
  std::string log_file;  // empty: stderr
  bool access_log = true;

  // limits.*
  std::size_t max_manifest_bytes = 4 * 1024 * 1024;
  std::size_t max_page_size = 10000;
  std::size_t manifest_cache_bytes = 64 * 1024 * 1024;

  // http.*
  std::chrono::seconds header_timeout{30};
  std::chrono::seconds idle_timeout{90};
  std::chrono::seconds stall_timeout{120};
  std::chrono::seconds shutdown_grace{20};

  // gc.*
  std::chrono::seconds gc_interval{3600};       // 0: no online GC
  std::chrono::seconds gc_grace_period{3600};   // unreferenced blobs younger than this are kept
  std::chrono::seconds upload_expiry{24 * 3600};

  // auth.*
  // "token": Docker token auth with tokens and scope maps (the default).
  // "none": no authentication at all, for local experiments and benchmarks
  // only; the server warns about it at start.
  std::string auth_mode = "token";
  std::string auth_secret_file;       // default <data_dir>/keys/password-digest.key
  std::string auth_signing_key_file;  // default <data_dir>/keys/token-signing.pem
  std::chrono::seconds access_token_ttl{15 * 60};
  std::chrono::seconds refresh_token_ttl{24 * 3600};
  std::vector<AnonymousRule> anonymous;  // auth.anonymous: off by default

  // audit.* (docs/adr/0001-audit-failure-policy.md)
  bool audit_enabled = true;       // data-plane events (management events are always written)
  std::string audit_file;          // JSON-lines copy; empty: none
  bool audit_syslog = false;       // syslog copy
  std::string audit_syslog_facility = "authpriv";
  std::string audit_syslog_ident = "scopereg";
  std::chrono::seconds audit_retention{90 * 86400};  // 0: keep forever
  std::size_t audit_queue_capacity = 65536;

  // metrics.*
  bool metrics_enabled = true;
  bool metrics_public = false;  // false: /metrics for loopback clients only
  std::size_t metrics_max_token_labels = 100;

  // Derived paths (filled by Finalize).
  std::string ResolvedStorageRoot() const;
  std::string ResolvedSqlitePath() const;
  std::string ResolvedSecretFile() const;
  std::string ResolvedSigningKeyFile() const;
  // Where the first start writes the initial owner operator credential.
  std::string InitialOwnerCredentialFile() const;
};

struct ConfigSources {
  std::string file;                                  // YAML file, optional
  std::map<std::string, std::string> environment;    // usually the process env
  std::vector<std::pair<std::string, std::string>> overrides;  // key -> value
};

// kInvalidArgument naming the key (e.g. "listen.port: not a port number:
// 'abc'") or the file and line for YAML syntax errors.
Result<Config> LoadConfig(const ConfigSources& sources);

// Reads environ into a map (only SCOPEREG_* variables).
std::map<std::string, std::string> ProcessEnvironment();

// Parses "90", "90s", "15m", "2h", "7d" into seconds.
std::optional<std::chrono::seconds> ParseDuration(std::string_view s);

// One line per key: "key (type, default): description".
std::string DescribeConfigKeys();

}  // namespace scopereg::server
