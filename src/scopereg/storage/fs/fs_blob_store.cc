#include "scopereg/storage/fs/fs_blob_store.h"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <system_error>
#include <utility>

#include "scopereg/core/strings.h"
#include "scopereg/storage/blob_checks.h"
#include "scopereg/storage/fs/background_writer.h"
#include "scopereg/storage/layout.h"
#include "scopereg/storage/upload_hashing.h"
#include "scopereg/storage/fs/posix_file.h"

namespace scopereg::storage {

using fs_internal::EnsureDir;
using fs_internal::FileStat;
using fs_internal::ForEachDirEntry;
using fs_internal::IoError;
using fs_internal::ModifiedTime;
using fs_internal::OpenFile;
using fs_internal::SyncData;
using fs_internal::SyncDir;
using fs_internal::UniqueFd;

namespace {

// A Put writes a few KiB and takes milliseconds; a temp file this old
// belongs to a process that died.
constexpr auto kStaleTempAge = std::chrono::hours(1);

Status BlobNotFound(const oci::Digest& digest) { return Status::NotFound("blob " + digest.str() + " not found"); }

Status UploadNotFound(std::string_view id) {
  return Status::NotFound("upload " + std::string(id) + " has no staging data");
}

// rename(2) that never replaces `to`. Returns false if `to` exists.
Result<bool> RenameNoReplace(const std::string& from, const std::string& to) {
  if (::renameat2(AT_FDCWD, from.c_str(), AT_FDCWD, to.c_str(), RENAME_NOREPLACE) == 0) return true;
  int err = errno;
  if (err == EEXIST) return false;
  if (err == EINVAL || err == ENOSYS) {
    // This filesystem cannot refuse to replace. Two publishers may then both
    // pass the check, and the later rename atomically swaps in identical
    // bytes, which no reader can tell apart.
    struct stat st {};
    if (::stat(to.c_str(), &st) == 0) return false;
    if (::rename(from.c_str(), to.c_str()) == 0) return true;
    err = errno;
  }
  if (err == ENOENT) return Status::NotFound("rename " + from + ": it is gone");
  return IoError("rename", from + " -> " + to, err);
}

Status Truncate(int fd, std::uint64_t size, const std::string& path) {
  if (::ftruncate(fd, static_cast<off_t>(size)) != 0) return IoError("truncate", path, errno);
  return Status::Ok();
}

// The staging file of an upload, opened and exclusively flock'ed.
struct LockedStaging {
  UniqueFd fd;
  std::uint64_t size = 0;
};

// kNotFound if the upload has no staging file (also when it was committed or
// aborted while we waited), kAborted if a writer holds it, kDataLoss if it
// is shorter than state.offset.
Result<LockedStaging> LockStaging(const std::string& path, const UploadState& state, int flags) {
  auto opened = OpenFile(path, flags);
  if (!opened.ok()) {
    if (opened.status().IsNotFound()) return UploadNotFound(state.id);
    return opened.status();
  }
  LockedStaging staging{std::move(opened).value()};
  if (::flock(staging.fd.get(), LOCK_EX | LOCK_NB) != 0) {
    if (errno == EWOULDBLOCK) {
      return Status::Aborted("upload " + state.id + " is being written by another request");
    }
    return IoError("flock", path, errno);
  }
  // Between open and flock a commit may have renamed this inode to a blob
  // (or an abort unlinked it). The lock then guards the wrong file, which
  // must never be written: check that the path still names our inode.
  SCOPEREG_ASSIGN_OR_RETURN(struct stat held, FileStat(staging.fd.get(), path));
  struct stat current {};
  if (::stat(path.c_str(), &current) != 0) {
    if (errno == ENOENT) return UploadNotFound(state.id);
    return IoError("stat", path, errno);
  }
  if (current.st_ino != held.st_ino || current.st_dev != held.st_dev) return UploadNotFound(state.id);
  staging.size = static_cast<std::uint64_t>(held.st_size);
  if (staging.size < state.offset) {
    return Status::DataLoss("upload " + state.id + " holds " + std::to_string(staging.size) +
                            " bytes, its state says " + std::to_string(state.offset));
  }
  return staging;
}

// A published blob's descriptor and size.
struct BlobFile {
  UniqueFd fd;
  std::uint64_t size = 0;
};

Result<BlobFile> OpenBlobFile(const std::string& path, const oci::Digest& digest) {
  auto opened = OpenFile(path, O_RDONLY);
  if (!opened.ok()) {
    if (opened.status().IsNotFound()) return BlobNotFound(digest);
    return opened.status();
  }
  BlobFile file{std::move(opened).value()};
  SCOPEREG_ASSIGN_OR_RETURN(struct stat st, FileStat(file.fd.get(), path));
  if (!S_ISREG(st.st_mode)) return Status::DataLoss(path + " is not a regular file");
  file.size = static_cast<std::uint64_t>(st.st_size);
  return file;
}

// The stat of an entry a listing just returned; nullopt if it has vanished
// since (a concurrent commit or delete) or is not a regular file.
Result<std::optional<struct stat>> StatEntry(int dir_fd, const char* name, const std::string& dir) {
  struct stat st {};
  if (::fstatat(dir_fd, name, &st, AT_SYMLINK_NOFOLLOW) != 0) {
    if (errno == ENOENT) return std::optional<struct stat>();
    return IoError("stat", dir + "/" + name, errno);
  }
  if (!S_ISREG(st.st_mode)) return std::optional<struct stat>();
  return std::optional<struct stat>(st);
}

// For nested listings: whether the outer listing goes on after an inner one.
// A name that is not a directory is skipped; an I/O error stops everything.
bool ContinueAfter(const Result<bool>& inner, Status& error) {
  if (inner.ok()) return *inner;
  if (!inner.status().IsNotFound()) error = inner.status();
  return error.ok();
}

class FsBlobReader final : public BlobReader {
 public:
  FsBlobReader(UniqueFd fd, std::string path, std::uint64_t start, std::uint64_t size)
      : fd_(std::move(fd)), path_(std::move(path)), start_(start), size_(size) {}

  std::uint64_t size() const override { return size_; }

  Result<std::size_t> Read(char* buf, std::size_t n) override {
    const std::uint64_t left = size_ - read_;
    if (left < n) n = static_cast<std::size_t>(left);
    if (n == 0) return std::size_t{0};
    SCOPEREG_ASSIGN_OR_RETURN(std::size_t r, fs_internal::PreadSome(fd_.get(), buf, n, start_ + read_, path_));
    // Blobs are immutable, so a short file was damaged behind our back.
    if (r == 0) return Status::DataLoss(path_ + " is shorter than when it was opened");
    read_ += r;
    return r;
  }

  int native_fd() const override { return fd_.get(); }
  std::uint64_t native_offset() const override { return start_; }

 private:
  UniqueFd fd_;
  const std::string path_;
  const std::uint64_t start_;
  const std::uint64_t size_;
  std::uint64_t read_ = 0;
};

class FsUploadWriter final : public HashingUploadWriter {
 public:
  FsUploadWriter(UploadState state, Hasher hasher, const Clock& clock, UniqueFd fd, std::string path)
      : HashingUploadWriter(std::move(state), std::move(hasher), clock),
        fd_(std::move(fd)),
        path_(std::move(path)),
        background_(fd_.get(), path_) {}

 private:
  // Returns once the bytes are queued; the base class hashes them while
  // they are written. A write error breaks the writer at the next call.
  Status Append(const char* data, std::size_t n) override { return background_.Append(data, n); }
  // Also releases the flock, so the next request can open the upload.
  Status Close() override {
    Status drained = background_.Drain();
    Status closed = fd_.Close(path_);
    return drained.ok() ? closed : drained;
  }

  UniqueFd fd_;
  const std::string path_;
  fs_internal::BackgroundWriter background_;  // last: stops before fd_ closes
};

}  // namespace

FsBlobStore::FsBlobStore(std::string root, const Clock& clock) : root_(std::move(root)), clock_(clock) {}

Result<std::unique_ptr<FsBlobStore>> FsBlobStore::Open(std::string root, const Clock& clock) {
  if (root.empty()) return Status::InvalidArgument("blob store root is empty");
  // Absolute, so that every later path means the same whatever the working
  // directory of the process becomes.
  std::error_code ec;
  root = std::filesystem::absolute(root, ec).lexically_normal().string();
  if (ec) return Status::Unavailable("resolve blob store root " + root + ": " + ec.message());
  while (root.size() > 1 && root.back() == '/') root.pop_back();
  std::filesystem::create_directories(root, ec);
  if (ec) return Status::Unavailable("create blob store root " + root + ": " + ec.message());
  for (const char* dir : {"blobs", "uploads", "tmp"}) {
    SCOPEREG_RETURN_IF_ERROR(EnsureDir(root, dir));
  }
  std::unique_ptr<FsBlobStore> store(new FsBlobStore(std::move(root), clock));
  store->RemoveStaleTempFiles();
  return store;
}

void FsBlobStore::RemoveStaleTempFiles() {
  const Time cutoff = clock_.Now() - kStaleTempAge;
  const std::string dir = root_ + "/tmp";
  // Best effort: nothing ever reads tmp/, so a file that cannot be removed
  // now only costs space until the next Open.
  (void)ForEachDirEntry(dir, [&](int dir_fd, const char* name) {
    auto st = StatEntry(dir_fd, name, dir);
    if (st.ok() && *st && ModifiedTime(**st) < cutoff) ::unlinkat(dir_fd, name, 0);
    return true;
  });
}

std::string FsBlobStore::BlobPath(const oci::Digest& digest) const { return root_ + "/" + BlobKey(digest); }

std::string FsBlobStore::UploadPath(std::string_view id) const { return root_ + "/" + UploadKey(id); }

Result<std::uint64_t> FsBlobStore::Stat(const oci::Digest& digest) {
  SCOPEREG_RETURN_IF_ERROR(CheckVerifiableDigest(digest));
  const std::string path = BlobPath(digest);
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) {
    if (errno == ENOENT || errno == ENOTDIR) return BlobNotFound(digest);
    return IoError("stat", path, errno);
  }
  if (!S_ISREG(st.st_mode)) return Status::DataLoss(path + " is not a regular file");
  return static_cast<std::uint64_t>(st.st_size);
}

Result<std::unique_ptr<BlobReader>> FsBlobStore::Open(const oci::Digest& digest, std::uint64_t offset,
                                                      std::optional<std::uint64_t> length) {
  SCOPEREG_RETURN_IF_ERROR(CheckVerifiableDigest(digest));
  std::string path = BlobPath(digest);
  SCOPEREG_ASSIGN_OR_RETURN(BlobFile file, OpenBlobFile(path, digest));
  SCOPEREG_ASSIGN_OR_RETURN(std::uint64_t range_length, ResolveRange(file.size, offset, length));
  return std::make_unique<FsBlobReader>(std::move(file.fd), std::move(path), offset, range_length);
}

Result<std::string> FsBlobStore::ReadAll(const oci::Digest& digest, std::size_t max_bytes) {
  SCOPEREG_RETURN_IF_ERROR(CheckVerifiableDigest(digest));
  const std::string path = BlobPath(digest);
  SCOPEREG_ASSIGN_OR_RETURN(BlobFile file, OpenBlobFile(path, digest));
  if (file.size > max_bytes) {
    return Status::ResourceExhausted("blob " + digest.str() + " has " + std::to_string(file.size) +
                                     " bytes, more than the limit of " + std::to_string(max_bytes));
  }
  std::string content(static_cast<std::size_t>(file.size), '\0');
  SCOPEREG_RETURN_IF_ERROR(fs_internal::PreadExact(file.fd.get(), content.data(), content.size(), 0, path));
  return content;
}

Status FsBlobStore::Put(const oci::Digest& digest, std::string_view content) {
  SCOPEREG_RETURN_IF_ERROR(CheckContentDigest(digest, content));
  auto existing = Stat(digest);
  if (existing.ok()) {
    // Content-addressed, so the bytes are already right; but the Put that
    // created them may not have synced the directory yet, and our caller
    // will record the blob as soon as we return.
    return SyncDir(root_ + "/blobs/" + std::string(digest.algorithm()) + "/" +
                   std::string(digest.encoded().substr(0, 2)));
  }
  if (!existing.status().IsNotFound()) return existing.status();
  const std::string tmp = root_ + "/tmp/" + NewUuid();
  Status s = WriteTempAndPublish(tmp, digest, content);
  if (!s.ok()) {
    // The temp file may be partial; nothing reads tmp/, and Open sweeps what
    // this unlink cannot remove.
    ::unlink(tmp.c_str());
    // Only a vanished temp file makes Publish say kNotFound, and Put has no
    // "not found": it is this host's storage misbehaving.
    if (s.IsNotFound()) return Status::Unavailable(std::string(s.message()));
  }
  return s;
}

Status FsBlobStore::WriteTempAndPublish(const std::string& tmp, const oci::Digest& digest,
                                        std::string_view content) {
  SCOPEREG_ASSIGN_OR_RETURN(UniqueFd fd, OpenFile(tmp, O_WRONLY | O_CREAT | O_EXCL, 0644));
  SCOPEREG_RETURN_IF_ERROR(fs_internal::WriteAll(fd.get(), content.data(), content.size(), tmp));
  SCOPEREG_RETURN_IF_ERROR(SyncData(fd.get(), tmp));
  SCOPEREG_RETURN_IF_ERROR(fd.Close(tmp));
  return Publish(tmp, digest);
}

Status FsBlobStore::Publish(const std::string& from, const oci::Digest& digest) {
  const std::string blobs_dir = root_ + "/blobs";
  const std::string algorithm_dir = blobs_dir + "/" + std::string(digest.algorithm());
  const std::string_view fanout = digest.encoded().substr(0, 2);
  SCOPEREG_RETURN_IF_ERROR(EnsureDir(blobs_dir, digest.algorithm()));
  SCOPEREG_RETURN_IF_ERROR(EnsureDir(algorithm_dir, fanout));
  SCOPEREG_ASSIGN_OR_RETURN(bool renamed, RenameNoReplace(from, BlobPath(digest)));
  if (!renamed) {
    // Published by someone else first, with the same bytes by construction.
    // Ours is now garbage in tmp/ or uploads/, which Open or GC removes if
    // this unlink fails.
    ::unlink(from.c_str());
  }
  // Also when someone else renamed: they may not have synced yet.
  return SyncDir(algorithm_dir + "/" + std::string(fanout));
}

Status FsBlobStore::Delete(const oci::Digest& digest) {
  SCOPEREG_RETURN_IF_ERROR(CheckVerifiableDigest(digest));
  const std::string path = BlobPath(digest);
  // Not synced: if a crash undoes the unlink, GC finds the blob again.
  if (::unlink(path.c_str()) != 0 && errno != ENOENT && errno != ENOTDIR) return IoError("unlink", path, errno);
  return Status::Ok();
}

Status FsBlobStore::ForEachBlob(
    const std::function<bool(const oci::Digest&, std::uint64_t size, Time modified)>& fn) {
  const std::string blobs_dir = root_ + "/blobs";
  Status error;
  auto listed = ForEachDirEntry(blobs_dir, [&](int, const char* algorithm) {
    if (!ParseHashAlgorithm(algorithm)) return true;
    const std::string algorithm_dir = blobs_dir + "/" + algorithm;
    auto algorithm_listed = ForEachDirEntry(algorithm_dir, [&](int, const char* fanout) {
      const std::string fanout_dir = algorithm_dir + "/" + fanout;
      auto fanout_listed = ForEachDirEntry(fanout_dir, [&](int dir_fd, const char* name) {
        auto digest = DigestFromBlobKey(algorithm, fanout, name);
        if (!digest) return true;
        auto st = StatEntry(dir_fd, name, fanout_dir);
        if (!st.ok()) {
          error = st.status();
          return false;
        }
        if (!*st) return true;
        return fn(*digest, static_cast<std::uint64_t>((*st)->st_size), ModifiedTime(**st));
      });
      return ContinueAfter(fanout_listed, error);
    });
    return ContinueAfter(algorithm_listed, error);
  });
  if (!listed.ok()) return listed.status();
  return error;
}

Result<UploadState> FsBlobStore::StartUpload(std::string_view id, std::string_view repository,
                                             HashAlgorithm algorithm) {
  SCOPEREG_RETURN_IF_ERROR(CheckUploadId(id));
  const std::string path = UploadPath(id);
  auto created = OpenFile(path, O_WRONLY | O_CREAT | O_EXCL, 0644);
  if (!created.ok()) {
    if (created.status().Is(StatusCode::kAlreadyExists)) {
      return Status::AlreadyExists("upload " + std::string(id) + " already exists");
    }
    return created.status();
  }
  UploadState state;
  state.id = std::string(id);
  state.repository = std::string(repository);
  state.hash_algorithm = algorithm;
  state.hash_state = Hasher(algorithm).SaveState();
  state.created_at = clock_.Now();
  state.updated_at = state.created_at;
  return state;
}

Result<std::unique_ptr<UploadWriter>> FsBlobStore::OpenUpload(const UploadState& state) {
  SCOPEREG_RETURN_IF_ERROR(CheckUploadId(state.id));
  SCOPEREG_ASSIGN_OR_RETURN(Hasher hasher, RestoreUploadHasher(state));
  std::string path = UploadPath(state.id);
  SCOPEREG_ASSIGN_OR_RETURN(LockedStaging staging, LockStaging(path, state, O_WRONLY));
  // Bytes past the persisted offset come from a writer that never finished;
  // no state describes them.
  if (staging.size > state.offset) {
    SCOPEREG_RETURN_IF_ERROR(Truncate(staging.fd.get(), state.offset, path));
  }
  if (::lseek(staging.fd.get(), static_cast<off_t>(state.offset), SEEK_SET) < 0) {
    return IoError("seek", path, errno);
  }
  return std::make_unique<FsUploadWriter>(state, std::move(hasher), clock_, std::move(staging.fd), std::move(path));
}

Result<std::uint64_t> FsBlobStore::CommitUpload(const UploadState& state, const oci::Digest& expected) {
  SCOPEREG_RETURN_IF_ERROR(CheckUploadId(state.id));
  SCOPEREG_RETURN_IF_ERROR(CheckVerifiableDigest(expected));
  const std::string path = UploadPath(state.id);
  // The lock is held until we return, so no writer can append to the file
  // while it is verified and after it became the blob.
  SCOPEREG_ASSIGN_OR_RETURN(LockedStaging staging, LockStaging(path, state, O_RDWR));
  SCOPEREG_RETURN_IF_ERROR(VerifyUploadDigest(state, expected, [&](Hasher& hasher) {
    return fs_internal::HashFilePrefix(staging.fd.get(), state.offset, hasher, path);
  }));
  // Only now, with the digest confirmed, may the staging file change.
  if (staging.size > state.offset) {
    SCOPEREG_RETURN_IF_ERROR(Truncate(staging.fd.get(), state.offset, path));
  }
  // The data (and size) must be on disk before the rename can be: otherwise
  // a power loss could leave the blob's name pointing at missing bytes.
  SCOPEREG_RETURN_IF_ERROR(SyncData(staging.fd.get(), path));
  SCOPEREG_RETURN_IF_ERROR(Publish(path, expected));
  return state.offset;
}

Status FsBlobStore::AbortUpload(const UploadState& state) {
  SCOPEREG_RETURN_IF_ERROR(CheckUploadId(state.id));
  const std::string path = UploadPath(state.id);
  // A writer still alive keeps appending to the unlinked inode, harmlessly.
  if (::unlink(path.c_str()) != 0 && errno != ENOENT) return IoError("unlink", path, errno);
  return Status::Ok();
}

Status FsBlobStore::ForEachUpload(const std::function<bool(std::string_view id, Time modified)>& fn) {
  const std::string dir = root_ + "/uploads";
  Status error;
  auto listed = ForEachDirEntry(dir, [&](int dir_fd, const char* name) {
    if (!IsValidUploadId(name)) return true;
    auto st = StatEntry(dir_fd, name, dir);
    if (!st.ok()) {
      error = st.status();
      return false;
    }
    if (!*st) return true;
    return fn(name, ModifiedTime(**st));
  });
  if (!listed.ok()) return listed.status();
  return error;
}

}  // namespace scopereg::storage
