// Tokens and the admin user: the records an AccessStore keeps and AuthState
// checks on every request (access-model.md section 1).
//
// A token is a username (its name) with up to two passwords, pointing at
// exactly one scope map. Beyond ACR it has an owner, a description, an
// expiresOn for the whole token, and labels, the fields an access review
// needs. Last-used data per slot is kept apart (access_store.h, SlotUsage)
// because it is written constantly and must not conflict with edits.
//
// Thread safety: value types and pure functions; safe for concurrent use.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>

#include "scopereg/auth/credentials.h"
#include "scopereg/core/clock.h"
#include "scopereg/core/status.h"

namespace scopereg::auth {

inline constexpr std::size_t kMinTokenNameLength = 5;
inline constexpr std::size_t kMaxTokenNameLength = 50;
inline constexpr std::size_t kMaxTokenDescriptionLength = 256;  // characters
inline constexpr std::size_t kMaxTokenOwnerLength = 128;        // characters
inline constexpr std::size_t kMaxTokenLabels = 50;
inline constexpr std::size_t kMaxLabelKeyLength = 63;
inline constexpr std::size_t kMaxLabelValueLength = 256;  // characters

enum class TokenStatus : std::uint8_t { kEnabled, kDisabled };
// "enabled" / "disabled".
std::string_view TokenStatusName(TokenStatus status);
// Exactly "enabled" or "disabled" (lower case, as ACR); nullopt otherwise.
std::optional<TokenStatus> ParseTokenStatus(std::string_view text);

struct Token {
  std::string name;       // the username at docker login
  std::string scope_map;  // name of exactly one scope map (user or system)
  TokenStatus status = TokenStatus::kEnabled;
  Time creation_date{};
  // Indexed by SlotIndex(PasswordSlot); nullopt = slot empty.
  std::array<std::optional<PasswordCredential>, 2> passwords;

  // beyond ACR
  std::string owner;
  std::string description;
  std::optional<Time> expires_on;  // the whole token stops working at this instant
  std::map<std::string, std::string> labels;

  // Credential epoch (credentials.h): changes on status and expiresOn
  // changes; assigned by AccessAdmin.
  std::uint64_t version = 0;
  // Assigned by the AccessStore on every successful write (the etag);
  // ignored on input.
  std::uint64_t revision = 0;

  const std::optional<PasswordCredential>& password(PasswordSlot s) const { return passwords[SlotIndex(s)]; }
  std::optional<PasswordCredential>& password(PasswordSlot s) { return passwords[SlotIndex(s)]; }
  bool ExpiredAt(Time now) const { return expires_on.has_value() && now >= *expires_on; }

  friend bool operator==(const Token&, const Token&) = default;
};

// The admin user: one per registry, disabled by default, username = the
// registry name, full access to everything including the catalog.
struct AdminUser {
  bool enabled = false;
  // Slot 0 is "password", slot 1 "password2". Admin passwords do not expire
  // unless an expiry is set.
  std::array<std::optional<PasswordCredential>, 2> passwords;
  std::uint64_t version = 0;   // changes on enable/disable; assigned by AccessAdmin
  std::uint64_t revision = 0;  // store-assigned; 0 = never written

  const std::optional<PasswordCredential>& password(PasswordSlot s) const { return passwords[SlotIndex(s)]; }
  std::optional<PasswordCredential>& password(PasswordSlot s) { return passwords[SlotIndex(s)]; }

  friend bool operator==(const AdminUser&, const AdminUser&) = default;
};

// 5-50 characters of [a-zA-Z0-9-] (field "name").
Status ValidateTokenName(std::string_view name);
// At most 256 characters of valid UTF-8, no control characters.
Status ValidateTokenDescription(std::string_view description);
// At most 128 characters of valid UTF-8, no control characters (an e-mail
// address, a team name).
Status ValidateTokenOwner(std::string_view owner);
// Key: 1-63 characters, [a-zA-Z0-9._/-], starting and ending with an
// alphanumeric (Kubernetes-like, so labels survive export to other tools).
// Value: at most 256 characters of valid UTF-8 without control characters.
// Field "labels[<key>]".
Status ValidateLabel(std::string_view key, std::string_view value);
// Every label, and at most kMaxTokenLabels of them (field "labels").
Status ValidateLabels(const std::map<std::string, std::string>& labels);
// Splits "key=value" at the first '=' and validates both parts (the CLI's
// --label form). kInvalidArgument without '='.
Result<std::pair<std::string, std::string>> ParseLabel(std::string_view text);

}  // namespace scopereg::auth
