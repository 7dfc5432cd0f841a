// `scopereg token review`: an access review of a registry's exported state
// (GET /api/v1/export; docs/cli.md "token review"), for people and for CI
// gates (exit code 3 when anything is found).
//
// Checks (stable names, usable with --ignore):
//   token-disabled      the token is disabled (left over after offboarding?)
//   token-unowned       no owner recorded
//   token-expired       expiresOn has passed
//   token-expiring      expiresOn within --expiring-days
//   token-no-passwords  no password slot holds a password (unusable)
//   password-expired    a slot's expiry has passed
//   password-expiring   a slot's expiry is within --expiring-days
//   password-unused     a slot not used for --stale-days (or never used and
//                       older than that)
//   write-access        the token's scope map grants content/write or
//                       metadata/write
//   delete-access       ... grants content/delete
//   all-repositories    ... has an action on `*` (every repository)
//   shared-scope-map    a scope map used by more than one token
//   unused-scope-map    a user-defined scope map no token uses
//
// Pure: the caller supplies the export and the current time.
#pragma once

#include <set>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "scopereg/core/clock.h"
#include "scopereg/core/status.h"

namespace scopereg::cli {

struct ReviewOptions {
  Time now{};
  int stale_days = 90;
  int expiring_days = 30;
  std::set<std::string> ignore;  // check names to leave out
};

struct Finding {
  std::string type;    // "token" or "scopeMap"
  std::string name;
  std::string slot;    // "password1"/"password2" for password checks, else ""
  std::string check;   // one of ReviewChecks()
  std::string detail;  // what was found, for people
};

const std::vector<std::string>& ReviewChecks();

// kInvalidArgument if `state` is not an export (no tokens/scopeMaps lists)
// or an --ignore name is unknown. Findings are sorted by type (tokens
// first), name, slot, check.
Result<std::vector<Finding>> ReviewExport(const nlohmann::json& state, const ReviewOptions& options);

nlohmann::json FindingJson(const Finding& f);

// Whether `doc` looks like an export (object with "tokens" and "scopeMaps").
bool IsExportDocument(const nlohmann::json& doc);

}  // namespace scopereg::cli
