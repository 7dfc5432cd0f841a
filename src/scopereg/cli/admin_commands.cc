// scopereg admin-user show|enable|disable|regenerate: the registry's one
// full-access user (az acr update --admin-enabled, az acr credential
// show|renew).
#include "scopereg/cli/commands.h"

namespace scopereg::cli {

using nlohmann::json;

namespace {

std::string SlotLastUsed(const json& admin, std::string_view slot) {
  for (const json& p : admin.value("passwords", json::array())) {
    if (Field(p, "name") == slot) return TimeCell(p.value("lastUsed", json(nullptr)), "Never");
  }
  return "";
}

TableRow AdminRow(const json& a) {
  return {{"USERNAME", Field(a, "username")},
          {"ENABLED", a.value("enabled", false) ? "true" : "false"},
          {"PASSWORD LAST USED", SlotLastUsed(a, "password")},
          {"PASSWORD2 LAST USED", SlotLastUsed(a, "password2")}};
}

TableRow GeneratedRow(const json& p) {
  return {{"NAME", Field(p, "name")},
          {"VALUE", Field(p, "value")},
          {"CREATION TIME", TimeCell(p.value("creationTime", json(nullptr)))}};
}

struct AdminFlags {
  bool yes = false;
  bool password = false;
  bool password2 = false;
  HandoffFlags handoff;
  CommonFlags common;
};

Status Enable(CliContext& ctx, const AdminFlags& f) {
  SCOPEREG_ASSIGN_OR_RETURN(OutputSpec spec, MakeOutputSpec(ctx, f.common));
  SCOPEREG_ASSIGN_OR_RETURN(Session s, OpenSession(ctx, f.common.connection));
  SCOPEREG_ASSIGN_OR_RETURN(ApiResponse r, s.client->Call("POST", "/api/v1/adminUser/enable"));
  const json passwords = r.body.value("passwords", json::array());
  bool generated = false;
  for (const json& p : passwords) generated = generated || p.contains("value");
  *ctx.err << "WARNING: the admin user has full access to every repository and cannot be scoped; prefer tokens.\n";
  if (!generated) {
    // Already enabled, or re-enabled with the passwords it had.
    Print(r.body, spec, AdminRow, *ctx.out);
    return Status::Ok();
  }
  return PrintGeneratedCredentials(ctx, s, r.body, passwords, Field(r.body, "username"), f.common, f.handoff,
                                   GeneratedRow, "passwords");
}

Status Disable(CliContext& ctx, const AdminFlags& f) {
  SCOPEREG_ASSIGN_OR_RETURN(OutputSpec spec, MakeOutputSpec(ctx, f.common));
  SCOPEREG_ASSIGN_OR_RETURN(Session s, OpenSession(ctx, f.common.connection));
  SCOPEREG_ASSIGN_OR_RETURN(json admin, s.client->Get("/api/v1/adminUser"));
  if (admin.value("enabled", false)) {
    std::string use;
    for (const json& p : admin.value("passwords", json::array())) {
      use += (use.empty() ? "" : "; ") + Field(p, "name") + " " + LastUseText(p, ctx.clock->Now());
    }
    SCOPEREG_RETURN_IF_ERROR(Confirm(ctx,
                                     "Disabling the admin user '" + Field(admin, "username") +
                                         "' will invalidate access to anyone using its credentials (" +
                                         (use.empty() ? "no passwords" : use) + "). Proceed?",
                                     f.yes));
  }
  SCOPEREG_ASSIGN_OR_RETURN(ApiResponse r, s.client->Call("POST", "/api/v1/adminUser/disable"));
  Print(r.body, spec, AdminRow, *ctx.out);
  return Status::Ok();
}

Status Regenerate(CliContext& ctx, const AdminFlags& f) {
  if (f.password == f.password2) {
    return Status::InvalidArgument("usage error: give exactly one of --password and --password2");
  }
  const std::string slot = f.password ? "password" : "password2";
  SCOPEREG_RETURN_IF_ERROR(MakeOutputSpec(ctx, f.common));  // before any change
  SCOPEREG_ASSIGN_OR_RETURN(Session s, OpenSession(ctx, f.common.connection));
  SCOPEREG_ASSIGN_OR_RETURN(json admin, s.client->Get("/api/v1/adminUser"));
  for (const json& p : admin.value("passwords", json::array())) {
    if (Field(p, "name") != slot) continue;
    SCOPEREG_RETURN_IF_ERROR(Confirm(ctx,
                                     "Regenerating " + slot + " of the admin user replaces the current one (" +
                                         LastUseText(p, ctx.clock->Now()) +
                                         "); anyone using it loses access. Proceed?",
                                     f.yes));
  }
  json body{{"name", slot}};
  SCOPEREG_ASSIGN_OR_RETURN(ApiResponse r, s.client->Call("POST", "/api/v1/adminUser/regenerateCredential", &body));
  return PrintGeneratedCredentials(ctx, s, r.body, r.body.value("passwords", json::array()),
                                   Field(r.body, "username"), f.common, f.handoff, GeneratedRow, "passwords");
}

}  // namespace

void AddAdminUserCommands(CLI::App& app, CliContext& ctx, int* exit_code) {
  CLI::App* group = app.add_subcommand("admin-user", "The admin user: one full-access login, disabled by default");
  group->require_subcommand(1);

  auto sf = std::make_shared<AdminFlags>();
  CLI::App* show = group->add_subcommand("show", "Show whether the admin user is enabled, and its passwords' last use");
  AddCommonFlags(show, &sf->common);
  show->footer("Examples:\n  scopereg admin-user show -o table\n  scopereg admin-user show --query enabled -o tsv");
  SetAction(show, ctx, exit_code,
            [&ctx, sf] { return GetAndPrint(ctx, sf->common, "/api/v1/adminUser", AdminRow); });

  auto ef = std::make_shared<AdminFlags>();
  CLI::App* enable = group->add_subcommand("enable", "Enable the admin user (generates its passwords if it has none)");
  AddHandoffFlags(enable, &ef->handoff);
  AddCommonFlags(enable, &ef->common);
  enable->footer("Examples:\n  scopereg admin-user enable --query 'passwords[0].value' -o tsv");
  SetAction(enable, ctx, exit_code, [&ctx, ef] { return Enable(ctx, *ef); });

  auto df = std::make_shared<AdminFlags>();
  CLI::App* disable = group->add_subcommand("disable", "Disable the admin user (takes effect on the next request)");
  disable->add_flag("-y,--yes", df->yes, "Do not ask for confirmation (required without a terminal)");
  AddCommonFlags(disable, &df->common);
  disable->footer("Examples:\n  scopereg admin-user disable --yes");
  SetAction(disable, ctx, exit_code, [&ctx, df] { return Disable(ctx, *df); });

  auto rf = std::make_shared<AdminFlags>();
  CLI::App* regenerate = group->add_subcommand("regenerate", "Regenerate one of the admin user's passwords");
  regenerate->add_flag("--password", rf->password, "Regenerate 'password'");
  regenerate->add_flag("--password2", rf->password2, "Regenerate 'password2'");
  regenerate->add_flag("-y,--yes", rf->yes, "Do not ask for confirmation (required without a terminal)");
  AddHandoffFlags(regenerate, &rf->handoff);
  AddCommonFlags(regenerate, &rf->common);
  regenerate->footer("Examples:\n  scopereg admin-user regenerate --password2 --yes --query 'passwords[0].value' -o tsv");
  SetAction(regenerate, ctx, exit_code, [&ctx, rf] { return Regenerate(ctx, *rf); });
}

}  // namespace scopereg::cli
