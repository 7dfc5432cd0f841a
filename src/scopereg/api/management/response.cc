// Responses of the management API: the Status -> HTTP table, error bodies,
// ETags and pagination.
#include "scopereg/api/management/internal.h"
#include "scopereg/core/encoding.h"
#include "scopereg/core/log.h"
#include "scopereg/core/strings.h"

namespace scopereg::api::management::internal {

HttpError MapStatus(StatusCode code, bool if_match_sent) {
  switch (code) {
    case StatusCode::kInvalidArgument:
    case StatusCode::kOutOfRange:
      return {400, "InvalidArgument"};
    case StatusCode::kUnauthenticated:
      return {401, "Unauthorized"};
    case StatusCode::kPermissionDenied:
      return {403, "Forbidden"};
    case StatusCode::kNotFound:
      return {404, "NotFound"};
    case StatusCode::kAlreadyExists:
      return {409, "AlreadyExists"};
    case StatusCode::kFailedPrecondition:
      return {409, "FailedPrecondition"};
    case StatusCode::kAborted:
      // With If-Match the client asked "only if unchanged": RFC 9110 412.
      // Without it AccessAdmin retried and still lost: a plain conflict.
      return if_match_sent ? HttpError{412, "PreconditionFailed"} : HttpError{409, "Conflict"};
    case StatusCode::kResourceExhausted:
      // A registry-wide limit (50,000 tokens...): retrying will not help,
      // so this is not 429.
      return {409, "QuotaExceeded"};
    case StatusCode::kUnavailable:
      return {503, "ServiceUnavailable"};
    case StatusCode::kOk:
    case StatusCode::kDataLoss:
    case StatusCode::kUnimplemented:
    case StatusCode::kInternal:
      break;
  }
  return {500, "InternalError"};
}

void WriteErrorBody(http::Request& req, http::Response& res, int status, std::string_view code,
                    std::string_view message) {
  WriteJson(res, status, Json{{"error", {{"code", code}, {"message", message}}}});
  req.log().error_code = std::string(code);
}

void WriteStatus(http::Request& req, http::Response& res, const Status& st) {
  const HttpError e = MapStatus(st.code(), req.has_header("If-Match"));
  if (e.status == 500) {
    // Store messages may describe internals; they go to the log only.
    log::Error("management request failed",
               {{"correlation_id", req.correlation_id()}, {"path", req.path()}, {"status", st.ToString()}});
    WriteErrorBody(req, res, e.status, e.code,
                   "internal error (correlation id " + req.correlation_id() + ")");
    return;
  }
  if (e.status == 503) res.SetHeader("Retry-After", "1");
  WriteErrorBody(req, res, e.status, e.code, st.message());
}

bool Check(Call& c, const Status& st) {
  if (st.ok()) return true;
  WriteStatus(c.req, c.res, st);
  return false;
}

void WriteJson(http::Response& res, int status, const Json& body) {
  res.set_status(status);
  res.SetHeader("Content-Type", "application/json");
  res.SetBody(Dump(body));
}

void SetEtag(http::Response& res, std::uint64_t revision) {
  res.SetHeader("ETag", "\"" + std::to_string(revision) + "\"");
}

void WriteResource(Call& c, const Result<Json>& rendered, std::uint64_t revision, int status) {
  if (!Check(c, rendered)) return;
  SetEtag(c.res, revision);
  WriteJson(c.res, status, *rendered);
}

Result<std::optional<std::uint64_t>> ParseIfMatch(const http::Request& req) {
  std::string_view v = TrimSpace(req.header("If-Match"));
  if (v.empty() || v == "*") return std::optional<std::uint64_t>();
  if (v.starts_with("W/")) v.remove_prefix(2);
  if (v.size() >= 2 && v.front() == '"' && v.back() == '"') v = v.substr(1, v.size() - 2);
  std::optional<std::uint64_t> revision = ParseUint64(v);
  if (!revision)
    return Status::InvalidArgument("If-Match: must be an etag returned by this API, such as \"17\"");
  return revision;
}

Result<PageRequest> ParsePage(const http::Request& req, const ManagementApiOptions& options) {
  PageRequest page;
  page.n = options.default_page_size;
  if (std::optional<std::string> raw = req.QueryParam("n")) {
    std::optional<std::uint64_t> n = ParseUint64(*raw);
    if (!n || *n == 0) {
      return Status::InvalidArgument("n: must be a positive integer (at most " +
                                     std::to_string(options.max_page_size) + " are returned)");
    }
    page.n = static_cast<std::size_t>(*n);
  }
  page.n = std::min(page.n, options.max_page_size);
  page.last = req.QueryParam("last").value_or("");
  return page;
}

void SetNextLink(http::Response& res, std::string_view collection, std::string_view last, std::size_t n) {
  res.SetHeader("Link", "</api/v1/" + std::string(collection) + "?last=" + UrlEncode(last) +
                            "&n=" + std::to_string(n) + ">; rel=\"next\"");
}

}  // namespace scopereg::api::management::internal
