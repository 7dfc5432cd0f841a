#include "scopereg/auth/scope.h"

#include "scopereg/auth/validation.h"
#include "scopereg/core/strings.h"

namespace scopereg::auth {

namespace {

// Resource type values: Distribution says [a-z0-9]+; ACR also uses
// "artifact-repository", so '-' and '_' are accepted too.
bool IsTypeValue(std::string_view s) {
  if (s.empty()) return false;
  for (char c : s) {
    if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_')) return false;
  }
  return true;
}

Status BadScope(std::string_view text, std::string_view why) {
  return Status::InvalidArgument("scope: " + internal::QuoteForMessage(text) + " " + std::string(why));
}

}  // namespace

Result<ResourceScope> ParseResourceScope(std::string_view text) {
  if (text.size() > kMaxScopeLength) return BadScope(text, "is too long");
  const auto first = text.find(':');
  const auto last = text.rfind(':');
  if (first == std::string_view::npos || first == last) {
    return BadScope(text, "must have the form type:name:actions");
  }
  ResourceScope out;
  std::string_view type = text.substr(0, first);
  if (auto open = type.find('('); open != std::string_view::npos) {
    if (!type.ends_with(')')) return BadScope(text, "has a malformed resource type");
    out.resource_class = std::string(type.substr(open + 1, type.size() - open - 2));
    type = type.substr(0, open);
    if (!IsTypeValue(out.resource_class)) return BadScope(text, "has a malformed resource class");
  }
  if (!IsTypeValue(type)) return BadScope(text, "has a malformed resource type");
  out.type = std::string(type);
  out.name = std::string(text.substr(first + 1, last - first - 1));
  if (out.name.empty()) return BadScope(text, "has an empty resource name");
  for (std::string_view verb : Split(text.substr(last + 1), ',')) {
    if (!verb.empty()) out.actions.emplace_back(verb);
  }
  return out;
}

Result<std::vector<ResourceScope>> ParseScopes(std::span<const std::string> params) {
  std::vector<ResourceScope> out;
  for (const std::string& param : params) {
    for (std::string_view item : SplitWhitespace(param)) {
      if (out.size() == kMaxScopesPerRequest) {
        return Status::InvalidArgument("scope: more than " + std::to_string(kMaxScopesPerRequest) +
                                       " scopes in one request");
      }
      SCOPEREG_ASSIGN_OR_RETURN(ResourceScope scope, ParseResourceScope(item));
      out.push_back(std::move(scope));
    }
  }
  return out;
}

std::string FormatResourceScope(const ResourceScope& scope) {
  std::string out = scope.type;
  if (!scope.resource_class.empty()) out += "(" + scope.resource_class + ")";
  out += ':';
  out += scope.name;
  out += ':';
  for (std::size_t i = 0; i < scope.actions.size(); ++i) {
    if (i > 0) out += ',';
    out += scope.actions[i];
  }
  return out;
}

std::string RepositoryScope(std::string_view repository, ActionSet actions) {
  return "repository:" + std::string(repository) + ":" + DockerVerbList(actions);
}

namespace {

void AppendQuoted(std::string& out, std::string_view value) {
  out += '"';
  for (char ch : value) {
    const unsigned char c = static_cast<unsigned char>(ch);
    if (c < 0x20 || c == 0x7f) continue;  // no CR/LF or other controls in a header
    if (c == '"' || c == '\\') out += '\\';
    out += ch;
  }
  out += '"';
}

void AppendParam(std::string& out, std::string_view key, std::string_view value) {
  if (out.back() != ' ') out += ',';
  out += key;
  out += '=';
  AppendQuoted(out, value);
}

}  // namespace

std::string FormatBearerChallenge(const BearerChallenge& challenge) {
  std::string out = "Bearer ";
  AppendParam(out, "realm", challenge.realm);
  if (!challenge.service.empty()) AppendParam(out, "service", challenge.service);
  if (!challenge.scopes.empty()) {
    std::string joined;
    for (const std::string& s : challenge.scopes) {
      if (!joined.empty()) joined += ' ';
      joined += s;
    }
    AppendParam(out, "scope", joined);
  }
  if (!challenge.error.empty()) AppendParam(out, "error", challenge.error);
  return out;
}

}  // namespace scopereg::auth
