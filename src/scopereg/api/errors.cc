#include "scopereg/api/errors.h"

#include <atomic>

#include "scopereg/core/log.h"

namespace scopereg::api {

namespace {
std::atomic<std::uint64_t> g_unavailable{0};
std::atomic<std::uint64_t> g_internal{0};
}  // namespace

InternalErrorCounts GetInternalErrorCounts() {
  return {g_unavailable.load(std::memory_order_relaxed), g_internal.load(std::memory_order_relaxed)};
}

void WriteError(http::Request& req, http::Response& res, oci::ErrorCode code, std::string_view message,
                std::string_view detail_json, int status_override) {
  const auto& info = oci::Info(code);
  res.set_status(status_override != 0 ? status_override : info.http_status);
  res.SetHeader("Content-Type", "application/json");
  res.SetBody(oci::ErrorBody(code, message, detail_json));
  req.log().error_code = std::string(info.code);
}

void WriteLookupError(http::Request& req, http::Response& res, const Status& status, oci::ErrorCode not_found_code,
                      std::string_view not_found_message) {
  if (status.IsNotFound()) {
    WriteError(req, res, not_found_code, not_found_message);
  } else {
    WriteInternalError(req, res, status);
  }
}

void WriteInternalError(http::Request& req, http::Response& res, const Status& status) {
  log::Error("request failed", {{"correlation_id", req.correlation_id()},
                                {"route", req.log().route},
                                {"repository", req.log().repository},
                                {"status", status.ToString()}});
  if (status.code() == StatusCode::kUnavailable || status.code() == StatusCode::kAborted) {
    g_unavailable.fetch_add(1, std::memory_order_relaxed);
    WriteError(req, res, oci::ErrorCode::kUnavailable, "storage temporarily unavailable, retry later");
    res.SetHeader("Retry-After", "1");
    return;
  }
  g_internal.fetch_add(1, std::memory_order_relaxed);
  WriteError(req, res, oci::ErrorCode::kInternal, "internal error (correlation id " + req.correlation_id() + ")");
}

}  // namespace scopereg::api
