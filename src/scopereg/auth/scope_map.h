// Scope maps (access-model.md section 1): a named set of repository rules
// that a token points at. Validation and parsing of the ACR action strings,
// the configurable limits, and the five read-only system scope maps.
//
// Action strings have the form
//   repositories/<repository-or-pattern>/<action>
// e.g. "repositories/team-a/*/content/read". Repository names contain '/',
// so the action is recognised by its SUFFIX (as az does); the input is
// lower-cased first; the repository part must be a valid repository name, a
// valid "prefix/*", or "*" (repository_rules.h). Duplicates collapse.
//
// Every rejection is kInvalidArgument whose message names the field
// ("name", "description", "actions[3]", "actions") and quotes the value.
//
// Thread safety: value types and pure functions; safe for concurrent use.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "scopereg/auth/repository_rules.h"
#include "scopereg/core/clock.h"
#include "scopereg/core/status.h"

namespace scopereg::auth {

inline constexpr std::size_t kMinScopeMapNameLength = 5;
inline constexpr std::size_t kMaxScopeMapNameLength = 50;
inline constexpr std::size_t kMaxScopeMapDescriptionLength = 256;  // characters

enum class ScopeMapType : std::uint8_t { kUserDefined, kSystemDefined };
// "UserDefined", "SystemDefined" (ACR's spelling).
std::string_view ScopeMapTypeName(ScopeMapType type);

// Per-scope-map limits; the defaults are ACR Premium's (fixed there,
// configurable here).
struct ScopeMapLimits {
  std::size_t max_repositories = 500;  // distinct repository patterns
  std::size_t max_actions = 500;       // distinct (pattern, action) pairs
};

struct ScopeMap {
  std::string name;
  std::string description;
  ScopeMapType type = ScopeMapType::kUserDefined;
  Time creation_date{};
  // Canonical form (NormalizeRules): sorted by pattern, one rule per
  // pattern, no rule without actions.
  std::vector<RepositoryRule> rules;
  // Assigned by the AccessStore on every successful write (the etag for
  // optimistic concurrency); ignored on input. 0 for system scope maps.
  std::uint64_t revision = 0;

  bool is_system() const { return type == ScopeMapType::kSystemDefined; }
  // The rules as ACR action strings, sorted by pattern then action:
  // "repositories/team-a/*/content/read", ...
  std::vector<std::string> ActionStrings() const;
  std::size_t action_count() const;

  friend bool operator==(const ScopeMap&, const ScopeMap&) = default;
};

// Name of a user-defined scope map: 5-50 characters of [a-zA-Z0-9_-], not
// starting with '_' (reserved for system scope maps).
Status ValidateScopeMapName(std::string_view name);

// At most 256 characters of valid UTF-8 without control characters.
Status ValidateScopeMapDescription(std::string_view description);

// Parses one action string into a rule with one action. `field` names it in
// error messages (e.g. "actions[3]"). Errors:
//   - not "repositories/...":  '<field>: "<value>" must have the form
//     repositories/<repository-or-pattern>/<action>' ("gateway/..." actions
//     of connected registries are named as unsupported);
//   - unknown action suffix: az's 'Invalid action "<x>" provided. Valid
//     actions are {...}.';
//   - bad repository part: the RepositoryPattern::Parse message.
Result<RepositoryRule> ParseScopeMapAction(std::string_view action, std::string_view field = "actions");

// Parses a whole action list (create, or update, which replaces the list)
// into canonical rules. Errors: any ParseScopeMapAction error with field
// "actions[i]"; an empty list ("actions: at least one action is required");
// more distinct patterns or actions than `limits` allow ("actions: 501
// repositories exceed the limit of 500 per scope map").
Result<std::vector<RepositoryRule>> ParseScopeMapActions(std::span<const std::string> actions,
                                                         const ScopeMapLimits& limits);

// Checks rules that did not come from ParseScopeMapActions (e.g. built in
// code) against the same limits. Same messages.
Status CheckScopeMapLimits(const std::vector<RepositoryRule>& rules, const ScopeMapLimits& limits);

// "repositories/<pattern>/<action>".
std::string FormatScopeMapAction(const RepositoryPattern& pattern, Action action);

// ---- system scope maps ----------------------------------------------------------
//
// Present in every registry, read-only, never stored in an AccessStore:
//   _repositories_pull                 * content/read
//   _repositories_pull_metadata_read   * content/read metadata/read
//   _repositories_push                 * content/read content/write
//   _repositories_push_metadata_write  * content/read content/write
//                                        metadata/read metadata/write
//   _repositories_admin                * all five
// Their creation_date is the Unix epoch (they exist "since always").

// The five, sorted by name.
const std::vector<ScopeMap>& SystemScopeMaps();
// The system scope map called `name`, or nullptr.
const ScopeMap* FindSystemScopeMap(std::string_view name);
inline bool IsSystemScopeMapName(std::string_view name) { return FindSystemScopeMap(name) != nullptr; }

}  // namespace scopereg::auth
