#include "scopereg/cli/review.h"

#include <algorithm>
#include <map>
#include <tuple>

#include "scopereg/cli/actions.h"

namespace scopereg::cli {

using nlohmann::json;

namespace {

std::optional<Time> TimeOf(const json& obj, const char* key) {
  if (!obj.is_object()) return std::nullopt;
  auto it = obj.find(key);
  if (it == obj.end() || !it->is_string()) return std::nullopt;
  return ParseRfc3339(it->get<std::string>());
}

std::string Str(const json& obj, const char* key) {
  if (!obj.is_object()) return "";
  auto it = obj.find(key);
  return it != obj.end() && it->is_string() ? it->get<std::string>() : "";
}

long DaysBetween(Time from, Time to) {
  return static_cast<long>(std::chrono::duration_cast<std::chrono::hours>(to - from).count() / 24);
}

std::string Join(const std::vector<std::string>& v, std::string_view sep, std::size_t max = 10) {
  std::string out;
  for (std::size_t i = 0; i < v.size() && i < max; ++i) {
    if (i) out += sep;
    out += v[i];
  }
  if (v.size() > max) out += std::string(sep) + "... (" + std::to_string(v.size()) + " in total)";
  return out;
}

}  // namespace

const std::vector<std::string>& ReviewChecks() {
  static const std::vector<std::string> kChecks = {
      "token-disabled",    "token-unowned",   "token-expired",  "token-expiring",   "token-no-passwords",
      "password-expired",  "password-expiring", "password-unused", "write-access",   "delete-access",
      "all-repositories",  "shared-scope-map", "unused-scope-map"};
  return kChecks;
}

bool IsExportDocument(const json& doc) {
  return doc.is_object() && doc.contains("tokens") && doc["tokens"].is_array() && doc.contains("scopeMaps") &&
         doc["scopeMaps"].is_array();
}

json FindingJson(const Finding& f) {
  return json{{"type", f.type}, {"name", f.name}, {"slot", f.slot}, {"check", f.check}, {"detail", f.detail}};
}

Result<std::vector<Finding>> ReviewExport(const json& state, const ReviewOptions& o) {
  if (!IsExportDocument(state)) {
    return Status::InvalidArgument("not a scopereg export (expected an object with \"tokens\" and \"scopeMaps\")");
  }
  const auto& checks = ReviewChecks();
  for (const auto& name : o.ignore) {
    if (std::find(checks.begin(), checks.end(), name) == checks.end()) {
      return Status::InvalidArgument("--ignore: unknown check '" + name + "' (checks: " + Join(checks, ", ", 100) + ")");
    }
  }
  std::vector<Finding> out;
  auto add = [&](std::string type, std::string name, std::string slot, std::string check, std::string detail) {
    if (o.ignore.count(check)) return;
    out.push_back(Finding{std::move(type), std::move(name), std::move(slot), std::move(check), std::move(detail)});
  };
  const Duration stale = std::chrono::hours(24) * o.stale_days;
  const Duration soon = std::chrono::hours(24) * o.expiring_days;

  std::map<std::string, const json*> maps;
  for (const json& m : state["scopeMaps"]) maps[Str(m, "name")] = &m;
  std::map<std::string, std::vector<std::string>> users;  // scope map -> tokens

  for (const json& t : state["tokens"]) {
    const std::string name = Str(t, "name");
    const std::string map_name = Str(t, "scopeMap");
    users[map_name].push_back(name);
    if (Str(t, "status") == "disabled") add("token", name, "", "token-disabled", "the token is disabled");
    if (Str(t, "owner").empty()) add("token", name, "", "token-unowned", "no owner is recorded");
    if (auto exp = TimeOf(t, "expiresOn")) {
      if (*exp <= o.now) {
        add("token", name, "", "token-expired", "expired on " + FormatRfc3339(*exp));
      } else if (*exp - o.now <= soon) {
        add("token", name, "", "token-expiring",
            "expires on " + FormatRfc3339(*exp) + " (in " + std::to_string(DaysBetween(o.now, *exp)) + " days)");
      }
    }
    const json* passwords = nullptr;
    if (t.contains("credentials") && t["credentials"].is_object() && t["credentials"].contains("passwords") &&
        t["credentials"]["passwords"].is_array()) {
      passwords = &t["credentials"]["passwords"];
    }
    if (passwords == nullptr || passwords->empty()) {
      add("token", name, "", "token-no-passwords", "no password slot holds a password");
    } else {
      for (const json& p : *passwords) {
        const std::string slot = Str(p, "name");
        bool expired = false;
        if (auto exp = TimeOf(p, "expiry")) {
          if (*exp <= o.now) {
            expired = true;
            add("token", name, slot, "password-expired", "expired on " + FormatRfc3339(*exp));
          } else if (*exp - o.now <= soon) {
            add("token", name, slot, "password-expiring",
                "expires on " + FormatRfc3339(*exp) + " (in " + std::to_string(DaysBetween(o.now, *exp)) + " days)");
          }
        }
        if (expired) continue;  // unused is expected of an expired password
        auto used = TimeOf(p, "lastUsed");
        if (used) {
          if (o.now - *used >= stale) {
            add("token", name, slot, "password-unused",
                "last used " + FormatRfc3339(*used) + " (" + std::to_string(DaysBetween(*used, o.now)) +
                    " days ago) from " + Str(p, "lastUsedFrom"));
          }
        } else if (auto created = TimeOf(p, "creationTime"); created && o.now - *created >= stale) {
          add("token", name, slot, "password-unused",
              "never used since it was generated on " + FormatRfc3339(*created) + " (" +
                  std::to_string(DaysBetween(*created, o.now)) + " days ago)");
        }
      }
    }
    auto m = maps.find(map_name);
    if (m != maps.end() && (*m->second).contains("actions") && (*m->second)["actions"].is_array()) {
      std::vector<std::string> write, del, all;
      for (const json& a : (*m->second)["actions"]) {
        if (!a.is_string()) continue;
        auto [repo, action] = SplitAction(a.get<std::string>());
        if (action == "content/write" || action == "metadata/write") write.push_back(action + " on " + repo);
        if (action == "content/delete") del.push_back("content/delete on " + repo);
        if (repo == "*") all.push_back(action);
      }
      if (!write.empty()) {
        add("token", name, "", "write-access", "scope map " + map_name + " grants " + Join(write, ", ", 5));
      }
      if (!del.empty()) add("token", name, "", "delete-access", "scope map " + map_name + " grants " + Join(del, ", ", 5));
      if (!all.empty()) {
        add("token", name, "", "all-repositories",
            "scope map " + map_name + " grants " + Join(all, ", ") + " on every repository (*)");
      }
    }
  }
  for (const auto& [map_name, map] : maps) {
    auto u = users.find(map_name);
    if (u != users.end() && u->second.size() > 1) {
      add("scopeMap", map_name, "", "shared-scope-map", "used by " + std::to_string(u->second.size()) +
                                                            " tokens: " + Join(u->second, ", "));
    }
    if (u == users.end() && Str(*map, "type") != "SystemDefined") {
      add("scopeMap", map_name, "", "unused-scope-map", "no token uses this scope map");
    }
  }
  std::sort(out.begin(), out.end(), [](const Finding& a, const Finding& b) {
    auto rank = [](const Finding& f) { return f.type == "token" ? 0 : 1; };
    return std::make_tuple(rank(a), a.name, a.slot, a.check) < std::make_tuple(rank(b), b.name, b.slot, b.check);
  });
  return out;
}

}  // namespace scopereg::cli
