// MetadataStore: everything but blob bytes, behind one object per backend
// (architecture.md decision 1). It composes the role interfaces so each
// consumer depends only on the part it uses.
//
// Thread safety: all methods are safe for concurrent use.
#pragma once

#include "scopereg/metadata/blob_index.h"
#include "scopereg/metadata/repository_index.h"
#include "scopereg/metadata/upload_session_store.h"

namespace scopereg::metadata {

class MetadataStore : public RepositoryIndex, public BlobIndex, public UploadSessionStore {
 public:
  ~MetadataStore() override = default;
  // Creates or upgrades the schema; idempotent. Called once at start-up.
  virtual Status Migrate() = 0;
};

}  // namespace scopereg::metadata
