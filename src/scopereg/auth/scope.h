// Docker token-auth scopes (Distribution docs/spec/auth/scope.md), granted
// access entries (the JWT "access" claim), and the WWW-Authenticate
// challenge.
//
// Scope grammar, as clients send it in `scope=` parameters:
//   scope          := resourcescope [ ' ' resourcescope ]*
//   resourcescope  := resourcetype ":" resourcename ":" action [ ',' action ]*
//   resourcetype   := value [ '(' value ')' ]        e.g. repository(plugin)
//   resourcename   := [ hostname '/' ] component [ '/' component ]*
//   hostname       := ... [ ':' port ]
// The name may itself contain a ':' (a registry-qualified name with a port),
// so the type ends at the FIRST ':' and the actions start after the LAST one.
// GET sends repeated `scope` parameters, POST one space-separated value;
// ParseScopes accepts both.
//
// Unknown resource types and verbs are kept by the parser and simply not
// granted: asking for more than you may have is not an error (token.md).
//
// Thread safety: value types and pure functions; safe for concurrent use.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "scopereg/auth/action.h"
#include "scopereg/core/status.h"

namespace scopereg::auth {

// Limits against abusive requests (a normal docker push asks for 1-2).
inline constexpr std::size_t kMaxScopesPerRequest = 64;
inline constexpr std::size_t kMaxScopeLength = 1024;

inline constexpr std::string_view kCatalogScope = "registry:catalog:*";

// One resource scope as the client wrote it.
struct ResourceScope {
  std::string type;            // "repository", "registry", ... (class removed)
  std::string resource_class;  // "plugin" for "repository(plugin)", else ""
  std::string name;            // "team-a/app", "catalog", "host:5000/x"
  std::vector<std::string> actions;  // as written: "pull", "push", "*", unknown ones too

  friend bool operator==(const ResourceScope&, const ResourceScope&) = default;
};

// Parses one resource scope. kInvalidArgument (quoting the scope) if it
// has fewer than three ':'-separated parts, an empty or malformed type, an
// empty name, or is longer than kMaxScopeLength. Empty actions between
// commas are dropped ("pull,,push" = "pull,push"; "repository:x:" asks for
// nothing).
Result<ResourceScope> ParseResourceScope(std::string_view text);

// Parses every `scope` parameter value, each possibly holding several
// space-separated scopes; empty values are skipped. kInvalidArgument for a
// malformed scope or more than kMaxScopesPerRequest scopes in total.
Result<std::vector<ResourceScope>> ParseScopes(std::span<const std::string> params);

// "type[(class)]:name:a,b".
std::string FormatResourceScope(const ResourceScope& scope);

// ---- granted access ---------------------------------------------------------------

enum class AccessType : std::uint8_t { kRepository, kCatalog };

// One entry of a JWT "access" claim.
//   kRepository: {"type":"repository","name":<name>,"actions":DockerVerbs(actions)}
//   kCatalog:    {"type":"registry","name":"catalog","actions":["*"]}
struct AccessEntry {
  AccessType type = AccessType::kRepository;
  std::string name;   // repository name; "catalog" for kCatalog
  ActionSet actions;  // kRepository only

  static AccessEntry Repository(std::string name, ActionSet actions) {
    return AccessEntry{AccessType::kRepository, std::move(name), actions};
  }
  static AccessEntry Catalog() { return AccessEntry{AccessType::kCatalog, "catalog", ActionSet()}; }

  friend bool operator==(const AccessEntry&, const AccessEntry&) = default;
};

// "repository:<name>:<verbs>" for a challenge's scope= (DockerVerbList).
std::string RepositoryScope(std::string_view repository, ActionSet actions);

// ---- WWW-Authenticate ---------------------------------------------------------------

struct BearerChallenge {
  std::string realm;    // "https://registry.example/oauth2/token"
  std::string service;  // the registry's service name (JWT audience)
  std::vector<std::string> scopes;  // joined with ' ' into one scope="..."; omitted if empty
  std::string error;    // "" or "insufficient_scope" / "invalid_token"
};

// Bearer realm="...",service="...",scope="...",error="..."
// Values are RFC 7230 quoted-strings: '"' and '\' are backslash-escaped and
// control characters (CR, LF, ...) are dropped, so no value can split the
// header. Empty service and error are omitted; realm is always present.
std::string FormatBearerChallenge(const BearerChallenge& challenge);

}  // namespace scopereg::auth
