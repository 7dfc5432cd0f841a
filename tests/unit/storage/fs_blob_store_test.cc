// FsBlobStore behaviour that the shared conformance suite cannot see: the
// files on disk, path safety, locking, and how OS errors come back.
#include "scopereg/storage/fs/fs_blob_store.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <fcntl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include <csignal>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <set>
#include <string>

#include "scopereg/core/strings.h"
#include "testing/fake_clock.h"
#include "testing/status_matchers.h"
#include "testing/temp_dir.h"

namespace scopereg::storage {
namespace {

namespace stdfs = std::filesystem;
using ::testing::HasSubstr;

std::string ReadFile(const stdfs::path& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

void WriteFile(const stdfs::path& path, std::string_view content) {
  std::ofstream out(path, std::ios::binary);
  out << content;
}

// Every regular file under `root`, relative to it.
std::set<std::string> FilesUnder(const stdfs::path& root) {
  std::set<std::string> files;
  for (const auto& e : stdfs::recursive_directory_iterator(root)) {
    if (e.is_regular_file()) files.insert(stdfs::relative(e.path(), root).string());
  }
  return files;
}

class FsBlobStoreTest : public ::testing::Test {
 protected:
  void SetUp() override { ASSERT_OK_AND_ASSIGN(store_, FsBlobStore::Open(dir_.str(), clock_)); }

  stdfs::path root() const { return dir_.path(); }
  std::string BlobFile(const oci::Digest& d) const {
    return (root() / "blobs" / std::string(d.algorithm()) / std::string(d.encoded().substr(0, 2)) /
            std::string(d.encoded()))
        .string();
  }
  std::set<std::string> ListedBlobs() {
    std::set<std::string> out;
    EXPECT_OK(store_->ForEachBlob([&](const oci::Digest& d, std::uint64_t, Time) {
      out.insert(d.str());
      return true;
    }));
    return out;
  }
  std::set<std::string> ListedUploads() {
    std::set<std::string> out;
    EXPECT_OK(store_->ForEachUpload([&](std::string_view id, Time) {
      out.emplace(id);
      return true;
    }));
    return out;
  }
  Result<UploadState> StageUpload(std::string_view content) {
    SCOPEREG_ASSIGN_OR_RETURN(UploadState state, store_->StartUpload(NewUuid(), "r", HashAlgorithm::kSha256));
    SCOPEREG_ASSIGN_OR_RETURN(auto writer, store_->OpenUpload(state));
    SCOPEREG_RETURN_IF_ERROR(writer->Write(content.data(), content.size()));
    return writer->Finish();
  }

  testing::TempDir dir_;
  testing::FakeClock clock_;
  std::unique_ptr<FsBlobStore> store_;
};

TEST_F(FsBlobStoreTest, FilesLandWhereTheLayoutSays) {
  EXPECT_TRUE(stdfs::is_directory(root() / "blobs"));
  EXPECT_TRUE(stdfs::is_directory(root() / "uploads"));
  EXPECT_TRUE(stdfs::is_directory(root() / "tmp"));

  const oci::Digest put = oci::Digest::Sha256Of("manifest");
  ASSERT_OK(store_->Put(put, "manifest"));
  EXPECT_EQ(ReadFile(BlobFile(put)), "manifest");

  ASSERT_OK_AND_ASSIGN(UploadState state, StageUpload("layer"));
  EXPECT_EQ(ReadFile(root() / "uploads" / state.id), "layer");
  const oci::Digest committed = oci::Digest::Sha256Of("layer");
  ASSERT_OK(store_->CommitUpload(state, committed));

  // Nothing else: no temp file, no staging file, no side files.
  const std::string rel_put = stdfs::relative(BlobFile(put), root()).string();
  const std::string rel_committed = stdfs::relative(BlobFile(committed), root()).string();
  EXPECT_EQ(FilesUnder(root()), (std::set<std::string>{rel_put, rel_committed}));
  EXPECT_THAT(rel_put, ::testing::StartsWith("blobs/sha256/" + std::string(put.encoded().substr(0, 2)) + "/"));
}

TEST_F(FsBlobStoreTest, OpenCreatesANestedRootAndAcceptsATrailingSlash) {
  const std::string nested = dir_.str() + "/a/b/c/";
  ASSERT_OK_AND_ASSIGN(auto store, FsBlobStore::Open(nested, clock_));
  EXPECT_EQ(store->root(), dir_.str() + "/a/b/c");
  EXPECT_TRUE(stdfs::is_directory(dir_.path() / "a/b/c/uploads"));
}

TEST_F(FsBlobStoreTest, ARelativeRootIsResolvedOnce) {
  const stdfs::path cwd = stdfs::current_path();
  stdfs::current_path(dir_.path());
  auto store = FsBlobStore::Open("relative/root", clock_);
  stdfs::current_path(cwd);  // the store must not depend on the working directory any more
  ASSERT_OK(store);
  EXPECT_EQ((*store)->root(), (dir_.path() / "relative/root").string());
  ASSERT_OK((*store)->Put(oci::Digest::Sha256Of("x"), "x"));
  EXPECT_TRUE(stdfs::exists(dir_.path() / "relative/root/blobs/sha256"));
}

TEST_F(FsBlobStoreTest, OpenOnAFileIsUnavailable) {
  WriteFile(root() / "plain-file", "x");
  EXPECT_STATUS(FsBlobStore::Open((root() / "plain-file").string(), clock_), StatusCode::kUnavailable);
  EXPECT_STATUS(FsBlobStore::Open((root() / "plain-file" / "below").string(), clock_), StatusCode::kUnavailable);
  EXPECT_STATUS(FsBlobStore::Open("", clock_), StatusCode::kInvalidArgument);
}

TEST_F(FsBlobStoreTest, CommitRenamesTheStagingFileInsteadOfCopying) {
  ASSERT_OK_AND_ASSIGN(UploadState state, StageUpload("layer bytes"));
  struct stat staged {};
  ASSERT_EQ(::stat((root() / "uploads" / state.id).c_str(), &staged), 0);
  const oci::Digest digest = oci::Digest::Sha256Of("layer bytes");
  ASSERT_OK(store_->CommitUpload(state, digest));
  struct stat published {};
  ASSERT_EQ(::stat(BlobFile(digest).c_str(), &published), 0);
  EXPECT_EQ(published.st_ino, staged.st_ino);
}

TEST_F(FsBlobStoreTest, OpenUploadCutsOffUnfinishedBytes) {
  ASSERT_OK_AND_ASSIGN(UploadState state, StageUpload("persisted"));
  {
    ASSERT_OK_AND_ASSIGN(auto writer, store_->OpenUpload(state));
    ASSERT_OK(writer->Write(" and lost", 9));
  }
  EXPECT_EQ(ReadFile(root() / "uploads" / state.id), "persisted and lost");
  ASSERT_OK_AND_ASSIGN(auto writer, store_->OpenUpload(state));
  EXPECT_EQ(ReadFile(root() / "uploads" / state.id), "persisted");
}

TEST_F(FsBlobStoreTest, UploadIdsCannotReachOutsideUploads) {
  const stdfs::path outside = root() / "escaped";
  for (const std::string& id : {std::string("../escaped"), std::string("../../escaped"), root().string() + "/escaped"}) {
    EXPECT_STATUS(store_->StartUpload(id, "r", HashAlgorithm::kSha256), StatusCode::kInvalidArgument);
  }
  EXPECT_FALSE(stdfs::exists(outside));
  // AbortUpload must not delete anything outside either.
  WriteFile(outside, "precious");
  UploadState state;
  state.id = "../escaped";
  EXPECT_STATUS(store_->AbortUpload(state), StatusCode::kInvalidArgument);
  EXPECT_EQ(ReadFile(outside), "precious");
}

TEST_F(FsBlobStoreTest, ASecondWriterOrACommitWaitsForTheWriterToEnd) {
  ASSERT_OK_AND_ASSIGN(UploadState state, StageUpload("abc"));
  ASSERT_OK_AND_ASSIGN(auto writer, store_->OpenUpload(state));
  ASSERT_OK_AND_ASSIGN(auto other_process, FsBlobStore::Open(dir_.str(), clock_));
  EXPECT_STATUS(other_process->OpenUpload(state), StatusCode::kAborted);
  EXPECT_STATUS(other_process->CommitUpload(state, oci::Digest::Sha256Of("abc")), StatusCode::kAborted);
  ASSERT_OK(writer->Write("d", 1));
  ASSERT_OK_AND_ASSIGN(UploadState next, writer->Finish());
  // Finish released the lock.
  ASSERT_OK(other_process->CommitUpload(next, oci::Digest::Sha256Of("abcd")));
}

TEST_F(FsBlobStoreTest, DroppingAWriterReleasesTheUpload) {
  ASSERT_OK_AND_ASSIGN(UploadState state, StageUpload("abc"));
  { ASSERT_OK_AND_ASSIGN(auto writer, store_->OpenUpload(state)); }
  EXPECT_OK(store_->OpenUpload(state));
}

TEST_F(FsBlobStoreTest, ListingsSkipNamesOutsideTheLayout) {
  const oci::Digest real = oci::Digest::Sha256Of("real");
  ASSERT_OK(store_->Put(real, "real"));
  ASSERT_OK_AND_ASSIGN(UploadState upload, StageUpload("staged"));
  const std::string hex(real.encoded());
  const stdfs::path fanout = root() / "blobs/sha256" / hex.substr(0, 2);
  std::string upper = hex;
  upper[10] = 'F';
  WriteFile(fanout / (hex + ".partial"), "x");
  WriteFile(fanout / upper, "x");
  WriteFile(fanout / "README", "x");
  stdfs::create_directories(root() / "blobs/sha256/zz");
  WriteFile(root() / "blobs/sha256/zz" / ("zz" + hex.substr(2)), "x");  // not hex
  stdfs::create_directories(root() / "blobs/sha256/00");
  WriteFile(root() / "blobs/sha256/00" / hex, "x");  // in the wrong fan-out directory
  stdfs::create_directories(root() / "blobs/md5/0c");
  WriteFile(root() / "blobs/md5/0c/0cc175b9c0f1b6a831c399e269772661", "x");
  WriteFile(root() / "blobs/sha256/ff", "a file where a directory belongs");
  const std::string dir_digest = std::string(62, 'e') + "ee";
  stdfs::create_directories(root() / "blobs/sha256/ee" / dir_digest);  // a directory, not a blob
  WriteFile(root() / "blobs/stray", "x");
  WriteFile(root() / "uploads/README", "x");
  WriteFile(root() / "uploads" / "3F2504E0-4F89-11D3-9A0C-0305E82C3301", "x");
  stdfs::create_directories(root() / "uploads" / NewUuid());  // a directory, not a staging file

  EXPECT_EQ(ListedBlobs(), (std::set<std::string>{real.str()}));
  EXPECT_EQ(ListedUploads(), (std::set<std::string>{upload.id}));
}

TEST_F(FsBlobStoreTest, TempFilesAreInvisibleAndSweptOnceStale) {
  // What Puts that crashed before and after their fdatasync leave behind.
  const std::string content = "complete but never renamed";
  const oci::Digest digest = oci::Digest::Sha256Of(content);
  const stdfs::path stale = root() / "tmp" / NewUuid();
  const stdfs::path fresh = root() / "tmp" / NewUuid();
  WriteFile(stale, content);
  WriteFile(fresh, "partial");
  const Time two_hours_ago = clock_.Now() - std::chrono::hours(2);
  const timespec times[2] = {{ToUnixSeconds(two_hours_ago), 0}, {ToUnixSeconds(two_hours_ago), 0}};
  ASSERT_EQ(::utimensat(AT_FDCWD, stale.c_str(), times, 0), 0);
  const timespec now[2] = {{ToUnixSeconds(clock_.Now()), 0}, {ToUnixSeconds(clock_.Now()), 0}};
  ASSERT_EQ(::utimensat(AT_FDCWD, fresh.c_str(), now, 0), 0);

  EXPECT_TRUE(ListedBlobs().empty());
  EXPECT_TRUE(ListedUploads().empty());
  EXPECT_STATUS(store_->Stat(digest), StatusCode::kNotFound);

  ASSERT_OK_AND_ASSIGN(auto reopened, FsBlobStore::Open(dir_.str(), clock_));
  EXPECT_FALSE(stdfs::exists(stale));
  EXPECT_TRUE(stdfs::exists(fresh));  // may belong to a live Put of another process
}

// A publish that fails after the data was written and synced (here: a file
// sits where the fan-out directory must go) leaves no blob and no temp
// file, and a failed commit leaves the upload as it was.
TEST_F(FsBlobStoreTest, PublishFailureLeavesNoVisibleBlob) {
  const std::string content = "blocked";
  const oci::Digest digest = oci::Digest::Sha256Of(content);
  const stdfs::path blocker = root() / "blobs/sha256" / std::string(digest.encoded().substr(0, 2));
  stdfs::create_directories(blocker.parent_path());
  WriteFile(blocker, "in the way");

  Status put = store_->Put(digest, content);
  EXPECT_EQ(put.code(), StatusCode::kUnavailable);
  EXPECT_THAT(std::string(put.message()), HasSubstr(blocker.string()));
  EXPECT_STATUS(store_->Stat(digest), StatusCode::kNotFound);
  EXPECT_TRUE(ListedBlobs().empty());
  EXPECT_TRUE(stdfs::is_empty(root() / "tmp"));

  ASSERT_OK_AND_ASSIGN(UploadState state, StageUpload(content));
  EXPECT_STATUS(store_->CommitUpload(state, digest), StatusCode::kUnavailable);
  EXPECT_STATUS(store_->Stat(digest), StatusCode::kNotFound);
  EXPECT_EQ(ListedUploads(), (std::set<std::string>{state.id}));
  EXPECT_EQ(ReadFile(root() / "uploads" / state.id), content);

  // Once the operator removes the obstacle, the same commit goes through.
  stdfs::remove(blocker);
  ASSERT_OK(store_->CommitUpload(state, digest));
  ASSERT_OK_AND_ASSIGN(std::string published, store_->ReadAll(digest, 100));
  EXPECT_EQ(published, content);
}

// Runs `checks` in a child process (so limits and identity changes stay
// there) and expects it to return 0, the number of failed expectations; the
// child prints what failed. With kDropPrivileges the child cannot bypass
// file permissions (it becomes nobody when the tests run as root).
enum class ChildPrivileges { kKeep, kDrop };

int RunChild(const std::function<int()>& checks, ChildPrivileges privileges) {
  if (privileges == ChildPrivileges::kDrop && ::geteuid() == 0 &&
      (::setresgid(65534, 65534, 65534) != 0 || ::setresuid(65534, 65534, 65534) != 0)) {
    std::perror("dropping privileges");
    return 100;
  }
  return checks();
}

void ExpectChildPasses(const std::function<int()>& checks, ChildPrivileges privileges) {
  EXPECT_EXIT(std::_Exit(RunChild(checks, privileges)), ::testing::ExitedWithCode(0), "");
}

int Check(bool ok, const std::string& what) {
  if (!ok) std::fprintf(stderr, "FAILED: %s\n", what.c_str());
  return ok ? 0 : 1;
}

int CheckUnavailable(const Status& s, const std::string& what) {
  return Check(s.code() == StatusCode::kUnavailable && s.message().find("ermission denied") != std::string::npos,
               what + " gave " + s.ToString());
}

TEST_F(FsBlobStoreTest, PermissionErrorsComeBackAsUnavailable) {
  const oci::Digest existing = oci::Digest::Sha256Of("readable");
  ASSERT_OK(store_->Put(existing, "readable"));
  ASSERT_OK_AND_ASSIGN(UploadState staged, StageUpload("staged"));
  // Readable and traversable by everyone, writable by no one but root.
  stdfs::permissions(root(), stdfs::perms(0755));
  stdfs::permissions(root() / "tmp", stdfs::perms(0555));
  stdfs::permissions(root() / "uploads", stdfs::perms(0555));
  stdfs::permissions(root() / "uploads" / staged.id, stdfs::perms(0444));
  // A second root whose blobs cannot even be looked at.
  ASSERT_OK_AND_ASSIGN(auto locked, FsBlobStore::Open((root() / "locked").string(), clock_));
  ASSERT_OK(locked->Put(existing, "readable"));
  stdfs::permissions(root() / "locked/blobs", stdfs::perms(0));

  ExpectChildPasses([&] {
    int failed = 0;
    failed += CheckUnavailable(store_->Put(oci::Digest::Sha256Of("new"), "new"), "Put");
    failed += CheckUnavailable(store_->StartUpload(NewUuid(), "r", HashAlgorithm::kSha256).status(), "StartUpload");
    failed += CheckUnavailable(store_->OpenUpload(staged).status(), "OpenUpload");
    failed += CheckUnavailable(store_->CommitUpload(staged, oci::Digest::Sha256Of("staged")).status(), "CommitUpload");
    failed += CheckUnavailable(store_->AbortUpload(staged), "AbortUpload");
    failed += CheckUnavailable(FsBlobStore::Open((root() / "new-root").string(), clock_).status(), "Open");
    // Reading what is readable still works.
    auto read = store_->ReadAll(existing, 100);
    failed += Check(read.ok() && *read == "readable", "ReadAll of a readable blob: " + read.status().ToString());
    // A lookup that is refused is not "not found".
    failed += CheckUnavailable(locked->Stat(existing).status(), "Stat under an unreadable directory");
    failed += CheckUnavailable(locked->Open(existing).status(), "Open under an unreadable directory");
    failed += CheckUnavailable(locked->ForEachBlob([](const oci::Digest&, std::uint64_t, Time) { return true; }),
                               "ForEachBlob of an unreadable directory");
    return failed;
  }, ChildPrivileges::kDrop);
  stdfs::permissions(root() / "locked/blobs", stdfs::perms(0755));
  stdfs::permissions(root() / "tmp", stdfs::perms(0755));
  stdfs::permissions(root() / "uploads", stdfs::perms(0755));
}

// RLIMIT_FSIZE makes write(2) fail with EFBIG at a chosen size: a stand-in
// for a full disk that needs no special filesystem.
TEST_F(FsBlobStoreTest, AFullDiskFailsTheWriteWithTheErrnoAndPath) {
  ASSERT_OK_AND_ASSIGN(UploadState state, store_->StartUpload(NewUuid(), "r", HashAlgorithm::kSha256));
  const std::string staging = (root() / "uploads" / state.id).string();
  ExpectChildPasses([&] {
    std::signal(SIGXFSZ, SIG_IGN);
    const rlimit limit{64 * 1024, 64 * 1024};
    if (::setrlimit(RLIMIT_FSIZE, &limit) != 0) return 100;
    int failed = 0;
    auto writer = store_->OpenUpload(state);
    failed += Check(writer.ok(), "OpenUpload");
    if (!writer.ok()) return failed;
    const std::string big(128 * 1024, 'x');
    // The write happens in the background: its error comes from Write or,
    // at the latest, from Finish.
    Status w = (*writer)->Write(big.data(), big.size());
    Status f = (*writer)->Finish().status();
    const Status& first = w.ok() ? f : w;
    failed += Check(first.code() == StatusCode::kUnavailable && first.message().find(staging) != std::string::npos &&
                        first.message().find("too large") != std::string::npos,
                    "Write gave " + w.ToString() + ", Finish gave " + f.ToString());
    failed += Check(f.code() == StatusCode::kUnavailable, "Finish after failure gave " + f.ToString());
    Status put = store_->Put(oci::Digest::Sha256Of(big), big);
    failed += Check(put.code() == StatusCode::kUnavailable, "Put gave " + put.ToString());
    failed += Check(store_->Stat(oci::Digest::Sha256Of(big)).status().IsNotFound(), "no blob after failed Put");
    failed += Check(stdfs::is_empty(root() / "tmp"), "tmp/ empty after failed Put");
    return failed;
  }, ChildPrivileges::kKeep);
  // The torn bytes are past the persisted offset and go at the next open.
  ASSERT_OK_AND_ASSIGN(auto writer, store_->OpenUpload(state));
  EXPECT_EQ(stdfs::file_size(staging), 0u);
}

}  // namespace
}  // namespace scopereg::storage
