#include "scopereg/cli/output.h"

#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <cctype>
#include <sstream>

#include "scopereg/core/clock.h"
#include "scopereg/core/strings.h"

namespace scopereg::cli {

using nlohmann::json;

namespace {

// Characters, not bytes, for column widths (descriptions may be UTF-8).
std::size_t DisplayWidth(std::string_view s) {
  std::size_t n = 0;
  for (unsigned char c : s) {
    if ((c & 0xC0) != 0x80) ++n;
  }
  return n;
}

std::string Scalar(const json& v) {
  if (v.is_null()) return "";
  if (v.is_string()) return v.get<std::string>();
  if (v.is_boolean()) return v.get<bool>() ? "true" : "false";
  if (v.is_array()) return std::to_string(v.size());
  if (v.is_object()) return "";
  return v.dump();
}

// A YAML reader would resolve these plain scalars to something other than
// a string (YAML 1.1 and 1.2 rules together), so they are quoted.
bool NeedsQuotes(const std::string& s) {
  if (s.empty()) return true;
  const char c = s.front();
  if (std::isdigit(static_cast<unsigned char>(c)) || c == '-' || c == '+' || c == '.' || c == '~') return true;
  static const char* const kWords[] = {"true", "false", "yes", "no", "on", "off", "y", "n", "null"};
  const std::string lower = ToLower(s);
  for (const char* w : kWords) {
    if (lower == w) return true;
  }
  return false;
}

void EmitYaml(YAML::Emitter& e, const json& v) {
  if (v.is_object()) {
    e << YAML::BeginMap;
    for (const auto& [k, x] : v.items()) {
      e << YAML::Key << k << YAML::Value;
      EmitYaml(e, x);
    }
    e << YAML::EndMap;
  } else if (v.is_array()) {
    e << YAML::BeginSeq;
    for (const json& x : v) EmitYaml(e, x);
    e << YAML::EndSeq;
  } else if (v.is_string()) {
    const std::string& s = v.get_ref<const std::string&>();
    if (NeedsQuotes(s)) e << YAML::DoubleQuoted;
    e << s;
  } else if (v.is_null()) {
    e << YAML::Null;
  } else if (v.is_boolean()) {
    e << v.get<bool>();
  } else {
    e << v.dump();
  }
}

void TsvRow(const json& v, std::string& out) {
  if (v.is_object()) {
    bool first = true;
    for (const auto& [k, x] : v.items()) {
      if (!first) out += '\t';
      first = false;
      out += Scalar(x);
    }
  } else if (v.is_array()) {
    bool first = true;
    for (const json& x : v) {
      if (!first) out += '\t';
      first = false;
      out += Scalar(x);
    }
  } else {
    out += Scalar(v);
  }
  out += '\n';
}

std::string Header(std::string_view key) {
  std::string h(key);
  if (!h.empty()) h[0] = static_cast<char>(std::toupper(static_cast<unsigned char>(h[0])));
  return h;
}

}  // namespace

Result<OutputFormat> ParseOutputFormat(std::string_view name) {
  if (name == "json" || name == "jsonc") return OutputFormat::kJson;
  if (name == "table") return OutputFormat::kTable;
  if (name == "tsv") return OutputFormat::kTsv;
  if (name == "yaml" || name == "yamlc") return OutputFormat::kYaml;
  return Status::InvalidArgument("--output: '" + std::string(name) + "' is not one of json, table, tsv, yaml");
}

std::string FormatJson(const json& value) {
  return value.dump(2, ' ', false, json::error_handler_t::replace) + "\n";
}

std::string FormatYaml(const json& value) {
  YAML::Emitter e;
  e.SetIndent(2);
  EmitYaml(e, value);
  std::string out = e.c_str();
  if (out.empty() || out.back() != '\n') out += '\n';
  return out;
}

std::string FormatTsv(const json& value) {
  std::string out;
  if (value.is_null()) return out;
  if (value.is_array()) {
    for (const json& item : value) TsvRow(item, out);
  } else {
    TsvRow(value, out);
  }
  return out;
}

std::string FormatTable(const std::vector<TableRow>& rows) {
  if (rows.empty()) return "";
  const TableRow& first = rows.front();
  std::vector<std::size_t> width(first.size());
  for (std::size_t c = 0; c < first.size(); ++c) width[c] = DisplayWidth(first[c].first);
  for (const TableRow& r : rows) {
    for (std::size_t c = 0; c < r.size() && c < width.size(); ++c) {
      width[c] = std::max(width[c], DisplayWidth(r[c].second));
    }
  }
  std::string out;
  auto line = [&](auto cell) {
    std::string l;
    for (std::size_t c = 0; c < width.size(); ++c) {
      std::string text = cell(c);
      // Cells are single lines: a newline would break every column after it.
      std::replace(text.begin(), text.end(), '\n', ' ');
      l += text;
      if (c + 1 < width.size()) l += std::string(width[c] - DisplayWidth(text) + 2, ' ');
    }
    while (!l.empty() && l.back() == ' ') l.pop_back();
    out += l + "\n";
  };
  line([&](std::size_t c) { return first[c].first; });
  line([&](std::size_t c) { return std::string(width[c], '-'); });
  for (const TableRow& r : rows) {
    line([&](std::size_t c) { return c < r.size() ? r[c].second : std::string(); });
  }
  return out;
}

std::vector<TableRow> GenericTableRows(const json& value) {
  std::vector<TableRow> rows;
  // Scalar fields of an object, in key order.
  auto scalar_keys = [](const json& obj) {
    std::vector<std::string> keys;
    for (const auto& [k, v] : obj.items()) {
      if (!v.is_object() && !v.is_array()) keys.push_back(k);
    }
    return keys;
  };
  auto row_of = [](const json& obj, const std::vector<std::string>& keys) {
    TableRow row;
    for (const std::string& k : keys) {
      auto it = obj.find(k);
      row.emplace_back(Header(k), it == obj.end() ? "" : Scalar(*it));
    }
    return row;
  };
  if (value.is_array()) {
    // Columns come from the first object; later objects fill the same ones.
    std::vector<std::string> keys;
    for (const json& item : value) {
      if (item.is_object()) {
        keys = scalar_keys(item);
        break;
      }
    }
    for (const json& item : value) {
      if (item.is_object()) {
        rows.push_back(row_of(item, keys));
      } else {
        rows.push_back({{"Result", Scalar(item)}});
      }
    }
  } else if (value.is_object()) {
    rows.push_back(row_of(value, scalar_keys(value)));
  } else if (!value.is_null()) {
    rows.push_back({{"Result", Scalar(value)}});
  }
  return rows;
}

void Print(const json& result, const OutputSpec& spec, const TableLayout& layout, std::ostream& out,
           std::string_view rows_field) {
  const json value = spec.query ? spec.query->Evaluate(result) : result;
  switch (spec.format) {
    case OutputFormat::kJson:
      out << FormatJson(value);
      break;
    case OutputFormat::kYaml:
      out << FormatYaml(value);
      break;
    case OutputFormat::kTsv:
      out << FormatTsv(value);
      break;
    case OutputFormat::kTable: {
      std::vector<TableRow> rows;
      if (layout && !spec.query && (value.is_object() || value.is_array())) {
        const json* items = value.is_array() ? &value : nullptr;
        if (!rows_field.empty() && value.is_object()) {
          // A dotted path of object fields: "credentials.passwords".
          const json* at = &value;
          for (std::string_view key : Split(rows_field, '.')) {
            auto it = at->is_object() ? at->find(std::string(key)) : at->end();
            at = it != at->end() ? &*it : nullptr;
            if (at == nullptr) break;
          }
          if (at != nullptr && at->is_array()) items = at;
        }
        if (items != nullptr) {
          for (const json& item : *items) rows.push_back(layout(item));
        } else {
          rows.push_back(layout(value));
        }
      } else {
        rows = GenericTableRows(value);
      }
      out << FormatTable(rows);
      break;
    }
  }
  out.flush();
}

std::string Field(const json& obj, std::string_view key) {
  if (!obj.is_object()) return "";
  auto it = obj.find(std::string(key));
  if (it == obj.end() || !it->is_string()) return "";
  return it->get<std::string>();
}

std::string TimeCell(const json& value, std::string_view if_null) {
  if (!value.is_string()) return std::string(if_null);
  const std::string& s = value.get_ref<const std::string&>();
  auto t = ParseRfc3339(s);
  return t ? FormatRfc3339(*t) : s;
}

std::string Truncate(std::string_view text, std::size_t max) {
  if (DisplayWidth(text) <= max) return std::string(text);
  std::size_t chars = 0, i = 0;
  for (; i < text.size(); ++i) {
    if ((static_cast<unsigned char>(text[i]) & 0xC0) != 0x80) {
      if (chars == max) break;
      ++chars;
    }
  }
  return std::string(text.substr(0, i)) + "...";
}

}  // namespace scopereg::cli
