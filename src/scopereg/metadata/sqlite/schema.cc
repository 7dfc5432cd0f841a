#include "scopereg/metadata/sqlite/schema.h"

namespace scopereg::metadata::sqlite {
namespace {

// Repositories, blobs, manifests, tags and upload sessions.
//
// Repositories get an integer id so that the many rows below them stay
// small; every other key is the natural one (digest, tag name, upload id).
// Deleting a repository cascades to everything it holds; deleting a
// manifest cascades to its tags and references; deleting a blob row
// (ForgetBlob) cascades to its links but is refused while a manifest still
// names it, which the GC protocol never allows to happen.
//
// Hot-path reads are primary-key lookups: GetTag (repositories.name ->
// tags PK), GetManifest (manifests PK), GetLinkedBlob (repository_blobs PK
// -> blobs PK), GetUpload (uploads PK). The GC's "is it referenced" test
// uses manifests_by_digest and manifest_blobs_by_blob.
constexpr char kCoreTables[] = R"sql(
CREATE TABLE repositories (
  id             INTEGER PRIMARY KEY,
  name           TEXT    NOT NULL UNIQUE,
  created_at     BIGINT  NOT NULL,
  updated_at     BIGINT  NOT NULL,
  write_enabled  BOOLEAN NOT NULL DEFAULT TRUE,
  delete_enabled BOOLEAN NOT NULL DEFAULT TRUE,
  read_enabled   BOOLEAN NOT NULL DEFAULT TRUE,
  list_enabled   BOOLEAN NOT NULL DEFAULT TRUE
);

CREATE TABLE blobs (
  digest       TEXT    NOT NULL PRIMARY KEY,
  size         BIGINT  NOT NULL,
  created_at   BIGINT  NOT NULL,
  last_touched BIGINT  NOT NULL,
  deleting     BOOLEAN NOT NULL DEFAULT FALSE
) WITHOUT ROWID;
CREATE INDEX blobs_being_deleted ON blobs (digest) WHERE deleting;

CREATE TABLE repository_blobs (
  repository_id INTEGER NOT NULL REFERENCES repositories (id) ON DELETE CASCADE,
  digest        TEXT    NOT NULL REFERENCES blobs (digest) ON DELETE CASCADE,
  created_at    BIGINT  NOT NULL,
  PRIMARY KEY (repository_id, digest)
) WITHOUT ROWID;
CREATE INDEX repository_blobs_by_digest ON repository_blobs (digest, repository_id);

CREATE TABLE manifests (
  repository_id    INTEGER NOT NULL REFERENCES repositories (id) ON DELETE CASCADE,
  digest           TEXT    NOT NULL REFERENCES blobs (digest),
  media_type       TEXT    NOT NULL,
  size             BIGINT  NOT NULL,
  subject          TEXT,
  artifact_type    TEXT    NOT NULL,
  annotations_json TEXT    NOT NULL,
  created_at       BIGINT  NOT NULL,
  write_enabled    BOOLEAN NOT NULL DEFAULT TRUE,
  delete_enabled   BOOLEAN NOT NULL DEFAULT TRUE,
  read_enabled     BOOLEAN NOT NULL DEFAULT TRUE,
  list_enabled     BOOLEAN NOT NULL DEFAULT TRUE,
  PRIMARY KEY (repository_id, digest)
);
CREATE INDEX manifests_by_digest ON manifests (digest);
CREATE INDEX manifests_by_subject ON manifests (repository_id, subject, digest) WHERE subject IS NOT NULL;

-- What a manifest points at: config and layers (the GC's "referenced") and,
-- for an index, its child manifests. Written once with the manifest.
CREATE TABLE manifest_blobs (
  repository_id   INTEGER NOT NULL,
  manifest_digest TEXT    NOT NULL,
  blob_digest     TEXT    NOT NULL REFERENCES blobs (digest),
  PRIMARY KEY (repository_id, manifest_digest, blob_digest),
  FOREIGN KEY (repository_id, manifest_digest) REFERENCES manifests (repository_id, digest) ON DELETE CASCADE
) WITHOUT ROWID;
CREATE INDEX manifest_blobs_by_blob ON manifest_blobs (blob_digest);

CREATE TABLE manifest_children (
  repository_id   INTEGER NOT NULL,
  manifest_digest TEXT    NOT NULL,
  child_digest    TEXT    NOT NULL,
  PRIMARY KEY (repository_id, manifest_digest, child_digest),
  FOREIGN KEY (repository_id, manifest_digest) REFERENCES manifests (repository_id, digest) ON DELETE CASCADE
) WITHOUT ROWID;

CREATE TABLE tags (
  repository_id   INTEGER NOT NULL REFERENCES repositories (id) ON DELETE CASCADE,
  name            TEXT    NOT NULL,
  manifest_digest TEXT    NOT NULL,
  created_at      BIGINT  NOT NULL,
  updated_at      BIGINT  NOT NULL,
  write_enabled   BOOLEAN NOT NULL DEFAULT TRUE,
  delete_enabled  BOOLEAN NOT NULL DEFAULT TRUE,
  read_enabled    BOOLEAN NOT NULL DEFAULT TRUE,
  list_enabled    BOOLEAN NOT NULL DEFAULT TRUE,
  PRIMARY KEY (repository_id, name),
  FOREIGN KEY (repository_id, manifest_digest) REFERENCES manifests (repository_id, digest) ON DELETE CASCADE
) WITHOUT ROWID;
CREATE INDEX tags_by_manifest ON tags (repository_id, manifest_digest, name);

-- Upload sessions carry binary state (hash state, S3 part lists and maybe
-- a buffered tail), so they keep a rowid table: large rows do not belong
-- in a WITHOUT ROWID b-tree. No foreign key: an upload may start in a
-- repository that does not exist yet.
CREATE TABLE uploads (
  id             TEXT   NOT NULL PRIMARY KEY,
  repository     TEXT   NOT NULL,
  byte_offset    BIGINT NOT NULL,
  hash_algorithm TEXT   NOT NULL,
  hash_state     BLOB   NOT NULL,
  backend_state  BLOB   NOT NULL,
  created_at     BIGINT NOT NULL,
  updated_at     BIGINT NOT NULL
);
CREATE INDEX uploads_by_updated_at ON uploads (updated_at, id);
)sql";

constexpr Migration kMigrations[] = {
    {1, "repositories, blobs, manifests, tags, uploads", kCoreTables},
    // Append new migrations here; never edit the ones above.
};

}  // namespace

std::span<const Migration> SchemaMigrations() { return kMigrations; }

}  // namespace scopereg::metadata::sqlite
