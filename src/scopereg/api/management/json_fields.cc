#include "scopereg/api/management/json_fields.h"

#include <chrono>

#include "scopereg/core/strings.h"

namespace scopereg::api::management {

namespace {

std::string Field(std::string_view prefix, std::string_view key) {
  std::string out(prefix);
  out += key;
  return out;
}

Status WrongType(std::string_view prefix, std::string_view key, std::string_view type) {
  return Status::InvalidArgument(Field(prefix, key) + ": must be " + std::string(type));
}

// The value of `key`, or nullptr if absent.
const Json* Find(const Json& object, std::string_view key) {
  auto it = object.find(std::string(key));
  return it == object.end() ? nullptr : &*it;
}

}  // namespace

Result<Json> ParseObject(std::string_view body, bool empty_ok) {
  if (TrimSpace(body).empty()) {
    if (empty_ok) return Json::object();
    return Status::InvalidArgument("body: a JSON object is required");
  }
  Json parsed = Json::parse(body, nullptr, /*allow_exceptions=*/false);
  if (parsed.is_discarded()) return Status::InvalidArgument("body: malformed JSON");
  if (!parsed.is_object()) return Status::InvalidArgument("body: must be a JSON object");
  return parsed;
}

Status CheckKnownFields(const Json& object, std::initializer_list<std::string_view> allowed,
                        std::string_view prefix) {
  for (const auto& item : object.items()) {
    bool known = false;
    for (std::string_view a : allowed) known = known || item.key() == a;
    if (known) continue;
    std::string valid;
    for (std::string_view a : allowed) {
      if (!valid.empty()) valid += ", ";
      valid += a;
    }
    // The key comes from the client; it is not a secret, but keep the
    // message one bounded line.
    std::string key = item.key().substr(0, 64);
    for (char& c : key) {
      if (static_cast<unsigned char>(c) < 0x20) c = '?';
    }
    return Status::InvalidArgument(
        Field(prefix, key) + ": unknown field (valid fields: " + (valid.empty() ? "none" : valid) + ")");
  }
  return Status::Ok();
}

Result<std::optional<std::string>> GetString(const Json& object, std::string_view key,
                                             std::string_view prefix) {
  const Json* v = Find(object, key);
  if (v == nullptr) return std::optional<std::string>();
  if (!v->is_string()) return WrongType(prefix, key, "a string");
  return std::optional<std::string>(v->get_ref<const std::string&>());
}

Result<std::optional<bool>> GetBool(const Json& object, std::string_view key, std::string_view prefix) {
  const Json* v = Find(object, key);
  if (v == nullptr) return std::optional<bool>();
  if (!v->is_boolean()) return WrongType(prefix, key, "true or false");
  return std::optional<bool>(v->get<bool>());
}

Result<std::optional<std::vector<std::string>>> GetStringArray(const Json& object, std::string_view key,
                                                               std::string_view prefix) {
  const Json* v = Find(object, key);
  if (v == nullptr) return std::optional<std::vector<std::string>>();
  if (!v->is_array()) return WrongType(prefix, key, "an array of strings");
  std::vector<std::string> out;
  out.reserve(v->size());
  for (std::size_t i = 0; i < v->size(); ++i) {
    const Json& item = (*v)[i];
    if (!item.is_string()) {
      return WrongType(prefix, std::string(key) + "[" + std::to_string(i) + "]", "a string");
    }
    out.push_back(item.get_ref<const std::string&>());
  }
  return std::optional<std::vector<std::string>>(std::move(out));
}

Result<Nullable<Time>> GetTime(const Json& object, std::string_view key, std::string_view prefix) {
  Nullable<Time> out;
  const Json* v = Find(object, key);
  if (v == nullptr) return out;
  out.present = true;
  if (v->is_null()) return out;
  const Status bad = WrongType(prefix, key, "an RFC 3339 date-time such as 2026-12-31T23:59:59Z, or null");
  if (!v->is_string()) return bad;
  std::optional<Time> t = ParseRfc3339(v->get_ref<const std::string&>());
  if (!t) return bad;
  out.value = *t;
  return out;
}

Result<const Json*> GetObject(const Json& object, std::string_view key, std::string_view prefix) {
  const Json* v = Find(object, key);
  if (v != nullptr && !v->is_object()) return WrongType(prefix, key, "a JSON object");
  return v;
}

Result<const Json*> GetArray(const Json& object, std::string_view key, std::string_view prefix) {
  const Json* v = Find(object, key);
  if (v != nullptr && !v->is_array()) return WrongType(prefix, key, "an array");
  return v;
}

Result<std::map<std::string, std::string>> GetStringMap(const Json& object, std::string_view key,
                                                        std::string_view prefix) {
  std::map<std::string, std::string> out;
  SCOPEREG_ASSIGN_OR_RETURN(const Json* map, GetObject(object, key, prefix));
  if (map == nullptr) return out;
  const std::string inner = Field(prefix, key) + ".";
  for (const auto& item : map->items()) {
    if (!item.value().is_string()) return WrongType(inner, item.key(), "a string");
    out.emplace(item.key(), item.value().get_ref<const std::string&>());
  }
  return out;
}

std::string FormatTime(Time t) {
  const bool whole_second =
      std::chrono::duration_cast<std::chrono::milliseconds>(t.time_since_epoch()).count() % 1000 == 0;
  return FormatRfc3339(t, /*millis=*/!whole_second);
}

Json TimeOrNull(const std::optional<Time>& t) { return t ? Json(FormatTime(*t)) : Json(nullptr); }

std::string Dump(const Json& value, int indent) {
  return value.dump(indent, ' ', /*ensure_ascii=*/false, Json::error_handler_t::replace);
}

}  // namespace scopereg::api::management
