#include "scopereg/auth/access_store.h"

#include <array>
#include <utility>

namespace scopereg::auth {

namespace {

// Indexed by ChangeOperation; the audit log's operation strings.
constexpr std::array<std::pair<ChangeOperation, std::string_view>, 13> kChangeOperationNames = {{
    {ChangeOperation::kScopeMapCreate, "scope_map.create"},
    {ChangeOperation::kScopeMapUpdate, "scope_map.update"},
    {ChangeOperation::kScopeMapDelete, "scope_map.delete"},
    {ChangeOperation::kTokenCreate, "token.create"},
    {ChangeOperation::kTokenUpdate, "token.update"},
    {ChangeOperation::kTokenDelete, "token.delete"},
    {ChangeOperation::kPasswordGenerate, "token.password.generate"},
    {ChangeOperation::kPasswordDelete, "token.password.delete"},
    {ChangeOperation::kAdminUserEnable, "admin_user.enable"},
    {ChangeOperation::kAdminUserDisable, "admin_user.disable"},
    {ChangeOperation::kAdminPasswordGenerate, "admin_user.password.generate"},
    {ChangeOperation::kOperatorCreate, "operator.create"},
    {ChangeOperation::kOperatorDelete, "operator.delete"},
}};

constexpr bool InEnumOrder() {
  for (std::size_t i = 0; i < kChangeOperationNames.size(); ++i) {
    if (static_cast<std::size_t>(kChangeOperationNames[i].first) != i) return false;
  }
  return true;
}
static_assert(InEnumOrder(), "kChangeOperationNames must list ChangeOperation in declaration order");

// "token 'ci'", or just the kind for the one record without a name ("admin user").
std::string Named(std::string_view kind, std::string_view name) {
  if (name.empty()) return std::string(kind);
  return std::string(kind) + " '" + std::string(name) + "'";
}

}  // namespace

audit::AuditEvent ManagementAuditEvent(const AccessChange& change) {
  audit::AuditEvent e;
  e.time = change.time;
  e.category = audit::Category::kManagement;
  e.operation = std::string(ChangeOperationName(change.operation));
  e.identity = change.caller.id;
  e.identity_kind = change.caller.is_system() ? "system" : "operator";
  e.success = true;
  e.target = change.target;
  e.detail = change.detail;
  e.client_address = change.caller.client_address;
  e.correlation_id = change.caller.correlation_id;
  return e;
}

std::string_view ChangeOperationName(ChangeOperation op) {
  const auto index = static_cast<std::size_t>(op);
  return index < kChangeOperationNames.size() ? kChangeOperationNames[index].second : "unknown";
}

std::optional<ChangeOperation> ParseChangeOperation(std::string_view name) {
  for (const auto& [op, op_name] : kChangeOperationNames) {
    if (op_name == name) return op;
  }
  return std::nullopt;
}

Status RecordNotFound(std::string_view kind, std::string_view name) {
  return Status::NotFound(Named(kind, name) + " does not exist");
}

Status CheckPrecondition(std::optional<std::uint64_t> stored_revision, std::string_view kind, std::string_view name,
                         const Precondition& precondition) {
  switch (precondition.kind) {
    case Precondition::Kind::kNone:
      return Status::Ok();
    case Precondition::Kind::kMustNotExist:
      if (stored_revision) return Status::AlreadyExists(Named(kind, name) + " already exists");
      return Status::Ok();
    case Precondition::Kind::kRevisionIs:
      if (!stored_revision) return RecordNotFound(kind, name);
      if (*stored_revision != precondition.revision) {
        return Status::Aborted(Named(kind, name) + " was modified concurrently (revision " +
                               std::to_string(*stored_revision) + ", expected " +
                               std::to_string(precondition.revision) + ")");
      }
      return Status::Ok();
  }
  return Status::Internal("unknown precondition");
}

Status CheckDeletePrecondition(std::optional<std::uint64_t> stored_revision, std::string_view kind,
                               std::string_view name, const Precondition& precondition) {
  if (precondition.kind == Precondition::Kind::kMustNotExist) {
    return Status::InvalidArgument("delete of " + Named(kind, name) + ": kMustNotExist is not a delete precondition");
  }
  if (!stored_revision) return RecordNotFound(kind, name);
  return CheckPrecondition(stored_revision, kind, name, precondition);
}

Status CheckScopeMapWritable(const ScopeMap& scope_map) {
  if (scope_map.name.empty() || scope_map.name.front() == '_' || scope_map.is_system()) {
    return Status::InvalidArgument(Named("scope map", scope_map.name) + ": system scope maps are read-only");
  }
  return Status::Ok();
}

Status CheckScopeMapDeletable(std::string_view name) {
  if (IsSystemScopeMapName(name)) {
    return Status::InvalidArgument(Named("scope map", name) + " is system-defined and read-only");
  }
  return Status::Ok();
}

Status TokenScopeMapMissing(std::string_view name) {
  return Status::FailedPrecondition(Named("scope map", name) + " does not exist");
}

Status ScopeMapInUse(std::string_view name, std::span<const std::string> users, std::size_t total) {
  constexpr std::size_t kMaxNamed = 10;
  std::string list;
  for (std::size_t i = 0; i < users.size() && i < kMaxNamed; ++i) list += (i > 0 ? ", " : "") + users[i];
  if (total > kMaxNamed) list += ", ... (" + std::to_string(total) + " in total)";
  return Status::FailedPrecondition(Named("scope map", name) + " is used by tokens: " + list);
}

}  // namespace scopereg::auth
