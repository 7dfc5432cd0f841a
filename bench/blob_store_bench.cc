// BlobStore throughput on the filesystem backend.
//
//   blob_store_bench [--benchmark_filter=...]
//
// Data goes to a fresh directory under $SCOPEREG_BENCH_DIR, else $TMPDIR,
// else /tmp; point it at the disk you care about. Counters:
//   bytes_per_second  blob bytes through the store
//   items_per_second  blobs published
//   maxrss_MiB        peak resident memory of the process so far, to show
//                     that it does not grow with blob size
#include <benchmark/benchmark.h>
#include <sys/resource.h>

#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <memory>
#include <string>

#include "scopereg/core/clock.h"
#include "scopereg/core/crypto.h"
#include "scopereg/core/strings.h"
#include "scopereg/storage/fs/fs_blob_store.h"

namespace scopereg::storage {
namespace {

constexpr std::size_t kUploadBytes = 64 << 20;

std::string BenchRoot() {
  const char* base = std::getenv("SCOPEREG_BENCH_DIR");
  if (base == nullptr || *base == '\0') base = std::getenv("TMPDIR");
  std::string tmpl = std::string(base != nullptr && *base != '\0' ? base : "/tmp") + "/scopereg-bench-XXXXXX";
  if (::mkdtemp(tmpl.data()) == nullptr) std::abort();
  return tmpl;
}

// One store per process, removed at exit.
class BenchStore {
 public:
  BenchStore() : root_(BenchRoot()) {
    auto store = FsBlobStore::Open(root_, SystemClock::Instance());
    if (!store.ok()) std::abort();
    store_ = std::move(store).value();
  }
  ~BenchStore() {
    std::error_code ec;
    std::filesystem::remove_all(root_, ec);
  }
  FsBlobStore& operator*() { return *store_; }
  FsBlobStore* operator->() { return store_.get(); }

 private:
  std::string root_;
  std::unique_ptr<FsBlobStore> store_;
};

BenchStore& Store() {
  static BenchStore store;
  return store;
}

std::string Pattern(std::size_t n) {
  std::string s(n, '\0');
  std::uint64_t x = 0x9e3779b97f4a7c15ull;
  for (char& c : s) {
    x ^= x << 7;
    x ^= x >> 9;
    c = static_cast<char>(x);
  }
  return s;
}

void ReportMaxRss(benchmark::State& state) {
  rusage usage{};
  ::getrusage(RUSAGE_SELF, &usage);
  state.counters["maxrss_MiB"] = static_cast<double>(usage.ru_maxrss) / 1024.0;
}

void Check(const Status& s, benchmark::State& state) {
  if (!s.ok()) state.SkipWithError(s.ToString().c_str());
}

// Stages one 64 MiB upload in writes of chunk.size() bytes; returns its state.
Result<UploadState> StageUpload(const std::string& chunk) {
  SCOPEREG_ASSIGN_OR_RETURN(UploadState upload, Store()->StartUpload(NewUuid(), "bench/repo", HashAlgorithm::kSha256));
  SCOPEREG_ASSIGN_OR_RETURN(auto writer, Store()->OpenUpload(upload));
  for (std::size_t done = 0; done < kUploadBytes; done += chunk.size()) {
    SCOPEREG_RETURN_IF_ERROR(writer->Write(chunk.data(), chunk.size()));
  }
  return writer->Finish();
}

// Baseline: what hashing alone costs over the same buffers.
void BM_HashOnly(benchmark::State& state) {
  const std::string chunk = Pattern(static_cast<std::size_t>(state.range(0)));
  for (auto _ : state) {
    Hasher hasher(HashAlgorithm::kSha256);
    for (std::size_t done = 0; done < kUploadBytes; done += chunk.size()) hasher.Update(chunk.data(), chunk.size());
    benchmark::DoNotOptimize(hasher.HexDigest());
  }
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * kUploadBytes));
}
BENCHMARK(BM_HashOnly)->Arg(256 << 10)->Unit(benchmark::kMillisecond);

// PATCH path: write(2) + SHA-256 of a 64 MiB upload, no fsync (the staged
// bytes are aborted afterwards, outside the timing).
void BM_UploadWriteHash(benchmark::State& state) {
  const std::string chunk = Pattern(static_cast<std::size_t>(state.range(0)));
  for (auto _ : state) {
    auto upload = StageUpload(chunk);
    state.PauseTiming();
    if (!upload.ok()) {
      state.SkipWithError(upload.status().ToString().c_str());
      break;
    }
    Check(Store()->AbortUpload(*upload), state);
    state.ResumeTiming();
  }
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * kUploadBytes));
  ReportMaxRss(state);
}
BENCHMARK(BM_UploadWriteHash)->Arg(64 << 10)->Arg(256 << 10)->Arg(1 << 20)->Unit(benchmark::kMillisecond);

// The whole upload: PATCHes, then the PUT that verifies from the saved hash
// state, fdatasyncs 64 MiB, renames and syncs the directory.
void BM_UploadWriteHashCommit(benchmark::State& state) {
  const std::string chunk = Pattern(static_cast<std::size_t>(state.range(0)));
  Hasher whole(HashAlgorithm::kSha256);
  for (std::size_t done = 0; done < kUploadBytes; done += chunk.size()) whole.Update(chunk.data(), chunk.size());
  const oci::Digest digest = oci::Digest::FromHex(HashAlgorithm::kSha256, whole.HexDigest());
  for (auto _ : state) {
    auto upload = StageUpload(chunk);
    if (!upload.ok()) {
      state.SkipWithError(upload.status().ToString().c_str());
      break;
    }
    Check(Store()->CommitUpload(*upload, digest).status(), state);
    state.PauseTiming();
    Check(Store()->Delete(digest), state);
    state.ResumeTiming();
  }
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * kUploadBytes));
  ReportMaxRss(state);
}
BENCHMARK(BM_UploadWriteHashCommit)->Arg(256 << 10)->Unit(benchmark::kMillisecond)->UseRealTime();

// Manifests and small monolithic pushes: each Put is a new blob, so each one
// pays a temp file, fdatasync, rename and directory fsync.
void BM_PutSmall(benchmark::State& state) {
  std::string content = Pattern(static_cast<std::size_t>(state.range(0)));
  std::uint64_t n = 0;
  for (auto _ : state) {
    state.PauseTiming();
    std::memcpy(content.data(), &++n, sizeof(n));  // a new digest every time
    const oci::Digest digest = oci::Digest::Sha256Of(content);
    state.ResumeTiming();
    Check(Store()->Put(digest, content), state);
  }
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * content.size()));
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations()));
}
BENCHMARK(BM_PutSmall)->Arg(1 << 10)->Arg(4 << 10)->Arg(64 << 10)->UseRealTime();

// Put of a blob that already exists: hash, stat, directory fsync.
void BM_PutExisting(benchmark::State& state) {
  const std::string content = Pattern(4 << 10);
  const oci::Digest digest = oci::Digest::Sha256Of(content);
  Check(Store()->Put(digest, content), state);
  for (auto _ : state) Check(Store()->Put(digest, content), state);
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations()));
}
BENCHMARK(BM_PutExisting)->UseRealTime();

// GET of a manifest-sized blob through ReadAll.
void BM_ReadAllSmall(benchmark::State& state) {
  const std::string content = Pattern(4 << 10);
  const oci::Digest digest = oci::Digest::Sha256Of(content);
  Check(Store()->Put(digest, content), state);
  for (auto _ : state) {
    auto read = Store()->ReadAll(digest, 1 << 20);
    if (!read.ok()) state.SkipWithError(read.status().ToString().c_str());
    benchmark::DoNotOptimize(read);
  }
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations()));
}
BENCHMARK(BM_ReadAllSmall);

}  // namespace
}  // namespace scopereg::storage

BENCHMARK_MAIN();
