// Field validation helpers shared by the auth models. Internal to
// scopereg_auth; not part of the public contract.
//
// Every failure is kInvalidArgument with a message of the form
//   <field>: <quoted value> <what is wrong>
// so a management API can return it as is. Values are quoted with
// QuoteForMessage, which truncates and escapes them: callers must never pass
// a secret as a value.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

#include "scopereg/core/status.h"

namespace scopereg::auth::internal {

// `value` in double quotes, at most 64 bytes of it, with control characters,
// quotes and backslashes escaped, so an error message stays one safe line.
std::string QuoteForMessage(std::string_view value);

enum class NameCharset : std::uint8_t {
  kAlnumHyphen,            // ^[a-zA-Z0-9-]+$   (tokens)
  kAlnumHyphenUnderscore,  // ^[a-zA-Z0-9_-]+$  (scope maps)
  kLowerAlnumHyphen,       // ^[a-z0-9-]+$      (operator ids)
};

// Length in [min_len, max_len] bytes and every byte in `charset`.
Status CheckName(std::string_view field, std::string_view value, std::size_t min_len, std::size_t max_len,
                 NameCharset charset);

// Valid UTF-8, no control characters (tab included), at most `max_chars`
// code points. Empty is allowed.
Status CheckFreeText(std::string_view field, std::string_view value, std::size_t max_chars);

}  // namespace scopereg::auth::internal
