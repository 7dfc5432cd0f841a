// --query: the part of JMESPath that az users write in scripts, evaluated
// over a command's JSON result before it is printed.
//
// Supported (anything else is a usage error naming the position):
//   name, credentials.passwords       fields ("quoted names" too)
//   passwords[0], passwords[-1]       index (negative counts from the end)
//   [].name, value[].name             flatten, then apply the rest to each
//   [*].name, credentials.*           projection over a list / object values
//   [?status=='disabled'].name        filter (==, !=, <, <=, >, >= against
//                                     'string', `json`, a number, or a path;
//                                     &&, ||, ! and parentheses)
//   {n:name, s:status}                multiselect hash
//   [name, status]                    multiselect list (after a path)
//   a | b                             pipe: stops a projection
//   length(@), @                      length() of a list/string/object;
//                                     also contains, starts_with, keys,
//                                     sort, max, min
// As in JMESPath, a missing field or index yields null and a projection
// drops null results.
//
// Pure; safe for concurrent use.
#pragma once

#include <memory>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "scopereg/core/status.h"

namespace scopereg::cli {

class Query {
 public:
  // kInvalidArgument ("--query: ... at position N") for what it cannot parse.
  static Result<Query> Parse(std::string_view expression);

  Query(Query&&) noexcept;
  Query& operator=(Query&&) noexcept;
  ~Query();

  nlohmann::json Evaluate(const nlohmann::json& input) const;

  struct Node;

 private:
  explicit Query(std::unique_ptr<Node> root);
  std::unique_ptr<Node> root_;
};

}  // namespace scopereg::cli
