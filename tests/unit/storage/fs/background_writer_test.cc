// BackgroundWriter: order of mixed small (inline) and large (background)
// appends, and how a failed background write comes back.
#include "scopereg/storage/fs/background_writer.h"

#include <gtest/gtest.h>
#include <fcntl.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <string>

#include "testing/status_matchers.h"
#include "testing/temp_dir.h"

namespace scopereg::storage::fs_internal {
namespace {

std::string ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

std::string Pattern(std::size_t n, char seed) {
  std::string s(n, '\0');
  for (std::size_t i = 0; i < n; ++i) s[i] = static_cast<char>(seed + i % 251);
  return s;
}

// An empty file opened read-only: every write to it fails with EBADF.
int OpenReadOnly(const std::string& path) {
  { std::ofstream(path) << ""; }
  return ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
}

TEST(BackgroundWriterTest, MixedAppendsLandInOrder) {
  testing::TempDir dir;
  const std::string path = dir.str() + "/f";
  int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  ASSERT_GE(fd, 0);
  std::string expected;
  {
    BackgroundWriter w(fd, path);
    const std::size_t big = BackgroundWriter::kMinBackgroundBytes;
    for (int i = 0; i < 20; ++i) {
      // large, small, large...: a small append must wait for the large one
      // before it, or the bytes would interleave.
      std::string part = Pattern(i % 2 == 0 ? big * (1 + i % 3) : 100 + i, static_cast<char>('a' + i));
      ASSERT_OK(w.Append(part.data(), part.size()));
      expected += part;
    }
    ASSERT_OK(w.Drain());
  }
  ::close(fd);
  EXPECT_EQ(ReadFile(path), expected);
}

TEST(BackgroundWriterTest, DestructorWaitsForTheWriteInFlight) {
  testing::TempDir dir;
  const std::string path = dir.str() + "/f";
  int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  ASSERT_GE(fd, 0);
  const std::string part = Pattern(8 << 20, 'x');
  {
    BackgroundWriter w(fd, path);
    ASSERT_OK(w.Append(part.data(), part.size()));
  }
  ::close(fd);
  EXPECT_EQ(ReadFile(path).size(), part.size());
}

TEST(BackgroundWriterTest, FailedBackgroundWriteIsReportedAndSticks) {
  testing::TempDir dir;
  const std::string path = dir.str() + "/f";
  int fd = OpenReadOnly(path);
  ASSERT_GE(fd, 0);
  BackgroundWriter w(fd, path);
  const std::string big = Pattern(BackgroundWriter::kMinBackgroundBytes, 'b');
  EXPECT_OK(w.Append(big.data(), big.size()));  // queued: the failure comes later
  Status drained = w.Drain();
  EXPECT_EQ(drained.code(), StatusCode::kUnavailable) << drained.ToString();
  EXPECT_NE(std::string(drained.message()).find(path), std::string::npos) << drained.ToString();
  const std::string small = "tiny";
  EXPECT_EQ(w.Append(small.data(), small.size()).code(), drained.code());
  EXPECT_EQ(w.Drain().code(), drained.code());
  ::close(fd);
}

TEST(BackgroundWriterTest, FailedInlineWriteIsReportedAtOnce) {
  testing::TempDir dir;
  const std::string path = dir.str() + "/f";
  int fd = OpenReadOnly(path);
  ASSERT_GE(fd, 0);
  BackgroundWriter w(fd, path);
  EXPECT_FALSE(w.Append("abc", 3).ok());
  EXPECT_FALSE(w.Drain().ok());
  ::close(fd);
}

}  // namespace
}  // namespace scopereg::storage::fs_internal
