// Thin, exception-free wrappers over the POSIX calls FsBlobStore makes. They
// retry EINTR and partial transfers, and turn errno into a Status that names
// the operation and the path.
//
// Error policy: an errno that means "the thing is missing" is reported by the
// caller as kNotFound where its contract says so; every other failure (ENOSPC,
// EIO, EDQUOT, EROFS, EACCES, EMFILE, ...) is kUnavailable with the errno
// text, because it is a problem of this host's storage that an operator
// must fix, never of the client's request.
//
// Thread safety: functions are safe for concurrent use; a UniqueFd is not.
#pragma once

#include <sys/stat.h>

#include <cstddef>
#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <utility>

#include "scopereg/core/clock.h"
#include "scopereg/core/crypto.h"
#include "scopereg/core/status.h"

namespace scopereg::storage::fs_internal {

// Owns a file descriptor and closes it on destruction. Close errors there
// are ignored on purpose: code that needs its data durable calls fdatasync
// (which reports write-back errors) before it lets go of the descriptor.
class UniqueFd {
 public:
  UniqueFd() = default;
  explicit UniqueFd(int fd) : fd_(fd) {}
  UniqueFd(UniqueFd&& other) noexcept : fd_(std::exchange(other.fd_, -1)) {}
  UniqueFd& operator=(UniqueFd&& other) noexcept;
  UniqueFd(const UniqueFd&) = delete;
  UniqueFd& operator=(const UniqueFd&) = delete;
  ~UniqueFd();

  int get() const { return fd_; }
  // Closes now and reports the error close(2) gives.
  Status Close(const std::string& path);

 private:
  int fd_ = -1;
};

// kUnavailable "<op> <path>: <strerror(err)>".
Status IoError(std::string_view op, const std::string& path, int err);

// open(2) with O_CLOEXEC added. The errnos that `flags` make a normal answer
// come back with their own code, so callers can branch on it: ENOENT and
// ENOTDIR without O_CREAT are kNotFound (with O_CREAT they mean a missing
// directory of the store, so kUnavailable), EEXIST with O_EXCL is
// kAlreadyExists. Everything else is IoError.
Result<UniqueFd> OpenFile(const std::string& path, int flags, mode_t mode = 0);

// Writes all `n` bytes at the current file position.
Status WriteAll(int fd, const char* data, std::size_t n, const std::string& path);
// Reads up to `n` bytes at `offset`; 0 only at end of file.
Result<std::size_t> PreadSome(int fd, char* buf, std::size_t n, std::uint64_t offset, const std::string& path);
// Reads exactly `n` bytes at `offset`; kDataLoss if the file ends first.
Status PreadExact(int fd, char* buf, std::size_t n, std::uint64_t offset, const std::string& path);
// Feeds bytes [0, length) of the file to `hasher` through a fixed buffer, so
// memory does not grow with the file. kDataLoss if the file is shorter.
Status HashFilePrefix(int fd, std::uint64_t length, Hasher& hasher, const std::string& path);

Result<struct stat> FileStat(int fd, const std::string& path);
// fdatasync(2): the data and the size, which is what a reader needs.
Status SyncData(int fd, const std::string& path);
// fsync(2) of a directory, which makes its entries (creations, renames,
// removals) durable.
Status SyncDir(const std::string& path);
// Creates `parent`/`name` if needed. When it creates it, it also syncs
// `parent`, so a file later renamed into the new directory cannot be lost
// with a directory entry that never reached the disk.
Status EnsureDir(const std::string& parent, std::string_view name);

// Calls fn(dir_fd, name) for each entry of `dir` except "." and "..", until
// fn returns false. Returns whether it ran to the end. A `dir` that is
// missing or not a directory is reported as kNotFound.
Result<bool> ForEachDirEntry(const std::string& dir,
                             const std::function<bool(int dir_fd, const char* name)>& fn);

Time ModifiedTime(const struct stat& st);

}  // namespace scopereg::storage::fs_internal
