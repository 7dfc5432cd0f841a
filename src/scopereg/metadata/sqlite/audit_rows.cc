#include "scopereg/metadata/sqlite/audit_rows.h"

#include <string>

namespace scopereg::metadata::sqlite {

namespace {

constexpr char kInsertAuditEvent[] =
    "INSERT INTO audit_events (time, category, operation, identity, identity_kind, slot, success, reason,"
    " http_status, repository, tag, digest, media_type, size, target, detail, client_address, user_agent,"
    " correlation_id)"
    " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18, ?19)";

}  // namespace

Status InsertAuditEvent(Connection& c, const audit::AuditEvent& e) {
  SCOPEREG_ASSIGN_OR_RETURN(Statement s, c.Prepare(kInsertAuditEvent));
  return s.BindInt(1, TimeColumn(e.time))
      .BindText(2, audit::CategoryName(e.category))
      .BindText(3, e.operation)
      .BindText(4, e.identity)
      .BindText(5, e.identity_kind)
      .BindText(6, e.slot)
      .BindBool(7, e.success)
      .BindText(8, e.reason)
      .BindInt(9, e.http_status)
      .BindText(10, e.repository)
      .BindText(11, e.tag)
      .BindText(12, e.digest)
      .BindText(13, e.media_type)
      .BindInt(14, e.size)
      .BindText(15, e.target)
      .BindText(16, e.detail)
      .BindText(17, e.client_address)
      .BindText(18, e.user_agent)
      .BindText(19, e.correlation_id)
      .Run();
}

Result<audit::AuditEvent> ReadAuditEvent(const Statement& s) {
  audit::AuditEvent e;
  e.id = s.Int(0);
  e.time = TimeFromColumn(s.Int(1));
  std::optional<audit::Category> category = audit::ParseCategory(s.Text(2));
  if (!category) {
    return Status::DataLoss("sqlite: audit event " + std::to_string(e.id) + " has an unknown category \"" +
                            std::string(s.Text(2)) + "\"");
  }
  e.category = *category;
  e.operation = s.Text(3);
  e.identity = s.Text(4);
  e.identity_kind = s.Text(5);
  e.slot = s.Text(6);
  e.success = s.Bool(7);
  e.reason = s.Text(8);
  e.http_status = static_cast<std::int32_t>(s.Int(9));
  e.repository = s.Text(10);
  e.tag = s.Text(11);
  e.digest = s.Text(12);
  e.media_type = s.Text(13);
  e.size = s.Int(14);
  e.target = s.Text(15);
  e.detail = s.Text(16);
  e.client_address = s.Text(17);
  e.user_agent = s.Text(18);
  e.correlation_id = s.Text(19);
  return e;
}

}  // namespace scopereg::metadata::sqlite
