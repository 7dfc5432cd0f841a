#include "scopereg/auth/usage_recorder.h"

#include <functional>
#include <vector>

namespace scopereg::auth {

namespace {
std::string KeyOf(const PasswordUse& use) {
  std::string key(1, static_cast<char>('0' + static_cast<int>(use.slot)));
  key += use.token;
  return key;
}
}  // namespace

UsageRecorder::Shard& UsageRecorder::ShardFor(std::string_view key) {
  return shards_[std::hash<std::string_view>()(key) % kShards];
}

void UsageRecorder::Merge(std::unordered_map<std::string, PasswordUse>& into, std::string key, PasswordUse use) {
  auto [it, inserted] = into.try_emplace(std::move(key), use);
  if (!inserted && it->second.time < use.time) it->second = std::move(use);
}

void UsageRecorder::Record(const Principal& principal, Time now, std::string_view client_address) {
  if (principal.kind == PrincipalKind::kAnonymous) return;
  PasswordUse use;
  use.token = principal.kind == PrincipalKind::kAdmin ? std::string() : principal.name;  // "" = admin user
  use.slot = principal.slot;
  use.time = now;
  use.client_address = std::string(client_address);
  std::string key = KeyOf(use);
  Shard& shard = ShardFor(key);
  std::lock_guard<std::mutex> lock(shard.mu);
  Merge(shard.uses, std::move(key), std::move(use));
}

Status UsageRecorder::Flush(AccessStore& store) {
  // Take everything first so Record never waits for the store.
  std::array<std::unordered_map<std::string, PasswordUse>, kShards> taken;
  std::vector<PasswordUse> batch;
  for (std::size_t i = 0; i < kShards; ++i) {
    std::lock_guard<std::mutex> lock(shards_[i].mu);
    taken[i].swap(shards_[i].uses);
  }
  for (const auto& shard : taken) {
    for (const auto& [key, use] : shard) batch.push_back(use);
  }
  if (batch.empty()) return Status::Ok();
  Status st = store.RecordPasswordUses(batch);
  if (!st.ok()) {
    for (std::size_t i = 0; i < kShards; ++i) {
      std::lock_guard<std::mutex> lock(shards_[i].mu);
      for (auto& [key, use] : taken[i]) Merge(shards_[i].uses, key, std::move(use));
    }
  }
  return st;
}

std::size_t UsageRecorder::pending() const {
  std::size_t n = 0;
  for (const Shard& s : shards_) {
    std::lock_guard<std::mutex> lock(s.mu);
    n += s.uses.size();
  }
  return n;
}

}  // namespace scopereg::auth
