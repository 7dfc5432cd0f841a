#include "scopereg/metadata/sqlite/schema.h"

#include <string>

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

// The access model (auth/access_store.h) and the audit trail
// (audit/audit_log.h).
//
// Revisions come from one store-wide counter (access_revision, a single
// row bumped in every access write's transaction), so they are unique
// across tables and never reused after a delete.
//
// Scope maps are user-defined only (system maps are constants in the code).
// Their actions are rows (pattern, action name), not an encoded list: the
// access review asks "which maps grant content/delete or '*'" in SQL, and
// the primary key clusters a map's actions in canonical order (pattern,
// then action, byte order), which is how AuthState wants them.
//
// Tokens keep both password slots inline (NULL digest = empty slot): a
// token is read whole on every snapshot and every update. Digests are raw
// BLOBs; epochs and versions are random 64-bit values stored as the signed
// INTEGER with the same bits. A token's scope map must exist unless it is a
// system map (checked in the write's transaction, since system maps have no
// row a foreign key could point at); tokens_by_scope_map serves that check
// and "a map in use cannot be deleted".
//
// password_usage is apart from tokens because the data plane writes it
// constantly (coalesced, usage_recorder.h): it never bumps a revision or
// conflicts with an edit. token '' is the admin user.
//
// audit_events keeps every AuditEvent field. AUTOINCREMENT so that ids are
// never reused, even when retention deletes every row: readers page with an
// id cursor. The indexes serve AuditFilter's selective filters in id order
// (an index entry ends with the rowid, so "identity = ? ORDER BY id" walks
// one index range); time serves ranges and retention.
constexpr char kAccessTables[] = R"sql(
CREATE TABLE access_revision (
  id       INTEGER PRIMARY KEY CHECK (id = 1),
  revision BIGINT  NOT NULL
);
INSERT INTO access_revision (id, revision) VALUES (1, 0);

CREATE TABLE scope_maps (
  name          TEXT   NOT NULL PRIMARY KEY,
  description   TEXT   NOT NULL,
  creation_date BIGINT NOT NULL,
  revision      BIGINT NOT NULL
) WITHOUT ROWID;

CREATE TABLE scope_map_actions (
  scope_map  TEXT NOT NULL REFERENCES scope_maps (name) ON DELETE CASCADE,
  repository TEXT NOT NULL,  -- a pattern: "team/app", "team/*" or "*"
  action     TEXT NOT NULL,  -- "content/read", ... (ACR's names)
  PRIMARY KEY (scope_map, repository, action)
) WITHOUT ROWID;

CREATE TABLE tokens (
  name              TEXT    NOT NULL PRIMARY KEY,
  scope_map         TEXT    NOT NULL,
  status            TEXT    NOT NULL,  -- "enabled" | "disabled"
  creation_date     BIGINT  NOT NULL,
  owner             TEXT    NOT NULL,
  description       TEXT    NOT NULL,
  expires_on        BIGINT,
  labels_json       TEXT    NOT NULL,  -- {"key": "value", ...}
  version           BIGINT  NOT NULL,
  revision          BIGINT  NOT NULL,
  password1_created BIGINT,
  password1_expiry  BIGINT,
  password1_digest  BLOB,
  password1_epoch   BIGINT,
  password2_created BIGINT,
  password2_expiry  BIGINT,
  password2_digest  BLOB,
  password2_epoch   BIGINT
);
CREATE INDEX tokens_by_scope_map ON tokens (scope_map, name);

-- The admin user: at most one row; no row = the disabled default.
CREATE TABLE admin_user (
  id                INTEGER PRIMARY KEY CHECK (id = 1),
  enabled           BOOLEAN NOT NULL,
  version           BIGINT  NOT NULL,
  revision          BIGINT  NOT NULL,
  password1_created BIGINT,
  password1_expiry  BIGINT,
  password1_digest  BLOB,
  password1_epoch   BIGINT,
  password2_created BIGINT,
  password2_expiry  BIGINT,
  password2_digest  BLOB,
  password2_epoch   BIGINT
);

CREATE TABLE operators (
  id            TEXT   NOT NULL PRIMARY KEY,
  role          TEXT   NOT NULL,  -- "owner" | "token-admin" | "auditor"
  description   TEXT   NOT NULL,
  secret_digest BLOB   NOT NULL,
  created       BIGINT NOT NULL,
  revision      BIGINT NOT NULL
) WITHOUT ROWID;

CREATE TABLE password_usage (
  token          TEXT    NOT NULL,  -- "" = the admin user
  slot           INTEGER NOT NULL,  -- 1 or 2
  last_used      BIGINT  NOT NULL,
  last_used_from TEXT    NOT NULL,
  PRIMARY KEY (token, slot)
) WITHOUT ROWID;

CREATE TABLE audit_events (
  id             INTEGER PRIMARY KEY AUTOINCREMENT,
  time           BIGINT  NOT NULL,
  category       TEXT    NOT NULL,  -- "login" | "repository" | "management"
  operation      TEXT    NOT NULL,
  identity       TEXT    NOT NULL,
  identity_kind  TEXT    NOT NULL,
  slot           TEXT    NOT NULL,
  success        BOOLEAN NOT NULL,
  reason         TEXT    NOT NULL,
  http_status    INTEGER NOT NULL,
  repository     TEXT    NOT NULL,
  tag            TEXT    NOT NULL,
  digest         TEXT    NOT NULL,
  media_type     TEXT    NOT NULL,
  size           BIGINT  NOT NULL,
  target         TEXT    NOT NULL,
  detail         TEXT    NOT NULL,
  client_address TEXT    NOT NULL,
  user_agent     TEXT    NOT NULL,
  correlation_id TEXT    NOT NULL
);
CREATE INDEX audit_events_by_time ON audit_events (time);
CREATE INDEX audit_events_by_identity ON audit_events (identity);
CREATE INDEX audit_events_by_repository ON audit_events (repository);
CREATE INDEX audit_events_by_operation ON audit_events (operation);
CREATE INDEX audit_events_by_correlation_id ON audit_events (correlation_id);
)sql";

constexpr Migration kMigrations[] = {
    {1, "repositories, blobs, manifests, tags, uploads", kCoreTables},
    {2, "tokens, scope maps, admin user, operators, password usage, audit events", kAccessTables},
    // Append new migrations here; never edit the ones above.
};

}  // namespace

std::span<const Migration> SchemaMigrations() { return kMigrations; }

Status RequireSchemaVersion(Database& db, int version, std::string_view what) {
  SCOPEREG_ASSIGN_OR_RETURN(int current, db.SchemaVersion());
  if (current >= version) return Status::Ok();
  return Status::FailedPrecondition("sqlite: the " + std::string(what) + " needs schema version " +
                                    std::to_string(version) + " but " + db.path() + " has version " +
                                    std::to_string(current) + " (call Migrate first)");
}

}  // namespace scopereg::metadata::sqlite
