// Helpers for the SASL tests: crypt(3) hashes made fresh in the test, and running a
// coroutine to completion on an io_context that may hold other pending work.
#pragma once
#include <asio/co_spawn.hpp>
#include <asio/io_context.hpp>
#include <asio/use_future.hpp>
#include <crypt.h>

#include <chrono>
#include <future>
#include <memory>
#include <stdexcept>
#include <string>

namespace tern::sasl::testing {

// A crypt(3) hash of `password` with a random salt for `prefix` ("$6$", "$y$", …); ""
// when libcrypt here does not support that method.
inline std::string make_hash(const char* prefix, const std::string& password) {
  char salt[CRYPT_GENSALT_OUTPUT_SIZE];
  if (!::crypt_gensalt_rn(prefix, 0, nullptr, 0, salt, sizeof salt)) return {};
  auto data = std::make_unique<crypt_data>();
  const char* h = ::crypt_r(password.c_str(), salt, data.get());
  if (!h || h[0] == '*') return {};
  return h;
}

template <class T>
T run_on(asio::io_context& io, asio::awaitable<T> a,
         std::chrono::seconds limit = std::chrono::seconds(60)) {
  auto fut = asio::co_spawn(io, std::move(a), asio::use_future);
  auto deadline = std::chrono::steady_clock::now() + limit;
  while (fut.wait_for(std::chrono::seconds(0)) != std::future_status::ready) {
    if (std::chrono::steady_clock::now() > deadline) throw std::runtime_error("coroutine did not finish");
    if (io.stopped()) io.restart();
    io.run_one_for(std::chrono::milliseconds(50));
  }
  return fut.get();
}

}  // namespace tern::sasl::testing
