#include "scopereg/audit/audit_event.h"

namespace scopereg::audit {

std::string_view CategoryName(Category c) {
  switch (c) {
    case Category::kLogin: return "login";
    case Category::kRepository: return "repository";
    case Category::kManagement: return "management";
  }
  return "repository";
}

std::optional<Category> ParseCategory(std::string_view s) {
  if (s == "login") return Category::kLogin;
  if (s == "repository") return Category::kRepository;
  if (s == "management") return Category::kManagement;
  return std::nullopt;
}

}  // namespace scopereg::audit
