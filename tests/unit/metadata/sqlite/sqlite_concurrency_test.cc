// SqliteMetadataStore under concurrent use: writers serialise without
// losing a write, readers see whole transactions.
#include <gtest/gtest.h>

#include <atomic>
#include <set>
#include <thread>
#include <vector>

#include "scopereg/metadata/sqlite/sqlite_metadata_store.h"
#include "testing/fake_clock.h"
#include "testing/status_matchers.h"
#include "testing/temp_dir.h"

namespace scopereg::metadata {
namespace {

constexpr std::string_view kRepo = "library/app";
constexpr int kWriters = 4;
constexpr int kMovesPerWriter = 500;

ManifestRecord Manifest(std::string_view seed) {
  ManifestRecord m;
  m.digest = oci::Digest::Sha256Of(seed);
  m.media_type = "application/vnd.oci.image.manifest.v1+json";
  m.size = 100;
  return m;
}

class SqliteConcurrencyTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_OK_AND_ASSIGN(store_, SqliteMetadataStore::Open((dir_.path() / "metadata.db").string(), clock_));
    ASSERT_OK(store_->Migrate());
    initial_ = Manifest("initial");
    ASSERT_OK(store_->RecordBlob(initial_.digest, initial_.size));
    ASSERT_OK(store_->PutManifest(kRepo, initial_, {}, std::string("shared"), {}));
  }

  // Pushes manifest `seed` and moves tag "shared" to it with If-Match on
  // the tag's current target, retrying lost races; its own tag moves too.
  // Returns the target the shared tag had before this move.
  Result<oci::Digest> PushAndMoveShared(std::string_view seed, const std::string& own_tag) {
    const ManifestRecord m = Manifest(seed);
    SCOPEREG_RETURN_IF_ERROR(store_->RecordBlob(m.digest, m.size));
    SCOPEREG_RETURN_IF_ERROR(store_->PutManifest(kRepo, m, {}, own_tag, {}));
    while (true) {
      SCOPEREG_ASSIGN_OR_RETURN(TagRecord current, store_->GetTag(kRepo, "shared"));
      Result<PutManifestResult> moved =
          store_->PutManifest(kRepo, m, {}, std::string("shared"), {.must_point_to = current.digest});
      if (moved.ok()) {
        // If-Match semantics: the tag moved from exactly what was read.
        if (moved->previous_tag_target != current.digest) {
          return Status::Internal(
              "moved from " + (moved->previous_tag_target ? moved->previous_tag_target->str() : "nothing") +
              ", expected " + current.digest.str());
        }
        return current.digest;
      }
      if (!moved.status().Is(StatusCode::kAborted)) return moved.status();
    }
  }

  scopereg::testing::TempDir dir_;
  scopereg::testing::FakeClock clock_;
  std::unique_ptr<SqliteMetadataStore> store_;
  ManifestRecord initial_;
};

TEST_F(SqliteConcurrencyTest, ConcurrentTagMovesLoseNoWrite) {
  std::vector<std::vector<oci::Digest>> previous(kWriters);
  std::atomic<int> failures{0};
  std::vector<std::thread> writers;
  for (int w = 0; w < kWriters; ++w) {
    writers.emplace_back([&, w] {
      const std::string own_tag = "writer-" + std::to_string(w);
      for (int i = 0; i < kMovesPerWriter; ++i) {
        Result<oci::Digest> prev =
            PushAndMoveShared("w" + std::to_string(w) + "-" + std::to_string(i), own_tag);
        if (!prev.ok()) {
          ADD_FAILURE() << prev.status().ToString();
          ++failures;
          return;
        }
        previous[w].push_back(*prev);
      }
    });
  }
  for (std::thread& t : writers) t.join();
  ASSERT_EQ(failures.load(), 0);

  // Every successful compare-and-set saw a distinct previous target, so the
  // moves form one chain from the initial manifest through all 2000: had
  // two writers both replaced the same target, one move would be lost.
  std::set<oci::Digest> seen;
  for (const auto& list : previous) {
    for (const oci::Digest& d : list) EXPECT_TRUE(seen.insert(d).second) << "replaced twice: " << d.str();
  }
  ASSERT_OK_AND_ASSIGN(TagRecord last, store_->GetTag(kRepo, "shared"));
  seen.insert(last.digest);
  EXPECT_EQ(seen.size(), static_cast<std::size_t>(kWriters * kMovesPerWriter + 1));
  EXPECT_TRUE(seen.count(initial_.digest));

  ASSERT_OK_AND_ASSIGN(RepositoryRecord repo, store_->GetRepository(kRepo));
  EXPECT_EQ(repo.manifest_count, kWriters * kMovesPerWriter + 1);
  EXPECT_EQ(repo.tag_count, kWriters + 1);
  for (int w = 0; w < kWriters; ++w) {
    ASSERT_OK_AND_ASSIGN(TagRecord own, store_->GetTag(kRepo, "writer-" + std::to_string(w)));
    EXPECT_EQ(own.digest,
              oci::Digest::Sha256Of("w" + std::to_string(w) + "-" + std::to_string(kMovesPerWriter - 1)));
  }
}

TEST_F(SqliteConcurrencyTest, ReadersSeeWholeTransactionsWhileWritersRun) {
  std::atomic<bool> done{false};
  std::atomic<int> reads{0};
  std::vector<std::thread> readers;
  for (int r = 0; r < 2; ++r) {
    readers.emplace_back([&] {
      std::int64_t last_count = 0;
      while (!done.load()) {
        // A tag is committed with its manifest, so its target always exists.
        Result<TagRecord> tag = store_->GetTag(kRepo, "shared");
        ASSERT_TRUE(tag.ok()) << tag.status().ToString();
        Result<ManifestRecord> manifest = store_->GetManifest(kRepo, tag->digest);
        ASSERT_TRUE(manifest.ok()) << manifest.status().ToString();
        Result<RepositoryRecord> repo = store_->GetRepository(kRepo);
        ASSERT_TRUE(repo.ok()) << repo.status().ToString();
        EXPECT_GE(repo->manifest_count, last_count) << "manifests only ever get added here";
        last_count = repo->manifest_count;
        ++reads;
      }
    });
  }
  std::vector<std::thread> writers;
  for (int w = 0; w < 2; ++w) {
    writers.emplace_back([&, w] {
      for (int i = 0; i < 200; ++i) {
        Result<oci::Digest> prev = PushAndMoveShared("r" + std::to_string(w) + "-" + std::to_string(i),
                                                     "writer-" + std::to_string(w));
        ASSERT_TRUE(prev.ok()) << prev.status().ToString();
      }
    });
  }
  for (std::thread& t : writers) t.join();
  done = true;
  for (std::thread& t : readers) t.join();
  EXPECT_GT(reads.load(), 0);
  ASSERT_OK_AND_ASSIGN(RepositoryRecord repo, store_->GetRepository(kRepo));
  EXPECT_EQ(repo.manifest_count, 401);
}

TEST_F(SqliteConcurrencyTest, ConcurrentUploadUpdatesAdmitOneWinnerPerOffset) {
  storage::UploadState upload;
  upload.id = "u";
  upload.repository = std::string(kRepo);
  ASSERT_OK(store_->CreateUpload(upload));

  // Four "PATCH handlers" race to append 10 bytes each step; exactly one
  // wins each offset, the others get kAborted and re-read.
  std::atomic<int> wins{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&] {
      while (true) {
        Result<storage::UploadState> current = store_->GetUpload("u");
        ASSERT_TRUE(current.ok()) << current.status().ToString();
        if (current->offset >= 1000) return;
        storage::UploadState next = *current;
        next.offset += 10;
        Status s = store_->UpdateUpload(next, current->offset);
        if (s.ok()) {
          ++wins;
        } else {
          ASSERT_TRUE(s.Is(StatusCode::kAborted)) << s.ToString();
        }
      }
    });
  }
  for (std::thread& t : threads) t.join();
  EXPECT_EQ(wins.load(), 100);
  ASSERT_OK_AND_ASSIGN(storage::UploadState final_state, store_->GetUpload("u"));
  EXPECT_EQ(final_state.offset, 1000u);
}

}  // namespace
}  // namespace scopereg::metadata
