// MetadataStoreSuite: repositories (repository_index.h).
#include <string>
#include <vector>

#include "conformance/metadata_store_suite.h"
#include "testing/status_matchers.h"

namespace scopereg::metadata {
namespace {

using ::testing::ElementsAre;
using ::testing::IsEmpty;

TEST_P(MetadataStoreSuite, GetRepositoryOfUnknownNameIsNotFound) {
  EXPECT_STATUS(store().GetRepository("no/such"), StatusCode::kNotFound);
}

TEST_P(MetadataStoreSuite, LinkBlobCreatesRepository) {
  const Time created = clock_.Now();
  ASSERT_OK(AddBlob(kRepo, "layer"));
  ASSERT_OK_AND_ASSIGN(RepositoryRecord repo, store().GetRepository(kRepo));
  EXPECT_EQ(repo.name, kRepo);
  EXPECT_EQ(repo.created_at, created);
  EXPECT_EQ(repo.attributes, LockAttributes{});
  EXPECT_EQ(repo.manifest_count, 0);
  EXPECT_EQ(repo.tag_count, 0);
}

TEST_P(MetadataStoreSuite, PutManifestCreatesRepositoryAndCountsManifestsAndTags) {
  ASSERT_OK_AND_ASSIGN(oci::Digest m1, PushImage(kRepo, "m1", "v1"));
  ASSERT_OK(PushImage(kRepo, "m2", "v2"));
  ASSERT_OK(Retag(kRepo, m1, "latest"));
  ASSERT_OK(PushImage(kOtherRepo, "m3"));

  ASSERT_OK_AND_ASSIGN(RepositoryRecord repo, store().GetRepository(kRepo));
  EXPECT_EQ(repo.manifest_count, 2);
  EXPECT_EQ(repo.tag_count, 3);
  ASSERT_OK_AND_ASSIGN(RepositoryRecord other, store().GetRepository(kOtherRepo));
  EXPECT_EQ(other.manifest_count, 1);
  EXPECT_EQ(other.tag_count, 0);
}

TEST_P(MetadataStoreSuite, ListRepositoriesPagesInByteOrder) {
  ASSERT_OK_AND_ASSIGN(Page<std::string> empty, store().ListRepositories("", 10));
  EXPECT_THAT(empty.items, IsEmpty());
  EXPECT_FALSE(empty.more);

  for (const char* name : {"b", "a/x", "a", "B"}) ASSERT_OK(AddBlob(name, "layer"));

  // Byte order: upper case sorts before lower case, "a" before "a/x".
  ASSERT_OK_AND_ASSIGN(Page<std::string> first, store().ListRepositories("", 2));
  EXPECT_THAT(first.items, ElementsAre("B", "a"));
  EXPECT_TRUE(first.more);
  ASSERT_OK_AND_ASSIGN(Page<std::string> last, store().ListRepositories("a", 2));
  EXPECT_THAT(last.items, ElementsAre("a/x", "b"));
  EXPECT_FALSE(last.more) << "an exactly full last page has no more";
  ASSERT_OK_AND_ASSIGN(Page<std::string> all, store().ListRepositories("", 4));
  EXPECT_THAT(all.items, ElementsAre("B", "a", "a/x", "b"));
  EXPECT_FALSE(all.more);
  ASSERT_OK_AND_ASSIGN(Page<std::string> past_end, store().ListRepositories("b", 2));
  EXPECT_THAT(past_end.items, IsEmpty());
  EXPECT_FALSE(past_end.more);
  ASSERT_OK_AND_ASSIGN(Page<std::string> far_past_end, store().ListRepositories("zzz", 2));
  EXPECT_THAT(far_past_end.items, IsEmpty());
  EXPECT_FALSE(far_past_end.more);
}

TEST_P(MetadataStoreSuite, DeleteRepositoryRemovesContentButNotBlobRows) {
  ASSERT_OK_AND_ASSIGN(oci::Digest manifest, PushImage(kRepo, "m1", "v1"));
  ASSERT_OK_AND_ASSIGN(oci::Digest loose, AddBlob(kRepo, "loose"));
  ASSERT_OK(store().LinkBlob(kOtherRepo, loose));

  ASSERT_OK(store().DeleteRepository(kRepo));

  EXPECT_STATUS(store().GetRepository(kRepo), StatusCode::kNotFound);
  EXPECT_STATUS(store().GetTag(kRepo, "v1"), StatusCode::kNotFound);
  EXPECT_STATUS(store().GetManifest(kRepo, manifest), StatusCode::kNotFound);
  EXPECT_STATUS(store().GetLinkedBlob(kRepo, loose), StatusCode::kNotFound);
  EXPECT_STATUS(store().GetLinkedBlob(kRepo, manifest), StatusCode::kNotFound);
  EXPECT_OK(store().GetBlob(loose));
  EXPECT_OK(store().GetBlob(manifest));
  EXPECT_OK(store().GetLinkedBlob(kOtherRepo, loose));
  ASSERT_OK_AND_ASSIGN(Page<std::string> repos, store().ListRepositories("", 10));
  EXPECT_THAT(repos.items, ElementsAre(std::string(kOtherRepo)));

  EXPECT_STATUS(store().DeleteRepository(kRepo), StatusCode::kNotFound);
  // The name can be used again.
  ASSERT_OK(PushImage(kRepo, "m1", "v1"));
  ASSERT_OK_AND_ASSIGN(RepositoryRecord again, store().GetRepository(kRepo));
  EXPECT_EQ(again.tag_count, 1);
}

TEST_P(MetadataStoreSuite, DeleteRepositoryIsRefusedByAnyDeletionLock) {
  int i = 0;
  for (const LockCase& lock :
       DeletionLocks({LockTarget::kRepository, LockTarget::kTag, LockTarget::kManifest})) {
    SCOPED_TRACE(Describe(lock));
    const std::string repo = "locked/" + std::to_string(++i);
    ASSERT_OK_AND_ASSIGN(oci::Digest manifest, PushLockedImage(repo, repo, lock));
    EXPECT_STATUS(store().DeleteRepository(repo), StatusCode::kPermissionDenied);
    EXPECT_OK(store().GetTag(repo, "v1"));
    EXPECT_OK(store().GetManifest(repo, manifest));
  }
}

TEST_P(MetadataStoreSuite, DeleteRepositoryWorksOnceUnlocked) {
  ASSERT_OK(PushImage(kRepo, "m1", "v1"));
  ASSERT_OK(store().UpdateTagAttributes(kRepo, "v1", Patch(std::nullopt, false)));
  EXPECT_STATUS(store().DeleteRepository(kRepo), StatusCode::kPermissionDenied);
  ASSERT_OK(store().UpdateTagAttributes(kRepo, "v1", Patch(std::nullopt, true)));
  EXPECT_OK(store().DeleteRepository(kRepo));
}

TEST_P(MetadataStoreSuite, UpdateRepositoryAttributesChangesOnlyTheGivenFields) {
  EXPECT_STATUS(store().UpdateRepositoryAttributes(kRepo, Patch(false, std::nullopt)), StatusCode::kNotFound);
  ASSERT_OK(AddBlob(kRepo, "layer"));

  ASSERT_OK(store().UpdateRepositoryAttributes(kRepo, Patch(false, std::nullopt)));
  ASSERT_OK_AND_ASSIGN(RepositoryRecord r1, store().GetRepository(kRepo));
  EXPECT_EQ(r1.attributes, (LockAttributes{.write_enabled = false}));

  LockAttributesPatch unlist;
  unlist.list_enabled = false;
  unlist.read_enabled = false;
  ASSERT_OK(store().UpdateRepositoryAttributes(kRepo, unlist));
  ASSERT_OK_AND_ASSIGN(RepositoryRecord r2, store().GetRepository(kRepo));
  EXPECT_EQ(r2.attributes,
            (LockAttributes{.write_enabled = false, .read_enabled = false, .list_enabled = false}));

  ASSERT_OK(store().UpdateRepositoryAttributes(kRepo, LockAttributesPatch{}));
  ASSERT_OK_AND_ASSIGN(RepositoryRecord r3, store().GetRepository(kRepo));
  EXPECT_EQ(r3.attributes, r2.attributes);
}

}  // namespace
}  // namespace scopereg::metadata
