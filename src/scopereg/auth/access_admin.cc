#include "scopereg/auth/access_admin.h"

#include <algorithm>
#include <thread>

#include "scopereg/auth/principal.h"
#include "scopereg/auth/validation.h"
#include "scopereg/core/strings.h"

namespace scopereg::auth {

namespace {

constexpr std::size_t kMaxOperatorDescriptionLength = 256;

std::string Named(std::string_view kind, std::string_view name) {
  return std::string(kind) + " '" + std::string(name) + "'";
}

std::string TimeOrNever(const std::optional<Time>& t) { return t ? FormatRfc3339(*t) : "never"; }

// Both slots for an empty list; duplicates removed; slot order.
SlotList Normalize(SlotList slots) {
  if (slots.empty()) return SlotList(kBothSlots.begin(), kBothSlots.end());
  std::sort(slots.begin(), slots.end());
  slots.erase(std::unique(slots.begin(), slots.end()), slots.end());
  return slots;
}

Status CheckIfRevision(std::optional<std::uint64_t> if_revision, std::uint64_t current, std::string_view what) {
  if (if_revision && *if_revision != current) {
    return Status::Aborted(std::string(what) + " was modified (revision " + std::to_string(current) +
                           ", expected " + std::to_string(*if_revision) + ")");
  }
  return Status::Ok();
}

std::string DescribePasswords(const std::vector<GeneratedPassword>& passwords) {
  std::string out;
  for (const GeneratedPassword& p : passwords) {
    if (!out.empty()) out += ", ";
    out += p.name + " (expiry " + TimeOrNever(p.expiry) + ")";
  }
  return out;
}

}  // namespace

AccessAdmin::AccessAdmin(AccessStore& store, const Clock& clock, std::shared_ptr<const PasswordHasher> hasher,
                         AccessAdminOptions options, AccessChangeObserver* observer)
    : store_(store), clock_(clock), hasher_(std::move(hasher)), options_(std::move(options)), observer_(observer) {}

Status AccessAdmin::Check(const Caller& caller, OperatorPermission permission) const {
  if (RoleAllows(caller.role, permission)) return Status::Ok();
  return Status::PermissionDenied("operator '" + caller.id + "' (role " + std::string(OperatorRoleName(caller.role)) +
                                  ") may not " + std::string(OperatorPermissionName(permission)));
}

Status AccessAdmin::CheckFuture(std::string_view field, const std::optional<Time>& t) const {
  if (t && *t <= clock_.Now()) {
    return Status::InvalidArgument(std::string(field) + ": " + FormatRfc3339(*t) + " is not in the future");
  }
  return Status::Ok();
}

Status AccessAdmin::CheckScopeMapExists(std::string_view name) {
  // Checked up front for a clear message; the store checks again inside the
  // token's write (kFailedPrecondition) in case the map vanishes meanwhile.
  if (IsSystemScopeMapName(name)) return Status::Ok();
  Status st = store_.GetScopeMap(name).status();
  if (st.IsNotFound()) return Status::NotFound("scopeMap: " + Named("scope map", name) + " does not exist");
  return st;
}

Result<PasswordCredential> AccessAdmin::NewPassword(std::optional<Time> expiry, std::string& plaintext) const {
  SCOPEREG_ASSIGN_OR_RETURN(plaintext, GeneratePassword());
  PasswordCredential c;
  c.creation_time = clock_.Now();
  c.expiry = expiry;
  c.digest = hasher_->Digest(plaintext);
  SCOPEREG_ASSIGN_OR_RETURN(c.epoch, NewCredentialEpoch());
  return c;
}

AccessChange AccessAdmin::Change(const Caller& caller, ChangeOperation op, std::string target,
                                 std::string detail) const {
  return AccessChange{clock_.Now(), op, caller, std::move(target), std::move(detail), 0};
}

void AccessAdmin::Notify(AccessChange change, std::uint64_t revision) const {
  if (observer_ == nullptr) return;
  change.revision = revision;
  observer_->OnAccessChange(change);
}

template <typename Op>
auto AccessAdmin::WithRetry(std::optional<std::uint64_t> if_revision, Op&& op) -> decltype(op()) {
  for (int attempt = 1;; ++attempt) {
    auto result = op();
    // A caller-supplied revision means "only if nobody changed it": a
    // conflict is the answer, not something to paper over.
    if (::scopereg::internal::AsStatus(result).code() != StatusCode::kAborted || if_revision.has_value() ||
        attempt >= options_.max_attempts) {
      return result;
    }
    std::this_thread::yield();
  }
}

// ---- scope maps -------------------------------------------------------------------------------

Result<ScopeMap> AccessAdmin::GetScopeMap(const Caller& caller, std::string_view name) {
  SCOPEREG_RETURN_IF_ERROR(Check(caller, OperatorPermission::kRead));
  if (const ScopeMap* system = FindSystemScopeMap(name)) return *system;
  return store_.GetScopeMap(name);
}

Result<std::vector<ScopeMap>> AccessAdmin::ListScopeMaps(const Caller& caller, std::string_view after,
                                                         std::size_t limit) {
  SCOPEREG_RETURN_IF_ERROR(Check(caller, OperatorPermission::kRead));
  SCOPEREG_ASSIGN_OR_RETURN(std::vector<ScopeMap> out, store_.ListScopeMaps(after, limit));
  for (const ScopeMap& m : SystemScopeMaps()) {
    if (m.name > after) out.push_back(m);
  }
  std::sort(out.begin(), out.end(), [](const ScopeMap& a, const ScopeMap& b) { return a.name < b.name; });
  // The store's page may end before a system name that sorts after its last
  // entry, which is fine: the next page (after = last name) brings it.
  if (out.size() > limit) out.resize(limit);
  return out;
}

Result<ScopeMap> AccessAdmin::CreateScopeMap(const Caller& caller, const ScopeMapSpec& spec) {
  SCOPEREG_RETURN_IF_ERROR(Check(caller, OperatorPermission::kWriteScopeMaps));
  SCOPEREG_RETURN_IF_ERROR(ValidateScopeMapName(spec.name));
  SCOPEREG_RETURN_IF_ERROR(ValidateScopeMapDescription(spec.description));
  SCOPEREG_ASSIGN_OR_RETURN(std::vector<RepositoryRule> rules,
                            ParseScopeMapActions(spec.actions, options_.scope_map_limits));
  SCOPEREG_ASSIGN_OR_RETURN(std::size_t count, store_.CountScopeMaps());
  if (count >= options_.max_scope_maps) {
    return Status::ResourceExhausted("scope maps: the registry has reached the limit of " +
                                     std::to_string(options_.max_scope_maps) + " scope maps");
  }
  ScopeMap m;
  m.name = spec.name;
  m.description = spec.description;
  m.type = ScopeMapType::kUserDefined;
  m.creation_date = clock_.Now();
  m.rules = std::move(rules);
  AccessChange change = Change(caller, ChangeOperation::kScopeMapCreate, m.name,
                               std::to_string(m.action_count()) + " actions on " + std::to_string(m.rules.size()) +
                                   " repositories");
  SCOPEREG_ASSIGN_OR_RETURN(ScopeMap stored, store_.PutScopeMap(m, Precondition::MustNotExist(), change));
  Notify(std::move(change), stored.revision);
  return stored;
}

Result<ScopeMap> AccessAdmin::UpdateScopeMap(const Caller& caller, std::string_view name,
                                             const ScopeMapUpdate& update) {
  SCOPEREG_RETURN_IF_ERROR(Check(caller, OperatorPermission::kWriteScopeMaps));
  if (IsSystemScopeMapName(name)) {
    return Status::FailedPrecondition(Named("scope map", name) + " is system-defined and read-only");
  }
  if (!update.description && !update.actions) {
    return Status::InvalidArgument("update: no scope map properties to update");
  }
  if (update.description) SCOPEREG_RETURN_IF_ERROR(ValidateScopeMapDescription(*update.description));
  std::optional<std::vector<RepositoryRule>> rules;
  if (update.actions) {
    SCOPEREG_ASSIGN_OR_RETURN(rules, ParseScopeMapActions(*update.actions, options_.scope_map_limits));
  }
  AccessChange change;
  auto result = WithRetry(update.if_revision, [&]() -> Result<ScopeMap> {
    SCOPEREG_ASSIGN_OR_RETURN(ScopeMap m, store_.GetScopeMap(name));
    SCOPEREG_RETURN_IF_ERROR(CheckIfRevision(update.if_revision, m.revision, Named("scope map", name)));
    const std::uint64_t read_revision = m.revision;
    std::string detail;
    if (update.description && *update.description != m.description) {
      m.description = *update.description;
      detail = "description changed";
    }
    if (rules) {
      const std::size_t before = m.action_count();
      m.rules = *rules;
      detail += (detail.empty() ? "" : "; ") + std::string("actions: ") + std::to_string(before) + " -> " +
                std::to_string(m.action_count());
    }
    change = Change(caller, ChangeOperation::kScopeMapUpdate, std::string(name), std::move(detail));
    return store_.PutScopeMap(m, Precondition::RevisionIs(read_revision), change);
  });
  if (result.ok()) Notify(std::move(change), result->revision);
  return result;
}

Status AccessAdmin::DeleteScopeMap(const Caller& caller, std::string_view name,
                                   std::optional<std::uint64_t> if_revision) {
  SCOPEREG_RETURN_IF_ERROR(Check(caller, OperatorPermission::kWriteScopeMaps));
  if (IsSystemScopeMapName(name)) {
    return Status::FailedPrecondition(Named("scope map", name) + " is system-defined and read-only");
  }
  // The store checks "in use" inside the delete's transaction, so a token
  // created concurrently cannot be left pointing at nothing.
  AccessChange change = Change(caller, ChangeOperation::kScopeMapDelete, std::string(name), "");
  SCOPEREG_RETURN_IF_ERROR(store_.DeleteScopeMap(
      name, if_revision ? Precondition::RevisionIs(*if_revision) : Precondition::None(), change));
  Notify(std::move(change), 0);
  return Status::Ok();
}

Result<std::vector<std::string>> AccessAdmin::TokensUsingScopeMap(const Caller& caller, std::string_view name) {
  SCOPEREG_RETURN_IF_ERROR(Check(caller, OperatorPermission::kRead));
  if (!IsSystemScopeMapName(name)) SCOPEREG_RETURN_IF_ERROR(store_.GetScopeMap(name));
  return store_.ListTokensUsingScopeMap(name);
}

// ---- tokens -------------------------------------------------------------------------------------

Result<Token> AccessAdmin::GetToken(const Caller& caller, std::string_view name) {
  SCOPEREG_RETURN_IF_ERROR(Check(caller, OperatorPermission::kRead));
  return store_.GetToken(name);
}

Result<std::vector<Token>> AccessAdmin::ListTokens(const Caller& caller, std::string_view after, std::size_t limit) {
  SCOPEREG_RETURN_IF_ERROR(Check(caller, OperatorPermission::kRead));
  return store_.ListTokens(after, limit);
}

Result<TokenUsage> AccessAdmin::GetTokenUsage(const Caller& caller, std::string_view name) {
  SCOPEREG_RETURN_IF_ERROR(Check(caller, OperatorPermission::kRead));
  return store_.GetTokenUsage(name);
}

Result<ScopeMap> AccessAdmin::EnsureTokenScopeMap(const Caller& caller, const TokenSpec& spec, bool& created) {
  created = false;
  const std::string map_name = spec.name + "-scope-map";
  if (map_name.size() > kMaxScopeMapNameLength) {
    return Status::InvalidArgument("repositoryActions: the scope map name '" + map_name +
                                   "' derived from the token name is longer than " +
                                   std::to_string(kMaxScopeMapNameLength) +
                                   " characters; create a scope map and pass scopeMap instead");
  }
  SCOPEREG_ASSIGN_OR_RETURN(std::vector<RepositoryRule> rules,
                            ParseScopeMapActions(spec.repository_actions, options_.scope_map_limits));
  auto reuse = [&](const ScopeMap& existing) -> Result<ScopeMap> {
    if (existing.rules == rules) return existing;
    return Status::FailedPrecondition(
        "repositoryActions: the default scope map '" + map_name +
        "' was already configured with different repository permissions; update it with scope-map update or pass "
        "scopeMap");
  };
  auto existing = store_.GetScopeMap(map_name);
  if (existing.ok()) return reuse(*existing);
  if (!existing.status().IsNotFound()) return existing.status();
  ScopeMap m;
  m.name = map_name;
  m.description = "Created by token: " + spec.name;  // az's wording
  m.creation_date = clock_.Now();
  m.rules = rules;
  SCOPEREG_ASSIGN_OR_RETURN(std::size_t count, store_.CountScopeMaps());
  if (count >= options_.max_scope_maps) {
    return Status::ResourceExhausted("scope maps: the registry has reached the limit of " +
                                     std::to_string(options_.max_scope_maps) + " scope maps");
  }
  AccessChange change = Change(caller, ChangeOperation::kScopeMapCreate, map_name,
                               std::to_string(m.action_count()) + " actions, for token " + spec.name);
  auto stored = store_.PutScopeMap(m, Precondition::MustNotExist(), change);
  if (stored.status().code() == StatusCode::kAlreadyExists) {
    // Created concurrently (e.g. the same command retried): reuse it if equal.
    SCOPEREG_ASSIGN_OR_RETURN(ScopeMap raced, store_.GetScopeMap(map_name));
    return reuse(raced);
  }
  if (!stored.ok()) return stored.status();
  created = true;
  Notify(std::move(change), stored->revision);
  return stored;
}

Result<CreatedToken> AccessAdmin::CreateToken(const Caller& caller, const TokenSpec& spec) {
  SCOPEREG_RETURN_IF_ERROR(Check(caller, OperatorPermission::kWriteTokens));
  SCOPEREG_RETURN_IF_ERROR(ValidateTokenName(spec.name));
  if (!options_.registry_name.empty() && ToLower(spec.name) == ToLower(options_.registry_name)) {
    return Status::InvalidArgument("name: \"" + spec.name + "\" is reserved for the admin user (the registry name)");
  }
  SCOPEREG_RETURN_IF_ERROR(ValidateTokenOwner(spec.owner));
  SCOPEREG_RETURN_IF_ERROR(ValidateTokenDescription(spec.description));
  SCOPEREG_RETURN_IF_ERROR(ValidateLabels(spec.labels));
  SCOPEREG_RETURN_IF_ERROR(CheckFuture("expiresOn", spec.expires_on));
  for (PasswordSlot s : kBothSlots) {
    if (const auto& req = spec.passwords[SlotIndex(s)]) {
      SCOPEREG_RETURN_IF_ERROR(CheckFuture(std::string(PasswordSlotName(s)) + ".expiry", req->expiry));
    }
  }
  if (spec.scope_map.empty() == spec.repository_actions.empty()) {
    return Status::InvalidArgument("scopeMap: give either a scope map or repository actions, not both or neither");
  }
  SCOPEREG_ASSIGN_OR_RETURN(std::size_t count, store_.CountTokens());
  if (count >= options_.max_tokens) {
    return Status::ResourceExhausted("tokens: the registry has reached the limit of " +
                                     std::to_string(options_.max_tokens) + " tokens");
  }
  if (auto existing = store_.GetToken(spec.name); existing.ok()) {
    return Status::AlreadyExists(Named("token", spec.name) + " already exists");
  }

  CreatedToken out;
  Token t;
  t.name = spec.name;
  if (!spec.scope_map.empty()) {
    SCOPEREG_RETURN_IF_ERROR(CheckScopeMapExists(spec.scope_map));
    t.scope_map = spec.scope_map;
  } else {
    SCOPEREG_ASSIGN_OR_RETURN(ScopeMap m, EnsureTokenScopeMap(caller, spec, out.scope_map_created));
    t.scope_map = m.name;
  }
  t.status = spec.status;
  t.creation_date = clock_.Now();
  t.owner = spec.owner;
  t.description = spec.description;
  t.expires_on = spec.expires_on;
  t.labels = spec.labels;
  SCOPEREG_ASSIGN_OR_RETURN(t.version, NewCredentialEpoch());
  out.credentials.username = spec.name;
  for (PasswordSlot s : kBothSlots) {
    const auto& req = spec.passwords[SlotIndex(s)];
    if (!req) continue;
    GeneratedPassword gp{s, std::string(PasswordSlotName(s)), "", {}, req->expiry};
    SCOPEREG_ASSIGN_OR_RETURN(t.password(s), NewPassword(req->expiry, gp.value));
    gp.creation_time = t.password(s)->creation_time;
    out.credentials.passwords.push_back(std::move(gp));
  }
  std::string detail = "scopeMap " + t.scope_map + ", status " + std::string(TokenStatusName(t.status));
  if (!out.credentials.passwords.empty()) detail += ", passwords " + DescribePasswords(out.credentials.passwords);
  AccessChange change = Change(caller, ChangeOperation::kTokenCreate, t.name, std::move(detail));
  auto stored = store_.PutToken(t, Precondition::MustNotExist(), change);
  if (!stored.ok()) {
    if (out.scope_map_created) {
      // Best effort: do not leave behind the map this call made for a token
      // that does not exist. If it fails, the map is merely unused. It is a
      // change like any other, so it is audited like any other.
      AccessChange undo = Change(caller, ChangeOperation::kScopeMapDelete, t.scope_map,
                                 "token " + t.name + " was not created");
      if (store_.DeleteScopeMap(t.scope_map, Precondition::None(), undo).ok()) Notify(std::move(undo), 0);
    }
    return stored.status();
  }
  out.token = std::move(stored).value();
  Notify(std::move(change), out.token.revision);
  return out;
}

Result<Token> AccessAdmin::UpdateToken(const Caller& caller, std::string_view name, const TokenUpdate& update) {
  SCOPEREG_RETURN_IF_ERROR(Check(caller, OperatorPermission::kWriteTokens));
  if (!update.scope_map && !update.status && !update.owner && !update.description && !update.expires_on &&
      !update.clear_expires_on && update.labels.empty()) {
    return Status::InvalidArgument("update: no token properties to update");
  }
  if (update.expires_on && update.clear_expires_on) {
    return Status::InvalidArgument("expiresOn: cannot both set and clear it");
  }
  if (update.owner) SCOPEREG_RETURN_IF_ERROR(ValidateTokenOwner(*update.owner));
  if (update.description) SCOPEREG_RETURN_IF_ERROR(ValidateTokenDescription(*update.description));
  SCOPEREG_RETURN_IF_ERROR(CheckFuture("expiresOn", update.expires_on));
  for (const auto& [key, value] : update.labels) {
    if (value) SCOPEREG_RETURN_IF_ERROR(ValidateLabel(key, *value));
  }
  if (update.scope_map) SCOPEREG_RETURN_IF_ERROR(CheckScopeMapExists(*update.scope_map));

  AccessChange change;
  auto result = WithRetry(update.if_revision, [&]() -> Result<Token> {
    SCOPEREG_ASSIGN_OR_RETURN(Token t, store_.GetToken(name));
    SCOPEREG_RETURN_IF_ERROR(CheckIfRevision(update.if_revision, t.revision, Named("token", name)));
    const std::uint64_t read_revision = t.revision;
    std::vector<std::string> changes;
    bool bump = false;
    if (update.scope_map && *update.scope_map != t.scope_map) {
      changes.push_back("scopeMap: " + t.scope_map + " -> " + *update.scope_map);
      t.scope_map = *update.scope_map;
    }
    if (update.status && *update.status != t.status) {
      changes.push_back("status: " + std::string(TokenStatusName(t.status)) + " -> " +
                        std::string(TokenStatusName(*update.status)));
      t.status = *update.status;
      bump = true;
    }
    if (update.owner && *update.owner != t.owner) {
      changes.push_back("owner: \"" + t.owner + "\" -> \"" + *update.owner + "\"");
      t.owner = *update.owner;
    }
    if (update.description && *update.description != t.description) {
      changes.push_back("description changed");
      t.description = *update.description;
    }
    const std::optional<Time> expires_on = update.clear_expires_on ? std::nullopt
                                           : update.expires_on      ? update.expires_on
                                                                    : t.expires_on;
    if (expires_on != t.expires_on) {
      changes.push_back("expiresOn: " + TimeOrNever(t.expires_on) + " -> " + TimeOrNever(expires_on));
      t.expires_on = expires_on;
      bump = true;
    }
    for (const auto& [key, value] : update.labels) {
      if (value) {
        auto [it, inserted] = t.labels.insert_or_assign(key, *value);
        changes.push_back("labels: " + std::string(inserted ? "+" : "~") + key);
      } else if (t.labels.erase(key) > 0) {
        changes.push_back("labels: -" + key);
      }
    }
    SCOPEREG_RETURN_IF_ERROR(ValidateLabels(t.labels));
    if (bump) {
      SCOPEREG_ASSIGN_OR_RETURN(t.version, NewCredentialEpoch());
    }
    std::string detail;
    for (const std::string& c : changes) detail += (detail.empty() ? "" : "; ") + c;
    change = Change(caller, ChangeOperation::kTokenUpdate, std::string(name), std::move(detail));
    return store_.PutToken(t, Precondition::RevisionIs(read_revision), change);
  });
  if (result.ok()) Notify(std::move(change), result->revision);
  return result;
}

Status AccessAdmin::DeleteToken(const Caller& caller, std::string_view name,
                                std::optional<std::uint64_t> if_revision) {
  SCOPEREG_RETURN_IF_ERROR(Check(caller, OperatorPermission::kWriteTokens));
  AccessChange change = Change(caller, ChangeOperation::kTokenDelete, std::string(name), "");
  SCOPEREG_RETURN_IF_ERROR(store_.DeleteToken(
      name, if_revision ? Precondition::RevisionIs(*if_revision) : Precondition::None(), change));
  Notify(std::move(change), 0);
  return Status::Ok();
}

Result<GeneratedCredentials> AccessAdmin::GenerateCredentials(const Caller& caller, std::string_view name,
                                                              const SlotList& slots, std::optional<Time> expiry) {
  SCOPEREG_RETURN_IF_ERROR(Check(caller, OperatorPermission::kWriteTokens));
  SCOPEREG_RETURN_IF_ERROR(CheckFuture("expiry", expiry));
  const SlotList which = Normalize(slots);
  GeneratedCredentials out;
  AccessChange change;
  auto result = WithRetry(std::nullopt, [&]() -> Result<Token> {
    SCOPEREG_ASSIGN_OR_RETURN(Token t, store_.GetToken(name));
    out = GeneratedCredentials{t.name, {}};
    for (PasswordSlot s : which) {
      GeneratedPassword gp{s, std::string(PasswordSlotName(s)), "", {}, expiry};
      SCOPEREG_ASSIGN_OR_RETURN(t.password(s), NewPassword(expiry, gp.value));
      gp.creation_time = t.password(s)->creation_time;
      out.passwords.push_back(std::move(gp));
    }
    change = Change(caller, ChangeOperation::kPasswordGenerate, std::string(name), DescribePasswords(out.passwords));
    return store_.PutToken(t, Precondition::RevisionIs(t.revision), change);
  });
  if (!result.ok()) return result.status();
  Notify(std::move(change), result->revision);
  return out;
}

Result<Token> AccessAdmin::DeleteCredentials(const Caller& caller, std::string_view name, const SlotList& slots) {
  SCOPEREG_RETURN_IF_ERROR(Check(caller, OperatorPermission::kWriteTokens));
  if (slots.empty()) return Status::InvalidArgument("passwords: no credentials to delete");
  const SlotList which = Normalize(slots);
  std::string detail;
  for (PasswordSlot s : which) detail += (detail.empty() ? "" : ", ") + std::string(PasswordSlotName(s));
  AccessChange change;
  auto result = WithRetry(std::nullopt, [&]() -> Result<Token> {
    SCOPEREG_ASSIGN_OR_RETURN(Token t, store_.GetToken(name));
    for (PasswordSlot s : which) {
      if (!t.password(s)) {
        return Status::NotFound(std::string(PasswordSlotName(s)) + ": " + Named("token", name) + " has no " +
                                std::string(PasswordSlotName(s)));
      }
      t.password(s).reset();
    }
    change = Change(caller, ChangeOperation::kPasswordDelete, std::string(name), detail);
    return store_.PutToken(t, Precondition::RevisionIs(t.revision), change);
  });
  if (result.ok()) Notify(std::move(change), result->revision);
  return result;
}

// ---- admin user ----------------------------------------------------------------------------------

Result<AdminUser> AccessAdmin::GetAdminUser(const Caller& caller) {
  SCOPEREG_RETURN_IF_ERROR(Check(caller, OperatorPermission::kRead));
  return store_.GetAdminUser();
}

Result<GeneratedCredentials> AccessAdmin::EnableAdminUser(const Caller& caller) {
  SCOPEREG_RETURN_IF_ERROR(Check(caller, OperatorPermission::kManageAdminUser));
  if (options_.registry_name.empty()) {
    return Status::FailedPrecondition("admin user: no registry name is configured (it is the admin username)");
  }
  GeneratedCredentials out;
  bool changed = false;
  AccessChange change;
  auto result = WithRetry(std::nullopt, [&]() -> Result<AdminUser> {
    SCOPEREG_ASSIGN_OR_RETURN(AdminUser a, store_.GetAdminUser());
    out = GeneratedCredentials{options_.registry_name, {}};
    changed = !a.enabled;
    if (changed) {
      a.enabled = true;
      SCOPEREG_ASSIGN_OR_RETURN(a.version, NewCredentialEpoch());
    }
    for (PasswordSlot s : kBothSlots) {
      if (a.password(s)) continue;
      GeneratedPassword gp{s, std::string(AdminPasswordSlotName(s)), "", {}, std::nullopt};
      SCOPEREG_ASSIGN_OR_RETURN(a.password(s), NewPassword(std::nullopt, gp.value));
      gp.creation_time = a.password(s)->creation_time;
      out.passwords.push_back(std::move(gp));
      changed = true;
    }
    if (!changed) return a;  // already enabled with both passwords: nothing to write
    change = Change(caller, ChangeOperation::kAdminUserEnable, "",
                    out.passwords.empty() ? "" : "passwords " + DescribePasswords(out.passwords));
    return store_.PutAdminUser(a, Precondition::RevisionIs(a.revision), change);
  });
  if (!result.ok()) return result.status();
  if (changed) Notify(std::move(change), result->revision);
  return out;
}

Status AccessAdmin::DisableAdminUser(const Caller& caller) {
  SCOPEREG_RETURN_IF_ERROR(Check(caller, OperatorPermission::kManageAdminUser));
  bool changed = false;
  AccessChange change;
  auto result = WithRetry(std::nullopt, [&]() -> Result<AdminUser> {
    SCOPEREG_ASSIGN_OR_RETURN(AdminUser a, store_.GetAdminUser());
    changed = a.enabled;
    if (!changed) return a;
    a.enabled = false;
    SCOPEREG_ASSIGN_OR_RETURN(a.version, NewCredentialEpoch());
    change = Change(caller, ChangeOperation::kAdminUserDisable, "", "");
    return store_.PutAdminUser(a, Precondition::RevisionIs(a.revision), change);
  });
  if (!result.ok()) return result.status();
  if (changed) Notify(std::move(change), result->revision);
  return Status::Ok();
}

Result<GeneratedCredentials> AccessAdmin::RegenerateAdminPasswords(const Caller& caller, const SlotList& slots) {
  SCOPEREG_RETURN_IF_ERROR(Check(caller, OperatorPermission::kManageAdminUser));
  const SlotList which = Normalize(slots);
  GeneratedCredentials out;
  AccessChange change;
  auto result = WithRetry(std::nullopt, [&]() -> Result<AdminUser> {
    SCOPEREG_ASSIGN_OR_RETURN(AdminUser a, store_.GetAdminUser());
    out = GeneratedCredentials{options_.registry_name, {}};
    for (PasswordSlot s : which) {
      GeneratedPassword gp{s, std::string(AdminPasswordSlotName(s)), "", {}, std::nullopt};
      SCOPEREG_ASSIGN_OR_RETURN(a.password(s), NewPassword(std::nullopt, gp.value));
      gp.creation_time = a.password(s)->creation_time;
      out.passwords.push_back(std::move(gp));
    }
    change = Change(caller, ChangeOperation::kAdminPasswordGenerate, "", DescribePasswords(out.passwords));
    return store_.PutAdminUser(a, Precondition::RevisionIs(a.revision), change);
  });
  if (!result.ok()) return result.status();
  Notify(std::move(change), result->revision);
  return out;
}

// ---- operators -----------------------------------------------------------------------------------

Result<std::vector<OperatorCredential>> AccessAdmin::ListOperators(const Caller& caller) {
  SCOPEREG_RETURN_IF_ERROR(Check(caller, OperatorPermission::kRead));
  return store_.ListOperators();
}

Result<CreatedOperator> AccessAdmin::CreateOperator(const Caller& caller, std::string_view id, OperatorRole role,
                                                    std::string_view description) {
  SCOPEREG_RETURN_IF_ERROR(Check(caller, OperatorPermission::kManageOperators));
  SCOPEREG_RETURN_IF_ERROR(ValidateOperatorId(id));
  SCOPEREG_RETURN_IF_ERROR(internal::CheckFreeText("description", description, kMaxOperatorDescriptionLength));
  SCOPEREG_ASSIGN_OR_RETURN(GeneratedOperatorSecret secret, GenerateOperatorSecret(id));
  OperatorCredential op;
  op.id = std::string(id);
  op.role = role;
  op.description = std::string(description);
  op.secret_digest = hasher_->Digest(secret.parts.secret);
  op.created = clock_.Now();
  AccessChange change =
      Change(caller, ChangeOperation::kOperatorCreate, op.id, "role " + std::string(OperatorRoleName(role)));
  SCOPEREG_ASSIGN_OR_RETURN(OperatorCredential stored,
                            store_.PutOperator(op, Precondition::MustNotExist(), change));
  Notify(std::move(change), stored.revision);
  return CreatedOperator{std::move(stored), std::move(secret.line)};
}

Status AccessAdmin::DeleteOperator(const Caller& caller, std::string_view id) {
  SCOPEREG_RETURN_IF_ERROR(Check(caller, OperatorPermission::kManageOperators));
  SCOPEREG_ASSIGN_OR_RETURN(OperatorCredential op, store_.GetOperator(id));
  if (op.role == OperatorRole::kOwner) {
    // Not atomic with the delete: two owners deleting each other at the same
    // moment could both pass. Acceptable for a rare manual operation; the
    // server's bootstrap can always create a new owner.
    SCOPEREG_ASSIGN_OR_RETURN(std::vector<OperatorCredential> all, store_.ListOperators());
    const auto owners = std::count_if(all.begin(), all.end(),
                                      [](const OperatorCredential& o) { return o.role == OperatorRole::kOwner; });
    if (owners <= 1) return Status::FailedPrecondition(Named("operator", id) + " is the last owner");
  }
  AccessChange change = Change(caller, ChangeOperation::kOperatorDelete, std::string(id),
                               "role " + std::string(OperatorRoleName(op.role)));
  SCOPEREG_RETURN_IF_ERROR(store_.DeleteOperator(id, Precondition::RevisionIs(op.revision), change));
  Notify(std::move(change), 0);
  return Status::Ok();
}

Result<OperatorCredential> AccessAdmin::AuthenticateOperator(std::string_view secret_line) {
  auto parsed = ParseOperatorSecret(secret_line);
  if (!parsed.ok()) return AuthFailureStatus();
  auto op = store_.GetOperator(parsed->id);
  if (op.status().IsNotFound()) {
    // Same work as a known id, so the answer time does not tell ids apart.
    (void)hasher_->Verify(parsed->secret, std::string(kDigestLength, '\0'));
    return AuthFailureStatus();
  }
  if (!op.ok()) return op.status();  // the store is down: not an authentication failure
  if (!hasher_->Verify(parsed->secret, op->secret_digest)) return AuthFailureStatus();
  return op;
}

}  // namespace scopereg::auth
