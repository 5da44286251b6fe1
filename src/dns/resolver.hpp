// The one way Tern asks the DNS (SPF, DKIM, DMARC, MX, DNSBL, DANE, MTA-STS): the
// Resolver interface. Two ways to ask: lookup() blocks and may be called from any thread
// (delivery workers, command-line tools); start() is asynchronous for the event loop and
// calls `done` exactly once, on the thread that drives the resolver (for the libunbound
// resolver, the io_context it was made with), never from inside start() itself.
//
// Names are presentation form without the trailing dot; case does not matter.
#pragma once
#include <functional>
#include <memory>
#include <string_view>

#include "dns/answer.hpp"

namespace tern::dns {

class Resolver {
 public:
  using Done = std::function<void(Answer)>;
  virtual ~Resolver() = default;
  virtual Answer lookup(std::string_view name, Type type) = 0;
  virtual void start(std::string_view name, Type type, Done done) = 0;
};

}  // namespace tern::dns
