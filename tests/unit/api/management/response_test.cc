// The Status -> HTTP table, error bodies, If-Match and the strict JSON
// readers, without a server.
#include <gtest/gtest.h>

#include "scopereg/api/management/internal.h"

namespace scopereg::api::management::internal {
namespace {

TEST(MapStatusTest, OneTableForEveryCode) {
  struct Row {
    StatusCode code;
    bool if_match;
    int status;
    std::string_view name;
  };
  const Row rows[] = {
      {StatusCode::kInvalidArgument, false, 400, "InvalidArgument"},
      {StatusCode::kOutOfRange, false, 400, "InvalidArgument"},
      {StatusCode::kUnauthenticated, false, 401, "Unauthorized"},
      {StatusCode::kPermissionDenied, false, 403, "Forbidden"},
      {StatusCode::kNotFound, false, 404, "NotFound"},
      {StatusCode::kAlreadyExists, false, 409, "AlreadyExists"},
      {StatusCode::kFailedPrecondition, false, 409, "FailedPrecondition"},
      {StatusCode::kAborted, false, 409, "Conflict"},
      {StatusCode::kAborted, true, 412, "PreconditionFailed"},
      {StatusCode::kResourceExhausted, false, 409, "QuotaExceeded"},
      {StatusCode::kUnavailable, false, 503, "ServiceUnavailable"},
      {StatusCode::kDataLoss, false, 500, "InternalError"},
      {StatusCode::kUnimplemented, false, 500, "InternalError"},
      {StatusCode::kInternal, false, 500, "InternalError"},
  };
  for (const Row& r : rows) {
    HttpError e = MapStatus(r.code, r.if_match);
    EXPECT_EQ(e.status, r.status) << StatusCodeName(r.code);
    EXPECT_EQ(e.code, r.name) << StatusCodeName(r.code);
  }
}

TEST(WriteStatusTest, InternalDetailsStayInTheLog) {
  http::Request req;
  req.Reset(http::Method::kGet, "GET", "/api/v1/tokens");
  req.set_correlation_id("corr-1");
  http::Response res;
  WriteStatus(req, res, Status::DataLoss("row 17 of table tokens is corrupt: digest=abcdef"));
  EXPECT_EQ(res.status(), 500);
  EXPECT_EQ(
      res.body_view(),
      R"json({"error":{"code":"InternalError","message":"internal error (correlation id corr-1)"}})json");
  EXPECT_EQ(req.log().error_code, "InternalError");

  http::Response unavailable;
  WriteStatus(req, unavailable, Status::Unavailable("database is locked"));
  EXPECT_EQ(unavailable.status(), 503);
  EXPECT_EQ(unavailable.header("Retry-After"), "1");

  http::Request with_if_match;
  with_if_match.Reset(http::Method::kPatch, "PATCH", "/api/v1/tokens/x");
  with_if_match.AddHeader("If-Match", "\"3\"");
  http::Response conflict;
  WriteStatus(with_if_match, conflict, Status::Aborted("token 'x' was modified"));
  EXPECT_EQ(conflict.status(), 412);
  EXPECT_EQ(conflict.body_view(),
            R"({"error":{"code":"PreconditionFailed","message":"token 'x' was modified"}})");
}

TEST(ParseIfMatchTest, AcceptsEtagsOnly) {
  auto parse = [](std::string_view value) {
    http::Request req;
    req.Reset(http::Method::kPatch, "PATCH", "/");
    if (!value.empty()) req.AddHeader("If-Match", value);
    return ParseIfMatch(req);
  };
  EXPECT_EQ(parse("").value(), std::nullopt);
  EXPECT_EQ(parse("*").value(), std::nullopt);
  EXPECT_EQ(parse("\"17\"").value(), 17u);
  EXPECT_EQ(parse("W/\"17\"").value(), 17u);
  EXPECT_EQ(parse("17").value(), 17u);
  for (std::string_view bad : {"\"abc\"", "\"\"", "-1", "\"17", "sha256:x"}) {
    EXPECT_EQ(parse(bad).status().code(), StatusCode::kInvalidArgument) << bad;
  }
}

TEST(JsonFieldsTest, GettersCheckTypesAndNameTheField) {
  Json o = Json::parse(R"({"s":"x","b":true,"a":["p","q"],"bad":[1],"t":"2026-12-31T23:59:59Z","n":null,
                          "m":{"k":"v"},"mm":{"k":1}})");
  EXPECT_EQ(GetString(o, "s").value(), "x");
  EXPECT_EQ(GetString(o, "absent").value(), std::nullopt);
  EXPECT_EQ(GetString(o, "b", "outer.").status().message(), "outer.b: must be a string");
  EXPECT_EQ(GetString(o, "n").status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(GetBool(o, "b").value(), true);
  EXPECT_EQ(GetBool(o, "s").status().message(), "s: must be true or false");
  EXPECT_EQ(GetStringArray(o, "a").value(), (std::vector<std::string>{"p", "q"}));
  EXPECT_EQ(GetStringArray(o, "bad").status().message(), "bad[0]: must be a string");
  auto t = GetTime(o, "t").value();
  EXPECT_TRUE(t.present);
  EXPECT_EQ(FormatTime(*t.value), "2026-12-31T23:59:59Z");
  EXPECT_TRUE(GetTime(o, "n").value().is_null());
  EXPECT_FALSE(GetTime(o, "absent").value().present);
  EXPECT_EQ(GetTime(o, "s").status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(GetStringMap(o, "m").value(), (std::map<std::string, std::string>{{"k", "v"}}));
  EXPECT_EQ(GetStringMap(o, "mm").status().message(), "mm.k: must be a string");
  EXPECT_EQ(GetObject(o, "s").status().message(), "s: must be a JSON object");

  EXPECT_TRUE(CheckKnownFields(o, {"s", "b", "a", "bad", "t", "n", "m", "mm"}).ok());
  EXPECT_EQ(CheckKnownFields(o, {"s"}, "p.").message(), "p.a: unknown field (valid fields: s)");
  EXPECT_EQ(CheckKnownFields(o, {}).message(), "a: unknown field (valid fields: none)");
}

TEST(JsonFieldsTest, ParseObjectAndDump) {
  EXPECT_TRUE(ParseObject("  ", true).value().empty());
  EXPECT_EQ(ParseObject("", false).status().message(), "body: a JSON object is required");
  EXPECT_EQ(ParseObject("{", true).status().message(), "body: malformed JSON");
  EXPECT_EQ(ParseObject("\"s\"", true).status().message(), "body: must be a JSON object");
  // Invalid UTF-8 in a stored string cannot make serialisation throw.
  EXPECT_EQ(Dump(Json{{"k", std::string("a\xff")}}), "{\"k\":\"a\xEF\xBF\xBD\"}");
  EXPECT_EQ(FormatTime(FromUnixMillis(1'800'000'000'250)), "2027-01-15T08:00:00.250Z");
  EXPECT_EQ(FormatTime(FromUnixSeconds(1'800'000'000)), "2027-01-15T08:00:00Z");
}

}  // namespace
}  // namespace scopereg::api::management::internal
