// Scope-map actions from az-style command lines, and the client-side
// arithmetic of `scope-map update`.
//
// `--repository REPO ACTION [ACTION...]` (repeatable) becomes
// "repositories/<repo>/<action>" strings, lower-cased, as az's
// parse_scope_map_actions does, with az's messages:
//   At least one action must be specified with "<repo>".
//   Invalid action "<x>" provided. Valid actions are {content/delete,
//   content/read, content/write, metadata/read, metadata/write}.
// The server validates again (patterns, limits); this catches typos before
// anything is sent.
//
// Pure functions.
#pragma once

#include <string>
#include <vector>

#include "scopereg/core/status.h"

namespace scopereg::cli {

using RepositoryArgs = std::vector<std::vector<std::string>>;

Result<std::vector<std::string>> ActionsFromRepositoryArgs(const RepositoryArgs& groups);

// (current ∪ add) − remove, compared case-insensitively, keeping current
// entries as the server spelled them; sorted. kInvalidArgument with az's
// "Update ambiguity. Duplicate actions were provided with --add and
// --remove arguments." when an action is in both.
Result<std::vector<std::string>> ApplyActionChanges(const std::vector<std::string>& current,
                                                    const std::vector<std::string>& add,
                                                    const std::vector<std::string>& remove);

// The five repository actions.
const std::vector<std::string>& ValidRepositoryActions();

// "repositories/team/app/content/read" -> {"team/app", "content/read"};
// {"", ""} if it is not a repository action.
std::pair<std::string, std::string> SplitAction(const std::string& action);

}  // namespace scopereg::cli
