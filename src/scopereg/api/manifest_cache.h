// ManifestCache: the in-memory copy of what manifest GET/HEAD needs, so the
// hot path does no I/O (architecture.md decision 5).
//
// Per repository it holds tag -> digest (+ tag lock attributes), digest ->
// manifest bytes (+ manifest lock attributes), and the repository's lock
// attributes. Manifests are immutable by digest, but tags and attributes
// change: every write to a repository calls Invalidate(repo) after it
// commits, and fills carry the generation they read before going to the
// database, so a fill that raced with a write is dropped instead of caching
// a stale value.
//
// Memory is bounded by `max_bytes` of manifest content (FIFO eviction).
//
// Thread safety: all methods are safe for concurrent use; the map is sharded
// by repository so readers on different repositories never contend.
#pragma once

#include <array>
#include <cstdint>
#include <deque>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>

#include "scopereg/metadata/records.h"
#include "scopereg/oci/digest.h"

namespace scopereg::api {

struct CachedManifest {
  oci::Digest digest;
  std::string media_type;
  std::shared_ptr<const std::string> bytes;
  metadata::LockAttributes attributes;
  std::string etag;  // "\"<digest>\"", built once
};

struct CachedTag {
  oci::Digest digest;
  metadata::LockAttributes attributes;
};

class ManifestCache {
 public:
  using Generation = std::uint64_t;

  explicit ManifestCache(std::size_t max_bytes);

  // The repository's current generation; pass it to the Put* calls of a
  // fill that reads the database after this call.
  Generation CurrentGeneration(std::string_view repository);

  std::shared_ptr<const CachedManifest> GetManifest(std::string_view repository, const oci::Digest& digest);
  std::optional<CachedTag> GetTag(std::string_view repository, std::string_view tag);
  std::optional<metadata::LockAttributes> GetRepository(std::string_view repository);

  void PutManifest(std::string_view repository, Generation seen, std::shared_ptr<const CachedManifest> m);
  void PutTag(std::string_view repository, Generation seen, std::string_view tag, CachedTag value);
  void PutRepository(std::string_view repository, Generation seen, metadata::LockAttributes attributes);

  // Drops everything cached for the repository and bumps its generation.
  // Call after the database write committed.
  void Invalidate(std::string_view repository);

  std::size_t bytes() const;

 private:
  struct StringHash {
    using is_transparent = void;
    std::size_t operator()(std::string_view s) const { return std::hash<std::string_view>()(s); }
  };
  struct RepoEntry {
    Generation generation = 0;
    std::optional<metadata::LockAttributes> attributes;
    std::unordered_map<std::string, CachedTag, StringHash, std::equal_to<>> tags;
    std::unordered_map<oci::Digest, std::shared_ptr<const CachedManifest>> manifests;
  };
  struct Shard {
    mutable std::mutex mu;
    std::unordered_map<std::string, RepoEntry, StringHash, std::equal_to<>> repos;
    std::deque<std::pair<std::string, oci::Digest>> fifo;  // insertion order for eviction
    std::size_t bytes = 0;
    std::size_t live = 0;  // manifests currently cached in this shard
  };
  static constexpr std::size_t kShards = 16;
  static constexpr std::size_t kMaxTagsPerRepository = 100000;

  Shard& ShardFor(std::string_view repository);
  // REQUIRES: shard.mu held.
  RepoEntry* FindCurrent(Shard& shard, std::string_view repository, Generation seen);
  // Drops FIFO entries that name manifests no longer cached. REQUIRES: s.mu held.
  static void CompactFifo(Shard& s);

  std::size_t max_bytes_per_shard_;
  std::array<Shard, kShards> shards_;
};

}  // namespace scopereg::api
