#include "scopereg/auth/validation.h"

#include <cstdio>

namespace scopereg::auth::internal {

std::string QuoteForMessage(std::string_view value) {
  constexpr std::size_t kMax = 64;
  std::string out = "\"";
  for (std::size_t i = 0; i < value.size() && i < kMax; ++i) {
    const unsigned char c = static_cast<unsigned char>(value[i]);
    if (c == '"' || c == '\\') {
      out += '\\';
      out += static_cast<char>(c);
    } else if (c < 0x20 || c == 0x7f) {
      char buf[8];
      std::snprintf(buf, sizeof buf, "\\x%02x", c);
      out += buf;
    } else {
      out += static_cast<char>(c);
    }
  }
  if (value.size() > kMax) out += "...";
  out += '"';
  return out;
}

namespace {

bool InCharset(char c, NameCharset charset) {
  const bool digit = c >= '0' && c <= '9';
  const bool lower = c >= 'a' && c <= 'z';
  const bool upper = c >= 'A' && c <= 'Z';
  switch (charset) {
    case NameCharset::kAlnumHyphen:
      return digit || lower || upper || c == '-';
    case NameCharset::kAlnumHyphenUnderscore:
      return digit || lower || upper || c == '-' || c == '_';
    case NameCharset::kLowerAlnumHyphen:
      return digit || lower || c == '-';
  }
  return false;
}

std::string_view CharsetPattern(NameCharset charset) {
  switch (charset) {
    case NameCharset::kAlnumHyphen:
      return "^[a-zA-Z0-9-]+$";
    case NameCharset::kAlnumHyphenUnderscore:
      return "^[a-zA-Z0-9_-]+$";
    case NameCharset::kLowerAlnumHyphen:
      return "^[a-z0-9-]+$";
  }
  return "";
}

// Length of the UTF-8 sequence starting at s[i], or 0 if it is invalid
// (overlong forms, surrogates and code points above U+10FFFF included).
std::size_t Utf8SequenceLength(std::string_view s, std::size_t i) {
  const auto b = [&](std::size_t k) { return static_cast<unsigned char>(s[k]); };
  const unsigned char c = b(i);
  if (c < 0x80) return 1;
  std::size_t n;
  unsigned min_second = 0x80, max_second = 0xbf;
  if (c >= 0xc2 && c <= 0xdf) {
    n = 2;
  } else if (c >= 0xe0 && c <= 0xef) {
    n = 3;
    if (c == 0xe0) min_second = 0xa0;
    if (c == 0xed) max_second = 0x9f;
  } else if (c >= 0xf0 && c <= 0xf4) {
    n = 4;
    if (c == 0xf0) min_second = 0x90;
    if (c == 0xf4) max_second = 0x8f;
  } else {
    return 0;
  }
  if (i + n > s.size()) return 0;
  if (b(i + 1) < min_second || b(i + 1) > max_second) return 0;
  for (std::size_t k = 2; k < n; ++k) {
    if ((b(i + k) & 0xc0) != 0x80) return 0;
  }
  return n;
}

}  // namespace

Status CheckName(std::string_view field, std::string_view value, std::size_t min_len, std::size_t max_len,
                 NameCharset charset) {
  bool ok = value.size() >= min_len && value.size() <= max_len;
  for (std::size_t i = 0; ok && i < value.size(); ++i) ok = InCharset(value[i], charset);
  if (ok) return Status::Ok();
  return Status::InvalidArgument(std::string(field) + ": " + QuoteForMessage(value) + " must be " +
                                 std::to_string(min_len) + " to " + std::to_string(max_len) +
                                 " characters matching " + std::string(CharsetPattern(charset)));
}

Status CheckFreeText(std::string_view field, std::string_view value, std::size_t max_chars) {
  std::size_t chars = 0;
  for (std::size_t i = 0; i < value.size();) {
    const std::size_t n = Utf8SequenceLength(value, i);
    if (n == 0) {
      return Status::InvalidArgument(std::string(field) + ": " + QuoteForMessage(value) + " is not valid UTF-8");
    }
    const unsigned char c = static_cast<unsigned char>(value[i]);
    if (n == 1 && (c < 0x20 || c == 0x7f)) {
      return Status::InvalidArgument(std::string(field) + ": " + QuoteForMessage(value) +
                                     " must not contain control characters");
    }
    i += n;
    ++chars;
  }
  if (chars > max_chars) {
    return Status::InvalidArgument(std::string(field) + ": " + QuoteForMessage(value) + " is longer than " +
                                   std::to_string(max_chars) + " characters");
  }
  return Status::Ok();
}

}  // namespace scopereg::auth::internal
