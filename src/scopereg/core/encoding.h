// Byte encodings used on the wire: hex, base64 (standard and URL-safe) and
// URL percent-encoding. Pure functions; safe for concurrent use.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace scopereg {

std::string HexEncode(std::string_view bytes);                    // lower case
std::optional<std::string> HexDecode(std::string_view hex);       // either case

std::string Base64Encode(std::string_view bytes);                 // with padding
std::string Base64UrlEncode(std::string_view bytes);              // no padding
// Accepts standard or URL alphabet, with or without padding; rejects
// anything else (including embedded whitespace).
std::optional<std::string> Base64Decode(std::string_view text);

// RFC 3986: keeps unreserved characters, escapes everything else.
std::string UrlEncode(std::string_view s);
// Decodes %XX escapes; `plus_as_space` for application/x-www-form-urlencoded.
// nullopt on a malformed escape.
std::optional<std::string> UrlDecode(std::string_view s, bool plus_as_space = false);

}  // namespace scopereg
