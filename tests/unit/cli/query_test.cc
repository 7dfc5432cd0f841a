#include "scopereg/cli/query.h"

#include <gtest/gtest.h>

#include "testing/status_matchers.h"

namespace scopereg::cli {
namespace {

using nlohmann::json;

json Eval(std::string_view expr, const json& in) {
  auto q = Query::Parse(expr);
  EXPECT_TRUE(q.ok()) << q.status().ToString();
  if (!q.ok()) return "<parse error>";
  return q->Evaluate(in);
}

const json kGenerate = json::parse(R"({
  "username": "ci-puller",
  "passwords": [
    {"name": "password1", "value": "first", "expiry": null},
    {"name": "password2", "value": "second", "expiry": "2027-01-01T00:00:00Z"}
  ]})");

const json kTokens = json::parse(R"([
  {"name": "alpha", "status": "enabled", "scopeMap": "m1", "credentials": {"passwords": [{"name": "password1"}]}},
  {"name": "bravo", "status": "disabled", "scopeMap": "m2", "credentials": {"passwords": []}},
  {"name": "charlie", "status": "enabled", "scopeMap": "m1", "credentials": {"passwords": [{"name": "password1"}, {"name": "password2"}]}}
])");

TEST(QueryTest, FieldsAndIndexes) {
  EXPECT_EQ(Eval("passwords[0].value", kGenerate), "first");
  EXPECT_EQ(Eval("passwords[1].value", kGenerate), "second");
  EXPECT_EQ(Eval("passwords[-1].name", kGenerate), "password2");
  EXPECT_EQ(Eval("username", kGenerate), "ci-puller");
  EXPECT_EQ(Eval("\"username\"", kGenerate), "ci-puller");
  EXPECT_TRUE(Eval("passwords[5].value", kGenerate).is_null());
  EXPECT_TRUE(Eval("nothing.here", kGenerate).is_null());
  EXPECT_EQ(Eval("[1].name", kTokens), "bravo");
}

TEST(QueryTest, ProjectionsDropNulls) {
  EXPECT_EQ(Eval("[].name", kTokens), json({"alpha", "bravo", "charlie"}));
  EXPECT_EQ(Eval("[*].name", kTokens), json({"alpha", "bravo", "charlie"}));
  EXPECT_EQ(Eval("passwords[].expiry", kGenerate), json({"2027-01-01T00:00:00Z"}));
  // A second [] flattens the first projection's results (JMESPath's
  // reservations[].instances[].name).
  EXPECT_EQ(Eval("[].credentials.passwords[].name", kTokens), json({"password1", "password1", "password2"}));
  EXPECT_EQ(Eval("[].credentials.passwords", kTokens),
            json::parse(R"([[{"name":"password1"}], [], [{"name":"password1"}, {"name":"password2"}]])"));
}

TEST(QueryTest, Filters) {
  EXPECT_EQ(Eval("[?status=='disabled'].name", kTokens), json({"bravo"}));
  EXPECT_EQ(Eval("[?status!='disabled' && scopeMap=='m1'].name", kTokens), json({"alpha", "charlie"}));
  EXPECT_EQ(Eval("[?length(credentials.passwords) == `2`].name", kTokens), json({"charlie"}));
  EXPECT_EQ(Eval("[?!(status=='enabled')].name", kTokens), json({"bravo"}));
  EXPECT_EQ(Eval("passwords[?expiry < '2028-01-01'].name", kGenerate), json({"password2"}));
  EXPECT_EQ(Eval("[?contains(name, 'rav')].name", kTokens), json({"bravo"}));
}

TEST(QueryTest, MultiSelectAndPipe) {
  EXPECT_EQ(Eval("[].{n:name, s:status}", kTokens)[1], json::parse(R"({"n":"bravo","s":"disabled"})"));
  EXPECT_EQ(Eval("[0].[name, scopeMap]", kTokens), json({"alpha", "m1"}));
  EXPECT_EQ(Eval("[].name | [0]", kTokens), "alpha");
  EXPECT_EQ(Eval("length(@)", kTokens), 3);
  const json used = json::parse(R"({"p":[{"t":"2027-01-02T00:00:00Z"},{"t":null},{"t":"2027-03-01T00:00:00Z"}]})");
  EXPECT_EQ(Eval("max(p[].t)", used), "2027-03-01T00:00:00Z");
  EXPECT_EQ(Eval("min(p[].t)", used), "2027-01-02T00:00:00Z");
  EXPECT_TRUE(Eval("max(p[?t=='x'].t)", used).is_null());
  EXPECT_EQ(Eval("passwords[0].*", json::parse(R"({"passwords":[{"a":1,"b":null}]})")), json({1}));
}

TEST(QueryTest, ErrorsNameThePosition) {
  for (const char* bad : {"", "passwords[0", "a.", "a = 'x'", "[?a=='x'", "a[1:2]", "{x}", "'open", "a & b"}) {
    auto q = Query::Parse(bad);
    ASSERT_FALSE(q.ok()) << bad;
    EXPECT_EQ(q.status().code(), StatusCode::kInvalidArgument) << bad;
    EXPECT_NE(q.status().message().find("--query"), std::string_view::npos) << q.status().message();
  }
  auto q = Query::Parse("passwords[0");
  EXPECT_NE(q.status().message().find("position 12"), std::string_view::npos) << q.status().message();
}

}  // namespace
}  // namespace scopereg::cli
