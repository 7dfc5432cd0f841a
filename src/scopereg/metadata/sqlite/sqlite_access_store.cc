#include "scopereg/metadata/sqlite/sqlite_access_store.h"

#include <utility>

#include <algorithm>
#include <array>
#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>

#include "scopereg/metadata/sqlite/audit_rows.h"
#include "scopereg/metadata/sqlite/database.h"
#include "scopereg/metadata/sqlite/queries.h"
#include "scopereg/metadata/sqlite/schema.h"

namespace scopereg::metadata {
namespace {

using auth::AccessChange;
using auth::AccessObserver;
using auth::AccessSnapshot;
using auth::AdminUser;
using auth::OperatorCredential;
using auth::PasswordCredential;
using auth::PasswordSlot;
using auth::Precondition;
using auth::ScopeMap;
using auth::Token;
using sqlite::Connection;
using sqlite::Database;
using sqlite::Limit;
using sqlite::QueryRow;
using sqlite::QueryRows;
using sqlite::ReadAll;
using sqlite::ReadText0;
using sqlite::Statement;
using sqlite::StoredTime;
using sqlite::TimeColumn;
using sqlite::TimeFromColumn;
using TransactionMode = sqlite::Database::TransactionMode;
using Passwords = std::array<std::optional<PasswordCredential>, 2>;

// ---- SQL ------------------------------------------------------------------------
// Cached per connection by the address of these constants (database.h).

// Four columns per slot, slot 1 then slot 2; a NULL digest is an empty slot.
#define PASSWORD_COLUMNS                                                    \
  "password1_created, password1_expiry, password1_digest, password1_epoch," \
  " password2_created, password2_expiry, password2_digest, password2_epoch"
#define PASSWORD_UPDATE                                                                            \
  "password1_created = excluded.password1_created, password1_expiry = excluded.password1_expiry,"  \
  " password1_digest = excluded.password1_digest, password1_epoch = excluded.password1_epoch,"     \
  " password2_created = excluded.password2_created, password2_expiry = excluded.password2_expiry," \
  " password2_digest = excluded.password2_digest, password2_epoch = excluded.password2_epoch"
// What a write needs to know of the stored record: its revision and, to
// clear stale usage, which slots hold which password.
#define RECORD_STATE                                                                       \
  "revision, password1_digest IS NOT NULL, password1_epoch, password2_digest IS NOT NULL," \
  " password2_epoch"
#define SCOPE_MAP_COLUMNS "name, description, creation_date, revision"
#define TOKEN_COLUMNS                                                                             \
  "name, scope_map, status, creation_date, owner, description, expires_on, labels_json, version," \
  " revision, " PASSWORD_COLUMNS
#define ADMIN_COLUMNS "enabled, version, revision, " PASSWORD_COLUMNS
#define OPERATOR_COLUMNS "id, role, description, secret_digest, created, revision"

constexpr char kNextRevision[] =
    "UPDATE access_revision SET revision = revision + 1 WHERE id = 1 RETURNING revision";
constexpr char kCurrentRevision[] = "SELECT revision FROM access_revision WHERE id = 1";

constexpr char kGetScopeMap[] = "SELECT " SCOPE_MAP_COLUMNS " FROM scope_maps WHERE name = ?1";
constexpr char kListScopeMaps[] =
    "SELECT " SCOPE_MAP_COLUMNS " FROM scope_maps WHERE name > ?1 ORDER BY name LIMIT ?2";
constexpr char kAllScopeMaps[] = "SELECT " SCOPE_MAP_COLUMNS " FROM scope_maps ORDER BY name";
constexpr char kCountScopeMaps[] = "SELECT count(*) FROM scope_maps";
constexpr char kScopeMapRevision[] = "SELECT revision FROM scope_maps WHERE name = ?1";
constexpr char kUpsertScopeMap[] =
    "INSERT INTO scope_maps (" SCOPE_MAP_COLUMNS
    ") VALUES (?1, ?2, ?3, ?4) ON CONFLICT (name) DO UPDATE SET description = excluded.description,"
    " creation_date = excluded.creation_date, revision = excluded.revision";
constexpr char kDeleteScopeMap[] = "DELETE FROM scope_maps WHERE name = ?1";  // cascades to its actions
constexpr char kDeleteScopeMapActions[] = "DELETE FROM scope_map_actions WHERE scope_map = ?1";
constexpr char kInsertScopeMapAction[] =
    "INSERT INTO scope_map_actions (scope_map, repository, action) VALUES (?1, ?2, ?3)";
constexpr char kActionsOfScopeMap[] =
    "SELECT repository, action FROM scope_map_actions WHERE scope_map = ?1 ORDER BY repository, action";
constexpr char kAllScopeMapActions[] =
    "SELECT scope_map, repository, action FROM scope_map_actions ORDER BY scope_map, repository, action";
constexpr char kTokensUsingScopeMap[] = "SELECT name FROM tokens WHERE scope_map = ?1 ORDER BY name";
// The names an "in use" error shows, and how many there are in all.
constexpr char kFirstTokensUsingScopeMap[] =
    "SELECT name, count(*) OVER () FROM tokens WHERE scope_map = ?1 ORDER BY name LIMIT 10";

constexpr char kGetToken[] = "SELECT " TOKEN_COLUMNS " FROM tokens WHERE name = ?1";
constexpr char kListTokens[] = "SELECT " TOKEN_COLUMNS " FROM tokens WHERE name > ?1 ORDER BY name LIMIT ?2";
constexpr char kAllTokens[] = "SELECT " TOKEN_COLUMNS " FROM tokens";
constexpr char kCountTokens[] = "SELECT count(*) FROM tokens";
constexpr char kTokenExists[] = "SELECT 1 FROM tokens WHERE name = ?1";
constexpr char kTokenState[] = "SELECT " RECORD_STATE " FROM tokens WHERE name = ?1";
constexpr char kUpsertToken[] =
    "INSERT INTO tokens (" TOKEN_COLUMNS
    ") VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18)"
    " ON CONFLICT (name) DO UPDATE SET scope_map = excluded.scope_map, status = excluded.status,"
    " creation_date = excluded.creation_date, owner = excluded.owner, description = excluded.description,"
    " expires_on = excluded.expires_on, labels_json = excluded.labels_json, version = excluded.version,"
    " revision = excluded.revision, " PASSWORD_UPDATE;
constexpr char kDeleteToken[] = "DELETE FROM tokens WHERE name = ?1";

constexpr char kGetAdmin[] = "SELECT " ADMIN_COLUMNS " FROM admin_user WHERE id = 1";
constexpr char kAdminState[] = "SELECT " RECORD_STATE " FROM admin_user WHERE id = 1";
constexpr char kUpsertAdmin[] =
    "INSERT INTO admin_user (id, " ADMIN_COLUMNS
    ") VALUES (1, ?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)"
    " ON CONFLICT (id) DO UPDATE SET enabled = excluded.enabled, version = excluded.version,"
    " revision = excluded.revision, " PASSWORD_UPDATE;

constexpr char kGetOperator[] = "SELECT " OPERATOR_COLUMNS " FROM operators WHERE id = ?1";
constexpr char kListOperators[] = "SELECT " OPERATOR_COLUMNS " FROM operators ORDER BY id";
constexpr char kOperatorRevision[] = "SELECT revision FROM operators WHERE id = ?1";
constexpr char kUpsertOperator[] =
    "INSERT INTO operators (" OPERATOR_COLUMNS
    ") VALUES (?1, ?2, ?3, ?4, ?5, ?6)"
    " ON CONFLICT (id) DO UPDATE SET role = excluded.role, description = excluded.description,"
    " secret_digest = excluded.secret_digest, created = excluded.created, revision = excluded.revision";
constexpr char kDeleteOperator[] = "DELETE FROM operators WHERE id = ?1";

// Latest wins; a use of a token that does not exist (any more) is dropped.
// (The WHERE also tells SQLite's parser that ON CONFLICT is the upsert.)
constexpr char kRecordUse[] =
    "INSERT INTO password_usage (token, slot, last_used, last_used_from)"
    " SELECT ?1, ?2, ?3, ?4 WHERE ?1 = '' OR EXISTS (SELECT 1 FROM tokens WHERE name = ?1)"
    " ON CONFLICT (token, slot) DO UPDATE SET last_used = excluded.last_used,"
    " last_used_from = excluded.last_used_from WHERE excluded.last_used > password_usage.last_used";
constexpr char kUsageOf[] = "SELECT slot, last_used, last_used_from FROM password_usage WHERE token = ?1";
constexpr char kClearSlotUsage[] = "DELETE FROM password_usage WHERE token = ?1 AND slot = ?2";
constexpr char kClearUsage[] = "DELETE FROM password_usage WHERE token = ?1";

#undef PASSWORD_COLUMNS
#undef PASSWORD_UPDATE
#undef RECORD_STATE
#undef SCOPE_MAP_COLUMNS
#undef TOKEN_COLUMNS
#undef ADMIN_COLUMNS
#undef OPERATOR_COLUMNS

// ---- values ---------------------------------------------------------------------------

// Epochs and versions are random 64-bit values; they are stored as the
// signed integer with the same bits.
std::int64_t U64Column(std::uint64_t v) { return static_cast<std::int64_t>(v); }
std::uint64_t U64FromColumn(std::int64_t v) { return static_cast<std::uint64_t>(v); }

// Slot numbers in password_usage: 1 and 2.
std::int64_t SlotColumn(PasswordSlot s) { return static_cast<std::int64_t>(auth::SlotIndex(s)) + 1; }

std::optional<Time> StoredTime(const std::optional<Time>& t) {
  return t ? std::optional<Time>(StoredTime(*t)) : std::nullopt;
}

void NormalizeTimes(Passwords& passwords) {
  for (std::optional<PasswordCredential>& p : passwords) {
    if (!p) continue;
    p->creation_time = StoredTime(p->creation_time);
    p->expiry = StoredTime(p->expiry);
  }
}

std::string EncodeLabels(const std::map<std::string, std::string>& labels) {
  if (labels.empty()) return "{}";
  nlohmann::json j = nlohmann::json::object();
  for (const auto& [key, value] : labels) j[key] = value;
  // AccessAdmin validates labels as UTF-8; should anything else slip
  // through, replace it rather than throw.
  return j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

Result<std::map<std::string, std::string>> DecodeLabels(std::string_view text, std::string_view token) {
  std::map<std::string, std::string> labels;
  if (text == "{}") return labels;
  nlohmann::json j = nlohmann::json::parse(text, nullptr, /*allow_exceptions=*/false);
  auto corrupt = [&] {
    return Status::DataLoss("sqlite: token '" + std::string(token) + "' has malformed labels");
  };
  if (!j.is_object()) return corrupt();
  for (const auto& [key, value] : j.items()) {
    if (!value.is_string()) return corrupt();
    labels.emplace(key, value.get<std::string>());
  }
  return labels;
}

// ---- rows ------------------------------------------------------------------------------

void BindPasswords(Statement& s, int first, const Passwords& passwords) {
  for (std::size_t i = 0; i < passwords.size(); ++i) {
    const int base = first + static_cast<int>(i) * 4;
    const std::optional<PasswordCredential>& p = passwords[i];
    if (!p) {
      s.BindNull(base).BindNull(base + 1).BindNull(base + 2).BindNull(base + 3);
      continue;
    }
    s.BindInt(base, TimeColumn(p->creation_time));
    if (p->expiry) {
      s.BindInt(base + 1, TimeColumn(*p->expiry));
    } else {
      s.BindNull(base + 1);
    }
    s.BindBlob(base + 2, p->digest).BindInt(base + 3, U64Column(p->epoch));
  }
}

Passwords ReadPasswords(const Statement& s, int first) {
  Passwords out;
  for (std::size_t i = 0; i < out.size(); ++i) {
    const int base = first + static_cast<int>(i) * 4;
    if (s.IsNull(base + 2)) continue;
    PasswordCredential p;
    p.creation_time = TimeFromColumn(s.Int(base));
    if (!s.IsNull(base + 1)) p.expiry = TimeFromColumn(s.Int(base + 1));
    p.digest = s.Blob(base + 2);
    p.epoch = U64FromColumn(s.Int(base + 3));
    out[i] = std::move(p);
  }
  return out;
}

// SCOPE_MAP_COLUMNS from column 0, without its rules.
ScopeMap ReadScopeMapRow(const Statement& s) {
  ScopeMap m;
  m.name = s.Text(0);
  m.description = s.Text(1);
  m.type = auth::ScopeMapType::kUserDefined;
  m.creation_date = TimeFromColumn(s.Int(2));
  m.revision = U64FromColumn(s.Int(3));
  return m;
}

// Builds a scope map's canonical rules from its action rows, which arrive
// ordered by (repository, action): one rule per run of equal repositories.
class RuleBuilder {
 public:
  Status Add(std::string_view scope_map, std::string_view repository, std::string_view action) {
    Result<auth::Action> parsed = auth::ParseAction(action);
    if (!parsed.ok()) return Corrupt(scope_map, action);
    if (rules_.empty() || rules_.back().pattern.text() != repository) {
      Result<auth::RepositoryPattern> pattern = auth::RepositoryPattern::Parse(repository);
      if (!pattern.ok()) return Corrupt(scope_map, repository);
      rules_.push_back(auth::RepositoryRule{std::move(pattern).value(), {}});
    }
    rules_.back().actions.Add(*parsed);
    return Status::Ok();
  }
  std::vector<auth::RepositoryRule> Take() { return std::exchange(rules_, {}); }

 private:
  static Status Corrupt(std::string_view scope_map, std::string_view value) {
    return Status::DataLoss("sqlite: scope map '" + std::string(scope_map) +
                            "' has a malformed action row \"" + std::string(value) + "\"");
  }
  std::vector<auth::RepositoryRule> rules_;
};

Status ReadRules(Connection& c, ScopeMap& m) {
  SCOPEREG_ASSIGN_OR_RETURN(Statement s, c.Prepare(kActionsOfScopeMap));
  s.BindText(1, m.name);
  RuleBuilder rules;
  while (true) {
    SCOPEREG_ASSIGN_OR_RETURN(bool row, s.Step());
    if (!row) break;
    SCOPEREG_RETURN_IF_ERROR(rules.Add(m.name, s.Text(0), s.Text(1)));
  }
  m.rules = rules.Take();
  return Status::Ok();
}

// Scope maps from `sql` (SCOPE_MAP_COLUMNS, bound by `bind`) with their
// rules. REQUIRES: a transaction is open on `c`, so maps and actions are
// read from one snapshot.
Result<std::vector<ScopeMap>> ReadScopeMaps(Connection& c, const char* sql,
                                            sqlite::FunctionRef<void(Statement&)> bind) {
  std::vector<ScopeMap> maps;
  {
    SCOPEREG_ASSIGN_OR_RETURN(Statement s, c.Prepare(sql));
    bind(s);
    while (true) {
      SCOPEREG_ASSIGN_OR_RETURN(bool row, s.Step());
      if (!row) break;
      maps.push_back(ReadScopeMapRow(s));
    }
  }
  for (ScopeMap& m : maps) SCOPEREG_RETURN_IF_ERROR(ReadRules(c, m));
  return maps;
}

// Every scope map: the maps and all action rows are read in two ordered
// scans and merged, instead of one lookup per map.
Result<std::vector<ScopeMap>> ReadAllScopeMaps(Connection& c) {
  std::vector<ScopeMap> maps;
  {
    SCOPEREG_ASSIGN_OR_RETURN(Statement s, c.Prepare(kAllScopeMaps));
    while (true) {
      SCOPEREG_ASSIGN_OR_RETURN(bool row, s.Step());
      if (!row) break;
      maps.push_back(ReadScopeMapRow(s));
    }
  }
  SCOPEREG_ASSIGN_OR_RETURN(Statement s, c.Prepare(kAllScopeMapActions));
  auto next = maps.begin();
  RuleBuilder rules;
  SCOPEREG_ASSIGN_OR_RETURN(bool row, s.Step());
  while (row) {
    const std::string_view map_name = s.Text(0);
    // Both scans are in name order; the foreign key guarantees a map row.
    while (next != maps.end() && next->name < map_name) ++next;
    if (next == maps.end() || next->name != map_name) {
      return Status::DataLoss("sqlite: actions of a scope map that does not exist: " + std::string(map_name));
    }
    SCOPEREG_RETURN_IF_ERROR(rules.Add(map_name, s.Text(1), s.Text(2)));
    SCOPEREG_ASSIGN_OR_RETURN(row, s.Step());
    if (!row || s.Text(0) != next->name) next->rules = rules.Take();
  }
  return maps;
}

// TOKEN_COLUMNS from column 0.
Result<Token> ReadToken(const Statement& s) {
  Token t;
  t.name = s.Text(0);
  t.scope_map = s.Text(1);
  std::optional<auth::TokenStatus> status = auth::ParseTokenStatus(s.Text(2));
  if (!status) return Status::DataLoss("sqlite: token '" + t.name + "' has an unknown status");
  t.status = *status;
  t.creation_date = TimeFromColumn(s.Int(3));
  t.owner = s.Text(4);
  t.description = s.Text(5);
  if (!s.IsNull(6)) t.expires_on = TimeFromColumn(s.Int(6));
  SCOPEREG_ASSIGN_OR_RETURN(t.labels, DecodeLabels(s.Text(7), t.name));
  t.version = U64FromColumn(s.Int(8));
  t.revision = U64FromColumn(s.Int(9));
  t.passwords = ReadPasswords(s, 10);
  return t;
}

// ADMIN_COLUMNS from column 0.
AdminUser ReadAdmin(const Statement& s) {
  AdminUser a;
  a.enabled = s.Bool(0);
  a.version = U64FromColumn(s.Int(1));
  a.revision = U64FromColumn(s.Int(2));
  a.passwords = ReadPasswords(s, 3);
  return a;
}

// OPERATOR_COLUMNS from column 0.
Result<OperatorCredential> ReadOperator(const Statement& s) {
  OperatorCredential op;
  op.id = s.Text(0);
  std::optional<auth::OperatorRole> role = auth::ParseOperatorRole(s.Text(1));
  if (!role) return Status::DataLoss("sqlite: operator '" + op.id + "' has an unknown role");
  op.role = *role;
  op.description = s.Text(2);
  op.secret_digest = s.Blob(3);
  op.created = TimeFromColumn(s.Int(4));
  op.revision = U64FromColumn(s.Int(5));
  return op;
}

Result<AdminUser> ReadAdminOrDefault(Connection& c) {
  SCOPEREG_ASSIGN_OR_RETURN(Statement s, c.Prepare(kGetAdmin));
  SCOPEREG_ASSIGN_OR_RETURN(bool row, s.Step());
  if (!row) return AdminUser{};
  return ReadAdmin(s);
}

Result<std::size_t> QueryCount(Database& db, const char* sql) {
  return QueryRow(
      db, sql, [](Statement&) {},
      [](const Statement& s) -> Result<std::size_t> { return static_cast<std::size_t>(s.Int(0)); },
      [] { return Status::Internal("sqlite: count returned no row"); });
}

// ---- writes ------------------------------------------------------------------------------

// What a write needs of the stored record (RECORD_STATE).
struct StoredState {
  std::uint64_t revision = 0;
  std::array<std::optional<std::uint64_t>, 2> epochs;  // nullopt: slot empty
};

// The state of the record `key` (bound as ?1; "" binds nothing, for the
// admin user's keyless row), or nullopt when there is none.
Result<std::optional<StoredState>> ReadState(Connection& c, const char* sql, std::string_view key) {
  SCOPEREG_ASSIGN_OR_RETURN(Statement s, c.Prepare(sql));
  if (!key.empty()) s.BindText(1, key);
  SCOPEREG_ASSIGN_OR_RETURN(bool row, s.Step());
  if (!row) return std::optional<StoredState>();
  StoredState state;
  state.revision = U64FromColumn(s.Int(0));
  for (std::size_t i = 0; i < 2; ++i) {
    if (s.Bool(1 + static_cast<int>(i) * 2))
      state.epochs[i] = U64FromColumn(s.Int(2 + static_cast<int>(i) * 2));
  }
  return std::optional<StoredState>(state);
}

// The revision of the record `key` in a table with one (`sql` selects it).
Result<std::optional<std::uint64_t>> ReadRevision(Connection& c, const char* sql, std::string_view key) {
  SCOPEREG_ASSIGN_OR_RETURN(Statement s, c.Prepare(sql));
  s.BindText(1, key);
  SCOPEREG_ASSIGN_OR_RETURN(bool row, s.Step());
  if (!row) return std::optional<std::uint64_t>();
  return std::optional<std::uint64_t>(U64FromColumn(s.Int(0)));
}

std::optional<std::uint64_t> RevisionOf(const std::optional<StoredState>& state) {
  return state ? std::optional<std::uint64_t>(state->revision) : std::nullopt;
}

Result<std::uint64_t> NextRevision(Connection& c) {
  SCOPEREG_ASSIGN_OR_RETURN(Statement s, c.Prepare(kNextRevision));
  SCOPEREG_ASSIGN_OR_RETURN(bool row, s.Step());
  if (!row) return Status::Internal("sqlite: access_revision has no row");
  return U64FromColumn(s.Int(0));
}

// The start of a write of a scope map or an operator (records whose
// revision `revision_sql` reads by `key`; `kind` names them in errors):
// checks `precondition` and takes the record's new revision.
Result<std::uint64_t> StartPut(Connection& c, const char* revision_sql, std::string_view kind,
                               std::string_view key, const Precondition& precondition) {
  SCOPEREG_ASSIGN_OR_RETURN(std::optional<std::uint64_t> current, ReadRevision(c, revision_sql, key));
  SCOPEREG_RETURN_IF_ERROR(auth::CheckPrecondition(current, kind, key, precondition));
  return NextRevision(c);
}

// The same for a delete. The counter moves on a delete too, so a snapshot's
// revision tells whether it was read before or after it.
Status StartDelete(Connection& c, const char* revision_sql, std::string_view kind, std::string_view key,
                   const Precondition& precondition) {
  SCOPEREG_ASSIGN_OR_RETURN(std::optional<std::uint64_t> current, ReadRevision(c, revision_sql, key));
  SCOPEREG_RETURN_IF_ERROR(auth::CheckDeletePrecondition(current, kind, key, precondition));
  return NextRevision(c).status();
}

// Records `change` as the management audit event of the write in progress.
Status RecordChange(Connection& c, const AccessChange& change) {
  return sqlite::InsertAuditEvent(c, auth::ManagementAuditEvent(change));
}

Status Exec(Connection& c, const char* sql, std::string_view key) {
  SCOPEREG_ASSIGN_OR_RETURN(Statement s, c.Prepare(sql));
  return s.BindText(1, key).Run();
}

// Clears the usage of the slots of `key` ("" = admin user) whose password
// is gone or was regenerated: it described a password that no longer exists.
Status ClearStaleUsage(Connection& c, std::string_view key, const std::optional<StoredState>& before,
                       const Passwords& after) {
  if (!before) return Exec(c, kClearUsage, key);
  for (PasswordSlot slot : auth::kBothSlots) {
    const std::size_t i = auth::SlotIndex(slot);
    if (before->epochs[i] && after[i] && after[i]->epoch == *before->epochs[i]) continue;
    SCOPEREG_ASSIGN_OR_RETURN(Statement s, c.Prepare(kClearSlotUsage));
    SCOPEREG_RETURN_IF_ERROR(s.BindText(1, key).BindInt(2, SlotColumn(slot)).Run());
  }
  return Status::Ok();
}

}  // namespace

// ---- lifecycle and the change feed -------------------------------------------------------

class SqliteAccessStore::Subscription final : public auth::AccessSubscription {
 public:
  Subscription(SqliteAccessStore* store, AccessObserver* observer) : store_(store), observer_(observer) {}
  ~Subscription() override {
    // Notifications run under write_mu_: once this returns, none is in
    // progress and none will start.
    std::lock_guard<std::mutex> lock(store_->write_mu_);
    std::erase(store_->observers_, observer_);
  }

 private:
  SqliteAccessStore* store_;
  AccessObserver* observer_;
};

SqliteAccessStore::SqliteAccessStore(std::shared_ptr<Database> db) : db_(std::move(db)) {}

SqliteAccessStore::~SqliteAccessStore() = default;

Result<std::unique_ptr<SqliteAccessStore>> SqliteAccessStore::Create(std::shared_ptr<Database> db) {
  SCOPEREG_RETURN_IF_ERROR(sqlite::RequireSchemaVersion(*db, sqlite::kAccessSchemaVersion, "access store"));
  return std::unique_ptr<SqliteAccessStore>(new SqliteAccessStore(std::move(db)));
}

template <typename Body, typename Announce>
Status SqliteAccessStore::Write(Body&& body, Announce&& announce) {
  std::lock_guard<std::mutex> lock(write_mu_);
  SCOPEREG_RETURN_IF_ERROR(db_->Transaction(TransactionMode::kWrite, body));
  for (AccessObserver* o : observers_) announce(*o);
  return Status::Ok();
}

Result<AccessSnapshot> SqliteAccessStore::LoadSnapshot() {
  AccessSnapshot snapshot;
  SCOPEREG_RETURN_IF_ERROR(db_->Transaction(TransactionMode::kRead, [&](Connection& c) -> Status {
    // The first read starts the transaction's snapshot of the WAL; every
    // later statement sees the same state.
    {
      SCOPEREG_ASSIGN_OR_RETURN(Statement s, c.Prepare(kCurrentRevision));
      SCOPEREG_ASSIGN_OR_RETURN(bool row, s.Step());
      if (!row) return Status::Internal("sqlite: access_revision has no row");
      snapshot.revision = U64FromColumn(s.Int(0));
    }
    SCOPEREG_ASSIGN_OR_RETURN(snapshot.scope_maps, ReadAllScopeMaps(c));
    {
      SCOPEREG_ASSIGN_OR_RETURN(Statement s, c.Prepare(kAllTokens));
      SCOPEREG_ASSIGN_OR_RETURN(snapshot.tokens, ReadAll<Token>(s, ReadToken));
    }
    SCOPEREG_ASSIGN_OR_RETURN(snapshot.admin, ReadAdminOrDefault(c));
    return Status::Ok();
  }));
  return snapshot;
}

Result<std::unique_ptr<auth::AccessSubscription>> SqliteAccessStore::Subscribe(AccessObserver& observer) {
  // Under write_mu_ no write of this store is between its commit and its
  // notifications, so the snapshot and the feed that follows meet exactly.
  std::lock_guard<std::mutex> lock(write_mu_);
  SCOPEREG_ASSIGN_OR_RETURN(AccessSnapshot snapshot, LoadSnapshot());
  observer.OnSnapshot(snapshot);
  observers_.push_back(&observer);
  return std::unique_ptr<auth::AccessSubscription>(std::make_unique<Subscription>(this, &observer));
}

// ---- scope maps ------------------------------------------------------------------------

Result<ScopeMap> SqliteAccessStore::GetScopeMap(std::string_view name) {
  std::vector<ScopeMap> maps;
  SCOPEREG_RETURN_IF_ERROR(db_->Transaction(TransactionMode::kRead, [&](Connection& c) -> Status {
    SCOPEREG_ASSIGN_OR_RETURN(maps,
                              ReadScopeMaps(c, kGetScopeMap, [&](Statement& s) { s.BindText(1, name); }));
    return Status::Ok();
  }));
  if (maps.empty()) return auth::RecordNotFound("scope map", name);
  return std::move(maps.front());
}

Result<std::vector<ScopeMap>> SqliteAccessStore::ListScopeMaps(std::string_view after, std::size_t limit) {
  std::vector<ScopeMap> maps;
  SCOPEREG_RETURN_IF_ERROR(db_->Transaction(TransactionMode::kRead, [&](Connection& c) -> Status {
    SCOPEREG_ASSIGN_OR_RETURN(maps, ReadScopeMaps(c, kListScopeMaps, [&](Statement& s) {
                                s.BindText(1, after).BindInt(2, Limit(limit));
                              }));
    return Status::Ok();
  }));
  return maps;
}

Result<std::size_t> SqliteAccessStore::CountScopeMaps() { return QueryCount(*db_, kCountScopeMaps); }

Result<ScopeMap> SqliteAccessStore::PutScopeMap(const ScopeMap& scope_map, const Precondition& precondition,
                                                const AccessChange& change) {
  SCOPEREG_RETURN_IF_ERROR(auth::CheckScopeMapWritable(scope_map));
  ScopeMap stored = scope_map;
  stored.creation_date = StoredTime(scope_map.creation_date);
  SCOPEREG_RETURN_IF_ERROR(Write(
      [&](Connection& c) -> Status {
        SCOPEREG_ASSIGN_OR_RETURN(stored.revision,
                                  StartPut(c, kScopeMapRevision, "scope map", stored.name, precondition));
        {
          SCOPEREG_ASSIGN_OR_RETURN(Statement s, c.Prepare(kUpsertScopeMap));
          SCOPEREG_RETURN_IF_ERROR(s.BindText(1, stored.name)
                                       .BindText(2, stored.description)
                                       .BindInt(3, TimeColumn(stored.creation_date))
                                       .BindInt(4, U64Column(stored.revision))
                                       .Run());
        }
        // Update replaces the whole action list (access-model.md section 1).
        SCOPEREG_RETURN_IF_ERROR(Exec(c, kDeleteScopeMapActions, stored.name));
        for (const auth::RepositoryRule& rule : stored.rules) {
          for (auth::Action action : rule.actions.ToVector()) {
            SCOPEREG_ASSIGN_OR_RETURN(Statement s, c.Prepare(kInsertScopeMapAction));
            SCOPEREG_RETURN_IF_ERROR(s.BindText(1, stored.name)
                                         .BindText(2, rule.pattern.text())
                                         .BindText(3, auth::ActionName(action))
                                         .Run());
          }
        }
        return RecordChange(c, change);
      },
      [&](AccessObserver& o) { o.OnScopeMapPut(stored); }));
  return stored;
}

Status SqliteAccessStore::DeleteScopeMap(std::string_view name, const Precondition& precondition,
                                         const AccessChange& change) {
  SCOPEREG_RETURN_IF_ERROR(auth::CheckScopeMapDeletable(name));
  return Write(
      [&](Connection& c) -> Status {
        SCOPEREG_RETURN_IF_ERROR(StartDelete(c, kScopeMapRevision, "scope map", name, precondition));
        {
          // In the delete's transaction: a token created concurrently
          // cannot be left pointing at nothing.
          SCOPEREG_ASSIGN_OR_RETURN(Statement s, c.Prepare(kFirstTokensUsingScopeMap));
          s.BindText(1, name);
          std::vector<std::string> users;
          std::size_t total = 0;
          while (true) {
            SCOPEREG_ASSIGN_OR_RETURN(bool row, s.Step());
            if (!row) break;
            users.emplace_back(s.Text(0));
            total = static_cast<std::size_t>(s.Int(1));
          }
          if (total > 0) return auth::ScopeMapInUse(name, users, total);
        }
        SCOPEREG_RETURN_IF_ERROR(Exec(c, kDeleteScopeMap, name));
        return RecordChange(c, change);
      },
      [&](AccessObserver& o) { o.OnScopeMapDeleted(name); });
}

Result<std::vector<std::string>> SqliteAccessStore::ListTokensUsingScopeMap(std::string_view name) {
  return QueryRows<std::string>(
      *db_, kTokensUsingScopeMap, [&](Statement& s) { s.BindText(1, name); }, ReadText0);
}

// ---- tokens ----------------------------------------------------------------------------------

Result<Token> SqliteAccessStore::GetToken(std::string_view name) {
  return QueryRow(
      *db_, kGetToken, [&](Statement& s) { s.BindText(1, name); }, ReadToken,
      [&] { return auth::RecordNotFound("token", name); });
}

Result<std::vector<Token>> SqliteAccessStore::ListTokens(std::string_view after, std::size_t limit) {
  return QueryRows<Token>(
      *db_, kListTokens, [&](Statement& s) { s.BindText(1, after).BindInt(2, Limit(limit)); }, ReadToken);
}

Result<std::size_t> SqliteAccessStore::CountTokens() { return QueryCount(*db_, kCountTokens); }

Result<Token> SqliteAccessStore::PutToken(const Token& token, const Precondition& precondition,
                                          const AccessChange& change) {
  Token stored = token;
  stored.creation_date = StoredTime(token.creation_date);
  stored.expires_on = StoredTime(token.expires_on);
  NormalizeTimes(stored.passwords);
  const std::string labels = EncodeLabels(token.labels);
  SCOPEREG_RETURN_IF_ERROR(Write(
      [&](Connection& c) -> Status {
        SCOPEREG_ASSIGN_OR_RETURN(std::optional<StoredState> current, ReadState(c, kTokenState, token.name));
        SCOPEREG_RETURN_IF_ERROR(
            auth::CheckPrecondition(RevisionOf(current), "token", token.name, precondition));
        if (!auth::IsSystemScopeMapName(token.scope_map)) {
          SCOPEREG_ASSIGN_OR_RETURN(std::optional<std::uint64_t> map,
                                    ReadRevision(c, kScopeMapRevision, token.scope_map));
          if (!map) return auth::TokenScopeMapMissing(token.scope_map);
        }
        SCOPEREG_ASSIGN_OR_RETURN(stored.revision, NextRevision(c));
        {
          SCOPEREG_ASSIGN_OR_RETURN(Statement s, c.Prepare(kUpsertToken));
          s.BindText(1, stored.name)
              .BindText(2, stored.scope_map)
              .BindText(3, auth::TokenStatusName(stored.status))
              .BindInt(4, TimeColumn(stored.creation_date))
              .BindText(5, stored.owner)
              .BindText(6, stored.description)
              .BindText(8, labels)
              .BindInt(9, U64Column(stored.version))
              .BindInt(10, U64Column(stored.revision));
          if (stored.expires_on) {
            s.BindInt(7, TimeColumn(*stored.expires_on));
          } else {
            s.BindNull(7);
          }
          BindPasswords(s, 11, stored.passwords);
          SCOPEREG_RETURN_IF_ERROR(s.Run());
        }
        SCOPEREG_RETURN_IF_ERROR(ClearStaleUsage(c, stored.name, current, stored.passwords));
        return RecordChange(c, change);
      },
      [&](AccessObserver& o) { o.OnTokenPut(stored); }));
  return stored;
}

Status SqliteAccessStore::DeleteToken(std::string_view name, const Precondition& precondition,
                                      const AccessChange& change) {
  return Write(
      [&](Connection& c) -> Status {
        SCOPEREG_ASSIGN_OR_RETURN(std::optional<StoredState> current, ReadState(c, kTokenState, name));
        SCOPEREG_RETURN_IF_ERROR(
            auth::CheckDeletePrecondition(RevisionOf(current), "token", name, precondition));
        SCOPEREG_RETURN_IF_ERROR(NextRevision(c).status());
        SCOPEREG_RETURN_IF_ERROR(Exec(c, kDeleteToken, name));
        SCOPEREG_RETURN_IF_ERROR(Exec(c, kClearUsage, name));
        return RecordChange(c, change);
      },
      [&](AccessObserver& o) { o.OnTokenDeleted(name); });
}

// ---- admin user -------------------------------------------------------------------------------

Result<AdminUser> SqliteAccessStore::GetAdminUser() {
  SCOPEREG_ASSIGN_OR_RETURN(Connection * c, db_->ThreadConnection());
  return ReadAdminOrDefault(*c);
}

Result<AdminUser> SqliteAccessStore::PutAdminUser(const AdminUser& admin, const Precondition& precondition,
                                                  const AccessChange& change) {
  if (precondition.kind == Precondition::Kind::kMustNotExist) {
    return Status::InvalidArgument("admin user: kMustNotExist is meaningless (it always exists)");
  }
  AdminUser stored = admin;
  NormalizeTimes(stored.passwords);
  SCOPEREG_RETURN_IF_ERROR(Write(
      [&](Connection& c) -> Status {
        SCOPEREG_ASSIGN_OR_RETURN(std::optional<StoredState> current, ReadState(c, kAdminState, ""));
        // The never-written default counts as existing with revision 0.
        SCOPEREG_RETURN_IF_ERROR(
            auth::CheckPrecondition(current ? current->revision : 0, "admin user", "", precondition));
        SCOPEREG_ASSIGN_OR_RETURN(stored.revision, NextRevision(c));
        {
          SCOPEREG_ASSIGN_OR_RETURN(Statement s, c.Prepare(kUpsertAdmin));
          s.BindBool(1, stored.enabled)
              .BindInt(2, U64Column(stored.version))
              .BindInt(3, U64Column(stored.revision));
          BindPasswords(s, 4, stored.passwords);
          SCOPEREG_RETURN_IF_ERROR(s.Run());
        }
        // No row yet means no password yet, so there is nothing to clear
        // but leftovers: treat it like an empty record, not like "new".
        SCOPEREG_RETURN_IF_ERROR(ClearStaleUsage(c, "", current.value_or(StoredState{}), stored.passwords));
        return RecordChange(c, change);
      },
      [&](AccessObserver& o) { o.OnAdminUserPut(stored); }));
  return stored;
}

// ---- operators -------------------------------------------------------------------------------

Result<OperatorCredential> SqliteAccessStore::GetOperator(std::string_view id) {
  return QueryRow(
      *db_, kGetOperator, [&](Statement& s) { s.BindText(1, id); }, ReadOperator,
      [&] { return auth::RecordNotFound("operator", id); });
}

Result<std::vector<OperatorCredential>> SqliteAccessStore::ListOperators() {
  return QueryRows<OperatorCredential>(
      *db_, kListOperators, [](Statement&) {}, ReadOperator);
}

Result<OperatorCredential> SqliteAccessStore::PutOperator(const OperatorCredential& op,
                                                          const Precondition& precondition,
                                                          const AccessChange& change) {
  OperatorCredential stored = op;
  stored.created = StoredTime(op.created);
  // Operators are not part of AuthState: nothing to announce.
  SCOPEREG_RETURN_IF_ERROR(Write(
      [&](Connection& c) -> Status {
        SCOPEREG_ASSIGN_OR_RETURN(stored.revision,
                                  StartPut(c, kOperatorRevision, "operator", stored.id, precondition));
        {
          SCOPEREG_ASSIGN_OR_RETURN(Statement s, c.Prepare(kUpsertOperator));
          SCOPEREG_RETURN_IF_ERROR(s.BindText(1, stored.id)
                                       .BindText(2, auth::OperatorRoleName(stored.role))
                                       .BindText(3, stored.description)
                                       .BindBlob(4, stored.secret_digest)
                                       .BindInt(5, TimeColumn(stored.created))
                                       .BindInt(6, U64Column(stored.revision))
                                       .Run());
        }
        return RecordChange(c, change);
      },
      [](AccessObserver&) {}));
  return stored;
}

Status SqliteAccessStore::DeleteOperator(std::string_view id, const Precondition& precondition,
                                         const AccessChange& change) {
  return Write(
      [&](Connection& c) -> Status {
        SCOPEREG_RETURN_IF_ERROR(StartDelete(c, kOperatorRevision, "operator", id, precondition));
        SCOPEREG_RETURN_IF_ERROR(Exec(c, kDeleteOperator, id));
        return RecordChange(c, change);
      },
      [](AccessObserver&) {});
}

// ---- last-used data -------------------------------------------------------------------------

Status SqliteAccessStore::RecordPasswordUses(std::span<const auth::PasswordUse> uses) {
  if (uses.empty()) return Status::Ok();
  // One transaction per batch: a flush of 1000 uses costs one commit.
  return db_->Transaction(TransactionMode::kWrite, [&](Connection& c) -> Status {
    for (const auth::PasswordUse& use : uses) {
      SCOPEREG_ASSIGN_OR_RETURN(Statement s, c.Prepare(kRecordUse));
      SCOPEREG_RETURN_IF_ERROR(s.BindText(1, use.token)
                                   .BindInt(2, SlotColumn(use.slot))
                                   .BindInt(3, TimeColumn(use.time))
                                   .BindText(4, use.client_address)
                                   .Run());
    }
    return Status::Ok();
  });
}

Result<auth::TokenUsage> SqliteAccessStore::GetTokenUsage(std::string_view token) {
  auth::TokenUsage usage;
  usage.token = std::string(token);
  SCOPEREG_RETURN_IF_ERROR(db_->Transaction(TransactionMode::kRead, [&](Connection& c) -> Status {
    usage.slots = {};
    if (!token.empty()) {
      SCOPEREG_ASSIGN_OR_RETURN(Statement s, c.Prepare(kTokenExists));
      s.BindText(1, token);
      SCOPEREG_ASSIGN_OR_RETURN(bool row, s.Step());
      if (!row) return auth::RecordNotFound("token", token);
    }
    SCOPEREG_ASSIGN_OR_RETURN(Statement s, c.Prepare(kUsageOf));
    s.BindText(1, token);
    while (true) {
      SCOPEREG_ASSIGN_OR_RETURN(bool row, s.Step());
      if (!row) return Status::Ok();
      const std::int64_t slot = s.Int(0);
      if (slot < 1 || slot > 2) return Status::DataLoss("sqlite: password usage of an unknown slot");
      auth::SlotUsage& u = usage.slots[static_cast<std::size_t>(slot - 1)];
      u.last_used = TimeFromColumn(s.Int(1));
      u.last_used_from = s.Text(2);
    }
  }));
  return usage;
}

}  // namespace scopereg::metadata
