// The first owner credential and the offline way back in: a credential is
// only ever kept if its file was written, and the file opens the door.
#include "scopereg/server/auth_setup.h"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <filesystem>
#include <fstream>

#include "scopereg/auth/memory/memory_access_store.h"
#include "testing/fake_clock.h"
#include "testing/status_matchers.h"
#include "testing/temp_dir.h"

namespace scopereg::server {
namespace {

class AuthSetupTest : public ::testing::Test {
 protected:
  AuthSetupTest()
      : hasher_(std::make_shared<const auth::PasswordHasher>(
            auth::PasswordHasher::Create(std::string(32, 'k')).value())),
        admin_(store_, clock_, hasher_, auth::AccessAdminOptions{"scopereg"}) {}

  static std::string ReadLine(const std::string& path) {
    std::ifstream in(path);
    std::string line;
    std::getline(in, line);
    return line;
  }
  static unsigned Mode(const std::string& path) {
    struct stat st {};
    return ::stat(path.c_str(), &st) == 0 ? (st.st_mode & 0777) : 0;
  }

  testing::TempDir dir_;
  testing::FakeClock clock_;
  auth::MemoryAccessStore store_;
  std::shared_ptr<const auth::PasswordHasher> hasher_;
  auth::AccessAdmin admin_;
};

TEST_F(AuthSetupTest, BootstrapWritesAWorkingOwnerCredentialOnce) {
  const std::string path = dir_.str() + "/initial-owner-credential";
  ASSERT_OK_AND_ASSIGN(bool created, BootstrapOwner(admin_, path));
  EXPECT_TRUE(created);
  EXPECT_EQ(Mode(path), 0600u);
  ASSERT_OK_AND_ASSIGN(auto who, admin_.AuthenticateOperator(ReadLine(path)));
  EXPECT_EQ(who.id, "owner");
  ASSERT_OK_AND_ASSIGN(bool again, BootstrapOwner(admin_, path));
  EXPECT_FALSE(again);
}

TEST_F(AuthSetupTest, BootstrapKeepsNoOwnerWhenItsFileCannotBeWritten) {
  // A regular file where the directory should be: the write fails.
  const std::string blocker = dir_.str() + "/not-a-dir";
  std::ofstream(blocker) << "x";
  auto created = BootstrapOwner(admin_, blocker + "/initial-owner-credential");
  EXPECT_FALSE(created.ok());
  ASSERT_OK_AND_ASSIGN(auto operators, admin_.ListOperators(auth::Caller::System()));
  EXPECT_TRUE(operators.empty()) << "an owner nobody holds the secret of was kept";
  // ...so the next start can still bootstrap.
  const std::string path = dir_.str() + "/initial-owner-credential";
  ASSERT_OK_AND_ASSIGN(bool retried, BootstrapOwner(admin_, path));
  EXPECT_TRUE(retried);
}

TEST_F(AuthSetupTest, RecoveryCreatesAnotherOwnerWhoseFileOpensTheDoor) {
  const std::string path = dir_.str() + "/initial-owner-credential";
  ASSERT_OK(BootstrapOwner(admin_, path).status());
  std::filesystem::remove(path);  // the secret is lost
  ASSERT_OK_AND_ASSIGN(RecoveredOwner recovered, CreateRecoveryOwner(admin_, clock_, path));
  EXPECT_EQ(recovered.path, path);
  EXPECT_EQ(recovered.operator_id.rfind("recovery-", 0), 0u) << recovered.operator_id;
  EXPECT_EQ(Mode(path), 0600u);
  ASSERT_OK_AND_ASSIGN(auto who, admin_.AuthenticateOperator(ReadLine(path)));
  EXPECT_EQ(who.id, recovered.operator_id);
  EXPECT_EQ(who.role, auth::OperatorRole::kOwner);
  // Same second, same id: refused rather than replaced.
  EXPECT_EQ(CreateRecoveryOwner(admin_, clock_, path).status().code(), StatusCode::kAlreadyExists);
  clock_.Advance(std::chrono::seconds(1));
  EXPECT_OK(CreateRecoveryOwner(admin_, clock_, path).status());
}

}  // namespace
}  // namespace scopereg::server
