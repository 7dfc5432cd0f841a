// AccessAdmin: the validated operations behind the management API (and the
// CLI through it): scope maps, tokens, their passwords, the admin user and
// operator credentials. Everything a handler needs to call; it never has to
// touch the AccessStore directly.
//
// It validates every input (names, descriptions, action strings, labels,
// limits, times), assigns creation dates and credential epochs
// (credentials.h: token/admin `version` on status and expiresOn changes,
// slot `epoch` on password generation), generates passwords and returns
// their plaintext exactly once, and writes through the AccessStore.
//
// AuthState is NOT updated from here: the store's change feed updates it
// (store.Subscribe(auth_state)). One ordered path means a delete can never be
// overtaken by an older upsert, and the PostgreSQL backend will reach every
// node the same way. Embedded stores notify before the write returns, so the
// writing node enforces a change as soon as the call returns.
//
// Concurrency: every update is read-modify-write with
// Precondition::RevisionIs, so concurrent updates never lose each other's
// changes. On a conflict the operation is re-read and re-applied (up to
// options.max_attempts), unless the caller passed `if_revision` (an HTTP
// If-Match): then a conflict is reported as kAborted at once.
//
// Errors (every message names the field or object concerned and never
// contains a secret):
//   kInvalidArgument    malformed input (bad name, unknown action, expiry in
//                       the past, nothing to update, ...);
//   kNotFound           the token / scope map / operator / password slot
//                       does not exist;
//   kAlreadyExists      create of an existing name;
//   kFailedPrecondition the state forbids it: system scope maps are
//                       read-only, a scope map in use cannot be deleted (the
//                       message names the tokens), the last owner cannot be
//                       deleted;
//   kAborted            a concurrent change won (if_revision given, or
//                       retries exhausted); re-read and retry;
//   kPermissionDenied   the caller's role lacks the permission (operator.h);
//   kResourceExhausted  the registry-wide limit of tokens or scope maps is
//                       reached (checked before the write; two concurrent
//                       creates may overshoot by one each);
//   kUnavailable        the store or the OS random generator failed.
//
// Audit: every write carries the AccessChange that describes it (who, what,
// which object, a summary of what changed; never a password or a digest),
// built here before the write, and the store records it as a management
// audit event in the same transaction (access_store.h), so the audit trail
// has exactly the changes that were made. An optional AccessChangeObserver
// is also told about every successful change after it is committed (with
// the record's new revision); the audit pipeline uses it for its copies
// (JSON lines, syslog). Caller, ChangeOperation and AccessChange are
// declared in access_store.h.
//
// Thread safety: all methods are safe for concurrent use.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "scopereg/auth/access_store.h"
#include "scopereg/auth/credentials.h"
#include "scopereg/auth/operator.h"
#include "scopereg/auth/scope_map.h"
#include "scopereg/auth/token.h"
#include "scopereg/core/clock.h"
#include "scopereg/core/status.h"

namespace scopereg::auth {

class AccessChangeObserver {
 public:
  virtual ~AccessChangeObserver() = default;
  // Called after each successful change, once it is committed (and
  // recorded in the store's audit trail), on the calling thread, possibly
  // concurrently from several threads. Must not throw; must not call back
  // into AccessAdmin.
  virtual void OnAccessChange(const AccessChange& change) = 0;
};

struct AccessAdminOptions {
  // The admin user's username. A token may not be called this
  // (case-insensitively). Empty: the admin user cannot be enabled.
  std::string registry_name;
  ScopeMapLimits scope_map_limits;
  std::size_t max_scope_maps = 50'000;  // user-defined
  std::size_t max_tokens = 50'000;
  int max_attempts = 16;  // read-modify-write attempts before kAborted
};

// ---- requests and results ------------------------------------------------------------

struct ScopeMapSpec {
  std::string name;
  std::string description;
  std::vector<std::string> actions;  // "repositories/<repo-or-pattern>/<action>"
};

struct ScopeMapUpdate {
  std::optional<std::string> description;
  std::optional<std::vector<std::string>> actions;  // replaces the whole list
  std::optional<std::uint64_t> if_revision;
};

// Generate a password in this slot, expiring at `expiry` (nullopt = never).
struct PasswordRequest {
  std::optional<Time> expiry;
};

struct TokenSpec {
  std::string name;
  // Exactly one of the two: an existing scope map (user or system), or
  // action strings from which the scope map "<name>-scope-map" is created
  // (or reused if it exists with exactly these actions), as
  // `az acr token create --repository` does.
  std::string scope_map;
  std::vector<std::string> repository_actions;
  TokenStatus status = TokenStatus::kEnabled;
  std::string owner;
  std::string description;
  std::optional<Time> expires_on;
  std::map<std::string, std::string> labels;
  // Slots to generate now, indexed by SlotIndex(PasswordSlot). az generates
  // both unless --no-passwords; the API layer decides the default.
  std::array<std::optional<PasswordRequest>, 2> passwords;
};

struct TokenUpdate {
  std::optional<std::string> scope_map;
  std::optional<TokenStatus> status;
  std::optional<std::string> owner;
  std::optional<std::string> description;
  std::optional<Time> expires_on;
  bool clear_expires_on = false;  // remove expiresOn (conflicts with expires_on)
  // Labels to set (value) or remove (nullopt); others stay.
  std::map<std::string, std::optional<std::string>> labels;
  std::optional<std::uint64_t> if_revision;
};

struct GeneratedPassword {
  PasswordSlot slot = PasswordSlot::kPassword1;
  std::string name;   // "password1"/"password2" ("password" for the admin user's first)
  std::string value;  // the plaintext: shown once, never stored
  Time creation_time{};
  std::optional<Time> expiry;
};

struct GeneratedCredentials {
  std::string username;  // token name, or the registry name for the admin user
  std::vector<GeneratedPassword> passwords;
};

struct CreatedToken {
  Token token;
  GeneratedCredentials credentials;  // empty passwords if none were requested
  bool scope_map_created = false;    // "<name>-scope-map" was created by this call
};

struct CreatedOperator {
  OperatorCredential credential;
  std::string secret_line;  // "srop_<id>.<secret>": shown once
};

// Which slots an operation applies to. Empty means both for generation; for
// deletion it is an error ("no credentials to delete").
using SlotList = std::vector<PasswordSlot>;

class AccessAdmin {
 public:
  // `store`, `clock` and `observer` must outlive this object; `observer`
  // may be null.
  AccessAdmin(AccessStore& store, const Clock& clock, std::shared_ptr<const PasswordHasher> hasher,
              AccessAdminOptions options, AccessChangeObserver* observer = nullptr);

  // ---- scope maps (kRead / kWriteScopeMaps) --------------------------------------------

  // User-defined or system. kNotFound.
  Result<ScopeMap> GetScopeMap(const Caller& caller, std::string_view name);
  // System and user-defined maps together, sorted by name, names > `after`.
  Result<std::vector<ScopeMap>> ListScopeMaps(const Caller& caller, std::string_view after, std::size_t limit);
  // kInvalidArgument (name, description, actions[i], limits),
  // kAlreadyExists, kResourceExhausted.
  Result<ScopeMap> CreateScopeMap(const Caller& caller, const ScopeMapSpec& spec);
  // Replaces the description and/or the whole action list. kNotFound;
  // kFailedPrecondition for a system map; kInvalidArgument (also when
  // nothing is to be updated); kAborted.
  Result<ScopeMap> UpdateScopeMap(const Caller& caller, std::string_view name, const ScopeMapUpdate& update);
  // kNotFound; kFailedPrecondition for a system map or a map in use (the
  // message names the tokens); kAborted if `if_revision` does not match.
  Status DeleteScopeMap(const Caller& caller, std::string_view name,
                        std::optional<std::uint64_t> if_revision = std::nullopt);
  // Names of the tokens using the map (access review). kNotFound if the map
  // does not exist.
  Result<std::vector<std::string>> TokensUsingScopeMap(const Caller& caller, std::string_view name);

  // ---- tokens (kRead / kWriteTokens) -------------------------------------------------------

  Result<Token> GetToken(const Caller& caller, std::string_view name);
  Result<std::vector<Token>> ListTokens(const Caller& caller, std::string_view after, std::size_t limit);
  Result<TokenUsage> GetTokenUsage(const Caller& caller, std::string_view name);

  // kInvalidArgument (name, reserved admin username, owner, description,
  // labels, expiresOn or a password expiry not in the future, neither or both
  // of scope_map / repository_actions), kNotFound ("scopeMap: ..."),
  // kFailedPrecondition ("<name>-scope-map" exists with other actions),
  // kAlreadyExists, kResourceExhausted.
  Result<CreatedToken> CreateToken(const Caller& caller, const TokenSpec& spec);
  // kNotFound (token, or "scopeMap: ..."), kInvalidArgument (also when
  // nothing is to be updated), kAborted. A status or expiresOn change bumps
  // the token's version (earlier JWTs stop working); a scope-map change
  // needs no bump (permissions are always read from the current map).
  Result<Token> UpdateToken(const Caller& caller, std::string_view name, const TokenUpdate& update);
  // kNotFound; kAborted if `if_revision` does not match.
  Status DeleteToken(const Caller& caller, std::string_view name,
                     std::optional<std::uint64_t> if_revision = std::nullopt);

  // Generates new passwords for `slots` (empty = both), each expiring at
  // `expiry` (nullopt = never). Returns the plaintexts once; stores digests;
  // gives each regenerated slot a new epoch, so JWTs obtained with the old
  // password stop working and the other slot is untouched. kNotFound,
  // kInvalidArgument (expiry not in the future).
  Result<GeneratedCredentials> GenerateCredentials(const Caller& caller, std::string_view name, const SlotList& slots,
                                                   std::optional<Time> expiry = std::nullopt);
  // Deletes the passwords in `slots`. kInvalidArgument if `slots` is empty;
  // kNotFound if the token or one of the slots is absent ("password1: token
  // 'x' has no password1"; nothing is deleted then).
  Result<Token> DeleteCredentials(const Caller& caller, std::string_view name, const SlotList& slots);

  // ---- admin user (kRead / kManageAdminUser) ---------------------------------------------

  Result<AdminUser> GetAdminUser(const Caller& caller);
  // Enables the admin user (new version) and generates passwords for its
  // empty slots, returned once (empty if both existed). kFailedPrecondition
  // if no registry name is configured.
  Result<GeneratedCredentials> EnableAdminUser(const Caller& caller);
  // Disables it (new version: its JWTs stop working).
  Status DisableAdminUser(const Caller& caller);
  // Regenerates "password" / "password2" (`slots` empty = both).
  Result<GeneratedCredentials> RegenerateAdminPasswords(const Caller& caller, const SlotList& slots);

  // ---- operators (kRead / kManageOperators) ------------------------------------------------

  Result<std::vector<OperatorCredential>> ListOperators(const Caller& caller);
  // kInvalidArgument (id, description), kAlreadyExists.
  Result<CreatedOperator> CreateOperator(const Caller& caller, std::string_view id, OperatorRole role,
                                         std::string_view description);
  // kNotFound; kFailedPrecondition when deleting the last owner.
  Status DeleteOperator(const Caller& caller, std::string_view id);

  // Checks an operator secret line (operator.h) and returns the operator.
  // kUnauthenticated "authentication required" for anything else (malformed,
  // unknown id, wrong secret), like the data plane. Reads the store (the
  // management API is not a hot path).
  Result<OperatorCredential> AuthenticateOperator(std::string_view secret_line);

 private:
  Status Check(const Caller& caller, OperatorPermission permission) const;
  Status CheckFuture(std::string_view field, const std::optional<Time>& t) const;
  Status CheckScopeMapExists(std::string_view name);
  Result<PasswordCredential> NewPassword(std::optional<Time> expiry, std::string& plaintext) const;
  Result<ScopeMap> EnsureTokenScopeMap(const Caller& caller, const TokenSpec& spec, bool& created);
  // The change a write is about to make, timed now.
  AccessChange Change(const Caller& caller, ChangeOperation op, std::string target, std::string detail) const;
  // Tells the observer about `change`, committed with `revision`.
  void Notify(AccessChange change, std::uint64_t revision) const;
  template <typename Op>
  auto WithRetry(std::optional<std::uint64_t> if_revision, Op&& op) -> decltype(op());

  AccessStore& store_;
  const Clock& clock_;
  const std::shared_ptr<const PasswordHasher> hasher_;
  const AccessAdminOptions options_;
  AccessChangeObserver* const observer_;
};

}  // namespace scopereg::auth
