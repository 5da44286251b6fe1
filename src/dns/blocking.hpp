// Runs a coroutine that asks a Resolver to completion on the calling thread, for the
// command-line tools and unit tests: the same evaluator code the server awaits on its event
// loop, driven here by a private io_context. Each start() is answered through the
// resolver's blocking lookup(), handed back through the io_context (never inline).
//   auto result = dns::run_blocking(resolver, [&](dns::Resolver& r) { return evaluate(r, ...); });
#pragma once
#include <asio/co_spawn.hpp>
#include <asio/io_context.hpp>
#include <asio/post.hpp>
#include <exception>
#include <optional>
#include <string>

#include "dns/resolver.hpp"

namespace tern::dns {

// start() answered by lookup() and posted to an io_context.
class PostingResolver : public Resolver {
 public:
  PostingResolver(Resolver& inner, asio::io_context& io) : inner_(inner), io_(io) {}
  Answer lookup(std::string_view name, Type type) override { return inner_.lookup(name, type); }
  void start(std::string_view name, Type type, Done done) override {
    asio::post(io_, [a = inner_.lookup(name, type), done = std::move(done)]() mutable { done(std::move(a)); });
  }

 private:
  Resolver& inner_;
  asio::io_context& io_;
};

template <class F>
auto run_blocking(Resolver& resolver, F make) {
  using Awaitable = decltype(make(resolver));
  using T = typename Awaitable::value_type;
  asio::io_context io{1};
  PostingResolver posting(resolver, io);
  std::optional<T> out;
  std::exception_ptr failure;
  asio::co_spawn(io, make(posting), [&](std::exception_ptr e, T v) {
    if (e) failure = e;
    else out.emplace(std::move(v));
  });
  io.run();
  if (failure) std::rethrow_exception(failure);
  return std::move(*out);
}

}  // namespace tern::dns
