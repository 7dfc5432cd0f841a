// The SQLite schema as an ordered list of migrations (Database::Migrate).
//
// To add tables (tokens, scope maps, operator credentials, audit events,
// last-used data...): append a Migration with the next version to the list
// in schema.cc, in its own constant. Never edit or reorder a migration that
// has shipped: databases in the field have already applied it.
//
// Portability (scale-out.md §5): the PostgreSQL backend keeps its own DDL,
// but the same tables, columns and meanings: integer Unix-millisecond
// timestamps, booleans as BOOLEAN (0/1 in SQLite), digests and names as
// TEXT compared in byte order, binary state as BLOB (bytea).
#pragma once

#include <span>
#include <string_view>

#include "scopereg/metadata/sqlite/database.h"

namespace scopereg::metadata::sqlite {

std::span<const Migration> SchemaMigrations();

// The migration that created the access model and audit tables.
inline constexpr int kAccessSchemaVersion = 2;

// kFailedPrecondition naming `what` ("access store") unless `db` has been
// migrated to at least `version`; the store errors of SchemaVersion().
Status RequireSchemaVersion(Database& db, int version, std::string_view what);

}  // namespace scopereg::metadata::sqlite
