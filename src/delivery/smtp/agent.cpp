// SmtpAgent: nexthop -> TLS policy -> addresses -> sessions -> per-recipient results; see
// agent.hpp.
#include "delivery/smtp/agent.hpp"

#include <algorithm>
#include <ctime>
#include <deque>

#include "base/log.hpp"
#include "base/strings.hpp"
#include "delivery/smtp/dane.hpp"
#include "delivery/smtp/dns_hosts.hpp"
#include "delivery/smtp/establish.hpp"
#include "delivery/smtp/sts.hpp"
#include "delivery/smtp/tlsrpt.hpp"
#include "dns/unbound_resolver.hpp"
#include "maps/lookup.hpp"

namespace tern::delivery::smtp {

namespace {

double seconds_since(Clock::time_point t) { return std::chrono::duration<double>(Clock::now() - t).count(); }

std::optional<SessionError> policy_refusal(const TlsPolicy& pol, const Request& r);

class SmtpAgent : public Agent {
 public:
  static Result<std::unique_ptr<Agent>> make(const AgentContext& c, bool lmtp,
                                             std::shared_ptr<const HostResolver> resolver,
                                             std::shared_ptr<dns::Resolver> tlsa);
  Outcome deliver(const Request& r) const override;

 private:
  struct Final {  // one recipient's outcome so far
    RcptOutcome o;
    std::string relay = "none";
    bool done = false;
  };
  struct Destination {  // a nexthop with its TLS policy
    std::string text;
    Nexthop nexthop;
    TlsPolicy tls;
    std::optional<sts::Policy> sts;  // an MTA-STS policy in enforce mode
    std::optional<sts::Policy> sts_testing;  // one in testing mode: reported (TLS-RPT), not enforced
  };
  struct Attempt {  // shared state of one deliver() call
    const Request& r;
    std::vector<Final> finals;
    Clock::time_point start = Clock::now();
    double setup = 0, transmit = 0;
    bool any_session = false;
  };

  Result<TlsPolicy> policy_for(std::string_view nexthop_text, const Nexthop& n) const;
  Result<Destination> destination(std::string_view text) const;
  std::optional<SessionError> plan(const Request& r, std::deque<Destination>& out) const;
  // Recipients (positions in r.rcpts) still without a final outcome.
  static std::vector<size_t> open_positions(const Attempt& a);
  static void settle_all(Attempt& a, const SessionError& e, const std::string& relay, bool final);
  // One transaction on `c`; deferred recipients stay open unless `last`.
  void run(Attempt& a, Connection& c, bool last) const;
  std::vector<HostAddress> addresses(const Nexthop& n, Resolution* res) const;
  Outcome finish(Attempt& a, bool destination_failed) const;
  // At dane/dane-only: this host's policy by RFC 7672, or why it gets no session now
  // (`requiretls`: RFC 8689 mail goes only where DANE verifies the server).
  // `why` receives the TLS-RPT result type of a refusal.
  std::optional<SessionError> dane_policy(const Destination& d, const HostAddress& h, bool requiretls,
                                          TlsPolicy* out, std::optional<tlsrpt::ResultType>* why) const;
  // MTA-STS (RFC 8461): the policy in force for a mail domain nexthop whose TLS level it may
  // raise — not a table entry, not already verify/secure/fingerprint. DANE wins: at
  // dane/dane-only the STS policy applies only to hosts DANE does not verify.
  void apply_sts(Destination& d) const;
  // Under an enforced STS policy: why `h` gets no session, or nullopt; raises `tls` to
  // verification of the MX host name over TLS 1.2 or later where DANE does not verify.
  std::optional<SessionError> sts_policy(const Destination& d, const HostAddress& h, TlsPolicy* tls) const;
  // TLS-RPT (smtp_tlsrpt_enable): counts what TLS came to with host `h` under `tls`.
  void count_tls(const Destination& d, const HostAddress& h, const TlsPolicy& tls, const TlsNote& note) const;

  ClientSettings s_;
  std::string service_;
  log::Logger log_{"smtp"};
  std::shared_ptr<const HostResolver> resolver_;
  std::shared_ptr<dns::Resolver> tlsa_;
  std::unique_ptr<StsPolicies> sts_;
  std::unique_ptr<TlsReporter> tlsrpt_;
  InsecureMxPolicy insecure_mx_ = InsecureMxPolicy::may;
  std::unique_ptr<TlsClient> tls_;
  std::unique_ptr<SaslClient> sasl_;
  std::vector<std::shared_ptr<const maps::Lookup>> policy_maps_;
  std::unique_ptr<ConnectionCache> cache_;  // last: its connections may hold TLS sessions of tls_
};

Result<std::unique_ptr<Agent>> SmtpAgent::make(const AgentContext& c, bool lmtp,
                                               std::shared_ptr<const HostResolver> resolver,
                                               std::shared_ptr<dns::Resolver> tlsa) {
  const config::Params& p = c.service.params;
  std::unique_ptr<SmtpAgent> a(new SmtpAgent);
  auto s = client_settings(p, lmtp);
  if (!s) return s.error();
  a->s_ = std::move(*s);
  a->service_ = c.service.entry.service;
  a->log_ = log::Logger(a->service_);
  if (!resolver) {
    // LMTP nexthops are hosts, never mail domains: no MX step, addresses from the hosts file.
    if (lmtp) {
      resolver = std::make_shared<HostsFileResolver>(a->s_.hosts_file);
    } else {
      auto made = make_host_resolver(p, a->s_.ipv4, a->s_.ipv6, a->s_.hosts_file);
      if (!made) return made.error();
      resolver = std::move(*made);
    }
  }
  a->resolver_ = std::move(resolver);
  a->tlsa_ = std::move(tlsa);
  if (!a->tlsa_ && !lmtp && lower(trim(p.smtp_dns_support_level)) == "dnssec" && !p.disable_dns_lookups) {
    // TLSA lookups for DANE, through a resolver of their own (the host resolver keeps its one).
    auto made = dns::make_resolver(p);
    if (!made) return made.error();
    a->tlsa_ = std::move(*made);
  }
  if (p.mta_sts_enable && !lmtp) {
    std::shared_ptr<dns::Resolver> dns = a->tlsa_;
    if (!dns) {
      auto made = dns::make_resolver(p);
      if (!made) return Error{"mta_sts_enable: " + made.error().message};
      dns = std::move(*made);
    }
    auto sts = StsPolicies::make(sts_settings(p), std::move(dns));
    if (!sts) return sts.error();
    a->sts_ = std::move(*sts);
  }
  a->tlsrpt_ = TlsReporter::make(p, a->log_);
  auto insecure_mx = parse_insecure_mx_policy(p.smtp_tls_dane_insecure_mx_policy);
  if (!insecure_mx) return insecure_mx.error();
  a->insecure_mx_ = *insecure_mx;
  auto tls = TlsClient::make(p, tls_params(p, lmtp));
  if (!tls) return tls.error();
  a->tls_ = std::move(*tls);
  if (TlsLevel l = a->tls_->default_policy().level; (l == TlsLevel::dane || l == TlsLevel::dane_only) && !a->tlsa_)
    a->log_.warning("{}_tls_security_level = {} needs smtp_dns_support_level = dnssec: no host is DANE-secure, "
                    "so dane acts as may and dane-only defers", lmtp ? "lmtp" : "smtp", level_name(l));
  auto sasl = SaslClient::make(sasl_params(p, lmtp), c.cfg.directory);
  if (!sasl) return sasl.error();
  a->sasl_ = std::move(*sasl);
  auto tables = open_policy_maps(a->tls_->params(), c.cfg.directory);
  if (!tables) return tables.error();
  a->policy_maps_ = std::move(*tables);
  ConnectionCache::Limits limits;
  limits.idle = a->s_.cache_time_limit;
  limits.lifetime = a->s_.reuse_time_limit;
  limits.uses = a->s_.reuse_count_limit;
  a->cache_ = std::make_unique<ConnectionCache>(limits);
  return std::unique_ptr<Agent>(std::move(a));
}

Result<TlsPolicy> SmtpAgent::policy_for(std::string_view nexthop_text, const Nexthop& n) const {
  return find_policy(policy_maps_, nexthop_text, n, tls_->default_policy());
}

std::vector<size_t> SmtpAgent::open_positions(const Attempt& a) {
  std::vector<size_t> out;
  for (size_t i = 0; i < a.finals.size(); ++i)
    if (!a.finals[i].done) out.push_back(i);
  return out;
}

void SmtpAgent::settle_all(Attempt& a, const SessionError& e, const std::string& relay, bool final) {
  for (auto& f : a.finals) {
    if (f.done) continue;
    f.o = {e.permanent() ? DeliveryResult::bounced : DeliveryResult::deferred, e.dsn, e.text};
    f.relay = relay;
    f.done = final || e.permanent();
  }
}

void SmtpAgent::run(Attempt& a, Connection& c, bool last) const {
  auto open = open_positions(a);
  std::vector<size_t> idx;
  for (size_t pos : open) idx.push_back(a.r.rcpts[pos]);
  const Envelope& e = a.r.message.envelope;
  if (e.requiretls && (!c.tls || !c.session->features().requiretls)) {
    settle_all(a, {"5.7.30", "REQUIRETLS support required, but " + std::string(c.tls ? "not offered by" : "no TLS with") +
                                 " host " + c.relay},
               c.relay, true);
    return;
  }
  auto t0 = Clock::now();
  auto outcomes = c.session->transact(a.r.message, idx);
  a.transmit += seconds_since(t0);
  ++c.uses;
  for (size_t k = 0; k < open.size(); ++k) {
    Final& f = a.finals[open[k]];
    f.o = outcomes[k];
    f.relay = c.relay;
    f.done = last || outcomes[k].kind != DeliveryResult::deferred;
  }
}

std::vector<HostAddress> SmtpAgent::addresses(const Nexthop& n, Resolution* res) const {
  *res = resolver_->resolve(n);
  std::vector<HostAddress> out;
  for (auto& h : res->hosts)
    if (h.addr.v6 ? s_.ipv6 : s_.ipv4) out.push_back(h);
  if (s_.prefer_ipv4 || s_.prefer_ipv6)
    std::stable_partition(out.begin(), out.end(), [&](const HostAddress& h) { return h.addr.v6 == s_.prefer_ipv6; });
  if (s_.mx_address_limit > 0 && out.size() > s_.mx_address_limit) out.resize(s_.mx_address_limit);
  return out;
}

Outcome SmtpAgent::finish(Attempt& a, bool destination_failed) const {
  Outcome out;
  out.destination_failed = destination_failed;
  for (size_t pos = 0; pos < a.finals.size(); ++pos) {
    const Final& f = a.finals[pos];
    size_t index = a.r.rcpts[pos];
    DeliveryResult res{f.o.kind, f.o.dsn, f.o.text, f.relay, a.r.message.envelope.recipients.at(index).address, index};
    res.setup = a.setup;
    res.transmit = a.transmit;
    res.dsn_passed_on = f.o.kind == DeliveryResult::sent && f.o.dsn_passed_on;
    out.results.push_back(std::move(res));
  }
  return out;
}

std::optional<SessionError> SmtpAgent::dane_policy(const Destination& d, const HostAddress& h, bool requiretls,
                                                   TlsPolicy* out, std::optional<tlsrpt::ResultType>* why) const {
  TlsLevel level = d.tls.level;
  if (level != TlsLevel::dane && level != TlsLevel::dane_only) return std::nullopt;
  DaneHost host{h.host, h.canonical, d.nexthop.port, h.mx_secure, h.addr_secure};
  std::optional<TlsaLookup> tlsa;
  if (tlsa_ && wants_tlsa(level, host, insecure_mx_)) tlsa = find_tlsa(*tlsa_, host);
  DaneDecision dec = decide(level, host, insecure_mx_, tlsa ? &*tlsa : nullptr, tls_->dane_digests());
  for (const auto& u : dec.unusable) log_.info("{}[{}]: unusable TLSA record {}", h.host, h.addr.to_string(), u);
  if (dec.defer) {
    // A failed or bogus TLSA lookup; secure records none of which is usable; else no DANE at all.
    const dns::Answer* a = tlsa ? &tlsa->answer : nullptr;
    if (a && (a->security == dns::Security::bogus || a->outcome == dns::Outcome::temporary))
      *why = tlsrpt::ResultType::dnssec_invalid;
    else if (a && a->has_data() && a->secure())
      *why = tlsrpt::ResultType::tlsa_invalid;
    else
      *why = tlsrpt::ResultType::dane_required;
    return SessionError{dec.dsn, dec.reason};
  }
  if (requiretls && dec.level != TlsLevel::dane)
    return SessionError{"5.7.30", "REQUIRETLS support required, but DANE cannot verify host " + h.host + " (" + dec.reason + ")"};
  if (tls_->loglevel() >= 1 || dec.level != TlsLevel::dane)
    log_.info("{}[{}]: level {}: {}", h.host, h.addr.to_string(), level_name(dec.level), dec.reason);
  *out = apply(d.tls, dec);
  return std::nullopt;
}

void SmtpAgent::apply_sts(Destination& d) const {
  const Nexthop& n = d.nexthop;
  if (!sts_ || n.kind != Nexthop::inet || n.bracketed || n.literal || d.tls.from_table) return;
  TlsLevel level = d.tls.level;
  if (level == TlsLevel::verify || level == TlsLevel::secure || level == TlsLevel::fingerprint) return;
  StsLookup found = sts_->find(n.host, std::time(nullptr));
  if (tlsrpt_ && found.failure) {
    tlsrpt::Event e;
    e.domain = n.host;
    e.policy.type = tlsrpt::PolicyType::sts;
    e.failure = found.failure;
    e.detail = found.note;
    tlsrpt_->record(std::move(e));
  }
  if (!found.policy) {
    // A policy announced in DNS that cannot be had is worth a warning; no record is normal.
    if (found.announced) log_.warning("{}: MTA-STS: {}", n.host, found.note);
    else if (!found.note.empty() && tls_->loglevel() >= 2) log_.info("{}: no MTA-STS policy: {}", n.host, found.note);
    return;
  }
  if (!found.note.empty()) log_.warning("{}: MTA-STS: {}", n.host, found.note);
  if (found.policy->mode != sts::Mode::enforce) {
    log_.info("{}: MTA-STS policy id {} ({}) in testing mode: not enforced", n.host, found.id, found.source);
    d.sts_testing = std::move(found.policy);
    return;
  }
  if (tls_->loglevel() >= 1)
    log_.info("{}: MTA-STS policy id {} ({}) enforced", n.host, found.id, found.source);
  d.sts = std::move(found.policy);
}

std::optional<SessionError> SmtpAgent::sts_policy(const Destination& d, const HostAddress& h, TlsPolicy* tls) const {
  if (!d.sts) return std::nullopt;
  if (!sts::mx_allowed(*d.sts, h.host))
    return SessionError{"4.7.5", "MX host " + h.host + " is not allowed by the MTA-STS policy of " + d.nexthop.host};
  if (tls->level == TlsLevel::dane) return std::nullopt;  // DANE verifies this host
  tls->level = TlsLevel::verify;
  tls->match = {"hostname"};
  tls->protocols = std::vector<std::string>{">=TLSv1.2"};
  return std::nullopt;
}

void SmtpAgent::count_tls(const Destination& d, const HostAddress& h, const TlsPolicy& tls, const TlsNote& note) const {
  if (!tlsrpt_ || !note.attempted || d.nexthop.kind != Nexthop::inet) return;
  if (note.reused && !note.failure && tlsrpt_->skip_reused()) return;
  tlsrpt::Event e;
  e.domain = d.nexthop.host;
  const sts::Policy* sts = d.sts ? &*d.sts : d.sts_testing ? &*d.sts_testing : nullptr;
  e.policy = report_policy(tls, sts, h.host);
  e.failure = note.failure;
  if (!d.sts && d.sts_testing && !tls.dane_verify()) e.failure = testing_failure(note, sts::mx_allowed(*sts, h.host));
  e.sending_ip = note.sending_ip;
  e.receiving_ip = h.addr.to_string();
  e.receiving_mx = h.host;
  e.detail = note.detail;
  tlsrpt_->record(std::move(e));
}

// Why this job cannot leave under its TLS policy at all, or nullopt.
std::optional<SessionError> policy_refusal(const TlsPolicy& pol, const Request& r) {
  if (pol.level == TlsLevel::fingerprint)
    return SessionError{"4.7.5", "TLS security level fingerprint for " + r.nexthop + " is not supported yet"};
  bool dane = pol.level == TlsLevel::dane || pol.level == TlsLevel::dane_only;  // verified per host, if at all
  if (r.message.envelope.requiretls && !pol.needs_verification() && !dane)
    return SessionError{"5.7.30", "REQUIRETLS support required, but the TLS policy for " + r.nexthop + " is " +
                                      std::string(level_name(pol.level)) + ", not verify or secure"};
  return std::nullopt;
}

Result<SmtpAgent::Destination> SmtpAgent::destination(std::string_view text) const {
  auto n = parse_nexthop(text, s_.default_port, s_.lmtp);
  if (!n) return n.error();
  auto pol = policy_for(text, *n);
  if (!pol) return pol.error();
  Destination d{std::string(text), std::move(*n), std::move(*pol), std::nullopt, std::nullopt};
  apply_sts(d);
  return d;
}

// The destinations to try in order: the job's nexthop, then smtp_fallback_relay.
std::optional<SessionError> SmtpAgent::plan(const Request& r, std::deque<Destination>& out) const {
  auto n = parse_nexthop(r.nexthop, s_.default_port, s_.lmtp);
  if (!n) return SessionError{"4.3.5", "bad nexthop for transport " + service_ + ": " + n.error().message};
  auto main = destination(r.nexthop);  // parses again; now only the policy lookup can fail
  if (!main) return SessionError{"4.3.0", main.error().message};
  if (auto refusal = policy_refusal(main->tls, r)) return refusal;
  out.push_back(std::move(*main));
  for (const auto& text : s_.fallback_relays) {
    auto d = destination(text);
    if (!d) {
      log_.warning("smtp_fallback_relay: {}", d.error().message);
      continue;
    }
    if (d->nexthop.key() == out.front().nexthop.key() || policy_refusal(d->tls, r)) continue;
    out.push_back(std::move(*d));
  }
  return std::nullopt;
}

Outcome SmtpAgent::deliver(const Request& r) const {
  Attempt a{r, std::vector<Final>(r.rcpts.size())};
  std::deque<Destination> dests;
  if (auto err = plan(r, dests)) {
    settle_all(a, *err, "none", true);
    return finish(a, false);
  }
  const Destination& first = dests.front();
  std::string key = first.nexthop.key();
  auto keep = [&](std::unique_ptr<Connection> c, const Destination& d) {
    bool tls_ok = d.tls.level == TlsLevel::none || s_.tls_connection_reuse;
    if (s_.cache_on_demand && (!c->tls || tls_ok)) cache_->put(d.nexthop.key(), std::move(c));
    else c->session->quit();
  };
  if (auto c = cache_->take(key)) {
    if (!c->session->rset()) {
      a.setup = seconds_since(a.start);
      a.any_session = true;
      run(a, *c, false);
      keep(std::move(c), first);
      if (open_positions(a).empty()) return finish(a, false);
    }
  }
  // Every (destination, address) pair, in order.
  std::vector<std::pair<const Destination*, std::optional<HostAddress>>> tries;
  SessionError unresolved;
  for (const Destination& d : dests) {
    if (d.nexthop.kind == Nexthop::unix_socket) {
      tries.emplace_back(&d, std::nullopt);
      continue;
    }
    Resolution res;
    auto hosts = addresses(d.nexthop, &res);
    if (hosts.empty() && unresolved.text.empty())
      unresolved = {res.dsn.empty() ? "4.4.3" : res.dsn,
                    res.error.empty() ? "no address of " + d.nexthop.host + " is usable under inet_protocols" : res.error};
    for (auto& h : hosts) tries.emplace_back(&d, h);
  }
  if (tries.empty()) {
    settle_all(a, unresolved, "none", true);
    return finish(a, false);
  }
  Establisher est(s_, tls_.get(), sasl_.get(), log_);
  size_t sessions = 0;
  for (size_t i = 0; i < tries.size() && !open_positions(a).empty(); ++i) {
    const Destination& d = *tries[i].first;
    TlsPolicy tls = d.tls;
    Setup st;
    std::optional<SessionError> refused;
    std::optional<tlsrpt::ResultType> why;
    if (tries[i].second) {
      refused = dane_policy(d, *tries[i].second, r.message.envelope.requiretls, &tls, &why);
      if (!refused) {
        refused = sts_policy(d, *tries[i].second, &tls);
        if (refused) why = tlsrpt::ResultType::validation_failure;  // an MX the STS policy does not name
      }
    }
    if (refused) {
      st.failure = {SetupFailure::connect, *refused, "none"};
      if (why && tries[i].second) count_tls(d, *tries[i].second, tls, {true, why, false, refused->text});
    } else {
      Target target{d.nexthop, d.text, tls, r.message.envelope.sender};
      st = tries[i].second ? est.inet(target, *tries[i].second) : est.unix_socket(target);
      if (tries[i].second) count_tls(d, *tries[i].second, tls, est.last_tls());
    }
    bool limit = s_.mx_session_limit > 0 && sessions + 1 >= s_.mx_session_limit;
    if (!st.conn) {
      if (st.failure.kind == SetupFailure::session) ++sessions;
      log_.info("{}", st.failure.error.text);
      bool final = i + 1 == tries.size() || (st.failure.kind == SetupFailure::session && limit);
      settle_all(a, st.failure.error, st.failure.relay, final);
      if (final) break;
      continue;
    }
    ++sessions;
    a.setup = seconds_since(a.start);
    a.any_session = true;
    bool last = i + 1 == tries.size() || limit;
    run(a, *st.conn, last);
    keep(std::move(st.conn), d);
    if (last) break;
  }
  return finish(a, !a.any_session);
}

}  // namespace

}  // namespace tern::delivery::smtp

namespace tern::delivery {

Result<std::unique_ptr<Agent>> make_smtp_agent(const AgentContext& c) { return smtp::SmtpAgent::make(c, false, nullptr, nullptr); }
Result<std::unique_ptr<Agent>> make_lmtp_agent(const AgentContext& c) { return smtp::SmtpAgent::make(c, true, nullptr, nullptr); }
Result<std::unique_ptr<Agent>> make_client_agent(const AgentContext& c, bool lmtp,
                                                 std::shared_ptr<const smtp::HostResolver> resolver,
                                                 std::shared_ptr<dns::Resolver> tlsa) {
  return smtp::SmtpAgent::make(c, lmtp, std::move(resolver), std::move(tlsa));
}

}  // namespace tern::delivery
