// scopereg export, scopereg diff, scopereg token review: the sanitized
// access state (GET /api/v1/export) as evidence, drift between two states,
// and an access review of one.
#include <filesystem>
#include <fstream>
#include <sstream>

#include "scopereg/cli/commands.h"
#include "scopereg/cli/diff.h"
#include "scopereg/cli/exit_codes.h"
#include "scopereg/cli/review.h"

namespace scopereg::cli {

using nlohmann::json;
namespace fs = std::filesystem;

namespace {

Result<json> FetchExport(CliContext& ctx, const ConnectionFlags& conn) {
  SCOPEREG_ASSIGN_OR_RETURN(Session s, OpenSession(ctx, conn));
  SCOPEREG_ASSIGN_OR_RETURN(json state, s.client->Get("/api/v1/export"));
  if (!IsExportDocument(state)) {
    return Status::Internal("the registry at " + s.target.url + " answered GET /api/v1/export without an export");
  }
  return state;
}

Result<json> ReadExportFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return Status::NotFound("cannot read " + path);
  std::stringstream ss;
  ss << in.rdbuf();
  json doc = json::parse(ss.str(), nullptr, false);
  if (!IsExportDocument(doc)) {
    return Status::InvalidArgument(path + " is not a scopereg export (the output of `scopereg export`)");
  }
  return doc;
}

// A diff side: an export file if one exists at that path, else a registry
// profile of that name.
Result<json> LoadSide(CliContext& ctx, const std::string& side, const ConnectionFlags& conn) {
  std::error_code ec;
  if (fs::is_regular_file(side, ec)) return ReadExportFile(side);
  SCOPEREG_ASSIGN_OR_RETURN(ProfileStore store, ProfileStore::Load(ConfigDir(ctx.env)));
  if (store.Find(side) == nullptr) {
    return Status::InvalidArgument("'" + side + "' is neither an export file nor a registry profile (see scopereg "
                                   "profile list)");
  }
  ConnectionFlags c = conn;
  c.registry = side;
  auto state = FetchExport(ctx, c);
  if (!state.ok()) return state.status().WithPrefix("registry '" + side + "'");
  return state;
}

struct ExportFlags {
  CommonFlags common;
};

Status Export(CliContext& ctx, const ExportFlags& f) {
  SCOPEREG_ASSIGN_OR_RETURN(OutputSpec spec, MakeOutputSpec(ctx, f.common));
  SCOPEREG_ASSIGN_OR_RETURN(json state, FetchExport(ctx, f.common.connection));
  // JSON keys print sorted and the server sorts every list by name, so two
  // exports of the same state differ only in exportedAt.
  Print(state, spec, nullptr, *ctx.out);
  return Status::Ok();
}

struct DiffFlags {
  std::string a;
  std::string b;
  bool all_fields = false;
  CommonFlags common;
};

Result<int> Diff(CliContext& ctx, const DiffFlags& f) {
  SCOPEREG_ASSIGN_OR_RETURN(OutputSpec spec, MakeOutputSpec(ctx, f.common));
  SCOPEREG_ASSIGN_OR_RETURN(json a, LoadSide(ctx, f.a, f.common.connection));
  SCOPEREG_ASSIGN_OR_RETURN(json b, LoadSide(ctx, f.b, f.common.connection));
  SCOPEREG_ASSIGN_OR_RETURN(auto diffs, DiffExports(a, b, DiffOptions{f.all_fields}));
  json out = json::array();
  for (const auto& d : diffs) out.push_back(DifferenceJson(d));
  Print(out, spec,
        [](const json& d) {
          return TableRow{{"TYPE", Field(d, "type")},
                          {"NAME", Field(d, "name")},
                          {"CHANGE", Field(d, "change")},
                          {"DETAIL", Field(d, "detail")}};
        },
        *ctx.out);
  *ctx.err << (diffs.empty() ? std::string("No differences")
                             : std::to_string(diffs.size()) + " difference" + (diffs.size() == 1 ? "" : "s"))
           << " between " << f.a << " (A) and " << f.b << " (B).\n";
  return diffs.empty() ? kExitOk : kExitFindings;
}

struct ReviewFlags {
  int stale_days = 90;
  int expiring_days = 30;
  std::vector<std::string> ignore;
  std::string file;
  CommonFlags common;
};

Result<int> Review(CliContext& ctx, const ReviewFlags& f) {
  SCOPEREG_ASSIGN_OR_RETURN(OutputSpec spec, MakeOutputSpec(ctx, f.common));
  json state;
  if (!f.file.empty()) {
    SCOPEREG_ASSIGN_OR_RETURN(state, ReadExportFile(f.file));
  } else {
    SCOPEREG_ASSIGN_OR_RETURN(state, FetchExport(ctx, f.common.connection));
  }
  ReviewOptions o;
  o.now = ctx.clock->Now();
  o.stale_days = f.stale_days;
  o.expiring_days = f.expiring_days;
  o.ignore.insert(f.ignore.begin(), f.ignore.end());
  SCOPEREG_ASSIGN_OR_RETURN(auto findings, ReviewExport(state, o));
  json out = json::array();
  for (const auto& x : findings) out.push_back(FindingJson(x));
  Print(out, spec,
        [](const json& x) {
          return TableRow{{"TYPE", Field(x, "type")},
                          {"NAME", Field(x, "name")},
                          {"SLOT", Field(x, "slot")},
                          {"CHECK", Field(x, "check")},
                          {"DETAIL", Field(x, "detail")}};
        },
        *ctx.out);
  *ctx.err << (findings.empty() ? std::string("No findings")
                                : std::to_string(findings.size()) + " finding" + (findings.size() == 1 ? "" : "s"))
           << " (unused for " << f.stale_days << " days, expiring within " << f.expiring_days << " days).\n";
  return findings.empty() ? kExitOk : kExitFindings;
}

}  // namespace

void AddReviewCommand(CLI::App* token, CliContext& ctx, int* exit_code) {
  auto rf = std::make_shared<ReviewFlags>();
  CLI::App* review = token->add_subcommand("review", "Access review: tokens and scope maps that need a look");
  review->add_option("--stale-days", rf->stale_days, "A password slot unused this many days is a finding")
      ->check(CLI::Range(1, 36500))
      ->capture_default_str();
  review->add_option("--expiring-days", rf->expiring_days, "Expiring within this many days is a finding")
      ->check(CLI::Range(0, 36500))
      ->capture_default_str();
  review->add_option("--ignore", rf->ignore, "Leave out a check (see below); repeatable");
  review->add_option("--file", rf->file, "Review an export file instead of a registry");
  AddCommonFlags(review, &rf->common);
  review->footer(R"(Checks: token-disabled, token-unowned, token-expired, token-expiring,
token-no-passwords, password-expired, password-expiring, password-unused (per
slot), write-access, delete-access, all-repositories (an action on *),
shared-scope-map, unused-scope-map (user-defined, no token uses it).
Exit code 3 when there are findings, 0 when there are none.

Examples:
  scopereg token review -o table
  scopereg token review --stale-days 30 --expiring-days 14 --ignore shared-scope-map -o json
  scopereg token review --file release-1.4.2-access.json -o table)");
  SetActionWithExitCode(review, ctx, exit_code, [&ctx, rf] { return Review(ctx, *rf); });
}

void AddStateCommands(CLI::App& app, CliContext& ctx, int* exit_code) {
  auto ef = std::make_shared<ExportFlags>();
  CLI::App* exp = app.add_subcommand("export", "Print the sanitized access state (no secrets) as stable JSON");
  AddCommonFlags(exp, &ef->common);
  exp->footer(R"(Scope maps, tokens with their password slots (dates and last use, never values),
the admin user and the operators, sorted by name. Two exports of the same
state differ only in exportedAt.

Examples:
  scopereg export --registry prod > prod-access-$(date +%F).json
  scopereg export -o yaml)");
  SetAction(exp, ctx, exit_code, [&ctx, ef] { return Export(ctx, *ef); });

  auto df = std::make_shared<DiffFlags>();
  CLI::App* diff = app.add_subcommand("diff", "Compare two registries or exports: tokens and scope maps");
  diff->add_option("A", df->a, "Registry profile or export file")->required();
  diff->add_option("B", df->b, "Registry profile or export file")->required();
  diff->add_flag("--all-fields", df->all_fields, "Also compare owner, description, expiresOn, labels and which "
                                                 "password slots are set");
  AddCommonFlags(diff, &df->common);
  diff->footer(R"(An existing file is read as an export; anything else names a registry profile.
Compared: scope maps and tokens added or removed; a scope map's description and
actions; a token's status, scope map, and the actions it grants; the admin user
being enabled. Exit code 3 when A and B differ, 0 when they do not.

Examples:
  scopereg diff staging prod -o table
  scopereg diff release-1.4.1-access.json prod -o table
  scopereg diff before.json after.json --all-fields -o json)");
  SetActionWithExitCode(diff, ctx, exit_code, [&ctx, df] { return Diff(ctx, *df); });
}

}  // namespace scopereg::cli
