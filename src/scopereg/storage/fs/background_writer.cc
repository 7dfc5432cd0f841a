#include "scopereg/storage/fs/background_writer.h"

#include <utility>

#include "scopereg/storage/fs/posix_file.h"

namespace scopereg::storage::fs_internal {

BackgroundWriter::BackgroundWriter(int fd, std::string path) : fd_(fd), path_(std::move(path)) {}

BackgroundWriter::~BackgroundWriter() {
  if (!thread_.joinable()) return;
  {
    std::lock_guard lock(mu_);
    stop_ = true;
  }
  cv_.notify_all();
  thread_.join();
}

Status BackgroundWriter::WaitIdleLocked(std::unique_lock<std::mutex>& lock) {
  cv_.wait(lock, [&] { return !busy_; });
  return error_ ? *error_ : Status::Ok();
}

Status BackgroundWriter::Append(const char* data, std::size_t n) {
  std::unique_lock lock(mu_);
  SCOPEREG_RETURN_IF_ERROR(WaitIdleLocked(lock));
  if (n < kMinBackgroundBytes) {
    // Idle: writing here keeps the order and costs no hand-off.
    Status s = WriteAll(fd_, data, n, path_);
    if (!s.ok()) error_ = s;
    return s;
  }
  if (!thread_.joinable()) thread_ = std::thread([this] { Run(); });
  pending_.assign(data, data + n);
  busy_ = true;
  lock.unlock();
  cv_.notify_all();
  return Status::Ok();
}

Status BackgroundWriter::Drain() {
  std::unique_lock lock(mu_);
  return WaitIdleLocked(lock);
}

void BackgroundWriter::Run() {
  std::unique_lock lock(mu_);
  for (;;) {
    cv_.wait(lock, [&] { return busy_ || stop_; });
    if (!busy_) return;  // stop_ with nothing queued
    lock.unlock();
    // pending_ is ours while busy_: Append waits for !busy_ before touching it.
    Status s = WriteAll(fd_, pending_.data(), pending_.size(), path_);
    lock.lock();
    if (!s.ok() && !error_) error_ = s;
    busy_ = false;
    cv_.notify_all();
  }
}

}  // namespace scopereg::storage::fs_internal
