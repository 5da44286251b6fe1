// verify_message() for coroutines on the event loop: the key lookups go out through
// dns::async_lookup() one after another (a message rarely has more than two
// signatures, and they usually share nothing), then the Verifier finishes.
//   auto results = co_await dkim::async_verify_message(resolver, content, options);
#pragma once
#include <asio/awaitable.hpp>
#include <string>
#include <vector>

#include "dkim/verify.hpp"
#include "dns/await.hpp"

namespace tern::dkim {

inline asio::awaitable<std::vector<SignatureResult>> async_verify_message(dns::Resolver& r, std::string message,
                                                                          VerifyOptions opt) {
  Verifier v(message, opt);
  for (const auto& name : v.key_names()) v.add_key(name, co_await dns::async_lookup(r, name, dns::Type::TXT));
  co_return v.results();
}

}  // namespace tern::dkim
