#include "scopereg/auth/memory/memory_access_store.h"

#include <algorithm>

namespace scopereg::auth {

namespace {

// The revision of the record `current` points at, or nullopt.
template <typename Record>
std::optional<std::uint64_t> RevisionOf(const Record* current) {
  return current != nullptr ? std::optional<std::uint64_t>(current->revision) : std::nullopt;
}

template <typename Map>
auto* FindIn(Map& map, std::string_view name) {
  auto it = map.find(name);
  return it == map.end() ? nullptr : &it->second;
}

// Get / List, written once for the three keyed record types.
template <typename Map>
Result<typename Map::mapped_type> GetFrom(const Map& map, std::string_view kind, std::string_view name) {
  auto it = map.find(name);
  if (it == map.end()) return RecordNotFound(kind, name);
  return it->second;
}

template <typename Map>
std::vector<typename Map::mapped_type> ListFrom(const Map& map, std::string_view after, std::size_t limit) {
  std::vector<typename Map::mapped_type> out;
  for (auto it = map.upper_bound(after); it != map.end() && out.size() < limit; ++it) out.push_back(it->second);
  return out;
}

// Usage of a password that was regenerated or deleted described a password
// that no longer exists: clear those slots of `usage`.
template <typename Record>
void ClearStaleUsage(const Record& before, const Record& after, TokenUsage& usage) {
  for (PasswordSlot s : kBothSlots) {
    const auto& old_password = before.password(s);
    const auto& new_password = after.password(s);
    if (!new_password || !old_password || new_password->epoch != old_password->epoch) {
      usage.slots[SlotIndex(s)] = SlotUsage{};
    }
  }
}

}  // namespace

class MemoryAccessStore::Subscription final : public AccessSubscription {
 public:
  Subscription(MemoryAccessStore* store, AccessObserver* observer) : store_(store), observer_(observer) {}
  ~Subscription() override {
    std::lock_guard<std::mutex> lock(store_->mu_);
    auto& obs = store_->observers_;
    obs.erase(std::remove(obs.begin(), obs.end(), observer_), obs.end());
  }

 private:
  MemoryAccessStore* store_;
  AccessObserver* observer_;
};

MemoryAccessStore::~MemoryAccessStore() = default;

void MemoryAccessStore::SetBeforeWriteHookForTest(std::function<void()> hook) {
  std::lock_guard<std::mutex> lock(mu_);
  before_write_hook_ = std::move(hook);
}

void MemoryAccessStore::SetRecordFailureForTest(Status failure) {
  std::lock_guard<std::mutex> lock(mu_);
  record_failure_ = std::move(failure);
}

std::vector<AccessChange> MemoryAccessStore::RecordedChanges() const {
  std::lock_guard<std::mutex> lock(mu_);
  return changes_;
}

Status MemoryAccessStore::CanRecordLocked() const { return record_failure_; }

void MemoryAccessStore::RecordLocked(const AccessChange& change, std::uint64_t revision) {
  changes_.push_back(change);
  changes_.back().revision = revision;
}

void MemoryAccessStore::RunHook() {
  std::function<void()> hook;
  {
    std::lock_guard<std::mutex> lock(mu_);
    hook = before_write_hook_;
  }
  if (hook) hook();
}

template <typename F>
void MemoryAccessStore::NotifyLocked(F&& f) {
  for (AccessObserver* o : observers_) f(*o);
}

// ---- scope maps -------------------------------------------------------------------------

Result<ScopeMap> MemoryAccessStore::GetScopeMap(std::string_view name) {
  std::lock_guard<std::mutex> lock(mu_);
  return GetFrom(scope_maps_, "scope map", name);
}

Result<std::vector<ScopeMap>> MemoryAccessStore::ListScopeMaps(std::string_view after, std::size_t limit) {
  std::lock_guard<std::mutex> lock(mu_);
  return ListFrom(scope_maps_, after, limit);
}

Result<std::size_t> MemoryAccessStore::CountScopeMaps() {
  std::lock_guard<std::mutex> lock(mu_);
  return scope_maps_.size();
}

Result<ScopeMap> MemoryAccessStore::PutScopeMap(const ScopeMap& scope_map, const Precondition& precondition,
                                                const AccessChange& change) {
  RunHook();
  SCOPEREG_RETURN_IF_ERROR(CheckScopeMapWritable(scope_map));
  std::lock_guard<std::mutex> lock(mu_);
  SCOPEREG_RETURN_IF_ERROR(
      CheckPrecondition(RevisionOf(FindIn(scope_maps_, scope_map.name)), "scope map", scope_map.name, precondition));
  SCOPEREG_RETURN_IF_ERROR(CanRecordLocked());
  ScopeMap stored = scope_map;
  stored.revision = ++revision_;
  scope_maps_.insert_or_assign(stored.name, stored);
  RecordLocked(change, stored.revision);
  NotifyLocked([&](AccessObserver& o) { o.OnScopeMapPut(stored); });
  return stored;
}

Status MemoryAccessStore::DeleteScopeMap(std::string_view name, const Precondition& precondition,
                                         const AccessChange& change) {
  RunHook();
  SCOPEREG_RETURN_IF_ERROR(CheckScopeMapDeletable(name));
  std::lock_guard<std::mutex> lock(mu_);
  auto it = scope_maps_.find(name);
  SCOPEREG_RETURN_IF_ERROR(CheckDeletePrecondition(RevisionOf(it == scope_maps_.end() ? nullptr : &it->second),
                                                   "scope map", name, precondition));
  std::vector<std::string> users;
  for (const auto& [token_name, token] : tokens_) {
    if (token.scope_map == name) users.push_back(token_name);
  }
  if (!users.empty()) return ScopeMapInUse(name, users, users.size());
  SCOPEREG_RETURN_IF_ERROR(CanRecordLocked());
  scope_maps_.erase(it);
  ++revision_;
  RecordLocked(change, 0);
  NotifyLocked([&](AccessObserver& o) { o.OnScopeMapDeleted(name); });
  return Status::Ok();
}

Result<std::vector<std::string>> MemoryAccessStore::ListTokensUsingScopeMap(std::string_view name) {
  std::lock_guard<std::mutex> lock(mu_);
  std::vector<std::string> out;
  for (const auto& [token_name, token] : tokens_) {
    if (token.scope_map == name) out.push_back(token_name);
  }
  return out;
}

// ---- tokens -------------------------------------------------------------------------------

Result<Token> MemoryAccessStore::GetToken(std::string_view name) {
  std::lock_guard<std::mutex> lock(mu_);
  return GetFrom(tokens_, "token", name);
}

Result<std::vector<Token>> MemoryAccessStore::ListTokens(std::string_view after, std::size_t limit) {
  std::lock_guard<std::mutex> lock(mu_);
  return ListFrom(tokens_, after, limit);
}

Result<std::size_t> MemoryAccessStore::CountTokens() {
  std::lock_guard<std::mutex> lock(mu_);
  return tokens_.size();
}

Result<Token> MemoryAccessStore::PutToken(const Token& token, const Precondition& precondition,
                                          const AccessChange& change) {
  RunHook();
  std::lock_guard<std::mutex> lock(mu_);
  const Token* current = FindIn(tokens_, token.name);
  SCOPEREG_RETURN_IF_ERROR(CheckPrecondition(RevisionOf(current), "token", token.name, precondition));
  if (!IsSystemScopeMapName(token.scope_map) && scope_maps_.count(token.scope_map) == 0) {
    return TokenScopeMapMissing(token.scope_map);
  }
  SCOPEREG_RETURN_IF_ERROR(CanRecordLocked());
  if (current != nullptr) {
    if (auto u = usage_.find(token.name); u != usage_.end()) ClearStaleUsage(*current, token, u->second);
  } else {
    usage_.erase(token.name);
  }
  Token stored = token;
  stored.revision = ++revision_;
  tokens_.insert_or_assign(stored.name, stored);
  RecordLocked(change, stored.revision);
  NotifyLocked([&](AccessObserver& o) { o.OnTokenPut(stored); });
  return stored;
}

Status MemoryAccessStore::DeleteToken(std::string_view name, const Precondition& precondition,
                                      const AccessChange& change) {
  RunHook();
  std::lock_guard<std::mutex> lock(mu_);
  auto it = tokens_.find(name);
  SCOPEREG_RETURN_IF_ERROR(
      CheckDeletePrecondition(RevisionOf(it == tokens_.end() ? nullptr : &it->second), "token", name, precondition));
  SCOPEREG_RETURN_IF_ERROR(CanRecordLocked());
  tokens_.erase(it);
  if (auto u = usage_.find(name); u != usage_.end()) usage_.erase(u);
  ++revision_;
  RecordLocked(change, 0);
  NotifyLocked([&](AccessObserver& o) { o.OnTokenDeleted(name); });
  return Status::Ok();
}

// ---- admin user ---------------------------------------------------------------------------

Result<AdminUser> MemoryAccessStore::GetAdminUser() {
  std::lock_guard<std::mutex> lock(mu_);
  return admin_;
}

Result<AdminUser> MemoryAccessStore::PutAdminUser(const AdminUser& admin, const Precondition& precondition,
                                                  const AccessChange& change) {
  RunHook();
  if (precondition.kind == Precondition::Kind::kMustNotExist) {
    return Status::InvalidArgument("admin user: kMustNotExist is meaningless (it always exists)");
  }
  std::lock_guard<std::mutex> lock(mu_);
  // The never-written default counts as existing with revision 0.
  SCOPEREG_RETURN_IF_ERROR(CheckPrecondition(admin_.revision, "admin user", "", precondition));
  SCOPEREG_RETURN_IF_ERROR(CanRecordLocked());
  if (auto u = usage_.find(""); u != usage_.end()) ClearStaleUsage(admin_, admin, u->second);
  admin_ = admin;
  admin_.revision = ++revision_;
  RecordLocked(change, admin_.revision);
  NotifyLocked([&](AccessObserver& o) { o.OnAdminUserPut(admin_); });
  return admin_;
}

// ---- operators ------------------------------------------------------------------------------

Result<OperatorCredential> MemoryAccessStore::GetOperator(std::string_view id) {
  std::lock_guard<std::mutex> lock(mu_);
  return GetFrom(operators_, "operator", id);
}

Result<std::vector<OperatorCredential>> MemoryAccessStore::ListOperators() {
  std::lock_guard<std::mutex> lock(mu_);
  return ListFrom(operators_, "", operators_.size());
}

Result<OperatorCredential> MemoryAccessStore::PutOperator(const OperatorCredential& op,
                                                          const Precondition& precondition,
                                                          const AccessChange& change) {
  RunHook();
  std::lock_guard<std::mutex> lock(mu_);
  SCOPEREG_RETURN_IF_ERROR(CheckPrecondition(RevisionOf(FindIn(operators_, op.id)), "operator", op.id, precondition));
  SCOPEREG_RETURN_IF_ERROR(CanRecordLocked());
  OperatorCredential stored = op;
  stored.revision = ++revision_;
  operators_.insert_or_assign(stored.id, stored);
  RecordLocked(change, stored.revision);
  return stored;
}

Status MemoryAccessStore::DeleteOperator(std::string_view id, const Precondition& precondition,
                                         const AccessChange& change) {
  RunHook();
  std::lock_guard<std::mutex> lock(mu_);
  auto it = operators_.find(id);
  SCOPEREG_RETURN_IF_ERROR(CheckDeletePrecondition(RevisionOf(it == operators_.end() ? nullptr : &it->second),
                                                   "operator", id, precondition));
  SCOPEREG_RETURN_IF_ERROR(CanRecordLocked());
  operators_.erase(it);
  ++revision_;
  RecordLocked(change, 0);
  return Status::Ok();
}

// ---- usage ----------------------------------------------------------------------------------------

Status MemoryAccessStore::RecordPasswordUses(std::span<const PasswordUse> uses) {
  std::lock_guard<std::mutex> lock(mu_);
  for (const PasswordUse& use : uses) {
    if (!use.token.empty() && tokens_.count(use.token) == 0) continue;
    TokenUsage& u = usage_[use.token];
    u.token = use.token;
    SlotUsage& slot = u.slots[SlotIndex(use.slot)];
    if (slot.last_used && *slot.last_used >= use.time) continue;
    slot.last_used = use.time;
    slot.last_used_from = use.client_address;
  }
  return Status::Ok();
}

Result<TokenUsage> MemoryAccessStore::GetTokenUsage(std::string_view token) {
  std::lock_guard<std::mutex> lock(mu_);
  if (!token.empty() && tokens_.count(token) == 0) return RecordNotFound("token", token);
  if (auto it = usage_.find(token); it != usage_.end()) return it->second;
  TokenUsage empty;
  empty.token = std::string(token);
  return empty;
}

// ---- change feed --------------------------------------------------------------------------------

AccessSnapshot MemoryAccessStore::SnapshotLocked() const {
  AccessSnapshot s;
  s.scope_maps.reserve(scope_maps_.size());
  for (const auto& [name, m] : scope_maps_) s.scope_maps.push_back(m);
  s.tokens.reserve(tokens_.size());
  for (const auto& [name, t] : tokens_) s.tokens.push_back(t);
  s.admin = admin_;
  s.revision = revision_;
  return s;
}

Result<AccessSnapshot> MemoryAccessStore::LoadSnapshot() {
  std::lock_guard<std::mutex> lock(mu_);
  return SnapshotLocked();
}

Result<std::unique_ptr<AccessSubscription>> MemoryAccessStore::Subscribe(AccessObserver& observer) {
  std::lock_guard<std::mutex> lock(mu_);
  observer.OnSnapshot(SnapshotLocked());
  observers_.push_back(&observer);
  return std::unique_ptr<AccessSubscription>(std::make_unique<Subscription>(this, &observer));
}

}  // namespace scopereg::auth
