#include "scopereg/audit/audit_sink.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <syslog.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace scopereg::audit {

namespace {

class JsonLinesFileSink final : public AuditSink {
 public:
  explicit JsonLinesFileSink(std::string path) : path_(std::move(path)) {}
  ~JsonLinesFileSink() override {
    if (fd_ >= 0) ::close(fd_);
  }

  Status Open() {
    int fd = ::open(path_.c_str(), O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0600);
    if (fd < 0) return Status::Unavailable("audit file '" + path_ + "': " + std::strerror(errno));
    if (fd_ >= 0) ::close(fd_);
    fd_ = fd;
    return Status::Ok();
  }

  std::string_view name() const override { return "file"; }

  Status Write(std::span<const AuditEvent> events) override {
    if (events.empty()) return Status::Ok();
    SCOPEREG_RETURN_IF_ERROR(ReopenIfRotated());
    buffer_.clear();
    for (const auto& e : events) {
      AppendAuditEventJson(buffer_, e);
      buffer_ += '\n';
    }
    std::size_t done = 0;
    while (done < buffer_.size()) {
      ssize_t n = ::write(fd_, buffer_.data() + done, buffer_.size() - done);
      if (n < 0) {
        if (errno == EINTR) continue;
        return Status::Unavailable("audit file '" + path_ + "': write: " + std::strerror(errno));
      }
      done += static_cast<std::size_t>(n);
    }
    if (::fdatasync(fd_) != 0) {
      return Status::Unavailable("audit file '" + path_ + "': fdatasync: " + std::strerror(errno));
    }
    return Status::Ok();
  }

 private:
  // One stat(2) per batch (not per event) is cheap enough to spare the
  // operator a SIGHUP in their logrotate config.
  Status ReopenIfRotated() {
    struct stat by_path {};
    struct stat open_file {};
    if (fd_ >= 0 && ::stat(path_.c_str(), &by_path) == 0 && ::fstat(fd_, &open_file) == 0 &&
        by_path.st_ino == open_file.st_ino && by_path.st_dev == open_file.st_dev) {
      return Status::Ok();
    }
    return Open();
  }

  const std::string path_;
  int fd_ = -1;
  std::string buffer_;  // reused across batches
};

class SyslogSink final : public AuditSink {
 public:
  SyslogSink(std::string ident, int facility) : ident_(std::move(ident)), facility_(facility) {
    // openlog keeps the pointer: ident_ lives as long as the sink.
    ::openlog(ident_.c_str(), LOG_PID | LOG_NDELAY, facility_);
  }
  ~SyslogSink() override { ::closelog(); }

  std::string_view name() const override { return "syslog"; }

  Status Write(std::span<const AuditEvent> events) override {
    for (const auto& e : events) {
      line_.clear();
      AppendAuditEventJson(line_, e);
      ::syslog(facility_ | LOG_INFO, "%s", line_.c_str());
    }
    return Status::Ok();
  }

 private:
  const std::string ident_;
  const int facility_;
  std::string line_;
};

}  // namespace

Result<std::unique_ptr<AuditSink>> OpenJsonLinesFile(const std::string& path) {
  auto sink = std::make_unique<JsonLinesFileSink>(path);
  SCOPEREG_RETURN_IF_ERROR(sink->Open());
  return std::unique_ptr<AuditSink>(std::move(sink));
}

std::unique_ptr<AuditSink> OpenSyslog(std::string ident, int facility) {
  return std::make_unique<SyslogSink>(std::move(ident), facility);
}

std::optional<int> ParseSyslogFacility(std::string_view name) {
  if (name == "auth") return LOG_AUTH;
  if (name == "authpriv") return LOG_AUTHPRIV;
  if (name == "daemon") return LOG_DAEMON;
  if (name == "user") return LOG_USER;
  static constexpr int kLocal[] = {LOG_LOCAL0, LOG_LOCAL1, LOG_LOCAL2, LOG_LOCAL3,
                                   LOG_LOCAL4, LOG_LOCAL5, LOG_LOCAL6, LOG_LOCAL7};
  if (name.size() == 6 && name.substr(0, 5) == "local" && name[5] >= '0' && name[5] <= '7') {
    return kLocal[name[5] - '0'];
  }
  return std::nullopt;
}

}  // namespace scopereg::audit
