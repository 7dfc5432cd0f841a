#include "scopereg/auth/repository_rules.h"

#include <algorithm>
#include <map>

#include "scopereg/oci/name.h"

namespace scopereg::auth {

namespace {
Status InvalidPattern(std::string_view text, std::string_view why) {
  return Status::InvalidArgument("invalid repository pattern \"" + std::string(text) + "\": " + std::string(why));
}
}  // namespace

Result<RepositoryPattern> RepositoryPattern::Parse(std::string_view text) {
  if (text == "*") return RepositoryPattern(Kind::kRoot, "*");
  const std::size_t stars = static_cast<std::size_t>(std::count(text.begin(), text.end(), '*'));
  if (stars == 0) {
    if (!oci::IsValidRepositoryName(text)) {
      return InvalidPattern(text, "not a valid repository name (lower-case components [a-z0-9] separated by "
                                  "'.', '_', '__', '-' or '/')");
    }
    return RepositoryPattern(Kind::kExact, std::string(text));
  }
  // ACR: a wildcard must end with "/*" and contain exactly one '*'.
  if (stars > 1 || text.size() < 3 || !text.ends_with("/*")) {
    return InvalidPattern(text, "a wildcard must be \"*\" or end with \"/*\" and contain exactly one \"*\"");
  }
  const std::string_view prefix = text.substr(0, text.size() - 2);
  if (!oci::IsValidRepositoryName(prefix)) {
    return InvalidPattern(text, "the part before \"/*\" is not a valid repository name");
  }
  return RepositoryPattern(Kind::kPrefix, std::string(text));
}

std::string_view RepositoryPattern::base() const {
  switch (kind_) {
    case Kind::kExact:
      return text_;
    case Kind::kPrefix:
      return std::string_view(text_).substr(0, text_.size() - 2);
    case Kind::kRoot:
      break;
  }
  return {};
}

bool RepositoryPattern::Matches(std::string_view repository) const {
  switch (kind_) {
    case Kind::kRoot:
      return true;
    case Kind::kExact:
      return repository == text_;
    case Kind::kPrefix: {
      // "team-a/*" is stored as text "team-a/*": match "team-a/" + something.
      const std::string_view with_slash = std::string_view(text_).substr(0, text_.size() - 1);
      return repository.size() > with_slash.size() && repository.starts_with(with_slash);
    }
  }
  return false;
}

std::vector<RepositoryRule> NormalizeRules(std::vector<RepositoryRule> rules) {
  // Stable merge keyed by the pattern text; std::map gives the sort.
  std::map<std::string, std::size_t> index;
  std::vector<RepositoryRule> merged;
  merged.reserve(rules.size());
  for (RepositoryRule& r : rules) {
    if (r.actions.empty()) continue;
    auto [it, inserted] = index.emplace(r.pattern.text(), merged.size());
    if (inserted) {
      merged.push_back(std::move(r));
    } else {
      merged[it->second].actions |= r.actions;
    }
  }
  std::vector<RepositoryRule> out;
  out.reserve(merged.size());
  for (const auto& [text, i] : index) out.push_back(std::move(merged[i]));
  return out;
}

CompiledRules::CompiledRules(const std::vector<RepositoryRule>& rules) {
  for (const RepositoryRule& r : rules) {
    switch (r.pattern.kind()) {
      case RepositoryPattern::Kind::kRoot:
        root_ |= r.actions;
        break;
      case RepositoryPattern::Kind::kExact:
        exact_[std::string(r.pattern.base())] |= r.actions;
        break;
      case RepositoryPattern::Kind::kPrefix:
        prefix_[std::string(r.pattern.base())] |= r.actions;
        break;
    }
    any_ |= r.actions;
  }
}

ActionSet CompiledRules::Allowed(std::string_view repository) const {
  ActionSet out = root_;
  if (!exact_.empty()) {
    if (auto it = exact_.find(repository); it != exact_.end()) out |= it->second;
  }
  if (!prefix_.empty()) {
    // A prefix rule "p/*" matches when "p" is the part of the name before
    // some '/': probe every such boundary. Repository names are short (at most
    // 255 bytes, usually 1-4 components), so this is a handful of probes.
    for (std::size_t i = repository.find('/'); i != std::string_view::npos; i = repository.find('/', i + 1)) {
      if (auto it = prefix_.find(repository.substr(0, i)); it != prefix_.end()) out |= it->second;
    }
  }
  return out;
}

}  // namespace scopereg::auth
