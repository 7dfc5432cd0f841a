#include "scopereg/server/app.h"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <condition_variable>
#include <cstring>
#include <filesystem>
#include <mutex>
#include <thread>

#include "scopereg/api/access_controller.h"
#include "scopereg/api/audit_event_sink.h"
#include "scopereg/api/events.h"
#include "scopereg/api/management/management_api.h"
#include "scopereg/api/metrics_handler.h"
#include "scopereg/api/registry.h"
#include "scopereg/api/token_access_controller.h"
#include "scopereg/api/token_endpoint.h"
#include "scopereg/audit/audit_sink.h"
#include "scopereg/audit/audit_writer.h"
#include "scopereg/auth/access_admin.h"
#include "scopereg/auth/auth_state.h"
#include "scopereg/auth/scope_map.h"
#include "scopereg/auth/token_service.h"
#include "scopereg/auth/usage_recorder.h"
#include "scopereg/core/log.h"
#include "scopereg/core/metrics.h"
#include "scopereg/http/server.h"
#include "scopereg/metadata/sqlite/sqlite_access_store.h"
#include "scopereg/metadata/sqlite/sqlite_audit_log.h"
#include "scopereg/metadata/sqlite/sqlite_metadata_store.h"
#include "scopereg/server/auth_setup.h"
#include "scopereg/storage/fs/fs_blob_store.h"

namespace scopereg::server {

// ---- DataDirLock -------------------------------------------------------------

Result<std::unique_ptr<DataDirLock>> DataDirLock::Acquire(const std::string& data_dir) {
  std::error_code ec;
  std::filesystem::create_directories(data_dir, ec);
  if (ec) return Status::Unavailable("data_dir: cannot create '" + data_dir + "': " + ec.message());
  // Blobs and the database are nobody else's business.
  ::chmod(data_dir.c_str(), 0700);
  const std::string path = (std::filesystem::path(data_dir) / ".lock").string();
  int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
  if (fd < 0) return Status::Unavailable("cannot open " + path + ": " + std::strerror(errno));
  if (::flock(fd, LOCK_EX | LOCK_NB) != 0) {
    ::close(fd);
    return Status::FailedPrecondition("data directory '" + data_dir +
                                      "' is in use by another scopereg process (" + path + " is locked)");
  }
  return std::unique_ptr<DataDirLock>(new DataDirLock(fd));
}

DataDirLock::~DataDirLock() { ::close(fd_); }

// ---- App ---------------------------------------------------------------------

struct App::Impl {
  Config config;
  const Clock* clock;
  std::unique_ptr<DataDirLock> lock;
  std::unique_ptr<metadata::SqliteMetadataStore> metadata;
  std::unique_ptr<storage::FsBlobStore> blobs;

  // Audit and metrics. Declared before everything that reports to them, so
  // they are destroyed after it.
  metrics::Registry metrics_registry;
  std::unique_ptr<api::ServerMetrics> metrics;  // null with metrics.enabled=false
  // The audit trail, in the metadata database (SqliteAuditLog): the writer
  // appends data-plane events, management events reach it through the
  // AccessStore (in the transaction of their change), the management API
  // and retention read and delete.
  std::unique_ptr<audit::AuditLog> audit_store;
  std::unique_ptr<audit::AuditLog> audit_decorated;  // tests: fault injection around audit_store
  audit::AuditLog* audit_log = nullptr;              // what the writer and retention use
  AuditLogDecorator audit_decorator;
  std::unique_ptr<audit::AuditWriter> audit_writer;  // null with audit.enabled=false
  std::unique_ptr<api::ManagementAuditForwarder> management_audit;
  std::unique_ptr<api::EventSink> events;

  // The access model (auth.mode=token).
  std::unique_ptr<auth::AccessStore> access_store;
  std::shared_ptr<const auth::PasswordHasher> hasher;
  std::unique_ptr<auth::AuthState> auth_state;
  std::unique_ptr<auth::AccessSubscription> auth_subscription;
  std::unique_ptr<auth::TokenService> token_service;
  std::unique_ptr<auth::AccessAdmin> access_admin;
  auth::UsageRecorder usage;
  std::unique_ptr<api::TokenEndpoint> token_endpoint;
  std::unique_ptr<api::management::ManagementApi> management;
  std::unique_ptr<api::AccessController> access;
  std::unique_ptr<api::Registry> registry;
  std::unique_ptr<http::Server> server;

  std::mutex gc_mu;  // one GC run at a time
  std::thread gc_thread;
  std::thread usage_thread;
  std::thread retention_thread;
  std::mutex stop_mu;
  std::condition_variable stop_cv;
  bool stopping = false;
  bool started = false;

  void GcLoop();
  void UsageLoop();
  void RetentionLoop();
  Result<std::size_t> ApplyRetention();
  void LogRequest(const http::Completion& c) const;
  Status StartAudit();
  Status StartAuth();
};

App::App(Config config, const Clock* clock) : impl_(std::make_unique<Impl>()) {
  impl_->config = std::move(config);
  impl_->clock = clock != nullptr ? clock : &SystemClock::Instance();
}

App::~App() { Stop(); }

const Config& App::config() const { return impl_->config; }

std::uint16_t App::port() const { return impl_->server ? impl_->server->port() : 0; }

void App::Impl::LogRequest(const http::Completion& c) const {
  const http::Request& r = c.request;
  log::Info("request", {{"correlation_id", r.correlation_id()},
                        {"remote", r.remote_address()},
                        {"method", r.method_string()},
                        {"path", r.path()},
                        {"route", r.log().route},
                        {"repository", r.log().repository},
                        {"identity", r.log().identity},
                        {"status", c.response.status()},
                        {"error", r.log().error_code},
                        {"bytes_in", c.bytes_in},
                        {"bytes_out", c.bytes_out},
                        {"duration_us", static_cast<std::int64_t>(c.duration.count() / 1000)},
                        {"user_agent", r.header("User-Agent")},
                        {"client_aborted", c.write_failed}});
}

Status App::Start() {
  Impl& im = *impl_;
  if (im.started) return Status::FailedPrecondition("already started");
  const Config& cfg = im.config;
  SCOPEREG_ASSIGN_OR_RETURN(im.lock, DataDirLock::Acquire(cfg.data_dir));

  metadata::SqliteOptions sqlite_options;
  sqlite_options.full_sync = cfg.sqlite_synchronous_full;
  SCOPEREG_ASSIGN_OR_RETURN(im.metadata,
                            metadata::SqliteMetadataStore::Open(cfg.ResolvedSqlitePath(), *im.clock, sqlite_options));
  SCOPEREG_RETURN_IF_ERROR(im.metadata->Migrate());
  SCOPEREG_ASSIGN_OR_RETURN(im.audit_store, metadata::SqliteAuditLog::Create(im.metadata->database()));
  SCOPEREG_ASSIGN_OR_RETURN(im.blobs, storage::FsBlobStore::Open(cfg.ResolvedStorageRoot(), *im.clock));

  SCOPEREG_RETURN_IF_ERROR(im.StartAudit());
  if (cfg.auth_mode == "none") {
    im.access = std::make_unique<api::AllowAllAccessController>();
    log::Warn("authentication is disabled (auth.mode=none): anyone who can reach this port can push, pull "
              "and delete; use it only for local experiments");
  } else {
    SCOPEREG_RETURN_IF_ERROR(im.StartAuth());
  }

  api::RegistryOptions ro;
  ro.max_manifest_bytes = cfg.max_manifest_bytes;
  ro.max_page_size = cfg.max_page_size;
  ro.manifest_cache_bytes = cfg.manifest_cache_bytes;
  api::RegistryDeps deps;
  deps.blobs = im.blobs.get();
  deps.metadata = im.metadata.get();
  deps.clock = im.clock;
  deps.access = im.access.get();
  deps.events = im.events.get();
  im.registry = std::make_unique<api::Registry>(deps, ro);
  if (im.token_endpoint) {
    im.registry->SetRouteHandler(api::Route::kToken, [&im](http::Request& req, http::Response& res,
                                                           const api::RouteMatch& route) {
      return im.token_endpoint->Handle(req, res, route);
    });
  }
  if (im.metrics) im.registry->SetRouteHandler(api::Route::kMetrics, im.metrics->Handler());
  if (im.management) {
    im.registry->SetRouteHandler(api::Route::kManagement, [&im](http::Request& req, http::Response& res,
                                                                const api::RouteMatch& route) {
      return im.management->Handle(req, res, route);
    });
  }
  im.registry->SetRouteHandler(api::Route::kHealth, [&im](http::Request& req, http::Response& res,
                                                          const api::RouteMatch& route) -> http::Task<void> {
    res.SetHeader("Content-Type", "application/json");
    if (route.reference == "readyz") {
      auto probe = im.metadata->ListRepositories("", 1);
      if (!probe.ok()) {
        res.set_status(503);
        res.SetBody("{\"status\":\"unavailable\"}");
        co_return;
      }
    }
    (void)req;
    res.set_status(200);
    res.SetBody("{\"status\":\"ok\"}");
  });

  http::ServerOptions so;
  so.address = cfg.listen_address;
  so.port = cfg.listen_port;
  so.threads = cfg.threads;
  so.blocking_threads = cfg.blocking_threads;
  if (!cfg.tls_cert_file.empty()) so.tls = http::TlsOptions{cfg.tls_cert_file, cfg.tls_key_file};
  so.header_timeout = cfg.header_timeout;
  so.idle_timeout = cfg.idle_timeout;
  so.stall_timeout = cfg.stall_timeout;
  so.shutdown_grace = cfg.shutdown_grace;
  api::Registry* registry = im.registry.get();
  api::ServerMetrics* server_metrics = im.metrics.get();
  http::Server::CompletionCallback on_complete;
  if (cfg.access_log || server_metrics != nullptr) {
    on_complete = [&im, server_metrics, access_log = cfg.access_log](const http::Completion& c) {
      if (server_metrics != nullptr) server_metrics->OnRequestComplete(c);
      if (access_log) im.LogRequest(c);
    };
  }
  im.server = std::make_unique<http::Server>(
      so,
      [registry, server_metrics](http::Request& req, http::Response& res) -> http::Task<void> {
        // Only uploads pay for the extra coroutine frame of the gauge.
        if (server_metrics != nullptr && api::ServerMetrics::IsUploadRequest(req)) {
          return server_metrics->TrackUpload(registry->Handle(req, res));
        }
        return registry->Handle(req, res);
      },
      std::move(on_complete));
  SCOPEREG_RETURN_IF_ERROR(im.server->Start());
  if (server_metrics != nullptr) {
    http::Server* server = im.server.get();
    server_metrics->AddInFlight([server] { return static_cast<double>(server->active_requests()); });
  }

  if (cfg.gc_interval.count() > 0) im.gc_thread = std::thread([&im] { im.GcLoop(); });
  if (im.access_store) im.usage_thread = std::thread([&im] { im.UsageLoop(); });
  if (cfg.audit_retention.count() > 0) im.retention_thread = std::thread([&im] { im.RetentionLoop(); });
  im.started = true;
  log::Info("scopereg serving",
            {{"address", cfg.listen_address},
             {"port", static_cast<std::uint64_t>(im.server->port())},
             {"tls", !cfg.tls_cert_file.empty()},
             {"data_dir", cfg.data_dir}});
  return Status::Ok();
}

void App::Impl::GcLoop() {
  std::unique_lock lock(stop_mu);
  for (;;) {
    if (stop_cv.wait_for(lock, config.gc_interval, [&] { return stopping; })) return;
    lock.unlock();
    {
      std::lock_guard gc(gc_mu);
      GcOptions o{config.gc_grace_period, config.upload_expiry, false};
      auto r = GarbageCollector(*blobs, *metadata, *clock, o).Run();
      if (!r.ok()) log::Error("online garbage collection failed", {{"status", r.status().ToString()}});
    }
    lock.lock();
  }
}

Status App::Impl::StartAudit() {
  if (config.metrics_enabled) {
    metrics = std::make_unique<api::ServerMetrics>(
        metrics_registry, api::MetricsOptions{config.metrics_public, config.metrics_max_token_labels});
  }
  audit_log = audit_store.get();
  if (audit_decorator) {
    audit_decorated = audit_decorator(*audit_store);
    audit_log = audit_decorated.get();
  }
  if (config.audit_enabled) {
    std::vector<std::unique_ptr<audit::AuditSink>> sinks;
    if (!config.audit_file.empty()) {
      auto file = audit::OpenJsonLinesFile(config.audit_file);
      if (!file.ok()) return file.status().WithPrefix("audit.file");
      sinks.push_back(std::move(file).value());
    }
    if (config.audit_syslog) {
      // Validated with the configuration.
      const int facility = audit::ParseSyslogFacility(config.audit_syslog_facility).value_or(0);
      sinks.push_back(audit::OpenSyslog(config.audit_syslog_ident, facility));
    }
    audit::AuditWriterOptions wo;
    wo.queue_capacity = config.audit_queue_capacity;
    audit_writer = std::make_unique<audit::AuditWriter>(*audit_log, std::move(sinks), wo);
    management_audit = std::make_unique<api::ManagementAuditForwarder>(*audit_writer);
    if (metrics) metrics->AddAuditWriter(*audit_writer, wo.queue_capacity);
  }
  events = std::make_unique<api::AuditEventSink>(audit_writer.get(), metrics.get(), *clock, config.registry_name);
  return Status::Ok();
}

Result<std::size_t> App::Impl::ApplyRetention() {
  if (config.audit_retention.count() == 0) return std::size_t{0};
  const Time cutoff = clock->Now() - config.audit_retention;
  // Bounded steps keep each delete transaction short, so audit appends and
  // management changes are never blocked for long behind a big backlog.
  constexpr std::size_t kStep = 5000;
  std::size_t total = 0;
  for (;;) {
    SCOPEREG_ASSIGN_OR_RETURN(std::size_t n, audit_log->DeleteBefore(cutoff, kStep));
    total += n;
    if (n < kStep) break;
    std::unique_lock lock(stop_mu);
    if (stop_cv.wait_for(lock, std::chrono::milliseconds(20), [&] { return stopping; })) break;
  }
  if (total > 0) log::Info("audit retention applied", {{"deleted", total}, {"cutoff", FormatRfc3339(cutoff)}});
  return total;
}

void App::Impl::RetentionLoop() {
  // Once shortly after start (a server restarted daily still gets it), then
  // hourly: retention is a day-scale setting.
  std::chrono::seconds wait(60);
  std::unique_lock lock(stop_mu);
  for (;;) {
    if (stop_cv.wait_for(lock, wait, [&] { return stopping; })) return;
    lock.unlock();
    if (auto r = ApplyRetention(); !r.ok()) {
      log::Warn("audit retention failed; will retry", {{"status", r.status().ToString()}});
    }
    wait = std::chrono::hours(1);
    lock.lock();
  }
}

Status App::Impl::StartAuth() {
  SCOPEREG_ASSIGN_OR_RETURN(std::string digest_key, LoadOrCreateDigestKey(config.ResolvedSecretFile()));
  SCOPEREG_ASSIGN_OR_RETURN(auth::PasswordHasher h, auth::PasswordHasher::Create(digest_key));
  hasher = std::make_shared<const auth::PasswordHasher>(std::move(h));
  SCOPEREG_ASSIGN_OR_RETURN(auth::KeySet keys, LoadOrCreateSigningKeys(config.ResolvedSigningKeyFile()));

  // In the metadata database: tokens, scope maps, operators and the audit
  // trail of their changes survive a restart.
  SCOPEREG_ASSIGN_OR_RETURN(access_store, metadata::SqliteAccessStore::Create(metadata->database()));

  auth::AuthStateOptions so;
  so.registry_name = config.registry_name;
  so.hasher = hasher;
  for (const auto& rule : config.anonymous) {
    std::vector<std::string> actions;
    for (const auto& a : rule.actions) actions.push_back("repositories/" + rule.repository_pattern + "/" + a);
    auto parsed = auth::ParseScopeMapActions(actions, auth::ScopeMapLimits{});
    if (!parsed.ok()) return parsed.status().WithPrefix("auth.anonymous");
    for (auto& r : *parsed) so.anonymous_rules.push_back(std::move(r));
  }
  auto state = auth::AuthState::Create(std::move(so));
  if (!state.ok()) return state.status().WithPrefix("auth.anonymous");
  auth_state = std::move(state).value();
  SCOPEREG_ASSIGN_OR_RETURN(auth_subscription, access_store->Subscribe(*auth_state));

  auth::TokenServiceOptions to;
  to.issuer = config.registry_name;
  to.audience = config.registry_name;
  to.access_ttl = config.access_token_ttl;
  to.refresh_ttl = config.refresh_token_ttl;
  SCOPEREG_ASSIGN_OR_RETURN(token_service, auth::TokenService::Create(to, std::move(keys)));

  auth::AccessAdminOptions ao;
  ao.registry_name = config.registry_name;
  access_admin = std::make_unique<auth::AccessAdmin>(*access_store, *clock, hasher, ao, management_audit.get());
  SCOPEREG_ASSIGN_OR_RETURN(bool created, BootstrapOwner(*access_admin, config.InitialOwnerCredentialFile()));
  (void)created;

  management = std::make_unique<api::management::ManagementApi>(
      *access_admin, *clock, api::management::ManagementApiOptions{config.registry_name}, audit_log);
  token_endpoint = std::make_unique<api::TokenEndpoint>(*auth_state, *token_service, usage, *events, *clock);
  api::TokenAuthOptions tao{config.registry_name, config.public_url};
  access = std::make_unique<api::TokenAccessController>(*auth_state, *token_service, usage, *events, *clock, tao);
  return Status::Ok();
}

void App::Impl::UsageLoop() {
  // Last-used data is coalesced in memory and written every few seconds
  // (and once more at stop), so authentication never waits for a write.
  std::unique_lock lock(stop_mu);
  for (;;) {
    const bool stop = stop_cv.wait_for(lock, std::chrono::seconds(2), [&] { return stopping; });
    lock.unlock();
    if (Status st = usage.Flush(*access_store); !st.ok()) {
      log::Warn("could not record last-used data; will retry", {{"status", st.ToString()}});
    }
    if (stop) return;
    lock.lock();
  }
}

Result<GcReport> App::CollectGarbage(bool dry_run) {
  Impl& im = *impl_;
  if (!im.started) return Status::FailedPrecondition("not started");
  std::lock_guard gc(im.gc_mu);
  GcOptions o{im.config.gc_grace_period, im.config.upload_expiry, dry_run};
  return GarbageCollector(*im.blobs, *im.metadata, *im.clock, o).Run();
}

Status App::FlushUsageForTest() {
  if (!impl_->access_store) return Status::FailedPrecondition("auth.mode=none");
  return impl_->usage.Flush(*impl_->access_store);
}

auth::AccessAdmin* App::AccessAdminForTest() { return impl_->access_admin.get(); }

void App::DecorateAuditLogForTest(AuditLogDecorator decorator) { impl_->audit_decorator = std::move(decorator); }

audit::AuditLog* App::AuditLogForTest() { return impl_->audit_log; }

void App::FlushAuditForTest() {
  if (impl_->audit_writer) impl_->audit_writer->Flush();
}

Result<std::size_t> App::ApplyAuditRetentionForTest() {
  if (!impl_->started) return Status::FailedPrecondition("not started");
  return impl_->ApplyRetention();
}

void App::Stop() {
  Impl& im = *impl_;
  {
    std::lock_guard lock(im.stop_mu);
    if (im.stopping) return;
    im.stopping = true;
  }
  im.stop_cv.notify_all();
  if (im.server) im.server->Stop();
  if (im.gc_thread.joinable()) im.gc_thread.join();
  if (im.usage_thread.joinable()) im.usage_thread.join();
  if (im.retention_thread.joinable()) im.retention_thread.join();
  // After the server: every request that reported an event has finished,
  // so the writer's final drain loses nothing.
  if (im.audit_writer) im.audit_writer->Stop();
  log::Flush();
}

void App::Wait() {
  Impl& im = *impl_;
  std::unique_lock lock(im.stop_mu);
  im.stop_cv.wait(lock, [&] { return im.stopping; });
}

}  // namespace scopereg::server
