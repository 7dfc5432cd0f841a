// scopereg token create|list|show|update|delete|rotate and
// token credential generate|delete (az acr token ... with the beyond-ACR
// fields; docs/api.md 1.7 has the request for each).
#include <algorithm>

#include "scopereg/cli/actions.h"
#include "scopereg/cli/commands.h"
#include "scopereg/core/strings.h"

namespace scopereg::cli {

using nlohmann::json;

namespace {

const json& Passwords(const json& token) {
  static const json kEmpty = json::array();
  if (!token.is_object()) return kEmpty;
  auto c = token.find("credentials");
  if (c == token.end() || !c->is_object()) return kEmpty;
  auto p = c->find("passwords");
  return p != c->end() && p->is_array() ? *p : kEmpty;
}

const json* FindSlot(const json& token, std::string_view slot) {
  for (const json& p : Passwords(token)) {
    if (Field(p, "name") == slot) return &p;
  }
  return nullptr;
}

std::string SlotExpiryCell(const json& token, std::string_view slot) {
  const json* p = FindSlot(token, slot);
  if (p == nullptr) return "";
  return TimeCell(p->value("expiry", json(nullptr)), "Never");
}

std::string LastUsedCell(const json& token) {
  std::string latest;
  for (const json& p : Passwords(token)) {
    const json used = p.value("lastUsed", json(nullptr));
    if (used.is_string()) {
      const std::string cell = TimeCell(used);
      if (cell > latest) latest = cell;
    }
  }
  if (!latest.empty()) return latest;
  return Passwords(token).empty() ? "" : "Never";
}

std::string TitleCase(std::string s) {
  if (!s.empty()) s[0] = static_cast<char>(std::toupper(static_cast<unsigned char>(s[0])));
  return s;
}

// az's token table (NAME, SCOPE MAP, PASSWORD1 EXPIRY, PASSWORD2 EXPIRY,
// STATUS, CREATION DATE) plus LAST USED.
TableRow TokenRow(const json& t) {
  return {{"NAME", Field(t, "name")},
          {"SCOPE MAP", Field(t, "scopeMap")},
          {"PASSWORD1 EXPIRY", SlotExpiryCell(t, "password1")},
          {"PASSWORD2 EXPIRY", SlotExpiryCell(t, "password2")},
          {"STATUS", TitleCase(Field(t, "status"))},
          {"CREATION DATE", TimeCell(t.value("creationDate", json(nullptr)))},
          {"LAST USED", LastUsedCell(t)}};
}

// One generated password (the table of create / generate / rotate).
TableRow GeneratedPasswordRow(const json& p) {
  return {{"NAME", Field(p, "name")},
          {"VALUE", Field(p, "value")},
          {"CREATION TIME", TimeCell(p.value("creationTime", json(nullptr)))},
          {"EXPIRY", TimeCell(p.value("expiry", json(nullptr)), "Never")}};
}

bool AnyValue(const json& passwords) {
  return std::any_of(passwords.begin(), passwords.end(),
                     [](const json& p) { return p.contains("value") && p["value"].is_string(); });
}

Result<json> GetToken(Session& s, const std::string& name) { return s.client->Get(ApiPath("tokens", name)); }

Result<json> ParseLabels(const std::vector<std::string>& labels) {
  json out = json::object();
  for (const auto& l : labels) {
    auto eq = l.find('=');
    if (eq == std::string::npos || eq == 0) {
      return Status::InvalidArgument("--label: expected key=value, got '" + l + "'");
    }
    out[l.substr(0, eq)] = l.substr(eq + 1);
  }
  return out;
}

Status CheckStatusFlag(const std::string& status) {
  if (status.empty() || status == "enabled" || status == "disabled") return Status::Ok();
  return Status::InvalidArgument("--status: '" + status + "' is not one of enabled, disabled");
}

// ---- create ----------------------------------------------------------------

struct CreateFlags {
  std::string name;
  std::string scope_map;
  RepositoryArgs repositories;
  std::string status;
  bool no_passwords = false;
  bool password1 = false;
  bool password2 = false;
  ExpiryFlags expiry;
  std::string owner;
  std::string description;
  std::string expires_on;
  std::vector<std::string> labels;
  HandoffFlags handoff;
  CommonFlags common;
};

Status Create(CliContext& ctx, const CreateFlags& f) {
  if (!f.scope_map.empty() && !f.repositories.empty()) {
    return Status::InvalidArgument("usage error: can't use --scope-map and --repository");
  }
  if (f.scope_map.empty() && f.repositories.empty()) {
    return Status::InvalidArgument("usage error: give --scope-map NAME or --repository REPO ACTION [ACTION...]");
  }
  if (f.no_passwords && (!f.expiry.expiration.empty() || !f.expiry.days.empty())) {
    return Status::InvalidArgument("usage error: --no-passwords and expiration arguments are mutually exclusive.");
  }
  if (f.no_passwords && (f.password1 || f.password2)) {
    return Status::InvalidArgument("usage error: --no-passwords and --password1/--password2 are mutually exclusive.");
  }
  SCOPEREG_RETURN_IF_ERROR(CheckStatusFlag(f.status));
  SCOPEREG_ASSIGN_OR_RETURN(auto expiry, ExpiryFromFlags(f.expiry, *ctx.clock));
  json body = json::object();
  if (!f.scope_map.empty()) {
    body["scopeMap"] = f.scope_map;
  } else {
    SCOPEREG_ASSIGN_OR_RETURN(auto actions, ActionsFromRepositoryArgs(f.repositories));
    body["repositoryActions"] = actions;
  }
  if (!f.status.empty()) body["status"] = f.status;
  if (!f.owner.empty()) body["owner"] = f.owner;
  if (!f.description.empty()) body["description"] = f.description;
  if (!f.expires_on.empty()) {
    SCOPEREG_ASSIGN_OR_RETURN(body["expiresOn"], ParseTimeFlag(f.expires_on, "--expires-on"));
  }
  if (!f.labels.empty()) {
    SCOPEREG_ASSIGN_OR_RETURN(body["labels"], ParseLabels(f.labels));
  }
  if (f.no_passwords) {
    body["passwords"] = json::array();
  } else if (f.password1 != f.password2 || expiry) {
    // Exactly one flag: that slot only (az's credential generate rule);
    // an expiry applies to every generated slot.
    const bool both = f.password1 == f.password2;
    json slots = json::array();
    auto add = [&](const char* slot) {
      json p{{"name", slot}};
      if (expiry) p["expiry"] = *expiry;
      slots.push_back(std::move(p));
    };
    if (both || f.password1) add("password1");
    if (both || f.password2) add("password2");
    body["passwords"] = slots;
  }
  SCOPEREG_ASSIGN_OR_RETURN(OutputSpec spec, MakeOutputSpec(ctx, f.common));  // before any change
  SCOPEREG_ASSIGN_OR_RETURN(Session s, OpenSession(ctx, f.common.connection));
  SCOPEREG_ASSIGN_OR_RETURN(ApiResponse r, s.client->Call("PUT", ApiPath("tokens", f.name), &body));
  const json& token = r.body;
  if (token.value("scopeMapCreated", false)) {
    *ctx.err << "Created scope map '" << Field(token, "scopeMap") << "' for token '" << f.name << "'.\n";
  }
  const json& passwords = Passwords(token);
  if (!AnyValue(passwords)) {
    if (!f.handoff.format.empty() && f.handoff.format != "json") {
      return Status::InvalidArgument("--format " + f.handoff.format +
                                     ": the token was created without passwords; nothing to hand off "
                                     "(generate one with: scopereg token credential generate --name " +
                                     f.name + ")");
    }
    Print(token, spec, TokenRow, *ctx.out);
    return Status::Ok();
  }
  return PrintGeneratedCredentials(ctx, s, token, passwords, f.name, f.common, f.handoff, GeneratedPasswordRow,
                                   "credentials.passwords");
}

// ---- update ----------------------------------------------------------------

struct UpdateFlags {
  std::string name;
  std::string scope_map;
  std::string status;
  std::string owner;
  std::string description;
  CLI::Option* owner_option = nullptr;        // given at all ("" clears)
  CLI::Option* description_option = nullptr;
  std::string expires_on;
  std::vector<std::string> labels;
  std::vector<std::string> remove_labels;
  CommonFlags common;
};

Status Update(CliContext& ctx, const UpdateFlags& f) {
  SCOPEREG_RETURN_IF_ERROR(CheckStatusFlag(f.status));
  json body = json::object();
  if (!f.scope_map.empty()) body["scopeMap"] = f.scope_map;
  if (!f.status.empty()) body["status"] = f.status;
  if (f.owner_option->count() > 0) body["owner"] = f.owner;
  if (f.description_option->count() > 0) body["description"] = f.description;
  if (!f.expires_on.empty()) {
    const std::string v = ToLower(f.expires_on);
    if (v == "never" || v == "none") {
      body["expiresOn"] = nullptr;
    } else {
      SCOPEREG_ASSIGN_OR_RETURN(body["expiresOn"], ParseTimeFlag(f.expires_on, "--expires-on"));
    }
  }
  if (!f.labels.empty() || !f.remove_labels.empty()) {
    SCOPEREG_ASSIGN_OR_RETURN(json labels, ParseLabels(f.labels));
    for (const auto& k : f.remove_labels) {
      if (labels.contains(k)) return Status::InvalidArgument("--label and --remove-label both name '" + k + "'");
      labels[k] = nullptr;
    }
    body["labels"] = labels;
  }
  if (body.empty()) {
    return Status::InvalidArgument("No token properties to update. Give --scope-map, --status, --owner, "
                                   "--description, --expires-on, --label or --remove-label.");
  }
  SCOPEREG_ASSIGN_OR_RETURN(OutputSpec spec, MakeOutputSpec(ctx, f.common));
  SCOPEREG_ASSIGN_OR_RETURN(Session s, OpenSession(ctx, f.common.connection));
  SCOPEREG_ASSIGN_OR_RETURN(ApiResponse r, s.client->Call("PATCH", ApiPath("tokens", f.name), &body));
  Print(r.body, spec, TokenRow, *ctx.out);
  if (body.contains("scopeMap")) {
    // ACR's advice: a client holding an access token keeps nothing of the
    // old map here (the map is checked on every request), but passwords
    // handed out for the old purpose still work.
    *ctx.err << "The token now has the scope map's permissions. Passwords handed out for the old scope map still "
                "work; regenerate them if they went to other clients.\n";
  }
  return Status::Ok();
}

// ---- delete ----------------------------------------------------------------

std::string SlotsUseText(const json& token, Time now) {
  std::string text;
  for (const json& p : Passwords(token)) {
    if (!text.empty()) text += "; ";
    text += Field(p, "name") + " " + LastUseText(p, now);
  }
  return text.empty() ? "it has no passwords" : text;
}

Status Delete(CliContext& ctx, const std::string& name, bool yes, const ConnectionFlags& conn) {
  SCOPEREG_ASSIGN_OR_RETURN(Session s, OpenSession(ctx, conn));
  SCOPEREG_ASSIGN_OR_RETURN(json token, GetToken(s, name));
  SCOPEREG_RETURN_IF_ERROR(Confirm(ctx,
                                   "Deleting the token '" + name +
                                       "' will invalidate access to anyone using its credentials (" +
                                       SlotsUseText(token, ctx.clock->Now()) + "). Proceed?",
                                   yes));
  SCOPEREG_RETURN_IF_ERROR(s.client->Call("DELETE", ApiPath("tokens", name)));
  const std::string map = Field(token, "scopeMap");
  if (map == name + "-scope-map") {
    *ctx.err << "Deleted token '" << name << "'. Its scope map '" << map
             << "' stays; delete it with: scopereg scope-map delete --name " << map << "\n";
  } else {
    *ctx.err << "Deleted token '" << name << "'.\n";
  }
  return Status::Ok();
}

// ---- credential generate / delete --------------------------------------------

struct GenerateFlags {
  std::string name;
  bool password1 = false;
  bool password2 = false;
  ExpiryFlags expiry;
  HandoffFlags handoff;
  CommonFlags common;
};

Status Generate(CliContext& ctx, const GenerateFlags& f) {
  SCOPEREG_ASSIGN_OR_RETURN(auto expiry, ExpiryFromFlags(f.expiry, *ctx.clock));
  json body = json::object();
  if (f.password1 != f.password2) body["name"] = f.password1 ? "password1" : "password2";
  if (expiry) body["expiry"] = *expiry;
  SCOPEREG_RETURN_IF_ERROR(MakeOutputSpec(ctx, f.common));  // before any change
  SCOPEREG_ASSIGN_OR_RETURN(Session s, OpenSession(ctx, f.common.connection));
  SCOPEREG_ASSIGN_OR_RETURN(ApiResponse r,
                            s.client->Call("POST", ApiPath("tokens", f.name, "/generateCredentials"), &body));
  return PrintGeneratedCredentials(ctx, s, r.body, r.body.value("passwords", json::array()), f.name, f.common,
                                   f.handoff, GeneratedPasswordRow, "passwords");
}

struct CredentialDeleteFlags {
  std::string name;
  bool password1 = false;
  bool password2 = false;
  bool yes = false;
  CommonFlags common;
};

Status CredentialDelete(CliContext& ctx, const CredentialDeleteFlags& f) {
  if (!f.password1 && !f.password2) return Status::InvalidArgument("No credentials to delete.");
  SCOPEREG_ASSIGN_OR_RETURN(OutputSpec spec, MakeOutputSpec(ctx, f.common));
  SCOPEREG_ASSIGN_OR_RETURN(Session s, OpenSession(ctx, f.common.connection));
  SCOPEREG_ASSIGN_OR_RETURN(json token, GetToken(s, f.name));
  std::vector<std::string> slots;
  if (f.password1) slots.push_back("password1");
  if (f.password2) slots.push_back("password2");
  std::string use;
  for (const auto& slot : slots) {
    const json* p = FindSlot(token, slot);
    if (p == nullptr) {
      return Status::NotFound("Unable to perform operation. " + TitleCase(slot) + " credential doesn't exist.");
    }
    if (!use.empty()) use += "; ";
    use += slot + " " + LastUseText(*p, ctx.clock->Now());
  }
  SCOPEREG_RETURN_IF_ERROR(Confirm(ctx,
                                   "Deleting " + (slots.size() == 2 ? std::string("both passwords") : slots[0]) +
                                       " of token '" + f.name +
                                       "' will invalidate access to anyone using " +
                                       (slots.size() == 2 ? "them" : "it") + " (" + use + "). Proceed?",
                                   f.yes));
  ApiResponse last;
  for (const auto& slot : slots) {
    SCOPEREG_ASSIGN_OR_RETURN(last, s.client->Call("DELETE", ApiPath("tokens", f.name, "/credentials/" + slot)));
  }
  Print(last.body, spec, TokenRow, *ctx.out);
  return Status::Ok();
}

// ---- rotate ----------------------------------------------------------------

struct RotateFlags {
  std::string name;
  ExpiryFlags expiry;
  bool yes = false;
  HandoffFlags handoff;
  CommonFlags common;
};

// The slot to generate: an empty one (password1 first), else the one created
// earlier; at equal age the one used less recently (never used first), so
// the slot clients rely on is kept.
std::string SlotToRotate(const json& token) {
  const json* p1 = FindSlot(token, "password1");
  const json* p2 = FindSlot(token, "password2");
  if (p1 == nullptr) return "password1";
  if (p2 == nullptr) return "password2";
  auto when = [](const json* p, const char* key) {
    const json v = p->value(key, json(nullptr));
    auto t = v.is_string() ? ParseRfc3339(v.get<std::string>()) : std::nullopt;
    return t.value_or(Time{});
  };
  const Time c1 = when(p1, "creationTime"), c2 = when(p2, "creationTime");
  if (c1 != c2) return c1 < c2 ? "password1" : "password2";
  return when(p1, "lastUsed") < when(p2, "lastUsed") ? "password1" : "password2";
}

Status Rotate(CliContext& ctx, const RotateFlags& f) {
  SCOPEREG_ASSIGN_OR_RETURN(auto expiry, ExpiryFromFlags(f.expiry, *ctx.clock));
  SCOPEREG_RETURN_IF_ERROR(MakeOutputSpec(ctx, f.common));  // before any change
  SCOPEREG_ASSIGN_OR_RETURN(Session s, OpenSession(ctx, f.common.connection));
  SCOPEREG_ASSIGN_OR_RETURN(json token, GetToken(s, f.name));
  const Time now = ctx.clock->Now();
  const std::string slot = SlotToRotate(token);
  const std::string other = slot == "password1" ? "password2" : "password1";
  if (const json* replaced = FindSlot(token, slot)) {
    SCOPEREG_RETURN_IF_ERROR(Confirm(ctx,
                                     "Both password slots of token '" + f.name + "' are set. Rotating replaces " +
                                         slot + ", the older one (" + LastUseText(*replaced, now) +
                                         "); anyone still using it loses access. Proceed?",
                                     f.yes));
  }
  json body{{"name", slot}};
  if (expiry) body["expiry"] = *expiry;
  SCOPEREG_ASSIGN_OR_RETURN(ApiResponse r,
                            s.client->Call("POST", ApiPath("tokens", f.name, "/generateCredentials"), &body));
  json result = r.body;
  result["rotated"] = slot;
  const json* previous = FindSlot(token, other);
  if (previous != nullptr) {
    json prev = *previous;
    prev.erase("value");
    prev["inUse"] = prev.value("lastUsed", json(nullptr)).is_string();
    result["previous"] = prev;
  } else {
    result["previous"] = nullptr;
  }
  SCOPEREG_RETURN_IF_ERROR(PrintGeneratedCredentials(ctx, s, result, result.value("passwords", json::array()),
                                                     f.name, f.common, f.handoff, GeneratedPasswordRow,
                                                     "passwords"));
  if (previous == nullptr) {
    *ctx.err << slot << " holds the new password; " << other << " is empty.\n";
  } else if (result["previous"]["inUse"].get<bool>()) {
    *ctx.err << slot << " holds the new password. " << other << " is still in use: " << LastUseText(*previous, now)
             << ". Move its clients to " << slot << ", watch `scopereg token show --name " << f.name
             << " -o table` until its last use stops moving, then run: scopereg token credential delete --name "
             << f.name << " --" << other << "\n";
  } else {
    *ctx.err << slot << " holds the new password. " << other << " has not been used since it was generated on "
             << TimeCell(previous->value("creationTime", json(nullptr)))
             << "; if nothing needs it: scopereg token credential delete --name " << f.name << " --" << other
             << "\n";
  }
  return Status::Ok();
}

void AddNameOption(CLI::App* cmd, std::string* name) {
  cmd->add_option("-n,--name", *name, "The token's name (the docker login username)")->required();
}

void AddYesFlag(CLI::App* cmd, bool* yes) {
  cmd->add_flag("-y,--yes", *yes, "Do not ask for confirmation (required without a terminal)");
}

}  // namespace

void AddTokenCommands(CLI::App& app, CliContext& ctx, int* exit_code) {
  CLI::App* token = app.add_subcommand("token", "Manage tokens: repository-scoped docker login credentials");
  token->require_subcommand(1);

  auto cf = std::make_shared<CreateFlags>();
  CLI::App* create = token->add_subcommand("create", "Create a token and generate its passwords");
  AddNameOption(create, &cf->name);
  create->add_option("--scope-map", cf->scope_map, "Existing scope map (user-defined or _repositories_*)");
  create->add_option("--repository", cf->repositories,
                     "REPO ACTION [ACTION...]: creates (or reuses) the scope map <token>-scope-map; repeatable")
      ->expected(1, CLI::detail::expected_max_vector_size)
      ->allow_extra_args();
  create->add_option("--status", cf->status, "enabled (default) or disabled");
  create->add_flag("--no-passwords", cf->no_passwords, "Create without passwords (generate them later)");
  create->add_flag("--password1", cf->password1, "Generate only password1 (default: both)");
  create->add_flag("--password2", cf->password2, "Generate only password2 (default: both)");
  AddExpiryFlags(create, &cf->expiry, "the generated passwords");
  create->add_option("--owner", cf->owner, "Who answers for this token (beyond ACR)");
  create->add_option("--description", cf->description, "What the token is for (beyond ACR)");
  create->add_option("--expires-on", cf->expires_on, "Time at which the whole token stops working (beyond ACR)");
  create->add_option("--label", cf->labels, "key=value label (beyond ACR); repeatable");
  AddHandoffFlags(create, &cf->handoff);
  AddCommonFlags(create, &cf->common);
  create->footer(R"(The passwords are shown once, in this command's output.

Examples:
  # Pull-only token for one repository, in one command:
  scopereg token create --name device-fleet --repository factory/firmware content/read metadata/read \
      --owner firmware-team@example.com --password1
  scopereg token create --name ci-push --scope-map _repositories_push --expiration-in-days 90
  scopereg token create --name vendor-x --repository staging/vendor-x content/read content/write \
      --expires-on 2027-06-30 --label ticket=OPS-1234 --format k8s-secret --namespace vendor
  scopereg token create --name later --scope-map pull-app --no-passwords --status disabled
  PASSWORD=$(scopereg token create --name ci --scope-map pull-app --password1 --query 'credentials.passwords[0].value' -o tsv))");
  SetAction(create, ctx, exit_code, [&ctx, cf] { return Create(ctx, *cf); });

  auto lf = std::make_shared<CommonFlags>();
  CLI::App* list = token->add_subcommand("list", "List tokens with their password expiries and last use");
  AddCommonFlags(list, lf.get());
  list->footer(R"(Examples:
  scopereg token list -o table
  scopereg token list --query "[?status=='disabled'].name" -o tsv)");
  SetAction(list, ctx, exit_code, [&ctx, lf] { return GetAndPrint(ctx, *lf, ApiPath("tokens"), TokenRow, true); });

  auto sname = std::make_shared<std::string>();
  auto sf = std::make_shared<CommonFlags>();
  CLI::App* show = token->add_subcommand("show", "Show a token (passwords without values, with last use)");
  AddNameOption(show, sname.get());
  AddCommonFlags(show, sf.get());
  show->footer(R"(Examples:
  scopereg token show --name device-fleet -o table
  scopereg token show --name vendor-x --query 'credentials.passwords[].{slot:name, lastUsed:lastUsed, from:lastUsedFrom}')");
  SetAction(show, ctx, exit_code,
            [&ctx, sname, sf] { return GetAndPrint(ctx, *sf, ApiPath("tokens", *sname), TokenRow); });

  auto uf = std::make_shared<UpdateFlags>();
  CLI::App* update = token->add_subcommand("update", "Change a token's scope map, status, owner, expiry or labels");
  AddNameOption(update, &uf->name);
  update->add_option("--scope-map", uf->scope_map, "Switch to this scope map");
  update->add_option("--status", uf->status, "enabled or disabled (takes effect on the next request)");
  uf->owner_option = update->add_option("--owner", uf->owner, "New owner (\"\" clears)");
  uf->description_option = update->add_option("--description", uf->description, "New description (\"\" clears)");
  update->add_option("--expires-on", uf->expires_on, "New token expiry, or 'never' to remove it");
  update->add_option("--label", uf->labels, "Set label key=value; repeatable");
  update->add_option("--remove-label", uf->remove_labels, "Remove label KEY; repeatable");
  AddCommonFlags(update, &uf->common);
  update->footer(R"(Examples:
  # Emergency: cut one token off now (every other client keeps working):
  scopereg token update --name depot-eu --status disabled
  scopereg token update --name depot-eu --status enabled
  scopereg token update --name vendor-x --expires-on 2027-09-30 --label ticket=OPS-1300
  scopereg token update --name ci --scope-map _repositories_pull --remove-label temporary)");
  SetAction(update, ctx, exit_code, [&ctx, uf] { return Update(ctx, *uf); });

  auto dname = std::make_shared<std::string>();
  auto dyes = std::make_shared<bool>(false);
  auto dconn = std::make_shared<ConnectionFlags>();
  CLI::App* del = token->add_subcommand("delete", "Delete a token (its passwords stop working at once)");
  AddNameOption(del, dname.get());
  AddYesFlag(del, dyes.get());
  AddConnectionFlags(del, dconn.get());
  del->footer(R"(Asks for confirmation, showing when each password was last used, unless --yes.

Examples:
  scopereg token delete --name vendor-x
  scopereg token delete --name vendor-x --yes)");
  SetAction(del, ctx, exit_code, [&ctx, dname, dyes, dconn] { return Delete(ctx, *dname, *dyes, *dconn); });

  auto rf = std::make_shared<RotateFlags>();
  CLI::App* rotate = token->add_subcommand(
      "rotate", "Generate the empty or older password slot and report whether the other is still used");
  AddNameOption(rotate, &rf->name);
  AddExpiryFlags(rotate, &rf->expiry, "the new password");
  AddYesFlag(rotate, &rf->yes);
  AddHandoffFlags(rotate, &rf->handoff);
  AddCommonFlags(rotate, &rf->common);
  rotate->footer(R"(Rotation with two slots: rotate, move clients to the new password, watch the
other slot's last use stop moving, delete it. When both slots are set, the older
one is replaced (after confirmation, unless --yes).

Examples:
  scopereg token rotate --name device-fleet --expiration-in-days 180 --query 'passwords[0].value' -o tsv
  scopereg token rotate --name depot-eu --format k8s-secret --secret-name regcred --namespace depot | kubectl apply -f -)");
  SetAction(rotate, ctx, exit_code, [&ctx, rf] { return Rotate(ctx, *rf); });

  AddReviewCommand(token, ctx, exit_code);

  CLI::App* credential = token->add_subcommand("credential", "Generate or delete a token's passwords");
  credential->require_subcommand(1);

  auto gf = std::make_shared<GenerateFlags>();
  CLI::App* generate = credential->add_subcommand("generate", "Generate password1, password2 or both");
  AddNameOption(generate, &gf->name);
  generate->add_flag("--password1", gf->password1, "Generate password1 only");
  generate->add_flag("--password2", gf->password2, "Generate password2 only");
  AddExpiryFlags(generate, &gf->expiry, "the passwords");
  AddHandoffFlags(generate, &gf->handoff);
  AddCommonFlags(generate, &gf->common);
  generate->footer(R"(Neither or both of --password1/--password2 regenerate both. The old password of a
regenerated slot stops working at once. The values are shown only here.

Examples:
  scopereg token credential generate --name ci --password2 --expiration-in-days 30 --query 'passwords[0].value' -o tsv
  scopereg token credential generate --name ci --password1 --format docker-config > config.json)");
  SetAction(generate, ctx, exit_code, [&ctx, gf] { return Generate(ctx, *gf); });

  auto xf = std::make_shared<CredentialDeleteFlags>();
  CLI::App* cdel = credential->add_subcommand("delete", "Delete password1, password2 or both");
  AddNameOption(cdel, &xf->name);
  cdel->add_flag("--password1", xf->password1, "Delete password1");
  cdel->add_flag("--password2", xf->password2, "Delete password2");
  AddYesFlag(cdel, &xf->yes);
  AddCommonFlags(cdel, &xf->common);
  cdel->footer(R"(Examples:
  scopereg token credential delete --name ci --password1
  scopereg token credential delete --name ci --password1 --password2 --yes)");
  SetAction(cdel, ctx, exit_code, [&ctx, xf] { return CredentialDelete(ctx, *xf); });
}

}  // namespace scopereg::cli
