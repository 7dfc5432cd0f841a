#include "scopereg/auth/auth_state.h"

#include <openssl/crypto.h>

#include <array>
#include <cstring>
#include <functional>
#include <unordered_map>

#include "scopereg/auth/scope_map.h"
#include "scopereg/core/strings.h"
#include "scopereg/oci/name.h"

namespace scopereg::auth {

namespace internal {
namespace {

constexpr std::size_t kShards = 256;

struct NameHash {
  using is_transparent = void;
  std::size_t operator()(std::string_view s) const { return std::hash<std::string_view>()(s); }
};

// Shard by the high bits so the shard's own table (which reduces the same
// hash modulo a prime bucket count) still spreads its keys.
std::size_t ShardOf(std::string_view name) { return (NameHash()(name) >> 56) % kShards; }

struct SlotState {
  bool present = false;
  std::array<unsigned char, kDigestLength> digest{};
  std::optional<Time> expiry;
  std::uint64_t epoch = 0;
};

std::array<SlotState, 2> ToSlotStates(const std::array<std::optional<PasswordCredential>, 2>& passwords) {
  std::array<SlotState, 2> out{};
  for (std::size_t i = 0; i < 2; ++i) {
    const auto& p = passwords[i];
    // A malformed digest never matches: treat the slot as present but
    // unmatchable (all-zero digest vs. a real HMAC output) rather than empty,
    // so the failure reason stays truthful.
    if (!p) continue;
    out[i].present = true;
    if (p->digest.size() == kDigestLength) std::memcpy(out[i].digest.data(), p->digest.data(), kDigestLength);
    out[i].expiry = p->expiry;
    out[i].epoch = p->epoch;
  }
  return out;
}

struct TokenEntry {
  std::string scope_map;
  TokenStatus status = TokenStatus::kDisabled;
  std::uint64_t version = 0;
  std::optional<Time> expires_on;
  std::uint64_t revision = 0;
  std::array<SlotState, 2> slots{};
};

struct AdminEntry {
  bool enabled = false;
  std::uint64_t version = 0;
  std::uint64_t revision = 0;
  std::array<SlotState, 2> slots{};
};

struct ScopeMapEntry {
  std::shared_ptr<const CompiledRules> rules;
  std::uint64_t revision = 0;
};

using TokenShard = std::unordered_map<std::string, TokenEntry, NameHash, std::equal_to<>>;
using ScopeMapShard = std::unordered_map<std::string, ScopeMapEntry, NameHash, std::equal_to<>>;

TokenEntry ToEntry(const Token& t) {
  return TokenEntry{t.scope_map, t.status, t.version, t.expires_on, t.revision, ToSlotStates(t.passwords)};
}

AdminEntry ToEntry(const AdminUser& a) {
  return AdminEntry{a.enabled, a.version, a.revision, ToSlotStates(a.passwords)};
}

// The five system scope maps, compiled once.
struct SystemRules {
  std::vector<std::pair<std::string, std::shared_ptr<const CompiledRules>>> maps;
  SystemRules() {
    for (const ScopeMap& m : SystemScopeMaps()) {
      maps.emplace_back(m.name, std::make_shared<const CompiledRules>(m.rules));
    }
  }
  const CompiledRules* Find(std::string_view name) const {
    for (const auto& [n, r] : maps) {
      if (n == name) return r.get();
    }
    return nullptr;
  }
};

const SystemRules& System() {
  static const SystemRules kSystem;
  return kSystem;
}

template <typename Shard>
std::array<std::shared_ptr<const Shard>, kShards> EmptyShards() {
  std::array<std::shared_ptr<const Shard>, kShards> out;
  auto empty = std::make_shared<const Shard>();
  out.fill(empty);  // shared until first written
  return out;
}

}  // namespace

struct AuthSnapshot {
  std::uint64_t generation = 0;
  std::array<std::shared_ptr<const TokenShard>, kShards> tokens = EmptyShards<TokenShard>();
  std::array<std::shared_ptr<const ScopeMapShard>, kShards> scope_maps = EmptyShards<ScopeMapShard>();
  AdminEntry admin;
  std::shared_ptr<const CompiledRules> anonymous = std::make_shared<const CompiledRules>();
  std::size_t token_count = 0;
  std::size_t scope_map_count = 0;

  const TokenEntry* FindToken(std::string_view name) const {
    const TokenShard& shard = *tokens[ShardOf(name)];
    auto it = shard.find(name);
    return it == shard.end() ? nullptr : &it->second;
  }

  const CompiledRules* FindScopeMap(std::string_view name) const {
    if (!name.empty() && name.front() == '_') return System().Find(name);
    const ScopeMapShard& shard = *scope_maps[ShardOf(name)];
    auto it = shard.find(name);
    return it == shard.end() ? nullptr : it->second.rules.get();
  }
};

}  // namespace internal

namespace {

using internal::AdminEntry;
using internal::ScopeMapEntry;
using internal::ScopeMapShard;
using internal::SlotState;
using internal::TokenEntry;
using internal::TokenShard;

std::atomic<std::uint64_t> next_instance_id{1};

// Per-thread cache of the snapshot last used, per AuthState instance. A few
// entries, because tests and tools may hold several AuthStates; the server
// has one. Entries of destroyed instances are never matched again and are
// recycled round-robin.
struct ThreadCacheEntry {
  std::uint64_t owner = 0;
  std::uint64_t generation = 0;
  std::shared_ptr<const internal::AuthSnapshot> snapshot;
};
constexpr std::size_t kThreadCacheEntries = 4;
thread_local std::array<ThreadCacheEntry, kThreadCacheEntries> tls_cache;
thread_local std::size_t tls_next_victim = 0;

// Returns the index of the slot matching `digest`, -1 if none matches, or
// -2 if there is no password at all. Compares every present slot, so the
// time does not depend on which slot matched.
int MatchSlot(const std::array<SlotState, 2>& slots, const std::array<unsigned char, kDigestLength>& digest) {
  int match = -1;
  bool any = false;
  for (int i = 0; i < 2; ++i) {
    const SlotState& s = slots[static_cast<std::size_t>(i)];
    if (!s.present) continue;
    any = true;
    if (CRYPTO_memcmp(s.digest.data(), digest.data(), kDigestLength) == 0) match = i;
  }
  return any ? match : -2;
}

bool Expired(const std::optional<Time>& at, Time now) { return at.has_value() && now >= *at; }

// Copy-on-write edits of one shard. Return whether anything changed; the
// count of entries moves with them.
template <typename Shard, typename Entry>
bool UpsertCow(std::shared_ptr<const Shard>& slot, const std::string& name, Entry entry, std::size_t& count) {
  if (auto it = slot->find(name); it != slot->end() && it->second.revision > entry.revision) {
    return false;  // a stale notification must not roll the record back
  }
  auto shard = std::make_shared<Shard>(*slot);
  auto [it, inserted] = shard->insert_or_assign(name, std::move(entry));
  if (inserted) ++count;
  slot = std::move(shard);
  return true;
}

template <typename Shard>
bool EraseCow(std::shared_ptr<const Shard>& slot, std::string_view name, std::size_t& count) {
  if (slot->find(name) == slot->end()) return false;
  auto shard = std::make_shared<Shard>(*slot);
  shard->erase(shard->find(name));
  --count;
  slot = std::move(shard);
  return true;
}

}  // namespace

Status ValidateAnonymousRules(const std::vector<RepositoryRule>& rules) {
  const ActionSet allowed{Action::kContentRead, Action::kMetadataRead};
  for (const RepositoryRule& r : rules) {
    if (!allowed.ContainsAll(r.actions)) {
      return Status::InvalidArgument("anonymous rules: " + r.pattern.text() + " grants " + r.actions.ToString() +
                                     "; anonymous access may only have content/read and metadata/read");
    }
  }
  return Status::Ok();
}

AuthState::AuthState(AuthStateOptions options)
    : id_(next_instance_id.fetch_add(1)),
      registry_name_lower_(ToLower(options.registry_name)),
      hasher_(std::move(options.hasher)) {
  auto initial = std::make_shared<Snapshot>();
  initial->anonymous = std::make_shared<const CompiledRules>(options.anonymous_rules);
  current_ = std::move(initial);
}

AuthState::~AuthState() = default;

Result<std::unique_ptr<AuthState>> AuthState::Create(AuthStateOptions options) {
  if (options.hasher == nullptr) return Status::InvalidArgument("auth state: a password hasher is required");
  SCOPEREG_RETURN_IF_ERROR(ValidateAnonymousRules(options.anonymous_rules));
  return std::unique_ptr<AuthState>(new AuthState(std::move(options)));
}

std::shared_ptr<const AuthState::Snapshot> AuthState::Load() const {
  std::lock_guard<std::mutex> lock(mu_);
  return current_;
}

const AuthState::Snapshot& AuthState::Current() const {
  const std::uint64_t generation = generation_.load(std::memory_order_acquire);
  for (ThreadCacheEntry& e : tls_cache) {
    if (e.owner != id_) continue;
    if (e.generation != generation) {
      e.snapshot = Load();
      e.generation = e.snapshot->generation;
    }
    return *e.snapshot;
  }
  ThreadCacheEntry& e = tls_cache[tls_next_victim++ % kThreadCacheEntries];
  e.owner = id_;
  e.snapshot = Load();
  e.generation = e.snapshot->generation;
  return *e.snapshot;
}

template <typename F>
void AuthState::Mutate(F&& mutate) {
  std::lock_guard<std::mutex> lock(mu_);
  auto next = std::make_shared<Snapshot>(*current_);
  if (!mutate(*next)) return;
  next->generation = current_->generation + 1;
  current_ = std::move(next);
  // Release: a reader that sees the new generation and then takes mu_ gets
  // this snapshot (or a newer one).
  generation_.store(current_->generation, std::memory_order_release);
}

bool AuthState::IsAdminUsername(std::string_view username) const {
  if (registry_name_lower_.empty() || username.size() != registry_name_lower_.size()) return false;
  for (std::size_t i = 0; i < username.size(); ++i) {
    char c = username[i];
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
    if (c != registry_name_lower_[i]) return false;
  }
  return true;
}

AuthOutcome AuthState::Authenticate(std::string_view username, std::string_view password, Time now) const {
  const Snapshot& s = Current();
  // Digest first, whatever the username: the work done does not depend on
  // whether the name exists.
  const auto digest = hasher_->DigestArray(password);
  if (IsAdminUsername(username)) {
    const AdminEntry& a = s.admin;
    const int slot = MatchSlot(a.slots, digest);
    if (slot == -2) return AuthOutcome::Failure(AuthFailure::kSlotEmpty);
    if (slot < 0) return AuthOutcome::Failure(AuthFailure::kWrongPassword);
    if (!a.enabled) return AuthOutcome::Failure(AuthFailure::kAdminDisabled);
    const SlotState& st = a.slots[static_cast<std::size_t>(slot)];
    if (Expired(st.expiry, now)) return AuthOutcome::Failure(AuthFailure::kPasswordExpired);
    return AuthOutcome::Success(Principal{PrincipalKind::kAdmin, registry_name_lower_,
                                          static_cast<PasswordSlot>(slot), a.version, st.epoch});
  }
  const TokenEntry* t = s.FindToken(username);
  if (t == nullptr) return AuthOutcome::Failure(AuthFailure::kUnknownToken);
  const int slot = MatchSlot(t->slots, digest);
  if (slot == -2) return AuthOutcome::Failure(AuthFailure::kSlotEmpty);
  if (slot < 0) return AuthOutcome::Failure(AuthFailure::kWrongPassword);
  if (t->status != TokenStatus::kEnabled) return AuthOutcome::Failure(AuthFailure::kTokenDisabled);
  if (Expired(t->expires_on, now)) return AuthOutcome::Failure(AuthFailure::kTokenExpired);
  const SlotState& st = t->slots[static_cast<std::size_t>(slot)];
  if (Expired(st.expiry, now)) return AuthOutcome::Failure(AuthFailure::kPasswordExpired);
  return AuthOutcome::Success(Principal{PrincipalKind::kToken, std::string(username),
                                        static_cast<PasswordSlot>(slot), t->version, st.epoch});
}

std::optional<AuthFailure> AuthState::Validate(const Principal& p, Time now) const {
  const Snapshot& s = Current();
  const std::array<SlotState, 2>* slots = nullptr;
  switch (p.kind) {
    case PrincipalKind::kAnonymous:
      return std::nullopt;
    case PrincipalKind::kAdmin: {
      if (!IsAdminUsername(p.name)) return AuthFailure::kUnknownToken;
      if (!s.admin.enabled) return AuthFailure::kAdminDisabled;
      if (s.admin.version != p.version) return AuthFailure::kCredentialsChanged;
      slots = &s.admin.slots;
      break;
    }
    case PrincipalKind::kToken: {
      const TokenEntry* t = s.FindToken(p.name);
      if (t == nullptr) return AuthFailure::kUnknownToken;
      if (t->status != TokenStatus::kEnabled) return AuthFailure::kTokenDisabled;
      if (Expired(t->expires_on, now)) return AuthFailure::kTokenExpired;
      if (t->version != p.version) return AuthFailure::kCredentialsChanged;
      slots = &t->slots;
      break;
    }
  }
  if (slots == nullptr) return AuthFailure::kUnknownToken;  // an out-of-range kind: fail closed
  const SlotState& st = (*slots)[SlotIndex(p.slot)];
  if (!st.present) return AuthFailure::kSlotEmpty;
  if (st.epoch != p.slot_epoch) return AuthFailure::kCredentialsChanged;
  if (Expired(st.expiry, now)) return AuthFailure::kPasswordExpired;
  return std::nullopt;
}

ActionSet AuthState::AllowedIn(const Snapshot& s, const Principal& p, std::string_view repository) const {
  switch (p.kind) {
    case PrincipalKind::kAnonymous:
      return s.anonymous->Allowed(repository);
    case PrincipalKind::kAdmin:
      return IsAdminUsername(p.name) && s.admin.enabled ? ActionSet::All() : ActionSet();
    case PrincipalKind::kToken: {
      const TokenEntry* t = s.FindToken(p.name);
      if (t == nullptr || t->status != TokenStatus::kEnabled) return ActionSet();
      const CompiledRules* rules = s.FindScopeMap(t->scope_map);
      return rules == nullptr ? ActionSet() : rules->Allowed(repository);
    }
  }
  return ActionSet();
}

ActionSet AuthState::Allowed(const Principal& p, std::string_view repository) const {
  return AllowedIn(Current(), p, repository);
}

bool AuthState::CanListCatalogIn(const Snapshot& s, const Principal& p) const {
  switch (p.kind) {
    case PrincipalKind::kAnonymous:
      return s.anonymous->AnyAllowed().Contains(Action::kMetadataRead);
    case PrincipalKind::kAdmin:
      return IsAdminUsername(p.name) && s.admin.enabled;
    case PrincipalKind::kToken: {
      const TokenEntry* t = s.FindToken(p.name);
      if (t == nullptr || t->status != TokenStatus::kEnabled) return false;
      const CompiledRules* rules = s.FindScopeMap(t->scope_map);
      return rules != nullptr && rules->AnyAllowed().Contains(Action::kMetadataRead);
    }
  }
  return false;
}

bool AuthState::CanListCatalog(const Principal& p) const { return CanListCatalogIn(Current(), p); }

std::vector<AccessEntry> AuthState::Grant(const Principal& p, std::span<const ResourceScope> requested) const {
  const Snapshot& s = Current();
  std::vector<AccessEntry> out;
  bool catalog = false;
  for (const ResourceScope& scope : requested) {
    if (scope.type == "registry") {
      if (scope.name != "catalog" || catalog) continue;
      bool star = false;
      for (const std::string& v : scope.actions) star = star || v == "*";
      if (star && CanListCatalogIn(s, p)) {
        out.push_back(AccessEntry::Catalog());
        catalog = true;
      }
      continue;
    }
    if (scope.type != "repository" || !oci::IsValidRepositoryName(scope.name)) continue;
    ActionSet wanted;
    for (const std::string& verb : scope.actions) {
      if (verb == "*") {
        wanted = ActionSet::All();
      } else if (auto a = ActionFromDockerVerb(verb)) {
        wanted.Add(*a);
      }
    }
    const ActionSet granted = wanted & AllowedIn(s, p, scope.name);
    if (granted.empty()) continue;
    bool merged = false;
    for (AccessEntry& e : out) {
      if (e.type == AccessType::kRepository && e.name == scope.name) {
        e.actions |= granted;
        merged = true;
        break;
      }
    }
    if (!merged) out.push_back(AccessEntry::Repository(scope.name, granted));
  }
  return out;
}

// ---- changes ------------------------------------------------------------------------

void AuthState::OnSnapshot(const AccessSnapshot& snapshot) {
  // Build outside the lock: compiling 50,000 scope maps takes a while and
  // readers and other writers need not wait for it.
  std::array<std::shared_ptr<TokenShard>, internal::kShards> tokens;
  std::array<std::shared_ptr<ScopeMapShard>, internal::kShards> maps;
  for (auto& t : tokens) t = std::make_shared<TokenShard>();
  for (auto& m : maps) m = std::make_shared<ScopeMapShard>();
  std::size_t map_count = 0;
  for (const ScopeMap& m : snapshot.scope_maps) {
    if (m.name.empty() || m.name.front() == '_') continue;
    auto [it, inserted] = maps[internal::ShardOf(m.name)]->insert_or_assign(
        m.name, ScopeMapEntry{std::make_shared<const CompiledRules>(m.rules), m.revision});
    if (inserted) ++map_count;
  }
  std::size_t token_count = 0;
  for (const Token& t : snapshot.tokens) {
    auto [it, inserted] = tokens[internal::ShardOf(t.name)]->insert_or_assign(t.name, internal::ToEntry(t));
    if (inserted) ++token_count;
  }
  const AdminEntry admin = internal::ToEntry(snapshot.admin);
  Mutate([&](Snapshot& s) {
    for (std::size_t i = 0; i < internal::kShards; ++i) {
      s.tokens[i] = std::move(tokens[i]);
      s.scope_maps[i] = std::move(maps[i]);
    }
    s.token_count = token_count;
    s.scope_map_count = map_count;
    s.admin = admin;
    return true;
  });
}

void AuthState::OnScopeMapPut(const ScopeMap& scope_map) {
  if (scope_map.name.empty() || scope_map.name.front() == '_') return;
  ScopeMapEntry entry{std::make_shared<const CompiledRules>(scope_map.rules), scope_map.revision};  // outside the lock
  Mutate([&](Snapshot& s) {
    return UpsertCow(s.scope_maps[internal::ShardOf(scope_map.name)], scope_map.name, std::move(entry),
                     s.scope_map_count);
  });
}

void AuthState::OnScopeMapDeleted(std::string_view name) {
  Mutate([&](Snapshot& s) { return EraseCow(s.scope_maps[internal::ShardOf(name)], name, s.scope_map_count); });
}

void AuthState::OnTokenPut(const Token& token) {
  TokenEntry entry = internal::ToEntry(token);
  Mutate([&](Snapshot& s) {
    return UpsertCow(s.tokens[internal::ShardOf(token.name)], token.name, std::move(entry), s.token_count);
  });
}

void AuthState::OnTokenDeleted(std::string_view name) {
  Mutate([&](Snapshot& s) { return EraseCow(s.tokens[internal::ShardOf(name)], name, s.token_count); });
}

void AuthState::OnAdminUserPut(const AdminUser& admin) {
  const AdminEntry entry = internal::ToEntry(admin);
  Mutate([&](Snapshot& s) {
    if (s.admin.revision > admin.revision) return false;  // stale notification
    s.admin = entry;
    return true;
  });
}

Status AuthState::SetAnonymousRules(const std::vector<RepositoryRule>& rules) {
  SCOPEREG_RETURN_IF_ERROR(ValidateAnonymousRules(rules));
  auto compiled = std::make_shared<const CompiledRules>(rules);
  Mutate([&](Snapshot& s) {
    s.anonymous = compiled;
    return true;
  });
  return Status::Ok();
}

std::size_t AuthState::token_count() const { return Current().token_count; }
std::size_t AuthState::scope_map_count() const { return Current().scope_map_count; }

}  // namespace scopereg::auth
