#include "scopereg/cli/review.h"

#include <gtest/gtest.h>

#include <algorithm>

#include "testing/status_matchers.h"

namespace scopereg::cli {
namespace {

using nlohmann::json;

// "now" for these tests: 2027-03-01T00:00:00Z.
const Time kNow = *ParseRfc3339("2027-03-01T00:00:00Z");

json Slot(const std::string& name, const char* created, const char* expiry, const char* last_used,
          const char* from = "10.0.0.1") {
  return json{{"name", name},
              {"creationTime", created},
              {"expiry", expiry ? json(expiry) : json(nullptr)},
              {"lastUsed", last_used ? json(last_used) : json(nullptr)},
              {"lastUsedFrom", last_used ? json(from) : json(nullptr)}};
}

json Token(const std::string& name, const std::string& map, json passwords, const std::string& owner = "ops@x",
           const std::string& status = "enabled", json expires_on = nullptr) {
  return json{{"name", name},
              {"scopeMap", map},
              {"status", status},
              {"owner", owner},
              {"expiresOn", expires_on},
              {"credentials", {{"username", name}, {"passwords", passwords}}}};
}

json Map(const std::string& name, std::vector<std::string> actions, const std::string& type = "UserDefined") {
  return json{{"name", name}, {"type", type}, {"actions", actions}, {"description", ""}};
}

std::vector<std::string> Checks(const std::vector<Finding>& fs, const std::string& name, const std::string& slot = "") {
  std::vector<std::string> out;
  for (const auto& f : fs) {
    if (f.name == name && f.slot == slot) out.push_back(f.check);
  }
  return out;
}

TEST(ReviewTest, CleanTokenHasNoFindings) {
  json state{{"scopeMaps", {Map("pull-app", {"repositories/app/content/read"})}},
             {"tokens", {Token("good", "pull-app", {Slot("password1", "2027-02-01T00:00:00Z", nullptr,
                                                        "2027-02-28T00:00:00Z")})}}};
  ReviewOptions o;
  o.now = kNow;
  ASSERT_OK_AND_ASSIGN(auto findings, ReviewExport(state, o));
  EXPECT_TRUE(findings.empty()) << FindingJson(findings[0]).dump();
}

TEST(ReviewTest, EveryTokenCheck) {
  json state{
      {"scopeMaps",
       {Map("pull-app", {"repositories/app/content/read"}),
        Map("push-app", {"repositories/app/content/read", "repositories/app/content/write"}),
        Map("wipe", {"repositories/*/content/delete"}), Map("orphan", {"repositories/x/content/read"}),
        Map("_repositories_admin", {"repositories/*/content/read"}, "SystemDefined")}},
      {"tokens",
       {Token("off", "pull-app", {Slot("password1", "2027-02-01T00:00:00Z", nullptr, "2027-02-28T00:00:00Z")}, "ops",
              "disabled"),
        Token("nobody", "pull-app", {Slot("password1", "2027-02-01T00:00:00Z", nullptr, "2027-02-28T00:00:00Z")}, ""),
        Token("gone", "push-app", {Slot("password1", "2027-02-01T00:00:00Z", nullptr, "2027-02-28T00:00:00Z")}, "ops",
              "enabled", "2027-02-01T00:00:00Z"),
        Token("soon", "wipe", {Slot("password1", "2027-02-01T00:00:00Z", nullptr, "2027-02-28T00:00:00Z")}, "ops",
              "enabled", "2027-03-10T00:00:00Z"),
        Token("empty", "pull-app", json::array()),
        Token("slots", "pull-app",
              {Slot("password1", "2026-01-01T00:00:00Z", "2027-02-01T00:00:00Z", nullptr),
               Slot("password2", "2026-01-01T00:00:00Z", "2027-03-05T00:00:00Z", "2026-10-01T00:00:00Z", "192.0.2.7")})}}};
  ReviewOptions o;
  o.now = kNow;
  o.stale_days = 90;
  o.expiring_days = 30;
  ASSERT_OK_AND_ASSIGN(auto f, ReviewExport(state, o));
  EXPECT_EQ(Checks(f, "off"), std::vector<std::string>{"token-disabled"});
  EXPECT_EQ(Checks(f, "nobody"), std::vector<std::string>{"token-unowned"});
  EXPECT_EQ(Checks(f, "gone"), (std::vector<std::string>{"token-expired", "write-access"}));
  EXPECT_EQ(Checks(f, "soon"), (std::vector<std::string>{"all-repositories", "delete-access", "token-expiring"}));
  EXPECT_EQ(Checks(f, "empty"), std::vector<std::string>{"token-no-passwords"});
  // An expired slot is not also reported unused; the other slot is expiring and stale.
  EXPECT_EQ(Checks(f, "slots", "password1"), std::vector<std::string>{"password-expired"});
  EXPECT_EQ(Checks(f, "slots", "password2"), (std::vector<std::string>{"password-expiring", "password-unused"}));
  auto unused = std::find_if(f.begin(), f.end(), [](const Finding& x) { return x.check == "password-unused"; });
  ASSERT_NE(unused, f.end());
  EXPECT_NE(unused->detail.find("151 days ago"), std::string::npos) << unused->detail;
  EXPECT_NE(unused->detail.find("192.0.2.7"), std::string::npos) << unused->detail;
  // pull-app is shared; orphan is unused; system maps are never "unused".
  EXPECT_EQ(Checks(f, "pull-app"), std::vector<std::string>{"shared-scope-map"});
  EXPECT_EQ(Checks(f, "orphan"), std::vector<std::string>{"unused-scope-map"});
  EXPECT_TRUE(Checks(f, "_repositories_admin").empty());
  // Tokens first, then scope maps, each sorted by name.
  EXPECT_EQ(f.front().name, "empty");
  EXPECT_EQ(f.back().type, "scopeMap");
}

TEST(ReviewTest, NeverUsedSlotIsStaleOnlyWhenOld) {
  json state{{"scopeMaps", {Map("m", {"repositories/a/content/read"})}},
             {"tokens", {Token("new", "m", {Slot("password1", "2027-02-20T00:00:00Z", nullptr, nullptr)}),
                         Token("old", "m", {Slot("password1", "2026-02-20T00:00:00Z", nullptr, nullptr)})}}};
  ReviewOptions o;
  o.now = kNow;
  o.ignore = {"shared-scope-map"};
  ASSERT_OK_AND_ASSIGN(auto f, ReviewExport(state, o));
  EXPECT_TRUE(Checks(f, "new", "password1").empty());
  EXPECT_EQ(Checks(f, "old", "password1"), std::vector<std::string>{"password-unused"});
  EXPECT_TRUE(Checks(f, "m").empty());  // ignored
}

TEST(ReviewTest, RejectsWhatIsNotAnExportAndUnknownChecks) {
  ReviewOptions o;
  o.now = kNow;
  EXPECT_STATUS(ReviewExport(json::parse(R"({"value":[]})"), o), StatusCode::kInvalidArgument);
  o.ignore = {"token-unknown"};
  EXPECT_STATUS(ReviewExport(json{{"tokens", json::array()}, {"scopeMaps", json::array()}}, o),
                StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace scopereg::cli
