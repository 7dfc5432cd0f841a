// Strict reading of JSON request bodies, shared by the management API and
// ACR's metadata API (api/acr).
//
// Management requests change who may do what, so a typo must never be
// silently ignored: every body is one JSON object, every key must be one the
// endpoint knows (CheckKnownFields), and every value must have the expected
// type. Each rejection is kInvalidArgument with a message that starts with
// the field's path ("labels.team: must be a string or null"), never echoing
// a value.
//
// Nothing here throws: bodies are parsed with exceptions disabled and
// values are read only after their type was checked.
//
// Dump() is the one way responses are serialised: it replaces invalid UTF-8
// (nlohmann's dump() would throw on it) so no stored or echoed string can
// turn a response into an exception.
//
// Thread safety: pure functions.
#pragma once

#include <initializer_list>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "scopereg/core/clock.h"
#include "scopereg/core/status.h"

namespace scopereg::api::management {

using Json = nlohmann::json;

// Bodies larger than this are refused with 413 (both APIs).
inline constexpr std::size_t kMaxJsonBodyBytes = 1024 * 1024;

// A field that may be absent, JSON null, or a value: PATCH bodies use null
// to clear or remove (JSON merge-patch, RFC 7396).
template <typename T>
struct Nullable {
  bool present = false;
  std::optional<T> value;  // nullopt while present: the field was null
  bool is_null() const { return present && !value.has_value(); }
};

// Parses `body` as one JSON object. An empty (or all-whitespace) body is
// `{}` when `empty_ok`. kInvalidArgument "body: malformed JSON",
// "body: must be a JSON object", "body: a JSON object is required".
Result<Json> ParseObject(std::string_view body, bool empty_ok);

// kInvalidArgument "<prefix><key>: unknown field (valid fields: a, b)" for
// the first key of `object` (in key order) that is not in `allowed`.
// REQUIRES: object.is_object().
Status CheckKnownFields(const Json& object, std::initializer_list<std::string_view> allowed,
                        std::string_view prefix = "");

// Typed getters. Absent -> nullopt. A present value of another type (JSON
// null included, unless the getter is Nullable) is kInvalidArgument
// "<prefix><key>: must be a <type>". REQUIRES: object.is_object().
Result<std::optional<std::string>> GetString(const Json& object, std::string_view key,
                                             std::string_view prefix = "");
Result<std::optional<bool>> GetBool(const Json& object, std::string_view key, std::string_view prefix = "");
Result<std::optional<std::vector<std::string>>> GetStringArray(const Json& object, std::string_view key,
                                                               std::string_view prefix = "");
// An RFC 3339 date-time string (core/clock.h ParseRfc3339), or null.
Result<Nullable<Time>> GetTime(const Json& object, std::string_view key, std::string_view prefix = "");
// A JSON object (returned as a pointer into `object`), or nullptr if absent.
Result<const Json*> GetObject(const Json& object, std::string_view key, std::string_view prefix = "");
// A JSON array, or nullptr if absent.
Result<const Json*> GetArray(const Json& object, std::string_view key, std::string_view prefix = "");
// An object whose values are all strings ({"team":"a"}), or absent (empty).
Result<std::map<std::string, std::string>> GetStringMap(const Json& object, std::string_view key,
                                                        std::string_view prefix = "");

// RFC 3339 UTC with "Z"; with milliseconds only when the time has a
// sub-second part, so whole-second values read like az's input format and
// nothing a client set is rounded away.
std::string FormatTime(Time t);
// FormatTime(*t), or JSON null.
Json TimeOrNull(const std::optional<Time>& t);

// Compact JSON; invalid UTF-8 in strings is replaced by U+FFFD.
std::string Dump(const Json& value, int indent = -1);

}  // namespace scopereg::api::management
