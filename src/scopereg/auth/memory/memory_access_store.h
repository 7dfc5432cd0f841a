// MemoryAccessStore: an AccessStore that keeps everything in process memory.
// For tests and benchmarks; nothing survives a restart (the server uses
// metadata/sqlite/sqlite_access_store.h).
//
// It implements the full contract of access_store.h (it passes
// tests/testing/access_store_suite.h). One mutex guards all state; observers
// are notified under it, which gives commit order for free. The management
// changes that writes record are kept in a list (RecordedChanges), which
// grows with every write: this store is not meant to run for long.
//
// Thread safety: all methods are safe for concurrent use.
#pragma once

#include <functional>
#include <map>
#include <mutex>
#include <string>
#include <vector>

#include "scopereg/auth/access_store.h"

namespace scopereg::auth {

class MemoryAccessStore : public AccessStore {
 public:
  MemoryAccessStore() = default;
  ~MemoryAccessStore() override;
  MemoryAccessStore(const MemoryAccessStore&) = delete;
  MemoryAccessStore& operator=(const MemoryAccessStore&) = delete;

  Result<ScopeMap> GetScopeMap(std::string_view name) override;
  Result<std::vector<ScopeMap>> ListScopeMaps(std::string_view after, std::size_t limit) override;
  Result<std::size_t> CountScopeMaps() override;
  Result<ScopeMap> PutScopeMap(const ScopeMap& scope_map, const Precondition& precondition,
                               const AccessChange& change) override;
  Status DeleteScopeMap(std::string_view name, const Precondition& precondition, const AccessChange& change) override;
  Result<std::vector<std::string>> ListTokensUsingScopeMap(std::string_view name) override;

  Result<Token> GetToken(std::string_view name) override;
  Result<std::vector<Token>> ListTokens(std::string_view after, std::size_t limit) override;
  Result<std::size_t> CountTokens() override;
  Result<Token> PutToken(const Token& token, const Precondition& precondition, const AccessChange& change) override;
  Status DeleteToken(std::string_view name, const Precondition& precondition, const AccessChange& change) override;

  Result<AdminUser> GetAdminUser() override;
  Result<AdminUser> PutAdminUser(const AdminUser& admin, const Precondition& precondition,
                                 const AccessChange& change) override;

  Result<OperatorCredential> GetOperator(std::string_view id) override;
  Result<std::vector<OperatorCredential>> ListOperators() override;
  Result<OperatorCredential> PutOperator(const OperatorCredential& op, const Precondition& precondition,
                                         const AccessChange& change) override;
  Status DeleteOperator(std::string_view id, const Precondition& precondition, const AccessChange& change) override;

  Status RecordPasswordUses(std::span<const PasswordUse> uses) override;
  Result<TokenUsage> GetTokenUsage(std::string_view token) override;

  Result<AccessSnapshot> LoadSnapshot() override;
  Result<std::unique_ptr<AccessSubscription>> Subscribe(AccessObserver& observer) override;

  // The changes recorded by successful writes, oldest first, each with the
  // revision the store gave it: what the SQL backends write to the audit log.
  std::vector<AccessChange> RecordedChanges() const;

  // Test hook: called at the start of every Put*/Delete* call, before the
  // store's lock is taken, so a test can slip a concurrent write in between
  // a caller's read and its conditional write.
  void SetBeforeWriteHookForTest(std::function<void()> hook);
  // Test hook: while `failure` is not OK, recording a change fails with it,
  // so every write that passes its checks fails with it and changes nothing
  // (as when a database cannot write its audit row).
  void SetRecordFailureForTest(Status failure);

 private:
  class Subscription;
  void RunHook();
  AccessSnapshot SnapshotLocked() const;  // REQUIRES: mu_ held
  template <typename F>
  void NotifyLocked(F&& f);  // REQUIRES: mu_ held
  // Checks that `change` can be recorded; the write calls this after its
  // own checks and before changing anything. REQUIRES: mu_ held.
  Status CanRecordLocked() const;
  // Records `change` with `revision`. REQUIRES: mu_ held.
  void RecordLocked(const AccessChange& change, std::uint64_t revision);

  mutable std::mutex mu_;
  std::uint64_t revision_ = 0;
  std::map<std::string, ScopeMap, std::less<>> scope_maps_;
  std::map<std::string, Token, std::less<>> tokens_;
  AdminUser admin_;
  std::map<std::string, OperatorCredential, std::less<>> operators_;
  std::map<std::string, TokenUsage, std::less<>> usage_;  // "" = admin user
  std::vector<AccessObserver*> observers_;
  std::vector<AccessChange> changes_;        // GUARDED_BY(mu_)
  Status record_failure_;                    // GUARDED_BY(mu_)
  std::function<void()> before_write_hook_;  // GUARDED_BY(mu_)
};

}  // namespace scopereg::auth
