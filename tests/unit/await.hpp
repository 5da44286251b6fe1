// Runs one coroutine to completion on an io_context, for tests of code that is awaited
// in production (command handlers, restriction evaluation). Exceptions propagate.
#pragma once
#include <asio/awaitable.hpp>
#include <asio/co_spawn.hpp>
#include <asio/io_context.hpp>

#include <exception>
#include <stdexcept>
#include <optional>
#include <utility>

namespace tern::testing {

template <class T>
T run_await(asio::io_context& io, asio::awaitable<T> a) {
  std::optional<T> out;
  std::exception_ptr error;
  bool done = false;
  asio::co_spawn(io, std::move(a), [&](std::exception_ptr e, T v) {
    error = e;
    if (!e) out.emplace(std::move(v));
    done = true;
  });
  io.restart();
  // Until this coroutine is done: other work on `io` (timers, a queue client) may never end.
  while (!done && io.run_one() > 0) {
  }
  if (error) std::rethrow_exception(error);
  if (!done) throw std::runtime_error("run_await: the event loop ran out of work first");
  return std::move(*out);
}

template <class T>
T run_await(asio::awaitable<T> a) {
  asio::io_context io;
  return run_await(io, std::move(a));
}

}  // namespace tern::testing
