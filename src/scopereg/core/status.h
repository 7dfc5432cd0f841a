// Status and Result<T>: how every module boundary in scopereg reports failure.
//
// A Status is either OK or carries a StatusCode and a human-readable message.
// An OK Status costs one null pointer, so returning Status::Ok() on hot paths
// is free. Result<T> holds either a T or a non-OK Status.
//
// No exception crosses a module boundary: third-party code that throws
// (JSON, YAML, SQL clients) is wrapped in its adapter and converted to a
// Status there.
//
// Thread safety: Status and Result are value types; distinct objects may be
// used from different threads without synchronisation.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <variant>

namespace scopereg {

// The canonical failure categories. Handlers map them (together with the
// context they know) to OCI error codes and HTTP statuses.
enum class StatusCode : std::uint8_t {
  kOk = 0,
  kInvalidArgument,     // the caller sent something malformed
  kNotFound,            // the named thing does not exist
  kAlreadyExists,       // create of something that exists
  kFailedPrecondition,  // state forbids it (in-use scope map, If-Match)
  kAborted,             // optimistic concurrency conflict; retry may work
  kOutOfRange,          // offset/range outside the object
  kUnauthenticated,     // no or bad credentials
  kPermissionDenied,    // valid credentials, not allowed
  kResourceExhausted,   // a limit was reached
  kUnavailable,         // a dependency is down; retry later
  kDataLoss,            // stored data is corrupt
  kUnimplemented,
  kInternal,
};

std::string_view StatusCodeName(StatusCode code);

class [[nodiscard]] Status {
 public:
  Status() = default;  // OK
  Status(StatusCode code, std::string message);

  Status(const Status& other);
  Status& operator=(const Status& other);
  Status(Status&&) noexcept = default;
  Status& operator=(Status&&) noexcept = default;

  static Status Ok() { return Status(); }
  static Status InvalidArgument(std::string msg) { return {StatusCode::kInvalidArgument, std::move(msg)}; }
  static Status NotFound(std::string msg) { return {StatusCode::kNotFound, std::move(msg)}; }
  static Status AlreadyExists(std::string msg) { return {StatusCode::kAlreadyExists, std::move(msg)}; }
  static Status FailedPrecondition(std::string msg) { return {StatusCode::kFailedPrecondition, std::move(msg)}; }
  static Status Aborted(std::string msg) { return {StatusCode::kAborted, std::move(msg)}; }
  static Status OutOfRange(std::string msg) { return {StatusCode::kOutOfRange, std::move(msg)}; }
  static Status Unauthenticated(std::string msg) { return {StatusCode::kUnauthenticated, std::move(msg)}; }
  static Status PermissionDenied(std::string msg) { return {StatusCode::kPermissionDenied, std::move(msg)}; }
  static Status ResourceExhausted(std::string msg) { return {StatusCode::kResourceExhausted, std::move(msg)}; }
  static Status Unavailable(std::string msg) { return {StatusCode::kUnavailable, std::move(msg)}; }
  static Status DataLoss(std::string msg) { return {StatusCode::kDataLoss, std::move(msg)}; }
  static Status Unimplemented(std::string msg) { return {StatusCode::kUnimplemented, std::move(msg)}; }
  static Status Internal(std::string msg) { return {StatusCode::kInternal, std::move(msg)}; }

  bool ok() const { return state_ == nullptr; }
  StatusCode code() const { return state_ ? state_->code : StatusCode::kOk; }
  std::string_view message() const { return state_ ? std::string_view(state_->message) : std::string_view(); }
  bool Is(StatusCode c) const { return code() == c; }
  bool IsNotFound() const { return code() == StatusCode::kNotFound; }

  // "NotFound: blob sha256:... not found", or "OK".
  std::string ToString() const;

  // Returns a copy whose message is "<prefix>: <message>", same code.
  Status WithPrefix(std::string_view prefix) const;

 private:
  struct State {
    StatusCode code;
    std::string message;
  };
  std::unique_ptr<State> state_;
};

// Holds a T or a non-OK Status. Constructing a Result from an OK Status is a
// programming error and yields kInternal.
template <typename T>
class [[nodiscard]] Result {
 public:
  Result(const T& value) : v_(value) {}  // NOLINT: implicit by design
  Result(T&& value) : v_(std::move(value)) {}  // NOLINT
  Result(Status status) : v_(std::move(status)) {  // NOLINT
    if (std::get<Status>(v_).ok()) v_ = Status::Internal("Result constructed from OK status");
  }
  template <typename U, typename = std::enable_if_t<std::is_constructible_v<T, U&&> &&
                                                    !std::is_same_v<std::decay_t<U>, Status> &&
                                                    !std::is_same_v<std::decay_t<U>, T>>>
  Result(U&& value) : v_(T(std::forward<U>(value))) {}  // NOLINT

  bool ok() const { return v_.index() == 0; }
  const Status& status() const& {
    static const Status kOkStatus;
    return ok() ? kOkStatus : std::get<Status>(v_);
  }
  Status status() && { return ok() ? Status::Ok() : std::move(std::get<Status>(v_)); }

  // REQUIRES: ok().
  T& value() & { return std::get<0>(v_); }
  const T& value() const& { return std::get<0>(v_); }
  T&& value() && { return std::move(std::get<0>(v_)); }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }
  T&& operator*() && { return std::move(*this).value(); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }

  T value_or(T fallback) const& { return ok() ? value() : std::move(fallback); }

 private:
  std::variant<T, Status> v_;
};

namespace internal {
inline Status AsStatus(Status s) { return s; }
template <typename T>
Status AsStatus(const Result<T>& r) { return r.status(); }
template <typename T>
Status AsStatus(Result<T>&& r) { return std::move(r).status(); }
}  // namespace internal

}  // namespace scopereg

#define SCOPEREG_CONCAT_INNER(a, b) a##b
#define SCOPEREG_CONCAT(a, b) SCOPEREG_CONCAT_INNER(a, b)

// Returns the Status of `expr` from the enclosing function if it is not OK.
#define SCOPEREG_RETURN_IF_ERROR(expr)                                     \
  do {                                                                     \
    ::scopereg::Status _st = ::scopereg::internal::AsStatus((expr));       \
    if (!_st.ok()) return _st;                                             \
  } while (0)

#define SCOPEREG_ASSIGN_OR_RETURN_IMPL(tmp, lhs, expr) \
  auto tmp = (expr);                                   \
  if (!tmp.ok()) return std::move(tmp).status();       \
  lhs = std::move(tmp).value()

// `SCOPEREG_ASSIGN_OR_RETURN(auto x, Foo());` declares x from a Result or
// returns its Status.
#define SCOPEREG_ASSIGN_OR_RETURN(lhs, expr) \
  SCOPEREG_ASSIGN_OR_RETURN_IMPL(SCOPEREG_CONCAT(_res_, __LINE__), lhs, expr)

// Coroutine variants (co_return instead of return).
#define SCOPEREG_CO_RETURN_IF_ERROR(expr)                                  \
  do {                                                                     \
    ::scopereg::Status _st = ::scopereg::internal::AsStatus((expr));       \
    if (!_st.ok()) co_return _st;                                          \
  } while (0)

#define SCOPEREG_CO_ASSIGN_OR_RETURN_IMPL(tmp, lhs, expr) \
  auto tmp = (expr);                                      \
  if (!tmp.ok()) co_return std::move(tmp).status();       \
  lhs = std::move(tmp).value()

#define SCOPEREG_CO_ASSIGN_OR_RETURN(lhs, expr) \
  SCOPEREG_CO_ASSIGN_OR_RETURN_IMPL(SCOPEREG_CONCAT(_res_, __LINE__), lhs, expr)
