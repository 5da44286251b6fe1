// The DNS as Tern asks it: a dns::Resolver over libunbound, validating DNSSEC itself with
// the configured trust anchors, so every Answer says secure, insecure or bogus.
//
// Two libunbound contexts with the same settings, each with its own worker thread:
//  - blocking lookup() (delivery agents, command-line tools), callable from any thread; the
//    callers take turns reading the context's results, each waits for its own;
//  - asynchronous start(), present only when the resolver is made with an io_context: the
//    context's descriptor is watched by the event loop, answers are handed to `done` by
//    asio::post on that io_context, never from inside start().
// Both give up after dns_query_timeout with a temporary failure ("timed out").
//
// libunbound answers *.test, *.invalid, example. and the RFC 6303 reverse zones locally
// (as empty); Tern sends those names to the DNS like any other (special_use_zones()), so
// that test zones and the documentation networks' reverse zones resolve.
#pragma once
#include <chrono>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "base/result.hpp"
#include "dns/resolver.hpp"

namespace asio {
class io_context;
}
namespace tern::config {
struct Config;
struct Params;
}  // namespace tern::config

namespace tern::dns {

struct UnboundOptions {
  std::vector<std::string> forward_servers;  // "192.0.2.1" or "127.0.0.1@5353"; empty: resolv.conf
  std::string trust_anchor_file;             // DS/DNSKEY records; "" or a missing file: no validation
  std::chrono::milliseconds timeout{10000};  // one lookup, retries included
};

// The parameters dns_forward_servers, dns_trust_anchor_file and dns_query_timeout, checked
// (a bad forwarder address is an error naming the parameter).
Result<UnboundOptions> unbound_options(const config::Params& p);

// The zones libunbound would otherwise answer itself that Tern resolves through the DNS.
std::span<const std::string_view> special_use_zones();

// A trust anchor file's DS/DNSKEY records, one string each: ';' comments dropped, records
// spread over lines in parentheses joined. ($ORIGIN and other directives are an error.)
// make() reads the file once, so a role may chroot before its first lookup.
Result<std::vector<std::string>> anchor_records(std::string_view text);

class UnboundResolver : public Resolver {
 public:
  // `io` may be null: then start() is unavailable (it throws std::logic_error).
  static Result<std::shared_ptr<UnboundResolver>> make(const UnboundOptions& o, asio::io_context* io);
  ~UnboundResolver() override;
  UnboundResolver(const UnboundResolver&) = delete;
  UnboundResolver& operator=(const UnboundResolver&) = delete;

  Answer lookup(std::string_view name, Type type) override;
  // Outstanding lookups are dropped (their `done` never runs) when the resolver is destroyed.
  void start(std::string_view name, Type type, Done done) override;

  // Whether trust anchors were loaded (without them every answer is insecure).
  bool validating() const { return validating_; }

 private:
  struct Blocking;
  struct Async;
  UnboundResolver() = default;

  std::unique_ptr<Blocking> blocking_;
  std::shared_ptr<Async> async_;  // shared with the event loop's pending handlers
  bool validating_ = false;
};

// The resolver the rest of Tern uses, from the configuration. An error when
// disable_dns_lookups = yes (Postfix's switch: no DNS at all) or the settings are bad.
Result<std::shared_ptr<Resolver>> make_resolver(const config::Config& cfg, asio::io_context* io = nullptr);
// The same from one service's parameters (main.cf with its master.cf -o overrides).
Result<std::shared_ptr<Resolver>> make_resolver(const config::Params& p, asio::io_context* io = nullptr);

}  // namespace tern::dns
