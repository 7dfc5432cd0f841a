// SqliteAccessStore: the embedded auth::AccessStore (auth/access_store.h):
// scope maps, tokens, the admin user, operator credentials and password
// last-used data in the SQLite database that also holds the metadata and
// the audit log. tests/testing/access_store_suite.h checks it.
//
// Usage (sharing the database of a migrated SqliteMetadataStore):
//   SCOPEREG_ASSIGN_OR_RETURN(auto access, SqliteAccessStore::Create(metadata->database()));
//   SCOPEREG_ASSIGN_OR_RETURN(auto subscription, access->Subscribe(auth_state));
//
// Why a class of its own and not SqliteMetadataStore implementing a second
// interface: the two contracts share nothing but the Database (connections,
// transactions, migrations), which both hold; this one adds state of its
// own (the observers and the lock that orders their notifications), and a
// server with auth.mode=none does not need it.
//
// Management audit: every mutating method inserts its AccessChange into
// audit_events (as SqliteAuditLog would, audit_rows.h) inside the write's
// own BEGIN IMMEDIATE transaction, after the write, so the change and its
// audit row commit together or not at all.
//
// Change feed (architecture decision 4, the embedded case): observers are
// called on the writing thread after COMMIT and before the method returns,
// in commit order. One mutex per store spans each write's transaction and
// its notifications (SQLite serialises writers anyway), and Subscribe takes
// it to read the snapshot, so an observer sees every later change exactly
// once. Only writes made through this object are announced: use one
// SqliteAccessStore per database file in a process (the data directory
// lock keeps other processes out).
//
// Reads: single statements, or read transactions where a record spans
// tables (a scope map and its actions, LoadSnapshot), so each result is one
// consistent snapshot of the WAL. LoadSnapshot reads everything in one read
// transaction: 50,000 tokens and 50,000 scope maps took 0.35 s of CPU time
// (bench/access_store_bench.cc). Authentication never reads the store:
// AuthState is fed by the change feed and answers from memory.
//
// Time: timestamps are stored as Unix milliseconds, like the rest of the
// schema; records are returned (and announced) with their times truncated
// to the millisecond, exactly as they read back.
//
// Thread safety: all methods are safe for concurrent use. Writes wait up to
// SqliteOptions::busy_timeout for the database's write lock and fail with
// kUnavailable after it. Error codes beyond the contract's: kDataLoss for a
// row that cannot be decoded, kInternal for a bug (SQL misuse).
#pragma once

#include <memory>
#include <mutex>
#include <vector>

#include "scopereg/auth/access_store.h"

namespace scopereg::metadata {

namespace sqlite {
class Database;
}

class SqliteAccessStore final : public auth::AccessStore {
 public:
  // The access store in `db`, which must have been migrated to the current
  // schema (sqlite/schema.h; SqliteMetadataStore::Migrate does it).
  // kFailedPrecondition if it was not.
  static Result<std::unique_ptr<SqliteAccessStore>> Create(std::shared_ptr<sqlite::Database> db);
  // REQUIRES: no subscription is alive and no call is in progress.
  ~SqliteAccessStore() override;
  SqliteAccessStore(const SqliteAccessStore&) = delete;
  SqliteAccessStore& operator=(const SqliteAccessStore&) = delete;

  Result<auth::ScopeMap> GetScopeMap(std::string_view name) override;
  Result<std::vector<auth::ScopeMap>> ListScopeMaps(std::string_view after, std::size_t limit) override;
  Result<std::size_t> CountScopeMaps() override;
  Result<auth::ScopeMap> PutScopeMap(const auth::ScopeMap& scope_map, const auth::Precondition& precondition,
                                     const auth::AccessChange& change) override;
  Status DeleteScopeMap(std::string_view name, const auth::Precondition& precondition,
                        const auth::AccessChange& change) override;
  Result<std::vector<std::string>> ListTokensUsingScopeMap(std::string_view name) override;

  Result<auth::Token> GetToken(std::string_view name) override;
  Result<std::vector<auth::Token>> ListTokens(std::string_view after, std::size_t limit) override;
  Result<std::size_t> CountTokens() override;
  Result<auth::Token> PutToken(const auth::Token& token, const auth::Precondition& precondition,
                               const auth::AccessChange& change) override;
  Status DeleteToken(std::string_view name, const auth::Precondition& precondition,
                     const auth::AccessChange& change) override;

  Result<auth::AdminUser> GetAdminUser() override;
  Result<auth::AdminUser> PutAdminUser(const auth::AdminUser& admin, const auth::Precondition& precondition,
                                       const auth::AccessChange& change) override;

  Result<auth::OperatorCredential> GetOperator(std::string_view id) override;
  Result<std::vector<auth::OperatorCredential>> ListOperators() override;
  Result<auth::OperatorCredential> PutOperator(const auth::OperatorCredential& op,
                                               const auth::Precondition& precondition,
                                               const auth::AccessChange& change) override;
  Status DeleteOperator(std::string_view id, const auth::Precondition& precondition,
                        const auth::AccessChange& change) override;

  // One write transaction for the whole batch, whatever its size.
  Status RecordPasswordUses(std::span<const auth::PasswordUse> uses) override;
  Result<auth::TokenUsage> GetTokenUsage(std::string_view token) override;

  Result<auth::AccessSnapshot> LoadSnapshot() override;
  Result<std::unique_ptr<auth::AccessSubscription>> Subscribe(auth::AccessObserver& observer) override;

 private:
  class Subscription;
  explicit SqliteAccessStore(std::shared_ptr<sqlite::Database> db);

  // Runs `body` (Status(sqlite::Connection&)) in a write transaction under
  // write_mu_, then, if it committed, calls `announce` (void(AccessObserver&))
  // for each observer.
  template <typename Body, typename Announce>
  Status Write(Body&& body, Announce&& announce);

  std::shared_ptr<sqlite::Database> db_;
  // Held from BEGIN to the last notification of every write, and by
  // Subscribe and unsubscription: it orders notifications by commit.
  std::mutex write_mu_;
  std::vector<auth::AccessObserver*> observers_;  // GUARDED_BY(write_mu_)
};

}  // namespace scopereg::metadata
