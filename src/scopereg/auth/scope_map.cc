#include "scopereg/auth/scope_map.h"

#include "scopereg/auth/validation.h"
#include "scopereg/core/strings.h"

namespace scopereg::auth {

namespace {
constexpr std::string_view kRepositoriesPrefix = "repositories/";
}  // namespace

std::string_view ScopeMapTypeName(ScopeMapType type) {
  return type == ScopeMapType::kSystemDefined ? "SystemDefined" : "UserDefined";
}

std::vector<std::string> ScopeMap::ActionStrings() const {
  std::vector<std::string> out;
  for (const RepositoryRule& r : rules) {
    for (Action a : r.actions.ToVector()) out.push_back(FormatScopeMapAction(r.pattern, a));
  }
  return out;
}

std::size_t ScopeMap::action_count() const {
  std::size_t n = 0;
  for (const RepositoryRule& r : rules) n += static_cast<std::size_t>(r.actions.size());
  return n;
}

Status ValidateScopeMapName(std::string_view name) {
  SCOPEREG_RETURN_IF_ERROR(internal::CheckName("name", name, kMinScopeMapNameLength, kMaxScopeMapNameLength,
                                               internal::NameCharset::kAlnumHyphenUnderscore));
  if (name.front() == '_') {
    return Status::InvalidArgument("name: " + internal::QuoteForMessage(name) +
                                   " must not start with '_' (reserved for system scope maps)");
  }
  return Status::Ok();
}

Status ValidateScopeMapDescription(std::string_view description) {
  return internal::CheckFreeText("description", description, kMaxScopeMapDescriptionLength);
}

Result<RepositoryRule> ParseScopeMapAction(std::string_view action, std::string_view field) {
  const std::string lower = ToLower(action);
  const std::string_view s = lower;
  const std::string where = std::string(field) + ": ";
  if (!s.starts_with(kRepositoriesPrefix)) {
    if (s.starts_with("gateway/")) {
      return Status::InvalidArgument(where + internal::QuoteForMessage(action) +
                                     ": gateway actions (connected registries) are not supported");
    }
    return Status::InvalidArgument(where + internal::QuoteForMessage(action) +
                                   " must have the form repositories/<repository-or-pattern>/<action>");
  }
  const std::string_view rest = s.substr(kRepositoriesPrefix.size());
  for (Action a : kAllActions) {
    const std::string_view name = ActionName(a);
    // "<repo>/<action>": the repository part must be non-empty.
    if (rest.size() > name.size() + 1 && rest.ends_with(name) && rest[rest.size() - name.size() - 1] == '/') {
      const std::string_view repo = rest.substr(0, rest.size() - name.size() - 1);
      auto pattern = RepositoryPattern::Parse(repo);
      if (!pattern.ok()) return pattern.status().WithPrefix(std::string(field));
      return RepositoryRule{std::move(pattern).value(), ActionSet{a}};
    }
  }
  // Name the presumed action (the last two segments), as az names the word
  // it could not read.
  std::string_view presumed = rest;
  if (auto last = rest.rfind('/'); last != std::string_view::npos && last > 0) {
    auto before = rest.rfind('/', last - 1);
    presumed = before == std::string_view::npos ? rest.substr(0) : rest.substr(before + 1);
  }
  return Status::InvalidArgument(where + "Invalid action " + internal::QuoteForMessage(presumed) + " provided in " +
                                 internal::QuoteForMessage(action) + ". Valid actions are " +
                                 std::string(ValidActionsForMessage()) + ".");
}

Status CheckScopeMapLimits(const std::vector<RepositoryRule>& rules, const ScopeMapLimits& limits) {
  if (rules.size() > limits.max_repositories) {
    return Status::InvalidArgument("actions: " + std::to_string(rules.size()) +
                                   " repositories exceed the limit of " + std::to_string(limits.max_repositories) +
                                   " per scope map");
  }
  std::size_t actions = 0;
  for (const RepositoryRule& r : rules) actions += static_cast<std::size_t>(r.actions.size());
  if (actions > limits.max_actions) {
    return Status::InvalidArgument("actions: " + std::to_string(actions) + " actions exceed the limit of " +
                                   std::to_string(limits.max_actions) + " per scope map");
  }
  return Status::Ok();
}

Result<std::vector<RepositoryRule>> ParseScopeMapActions(std::span<const std::string> actions,
                                                         const ScopeMapLimits& limits) {
  if (actions.empty()) return Status::InvalidArgument("actions: at least one action is required");
  std::vector<RepositoryRule> rules;
  rules.reserve(actions.size());
  for (std::size_t i = 0; i < actions.size(); ++i) {
    SCOPEREG_ASSIGN_OR_RETURN(RepositoryRule rule,
                              ParseScopeMapAction(actions[i], "actions[" + std::to_string(i) + "]"));
    rules.push_back(std::move(rule));
  }
  rules = NormalizeRules(std::move(rules));
  SCOPEREG_RETURN_IF_ERROR(CheckScopeMapLimits(rules, limits));
  return rules;
}

std::string FormatScopeMapAction(const RepositoryPattern& pattern, Action action) {
  std::string out(kRepositoriesPrefix);
  out += pattern.text();
  out += '/';
  out += ActionName(action);
  return out;
}

namespace {

ScopeMap MakeSystemScopeMap(std::string name, std::string description, ActionSet actions) {
  ScopeMap m;
  m.name = std::move(name);
  m.description = std::move(description);
  m.type = ScopeMapType::kSystemDefined;
  m.creation_date = Time{};
  m.rules.push_back(RepositoryRule{RepositoryPattern::Parse("*").value(), actions});
  return m;
}

std::vector<ScopeMap> BuildSystemScopeMaps() {
  using A = Action;
  // Sorted by name; descriptions follow ACR's wording.
  return {
      MakeSystemScopeMap("_repositories_admin",
                         "Can perform all read, write and delete operations on the registry's repositories",
                         ActionSet::All()),
      MakeSystemScopeMap("_repositories_pull", "Can pull any repository of the registry", {A::kContentRead}),
      MakeSystemScopeMap("_repositories_pull_metadata_read",
                         "Can perform all read operations on any repository of the registry",
                         {A::kContentRead, A::kMetadataRead}),
      MakeSystemScopeMap("_repositories_push", "Can push to any repository of the registry",
                         {A::kContentRead, A::kContentWrite}),
      MakeSystemScopeMap("_repositories_push_metadata_write",
                         "Can perform all read and write operations on any repository of the registry",
                         {A::kContentRead, A::kContentWrite, A::kMetadataRead, A::kMetadataWrite}),
  };
}

}  // namespace

const std::vector<ScopeMap>& SystemScopeMaps() {
  static const std::vector<ScopeMap> kMaps = BuildSystemScopeMaps();
  return kMaps;
}

const ScopeMap* FindSystemScopeMap(std::string_view name) {
  if (name.empty() || name.front() != '_') return nullptr;
  for (const ScopeMap& m : SystemScopeMaps()) {
    if (m.name == name) return &m;
  }
  return nullptr;
}

}  // namespace scopereg::auth
