// /api/v1/adminUser[/enable|/disable|/regenerateCredential],
// /api/v1/operators[/{id}], /api/v1/whoami, /api/v1/export
#include "scopereg/api/management/internal.h"
#include "scopereg/core/encoding.h"

namespace scopereg::api::management::internal {

namespace {

constexpr std::size_t kExportBatch = 1000;

// Runs `change` on the blocking pool, then answers 200 with the admin user,
// its last use and its ETag. Passwords `change` generated carry their
// values: shown here, once.
template <typename Change>
http::Task<void> RespondWithAdminUser(const Deps& d, Call& c, Change change) {
  std::uint64_t revision = 0;
  auto rendered = co_await Blocking([&]() -> Result<Json> {
    SCOPEREG_ASSIGN_OR_RETURN(auth::GeneratedCredentials generated, change());
    SCOPEREG_ASSIGN_OR_RETURN(auth::AdminUser a, d.admin.GetAdminUser(c.caller));
    // The admin user's last-used data is stored under the token name "".
    SCOPEREG_ASSIGN_OR_RETURN(auth::TokenUsage usage, d.admin.GetTokenUsage(c.caller, ""));
    revision = a.revision;
    Json out = AdminUserJson(a, d.options.registry_name, &usage);
    AddPasswordValues(out["passwords"], generated);
    return out;
  });
  WriteResource(c, rendered, revision);
}

Result<auth::PasswordSlot> ParseAdminSlot(const Json& body) {
  SCOPEREG_RETURN_IF_ERROR(CheckKnownFields(body, {"name"}));
  SCOPEREG_ASSIGN_OR_RETURN(std::optional<std::string> name, GetString(body, "name"));
  if (name == "password") return auth::PasswordSlot::kPassword1;
  if (name == "password2") return auth::PasswordSlot::kPassword2;
  return Status::InvalidArgument("name: required, \"password\" or \"password2\"");
}

}  // namespace

// ---- admin user ------------------------------------------------------------------------------

http::Task<void> GetAdminUser(const Deps& d, Call& c) {
  co_await RespondWithAdminUser(
      d, c, [] { return Result<auth::GeneratedCredentials>(auth::GeneratedCredentials{}); });
}

http::Task<void> EnableAdminUser(const Deps& d, Call& c) {
  co_await RespondWithAdminUser(d, c, [&] { return d.admin.EnableAdminUser(c.caller); });
}

http::Task<void> DisableAdminUser(const Deps& d, Call& c) {
  co_await RespondWithAdminUser(d, c, [&]() -> Result<auth::GeneratedCredentials> {
    SCOPEREG_RETURN_IF_ERROR(d.admin.DisableAdminUser(c.caller));
    return auth::GeneratedCredentials{};
  });
}

http::Task<void> RegenerateAdminCredential(const Deps& d, Call& c) {
  auto slot = ParseAdminSlot(c.body);
  if (!Check(c, slot)) co_return;
  auto generated = co_await Blocking([&] { return d.admin.RegenerateAdminPasswords(c.caller, {*slot}); });
  if (!Check(c, generated)) co_return;
  WriteJson(c.res, 200, GeneratedCredentialsJson(*generated));
}

// ---- operators ------------------------------------------------------------------------------

http::Task<void> ListOperators(const Deps& d, Call& c) {
  auto ops = co_await Blocking([&] { return d.admin.ListOperators(c.caller); });
  if (!Check(c, ops)) co_return;
  Json value = Json::array();
  for (const auth::OperatorCredential& op : *ops) value.push_back(OperatorJson(op));
  WriteJson(c.res, 200, Json{{"value", std::move(value)}});
}

http::Task<void> GetOperator(const Deps& d, Call& c) {
  // AccessAdmin has no single-operator read; operators are few.
  auto ops = co_await Blocking([&] { return d.admin.ListOperators(c.caller); });
  if (!Check(c, ops)) co_return;
  for (const auth::OperatorCredential& op : *ops) {
    if (op.id != c.args[0]) continue;
    WriteResource(c, OperatorJson(op), op.revision);
    co_return;
  }
  Check(c, Status::NotFound("operator '" + c.args[0] + "' does not exist"));
}

http::Task<void> CreateOperator(const Deps& d, Call& c) {
  if (!Check(c, CheckKnownFields(c.body, {"description", "id", "role"}))) co_return;
  auto id = GetString(c.body, "id");
  auto role_name = GetString(c.body, "role");
  auto description = GetString(c.body, "description");
  if (!Check(c, id) || !Check(c, role_name) || !Check(c, description)) co_return;
  if (!id->has_value()) {
    Check(c, Status::InvalidArgument("id: required (3-50 characters of [a-z0-9-])"));
    co_return;
  }
  std::optional<auth::OperatorRole> role = auth::ParseOperatorRole(role_name->value_or(""));
  if (!role) {
    Check(c, Status::InvalidArgument("role: required, \"owner\", \"token-admin\" or \"auditor\""));
    co_return;
  }
  auto created = co_await Blocking(
      [&] { return d.admin.CreateOperator(c.caller, **id, *role, description->value_or("")); });
  if (!Check(c, created)) co_return;
  Json out = OperatorJson(created->credential);
  out["secret"] = created->secret_line;  // shown once
  c.res.SetHeader("Location", "/api/v1/operators/" + UrlEncode(created->credential.id));
  WriteResource(c, out, created->credential.revision, 201);
}

http::Task<void> DeleteOperator(const Deps& d, Call& c) {
  co_await RespondNoContent(c, [&] { return d.admin.DeleteOperator(c.caller, c.args[0]); });
}

// ---- whoami, export ---------------------------------------------------------------------------

http::Task<void> WhoAmI(const Deps& d, Call& c) {
  (void)d;
  Json permissions = Json::array();
  for (auth::OperatorPermission p :
       {auth::OperatorPermission::kRead, auth::OperatorPermission::kReadAudit,
        auth::OperatorPermission::kWriteScopeMaps, auth::OperatorPermission::kWriteTokens,
        auth::OperatorPermission::kManageAdminUser, auth::OperatorPermission::kManageOperators}) {
    if (auth::RoleAllows(c.caller.role, p)) permissions.push_back(auth::OperatorPermissionName(p));
  }
  WriteJson(c.res, 200,
            Json{{"id", c.caller.id},
                 {"role", auth::OperatorRoleName(c.caller.role)},
                 {"permissions", std::move(permissions)}});
  co_return;
}

http::Task<void> Export(const Deps& d, Call& c) {
  // Sorted by name (the listings are), keys sorted (nlohmann objects are
  // ordered maps), no etags, digests or secrets: two exports of the same
  // state differ only in exportedAt.
  auto exported = co_await Blocking([&]() -> Result<Json> {
    Json scope_maps = Json::array();
    for (std::string after;;) {
      SCOPEREG_ASSIGN_OR_RETURN(std::vector<auth::ScopeMap> batch,
                                d.admin.ListScopeMaps(c.caller, after, kExportBatch));
      for (const auth::ScopeMap& m : batch) scope_maps.push_back(ScopeMapJson(m, Etag::kOmit));
      if (batch.size() < kExportBatch) break;
      after = batch.back().name;
    }
    Json tokens = Json::array();
    for (std::string after;;) {
      SCOPEREG_ASSIGN_OR_RETURN(std::vector<auth::Token> batch,
                                d.admin.ListTokens(c.caller, after, kExportBatch));
      for (const auth::Token& t : batch) {
        auto usage = d.admin.GetTokenUsage(c.caller, t.name);
        if (!usage.ok() && !usage.status().IsNotFound()) return usage.status();
        tokens.push_back(TokenJson(t, usage.ok() ? &*usage : nullptr, Etag::kOmit));
      }
      if (batch.size() < kExportBatch) break;
      after = batch.back().name;
    }
    SCOPEREG_ASSIGN_OR_RETURN(auth::AdminUser admin, d.admin.GetAdminUser(c.caller));
    SCOPEREG_ASSIGN_OR_RETURN(auth::TokenUsage admin_usage, d.admin.GetTokenUsage(c.caller, ""));
    SCOPEREG_ASSIGN_OR_RETURN(std::vector<auth::OperatorCredential> ops, d.admin.ListOperators(c.caller));
    Json operators = Json::array();
    for (const auth::OperatorCredential& op : ops) operators.push_back(OperatorJson(op, Etag::kOmit));
    return Json{{"registry", d.options.registry_name},
                {"exportedAt", FormatTime(d.clock.Now())},
                {"scopeMaps", std::move(scope_maps)},
                {"tokens", std::move(tokens)},
                {"adminUser", AdminUserJson(admin, d.options.registry_name, &admin_usage, Etag::kOmit)},
                {"operators", std::move(operators)}};
  });
  if (!Check(c, exported)) co_return;
  c.res.set_status(200);
  c.res.SetHeader("Content-Type", "application/json");
  c.res.SetBody(Dump(*exported, 2) + "\n");  // indented: exports are read and diffed by people
}

}  // namespace scopereg::api::management::internal
