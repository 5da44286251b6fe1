// check_host() (RFC 7208 §4–§6): the SPF verdict for a client address and an identity,
// asking the DNS through a dns::Resolver.
//
// Why a coroutine with a blocking wrapper: the SMTP server runs sessions as Asio
// coroutines on one event loop, so the evaluator itself is an asio::awaitable that awaits
// each DNS answer (dns::async_lookup) without blocking the loop; check_host_blocking()
// runs the same coroutine on a private io_context for the command line and the tests,
// answering each start() with the resolver's blocking lookup(). There is one evaluator,
// not a synchronous copy of it.
//
// Limits (§4.6.4): at most `dns_mechanisms` of include/a/mx/ptr/exists/redirect per check
// (includes and redirects share the count), `void_lookups` answers with no data or
// NXDOMAIN, at most 10 MX records per mx (more is permerror) and 10 PTR names per ptr or
// %{p} (the rest ignored). A DNS failure is temperror; a missing record is none.
#pragma once
#include <asio/awaitable.hpp>

#include <optional>
#include <string>

#include "base/net.hpp"
#include "dns/resolver.hpp"
#include "spf/macro.hpp"
#include "spf/verdict.hpp"

namespace tern::spf {

enum class Identity { mailfrom, helo };
std::string_view identity_name(Identity i);  // "mailfrom", "helo" (Received-SPF's words)

struct Limits {
  int dns_mechanisms = 10;
  int void_lookups = 2;    // spf_void_lookup_limit
  int mx_records = 10;
  int ptr_names = 10;
};

// One check: who connected, which identity, and the names macros need.
struct Query {
  IpAddress ip;              // the client (an IPv4-mapped address counts as IPv4)
  Identity identity = Identity::mailfrom;
  std::string sender;        // local@domain as checked ("postmaster@helo" for HELO)
  std::string domain;        // the identity's domain
  std::string helo;          // %{h}
  std::string receiver;      // %{r}: our host name ("unknown" when empty)
  long long timestamp = 0;   // %{t}; 0 = now
  Limits limits;
  // Explanation for a fail when the record has no usable exp= (spf_explanation); unset = "".
  std::optional<MacroString> default_explanation;
};

// The MAIL FROM identity; a null sender checks postmaster@HELO (§2.4), a sender without
// local part is postmaster@domain (§4.3).
Query mail_from_query(const IpAddress& ip, std::string_view mail_from, std::string_view helo);
// The HELO identity (§2.3): postmaster@HELO.
Query helo_query(const IpAddress& ip, std::string_view helo);

struct Outcome {
  Verdict verdict = Verdict::none;
  std::string explanation;  // fail: the exp= text (or the default); else empty
  std::string mechanism;    // the directive that matched, "default" or "redirect=..."; "" if none
  std::string problem;      // permerror/temperror: what went wrong, for logs and headers
};

asio::awaitable<Outcome> check_host(dns::Resolver& resolver, Query query);
Outcome check_host_blocking(dns::Resolver& resolver, Query query);

// RFC 7208 §4.3: is `domain` usable as an identity (a fully qualified name, labels of
// 1..63 octets, no address literal)? check_host() answers none when it is not.
bool valid_domain(std::string_view domain);

}  // namespace tern::spf
