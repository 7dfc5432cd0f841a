// JSON shapes of the management resources (docs/api.md "Resources"),
// camelCase as the az CLI shows ACR's. Digests are never rendered; password
// values are added only by the handlers that generated them.
#include "scopereg/api/management/internal.h"

namespace scopereg::api::management::internal {

namespace {

void PutEtag(Json& out, std::uint64_t revision, Etag etag) {
  if (etag == Etag::kInclude) out["etag"] = std::to_string(revision);
}

// One password slot: name, dates and last use; never the digest.
Json PasswordJson(std::string_view name, const auth::PasswordCredential& p, const auth::TokenUsage* usage,
                  auth::PasswordSlot slot) {
  const auth::SlotUsage* u = usage != nullptr ? &usage->slots[auth::SlotIndex(slot)] : nullptr;
  return Json{{"name", name},
              {"creationTime", FormatTime(p.creation_time)},
              {"expiry", TimeOrNull(p.expiry)},
              {"lastUsed", TimeOrNull(u != nullptr ? u->last_used : std::nullopt)},
              {"lastUsedFrom", u != nullptr && u->last_used ? Json(u->last_used_from) : Json(nullptr)}};
}

template <typename Record>
Json PasswordsJson(const Record& r, const auth::TokenUsage* usage,
                   std::string_view (*slot_name)(auth::PasswordSlot)) {
  Json out = Json::array();
  for (auth::PasswordSlot s : auth::kBothSlots) {
    if (const auto& p = r.password(s)) out.push_back(PasswordJson(slot_name(s), *p, usage, s));
  }
  return out;
}

}  // namespace

Json ScopeMapJson(const auth::ScopeMap& m, Etag etag) {
  Json out{{"name", m.name},
           {"description", m.description},
           {"type", auth::ScopeMapTypeName(m.type)},
           {"creationDate", FormatTime(m.creation_date)},
           {"actions", m.ActionStrings()}};
  PutEtag(out, m.revision, etag);
  return out;
}

Json TokenJson(const auth::Token& t, const auth::TokenUsage* usage, Etag etag) {
  Json out{{"name", t.name},
           {"scopeMap", t.scope_map},
           {"status", auth::TokenStatusName(t.status)},
           {"creationDate", FormatTime(t.creation_date)},
           {"owner", t.owner},
           {"description", t.description},
           {"expiresOn", TimeOrNull(t.expires_on)},
           {"labels", Json(t.labels)},
           {"credentials",
            {{"username", t.name}, {"passwords", PasswordsJson(t, usage, &auth::PasswordSlotName)}}}};
  PutEtag(out, t.revision, etag);
  return out;
}

Json AdminUserJson(const auth::AdminUser& a, std::string_view username, const auth::TokenUsage* usage,
                   Etag etag) {
  Json out{{"enabled", a.enabled},
           {"username", username},
           {"passwords", PasswordsJson(a, usage, &auth::AdminPasswordSlotName)}};
  PutEtag(out, a.revision, etag);
  return out;
}

Json OperatorJson(const auth::OperatorCredential& op, Etag etag) {
  Json out{{"id", op.id},
           {"role", auth::OperatorRoleName(op.role)},
           {"description", op.description},
           {"creationDate", FormatTime(op.created)}};
  PutEtag(out, op.revision, etag);
  return out;
}

void AddPasswordValues(Json& passwords, const auth::GeneratedCredentials& generated) {
  for (Json& slot : passwords) {
    for (const auth::GeneratedPassword& p : generated.passwords) {
      if (slot["name"] == p.name) slot["value"] = p.value;
    }
  }
}

Json GeneratedCredentialsJson(const auth::GeneratedCredentials& c) {
  Json passwords = Json::array();
  for (const auth::GeneratedPassword& p : c.passwords) {
    passwords.push_back(Json{{"name", p.name},
                             {"value", p.value},
                             {"creationTime", FormatTime(p.creation_time)},
                             {"expiry", TimeOrNull(p.expiry)}});
  }
  return Json{{"username", c.username}, {"passwords", std::move(passwords)}};
}

}  // namespace scopereg::api::management::internal
