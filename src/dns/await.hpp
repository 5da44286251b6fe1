// Resolver::start() as an Asio awaitable, for coroutines on the event loop:
//   dns::Answer a = co_await dns::async_lookup(resolver, "example.org", dns::Type::MX);
#pragma once
#include <asio/async_result.hpp>
#include <asio/awaitable.hpp>
#include <asio/use_awaitable.hpp>
#include <memory>
#include <string>

#include "dns/resolver.hpp"

namespace tern::dns {

inline asio::awaitable<Answer> async_lookup(Resolver& r, std::string name, Type type) {
  return asio::async_initiate<const asio::use_awaitable_t<>&, void(Answer)>(
      [&r, name = std::move(name), type](auto handler) {
        auto h = std::make_shared<decltype(handler)>(std::move(handler));
        r.start(name, type, [h](Answer a) { (*h)(std::move(a)); });
      },
      asio::use_awaitable);
}

}  // namespace tern::dns
