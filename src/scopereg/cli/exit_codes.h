// Exit codes of the operator CLI (docs/cli.md, "Exit codes"), and the one
// mapping from a failed Status to an exit code and an error line.
//
// Every command reports failure as a Status; the code decides the exit code,
// so scripts can tell "not found" from "cannot reach the registry" without
// parsing messages:
//
//   kInvalidArgument   -> 2  bad flags, or input the server rejected (400)
//   kNotFound          -> 4  the token / scope map / slot does not exist
//   kUnauthenticated   -> 5  the operator credential is missing, unreadable
//                            or rejected (401: wrong, deleted or expired)
//   kUnavailable       -> 6  the registry cannot be reached (connection,
//                            DNS, TLS, timeout); never used for HTTP answers
//   kAborted           -> 7  a confirmation was declined or impossible
//   kPermissionDenied  -> 8  the operator's role lacks the permission (403)
//   anything else      -> 1  the server refused or failed (409, 412, 5xx),
//                            or a local I/O error
//
// 3 (findings / differences) is not an error: review and diff return it.
#pragma once

#include <ostream>

#include "scopereg/core/status.h"

namespace scopereg::cli {

enum ExitCode : int {
  kExitOk = 0,
  kExitError = 1,
  kExitUsage = 2,
  kExitFindings = 3,
  kExitNotFound = 4,
  kExitAuthFailed = 5,
  kExitUnreachable = 6,
  kExitDeclined = 7,
  kExitForbidden = 8,
};

int ExitCodeFor(const Status& status);

// Writes "ERROR: <message>" (az's prefix) to `err` and returns
// ExitCodeFor(status). REQUIRES: !status.ok().
int ReportFailure(const Status& status, std::ostream& err);

}  // namespace scopereg::cli
