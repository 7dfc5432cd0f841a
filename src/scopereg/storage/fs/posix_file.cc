#include "scopereg/storage/fs/posix_file.h"

#include <dirent.h>
#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <memory>
#include <system_error>

namespace scopereg::storage::fs_internal {

namespace {

// Large enough that re-hashing runs at hashing speed, small enough to be
// irrelevant next to the page cache.
constexpr std::size_t kHashBufferSize = 1 << 20;

std::string ErrnoText(int err) { return std::error_code(err, std::generic_category()).message(); }

}  // namespace

UniqueFd& UniqueFd::operator=(UniqueFd&& other) noexcept {
  if (this != &other) {
    if (fd_ >= 0) ::close(fd_);
    fd_ = std::exchange(other.fd_, -1);
  }
  return *this;
}

UniqueFd::~UniqueFd() {
  if (fd_ >= 0) ::close(fd_);
}

Status UniqueFd::Close(const std::string& path) {
  // close(2) must not be retried on EINTR on Linux: the descriptor is gone.
  const int rc = ::close(std::exchange(fd_, -1));
  if (rc != 0 && errno != EINTR) return IoError("close", path, errno);
  return Status::Ok();
}

Status IoError(std::string_view op, const std::string& path, int err) {
  return Status::Unavailable(std::string(op) + " " + path + ": " + ErrnoText(err));
}

Result<UniqueFd> OpenFile(const std::string& path, int flags, mode_t mode) {
  int fd;
  do {
    fd = ::open(path.c_str(), flags | O_CLOEXEC, mode);
  } while (fd < 0 && errno == EINTR);
  if (fd >= 0) return UniqueFd(fd);
  const int err = errno;
  if ((err == ENOENT || err == ENOTDIR) && (flags & O_CREAT) == 0) {
    return Status::NotFound("open " + path + ": " + ErrnoText(err));
  }
  if (err == EEXIST && (flags & O_EXCL) != 0) return Status::AlreadyExists("create " + path + ": " + ErrnoText(err));
  return IoError("open", path, err);
}

Status WriteAll(int fd, const char* data, std::size_t n, const std::string& path) {
  while (n > 0) {
    const ssize_t w = ::write(fd, data, n);
    if (w < 0) {
      if (errno == EINTR) continue;
      return IoError("write", path, errno);
    }
    data += w;
    n -= static_cast<std::size_t>(w);
  }
  return Status::Ok();
}

Result<std::size_t> PreadSome(int fd, char* buf, std::size_t n, std::uint64_t offset, const std::string& path) {
  for (;;) {
    const ssize_t r = ::pread(fd, buf, n, static_cast<off_t>(offset));
    if (r >= 0) return static_cast<std::size_t>(r);
    if (errno != EINTR) return IoError("read", path, errno);
  }
}

Status PreadExact(int fd, char* buf, std::size_t n, std::uint64_t offset, const std::string& path) {
  while (n > 0) {
    SCOPEREG_ASSIGN_OR_RETURN(std::size_t r, PreadSome(fd, buf, n, offset, path));
    if (r == 0) return Status::DataLoss(path + " ended " + std::to_string(n) + " bytes early");
    buf += r;
    n -= r;
    offset += r;
  }
  return Status::Ok();
}

Status HashFilePrefix(int fd, std::uint64_t length, Hasher& hasher, const std::string& path) {
  auto buf = std::make_unique_for_overwrite<char[]>(kHashBufferSize);
  for (std::uint64_t done = 0; done < length;) {
    const std::size_t n = static_cast<std::size_t>(std::min<std::uint64_t>(kHashBufferSize, length - done));
    SCOPEREG_RETURN_IF_ERROR(PreadExact(fd, buf.get(), n, done, path));
    hasher.Update(buf.get(), n);
    done += n;
  }
  return Status::Ok();
}

Result<struct stat> FileStat(int fd, const std::string& path) {
  struct stat st {};
  if (::fstat(fd, &st) != 0) return IoError("stat", path, errno);
  return st;
}

Status SyncData(int fd, const std::string& path) {
  if (::fdatasync(fd) != 0) return IoError("fdatasync", path, errno);
  return Status::Ok();
}

Status SyncDir(const std::string& path) {
  SCOPEREG_ASSIGN_OR_RETURN(UniqueFd fd, OpenFile(path, O_RDONLY | O_DIRECTORY));
  if (::fsync(fd.get()) != 0) return IoError("fsync", path, errno);
  return Status::Ok();
}

Status EnsureDir(const std::string& parent, std::string_view name) {
  const std::string path = parent + "/" + std::string(name);
  if (::mkdir(path.c_str(), 0755) == 0) return SyncDir(parent);
  // EEXIST also covers a non-directory in the way; the rename into it then
  // fails with ENOTDIR, which is reported with the path.
  if (errno == EEXIST) return Status::Ok();
  return IoError("mkdir", path, errno);
}

Result<bool> ForEachDirEntry(const std::string& dir,
                             const std::function<bool(int dir_fd, const char* name)>& fn) {
  DIR* d = ::opendir(dir.c_str());
  if (d == nullptr) {
    const int err = errno;
    if (err == ENOENT || err == ENOTDIR) return Status::NotFound("opendir " + dir + ": " + ErrnoText(err));
    return IoError("opendir", dir, err);
  }
  std::unique_ptr<DIR, int (*)(DIR*)> closer(d, &::closedir);
  for (;;) {
    errno = 0;
    const dirent* e = ::readdir(d);
    if (e == nullptr) {
      if (errno != 0) return IoError("readdir", dir, errno);
      return true;
    }
    const std::string_view name = e->d_name;
    if (name == "." || name == "..") continue;
    if (!fn(::dirfd(d), e->d_name)) return false;
  }
}

Time ModifiedTime(const struct stat& st) {
  const auto since_epoch = std::chrono::seconds(st.st_mtim.tv_sec) + std::chrono::nanoseconds(st.st_mtim.tv_nsec);
  return Time(std::chrono::duration_cast<Duration>(since_epoch));
}

}  // namespace scopereg::storage::fs_internal
