// The SQLite access store and audit log at the sizes the spec names:
//   - LoadSnapshot of 50,000 tokens and 50,000 scope maps (what a start-up
//     and every Subscribe read);
//   - RecordPasswordUses of a 1000-use batch (one last-used flush);
//   - PutToken with its management audit row (one management write);
//   - Append of 1000 audit events (one batch of the audit writer);
//   - Query over 1,000,000 audit events with an identity filter, a
//     repository + operation filter, and two time windows (the last 1% and
//     the last 50%).
//
//   ninja -C <build> access_store_bench && <build>/bench/access_store_bench
//
// The databases live in $TMPDIR (default /tmp). Populating them takes most
// of the run (about three minutes on the busy 2-core VM); each is built once and
// shared by the benchmarks that read it.
#include <benchmark/benchmark.h>

#include <cstdio>
#include <cstdlib>
#include <memory>
#include <string>
#include <vector>

#include "scopereg/auth/access_store.h"
#include "scopereg/metadata/sqlite/sqlite_access_store.h"
#include "scopereg/metadata/sqlite/sqlite_audit_log.h"
#include "scopereg/metadata/sqlite/sqlite_metadata_store.h"
#include "testing/temp_dir.h"

namespace scopereg::metadata {
namespace {

using namespace auth;  // NOLINT: the records under test

constexpr int kTokens = 50'000;
constexpr int kScopeMaps = 50'000;
constexpr int kAuditEvents = 1'000'000;
constexpr int kIdentities = 1000;  // audit events: one identity in 1000
constexpr int kRepositories = 200;

void Check(const Status& s) {
  if (!s.ok()) {
    std::fprintf(stderr, "access_store_bench: %s\n", s.ToString().c_str());
    std::abort();
  }
}

template <typename T>
T Must(Result<T> r) {
  Check(r.status());
  return std::move(r).value();
}

// One database file with the metadata store (which owns the schema), the
// access store and the audit log on it.
struct Database {
  Database() {
    metadata =
        Must(SqliteMetadataStore::Open((dir.path() / "metadata.db").string(), SystemClock::Instance()));
    Check(metadata->Migrate());
    access = Must(SqliteAccessStore::Create(metadata->database()));
    audit = Must(SqliteAuditLog::Create(metadata->database()));
  }
  testing::TempDir dir;
  std::unique_ptr<SqliteMetadataStore> metadata;
  std::unique_ptr<SqliteAccessStore> access;
  std::unique_ptr<SqliteAuditLog> audit;
};

AccessChange Change(ChangeOperation op, std::string target) {
  return AccessChange{SystemClock::Instance().Now(),
                      op,
                      Caller{"bench-op", OperatorRole::kOwner, "127.0.0.1", "c"},
                      std::move(target),
                      "bench",
                      0};
}

std::string Name(const char* prefix, int i) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%s-%06d", prefix, i);
  return buf;
}

Token MakeToken(int i) {
  Token t;
  t.name = Name("token", i);
  t.scope_map = Name("map", i % kScopeMaps);
  t.creation_date = SystemClock::Instance().Now();
  t.owner = "team-" + std::to_string(i % 100);
  t.labels = {{"env", i % 2 == 0 ? "prod" : "dev"}};
  t.version = static_cast<std::uint64_t>(i) * 7919;
  for (PasswordSlot s : kBothSlots) {
    PasswordCredential p;
    p.creation_time = t.creation_date;
    p.digest = std::string(kDigestLength, static_cast<char>('a' + i % 26));
    p.epoch = static_cast<std::uint64_t>(i) * 104729 + SlotIndex(s);
    t.password(s) = p;
  }
  return t;
}

// 50,000 scope maps (two rules each) and 50,000 tokens, written through the
// store (each write with its audit row).
Database& AccessDatabase() {
  static Database* db = [] {
    auto* d = new Database;
    for (int i = 0; i < kScopeMaps; ++i) {
      ScopeMap m;
      m.name = Name("map", i);
      m.creation_date = SystemClock::Instance().Now();
      m.rules = Must(ParseScopeMapActions(
          std::vector<std::string>{"repositories/team-" + std::to_string(i % 100) + "/*/content/read",
                                   "repositories/team-" + std::to_string(i % 100) + "/app/content/write"},
          {}));
      Check(d->access->PutScopeMap(m, Precondition::None(), Change(ChangeOperation::kScopeMapCreate, m.name))
                .status());
    }
    for (int i = 0; i < kTokens; ++i) {
      Token t = MakeToken(i);
      Check(d->access->PutToken(t, Precondition::None(), Change(ChangeOperation::kTokenCreate, t.name))
                .status());
    }
    return d;
  }();
  return *db;
}

void BM_LoadSnapshot(benchmark::State& state) {
  Database& db = AccessDatabase();
  for (auto _ : state) {
    AccessSnapshot snapshot = Must(db.access->LoadSnapshot());
    if (snapshot.tokens.size() != kTokens || snapshot.scope_maps.size() != kScopeMaps) std::abort();
    benchmark::DoNotOptimize(snapshot);
  }
  state.counters["tokens"] = kTokens;
  state.counters["scope_maps"] = kScopeMaps;
}
BENCHMARK(BM_LoadSnapshot)->Unit(benchmark::kMillisecond)->UseRealTime();

void BM_RecordPasswordUses(benchmark::State& state) {
  Database& db = AccessDatabase();
  std::vector<PasswordUse> uses;
  int round = 0;
  for (auto _ : state) {
    state.PauseTiming();
    uses.clear();
    const Time now = SystemClock::Instance().Now();
    for (int i = 0; i < state.range(0); ++i) {
      uses.push_back({Name("token", (round * 1000 + i * 37) % kTokens),
                      i % 2 == 0 ? PasswordSlot::kPassword1 : PasswordSlot::kPassword2, now,
                      "10.0.0." + std::to_string(i % 250)});
    }
    ++round;
    state.ResumeTiming();
    Check(db.access->RecordPasswordUses(uses));
  }
  state.SetItemsProcessed(state.iterations() * state.range(0));
}
BENCHMARK(BM_RecordPasswordUses)->Arg(1000)->Unit(benchmark::kMillisecond)->UseRealTime();

void BM_PutTokenWithAuditRow(benchmark::State& state) {
  Database& db = AccessDatabase();
  Token t = MakeToken(1);
  t = Must(db.access->GetToken(t.name));
  for (auto _ : state) {
    t.description = std::to_string(state.iterations());
    t = Must(db.access->PutToken(t, Precondition::RevisionIs(t.revision),
                                 Change(ChangeOperation::kTokenUpdate, t.name)));
  }
}
BENCHMARK(BM_PutTokenWithAuditRow)->Unit(benchmark::kMicrosecond)->UseRealTime();

audit::AuditEvent Event(int i, Time base) {
  audit::AuditEvent e;
  e.time = base + std::chrono::milliseconds(i);
  e.category = audit::Category::kRepository;
  e.operation = i % 10 == 0 ? "push" : "pull";
  e.identity = Name("token", i % kIdentities);
  e.identity_kind = "token";
  e.slot = "password1";
  e.http_status = 200;
  e.repository = Name("team/app", i % kRepositories);
  e.tag = "v1";
  e.digest = "sha256:" + std::string(64, 'a');
  e.media_type = "application/vnd.oci.image.manifest.v1+json";
  e.size = 1234;
  e.client_address = "10.0.0." + std::to_string(i % 250);
  e.user_agent = "docker/27.0";
  e.correlation_id = std::to_string(i);
  return e;
}

void BM_AuditAppend(benchmark::State& state) {
  static Database* db = new Database;
  const Time base = SystemClock::Instance().Now();
  std::vector<audit::AuditEvent> batch;
  for (int i = 0; i < state.range(0); ++i) batch.push_back(Event(i, base));
  for (auto _ : state) Check(db->audit->Append(batch));
  state.SetItemsProcessed(state.iterations() * state.range(0));
}
BENCHMARK(BM_AuditAppend)->Arg(1000)->Unit(benchmark::kMillisecond)->UseRealTime();

// 1,000,000 events, one per millisecond, appended in batches of 10,000.
struct AuditDatabase {
  Database db;
  Time base = FromUnixSeconds(1'800'000'000);
};
AuditDatabase& LargeAuditLog() {
  static AuditDatabase* a = [] {
    auto* d = new AuditDatabase;
    std::vector<audit::AuditEvent> batch;
    for (int i = 0; i < kAuditEvents; ++i) {
      batch.push_back(Event(i, d->base));
      if (batch.size() == 10'000) {
        Check(d->db.audit->Append(batch));
        batch.clear();
      }
    }
    return d;
  }();
  return *a;
}

// Arg: 0 = identity (1000 matches), 1 = the last 1% by time (10,000
// matches), 2 = repository + operation (5,000 matches), 3 = the last 50% by
// time (500,000 matches); first page of 100.
void BM_AuditQuery(benchmark::State& state) {
  AuditDatabase& a = LargeAuditLog();
  audit::AuditFilter filter;
  switch (state.range(0)) {
    case 0:
      filter.identity = Name("token", 123);
      break;
    case 1:
      filter.since = a.base + std::chrono::milliseconds(kAuditEvents - kAuditEvents / 100);
      break;
    case 3:
      filter.since = a.base + std::chrono::milliseconds(kAuditEvents / 2);
      break;
    default:
      filter.repository = Name("team/app", 20);
      filter.operation = "push";
      break;
  }
  std::size_t found = 0;
  for (auto _ : state) {
    audit::AuditPage page = Must(a.db.audit->Query(filter, 0, 100));
    found = page.events.size();
    if (found != 100 || !page.next_after_id) std::abort();
  }
  static const char* const kLabels[] = {"identity", "last 1% by time", "repository+operation",
                                        "last 50% by time"};
  state.SetLabel(kLabels[state.range(0)]);
}
BENCHMARK(BM_AuditQuery)->DenseRange(0, 3)->Unit(benchmark::kMicrosecond)->UseRealTime();

}  // namespace
}  // namespace scopereg::metadata

BENCHMARK_MAIN();
