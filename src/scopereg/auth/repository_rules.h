// Repository patterns, rules, and their compiled form: the one place that
// answers "which actions does this set of rules allow on repository R".
//
// Pattern syntax (access-model.md "Repository patterns"):
//   exact    "team-a/app"  a valid repository name; matches only itself.
//   prefix   "team-a/*"    a valid repository name followed by "/*" (exactly
//                          one '*', at the end). Matches every repository
//                          below the prefix at any depth: "team-a/x",
//                          "team-a/x/y", but NOT "team-a" itself.
//   root     "*"           every repository.
// Invalid: "a/*/b", "a/b*", "a/*/b/*", "*/a", "a/**", "", upper case.
// Patterns also cover repositories that do not exist yet.
//
// Permissions are the UNION of every matching rule; there are no deny rules.
// With rules {sample/* -> read, sample/teamA/* -> write,
// sample/teamA/projectB -> delete}, "sample/teamA/projectB" gets
// {read, write, delete} and "sample/teamA/projectC" gets {read, write}.
//
// Thread safety: all types are immutable after construction (CompiledRules
// is built once and then only read); const methods are safe for concurrent
// use.
#pragma once

#include <cstddef>
#include <functional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "scopereg/auth/action.h"
#include "scopereg/core/status.h"

namespace scopereg::auth {

class RepositoryPattern {
 public:
  enum class Kind : std::uint8_t { kExact, kPrefix, kRoot };

  // Parses a pattern exactly as given (no lower-casing; upper case is
  // invalid because repository names are lower case). kInvalidArgument, with
  // the pattern quoted in the message, if it is not one of the three forms.
  static Result<RepositoryPattern> Parse(std::string_view text);

  Kind kind() const { return kind_; }
  // The pattern as written: "team-a/*", "*", "team-a/app".
  const std::string& text() const { return text_; }
  // kPrefix: the name before "/*" ("team-a"); kExact: the name; kRoot: "".
  std::string_view base() const;

  // Whether `repository` matches. `repository` is expected to be a valid
  // repository name; an invalid one never matches an exact pattern.
  bool Matches(std::string_view repository) const;

  friend bool operator==(const RepositoryPattern& a, const RepositoryPattern& b) { return a.text_ == b.text_; }
  friend auto operator<=>(const RepositoryPattern& a, const RepositoryPattern& b) { return a.text_ <=> b.text_; }

 private:
  RepositoryPattern(Kind kind, std::string text) : kind_(kind), text_(std::move(text)) {}
  Kind kind_;
  std::string text_;
};

// One scope-map entry: a pattern and the actions it grants.
struct RepositoryRule {
  RepositoryPattern pattern;
  ActionSet actions;
  friend bool operator==(const RepositoryRule&, const RepositoryRule&) = default;
};

// Merges rules with the same pattern (union of their actions), drops rules
// with no actions, and sorts by pattern text: the canonical form in which
// scope maps are stored and compared.
std::vector<RepositoryRule> NormalizeRules(std::vector<RepositoryRule> rules);

// The compiled, read-only form of a rule list.
//
// Allowed() does one hash probe for the exact name, one per '/' boundary of
// the name for prefix rules, and reads the root rule: O(depth of the name),
// independent of the number of rules, and allocation-free.
class CompiledRules {
 public:
  CompiledRules() = default;  // allows nothing
  explicit CompiledRules(const std::vector<RepositoryRule>& rules);

  // The union of the actions of every rule matching `repository`.
  ActionSet Allowed(std::string_view repository) const;

  // The union of the actions of all rules: whether `a` is allowed on at least
  // one repository (e.g. whether a catalog request can return anything).
  ActionSet AnyAllowed() const { return any_; }

  bool empty() const { return any_.empty(); }
  std::size_t rule_count() const { return exact_.size() + prefix_.size() + (root_.empty() ? 0 : 1); }

 private:
  struct Hash {
    using is_transparent = void;
    std::size_t operator()(std::string_view s) const { return std::hash<std::string_view>()(s); }
  };
  using Table = std::unordered_map<std::string, ActionSet, Hash, std::equal_to<>>;

  Table exact_;   // repository name -> actions
  Table prefix_;  // prefix without "/*" -> actions
  ActionSet root_;
  ActionSet any_;
};

}  // namespace scopereg::auth
