// Structured logging: one JSON object per line on stderr (or a file).
//
//   log::Info("upload committed", {{"repository", repo}, {"size", size}});
//   -> {"ts":"2026-11-29T16:08:31.123Z","level":"info","msg":"upload committed",
//       "repository":"a/b","size":42}
//
// Never pass a secret (password, Authorization header, token) as a field: the
// log is read by more people than the audit log. Writing is asynchronous
// (a background writer thread), so a log line costs the caller a format and a queue
// push, not a syscall.
//
// Thread safety: every function is safe for concurrent use after Init.
#pragma once

#include <cstdint>
#include <initializer_list>
#include <optional>
#include <string>
#include <string_view>
#include <variant>

namespace scopereg::log {

enum class Level : std::uint8_t { kDebug, kInfo, kWarn, kError, kOff };

std::optional<Level> ParseLevel(std::string_view s);

struct Field {
  using Value = std::variant<std::string_view, std::int64_t, std::uint64_t, double, bool>;
  std::string_view key;
  Value value;
  Field(std::string_view k, std::string_view v) : key(k), value(v) {}
  Field(std::string_view k, const std::string& v) : key(k), value(std::string_view(v)) {}
  Field(std::string_view k, const char* v) : key(k), value(std::string_view(v)) {}
  Field(std::string_view k, int v) : key(k), value(static_cast<std::int64_t>(v)) {}
  Field(std::string_view k, long v) : key(k), value(static_cast<std::int64_t>(v)) {}
  Field(std::string_view k, long long v) : key(k), value(static_cast<std::int64_t>(v)) {}
  Field(std::string_view k, unsigned v) : key(k), value(static_cast<std::uint64_t>(v)) {}
  Field(std::string_view k, unsigned long v) : key(k), value(static_cast<std::uint64_t>(v)) {}
  Field(std::string_view k, unsigned long long v) : key(k), value(static_cast<std::uint64_t>(v)) {}
  Field(std::string_view k, double v) : key(k), value(v) {}
  Field(std::string_view k, bool v) : key(k), value(v) {}
};

// Sends output to `path` ("" or "-" = stderr). Safe to call again to reopen.
void Init(std::string_view path, Level level);
void SetLevel(Level level);
bool Enabled(Level level);
// Blocks until queued lines are written (before exit).
void Flush();

void Write(Level level, std::string_view msg, std::initializer_list<Field> fields = {});
inline void Debug(std::string_view msg, std::initializer_list<Field> f = {}) { Write(Level::kDebug, msg, f); }
inline void Info(std::string_view msg, std::initializer_list<Field> f = {}) { Write(Level::kInfo, msg, f); }
inline void Warn(std::string_view msg, std::initializer_list<Field> f = {}) { Write(Level::kWarn, msg, f); }
inline void Error(std::string_view msg, std::initializer_list<Field> f = {}) { Write(Level::kError, msg, f); }

}  // namespace scopereg::log
