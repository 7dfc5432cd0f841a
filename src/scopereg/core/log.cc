#include "scopereg/core/log.h"

#include <atomic>
#include <charconv>
#include <condition_variable>
#include <cstdio>
#include <mutex>
#include <thread>
#include <vector>

#include "scopereg/core/clock.h"
#include "scopereg/core/strings.h"

namespace scopereg::log {

namespace {

std::atomic<Level> g_level{Level::kInfo};

// Lines are queued by callers and written by one background thread, so a
// request pays for formatting and a push, not for a write(2). Flush() waits
// until everything queued before it is on the file.
class Writer {
 public:
  Writer() : thread_([this] { Loop(); }) {}
  ~Writer() {
    {
      std::lock_guard lock(mu_);
      stop_ = true;
    }
    cv_.notify_all();
    thread_.join();
    if (out_ != stderr && out_ != nullptr) std::fclose(out_);
  }

  void Open(std::string_view path) {
    Flush();
    std::lock_guard lock(mu_);
    FILE* next = stderr;
    if (!path.empty() && path != "-") {
      next = std::fopen(std::string(path).c_str(), "a");
      if (next == nullptr) next = stderr;
    }
    if (out_ != stderr && out_ != nullptr) std::fclose(out_);
    out_ = next;
  }

  void Push(std::string line) {
    std::unique_lock lock(mu_);
    // Bounded: a stalled stderr must not grow memory without limit.
    space_cv_.wait(lock, [&] { return queue_.size() < kMaxQueued || stop_; });
    queue_.push_back(std::move(line));
    ++pushed_;
    // Under load the writer is busy writing and finds the line on its next
    // pass: waking it per line would cost a futex call per request.
    const bool wake = writer_waiting_;
    lock.unlock();
    if (wake) cv_.notify_one();
  }

  void Flush() {
    std::unique_lock lock(mu_);
    const std::uint64_t target = pushed_;
    cv_.notify_one();
    done_cv_.wait(lock, [&] { return written_ >= target; });
  }

 private:
  static constexpr std::size_t kMaxQueued = 100000;

  void Loop() {
    std::vector<std::string> batch;
    std::unique_lock lock(mu_);
    for (;;) {
      writer_waiting_ = true;
      cv_.wait(lock, [&] { return stop_ || !queue_.empty(); });
      writer_waiting_ = false;
      if (queue_.empty() && stop_) return;
      batch.swap(queue_);
      FILE* out = out_;
      lock.unlock();
      space_cv_.notify_all();
      for (auto& line : batch) {
        line.push_back('\n');
        std::fwrite(line.data(), 1, line.size(), out);
      }
      std::fflush(out);
      lock.lock();
      written_ += batch.size();
      batch.clear();
      done_cv_.notify_all();
    }
  }

  std::mutex mu_;
  std::condition_variable cv_, done_cv_, space_cv_;
  std::vector<std::string> queue_;
  std::uint64_t pushed_ = 0, written_ = 0;
  bool stop_ = false;
  bool writer_waiting_ = false;  // GUARDED_BY(mu_)
  FILE* out_ = stderr;
  std::thread thread_;
};

Writer& TheWriter() {
  static Writer* writer = new Writer();  // never destroyed: logging works until exit
  return *writer;
}

}  // namespace

namespace {
std::string_view LevelName(Level l) {
  switch (l) {
    case Level::kDebug: return "debug";
    case Level::kInfo: return "info";
    case Level::kWarn: return "warn";
    case Level::kError: return "error";
    case Level::kOff: return "off";
  }
  return "info";
}

}  // namespace

std::optional<Level> ParseLevel(std::string_view s) {
  if (s == "debug") return Level::kDebug;
  if (s == "info") return Level::kInfo;
  if (s == "warn" || s == "warning") return Level::kWarn;
  if (s == "error") return Level::kError;
  if (s == "off" || s == "none") return Level::kOff;
  return std::nullopt;
}

void Init(std::string_view path, Level level) {
  TheWriter().Open(path);
  g_level.store(level);
}

void SetLevel(Level level) { g_level.store(level); }

bool Enabled(Level level) {
  Level current = g_level.load(std::memory_order_relaxed);
  return current != Level::kOff && level >= current;
}

void Flush() { TheWriter().Flush(); }

void Write(Level level, std::string_view msg, std::initializer_list<Field> fields) {
  if (!Enabled(level)) return;
  std::string line;
  line.reserve(128 + msg.size());
  line += "{\"ts\":\"";
  line += FormatRfc3339(SystemClock::Instance().Now(), true);
  line += "\",\"level\":\"";
  line += LevelName(level);
  line += "\",\"msg\":";
  AppendJsonString(line, msg);
  char num[32];
  for (const Field& f : fields) {
    line.push_back(',');
    AppendJsonString(line, f.key);
    line.push_back(':');
    std::visit(
        [&](const auto& v) {
          using T = std::decay_t<decltype(v)>;
          if constexpr (std::is_same_v<T, std::string_view>) {
            AppendJsonString(line, v);
          } else if constexpr (std::is_same_v<T, bool>) {
            line += v ? "true" : "false";
          } else {
            auto [end, ec] = std::to_chars(num, num + sizeof num, v);
            (void)ec;
            line.append(num, end);
          }
        },
        f.value);
  }
  line.push_back('}');
  TheWriter().Push(std::move(line));
}

}  // namespace scopereg::log
