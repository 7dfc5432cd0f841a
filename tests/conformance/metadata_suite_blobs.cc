// MetadataStoreSuite: blobs, links and the GC protocol (blob_index.h).
#include <string>
#include <vector>

#include "conformance/metadata_store_suite.h"
#include "testing/status_matchers.h"

namespace scopereg::metadata {
namespace {

using ::testing::ElementsAre;
using ::testing::ElementsAreArray;
using ::testing::IsEmpty;

constexpr auto kHour = std::chrono::hours(1);

// ---- records and links ------------------------------------------------------------------

TEST_P(MetadataStoreSuite, RecordBlobCreatesTheRowAndThenRefreshesIt) {
  const oci::Digest d = DigestOf("blob");
  EXPECT_STATUS(store().GetBlob(d), StatusCode::kNotFound);
  const Time t0 = clock_.Now();
  ASSERT_OK(store().RecordBlob(d, 42));
  ASSERT_OK_AND_ASSIGN(BlobRecord first, store().GetBlob(d));
  EXPECT_EQ(first.digest, d);
  EXPECT_EQ(first.size, 42);
  EXPECT_EQ(first.created_at, t0);
  EXPECT_EQ(first.last_touched, t0);

  clock_.Advance(kHour);
  ASSERT_OK(store().RecordBlob(d, 42));
  ASSERT_OK_AND_ASSIGN(BlobRecord again, store().GetBlob(d));
  EXPECT_EQ(again.created_at, t0);
  EXPECT_EQ(again.last_touched, t0 + kHour);
}

TEST_P(MetadataStoreSuite, RecordBlobWithAnotherSizeIsInvalid) {
  const oci::Digest d = DigestOf("blob");
  ASSERT_OK(store().RecordBlob(d, 42));
  clock_.Advance(kHour);
  EXPECT_STATUS(store().RecordBlob(d, 43), StatusCode::kInvalidArgument);
  ASSERT_OK_AND_ASSIGN(BlobRecord blob, store().GetBlob(d));
  EXPECT_EQ(blob.size, 42);
  EXPECT_EQ(blob.last_touched, clock_.Now() - kHour) << "a refused record touches nothing";
}

TEST_P(MetadataStoreSuite, LinkBlobNeedsARecordedBlob) {
  EXPECT_STATUS(store().LinkBlob(kRepo, DigestOf("unknown")), StatusCode::kNotFound);
  // A failed link creates no repository.
  EXPECT_STATUS(store().GetRepository(kRepo), StatusCode::kNotFound);
}

TEST_P(MetadataStoreSuite, LinkBlobTwiceIsFineAndRefreshesTheBlob) {
  ASSERT_OK_AND_ASSIGN(oci::Digest d, AddBlob(kRepo, "blob"));
  clock_.Advance(kHour);
  ASSERT_OK(store().LinkBlob(kRepo, d));
  ASSERT_OK_AND_ASSIGN(BlobRecord blob, store().GetLinkedBlob(kRepo, d));
  EXPECT_EQ(blob.last_touched, clock_.Now());
  EXPECT_EQ(blob.size, 100);
}

TEST_P(MetadataStoreSuite, GetLinkedBlobSeesOnlyLinkedRepositories) {
  ASSERT_OK_AND_ASSIGN(oci::Digest d, AddBlob(kRepo, "blob"));
  EXPECT_OK(store().GetLinkedBlob(kRepo, d));
  EXPECT_STATUS(store().GetLinkedBlob(kOtherRepo, d), StatusCode::kNotFound);
  EXPECT_STATUS(store().GetLinkedBlob(kRepo, DigestOf("other")), StatusCode::kNotFound);
}

TEST_P(MetadataStoreSuite, RepositoriesWithBlobInNameOrderUpToTheLimit) {
  const oci::Digest d = DigestOf("blob");
  ASSERT_OK(store().RecordBlob(d, 1));
  ASSERT_OK_AND_ASSIGN(std::vector<std::string> none, store().RepositoriesWithBlob(d, 10));
  EXPECT_THAT(none, IsEmpty());
  for (const char* repo : {"c", "a", "b"}) ASSERT_OK(store().LinkBlob(repo, d));
  ASSERT_OK(AddBlob("d", "unrelated"));

  ASSERT_OK_AND_ASSIGN(std::vector<std::string> two, store().RepositoriesWithBlob(d, 2));
  EXPECT_THAT(two, ElementsAre("a", "b"));
  ASSERT_OK_AND_ASSIGN(std::vector<std::string> all, store().RepositoriesWithBlob(d, 10));
  EXPECT_THAT(all, ElementsAre("a", "b", "c"));
}

TEST_P(MetadataStoreSuite, UnlinkBlobRemovesOnlyTheLink) {
  ASSERT_OK_AND_ASSIGN(oci::Digest d, AddBlob(kRepo, "blob"));
  ASSERT_OK(store().LinkBlob(kOtherRepo, d));
  EXPECT_STATUS(store().UnlinkBlob("no/such", d), StatusCode::kNotFound);
  EXPECT_STATUS(store().UnlinkBlob(kRepo, DigestOf("unknown")), StatusCode::kNotFound);

  ASSERT_OK(store().UnlinkBlob(kRepo, d));
  EXPECT_STATUS(store().GetLinkedBlob(kRepo, d), StatusCode::kNotFound);
  EXPECT_OK(store().GetLinkedBlob(kOtherRepo, d));
  EXPECT_OK(store().GetBlob(d));
  EXPECT_STATUS(store().UnlinkBlob(kRepo, d), StatusCode::kNotFound);
}

// ---- garbage collection ---------------------------------------------------------------------

TEST_P(MetadataStoreSuite, ListUnreferencedBlobsFindsOnlyOldUnreferencedBlobs) {
  const Time t0 = clock_.Now();
  ASSERT_OK_AND_ASSIGN(oci::Digest loose, AddBlob(kRepo, "loose"));
  ASSERT_OK(PushImage(kRepo, "image"));  // its manifest and layer are referenced
  const oci::Digest unlinked = DigestOf("unlinked");
  ASSERT_OK(store().RecordBlob(unlinked, 5));
  clock_.Advance(kHour);

  ASSERT_OK_AND_ASSIGN(std::vector<BlobRecord> found, store().ListUnreferencedBlobs(clock_.Now(), {}, 100));
  EXPECT_THAT(DigestsOf(found), ElementsAreArray(Sorted({loose, unlinked})));
  for (const BlobRecord& b : found) EXPECT_EQ(b.last_touched, t0);

  ASSERT_OK_AND_ASSIGN(std::vector<BlobRecord> before_touch,
                       store().ListUnreferencedBlobs(t0 - std::chrono::seconds(1), {}, 100));
  EXPECT_THAT(before_touch, IsEmpty());
}

TEST_P(MetadataStoreSuite, ListUnreferencedBlobsPagesInDigestOrder) {
  std::vector<oci::Digest> loose;
  for (int i = 0; i < 5; ++i) {
    ASSERT_OK_AND_ASSIGN(oci::Digest d, AddBlob(kRepo, "loose" + std::to_string(i)));
    loose.push_back(d);
  }
  loose = Sorted(loose);
  clock_.Advance(kHour);

  ASSERT_OK_AND_ASSIGN(std::vector<BlobRecord> p1, store().ListUnreferencedBlobs(clock_.Now(), {}, 2));
  EXPECT_THAT(DigestsOf(p1), ElementsAre(loose[0], loose[1]));
  ASSERT_OK_AND_ASSIGN(std::vector<BlobRecord> p2, store().ListUnreferencedBlobs(clock_.Now(), loose[1], 10));
  EXPECT_THAT(DigestsOf(p2), ElementsAre(loose[2], loose[3], loose[4]));
  ASSERT_OK_AND_ASSIGN(std::vector<BlobRecord> p3, store().ListUnreferencedBlobs(clock_.Now(), loose[4], 10));
  EXPECT_THAT(p3, IsEmpty());
}

TEST_P(MetadataStoreSuite, GcProtocolStepByStep) {
  ASSERT_OK_AND_ASSIGN(oci::Digest d, AddBlob(kRepo, "loose"));
  clock_.Advance(kHour);
  const Time cutoff = clock_.Now() - std::chrono::minutes(30);

  // GC marks it...
  ASSERT_OK_AND_ASSIGN(bool marked, store().MarkBlobDeleting(d, cutoff));
  ASSERT_TRUE(marked);
  ASSERT_OK_AND_ASSIGN(bool marked_twice, store().MarkBlobDeleting(d, cutoff));
  EXPECT_FALSE(marked_twice);

  // ...and from now on it is invisible and cannot be revived...
  EXPECT_STATUS(store().GetBlob(d), StatusCode::kNotFound);
  EXPECT_STATUS(store().GetLinkedBlob(kRepo, d), StatusCode::kNotFound);
  EXPECT_STATUS(store().LinkBlob(kOtherRepo, d), StatusCode::kNotFound);
  EXPECT_STATUS(store().RecordBlob(d, 100), StatusCode::kAborted);
  ASSERT_OK_AND_ASSIGN(std::vector<std::string> repos, store().RepositoriesWithBlob(d, 10));
  EXPECT_THAT(repos, IsEmpty());
  ASSERT_OK_AND_ASSIGN(std::vector<BlobRecord> unreferenced,
                       store().ListUnreferencedBlobs(clock_.Now(), {}, 10));
  EXPECT_THAT(unreferenced, IsEmpty()) << "a marked blob is listed by ListBlobsBeingDeleted only";
  ASSERT_OK_AND_ASSIGN(std::vector<oci::Digest> deleting, store().ListBlobsBeingDeleted());
  EXPECT_THAT(deleting, ElementsAre(d));

  // ...not even by a manifest, as a layer or as its own content.
  ASSERT_OK_AND_ASSIGN(ManifestRecord uses_it, NewManifest("uses it"));
  EXPECT_STATUS(store().PutManifest(kRepo, uses_it, {.blobs = {d}}, std::nullopt, {}),
                StatusCode::kFailedPrecondition);
  ManifestRecord is_it = uses_it;
  is_it.digest = d;
  EXPECT_STATUS(store().PutManifest(kRepo, is_it, {}, std::nullopt, {}), StatusCode::kFailedPrecondition);

  // GC deleted the bytes; it forgets the row and its links.
  ASSERT_OK(store().ForgetBlob(d));
  ASSERT_OK_AND_ASSIGN(std::vector<oci::Digest> none_deleting, store().ListBlobsBeingDeleted());
  EXPECT_THAT(none_deleting, IsEmpty());
  EXPECT_STATUS(store().GetBlob(d), StatusCode::kNotFound);

  // A push can now record it afresh.
  clock_.Advance(std::chrono::minutes(1));
  ASSERT_OK(store().RecordBlob(d, 100));
  ASSERT_OK_AND_ASSIGN(BlobRecord fresh, store().GetBlob(d));
  EXPECT_EQ(fresh.created_at, clock_.Now());
  // The old links went with the row.
  EXPECT_STATUS(store().GetLinkedBlob(kRepo, d), StatusCode::kNotFound);
  ASSERT_OK(store().LinkBlob(kRepo, d));
  EXPECT_OK(store().GetLinkedBlob(kRepo, d));
}

TEST_P(MetadataStoreSuite, MarkBlobDeletingRefusesReferencedAndUnknownBlobs) {
  ASSERT_OK_AND_ASSIGN(oci::Digest manifest, PushImage(kRepo, "image"));
  const oci::Digest layer = DigestOf("image/layer");
  clock_.Advance(kHour);
  for (const oci::Digest& d : {manifest, layer, DigestOf("unknown")}) {
    ASSERT_OK_AND_ASSIGN(bool marked, store().MarkBlobDeleting(d, clock_.Now()));
    EXPECT_FALSE(marked) << d.str();
  }
  EXPECT_OK(store().GetBlob(layer));
  ASSERT_OK_AND_ASSIGN(std::vector<oci::Digest> deleting, store().ListBlobsBeingDeleted());
  EXPECT_THAT(deleting, IsEmpty());
}

TEST_P(MetadataStoreSuite, BlobReferencedOnlyFromAnotherRepositoryIsNotCollectable) {
  // Linked to kRepo, where no manifest uses it; used by a manifest in
  // kOtherRepo. The reference protects it everywhere.
  ASSERT_OK_AND_ASSIGN(oci::Digest layer, AddBlob(kRepo, "shared layer"));
  ASSERT_OK(store().LinkBlob(kOtherRepo, layer));
  ASSERT_OK_AND_ASSIGN(ManifestRecord m, NewManifest("other manifest"));
  ASSERT_OK(store().PutManifest(kOtherRepo, m, {.blobs = {layer}}, std::nullopt, {}));
  // The same for a manifest's own content: linked to kRepo as a plain blob.
  ASSERT_OK(store().LinkBlob(kRepo, m.digest));
  ASSERT_OK(store().UnlinkBlob(kOtherRepo, layer));
  clock_.Advance(kHour);

  ASSERT_OK_AND_ASSIGN(std::vector<BlobRecord> unreferenced,
                       store().ListUnreferencedBlobs(clock_.Now(), {}, 10));
  EXPECT_THAT(unreferenced, IsEmpty());
  for (const oci::Digest& d : {layer, m.digest}) {
    ASSERT_OK_AND_ASSIGN(bool marked, store().MarkBlobDeleting(d, clock_.Now()));
    EXPECT_FALSE(marked) << d.str();
  }
}

TEST_P(MetadataStoreSuite, TouchingABlobAfterTheCutoffProtectsIt) {
  ASSERT_OK_AND_ASSIGN(oci::Digest recorded, AddBlob(kRepo, "recorded again"));
  ASSERT_OK_AND_ASSIGN(oci::Digest linked, AddBlob(kRepo, "linked again"));
  ASSERT_OK_AND_ASSIGN(oci::Digest untouched, AddBlob(kRepo, "untouched"));
  clock_.Advance(kHour);
  const Time cutoff = clock_.Now();  // GC decided: older than this is garbage
  clock_.Advance(std::chrono::seconds(1));
  ASSERT_OK(store().RecordBlob(recorded, 100));  // a push started meanwhile
  ASSERT_OK(store().LinkBlob(kOtherRepo, linked));

  ASSERT_OK_AND_ASSIGN(std::vector<BlobRecord> listed, store().ListUnreferencedBlobs(cutoff, {}, 10));
  EXPECT_THAT(DigestsOf(listed), ElementsAre(untouched));
  ASSERT_OK_AND_ASSIGN(bool recorded_marked, store().MarkBlobDeleting(recorded, cutoff));
  EXPECT_FALSE(recorded_marked);
  ASSERT_OK_AND_ASSIGN(bool linked_marked, store().MarkBlobDeleting(linked, cutoff));
  EXPECT_FALSE(linked_marked);
  ASSERT_OK_AND_ASSIGN(bool untouched_marked, store().MarkBlobDeleting(untouched, cutoff));
  EXPECT_TRUE(untouched_marked);
}

TEST_P(MetadataStoreSuite, DeletingTheLastManifestMakesItsBlobsCollectable) {
  ASSERT_OK_AND_ASSIGN(oci::Digest manifest, PushImage(kRepo, "image", "v1"));
  const oci::Digest layer = DigestOf("image/layer");
  ASSERT_OK(PushImage(kOtherRepo, "image"));  // the same image elsewhere
  clock_.Advance(kHour);

  ASSERT_OK(store().DeleteManifest(kRepo, manifest));
  ASSERT_OK_AND_ASSIGN(bool still_used, store().MarkBlobDeleting(layer, clock_.Now()));
  EXPECT_FALSE(still_used);

  ASSERT_OK(store().DeleteManifest(kOtherRepo, manifest));
  ASSERT_OK_AND_ASSIGN(std::vector<BlobRecord> unreferenced,
                       store().ListUnreferencedBlobs(clock_.Now(), {}, 10));
  EXPECT_THAT(DigestsOf(unreferenced), ElementsAreArray(Sorted({manifest, layer})));
  for (const oci::Digest& d : {manifest, layer}) {
    ASSERT_OK_AND_ASSIGN(bool marked, store().MarkBlobDeleting(d, clock_.Now()));
    EXPECT_TRUE(marked) << d.str();
  }
}

TEST_P(MetadataStoreSuite, ForgetBlobOnlyForgetsMarkedBlobs) {
  const oci::Digest d = DigestOf("live");
  ASSERT_OK(store().RecordBlob(d, 1));
  EXPECT_FALSE(store().ForgetBlob(d).ok());
  EXPECT_OK(store().GetBlob(d));
}

TEST_P(MetadataStoreSuite, ListBlobsBeingDeletedIsInDigestOrder) {
  std::vector<oci::Digest> marked;
  for (int i = 0; i < 4; ++i) {
    ASSERT_OK_AND_ASSIGN(oci::Digest d, AddBlob(kRepo, "b" + std::to_string(i)));
    marked.push_back(d);
  }
  ASSERT_OK(AddBlob(kRepo, "kept"));
  clock_.Advance(kHour);
  for (const oci::Digest& d : marked) {
    ASSERT_OK_AND_ASSIGN(bool ok, store().MarkBlobDeleting(d, clock_.Now()));
    ASSERT_TRUE(ok);
  }
  ASSERT_OK_AND_ASSIGN(std::vector<oci::Digest> deleting, store().ListBlobsBeingDeleted());
  EXPECT_THAT(deleting, ElementsAreArray(Sorted(marked)));
}

}  // namespace
}  // namespace scopereg::metadata
