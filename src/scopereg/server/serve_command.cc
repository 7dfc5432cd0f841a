#include "scopereg/server/serve_command.h"

#include <signal.h>

#include <cstdio>
#include <iostream>
#include <memory>

#include "scopereg/auth/access_admin.h"
#include "scopereg/auth/credentials.h"
#include "scopereg/core/log.h"
#include "scopereg/metadata/sqlite/sqlite_access_store.h"
#include "scopereg/metadata/sqlite/sqlite_metadata_store.h"
#include "scopereg/server/app.h"
#include "scopereg/server/auth_setup.h"
#include "scopereg/server/config.h"
#include "scopereg/storage/fs/fs_blob_store.h"

namespace scopereg::server {

namespace {

struct CommonFlags {
  std::string config_file;
  std::string data_dir;
  std::string listen;
  std::vector<std::string> sets;
};

void AddCommonFlags(CLI::App* cmd, CommonFlags& f) {
  cmd->add_option("-c,--config", f.config_file, "YAML configuration file (env SCOPEREG_CONFIG)");
  cmd->add_option("--data-dir", f.data_dir, "Data directory (blobs, database, keys); default ./scopereg-data");
  cmd->add_option("--set", f.sets, "Override a configuration key: --set listen.port=5001 (repeatable)");
}

Result<Config> BuildConfig(const CommonFlags& f) {
  ConfigSources sources;
  sources.environment = ProcessEnvironment();
  sources.file = f.config_file;
  if (sources.file.empty()) {
    auto it = sources.environment.find("SCOPEREG_CONFIG");
    if (it != sources.environment.end()) sources.file = it->second;
  }
  if (!f.data_dir.empty()) sources.overrides.emplace_back("data_dir", f.data_dir);
  if (!f.listen.empty()) {
    auto colon = f.listen.rfind(':');
    if (colon == std::string::npos) return Status::InvalidArgument("--listen: expected HOST:PORT, got '" + f.listen + "'");
    sources.overrides.emplace_back("listen.address", f.listen.substr(0, colon));
    sources.overrides.emplace_back("listen.port", f.listen.substr(colon + 1));
  }
  for (const auto& s : f.sets) {
    auto eq = s.find('=');
    if (eq == std::string::npos) return Status::InvalidArgument("--set: expected key=value, got '" + s + "'");
    sources.overrides.emplace_back(s.substr(0, eq), s.substr(eq + 1));
  }
  return LoadConfig(sources);
}

int Serve(const CommonFlags& flags) {
  // Before any thread exists (the log writer included), so that every thread
  // inherits the mask and SIGINT/SIGTERM reach only the sigwait below.
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);
  ::signal(SIGPIPE, SIG_IGN);
  auto config = BuildConfig(flags);
  if (!config.ok()) {
    std::fprintf(stderr, "scopereg: configuration error: %s\n", std::string(config.status().message()).c_str());
    return 2;
  }
  log::Init(config->log_file, *log::ParseLevel(config->log_level));

  App app(std::move(config).value());
  Status st = app.Start();
  if (!st.ok()) {
    log::Error("scopereg failed to start", {{"status", st.ToString()}});
    log::Flush();
    std::fprintf(stderr, "scopereg: %s\n", st.ToString().c_str());
    return st.code() == StatusCode::kInvalidArgument ? 2 : 1;
  }
  int sig = 0;
  sigwait(&signals, &sig);
  log::Info("shutting down", {{"signal", sig}});
  app.Stop();
  log::Info("stopped");
  log::Flush();
  return 0;
}

// The metadata database of a stopped registry, migrated (the offline
// commands hold the data directory lock).
Result<std::unique_ptr<metadata::SqliteMetadataStore>> OpenMetadataOffline(const Config& config, const Clock& clock) {
  metadata::SqliteOptions so;
  so.full_sync = config.sqlite_synchronous_full;
  SCOPEREG_ASSIGN_OR_RETURN(auto meta, metadata::SqliteMetadataStore::Open(config.ResolvedSqlitePath(), clock, so));
  SCOPEREG_RETURN_IF_ERROR(meta->Migrate());
  return meta;
}

int Gc(const CommonFlags& flags, bool dry_run, const std::string& grace) {
  auto config = BuildConfig(flags);
  if (!config.ok()) {
    std::fprintf(stderr, "scopereg gc: configuration error: %s\n", std::string(config.status().message()).c_str());
    return 2;
  }
  log::Init(config->log_file, *log::ParseLevel(config->log_level));
  GcOptions options{config->gc_grace_period, config->upload_expiry, dry_run};
  if (!grace.empty()) {
    auto d = ParseDuration(grace);
    if (!d) {
      std::fprintf(stderr, "scopereg gc: --grace-period: not a duration: '%s'\n", grace.c_str());
      return 2;
    }
    options.grace_period = *d;
  }
  auto lock = DataDirLock::Acquire(config->data_dir);
  if (!lock.ok()) {
    std::fprintf(stderr,
                 "scopereg gc: %s\n(a running server collects garbage itself every gc.interval; "
                 "stop it to run gc offline)\n",
                 std::string(lock.status().message()).c_str());
    return 1;
  }
  const Clock& clock = SystemClock::Instance();
  auto meta = OpenMetadataOffline(*config, clock);
  if (!meta.ok()) {
    std::fprintf(stderr, "scopereg gc: %s\n", meta.status().ToString().c_str());
    return 1;
  }
  auto blobs = storage::FsBlobStore::Open(config->ResolvedStorageRoot(), clock);
  if (!blobs.ok()) {
    std::fprintf(stderr, "scopereg gc: %s\n", blobs.status().ToString().c_str());
    return 1;
  }
  auto report = GarbageCollector(**blobs, **meta, clock, options).Run();
  log::Flush();
  if (!report.ok()) {
    std::fprintf(stderr, "scopereg gc: %s\n", report.status().ToString().c_str());
    return 1;
  }
  std::printf("%sblobs deleted: %llu (%llu bytes)\nuploads expired: %llu\nstaging areas removed: %llu\n"
              "orphan blob files adopted: %llu\nerrors: %llu\n",
              dry_run ? "(dry run) " : "", static_cast<unsigned long long>(report->blobs_deleted),
              static_cast<unsigned long long>(report->bytes_freed),
              static_cast<unsigned long long>(report->uploads_expired),
              static_cast<unsigned long long>(report->staging_removed),
              static_cast<unsigned long long>(report->orphans_adopted),
              static_cast<unsigned long long>(report->errors));
  return report->errors == 0 ? 0 : 1;
}

// Offline: a new owner operator whose secret goes to the initial credential
// file, for when no operator secret is known any more.
int RecoverOwner(const CommonFlags& flags) {
  auto fail = [](const Status& s) {
    std::fprintf(stderr, "scopereg recover-owner: %s\n", s.ToString().c_str());
    return 1;
  };
  auto config = BuildConfig(flags);
  if (!config.ok()) {
    std::fprintf(stderr, "scopereg recover-owner: configuration error: %s\n",
                 std::string(config.status().message()).c_str());
    return 2;
  }
  log::Init(config->log_file, *log::ParseLevel(config->log_level));
  auto lock = DataDirLock::Acquire(config->data_dir);
  if (!lock.ok()) {
    std::fprintf(stderr, "scopereg recover-owner: %s\n(stop the registry first)\n",
                 std::string(lock.status().message()).c_str());
    return 1;
  }
  const Clock& clock = SystemClock::Instance();
  auto meta = OpenMetadataOffline(*config, clock);
  if (!meta.ok()) return fail(meta.status());
  auto store = metadata::SqliteAccessStore::Create((*meta)->database());
  if (!store.ok()) return fail(store.status());
  auto key = LoadOrCreateDigestKey(config->ResolvedSecretFile());
  if (!key.ok()) return fail(key.status());
  auto hasher = auth::PasswordHasher::Create(*key);
  if (!hasher.ok()) return fail(hasher.status());
  auth::AccessAdminOptions ao;
  ao.registry_name = config->registry_name;
  auth::AccessAdmin admin(**store, clock, std::make_shared<const auth::PasswordHasher>(std::move(hasher).value()), ao);
  auto recovered = CreateRecoveryOwner(admin, clock, config->InitialOwnerCredentialFile());
  log::Flush();
  if (!recovered.ok()) return fail(recovered.status());
  std::printf("created owner operator '%s'; its secret line is in %s (mode 0600)\n"
              "store it safely, delete the file, and delete operators nobody holds with "
              "DELETE /api/v1/operators/{id}\n",
              recovered->operator_id.c_str(), recovered->path.c_str());
  return 0;
}

}  // namespace

void AddServerCommands(CLI::App& app, int* exit_code) {
  auto flags = std::make_shared<CommonFlags>();
  CLI::App* serve = app.add_subcommand("serve", "Run the registry");
  AddCommonFlags(serve, *flags);
  serve->add_option("--listen", flags->listen, "HOST:PORT to listen on (default 127.0.0.1:5000)");
  auto print_keys = std::make_shared<bool>(false);
  serve->add_flag("--print-config-keys", *print_keys, "List every configuration key and exit");
  serve->footer(
      "Examples:\n"
      "  scopereg serve                              # 127.0.0.1:5000, data in ./scopereg-data\n"
      "  scopereg serve --listen 0.0.0.0:5000 --data-dir /var/lib/scopereg\n"
      "  scopereg serve -c /etc/scopereg/config.yaml --set log.level=debug");
  serve->callback([flags, print_keys, exit_code] {
    if (*print_keys) {
      std::fputs(DescribeConfigKeys().c_str(), stdout);
      *exit_code = 0;
      return;
    }
    *exit_code = Serve(*flags);
  });

  auto gc_flags = std::make_shared<CommonFlags>();
  auto dry_run = std::make_shared<bool>(false);
  auto grace = std::make_shared<std::string>();
  CLI::App* gc = app.add_subcommand("gc", "Remove unreferenced blobs and abandoned uploads (offline)");
  AddCommonFlags(gc, *gc_flags);
  gc->add_flag("--dry-run", *dry_run, "Report what would be removed, remove nothing");
  gc->add_option("--grace-period", *grace, "Keep unreferenced blobs younger than this (default gc.grace_period, 1h)");
  gc->footer(
      "The registry must be stopped (a running server collects garbage itself every gc.interval).\n"
      "Examples:\n"
      "  scopereg gc --data-dir /var/lib/scopereg --dry-run\n"
      "  scopereg gc -c /etc/scopereg/config.yaml --grace-period 0s");
  gc->callback([gc_flags, dry_run, grace, exit_code] { *exit_code = Gc(*gc_flags, *dry_run, *grace); });

  auto recover_flags = std::make_shared<CommonFlags>();
  CLI::App* recover = app.add_subcommand(
      "recover-owner", "Create a new owner operator credential when none is known (offline, needs the data dir)");
  AddCommonFlags(recover, *recover_flags);
  recover->footer(
      "The registry must be stopped. The new secret line goes to <data_dir>/initial-owner-credential (0600);\n"
      "nothing secret is printed.\n"
      "Examples:\n"
      "  scopereg recover-owner --data-dir /var/lib/scopereg\n"
      "  scopereg recover-owner -c /etc/scopereg/config.yaml");
  recover->callback([recover_flags, exit_code] { *exit_code = RecoverOwner(*recover_flags); });
}

}  // namespace scopereg::server
