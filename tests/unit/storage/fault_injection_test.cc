// Crash safety of FsBlobStore: faults injected at each step of an upload and
// a publish, followed by what a restarted process does with the persisted
// state alone (the metadata store's copy of UploadState).
#include "testing/fault_injecting_blob_store.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <string>

#include "scopereg/core/strings.h"
#include "scopereg/storage/fs/fs_blob_store.h"
#include "testing/fake_clock.h"
#include "testing/status_matchers.h"
#include "testing/temp_dir.h"

namespace scopereg::testing {
namespace {

using storage::UploadState;
namespace stdfs = std::filesystem;

std::string Repeat(std::string_view piece, int times) {
  std::string out;
  for (int i = 0; i < times; ++i) out.append(piece);
  return out;
}

class FaultInjectionTest : public ::testing::Test {
 protected:
  void SetUp() override { Restart(); }

  // Drops the store (and with it anything in memory) and opens a new one on
  // the same root: a process restart.
  void Restart() {
    store_.reset();
    auto fs = storage::FsBlobStore::Open(dir_.str(), clock_);
    ASSERT_OK(fs);
    store_ = std::make_unique<FaultInjectingBlobStore>(std::move(fs).value());
  }

  FaultInjectingBlobStore& store() { return *store_; }

  // One request: OpenUpload, the writes, Finish. Returns the state the
  // metadata store would persist, or the first error.
  Result<UploadState> Request(const UploadState& state, std::initializer_list<std::string_view> writes) {
    SCOPEREG_ASSIGN_OR_RETURN(auto writer, store_->OpenUpload(state));
    for (std::string_view w : writes) SCOPEREG_RETURN_IF_ERROR(writer->Write(w.data(), w.size()));
    return writer->Finish();
  }

  std::size_t BlobCount() {
    std::size_t n = 0;
    EXPECT_OK(store_->ForEachBlob([&](const oci::Digest&, std::uint64_t, Time) {
      ++n;
      return true;
    }));
    return n;
  }

  TempDir dir_;
  FakeClock clock_;
  std::unique_ptr<FaultInjectingBlobStore> store_;
};

TEST_F(FaultInjectionTest, FiresOnTheNthCallOnly) {
  ASSERT_OK_AND_ASSIGN(UploadState state, store().StartUpload(NewUuid(), "r", HashAlgorithm::kSha256));
  store().FailNth(FaultPoint::kWrite, 3);
  ASSERT_OK_AND_ASSIGN(auto writer, store().OpenUpload(state));
  EXPECT_OK(writer->Write("a", 1));
  EXPECT_OK(writer->Write("b", 1));
  EXPECT_STATUS(writer->Write("c", 1), StatusCode::kUnavailable);
  EXPECT_STATUS(writer->Write("d", 1), StatusCode::kUnavailable);  // the writer is dead
  EXPECT_STATUS(writer->Finish(), StatusCode::kUnavailable);
  EXPECT_EQ(store().calls(FaultPoint::kWrite), 3);  // a dead writer does not reach the store
  EXPECT_EQ(store().calls(FaultPoint::kFinish), 0);
}

TEST_F(FaultInjectionTest, AFailedCommitLeavesNoVisibleBlobAndCanBeRetried) {
  const std::string content = Repeat("layer", 1000);
  const oci::Digest digest = oci::Digest::Sha256Of(content);
  ASSERT_OK_AND_ASSIGN(UploadState state, store().StartUpload(NewUuid(), "r", HashAlgorithm::kSha256));
  ASSERT_OK_AND_ASSIGN(state, Request(state, {content}));

  store().FailNth(FaultPoint::kCommit, 1, FaultTiming::kBefore);
  EXPECT_STATUS(store().CommitUpload(state, digest), StatusCode::kUnavailable);
  EXPECT_STATUS(store().Stat(digest), StatusCode::kNotFound);
  EXPECT_EQ(BlobCount(), 0u);

  Restart();
  ASSERT_OK_AND_ASSIGN(std::uint64_t size, store().CommitUpload(state, digest));
  EXPECT_EQ(size, content.size());
}

// The crash comes after the blob was published but before the caller could
// record it: the blob is complete (never partial) and merely unreferenced.
TEST_F(FaultInjectionTest, ACommitWhoseResultIsLostLeavesACompleteBlob) {
  const std::string content = Repeat("0123456789", 10'000);
  const oci::Digest digest = oci::Digest::Sha256Of(content);
  ASSERT_OK_AND_ASSIGN(UploadState state, store().StartUpload(NewUuid(), "r", HashAlgorithm::kSha256));
  ASSERT_OK_AND_ASSIGN(state, Request(state, {content}));

  store().FailNth(FaultPoint::kCommit, 1, FaultTiming::kAfter);
  EXPECT_STATUS(store().CommitUpload(state, digest), StatusCode::kUnavailable);
  Restart();
  ASSERT_OK_AND_ASSIGN(std::string published, store().ReadAll(digest, content.size()));
  EXPECT_EQ(published, content);
  // The staging area went with the rename; a retry learns that, and GC finds
  // the blob through ForEachBlob if no metadata row ever refers to it.
  EXPECT_STATUS(store().CommitUpload(state, digest), StatusCode::kNotFound);
  EXPECT_EQ(BlobCount(), 1u);
}

TEST_F(FaultInjectionTest, FailedAndLostPuts) {
  const oci::Digest digest = oci::Digest::Sha256Of("manifest");
  store().FailNth(FaultPoint::kPut, 1, FaultTiming::kBefore);
  EXPECT_STATUS(store().Put(digest, "manifest"), StatusCode::kUnavailable);
  EXPECT_STATUS(store().Stat(digest), StatusCode::kNotFound);

  store().FailNth(FaultPoint::kPut, 1, FaultTiming::kAfter);
  EXPECT_STATUS(store().Put(digest, "manifest"), StatusCode::kUnavailable);
  Restart();
  ASSERT_OK_AND_ASSIGN(std::string published, store().ReadAll(digest, 100));
  EXPECT_EQ(published, "manifest");
  // The caller's retry is harmless.
  EXPECT_OK(store().Put(digest, "manifest"));
  EXPECT_TRUE(stdfs::is_empty(dir_.path() / "tmp"));
}

// A request dies in the middle of a write (half the buffer reached the
// disk) and then the process dies. The next process gets only the state
// persisted after the previous request.
TEST_F(FaultInjectionTest, TornWriteThenCrashResumesFromThePersistedState) {
  const std::string part1 = Repeat("a", 100'000), part2 = Repeat("b", 100'000), part3 = Repeat("c", 50'000);
  ASSERT_OK_AND_ASSIGN(UploadState persisted, store().StartUpload(NewUuid(), "r", HashAlgorithm::kSha256));
  ASSERT_OK_AND_ASSIGN(persisted, Request(persisted, {part1}));

  store().FailNth(FaultPoint::kWrite, 2, FaultTiming::kBefore);
  EXPECT_STATUS(Request(persisted, {part2.substr(0, 50'000), part2.substr(50'000)}), StatusCode::kUnavailable);
  EXPECT_GT(stdfs::file_size(dir_.path() / "uploads" / persisted.id), part1.size());  // torn bytes on disk

  Restart();
  ASSERT_OK_AND_ASSIGN(persisted, Request(persisted, {part2}));
  ASSERT_OK_AND_ASSIGN(persisted, Request(persisted, {part3}));
  const std::string content = part1 + part2 + part3;
  ASSERT_OK(store().CommitUpload(persisted, oci::Digest::Sha256Of(content)));
  ASSERT_OK_AND_ASSIGN(std::string published, store().ReadAll(oci::Digest::Sha256Of(content), content.size()));
  EXPECT_EQ(published, content);
}

// The backend finished the request, but the process died before the
// metadata store persisted the new state. The client resends the chunk from
// the old offset.
TEST_F(FaultInjectionTest, StateLostAfterFinishResumesFromThePreviousState) {
  ASSERT_OK_AND_ASSIGN(UploadState persisted, store().StartUpload(NewUuid(), "r", HashAlgorithm::kSha256));
  ASSERT_OK_AND_ASSIGN(persisted, Request(persisted, {"first "}));

  store().FailNth(FaultPoint::kFinish, 1, FaultTiming::kAfter);
  EXPECT_STATUS(Request(persisted, {"second "}), StatusCode::kUnavailable);

  Restart();
  ASSERT_OK_AND_ASSIGN(persisted, Request(persisted, {"second "}));
  ASSERT_OK_AND_ASSIGN(persisted, Request(persisted, {"third"}));
  ASSERT_OK(store().CommitUpload(persisted, oci::Digest::Sha256Of("first second third")));
  ASSERT_OK_AND_ASSIGN(std::string published, store().ReadAll(oci::Digest::Sha256Of("first second third"), 100));
  EXPECT_EQ(published, "first second third");
}

// A crash with a writer open: the objects are simply dropped, as the OS
// closes the descriptors of a dead process (which also frees the lock).
TEST_F(FaultInjectionTest, CrashWithAWriterOpen) {
  ASSERT_OK_AND_ASSIGN(UploadState persisted, store().StartUpload(NewUuid(), "r", HashAlgorithm::kSha256));
  ASSERT_OK_AND_ASSIGN(persisted, Request(persisted, {"kept"}));
  auto writer = store().OpenUpload(persisted);
  ASSERT_OK(writer);
  ASSERT_OK((*writer)->Write("-unpersisted", 12));
  writer = Status::Aborted("process died");  // drops the writer
  Restart();

  ASSERT_OK_AND_ASSIGN(persisted, Request(persisted, {"+resumed"}));
  ASSERT_OK(store().CommitUpload(persisted, oci::Digest::Sha256Of("kept+resumed")));
}

// The on-disk states a crash can leave inside FsBlobStore's own publish
// steps: a temp file before its rename, and a staging file whose commit
// never ran. None of them is a blob.
TEST_F(FaultInjectionTest, LeftoversInTmpAndUploadsAreNotBlobs) {
  const std::string content = "a complete, synced file that was never renamed";
  const oci::Digest digest = oci::Digest::Sha256Of(content);
  std::ofstream(dir_.path() / "tmp" / NewUuid()) << content;
  std::ofstream(dir_.path() / "tmp" / NewUuid()) << content.substr(0, 10);
  ASSERT_OK_AND_ASSIGN(UploadState persisted, store().StartUpload(NewUuid(), "r", HashAlgorithm::kSha256));
  ASSERT_OK_AND_ASSIGN(persisted, Request(persisted, {content}));

  Restart();
  EXPECT_EQ(BlobCount(), 0u);
  EXPECT_STATUS(store().Stat(digest), StatusCode::kNotFound);
  EXPECT_STATUS(store().ReadAll(digest, 1000), StatusCode::kNotFound);
  // The upload is still there to be committed (or collected).
  ASSERT_OK(store().CommitUpload(persisted, digest));
  EXPECT_EQ(BlobCount(), 1u);
}

}  // namespace
}  // namespace scopereg::testing
