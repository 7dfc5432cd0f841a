#include "scopereg/cli/output.h"

#include <gtest/gtest.h>

#include <sstream>

#include "testing/status_matchers.h"

namespace scopereg::cli {
namespace {

using nlohmann::json;

std::string PrintTo(const json& v, OutputFormat f, const char* query = nullptr, TableLayout layout = nullptr) {
  OutputSpec spec;
  spec.format = f;
  if (query != nullptr) {
    auto q = Query::Parse(query);
    EXPECT_TRUE(q.ok());
    spec.query = std::move(q).value();
  }
  std::ostringstream out;
  Print(v, spec, layout, out);
  return out.str();
}

TEST(OutputTest, ParseFormat) {
  EXPECT_EQ(*ParseOutputFormat("json"), OutputFormat::kJson);
  EXPECT_EQ(*ParseOutputFormat("jsonc"), OutputFormat::kJson);
  EXPECT_EQ(*ParseOutputFormat("table"), OutputFormat::kTable);
  EXPECT_EQ(*ParseOutputFormat("tsv"), OutputFormat::kTsv);
  EXPECT_EQ(*ParseOutputFormat("yaml"), OutputFormat::kYaml);
  EXPECT_STATUS(ParseOutputFormat("xml"), StatusCode::kInvalidArgument);
}

TEST(OutputTest, TsvWithQueryCapturesOneValue) {
  json r = json::parse(R"({"username":"t","passwords":[{"name":"password1","value":"s3cr3t-Value_x"}]})");
  EXPECT_EQ(PrintTo(r, OutputFormat::kTsv, "passwords[0].value"), "s3cr3t-Value_x\n");
  // Nothing matched: nothing printed (a script's $(...) is empty, not "null").
  EXPECT_EQ(PrintTo(r, OutputFormat::kTsv, "passwords[3].value"), "");
  EXPECT_EQ(PrintTo(r, OutputFormat::kJson, "passwords[3].value"), "null\n");
}

TEST(OutputTest, TsvRowsFollowKeyOrderWithAzRules) {
  json list = json::parse(R"([{"b":"x","a":1,"c":null,"d":true,"e":{"k":1},"f":[1,2,3]},{"a":2,"b":"y"}])");
  EXPECT_EQ(PrintTo(list, OutputFormat::kTsv), "1\tx\t\ttrue\t\t3\n2\ty\n");
}

TEST(OutputTest, JsonIsSortedAndIndented) {
  json v = json::parse(R"({"b":1,"a":{"d":2,"c":3}})");
  EXPECT_EQ(PrintTo(v, OutputFormat::kJson), "{\n  \"a\": {\n    \"c\": 3,\n    \"d\": 2\n  },\n  \"b\": 1\n}\n");
}

TEST(OutputTest, YamlQuotesAmbiguousStrings) {
  json v = json::parse(R"({"enabled":false,"name":"no","when":"2027-01-01T00:00:00Z","n":3,"x":null,"l":["a"]})");
  const std::string y = PrintTo(v, OutputFormat::kYaml);
  EXPECT_NE(y.find("enabled: false\n"), std::string::npos) << y;
  EXPECT_NE(y.find("name: \"no\"\n"), std::string::npos) << y;
  EXPECT_NE(y.find("when: \"2027-01-01T00:00:00Z\"\n"), std::string::npos) << y;
  EXPECT_NE(y.find("n: 3\n"), std::string::npos) << y;
  EXPECT_NE(y.find("x: ~\n"), std::string::npos) << y;
  EXPECT_NE(y.find("l:\n  - a\n"), std::string::npos) << y;
}

TEST(OutputTest, TableWithLayoutAlignsColumns) {
  json list = json::parse(R"([{"name":"alpha","status":"enabled"},{"name":"b","status":"disabled"}])");
  TableLayout layout = [](const json& t) {
    return TableRow{{"NAME", Field(t, "name")}, {"STATUS", Field(t, "status")}};
  };
  EXPECT_EQ(PrintTo(list, OutputFormat::kTable, nullptr, layout),
            "NAME   STATUS\n"
            "-----  --------\n"
            "alpha  enabled\n"
            "b      disabled\n");
  // With --query the layout does not apply; the generic table does.
  EXPECT_EQ(PrintTo(list, OutputFormat::kTable, "[].name", layout), "Result\n------\nalpha\nb\n");
  EXPECT_EQ(PrintTo(json::array(), OutputFormat::kTable, nullptr, layout), "");
}

TEST(OutputTest, TableRowsFromANestedList) {
  json token = json::parse(R"({"name":"t","credentials":{"passwords":[{"name":"password1"},{"name":"password2"}]}})");
  TableLayout layout = [](const json& p) { return TableRow{{"SLOT", Field(p, "name")}}; };
  OutputSpec spec;
  spec.format = OutputFormat::kTable;
  std::ostringstream out;
  Print(token, spec, layout, out, "credentials.passwords");
  EXPECT_EQ(out.str(), "SLOT\n---------\npassword1\npassword2\n");
}

TEST(OutputTest, GenericTableUsesScalarFields) {
  json v = json::parse(R"({"name":"x","actions":["a"],"type":"UserDefined"})");
  EXPECT_EQ(PrintTo(v, OutputFormat::kTable), "Name  Type\n----  -----------\nx     UserDefined\n");
}

TEST(OutputTest, CellHelpers) {
  EXPECT_EQ(TimeCell(json("2027-01-15T08:00:00.250Z")), "2027-01-15T08:00:00Z");
  EXPECT_EQ(TimeCell(json(nullptr), "Never"), "Never");
  EXPECT_EQ(TimeCell(json("soon")), "soon");
  EXPECT_EQ(Truncate("short", 57), "short");
  EXPECT_EQ(Truncate(std::string(60, 'a'), 57), std::string(57, 'a') + "...");
  EXPECT_EQ(Truncate("\xc3\xa9\xc3\xa9\xc3\xa9", 2), "\xc3\xa9\xc3\xa9...");
  EXPECT_EQ(Field(json::parse(R"({"a":1})"), "a"), "");
}

}  // namespace
}  // namespace scopereg::cli
