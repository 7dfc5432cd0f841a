// Clock: the only source of wall-clock time in scopereg.
//
// Everything that expires (passwords, tokens, JWTs, upload sessions, audit
// retention) asks an injected Clock, so tests can move time explicitly
// (tests/testing/fake_clock.h) instead of sleeping.
//
// Thread safety: implementations are safe for concurrent use.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace scopereg {

using Time = std::chrono::system_clock::time_point;
using Duration = std::chrono::system_clock::duration;

class Clock {
 public:
  virtual ~Clock() = default;
  virtual Time Now() const = 0;
};

// The real time of the machine.
class SystemClock final : public Clock {
 public:
  Time Now() const override { return std::chrono::system_clock::now(); }
  // A process-wide instance for code that has no injected clock (CLI).
  static const Clock& Instance();
};

// Whole seconds since the Unix epoch (what JWTs and the database store).
inline std::int64_t ToUnixSeconds(Time t) {
  return std::chrono::duration_cast<std::chrono::seconds>(t.time_since_epoch()).count();
}
inline std::int64_t ToUnixMillis(Time t) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(t.time_since_epoch()).count();
}
inline Time FromUnixSeconds(std::int64_t s) { return Time(std::chrono::seconds(s)); }
inline Time FromUnixMillis(std::int64_t ms) { return Time(std::chrono::milliseconds(ms)); }

// RFC 3339 in UTC with a "Z" suffix: "2026-11-29T16:08:31Z", or with
// milliseconds "2026-11-29T16:08:31.123Z" when `millis` is true.
std::string FormatRfc3339(Time t, bool millis = false);

// Parses RFC 3339 / ISO 8601 date-times as written by humans and by az:
// "2026-12-31T12:59:59Z", "...59.123456Z", "...59+00:00", "...59+02:00",
// and a bare date "2026-12-31" (midnight UTC). Returns nullopt otherwise.
std::optional<Time> ParseRfc3339(std::string_view s);

}  // namespace scopereg
