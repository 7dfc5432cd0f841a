// EventSink: where the API reports what happened, for the audit trail
// (access-model.md section 4) and metrics.
//
//   RecordRepository: pull, push, delete, untag, mount, lock changes. Handlers
//     report every outcome, refusals included.
//   RecordLogin: credential checks: every token-endpoint issuance or refusal,
//     every failed Basic/Bearer credential on the data plane, and a success
//     on GET /v2/ (what `docker login` does). Per-request successes are not
//     login events; they update per-slot last-used data instead.
//
// The sink adds identity, client address, user agent and correlation id
// from the request. Record* must not block: the audit implementation queues
// and batches.
//
// Thread safety: called concurrently.
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

struct LoginEvent {
  std::string identity;        // token name, the registry name (admin), or "" (anonymous)
  std::string_view kind;       // "token", "admin", "anonymous"
  std::string slot;            // "password1", "password2", "password", "" if none
  std::string_view method;     // "basic", "bearer", "token_endpoint", "refresh_token"
  bool success = false;
  std::string reason;          // the real reason of a failure (never shown to the client)
  std::string scopes;          // what was asked for (token endpoint)
  int http_status = 0;
};

class EventSink {
 public:
  virtual ~EventSink() = default;
  virtual void RecordRepository(const http::Request& req, RepositoryEvent event) = 0;
  virtual void RecordLogin(const http::Request& req, LoginEvent event) = 0;
};

class NullEventSink final : public EventSink {
 public:
  void RecordRepository(const http::Request&, RepositoryEvent) override {}
  void RecordLogin(const http::Request&, LoginEvent) override {}
};

}  // namespace scopereg::api
