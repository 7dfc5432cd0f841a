// HttpClient: a small synchronous HTTP(S) client over libcurl, for the
// operator CLI (which talks to the management API) and for tests.
//
// One client keeps one connection alive between calls. Not for the server's
// request path.
//
// Thread safety: one HttpClient per thread.
#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "scopereg/core/status.h"

namespace scopereg::http {

struct ClientRequest {
  std::string method = "GET";
  std::string url;
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;
  // If set, the body is pulled from here instead of `body` (returns bytes
  // written into buf, 0 at the end). Sent chunked unless a Content-Length
  // header is given.
  std::function<std::size_t(char* buf, std::size_t size)> body_reader;
  std::chrono::milliseconds timeout{60000};
};

struct ClientResponse {
  int status = 0;
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;

  // First value of header `name` (case-insensitive), "" if absent.
  std::string header(std::string_view name) const;
  std::vector<std::string> header_values(std::string_view name) const;
};

struct ClientOptions {
  bool verify_tls = true;
  std::string ca_file;  // extra CA bundle for self-signed registries
};

class HttpClient {
 public:
  explicit HttpClient(ClientOptions options = {});
  ~HttpClient();
  HttpClient(const HttpClient&) = delete;
  HttpClient& operator=(const HttpClient&) = delete;

  // kUnavailable when the server cannot be reached (message says why); any
  // HTTP status, including 4xx/5xx, is a successful exchange.
  Result<ClientResponse> Send(const ClientRequest& request);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace scopereg::http
