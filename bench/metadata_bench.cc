// SqliteMetadataStore hot paths: the pull lookups (GetTag then GetManifest,
// GetLinkedBlob) and the push commit (PutManifest).
//
//   ninja -C <build> metadata_bench && <build>/bench/metadata_bench
//
// The databases live in $TMPDIR (default /tmp). The read benchmarks share
// one populated with kImages images (manifest + 3 layers + tag) in one
// repository; each write benchmark starts from an empty file.
#include <benchmark/benchmark.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "scopereg/core/clock.h"
#include "scopereg/metadata/sqlite/sqlite_metadata_store.h"

namespace scopereg::metadata {
namespace {

constexpr int kImages = 10'000;
constexpr int kLayersPerImage = 3;
constexpr char kRepo[] = "library/app";

void Check(const Status& s) {
  if (!s.ok()) {
    std::fprintf(stderr, "metadata_bench: %s\n", s.ToString().c_str());
    std::abort();
  }
}

// A database file in a fresh directory under $TMPDIR, removed at the end.
class TempDatabase {
 public:
  TempDatabase() {
    const char* base = std::getenv("TMPDIR");
    std::string tmpl = std::string(base && *base ? base : "/tmp") + "/scopereg-bench-XXXXXX";
    if (mkdtemp(tmpl.data()) == nullptr) std::abort();
    dir_ = tmpl;
  }
  ~TempDatabase() {
    std::error_code ec;
    std::filesystem::remove_all(dir_, ec);
  }
  TempDatabase(const TempDatabase&) = delete;
  TempDatabase& operator=(const TempDatabase&) = delete;
  std::string path() const { return (dir_ / "metadata.db").string(); }

 private:
  std::filesystem::path dir_;
};

std::unique_ptr<SqliteMetadataStore> OpenStore(const TempDatabase& db, SqliteOptions options = {}) {
  Result<std::unique_ptr<SqliteMetadataStore>> store =
      SqliteMetadataStore::Open(db.path(), SystemClock::Instance(), options);
  Check(store.status());
  Check((*store)->Migrate());
  return std::move(*store);
}

ManifestRecord Manifest(const oci::Digest& digest) {
  ManifestRecord m;
  m.digest = digest;
  m.media_type = "application/vnd.oci.image.manifest.v1+json";
  m.size = 1900;
  return m;
}

// Records, links and references kLayersPerImage fresh layers and pushes a
// manifest for them.
void PushImage(MetadataStore& store, std::string_view repository, const std::string& seed,
               const std::optional<std::string>& tag) {
  ManifestReferences refs;
  for (int l = 0; l < kLayersPerImage; ++l) {
    oci::Digest layer = oci::Digest::Sha256Of(seed + "/layer" + std::to_string(l));
    Check(store.RecordBlob(layer, 10'000'000));
    Check(store.LinkBlob(repository, layer));
    refs.blobs.push_back(std::move(layer));
  }
  const ManifestRecord m = Manifest(oci::Digest::Sha256Of(seed));
  Check(store.RecordBlob(m.digest, m.size));
  Check(store.PutManifest(repository, m, refs, tag, {}).status());
}

// One database with kImages tagged images, shared by the read benchmarks'
// threads.
struct ReadFixture {
  ReadFixture() : store(OpenStore(db)) {
    for (int i = 0; i < kImages; ++i) {
      const std::string seed = "image" + std::to_string(i);
      tags.push_back("v" + std::to_string(i));
      PushImage(*store, kRepo, seed, tags.back());
      layers.push_back(oci::Digest::Sha256Of(seed + "/layer0"));
    }
  }
  static ReadFixture& Get() {
    static ReadFixture fixture;
    return fixture;
  }

  TempDatabase db;  // outlives the store
  std::unique_ptr<SqliteMetadataStore> store;
  std::vector<std::string> tags;
  std::vector<oci::Digest> layers;
};

// GET /v2/<name>/manifests/<tag>: resolve the tag, then the manifest.
void BM_GetTagThenManifest(benchmark::State& state) {
  ReadFixture& f = ReadFixture::Get();
  std::size_t i = static_cast<std::size_t>(state.thread_index()) * 7919;
  for (auto _ : state) {
    const std::string& tag = f.tags[i++ % f.tags.size()];
    Result<TagRecord> t = f.store->GetTag(kRepo, tag);
    Result<ManifestRecord> m = f.store->GetManifest(kRepo, t->digest);
    benchmark::DoNotOptimize(m);
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_GetTagThenManifest)->Threads(1)->Threads(2)->UseRealTime();

// GET /v2/<name>/blobs/<digest>: is the blob linked to the repository?
void BM_GetLinkedBlob(benchmark::State& state) {
  ReadFixture& f = ReadFixture::Get();
  std::size_t i = static_cast<std::size_t>(state.thread_index()) * 7919;
  for (auto _ : state) {
    Result<BlobRecord> b = f.store->GetLinkedBlob(kRepo, f.layers[i++ % f.layers.size()]);
    benchmark::DoNotOptimize(b);
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_GetLinkedBlob)->Threads(1)->Threads(2)->UseRealTime();

// PUT /v2/<name>/manifests/<tag> of a new image whose layers are linked:
// RecordBlob of the manifest bytes, then PutManifest (3 layer checks,
// manifest and reference rows, link, tag move). Arg: 1 = synchronous=FULL.
void BM_PushManifest(benchmark::State& state) {
  TempDatabase db;
  std::unique_ptr<SqliteMetadataStore> store = OpenStore(db, {.full_sync = state.range(0) != 0});
  ManifestReferences refs;
  for (int l = 0; l < kLayersPerImage; ++l) {
    refs.blobs.push_back(oci::Digest::Sha256Of("shared layer " + std::to_string(l)));
    Check(store->RecordBlob(refs.blobs.back(), 1000));
    Check(store->LinkBlob(kRepo, refs.blobs.back()));
  }
  const std::optional<std::string> tag = "latest";
  int n = 0;
  for (auto _ : state) {
    // Hashing the name costs well under a microsecond: no need to pause.
    const ManifestRecord m = Manifest(oci::Digest::Sha256Of("manifest" + std::to_string(n++)));
    Check(store->RecordBlob(m.digest, m.size));
    Check(store->PutManifest(kRepo, m, refs, tag, {}).status());
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_PushManifest)->Arg(0)->Arg(1)->UseRealTime();

// PutManifest alone: re-tagging between two existing manifests (one write
// transaction, no new rows but the tag update). Arg: 1 = synchronous=FULL.
void BM_PutManifestTagMove(benchmark::State& state) {
  TempDatabase db;
  std::unique_ptr<SqliteMetadataStore> store = OpenStore(db, {.full_sync = state.range(0) != 0});
  PushImage(*store, kRepo, "a", std::nullopt);
  PushImage(*store, kRepo, "b", std::nullopt);
  const ManifestRecord a = Manifest(oci::Digest::Sha256Of("a"));
  const ManifestRecord b = Manifest(oci::Digest::Sha256Of("b"));
  const std::optional<std::string> tag = "latest";
  bool flip = false;
  for (auto _ : state) {
    Check(store->PutManifest(kRepo, flip ? a : b, {}, tag, {}).status());
    flip = !flip;
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_PutManifestTagMove)->Arg(0)->Arg(1)->UseRealTime();

}  // namespace
}  // namespace scopereg::metadata

BENCHMARK_MAIN();
