#include "scopereg/core/log.h"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <fstream>
#include <sstream>

#include "scopereg/core/strings.h"
#include "testing/temp_dir.h"

namespace scopereg {
namespace {

TEST(LogTest, JsonStringEscapesControlAndInvalidUtf8) {
  std::string out;
  AppendJsonString(out, std::string("a\"b\\c\n\x01\xff\xc3\xa9", 10));
  EXPECT_EQ(out, "\"a\\\"b\\\\c\\n\\u0001\\ufffd\xc3\xa9\"");
  EXPECT_TRUE(nlohmann::json::accept(out));
}

TEST(LogTest, WritesOneJsonObjectPerLine) {
  testing::TempDir dir;
  std::string path = dir.str() + "/log.jsonl";
  log::Init(path, log::Level::kInfo);
  log::Debug("hidden");
  log::Info("hello", {{"repository", "a/b"}, {"size", 42}, {"ok", true}});
  log::Flush();
  std::ifstream in(path);
  std::string line;
  std::vector<nlohmann::json> lines;
  while (std::getline(in, line)) lines.push_back(nlohmann::json::parse(line));
  ASSERT_EQ(lines.size(), 1u);
  EXPECT_EQ(lines[0]["msg"], "hello");
  EXPECT_EQ(lines[0]["level"], "info");
  EXPECT_EQ(lines[0]["repository"], "a/b");
  EXPECT_EQ(lines[0]["size"], 42);
  EXPECT_EQ(lines[0]["ok"], true);
  log::Init("-", log::Level::kWarn);
}

}  // namespace
}  // namespace scopereg
