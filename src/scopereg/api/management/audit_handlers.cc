// The audit log endpoints: GET /api/v1/audit (one page of events as JSON)
// and GET /api/v1/audit/export (every matching event as JSON lines,
// streamed). Parameters and the event shape are audit/audit_query.h's and
// audit/audit_event.h's, so the CLI, the JSON-lines file and these
// endpoints agree. Read-only: the endpoint table has no other method.
#include <algorithm>
#include <chrono>
#include <cstring>
#include <memory>

#include "scopereg/api/management/internal.h"
#include "scopereg/audit/audit_query.h"
#include "scopereg/core/log.h"

namespace scopereg::api::management::internal {

namespace {

// Events per store query of an export: large enough that the per-query
// cost vanishes, small enough that a page is a few hundred KiB.
constexpr std::size_t kExportPage = 1000;

// The events after the first page of an export, read page by page as the
// client takes them (http::BodySource of unknown size: chunked, Read on the
// blocking pool). A store failure mid-way is logged and cuts the response
// off without its last chunk, so the client sees an incomplete transfer.
class AuditExportSource final : public http::BodySource {
 public:
  AuditExportSource(audit::AuditLog& log, audit::AuditQuery query, audit::AuditPage first,
                    std::string correlation_id)
      : log_(log), query_(std::move(query)), correlation_id_(std::move(correlation_id)) {
    Render(first);
  }

  std::uint64_t size() const override { return kUnknownSize; }

  Result<std::size_t> Read(char* buf, std::size_t size) override {
    while (pos_ == text_.size()) {
      if (done_) return std::size_t{0};
      auto page = log_.Query(query_.filter, query_.after_id, kExportPage);
      if (!page.ok()) {
        log::Error("audit export failed mid-way; response cut off",
                   {{"correlation_id", correlation_id_},
                    {"after_id", query_.after_id},
                    {"status", page.status().ToString()}});
        return page.status();
      }
      Render(*page);
    }
    const std::size_t n = std::min(size, text_.size() - pos_);
    std::memcpy(buf, text_.data() + pos_, n);
    pos_ += n;
    return n;
  }

 private:
  void Render(const audit::AuditPage& page) {
    text_.clear();
    pos_ = 0;
    for (const audit::AuditEvent& e : page.events) {
      audit::AppendAuditEventJson(text_, e);
      text_ += '\n';
    }
    if (page.next_after_id) {
      query_.after_id = *page.next_after_id;
    } else {
      done_ = true;
    }
  }

  audit::AuditLog& log_;
  audit::AuditQuery query_;
  const std::string correlation_id_;
  std::string text_;  // the current page as JSON lines
  std::size_t pos_ = 0;
  bool done_ = false;
};

bool HaveAuditLog(const Deps& d, Call& c) {
  if (d.audit != nullptr) return true;
  WriteErrorBody(c.req, c.res, 404, "NotFound", "this server keeps no audit log");
  return false;
}

}  // namespace

http::Task<void> ListAuditEvents(const Deps& d, Call& c) {
  if (!HaveAuditLog(d, c)) co_return;
  auto query = audit::ParseAuditQuery(c.req.query(), audit::AuditQueryUse::kList);
  if (!Check(c, query)) co_return;
  auto page =
      co_await Blocking([&] { return d.audit->Query(query->filter, query->after_id, query->limit); });
  if (!Check(c, page)) co_return;
  if (page->next_after_id) {
    c.res.SetHeader("Link", "</api/v1/audit?" + audit::NextAuditQuery(c.req.query(), *page->next_after_id) +
                                ">; rel=\"next\"");
  }
  c.res.set_status(200);
  c.res.SetHeader("Content-Type", "application/json");
  c.res.SetBody(audit::AuditPageJson(*page));
}

http::Task<void> ExportAuditEvents(const Deps& d, Call& c) {
  if (!HaveAuditLog(d, c)) co_return;
  auto query = audit::ParseAuditQuery(c.req.query(), audit::AuditQueryUse::kExport);
  if (!Check(c, query)) co_return;
  // Without `to` the export ends at the request's time, so it terminates
  // under traffic and says exactly which window it covers.
  // Whole milliseconds, so the header states the bound exactly and can be
  // the next export's `from`.
  if (!query->filter.until) query->filter.until = std::chrono::floor<std::chrono::milliseconds>(d.clock.Now());
  c.res.SetHeader("X-Audit-Export-To", FormatTime(*query->filter.until));
  // The first page is read before the status is sent: a store that is down
  // gets a proper 503, not a cut-off 200.
  auto first = co_await Blocking([&] { return d.audit->Query(query->filter, query->after_id, kExportPage); });
  if (!Check(c, first)) co_return;
  c.res.set_status(200);
  c.res.SetHeader("Content-Type", "application/x-ndjson");
  c.res.SetBodySource(std::make_unique<AuditExportSource>(*d.audit, std::move(query).value(),
                                                          std::move(first).value(), c.req.correlation_id()));
}

}  // namespace scopereg::api::management::internal
