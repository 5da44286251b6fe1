// A Resolver that answers from records held in memory: the unit tests' DNS (the RFC 7208
// suite's zone data, DKIM keys, TLSA sets) and nothing else. Answers follow the DNS's
// rules closely enough for the evaluators: records of the type asked for are data, a name
// that has other records (or a name below it has) is no data, CNAMEs are followed, anything
// else is NXDOMAIN; fail() makes a name time out or SERVFAIL instead.
#pragma once
#include <functional>
#include <map>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

#include "base/result.hpp"
#include "dns/resolver.hpp"

namespace tern::dns {

class MemoryResolver : public Resolver {
 public:
  // How start() hands an answer over later: e.g. asio::post to an io_context. Without
  // one, answers wait until run_pending().
  using Post = std::function<void(std::function<void()>)>;
  explicit MemoryResolver(Post post = {}) : post_(std::move(post)) {}

  // One record in presentation form, as in a zone file:
  //   add("example.org", "MX", "10 mx.example.org")    add("mx.example.org", "A", "192.0.2.1")
  //   add("example.org", "TXT", "v=spf1 -all")          (split into 255-octet strings)
  //   add("_25._tcp.mx.example.org", "TLSA", "3 1 1 ab12...")
  Status add(std::string_view name, std::string_view type, std::string_view value);
  void add_rdata(std::string_view name, Type type, std::string rdata);
  // TXT with the character-strings given one by one (a record split as the zone had it).
  void add_txt(std::string_view name, std::vector<std::string> strings);
  // Every lookup of (name, type) ends in this outcome (temporary: a timeout or SERVFAIL).
  void fail(std::string_view name, Type type, Outcome outcome = Outcome::temporary);
  // The DNSSEC status answers under `name` (and below it) carry; default insecure.
  void set_security(std::string_view zone, Security s);

  Answer lookup(std::string_view name, Type type) override;
  void start(std::string_view name, Type type, Done done) override;
  size_t run_pending();  // without a Post: deliver what start() queued; returns how many

  // Lookups asked so far (every call to lookup() and start(), CNAME steps not counted).
  size_t queries() const;

 private:
  Answer answer(const std::string& name, Type type, int depth) const;
  Security security_of(const std::string& name) const;

  Post post_;
  mutable std::mutex mu_;
  std::map<std::pair<std::string, Type>, std::vector<std::string>> records_;
  std::map<std::pair<std::string, Type>, Outcome> failures_;
  std::map<std::string, Security> security_;  // zone -> status
  std::vector<std::function<void()>> pending_;
  size_t queries_ = 0;
};

}  // namespace tern::dns
