#include "scopereg/http/client.h"

#include <curl/curl.h>

#include <cstring>
#include <mutex>

#include "scopereg/http/message.h"

namespace scopereg::http {

std::string ClientResponse::header(std::string_view name) const {
  for (const auto& [n, v] : headers) {
    if (EqualsIgnoreCase(n, name)) return v;
  }
  return {};
}

std::vector<std::string> ClientResponse::header_values(std::string_view name) const {
  std::vector<std::string> out;
  for (const auto& [n, v] : headers) {
    if (EqualsIgnoreCase(n, name)) out.push_back(v);
  }
  return out;
}

struct HttpClient::Impl {
  CURL* curl = nullptr;
  ClientOptions options;
};

namespace {

void GlobalInit() {
  static std::once_flag once;
  std::call_once(once, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
}

std::size_t OnBody(char* ptr, std::size_t size, std::size_t nmemb, void* user) {
  static_cast<ClientResponse*>(user)->body.append(ptr, size * nmemb);
  return size * nmemb;
}

std::size_t OnHeader(char* ptr, std::size_t size, std::size_t nmemb, void* user) {
  auto* res = static_cast<ClientResponse*>(user);
  std::string_view line(ptr, size * nmemb);
  while (!line.empty() && (line.back() == '\n' || line.back() == '\r')) line.remove_suffix(1);
  if (line.rfind("HTTP/", 0) == 0) {
    res->headers.clear();  // a new response (after 100 Continue or a redirect)
    return size * nmemb;
  }
  auto colon = line.find(':');
  if (colon != std::string_view::npos) {
    std::string_view value = line.substr(colon + 1);
    while (!value.empty() && value.front() == ' ') value.remove_prefix(1);
    res->headers.emplace_back(std::string(line.substr(0, colon)), std::string(value));
  }
  return size * nmemb;
}

struct ReadState {
  const ClientRequest* req;
  std::size_t offset = 0;
};

std::size_t OnRead(char* buf, std::size_t size, std::size_t nmemb, void* user) {
  auto* st = static_cast<ReadState*>(user);
  std::size_t cap = size * nmemb;
  if (st->req->body_reader) return st->req->body_reader(buf, cap);
  std::size_t n = std::min(cap, st->req->body.size() - st->offset);
  std::memcpy(buf, st->req->body.data() + st->offset, n);
  st->offset += n;
  return n;
}

}  // namespace

HttpClient::HttpClient(ClientOptions options) : impl_(std::make_unique<Impl>()) {
  GlobalInit();
  impl_->curl = curl_easy_init();
  impl_->options = std::move(options);
}

HttpClient::~HttpClient() {
  if (impl_->curl) curl_easy_cleanup(impl_->curl);
}

Result<ClientResponse> HttpClient::Send(const ClientRequest& request) {
  CURL* c = impl_->curl;
  if (c == nullptr) return Status::Internal("curl_easy_init failed");
  curl_easy_reset(c);
  ClientResponse res;
  ReadState rs{&request};
  curl_easy_setopt(c, CURLOPT_URL, request.url.c_str());
  curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, static_cast<long>(request.timeout.count()));
  curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, OnBody);
  curl_easy_setopt(c, CURLOPT_WRITEDATA, &res);
  curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, OnHeader);
  curl_easy_setopt(c, CURLOPT_HEADERDATA, &res);
  if (!impl_->options.verify_tls) {
    curl_easy_setopt(c, CURLOPT_SSL_VERIFYPEER, 0L);
    curl_easy_setopt(c, CURLOPT_SSL_VERIFYHOST, 0L);
  }
  if (!impl_->options.ca_file.empty()) curl_easy_setopt(c, CURLOPT_CAINFO, impl_->options.ca_file.c_str());

  const bool has_body = !request.body.empty() || request.body_reader;
  if (request.method == "HEAD") {
    curl_easy_setopt(c, CURLOPT_NOBODY, 1L);
  } else if (request.method == "GET") {
    curl_easy_setopt(c, CURLOPT_HTTPGET, 1L);
  } else {
    curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, request.method.c_str());
    if (has_body || request.method == "POST" || request.method == "PUT" || request.method == "PATCH") {
      curl_easy_setopt(c, CURLOPT_UPLOAD, 1L);
      curl_easy_setopt(c, CURLOPT_READFUNCTION, OnRead);
      curl_easy_setopt(c, CURLOPT_READDATA, &rs);
      if (!request.body_reader) {
        curl_easy_setopt(c, CURLOPT_INFILESIZE_LARGE, static_cast<curl_off_t>(request.body.size()));
      }
    }
  }
  curl_slist* hdrs = nullptr;
  bool has_expect = false;
  for (const auto& [n, v] : request.headers) {
    std::string line = n + ": " + v;
    if (v.empty()) line = n + ";";  // curl's syntax for an empty header value
    hdrs = curl_slist_append(hdrs, line.c_str());
    if (EqualsIgnoreCase(n, "Expect")) has_expect = true;
  }
  if (!has_expect) hdrs = curl_slist_append(hdrs, "Expect:");  // no 1 s wait for 100 Continue
  curl_easy_setopt(c, CURLOPT_HTTPHEADER, hdrs);
  CURLcode rc = curl_easy_perform(c);
  curl_slist_free_all(hdrs);
  if (rc != CURLE_OK) {
    return Status::Unavailable(std::string("cannot reach ") + request.url + ": " + curl_easy_strerror(rc));
  }
  long code = 0;
  curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &code);
  res.status = static_cast<int>(code);
  return res;
}

}  // namespace scopereg::http
