// Request and Response as handlers see them: no Beast, no sockets.
//
// A Request gives the method, target, headers and a pull-style body reader
// (the socket is read only when the handler asks, so a slow disk slows the
// client through TCP flow control). A Response is filled by the handler and
// written by the server afterwards; its body is a string, a shared immutable
// string (cached manifests), or a BodySource (files are sent with sendfile).
//
// Thread safety: a Request/Response pair belongs to one in-flight request and
// is used by one coroutine at a time.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "scopereg/core/status.h"
#include "scopereg/http/task.h"

namespace scopereg::http {

enum class Method : std::uint8_t { kGet, kHead, kPost, kPut, kPatch, kDelete, kOptions, kOther };

std::string_view MethodName(Method m);
Method ParseMethod(std::string_view s);
std::string_view ReasonPhrase(int status);

bool EqualsIgnoreCase(std::string_view a, std::string_view b);

// Pulls request body bytes from wherever they come from (the socket in the
// server, a string in unit tests).
class BodyReader {
 public:
  virtual ~BodyReader() = default;
  // Reads up to `size` bytes into `buf`. Returns 0 at the end of the body.
  // kUnavailable if the peer went away or the body is malformed (bad chunk
  // encoding); kOutOfRange if the body exceeds the server's limit.
  virtual Task<Result<std::size_t>> Read(char* buf, std::size_t size) = 0;
};

// Per-request facts that the handler learns and the request log reports.
struct LogContext {
  std::string route;        // e.g. "manifest", "blob_upload"
  std::string identity;     // token name, "admin", "anonymous"
  std::string repository;
  std::string error_code;   // OCI error code of a failed request
};

class Request {
 public:
  Request() = default;
  Request(const Request&) = delete;
  Request& operator=(const Request&) = delete;

  // Resets for reuse on a keep-alive connection without freeing capacity.
  void Reset(Method method, std::string_view method_string, std::string_view target);
  void AddHeader(std::string_view name, std::string_view value);
  void set_body_reader(BodyReader* reader) { body_ = reader; }
  void set_remote_address(std::string addr) { remote_address_ = std::move(addr); }
  void set_secure(bool secure) { secure_ = secure; }
  void set_correlation_id(std::string_view id) { correlation_id_.assign(id); }

  Method method() const { return method_; }
  std::string_view method_string() const { return method_string_; }
  // The raw request target, e.g. "/v2/a/b/blobs/uploads/?digest=sha256%3A..".
  std::string_view target() const { return target_; }
  // The target up to '?', still percent-encoded.
  std::string_view path() const;
  // The part after '?', raw; empty if none.
  std::string_view query() const;
  // The decoded value of the first query parameter `name` (nullopt if absent
  // or badly escaped).
  std::optional<std::string> QueryParam(std::string_view name) const;
  // Every decoded value of query parameter `name`, in order.
  std::vector<std::string> QueryParams(std::string_view name) const;

  // First value of header `name` (case-insensitive), empty if absent.
  std::string_view header(std::string_view name) const;
  bool has_header(std::string_view name) const;
  // Every value of header `name` in order (e.g. several Accept lines).
  std::vector<std::string_view> headers(std::string_view name) const;
  std::size_t header_count() const { return headers_.size(); }
  std::string_view header_name(std::size_t i) const;
  std::string_view header_value(std::size_t i) const;

  // Content-Length if present and valid.
  std::optional<std::uint64_t> content_length() const;
  bool chunked() const;
  // True if a body follows the header (Content-Length > 0, or chunked).
  bool has_body() const;

  const std::string& remote_address() const { return remote_address_; }
  bool secure() const { return secure_; }
  const std::string& correlation_id() const { return correlation_id_; }
  LogContext& log() { return log_; }
  const LogContext& log() const { return log_; }

  // Reads up to `size` body bytes; 0 at the end (see BodyReader::Read).
  Task<Result<std::size_t>> ReadBody(char* buf, std::size_t size);
  // Reads the whole body; kResourceExhausted if it exceeds `max_bytes`.
  Task<Result<std::string>> ReadBodyToString(std::size_t max_bytes);
  std::uint64_t body_bytes_read() const { return body_bytes_read_; }

 private:
  struct HeaderRef {
    std::uint32_t name_off, name_len, value_off, value_len;
  };
  Method method_ = Method::kGet;
  std::string method_string_;
  std::string target_;
  std::string header_bytes_;
  std::vector<HeaderRef> headers_;
  std::string remote_address_;
  std::string correlation_id_;
  bool secure_ = false;
  BodyReader* body_ = nullptr;
  std::uint64_t body_bytes_read_ = 0;
  LogContext log_;
};

// A response body that is produced on demand (a blob file, an S3 object,
// an export read page by page from a database).
//
// A source of known size is sent with Content-Length and read on the
// connection's thread. A source whose size() is kUnknownSize is sent with
// `Transfer-Encoding: chunked` (close-delimited to an HTTP/1.0 client), and
// its Read runs on the blocking pool (http::RunBlocking), so it may query a
// database. If such a Read fails, the server closes the connection without
// the terminating chunk: the client sees an incomplete response, never a
// truncated one that looks complete.
class BodySource {
 public:
  static constexpr std::uint64_t kUnknownSize = ~std::uint64_t{0};

  virtual ~BodySource() = default;
  // Exactly how many bytes this source produces, or kUnknownSize.
  virtual std::uint64_t size() const = 0;
  // If the bytes are a region of a file, its descriptor and start offset, so
  // the server can use sendfile(2). -1 otherwise.
  virtual int native_fd() const { return -1; }
  virtual std::uint64_t native_offset() const { return 0; }
  // Copies the next bytes into `buf`; 0 only after size() bytes. May block on
  // local disk reads.
  virtual Result<std::size_t> Read(char* buf, std::size_t size) = 0;
};

class Response {
 public:
  Response() = default;
  Response(const Response&) = delete;
  Response& operator=(const Response&) = delete;

  void Reset();

  int status() const { return status_; }
  void set_status(int status) { status_ = status; }

  // Replaces any header of the same name.
  void SetHeader(std::string_view name, std::string_view value);
  // Adds a header line even if one of that name exists.
  void AddHeader(std::string_view name, std::string_view value);
  std::string_view header(std::string_view name) const;
  std::span<const std::pair<std::string, std::string>> header_list() const { return {headers_.data(), header_count_}; }

  void SetBody(std::string body);
  void SetSharedBody(std::shared_ptr<const std::string> body);
  void SetBodySource(std::unique_ptr<BodySource> source);
  // For HEAD: announce a Content-Length without a body.
  void SetContentLengthOnly(std::uint64_t length);

  // For a chunked body (see BodySource::kUnknownSize) this is kUnknownSize.
  std::uint64_t content_length() const;
  // True if the body is a BodySource of unknown size.
  bool chunked() const { return source_ != nullptr && source_->size() == BodySource::kUnknownSize; }
  std::string_view body_view() const;  // string bodies only
  BodySource* body_source() const { return source_.get(); }
  bool has_body_source() const { return source_ != nullptr; }

  // Asks the server to close the connection after this response.
  void set_close(bool close) { close_ = close; }
  bool close() const { return close_; }

 private:
  std::span<std::pair<std::string, std::string>> header_list_mutable() { return {headers_.data(), header_count_}; }

  int status_ = 200;
  // Entries [0, header_count_) are live; later ones keep their string
  // capacity for the next response on the connection (no allocation per
  // header on a keep-alive connection).
  std::vector<std::pair<std::string, std::string>> headers_;
  std::size_t header_count_ = 0;
  std::string body_;
  std::shared_ptr<const std::string> shared_body_;
  std::unique_ptr<BodySource> source_;
  std::optional<std::uint64_t> length_only_;
  bool close_ = false;
};

}  // namespace scopereg::http
