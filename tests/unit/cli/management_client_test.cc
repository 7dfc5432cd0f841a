#include "scopereg/cli/management_client.h"

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include "scopereg/cli/exit_codes.h"
#include "testing/status_matchers.h"

namespace scopereg::cli {
namespace {

TEST(ManagementClientTest, ServerErrorsMapToStatusesAndExitCodes) {
  const std::string body = R"({"error":{"code":"InvalidArgument","message":"actions[0]: Invalid action"}})";
  Status s = StatusForResponse(400, body, "u");
  EXPECT_EQ(s.code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(s.message(), "(InvalidArgument) actions[0]: Invalid action");
  EXPECT_EQ(ExitCodeFor(s), kExitUsage);

  EXPECT_EQ(ExitCodeFor(StatusForResponse(401, "", "u")), kExitAuthFailed);
  EXPECT_EQ(ExitCodeFor(StatusForResponse(403, R"({"error":{"code":"Forbidden","message":"no"}})", "u")),
            kExitForbidden);
  Status nf = StatusForResponse(404, R"({"error":{"code":"NotFound","message":"token 'x' does not exist"}})", "u");
  EXPECT_EQ(ExitCodeFor(nf), kExitNotFound);
  EXPECT_EQ(nf.message(), "(NotFound) token 'x' does not exist");
  // A 404 without the management API's error body: probably not scopereg.
  EXPECT_NE(StatusForResponse(404, "<html>", "http://x/api/v1/tokens").message().find("management API"),
            std::string_view::npos);
  EXPECT_EQ(StatusForResponse(409, R"({"error":{"code":"AlreadyExists","message":"m"}})", "u").code(),
            StatusCode::kAlreadyExists);
  EXPECT_EQ(StatusForResponse(409, R"({"error":{"code":"FailedPrecondition","message":"m"}})", "u").code(),
            StatusCode::kFailedPrecondition);
  EXPECT_EQ(ExitCodeFor(StatusForResponse(500, "", "u")), kExitError);
  EXPECT_EQ(ExitCodeFor(Status::Unavailable("x")), kExitUnreachable);
  EXPECT_EQ(ExitCodeFor(Status::Aborted("x")), kExitDeclined);
}

TEST(ManagementClientTest, PathsAndLinks) {
  EXPECT_EQ(ApiPath("tokens"), "/api/v1/tokens");
  EXPECT_EQ(ApiPath("tokens", "a b", "/generateCredentials"), "/api/v1/tokens/a%20b/generateCredentials");
  EXPECT_EQ(NextLink(R"(</api/v1/tokens?last=token-b&n=2>; rel="next")"), "/api/v1/tokens?last=token-b&n=2");
  EXPECT_EQ(NextLink(R"(</x>; rel="prev", </y>; rel="next")"), "/y");
  EXPECT_EQ(NextLink(""), "");
}

TEST(ManagementClientTest, UnreachableRegistryIsUnavailable) {
  // A port that was just free on loopback: nothing listens there.
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ASSERT_EQ(::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)), 0);
  socklen_t len = sizeof(addr);
  ASSERT_EQ(::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len), 0);
  ::close(fd);
  ManagementClient client("http://127.0.0.1:" + std::to_string(ntohs(addr.sin_port)), "srop_x.y", {});
  auto r = client.Get("/api/v1/whoami");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::kUnavailable);
  EXPECT_NE(r.status().message().find("cannot reach the registry"), std::string_view::npos);
  EXPECT_EQ(ExitCodeFor(r.status()), kExitUnreachable);
}

}  // namespace
}  // namespace scopereg::cli
