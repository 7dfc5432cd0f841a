// AccessStore: persistence of the access model (scope maps, tokens, the admin
// user, operator credentials, password last-used data), and the change feed
// that keeps every node's AuthState current.
//
// Owned by auth, implemented by the metadata backends
// (metadata/sqlite/sqlite_access_store.h, which the server uses; PostgreSQL
// later) and by auth/memory/memory_access_store.h (tests and benchmarks).
// tests/testing/access_store_suite.h is the conformance suite every
// implementation must pass.
//
// What a store does and does not do:
//   - It stores records as given and validates only what it must enforce
//     atomically: existence (preconditions), referential integrity between
//     tokens and scope maps. Field validation, epochs (Token::version,
//     PasswordCredential::epoch) and creation dates are the caller's
//     (AccessAdmin's) job.
//   - It assigns `revision` on every successful write of a record, from ONE
//     store-wide counter that only grows (a sequence): revisions are unique
//     across all records and never reused, even after a delete. The revision
//     is the record's etag for optimistic concurrency: read it, send it back
//     in Precondition::RevisionIs, and a concurrent writer in between makes
//     the write fail with kAborted instead of being lost.
//   - System scope maps (scope_map.h) are never stored: they are constants.
//     Writes of a name starting with '_' are refused; tokens may reference
//     system scope maps, which always exist.
//   - Every mutating method takes the AccessChange that describes it (who,
//     what, which object, a summary) and records it as a management audit
//     event IN THE SAME TRANSACTION as the write (access-model.md section 4):
//     the write and its event are committed together or not at all. A write
//     that fails (a precondition, referential integrity, a refused name)
//     records nothing; an event that cannot be recorded fails the write with
//     the audit write's error (typically kUnavailable) and changes nothing.
//     The store records the change as given, except `revision`, which it
//     sets to the record's new revision (0 after a delete). It does not check
//     that the change describes the write: AccessAdmin builds both. The SQL
//     backends record it in the audit log's table (audit/audit_log.h, a
//     `management` event); MemoryAccessStore keeps it in a list.
//
// Error codes common to every method: kUnavailable when the backend cannot
// be reached (retry later), kDataLoss when a stored record cannot be decoded,
// kInternal for bugs. Method comments list only the others.
//
// Thread safety: all methods are safe for concurrent use. Every mutating
// method is one atomic transaction.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "scopereg/audit/audit_event.h"
#include "scopereg/auth/credentials.h"
#include "scopereg/auth/operator.h"
#include "scopereg/auth/scope_map.h"
#include "scopereg/auth/token.h"
#include "scopereg/core/clock.h"
#include "scopereg/core/status.h"

namespace scopereg::auth {

// ---- management changes (the audit record of every write) ---------------------------

// Who is calling, for permission checks and the audit trail.
struct Caller {
  std::string id;  // operator id; "system" for Caller::System()
  OperatorRole role = OperatorRole::kAuditor;
  std::string client_address;
  std::string correlation_id;

  // An owner acting for the server itself (bootstrap, local maintenance).
  static Caller System() { return Caller{"system", OperatorRole::kOwner, "", ""}; }
  bool is_system() const { return id == "system"; }
  friend bool operator==(const Caller&, const Caller&) = default;
};

enum class ChangeOperation : std::uint8_t {
  kScopeMapCreate,
  kScopeMapUpdate,
  kScopeMapDelete,
  kTokenCreate,
  kTokenUpdate,
  kTokenDelete,
  kPasswordGenerate,
  kPasswordDelete,
  kAdminUserEnable,
  kAdminUserDisable,
  kAdminPasswordGenerate,
  kOperatorCreate,
  kOperatorDelete,
};
// "scope_map.create", "token.update", "token.password.generate",
// "admin_user.enable", "operator.delete", ...: the audit event's operation.
std::string_view ChangeOperationName(ChangeOperation op);
// The inverse of ChangeOperationName; nullopt for anything else.
std::optional<ChangeOperation> ParseChangeOperation(std::string_view name);

// One management change: what a mutating AccessStore method records with
// its write, and what AccessAdmin reports to its AccessChangeObserver.
struct AccessChange {
  Time time{};
  ChangeOperation operation = ChangeOperation::kTokenUpdate;
  Caller caller;
  std::string target;  // scope map / token / operator name; "" for the admin user
  // Human-readable summary, e.g. "status: enabled -> disabled" or
  // "password1 (expiry 2026-12-31T00:00:00Z)". Never a secret or a digest.
  std::string detail;
  std::uint64_t revision = 0;  // the record's revision after the change (0 after a delete); set by the store

  friend bool operator==(const AccessChange&, const AccessChange&) = default;
};

// The management audit event that records `change`, as every backend
// stores it and the audit pipeline copies it to the file and syslog:
// category management, operation ChangeOperationName, identity the caller's
// id with kind "system" for Caller::System() and "operator" otherwise,
// target, detail, client address and correlation id from the change,
// always a success (only committed changes are recorded). No id (the
// store assigns it).
audit::AuditEvent ManagementAuditEvent(const AccessChange& change);

// Condition a write must meet; checked in the same transaction as the write.
struct Precondition {
  enum class Kind : std::uint8_t {
    kNone,          // unconditional (create or overwrite; delete if present)
    kMustNotExist,  // create only; kAlreadyExists if the record exists
    kRevisionIs,    // the record must exist with exactly `revision`
  };
  Kind kind = Kind::kNone;
  std::uint64_t revision = 0;

  static Precondition None() { return {}; }
  static Precondition MustNotExist() { return {Kind::kMustNotExist, 0}; }
  static Precondition RevisionIs(std::uint64_t r) { return {Kind::kRevisionIs, r}; }
};

// Everything AuthState needs, read in one consistent transaction.
struct AccessSnapshot {
  std::vector<ScopeMap> scope_maps;  // user-defined only, any order
  std::vector<Token> tokens;         // any order
  AdminUser admin;                   // a default (disabled) record if never written
  std::uint64_t revision = 0;        // the store-wide revision at the time of the read
};

// One use of a password, for last-used tracking (access review). Written
// coalesced: the data plane collects them in memory (UsageRecorder,
// usage_recorder.h) and flushes them in batches.
struct PasswordUse {
  std::string token;  // token name; "" for the admin user
  PasswordSlot slot = PasswordSlot::kPassword1;
  Time time{};
  std::string client_address;
};

struct SlotUsage {
  std::optional<Time> last_used;
  std::string last_used_from;  // client address of that use
  friend bool operator==(const SlotUsage&, const SlotUsage&) = default;
};

struct TokenUsage {
  std::string token;  // "" for the admin user
  std::array<SlotUsage, 2> slots;  // indexed by SlotIndex(PasswordSlot)
  friend bool operator==(const TokenUsage&, const TokenUsage&) = default;
};

// Receives committed changes. Implemented by AuthState.
//
// Calls arrive in commit order, one at a time (never concurrently for one
// observer). Embedded stores call the observer synchronously, after the
// commit and before the mutating method returns, so a node sees its own
// writes as soon as the write returns. Observers must be quick and must not
// call back into the store (stores may hold a lock while notifying).
class AccessObserver {
 public:
  virtual ~AccessObserver() = default;
  // The complete current state: replaces everything seen before. Sent first
  // on Subscribe, and again whenever the store cannot guarantee the
  // observer saw every change (e.g. a PostgreSQL LISTEN connection was
  // lost, or the periodic full refresh).
  virtual void OnSnapshot(const AccessSnapshot& snapshot) = 0;
  virtual void OnScopeMapPut(const ScopeMap& scope_map) = 0;
  virtual void OnScopeMapDeleted(std::string_view name) = 0;
  virtual void OnTokenPut(const Token& token) = 0;
  virtual void OnTokenDeleted(std::string_view name) = 0;
  virtual void OnAdminUserPut(const AdminUser& admin) = 0;
};

// Returned by Subscribe; destroying it unsubscribes (after which no further
// call reaches the observer, including calls already in progress in other
// threads having finished).
class AccessSubscription {
 public:
  virtual ~AccessSubscription() = default;
};

class AccessStore {
 public:
  virtual ~AccessStore() = default;

  // ---- scope maps (user-defined only) ---------------------------------------------

  // kNotFound if there is no user-defined scope map `name` (system scope
  // maps are not in the store: see FindSystemScopeMap).
  virtual Result<ScopeMap> GetScopeMap(std::string_view name) = 0;

  // Up to `limit` scope maps with name > `after` in byte order, sorted.
  // Fewer than `limit` means there are no more.
  virtual Result<std::vector<ScopeMap>> ListScopeMaps(std::string_view after, std::size_t limit) = 0;

  virtual Result<std::size_t> CountScopeMaps() = 0;

  // Creates or replaces `scope_map` (matched by name), records `change`
  // (file comment), and returns the map as stored, with its new revision.
  // Errors:
  //   kInvalidArgument  the name starts with '_' (system scope maps are
  //                     read-only) or the type is kSystemDefined;
  //   kAlreadyExists    kMustNotExist and the map exists;
  //   kNotFound         kRevisionIs and the map does not exist;
  //   kAborted          kRevisionIs and the revision differs (nothing written).
  virtual Result<ScopeMap> PutScopeMap(const ScopeMap& scope_map, const Precondition& precondition,
                                       const AccessChange& change) = 0;

  // Deletes a scope map and records `change`. Errors:
  //   kNotFound            no such map (also with kNone);
  //   kFailedPrecondition  a token uses it; the message names the tokens
  //                        ("scope map 'x' is used by tokens: a, b"; at most
  //                        10 names, then ", ... (N in total)");
  //   kInvalidArgument     the name is a system scope map's;
  //   kAborted             kRevisionIs and the revision differs.
  // kMustNotExist is meaningless here and is kInvalidArgument.
  virtual Status DeleteScopeMap(std::string_view name, const Precondition& precondition,
                                const AccessChange& change) = 0;

  // Names of the tokens whose scope_map is `name`, sorted. Works for system
  // scope map names too. Empty (not kNotFound) if none.
  virtual Result<std::vector<std::string>> ListTokensUsingScopeMap(std::string_view name) = 0;

  // ---- tokens -------------------------------------------------------------------

  // kNotFound if there is no token `name` (names are case-sensitive).
  virtual Result<Token> GetToken(std::string_view name) = 0;

  // Up to `limit` tokens with name > `after` in byte order, sorted. Fewer
  // than `limit` means there are no more.
  virtual Result<std::vector<Token>> ListTokens(std::string_view after, std::size_t limit) = 0;

  virtual Result<std::size_t> CountTokens() = 0;

  // Creates or replaces `token` (matched by name), records `change`, and
  // returns the token as stored, with its new revision. The usage data (GetTokenUsage) of a slot that
  // became empty or whose epoch changed is cleared in the same transaction:
  // it described a password that no longer exists. Errors:
  //   kFailedPrecondition  token.scope_map names neither a stored scope map
  //                        nor a system one ("scope map 'x' does not exist");
  //   kAlreadyExists / kNotFound / kAborted  as for PutScopeMap.
  virtual Result<Token> PutToken(const Token& token, const Precondition& precondition,
                                 const AccessChange& change) = 0;

  // Deletes a token and its usage data and records `change`. Errors: kNotFound (also with kNone);
  // kAborted for a revision mismatch; kInvalidArgument for kMustNotExist.
  virtual Status DeleteToken(std::string_view name, const Precondition& precondition,
                             const AccessChange& change) = 0;

  // ---- admin user -------------------------------------------------------------------

  // The admin user; a default record (disabled, no passwords, revision 0)
  // if it was never written. Never kNotFound.
  virtual Result<AdminUser> GetAdminUser() = 0;

  // Replaces the admin user, records `change`, and returns the admin user
  // with its new revision.
  // kAborted if kRevisionIs and the revision differs (revision 0 matches the
  // never-written default). kMustNotExist is kInvalidArgument.
  virtual Result<AdminUser> PutAdminUser(const AdminUser& admin, const Precondition& precondition,
                                         const AccessChange& change) = 0;

  // ---- operator credentials ------------------------------------------------------

  // kNotFound if there is no operator `id`.
  virtual Result<OperatorCredential> GetOperator(std::string_view id) = 0;
  // All operators, sorted by id.
  virtual Result<std::vector<OperatorCredential>> ListOperators() = 0;
  // Same contract as PutToken, without the scope-map check.
  virtual Result<OperatorCredential> PutOperator(const OperatorCredential& op, const Precondition& precondition,
                                                 const AccessChange& change) = 0;
  // Same contract as DeleteToken.
  virtual Status DeleteOperator(std::string_view id, const Precondition& precondition,
                                const AccessChange& change) = 0;

  // ---- last-used data -----------------------------------------------------------------

  // Records password uses. For each (token, slot) only the latest time is
  // kept (an older use never overwrites a newer one). Uses of tokens that
  // no longer exist are ignored. Does not change any revision and does not
  // notify observers.
  virtual Status RecordPasswordUses(std::span<const PasswordUse> uses) = 0;

  // Last-used data of a token ("" = the admin user); all-empty slots if it
  // was never used. kNotFound if the token does not exist.
  virtual Result<TokenUsage> GetTokenUsage(std::string_view token) = 0;

  // ---- change feed ------------------------------------------------------------------------

  // Everything AuthState needs, in one consistent read: no write is half
  // in it, and `revision` is the counter as of that read.
  virtual Result<AccessSnapshot> LoadSnapshot() = 0;

  // Subscribes `observer`: calls observer.OnSnapshot with the current state
  // before returning, then every committed change in commit order (see
  // AccessObserver). The observer must outlive the subscription.
  virtual Result<std::unique_ptr<AccessSubscription>> Subscribe(AccessObserver& observer) = 0;
};

// ---- for implementations --------------------------------------------------------------
// The checks every backend makes, so that all of them word their errors
// alike (the messages reach clients through the management API).

// Checks `precondition` against the stored record's revision (nullopt: no
// record). `kind` and `name` name the record: "token", "ci-token" ("admin
// user", "" for the admin user).
// kAlreadyExists, kNotFound or kAborted as the method contracts say.
Status CheckPrecondition(std::optional<std::uint64_t> stored_revision, std::string_view kind, std::string_view name,
                         const Precondition& precondition);
// The same for a delete: kInvalidArgument for kMustNotExist, kNotFound when
// there is no record (whatever the precondition), else CheckPrecondition.
Status CheckDeletePrecondition(std::optional<std::uint64_t> stored_revision, std::string_view kind,
                               std::string_view name, const Precondition& precondition);
// kFailedPrecondition "scope map 'x' is used by tokens: a, b" (the first 10
// of `users`, sorted, then ", ... (N in total)" where N = `total`).
Status ScopeMapInUse(std::string_view name, std::span<const std::string> users, std::size_t total);
// kNotFound "token 'x' does not exist" and the like.
Status RecordNotFound(std::string_view kind, std::string_view name);
// kInvalidArgument unless PutScopeMap may write `scope_map`: a user-defined
// map whose name does not start with '_' (reserved for system scope maps).
Status CheckScopeMapWritable(const ScopeMap& scope_map);
// kInvalidArgument if `name` is a system scope map's (DeleteScopeMap).
Status CheckScopeMapDeletable(std::string_view name);
// kFailedPrecondition "scope map 'x' does not exist": PutToken's reference
// to a map that is neither stored nor a system one.
Status TokenScopeMapMissing(std::string_view name);

}  // namespace scopereg::auth
