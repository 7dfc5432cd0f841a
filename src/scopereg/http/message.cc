#include "scopereg/http/message.h"

#include <charconv>

#include "scopereg/core/encoding.h"

namespace scopereg::http {

std::string_view MethodName(Method m) {
  switch (m) {
    case Method::kGet: return "GET";
    case Method::kHead: return "HEAD";
    case Method::kPost: return "POST";
    case Method::kPut: return "PUT";
    case Method::kPatch: return "PATCH";
    case Method::kDelete: return "DELETE";
    case Method::kOptions: return "OPTIONS";
    case Method::kOther: return "OTHER";
  }
  return "OTHER";
}

Method ParseMethod(std::string_view s) {
  if (s == "GET") return Method::kGet;
  if (s == "HEAD") return Method::kHead;
  if (s == "POST") return Method::kPost;
  if (s == "PUT") return Method::kPut;
  if (s == "PATCH") return Method::kPatch;
  if (s == "DELETE") return Method::kDelete;
  if (s == "OPTIONS") return Method::kOptions;
  return Method::kOther;
}

std::string_view ReasonPhrase(int status) {
  switch (status) {
    case 100: return "Continue";
    case 200: return "OK";
    case 201: return "Created";
    case 202: return "Accepted";
    case 204: return "No Content";
    case 206: return "Partial Content";
    case 301: return "Moved Permanently";
    case 302: return "Found";
    case 304: return "Not Modified";
    case 307: return "Temporary Redirect";
    case 400: return "Bad Request";
    case 401: return "Unauthorized";
    case 403: return "Forbidden";
    case 404: return "Not Found";
    case 405: return "Method Not Allowed";
    case 408: return "Request Timeout";
    case 409: return "Conflict";
    case 411: return "Length Required";
    case 412: return "Precondition Failed";
    case 413: return "Payload Too Large";
    case 414: return "URI Too Long";
    case 415: return "Unsupported Media Type";
    case 416: return "Range Not Satisfiable";
    case 429: return "Too Many Requests";
    case 431: return "Request Header Fields Too Large";
    case 500: return "Internal Server Error";
    case 501: return "Not Implemented";
    case 503: return "Service Unavailable";
    default: return "Unknown";
  }
}

bool EqualsIgnoreCase(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    char x = a[i], y = b[i];
    if (x >= 'A' && x <= 'Z') x = static_cast<char>(x - 'A' + 'a');
    if (y >= 'A' && y <= 'Z') y = static_cast<char>(y - 'A' + 'a');
    if (x != y) return false;
  }
  return true;
}

// ---- Request ---------------------------------------------------------------

void Request::Reset(Method method, std::string_view method_string, std::string_view target) {
  method_ = method;
  method_string_.assign(method_string);
  target_.assign(target);
  header_bytes_.clear();
  headers_.clear();
  body_ = nullptr;
  body_bytes_read_ = 0;
  correlation_id_.clear();
  log_ = LogContext{};
}

void Request::AddHeader(std::string_view name, std::string_view value) {
  HeaderRef ref;
  ref.name_off = static_cast<std::uint32_t>(header_bytes_.size());
  ref.name_len = static_cast<std::uint32_t>(name.size());
  header_bytes_.append(name);
  ref.value_off = static_cast<std::uint32_t>(header_bytes_.size());
  ref.value_len = static_cast<std::uint32_t>(value.size());
  header_bytes_.append(value);
  headers_.push_back(ref);
}

std::string_view Request::header_name(std::size_t i) const {
  return std::string_view(header_bytes_).substr(headers_[i].name_off, headers_[i].name_len);
}

std::string_view Request::header_value(std::size_t i) const {
  return std::string_view(header_bytes_).substr(headers_[i].value_off, headers_[i].value_len);
}

std::string_view Request::path() const {
  auto q = target_.find('?');
  return q == std::string::npos ? std::string_view(target_) : std::string_view(target_).substr(0, q);
}

std::string_view Request::query() const {
  auto q = target_.find('?');
  return q == std::string::npos ? std::string_view() : std::string_view(target_).substr(q + 1);
}

namespace {
template <typename Fn>
void ForEachQueryParam(std::string_view query, Fn&& fn) {
  while (!query.empty()) {
    auto amp = query.find('&');
    std::string_view pair = query.substr(0, amp);
    query = amp == std::string_view::npos ? std::string_view() : query.substr(amp + 1);
    if (pair.empty()) continue;
    auto eq = pair.find('=');
    std::string_view key = pair.substr(0, eq);
    std::string_view value = eq == std::string_view::npos ? std::string_view() : pair.substr(eq + 1);
    if (!fn(key, value)) return;
  }
}
}  // namespace

std::optional<std::string> Request::QueryParam(std::string_view name) const {
  std::optional<std::string> out;
  ForEachQueryParam(query(), [&](std::string_view key, std::string_view value) {
    auto k = UrlDecode(key, true);
    if (k && *k == name) {
      out = UrlDecode(value, true);
      return false;
    }
    return true;
  });
  return out;
}

std::vector<std::string> Request::QueryParams(std::string_view name) const {
  std::vector<std::string> out;
  ForEachQueryParam(query(), [&](std::string_view key, std::string_view value) {
    auto k = UrlDecode(key, true);
    if (k && *k == name) {
      if (auto v = UrlDecode(value, true)) out.push_back(std::move(*v));
    }
    return true;
  });
  return out;
}

std::string_view Request::header(std::string_view name) const {
  for (std::size_t i = 0; i < headers_.size(); ++i) {
    if (EqualsIgnoreCase(header_name(i), name)) return header_value(i);
  }
  return {};
}

bool Request::has_header(std::string_view name) const {
  for (std::size_t i = 0; i < headers_.size(); ++i) {
    if (EqualsIgnoreCase(header_name(i), name)) return true;
  }
  return false;
}

std::vector<std::string_view> Request::headers(std::string_view name) const {
  std::vector<std::string_view> out;
  for (std::size_t i = 0; i < headers_.size(); ++i) {
    if (EqualsIgnoreCase(header_name(i), name)) out.push_back(header_value(i));
  }
  return out;
}

std::optional<std::uint64_t> Request::content_length() const {
  std::string_view v = header("Content-Length");
  if (v.empty()) return std::nullopt;
  std::uint64_t n = 0;
  auto [p, ec] = std::from_chars(v.data(), v.data() + v.size(), n);
  if (ec != std::errc() || p != v.data() + v.size()) return std::nullopt;
  return n;
}

bool Request::chunked() const {
  std::string_view te = header("Transfer-Encoding");
  // "chunked" must be the last coding (RFC 9112 6.1).
  if (te.size() < 7) return false;
  std::string_view last = te.substr(te.size() - 7);
  return EqualsIgnoreCase(last, "chunked");
}

bool Request::has_body() const {
  if (chunked()) return true;
  auto n = content_length();
  return n && *n > 0;
}

Task<Result<std::size_t>> Request::ReadBody(char* buf, std::size_t size) {
  if (body_ == nullptr) co_return std::size_t{0};
  auto r = co_await body_->Read(buf, size);
  if (r.ok()) body_bytes_read_ += *r;
  co_return r;
}

Task<Result<std::string>> Request::ReadBodyToString(std::size_t max_bytes) {
  std::string out;
  if (auto n = content_length(); n && *n <= max_bytes) out.reserve(static_cast<std::size_t>(*n));
  char buf[16 * 1024];
  for (;;) {
    auto r = co_await ReadBody(buf, sizeof buf);
    if (!r.ok()) co_return r.status();
    if (*r == 0) break;
    if (out.size() + *r > max_bytes) {
      co_return Status::ResourceExhausted("request body is larger than " + std::to_string(max_bytes) +
                                          " bytes");
    }
    out.append(buf, *r);
  }
  co_return out;
}

// ---- Response --------------------------------------------------------------

void Response::Reset() {
  status_ = 200;
  header_count_ = 0;
  body_.clear();
  shared_body_.reset();
  source_.reset();
  length_only_.reset();
  close_ = false;
}

void Response::SetHeader(std::string_view name, std::string_view value) {
  for (auto& [n, v] : header_list_mutable()) {
    if (EqualsIgnoreCase(n, name)) {
      v.assign(value);
      return;
    }
  }
  AddHeader(name, value);
}

void Response::AddHeader(std::string_view name, std::string_view value) {
  if (header_count_ == headers_.size()) headers_.emplace_back();
  headers_[header_count_].first.assign(name);
  headers_[header_count_].second.assign(value);
  ++header_count_;
}

std::string_view Response::header(std::string_view name) const {
  for (const auto& [n, v] : header_list()) {
    if (EqualsIgnoreCase(n, name)) return v;
  }
  return {};
}

void Response::SetBody(std::string body) {
  body_ = std::move(body);
  shared_body_.reset();
  source_.reset();
  length_only_.reset();
}

void Response::SetSharedBody(std::shared_ptr<const std::string> body) {
  body_.clear();
  shared_body_ = std::move(body);
  source_.reset();
  length_only_.reset();
}

void Response::SetBodySource(std::unique_ptr<BodySource> source) {
  body_.clear();
  shared_body_.reset();
  source_ = std::move(source);
  length_only_.reset();
}

void Response::SetContentLengthOnly(std::uint64_t length) {
  body_.clear();
  shared_body_.reset();
  source_.reset();
  length_only_ = length;
}

std::uint64_t Response::content_length() const {
  if (length_only_) return *length_only_;
  if (source_) return source_->size();
  if (shared_body_) return shared_body_->size();
  return body_.size();
}

std::string_view Response::body_view() const {
  if (shared_body_) return *shared_body_;
  return body_;
}

}  // namespace scopereg::http
