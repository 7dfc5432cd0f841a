#include "scopereg/storage/upload_hashing.h"

#include <gtest/gtest.h>

#include <string>

#include "testing/fake_clock.h"
#include "testing/status_matchers.h"

namespace scopereg::storage {
namespace {

// Stages into a string. Append can be told to fail after keeping part of
// the buffer, like write(2) running out of space halfway.
class StringUploadWriter final : public HashingUploadWriter {
 public:
  StringUploadWriter(UploadState state, Hasher hasher, const Clock& clock, std::string& staged)
      : HashingUploadWriter(std::move(state), std::move(hasher), clock), staged_(staged) {}

  int append_calls = 0;
  bool fail_next_append = false;
  bool fail_close = false;

 private:
  Status Append(const char* data, std::size_t n) override {
    ++append_calls;
    if (fail_next_append) {
      staged_.append(data, n / 2);
      return Status::Unavailable("disk full");
    }
    staged_.append(data, n);
    return Status::Ok();
  }
  Status Close() override { return fail_close ? Status::Unavailable("close failed") : Status::Ok(); }

  std::string& staged_;
};

class HashingUploadWriterTest : public ::testing::Test {
 protected:
  std::unique_ptr<StringUploadWriter> Open(const UploadState& state) {
    auto hasher = RestoreUploadHasher(state);
    EXPECT_OK(hasher);
    staged_.resize(state.offset);
    return std::make_unique<StringUploadWriter>(state, *hasher, clock_, staged_);
  }

  UploadState Fresh() {
    UploadState state;
    state.id = "3f2504e0-4f89-11d3-9a0c-0305e82c3301";
    state.repository = "r";
    state.created_at = clock_.Now();
    return state;
  }

  testing::FakeClock clock_;
  std::string staged_;
};

TEST_F(HashingUploadWriterTest, StateDescribesExactlyTheStagedBytes) {
  auto writer = Open(Fresh());
  ASSERT_OK(writer->Write("hello ", 6));
  ASSERT_OK(writer->Write("world", 5));
  EXPECT_EQ(writer->offset(), 11u);
  EXPECT_EQ(writer->CurrentDigest(), oci::Digest::Sha256Of("hello world"));
  clock_.Advance(std::chrono::seconds(30));
  ASSERT_OK_AND_ASSIGN(UploadState state, writer->Finish());
  EXPECT_EQ(state.offset, 11u);
  EXPECT_EQ(state.updated_at, clock_.Now());
  EXPECT_EQ(state.repository, "r");

  // A second request continues the hash from the saved state.
  auto next = Open(state);
  EXPECT_EQ(next->offset(), 11u);
  ASSERT_OK(next->Write("!", 1));
  EXPECT_EQ(next->CurrentDigest(), oci::Digest::Sha256Of("hello world!"));
  EXPECT_EQ(staged_, "hello world!");
}

TEST_F(HashingUploadWriterTest, EmptyWritesDoNotReachTheBackend) {
  auto writer = Open(Fresh());
  ASSERT_OK(writer->Write(nullptr, 0));
  EXPECT_EQ(writer->append_calls, 0);
}

TEST_F(HashingUploadWriterTest, AFailedAppendBreaksTheWriter) {
  auto writer = Open(Fresh());
  ASSERT_OK(writer->Write("kept", 4));
  writer->fail_next_append = true;
  EXPECT_STATUS(writer->Write("torn!!", 6), StatusCode::kUnavailable);
  // The hash never saw the torn bytes, and nothing can be persisted any more.
  EXPECT_EQ(writer->offset(), 4u);
  EXPECT_EQ(writer->CurrentDigest(), oci::Digest::Sha256Of("kept"));
  writer->fail_next_append = false;
  EXPECT_STATUS(writer->Write("more", 4), StatusCode::kUnavailable);
  EXPECT_STATUS(writer->Finish(), StatusCode::kUnavailable);
  EXPECT_EQ(writer->append_calls, 2);
}

TEST_F(HashingUploadWriterTest, AFailedCloseFailsFinish) {
  auto writer = Open(Fresh());
  ASSERT_OK(writer->Write("x", 1));
  writer->fail_close = true;
  EXPECT_STATUS(writer->Finish(), StatusCode::kUnavailable);
  EXPECT_STATUS(writer->Finish(), StatusCode::kUnavailable);
}

TEST_F(HashingUploadWriterTest, NothingAfterFinish) {
  auto writer = Open(Fresh());
  ASSERT_OK(writer->Finish());
  EXPECT_STATUS(writer->Write("x", 1), StatusCode::kFailedPrecondition);
  EXPECT_STATUS(writer->Finish(), StatusCode::kFailedPrecondition);
}

TEST(RestoreUploadHasherTest, AcceptsOnlyMatchingStates) {
  UploadState state;
  state.id = "u";
  EXPECT_OK(RestoreUploadHasher(state));  // nothing hashed yet
  state.offset = 1;
  EXPECT_STATUS(RestoreUploadHasher(state), StatusCode::kInvalidArgument);
  Hasher sha512(HashAlgorithm::kSha512);
  sha512.Update("x");
  state.hash_state = sha512.SaveState();
  EXPECT_STATUS(RestoreUploadHasher(state), StatusCode::kInvalidArgument);  // state is sha256
  state.hash_algorithm = HashAlgorithm::kSha512;
  ASSERT_OK_AND_ASSIGN(Hasher restored, RestoreUploadHasher(state));
  EXPECT_EQ(restored.HexDigest(), sha512.HexDigest());
}

TEST(VerifyUploadDigestTest, UsesTheSavedStateForTheSameAlgorithm) {
  Hasher hasher(HashAlgorithm::kSha256);
  hasher.Update("blob");
  UploadState state;
  state.id = "u";
  state.offset = 4;
  state.hash_state = hasher.SaveState();
  auto must_not_read = [](Hasher&) -> Status {
    ADD_FAILURE() << "re-read although the saved state answers";
    return Status::Internal("unexpected");
  };
  EXPECT_OK(VerifyUploadDigest(state, oci::Digest::Sha256Of("blob"), must_not_read));
  EXPECT_STATUS(VerifyUploadDigest(state, oci::Digest::Sha256Of("blub"), must_not_read),
                StatusCode::kInvalidArgument);
}

TEST(VerifyUploadDigestTest, ReHashesForAnotherAlgorithm) {
  UploadState state;
  state.id = "u";
  state.offset = 4;
  state.hash_state = Hasher(HashAlgorithm::kSha256).SaveState();  // not consulted
  Hasher sha512(HashAlgorithm::kSha512);
  sha512.Update("blob");
  const oci::Digest expected = oci::Digest::FromHex(HashAlgorithm::kSha512, sha512.HexDigest());
  int reads = 0;
  auto read_blob = [&](Hasher& h) {
    ++reads;
    h.Update("blob");
    return Status::Ok();
  };
  EXPECT_OK(VerifyUploadDigest(state, expected, read_blob));
  EXPECT_EQ(reads, 1);
  auto read_other = [](Hasher& h) {
    h.Update("blub");
    return Status::Ok();
  };
  EXPECT_STATUS(VerifyUploadDigest(state, expected, read_other), StatusCode::kInvalidArgument);
  auto read_fails = [](Hasher&) { return Status::DataLoss("short"); };
  EXPECT_STATUS(VerifyUploadDigest(state, expected, read_fails), StatusCode::kDataLoss);
}

}  // namespace
}  // namespace scopereg::storage
