// The distribution-spec error codes and the one table that maps each to its
// HTTP status and default message (Distribution's errcode/register.go).
//
// Handlers choose the code (they know the context); this table chooses the
// status, so the same code never answers with two statuses.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace scopereg::oci {

enum class ErrorCode : std::uint8_t {
  kBlobUnknown,
  kBlobUploadInvalid,
  kBlobUploadUnknown,
  kDigestInvalid,
  kManifestBlobUnknown,
  kManifestInvalid,
  kManifestUnknown,
  kNameInvalid,
  kNameUnknown,
  kSizeInvalid,
  kUnauthorized,
  kDenied,
  kUnsupported,
  kTooManyRequests,
  kRangeInvalid,        // 416 on an upload chunk out of order
  kPaginationInvalid,   // a bad n= or last=
  kPreconditionFailed,  // If-Match did not match
  kUnavailable,         // storage or database failure (503)
  kInternal,            // a bug (500)
};

struct ErrorCodeInfo {
  std::string_view code;     // "BLOB_UNKNOWN"
  std::string_view message;  // "blob unknown to registry"
  int http_status;
};

const ErrorCodeInfo& Info(ErrorCode code);

// {"errors":[{"code":"...","message":"...","detail":<detail_json>}]}.
// An empty `message` uses the default; an empty `detail_json` omits detail.
std::string ErrorBody(ErrorCode code, std::string_view message = {}, std::string_view detail_json = {});

}  // namespace scopereg::oci
