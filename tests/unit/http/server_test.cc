#include "scopereg/http/server.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstring>
#include <fstream>
#include <thread>

#include "scopereg/core/crypto.h"
#include "scopereg/http/client.h"
#include "testing/status_matchers.h"
#include "testing/temp_dir.h"

namespace scopereg::http {
namespace {

class FileSource final : public BodySource {
 public:
  FileSource(int fd, std::uint64_t offset, std::uint64_t size) : fd_(fd), offset_(offset), size_(size) {}
  ~FileSource() override { ::close(fd_); }
  std::uint64_t size() const override { return size_; }
  int native_fd() const override { return fd_; }
  std::uint64_t native_offset() const override { return offset_; }
  Result<std::size_t> Read(char* buf, std::size_t n) override {
    ssize_t r = ::pread(fd_, buf, n, static_cast<off_t>(offset_ + pos_));
    if (r < 0) return Status::Internal("pread");
    pos_ += static_cast<std::uint64_t>(r);
    return static_cast<std::size_t>(r);
  }

 private:
  int fd_;
  std::uint64_t offset_, size_, pos_ = 0;
};

// `pieces` reads of `piece` bytes each, then the end, or a failure when
// `fail` is set; records the thread of each read.
class PiecesSource final : public BodySource {
 public:
  PiecesSource(int pieces, std::size_t piece, bool fail, std::thread::id* reader)
      : pieces_(pieces), piece_(piece), fail_(fail), reader_(reader) {}
  std::uint64_t size() const override { return kUnknownSize; }
  Result<std::size_t> Read(char* buf, std::size_t n) override {
    *reader_ = std::this_thread::get_id();
    if (done_ == pieces_) {
      if (fail_) return Status::Unavailable("store went away");
      return std::size_t{0};
    }
    const std::size_t k = std::min(n, piece_);
    std::memset(buf, 'a' + done_ % 26, k);
    ++done_;
    return k;
  }

 private:
  const int pieces_;
  const std::size_t piece_;
  const bool fail_;
  std::thread::id* reader_;
  int done_ = 0;
};

class ServerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    file_path_ = dir_.str() + "/blob";
    std::ofstream(file_path_) << std::string(300000, 'x') << "tail";
    ServerOptions opts;
    opts.port = 0;
    opts.threads = 2;
    opts.header_limit = 8 * 1024;
    server_ = std::make_unique<Server>(opts, [this](Request& req, Response& res) -> Task<void> {
      return Handle(req, res);
    });
    ASSERT_OK(server_->Start());
    base_ = "http://127.0.0.1:" + std::to_string(server_->port());
  }
  void TearDown() override { server_->Stop(); }

  Task<void> Handle(Request& req, Response& res) {
    std::string path(req.path());
    if (path == "/echo") {
      // Streams the body through a hash, as an upload would.
      Hasher h(HashAlgorithm::kSha256);
      char buf[4096];
      std::uint64_t total = 0;
      for (;;) {
        auto r = co_await req.ReadBody(buf, sizeof buf);
        if (!r.ok()) {
          res.set_status(400);
          co_return;
        }
        if (*r == 0) break;
        h.Update(buf, *r);
        total += *r;
      }
      res.set_status(201);
      res.SetHeader("X-Sha256", h.HexDigest());
      res.SetBody(std::to_string(total));
    } else if (path == "/file") {
      int fd = ::open(file_path_.c_str(), O_RDONLY);
      res.SetHeader("Content-Type", "application/octet-stream");
      res.SetBodySource(std::make_unique<FileSource>(fd, 299998, 6));
    } else if (path == "/pieces" || path == "/pieces-fail") {
      handler_thread_ = std::this_thread::get_id();
      res.SetHeader("Content-Type", "application/x-ndjson");
      res.SetBodySource(std::make_unique<PiecesSource>(3, 100000, path == "/pieces-fail", &reader_thread_));
    } else if (path == "/correlation-id") {
      res.SetBody(req.correlation_id());
    } else if (path == "/blocking") {
      int value = 0;
      co_await RunBlocking([&] { value = 42; });
      res.SetBody(std::to_string(value));
    } else if (path == "/refuse") {
      res.set_status(401);
      res.SetBody("no");
    } else {
      res.set_status(404);
    }
    co_return;
  }

  // Sends raw bytes and returns everything the server writes before closing
  // (or until `timeout_ms` of silence).
  std::string RawExchange(const std::string& bytes, int timeout_ms = 2000) {
    int s = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(server_->port());
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    EXPECT_EQ(::connect(s, reinterpret_cast<sockaddr*>(&addr), sizeof addr), 0);
    timeval tv{timeout_ms / 1000, (timeout_ms % 1000) * 1000};
    ::setsockopt(s, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    EXPECT_EQ(::send(s, bytes.data(), bytes.size(), 0), static_cast<ssize_t>(bytes.size()));
    std::string out;
    char buf[4096];
    for (;;) {
      ssize_t n = ::recv(s, buf, sizeof buf, 0);
      if (n <= 0) break;
      out.append(buf, static_cast<std::size_t>(n));
    }
    ::close(s);
    return out;
  }

  testing::TempDir dir_;
  std::thread::id handler_thread_, reader_thread_;
  std::string file_path_;
  std::unique_ptr<Server> server_;
  std::string base_;
};

TEST_F(ServerTest, StreamsAContentLengthBody) {
  HttpClient client;
  std::string body(1 << 20, 'a');
  ASSERT_OK_AND_ASSIGN(auto res, client.Send({"PUT", base_ + "/echo", {}, body}));
  EXPECT_EQ(res.status, 201);
  EXPECT_EQ(res.body, std::to_string(body.size()));
  EXPECT_EQ(res.header("X-Sha256"), Sha256Hex(body));
}

TEST_F(ServerTest, StreamsAChunkedBody) {
  HttpClient client;
  std::string body(3 * 100000 + 7, 'b');
  std::size_t offset = 0;
  ClientRequest req{"PATCH", base_ + "/echo"};
  req.body_reader = [&](char* buf, std::size_t n) {
    std::size_t k = std::min<std::size_t>({n, body.size() - offset, 100000});
    std::memcpy(buf, body.data() + offset, k);
    offset += k;
    return k;
  };
  ASSERT_OK_AND_ASSIGN(auto res, client.Send(req));
  EXPECT_EQ(res.status, 201);
  EXPECT_EQ(res.header("X-Sha256"), Sha256Hex(body));
}

TEST_F(ServerTest, SendsFileRegionsWithContentLengthAndHeadHasNoBody) {
  HttpClient client;
  ASSERT_OK_AND_ASSIGN(auto get, client.Send({"GET", base_ + "/file"}));
  EXPECT_EQ(get.status, 200);
  EXPECT_EQ(get.body, "xxtail");
  EXPECT_EQ(get.header("Content-Length"), "6");
  ASSERT_OK_AND_ASSIGN(auto head, client.Send({"HEAD", base_ + "/file"}));
  EXPECT_EQ(head.status, 200);
  EXPECT_EQ(head.header("Content-Length"), "6");
  EXPECT_TRUE(head.body.empty());
}

TEST_F(ServerTest, ABodyOfUnknownSizeIsChunkedAndReadOffTheConnectionThread) {
  HttpClient client;
  ASSERT_OK_AND_ASSIGN(auto res, client.Send({"GET", base_ + "/pieces"}));
  EXPECT_EQ(res.status, 200);
  EXPECT_EQ(res.header("Transfer-Encoding"), "chunked");
  EXPECT_EQ(res.header("Content-Length"), "");
  EXPECT_EQ(res.body, std::string(100000, 'a') + std::string(100000, 'b') + std::string(100000, 'c'));
  EXPECT_NE(reader_thread_, handler_thread_);
  // The connection stays usable after the terminating chunk.
  ASSERT_OK_AND_ASSIGN(auto again, client.Send({"GET", base_ + "/pieces"}));
  EXPECT_EQ(again.body.size(), 300000u);
  ASSERT_OK_AND_ASSIGN(auto head, client.Send({"HEAD", base_ + "/pieces"}));
  EXPECT_EQ(head.status, 200);
  EXPECT_TRUE(head.body.empty());
}

TEST_F(ServerTest, AChunkedBodyThatFailsIsCutOffWithoutItsLastChunk) {
  const std::string raw = RawExchange("GET /pieces-fail HTTP/1.1\r\nHost: x\r\n\r\n");
  EXPECT_NE(raw.find("Transfer-Encoding: chunked\r\n"), std::string::npos) << raw.substr(0, 200);
  EXPECT_NE(raw.find(std::string(1000, 'c')), std::string::npos);
  EXPECT_EQ(raw.find("\r\n0\r\n\r\n"), std::string::npos);  // no terminating chunk
  HttpClient client;
  EXPECT_FALSE(client.Send({"GET", base_ + "/pieces-fail"}).ok());
}

TEST_F(ServerTest, AChunkedBodyToAnHttp10ClientEndsWithTheConnection) {
  const std::string raw = RawExchange("GET /pieces HTTP/1.0\r\n\r\n");
  const std::size_t end_of_head = raw.find("\r\n\r\n");
  ASSERT_NE(end_of_head, std::string::npos);
  const std::string head = raw.substr(0, end_of_head);
  EXPECT_EQ(head.find("Transfer-Encoding"), std::string::npos) << head;
  EXPECT_EQ(head.find("Content-Length"), std::string::npos) << head;
  EXPECT_EQ(raw.size() - end_of_head - 4, 300000u);
}

TEST_F(ServerTest, CorrelationIdsAreUniqueAndGrowWithTime) {
  HttpClient client;
  std::vector<std::string> ids;
  for (int i = 0; i < 3; ++i) {
    ASSERT_OK_AND_ASSIGN(auto res, client.Send({"GET", base_ + "/correlation-id"}));
    ASSERT_EQ(res.body.size(), 32u);
    EXPECT_EQ(res.body.find_first_not_of("0123456789abcdef"), std::string::npos) << res.body;
    ids.push_back(res.body);
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
  }
  // Later requests sort after earlier ones (the audit log's index stays
  // append-mostly), and the random part keeps ids of one instant apart.
  EXPECT_LT(ids[0], ids[1]);
  EXPECT_LT(ids[1], ids[2]);
  ASSERT_OK_AND_ASSIGN(auto a, client.Send({"GET", base_ + "/correlation-id"}));
  ASSERT_OK_AND_ASSIGN(auto b, client.Send({"GET", base_ + "/correlation-id"}));
  EXPECT_NE(a.body, b.body);
}

TEST_F(ServerTest, RunBlockingResumesTheHandler) {
  HttpClient client;
  ASSERT_OK_AND_ASSIGN(auto res, client.Send({"GET", base_ + "/blocking"}));
  EXPECT_EQ(res.body, "42");
}

TEST_F(ServerTest, KeepsPipelinedRequestsInOrder) {
  std::string out = RawExchange(
      "GET /refuse HTTP/1.1\r\nHost: x\r\n\r\n"
      "GET /blocking HTTP/1.1\r\nHost: x\r\n\r\n"
      "GET /nothing HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
  auto a = out.find("HTTP/1.1 401");
  auto b = out.find("HTTP/1.1 200");
  auto c = out.find("HTTP/1.1 404");
  ASSERT_NE(a, std::string::npos) << out;
  ASSERT_NE(b, std::string::npos) << out;
  ASSERT_NE(c, std::string::npos) << out;
  EXPECT_LT(a, b);
  EXPECT_LT(b, c);
}

TEST_F(ServerTest, ExpectContinueIsSentOnlyWhenTheHandlerReads) {
  std::string refused = RawExchange(
      "PUT /refuse HTTP/1.1\r\nHost: x\r\nContent-Length: 5000000\r\nExpect: 100-continue\r\n\r\n");
  EXPECT_EQ(refused.rfind("HTTP/1.1 401", 0), 0u) << refused;
  EXPECT_EQ(refused.find("100 Continue"), std::string::npos);
  EXPECT_NE(refused.find("Connection: close"), std::string::npos);

  std::string accepted = RawExchange(
      "PUT /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\nExpect: 100-continue\r\nConnection: close\r\n\r\nabc");
  EXPECT_EQ(accepted.rfind("HTTP/1.1 100 Continue\r\n\r\n", 0), 0u) << accepted;
  EXPECT_NE(accepted.find("HTTP/1.1 201"), std::string::npos);
}

TEST_F(ServerTest, UnreadSmallBodyIsDrainedAndConnectionKept) {
  std::string out = RawExchange(
      "PUT /refuse HTTP/1.1\r\nHost: x\r\nContent-Length: 4\r\n\r\nabcd"
      "GET /blocking HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
  EXPECT_NE(out.find("HTTP/1.1 401"), std::string::npos) << out;
  EXPECT_NE(out.find("HTTP/1.1 200"), std::string::npos) << out;
}

TEST_F(ServerTest, TlsClientHelloOnPlainPortGetsHttp400) {
  // The first bytes of a TLS 1.2 ClientHello record.
  std::string hello("\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03", 11);
  hello += std::string(100, 'A');
  std::string out = RawExchange(hello);
  EXPECT_EQ(out.rfind("HTTP/1.1 400", 0), 0u) << out;
}

TEST_F(ServerTest, OversizedHeaderGets431) {
  std::string out = RawExchange("GET / HTTP/1.1\r\nHost: x\r\nX-Big: " + std::string(16000, 'h') + "\r\n\r\n");
  EXPECT_EQ(out.rfind("HTTP/1.1 431", 0), 0u) << out.substr(0, 100);
}

TEST_F(ServerTest, ResponsesCarryDateAndKeepAlive) {
  HttpClient client;
  ASSERT_OK_AND_ASSIGN(auto a, client.Send({"GET", base_ + "/blocking"}));
  EXPECT_FALSE(a.header("Date").empty());
  ASSERT_OK_AND_ASSIGN(auto b, client.Send({"GET", base_ + "/blocking"}));
  EXPECT_EQ(b.status, 200);
}

}  // namespace
}  // namespace scopereg::http

namespace scopereg::http {
namespace {

TEST(ServerBindTest, ASecondServerCannotShareThePort) {
  ServerOptions opts;
  opts.port = 0;
  opts.threads = 2;
  auto handler = [](Request&, Response& res) -> Task<void> {
    res.SetBody("first");
    co_return;
  };
  Server first(opts, handler);
  ASSERT_OK(first.Start());
  opts.port = first.port();
  Server second(opts, handler);
  Status st = second.Start();
  EXPECT_EQ(st.code(), StatusCode::kUnavailable) << st.ToString();
  for (int i = 0; i < 10; ++i) {  // every connection lands on the first server
    http::HttpClient fresh;
    ASSERT_OK_AND_ASSIGN(auto res, fresh.Send({"GET", "http://127.0.0.1:" + std::to_string(first.port()) + "/"}));
    EXPECT_EQ(res.body, "first");
  }
  first.Stop();
}

}  // namespace
}  // namespace scopereg::http

namespace scopereg::http {
namespace {

// A request that never completes must not keep the process from stopping,
// nor crash it when its coroutine is torn down (found by tests/e2e/shutdown.sh).
TEST(ServerShutdownTest, StopClosesStalledRequestsAfterTheGrace) {
  ServerOptions opts;
  opts.port = 0;
  opts.threads = 2;
  opts.shutdown_grace = std::chrono::seconds(1);
  auto handler = [](Request& req, Response& res) -> Task<void> {
    char buf[1024];
    for (;;) {  // reads a body that never finishes
      auto r = co_await req.ReadBody(buf, sizeof buf);
      if (!r.ok() || *r == 0) break;
    }
    res.SetBody("done");
  };
  auto server = std::make_unique<Server>(opts, handler);
  ASSERT_OK(server->Start());
  int half_header = ::socket(AF_INET, SOCK_STREAM, 0);
  int stalled_body = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(server->port());
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ASSERT_EQ(::connect(half_header, reinterpret_cast<sockaddr*>(&addr), sizeof addr), 0);
  ASSERT_EQ(::connect(stalled_body, reinterpret_cast<sockaddr*>(&addr), sizeof addr), 0);
  std::string partial = "GET / HTTP/1.1\r\nHost: x\r\n";
  std::string body_start = "PUT / HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\nabc";
  ASSERT_GT(::send(half_header, partial.data(), partial.size(), 0), 0);
  ASSERT_GT(::send(stalled_body, body_start.data(), body_start.size(), 0), 0);
  std::this_thread::sleep_for(std::chrono::milliseconds(200));
  const auto start = std::chrono::steady_clock::now();
  server->Stop();
  server.reset();  // destroys io_contexts with whatever was left
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(5));
  ::close(half_header);
  ::close(stalled_body);
}

}  // namespace
}  // namespace scopereg::http
