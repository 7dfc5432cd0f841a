// MetadataStoreSuite: upload sessions (upload_session_store.h).
#include <string>
#include <vector>

#include "conformance/metadata_store_suite.h"
#include "testing/status_matchers.h"

namespace scopereg::metadata {
namespace {

using ::testing::IsEmpty;

// Every byte value, NULs first, as a saved hash state might contain.
std::string AllBytes() {
  std::string s;
  for (int i = 0; i < 512; ++i) s.push_back(static_cast<char>(i % 256));
  return s;
}

storage::UploadState NewUpload(std::string id) {
  storage::UploadState u;
  u.id = std::move(id);
  u.repository = "library/app";
  u.hash_state = AllBytes();
  u.backend_state = std::string("\0s3\0upload-id\xff", 14);
  u.created_at = FromUnixSeconds(1);  // the store's clock decides, not these
  u.updated_at = FromUnixSeconds(1);
  return u;
}

std::vector<std::string> IdsOf(const std::vector<storage::UploadState>& uploads) {
  std::vector<std::string> out;
  for (const storage::UploadState& u : uploads) out.push_back(u.id);
  return out;
}

TEST_P(MetadataStoreSuite, UploadRoundTripsBinaryState) {
  storage::UploadState u = NewUpload("4f0e9d6c-upload");
  u.offset = 7;
  ASSERT_OK(store().CreateUpload(u));
  ASSERT_OK_AND_ASSIGN(storage::UploadState got, store().GetUpload(u.id));
  EXPECT_EQ(got.id, u.id);
  EXPECT_EQ(got.repository, u.repository);
  EXPECT_EQ(got.offset, 7u);
  EXPECT_EQ(got.hash_algorithm, HashAlgorithm::kSha256);
  EXPECT_EQ(got.hash_state, u.hash_state);
  EXPECT_EQ(got.hash_state.size(), 512u);
  EXPECT_EQ(got.backend_state, u.backend_state);
  EXPECT_EQ(got.created_at, clock_.Now());
  EXPECT_EQ(got.updated_at, clock_.Now());

  storage::UploadState sha512 = NewUpload("sha512-upload");
  sha512.hash_algorithm = HashAlgorithm::kSha512;
  sha512.hash_state.clear();
  sha512.backend_state.clear();
  ASSERT_OK(store().CreateUpload(sha512));
  ASSERT_OK_AND_ASSIGN(storage::UploadState got512, store().GetUpload(sha512.id));
  EXPECT_EQ(got512.hash_algorithm, HashAlgorithm::kSha512);
  EXPECT_EQ(got512.hash_state, "");
  EXPECT_EQ(got512.backend_state, "");
}

TEST_P(MetadataStoreSuite, CreateUploadWithATakenIdIsAlreadyExists) {
  ASSERT_OK(store().CreateUpload(NewUpload("u1")));
  storage::UploadState again = NewUpload("u1");
  again.repository = "someone/else";
  EXPECT_STATUS(store().CreateUpload(again), StatusCode::kAlreadyExists);
  ASSERT_OK_AND_ASSIGN(storage::UploadState got, store().GetUpload("u1"));
  EXPECT_EQ(got.repository, "library/app");
}

TEST_P(MetadataStoreSuite, GetUploadOfUnknownIdIsNotFound) {
  EXPECT_STATUS(store().GetUpload("nope"), StatusCode::kNotFound);
}

TEST_P(MetadataStoreSuite, UpdateUploadIsOptimistic) {
  const Time created = clock_.Now();
  ASSERT_OK(store().CreateUpload(NewUpload("u1")));
  clock_.Advance(std::chrono::seconds(30));

  storage::UploadState next = NewUpload("u1");
  next.offset = 100;
  next.hash_state = std::string("\0after 100 bytes", 16);
  next.backend_state = "part 1";
  ASSERT_OK(store().UpdateUpload(next, 0));
  ASSERT_OK_AND_ASSIGN(storage::UploadState got, store().GetUpload("u1"));
  EXPECT_EQ(got.offset, 100u);
  EXPECT_EQ(got.hash_state, next.hash_state);
  EXPECT_EQ(got.backend_state, "part 1");
  EXPECT_EQ(got.created_at, created);
  EXPECT_EQ(got.updated_at, clock_.Now());

  // A second PATCH that read offset 0 lost the race.
  storage::UploadState stale = next;
  stale.offset = 50;
  stale.hash_state = "stale";
  EXPECT_STATUS(store().UpdateUpload(stale, 0), StatusCode::kAborted);
  ASSERT_OK_AND_ASSIGN(storage::UploadState unchanged, store().GetUpload("u1"));
  EXPECT_EQ(unchanged.offset, 100u);
  EXPECT_EQ(unchanged.hash_state, next.hash_state);

  storage::UploadState gone = NewUpload("gone");
  EXPECT_STATUS(store().UpdateUpload(gone, 0), StatusCode::kNotFound);
}

TEST_P(MetadataStoreSuite, DeleteUploadIsIdempotent) {
  ASSERT_OK(store().CreateUpload(NewUpload("u1")));
  ASSERT_OK(store().DeleteUpload("u1"));
  EXPECT_STATUS(store().GetUpload("u1"), StatusCode::kNotFound);
  EXPECT_OK(store().DeleteUpload("u1"));
  EXPECT_OK(store().DeleteUpload("never existed"));
  EXPECT_OK(store().CreateUpload(NewUpload("u1")));  // the id is free again
}

TEST_P(MetadataStoreSuite, ListStaleUploadsByLastUpdate) {
  const Time t0 = clock_.Now();
  for (const char* id : {"u1", "u2", "u3"}) {
    ASSERT_OK(store().CreateUpload(NewUpload(id)));
    clock_.Advance(std::chrono::minutes(1));
  }
  // u1 (created first) received a chunk at t0+3m.
  ASSERT_OK_AND_ASSIGN(storage::UploadState u1, store().GetUpload("u1"));
  u1.offset = 10;
  ASSERT_OK(store().UpdateUpload(u1, 0));

  const Time cutoff = t0 + std::chrono::seconds(150);
  ASSERT_OK_AND_ASSIGN(std::vector<storage::UploadState> stale, store().ListStaleUploads(cutoff, 10));
  EXPECT_THAT(IdsOf(stale), ::testing::ElementsAre("u2", "u3"));
  ASSERT_OK_AND_ASSIGN(std::vector<storage::UploadState> oldest, store().ListStaleUploads(cutoff, 1));
  EXPECT_THAT(IdsOf(oldest), ::testing::ElementsAre("u2"));
  ASSERT_OK_AND_ASSIGN(std::vector<storage::UploadState> none, store().ListStaleUploads(t0, 10));
  EXPECT_THAT(none, IsEmpty());
  EXPECT_EQ(stale[0].hash_state, AllBytes()) << "listed uploads are complete states";
}

}  // namespace
}  // namespace scopereg::metadata
