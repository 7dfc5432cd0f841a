// AuthState: the in-memory credential snapshot every request is checked
// against (architecture.md decision 4). No I/O, no blocking on the hot path.
//
// It holds every scope map (compiled), every token (status, version,
// expiries, password-slot digests and epochs), the admin user and the
// anonymous-pull rules. It is fed by an AccessStore's change feed (it is an
// AccessObserver: `store.Subscribe(state)`), or directly through the same
// methods in tests.
//
// Per request, the data plane does:
//   Basic:   outcome = Authenticate(user, password, now)   -> Principal or reason
//   Bearer:  verified = token_service.Verify(...)           -> Principal from the JWT
//            failure = Validate(verified.principal, now)    -> still valid right now?
//   then     Allowed(principal, repository)                  -> ActionSet, from the
//            CURRENT scope map (a scope-map edit applies at once, even to
//            JWTs issued earlier); for a bearer token intersect it with the
//            token's own access claim (VerifiedToken::ActionsFor).
// Any failure means deny (401 + challenge); the reason goes to the audit log.
//
// Decided semantics ("next request" rule, access-model.md section 3):
// disabling or deleting a token, regenerating or deleting the slot a
// principal used, a password expiry or a token expiresOn passing, all make
// Validate fail for principals (and so JWTs) obtained before. Expiry
// instants are exclusive: a password with expiry E is accepted while
// now < E and refused from E on; the same for expiresOn.
//
// Concurrency design. Readers never take a lock or touch a shared
// reference count in the steady state: the state is an immutable snapshot
// (256 shards of tokens and 256 of scope maps, copy-on-write per shard);
// each reader thread caches a pointer to the snapshot it last used and
// re-fetches it (one mutex acquisition) only when a global generation counter
// has moved. A read therefore costs one atomic load of a rarely-written cache
// line plus hash lookups. A change copies one shard (~200 entries at 50,000
// tokens) and the shard table, and bumps the generation; writers are
// serialised by a mutex. A snapshot stays alive while any thread still caches
// it (until that thread's next read of this AuthState, or its exit).
//
// Thread safety: every method is safe for concurrent use.
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "scopereg/auth/access_store.h"
#include "scopereg/auth/action.h"
#include "scopereg/auth/credentials.h"
#include "scopereg/auth/principal.h"
#include "scopereg/auth/repository_rules.h"
#include "scopereg/auth/scope.h"
#include "scopereg/core/clock.h"
#include "scopereg/core/status.h"

namespace scopereg::auth {

namespace internal {
struct AuthSnapshot;
}  // namespace internal

struct AuthStateOptions {
  // The admin user's username; compared case-insensitively. Empty: nobody
  // can log in as the admin user.
  std::string registry_name;
  // Digests presented passwords. Required; must be the hasher that produced
  // the stored digests.
  std::shared_ptr<const PasswordHasher> hasher;
  // What anonymous requests may do (off = empty, the default). Only
  // content/read and metadata/read are accepted.
  std::vector<RepositoryRule> anonymous_rules;
};

class AuthState final : public AccessObserver {
 public:
  // kInvalidArgument if `hasher` is null or an anonymous rule grants
  // anything but content/read or metadata/read. Starts empty (no tokens, no
  // user scope maps, admin disabled); the system scope maps always exist.
  static Result<std::unique_ptr<AuthState>> Create(AuthStateOptions options);
  ~AuthState() override;

  AuthState(const AuthState&) = delete;
  AuthState& operator=(const AuthState&) = delete;

  // ---- hot path ------------------------------------------------------------------

  // Basic credentials. `username` is a token name (case-sensitive) or the
  // admin username (case-insensitive). On success the Principal records the
  // slot that matched and the current epochs. Reasons, checked in this order:
  //   kUnknownToken      no such token;
  //   kSlotEmpty         the token (or admin user) has no password at all;
  //   kWrongPassword     no slot matches (both are compared, in constant time);
  //   kTokenDisabled / kAdminDisabled;
  //   kTokenExpired      expiresOn <= now;
  //   kPasswordExpired   the matching slot's expiry <= now.
  // The password is checked before status and expiry, so a reason other than
  // kUnknownToken/kSlotEmpty/kWrongPassword implies the caller knew the
  // password. Cost: one keyed SHA-256 and one hash lookup.
  AuthOutcome Authenticate(std::string_view username, std::string_view password, Time now) const;

  // Whether `principal` (typically from a JWT issued earlier) is still good
  // right now. nullopt = valid. Anonymous is always valid. Reasons, in order:
  //   kUnknownToken (deleted), kTokenDisabled / kAdminDisabled,
  //   kTokenExpired, kCredentialsChanged (version differs), kSlotEmpty (the
  //   slot was deleted), kCredentialsChanged (slot regenerated: epoch
  //   differs), kPasswordExpired.
  std::optional<AuthFailure> Validate(const Principal& principal, Time now) const;

  // The actions `principal` holds on `repository` (a valid repository name)
  // according to the current state: the union of the matching rules of the
  // token's current scope map; everything for the admin user; the anonymous
  // rules for anonymous. Empty for an unknown or disabled token or a disabled
  // admin user (fail closed), but this is not a substitute for Validate.
  // Allocation-free; well under a microsecond for a 500-rule scope map.
  ActionSet Allowed(const Principal& principal, std::string_view repository) const;

  // Whether the principal may call GET /v2/_catalog at all (beyond ACR:
  // the listing is then filtered to repositories with metadata/read, i.e.
  // Allowed(p, repo).Contains(Action::kMetadataRead) per repository). True
  // for the enabled admin user, and for a principal holding metadata/read on
  // at least one pattern.
  bool CanListCatalog(const Principal& principal) const;

  // The token endpoint's grant: for each requested scope the intersection of
  // the requested verbs and Allowed() ("*" = everything held). Repository
  // scopes with an invalid name, unknown types and unknown verbs grant
  // nothing; entries for the same repository merge; entries granting nothing
  // are left out (asking for more is not an error). "registry:catalog:*" is
  // granted when CanListCatalog(). Order: first appearance in `requested`.
  std::vector<AccessEntry> Grant(const Principal& principal, std::span<const ResourceScope> requested) const;

  bool IsAdminUsername(std::string_view username) const;

  // ---- changes (AccessObserver) ----------------------------------------------------
  //
  // Each call publishes a new snapshot; readers see it on their next call.
  // Upserts carrying a revision lower than the one already held are ignored
  // (a stale notification cannot roll a record back). Records whose name
  // starts with '_' are ignored by OnScopeMapPut (system maps are built in).

  void OnSnapshot(const AccessSnapshot& snapshot) override;
  void OnScopeMapPut(const ScopeMap& scope_map) override;
  void OnScopeMapDeleted(std::string_view name) override;
  void OnTokenPut(const Token& token) override;
  void OnTokenDeleted(std::string_view name) override;
  void OnAdminUserPut(const AdminUser& admin) override;

  // Replaces the anonymous rules. Same validation as Create.
  Status SetAnonymousRules(const std::vector<RepositoryRule>& rules);

  // ---- introspection -------------------------------------------------------------------

  // Increases with every published change.
  std::uint64_t generation() const { return generation_.load(std::memory_order_acquire); }
  std::size_t token_count() const;
  std::size_t scope_map_count() const;  // user-defined only

 private:
  using Snapshot = internal::AuthSnapshot;

  explicit AuthState(AuthStateOptions options);
  // The calling thread's cached snapshot, refreshed if the generation moved.
  // The reference is valid until this thread's next call into this object.
  const Snapshot& Current() const;
  std::shared_ptr<const Snapshot> Load() const;
  // Copies the current snapshot, lets `mutate` change the copy, publishes
  // it if `mutate` returns true.
  template <typename F>
  void Mutate(F&& mutate);

  ActionSet AllowedIn(const Snapshot& s, const Principal& p, std::string_view repository) const;
  bool CanListCatalogIn(const Snapshot& s, const Principal& p) const;

  const std::uint64_t id_;  // distinguishes instances in the per-thread caches
  const std::string registry_name_lower_;
  const std::shared_ptr<const PasswordHasher> hasher_;

  mutable std::mutex mu_;                  // serialises writers; guards current_
  std::shared_ptr<const Snapshot> current_;  // GUARDED_BY(mu_)
  std::atomic<std::uint64_t> generation_{0};
};

// Validates anonymous rules (only content/read and metadata/read).
Status ValidateAnonymousRules(const std::vector<RepositoryRule>& rules);

}  // namespace scopereg::auth
