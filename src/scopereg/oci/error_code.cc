#include "scopereg/oci/error_code.h"

#include "scopereg/core/strings.h"

namespace scopereg::oci {

const ErrorCodeInfo& Info(ErrorCode code) {
  static const ErrorCodeInfo kTable[] = {
      {"BLOB_UNKNOWN", "blob unknown to registry", 404},
      {"BLOB_UPLOAD_INVALID", "blob upload invalid", 400},
      {"BLOB_UPLOAD_UNKNOWN", "blob upload unknown to registry", 404},
      {"DIGEST_INVALID", "provided digest did not match uploaded content", 400},
      {"MANIFEST_BLOB_UNKNOWN", "manifest references a manifest or blob unknown to registry", 400},
      {"MANIFEST_INVALID", "manifest invalid", 400},
      {"MANIFEST_UNKNOWN", "manifest unknown to registry", 404},
      {"NAME_INVALID", "invalid repository name", 400},
      {"NAME_UNKNOWN", "repository name not known to registry", 404},
      {"SIZE_INVALID", "provided length did not match content length", 400},
      {"UNAUTHORIZED", "authentication required", 401},
      {"DENIED", "requested access to the resource is denied", 403},
      {"UNSUPPORTED", "the operation is unsupported", 405},
      {"TOOMANYREQUESTS", "too many requests", 429},
      {"BLOB_UPLOAD_INVALID", "requested range not satisfiable", 416},
      {"PAGINATION_NUMBER_INVALID", "invalid number of results requested", 400},
      {"PRECONDITION_FAILED", "the manifest does not match If-Match", 412},
      {"UNAVAILABLE", "service unavailable", 503},
      {"UNKNOWN", "unknown error", 500},
  };
  static_assert(sizeof(kTable) / sizeof(kTable[0]) == static_cast<std::size_t>(ErrorCode::kInternal) + 1);
  return kTable[static_cast<std::size_t>(code)];
}

std::string ErrorBody(ErrorCode code, std::string_view message, std::string_view detail_json) {
  const ErrorCodeInfo& info = Info(code);
  std::string out = "{\"errors\":[{\"code\":";
  AppendJsonString(out, info.code);
  out += ",\"message\":";
  AppendJsonString(out, message.empty() ? info.message : message);
  if (!detail_json.empty()) {
    out += ",\"detail\":";
    out += detail_json;
  }
  out += "}]}";
  return out;
}

}  // namespace scopereg::oci
