// /api/v1/tokens[/{name}[/generateCredentials | /credentials/{password1|password2}]]
#include "scopereg/api/management/internal.h"
#include "scopereg/core/encoding.h"

namespace scopereg::api::management::internal {

namespace {

// A token's JSON with its last-used data. A token deleted between the two
// reads is shown without usage rather than failing the whole request.
Result<Json> TokenWithUsage(const Deps& d, const auth::Caller& caller, const auth::Token& t) {
  auto usage = d.admin.GetTokenUsage(caller, t.name);
  if (!usage.ok() && !usage.status().IsNotFound()) return usage.status();
  return TokenJson(t, usage.ok() ? &*usage : nullptr);
}

Result<auth::TokenStatus> ParseStatus(const std::string& text) {
  if (auto s = auth::ParseTokenStatus(text)) return *s;
  return Status::InvalidArgument("status: must be \"enabled\" or \"disabled\"");
}

// A token password slot named in a body or path: exactly "password1" or
// "password2" ("password" is the admin user's).
Result<auth::PasswordSlot> ParseTokenSlot(std::string_view field, std::string_view name) {
  if (name == "password1") return auth::PasswordSlot::kPassword1;
  if (name == "password2") return auth::PasswordSlot::kPassword2;
  return Status::InvalidArgument(std::string(field) + ": must be \"password1\" or \"password2\"");
}

// "passwords": [{"name":"password1","expiry":...}, ...] on create. Absent:
// both slots without expiry (what az does unless --no-passwords); []: none.
Status ParsePasswordRequests(const Json& body, std::array<std::optional<auth::PasswordRequest>, 2>& out) {
  SCOPEREG_ASSIGN_OR_RETURN(const Json* list, GetArray(body, "passwords"));
  if (list == nullptr) {
    out = {auth::PasswordRequest{}, auth::PasswordRequest{}};
    return Status::Ok();
  }
  for (std::size_t i = 0; i < list->size(); ++i) {
    const Json& item = (*list)[i];
    const std::string prefix = "passwords[" + std::to_string(i) + "].";
    if (!item.is_object())
      return Status::InvalidArgument(prefix.substr(0, prefix.size() - 1) + ": must be a JSON object");
    SCOPEREG_RETURN_IF_ERROR(CheckKnownFields(item, {"expiry", "name"}, prefix));
    SCOPEREG_ASSIGN_OR_RETURN(std::optional<std::string> name, GetString(item, "name", prefix));
    if (!name) return Status::InvalidArgument(prefix + "name: required (\"password1\" or \"password2\")");
    SCOPEREG_ASSIGN_OR_RETURN(auth::PasswordSlot slot, ParseTokenSlot(prefix + "name", *name));
    SCOPEREG_ASSIGN_OR_RETURN(Nullable<Time> expiry, GetTime(item, "expiry", prefix));
    auto& request = out[auth::SlotIndex(slot)];
    if (request) return Status::InvalidArgument(prefix + "name: \"" + *name + "\" is listed twice");
    request = auth::PasswordRequest{expiry.value};
  }
  return Status::Ok();
}

Result<auth::TokenSpec> ParseTokenSpec(const Json& body, std::string name) {
  SCOPEREG_RETURN_IF_ERROR(CheckKnownFields(body, {"description", "expiresOn", "labels", "owner", "passwords",
                                                   "repositoryActions", "scopeMap", "status"}));
  auth::TokenSpec spec;
  spec.name = std::move(name);
  SCOPEREG_ASSIGN_OR_RETURN(std::optional<std::string> scope_map, GetString(body, "scopeMap"));
  SCOPEREG_ASSIGN_OR_RETURN(std::optional<std::vector<std::string>> actions,
                            GetStringArray(body, "repositoryActions"));
  if (scope_map.has_value() == actions.has_value()) {
    // az: "usage error: can't use --scope-map and --repository".
    return Status::InvalidArgument(
        "scopeMap: give either scopeMap or repositoryActions, not both or neither");
  }
  spec.scope_map = scope_map.value_or("");
  spec.repository_actions = actions.value_or(std::vector<std::string>{});
  if (actions && actions->empty()) {
    return Status::InvalidArgument("repositoryActions: at least one action is required");
  }
  SCOPEREG_ASSIGN_OR_RETURN(std::optional<std::string> status, GetString(body, "status"));
  if (status) {
    SCOPEREG_ASSIGN_OR_RETURN(spec.status, ParseStatus(*status));
  }
  SCOPEREG_ASSIGN_OR_RETURN(std::optional<std::string> owner, GetString(body, "owner"));
  SCOPEREG_ASSIGN_OR_RETURN(std::optional<std::string> description, GetString(body, "description"));
  SCOPEREG_ASSIGN_OR_RETURN(Nullable<Time> expires_on, GetTime(body, "expiresOn"));
  SCOPEREG_ASSIGN_OR_RETURN(spec.labels, GetStringMap(body, "labels"));
  spec.owner = owner.value_or("");
  spec.description = description.value_or("");
  spec.expires_on = expires_on.value;
  SCOPEREG_RETURN_IF_ERROR(ParsePasswordRequests(body, spec.passwords));
  return spec;
}

Result<auth::TokenUpdate> ParseTokenUpdate(const Json& body) {
  SCOPEREG_RETURN_IF_ERROR(
      CheckKnownFields(body, {"description", "expiresOn", "labels", "owner", "scopeMap", "status"}));
  auth::TokenUpdate update;
  SCOPEREG_ASSIGN_OR_RETURN(update.scope_map, GetString(body, "scopeMap"));
  SCOPEREG_ASSIGN_OR_RETURN(std::optional<std::string> status, GetString(body, "status"));
  if (status) {
    SCOPEREG_ASSIGN_OR_RETURN(update.status, ParseStatus(*status));
  }
  SCOPEREG_ASSIGN_OR_RETURN(update.owner, GetString(body, "owner"));
  SCOPEREG_ASSIGN_OR_RETURN(update.description, GetString(body, "description"));
  SCOPEREG_ASSIGN_OR_RETURN(Nullable<Time> expires_on, GetTime(body, "expiresOn"));
  update.expires_on = expires_on.value;
  update.clear_expires_on = expires_on.is_null();
  // "labels": {"team": "a", "old": null} sets team and removes old.
  SCOPEREG_ASSIGN_OR_RETURN(const Json* labels, GetObject(body, "labels"));
  if (labels != nullptr) {
    for (const auto& item : labels->items()) {
      if (item.value().is_null()) {
        update.labels.emplace(item.key(), std::nullopt);
      } else if (item.value().is_string()) {
        update.labels.emplace(item.key(), item.value().get_ref<const std::string&>());
      } else {
        return Status::InvalidArgument("labels." + item.key() +
                                       ": must be a string, or null to remove the label");
      }
    }
  }
  return update;
}

// Runs `op` (returning Result<auth::Token>: a read or a change) on the
// blocking pool and answers 200 with the token, its last use and its ETag.
template <typename Op>
http::Task<void> RespondWithToken(const Deps& d, Call& c, Op op) {
  std::uint64_t revision = 0;
  auto rendered = co_await Blocking([&]() -> Result<Json> {
    SCOPEREG_ASSIGN_OR_RETURN(auth::Token t, op());
    revision = t.revision;
    return TokenWithUsage(d, c.caller, t);
  });
  WriteResource(c, rendered, revision);
}

}  // namespace

http::Task<void> ListTokens(const Deps& d, Call& c) {
  auto page = ParsePage(c.req, d.options);
  if (!Check(c, page)) co_return;
  struct Rendered {
    std::string name;
    Json json;
  };
  // Tokens and their usage are read in one trip to the blocking pool.
  auto rendered = co_await Blocking([&]() -> Result<std::vector<Rendered>> {
    SCOPEREG_ASSIGN_OR_RETURN(std::vector<auth::Token> tokens,
                              d.admin.ListTokens(c.caller, page->last, page->n + 1));
    std::vector<Rendered> out;
    out.reserve(tokens.size());
    for (std::size_t i = 0; i < tokens.size(); ++i) {
      Rendered r{tokens[i].name, Json()};
      // The look-ahead entry (i == n) only tells that a next page exists.
      if (i < page->n) {
        SCOPEREG_ASSIGN_OR_RETURN(r.json, TokenWithUsage(d, c.caller, tokens[i]));
      }
      out.push_back(std::move(r));
    }
    return out;
  });
  if (!Check(c, rendered)) co_return;
  WritePage(
      c, "tokens", *page, *rendered, [](const Rendered& r) { return r.json; },
      [](const Rendered& r) { return r.name; });
}

http::Task<void> GetToken(const Deps& d, Call& c) {
  co_await RespondWithToken(d, c, [&] { return d.admin.GetToken(c.caller, c.args[0]); });
}

http::Task<void> CreateToken(const Deps& d, Call& c) {
  auto spec = ParseTokenSpec(c.body, c.args[0]);
  if (!Check(c, spec)) co_return;
  auto created = co_await Blocking([&] { return d.admin.CreateToken(c.caller, *spec); });
  if (!Check(c, created)) co_return;
  // The generated values are shown here and never again.
  Json out = TokenJson(created->token, nullptr);
  AddPasswordValues(out["credentials"]["passwords"], created->credentials);
  out["scopeMapCreated"] = created->scope_map_created;
  c.res.SetHeader("Location", "/api/v1/tokens/" + UrlEncode(created->token.name));
  WriteResource(c, out, created->token.revision, 201);
}

http::Task<void> UpdateToken(const Deps& d, Call& c) {
  auto update = ParseTokenUpdate(c.body);
  auto if_match = ParseIfMatch(c.req);
  if (!Check(c, update) || !Check(c, if_match)) co_return;
  update->if_revision = *if_match;
  co_await RespondWithToken(d, c, [&] { return d.admin.UpdateToken(c.caller, c.args[0], *update); });
}

http::Task<void> DeleteToken(const Deps& d, Call& c) {
  auto if_match = ParseIfMatch(c.req);
  if (!Check(c, if_match)) co_return;
  co_await RespondNoContent(c, [&] { return d.admin.DeleteToken(c.caller, c.args[0], *if_match); });
}

http::Task<void> GenerateCredentials(const Deps& d, Call& c) {
  // {"name": "password1"|"password2" (omitted: both), "expiry": date-time|null}
  if (!Check(c, CheckKnownFields(c.body, {"expiry", "name"}))) co_return;
  auto name = GetString(c.body, "name");
  auto expiry = GetTime(c.body, "expiry");
  if (!Check(c, name) || !Check(c, expiry)) co_return;
  auth::SlotList slots;
  if (name->has_value()) {
    auto slot = ParseTokenSlot("name", **name);
    if (!Check(c, slot)) co_return;
    slots.push_back(*slot);
  }
  auto generated = co_await Blocking(
      [&] { return d.admin.GenerateCredentials(c.caller, c.args[0], slots, expiry->value); });
  if (!Check(c, generated)) co_return;
  WriteJson(c.res, 200, GeneratedCredentialsJson(*generated));
}

http::Task<void> DeleteCredential(const Deps& d, Call& c) {
  auto slot = ParseTokenSlot("credential", c.args[1]);
  if (!Check(c, slot)) co_return;
  co_await RespondWithToken(d, c, [&]() -> Result<auth::Token> {
    // Checked first for az's message; AccessAdmin checks again atomically.
    SCOPEREG_ASSIGN_OR_RETURN(auth::Token current, d.admin.GetToken(c.caller, c.args[0]));
    if (!current.password(*slot)) {
      return Status::NotFound(std::string("Unable to perform operation. ") +
                              (*slot == auth::PasswordSlot::kPassword1 ? "Password1" : "Password2") +
                              " credential doesn't exist.");
    }
    return d.admin.DeleteCredentials(c.caller, c.args[0], {*slot});
  });
}

}  // namespace scopereg::api::management::internal
