// A Clock that moves only when told to, for expiry tests.
#pragma once

#include <atomic>

#include "scopereg/core/clock.h"

namespace scopereg::testing {

class FakeClock final : public Clock {
 public:
  explicit FakeClock(Time start = FromUnixSeconds(1'800'000'000)) : now_ms_(ToUnixMillis(start)) {}
  Time Now() const override { return FromUnixMillis(now_ms_.load()); }
  void Set(Time t) { now_ms_.store(ToUnixMillis(t)); }
  void Advance(Duration d) {
    now_ms_.fetch_add(std::chrono::duration_cast<std::chrono::milliseconds>(d).count());
  }

 private:
  std::atomic<std::int64_t> now_ms_;
};

}  // namespace scopereg::testing
