#include "scopereg/cli/diff.h"

#include <algorithm>
#include <map>
#include <set>
#include <tuple>

#include "scopereg/cli/review.h"

namespace scopereg::cli {

using nlohmann::json;

namespace {

std::map<std::string, json> ByName(const json& list) {
  std::map<std::string, json> out;
  if (!list.is_array()) return out;
  for (const json& item : list) {
    if (item.is_object() && item.contains("name") && item["name"].is_string()) out[item["name"].get<std::string>()] = item;
  }
  return out;
}

json Member(const json& obj, const char* key) {
  if (!obj.is_object()) return nullptr;
  auto it = obj.find(key);
  return it == obj.end() ? json(nullptr) : *it;
}

// Actions as a sorted list, so order and duplicates never count as drift.
json SortedActions(const json& map) {
  std::set<std::string> s;
  json actions = Member(map, "actions");
  if (actions.is_array()) {
    for (const json& a : actions) {
      if (a.is_string()) s.insert(a.get<std::string>());
    }
  }
  return json(std::vector<std::string>(s.begin(), s.end()));
}

std::set<std::string> NamesInEither(const std::map<std::string, json>& a, const std::map<std::string, json>& b) {
  std::set<std::string> names;
  for (const auto& [n, v] : a) names.insert(n);
  for (const auto& [n, v] : b) names.insert(n);
  return names;
}

json SlotNames(const json& token) {
  json out = json::array();
  json creds = Member(token, "credentials");
  json passwords = Member(creds, "passwords");
  if (passwords.is_array()) {
    for (const json& p : passwords) out.push_back(Member(p, "name"));
  }
  return out;
}

}  // namespace

Result<std::vector<Difference>> DiffExports(const json& a, const json& b, const DiffOptions& options) {
  if (!IsExportDocument(a)) return Status::InvalidArgument("A is not a scopereg export");
  if (!IsExportDocument(b)) return Status::InvalidArgument("B is not a scopereg export");
  std::vector<Difference> out;
  auto changed = [&](const std::string& type, const std::string& name, const std::string& field, const json& x,
                     const json& y) {
    if (x != y) out.push_back(Difference{type, name, "changed", field, x, y});
  };

  const auto maps_a = ByName(a["scopeMaps"]);
  const auto maps_b = ByName(b["scopeMaps"]);
  for (const auto& n : NamesInEither(maps_a, maps_b)) {
    auto ia = maps_a.find(n);
    auto ib = maps_b.find(n);
    if (ib == maps_b.end()) {
      out.push_back(Difference{"scopeMap", n, "removed", "", SortedActions(ia->second), nullptr});
    } else if (ia == maps_a.end()) {
      out.push_back(Difference{"scopeMap", n, "added", "", nullptr, SortedActions(ib->second)});
    } else {
      changed("scopeMap", n, "description", Member(ia->second, "description"), Member(ib->second, "description"));
      changed("scopeMap", n, "actions", SortedActions(ia->second), SortedActions(ib->second));
    }
  }

  auto grants = [](const std::map<std::string, json>& maps, const json& token) {
    json m = Member(token, "scopeMap");
    if (!m.is_string()) return json(nullptr);
    auto it = maps.find(m.get<std::string>());
    return it == maps.end() ? json(nullptr) : SortedActions(it->second);
  };
  const auto tokens_a = ByName(a["tokens"]);
  const auto tokens_b = ByName(b["tokens"]);
  for (const auto& n : NamesInEither(tokens_a, tokens_b)) {
    auto ia = tokens_a.find(n);
    auto ib = tokens_b.find(n);
    if (ib == tokens_b.end()) {
      out.push_back(Difference{"token", n, "removed", "", Member(ia->second, "scopeMap"), nullptr});
      continue;
    }
    if (ia == tokens_a.end()) {
      out.push_back(Difference{"token", n, "added", "", nullptr, Member(ib->second, "scopeMap")});
      continue;
    }
    const json& ta = ia->second;
    const json& tb = ib->second;
    changed("token", n, "status", Member(ta, "status"), Member(tb, "status"));
    changed("token", n, "scopeMap", Member(ta, "scopeMap"), Member(tb, "scopeMap"));
    changed("token", n, "actions", grants(maps_a, ta), grants(maps_b, tb));
    if (options.all_fields) {
      for (const char* field : {"owner", "description", "expiresOn", "labels"}) {
        changed("token", n, field, Member(ta, field), Member(tb, field));
      }
      changed("token", n, "passwords", SlotNames(ta), SlotNames(tb));
    }
  }

  const json admin_a = Member(Member(a, "adminUser"), "enabled");
  const json admin_b = Member(Member(b, "adminUser"), "enabled");
  if (!admin_a.is_null() && !admin_b.is_null()) changed("adminUser", "admin", "enabled", admin_a, admin_b);

  std::stable_sort(out.begin(), out.end(), [](const Difference& x, const Difference& y) {
    auto rank = [](const Difference& d) { return d.type == "scopeMap" ? 0 : d.type == "token" ? 1 : 2; };
    return std::make_tuple(rank(x), x.name) < std::make_tuple(rank(y), y.name);
  });
  return out;
}

json DifferenceJson(const Difference& d) {
  json j{{"type", d.type}, {"name", d.name}, {"change", d.change}, {"field", d.field}, {"a", d.a}, {"b", d.b},
         {"detail", DifferenceDetail(d)}};
  return j;
}

std::string DifferenceDetail(const Difference& d) {
  auto text = [](const json& v) -> std::string {
    if (v.is_null()) return "null";
    if (v.is_string()) return v.get<std::string>();
    return v.dump();
  };
  if (d.change == "added") return d.type == "token" ? "only in B (scope map " + text(d.b) + ")" : "only in B";
  if (d.change == "removed") return d.type == "token" ? "only in A (scope map " + text(d.a) + ")" : "only in A";
  if (d.field == "actions" && d.a.is_array() && d.b.is_array()) {
    std::set<std::string> x, y;
    for (const json& v : d.a) x.insert(v.get<std::string>());
    for (const json& v : d.b) y.insert(v.get<std::string>());
    std::string out = "actions:";
    for (const auto& v : y) {
      if (!x.count(v)) out += " +" + v;
    }
    for (const auto& v : x) {
      if (!y.count(v)) out += " -" + v;
    }
    return out;
  }
  return d.field + ": " + text(d.a) + " -> " + text(d.b);
}

}  // namespace scopereg::cli
