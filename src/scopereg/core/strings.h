// Small string helpers used across modules. Pure functions.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace scopereg {

std::string_view TrimSpace(std::string_view s);
std::string ToLower(std::string_view s);
// Splits on `sep`; keeps empty pieces.
std::vector<std::string_view> Split(std::string_view s, char sep);
// Splits on runs of spaces/tabs; drops empty pieces.
std::vector<std::string_view> SplitWhitespace(std::string_view s);
std::optional<std::uint64_t> ParseUint64(std::string_view s);
std::optional<std::int64_t> ParseInt64(std::string_view s);
// Appends `s` to `out` as a JSON string literal (with quotes), escaping
// control characters and replacing invalid UTF-8 bytes with U+FFFD, so the
// result is valid JSON whatever a client sent.
void AppendJsonString(std::string& out, std::string_view s);
// A random RFC 4122 version-4 UUID ("3f1c...-...."), from the OS CSPRNG.
std::string NewUuid();

}  // namespace scopereg
