#include "scopereg/server/auth_setup.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "scopereg/core/crypto.h"
#include "scopereg/core/log.h"

namespace scopereg::server {

namespace fs = std::filesystem;

namespace {

Status Errno(const std::string& what, const std::string& path) {
  return Status::Unavailable(what + " " + path + ": " + std::strerror(errno));
}

Result<std::string> ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return Errno("cannot read", path);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

}  // namespace

Status WriteSecretFile(const std::string& path, std::string_view content) {
  fs::path p(path);
  std::error_code ec;
  if (p.has_parent_path()) {
    fs::create_directories(p.parent_path(), ec);
    if (ec) return Status::Unavailable("cannot create " + p.parent_path().string() + ": " + ec.message());
    ::chmod(p.parent_path().c_str(), 0700);
  }
  const std::string tmp = path + ".tmp";
  int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (fd < 0) return Errno("cannot create", tmp);
  ::fchmod(fd, 0600);  // O_CREAT does not change the mode of an existing file
  std::size_t off = 0;
  while (off < content.size()) {
    ssize_t n = ::write(fd, content.data() + off, content.size() - off);
    if (n < 0) {
      if (errno == EINTR) continue;
      ::close(fd);
      return Errno("cannot write", tmp);
    }
    off += static_cast<std::size_t>(n);
  }
  if (::fsync(fd) != 0 || ::close(fd) != 0) return Errno("cannot sync", tmp);
  if (::rename(tmp.c_str(), path.c_str()) != 0) return Errno("cannot rename to", path);
  return Status::Ok();
}

Result<std::string> LoadOrCreateDigestKey(const std::string& path) {
  if (fs::exists(path)) {
    SCOPEREG_ASSIGN_OR_RETURN(std::string key, ReadFile(path));
    if (key.size() < 32) return Status::DataLoss("auth.secret_file: " + path + " holds fewer than 32 bytes");
    return key;
  }
  SCOPEREG_ASSIGN_OR_RETURN(std::string key, RandomBytes(32));
  SCOPEREG_RETURN_IF_ERROR(WriteSecretFile(path, key));
  log::Info("created the password-digest key", {{"path", path}});
  return key;
}

Result<auth::KeySet> LoadOrCreateSigningKeys(const std::string& path) {
  std::optional<auth::SigningKey> signing;
  if (fs::exists(path)) {
    SCOPEREG_ASSIGN_OR_RETURN(auto key, auth::ReadKeyFile(path));
    signing = std::move(key);
  } else {
    SCOPEREG_ASSIGN_OR_RETURN(auto key, auth::SigningKey::Generate());
    SCOPEREG_RETURN_IF_ERROR(auth::WritePrivateKeyFile(key, path));
    log::Info("created the token-signing key", {{"path", path}, {"kid", key.kid()}});
    signing = std::move(key);
  }
  std::vector<auth::SigningKey> previous;
  for (int i = 1; i <= 8; ++i) {
    const std::string old = path + ".previous-" + std::to_string(i);
    if (!fs::exists(old)) continue;
    SCOPEREG_ASSIGN_OR_RETURN(auto key, auth::ReadKeyFile(old));
    previous.push_back(std::move(key));
  }
  return auth::KeySet::Create(std::move(*signing), std::move(previous));
}

Result<bool> BootstrapOwner(auth::AccessAdmin& admin, const std::string& path) {
  const auth::Caller system = auth::Caller::System();
  SCOPEREG_ASSIGN_OR_RETURN(auto operators, admin.ListOperators(system));
  if (!operators.empty()) return false;
  // An owner nobody holds the secret of would stop every later start from
  // bootstrapping (and the last owner cannot be deleted), so make sure the
  // file can be written before the owner exists. A failure after that (disk
  // full in between, a crash) is what `scopereg recover-owner` is for.
  SCOPEREG_RETURN_IF_ERROR(WriteSecretFile(path, "").WithPrefix("initial owner credential"));
  SCOPEREG_ASSIGN_OR_RETURN(auto created, admin.CreateOperator(system, "owner", auth::OperatorRole::kOwner,
                                                               "created at first start"));
  SCOPEREG_RETURN_IF_ERROR(WriteSecretFile(path, created.secret_line + "\n").WithPrefix("initial owner credential"));
  log::Warn("created the initial owner operator credential; store it safely and delete the file",
            {{"path", path}, {"operator", created.credential.id}});
  return true;
}

Result<RecoveredOwner> CreateRecoveryOwner(auth::AccessAdmin& admin, const Clock& clock, const std::string& path) {
  const auth::Caller system = auth::Caller::System();
  const std::string stamp = FormatRfc3339(clock.Now());  // 2026-11-29T20:45:12Z
  std::string id = "recovery-";
  for (char c : stamp.substr(0, 19)) {
    if (c >= '0' && c <= '9') id += c;
    if (c == 'T') id += '-';
  }
  SCOPEREG_RETURN_IF_ERROR(WriteSecretFile(path, "").WithPrefix("recovery credential"));
  SCOPEREG_ASSIGN_OR_RETURN(auto created, admin.CreateOperator(system, id, auth::OperatorRole::kOwner,
                                                               "created by scopereg recover-owner"));
  if (Status written = WriteSecretFile(path, created.secret_line + "\n"); !written.ok()) {
    // Not the last owner (recovery runs where owners exist): take it back.
    Status undone = admin.DeleteOperator(system, created.credential.id);
    return written.WithPrefix(undone.ok() ? "recovery credential" : "recovery credential (operator kept: " +
                                                                        undone.ToString() + ")");
  }
  return RecoveredOwner{created.credential.id, path};
}

}  // namespace scopereg::server
