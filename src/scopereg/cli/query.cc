// A Pratt parser for the JMESPath subset in query.h, after the JMESPath
// specification's grammar and binding powers (https://jmespath.org/specification.html).
#include "scopereg/cli/query.h"

#include <algorithm>
#include <cctype>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "scopereg/core/strings.h"

namespace scopereg::cli {

using nlohmann::json;

struct Query::Node {
  enum class Kind {
    kCurrent,
    kField,
    kLiteral,
    kSubexpression,  // a . b
    kIndex,          // a[n]
    kProjection,     // left projected through right (list or object values)
    kFlatten,        // a[] (flattening only; a Projection follows)
    kFilter,         // left[?cond] projected through right
    kPipe,
    kMultiHash,
    kMultiList,
    kCompare,
    kAnd,
    kOr,
    kNot,
    kFunction,
  };
  Kind kind = Kind::kCurrent;
  std::string name;  // field, function, comparator
  json literal;
  long index = 0;
  bool object_values = false;  // kProjection over an object's values
  std::unique_ptr<Node> left, right, condition;
  std::vector<std::pair<std::string, std::unique_ptr<Node>>> entries;  // hash keys or list items ("" keys)
};

namespace {

using Node = Query::Node;
using Kind = Query::Node::Kind;

enum class Tok {
  kEof,
  kIdentifier,
  kQuoted,
  kRawString,
  kLiteral,
  kNumber,
  kDot,
  kStar,
  kFlatten,  // []
  kLbracket,
  kFilter,  // [?
  kRbracket,
  kLbrace,
  kRbrace,
  kLparen,
  kRparen,
  kComma,
  kColon,
  kPipe,
  kOr,
  kAnd,
  kNot,
  kCompare,
  kCurrent,
};

struct Token {
  Tok type = Tok::kEof;
  std::string text;
  json value;
  std::size_t pos = 0;
};

int BindingPower(Tok t) {
  switch (t) {
    case Tok::kPipe: return 1;
    case Tok::kOr: return 2;
    case Tok::kAnd: return 3;
    case Tok::kCompare: return 5;
    case Tok::kFlatten: return 9;
    case Tok::kStar: return 20;
    case Tok::kFilter: return 21;
    case Tok::kDot: return 40;
    case Tok::kNot: return 45;
    case Tok::kLbrace: return 50;
    case Tok::kLbracket: return 55;
    case Tok::kLparen: return 60;
    default: return 0;
  }
}

Status ErrorAt(std::size_t pos, std::string_view what) {
  return Status::InvalidArgument("--query: " + std::string(what) + " at position " + std::to_string(pos + 1));
}

Result<std::vector<Token>> Tokenize(std::string_view s) {
  std::vector<Token> out;
  std::size_t i = 0;
  auto push = [&](Tok t, std::size_t pos, std::string text = {}) {
    Token tok;
    tok.type = t;
    tok.pos = pos;
    tok.text = std::move(text);
    out.push_back(std::move(tok));
  };
  while (i < s.size()) {
    const char c = s[i];
    const std::size_t start = i;
    if (c == ' ' || c == '\t' || c == '\n') {
      ++i;
    } else if (std::isalpha(static_cast<unsigned char>(c)) || c == '_') {
      while (i < s.size() && (std::isalnum(static_cast<unsigned char>(s[i])) || s[i] == '_')) ++i;
      push(Tok::kIdentifier, start, std::string(s.substr(start, i - start)));
    } else if (std::isdigit(static_cast<unsigned char>(c)) || (c == '-' && i + 1 < s.size() &&
                                                                 std::isdigit(static_cast<unsigned char>(s[i + 1])))) {
      ++i;
      while (i < s.size() && std::isdigit(static_cast<unsigned char>(s[i]))) ++i;
      push(Tok::kNumber, start, std::string(s.substr(start, i - start)));
    } else if (c == '"') {
      ++i;
      while (i < s.size() && s[i] != '"') i += (s[i] == '\\' && i + 1 < s.size()) ? 2 : 1;
      if (i >= s.size()) return ErrorAt(start, "unterminated quoted identifier");
      ++i;
      json v = json::parse(s.substr(start, i - start), nullptr, false);
      if (!v.is_string()) return ErrorAt(start, "invalid quoted identifier");
      push(Tok::kQuoted, start, v.get<std::string>());
    } else if (c == '\'') {
      ++i;
      std::string text;
      while (i < s.size() && s[i] != '\'') {
        if (s[i] == '\\' && i + 1 < s.size() && (s[i + 1] == '\'' || s[i + 1] == '\\')) ++i;
        text += s[i++];
      }
      if (i >= s.size()) return ErrorAt(start, "unterminated raw string");
      ++i;
      push(Tok::kRawString, start, std::move(text));
    } else if (c == '`') {
      ++i;
      std::string text;
      while (i < s.size() && s[i] != '`') {
        if (s[i] == '\\' && i + 1 < s.size() && s[i + 1] == '`') ++i;
        text += s[i++];
      }
      if (i >= s.size()) return ErrorAt(start, "unterminated literal");
      ++i;
      json v = json::parse(text, nullptr, false);
      if (v.is_discarded()) return ErrorAt(start, "invalid JSON literal");
      push(Tok::kLiteral, start);
      out.back().value = std::move(v);
    } else if (c == '[') {
      if (i + 1 < s.size() && s[i + 1] == ']') {
        i += 2;
        push(Tok::kFlatten, start);
      } else if (i + 1 < s.size() && s[i + 1] == '?') {
        i += 2;
        push(Tok::kFilter, start);
      } else {
        ++i;
        push(Tok::kLbracket, start);
      }
    } else if (c == '|') {
      if (i + 1 < s.size() && s[i + 1] == '|') {
        i += 2;
        push(Tok::kOr, start);
      } else {
        ++i;
        push(Tok::kPipe, start);
      }
    } else if (c == '&') {
      if (i + 1 < s.size() && s[i + 1] == '&') {
        i += 2;
        push(Tok::kAnd, start);
      } else {
        return ErrorAt(start, "expression references (&) are not supported");
      }
    } else if (c == '=' || c == '!' || c == '<' || c == '>') {
      if (i + 1 < s.size() && s[i + 1] == '=') {
        i += 2;
        push(Tok::kCompare, start, std::string(s.substr(start, 2)));
      } else if (c == '=') {
        return ErrorAt(start, "'=' is not an operator (use ==)");
      } else if (c == '!') {
        ++i;
        push(Tok::kNot, start);
      } else {
        ++i;
        push(Tok::kCompare, start, std::string(1, c));
      }
    } else {
      Tok t;
      switch (c) {
        case '.': t = Tok::kDot; break;
        case '*': t = Tok::kStar; break;
        case ']': t = Tok::kRbracket; break;
        case '{': t = Tok::kLbrace; break;
        case '}': t = Tok::kRbrace; break;
        case '(': t = Tok::kLparen; break;
        case ')': t = Tok::kRparen; break;
        case ',': t = Tok::kComma; break;
        case ':': t = Tok::kColon; break;
        case '@': t = Tok::kCurrent; break;
        default: return ErrorAt(start, std::string("unexpected character '") + c + "'");
      }
      ++i;
      push(t, start);
    }
  }
  push(Tok::kEof, s.size());
  return out;
}

std::unique_ptr<Node> Make(Kind k) {
  auto n = std::make_unique<Node>();
  n->kind = k;
  return n;
}

class Parser {
 public:
  explicit Parser(std::vector<Token> tokens) : t_(std::move(tokens)) {}

  Result<std::unique_ptr<Node>> ParseAll() {
    auto e = Expression(0);
    if (!e.ok()) return e;
    if (Peek().type != Tok::kEof) return ErrorAt(Peek().pos, "unexpected token");
    return e;
  }

 private:
  const Token& Peek(std::size_t ahead = 0) const {
    return t_[std::min(i_ + ahead, t_.size() - 1)];
  }
  Token Next() { return t_[std::min(i_++, t_.size() - 1)]; }
  Status Expect(Tok type, std::string_view what) {
    if (Peek().type != type) return ErrorAt(Peek().pos, "expected " + std::string(what));
    ++i_;
    return Status::Ok();
  }

  Result<std::unique_ptr<Node>> Expression(int rbp) {
    if (++depth_ > 64) return ErrorAt(Peek().pos, "expression too deeply nested");
    auto left = Nud();
    if (!left.ok()) return left;
    std::unique_ptr<Node> l = std::move(left).value();
    while (rbp < BindingPower(Peek().type)) {
      auto next = Led(std::move(l));
      if (!next.ok()) return next;
      l = std::move(next).value();
    }
    --depth_;
    return l;
  }

  Result<std::unique_ptr<Node>> Nud() {
    Token tok = Next();
    switch (tok.type) {
      case Tok::kLiteral: {
        auto n = Make(Kind::kLiteral);
        n->literal = std::move(tok.value);
        return n;
      }
      case Tok::kRawString: {
        auto n = Make(Kind::kLiteral);
        n->literal = tok.text;
        return n;
      }
      case Tok::kNumber: {
        auto n = Make(Kind::kLiteral);
        n->literal = std::stol(tok.text);
        return n;
      }
      case Tok::kIdentifier:
      case Tok::kQuoted: {
        auto n = Make(Kind::kField);
        n->name = tok.text;
        return n;
      }
      case Tok::kCurrent:
        return Make(Kind::kCurrent);
      case Tok::kStar: {
        auto n = Make(Kind::kProjection);
        n->object_values = true;
        n->left = Make(Kind::kCurrent);
        SCOPEREG_ASSIGN_OR_RETURN(n->right, ProjectionRhs(BindingPower(Tok::kStar)));
        return n;
      }
      case Tok::kFlatten: {
        auto flat = Make(Kind::kFlatten);
        flat->left = Make(Kind::kCurrent);
        auto n = Make(Kind::kProjection);
        n->left = std::move(flat);
        SCOPEREG_ASSIGN_OR_RETURN(n->right, ProjectionRhs(BindingPower(Tok::kFlatten)));
        return n;
      }
      case Tok::kFilter:
        return FilterOn(Make(Kind::kCurrent));
      case Tok::kLbracket:
        if (Peek().type == Tok::kNumber) return IndexOn(Make(Kind::kCurrent));
        if (Peek().type == Tok::kStar && Peek(1).type == Tok::kRbracket) {
          i_ += 2;
          auto n = Make(Kind::kProjection);
          n->left = Make(Kind::kCurrent);
          SCOPEREG_ASSIGN_OR_RETURN(n->right, ProjectionRhs(BindingPower(Tok::kStar)));
          return n;
        }
        return MultiList();
      case Tok::kLbrace:
        return MultiHash();
      case Tok::kLparen: {
        SCOPEREG_ASSIGN_OR_RETURN(auto inner, Expression(0));
        SCOPEREG_RETURN_IF_ERROR(Expect(Tok::kRparen, "')'"));
        return inner;
      }
      case Tok::kNot: {
        auto n = Make(Kind::kNot);
        SCOPEREG_ASSIGN_OR_RETURN(n->left, Expression(BindingPower(Tok::kNot)));
        return n;
      }
      case Tok::kEof:
        return ErrorAt(tok.pos, "unexpected end of expression");
      default:
        return ErrorAt(tok.pos, "unexpected token");
    }
  }

  Result<std::unique_ptr<Node>> Led(std::unique_ptr<Node> left) {
    Token tok = Next();
    switch (tok.type) {
      case Tok::kDot: {
        if (Peek().type == Tok::kStar) {
          ++i_;
          auto n = Make(Kind::kProjection);
          n->object_values = true;
          n->left = std::move(left);
          SCOPEREG_ASSIGN_OR_RETURN(n->right, ProjectionRhs(BindingPower(Tok::kStar)));
          return n;
        }
        auto n = Make(Kind::kSubexpression);
        n->left = std::move(left);
        SCOPEREG_ASSIGN_OR_RETURN(n->right, DotRhs(BindingPower(Tok::kDot)));
        return n;
      }
      case Tok::kLbracket:
        if (Peek().type == Tok::kNumber) return IndexOn(std::move(left));
        if (Peek().type == Tok::kStar && Peek(1).type == Tok::kRbracket) {
          i_ += 2;
          auto n = Make(Kind::kProjection);
          n->left = std::move(left);
          SCOPEREG_ASSIGN_OR_RETURN(n->right, ProjectionRhs(BindingPower(Tok::kStar)));
          return n;
        }
        return ErrorAt(tok.pos, "expected an index or '*' (slices are not supported)");
      case Tok::kFlatten: {
        auto flat = Make(Kind::kFlatten);
        flat->left = std::move(left);
        auto n = Make(Kind::kProjection);
        n->left = std::move(flat);
        SCOPEREG_ASSIGN_OR_RETURN(n->right, ProjectionRhs(BindingPower(Tok::kFlatten)));
        return n;
      }
      case Tok::kFilter:
        return FilterOn(std::move(left));
      case Tok::kPipe: {
        auto n = Make(Kind::kPipe);
        n->left = std::move(left);
        SCOPEREG_ASSIGN_OR_RETURN(n->right, Expression(BindingPower(Tok::kPipe)));
        return n;
      }
      case Tok::kOr:
      case Tok::kAnd: {
        auto n = Make(tok.type == Tok::kOr ? Kind::kOr : Kind::kAnd);
        n->left = std::move(left);
        SCOPEREG_ASSIGN_OR_RETURN(n->right, Expression(BindingPower(tok.type)));
        return n;
      }
      case Tok::kCompare: {
        auto n = Make(Kind::kCompare);
        n->name = tok.text;
        n->left = std::move(left);
        SCOPEREG_ASSIGN_OR_RETURN(n->right, Expression(BindingPower(Tok::kCompare)));
        return n;
      }
      case Tok::kLparen: {
        if (left->kind != Kind::kField) return ErrorAt(tok.pos, "'(' must follow a function name");
        auto n = Make(Kind::kFunction);
        n->name = left->name;
        while (Peek().type != Tok::kRparen) {
          SCOPEREG_ASSIGN_OR_RETURN(auto arg, Expression(0));
          n->entries.emplace_back("", std::move(arg));
          if (Peek().type == Tok::kComma) {
            ++i_;
          } else if (Peek().type != Tok::kRparen) {
            return ErrorAt(Peek().pos, "expected ',' or ')'");
          }
        }
        ++i_;
        return n;
      }
      default:
        return ErrorAt(tok.pos, "unexpected token");
    }
  }

  Result<std::unique_ptr<Node>> IndexOn(std::unique_ptr<Node> left) {
    Token num = Next();
    SCOPEREG_RETURN_IF_ERROR(Expect(Tok::kRbracket, "']'"));
    auto n = Make(Kind::kIndex);
    n->left = std::move(left);
    n->index = std::stol(num.text);
    return n;
  }

  Result<std::unique_ptr<Node>> FilterOn(std::unique_ptr<Node> left) {
    auto n = Make(Kind::kFilter);
    n->left = std::move(left);
    SCOPEREG_ASSIGN_OR_RETURN(n->condition, Expression(0));
    SCOPEREG_RETURN_IF_ERROR(Expect(Tok::kRbracket, "']'"));
    SCOPEREG_ASSIGN_OR_RETURN(n->right, ProjectionRhs(BindingPower(Tok::kFilter)));
    return n;
  }

  Result<std::unique_ptr<Node>> MultiList() {
    auto n = Make(Kind::kMultiList);
    for (;;) {
      SCOPEREG_ASSIGN_OR_RETURN(auto item, Expression(0));
      n->entries.emplace_back("", std::move(item));
      if (Peek().type == Tok::kComma) {
        ++i_;
        continue;
      }
      SCOPEREG_RETURN_IF_ERROR(Expect(Tok::kRbracket, "',' or ']'"));
      return n;
    }
  }

  Result<std::unique_ptr<Node>> MultiHash() {
    auto n = Make(Kind::kMultiHash);
    for (;;) {
      Token key = Next();
      if (key.type != Tok::kIdentifier && key.type != Tok::kQuoted) return ErrorAt(key.pos, "expected a key name");
      SCOPEREG_RETURN_IF_ERROR(Expect(Tok::kColon, "':'"));
      SCOPEREG_ASSIGN_OR_RETURN(auto value, Expression(0));
      n->entries.emplace_back(key.text, std::move(value));
      if (Peek().type == Tok::kComma) {
        ++i_;
        continue;
      }
      SCOPEREG_RETURN_IF_ERROR(Expect(Tok::kRbrace, "',' or '}'"));
      return n;
    }
  }

  // What follows a projection: nothing (identity) when the next token binds
  // weaker than a projection, else a bracket or a dot expression.
  Result<std::unique_ptr<Node>> ProjectionRhs(int bp) {
    const Tok next = Peek().type;
    if (BindingPower(next) < 10) return Make(Kind::kCurrent);
    if (next == Tok::kLbracket || next == Tok::kFilter || next == Tok::kFlatten) return Expression(bp);
    if (next == Tok::kDot) {
      ++i_;
      return DotRhs(bp);
    }
    return ErrorAt(Peek().pos, "unexpected token after a projection");
  }

  Result<std::unique_ptr<Node>> DotRhs(int bp) {
    const Tok next = Peek().type;
    if (next == Tok::kIdentifier || next == Tok::kQuoted || next == Tok::kStar) return Expression(bp);
    if (next == Tok::kLbracket) {
      ++i_;
      return MultiList();
    }
    if (next == Tok::kLbrace) {
      ++i_;
      return MultiHash();
    }
    return ErrorAt(Peek().pos, "expected a field name after '.'");
  }

  std::vector<Token> t_;
  std::size_t i_ = 0;
  int depth_ = 0;
};

bool Truthy(const json& v) {
  if (v.is_null()) return false;
  if (v.is_boolean()) return v.get<bool>();
  if (v.is_string()) return !v.get_ref<const std::string&>().empty();
  if (v.is_array() || v.is_object()) return !v.empty();
  return true;
}

json Eval(const Node& n, const json& in);

json Project(const Node& right, const json& base) {
  if (!base.is_array()) return nullptr;
  json out = json::array();
  for (const json& e : base) {
    json v = Eval(right, e);
    if (!v.is_null()) out.push_back(std::move(v));
  }
  return out;
}

json Compare(const std::string& op, const json& a, const json& b) {
  if (op == "==") return a == b;
  if (op == "!=") return a != b;
  // Ordering: numbers, and (beyond JMESPath) strings, so that RFC 3339
  // times compare: [?expiresOn < '2027-01-01'].
  const bool numbers = a.is_number() && b.is_number();
  const bool strings = a.is_string() && b.is_string();
  if (!numbers && !strings) return nullptr;
  if (op == "<") return a < b;
  if (op == "<=") return a <= b;
  if (op == ">") return a > b;
  if (op == ">=") return a >= b;
  return nullptr;
}

json CallFunction(const Node& n, const json& in) {
  std::vector<json> args;
  for (const auto& [k, e] : n.entries) args.push_back(Eval(*e, in));
  if (n.name == "length" && args.size() == 1) {
    const json& a = args[0];
    if (a.is_string()) return a.get_ref<const std::string&>().size();
    if (a.is_array() || a.is_object()) return a.size();
    return nullptr;
  }
  if (n.name == "contains" && args.size() == 2) {
    if (args[0].is_array()) {
      for (const json& e : args[0]) {
        if (e == args[1]) return true;
      }
      return false;
    }
    if (args[0].is_string() && args[1].is_string()) {
      return args[0].get_ref<const std::string&>().find(args[1].get_ref<const std::string&>()) != std::string::npos;
    }
    return nullptr;
  }
  if (n.name == "starts_with" && args.size() == 2 && args[0].is_string() && args[1].is_string()) {
    return args[0].get_ref<const std::string&>().rfind(args[1].get_ref<const std::string&>(), 0) == 0;
  }
  if (n.name == "keys" && args.size() == 1 && args[0].is_object()) {
    json out = json::array();
    for (const auto& [k, v] : args[0].items()) out.push_back(k);
    return out;
  }
  if ((n.name == "max" || n.name == "min") && args.size() == 1 && args[0].is_array()) {
    // Numbers or strings (RFC 3339 times compare as strings); null for an
    // empty or mixed list.
    const json* best = nullptr;
    for (const json& e : args[0]) {
      if (!e.is_number() && !e.is_string()) return nullptr;
      if (best != nullptr && e.is_string() != best->is_string()) return nullptr;
      if (best == nullptr || (n.name == "max" ? *best < e : e < *best)) best = &e;
    }
    return best == nullptr ? json(nullptr) : *best;
  }
  if (n.name == "sort" && args.size() == 1 && args[0].is_array()) {
    std::vector<json> v(args[0].begin(), args[0].end());
    std::sort(v.begin(), v.end());
    return json(v);
  }
  return nullptr;
}

json Eval(const Node& n, const json& in) {
  switch (n.kind) {
    case Kind::kCurrent:
      return in;
    case Kind::kLiteral:
      return n.literal;
    case Kind::kField:
      if (in.is_object()) {
        auto it = in.find(n.name);
        if (it != in.end()) return *it;
      }
      return nullptr;
    case Kind::kSubexpression:
      return Eval(*n.right, Eval(*n.left, in));
    case Kind::kIndex: {
      json base = Eval(*n.left, in);
      if (!base.is_array()) return nullptr;
      const long size = static_cast<long>(base.size());
      const long i = n.index < 0 ? size + n.index : n.index;
      if (i < 0 || i >= size) return nullptr;
      return base[static_cast<std::size_t>(i)];
    }
    case Kind::kFlatten: {
      json base = Eval(*n.left, in);
      if (!base.is_array()) return nullptr;
      json out = json::array();
      for (const json& e : base) {
        if (e.is_array()) {
          for (const json& x : e) out.push_back(x);
        } else {
          out.push_back(e);
        }
      }
      return out;
    }
    case Kind::kProjection: {
      json base = Eval(*n.left, in);
      if (n.object_values) {
        if (!base.is_object()) return nullptr;
        json values = json::array();
        for (const auto& [k, v] : base.items()) values.push_back(v);
        return Project(*n.right, values);
      }
      return Project(*n.right, base);
    }
    case Kind::kFilter: {
      json base = Eval(*n.left, in);
      if (!base.is_array()) return nullptr;
      json kept = json::array();
      for (const json& e : base) {
        if (Truthy(Eval(*n.condition, e))) kept.push_back(e);
      }
      return Project(*n.right, kept);
    }
    case Kind::kPipe:
      return Eval(*n.right, Eval(*n.left, in));
    case Kind::kMultiHash: {
      if (in.is_null()) return nullptr;
      json out = json::object();
      for (const auto& [k, e] : n.entries) out[k] = Eval(*e, in);
      return out;
    }
    case Kind::kMultiList: {
      if (in.is_null()) return nullptr;
      json out = json::array();
      for (const auto& [k, e] : n.entries) out.push_back(Eval(*e, in));
      return out;
    }
    case Kind::kCompare:
      return Compare(n.name, Eval(*n.left, in), Eval(*n.right, in));
    case Kind::kAnd: {
      json l = Eval(*n.left, in);
      return Truthy(l) ? Eval(*n.right, in) : l;
    }
    case Kind::kOr: {
      json l = Eval(*n.left, in);
      return Truthy(l) ? l : Eval(*n.right, in);
    }
    case Kind::kNot:
      return !Truthy(Eval(*n.left, in));
    case Kind::kFunction:
      return CallFunction(n, in);
  }
  return nullptr;
}

}  // namespace

Query::Query(std::unique_ptr<Node> root) : root_(std::move(root)) {}
Query::Query(Query&&) noexcept = default;
Query& Query::operator=(Query&&) noexcept = default;
Query::~Query() = default;

Result<Query> Query::Parse(std::string_view expression) {
  if (TrimSpace(expression).empty()) return Status::InvalidArgument("--query: empty expression");
  SCOPEREG_ASSIGN_OR_RETURN(auto tokens, Tokenize(expression));
  Parser parser(std::move(tokens));
  SCOPEREG_ASSIGN_OR_RETURN(auto root, parser.ParseAll());
  return Query(std::move(root));
}

json Query::Evaluate(const json& input) const { return Eval(*root_, input); }

}  // namespace scopereg::cli
