// BackgroundWriter: appends to a file on a helper thread, one buffer at a
// time, so that an upload's disk write overlaps with the SHA-256 of the same
// bytes on the request's thread. On a push the two cost about the same CPU
// (docs/benchmarks.md), so overlapping them is what lets one upload use more
// than one core.
//
// Small appends (under kMinBackgroundBytes) are written inline: a 1 KiB
// config blob is not worth a thread hand-off, and most uploads are small.
// The thread starts on the first large append and lives as long as the
// writer.
//
// Errors: a failed background write is reported by the next Append or by
// Drain, and every call after it returns the same error. The owner
// (FsUploadWriter) treats any error as "the upload is broken", so bytes whose
// write failed are never described by a saved upload state.
//
// Thread safety: one caller at a time (like the UploadWriter that owns it).
#pragma once

#include <condition_variable>
#include <cstddef>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "scopereg/core/status.h"

namespace scopereg::storage::fs_internal {

class BackgroundWriter {
 public:
  static constexpr std::size_t kMinBackgroundBytes = 64 * 1024;

  // Appends to `fd` (not owned; it must stay open until Drain returned or
  // this object is destroyed). `path` names the file in error messages.
  BackgroundWriter(int fd, std::string path);
  // Waits for the write in flight (its error is lost: call Drain first when
  // it matters).
  ~BackgroundWriter();
  BackgroundWriter(const BackgroundWriter&) = delete;
  BackgroundWriter& operator=(const BackgroundWriter&) = delete;

  // Queues a copy of [data, data+n) after everything appended before. Returns
  // the error of an earlier write, if any (then nothing is queued).
  Status Append(const char* data, std::size_t n);
  // Waits until every appended byte is written. The first write error, if any.
  Status Drain();

 private:
  Status WaitIdleLocked(std::unique_lock<std::mutex>& lock);
  void Run();

  const int fd_;
  const std::string path_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::vector<char> pending_;  // the buffer the thread writes
  bool busy_ = false;          // pending_ holds bytes not yet written
  bool stop_ = false;
  std::optional<Status> error_;
  std::thread thread_;  // last: started after, and joined before, the rest
};

}  // namespace scopereg::storage::fs_internal
