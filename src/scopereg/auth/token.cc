#include "scopereg/auth/token.h"

#include "scopereg/auth/validation.h"

namespace scopereg::auth {

std::string_view TokenStatusName(TokenStatus status) {
  return status == TokenStatus::kEnabled ? "enabled" : "disabled";
}

std::optional<TokenStatus> ParseTokenStatus(std::string_view text) {
  if (text == "enabled") return TokenStatus::kEnabled;
  if (text == "disabled") return TokenStatus::kDisabled;
  return std::nullopt;
}

Status ValidateTokenName(std::string_view name) {
  return internal::CheckName("name", name, kMinTokenNameLength, kMaxTokenNameLength,
                             internal::NameCharset::kAlnumHyphen);
}

Status ValidateTokenDescription(std::string_view description) {
  return internal::CheckFreeText("description", description, kMaxTokenDescriptionLength);
}

Status ValidateTokenOwner(std::string_view owner) {
  return internal::CheckFreeText("owner", owner, kMaxTokenOwnerLength);
}

namespace {
bool IsAlnum(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9'); }
}  // namespace

Status ValidateLabel(std::string_view key, std::string_view value) {
  bool ok = !key.empty() && key.size() <= kMaxLabelKeyLength && IsAlnum(key.front()) && IsAlnum(key.back());
  for (std::size_t i = 0; ok && i < key.size(); ++i) {
    const char c = key[i];
    ok = IsAlnum(c) || c == '.' || c == '_' || c == '/' || c == '-';
  }
  if (!ok) {
    return Status::InvalidArgument("labels: key " + internal::QuoteForMessage(key) +
                                   " must be 1 to 63 characters of [a-zA-Z0-9._/-] starting and ending with a "
                                   "letter or digit");
  }
  return internal::CheckFreeText("labels[" + std::string(key) + "]", value, kMaxLabelValueLength);
}

Status ValidateLabels(const std::map<std::string, std::string>& labels) {
  if (labels.size() > kMaxTokenLabels) {
    return Status::InvalidArgument("labels: " + std::to_string(labels.size()) + " labels exceed the limit of " +
                                   std::to_string(kMaxTokenLabels));
  }
  for (const auto& [k, v] : labels) SCOPEREG_RETURN_IF_ERROR(ValidateLabel(k, v));
  return Status::Ok();
}

Result<std::pair<std::string, std::string>> ParseLabel(std::string_view text) {
  const auto eq = text.find('=');
  if (eq == std::string_view::npos) {
    return Status::InvalidArgument("labels: " + internal::QuoteForMessage(text) + " must have the form key=value");
  }
  std::string key(text.substr(0, eq));
  std::string value(text.substr(eq + 1));
  SCOPEREG_RETURN_IF_ERROR(ValidateLabel(key, value));
  return std::make_pair(std::move(key), std::move(value));
}

}  // namespace scopereg::auth
