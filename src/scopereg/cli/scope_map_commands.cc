// scopereg scope-map create|list|show|update|delete (az acr scope-map ...).
#include "scopereg/cli/actions.h"
#include "scopereg/cli/commands.h"

namespace scopereg::cli {

using nlohmann::json;

namespace {

// az's scope-map table: NAME, TYPE, CREATION DATE, DESCRIPTION (cut at 57).
TableRow ScopeMapRow(const json& m) {
  return {{"NAME", Field(m, "name")},
          {"TYPE", Field(m, "type")},
          {"CREATION DATE", TimeCell(m.value("creationDate", json(nullptr)))},
          {"DESCRIPTION", Truncate(Field(m, "description"), 57)}};
}

struct CreateFlags {
  std::string name;
  RepositoryArgs repositories;
  std::string description;
  CommonFlags common;
};

Status Create(CliContext& ctx, const CreateFlags& f) {
  SCOPEREG_ASSIGN_OR_RETURN(auto actions, ActionsFromRepositoryArgs(f.repositories));
  json body{{"actions", actions}};
  if (!f.description.empty()) body["description"] = f.description;
  SCOPEREG_ASSIGN_OR_RETURN(OutputSpec spec, MakeOutputSpec(ctx, f.common));
  SCOPEREG_ASSIGN_OR_RETURN(Session s, OpenSession(ctx, f.common.connection));
  SCOPEREG_ASSIGN_OR_RETURN(ApiResponse r, s.client->Call("PUT", ApiPath("scopeMaps", f.name), &body));
  Print(r.body, spec, ScopeMapRow, *ctx.out);
  return Status::Ok();
}

struct UpdateFlags {
  std::string name;
  RepositoryArgs add;
  RepositoryArgs remove;
  std::string description;
  CLI::Option* description_option = nullptr;
  CommonFlags common;
};

Status Update(CliContext& ctx, const UpdateFlags& f) {
  const bool description = f.description_option->count() > 0;
  if (f.add.empty() && f.remove.empty() && !description) {
    return Status::InvalidArgument("No scope map properties to update.");
  }
  SCOPEREG_ASSIGN_OR_RETURN(auto add, ActionsFromRepositoryArgs(f.add));
  SCOPEREG_ASSIGN_OR_RETURN(auto remove, ActionsFromRepositoryArgs(f.remove));
  SCOPEREG_RETURN_IF_ERROR(ApplyActionChanges({}, add, remove));  // ambiguity, before any request
  SCOPEREG_ASSIGN_OR_RETURN(OutputSpec spec, MakeOutputSpec(ctx, f.common));
  SCOPEREG_ASSIGN_OR_RETURN(Session s, OpenSession(ctx, f.common.connection));
  const std::string path = ApiPath("scopeMaps", f.name);
  // Read, compute, write with If-Match; a concurrent change (412) means the
  // computation used stale actions, so it starts again.
  for (int attempt = 0;; ++attempt) {
    json body = json::object();
    if (description) body["description"] = f.description;
    std::string etag;
    if (!add.empty() || !remove.empty()) {
      SCOPEREG_ASSIGN_OR_RETURN(ApiResponse current, s.client->Call("GET", path));
      etag = current.etag;
      std::vector<std::string> actions;
      for (const json& a : current.body.value("actions", json::array())) {
        if (a.is_string()) actions.push_back(a.get<std::string>());
      }
      SCOPEREG_ASSIGN_OR_RETURN(body["actions"], ApplyActionChanges(actions, add, remove));
    }
    auto r = s.client->Call("PATCH", path, &body, etag);
    if (r.ok()) {
      Print(r->body, spec, ScopeMapRow, *ctx.out);
      return Status::Ok();
    }
    const bool stale = r.status().code() == StatusCode::kFailedPrecondition &&
                       r.status().message().find("(PreconditionFailed)") != std::string_view::npos;
    if (!stale || attempt >= 4) return r.status();
  }
}

Status Delete(CliContext& ctx, const std::string& name, bool yes, const ConnectionFlags& conn) {
  SCOPEREG_ASSIGN_OR_RETURN(Session s, OpenSession(ctx, conn));
  // 404 and "in use by tokens" are answered before anyone is asked.
  SCOPEREG_ASSIGN_OR_RETURN(json users, s.client->Get(ApiPath("scopeMaps", name, "/tokens")));
  const json tokens = users.value("tokens", json::array());
  if (!tokens.empty()) {
    std::string names;
    for (const json& t : tokens) names += (names.empty() ? "" : ", ") + t.get<std::string>();
    return Status::FailedPrecondition("scope map '" + name + "' is used by tokens: " + names +
                                      "; delete them or move them to another scope map first");
  }
  SCOPEREG_RETURN_IF_ERROR(Confirm(
      ctx, "Deleting the scope map '" + name + "' will remove its permissions with associated tokens. Proceed?", yes));
  SCOPEREG_RETURN_IF_ERROR(s.client->Call("DELETE", ApiPath("scopeMaps", name)));
  *ctx.err << "Deleted scope map '" << name << "'.\n";
  return Status::Ok();
}

void AddNameOption(CLI::App* cmd, std::string* name) {
  cmd->add_option("-n,--name", *name, "The scope map's name")->required();
}

CLI::Option* AddRepositoryOption(CLI::App* cmd, const std::string& flag, RepositoryArgs* into,
                                 const std::string& help) {
  return cmd->add_option(flag, *into, help)->expected(1, CLI::detail::expected_max_vector_size)->allow_extra_args();
}

}  // namespace

void AddScopeMapCommands(CLI::App& app, CliContext& ctx, int* exit_code) {
  CLI::App* group = app.add_subcommand("scope-map", "Manage scope maps: the repository permissions tokens use");
  group->require_subcommand(1);

  auto cf = std::make_shared<CreateFlags>();
  CLI::App* create = group->add_subcommand("create", "Create a scope map");
  AddNameOption(create, &cf->name);
  AddRepositoryOption(create, "--repository", &cf->repositories,
                      "REPO ACTION [ACTION...]; REPO may be team/*, or * for every repository; repeatable")
      ->required();
  create->add_option("--description", cf->description, "Description (at most 256 characters)");
  AddCommonFlags(create, &cf->common);
  create->footer(R"(Actions: content/read, content/write, content/delete, metadata/read, metadata/write.

Examples:
  scopereg scope-map create --name MyScopeMap --repository hello-world content/write metadata/read \
      --repository hello-world-again content/read --description "Sample scope map."
  scopereg scope-map create --name team-a-read --repository 'team-a/*' content/read metadata/read)");
  SetAction(create, ctx, exit_code, [&ctx, cf] { return Create(ctx, *cf); });

  auto lf = std::make_shared<CommonFlags>();
  CLI::App* list = group->add_subcommand("list", "List scope maps (system maps first)");
  AddCommonFlags(list, lf.get());
  list->footer("Examples:\n  scopereg scope-map list -o table");
  SetAction(list, ctx, exit_code,
            [&ctx, lf] { return GetAndPrint(ctx, *lf, ApiPath("scopeMaps"), ScopeMapRow, true); });

  auto sname = std::make_shared<std::string>();
  auto sf = std::make_shared<CommonFlags>();
  CLI::App* show = group->add_subcommand("show", "Show a scope map and its actions");
  AddNameOption(show, sname.get());
  AddCommonFlags(show, sf.get());
  show->footer("Examples:\n  scopereg scope-map show --name MyScopeMap --query actions -o tsv");
  SetAction(show, ctx, exit_code,
            [&ctx, sname, sf] { return GetAndPrint(ctx, *sf, ApiPath("scopeMaps", *sname), ScopeMapRow); });

  auto uf = std::make_shared<UpdateFlags>();
  CLI::App* update = group->add_subcommand("update", "Add or remove actions, or change the description");
  AddNameOption(update, &uf->name);
  AddRepositoryOption(update, "--add-repository", &uf->add, "REPO ACTION [ACTION...] to add; repeatable");
  AddRepositoryOption(update, "--remove-repository", &uf->remove, "REPO ACTION [ACTION...] to remove; repeatable");
  // az's hidden deprecated aliases.
  AddRepositoryOption(update, "--add", &uf->add, "")->group("");
  AddRepositoryOption(update, "--remove", &uf->remove, "")->group("");
  uf->description_option = update->add_option("--description", uf->description, "New description");
  AddCommonFlags(update, &uf->common);
  update->footer(R"(The change applies at once to every token using the map.

Examples:
  scopereg scope-map update --name MyScopeMap --add-repository hello-world content/delete \
      --remove-repository hello-world-again content/read
  scopereg scope-map update --name MyScopeMap --description "Read-only for the depot clusters")");
  SetAction(update, ctx, exit_code, [&ctx, uf] { return Update(ctx, *uf); });

  auto dname = std::make_shared<std::string>();
  auto dyes = std::make_shared<bool>(false);
  auto dconn = std::make_shared<ConnectionFlags>();
  CLI::App* del = group->add_subcommand("delete", "Delete a scope map no token uses");
  AddNameOption(del, dname.get());
  del->add_flag("-y,--yes", *dyes, "Do not ask for confirmation (required without a terminal)");
  AddConnectionFlags(del, dconn.get());
  del->footer("Examples:\n  scopereg scope-map delete --name vendor-x-scope-map --yes");
  SetAction(del, ctx, exit_code, [&ctx, dname, dyes, dconn] { return Delete(ctx, *dname, *dyes, *dconn); });
}

}  // namespace scopereg::cli
