// Database: the SQLite plumbing shared by every store that keeps its tables
// in the embedded database (metadata, the access model, the audit log).
// Not part of the metadata interface: only code under metadata/sqlite/ and
// its tests include this header.
//
//   Database  one file, its options, and a pool of connections.
//   Connection  one sqlite3 handle, used by one thread at a time, with its
//               prepared statements cached for the life of the handle.
//   Statement  a cached prepared statement borrowed for one execution;
//              reset and unbound when it goes out of scope.
//
// Every connection is opened with SQLITE_OPEN_NOMUTEX (Debian's library
// serialises every call otherwise) and belongs to at most one thread at a
// time: Database::ThreadConnection() gives each thread its own, opened on first
// use and handed to another thread after the owning thread exits. With
// SqliteOptions::background_checkpoint, one more connection and thread
// checkpoint the WAL when a commit reports it has grown past 1000 pages.
//
// Errors: every SQLite result code becomes a Status. Busy, locked and I/O
// errors (including a full disk or a file that cannot be opened) are
// kUnavailable, corruption and "not a database" are kDataLoss, out of memory
// is kResourceExhausted, anything else (SQL errors, misuse, unexpected
// constraint violations) is kInternal.
//
// Thread safety: Database is safe for concurrent use. A Connection and its
// Statements are used only by the thread that got them from
// ThreadConnection(). The Database must outlive every call in progress.
#pragma once

#include <sqlite3.h>
#include <utility>

#include <atomic>
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <thread>
#include <type_traits>
#include <unordered_map>

#include "scopereg/core/clock.h"
#include "scopereg/core/status.h"
#include "scopereg/metadata/sqlite/sqlite_options.h"

namespace scopereg::metadata::sqlite {

// Maps a SQLite result code (primary or extended) to a Status code.
StatusCode StatusCodeForSqlite(int rc);

class Connection;
class ConnectionPool;

// A prepared statement borrowed from a Connection's cache for one
// execution. Column and bind indexes are SQLite's (columns from 0, binds from
// 1). Text and blob binds do not copy: the bound bytes must stay valid until
// the Statement is destroyed.
class Statement {
 public:
  Statement(Connection* connection, sqlite3_stmt* stmt) : connection_(connection), stmt_(stmt) {}
  Statement(Statement&& other) noexcept
      : connection_(other.connection_),
        stmt_(std::exchange(other.stmt_, nullptr)),
        bind_rc_(other.bind_rc_) {}
  Statement& operator=(Statement&&) = delete;
  Statement(const Statement&) = delete;
  ~Statement();

  Statement& BindInt(int index, std::int64_t value);
  Statement& BindBool(int index, bool value) { return BindInt(index, value ? 1 : 0); }
  Statement& BindText(int index, std::string_view value);
  Statement& BindBlob(int index, std::string_view value);
  Statement& BindNull(int index);
  // NULL when `value` is empty.
  Statement& BindOptionalBool(int index, std::optional<bool> value) {
    return value ? BindBool(index, *value) : BindNull(index);
  }

  // Advances to the next row. true: a row is available; false: done.
  Result<bool> Step();
  // Steps to the end, ignoring rows (INSERT, UPDATE, DELETE).
  Status Run();
  // Rows changed by the last Run() on this connection.
  int changes() const;

  std::int64_t Int(int column) const { return sqlite3_column_int64(stmt_, column); }
  bool Bool(int column) const { return sqlite3_column_int64(stmt_, column) != 0; }
  bool IsNull(int column) const { return sqlite3_column_type(stmt_, column) == SQLITE_NULL; }
  // Valid until the next Step or the end of the Statement.
  std::string_view Text(int column) const;
  std::string_view Blob(int column) const;

 private:
  // Keeps the first failed bind for Step to report.
  Statement& Check(int bind_rc) {
    if (bind_rc_ == SQLITE_OK) bind_rc_ = bind_rc;
    return *this;
  }

  Connection* connection_;
  sqlite3_stmt* stmt_;
  int bind_rc_ = SQLITE_OK;  // the first failed bind, reported by Step
};

class Connection {
 public:
  // Opens `path` (which must exist or be creatable) and applies the
  // per-connection settings: busy timeout, synchronous, foreign keys.
  static Result<std::unique_ptr<Connection>> Open(const std::string& path, const SqliteOptions& options);
  ~Connection();
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;

  // The cached statement for `sql`, prepared on first use. The cache is
  // keyed by the address of `sql`, so pass string constants with static
  // storage, never a temporary. Only one Statement per `sql` may be alive on
  // a connection at a time (they share the sqlite3_stmt). kInternal if the
  // SQL does not compile (kDataLoss if the schema is corrupt).
  Result<Statement> Prepare(const char* sql);
  // Runs one or more statements without caching them (schema, pragmas).
  Status Execute(const char* sql);

  // Converts `rc` into a Status naming `what` and SQLite's message, and
  // remembers whether it was a busy error (see last_error_was_busy).
  Status Error(int rc, std::string_view what);
  // Whether the last error converted by Error() was SQLITE_BUSY; the
  // transaction retry loop uses it to tell contention from failure.
  bool last_error_was_busy() const { return last_error_was_busy_; }
  void clear_last_error() { last_error_was_busy_ = false; }

  sqlite3* handle() const { return db_; }

 private:
  explicit Connection(sqlite3* db) : db_(db) {}

  sqlite3* db_;
  std::unordered_map<const char*, sqlite3_stmt*> statements_;
  bool last_error_was_busy_ = false;
};

// A non-owning reference to a callable, so the transaction loop takes any
// lambda without allocating.
template <typename Signature>
class FunctionRef;
template <typename R, typename... Args>
class FunctionRef<R(Args...)> {
 public:
  template <typename F, typename = std::enable_if_t<!std::is_same_v<std::decay_t<F>, FunctionRef>>>
  FunctionRef(F&& f)  // NOLINT: implicit by design
      : object_(const_cast<void*>(static_cast<const void*>(&f))), call_([](void* o, Args... args) -> R {
          return (*static_cast<std::remove_reference_t<F>*>(o))(std::forward<Args>(args)...);
        }) {}
  R operator()(Args... args) const { return call_(object_, std::forward<Args>(args)...); }

 private:
  void* object_;
  R (*call_)(void*, Args...);
};

// One step of the schema. Versions start at 1 and increase by one.
struct Migration {
  int version;
  std::string_view name;
  const char* sql;  // one or more statements, run in one transaction
};

class Database {
 public:
  enum class TransactionMode { kRead, kWrite };

  // Opens the file, switches it to WAL and checks that it is a database.
  //   kInvalidArgument: `path` is empty or in-memory (":memory:" would give
  //     every connection its own database);
  //   kUnavailable: the file cannot be opened or created;
  //   kDataLoss: the file is not a SQLite database or is corrupt.
  static Result<std::unique_ptr<Database>> Open(std::string path, SqliteOptions options);
  ~Database();
  Database(const Database&) = delete;
  Database& operator=(const Database&) = delete;

  // This thread's connection, opened on first use. kUnavailable if it
  // cannot be opened.
  Result<Connection*> ThreadConnection();

  // Runs `body` in a transaction on this thread's connection and commits if
  // it returns OK; otherwise rolls back and returns its Status. kWrite
  // starts with BEGIN IMMEDIATE, so the body never fails half-way to get
  // the write lock. A body that fails with SQLITE_BUSY (or a BEGIN or COMMIT
  // that does) is rolled back and run again until the busy timeout has
  // passed, so bodies must only change state through the connection.
  // REQUIRES: no transaction is open on this thread's connection.
  Status Transaction(TransactionMode mode, FunctionRef<Status(Connection&)> body);

  // Applies the migrations whose version is above the stored one, each in
  // its own write transaction, recording them (with `now`) in the
  // schema_migrations table. Idempotent; safe if several processes migrate
  // at once.
  //   kFailedPrecondition: the database has a version this list does not
  //     know (written by a newer binary);
  //   kInternal: the list is not numbered 1, 2, 3...
  Status Migrate(std::span<const Migration> migrations, Time now);
  // The highest applied migration, 0 for a new file.
  Result<int> SchemaVersion();

  const std::string& path() const { return path_; }
  const SqliteOptions& options() const { return options_; }
  // Connections opened so far (in use or idle), for tests and metrics.
  std::size_t connection_count() const;
  // Background checkpoints that completed (options().background_checkpoint).
  std::uint64_t checkpoint_count() const { return checkpoints_.load(); }

 private:
  Database(std::string path, SqliteOptions options, std::shared_ptr<ConnectionPool> pool,
           std::unique_ptr<Connection> checkpoint_connection);
  void RunCheckpoints();

  std::string path_;
  SqliteOptions options_;
  // Shared with the thread-exit hooks that return a connection to the pool,
  // which may run after the Database is gone.
  std::shared_ptr<ConnectionPool> pool_;
  // The background checkpointer's own connection and thread, or null.
  std::unique_ptr<Connection> checkpoint_connection_;
  std::atomic<std::uint64_t> checkpoints_{0};
  std::thread checkpointer_;
};

}  // namespace scopereg::metadata::sqlite
