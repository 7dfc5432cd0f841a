// Printing command results: -o json|table|tsv|yaml and --query, like az.
//
//   json   2-space indent, keys sorted (stable across runs and versions)
//   yaml   the same data as YAML (block style, keys sorted; strings that a
//          YAML reader would take for a number, boolean, null or time are
//          quoted)
//   tsv    values only, one line per list item, tab-separated, in key order;
//          nested objects print as "" and nested lists as their length
//          (az's rules), null as "", booleans as true/false; a scalar
//          prints alone, so `-o tsv --query passwords[0].value` captures
//          one value in a script
//   table  the command's az-like columns; with --query (or a command
//          without a layout) a generic table of the scalar fields
//
// The query is applied first. Pure functions except Print's stream writes.
#pragma once

#include <functional>
#include <optional>
#include <ostream>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "scopereg/cli/query.h"
#include "scopereg/core/status.h"

namespace scopereg::cli {

enum class OutputFormat { kJson, kTable, kTsv, kYaml };

// "json", "table", "tsv", "yaml" (also "jsonc"/"yamlc" as az spells its
// coloured variants, printed without colour). kInvalidArgument otherwise.
Result<OutputFormat> ParseOutputFormat(std::string_view name);

// One table row: (column header, cell) in column order.
using TableRow = std::vector<std::pair<std::string, std::string>>;
// A command's table layout: one row per result item.
using TableLayout = std::function<TableRow(const nlohmann::json& item)>;

struct OutputSpec {
  OutputFormat format = OutputFormat::kJson;
  std::optional<Query> query;
};

// Applies the query and writes the result to `out` in the chosen format.
// A null result (nothing matched) prints nothing in tsv and table formats
// and "null" in json, as az does. In table format without --query, the
// layout makes one row per list item; for an object, one row, or with
// `rows_field` (a dotted path of fields) one row per item of that list
// (the passwords of a generate-credentials result).
void Print(const nlohmann::json& result, const OutputSpec& spec, const TableLayout& layout, std::ostream& out,
           std::string_view rows_field = {});

std::string FormatJson(const nlohmann::json& value);  // ends with "\n"
std::string FormatYaml(const nlohmann::json& value);  // ends with "\n"
std::string FormatTsv(const nlohmann::json& value);
// Rows with the same columns in the same order; header, a dashes line, then
// the rows; columns separated by two spaces; trailing blanks trimmed.
std::string FormatTable(const std::vector<TableRow>& rows);
// The generic layout: one column per scalar field ("Name" for "name");
// a list of scalars becomes one "Result" column.
std::vector<TableRow> GenericTableRows(const nlohmann::json& value);

// Table cell helpers shared by the layouts.
// A string field, "" if absent or not a string.
std::string Field(const nlohmann::json& obj, std::string_view key);
// An RFC 3339 time as az prints it (seconds, "Z"); `if_null` for null or
// absent; the text itself if it does not parse.
std::string TimeCell(const nlohmann::json& value, std::string_view if_null = "");
// `text` cut to `max` characters plus "..." (az's DESCRIPTION rule).
std::string Truncate(std::string_view text, std::size_t max);

}  // namespace scopereg::cli
