// SqliteMetadataStore: the embedded MetadataStore, one SQLite file in WAL
// mode. It implements the contracts of repository_index.h, blob_index.h and
// upload_session_store.h exactly; tests/conformance/metadata_store_suite.h
// checks them.
//
// Usage:
//   SCOPEREG_ASSIGN_OR_RETURN(auto store, SqliteMetadataStore::Open(path, clock));
//   SCOPEREG_RETURN_IF_ERROR(store->Migrate());
//
// Thread safety: all methods are safe for concurrent use from any number of
// threads, and several processes may share the file. Each thread gets its
// own connection (opened on first use, SQLITE_OPEN_NOMUTEX, statements
// prepared once per connection), so reads run in parallel and never wait for
// writers (WAL). Writes are serialised by SQLite: every write method is one
// BEGIN IMMEDIATE transaction that waits up to `busy_timeout` for the lock
// and fails with kUnavailable after it. One background thread checkpoints
// the WAL (SqliteOptions::background_checkpoint). Destroy the store only
// when no call is in progress.
//
// Durability: with the default synchronous=NORMAL a commit survives a
// process crash but the last commits before a power loss may be lost (the
// WAL is synced at checkpoints, not at every commit). A lost row is at worst
// a blob or manifest that GC collects or a client pushes again; the blob
// bytes are durable on their own (architecture.md decision 2). Set
// `full_sync` to sync every commit, at about a tenth of the write rate.
//
// Errors beyond each method's documented codes: kUnavailable when the
// database is busy past the timeout or the file cannot be read or written
// (disk full, I/O error), kDataLoss when it is corrupt, kInternal for a bug
// (a schema that does not match, SQL misuse).
//
// Time: every timestamp the store writes (created_at, updated_at,
// last_touched) comes from the injected Clock, stored as Unix milliseconds;
// timestamps in records passed in are ignored.
#pragma once

#include <memory>
#include <string>

#include "scopereg/core/clock.h"
#include "scopereg/metadata/metadata_store.h"
#include "scopereg/metadata/sqlite/sqlite_options.h"

namespace scopereg::metadata {

namespace sqlite {
class Database;
}

class SqliteMetadataStore final : public MetadataStore {
 public:
  // Opens (creating if needed) the database file at `path` and switches it
  // to WAL. Does not create tables: call Migrate() before anything else.
  //   kInvalidArgument: `path` is empty or an in-memory database;
  //   kUnavailable: the file cannot be opened or created, or is read-only;
  //   kDataLoss: the file exists but is not a SQLite database.
  // `clock` must outlive the store.
  static Result<std::unique_ptr<SqliteMetadataStore>> Open(std::string path, const Clock& clock,
                                                           SqliteOptions options = {});
  ~SqliteMetadataStore() override;

  // Applies the schema migrations the file lacks (sqlite/schema.h).
  // kFailedPrecondition if the file was migrated by a newer binary.
  Status Migrate() override;

  // The database, for the other stores kept in the same file
  // (SqliteAccessStore, SqliteAuditLog): they share its connections, so a
  // thread uses one connection for all of them.
  std::shared_ptr<sqlite::Database> database() const { return db_; }

  // ---- RepositoryIndex -----------------------------------------------------------
  // manifest_count and tag_count are counted on each call (no counter row
  // for concurrent pushes to contend on); GetRepository is not a pull path.
  Result<RepositoryRecord> GetRepository(std::string_view name) override;
  // Every repository, whatever its list_enabled: filtering the catalog is
  // the caller's decision.
  Result<Page<std::string>> ListRepositories(std::string_view after, std::size_t limit) override;
  Status DeleteRepository(std::string_view name) override;
  Status UpdateRepositoryAttributes(std::string_view name, const LockAttributesPatch& patch) override;

  Result<ManifestRecord> GetManifest(std::string_view repository, const oci::Digest& digest) override;
  Result<TagRecord> GetTag(std::string_view repository, std::string_view tag) override;
  // The new manifest row takes `manifest.attributes` as its initial lock
  // attributes; an existing row is left as it is (manifests are immutable).
  Result<PutManifestResult> PutManifest(std::string_view repository, const ManifestRecord& manifest,
                                        const ManifestReferences& refs, const std::optional<std::string>& tag,
                                        const TagPrecondition& precondition) override;
  Status DeleteManifest(std::string_view repository, const oci::Digest& digest) override;
  Status DeleteTag(std::string_view repository, std::string_view tag) override;

  // ListTags, ListTagRecords and ListManifests return kNotFound for an
  // unknown repository; TagsOf returns an empty list.
  Result<Page<std::string>> ListTags(std::string_view repository, std::string_view after, std::size_t limit,
                                     bool include_unlisted) override;
  Result<Page<TagRecord>> ListTagRecords(std::string_view repository, std::string_view after,
                                         std::size_t limit) override;
  Result<Page<ManifestRecord>> ListManifests(std::string_view repository, std::string_view after,
                                             std::size_t limit) override;
  Result<std::vector<std::string>> TagsOf(std::string_view repository, const oci::Digest& digest) override;
  Result<std::vector<ManifestRecord>> ListReferrers(std::string_view repository, const oci::Digest& subject,
                                                    std::optional<std::string_view> artifact_type) override;

  Status UpdateTagAttributes(std::string_view repository, std::string_view tag,
                             const LockAttributesPatch& patch) override;
  Status UpdateManifestAttributes(std::string_view repository, const oci::Digest& digest,
                                  const LockAttributesPatch& patch) override;

  // ---- BlobIndex -----------------------------------------------------------------
  Result<BlobRecord> GetBlob(const oci::Digest& digest) override;
  Result<BlobRecord> GetLinkedBlob(std::string_view repository, const oci::Digest& digest) override;
  // Leaves out blobs being deleted.
  Result<std::vector<std::string>> RepositoriesWithBlob(const oci::Digest& digest,
                                                        std::size_t limit) override;
  Status RecordBlob(const oci::Digest& digest, std::int64_t size) override;
  // LinkBlob and UnlinkBlob check no lock attributes (their contracts list
  // no kPermissionDenied): a link alone makes nothing pullable. A handler
  // that refuses uploads into a locked repository checks GetRepository.
  Status LinkBlob(std::string_view repository, const oci::Digest& digest) override;
  Status UnlinkBlob(std::string_view repository, const oci::Digest& digest) override;
  // Leaves out blobs already being deleted (ListBlobsBeingDeleted has them).
  Result<std::vector<BlobRecord>> ListUnreferencedBlobs(Time cutoff, const oci::Digest& after,
                                                        std::size_t limit) override;
  // false for a blob already marked.
  Result<bool> MarkBlobDeleting(const oci::Digest& digest, Time cutoff) override;
  // kNotFound if there is no row; kFailedPrecondition (and nothing changes)
  // if the blob is not marked as being deleted.
  Status ForgetBlob(const oci::Digest& digest) override;
  Result<std::vector<oci::Digest>> ListBlobsBeingDeleted() override;

  // ---- UploadSessionStore --------------------------------------------------------
  // created_at and updated_at are set from the clock.
  Status CreateUpload(const storage::UploadState& state) override;
  Result<storage::UploadState> GetUpload(std::string_view id) override;
  // Replaces offset, hash_state and backend_state and sets updated_at; the
  // id, repository, hash algorithm and created_at stay as created.
  Status UpdateUpload(const storage::UploadState& state, std::uint64_t expected_offset) override;
  Status DeleteUpload(std::string_view id) override;
  // Oldest first.
  Result<std::vector<storage::UploadState>> ListStaleUploads(Time cutoff, std::size_t limit) override;

 private:
  SqliteMetadataStore(std::shared_ptr<sqlite::Database> db, const Clock& clock);

  std::shared_ptr<sqlite::Database> db_;
  const Clock& clock_;
};

}  // namespace scopereg::metadata
