// Writing distribution-spec errors, and the mapping from a module's Status to
// the OCI error a client sees when the handler has no more specific code.
#pragma once

#include <cstdint>
#include <string_view>

#include "scopereg/core/status.h"
#include "scopereg/http/message.h"
#include "scopereg/oci/error_code.h"

namespace scopereg::api {

// Sets status, Content-Type and the JSON error body. `status_override` (if
// non-zero) replaces the table's status, for the few places where the spec
// wants another status for the same code. Records the code in the request log.
void WriteError(http::Request& req, http::Response& res, oci::ErrorCode code, std::string_view message = {},
                std::string_view detail_json = {}, int status_override = 0);

// For a failed store lookup: `not_found_code` with `not_found_message` if
// `status` is kNotFound, otherwise WriteInternalError.
void WriteLookupError(http::Request& req, http::Response& res, const Status& status, oci::ErrorCode not_found_code,
                      std::string_view not_found_message);

// For failures of storage and metadata calls that the handler does not map
// itself: kUnavailable -> 503 UNAVAILABLE, anything unexpected -> 500 (the
// Status text goes to the log, not to the client).
void WriteInternalError(http::Request& req, http::Response& res, const Status& status);

// How many WriteInternalError calls answered 503 (a dependency unavailable)
// and 500 (anything else), process-wide since start: the storage-error
// counter of /metrics. Relaxed atomics; safe for concurrent use.
struct InternalErrorCounts {
  std::uint64_t unavailable = 0;
  std::uint64_t internal = 0;
};
InternalErrorCounts GetInternalErrorCounts();

}  // namespace scopereg::api
