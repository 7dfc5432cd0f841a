// MetadataStoreSuite: manifests, PutManifest's checks and results,
// DeleteManifest, referrers (repository_index.h).
#include <string>
#include <vector>

#include "conformance/metadata_store_suite.h"
#include "testing/status_matchers.h"

namespace scopereg::metadata {
namespace {

using ::testing::ElementsAre;
using ::testing::ElementsAreArray;
using ::testing::HasSubstr;
using ::testing::IsEmpty;

TEST_P(MetadataStoreSuite, PutManifestStoresTheRecord) {
  ASSERT_OK_AND_ASSIGN(oci::Digest layer, AddBlob(kRepo, "layer"));
  ASSERT_OK_AND_ASSIGN(ManifestRecord m, NewManifest("m1", DigestOf("subject"), "application/vnd.example"));
  m.annotations_json = R"({"org.opencontainers.image.created":"2026-01-01T00:00:00Z"})";
  m.media_type = "application/vnd.oci.image.index.v1+json";
  m.size = 1234;

  ASSERT_OK_AND_ASSIGN(PutManifestResult result,
                       store().PutManifest(kRepo, m, {.blobs = {layer}}, std::nullopt, {}));
  EXPECT_TRUE(result.created);
  EXPECT_FALSE(result.previous_tag_target.has_value());

  ASSERT_OK_AND_ASSIGN(ManifestRecord got, store().GetManifest(kRepo, m.digest));
  EXPECT_EQ(got.digest, m.digest);
  EXPECT_EQ(got.media_type, m.media_type);
  EXPECT_EQ(got.size, 1234);
  EXPECT_EQ(got.subject, DigestOf("subject"));
  EXPECT_EQ(got.artifact_type, "application/vnd.example");
  EXPECT_EQ(got.annotations_json, m.annotations_json);
  EXPECT_EQ(got.created_at, clock_.Now());
  EXPECT_EQ(got.attributes, LockAttributes{});

  EXPECT_STATUS(store().GetManifest(kOtherRepo, m.digest), StatusCode::kNotFound);
  EXPECT_STATUS(store().GetManifest(kRepo, DigestOf("other")), StatusCode::kNotFound);
}

TEST_P(MetadataStoreSuite, PutManifestWithoutSubjectOrAnnotations) {
  ASSERT_OK_AND_ASSIGN(ManifestRecord m, NewManifest("plain"));
  ASSERT_OK(store().PutManifest(kRepo, m, {}, std::nullopt, {}));
  ASSERT_OK_AND_ASSIGN(ManifestRecord got, store().GetManifest(kRepo, m.digest));
  EXPECT_FALSE(got.subject.has_value());
  EXPECT_EQ(got.artifact_type, "");
  EXPECT_EQ(got.annotations_json, "");
}

TEST_P(MetadataStoreSuite, PutManifestAgainIsNotCreatedAndKeepsTheFirstRecord) {
  ASSERT_OK_AND_ASSIGN(ManifestRecord m, NewManifest("m1"));
  const Time first = clock_.Now();
  ASSERT_OK(store().PutManifest(kRepo, m, {}, std::nullopt, {}));
  clock_.Advance(std::chrono::minutes(5));
  ASSERT_OK_AND_ASSIGN(PutManifestResult again, store().PutManifest(kRepo, m, {}, std::nullopt, {}));
  EXPECT_FALSE(again.created);
  ASSERT_OK_AND_ASSIGN(ManifestRecord got, store().GetManifest(kRepo, m.digest));
  EXPECT_EQ(got.created_at, first);
  // The same manifest in another repository is a new record there.
  ASSERT_OK_AND_ASSIGN(PutManifestResult other, store().PutManifest(kOtherRepo, m, {}, std::nullopt, {}));
  EXPECT_TRUE(other.created);
}

TEST_P(MetadataStoreSuite, PutManifestLinksItsOwnBlob) {
  ASSERT_OK_AND_ASSIGN(oci::Digest manifest, PushImage(kRepo, "m1"));
  EXPECT_OK(store().GetLinkedBlob(kRepo, manifest));
  EXPECT_STATUS(store().GetLinkedBlob(kOtherRepo, manifest), StatusCode::kNotFound);
}

TEST_P(MetadataStoreSuite, PutManifestRequiresItsOwnBlobRecorded) {
  ManifestRecord m;
  m.digest = DigestOf("never recorded");
  m.media_type = "application/vnd.oci.image.manifest.v1+json";
  Result<PutManifestResult> result = store().PutManifest("fresh/repo", m, {}, std::string("v1"), {});
  EXPECT_STATUS(result, StatusCode::kFailedPrecondition);
  EXPECT_THAT(std::string(result.status().message()), HasSubstr(m.digest.str()));
  // Nothing changed, not even the implicit repository.
  EXPECT_STATUS(store().GetRepository("fresh/repo"), StatusCode::kNotFound);
}

TEST_P(MetadataStoreSuite, PutManifestRequiresLayersLinkedToTheRepository) {
  ASSERT_OK_AND_ASSIGN(oci::Digest elsewhere, AddBlob(kOtherRepo, "elsewhere"));
  const oci::Digest unlinked = DigestOf("unlinked");
  ASSERT_OK(store().RecordBlob(unlinked, 10));
  ASSERT_OK_AND_ASSIGN(oci::Digest linked, AddBlob(kRepo, "linked"));
  ASSERT_OK_AND_ASSIGN(ManifestRecord m, NewManifest("m1"));

  for (const oci::Digest& missing : {elsewhere, unlinked, DigestOf("unknown")}) {
    Result<PutManifestResult> result =
        store().PutManifest(kRepo, m, {.blobs = {linked, missing}}, std::string("v1"), {});
    EXPECT_STATUS(result, StatusCode::kFailedPrecondition);
    EXPECT_THAT(std::string(result.status().message()), HasSubstr(missing.str()));
  }
  EXPECT_STATUS(store().GetManifest(kRepo, m.digest), StatusCode::kNotFound);
  EXPECT_STATUS(store().GetTag(kRepo, "v1"), StatusCode::kNotFound);
}

TEST_P(MetadataStoreSuite, PutManifestRequiresChildManifestsInTheRepository) {
  ASSERT_OK_AND_ASSIGN(oci::Digest child, PushImage(kOtherRepo, "child"));
  ASSERT_OK_AND_ASSIGN(ManifestRecord index, NewManifest("index"));
  Result<PutManifestResult> result =
      store().PutManifest(kRepo, index, {.manifests = {child}}, std::nullopt, {});
  EXPECT_STATUS(result, StatusCode::kNotFound);
  EXPECT_THAT(std::string(result.status().message()), HasSubstr(child.str()));
  EXPECT_STATUS(store().GetManifest(kRepo, index.digest), StatusCode::kNotFound);

  ASSERT_OK(PushImage(kRepo, "child"));
  EXPECT_OK(store().PutManifest(kRepo, index, {.manifests = {child}}, std::nullopt, {}));
}

TEST_P(MetadataStoreSuite, PutManifestCreatesAndMovesTags) {
  const Time t0 = clock_.Now();
  ASSERT_OK_AND_ASSIGN(oci::Digest m1, PushImage(kRepo, "m1", "v1"));
  ASSERT_OK_AND_ASSIGN(TagRecord created, store().GetTag(kRepo, "v1"));
  EXPECT_EQ(created.name, "v1");
  EXPECT_EQ(created.digest, m1);
  EXPECT_EQ(created.created_at, t0);
  EXPECT_EQ(created.updated_at, t0);
  EXPECT_EQ(created.attributes, LockAttributes{});

  clock_.Advance(std::chrono::seconds(10));
  ASSERT_OK_AND_ASSIGN(oci::Digest m2, PushImage(kRepo, "m2"));
  ASSERT_OK_AND_ASSIGN(PutManifestResult moved, Retag(kRepo, m2, "v1"));
  EXPECT_FALSE(moved.created);
  EXPECT_EQ(moved.previous_tag_target, m1);
  ASSERT_OK_AND_ASSIGN(TagRecord after_move, store().GetTag(kRepo, "v1"));
  EXPECT_EQ(after_move.digest, m2);
  EXPECT_EQ(after_move.created_at, t0);
  EXPECT_EQ(after_move.updated_at, clock_.Now());

  ASSERT_OK_AND_ASSIGN(PutManifestResult same, Retag(kRepo, m2, "v1"));
  EXPECT_FALSE(same.previous_tag_target.has_value()) << "pointing a tag where it points is no move";
}

TEST_P(MetadataStoreSuite, TagPreconditionMustHold) {
  ASSERT_OK_AND_ASSIGN(oci::Digest m1, PushImage(kRepo, "m1", "v1"));
  ASSERT_OK_AND_ASSIGN(oci::Digest m2, PushImage(kRepo, "m2"));

  EXPECT_STATUS(Retag(kRepo, m2, "v1", {.must_point_to = m2}), StatusCode::kAborted);
  ASSERT_OK_AND_ASSIGN(TagRecord unchanged, store().GetTag(kRepo, "v1"));
  EXPECT_EQ(unchanged.digest, m1);

  ASSERT_OK_AND_ASSIGN(PutManifestResult moved, Retag(kRepo, m2, "v1", {.must_point_to = m1}));
  EXPECT_EQ(moved.previous_tag_target, m1);

  // A tag that does not exist matches no digest.
  EXPECT_STATUS(Retag(kRepo, m1, "new", {.must_point_to = m1}), StatusCode::kAborted);
  EXPECT_STATUS(store().GetTag(kRepo, "new"), StatusCode::kNotFound);

  // A refused push of a new manifest leaves no manifest behind.
  ASSERT_OK_AND_ASSIGN(ManifestRecord m3, NewManifest("m3"));
  EXPECT_STATUS(store().PutManifest(kRepo, m3, {}, std::string("v1"), {.must_point_to = m1}),
                StatusCode::kAborted);
  EXPECT_STATUS(store().GetManifest(kRepo, m3.digest), StatusCode::kNotFound);
}

TEST_P(MetadataStoreSuite, PutManifestIsRefusedInARepositoryLockedForWriting) {
  ASSERT_OK(PushImage(kRepo, "m1", "v1"));
  ASSERT_OK_AND_ASSIGN(oci::Digest layer, AddBlob(kRepo, "layer"));
  ASSERT_OK_AND_ASSIGN(ManifestRecord m2, NewManifest("m2"));
  ASSERT_OK(store().UpdateRepositoryAttributes(kRepo, Patch(false, std::nullopt)));

  Result<PutManifestResult> refused =
      store().PutManifest(kRepo, m2, {.blobs = {layer}}, std::string("v2"), {});
  EXPECT_STATUS(refused, StatusCode::kPermissionDenied);
  EXPECT_THAT(std::string(refused.status().message()), HasSubstr("write_enabled"));
  EXPECT_STATUS(store().GetManifest(kRepo, m2.digest), StatusCode::kNotFound);

  // delete_enabled=false alone does not block writing.
  ASSERT_OK(store().UpdateRepositoryAttributes(kRepo, Patch(true, false)));
  EXPECT_OK(store().PutManifest(kRepo, m2, {.blobs = {layer}}, std::string("v2"), {}));
}

TEST_P(MetadataStoreSuite, PutManifestDoesNotMoveATagLockedForWriting) {
  ASSERT_OK_AND_ASSIGN(oci::Digest m1, PushImage(kRepo, "m1", "v1"));
  ASSERT_OK(store().UpdateTagAttributes(kRepo, "v1", Patch(false, std::nullopt)));
  ASSERT_OK_AND_ASSIGN(ManifestRecord m2, NewManifest("m2"));

  EXPECT_STATUS(store().PutManifest(kRepo, m2, {}, std::string("v1"), {}), StatusCode::kPermissionDenied);
  ASSERT_OK_AND_ASSIGN(TagRecord tag, store().GetTag(kRepo, "v1"));
  EXPECT_EQ(tag.digest, m1);
  EXPECT_STATUS(store().GetManifest(kRepo, m2.digest), StatusCode::kNotFound);

  // Pointing it where it already points is not a write; other tags are free.
  EXPECT_OK(Retag(kRepo, m1, "v1"));
  EXPECT_OK(store().PutManifest(kRepo, m2, {}, std::string("v2"), {}));

  // delete_enabled=false alone does not stop a move.
  ASSERT_OK(store().UpdateTagAttributes(kRepo, "v1", Patch(true, false)));
  ASSERT_OK_AND_ASSIGN(PutManifestResult moved, Retag(kRepo, m2.digest, "v1"));
  EXPECT_EQ(moved.previous_tag_target, m1);
  ASSERT_OK_AND_ASSIGN(TagRecord kept, store().GetTag(kRepo, "v1"));
  EXPECT_FALSE(kept.attributes.delete_enabled) << "a move keeps the tag's attributes";
}

TEST_P(MetadataStoreSuite, DeleteManifestRemovesItsTags) {
  ASSERT_OK_AND_ASSIGN(oci::Digest m1, PushImage(kRepo, "m1", "v1"));
  ASSERT_OK(Retag(kRepo, m1, "latest"));
  ASSERT_OK_AND_ASSIGN(oci::Digest m2, PushImage(kRepo, "m2", "v2"));

  ASSERT_OK(store().DeleteManifest(kRepo, m1));

  EXPECT_STATUS(store().GetManifest(kRepo, m1), StatusCode::kNotFound);
  EXPECT_STATUS(store().GetTag(kRepo, "v1"), StatusCode::kNotFound);
  EXPECT_STATUS(store().GetTag(kRepo, "latest"), StatusCode::kNotFound);
  ASSERT_OK_AND_ASSIGN(std::vector<std::string> tags, store().TagsOf(kRepo, m1));
  EXPECT_THAT(tags, IsEmpty());
  ASSERT_OK_AND_ASSIGN(TagRecord v2, store().GetTag(kRepo, "v2"));
  EXPECT_EQ(v2.digest, m2);
  ASSERT_OK_AND_ASSIGN(RepositoryRecord repo, store().GetRepository(kRepo));
  EXPECT_EQ(repo.manifest_count, 1);
  EXPECT_EQ(repo.tag_count, 1);

  EXPECT_STATUS(store().DeleteManifest(kRepo, m1), StatusCode::kNotFound);
  EXPECT_STATUS(store().DeleteManifest("no/such", m2), StatusCode::kNotFound);
}

TEST_P(MetadataStoreSuite, DeleteManifestIsRefusedByAnyDeletionLock) {
  int i = 0;
  for (const LockCase& lock :
       DeletionLocks({LockTarget::kRepository, LockTarget::kManifest, LockTarget::kTag})) {
    SCOPED_TRACE(Describe(lock));
    const std::string repo = "locked/" + std::to_string(++i);
    ASSERT_OK_AND_ASSIGN(oci::Digest manifest, PushLockedImage(repo, repo, lock));
    EXPECT_STATUS(store().DeleteManifest(repo, manifest), StatusCode::kPermissionDenied);
    EXPECT_OK(store().GetManifest(repo, manifest));
    EXPECT_OK(store().GetTag(repo, "v1"));
  }
}

TEST_P(MetadataStoreSuite, DeleteManifestIgnoresLocksOfOtherManifestsTags) {
  ASSERT_OK(PushImage(kRepo, "m1", "v1"));
  ASSERT_OK_AND_ASSIGN(oci::Digest m2, PushImage(kRepo, "m2", "v2"));
  ASSERT_OK(store().UpdateTagAttributes(kRepo, "v1", Patch(false, false)));
  EXPECT_OK(store().DeleteManifest(kRepo, m2));
}

TEST_P(MetadataStoreSuite, ListManifestsPagesInDigestOrder) {
  EXPECT_STATUS(store().ListManifests(kRepo, "", 10), StatusCode::kNotFound);
  ASSERT_OK(AddBlob(kRepo, "layer"));
  ASSERT_OK_AND_ASSIGN(Page<ManifestRecord> empty, store().ListManifests(kRepo, "", 10));
  EXPECT_THAT(empty.items, IsEmpty());
  EXPECT_FALSE(empty.more);

  std::vector<oci::Digest> pushed;
  for (int i = 0; i < 5; ++i) {
    ASSERT_OK_AND_ASSIGN(oci::Digest d, PushImage(kRepo, "m" + std::to_string(i)));
    pushed.push_back(d);
  }
  const std::vector<oci::Digest> sorted = Sorted(pushed);

  ASSERT_OK_AND_ASSIGN(Page<ManifestRecord> p1, store().ListManifests(kRepo, "", 2));
  EXPECT_THAT(DigestsOf(p1.items), ElementsAre(sorted[0], sorted[1]));
  EXPECT_TRUE(p1.more);
  ASSERT_OK_AND_ASSIGN(Page<ManifestRecord> p2, store().ListManifests(kRepo, sorted[1].str(), 3));
  EXPECT_THAT(DigestsOf(p2.items), ElementsAre(sorted[2], sorted[3], sorted[4]));
  EXPECT_FALSE(p2.more);
  ASSERT_OK_AND_ASSIGN(Page<ManifestRecord> past_end, store().ListManifests(kRepo, sorted[4].str(), 3));
  EXPECT_THAT(past_end.items, IsEmpty());
  EXPECT_FALSE(past_end.more);
  EXPECT_EQ(p1.items[0].media_type, "application/vnd.oci.image.manifest.v1+json");
}

TEST_P(MetadataStoreSuite, ListReferrersBySubjectAndArtifactType) {
  ASSERT_OK_AND_ASSIGN(oci::Digest subject, PushImage(kRepo, "subject"));
  auto refer = [&](std::string_view repository, std::string_view seed, const oci::Digest& to,
                   std::string type) -> Result<oci::Digest> {
    SCOPEREG_ASSIGN_OR_RETURN(ManifestRecord m, NewManifest(seed, to, std::move(type)));
    SCOPEREG_RETURN_IF_ERROR(store().PutManifest(repository, m, {}, std::nullopt, {}));
    return m.digest;
  };
  ASSERT_OK_AND_ASSIGN(oci::Digest sig1, refer(kRepo, "sig1", subject, "application/vnd.example.sig"));
  ASSERT_OK_AND_ASSIGN(oci::Digest sbom, refer(kRepo, "sbom", subject, "application/spdx+json"));
  ASSERT_OK_AND_ASSIGN(oci::Digest sig2, refer(kRepo, "sig2", subject, "application/vnd.example.sig"));
  ASSERT_OK(refer(kRepo, "unrelated", DigestOf("another subject"), "application/vnd.example.sig"));
  ASSERT_OK(refer(kOtherRepo, "other repo", subject, "application/vnd.example.sig"));

  ASSERT_OK_AND_ASSIGN(std::vector<ManifestRecord> all, store().ListReferrers(kRepo, subject, std::nullopt));
  EXPECT_THAT(DigestsOf(all), ElementsAreArray(Sorted({sig1, sbom, sig2})));
  for (const ManifestRecord& r : all) {
    EXPECT_EQ(r.subject, subject);
    EXPECT_EQ(r.artifact_type, r.digest == sbom ? "application/spdx+json" : "application/vnd.example.sig");
  }

  ASSERT_OK_AND_ASSIGN(std::vector<ManifestRecord> sigs,
                       store().ListReferrers(kRepo, subject, "application/vnd.example.sig"));
  EXPECT_THAT(DigestsOf(sigs), ElementsAreArray(Sorted({sig1, sig2})));
  ASSERT_OK_AND_ASSIGN(std::vector<ManifestRecord> none, store().ListReferrers(kRepo, subject, "text/plain"));
  EXPECT_THAT(none, IsEmpty());
}

TEST_P(MetadataStoreSuite, ListReferrersOfUnknownRepositoryOrSubjectIsEmpty) {
  ASSERT_OK_AND_ASSIGN(std::vector<ManifestRecord> unknown_repo,
                       store().ListReferrers("no/such", DigestOf("s"), std::nullopt));
  EXPECT_THAT(unknown_repo, IsEmpty());
  ASSERT_OK(PushImage(kRepo, "m1"));
  ASSERT_OK_AND_ASSIGN(std::vector<ManifestRecord> unknown_subject,
                       store().ListReferrers(kRepo, DigestOf("s"), std::nullopt));
  EXPECT_THAT(unknown_subject, IsEmpty());

  // A referrer may arrive before its subject.
  ASSERT_OK_AND_ASSIGN(ManifestRecord early, NewManifest("early", DigestOf("s"), "application/x"));
  ASSERT_OK(store().PutManifest(kRepo, early, {}, std::nullopt, {}));
  ASSERT_OK_AND_ASSIGN(std::vector<ManifestRecord> found,
                       store().ListReferrers(kRepo, DigestOf("s"), std::nullopt));
  EXPECT_THAT(DigestsOf(found), ElementsAre(early.digest));
}

TEST_P(MetadataStoreSuite, UpdateManifestAttributesChangesOnlyTheGivenFields) {
  ASSERT_OK_AND_ASSIGN(oci::Digest m1, PushImage(kRepo, "m1"));
  EXPECT_STATUS(store().UpdateManifestAttributes(kRepo, DigestOf("nope"), Patch(false, std::nullopt)),
                StatusCode::kNotFound);
  EXPECT_STATUS(store().UpdateManifestAttributes("no/such", m1, Patch(false, std::nullopt)),
                StatusCode::kNotFound);

  LockAttributesPatch patch;
  patch.read_enabled = false;
  ASSERT_OK(store().UpdateManifestAttributes(kRepo, m1, patch));
  ASSERT_OK_AND_ASSIGN(ManifestRecord got, store().GetManifest(kRepo, m1));
  EXPECT_EQ(got.attributes, (LockAttributes{.read_enabled = false}));
}

}  // namespace
}  // namespace scopereg::metadata
