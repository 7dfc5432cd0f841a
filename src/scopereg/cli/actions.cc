#include "scopereg/cli/actions.h"

#include <algorithm>
#include <set>

#include "scopereg/core/strings.h"

namespace scopereg::cli {

const std::vector<std::string>& ValidRepositoryActions() {
  static const std::vector<std::string> kActions = {"content/delete", "content/read", "content/write",
                                                     "metadata/read", "metadata/write"};
  return kActions;
}

Result<std::vector<std::string>> ActionsFromRepositoryArgs(const RepositoryArgs& groups) {
  std::vector<std::string> out;
  for (const auto& group : groups) {
    if (group.empty()) continue;
    const std::string repo = ToLower(group[0]);
    if (group.size() < 2) {
      return Status::InvalidArgument("At least one action must be specified with \"" + repo + "\".");
    }
    for (std::size_t i = 1; i < group.size(); ++i) {
      const std::string action = ToLower(group[i]);
      const auto& valid = ValidRepositoryActions();
      if (std::find(valid.begin(), valid.end(), action) == valid.end()) {
        return Status::InvalidArgument("Invalid action \"" + action +
                                       "\" provided. Valid actions are {content/delete, content/read, "
                                       "content/write, metadata/read, metadata/write}.");
      }
      out.push_back("repositories/" + repo + "/" + action);
    }
  }
  return out;
}

Result<std::vector<std::string>> ApplyActionChanges(const std::vector<std::string>& current,
                                                    const std::vector<std::string>& add,
                                                    const std::vector<std::string>& remove) {
  std::set<std::string> removed;
  for (const auto& r : remove) removed.insert(ToLower(r));
  for (const auto& a : add) {
    if (removed.count(ToLower(a))) {
      return Status::InvalidArgument("Update ambiguity. Duplicate actions were provided with --add and --remove arguments.");
    }
  }
  std::set<std::string> seen;
  std::vector<std::string> out;
  auto keep = [&](const std::string& a) {
    const std::string l = ToLower(a);
    if (removed.count(l) || !seen.insert(l).second) return;
    out.push_back(a);
  };
  for (const auto& a : current) keep(a);
  for (const auto& a : add) keep(a);
  std::sort(out.begin(), out.end());
  return out;
}

std::pair<std::string, std::string> SplitAction(const std::string& action) {
  static const std::string kPrefix = "repositories/";
  if (action.rfind(kPrefix, 0) != 0) return {"", ""};
  for (const auto& a : ValidRepositoryActions()) {
    const std::string suffix = "/" + a;
    if (action.size() > kPrefix.size() + suffix.size() &&
        action.compare(action.size() - suffix.size(), suffix.size(), suffix) == 0) {
      return {action.substr(kPrefix.size(), action.size() - kPrefix.size() - suffix.size()), a};
    }
  }
  return {"", ""};
}

}  // namespace scopereg::cli
