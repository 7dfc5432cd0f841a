#include "scopereg/http/message.h"

#include <gtest/gtest.h>

namespace scopereg::http {
namespace {

TEST(RequestTest, PathQueryAndParams) {
  Request r;
  r.Reset(Method::kPost, "POST", "/v2/a/b/blobs/uploads/?mount=sha256%3Aab&from=x%2Fy&from=z&flag");
  EXPECT_EQ(r.path(), "/v2/a/b/blobs/uploads/");
  EXPECT_EQ(r.query(), "mount=sha256%3Aab&from=x%2Fy&from=z&flag");
  EXPECT_EQ(r.QueryParam("mount"), "sha256:ab");
  EXPECT_EQ(r.QueryParam("from"), "x/y");
  EXPECT_EQ(r.QueryParams("from"), (std::vector<std::string>{"x/y", "z"}));
  EXPECT_EQ(r.QueryParam("flag"), "");
  EXPECT_FALSE(r.QueryParam("missing").has_value());
}

TEST(RequestTest, HeadersAreCaseInsensitiveAndRepeatable) {
  Request r;
  r.Reset(Method::kGet, "GET", "/v2/");
  r.AddHeader("Accept", "application/vnd.oci.image.manifest.v1+json");
  r.AddHeader("accept", "application/vnd.docker.distribution.manifest.v2+json");
  r.AddHeader("Content-Length", "12");
  r.AddHeader("Transfer-Encoding", "gzip, chunked");
  EXPECT_EQ(r.header("ACCEPT"), "application/vnd.oci.image.manifest.v1+json");
  EXPECT_EQ(r.headers("Accept").size(), 2u);
  EXPECT_EQ(r.content_length(), 12u);
  EXPECT_TRUE(r.chunked());
  EXPECT_TRUE(r.has_body());
  r.Reset(Method::kGet, "GET", "/");
  EXPECT_EQ(r.header_count(), 0u);
  r.AddHeader("Content-Length", "1x");
  EXPECT_FALSE(r.content_length().has_value());
  EXPECT_FALSE(r.has_body());
}

TEST(ResponseTest, HeadersAndBodies) {
  Response r;
  r.SetHeader("Content-Type", "a");
  r.SetHeader("content-type", "b");
  r.AddHeader("Link", "1");
  r.AddHeader("Link", "2");
  EXPECT_EQ(r.header("Content-Type"), "b");
  EXPECT_EQ(r.header_list().size(), 3u);
  r.SetBody("hello");
  EXPECT_EQ(r.content_length(), 5u);
  r.SetSharedBody(std::make_shared<const std::string>("shared!"));
  EXPECT_EQ(r.body_view(), "shared!");
  r.SetContentLengthOnly(99);
  EXPECT_EQ(r.content_length(), 99u);
  r.Reset();
  EXPECT_EQ(r.status(), 200);
  EXPECT_EQ(r.content_length(), 0u);
}

}  // namespace
}  // namespace scopereg::http
