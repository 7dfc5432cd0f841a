#include "scopereg/api/manifest_cache.h"

namespace scopereg::api {

ManifestCache::ManifestCache(std::size_t max_bytes) : max_bytes_per_shard_(std::max<std::size_t>(1, max_bytes / kShards)) {}

ManifestCache::Shard& ManifestCache::ShardFor(std::string_view repository) {
  return shards_[std::hash<std::string_view>()(repository) % kShards];
}

ManifestCache::Generation ManifestCache::CurrentGeneration(std::string_view repository) {
  Shard& s = ShardFor(repository);
  std::lock_guard lock(s.mu);
  auto it = s.repos.find(repository);
  if (it == s.repos.end()) it = s.repos.emplace(std::string(repository), RepoEntry{}).first;
  return it->second.generation;
}

ManifestCache::RepoEntry* ManifestCache::FindCurrent(Shard& shard, std::string_view repository, Generation seen) {
  auto it = shard.repos.find(repository);
  if (it == shard.repos.end() || it->second.generation != seen) return nullptr;
  return &it->second;
}

std::shared_ptr<const CachedManifest> ManifestCache::GetManifest(std::string_view repository,
                                                                 const oci::Digest& digest) {
  Shard& s = ShardFor(repository);
  std::lock_guard lock(s.mu);
  auto it = s.repos.find(repository);
  if (it == s.repos.end()) return nullptr;
  auto m = it->second.manifests.find(digest);
  return m == it->second.manifests.end() ? nullptr : m->second;
}

std::optional<CachedTag> ManifestCache::GetTag(std::string_view repository, std::string_view tag) {
  Shard& s = ShardFor(repository);
  std::lock_guard lock(s.mu);
  auto it = s.repos.find(repository);
  if (it == s.repos.end()) return std::nullopt;
  auto t = it->second.tags.find(tag);
  if (t == it->second.tags.end()) return std::nullopt;
  return t->second;
}

std::optional<metadata::LockAttributes> ManifestCache::GetRepository(std::string_view repository) {
  Shard& s = ShardFor(repository);
  std::lock_guard lock(s.mu);
  auto it = s.repos.find(repository);
  if (it == s.repos.end()) return std::nullopt;
  return it->second.attributes;
}

void ManifestCache::PutManifest(std::string_view repository, Generation seen,
                                std::shared_ptr<const CachedManifest> m) {
  if (!m || !m->bytes) return;
  const std::size_t size = m->bytes->size();
  if (size > max_bytes_per_shard_) return;
  Shard& s = ShardFor(repository);
  std::lock_guard lock(s.mu);
  RepoEntry* e = FindCurrent(s, repository, seen);
  if (e == nullptr) return;
  auto [it, inserted] = e->manifests.try_emplace(m->digest, m);
  if (!inserted) return;
  s.bytes += size;
  ++s.live;
  s.fifo.emplace_back(std::string(repository), m->digest);
  if (s.fifo.size() > 2 * s.live + 1024) CompactFifo(s);
  while (s.bytes > max_bytes_per_shard_ && !s.fifo.empty()) {
    auto [repo, digest] = std::move(s.fifo.front());
    s.fifo.pop_front();
    auto r = s.repos.find(repo);
    if (r == s.repos.end()) continue;
    auto victim = r->second.manifests.find(digest);
    if (victim == r->second.manifests.end()) continue;
    s.bytes -= victim->second->bytes->size();
    --s.live;
    r->second.manifests.erase(victim);
  }
}

void ManifestCache::PutTag(std::string_view repository, Generation seen, std::string_view tag, CachedTag value) {
  Shard& s = ShardFor(repository);
  std::lock_guard lock(s.mu);
  RepoEntry* e = FindCurrent(s, repository, seen);
  if (e == nullptr) return;
  if (e->tags.size() >= kMaxTagsPerRepository) e->tags.clear();
  e->tags.insert_or_assign(std::string(tag), std::move(value));
}

void ManifestCache::PutRepository(std::string_view repository, Generation seen, metadata::LockAttributes attributes) {
  Shard& s = ShardFor(repository);
  std::lock_guard lock(s.mu);
  RepoEntry* e = FindCurrent(s, repository, seen);
  if (e == nullptr) return;
  e->attributes = attributes;
}

void ManifestCache::Invalidate(std::string_view repository) {
  Shard& s = ShardFor(repository);
  std::lock_guard lock(s.mu);
  auto it = s.repos.find(repository);
  if (it == s.repos.end()) return;
  for (const auto& [digest, m] : it->second.manifests) s.bytes -= m->bytes->size();
  s.live -= it->second.manifests.size();
  Generation next = it->second.generation + 1;
  it->second = RepoEntry{};
  it->second.generation = next;
  // The FIFO still names the dropped entries; eviction skips them and
  // CompactFifo removes them before they add up.
}

void ManifestCache::CompactFifo(Shard& s) {
  std::deque<std::pair<std::string, oci::Digest>> kept;
  for (auto& entry : s.fifo) {
    auto r = s.repos.find(entry.first);
    if (r != s.repos.end() && r->second.manifests.count(entry.second) != 0) kept.push_back(std::move(entry));
  }
  s.fifo.swap(kept);
}

std::size_t ManifestCache::bytes() const {
  std::size_t total = 0;
  for (const auto& s : shards_) {
    std::lock_guard lock(s.mu);
    total += s.bytes;
  }
  return total;
}

}  // namespace scopereg::api
