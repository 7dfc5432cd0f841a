// The only translation unit that includes Beast and the full Asio: keep it so
// (each such file costs ~25 s to compile).
#include <utility>
// clang-format off
#include <boost/asio.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
// clang-format on

#include "scopereg/http/server.h"

#include <sys/sendfile.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <array>
#include <charconv>
#include <chrono>
#include <condition_variable>
#include <cstring>
#include <ctime>
#include <limits>
#include <list>
#include <mutex>
#include <random>
#include <thread>
#include <vector>

namespace scopereg::http {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
using tcp = asio::ip::tcp;
using SteadyTime = std::chrono::steady_clock::time_point;

namespace {

std::atomic<asio::thread_pool*> g_blocking_pool{nullptr};

constexpr std::size_t kBodyChunk = 256 * 1024;

// "Sun, 29 Nov 2026 16:08:31 GMT", formatted at most once per second per thread.
const std::string& HttpDate() {
  thread_local std::time_t cached_second = 0;
  thread_local std::string cached;
  std::time_t now = std::time(nullptr);
  if (now != cached_second) {
    std::tm tm{};
    gmtime_r(&now, &tm);
    char buf[64];
    std::strftime(buf, sizeof buf, "%a, %d %b %Y %H:%M:%S GMT", &tm);
    cached.assign(buf);
    cached_second = now;
  }
  return cached;
}

// Correlation ids need to be unique, not secret: a per-thread PRNG seeded
// from the OS is enough. Written into `out` (32 hex characters) so the
// request's string keeps its capacity from one request to the next.
//
// Time-ordered: 12 hex characters of Unix milliseconds, then 20 random
// ones (80 bits). The audit log indexes correlation ids; ids that grow with
// time are inserted at the index's right edge, where fully random ones
// dirtied a random index page per event (about 4 KiB of WAL each).
void NewCorrelationId(char (&out)[32]) {
  thread_local std::mt19937_64 rng{std::random_device{}()};
  static constexpr char kHex[] = "0123456789abcdef";
  const auto millis = static_cast<std::uint64_t>(
      std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
          .count());
  const std::uint64_t a = rng(), b = rng();
  for (int i = 0; i < 12; ++i) out[i] = kHex[(millis >> ((11 - i) * 4)) & 15];
  for (int i = 0; i < 16; ++i) out[12 + i] = kHex[(a >> (i * 4)) & 15];
  for (int i = 0; i < 4; ++i) out[28 + i] = kHex[(b >> (i * 4)) & 15];
}

enum class Phase : std::uint8_t { kIdle, kHandshake, kHeader, kHandler, kBody, kWrite };

struct SessionBase {
  Phase phase = Phase::kIdle;
  SteadyTime phase_start{};
  SteadyTime last_progress{};
  bool first_request = true;
  std::function<std::size_t()> buffered_bytes;  // bytes of a partial header
  std::function<void()> close;
  std::list<SessionBase*>::iterator self;
};

}  // namespace

namespace {

struct Worker {
  Server::Impl* server = nullptr;
  // Declared before `ioc` so it outlives it: destroying the io_context
  // destroys suspended session coroutines, whose Session destructor
  // unregisters from this list.
  std::list<SessionBase*> sessions;
  asio::io_context ioc{1};
  std::optional<tcp::acceptor> acceptor;
  std::optional<asio::steady_timer> sweeper;
  std::thread thread;
};

}  // namespace

struct Server::Impl {
  ServerOptions options;
  Handler handler;
  CompletionCallback on_complete;
  std::vector<std::unique_ptr<Worker>> workers;
  std::unique_ptr<asio::thread_pool> blocking;
  std::optional<asio::ssl::context> tls;
  std::uint16_t bound_port = 0;
  std::atomic<bool> stopping{false};
  std::atomic<std::int64_t> session_count{0};
  std::atomic<std::int64_t> active_requests{0};
  bool started = false;
  bool stopped = false;
  std::mutex wait_mu;
  std::condition_variable wait_cv;

  Status Bind(Worker& w, const Worker* first);
  asio::awaitable<void> Accept(Worker& w);
  asio::awaitable<void> Sweep(Worker& w);
  template <typename Stream>
  asio::awaitable<void> Serve(Worker& w, Stream stream, std::string remote);
};

namespace {

// One connection: reads requests in a loop, runs the handler, writes the
// response. Lives in the coroutine frame of Server::Impl::Serve.
template <typename Stream>
class Session final : public SessionBase, public BodyReader {
 public:
  Session(Server::Impl& server, Worker& worker, Stream& stream)
      : server_(server), worker_(worker), stream_(stream) {
    buffer_.reserve(64 * 1024);  // http-stack.md pitfall 3
    buffered_bytes = [this] { return buffer_.size(); };
    close = [this] {
      beast::error_code ec;
      beast::get_lowest_layer(stream_).cancel(ec);
      beast::get_lowest_layer(stream_).close(ec);
    };
    worker_.sessions.push_front(this);
    self = worker_.sessions.begin();
  }
  ~Session() override { worker_.sessions.erase(self); }

  asio::awaitable<void> Run(std::string remote);
  asio::awaitable<Result<std::size_t>> Read(char* buf, std::size_t size) override;

 private:
  void SetPhase(Phase p) {
    phase = p;
    phase_start = last_progress = std::chrono::steady_clock::now();
  }
  void Progress() { last_progress = std::chrono::steady_clock::now(); }

  asio::awaitable<bool> WriteSimple(int status, std::string_view body, bool close_after);
  asio::awaitable<bool> WriteResponse(bool keep_alive, std::uint64_t& bytes_out);
  asio::awaitable<bool> WriteSource(BodySource& source, std::uint64_t& bytes_out);
  // A source of unknown size: chunked framing when `framed`, else raw bytes
  // until the connection closes (HTTP/1.0).
  asio::awaitable<bool> WriteChunked(BodySource& source, bool framed, std::uint64_t& bytes_out);
  asio::awaitable<bool> DrainBody();

  Server::Impl& server_;
  Worker& worker_;
  Stream& stream_;
  beast::flat_buffer buffer_;
  std::optional<bhttp::request_parser<bhttp::empty_body>> header_parser_;
  std::optional<bhttp::request_parser<bhttp::buffer_body>> body_parser_;
  bool expect_continue_ = false;
  bool continue_sent_ = false;
  bool body_done_ = true;
  bool body_failed_ = false;
  bool http11_ = true;  // the request's version is HTTP/1.1 (chunked responses)
  Request request_;
  Response response_;
  std::string head_;
  std::vector<char> io_buffer_;
};

template <typename Stream>
asio::awaitable<Result<std::size_t>> Session<Stream>::Read(char* out, std::size_t size) {
  if (body_done_ || size == 0) co_return std::size_t{0};
  if (body_failed_) co_return Status::Unavailable("request body already failed");
  if (!body_parser_) {
    if (expect_continue_ && !continue_sent_) {
      static constexpr std::string_view kContinue = "HTTP/1.1 100 Continue\r\n\r\n";
      beast::error_code ec;
      co_await asio::async_write(stream_, asio::buffer(kContinue.data(), kContinue.size()),
                                 asio::redirect_error(asio::use_awaitable, ec));
      if (ec) {
        body_failed_ = true;
        co_return Status::Unavailable("client went away");
      }
      continue_sent_ = true;
    }
    body_parser_.emplace(std::move(*header_parser_));
    header_parser_.reset();
  }
  if (body_parser_->is_done()) {
    body_done_ = true;
    co_return std::size_t{0};
  }
  SetPhase(Phase::kBody);
  std::size_t got = 0;
  while (got == 0 && !body_parser_->is_done()) {
    body_parser_->get().body().data = out;
    body_parser_->get().body().size = size;
    beast::error_code ec;
    co_await bhttp::async_read_some(stream_, buffer_, *body_parser_,
                                    asio::redirect_error(asio::use_awaitable, ec));
    if (ec == bhttp::error::need_buffer) ec = {};
    got = size - body_parser_->get().body().size;
    Progress();
    if (ec) {
      body_failed_ = true;
      SetPhase(Phase::kHandler);
      if (ec == bhttp::error::body_limit) co_return Status::OutOfRange("request body too large");
      co_return Status::Unavailable("reading request body: " + ec.message());
    }
  }
  if (body_parser_->is_done() && got == 0) body_done_ = true;
  SetPhase(Phase::kHandler);
  co_return got;
}

template <typename Stream>
asio::awaitable<bool> Session<Stream>::WriteSimple(int status, std::string_view body, bool close_after) {
  head_.clear();
  head_ += "HTTP/1.1 ";
  head_ += std::to_string(status);
  head_ += ' ';
  head_ += ReasonPhrase(status);
  head_ += "\r\nContent-Type: text/plain\r\nContent-Length: ";
  head_ += std::to_string(body.size());
  if (close_after) head_ += "\r\nConnection: close";
  head_ += "\r\n\r\n";
  head_ += body;
  beast::error_code ec;
  SetPhase(Phase::kWrite);
  co_await asio::async_write(stream_, asio::buffer(head_), asio::redirect_error(asio::use_awaitable, ec));
  co_return !ec;
}

template <typename Stream>
asio::awaitable<bool> Session<Stream>::WriteSource(BodySource& source, std::uint64_t& bytes_out) {
  std::uint64_t remaining = source.size();
  if constexpr (std::is_same_v<Stream, tcp::socket>) {
    int fd = source.native_fd();
    if (fd >= 0) {
      // Zero-copy path (http-stack.md: 0.08 s CPU per GiB vs 1.3 s for file_body).
      off_t offset = static_cast<off_t>(source.native_offset());
      int sock = stream_.native_handle();
      if (!stream_.native_non_blocking()) {
        beast::error_code ec;
        stream_.native_non_blocking(true, ec);
        if (ec) co_return false;
      }
      while (remaining > 0) {
        std::size_t want = static_cast<std::size_t>(std::min<std::uint64_t>(remaining, 64u << 20));
        ssize_t n = ::sendfile(sock, fd, &offset, want);
        if (n > 0) {
          remaining -= static_cast<std::uint64_t>(n);
          bytes_out += static_cast<std::uint64_t>(n);
          Progress();
          continue;
        }
        if (n < 0 && errno == EINTR) continue;
        if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
          beast::error_code ec;
          co_await stream_.async_wait(tcp::socket::wait_write, asio::redirect_error(asio::use_awaitable, ec));
          if (ec) co_return false;
          continue;
        }
        co_return false;  // n == 0: the file is shorter than announced
      }
      co_return true;
    }
  }
  if (io_buffer_.size() < kBodyChunk) io_buffer_.resize(kBodyChunk);
  while (remaining > 0) {
    std::size_t want = static_cast<std::size_t>(std::min<std::uint64_t>(remaining, io_buffer_.size()));
    auto r = source.Read(io_buffer_.data(), want);
    if (!r.ok() || *r == 0) co_return false;
    beast::error_code ec;
    co_await asio::async_write(stream_, asio::buffer(io_buffer_.data(), *r),
                               asio::redirect_error(asio::use_awaitable, ec));
    if (ec) co_return false;
    remaining -= *r;
    bytes_out += *r;
    Progress();
  }
  co_return true;
}

template <typename Stream>
asio::awaitable<bool> Session<Stream>::WriteChunked(BodySource& source, bool framed, std::uint64_t& bytes_out) {
  if (io_buffer_.size() < kBodyChunk) io_buffer_.resize(kBodyChunk);
  beast::error_code ec;
  for (;;) {
    Result<std::size_t> r = Status::Internal("body source not read");
    co_await RunBlocking([&] { r = source.Read(io_buffer_.data(), io_buffer_.size()); });
    Progress();
    // No terminating chunk: the client must not take a failed body for a
    // complete one.
    if (!r.ok()) co_return false;
    if (*r == 0) break;
    char size_line[24];
    auto [end, ec0] = std::to_chars(size_line, size_line + sizeof size_line - 2, *r, 16);
    (void)ec0;
    *end++ = '\r';
    *end++ = '\n';
    std::array<asio::const_buffer, 3> bufs{asio::buffer(size_line, static_cast<std::size_t>(end - size_line)),
                                           asio::buffer(io_buffer_.data(), *r), asio::buffer("\r\n", 2)};
    if (framed) {
      co_await asio::async_write(stream_, bufs, asio::redirect_error(asio::use_awaitable, ec));
    } else {
      co_await asio::async_write(stream_, bufs[1], asio::redirect_error(asio::use_awaitable, ec));
    }
    if (ec) co_return false;
    bytes_out += *r;
    Progress();
  }
  if (framed) {
    co_await asio::async_write(stream_, asio::buffer("0\r\n\r\n", 5), asio::redirect_error(asio::use_awaitable, ec));
    if (ec) co_return false;
  }
  co_return true;
}

template <typename Stream>
asio::awaitable<bool> Session<Stream>::WriteResponse(bool keep_alive, std::uint64_t& bytes_out) {
  const int status = response_.status();
  const bool no_body_status = status == 204 || status == 304 || (status >= 100 && status < 200);
  const bool head = request_.method() == Method::kHead;
  head_.clear();
  head_ += "HTTP/1.1 ";
  char num[24];
  auto [end, ec0] = std::to_chars(num, num + sizeof num, status);
  (void)ec0;
  head_.append(num, end);
  head_ += ' ';
  head_ += ReasonPhrase(status);
  head_ += "\r\nDate: ";
  head_ += HttpDate();
  head_ += "\r\n";
  for (const auto& [name, value] : response_.header_list()) {
    head_ += name;
    head_ += ": ";
    head_ += value;
    head_ += "\r\n";
  }
  const bool chunked = !no_body_status && response_.chunked();
  std::uint64_t length = no_body_status || chunked ? 0 : response_.content_length();
  if (chunked) {
    // HTTP/1.0 has no chunked coding: the body ends when the connection
    // does (the caller closes it, see Run).
    if (http11_) head_ += "Transfer-Encoding: chunked\r\n";
  } else if (!no_body_status) {
    head_ += "Content-Length: ";
    auto [e2, ec1] = std::to_chars(num, num + sizeof num, length);
    (void)ec1;
    head_.append(num, e2);
    head_ += "\r\n";
  }
  if (!keep_alive) head_ += "Connection: close\r\n";
  head_ += "\r\n";

  SetPhase(Phase::kWrite);
  beast::error_code ec;
  const bool send_body = !head && !no_body_status && length > 0;
  if (send_body && !response_.has_body_source()) {
    std::string_view body = response_.body_view();
    std::array<asio::const_buffer, 2> bufs{asio::buffer(head_), asio::buffer(body.data(), body.size())};
    co_await asio::async_write(stream_, bufs, asio::redirect_error(asio::use_awaitable, ec));
    if (ec) co_return false;
    bytes_out += body.size();
    co_return true;
  }
  co_await asio::async_write(stream_, asio::buffer(head_), asio::redirect_error(asio::use_awaitable, ec));
  if (ec) co_return false;
  if (send_body) co_return co_await WriteSource(*response_.body_source(), bytes_out);
  if (chunked && !head) co_return co_await WriteChunked(*response_.body_source(), http11_, bytes_out);
  co_return true;
}

template <typename Stream>
asio::awaitable<bool> Session<Stream>::DrainBody() {
  char sink[16 * 1024];
  std::uint64_t drained = 0;
  for (;;) {
    auto r = co_await Read(sink, sizeof sink);
    if (!r.ok()) co_return false;
    if (*r == 0) co_return true;
    drained += *r;
    if (drained > server_.options.max_drain_bytes) co_return false;
  }
}

template <typename Stream>
asio::awaitable<void> Session<Stream>::Run(std::string remote) {
  const auto& opts = server_.options;
  request_.set_remote_address(std::move(remote));  // once per connection
  for (;;) {
    // Stop() sets the flag before it posts the close of idle sessions to
    // this thread, so a session that finished a response in between either
    // sees the flag here or is idle when the close runs.
    if (server_.stopping.load(std::memory_order_relaxed)) co_return;
    SetPhase(Phase::kHeader);
    header_parser_.emplace();
    header_parser_->header_limit(static_cast<std::uint32_t>(opts.header_limit));
    // Not boost::none: broken in 1.74 (http-stack.md pitfall 2). Per-route
    // limits are enforced by the handlers.
    header_parser_->body_limit(std::numeric_limits<std::uint64_t>::max());
    body_parser_.reset();
    beast::error_code ec;
    co_await bhttp::async_read_header(stream_, buffer_, *header_parser_,
                                      asio::redirect_error(asio::use_awaitable, ec));
    first_request = false;
    if (ec) {
      if (ec == bhttp::error::end_of_stream || ec == asio::error::eof ||
          ec == asio::error::operation_aborted || ec == asio::error::connection_reset) {
        co_return;
      }
      if (ec == bhttp::error::header_limit) {
        co_await WriteSimple(431, "request header too large\n", true);
      } else if (ec.category() == bhttp::make_error_code(bhttp::error::bad_method).category()) {
        // Also what a TLS ClientHello on a plain port ends up as.
        co_await WriteSimple(400, "malformed HTTP request\n", true);
      }
      co_return;
    }
    auto& msg = header_parser_->get();
    request_.Reset(ParseMethod(std::string_view(msg.method_string().data(), msg.method_string().size())),
                   std::string_view(msg.method_string().data(), msg.method_string().size()),
                   std::string_view(msg.target().data(), msg.target().size()));
    for (const auto& field : msg) {
      request_.AddHeader(std::string_view(field.name_string().data(), field.name_string().size()),
                         std::string_view(field.value().data(), field.value().size()));
    }
    request_.set_secure(!std::is_same_v<Stream, tcp::socket>);
    char correlation_id[32];
    NewCorrelationId(correlation_id);
    request_.set_correlation_id(std::string_view(correlation_id, sizeof correlation_id));
    response_.Reset();
    expect_continue_ = EqualsIgnoreCase(request_.header("Expect"), "100-continue");
    continue_sent_ = false;
    body_failed_ = false;
    body_done_ = !(header_parser_->chunked() || (header_parser_->content_length() &&
                                                *header_parser_->content_length() > 0));
    request_.set_body_reader(this);
    bool keep_alive = msg.keep_alive();
    http11_ = msg.version() >= 11;

    SetPhase(Phase::kHandler);
    const auto started = std::chrono::steady_clock::now();
    server_.active_requests.fetch_add(1, std::memory_order_relaxed);
    try {
      co_await server_.handler(request_, response_);
    } catch (const std::exception&) {
      response_.Reset();
      response_.set_status(500);
      response_.SetHeader("Content-Type", "text/plain");
      response_.SetBody("internal server error\n");
    }
    server_.active_requests.fetch_sub(1, std::memory_order_relaxed);

    if (!body_done_) {
      // The handler did not consume the body. Reading it keeps the
      // connection; if the client still waits for 100 Continue, or the rest
      // is large, closing is cheaper and safe.
      bool drained = false;
      if (!body_failed_ && (!expect_continue_ || continue_sent_)) {
        auto remaining = body_parser_ ? body_parser_->content_length_remaining()
                                      : header_parser_->content_length();
        if (remaining && *remaining <= opts.max_drain_bytes) drained = co_await DrainBody();
      }
      if (!drained) keep_alive = false;
    }
    if (body_failed_ || response_.close() || server_.stopping.load(std::memory_order_relaxed) ||
        (!http11_ && response_.chunked())) {
      keep_alive = false;
    }
    std::uint64_t bytes_out = 0;
    bool ok = co_await WriteResponse(keep_alive, bytes_out);
    if (server_.on_complete) {
      Completion c{request_, response_, request_.body_bytes_read(), bytes_out,
                   std::chrono::steady_clock::now() - started, !ok};
      server_.on_complete(c);
    }
    response_.Reset();  // releases files and shared bodies now, not at next request
    if (!ok || !keep_alive) {
      beast::error_code ignored;
      beast::get_lowest_layer(stream_).shutdown(tcp::socket::shutdown_send, ignored);
      co_return;
    }
    SetPhase(Phase::kIdle);
  }
}

}  // namespace

// ---- Server::Impl ------------------------------------------------------------

// Only the first worker binds. The others accept on a dup() of the same
// listening socket: each io_context still accepts for itself, and unlike
// SO_REUSEPORT no other process can bind the port beside us and silently
// take a share of the connections.
Status Server::Impl::Bind(Worker& w, const Worker* first) {
  beast::error_code ec;
  w.acceptor.emplace(w.ioc);
  if (first != nullptr) {
    int fd = ::dup(const_cast<Worker*>(first)->acceptor->native_handle());
    if (fd < 0) return Status::Unavailable(std::string("dup: ") + std::strerror(errno));
    w.acceptor->assign(first->acceptor->local_endpoint().protocol(), fd, ec);
    if (ec) {
      ::close(fd);
      return Status::Unavailable("assign listening socket: " + ec.message());
    }
    return Status::Ok();
  }
  auto addr = asio::ip::make_address(options.address, ec);
  if (ec) return Status::InvalidArgument("bad listen address '" + options.address + "'");
  tcp::endpoint ep(addr, options.port);
  w.acceptor->open(ep.protocol(), ec);
  if (ec) return Status::Unavailable("socket: " + ec.message());
  w.acceptor->set_option(asio::socket_base::reuse_address(true), ec);
  w.acceptor->bind(ep, ec);
  if (ec) {
    return Status::Unavailable("cannot listen on " + options.address + ":" + std::to_string(options.port) +
                               ": " + ec.message());
  }
  w.acceptor->listen(asio::socket_base::max_listen_connections, ec);
  if (ec) return Status::Unavailable("listen: " + ec.message());
  return Status::Ok();
}

asio::awaitable<void> Server::Impl::Accept(Worker& w) {
  for (;;) {
    beast::error_code ec;
    tcp::socket socket = co_await w.acceptor->async_accept(asio::redirect_error(asio::use_awaitable, ec));
    if (ec) {
      if (stopping || ec == asio::error::operation_aborted) co_return;
      continue;  // EMFILE and friends: keep accepting
    }
    socket.set_option(tcp::no_delay(true), ec);
    std::string remote;
    auto ep = socket.remote_endpoint(ec);
    if (!ec) remote = ep.address().to_string();
    if (tls) {
      asio::co_spawn(w.ioc,
                     Serve(w, asio::ssl::stream<tcp::socket>(std::move(socket), *tls), std::move(remote)),
                     asio::detached);
    } else {
      asio::co_spawn(w.ioc, Serve(w, std::move(socket), std::move(remote)), asio::detached);
    }
  }
}

template <typename Stream>
asio::awaitable<void> Server::Impl::Serve(Worker& w, Stream stream, std::string remote) {
  session_count.fetch_add(1);
  {
    Session<Stream> session(*this, w, stream);
    if constexpr (!std::is_same_v<Stream, tcp::socket>) {
      session.phase = Phase::kHandshake;
      session.phase_start = session.last_progress = std::chrono::steady_clock::now();
      beast::error_code ec;
      co_await stream.async_handshake(asio::ssl::stream_base::server,
                                      asio::redirect_error(asio::use_awaitable, ec));
      if (!ec) co_await session.Run(std::move(remote));
    } else {
      co_await session.Run(std::move(remote));
    }
  }
  beast::error_code ec;
  beast::get_lowest_layer(stream).close(ec);
  if (session_count.fetch_sub(1) == 1) {
    std::lock_guard lock(wait_mu);
    wait_cv.notify_all();
  }
}

asio::awaitable<void> Server::Impl::Sweep(Worker& w) {
  for (;;) {
    w.sweeper->expires_after(std::chrono::seconds(1));
    beast::error_code ec;
    co_await w.sweeper->async_wait(asio::redirect_error(asio::use_awaitable, ec));
    if (ec) co_return;
    const auto now = std::chrono::steady_clock::now();
    std::vector<SessionBase*> expired;
    for (SessionBase* s : w.sessions) {
      bool expire = false;
      switch (s->phase) {
        case Phase::kHandshake:
          expire = now - s->phase_start > options.header_timeout;
          break;
        case Phase::kHeader:
          // A connection with no byte of the next request is idle; once bytes
          // arrive the whole header must come within header_timeout.
          if (s->buffered_bytes() > 0 || s->first_request) {
            expire = now - s->phase_start > options.header_timeout;
          } else {
            expire = stopping || now - s->phase_start > options.idle_timeout;
          }
          break;
        case Phase::kBody:
        case Phase::kWrite:
          expire = now - s->last_progress > options.stall_timeout;
          break;
        case Phase::kIdle:
          expire = stopping;
          break;
        case Phase::kHandler:
          break;
      }
      if (expire) expired.push_back(s);
    }
    for (SessionBase* s : expired) s->close();
  }
}

// ---- Server ----------------------------------------------------------------

Server::Server(ServerOptions options, Handler handler, CompletionCallback on_complete)
    : impl_(std::make_unique<Impl>()) {
  impl_->options = std::move(options);
  impl_->handler = std::move(handler);
  impl_->on_complete = std::move(on_complete);
}

Server::~Server() { Stop(); }

Status Server::Start() {
  auto& im = *impl_;
  if (im.started) return Status::FailedPrecondition("server already started");
  if (im.options.tls) {
    im.tls.emplace(asio::ssl::context::tls_server);
    beast::error_code ec;
    im.tls->set_options(asio::ssl::context::default_workarounds | asio::ssl::context::no_sslv2 |
                        asio::ssl::context::no_sslv3 | asio::ssl::context::no_tlsv1 |
                        asio::ssl::context::no_tlsv1_1);
    im.tls->use_certificate_chain_file(im.options.tls->cert_file, ec);
    if (ec) return Status::InvalidArgument("tls.cert_file: " + ec.message());
    im.tls->use_private_key_file(im.options.tls->key_file, asio::ssl::context::pem, ec);
    if (ec) return Status::InvalidArgument("tls.key_file: " + ec.message());
  }
  int n = im.options.threads > 0 ? im.options.threads
                                 : static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  for (int i = 0; i < n; ++i) {
    auto w = std::make_unique<Worker>();
    w->server = &im;
    SCOPEREG_RETURN_IF_ERROR(im.Bind(*w, i == 0 ? nullptr : im.workers.front().get()));
    if (i == 0) im.bound_port = w->acceptor->local_endpoint().port();
    im.workers.push_back(std::move(w));
  }
  im.blocking = std::make_unique<asio::thread_pool>(static_cast<std::size_t>(std::max(1, im.options.blocking_threads)));
  g_blocking_pool.store(im.blocking.get());
  for (auto& w : im.workers) {
    w->sweeper.emplace(w->ioc);
    asio::co_spawn(w->ioc, im.Accept(*w), asio::detached);
    asio::co_spawn(w->ioc, im.Sweep(*w), asio::detached);
    w->thread = std::thread([wp = w.get()] {
      for (;;) {
        try {
          wp->ioc.run();
          return;
        } catch (...) {
          // A handler escaped its own catch; keep the thread serving.
        }
      }
    });
  }
  im.started = true;
  return Status::Ok();
}

std::uint16_t Server::port() const { return impl_->bound_port; }

std::int64_t Server::active_requests() const { return impl_->active_requests.load(); }

void Server::Stop() {
  auto& im = *impl_;
  if (!im.started || im.stopped) return;
  im.stopped = true;
  im.stopping = true;
  for (auto& w : im.workers) {
    asio::post(w->ioc, [wp = w.get()] {
      beast::error_code ec;
      if (wp->acceptor) wp->acceptor->close(ec);
      for (SessionBase* s : wp->sessions) {
        if (s->phase == Phase::kIdle || (s->phase == Phase::kHeader && s->buffered_bytes() == 0)) {
          s->close();
        }
      }
    });
  }
  auto wait_for_sessions = [&](std::chrono::steady_clock::duration limit) {
    std::unique_lock lock(im.wait_mu);
    return im.wait_cv.wait_for(lock, limit, [&] { return im.session_count.load() == 0; });
  };
  if (!wait_for_sessions(im.options.shutdown_grace)) {
    // Grace is over: close what is left (stalled uploads, half-sent headers)
    // and give the coroutines a moment to unwind on their own threads.
    for (auto& w : im.workers) {
      asio::post(w->ioc, [wp = w.get()] {
        for (SessionBase* s : wp->sessions) s->close();
      });
    }
    (void)wait_for_sessions(std::chrono::seconds(2));  // what remains is destroyed with its io_context
  }
  for (auto& w : im.workers) w->ioc.stop();
  for (auto& w : im.workers) {
    if (w->thread.joinable()) w->thread.join();
  }
  if (g_blocking_pool.load() == im.blocking.get()) g_blocking_pool.store(nullptr);
  im.blocking->join();
  {
    std::lock_guard lock(im.wait_mu);
    im.wait_cv.notify_all();
  }
}

void Server::Wait() {
  auto& im = *impl_;
  std::unique_lock lock(im.wait_mu);
  im.wait_cv.wait(lock, [&] { return im.stopped; });
}

// ---- free functions ----------------------------------------------------------

// Deliberately not a coroutine: GCC 12 double-destroys a coroutine parameter
// that an init-capture moved from (seen under valgrind), so `fn` is moved
// into the initiation as an ordinary parameter.
Task<void> RunBlocking(std::function<void()> fn) {
  return asio::async_initiate<const asio::use_awaitable_t<>&, void(std::exception_ptr)>(
      [fn = std::move(fn)](auto handler) mutable {
        auto work = [fn = std::move(fn), handler = std::move(handler)]() mutable {
          std::exception_ptr error;
          try {
            fn();
          } catch (...) {
            error = std::current_exception();
          }
          auto ex = asio::get_associated_executor(handler);
          asio::post(ex, [handler = std::move(handler), error]() mutable { handler(error); });
        };
        if (asio::thread_pool* pool = g_blocking_pool.load()) {
          asio::post(*pool, std::move(work));
        } else {
          work();
        }
      },
      asio::use_awaitable);
}

void RunTaskBlocking(std::function<Task<void>()> make_task) {
  asio::io_context ioc{1};
  std::exception_ptr error;
  asio::co_spawn(ioc, make_task(), [&](std::exception_ptr e) { error = e; });
  ioc.run();
  if (error) std::rethrow_exception(error);
}

}  // namespace scopereg::http
