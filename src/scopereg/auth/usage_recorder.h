// UsageRecorder: collects password last-used data (time, client address per
// token and slot) on the data plane and writes it to the AccessStore in
// batches, so an access review can see which slot is still in use without
// a database write per request.
//
//   recorder.Record(principal, now, client_address);   // every authenticated request
//   recorder.Flush(store);                               // every few seconds, off the event loop
//
// Only the latest use per (token, slot) is kept between flushes, so memory is
// bounded by the number of credentials in use. A crash loses at most one
// flush interval of last-used data, which is acceptable for what it is for.
//
// Thread safety: all methods are safe for concurrent use. Record takes one
// of 16 shard mutexes for a few hundred nanoseconds; it does no I/O.
#pragma once

#include <array>
#include <cstddef>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>

#include "scopereg/auth/access_store.h"
#include "scopereg/auth/principal.h"
#include "scopereg/core/clock.h"
#include "scopereg/core/status.h"

namespace scopereg::auth {

class UsageRecorder {
 public:
  // Notes that `principal` used its password slot at `now` from
  // `client_address`. Anonymous principals are ignored. A use older than the
  // one already pending for the same slot is dropped.
  void Record(const Principal& principal, Time now, std::string_view client_address);

  // Writes every pending use with AccessStore::RecordPasswordUses and
  // forgets them. On failure the uses stay pending (merged with newer ones
  // recorded meanwhile) and the store's error is returned; call again later.
  Status Flush(AccessStore& store);

  std::size_t pending() const;

 private:
  static constexpr std::size_t kShards = 16;
  struct Shard {
    mutable std::mutex mu;
    // Key: slot digit + token name ("" = the admin user; token names are
    // never empty, so the two cannot collide).
    std::unordered_map<std::string, PasswordUse> uses;
  };
  static void Merge(std::unordered_map<std::string, PasswordUse>& into, std::string key, PasswordUse use);
  Shard& ShardFor(std::string_view key);

  std::array<Shard, kShards> shards_;
};

}  // namespace scopereg::auth
