// The smtp and lmtp delivery agents (master.cf commands "smtp" and "lmtp") behind the
// delivery::Agent interface. A job's recipients go to its nexthop: the addresses the
// HostResolver gives are tried in order within smtp_mx_address_limit and
// smtp_mx_session_limit, then those of smtp_fallback_relay; recipients a server deferred
// move on to the next one; the last
// outcome per recipient is reported with relay=host[addr]:port and its delays. At levels
// dane and dane-only each host gets its own TLS policy from its TLSA records (dane.hpp).
//
// SECURITY: talks to remote SMTP/LMTP servers (untrusted input: replies are parsed with
// limits and quoted printable-only in logs) and reads the TLS, CA and password tables named
// in its parameters. It never resolves names through the system resolver.
#pragma once
#include <memory>

#include "base/result.hpp"
#include "delivery/agent.hpp"

namespace tern::dns {
class Resolver;
}

namespace tern::delivery {

namespace smtp {
class HostResolver;
}

Result<std::unique_ptr<Agent>> make_smtp_agent(const AgentContext& c);
Result<std::unique_ptr<Agent>> make_lmtp_agent(const AgentContext& c);
// The same with another HostResolver than /etc/hosts: where the DNS resolver plugs in, and
// the seam the agent's unit tests use. `tlsa` answers the TLSA lookups of levels dane and
// dane-only (RFC 7672); without it no host is DANE-secure.
Result<std::unique_ptr<Agent>> make_client_agent(const AgentContext& c, bool lmtp,
                                                 std::shared_ptr<const smtp::HostResolver> resolver,
                                                 std::shared_ptr<tern::dns::Resolver> tlsa = nullptr);

}  // namespace tern::delivery
