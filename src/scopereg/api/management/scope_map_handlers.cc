// /api/v1/scopeMaps[/{name}[/tokens]]
#include "scopereg/api/management/internal.h"
#include "scopereg/core/encoding.h"

namespace scopereg::api::management::internal {

namespace {

std::string ScopeMapPath(std::string_view name) { return "/api/v1/scopeMaps/" + UrlEncode(name); }

}  // namespace

http::Task<void> ListScopeMaps(const Deps& d, Call& c) {
  auto page = ParsePage(c.req, d.options);
  if (!Check(c, page)) co_return;
  auto maps = co_await Blocking([&] { return d.admin.ListScopeMaps(c.caller, page->last, page->n + 1); });
  if (!Check(c, maps)) co_return;
  WritePage(
      c, "scopeMaps", *page, *maps, [](const auth::ScopeMap& m) { return ScopeMapJson(m); },
      [](const auth::ScopeMap& m) { return m.name; });
}

http::Task<void> GetScopeMap(const Deps& d, Call& c) {
  auto m = co_await Blocking([&] { return d.admin.GetScopeMap(c.caller, c.args[0]); });
  if (!Check(c, m)) co_return;
  WriteResource(c, ScopeMapJson(*m), m->revision);
}

http::Task<void> CreateScopeMap(const Deps& d, Call& c) {
  auth::ScopeMapSpec spec;
  spec.name = c.args[0];
  if (!Check(c, CheckKnownFields(c.body, {"actions", "description"}))) co_return;
  auto description = GetString(c.body, "description");
  auto actions = GetStringArray(c.body, "actions");
  if (!Check(c, description) || !Check(c, actions)) co_return;
  if (!actions->has_value()) {
    Check(c, Status::InvalidArgument("actions: required (e.g. [\"repositories/hello-world/content/read\"])"));
    co_return;
  }
  spec.description = description->value_or("");
  spec.actions = std::move(**actions);
  auto created = co_await Blocking([&] { return d.admin.CreateScopeMap(c.caller, spec); });
  if (!Check(c, created)) co_return;
  c.res.SetHeader("Location", ScopeMapPath(created->name));
  WriteResource(c, ScopeMapJson(*created), created->revision, 201);
}

http::Task<void> UpdateScopeMap(const Deps& d, Call& c) {
  auth::ScopeMapUpdate update;
  if (!Check(c, CheckKnownFields(c.body, {"actions", "description"}))) co_return;
  auto description = GetString(c.body, "description");
  auto actions = GetStringArray(c.body, "actions");
  auto if_match = ParseIfMatch(c.req);
  if (!Check(c, description) || !Check(c, actions) || !Check(c, if_match)) co_return;
  update.description = std::move(*description);
  update.actions = std::move(*actions);
  update.if_revision = *if_match;
  auto updated = co_await Blocking([&] { return d.admin.UpdateScopeMap(c.caller, c.args[0], update); });
  if (!Check(c, updated)) co_return;
  WriteResource(c, ScopeMapJson(*updated), updated->revision);
}

http::Task<void> DeleteScopeMap(const Deps& d, Call& c) {
  auto if_match = ParseIfMatch(c.req);
  if (!Check(c, if_match)) co_return;
  co_await RespondNoContent(c, [&] { return d.admin.DeleteScopeMap(c.caller, c.args[0], *if_match); });
}

http::Task<void> ListScopeMapTokens(const Deps& d, Call& c) {
  auto tokens = co_await Blocking([&] { return d.admin.TokensUsingScopeMap(c.caller, c.args[0]); });
  if (!Check(c, tokens)) co_return;
  WriteJson(c.res, 200, Json{{"scopeMap", c.args[0]}, {"tokens", *tokens}});
}

}  // namespace scopereg::api::management::internal
