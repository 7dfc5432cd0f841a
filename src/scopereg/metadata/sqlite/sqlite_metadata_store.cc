#include "scopereg/metadata/sqlite/sqlite_metadata_store.h"

#include <utility>

#include <algorithm>
#include <cstdint>
#include <limits>
#include <optional>
#include <string>
#include <vector>

#include "scopereg/metadata/sqlite/database.h"
#include "scopereg/metadata/sqlite/queries.h"
#include "scopereg/metadata/sqlite/schema.h"

namespace scopereg::metadata {
namespace {

using sqlite::Binder;
using sqlite::Connection;
using sqlite::Database;
using sqlite::Limit;
using sqlite::QueryRow;
using sqlite::QueryRows;
using sqlite::ReadText0;
using sqlite::Statement;
using TransactionMode = sqlite::Database::TransactionMode;

// ---- SQL ------------------------------------------------------------------------
// Statements are cached per connection by the address of these constants.
// Parameters are numbered (?1) so that the PostgreSQL backend can map them
// to $1 one to one; the rest is SQL both databases accept.

#define LOCK_COLUMNS(t) t "write_enabled, " t "delete_enabled, " t "read_enabled, " t "list_enabled"
#define LOCK_PATCH                                                                               \
  "write_enabled = coalesce(?3, write_enabled), delete_enabled = coalesce(?4, delete_enabled), " \
  "read_enabled = coalesce(?5, read_enabled), list_enabled = coalesce(?6, list_enabled)"
#define MANIFEST_COLUMNS                                                             \
  "m.digest, m.media_type, m.size, m.subject, m.artifact_type, m.annotations_json, " \
  "m.created_at, " LOCK_COLUMNS("m.")
#define TAG_COLUMNS "t.name, t.manifest_digest, t.created_at, t.updated_at, " LOCK_COLUMNS("t.")
#define BLOB_COLUMNS "b.digest, b.size, b.created_at, b.last_touched"
#define UPLOAD_COLUMNS \
  "id, repository, byte_offset, hash_algorithm, hash_state, backend_state, created_at, updated_at"
// The GC's definition of "referenced" (blob_index.h), for a blob row `b`.
// clang-format off
#define REFERENCED(b)                                                \
  "(EXISTS (SELECT 1 FROM manifests m WHERE m.digest = " b ")"      \
  " OR EXISTS (SELECT 1 FROM manifest_blobs mb WHERE mb.blob_digest = " b "))"
// clang-format on

// Repositories.
constexpr char kGetRepository[] =
    "SELECT r.created_at, r.updated_at, " LOCK_COLUMNS("r.") ","
    " (SELECT count(*) FROM manifests m WHERE m.repository_id = r.id),"
    " (SELECT count(*) FROM tags t WHERE t.repository_id = r.id)"
    " FROM repositories r WHERE r.name = ?1";
constexpr char kListRepositories[] = "SELECT name FROM repositories WHERE name > ?1 ORDER BY name LIMIT ?2";
constexpr char kFindRepository[] = "SELECT id, " LOCK_COLUMNS("") " FROM repositories WHERE name = ?1";
// Creates the repository or marks it updated; returns what a write checks.
constexpr char kUpsertRepository[] =
    "INSERT INTO repositories (name, created_at, updated_at) VALUES (?1, ?2, ?2)"
    " ON CONFLICT (name) DO UPDATE SET updated_at = excluded.updated_at RETURNING id, write_enabled";
constexpr char kInsertRepository[] =
    "INSERT INTO repositories (name, created_at, updated_at) VALUES (?1, ?2, ?2) RETURNING id";
constexpr char kTouchRepository[] = "UPDATE repositories SET updated_at = ?2 WHERE id = ?1";
constexpr char kDeleteRepository[] = "DELETE FROM repositories WHERE id = ?1";
constexpr char kUpdateRepositoryAttributes[] =
    "UPDATE repositories SET " LOCK_PATCH ", updated_at = ?2 WHERE name = ?1";
constexpr char kFirstTagLockedForDeletion[] =
    "SELECT name FROM tags WHERE repository_id = ?1 AND (NOT write_enabled OR NOT delete_enabled)"
    " ORDER BY name LIMIT 1";
constexpr char kFirstManifestLockedForDeletion[] =
    "SELECT digest FROM manifests WHERE repository_id = ?1 AND (NOT write_enabled OR NOT delete_enabled)"
    " ORDER BY digest LIMIT 1";

// Manifests.
constexpr char kGetManifest[] = "SELECT " MANIFEST_COLUMNS
                                " FROM repositories r JOIN manifests m ON m.repository_id = r.id"
                                " WHERE r.name = ?1 AND m.digest = ?2";
constexpr char kFindManifest[] =
    "SELECT " LOCK_COLUMNS("") " FROM manifests WHERE repository_id = ?1 AND digest = ?2";
constexpr char kInsertManifest[] =
    "INSERT INTO manifests (repository_id, digest, media_type, size, subject, artifact_type, annotations_json,"
    " created_at, " LOCK_COLUMNS("") ") VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)"
    " ON CONFLICT (repository_id, digest) DO NOTHING";
constexpr char kInsertManifestBlob[] =
    "INSERT INTO manifest_blobs (repository_id, manifest_digest, blob_digest) VALUES (?1, ?2, ?3)"
    " ON CONFLICT DO NOTHING";
constexpr char kInsertManifestChild[] =
    "INSERT INTO manifest_children (repository_id, manifest_digest, child_digest) VALUES (?1, ?2, ?3)"
    " ON CONFLICT DO NOTHING";
constexpr char kDeleteManifest[] = "DELETE FROM manifests WHERE repository_id = ?1 AND digest = ?2";
constexpr char kListManifests[] = "SELECT " MANIFEST_COLUMNS
                                  " FROM manifests m WHERE m.repository_id = ?1 AND m.digest > ?2"
                                  " ORDER BY m.digest LIMIT ?3";
constexpr char kListReferrers[] =
    "SELECT " MANIFEST_COLUMNS
    " FROM repositories r JOIN manifests m ON m.repository_id = r.id"
    " WHERE r.name = ?1 AND m.subject = ?2 AND (?3 IS NULL OR m.artifact_type = ?3) ORDER BY m.digest";
constexpr char kUpdateManifestAttributes[] =
    "UPDATE manifests SET " LOCK_PATCH
    " WHERE repository_id = (SELECT id FROM repositories WHERE name = ?1) AND digest = ?2";

// Tags.
constexpr char kGetTag[] = "SELECT " TAG_COLUMNS
                           " FROM repositories r JOIN tags t ON t.repository_id = r.id"
                           " WHERE r.name = ?1 AND t.name = ?2";
constexpr char kFindTag[] =
    "SELECT manifest_digest, " LOCK_COLUMNS("") " FROM tags WHERE repository_id = ?1 AND name = ?2";
constexpr char kInsertTag[] =
    "INSERT INTO tags (repository_id, name, manifest_digest, created_at, updated_at) VALUES (?1, ?2, ?3, ?4, "
    "?4)";
constexpr char kMoveTag[] =
    "UPDATE tags SET manifest_digest = ?3, updated_at = ?4 WHERE repository_id = ?1 AND name = ?2";
constexpr char kDeleteTag[] = "DELETE FROM tags WHERE repository_id = ?1 AND name = ?2";
constexpr char kFirstTagOfManifestLockedForDeletion[] =
    "SELECT name FROM tags WHERE repository_id = ?1 AND manifest_digest = ?2"
    " AND (NOT write_enabled OR NOT delete_enabled) ORDER BY name LIMIT 1";
constexpr char kListTagNames[] =
    "SELECT name FROM tags WHERE repository_id = ?1 AND name > ?2 AND (?4 OR list_enabled)"
    " ORDER BY name LIMIT ?3";
constexpr char kListTagRecords[] =
    "SELECT " TAG_COLUMNS " FROM tags t WHERE t.repository_id = ?1 AND t.name > ?2 ORDER BY t.name LIMIT ?3";
constexpr char kTagsOf[] =
    "SELECT t.name FROM repositories r JOIN tags t ON t.repository_id = r.id"
    " WHERE r.name = ?1 AND t.manifest_digest = ?2 ORDER BY t.name";
constexpr char kUpdateTagAttributes[] =
    "UPDATE tags SET " LOCK_PATCH
    " WHERE repository_id = (SELECT id FROM repositories WHERE name = ?1) AND name = ?2";

// Blobs.
constexpr char kGetBlob[] = "SELECT " BLOB_COLUMNS " FROM blobs b WHERE b.digest = ?1 AND NOT b.deleting";
constexpr char kGetLinkedBlob[] =
    "SELECT " BLOB_COLUMNS
    " FROM repositories r"
    " JOIN repository_blobs l ON l.repository_id = r.id JOIN blobs b ON b.digest = l.digest"
    " WHERE r.name = ?1 AND l.digest = ?2 AND NOT b.deleting";
constexpr char kIsLinkedLiveBlob[] =
    "SELECT 1 FROM repository_blobs l JOIN blobs b ON b.digest = l.digest"
    " WHERE l.repository_id = ?1 AND l.digest = ?2 AND NOT b.deleting";
constexpr char kRepositoriesWithBlob[] =
    "SELECT r.name FROM repository_blobs l JOIN repositories r ON r.id = l.repository_id"
    " JOIN blobs b ON b.digest = l.digest WHERE l.digest = ?1 AND NOT b.deleting ORDER BY r.name LIMIT ?2";
constexpr char kBlobState[] = "SELECT size, deleting FROM blobs WHERE digest = ?1";
constexpr char kInsertBlob[] =
    "INSERT INTO blobs (digest, size, created_at, last_touched) VALUES (?1, ?2, ?3, ?3)";
constexpr char kTouchBlob[] = "UPDATE blobs SET last_touched = ?2 WHERE digest = ?1";
constexpr char kInsertLink[] =
    "INSERT INTO repository_blobs (repository_id, digest, created_at) VALUES (?1, ?2, ?3) ON CONFLICT DO "
    "NOTHING";
constexpr char kDeleteLink[] =
    "DELETE FROM repository_blobs WHERE repository_id = (SELECT id FROM repositories WHERE name = ?1)"
    " AND digest = ?2";
constexpr char kListUnreferencedBlobs[] =
    "SELECT " BLOB_COLUMNS
    " FROM blobs b WHERE b.digest > ?1 AND NOT b.deleting AND b.last_touched < ?2"
    " AND NOT " REFERENCED("b.digest") " ORDER BY b.digest LIMIT ?3";
// One statement, so "unreferenced and untouched" and the mark are atomic.
constexpr char kMarkBlobDeleting[] =
    "UPDATE blobs SET deleting = TRUE WHERE digest = ?1 AND NOT deleting AND last_touched < ?2"
    " AND NOT " REFERENCED("blobs.digest");
constexpr char kForgetBlob[] = "DELETE FROM blobs WHERE digest = ?1 AND deleting";
constexpr char kListBlobsBeingDeleted[] = "SELECT digest FROM blobs WHERE deleting ORDER BY digest";

// Uploads.
constexpr char kInsertUpload[] = "INSERT INTO uploads (" UPLOAD_COLUMNS
                                 ") VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?7) ON CONFLICT (id) DO NOTHING";
constexpr char kGetUpload[] = "SELECT " UPLOAD_COLUMNS " FROM uploads WHERE id = ?1";
constexpr char kUpdateUpload[] =
    "UPDATE uploads SET byte_offset = ?2, hash_state = ?3, backend_state = ?4, updated_at = ?5"
    " WHERE id = ?1 AND byte_offset = ?6";
constexpr char kUploadExists[] = "SELECT 1 FROM uploads WHERE id = ?1";
constexpr char kDeleteUpload[] = "DELETE FROM uploads WHERE id = ?1";
constexpr char kListStaleUploads[] =
    "SELECT " UPLOAD_COLUMNS " FROM uploads WHERE updated_at < ?1 ORDER BY updated_at, id LIMIT ?2";

#undef LOCK_COLUMNS
#undef LOCK_PATCH
#undef MANIFEST_COLUMNS
#undef TAG_COLUMNS
#undef BLOB_COLUMNS
#undef UPLOAD_COLUMNS
#undef REFERENCED

// ---- rows -----------------------------------------------------------------------

std::int64_t NowMillis(const Clock& clock) { return ToUnixMillis(clock.Now()); }

// LIMIT for a page of `limit` items: one more row says whether more follow.
std::int64_t PageLimit(std::size_t limit) {
  constexpr auto kMax = static_cast<std::size_t>(std::numeric_limits<std::int64_t>::max() - 1);
  return static_cast<std::int64_t>(std::min(limit, kMax)) + 1;
}

Result<oci::Digest> ReadDigest(const Statement& s, int column) {
  Result<oci::Digest> digest = oci::Digest::Parse(s.Text(column));
  if (!digest.ok()) {
    return Status::DataLoss("sqlite: stored digest is malformed: " + std::string(s.Text(column)));
  }
  return digest;
}

LockAttributes ReadLocks(const Statement& s, int first) {
  return LockAttributes{.write_enabled = s.Bool(first),
                        .delete_enabled = s.Bool(first + 1),
                        .read_enabled = s.Bool(first + 2),
                        .list_enabled = s.Bool(first + 3)};
}

Statement& BindPatch(Statement& s, const LockAttributesPatch& patch) {
  return s.BindOptionalBool(3, patch.write_enabled)
      .BindOptionalBool(4, patch.delete_enabled)
      .BindOptionalBool(5, patch.read_enabled)
      .BindOptionalBool(6, patch.list_enabled);
}

// MANIFEST_COLUMNS from column 0.
Result<ManifestRecord> ReadManifest(const Statement& s) {
  ManifestRecord m;
  SCOPEREG_ASSIGN_OR_RETURN(m.digest, ReadDigest(s, 0));
  m.media_type = s.Text(1);
  m.size = s.Int(2);
  if (!s.IsNull(3)) {
    SCOPEREG_ASSIGN_OR_RETURN(m.subject, ReadDigest(s, 3));
  }
  m.artifact_type = s.Text(4);
  m.annotations_json = s.Text(5);
  m.created_at = FromUnixMillis(s.Int(6));
  m.attributes = ReadLocks(s, 7);
  return m;
}

// TAG_COLUMNS from column 0.
Result<TagRecord> ReadTag(const Statement& s) {
  TagRecord t;
  t.name = s.Text(0);
  SCOPEREG_ASSIGN_OR_RETURN(t.digest, ReadDigest(s, 1));
  t.created_at = FromUnixMillis(s.Int(2));
  t.updated_at = FromUnixMillis(s.Int(3));
  t.attributes = ReadLocks(s, 4);
  return t;
}

// BLOB_COLUMNS from column 0.
Result<BlobRecord> ReadBlob(const Statement& s) {
  BlobRecord b;
  SCOPEREG_ASSIGN_OR_RETURN(b.digest, ReadDigest(s, 0));
  b.size = s.Int(1);
  b.created_at = FromUnixMillis(s.Int(2));
  b.last_touched = FromUnixMillis(s.Int(3));
  return b;
}

// UPLOAD_COLUMNS from column 0.
Result<storage::UploadState> ReadUpload(const Statement& s) {
  storage::UploadState u;
  u.id = s.Text(0);
  u.repository = s.Text(1);
  u.offset = static_cast<std::uint64_t>(s.Int(2));
  std::optional<HashAlgorithm> algorithm = ParseHashAlgorithm(s.Text(3));
  if (!algorithm) return Status::DataLoss("sqlite: upload " + u.id + " has an unknown hash algorithm");
  u.hash_algorithm = *algorithm;
  u.hash_state = s.Blob(4);
  u.backend_state = s.Blob(5);
  u.created_at = FromUnixMillis(s.Int(6));
  u.updated_at = FromUnixMillis(s.Int(7));
  return u;
}

// Collects the rows of `s` into a page of at most `limit` items; `s` must
// have been bound with PageLimit(limit).
template <typename T, typename ReadRow>
Result<Page<T>> ReadPage(Statement& s, std::size_t limit, ReadRow read_row) {
  Page<T> page;
  while (true) {
    SCOPEREG_ASSIGN_OR_RETURN(bool row, s.Step());
    if (!row) return page;
    if (page.items.size() == limit) {
      page.more = true;
      return page;
    }
    SCOPEREG_ASSIGN_OR_RETURN(T item, read_row(s));
    page.items.push_back(std::move(item));
  }
}

// ---- locks ------------------------------------------------------------------------

bool LockedForDeletion(const LockAttributes& a) { return !a.write_enabled || !a.delete_enabled; }

// kPermissionDenied naming the lock that refuses deleting `what`.
Status DeletionLocked(std::string_view what, const LockAttributes& a) {
  return Status::PermissionDenied(std::string(what) + " is locked for deletion (" +
                                  (a.write_enabled ? "delete_enabled" : "write_enabled") + "=false)");
}

Status WriteLocked(std::string_view what) {
  return Status::PermissionDenied(std::string(what) + " is locked for writing (write_enabled=false)");
}

std::string Quoted(std::string_view kind, std::string_view name) {
  std::string s(kind);
  s += " \"";
  s.append(name);
  s += '"';
  return s;
}

struct RepositoryRow {
  std::int64_t id = 0;
  LockAttributes attributes;
};

Result<std::optional<RepositoryRow>> FindRepository(Connection& c, std::string_view name) {
  SCOPEREG_ASSIGN_OR_RETURN(Statement s, c.Prepare(kFindRepository));
  s.BindText(1, name);
  SCOPEREG_ASSIGN_OR_RETURN(bool row, s.Step());
  if (!row) return std::optional<RepositoryRow>();
  return std::optional<RepositoryRow>(RepositoryRow{.id = s.Int(0), .attributes = ReadLocks(s, 1)});
}

Result<std::int64_t> RequireRepositoryId(Connection& c, std::string_view name) {
  SCOPEREG_ASSIGN_OR_RETURN(std::optional<RepositoryRow> repository, FindRepository(c, name));
  if (!repository) return Status::NotFound("repository unknown: " + std::string(name));
  return repository->id;
}

// A page of a listing inside one repository, in one read transaction so
// that "the repository exists" and the rows come from the same snapshot.
// `sql` takes ?1 repository id, ?2 after, ?3 row limit; `bind_more` binds
// anything beyond. kNotFound if the repository does not exist.
template <typename T, typename ReadRow>
Result<Page<T>> ListInRepository(
    Database& db, const char* sql, std::string_view repository, std::string_view after, std::size_t limit,
    ReadRow read_row, Binder bind_more = [](Statement&) {}) {
  Page<T> page;
  SCOPEREG_RETURN_IF_ERROR(db.Transaction(TransactionMode::kRead, [&](Connection& c) -> Status {
    SCOPEREG_ASSIGN_OR_RETURN(std::int64_t id, RequireRepositoryId(c, repository));
    SCOPEREG_ASSIGN_OR_RETURN(Statement s, c.Prepare(sql));
    s.BindInt(1, id).BindText(2, after).BindInt(3, PageLimit(limit));
    bind_more(s);
    SCOPEREG_ASSIGN_OR_RETURN(page, ReadPage<T>(s, limit, read_row));
    return Status::Ok();
  }));
  return page;
}

// Creates the repository if needed and marks it updated.
struct UpsertedRepository {
  std::int64_t id = 0;
  bool write_enabled = true;
};
Result<UpsertedRepository> UpsertRepository(Connection& c, std::string_view name, std::int64_t now) {
  SCOPEREG_ASSIGN_OR_RETURN(Statement s, c.Prepare(kUpsertRepository));
  s.BindText(1, name).BindInt(2, now);
  SCOPEREG_ASSIGN_OR_RETURN(bool row, s.Step());
  if (!row) return Status::Internal("sqlite: repository upsert returned no row");
  return UpsertedRepository{.id = s.Int(0), .write_enabled = s.Bool(1)};
}

// The repository's id, creating the repository if needed. Unlike
// UpsertRepository, an existing row is not written (a blob link is not a
// change of content worth a page write).
Result<std::int64_t> EnsureRepository(Connection& c, std::string_view name, std::int64_t now) {
  SCOPEREG_ASSIGN_OR_RETURN(std::optional<RepositoryRow> existing, FindRepository(c, name));
  if (existing) return existing->id;
  SCOPEREG_ASSIGN_OR_RETURN(Statement s, c.Prepare(kInsertRepository));
  s.BindText(1, name).BindInt(2, now);
  SCOPEREG_ASSIGN_OR_RETURN(bool row, s.Step());
  if (!row) return Status::Internal("sqlite: repository insert returned no row");
  return s.Int(0);
}

Status TouchRepository(Connection& c, std::int64_t repository_id, std::int64_t now) {
  SCOPEREG_ASSIGN_OR_RETURN(Statement s, c.Prepare(kTouchRepository));
  return s.BindInt(1, repository_id).BindInt(2, now).Run();
}

struct TagRow {
  std::string digest;
  LockAttributes attributes;
};
Result<std::optional<TagRow>> FindTag(Connection& c, std::int64_t repository_id, std::string_view tag) {
  SCOPEREG_ASSIGN_OR_RETURN(Statement s, c.Prepare(kFindTag));
  s.BindInt(1, repository_id).BindText(2, tag);
  SCOPEREG_ASSIGN_OR_RETURN(bool row, s.Step());
  if (!row) return std::optional<TagRow>();
  return std::optional<TagRow>(TagRow{.digest = std::string(s.Text(0)), .attributes = ReadLocks(s, 1)});
}

Result<std::optional<LockAttributes>> FindManifest(Connection& c, std::int64_t repository_id,
                                                   const oci::Digest& digest) {
  SCOPEREG_ASSIGN_OR_RETURN(Statement s, c.Prepare(kFindManifest));
  s.BindInt(1, repository_id).BindText(2, digest.str());
  SCOPEREG_ASSIGN_OR_RETURN(bool row, s.Step());
  if (!row) return std::optional<LockAttributes>();
  return std::optional<LockAttributes>(ReadLocks(s, 0));
}

// The first name a (repository_id, [digest]) query returns, if any.
Result<std::optional<std::string>> FirstName(Connection& c, const char* sql, std::int64_t repository_id,
                                             const oci::Digest* digest = nullptr) {
  SCOPEREG_ASSIGN_OR_RETURN(Statement s, c.Prepare(sql));
  s.BindInt(1, repository_id);
  if (digest != nullptr) s.BindText(2, digest->str());
  SCOPEREG_ASSIGN_OR_RETURN(bool row, s.Step());
  if (!row) return std::optional<std::string>();
  return std::optional<std::string>(std::string(s.Text(0)));
}

struct BlobState {
  std::int64_t size = 0;
  bool deleting = false;
};
Result<std::optional<BlobState>> FindBlob(Connection& c, const oci::Digest& digest) {
  SCOPEREG_ASSIGN_OR_RETURN(Statement s, c.Prepare(kBlobState));
  s.BindText(1, digest.str());
  SCOPEREG_ASSIGN_OR_RETURN(bool row, s.Step());
  if (!row) return std::optional<BlobState>();
  return std::optional<BlobState>(BlobState{.size = s.Int(0), .deleting = s.Bool(1)});
}

Status TouchBlob(Connection& c, const oci::Digest& digest, std::int64_t now) {
  SCOPEREG_ASSIGN_OR_RETURN(Statement s, c.Prepare(kTouchBlob));
  return s.BindText(1, digest.str()).BindInt(2, now).Run();
}

Status InsertLink(Connection& c, std::int64_t repository_id, const oci::Digest& digest, std::int64_t now) {
  SCOPEREG_ASSIGN_OR_RETURN(Statement s, c.Prepare(kInsertLink));
  return s.BindInt(1, repository_id).BindText(2, digest.str()).BindInt(3, now).Run();
}

// Runs `sql` with (repository_id, manifest digest, target) for each target.
Status InsertReferences(Connection& c, const char* sql, std::int64_t repository_id,
                        const oci::Digest& manifest, const std::vector<oci::Digest>& targets) {
  for (const oci::Digest& target : targets) {
    SCOPEREG_ASSIGN_OR_RETURN(Statement s, c.Prepare(sql));
    SCOPEREG_RETURN_IF_ERROR(
        s.BindInt(1, repository_id).BindText(2, manifest.str()).BindText(3, target.str()).Run());
  }
  return Status::Ok();
}

// Checks PutManifest's references: every blob linked to the repository and
// alive, every child a manifest of the repository.
Status CheckReferences(Connection& c, std::int64_t repository_id, const ManifestReferences& refs) {
  for (const oci::Digest& blob : refs.blobs) {
    SCOPEREG_ASSIGN_OR_RETURN(Statement s, c.Prepare(kIsLinkedLiveBlob));
    s.BindInt(1, repository_id).BindText(2, blob.str());
    SCOPEREG_ASSIGN_OR_RETURN(bool linked, s.Step());
    if (!linked) return Status::FailedPrecondition("manifest blob unknown: " + blob.str());
  }
  for (const oci::Digest& child : refs.manifests) {
    SCOPEREG_ASSIGN_OR_RETURN(std::optional<LockAttributes> found, FindManifest(c, repository_id, child));
    if (!found) return Status::NotFound("manifest unknown: " + child.str());
  }
  return Status::Ok();
}

Status PutManifestInTransaction(Connection& c, std::string_view repository, const ManifestRecord& manifest,
                                const ManifestReferences& refs, const std::optional<std::string>& tag,
                                const TagPrecondition& precondition, std::int64_t now,
                                PutManifestResult& result) {
  // Every check comes before the first write that matters, and all of it is
  // one transaction: on any error the rollback also undoes the repository
  // upsert, so a refused push leaves no trace.
  SCOPEREG_ASSIGN_OR_RETURN(UpsertedRepository repo, UpsertRepository(c, repository, now));
  if (!repo.write_enabled) return WriteLocked(Quoted("repository", repository));

  SCOPEREG_ASSIGN_OR_RETURN(std::optional<BlobState> own_blob, FindBlob(c, manifest.digest));
  if (!own_blob || own_blob->deleting) {
    return Status::FailedPrecondition("manifest blob unknown: " + manifest.digest.str());
  }
  SCOPEREG_RETURN_IF_ERROR(CheckReferences(c, repo.id, refs));

  std::optional<TagRow> current_tag;
  if (tag) {
    SCOPEREG_ASSIGN_OR_RETURN(current_tag, FindTag(c, repo.id, *tag));
    if (precondition.must_point_to &&
        (!current_tag || current_tag->digest != precondition.must_point_to->str())) {
      return Status::Aborted("tag \"" + *tag + "\" does not point at " + precondition.must_point_to->str());
    }
    if (current_tag && current_tag->digest != manifest.digest.str() &&
        !current_tag->attributes.write_enabled) {
      return WriteLocked(Quoted("tag", *tag));
    }
  }

  {
    SCOPEREG_ASSIGN_OR_RETURN(Statement insert, c.Prepare(kInsertManifest));
    insert.BindInt(1, repo.id)
        .BindText(2, manifest.digest.str())
        .BindText(3, manifest.media_type)
        .BindInt(4, manifest.size)
        .BindText(6, manifest.artifact_type)
        .BindText(7, manifest.annotations_json)
        .BindInt(8, now)
        .BindBool(9, manifest.attributes.write_enabled)
        .BindBool(10, manifest.attributes.delete_enabled)
        .BindBool(11, manifest.attributes.read_enabled)
        .BindBool(12, manifest.attributes.list_enabled);
    if (manifest.subject) {
      insert.BindText(5, manifest.subject->str());
    } else {
      insert.BindNull(5);
    }
    SCOPEREG_RETURN_IF_ERROR(insert.Run());
    result.created = insert.changes() == 1;
  }
  // An existing manifest has the same content, hence the same references.
  if (result.created) {
    SCOPEREG_RETURN_IF_ERROR(InsertReferences(c, kInsertManifestBlob, repo.id, manifest.digest, refs.blobs));
    SCOPEREG_RETURN_IF_ERROR(
        InsertReferences(c, kInsertManifestChild, repo.id, manifest.digest, refs.manifests));
  }
  // No need to refresh the blob's last_touched: the manifest row now
  // references it, which is what protects it from GC.
  SCOPEREG_RETURN_IF_ERROR(InsertLink(c, repo.id, manifest.digest, now));

  if (!tag) return Status::Ok();
  if (!current_tag) {
    SCOPEREG_ASSIGN_OR_RETURN(Statement insert, c.Prepare(kInsertTag));
    return insert.BindInt(1, repo.id)
        .BindText(2, *tag)
        .BindText(3, manifest.digest.str())
        .BindInt(4, now)
        .Run();
  }
  if (current_tag->digest == manifest.digest.str()) return Status::Ok();
  SCOPEREG_ASSIGN_OR_RETURN(Statement move, c.Prepare(kMoveTag));
  SCOPEREG_RETURN_IF_ERROR(
      move.BindInt(1, repo.id).BindText(2, *tag).BindText(3, manifest.digest.str()).BindInt(4, now).Run());
  SCOPEREG_ASSIGN_OR_RETURN(result.previous_tag_target, oci::Digest::Parse(current_tag->digest));
  return Status::Ok();
}

// Runs an attribute UPDATE bound as (?1 name, ?2 key, ?3..?6 patch); kNotFound if it matched no row.
Status UpdateAttributes(Database& db, const char* sql, std::string_view name, std::string_view key,
                        const LockAttributesPatch& patch, std::string not_found) {
  return db.Transaction(TransactionMode::kWrite, [&](Connection& c) -> Status {
    SCOPEREG_ASSIGN_OR_RETURN(Statement s, c.Prepare(sql));
    BindPatch(s, patch).BindText(1, name).BindText(2, key);
    SCOPEREG_RETURN_IF_ERROR(s.Run());
    if (s.changes() == 0) return Status::NotFound(std::move(not_found));
    return Status::Ok();
  });
}

}  // namespace

// ---- lifecycle ------------------------------------------------------------------------

SqliteMetadataStore::SqliteMetadataStore(std::shared_ptr<sqlite::Database> db, const Clock& clock)
    : db_(std::move(db)), clock_(clock) {}

SqliteMetadataStore::~SqliteMetadataStore() = default;

Result<std::unique_ptr<SqliteMetadataStore>> SqliteMetadataStore::Open(std::string path, const Clock& clock,
                                                                       SqliteOptions options) {
  SCOPEREG_ASSIGN_OR_RETURN(std::unique_ptr<Database> db, Database::Open(std::move(path), options));
  return std::unique_ptr<SqliteMetadataStore>(new SqliteMetadataStore(std::move(db), clock));
}

Status SqliteMetadataStore::Migrate() { return db_->Migrate(sqlite::SchemaMigrations(), clock_.Now()); }

// ---- repositories ------------------------------------------------------------------

Result<RepositoryRecord> SqliteMetadataStore::GetRepository(std::string_view name) {
  return QueryRow(
      *db_, kGetRepository, [&](Statement& s) { s.BindText(1, name); },
      [&](const Statement& s) -> Result<RepositoryRecord> {
        return RepositoryRecord{.name = std::string(name),
                                .created_at = FromUnixMillis(s.Int(0)),
                                .updated_at = FromUnixMillis(s.Int(1)),
                                .attributes = ReadLocks(s, 2),
                                .manifest_count = s.Int(6),
                                .tag_count = s.Int(7)};
      },
      [&] { return Status::NotFound("repository unknown: " + std::string(name)); });
}

Result<Page<std::string>> SqliteMetadataStore::ListRepositories(std::string_view after, std::size_t limit) {
  SCOPEREG_ASSIGN_OR_RETURN(Connection * c, db_->ThreadConnection());
  SCOPEREG_ASSIGN_OR_RETURN(Statement s, c->Prepare(kListRepositories));
  s.BindText(1, after).BindInt(2, PageLimit(limit));
  return ReadPage<std::string>(s, limit, ReadText0);
}

Status SqliteMetadataStore::DeleteRepository(std::string_view name) {
  return db_->Transaction(TransactionMode::kWrite, [&](Connection& c) -> Status {
    SCOPEREG_ASSIGN_OR_RETURN(std::optional<RepositoryRow> repo, FindRepository(c, name));
    if (!repo) return Status::NotFound("repository unknown: " + std::string(name));
    if (LockedForDeletion(repo->attributes)) {
      return DeletionLocked(Quoted("repository", name), repo->attributes);
    }
    SCOPEREG_ASSIGN_OR_RETURN(std::optional<std::string> tag,
                              FirstName(c, kFirstTagLockedForDeletion, repo->id));
    if (tag) {
      return Status::PermissionDenied(Quoted("tag", *tag) + " in " + Quoted("repository", name) +
                                      " is locked for deletion");
    }
    SCOPEREG_ASSIGN_OR_RETURN(std::optional<std::string> manifest,
                              FirstName(c, kFirstManifestLockedForDeletion, repo->id));
    if (manifest) {
      return Status::PermissionDenied("manifest " + *manifest + " in " + Quoted("repository", name) +
                                      " is locked for deletion");
    }
    // Tags, manifests, references and blob links go with it (ON DELETE
    // CASCADE); blob rows stay for GC.
    SCOPEREG_ASSIGN_OR_RETURN(Statement s, c.Prepare(kDeleteRepository));
    return s.BindInt(1, repo->id).Run();
  });
}

Status SqliteMetadataStore::UpdateRepositoryAttributes(std::string_view name,
                                                       const LockAttributesPatch& patch) {
  return db_->Transaction(TransactionMode::kWrite, [&](Connection& c) -> Status {
    SCOPEREG_ASSIGN_OR_RETURN(Statement s, c.Prepare(kUpdateRepositoryAttributes));
    BindPatch(s, patch).BindText(1, name).BindInt(2, NowMillis(clock_));
    SCOPEREG_RETURN_IF_ERROR(s.Run());
    if (s.changes() == 0) return Status::NotFound("repository unknown: " + std::string(name));
    return Status::Ok();
  });
}

// ---- manifests and tags -----------------------------------------------------------

Result<ManifestRecord> SqliteMetadataStore::GetManifest(std::string_view repository,
                                                        const oci::Digest& digest) {
  return QueryRow(
      *db_, kGetManifest, [&](Statement& s) { s.BindText(1, repository).BindText(2, digest.str()); },
      ReadManifest, [&] { return Status::NotFound("manifest unknown: " + digest.str()); });
}

Result<TagRecord> SqliteMetadataStore::GetTag(std::string_view repository, std::string_view tag) {
  return QueryRow(
      *db_, kGetTag, [&](Statement& s) { s.BindText(1, repository).BindText(2, tag); }, ReadTag,
      [&] { return Status::NotFound("tag unknown: " + std::string(tag)); });
}

Result<PutManifestResult> SqliteMetadataStore::PutManifest(std::string_view repository,
                                                           const ManifestRecord& manifest,
                                                           const ManifestReferences& refs,
                                                           const std::optional<std::string>& tag,
                                                           const TagPrecondition& precondition) {
  const std::int64_t now = NowMillis(clock_);
  PutManifestResult result;
  SCOPEREG_RETURN_IF_ERROR(db_->Transaction(TransactionMode::kWrite, [&](Connection& c) {
    result = PutManifestResult();  // a retried attempt starts afresh
    return PutManifestInTransaction(c, repository, manifest, refs, tag, precondition, now, result);
  }));
  return result;
}

Status SqliteMetadataStore::DeleteManifest(std::string_view repository, const oci::Digest& digest) {
  return db_->Transaction(TransactionMode::kWrite, [&](Connection& c) -> Status {
    auto not_found = [&] { return Status::NotFound("manifest unknown: " + digest.str()); };
    SCOPEREG_ASSIGN_OR_RETURN(std::optional<RepositoryRow> repo, FindRepository(c, repository));
    if (!repo) return not_found();
    SCOPEREG_ASSIGN_OR_RETURN(std::optional<LockAttributes> manifest, FindManifest(c, repo->id, digest));
    if (!manifest) return not_found();
    if (LockedForDeletion(repo->attributes)) {
      return DeletionLocked(Quoted("repository", repository), repo->attributes);
    }
    if (LockedForDeletion(*manifest)) return DeletionLocked("manifest " + digest.str(), *manifest);
    SCOPEREG_ASSIGN_OR_RETURN(std::optional<std::string> tag,
                              FirstName(c, kFirstTagOfManifestLockedForDeletion, repo->id, &digest));
    if (tag) return Status::PermissionDenied(Quoted("tag", *tag) + " is locked for deletion");
    // Its tags and references go with it (ON DELETE CASCADE).
    SCOPEREG_ASSIGN_OR_RETURN(Statement s, c.Prepare(kDeleteManifest));
    SCOPEREG_RETURN_IF_ERROR(s.BindInt(1, repo->id).BindText(2, digest.str()).Run());
    return TouchRepository(c, repo->id, NowMillis(clock_));
  });
}

Status SqliteMetadataStore::DeleteTag(std::string_view repository, std::string_view tag) {
  return db_->Transaction(TransactionMode::kWrite, [&](Connection& c) -> Status {
    auto not_found = [&] { return Status::NotFound("tag unknown: " + std::string(tag)); };
    SCOPEREG_ASSIGN_OR_RETURN(std::optional<RepositoryRow> repo, FindRepository(c, repository));
    if (!repo) return not_found();
    SCOPEREG_ASSIGN_OR_RETURN(std::optional<TagRow> row, FindTag(c, repo->id, tag));
    if (!row) return not_found();
    if (LockedForDeletion(repo->attributes)) {
      return DeletionLocked(Quoted("repository", repository), repo->attributes);
    }
    if (LockedForDeletion(row->attributes)) return DeletionLocked(Quoted("tag", tag), row->attributes);
    SCOPEREG_ASSIGN_OR_RETURN(Statement s, c.Prepare(kDeleteTag));
    SCOPEREG_RETURN_IF_ERROR(s.BindInt(1, repo->id).BindText(2, tag).Run());
    return TouchRepository(c, repo->id, NowMillis(clock_));
  });
}

Result<Page<std::string>> SqliteMetadataStore::ListTags(std::string_view repository, std::string_view after,
                                                        std::size_t limit, bool include_unlisted) {
  return ListInRepository<std::string>(*db_, kListTagNames, repository, after, limit, ReadText0,
                                       [&](Statement& s) { s.BindBool(4, include_unlisted); });
}

Result<Page<TagRecord>> SqliteMetadataStore::ListTagRecords(std::string_view repository,
                                                            std::string_view after, std::size_t limit) {
  return ListInRepository<TagRecord>(*db_, kListTagRecords, repository, after, limit, ReadTag);
}

Result<Page<ManifestRecord>> SqliteMetadataStore::ListManifests(std::string_view repository,
                                                                std::string_view after, std::size_t limit) {
  return ListInRepository<ManifestRecord>(*db_, kListManifests, repository, after, limit, ReadManifest);
}

Result<std::vector<std::string>> SqliteMetadataStore::TagsOf(std::string_view repository,
                                                             const oci::Digest& digest) {
  return QueryRows<std::string>(
      *db_, kTagsOf, [&](Statement& s) { s.BindText(1, repository).BindText(2, digest.str()); }, ReadText0);
}

Result<std::vector<ManifestRecord>> SqliteMetadataStore::ListReferrers(
    std::string_view repository, const oci::Digest& subject, std::optional<std::string_view> artifact_type) {
  auto bind = [&](Statement& s) {
    s.BindText(1, repository).BindText(2, subject.str());
    if (artifact_type) {
      s.BindText(3, *artifact_type);
    } else {
      s.BindNull(3);
    }
  };
  return QueryRows<ManifestRecord>(*db_, kListReferrers, bind, ReadManifest);
}

Status SqliteMetadataStore::UpdateTagAttributes(std::string_view repository, std::string_view tag,
                                                const LockAttributesPatch& patch) {
  return UpdateAttributes(*db_, kUpdateTagAttributes, repository, tag, patch,
                          "tag unknown: " + std::string(tag));
}

Status SqliteMetadataStore::UpdateManifestAttributes(std::string_view repository, const oci::Digest& digest,
                                                     const LockAttributesPatch& patch) {
  return UpdateAttributes(*db_, kUpdateManifestAttributes, repository, digest.str(), patch,
                          "manifest unknown: " + digest.str());
}

// ---- blobs --------------------------------------------------------------------------

Result<BlobRecord> SqliteMetadataStore::GetBlob(const oci::Digest& digest) {
  return QueryRow(
      *db_, kGetBlob, [&](Statement& s) { s.BindText(1, digest.str()); }, ReadBlob,
      [&] { return Status::NotFound("blob unknown: " + digest.str()); });
}

Result<BlobRecord> SqliteMetadataStore::GetLinkedBlob(std::string_view repository,
                                                      const oci::Digest& digest) {
  return QueryRow(
      *db_, kGetLinkedBlob, [&](Statement& s) { s.BindText(1, repository).BindText(2, digest.str()); },
      ReadBlob, [&] { return Status::NotFound("blob unknown: " + digest.str()); });
}

Result<std::vector<std::string>> SqliteMetadataStore::RepositoriesWithBlob(const oci::Digest& digest,
                                                                           std::size_t limit) {
  return QueryRows<std::string>(
      *db_, kRepositoriesWithBlob,
      [&](Statement& s) { s.BindText(1, digest.str()).BindInt(2, Limit(limit)); }, ReadText0);
}

Status SqliteMetadataStore::RecordBlob(const oci::Digest& digest, std::int64_t size) {
  const std::int64_t now = NowMillis(clock_);
  return db_->Transaction(TransactionMode::kWrite, [&](Connection& c) -> Status {
    SCOPEREG_ASSIGN_OR_RETURN(std::optional<BlobState> blob, FindBlob(c, digest));
    if (!blob) {
      SCOPEREG_ASSIGN_OR_RETURN(Statement s, c.Prepare(kInsertBlob));
      return s.BindText(1, digest.str()).BindInt(2, size).BindInt(3, now).Run();
    }
    if (blob->deleting) return Status::Aborted("blob " + digest.str() + " is being deleted; retry");
    if (blob->size != size) {
      return Status::InvalidArgument("blob " + digest.str() + " is recorded with size " +
                                     std::to_string(blob->size) + ", not " + std::to_string(size));
    }
    return TouchBlob(c, digest, now);
  });
}

Status SqliteMetadataStore::LinkBlob(std::string_view repository, const oci::Digest& digest) {
  const std::int64_t now = NowMillis(clock_);
  return db_->Transaction(TransactionMode::kWrite, [&](Connection& c) -> Status {
    SCOPEREG_ASSIGN_OR_RETURN(std::optional<BlobState> blob, FindBlob(c, digest));
    if (!blob || blob->deleting) return Status::NotFound("blob unknown: " + digest.str());
    SCOPEREG_ASSIGN_OR_RETURN(std::int64_t repository_id, EnsureRepository(c, repository, now));
    SCOPEREG_RETURN_IF_ERROR(InsertLink(c, repository_id, digest, now));
    return TouchBlob(c, digest, now);
  });
}

Status SqliteMetadataStore::UnlinkBlob(std::string_view repository, const oci::Digest& digest) {
  return db_->Transaction(TransactionMode::kWrite, [&](Connection& c) -> Status {
    SCOPEREG_ASSIGN_OR_RETURN(Statement s, c.Prepare(kDeleteLink));
    SCOPEREG_RETURN_IF_ERROR(s.BindText(1, repository).BindText(2, digest.str()).Run());
    if (s.changes() == 0) return Status::NotFound("blob unknown: " + digest.str());
    return Status::Ok();
  });
}

Result<std::vector<BlobRecord>> SqliteMetadataStore::ListUnreferencedBlobs(Time cutoff,
                                                                           const oci::Digest& after,
                                                                           std::size_t limit) {
  auto bind = [&](Statement& s) {
    s.BindText(1, after.str()).BindInt(2, ToUnixMillis(cutoff)).BindInt(3, Limit(limit));
  };
  return QueryRows<BlobRecord>(*db_, kListUnreferencedBlobs, bind, ReadBlob);
}

Result<bool> SqliteMetadataStore::MarkBlobDeleting(const oci::Digest& digest, Time cutoff) {
  bool marked = false;
  SCOPEREG_RETURN_IF_ERROR(db_->Transaction(TransactionMode::kWrite, [&](Connection& c) -> Status {
    SCOPEREG_ASSIGN_OR_RETURN(Statement s, c.Prepare(kMarkBlobDeleting));
    SCOPEREG_RETURN_IF_ERROR(s.BindText(1, digest.str()).BindInt(2, ToUnixMillis(cutoff)).Run());
    marked = s.changes() == 1;
    return Status::Ok();
  }));
  return marked;
}

Status SqliteMetadataStore::ForgetBlob(const oci::Digest& digest) {
  return db_->Transaction(TransactionMode::kWrite, [&](Connection& c) -> Status {
    SCOPEREG_ASSIGN_OR_RETURN(Statement s, c.Prepare(kForgetBlob));
    SCOPEREG_RETURN_IF_ERROR(s.BindText(1, digest.str()).Run());
    if (s.changes() == 1) return Status::Ok();
    SCOPEREG_ASSIGN_OR_RETURN(std::optional<BlobState> blob, FindBlob(c, digest));
    if (!blob) return Status::NotFound("blob unknown: " + digest.str());
    return Status::FailedPrecondition("blob " + digest.str() + " is not marked as being deleted");
  });
}

Result<std::vector<oci::Digest>> SqliteMetadataStore::ListBlobsBeingDeleted() {
  return QueryRows<oci::Digest>(
      *db_, kListBlobsBeingDeleted, [](Statement&) {},
      [](const Statement& row) { return ReadDigest(row, 0); });
}

// ---- uploads -------------------------------------------------------------------------

Status SqliteMetadataStore::CreateUpload(const storage::UploadState& state) {
  const std::int64_t now = NowMillis(clock_);
  return db_->Transaction(TransactionMode::kWrite, [&](Connection& c) -> Status {
    SCOPEREG_ASSIGN_OR_RETURN(Statement s, c.Prepare(kInsertUpload));
    s.BindText(1, state.id)
        .BindText(2, state.repository)
        .BindInt(3, static_cast<std::int64_t>(state.offset))
        .BindText(4, HashAlgorithmName(state.hash_algorithm))
        .BindBlob(5, state.hash_state)
        .BindBlob(6, state.backend_state)
        .BindInt(7, now);
    SCOPEREG_RETURN_IF_ERROR(s.Run());
    if (s.changes() == 0) return Status::AlreadyExists("upload " + state.id + " exists");
    return Status::Ok();
  });
}

Result<storage::UploadState> SqliteMetadataStore::GetUpload(std::string_view id) {
  return QueryRow(
      *db_, kGetUpload, [&](Statement& s) { s.BindText(1, id); }, ReadUpload,
      [&] { return Status::NotFound("upload unknown: " + std::string(id)); });
}

Status SqliteMetadataStore::UpdateUpload(const storage::UploadState& state, std::uint64_t expected_offset) {
  const std::int64_t now = NowMillis(clock_);
  return db_->Transaction(TransactionMode::kWrite, [&](Connection& c) -> Status {
    {
      SCOPEREG_ASSIGN_OR_RETURN(Statement s, c.Prepare(kUpdateUpload));
      SCOPEREG_RETURN_IF_ERROR(s.BindText(1, state.id)
                                   .BindInt(2, static_cast<std::int64_t>(state.offset))
                                   .BindBlob(3, state.hash_state)
                                   .BindBlob(4, state.backend_state)
                                   .BindInt(5, now)
                                   .BindInt(6, static_cast<std::int64_t>(expected_offset))
                                   .Run());
      if (s.changes() == 1) return Status::Ok();
    }
    SCOPEREG_ASSIGN_OR_RETURN(Statement exists, c.Prepare(kUploadExists));
    exists.BindText(1, state.id);
    SCOPEREG_ASSIGN_OR_RETURN(bool found, exists.Step());
    if (!found) return Status::NotFound("upload unknown: " + state.id);
    return Status::Aborted("upload " + state.id + " moved past offset " + std::to_string(expected_offset));
  });
}

Status SqliteMetadataStore::DeleteUpload(std::string_view id) {
  return db_->Transaction(TransactionMode::kWrite, [&](Connection& c) -> Status {
    SCOPEREG_ASSIGN_OR_RETURN(Statement s, c.Prepare(kDeleteUpload));
    return s.BindText(1, id).Run();
  });
}

Result<std::vector<storage::UploadState>> SqliteMetadataStore::ListStaleUploads(Time cutoff,
                                                                                std::size_t limit) {
  return QueryRows<storage::UploadState>(
      *db_, kListStaleUploads,
      [&](Statement& s) { s.BindInt(1, ToUnixMillis(cutoff)).BindInt(2, Limit(limit)); }, ReadUpload);
}

}  // namespace scopereg::metadata
