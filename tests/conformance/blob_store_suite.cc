#include "conformance/blob_store_suite.h"

#include <gmock/gmock.h>

#include <unistd.h>

#include <atomic>
#include <cstdint>
#include <initializer_list>
#include <map>
#include <set>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "scopereg/core/strings.h"
#include "testing/status_matchers.h"

namespace scopereg::testing {

namespace {

using storage::BlobReader;
using storage::BlobStore;
using storage::UploadState;
using storage::UploadWriter;

constexpr std::string_view kRepo = "team/app";

// Deterministic bytes that do not repeat with a short period, so a shifted
// or duplicated chunk changes the digest.
std::string Bytes(std::size_t n, std::uint32_t seed) {
  std::string out(n, '\0');
  std::uint32_t x = seed * 2654435761u + 1;
  for (char& c : out) {
    x ^= x << 13;
    x ^= x >> 17;
    x ^= x << 5;
    c = static_cast<char>(x);
  }
  return out;
}

oci::Digest DigestOf(HashAlgorithm algorithm, std::string_view content) {
  Hasher hasher(algorithm);
  hasher.Update(content);
  return oci::Digest::FromHex(algorithm, hasher.HexDigest());
}

oci::Digest Sha256Of(std::string_view content) { return DigestOf(HashAlgorithm::kSha256, content); }

// What the metadata store does to a state between requests: every field out
// to a row of strings (times as Unix milliseconds, like the schema) and
// back, so no backend can lean on anything but the persisted fields.
UploadState PersistAndLoad(const UploadState& s) {
  const std::map<std::string, std::string> row = {
      {"id", s.id},
      {"repository", s.repository},
      {"offset", std::to_string(s.offset)},
      {"hash_algorithm", std::string(HashAlgorithmName(s.hash_algorithm))},
      {"hash_state", s.hash_state},
      {"backend_state", s.backend_state},
      {"created_at", std::to_string(ToUnixMillis(s.created_at))},
      {"updated_at", std::to_string(ToUnixMillis(s.updated_at))},
  };
  UploadState out;
  out.id = row.at("id");
  out.repository = row.at("repository");
  out.offset = *ParseUint64(row.at("offset"));
  out.hash_algorithm = *ParseHashAlgorithm(row.at("hash_algorithm"));
  out.hash_state = row.at("hash_state");
  out.backend_state = row.at("backend_state");
  out.created_at = FromUnixMillis(*ParseInt64(row.at("created_at")));
  out.updated_at = FromUnixMillis(*ParseInt64(row.at("updated_at")));
  return out;
}

// One PATCH: opens the upload at `state`, writes `chunks`, finishes, and
// returns the state as the metadata store would hand it to the next request.
Result<UploadState> AppendRound(BlobStore& store, const UploadState& state,
                                std::initializer_list<std::string_view> chunks) {
  SCOPEREG_ASSIGN_OR_RETURN(auto writer, store.OpenUpload(state));
  for (std::string_view chunk : chunks) {
    SCOPEREG_RETURN_IF_ERROR(writer->Write(chunk.data(), chunk.size()));
  }
  SCOPEREG_ASSIGN_OR_RETURN(UploadState next, writer->Finish());
  return PersistAndLoad(next);
}

Result<UploadState> Start(BlobStore& store, HashAlgorithm algorithm = HashAlgorithm::kSha256) {
  SCOPEREG_ASSIGN_OR_RETURN(UploadState state, store.StartUpload(NewUuid(), kRepo, algorithm));
  return PersistAndLoad(state);
}

// An upload that has staged `content` in one request.
Result<UploadState> Staged(BlobStore& store, std::string_view content,
                           HashAlgorithm algorithm = HashAlgorithm::kSha256) {
  SCOPEREG_ASSIGN_OR_RETURN(UploadState state, Start(store, algorithm));
  return AppendRound(store, state, {content});
}

// Reads a reader to its end in pieces of `piece` bytes.
Result<std::string> ReadToEnd(BlobReader& reader, std::size_t piece) {
  std::string out;
  std::string buf(piece, '\0');
  for (;;) {
    SCOPEREG_ASSIGN_OR_RETURN(std::size_t n, reader.Read(buf.data(), buf.size()));
    if (n == 0) return out;
    out.append(buf.data(), n);
  }
}

Result<std::string> ReadRange(BlobStore& store, const oci::Digest& digest, std::uint64_t offset,
                              std::optional<std::uint64_t> length) {
  SCOPEREG_ASSIGN_OR_RETURN(auto reader, store.Open(digest, offset, length));
  return ReadToEnd(*reader, 7);
}

std::map<std::string, std::uint64_t> ListBlobs(BlobStore& store) {
  std::map<std::string, std::uint64_t> blobs;
  Status s = store.ForEachBlob([&](const oci::Digest& d, std::uint64_t size, Time) {
    blobs[d.str()] = size;
    return true;
  });
  EXPECT_OK(s);
  return blobs;
}

std::set<std::string> ListUploads(BlobStore& store) {
  std::set<std::string> ids;
  Status s = store.ForEachUpload([&](std::string_view id, Time) {
    ids.emplace(id);
    return true;
  });
  EXPECT_OK(s);
  return ids;
}

}  // namespace

std::string BlobStoreSuiteParamName(const ::testing::TestParamInfo<BlobStoreSuiteParam>& info) {
  return info.param.name;
}

void PrintTo(const BlobStoreSuiteParam& param, std::ostream* os) { *os << param.name; }

void BlobStoreConformanceTest::SetUp() {
  harness_ = GetParam().make_harness();
  ASSERT_OK_AND_ASSIGN(store_, harness_->NewStore());
}

std::unique_ptr<storage::BlobStore> BlobStoreConformanceTest::FreshStore() {
  auto s = harness_->NewStore();
  EXPECT_OK(s);
  return s.ok() ? std::move(s).value() : nullptr;
}

// ---- blobs ---------------------------------------------------------------------

TEST_P(BlobStoreConformanceTest, PutThenStatReadAllAndOpen) {
  const std::string content = Bytes(100'000, 1);
  const oci::Digest digest = Sha256Of(content);
  ASSERT_OK(store().Put(digest, content));

  ASSERT_OK_AND_ASSIGN(std::uint64_t size, store().Stat(digest));
  EXPECT_EQ(size, content.size());
  ASSERT_OK_AND_ASSIGN(std::string all, store().ReadAll(digest, content.size()));
  EXPECT_EQ(all, content);
  ASSERT_OK_AND_ASSIGN(auto reader, store().Open(digest));
  EXPECT_EQ(reader->size(), content.size());
  ASSERT_OK_AND_ASSIGN(std::string read, ReadToEnd(*reader, 4096));
  EXPECT_EQ(read, content);
  // A fresh store object (another process) sees it too.
  auto other = FreshStore();
  ASSERT_OK_AND_ASSIGN(std::string again, other->ReadAll(digest, content.size()));
  EXPECT_EQ(again, content);
}

TEST_P(BlobStoreConformanceTest, PutOfAnExistingBlobIsOkAndKeepsIt) {
  const std::string content = "layer";
  const oci::Digest digest = Sha256Of(content);
  ASSERT_OK(store().Put(digest, content));
  ASSERT_OK(store().Put(digest, content));
  ASSERT_OK_AND_ASSIGN(std::string all, store().ReadAll(digest, 100));
  EXPECT_EQ(all, content);
  EXPECT_EQ(ListBlobs(store()).size(), 1u);
}

TEST_P(BlobStoreConformanceTest, PutWithAWrongDigestPublishesNothing) {
  const oci::Digest claimed = Sha256Of("what the client said");
  EXPECT_STATUS(store().Put(claimed, "what it sent"), StatusCode::kInvalidArgument);
  EXPECT_STATUS(store().Stat(claimed), StatusCode::kNotFound);
  EXPECT_STATUS(store().Stat(Sha256Of("what it sent")), StatusCode::kNotFound);
  EXPECT_TRUE(ListBlobs(store()).empty());
}

TEST_P(BlobStoreConformanceTest, DigestsThatCannotBeVerifiedAreInvalidArguments) {
  ASSERT_OK_AND_ASSIGN(oci::Digest md5, oci::Digest::Parse("md5:0cc175b9c0f1b6a831c399e269772661"));
  EXPECT_STATUS(store().Put(md5, "a"), StatusCode::kInvalidArgument);
  EXPECT_STATUS(store().Stat(md5), StatusCode::kInvalidArgument);
  ASSERT_OK_AND_ASSIGN(UploadState state, Start(store()));
  EXPECT_STATUS(store().CommitUpload(state, md5), StatusCode::kInvalidArgument);
  EXPECT_THAT(ListUploads(store()), ::testing::ElementsAre(state.id));
}

TEST_P(BlobStoreConformanceTest, PutSha512Blob) {
  const std::string content = Bytes(5000, 2);
  const oci::Digest digest = DigestOf(HashAlgorithm::kSha512, content);
  ASSERT_OK(store().Put(digest, content));
  ASSERT_OK_AND_ASSIGN(std::string all, store().ReadAll(digest, content.size()));
  EXPECT_EQ(all, content);
  EXPECT_EQ(ListBlobs(store()), (std::map<std::string, std::uint64_t>{{digest.str(), content.size()}}));
}

TEST_P(BlobStoreConformanceTest, EmptyBlob) {
  const oci::Digest digest = Sha256Of("");
  ASSERT_OK(store().Put(digest, ""));
  ASSERT_OK_AND_ASSIGN(std::uint64_t size, store().Stat(digest));
  EXPECT_EQ(size, 0u);
  ASSERT_OK_AND_ASSIGN(std::string all, store().ReadAll(digest, 0));
  EXPECT_EQ(all, "");
  ASSERT_OK_AND_ASSIGN(std::string read, ReadRange(store(), digest, 0, std::nullopt));
  EXPECT_EQ(read, "");
}

TEST_P(BlobStoreConformanceTest, MissingBlob) {
  const oci::Digest digest = Sha256Of("never stored");
  EXPECT_STATUS(store().Stat(digest), StatusCode::kNotFound);
  EXPECT_STATUS(store().Open(digest), StatusCode::kNotFound);
  EXPECT_STATUS(store().ReadAll(digest, 100), StatusCode::kNotFound);
  EXPECT_OK(store().Delete(digest));
}

TEST_P(BlobStoreConformanceTest, ReadAllEnforcesMaxBytes) {
  const std::string content = Bytes(1000, 3);
  const oci::Digest digest = Sha256Of(content);
  ASSERT_OK(store().Put(digest, content));
  EXPECT_OK(store().ReadAll(digest, 1000));
  EXPECT_STATUS(store().ReadAll(digest, 999), StatusCode::kResourceExhausted);
}

TEST_P(BlobStoreConformanceTest, OpenReadsRanges) {
  const std::string content = Bytes(10'000, 4);
  const oci::Digest digest = Sha256Of(content);
  ASSERT_OK(store().Put(digest, content));
  struct Case {
    std::uint64_t offset;
    std::optional<std::uint64_t> length;
  };
  for (const Case& c : std::vector<Case>{{0, std::nullopt},
                                         {0, 1},
                                         {1234, 4321},
                                         {1234, std::nullopt},
                                         {9999, 1},
                                         {10'000, std::nullopt},
                                         {10'000, 0},
                                         {0, 10'000},
                                         {5000, 0}}) {
    SCOPED_TRACE(::testing::Message() << "offset " << c.offset << " length " << c.length.value_or(~0ull));
    ASSERT_OK_AND_ASSIGN(auto reader, store().Open(digest, c.offset, c.length));
    const std::uint64_t want = c.length.value_or(content.size() - c.offset);
    EXPECT_EQ(reader->size(), want);
    ASSERT_OK_AND_ASSIGN(std::string read, ReadToEnd(*reader, 999));
    EXPECT_EQ(read, content.substr(c.offset, want));
  }
}

TEST_P(BlobStoreConformanceTest, OpenOutsideTheBlobIsOutOfRange) {
  const std::string content = Bytes(100, 5);
  const oci::Digest digest = Sha256Of(content);
  ASSERT_OK(store().Put(digest, content));
  EXPECT_STATUS(store().Open(digest, 101), StatusCode::kOutOfRange);
  EXPECT_STATUS(store().Open(digest, 0, 101), StatusCode::kOutOfRange);
  EXPECT_STATUS(store().Open(digest, 50, 51), StatusCode::kOutOfRange);
  EXPECT_STATUS(store().Open(digest, 100, 1), StatusCode::kOutOfRange);
  // offset + length wraps around 2^64.
  EXPECT_STATUS(store().Open(digest, 10, UINT64_MAX - 5), StatusCode::kOutOfRange);
}

TEST_P(BlobStoreConformanceTest, ReaderStopsAtTheRangeEnd) {
  const std::string content = Bytes(100, 6);
  const oci::Digest digest = Sha256Of(content);
  ASSERT_OK(store().Put(digest, content));
  ASSERT_OK_AND_ASSIGN(auto reader, store().Open(digest, 10, 20));
  std::string buf(64, '\0');
  ASSERT_OK_AND_ASSIGN(std::size_t n, reader->Read(buf.data(), 15));
  EXPECT_EQ(n, 15u);
  EXPECT_EQ(buf.substr(0, 15), content.substr(10, 15));
  ASSERT_OK_AND_ASSIGN(n, reader->Read(buf.data(), buf.size()));
  EXPECT_EQ(n, 5u);
  EXPECT_EQ(buf.substr(0, 5), content.substr(25, 5));
  ASSERT_OK_AND_ASSIGN(n, reader->Read(buf.data(), buf.size()));
  EXPECT_EQ(n, 0u);
}

TEST_P(BlobStoreConformanceTest, NativeDescriptorServesTheRange) {
  const std::string content = Bytes(4096, 7);
  const oci::Digest digest = Sha256Of(content);
  ASSERT_OK(store().Put(digest, content));
  ASSERT_OK_AND_ASSIGN(auto reader, store().Open(digest, 100, 1000));
  if (!harness().has_native_fd()) {
    EXPECT_EQ(reader->native_fd(), -1);
    return;
  }
  ASSERT_GE(reader->native_fd(), 0);
  std::string buf(reader->size(), '\0');
  ASSERT_EQ(::pread(reader->native_fd(), buf.data(), buf.size(), static_cast<off_t>(reader->native_offset())),
            static_cast<ssize_t>(buf.size()));
  EXPECT_EQ(buf, content.substr(100, 1000));
}

TEST_P(BlobStoreConformanceTest, DeleteRemovesTheBlobAndIsIdempotent) {
  const oci::Digest digest = Sha256Of("garbage");
  ASSERT_OK(store().Put(digest, "garbage"));
  ASSERT_OK(store().Delete(digest));
  EXPECT_STATUS(store().Stat(digest), StatusCode::kNotFound);
  EXPECT_TRUE(ListBlobs(store()).empty());
  EXPECT_OK(store().Delete(digest));
  // It can be published again afterwards.
  ASSERT_OK(store().Put(digest, "garbage"));
  EXPECT_OK(store().Stat(digest));
}

TEST_P(BlobStoreConformanceTest, ForEachBlobListsPublishedBlobsAndStops) {
  std::map<std::string, std::uint64_t> want;
  for (std::uint32_t i = 0; i < 20; ++i) {
    const std::string content = Bytes(i * 10, i);
    const oci::Digest digest = Sha256Of(content);
    ASSERT_OK(store().Put(digest, content));
    want[digest.str()] = content.size();
  }
  const std::string big = Bytes(300, 99);
  const oci::Digest sha512 = DigestOf(HashAlgorithm::kSha512, big);
  ASSERT_OK(store().Put(sha512, big));
  want[sha512.str()] = big.size();
  EXPECT_EQ(ListBlobs(store()), want);

  int seen = 0;
  ASSERT_OK(store().ForEachBlob([&](const oci::Digest&, std::uint64_t, Time modified) {
    EXPECT_GT(ToUnixSeconds(modified), 0);
    ++seen;
    return seen < 3;
  }));
  EXPECT_EQ(seen, 3);
}

TEST_P(BlobStoreConformanceTest, ConcurrentPutsOfTheSameBlob) {
  const std::string content = Bytes(200'000, 8);
  const oci::Digest digest = Sha256Of(content);
  std::atomic<int> failures = 0;
  std::vector<std::thread> threads;
  for (int i = 0; i < 4; ++i) {
    threads.emplace_back([&] {
      for (int j = 0; j < 5; ++j) {
        if (!store().Put(digest, content).ok()) ++failures;
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(failures, 0);
  ASSERT_OK_AND_ASSIGN(std::string all, store().ReadAll(digest, content.size()));
  EXPECT_EQ(all, content);
  EXPECT_EQ(ListBlobs(store()).size(), 1u);
}

// ---- uploads ---------------------------------------------------------------------

TEST_P(BlobStoreConformanceTest, UploadLifecycleOverSeveralRequests) {
  const std::string id = NewUuid();
  const Time start = harness().clock().Now();
  ASSERT_OK_AND_ASSIGN(UploadState state, store().StartUpload(id, kRepo, HashAlgorithm::kSha256));
  EXPECT_EQ(state.id, id);
  EXPECT_EQ(state.repository, kRepo);
  EXPECT_EQ(state.offset, 0u);
  EXPECT_EQ(state.hash_algorithm, HashAlgorithm::kSha256);
  EXPECT_EQ(state.created_at, start);
  EXPECT_EQ(state.updated_at, start);
  EXPECT_THAT(ListUploads(store()), ::testing::ElementsAre(id));
  state = PersistAndLoad(state);

  const std::string content = Bytes(300'000, 9);
  const std::string_view all(content);
  std::uint64_t written = 0;
  for (std::string_view request : {all.substr(0, 1), all.substr(1, 65'535), all.substr(65'536, 100'000),
                                   all.substr(165'536)}) {
    harness().clock().Advance(std::chrono::seconds(7));
    ASSERT_OK_AND_ASSIGN(auto writer, store().OpenUpload(state));
    EXPECT_EQ(writer->offset(), written);
    // Two writes per request, to see that offsets add up inside a writer.
    const std::size_t half = request.size() / 2;
    ASSERT_OK(writer->Write(request.data(), half));
    ASSERT_OK(writer->Write(request.data() + half, request.size() - half));
    written += request.size();
    EXPECT_EQ(writer->offset(), written);
    EXPECT_EQ(writer->CurrentDigest(), Sha256Of(all.substr(0, written)));
    ASSERT_OK_AND_ASSIGN(UploadState next, writer->Finish());
    EXPECT_EQ(next.id, id);
    EXPECT_EQ(next.repository, kRepo);
    EXPECT_EQ(next.offset, written);
    EXPECT_EQ(next.created_at, start);
    EXPECT_EQ(next.updated_at, harness().clock().Now());
    state = PersistAndLoad(next);
  }

  const oci::Digest digest = Sha256Of(content);
  ASSERT_OK_AND_ASSIGN(std::uint64_t size, store().CommitUpload(state, digest));
  EXPECT_EQ(size, content.size());
  ASSERT_OK_AND_ASSIGN(std::string published, store().ReadAll(digest, content.size()));
  EXPECT_EQ(published, content);
  EXPECT_TRUE(ListUploads(store()).empty());
  // The staging area is gone: the upload cannot be continued or committed again.
  EXPECT_STATUS(store().OpenUpload(state), StatusCode::kNotFound);
  EXPECT_STATUS(store().CommitUpload(state, digest), StatusCode::kNotFound);
}

TEST_P(BlobStoreConformanceTest, StartUploadTwiceIsAlreadyExists) {
  const std::string id = NewUuid();
  ASSERT_OK(store().StartUpload(id, kRepo, HashAlgorithm::kSha256));
  EXPECT_STATUS(store().StartUpload(id, kRepo, HashAlgorithm::kSha256), StatusCode::kAlreadyExists);
  EXPECT_STATUS(FreshStore()->StartUpload(id, "other/repo", HashAlgorithm::kSha512), StatusCode::kAlreadyExists);
}

TEST_P(BlobStoreConformanceTest, UploadIdsThatAreNotUuidsAreRejected) {
  for (std::string_view id : {"", "..", "../../etc/passwd", "a/b", ".hidden", "upload-1",
                              "3F2504E0-4F89-11D3-9A0C-0305E82C3301", "3f2504e0-4f89-11d3-9a0c-0305e82c330",
                              "3f2504e0-4f89-11d3-9a0c-0305e82c3301/.."}) {
    SCOPED_TRACE(id);
    EXPECT_STATUS(store().StartUpload(id, kRepo, HashAlgorithm::kSha256), StatusCode::kInvalidArgument);
    UploadState state;
    state.id = std::string(id);
    EXPECT_STATUS(store().OpenUpload(state), StatusCode::kInvalidArgument);
    EXPECT_STATUS(store().CommitUpload(state, Sha256Of("")), StatusCode::kInvalidArgument);
    EXPECT_STATUS(store().AbortUpload(state), StatusCode::kInvalidArgument);
  }
  EXPECT_TRUE(ListUploads(store()).empty());
}

TEST_P(BlobStoreConformanceTest, EmptyUploadPublishesTheEmptyBlob) {
  ASSERT_OK_AND_ASSIGN(UploadState state, Start(store()));
  ASSERT_OK_AND_ASSIGN(state, AppendRound(store(), state, {}));
  ASSERT_OK_AND_ASSIGN(std::uint64_t size, store().CommitUpload(state, Sha256Of("")));
  EXPECT_EQ(size, 0u);
  EXPECT_OK(store().Stat(Sha256Of("")));
}

TEST_P(BlobStoreConformanceTest, ResumesFromThePersistedStateAlone) {
  const std::string content = Bytes(150'000, 10);
  const std::string_view all(content);
  ASSERT_OK_AND_ASSIGN(UploadState state, Start(store()));
  {
    auto process1 = FreshStore();
    ASSERT_OK_AND_ASSIGN(state, AppendRound(*process1, state, {all.substr(0, 50'000)}));
  }
  {
    // A restarted process: a new store object and nothing but the state.
    auto process2 = FreshStore();
    ASSERT_OK_AND_ASSIGN(state, AppendRound(*process2, state, {all.substr(50'000, 50'000)}));
  }
  auto process3 = FreshStore();
  ASSERT_OK_AND_ASSIGN(state, AppendRound(*process3, state, {all.substr(100'000)}));
  auto process4 = FreshStore();
  ASSERT_OK_AND_ASSIGN(std::uint64_t size, process4->CommitUpload(state, Sha256Of(content)));
  EXPECT_EQ(size, content.size());
  ASSERT_OK_AND_ASSIGN(std::string published, store().ReadAll(Sha256Of(content), content.size()));
  EXPECT_EQ(published, content);
}

TEST_P(BlobStoreConformanceTest, BytesOfAnUnfinishedWriterAreDiscarded) {
  const std::string content = Bytes(80'000, 11);
  const std::string_view all(content);
  ASSERT_OK_AND_ASSIGN(UploadState state, Staged(store(), all.substr(0, 30'000)));
  {
    // A request that dies after writing: no Finish, so no new state.
    ASSERT_OK_AND_ASSIGN(auto writer, store().OpenUpload(state));
    const std::string junk = Bytes(45'000, 12);
    ASSERT_OK(writer->Write(junk.data(), junk.size()));
  }
  // The client retries from the persisted offset, on another process.
  auto other = FreshStore();
  ASSERT_OK_AND_ASSIGN(state, AppendRound(*other, state, {all.substr(30'000)}));
  EXPECT_EQ(state.offset, content.size());
  ASSERT_OK(other->CommitUpload(state, Sha256Of(content)));
  ASSERT_OK_AND_ASSIGN(std::string published, store().ReadAll(Sha256Of(content), content.size()));
  EXPECT_EQ(published, content);
}

TEST_P(BlobStoreConformanceTest, UnfinishedBytesAtTheEndAreNotCommitted) {
  const std::string content = Bytes(10'000, 13);
  ASSERT_OK_AND_ASSIGN(UploadState state, Staged(store(), content));
  {
    ASSERT_OK_AND_ASSIGN(auto writer, store().OpenUpload(state));
    ASSERT_OK(writer->Write("tail", 4));
  }
  ASSERT_OK_AND_ASSIGN(std::uint64_t size, store().CommitUpload(state, Sha256Of(content)));
  EXPECT_EQ(size, content.size());
  ASSERT_OK_AND_ASSIGN(std::string published, store().ReadAll(Sha256Of(content), content.size() + 100));
  EXPECT_EQ(published, content);
}

TEST_P(BlobStoreConformanceTest, StagingShorterThanTheStateIsDataLoss) {
  ASSERT_OK_AND_ASSIGN(UploadState state, Start(store()));
  ASSERT_OK_AND_ASSIGN(UploadState written, AppendRound(store(), state, {"0123456789"}));
  // A state that claims more bytes than were ever staged (e.g. staging data
  // lost with a disk, while the metadata survived).
  UploadState claimed = written;
  claimed.offset = 20;
  EXPECT_STATUS(store().OpenUpload(claimed), StatusCode::kDataLoss);
  EXPECT_STATUS(store().CommitUpload(claimed, Sha256Of("01234567890123456789")), StatusCode::kDataLoss);
  // Nothing was harmed: the real state still works.
  ASSERT_OK(store().CommitUpload(written, Sha256Of("0123456789")));
}

TEST_P(BlobStoreConformanceTest, CommitWithAnotherAlgorithmReHashesTheStagedBytes) {
  const std::string content = Bytes(3'000'000, 14);  // more than one re-read buffer
  ASSERT_OK_AND_ASSIGN(UploadState state, Staged(store(), content, HashAlgorithm::kSha256));
  const oci::Digest sha512 = DigestOf(HashAlgorithm::kSha512, content);
  ASSERT_OK_AND_ASSIGN(std::uint64_t size, store().CommitUpload(state, sha512));
  EXPECT_EQ(size, content.size());
  ASSERT_OK_AND_ASSIGN(std::string published, store().ReadAll(sha512, content.size()));
  EXPECT_EQ(published, content);
  EXPECT_STATUS(store().Stat(Sha256Of(content)), StatusCode::kNotFound);
}

TEST_P(BlobStoreConformanceTest, Sha512UploadCommitsUnderSha256) {
  const std::string content = Bytes(70'000, 15);
  ASSERT_OK_AND_ASSIGN(UploadState state, Staged(store(), content, HashAlgorithm::kSha512));
  ASSERT_OK(store().CommitUpload(state, Sha256Of(content)));
  EXPECT_OK(store().Stat(Sha256Of(content)));
}

TEST_P(BlobStoreConformanceTest, DigestMismatchLeavesTheUploadRetryable) {
  const std::string first = Bytes(40'000, 16);
  const std::string rest = Bytes(1000, 17);
  ASSERT_OK_AND_ASSIGN(UploadState state, Staged(store(), first));

  // The client sent the digest of the whole blob too early, in both the
  // saved-state path and the re-hash path.
  const std::string whole = first + rest;
  EXPECT_STATUS(store().CommitUpload(state, Sha256Of(whole)), StatusCode::kInvalidArgument);
  EXPECT_STATUS(store().CommitUpload(state, DigestOf(HashAlgorithm::kSha512, whole)), StatusCode::kInvalidArgument);
  EXPECT_STATUS(store().Stat(Sha256Of(whole)), StatusCode::kNotFound);
  EXPECT_STATUS(store().Stat(Sha256Of(first)), StatusCode::kNotFound);
  EXPECT_TRUE(ListBlobs(store()).empty());
  EXPECT_THAT(ListUploads(store()), ::testing::ElementsAre(state.id));

  // The same state can still be committed, or continued.
  ASSERT_OK_AND_ASSIGN(state, AppendRound(store(), state, {rest}));
  ASSERT_OK_AND_ASSIGN(std::uint64_t size, store().CommitUpload(state, Sha256Of(whole)));
  EXPECT_EQ(size, whole.size());
}

TEST_P(BlobStoreConformanceTest, CommitOfAnAlreadyPublishedBlobSucceeds) {
  const std::string content = Bytes(5000, 18);
  const oci::Digest digest = Sha256Of(content);
  ASSERT_OK(store().Put(digest, content));
  ASSERT_OK_AND_ASSIGN(UploadState state, Staged(store(), content));
  ASSERT_OK_AND_ASSIGN(std::uint64_t size, store().CommitUpload(state, digest));
  EXPECT_EQ(size, content.size());
  EXPECT_TRUE(ListUploads(store()).empty());
  ASSERT_OK_AND_ASSIGN(std::string published, store().ReadAll(digest, content.size()));
  EXPECT_EQ(published, content);
}

TEST_P(BlobStoreConformanceTest, AbortRemovesTheStagingAreaAndIsIdempotent) {
  ASSERT_OK_AND_ASSIGN(UploadState state, Staged(store(), "abandoned"));
  ASSERT_OK(store().AbortUpload(state));
  EXPECT_TRUE(ListUploads(store()).empty());
  EXPECT_STATUS(store().OpenUpload(state), StatusCode::kNotFound);
  EXPECT_STATUS(store().CommitUpload(state, Sha256Of("abandoned")), StatusCode::kNotFound);
  EXPECT_OK(store().AbortUpload(state));
  EXPECT_OK(FreshStore()->AbortUpload(state));
  EXPECT_TRUE(ListBlobs(store()).empty());
}

TEST_P(BlobStoreConformanceTest, ForEachUploadListsStagingAreasAndStops) {
  std::set<std::string> want;
  std::vector<UploadState> states;
  for (int i = 0; i < 5; ++i) {
    ASSERT_OK_AND_ASSIGN(UploadState state, Start(store()));
    want.insert(state.id);
    states.push_back(state);
  }
  EXPECT_EQ(ListUploads(store()), want);
  ASSERT_OK(store().AbortUpload(states[0]));
  ASSERT_OK(store().CommitUpload(states[1], Sha256Of("")));
  want.erase(states[0].id);
  want.erase(states[1].id);
  EXPECT_EQ(ListUploads(*FreshStore()), want);

  int seen = 0;
  ASSERT_OK(store().ForEachUpload([&](std::string_view, Time modified) {
    EXPECT_GT(ToUnixSeconds(modified), 0);
    ++seen;
    return false;
  }));
  EXPECT_EQ(seen, 1);
}

TEST_P(BlobStoreConformanceTest, ConcurrentUploadsOfTheSameContent) {
  const std::string content = Bytes(1'000'000, 19);
  const oci::Digest digest = Sha256Of(content);
  constexpr int kUploads = 4;
  std::vector<Status> results(kUploads);
  std::vector<std::thread> threads;
  for (int i = 0; i < kUploads; ++i) {
    threads.emplace_back([&, i] {
      auto own_store = FreshStore();
      results[i] = [&]() -> Status {
        SCOPEREG_ASSIGN_OR_RETURN(UploadState state, Start(*own_store));
        for (std::size_t at = 0; at < content.size(); at += 100'000) {
          SCOPEREG_ASSIGN_OR_RETURN(state,
                                    AppendRound(*own_store, state, {std::string_view(content).substr(at, 100'000)}));
        }
        return own_store->CommitUpload(state, digest).status();
      }();
    });
  }
  for (auto& t : threads) t.join();
  for (const Status& s : results) EXPECT_OK(s);
  ASSERT_OK_AND_ASSIGN(std::string published, store().ReadAll(digest, content.size()));
  EXPECT_EQ(published, content);
  EXPECT_TRUE(ListUploads(store()).empty());
  EXPECT_EQ(ListBlobs(store()).size(), 1u);
}

TEST_P(BlobStoreConformanceTest, SecondWriterNeverCorruptsPersistedBytes) {
  const std::string persisted = Bytes(20'000, 20);
  ASSERT_OK_AND_ASSIGN(UploadState state, Staged(store(), persisted));

  ASSERT_OK_AND_ASSIGN(auto first, store().OpenUpload(state));
  ASSERT_OK(first->Write("first", 5));
  auto second = FreshStore()->OpenUpload(state);
  if (harness().rejects_second_writer()) {
    EXPECT_FALSE(second.ok());
    // The first writer carries on and its request completes.
    ASSERT_OK(first->Write("-more", 5));
    ASSERT_OK_AND_ASSIGN(UploadState next, first->Finish());
    ASSERT_OK(store().CommitUpload(PersistAndLoad(next), Sha256Of(persisted + "first-more")));
    return;
  }
  ASSERT_OK(second);
  ASSERT_OK((*second)->Write("second", 6));
  ASSERT_OK_AND_ASSIGN(UploadState next, (*second)->Finish());
  first.reset();
  ASSERT_OK(store().CommitUpload(PersistAndLoad(next), Sha256Of(persisted + "second")));
}

TEST_P(BlobStoreConformanceTest, LargeUploadStreamsInManyWrites) {
  // 24 MiB in 256 KiB writes plus odd-sized ones, read back in pieces.
  ASSERT_OK_AND_ASSIGN(UploadState state, Start(store()));
  ASSERT_OK_AND_ASSIGN(auto writer, store().OpenUpload(state));
  const std::string block = Bytes(256 * 1024, 21);
  Hasher expected(HashAlgorithm::kSha256);
  std::uint64_t total = 0;
  for (int i = 0; i < 96; ++i) {
    const std::size_t n = block.size() - static_cast<std::size_t>(i % 7);
    ASSERT_OK(writer->Write(block.data(), n));
    expected.Update(block.data(), n);
    total += n;
  }
  ASSERT_OK_AND_ASSIGN(state, writer->Finish());
  const oci::Digest digest = oci::Digest::FromHex(HashAlgorithm::kSha256, expected.HexDigest());
  ASSERT_OK_AND_ASSIGN(std::uint64_t size, store().CommitUpload(PersistAndLoad(state), digest));
  EXPECT_EQ(size, total);

  ASSERT_OK_AND_ASSIGN(auto reader, store().Open(digest));
  Hasher read_back(HashAlgorithm::kSha256);
  std::string buf(1 << 20, '\0');
  for (;;) {
    ASSERT_OK_AND_ASSIGN(std::size_t n, reader->Read(buf.data(), buf.size()));
    if (n == 0) break;
    read_back.Update(buf.data(), n);
  }
  EXPECT_EQ(read_back.HexDigest(), digest.encoded());
}

}  // namespace scopereg::testing
