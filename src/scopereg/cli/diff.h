// `scopereg diff A B`: drift between two registries or two exports
// (dev/test/prod), computed from their sanitized exports.
//
// Compared:
//   scope maps  added, removed; changed description or actions
//   tokens      added, removed; changed status, scope map (by name), or
//               actions (what the token's scope map grants on each side,
//               so a same-named map with other content is drift too);
//               with all_fields also owner, description, expiresOn,
//               labels and which password slots are set
//   admin user  enabled on one side only
// Never compared: dates, last use, operators (they differ between
// environments by nature).
//
// Pure.
#pragma once

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "scopereg/core/status.h"

namespace scopereg::cli {

struct Difference {
  std::string type;    // "scopeMap", "token", "adminUser"
  std::string name;
  std::string change;  // "added" (only in B), "removed" (only in A), "changed"
  std::string field;   // for "changed": status, scopeMap, actions, description, ...
  nlohmann::json a;    // the value in A (null if absent)
  nlohmann::json b;    // the value in B
};

struct DiffOptions {
  bool all_fields = false;
};

// kInvalidArgument if either side is not an export. Sorted by type
// (scope maps, tokens, admin user), name, field.
Result<std::vector<Difference>> DiffExports(const nlohmann::json& a, const nlohmann::json& b,
                                            const DiffOptions& options);

nlohmann::json DifferenceJson(const Difference& d);
// "status: enabled -> disabled", "actions: +repositories/x/content/write", ...
std::string DifferenceDetail(const Difference& d);

}  // namespace scopereg::cli
