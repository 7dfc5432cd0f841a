#include "scopereg/auth/action.h"

#include <bit>

#include "scopereg/core/strings.h"

namespace scopereg::auth {

namespace {

struct ActionSpelling {
  std::string_view name;
  std::string_view docker_verb;
};

// Indexed by Action; the one table of wire spellings.
constexpr std::array<ActionSpelling, kActionCount> kSpellings = {{
    {"content/read", "pull"},
    {"content/write", "push"},
    {"content/delete", "delete"},
    {"metadata/read", "metadata_read"},
    {"metadata/write", "metadata_write"},
}};

const ActionSpelling& Spelling(Action a) { return kSpellings[static_cast<std::size_t>(a)]; }

}  // namespace

std::string_view ActionName(Action action) { return Spelling(action).name; }

std::string_view DockerVerb(Action action) { return Spelling(action).docker_verb; }

std::string_view ValidActionsForMessage() {
  // az sorts the set when it prints it; keep the same text so scripts that
  // match on az's message keep working.
  return "{content/delete, content/read, content/write, metadata/read, metadata/write}";
}

Result<Action> ParseAction(std::string_view text) {
  const std::string lower = ToLower(text);
  for (Action a : kAllActions) {
    if (lower == ActionName(a)) return a;
  }
  return Status::InvalidArgument("Invalid action \"" + std::string(text) + "\" provided. Valid actions are " +
                                 std::string(ValidActionsForMessage()) + ".");
}

std::optional<Action> ActionFromDockerVerb(std::string_view verb) {
  for (Action a : kAllActions) {
    if (verb == DockerVerb(a)) return a;
  }
  return std::nullopt;
}

int ActionSet::size() const { return std::popcount(bits_); }

std::vector<Action> ActionSet::ToVector() const {
  std::vector<Action> out;
  for (Action a : kAllActions) {
    if (Contains(a)) out.push_back(a);
  }
  return out;
}

std::string ActionSet::ToString() const {
  std::string out;
  for (Action a : kAllActions) {
    if (!Contains(a)) continue;
    if (!out.empty()) out += ", ";
    out += ActionName(a);
  }
  return out;
}

std::vector<std::string_view> DockerVerbs(ActionSet actions) {
  std::vector<std::string_view> out;
  for (Action a : kAllActions) {
    if (actions.Contains(a)) out.push_back(DockerVerb(a));
  }
  return out;
}

std::string DockerVerbList(ActionSet actions) {
  std::string out;
  for (Action a : kAllActions) {
    if (!actions.Contains(a)) continue;
    if (!out.empty()) out += ',';
    out += DockerVerb(a);
  }
  return out;
}

}  // namespace scopereg::auth
