#include "scopereg/api/audit_event_sink.h"

#include "scopereg/api/metrics_handler.h"

namespace scopereg::api {

namespace {

// Bounds what one client-chosen header can add to every stored event.
constexpr std::size_t kMaxUserAgent = 512;

std::string_view KindOf(std::string_view identity) {
  // The request log context carries the audit identity only; these two
  // names are what Principal::AuditIdentity returns for the non-token kinds.
  if (identity == "anonymous") return "anonymous";
  if (identity == "admin") return "admin";
  return "token";
}

}  // namespace

AuditEventSink::AuditEventSink(audit::AuditWriter* writer, ServerMetrics* metrics, const Clock& clock,
                               std::string registry_name)
    : writer_(writer), metrics_(metrics), clock_(clock), registry_name_(std::move(registry_name)) {}

audit::AuditEvent AuditEventSink::Base(const http::Request& req, audit::Category category) const {
  audit::AuditEvent e;
  e.time = clock_.Now();
  e.category = category;
  e.client_address = req.remote_address();
  std::string_view ua = req.header("User-Agent");
  e.user_agent = std::string(ua.substr(0, kMaxUserAgent));
  e.correlation_id = req.correlation_id();
  return e;
}

void AuditEventSink::RecordRepository(const http::Request& req, RepositoryEvent event) {
  if (writer_ == nullptr) return;
  audit::AuditEvent e = Base(req, audit::Category::kRepository);
  // auth.mode=none leaves the identity unset: everyone is anonymous then.
  const std::string& identity = req.log().identity;
  e.identity = identity.empty() ? std::string("anonymous") : identity;
  e.identity_kind = std::string(KindOf(e.identity));
  e.operation = std::string(event.operation);
  e.success = event.http_status >= 200 && event.http_status < 400;
  e.reason = std::move(event.error_code);
  e.http_status = event.http_status;
  e.repository = std::move(event.repository);
  e.tag = std::move(event.tag);
  e.digest = std::move(event.digest);
  e.media_type = std::move(event.media_type);
  e.size = event.size;
  (void)writer_->Submit(std::move(e));  // a drop is counted and logged by the writer
}

void AuditEventSink::RecordLogin(const http::Request& req, LoginEvent event) {
  if (metrics_ != nullptr) metrics_->OnLogin(event.method, event.success, event.reason);
  if (writer_ == nullptr) return;
  audit::AuditEvent e = Base(req, audit::Category::kLogin);
  e.operation = std::string(event.method);
  if (!event.kind.empty()) {
    e.identity = event.identity.empty() ? std::string("anonymous") : std::move(event.identity);
    e.identity_kind = std::string(event.kind);
  } else if (event.identity.empty()) {
    // A failure before any name was known (malformed Basic, a JWT that
    // does not verify).
    e.identity_kind = "unknown";
  } else if (event.identity == registry_name_ || event.identity == "admin") {
    // Failed admin logins carry the typed username (the registry name); the
    // admin user is audited as "admin" everywhere (access-model.md 1).
    e.identity = "admin";
    e.identity_kind = "admin";
  } else {
    e.identity = std::move(event.identity);
    e.identity_kind = "token";
  }
  e.slot = std::move(event.slot);
  e.success = event.success;
  e.reason = std::move(event.reason);
  e.http_status = event.http_status;
  e.detail = std::move(event.scopes);
  (void)writer_->Submit(std::move(e));
}

void ManagementAuditForwarder::OnAccessChange(const auth::AccessChange& change) {
  writer_.SubmitToSinks(auth::ManagementAuditEvent(change));
}

}  // namespace scopereg::api
