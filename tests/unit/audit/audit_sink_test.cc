#include "scopereg/audit/audit_sink.h"

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <syslog.h>

#include <cstdio>
#include <fstream>
#include <nlohmann/json.hpp>
#include <set>

#include "scopereg/audit/audit_writer.h"
#include "testing/memory_audit_log.h"
#include "testing/status_matchers.h"
#include "testing/temp_dir.h"

namespace scopereg::audit {
namespace {

using nlohmann::json;

std::vector<json> ReadLines(const std::string& path) {
  std::vector<json> out;
  std::ifstream in(path);
  std::string line;
  while (std::getline(in, line)) {
    json j = json::parse(line, nullptr, /*allow_exceptions=*/false);
    EXPECT_TRUE(j.is_object()) << "not a JSON object: " << line;
    out.push_back(std::move(j));
  }
  return out;
}

AuditEvent Login(std::string identity, bool success) {
  AuditEvent e;
  e.time = FromUnixMillis(1'800'000'000'123);
  e.category = Category::kLogin;
  e.operation = "token_endpoint";
  e.identity = std::move(identity);
  e.identity_kind = "token";
  e.slot = "password1";
  e.success = success;
  e.reason = success ? "" : "wrong_password";
  e.http_status = success ? 200 : 401;
  e.detail = "repository:team/app:pull";
  e.client_address = "127.0.0.1";
  e.user_agent = "docker/27.0 \"quoted\"\n\x01 \xff";  // hostile bytes must stay valid JSON
  e.correlation_id = "c0ffee";
  return e;
}

TEST(AuditSinkTest, FileHasOneValidJsonObjectPerEventWithEveryField) {
  testing::TempDir dir;
  const std::string path = dir.str() + "/audit.jsonl";
  ASSERT_OK_AND_ASSIGN(auto sink, OpenJsonLinesFile(path));
  std::vector<AuditEvent> events = {Login("ci-pull", true), Login("ci-pull", false)};
  ASSERT_OK(sink->Write(events));
  ASSERT_OK(sink->Write(std::span<const AuditEvent>(events).subspan(0, 1)));

  auto lines = ReadLines(path);
  ASSERT_EQ(lines.size(), 3u);
  const std::set<std::string> expected_keys = {
      "time",     "category",  "operation",  "identity", "identityKind", "slot",          "success",
      "reason",   "httpStatus", "repository", "tag",      "digest",       "mediaType",     "size",
      "target",   "detail",    "clientAddress", "userAgent", "correlationId"};
  for (const auto& j : lines) {
    std::set<std::string> keys;
    for (auto it = j.begin(); it != j.end(); ++it) keys.insert(it.key());
    // Exactly the documented fields: nothing like a password, digest of a
    // password or Authorization header can sneak in.
    EXPECT_EQ(keys, expected_keys);
  }
  EXPECT_EQ(lines[0]["time"], "2027-01-15T08:00:00.123Z");
  EXPECT_EQ(lines[0]["category"], "login");
  EXPECT_EQ(lines[0]["success"], true);
  EXPECT_EQ(lines[1]["success"], false);
  EXPECT_EQ(lines[1]["reason"], "wrong_password");
  EXPECT_EQ(lines[1]["httpStatus"], 401);
  EXPECT_EQ(lines[0]["correlationId"], "c0ffee");

  struct stat st {};
  ASSERT_EQ(::stat(path.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u) << "the audit file names identities and addresses";
}

TEST(AuditSinkTest, IdIsWrittenWhenTheStoreAssignedOne) {
  AuditEvent e = Login("a-token", true);
  e.id = 42;
  std::string out;
  AppendAuditEventJson(out, e);
  json j = json::parse(out);
  EXPECT_EQ(j["id"], 42);
}

TEST(AuditSinkTest, FileIsReopenedAfterRotation) {
  testing::TempDir dir;
  const std::string path = dir.str() + "/audit.jsonl";
  ASSERT_OK_AND_ASSIGN(auto sink, OpenJsonLinesFile(path));
  std::vector<AuditEvent> one = {Login("first", true)};
  ASSERT_OK(sink->Write(one));
  ASSERT_EQ(std::rename(path.c_str(), (path + ".1").c_str()), 0);  // what logrotate does
  std::vector<AuditEvent> two = {Login("second", true)};
  ASSERT_OK(sink->Write(two));
  auto rotated = ReadLines(path + ".1");
  auto fresh = ReadLines(path);
  ASSERT_EQ(rotated.size(), 1u);
  ASSERT_EQ(fresh.size(), 1u);
  EXPECT_EQ(rotated[0]["identity"], "first");
  EXPECT_EQ(fresh[0]["identity"], "second");
}

TEST(AuditSinkTest, FileInAMissingDirectoryIsAnError) {
  testing::TempDir dir;
  auto r = OpenJsonLinesFile(dir.str() + "/no/such/dir/audit.jsonl");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::kUnavailable);
}

TEST(AuditSinkTest, WriterFeedsTheFile) {
  testing::TempDir dir;
  const std::string path = dir.str() + "/audit.jsonl";
  scopereg::testing::MemoryAuditLog log;
  std::vector<std::unique_ptr<AuditSink>> sinks;
  ASSERT_OK_AND_ASSIGN(auto file, OpenJsonLinesFile(path));
  sinks.push_back(std::move(file));
  AuditWriter w(log, std::move(sinks));
  for (int i = 0; i < 50; ++i) ASSERT_TRUE(w.Submit(Login("t-" + std::to_string(i), i % 2 == 0)));
  w.Stop();
  auto lines = ReadLines(path);
  ASSERT_EQ(lines.size(), 50u);
  for (int i = 0; i < 50; ++i) EXPECT_EQ(lines[static_cast<std::size_t>(i)]["identity"], "t-" + std::to_string(i));
}

TEST(AuditSinkTest, SyslogFacilities) {
  EXPECT_EQ(ParseSyslogFacility("auth"), LOG_AUTH);
  EXPECT_EQ(ParseSyslogFacility("authpriv"), LOG_AUTHPRIV);
  EXPECT_EQ(ParseSyslogFacility("daemon"), LOG_DAEMON);
  EXPECT_EQ(ParseSyslogFacility("user"), LOG_USER);
  EXPECT_EQ(ParseSyslogFacility("local0"), LOG_LOCAL0);
  EXPECT_EQ(ParseSyslogFacility("local7"), LOG_LOCAL7);
  EXPECT_FALSE(ParseSyslogFacility("local8"));
  EXPECT_FALSE(ParseSyslogFacility("kern"));
  EXPECT_FALSE(ParseSyslogFacility(""));
}

TEST(AuditSinkTest, SyslogSinkAcceptsEvents) {
  // syslog(3) reports nothing back; this checks the sink formats and sends
  // without failing when no syslog daemon listens (as in CI).
  auto sink = OpenSyslog("scopereg-test", LOG_LOCAL0);
  EXPECT_EQ(sink->name(), "syslog");
  std::vector<AuditEvent> events = {Login("ci-pull", true)};
  EXPECT_OK(sink->Write(events));
}

}  // namespace
}  // namespace scopereg::audit
