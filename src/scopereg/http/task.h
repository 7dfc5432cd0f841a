// Task<T>: the coroutine type of every request handler.
//
// It is Asio's awaitable, but handlers include only this light header (about
// 2 s to compile) and never Beast or the rest of Asio (about 25 s per file);
// all socket work lives in http/server.cc.
#pragma once

// Boost 1.74 + GCC 12: asio/awaitable.hpp uses std::exchange without
// including <utility> (http-stack.md pitfall 6).
#include <utility>
// clang-format off
#include <boost/asio/awaitable.hpp>
// clang-format on

#include <functional>

namespace scopereg::http {

template <typename T>
using Task = boost::asio::awaitable<T>;

// Runs `fn` on the blocking pool (fsync, rename, database writes, GC) and
// resumes the calling coroutine on its own thread when `fn` returns. Must be
// awaited from a coroutine running under an http::Server (or under
// RunTaskBlocking). If no server started a pool, `fn` runs inline.
Task<void> RunBlocking(std::function<void()> fn);

}  // namespace scopereg::http
