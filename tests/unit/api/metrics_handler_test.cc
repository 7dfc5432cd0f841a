#include "scopereg/api/metrics_handler.h"

#include <gtest/gtest.h>

namespace scopereg::api {
namespace {

class MetricsHandlerTest : public ::testing::Test {
 protected:
  // Serves GET /metrics to a client at `remote`; returns the status.
  int Scrape(ServerMetrics& m, const std::string& remote, http::Method method = http::Method::kGet) {
    http::Request req;
    req.Reset(method, http::MethodName(method), "/metrics");
    req.set_remote_address(remote);
    http::Response res;
    RouteHandler handler = m.Handler();
    // Not a temporary inside the co_await: GCC 12 destroys such temporaries
    // in a coroutine twice.
    const RouteMatch match{Route::kMetrics};
    http::RunTaskBlocking([&]() -> http::Task<void> { co_await handler(req, res, match); });
    if (res.status() == 200 && method == http::Method::kGet) {
      EXPECT_EQ(res.header("Content-Type"), "text/plain; version=0.0.4; charset=utf-8");
      EXPECT_NE(res.body_view().find("# TYPE scopereg_http_requests_total counter"), std::string::npos);
    }
    return res.status();
  }
  void Complete(ServerMetrics& m, const std::string& route, http::Method method, int status,
                const std::string& identity = "", std::uint64_t in = 0, std::uint64_t out = 0) {
    http::Request req;
    req.Reset(method, http::MethodName(method), "/x");
    req.log().route = route;
    req.log().identity = identity;
    http::Response res;
    res.set_status(status);
    m.OnRequestComplete(http::Completion{req, res, in, out, std::chrono::milliseconds(3), false});
  }
  metrics::Registry registry_;
};

TEST_F(MetricsHandlerTest, OnlyLoopbackClientsUnlessPublic) {
  ServerMetrics local(registry_, {});
  EXPECT_EQ(Scrape(local, "127.0.0.1"), 200);
  EXPECT_EQ(Scrape(local, "127.8.9.10"), 200);
  EXPECT_EQ(Scrape(local, "::1"), 200);
  EXPECT_EQ(Scrape(local, "::ffff:127.0.0.1"), 200);
  EXPECT_EQ(Scrape(local, "10.0.0.7"), 403);
  EXPECT_EQ(Scrape(local, "::ffff:10.0.0.7"), 403);
  EXPECT_EQ(Scrape(local, "1270.0.0.1"), 403);
  EXPECT_EQ(Scrape(local, "127.0.0.1", http::Method::kPost), 405);
  metrics::Registry other;
  ServerMetrics open(other, {.public_access = true});
  EXPECT_EQ(Scrape(open, "10.0.0.7"), 200);
}

TEST_F(MetricsHandlerTest, RequestSeriesIncludingUncachedStatusesAndUnknownRoutes) {
  ServerMetrics m(registry_, {});
  Complete(m, "manifest", http::Method::kGet, 200, "t", 0, 100);
  Complete(m, "manifest", http::Method::kGet, 200, "t", 0, 100);
  Complete(m, "manifest", http::Method::kGet, 418);
  Complete(m, "manifest", http::Method::kGet, 418);
  Complete(m, "", http::Method::kGet, 400);
  Complete(m, "blob_upload", http::Method::kPatch, 202, "t", 5000, 0);
  const std::string text = m.Expose();
  for (const char* want : {
           "scopereg_http_requests_total{route=\"manifest\",method=\"GET\",status=\"200\"} 2\n",
           "scopereg_http_requests_total{route=\"manifest\",method=\"GET\",status=\"418\"} 2\n",
           "scopereg_http_requests_total{route=\"none\",method=\"GET\",status=\"400\"} 1\n",
           "scopereg_http_requests_total{route=\"blob_upload\",method=\"PATCH\",status=\"202\"} 1\n",
           "scopereg_http_request_duration_seconds_count{route=\"manifest\"} 4\n",
           "scopereg_http_request_duration_seconds_bucket{route=\"manifest\",le=\"0.0025\"} 0\n",
           "scopereg_http_request_duration_seconds_bucket{route=\"manifest\",le=\"0.005\"} 4\n",
           "scopereg_http_response_body_bytes_total{route=\"manifest\"} 200\n",
           "scopereg_http_request_body_bytes_total{route=\"blob_upload\"} 5000\n",
       }) {
    EXPECT_NE(text.find(want), std::string::npos) << want << "\n" << text;
  }
}

TEST_F(MetricsHandlerTest, DenialsAreCappedAndSkipAnonymousAndFailedLogins) {
  ServerMetrics m(registry_, {.max_token_labels = 1});
  Complete(m, "manifest", http::Method::kDelete, 403, "first");
  Complete(m, "manifest", http::Method::kDelete, 403, "first");
  Complete(m, "manifest", http::Method::kPut, 401, "second");  // bearer insufficient_scope
  Complete(m, "manifest", http::Method::kGet, 401, "anonymous");
  Complete(m, "manifest", http::Method::kGet, 401, "");  // a failed credential
  Complete(m, "manifest", http::Method::kGet, 200, "third");
  const std::string text = m.Expose();
  EXPECT_NE(text.find("scopereg_access_denied_total{identity=\"first\"} 2\n"), std::string::npos) << text;
  EXPECT_NE(text.find("scopereg_access_denied_total{identity=\"other\"} 1\n"), std::string::npos) << text;
  EXPECT_EQ(text.find("identity=\"second\""), std::string::npos) << text;
  EXPECT_EQ(text.find("identity=\"anonymous\""), std::string::npos) << text;
  EXPECT_EQ(text.find("identity=\"third\""), std::string::npos) << text;
}

TEST_F(MetricsHandlerTest, UploadRequests) {
  auto is_upload = [](http::Method m, const char* target) {
    http::Request req;
    req.Reset(m, http::MethodName(m), target);
    return ServerMetrics::IsUploadRequest(req);
  };
  EXPECT_TRUE(is_upload(http::Method::kPost, "/v2/a/b/blobs/uploads/"));
  EXPECT_TRUE(is_upload(http::Method::kPatch, "/v2/a/blobs/uploads/3f1c"));
  EXPECT_TRUE(is_upload(http::Method::kPut, "/v2/a/blobs/uploads/3f1c?digest=sha256:x"));
  EXPECT_FALSE(is_upload(http::Method::kGet, "/v2/a/blobs/uploads/3f1c"));
  EXPECT_FALSE(is_upload(http::Method::kPut, "/v2/a/manifests/v1"));
  EXPECT_FALSE(is_upload(http::Method::kPost, "/v2/a/blobs/sha256:x?x=/blobs/uploads"));
}

}  // namespace
}  // namespace scopereg::api
