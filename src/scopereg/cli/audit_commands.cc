// scopereg audit list, scopereg audit export: the audit trail through
// GET /api/v1/audit (docs/api.md, docs/audit.md). Read-only: no command and
// no endpoint edits or deletes events.
#include "scopereg/cli/commands.h"
#include "scopereg/core/encoding.h"

namespace scopereg::cli {

using nlohmann::json;

namespace {

struct AuditFilterFlags {
  std::string from, to, category, identity, repository, operation, result, client_address, correlation_id;
};

struct AuditListFlags {
  CommonFlags common;
  AuditFilterFlags filter;
  int top = 100;
  bool all = false;
};

struct AuditExportFlags {
  ConnectionFlags connection;
  AuditFilterFlags filter;
};

void AddFilterFlags(CLI::App* cmd, AuditFilterFlags* f) {
  cmd->add_option("--from", f->from, "Events at or after this time (RFC 3339 or a date)");
  cmd->add_option("--to", f->to, "Events before this time (RFC 3339 or a date)");
  cmd->add_option("--category", f->category, "login, repository or management")
      ->check(CLI::IsMember({"login", "repository", "management"}));
  cmd->add_option("--identity", f->identity, "Token name, admin, anonymous or operator:<id>");
  cmd->add_option("--repository", f->repository, "Repository name");
  cmd->add_option("--operation", f->operation, "e.g. pull, push, delete, login, token.create");
  cmd->add_option("--result", f->result, "success or failure")->check(CLI::IsMember({"success", "failure"}));
  cmd->add_option("--client-address", f->client_address, "Client IP address");
  cmd->add_option("--correlation-id", f->correlation_id, "The id in the request log line");
}

// The query string of the filters (times normalized and checked here, so a
// typo is a clear flag error, not a server 400).
Result<std::string> FilterQuery(const AuditFilterFlags& f) {
  std::string q;
  auto add = [&q](std::string_view key, const std::string& value) {
    if (value.empty()) return;
    q += q.empty() ? '?' : '&';
    q += key;
    q += '=';
    q += UrlEncode(value);
  };
  if (!f.from.empty()) {
    SCOPEREG_ASSIGN_OR_RETURN(std::string from, ParseTimeFlag(f.from, "--from"));
    add("from", from);
  }
  if (!f.to.empty()) {
    SCOPEREG_ASSIGN_OR_RETURN(std::string to, ParseTimeFlag(f.to, "--to"));
    add("to", to);
  }
  add("category", f.category);
  add("identity", f.identity);
  add("repository", f.repository);
  add("operation", f.operation);
  add("result", f.result);
  add("clientAddress", f.client_address);
  add("correlationId", f.correlation_id);
  return q;
}

TableRow AuditRow(const json& e) {
  const bool ok = e.value("success", false);
  std::string what = Field(e, "repository");
  for (const char* key : {"tag", "digest", "target"}) {
    const std::string v = Field(e, key);
    if (!v.empty()) what += (what.empty() ? "" : " ") + v;
  }
  return {{"TIME", TimeCell(e.value("time", json(nullptr)))},
          {"IDENTITY", Field(e, "identity")},
          {"SLOT", Field(e, "slot")},
          {"OPERATION", Field(e, "operation")},
          {"RESULT", ok ? "success" : "failure " + Field(e, "reason")},
          {"OBJECT", what},
          {"CLIENT", Field(e, "clientAddress")}};
}

// A list of events either way (one page with --top, every page with --all).
Status List(CliContext& ctx, const AuditListFlags& f) {
  SCOPEREG_ASSIGN_OR_RETURN(std::string q, FilterQuery(f.filter));
  if (f.all) return GetAndPrint(ctx, f.common, "/api/v1/audit" + q, AuditRow, true);
  SCOPEREG_ASSIGN_OR_RETURN(OutputSpec spec, MakeOutputSpec(ctx, f.common));
  SCOPEREG_ASSIGN_OR_RETURN(Session s, OpenSession(ctx, f.common.connection));
  SCOPEREG_ASSIGN_OR_RETURN(json page, s.client->Get("/api/v1/audit" + q + (q.empty() ? "?n=" : "&n=") +
                                                     std::to_string(f.top)));
  Print(page.value("value", json::array()), spec, AuditRow, *ctx.out);
  return Status::Ok();
}

// JSON lines, oldest first, following the list endpoint's pages: the same
// events the server's /api/v1/audit/export streams, through the client's
// paged JSON calls.
Status Export(CliContext& ctx, const AuditExportFlags& f) {
  SCOPEREG_ASSIGN_OR_RETURN(std::string q, FilterQuery(f.filter));
  SCOPEREG_ASSIGN_OR_RETURN(Session s, OpenSession(ctx, f.connection));
  SCOPEREG_ASSIGN_OR_RETURN(json events, s.client->GetAllPages("/api/v1/audit" + q + (q.empty() ? "?" : "&") +
                                                               "n=1000"));
  for (const json& e : events) *ctx.out << e.dump() << '\n';
  ctx.out->flush();
  return Status::Ok();
}

}  // namespace

void AddAuditCommands(CLI::App& app, CliContext& ctx, int* exit_code) {
  CLI::App* audit = app.add_subcommand("audit", "Read the audit trail (logins, pulls, pushes, deletes, changes)");
  audit->require_subcommand(1);

  auto lf = std::make_shared<AuditListFlags>();
  CLI::App* list = audit->add_subcommand("list", "List audit events, oldest first");
  AddFilterFlags(list, &lf->filter);
  list->add_option("--top", lf->top, "At most this many events (one page)")->check(CLI::Range(1, 1000))
      ->capture_default_str();
  list->add_flag("--all", lf->all, "Every matching event (follows the pages)");
  AddCommonFlags(list, &lf->common);
  list->footer(R"(Needs an operator role with read-audit (owner, token-admin or auditor).

Examples:
  scopereg audit list --repository devices/firmware --operation pull --from 2027-01-01 -o table
  scopereg audit list --identity vendor-x --all -o table
  scopereg audit list --category management --result failure -o json)");
  SetAction(list, ctx, exit_code, [&ctx, lf] { return List(ctx, *lf); });

  auto ef = std::make_shared<AuditExportFlags>();
  CLI::App* exp = audit->add_subcommand("export", "Every matching event as JSON lines (evidence, SIEM import)");
  AddFilterFlags(exp, &ef->filter);
  AddConnectionFlags(exp, &ef->connection);
  exp->footer(R"(One JSON object per line, oldest first; without --to, up to now.

Examples:
  scopereg audit export --from 2027-01-01 --to 2027-02-01 > audit-2027-01.jsonl
  scopereg audit export --identity vendor-x > vendor-x-offboarding-evidence.jsonl)");
  SetAction(exp, ctx, exit_code, [&ctx, ef] { return Export(ctx, *ef); });
}

}  // namespace scopereg::cli
