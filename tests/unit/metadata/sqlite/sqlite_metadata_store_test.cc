// SQLite-specific behaviour of SqliteMetadataStore: files, persistence,
// schema versions and failures. The interface contract itself is checked by
// tests/conformance/metadata_store_suite.h.
#include "scopereg/metadata/sqlite/sqlite_metadata_store.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <sqlite3.h>

#include <filesystem>
#include <fstream>

#include "scopereg/metadata/sqlite/schema.h"
#include "testing/fake_clock.h"
#include "testing/status_matchers.h"
#include "testing/temp_dir.h"

namespace scopereg::metadata {
namespace {

using ::testing::HasSubstr;

class SqliteMetadataStoreTest : public ::testing::Test {
 protected:
  std::string path() const { return (dir_.path() / "metadata.db").string(); }

  Result<std::unique_ptr<SqliteMetadataStore>> OpenAndMigrate(SqliteOptions options = {}) {
    SCOPEREG_ASSIGN_OR_RETURN(auto store, SqliteMetadataStore::Open(path(), clock_, options));
    SCOPEREG_RETURN_IF_ERROR(store->Migrate());
    return store;
  }

  // A manifest with one layer, tagged, plus an upload in progress.
  static Status Populate(MetadataStore& store) {
    const oci::Digest layer = oci::Digest::Sha256Of("layer");
    ManifestRecord m;
    m.digest = oci::Digest::Sha256Of("manifest");
    m.media_type = "application/vnd.oci.image.manifest.v1+json";
    m.size = 321;
    SCOPEREG_RETURN_IF_ERROR(store.RecordBlob(layer, 1000));
    SCOPEREG_RETURN_IF_ERROR(store.LinkBlob("library/app", layer));
    SCOPEREG_RETURN_IF_ERROR(store.RecordBlob(m.digest, m.size));
    SCOPEREG_RETURN_IF_ERROR(store.PutManifest("library/app", m, {.blobs = {layer}}, std::string("v1"), {}));
    storage::UploadState upload;
    upload.id = "upload-1";
    upload.repository = "library/app";
    upload.offset = 3;
    upload.hash_state = std::string("\0\1\2", 3);
    return store.CreateUpload(upload);
  }

  static void ExpectPopulated(MetadataStore& store) {
    ASSERT_OK_AND_ASSIGN(TagRecord tag, store.GetTag("library/app", "v1"));
    EXPECT_EQ(tag.digest, oci::Digest::Sha256Of("manifest"));
    ASSERT_OK_AND_ASSIGN(ManifestRecord m, store.GetManifest("library/app", tag.digest));
    EXPECT_EQ(m.size, 321);
    ASSERT_OK_AND_ASSIGN(BlobRecord layer,
                         store.GetLinkedBlob("library/app", oci::Digest::Sha256Of("layer")));
    EXPECT_EQ(layer.size, 1000);
    ASSERT_OK_AND_ASSIGN(storage::UploadState upload, store.GetUpload("upload-1"));
    EXPECT_EQ(upload.hash_state, std::string("\0\1\2", 3));
  }

  scopereg::testing::TempDir dir_;
  scopereg::testing::FakeClock clock_;
};

TEST_F(SqliteMetadataStoreTest, DataSurvivesCloseAndReopen) {
  {
    ASSERT_OK_AND_ASSIGN(auto store, OpenAndMigrate());
    ASSERT_OK(Populate(*store));
  }
  ASSERT_OK_AND_ASSIGN(auto reopened, OpenAndMigrate());
  ExpectPopulated(*reopened);
}

TEST_F(SqliteMetadataStoreTest, FullSyncStoresTheSameData) {
  {
    ASSERT_OK_AND_ASSIGN(auto store, OpenAndMigrate({.full_sync = true}));
    ASSERT_OK(Populate(*store));
  }
  ASSERT_OK_AND_ASSIGN(auto reopened, OpenAndMigrate());
  ExpectPopulated(*reopened);
}

TEST_F(SqliteMetadataStoreTest, MigrateIsIdempotent) {
  ASSERT_OK_AND_ASSIGN(auto store, OpenAndMigrate());
  ASSERT_OK(Populate(*store));
  EXPECT_OK(store->Migrate());
  EXPECT_OK(store->Migrate());
  ExpectPopulated(*store);

  sqlite3* raw = nullptr;
  ASSERT_EQ(sqlite3_open(path().c_str(), &raw), SQLITE_OK);
  sqlite3_stmt* stmt = nullptr;
  ASSERT_EQ(
      sqlite3_prepare_v2(raw, "SELECT count(*), max(version) FROM schema_migrations", -1, &stmt, nullptr),
      SQLITE_OK);
  ASSERT_EQ(sqlite3_step(stmt), SQLITE_ROW);
  const auto migrations = static_cast<std::int64_t>(sqlite::SchemaMigrations().size());
  EXPECT_EQ(sqlite3_column_int64(stmt, 0), migrations) << "each migration recorded once";
  EXPECT_EQ(sqlite3_column_int64(stmt, 1), migrations);
  sqlite3_finalize(stmt);
  sqlite3_close(raw);
}

TEST_F(SqliteMetadataStoreTest, TwoStoresOnOneFileSeeEachOthersWrites) {
  // As two processes sharing the database would.
  ASSERT_OK_AND_ASSIGN(auto writer, OpenAndMigrate());
  ASSERT_OK_AND_ASSIGN(auto reader, OpenAndMigrate());
  ASSERT_OK(Populate(*writer));
  ExpectPopulated(*reader);
  ASSERT_OK(reader->DeleteTag("library/app", "v1"));
  EXPECT_STATUS(writer->GetTag("library/app", "v1"), StatusCode::kNotFound);
}

TEST_F(SqliteMetadataStoreTest, AFileFromANewerBinaryIsRefused) {
  { ASSERT_OK(OpenAndMigrate()); }
  sqlite3* raw = nullptr;
  ASSERT_EQ(sqlite3_open(path().c_str(), &raw), SQLITE_OK);
  ASSERT_EQ(
      sqlite3_exec(raw, "INSERT INTO schema_migrations VALUES (999, 'future', 0)", nullptr, nullptr, nullptr),
      SQLITE_OK);
  sqlite3_close(raw);

  ASSERT_OK_AND_ASSIGN(auto store, SqliteMetadataStore::Open(path(), clock_));
  Status status = store->Migrate();
  EXPECT_STATUS(status, StatusCode::kFailedPrecondition);
  EXPECT_THAT(std::string(status.message()), HasSubstr("999"));
}

TEST_F(SqliteMetadataStoreTest, AFileThatIsNotADatabaseIsDataLoss) {
  {
    std::ofstream garbage(path(), std::ios::binary);
    for (int i = 0; i < 1000; ++i) garbage << "this is not an SQLite database. ";
  }
  Result<std::unique_ptr<SqliteMetadataStore>> store = SqliteMetadataStore::Open(path(), clock_);
  EXPECT_STATUS(store, StatusCode::kDataLoss);
  EXPECT_THAT(std::string(store.status().message()), HasSubstr("not a database"));
  EXPECT_THAT(std::string(store.status().message()), HasSubstr(path()));
}

TEST_F(SqliteMetadataStoreTest, ACorruptDatabaseGivesDataLossNotACrash) {
  {
    ASSERT_OK_AND_ASSIGN(auto store, OpenAndMigrate());
    ASSERT_OK(Populate(*store));
  }  // closing the last connection checkpoints the WAL into the file
  {
    // Keep the 100-byte header, overwrite the schema page and what follows.
    std::fstream file(path(), std::ios::in | std::ios::out | std::ios::binary);
    file.seekp(100);
    const std::string junk(16 * 1024, '\xa5');
    file.write(junk.data(), static_cast<std::streamsize>(junk.size()));
  }
  Result<std::unique_ptr<SqliteMetadataStore>> store = SqliteMetadataStore::Open(path(), clock_);
  if (!store.ok()) {
    EXPECT_STATUS(store, StatusCode::kDataLoss);
    return;
  }
  EXPECT_STATUS((*store)->Migrate(), StatusCode::kDataLoss);
  EXPECT_STATUS((*store)->GetTag("library/app", "v1"), StatusCode::kDataLoss);
}

TEST_F(SqliteMetadataStoreTest, AnUnopenablePathIsUnavailable) {
  const std::string file_as_dir = (dir_.path() / "plain-file").string();
  { std::ofstream(file_as_dir) << "x"; }
  for (const std::string& bad : {std::string("/nonexistent-scopereg-dir/metadata.db"),
                                 file_as_dir + "/metadata.db", dir_.path().string()}) {
    SCOPED_TRACE(bad);
    Result<std::unique_ptr<SqliteMetadataStore>> store = SqliteMetadataStore::Open(bad, clock_);
    EXPECT_STATUS(store, StatusCode::kUnavailable);
    EXPECT_THAT(std::string(store.status().message()), HasSubstr(bad));
  }
}

TEST_F(SqliteMetadataStoreTest, CallsBeforeMigrateFailCleanly) {
  ASSERT_OK_AND_ASSIGN(auto store, SqliteMetadataStore::Open(path(), clock_));
  EXPECT_STATUS(store->GetTag("library/app", "v1"), StatusCode::kInternal);
  EXPECT_STATUS(store->RecordBlob(oci::Digest::Sha256Of("x"), 1), StatusCode::kInternal);
  ASSERT_OK(store->Migrate());
  // Statements that failed to compile before are prepared again.
  EXPECT_OK(store->RecordBlob(oci::Digest::Sha256Of("x"), 1));
}

TEST_F(SqliteMetadataStoreTest, StoresTimestampsAsUnixMilliseconds) {
  clock_.Set(FromUnixMillis(1'800'000'000'123));
  ASSERT_OK_AND_ASSIGN(auto store, OpenAndMigrate());
  ASSERT_OK(store->RecordBlob(oci::Digest::Sha256Of("x"), 1));
  sqlite3* raw = nullptr;
  ASSERT_EQ(sqlite3_open(path().c_str(), &raw), SQLITE_OK);
  sqlite3_stmt* stmt = nullptr;
  ASSERT_EQ(sqlite3_prepare_v2(raw, "SELECT created_at, typeof(created_at) FROM blobs", -1, &stmt, nullptr),
            SQLITE_OK);
  ASSERT_EQ(sqlite3_step(stmt), SQLITE_ROW);
  EXPECT_EQ(sqlite3_column_int64(stmt, 0), 1'800'000'000'123);
  EXPECT_STREQ(reinterpret_cast<const char*>(sqlite3_column_text(stmt, 1)), "integer");
  sqlite3_finalize(stmt);
  sqlite3_close(raw);
}

}  // namespace
}  // namespace scopereg::metadata
