#include "scopereg/cli/exit_codes.h"

namespace scopereg::cli {

int ExitCodeFor(const Status& status) {
  switch (status.code()) {
    case StatusCode::kOk:
      return kExitOk;
    case StatusCode::kInvalidArgument:
      return kExitUsage;
    case StatusCode::kNotFound:
      return kExitNotFound;
    case StatusCode::kUnauthenticated:
      return kExitAuthFailed;
    case StatusCode::kUnavailable:
      return kExitUnreachable;
    case StatusCode::kAborted:
      return kExitDeclined;
    case StatusCode::kPermissionDenied:
      return kExitForbidden;
    default:
      return kExitError;
  }
}

int ReportFailure(const Status& status, std::ostream& err) {
  err << "ERROR: " << status.message() << "\n";
  err.flush();
  return ExitCodeFor(status);
}

}  // namespace scopereg::cli
