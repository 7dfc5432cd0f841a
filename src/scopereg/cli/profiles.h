// Registry profiles: which registry a command talks to and with which
// operator credential (`scopereg login` writes them).
//
// Storage: <config dir>/config.json, mode 0600 in a 0700 directory, where
// the config dir is $SCOPEREG_CONFIG_DIR, else $XDG_CONFIG_HOME/scopereg,
// else ~/.config/scopereg:
//
//   {"defaultRegistry": "prod",
//    "registries": {"prod": {"url": "https://registry.example.com",
//                            "credentialFile": "/etc/scopereg/prod-operator",
//                            "caFile": "", "insecure": false}}}
//
// The profile never holds a secret: it names the file that does. A secret
// read from stdin at login is kept in <config dir>/credentials/<name>
// (0600) and the profile names that file.
//
// Which registry a command uses (docs/cli.md "Choosing the registry"):
//   --registry NAME               exactly the profile NAME;
//   otherwise the profile named by $SCOPEREG_REGISTRY, else the default
//   profile (if any), with $SCOPEREG_URL, $SCOPEREG_CREDENTIAL_FILE,
//   $SCOPEREG_CA_FILE and $SCOPEREG_INSECURE=1 overriding its fields (so a
//   script can run with no profile at all);
//   --ca-file and --insecure on the command line override both.
//
// Not thread-safe; one command uses one store.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "scopereg/core/status.h"

namespace scopereg::cli {

using Environment = std::map<std::string, std::string>;

struct Profile {
  std::string name;
  std::string url;              // scheme://host[:port], no trailing '/'
  std::string credential_file;  // absolute path of the srop_ line
  std::string ca_file;          // extra CA bundle ("" = system CAs)
  bool insecure = false;        // skip TLS verification (explicit only)
};

// The configuration directory for `env` (see above).
std::string ConfigDir(const Environment& env);

class ProfileStore {
 public:
  // Reads <dir>/config.json; a missing file is an empty store.
  // kInvalidArgument if the file is not what this class writes.
  static Result<ProfileStore> Load(std::string dir);

  const std::string& dir() const { return dir_; }
  const std::string& default_name() const { return default_name_; }
  const Profile* Find(std::string_view name) const;
  const std::map<std::string, Profile>& profiles() const { return profiles_; }

  // Adds or replaces; the first profile (or `make_default`) becomes the default.
  void Put(Profile profile, bool make_default);
  // Removes the profile; the default moves to the first remaining one.
  bool Remove(std::string_view name);
  // Creates the directory (0700) and writes config.json (0600) atomically.
  Status Save() const;

  // Where `login --credential-stdin` keeps the secret of profile `name`.
  std::string ManagedCredentialPath(std::string_view name) const;

 private:
  std::string dir_;
  std::string default_name_;
  std::map<std::string, Profile> profiles_;
};

// What the command line says about the connection.
struct ConnectionFlags {
  std::string registry;  // --registry
  std::string ca_file;   // --ca-file
  bool insecure = false;  // --insecure
};

// The resolved connection (the rules above). kInvalidArgument when nothing
// names a registry or a named profile does not exist (the message says to
// run `scopereg login`).
Result<Profile> ResolveTarget(const ConnectionFlags& flags, const Environment& env, const ProfileStore& store);

// Profile names: 1-64 characters of [A-Za-z0-9._-], starting with a letter
// or digit (they become file names).
bool IsValidProfileName(std::string_view name);

// "https://host:5000/" -> "https://host:5000"; kInvalidArgument unless it is
// http:// or https:// with a host.
Result<std::string> NormalizeRegistryUrl(std::string_view url);

// "host:port" as docker and Kubernetes key their auth entries
// ("https://r.example.com" -> "r.example.com", "http://127.0.0.1:5000" ->
// "127.0.0.1:5000").
std::string RegistryHost(std::string_view url);

// Whether the URL's host is a loopback address (plain HTTP is fine there).
bool IsLoopbackUrl(std::string_view url);

// Writes `content` to `path` with mode 0600 atomically (temp file, fsync,
// rename), creating the parent directory with mode 0700 if needed.
Status WritePrivateFile(const std::string& path, std::string_view content);

// The operator secret line from a credential file, trimmed. `warning` gets
// a note when the file is readable by group or others.
// kUnauthenticated when the file cannot be read or holds no srop_ line;
// the message names the file, never its content.
Result<std::string> ReadCredentialFile(const std::string& path, std::string* warning);

}  // namespace scopereg::cli
