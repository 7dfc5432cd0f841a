#include "scopereg/metadata/sqlite/database.h"

#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <mutex>
#include <thread>
#include <vector>

#include "scopereg/core/log.h"

namespace scopereg::metadata::sqlite {

namespace {

// SQLite's own auto-checkpoint mark, in WAL pages.
constexpr int kCheckpointPages = 1000;

// Wakes the checkpoint thread. Commits on any thread call Request() (from
// SQLite's WAL hook); the checkpoint thread waits in Wait().
class CheckpointSignal {
 public:
  void Request() {
    // Commits keep calling while the WAL is large: only the first takes the
    // lock. The flag is set before locking, so the waiter cannot miss it.
    if (requested_.exchange(true)) return;
    std::lock_guard<std::mutex> lock(mu_);
    cv_.notify_one();
  }
  // Blocks until a checkpoint is requested (true) or Stop() was called.
  bool Wait() {
    std::unique_lock<std::mutex> lock(mu_);
    cv_.wait(lock, [&] { return stopped_ || requested_.load(); });
    requested_ = false;
    return !stopped_;
  }
  void Stop() {
    {
      std::lock_guard<std::mutex> lock(mu_);
      stopped_ = true;
    }
    cv_.notify_all();
  }

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  std::atomic<bool> requested_{false};
  bool stopped_ = false;  // GUARDED_BY(mu_)
};

int OnWalCommit(void* signal, sqlite3* /*db*/, const char* /*schema*/, int wal_pages) {
  if (wal_pages >= kCheckpointPages) static_cast<CheckpointSignal*>(signal)->Request();
  return SQLITE_OK;
}

}  // namespace

// Owns every connection of one Database. A connection is either idle here
// or lent to exactly one thread, which gives it back when it exits.
class ConnectionPool {
 public:
  ConnectionPool(std::string path, SqliteOptions options) : path_(std::move(path)), options_(options) {}

  // Outlives every connection (they are members of this pool), so the WAL
  // hooks may point at it.
  CheckpointSignal& checkpoint_signal() { return checkpoint_signal_; }

  Result<Connection*> Take() {
    {
      std::lock_guard<std::mutex> lock(mu_);
      if (!idle_.empty()) {
        Connection* c = idle_.back();
        idle_.pop_back();
        return c;
      }
    }
    // Opening touches the file system: do it outside the lock.
    SCOPEREG_ASSIGN_OR_RETURN(std::unique_ptr<Connection> opened, Connection::Open(path_, options_));
    // Replaces SQLite's inline auto-checkpoint on this connection.
    if (options_.background_checkpoint) sqlite3_wal_hook(opened->handle(), OnWalCommit, &checkpoint_signal_);
    std::lock_guard<std::mutex> lock(mu_);
    all_.push_back(std::move(opened));
    return all_.back().get();
  }

  void Return(Connection* c) {
    std::lock_guard<std::mutex> lock(mu_);
    idle_.push_back(c);
  }

  std::size_t size() const {
    std::lock_guard<std::mutex> lock(mu_);
    return all_.size();
  }

 private:
  const std::string path_;
  const SqliteOptions options_;
  CheckpointSignal checkpoint_signal_;
  mutable std::mutex mu_;
  std::vector<std::unique_ptr<Connection>> all_;  // GUARDED_BY(mu_)
  std::vector<Connection*> idle_;                 // GUARDED_BY(mu_)
};

namespace {

constexpr char kBeginRead[] = "BEGIN";
constexpr char kBeginWrite[] = "BEGIN IMMEDIATE";
constexpr char kCommit[] = "COMMIT";
constexpr char kRollback[] = "ROLLBACK";
constexpr char kJournalModeWal[] = "PRAGMA journal_mode = WAL";

constexpr char kCreateMigrationsTable[] =
    "CREATE TABLE IF NOT EXISTS schema_migrations ("
    " version INTEGER PRIMARY KEY,"
    " name TEXT NOT NULL,"
    " applied_at BIGINT NOT NULL)";
constexpr char kHasMigrationsTable[] =
    "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = 'schema_migrations'";
constexpr char kSelectSchemaVersion[] = "SELECT coalesce(max(version), 0) FROM schema_migrations";
constexpr char kInsertMigration[] =
    "INSERT INTO schema_migrations (version, name, applied_at) VALUES (?1, ?2, ?3)";

// The connections this thread borrowed, one per live Database. Entries of
// a destroyed Database are recognised by their expired weak_ptr (the pool
// address alone could be reused by a new Database).
struct ThreadSlot {
  const ConnectionPool* pool;
  std::weak_ptr<ConnectionPool> owner;
  Connection* connection;
};

class ThreadSlots {
 public:
  ~ThreadSlots() {
    for (ThreadSlot& slot : slots) {
      if (std::shared_ptr<ConnectionPool> pool = slot.owner.lock()) pool->Return(slot.connection);
    }
  }
  std::vector<ThreadSlot> slots;
};

thread_local ThreadSlots thread_slots;

std::string_view Abbreviate(std::string_view sql) {
  constexpr std::size_t kMax = 80;
  return sql.size() <= kMax ? sql : sql.substr(0, kMax);
}

Result<int> ReadSchemaVersion(Connection& c) {
  SCOPEREG_ASSIGN_OR_RETURN(Statement has_table, c.Prepare(kHasMigrationsTable));
  SCOPEREG_ASSIGN_OR_RETURN(bool row, has_table.Step());
  if (!row || has_table.Int(0) == 0) return 0;
  SCOPEREG_ASSIGN_OR_RETURN(Statement version, c.Prepare(kSelectSchemaVersion));
  SCOPEREG_ASSIGN_OR_RETURN(row, version.Step());
  if (!row) return 0;
  return static_cast<int>(version.Int(0));
}

Status RunTransactionOnce(Connection& c, Database::TransactionMode mode,
                          FunctionRef<Status(Connection&)> body) {
  {
    SCOPEREG_ASSIGN_OR_RETURN(
        Statement begin, c.Prepare(mode == Database::TransactionMode::kWrite ? kBeginWrite : kBeginRead));
    SCOPEREG_RETURN_IF_ERROR(begin.Run());
  }
  Status status = body(c);
  if (status.ok()) {
    Result<Statement> commit = c.Prepare(kCommit);
    status = commit.ok() ? commit->Run() : commit.status();
    if (status.ok()) return status;
  }
  // Some errors (a full disk, an I/O error) roll the transaction back by
  // themselves; only roll back what is still open.
  if (sqlite3_get_autocommit(c.handle()) == 0) {
    // Best effort: if even ROLLBACK fails, the connection is unusable and
    // the next BEGIN reports it.
    if (Result<Statement> rollback = c.Prepare(kRollback); rollback.ok()) (void)rollback->Run();
  }
  return status;
}

}  // namespace

StatusCode StatusCodeForSqlite(int rc) {
  switch (rc & 0xff) {
    case SQLITE_OK:
    case SQLITE_ROW:
    case SQLITE_DONE:
      return StatusCode::kOk;
    case SQLITE_BUSY:
    case SQLITE_LOCKED:
    case SQLITE_IOERR:
    case SQLITE_FULL:
    case SQLITE_CANTOPEN:
    case SQLITE_PROTOCOL:
    case SQLITE_READONLY:
    case SQLITE_PERM:
    case SQLITE_NOLFS:
    case SQLITE_INTERRUPT:
      return StatusCode::kUnavailable;
    case SQLITE_CORRUPT:
    case SQLITE_NOTADB:
      return StatusCode::kDataLoss;
    case SQLITE_NOMEM:
    case SQLITE_TOOBIG:
      return StatusCode::kResourceExhausted;
    default:
      return StatusCode::kInternal;
  }
}

// ---- Statement ---------------------------------------------------------------

Statement::~Statement() {
  if (stmt_ == nullptr) return;
  // Resetting ends the statement's read snapshot (which would otherwise
  // hold back WAL checkpoints); clearing drops pointers to the caller's
  // bound bytes.
  sqlite3_reset(stmt_);
  sqlite3_clear_bindings(stmt_);
}

Statement& Statement::BindInt(int index, std::int64_t value) {
  return Check(sqlite3_bind_int64(stmt_, index, value));
}

Statement& Statement::BindText(int index, std::string_view value) {
  // A null data pointer would bind SQL NULL instead of ''.
  const char* data = value.data() != nullptr ? value.data() : "";
  return Check(sqlite3_bind_text64(stmt_, index, data, value.size(), SQLITE_STATIC, SQLITE_UTF8));
}

Statement& Statement::BindBlob(int index, std::string_view value) {
  const char* data = value.data() != nullptr ? value.data() : "";
  return Check(sqlite3_bind_blob64(stmt_, index, data, value.size(), SQLITE_STATIC));
}

Statement& Statement::BindNull(int index) { return Check(sqlite3_bind_null(stmt_, index)); }

Result<bool> Statement::Step() {
  if (bind_rc_ != SQLITE_OK) return connection_->Error(bind_rc_, Abbreviate(sqlite3_sql(stmt_)));
  int rc = sqlite3_step(stmt_);
  if (rc == SQLITE_ROW) return true;
  if (rc == SQLITE_DONE) return false;
  return connection_->Error(rc, Abbreviate(sqlite3_sql(stmt_)));
}

Status Statement::Run() {
  while (true) {
    SCOPEREG_ASSIGN_OR_RETURN(bool row, Step());
    if (!row) return Status::Ok();
  }
}

int Statement::changes() const { return sqlite3_changes(connection_->handle()); }

std::string_view Statement::Text(int column) const {
  const unsigned char* text = sqlite3_column_text(stmt_, column);
  if (text == nullptr) return {};
  return {reinterpret_cast<const char*>(text), static_cast<std::size_t>(sqlite3_column_bytes(stmt_, column))};
}

std::string_view Statement::Blob(int column) const {
  const void* blob = sqlite3_column_blob(stmt_, column);
  if (blob == nullptr) return {};
  return {static_cast<const char*>(blob), static_cast<std::size_t>(sqlite3_column_bytes(stmt_, column))};
}

// ---- Connection --------------------------------------------------------------

Result<std::unique_ptr<Connection>> Connection::Open(const std::string& path, const SqliteOptions& options) {
  sqlite3* db = nullptr;
  int rc = sqlite3_open_v2(path.c_str(), &db,
                           SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, nullptr);
  auto open_error = [&](int code, const char* detail) {
    return Status(StatusCodeForSqlite(code), "sqlite: open " + path + ": " + detail);
  };
  if (rc != SQLITE_OK) {
    Status status = open_error(rc, db != nullptr ? sqlite3_errmsg(db) : sqlite3_errstr(rc));
    sqlite3_close_v2(db);
    return status;
  }
  std::unique_ptr<Connection> c(new Connection(db));
  sqlite3_extended_result_codes(db, 1);
  // SQLite opens a write-protected file read-only without complaint; say so
  // now rather than on the first write.
  if (sqlite3_db_readonly(db, "main") == 1) {
    return open_error(SQLITE_READONLY, "the database file is read-only");
  }
  sqlite3_busy_timeout(db, static_cast<int>(options.busy_timeout.count()));
  // The first statement reads the header: a file that is not a database
  // fails here.
  rc = sqlite3_exec(db,
                    options.full_sync ? "PRAGMA synchronous = FULL; PRAGMA foreign_keys = ON"
                                      : "PRAGMA synchronous = NORMAL; PRAGMA foreign_keys = ON",
                    nullptr, nullptr, nullptr);
  if (rc != SQLITE_OK) return open_error(rc, sqlite3_errmsg(db));
  return c;
}

Connection::~Connection() {
  for (auto& [sql, stmt] : statements_) sqlite3_finalize(stmt);
  sqlite3_close_v2(db_);
}

Result<Statement> Connection::Prepare(const char* sql) {
  auto it = statements_.find(sql);
  if (it != statements_.end()) return Statement(this, it->second);
  sqlite3_stmt* stmt = nullptr;
  int rc = sqlite3_prepare_v3(db_, sql, -1, SQLITE_PREPARE_PERSISTENT, &stmt, nullptr);
  if (rc != SQLITE_OK) return Error(rc, Abbreviate(sql));
  statements_.emplace(sql, stmt);
  return Statement(this, stmt);
}

Status Connection::Execute(const char* sql) {
  char* message = nullptr;
  int rc = sqlite3_exec(db_, sql, nullptr, nullptr, &message);
  if (rc == SQLITE_OK) return Status::Ok();
  std::string text = message != nullptr ? message : sqlite3_errstr(rc);
  sqlite3_free(message);
  last_error_was_busy_ = (rc & 0xff) == SQLITE_BUSY;
  return Status(StatusCodeForSqlite(rc), "sqlite: " + std::string(Abbreviate(sql)) + ": " + text);
}

Status Connection::Error(int rc, std::string_view what) {
  last_error_was_busy_ = (rc & 0xff) == SQLITE_BUSY;
  // sqlite3_errmsg describes the most recent failure on this handle, which
  // is `rc` unless the caller converts a stale code.
  const char* detail = sqlite3_errcode(db_) == rc ? sqlite3_errmsg(db_) : sqlite3_errstr(rc);
  std::string message = "sqlite: ";
  message.append(what);
  message += ": ";
  message += detail;
  return Status(StatusCodeForSqlite(rc), std::move(message));
}

// ---- Database ----------------------------------------------------------------

Database::Database(std::string path, SqliteOptions options, std::shared_ptr<ConnectionPool> pool,
                   std::unique_ptr<Connection> checkpoint_connection)
    : path_(std::move(path)),
      options_(options),
      pool_(std::move(pool)),
      checkpoint_connection_(std::move(checkpoint_connection)) {
  if (checkpoint_connection_) checkpointer_ = std::thread([this] { RunCheckpoints(); });
}

Database::~Database() {
  if (checkpointer_.joinable()) {
    pool_->checkpoint_signal().Stop();
    checkpointer_.join();
  }
}

void Database::RunCheckpoints() {
  while (pool_->checkpoint_signal().Wait()) {
    // PASSIVE never waits for readers or writers; what it cannot copy now
    // the next request copies. Once a checkpoint has caught up, the next
    // writer starts the WAL over, so the file stops growing.
    int rc = sqlite3_wal_checkpoint_v2(checkpoint_connection_->handle(), nullptr, SQLITE_CHECKPOINT_PASSIVE,
                                       nullptr, nullptr);
    if (rc == SQLITE_OK) {
      ++checkpoints_;
    } else if ((rc & 0xff) != SQLITE_BUSY) {
      log::Warn(
          "sqlite checkpoint failed",
          {{"path", path_}, {"error", std::string_view(sqlite3_errmsg(checkpoint_connection_->handle()))}});
    }
  }
}

Result<std::unique_ptr<Database>> Database::Open(std::string path, SqliteOptions options) {
  if (path.empty() || path == ":memory:" || path.starts_with("file:")) {
    return Status::InvalidArgument("sqlite: the database must be a file path, not \"" + path + "\"");
  }
  auto pool = std::make_shared<ConnectionPool>(path, options);
  SCOPEREG_ASSIGN_OR_RETURN(Connection * first, pool->Take());
  // WAL is a property of the file, so one connection sets it for all. It is
  // also the first read of the header, so a file that is not a database
  // fails here and not on the first request.
  Status status = [&]() -> Status {
    SCOPEREG_ASSIGN_OR_RETURN(Statement wal, first->Prepare(kJournalModeWal));
    SCOPEREG_ASSIGN_OR_RETURN(bool row, wal.Step());
    if (!row || wal.Text(0) != "wal") return Status::Unavailable("sqlite: cannot switch to WAL mode");
    return Status::Ok();
  }();
  pool->Return(first);
  if (!status.ok()) return status.WithPrefix(path);
  std::unique_ptr<Connection> checkpoint_connection;
  if (options.background_checkpoint) {
    SCOPEREG_ASSIGN_OR_RETURN(checkpoint_connection, Connection::Open(path, options));
  }
  return std::unique_ptr<Database>(
      new Database(std::move(path), options, std::move(pool), std::move(checkpoint_connection)));
}

Result<Connection*> Database::ThreadConnection() {
  for (const ThreadSlot& slot : thread_slots.slots) {
    if (slot.pool == pool_.get() && !slot.owner.expired()) return slot.connection;
  }
  std::erase_if(thread_slots.slots, [](const ThreadSlot& slot) { return slot.owner.expired(); });
  SCOPEREG_ASSIGN_OR_RETURN(Connection * c, pool_->Take());
  thread_slots.slots.push_back(ThreadSlot{pool_.get(), pool_, c});
  return c;
}

std::size_t Database::connection_count() const { return pool_->size(); }

Status Database::Transaction(TransactionMode mode, FunctionRef<Status(Connection&)> body) {
  SCOPEREG_ASSIGN_OR_RETURN(Connection * c, ThreadConnection());
  // busy_timeout already makes SQLite wait for the lock inside one call;
  // this loop covers what it does not: a body that met SQLITE_BUSY part-way
  // (WAL recovery, a COMMIT waiting on readers) is retried as a whole until
  // the same timeout has passed.
  const auto deadline = std::chrono::steady_clock::now() + options_.busy_timeout;
  auto backoff = std::chrono::milliseconds(1);
  while (true) {
    c->clear_last_error();
    Status status = RunTransactionOnce(*c, mode, body);
    if (status.ok() || !c->last_error_was_busy() || std::chrono::steady_clock::now() >= deadline) {
      return status;
    }
    std::this_thread::sleep_for(backoff);
    backoff = std::min(backoff * 2, std::chrono::milliseconds(50));
  }
}

Result<int> Database::SchemaVersion() {
  SCOPEREG_ASSIGN_OR_RETURN(Connection * c, ThreadConnection());
  return ReadSchemaVersion(*c);
}

Status Database::Migrate(std::span<const Migration> migrations, Time now) {
  for (std::size_t i = 0; i < migrations.size(); ++i) {
    if (migrations[i].version != static_cast<int>(i) + 1) {
      return Status::Internal("sqlite: migration list is not numbered 1, 2, 3...: entry " +
                              std::to_string(i) + " has version " + std::to_string(migrations[i].version));
    }
  }
  const int latest = static_cast<int>(migrations.size());
  int stored = 0;
  SCOPEREG_RETURN_IF_ERROR(Transaction(TransactionMode::kWrite, [&](Connection& c) -> Status {
    SCOPEREG_RETURN_IF_ERROR(c.Execute(kCreateMigrationsTable));
    SCOPEREG_ASSIGN_OR_RETURN(stored, ReadSchemaVersion(c));
    return Status::Ok();
  }));
  if (stored > latest) {
    return Status::FailedPrecondition("sqlite: " + path_ + " has schema version " + std::to_string(stored) +
                                      ", newer than this binary's " + std::to_string(latest));
  }
  for (const Migration& m : migrations.subspan(static_cast<std::size_t>(stored))) {
    Status status = Transaction(TransactionMode::kWrite, [&](Connection& c) -> Status {
      // Another process may have applied it since the version was read.
      SCOPEREG_ASSIGN_OR_RETURN(int current, ReadSchemaVersion(c));
      if (current >= m.version) return Status::Ok();
      SCOPEREG_RETURN_IF_ERROR(c.Execute(m.sql));
      SCOPEREG_ASSIGN_OR_RETURN(Statement insert, c.Prepare(kInsertMigration));
      return insert.BindInt(1, m.version).BindText(2, m.name).BindInt(3, ToUnixMillis(now)).Run();
    });
    if (!status.ok()) {
      return status.WithPrefix("migration " + std::to_string(m.version) + " (" + std::string(m.name) + ")");
    }
  }
  return Status::Ok();
}

}  // namespace scopereg::metadata::sqlite
