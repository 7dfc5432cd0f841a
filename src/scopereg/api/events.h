// RepositoryEventSink: where handlers report what happened to content (pull,
// push, delete, untag, mount, lock change), for the audit trail and metrics.
//
// Handlers report every outcome, refusals included; the sink adds identity,
// client address, user agent and correlation id from the request. Record
// must not block: the audit implementation queues and batches.
//
// Thread safety: Record is called concurrently.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "scopereg/http/message.h"

namespace scopereg::api {

struct RepositoryEvent {
  std::string_view operation;  // "pull", "push", "delete", "untag", "mount", "lock"
  std::string repository;
  std::string tag;
  std::string digest;
  std::string media_type;
  std::int64_t size = 0;
  int http_status = 0;         // what the client got
  std::string error_code;      // OCI error code when it failed
};

class RepositoryEventSink {
 public:
  virtual ~RepositoryEventSink() = default;
  virtual void Record(const http::Request& req, RepositoryEvent event) = 0;
};

class NullEventSink final : public RepositoryEventSink {
 public:
  void Record(const http::Request&, RepositoryEvent) override {}
};

}  // namespace scopereg::api
