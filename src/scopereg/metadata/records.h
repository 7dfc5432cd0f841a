// Value types the metadata store keeps about repositories, manifests, tags
// and blobs. Plain structs; copy freely.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "scopereg/core/clock.h"
#include "scopereg/oci/digest.h"

namespace scopereg::metadata {

// ACR's lock attributes (access-model.md section 2). Each object (repository,
// tag, manifest) has its own set; tag and manifest attributes are separate.
struct LockAttributes {
  bool write_enabled = true;   // false: cannot be overwritten or deleted
  bool delete_enabled = true;  // false: cannot be deleted
  bool read_enabled = true;    // false: cannot be pulled
  bool list_enabled = true;    // false: hidden from listings
  friend bool operator==(const LockAttributes&, const LockAttributes&) = default;
};

// A partial update of LockAttributes: only the set fields change.
struct LockAttributesPatch {
  std::optional<bool> write_enabled, delete_enabled, read_enabled, list_enabled;
  bool empty() const { return !write_enabled && !delete_enabled && !read_enabled && !list_enabled; }
  void ApplyTo(LockAttributes& a) const {
    if (write_enabled) a.write_enabled = *write_enabled;
    if (delete_enabled) a.delete_enabled = *delete_enabled;
    if (read_enabled) a.read_enabled = *read_enabled;
    if (list_enabled) a.list_enabled = *list_enabled;
  }
};

struct RepositoryRecord {
  std::string name;
  Time created_at{};
  Time updated_at{};
  LockAttributes attributes;
  std::int64_t manifest_count = 0;
  std::int64_t tag_count = 0;
};

struct ManifestRecord {
  oci::Digest digest;
  std::string media_type;
  std::int64_t size = 0;
  std::optional<oci::Digest> subject;
  std::string artifact_type;     // as the referrers API reports it
  std::string annotations_json;  // top-level annotations object, or empty
  Time created_at{};
  LockAttributes attributes;
};

// What a manifest points at; checked and recorded by PutManifest.
struct ManifestReferences {
  std::vector<oci::Digest> blobs;      // config and layers
  std::vector<oci::Digest> manifests;  // index children
};

struct TagRecord {
  std::string name;
  oci::Digest digest;
  Time created_at{};
  Time updated_at{};
  LockAttributes attributes;
};

struct BlobRecord {
  oci::Digest digest;
  std::int64_t size = 0;
  Time created_at{};
  Time last_touched{};  // updated whenever a push records or links it
};

// One page of a sorted listing; `more` says whether entries follow.
template <typename T>
struct Page {
  std::vector<T> items;
  bool more = false;
};

}  // namespace scopereg::metadata
