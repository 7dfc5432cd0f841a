// Server: HTTP/1.1 (optionally over TLS) on Boost.Beast, with one io_context
// per thread, each accepting on the same listening socket, so request
// handling never contends on a shared queue.
//
// The server parses request headers, hands a Request/Response pair to the
// handler coroutine, and writes the response afterwards: string bodies in one
// gathered write, file bodies with sendfile(2) on plain TCP (pread + write on
// TLS). Request bodies stream through Request::ReadBody; "100 Continue" is
// sent only when the handler first reads the body, so a request refused
// before that (401, 404) never transfers its body.
//
// Limits and timeouts are explicit (http-stack.md): a header larger than
// `header_limit` gets 431; a header not complete within `header_timeout`, an
// idle keep-alive connection after `idle_timeout`, and a body or response
// that makes no progress for `stall_timeout` are closed. A malformed request
// (including a TLS ClientHello sent to a plain-HTTP port) gets an
// "HTTP/1.1 400" status line, which Go clients need for their https->http
// fallback.
//
// Thread safety: Start/Stop from one controlling thread. The handler runs on
// the server's threads, concurrently for different connections.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>

#include "scopereg/core/status.h"
#include "scopereg/http/message.h"

namespace scopereg::http {

struct TlsOptions {
  std::string cert_file;  // PEM chain
  std::string key_file;   // PEM private key
};

struct ServerOptions {
  std::string address = "127.0.0.1";
  std::uint16_t port = 5000;  // 0 picks a free port; see Server::port()
  int threads = 0;            // 0 = number of cores
  int blocking_threads = 4;   // pool for RunBlocking
  std::optional<TlsOptions> tls;
  std::size_t header_limit = 64 * 1024;
  std::chrono::seconds header_timeout{30};
  std::chrono::seconds idle_timeout{90};
  std::chrono::seconds stall_timeout{120};
  // A request the handler left with this much unread body or less is
  // drained to keep the connection; more than that closes it.
  std::size_t max_drain_bytes = 1024 * 1024;
  std::chrono::seconds shutdown_grace{20};
};

// What the server learned while serving one request; given to the
// completion callback for request logs and metrics.
struct Completion {
  const Request& request;
  const Response& response;
  std::uint64_t bytes_in;         // body bytes read
  std::uint64_t bytes_out;        // body bytes written
  std::chrono::nanoseconds duration;
  bool write_failed;              // the client went away mid-response
};

class Server {
 public:
  using Handler = std::function<Task<void>(Request&, Response&)>;
  using CompletionCallback = std::function<void(const Completion&)>;

  Server(ServerOptions options, Handler handler, CompletionCallback on_complete = nullptr);
  ~Server();
  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;

  // Binds and starts serving on background threads. kUnavailable if the
  // address cannot be bound; kInvalidArgument for a bad TLS cert/key.
  Status Start();
  // The bound port (useful with port 0). Valid after a successful Start.
  std::uint16_t port() const;
  // Stops accepting, lets in-flight requests finish (up to shutdown_grace),
  // closes idle connections, joins the threads. Idempotent.
  void Stop();
  // Blocks until Stop is called from elsewhere (e.g. a signal handler).
  void Wait();

  // Number of requests currently being handled (for metrics).
  std::int64_t active_requests() const;

 public:
  struct Impl;  // implementation detail, defined in server.cc

 private:
  std::unique_ptr<Impl> impl_;
};

// Runs `task` to completion on a private io_context and returns its value.
// For tests and CLI code that want to call a Task outside a server.
void RunTaskBlocking(std::function<Task<void>()> make_task);

}  // namespace scopereg::http
