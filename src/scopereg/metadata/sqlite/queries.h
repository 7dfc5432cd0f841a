// Small read helpers over database.h shared by the stores kept in the
// SQLite file (SqliteMetadataStore, SqliteAccessStore): collecting rows,
// one-row and many-row reads outside a transaction, LIMIT values. Internal
// to metadata/sqlite.
#pragma once

#include <utility>

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <string>
#include <vector>

#include "scopereg/core/status.h"
#include "scopereg/metadata/sqlite/database.h"

namespace scopereg::metadata::sqlite {

using Binder = FunctionRef<void(Statement&)>;

// `limit` as a LIMIT value (clamped to SQLite's integer range).
inline std::int64_t Limit(std::size_t limit) {
  constexpr auto kMax = static_cast<std::size_t>(std::numeric_limits<std::int64_t>::max());
  return static_cast<std::int64_t>(std::min(limit, kMax));
}

// Every remaining row of `s`, each converted by `read_row`
// (Result<T>(const Statement&)); the first conversion error stops it.
template <typename T, typename ReadRow>
Result<std::vector<T>> ReadAll(Statement& s, ReadRow read_row) {
  std::vector<T> out;
  while (true) {
    SCOPEREG_ASSIGN_OR_RETURN(bool row, s.Step());
    if (!row) return out;
    SCOPEREG_ASSIGN_OR_RETURN(T item, read_row(s));
    out.push_back(std::move(item));
  }
}

inline Result<std::string> ReadText0(const Statement& s) { return std::string(s.Text(0)); }

// Runs a one-row read on this thread's connection, outside any transaction
// (a single statement reads one consistent snapshot). `not_found` makes the
// Status for "no row".
template <typename ReadRow>
auto QueryRow(Database& db, const char* sql, Binder bind, ReadRow read_row, FunctionRef<Status()> not_found)
    -> decltype(read_row(std::declval<const Statement&>())) {
  SCOPEREG_ASSIGN_OR_RETURN(Connection * c, db.ThreadConnection());
  SCOPEREG_ASSIGN_OR_RETURN(Statement s, c->Prepare(sql));
  bind(s);
  SCOPEREG_ASSIGN_OR_RETURN(bool row, s.Step());
  if (!row) return not_found();
  return read_row(s);
}

// Runs a read of many rows on this thread's connection.
template <typename T, typename ReadRow>
Result<std::vector<T>> QueryRows(Database& db, const char* sql, Binder bind, ReadRow read_row) {
  SCOPEREG_ASSIGN_OR_RETURN(Connection * c, db.ThreadConnection());
  SCOPEREG_ASSIGN_OR_RETURN(Statement s, c->Prepare(sql));
  bind(s);
  return ReadAll<T>(s, read_row);
}

}  // namespace scopereg::metadata::sqlite
