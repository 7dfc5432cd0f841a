#include "scopereg/cli/diff.h"

#include <gtest/gtest.h>

#include "testing/status_matchers.h"

namespace scopereg::cli {
namespace {

using nlohmann::json;

json Export(json maps, json tokens, bool admin = false) {
  return json{{"registry", "r"},
              {"exportedAt", "2027-01-01T00:00:00Z"},
              {"adminUser", {{"enabled", admin}, {"passwords", json::array()}, {"username", "r"}}},
              {"operators", json::array()},
              {"scopeMaps", maps},
              {"tokens", tokens}};
}

json Map(const std::string& name, std::vector<std::string> actions, const std::string& description = "") {
  return json{{"name", name}, {"actions", actions}, {"description", description}, {"type", "UserDefined"},
              {"creationDate", "2027-01-01T00:00:00Z"}};
}

json Token(const std::string& name, const std::string& map, const std::string& status = "enabled",
           const std::string& owner = "") {
  return json{{"name", name}, {"scopeMap", map}, {"status", status}, {"owner", owner}, {"description", ""},
              {"expiresOn", nullptr}, {"labels", json::object()},
              {"creationDate", "2027-01-01T00:00:00Z"},
              {"credentials", {{"username", name}, {"passwords", json::array()}}}};
}

TEST(DiffTest, IdenticalStateDiffersOnlyInDatesAndIsEqual) {
  json a = Export({Map("m", {"repositories/a/content/read"})}, {Token("t1", "m")});
  json b = a;
  b["exportedAt"] = "2028-01-01T00:00:00Z";
  b["tokens"][0]["creationDate"] = "2028-01-01T00:00:00Z";
  ASSERT_OK_AND_ASSIGN(auto d, DiffExports(a, b, {}));
  EXPECT_TRUE(d.empty());
}

TEST(DiffTest, AddedRemovedAndChanged) {
  json a = Export({Map("m", {"repositories/a/content/read"}), Map("old", {"repositories/o/content/read"})},
                  {Token("t1", "m"), Token("gone", "old"), Token("t3", "m")});
  json b = Export({Map("m", {"repositories/a/content/write", "repositories/a/content/read"}, "new text"),
                   Map("fresh", {"repositories/f/content/read"})},
                  {Token("t1", "m", "disabled", "someone"), Token("t3", "fresh"), Token("new", "fresh")}, true);
  ASSERT_OK_AND_ASSIGN(auto d, DiffExports(a, b, {}));
  std::vector<std::string> lines;
  for (const auto& x : d) lines.push_back(x.type + " " + x.name + " " + x.change + " " + DifferenceDetail(x));
  EXPECT_EQ(lines, (std::vector<std::string>{
                       "scopeMap fresh added only in B",
                       "scopeMap m changed description:  -> new text",
                       "scopeMap m changed actions: +repositories/a/content/write",
                       "scopeMap old removed only in A",
                       "token gone removed only in A (scope map old)",
                       "token new added only in B (scope map fresh)",
                       "token t1 changed status: enabled -> disabled",
                       "token t1 changed actions: +repositories/a/content/write",
                       "token t3 changed scopeMap: m -> fresh",
                       "token t3 changed actions: +repositories/f/content/read -repositories/a/content/read",
                       "adminUser admin changed enabled: false -> true",
                   }));
  // The owner differs too, but only --all-fields compares it.
  ASSERT_OK_AND_ASSIGN(auto all, DiffExports(a, b, DiffOptions{true}));
  EXPECT_EQ(all.size(), d.size() + 1);
  EXPECT_EQ(DifferenceJson(d[6])["field"], "status");
  EXPECT_EQ(DifferenceJson(d[6])["b"], "disabled");
}

TEST(DiffTest, ActionOrderIsNotDrift) {
  json a = Export({Map("m", {"repositories/a/content/read", "repositories/b/content/read"})}, json::array());
  json b = Export({Map("m", {"repositories/b/content/read", "repositories/a/content/read"})}, json::array());
  ASSERT_OK_AND_ASSIGN(auto d, DiffExports(a, b, {}));
  EXPECT_TRUE(d.empty());
}

TEST(DiffTest, RejectsNonExports) {
  json a = Export(json::array(), json::array());
  EXPECT_STATUS(DiffExports(a, json::parse("[]"), {}), StatusCode::kInvalidArgument);
  EXPECT_STATUS(DiffExports(json::object(), a, {}), StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace scopereg::cli
