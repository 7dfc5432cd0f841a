// MetadataStoreSuite: tags, tag listings and their pagination
// (repository_index.h).
#include <string>
#include <vector>

#include "conformance/metadata_store_suite.h"
#include "testing/status_matchers.h"

namespace scopereg::metadata {
namespace {

using ::testing::ElementsAre;
using ::testing::IsEmpty;

TEST_P(MetadataStoreSuite, GetTagOfUnknownTagOrRepositoryIsNotFound) {
  ASSERT_OK(PushImage(kRepo, "m1", "v1"));
  EXPECT_STATUS(store().GetTag(kRepo, "v2"), StatusCode::kNotFound);
  EXPECT_STATUS(store().GetTag(kOtherRepo, "v1"), StatusCode::kNotFound);
}

TEST_P(MetadataStoreSuite, TagListingsOfUnknownRepositoryAreNotFound) {
  EXPECT_STATUS(store().ListTags("no/such", "", 10, false), StatusCode::kNotFound);
  EXPECT_STATUS(store().ListTags("no/such", "", 10, true), StatusCode::kNotFound);
  EXPECT_STATUS(store().ListTagRecords("no/such", "", 10), StatusCode::kNotFound);
}

TEST_P(MetadataStoreSuite, ListTagsPaginationEdges) {
  ASSERT_OK(AddBlob(kRepo, "layer"));
  ASSERT_OK_AND_ASSIGN(Page<std::string> empty, store().ListTags(kRepo, "", 10, false));
  EXPECT_THAT(empty.items, IsEmpty());
  EXPECT_FALSE(empty.more);

  ASSERT_OK_AND_ASSIGN(oci::Digest m, PushImage(kRepo, "m1"));
  for (const char* tag : {"d", "b", "e", "a", "c"}) ASSERT_OK(Retag(kRepo, m, tag));

  ASSERT_OK_AND_ASSIGN(Page<std::string> exact, store().ListTags(kRepo, "", 5, false));
  EXPECT_THAT(exact.items, ElementsAre("a", "b", "c", "d", "e"));
  EXPECT_FALSE(exact.more) << "a page exactly the size of what is left has no more";
  ASSERT_OK_AND_ASSIGN(Page<std::string> short_page, store().ListTags(kRepo, "", 4, false));
  EXPECT_THAT(short_page.items, ElementsAre("a", "b", "c", "d"));
  EXPECT_TRUE(short_page.more);
  ASSERT_OK_AND_ASSIGN(Page<std::string> middle, store().ListTags(kRepo, "c", 10, false));
  EXPECT_THAT(middle.items, ElementsAre("d", "e"));
  EXPECT_FALSE(middle.more);
  ASSERT_OK_AND_ASSIGN(Page<std::string> between, store().ListTags(kRepo, "bb", 1, false));
  EXPECT_THAT(between.items, ElementsAre("c"));
  EXPECT_TRUE(between.more);
  ASSERT_OK_AND_ASSIGN(Page<std::string> at_end, store().ListTags(kRepo, "e", 10, false));
  EXPECT_THAT(at_end.items, IsEmpty());
  EXPECT_FALSE(at_end.more);
  ASSERT_OK_AND_ASSIGN(Page<std::string> past_end, store().ListTags(kRepo, "zzz", 10, false));
  EXPECT_THAT(past_end.items, IsEmpty());
  EXPECT_FALSE(past_end.more);

  for (std::size_t page_size : {1u, 2u, 3u, 5u, 6u}) {
    SCOPED_TRACE("page size " + std::to_string(page_size));
    EXPECT_THAT(AllTagsByPages(kRepo, page_size, false), ElementsAre("a", "b", "c", "d", "e"));
  }
}

TEST_P(MetadataStoreSuite, ListTagsLeavesOutUnlistedTagsUnlessAsked) {
  ASSERT_OK_AND_ASSIGN(oci::Digest m, PushImage(kRepo, "m1"));
  for (const char* tag : {"a", "b", "c", "d"}) ASSERT_OK(Retag(kRepo, m, tag));
  LockAttributesPatch unlist;
  unlist.list_enabled = false;
  ASSERT_OK(store().UpdateTagAttributes(kRepo, "b", unlist));
  ASSERT_OK(store().UpdateTagAttributes(kRepo, "d", unlist));

  ASSERT_OK_AND_ASSIGN(Page<std::string> listed, store().ListTags(kRepo, "", 10, false));
  EXPECT_THAT(listed.items, ElementsAre("a", "c"));
  ASSERT_OK_AND_ASSIGN(Page<std::string> all, store().ListTags(kRepo, "", 10, true));
  EXPECT_THAT(all.items, ElementsAre("a", "b", "c", "d"));
  // `more` counts only what would be listed: nothing listed follows "c".
  ASSERT_OK_AND_ASSIGN(Page<std::string> first, store().ListTags(kRepo, "", 2, false));
  EXPECT_THAT(first.items, ElementsAre("a", "c"));
  EXPECT_FALSE(first.more);
  EXPECT_THAT(AllTagsByPages(kRepo, 1, false), ElementsAre("a", "c"));
  EXPECT_THAT(AllTagsByPages(kRepo, 1, true), ElementsAre("a", "b", "c", "d"));

  ASSERT_OK_AND_ASSIGN(Page<TagRecord> records, store().ListTagRecords(kRepo, "", 10));
  ASSERT_EQ(records.items.size(), 4u) << "the metadata API lists every tag";
  EXPECT_FALSE(records.items[1].attributes.list_enabled);
}

TEST_P(MetadataStoreSuite, ListTagRecordsPagesFullRecords) {
  const Time t0 = clock_.Now();
  ASSERT_OK_AND_ASSIGN(oci::Digest m1, PushImage(kRepo, "m1", "x"));
  clock_.Advance(std::chrono::seconds(1));
  ASSERT_OK_AND_ASSIGN(oci::Digest m2, PushImage(kRepo, "m2", "y"));
  ASSERT_OK(Retag(kRepo, m1, "z"));
  ASSERT_OK(store().UpdateTagAttributes(kRepo, "y", Patch(false, std::nullopt)));

  ASSERT_OK_AND_ASSIGN(Page<TagRecord> p1, store().ListTagRecords(kRepo, "", 2));
  ASSERT_EQ(p1.items.size(), 2u);
  EXPECT_TRUE(p1.more);
  EXPECT_EQ(p1.items[0].name, "x");
  EXPECT_EQ(p1.items[0].digest, m1);
  EXPECT_EQ(p1.items[0].created_at, t0);
  EXPECT_EQ(p1.items[1].name, "y");
  EXPECT_EQ(p1.items[1].digest, m2);
  EXPECT_EQ(p1.items[1].created_at, t0 + std::chrono::seconds(1));
  EXPECT_FALSE(p1.items[1].attributes.write_enabled);

  ASSERT_OK_AND_ASSIGN(Page<TagRecord> p2, store().ListTagRecords(kRepo, "y", 2));
  ASSERT_EQ(p2.items.size(), 1u);
  EXPECT_EQ(p2.items[0].name, "z");
  EXPECT_FALSE(p2.more);
}

TEST_P(MetadataStoreSuite, TagsOfListsTheTagsOfOneManifestInNameOrder) {
  ASSERT_OK_AND_ASSIGN(oci::Digest m1, PushImage(kRepo, "m1", "v1"));
  ASSERT_OK(Retag(kRepo, m1, "latest"));
  ASSERT_OK(Retag(kRepo, m1, "stable"));
  ASSERT_OK(PushImage(kRepo, "m2", "v2"));
  ASSERT_OK(PushImage(kOtherRepo, "m1", "elsewhere"));

  ASSERT_OK_AND_ASSIGN(std::vector<std::string> tags, store().TagsOf(kRepo, m1));
  EXPECT_THAT(tags, ElementsAre("latest", "stable", "v1"));
  ASSERT_OK_AND_ASSIGN(std::vector<std::string> none, store().TagsOf(kRepo, DigestOf("nope")));
  EXPECT_THAT(none, IsEmpty());
}

TEST_P(MetadataStoreSuite, DeleteTagKeepsTheManifest) {
  ASSERT_OK_AND_ASSIGN(oci::Digest m1, PushImage(kRepo, "m1", "v1"));
  ASSERT_OK(store().DeleteTag(kRepo, "v1"));
  EXPECT_STATUS(store().GetTag(kRepo, "v1"), StatusCode::kNotFound);
  EXPECT_OK(store().GetManifest(kRepo, m1));
  EXPECT_STATUS(store().DeleteTag(kRepo, "v1"), StatusCode::kNotFound);
  EXPECT_STATUS(store().DeleteTag("no/such", "v1"), StatusCode::kNotFound);
}

TEST_P(MetadataStoreSuite, DeleteTagIsRefusedByAnyDeletionLock) {
  int i = 0;
  for (const LockCase& lock : DeletionLocks({LockTarget::kRepository, LockTarget::kTag})) {
    SCOPED_TRACE(Describe(lock));
    const std::string repo = "locked/" + std::to_string(++i);
    ASSERT_OK(PushLockedImage(repo, repo, lock));
    EXPECT_STATUS(store().DeleteTag(repo, "v1"), StatusCode::kPermissionDenied);
    EXPECT_OK(store().GetTag(repo, "v1"));
  }
}

TEST_P(MetadataStoreSuite, UpdateTagAttributesChangesOnlyTheGivenFields) {
  EXPECT_STATUS(store().UpdateTagAttributes("no/such", "v1", Patch(false, std::nullopt)),
                StatusCode::kNotFound);
  ASSERT_OK(PushImage(kRepo, "m1", "v1"));
  EXPECT_STATUS(store().UpdateTagAttributes(kRepo, "v2", Patch(false, std::nullopt)), StatusCode::kNotFound);

  ASSERT_OK(store().UpdateTagAttributes(kRepo, "v1", Patch(std::nullopt, false)));
  LockAttributesPatch read;
  read.read_enabled = false;
  ASSERT_OK(store().UpdateTagAttributes(kRepo, "v1", read));
  ASSERT_OK_AND_ASSIGN(TagRecord tag, store().GetTag(kRepo, "v1"));
  EXPECT_EQ(tag.attributes, (LockAttributes{.delete_enabled = false, .read_enabled = false}));
}

}  // namespace
}  // namespace scopereg::metadata
