// SmtpAgent: nexthop -> TLS policy -> addresses -> sessions -> per-recipient results; see
// agent.hpp.
#include "delivery/smtp/agent.hpp"

#include <algorithm>

#include "base/log.hpp"
#include "base/strings.hpp"
#include "delivery/smtp/establish.hpp"
#include "maps/lookup.hpp"

namespace tern::delivery::smtp {

namespace {

double seconds_since(Clock::time_point t) { return std::chrono::duration<double>(Clock::now() - t).count(); }

class SmtpAgent : public Agent {
 public:
  static Result<std::unique_ptr<Agent>> make(const AgentContext& c, bool lmtp);
  Outcome deliver(const Request& r) const override;

 private:
  struct Final {  // one recipient's outcome so far
    RcptOutcome o;
    std::string relay = "none";
    bool done = false;
  };
  struct Attempt {  // shared state of one deliver() call
    const Request& r;
    std::vector<Final> finals;
    Clock::time_point start = Clock::now();
    double setup = 0, transmit = 0;
    bool any_session = false;
  };

  Result<TlsPolicy> policy_for(std::string_view nexthop_text, const Nexthop& n) const;
  // Recipients (positions in r.rcpts) still without a final outcome.
  static std::vector<size_t> open_positions(const Attempt& a);
  static void settle_all(Attempt& a, const SessionError& e, const std::string& relay, bool final);
  // One transaction on `c`; deferred recipients stay open unless `last`.
  void run(Attempt& a, Connection& c, bool last) const;
  std::vector<HostAddress> addresses(const Nexthop& n, Resolution* res) const;
  Outcome finish(Attempt& a, bool destination_failed) const;

  ClientSettings s_;
  std::string service_;
  log::Logger log_{"smtp"};
  std::unique_ptr<HostResolver> resolver_;
  std::unique_ptr<TlsClient> tls_;
  std::unique_ptr<SaslClient> sasl_;
  std::vector<std::shared_ptr<const maps::Lookup>> policy_maps_;
  std::unique_ptr<ConnectionCache> cache_;  // last: its connections may hold TLS sessions of tls_
};

Result<std::unique_ptr<Agent>> SmtpAgent::make(const AgentContext& c, bool lmtp) {
  const config::Params& p = c.service.params;
  std::unique_ptr<SmtpAgent> a(new SmtpAgent);
  auto s = client_settings(p, lmtp);
  if (!s) return s.error();
  a->s_ = std::move(*s);
  a->service_ = c.service.entry.service;
  a->log_ = log::Logger(a->service_);
  a->resolver_ = std::make_unique<HostsFileResolver>(a->s_.hosts_file);
  auto tls = TlsClient::make(p);
  if (!tls) return tls.error();
  a->tls_ = std::move(*tls);
  if (!lmtp) {
    auto sasl = SaslClient::make(p, c.cfg.directory);
    if (!sasl) return sasl.error();
    a->sasl_ = std::move(*sasl);
    maps::OpenContext ctx;
    ctx.config_dir = c.cfg.directory;
    for (const auto& spec : p.smtp_tls_policy_maps) {
      auto m = maps::open_map(spec, ctx);
      if (!m) return Error{"smtp_tls_policy_maps: " + m.error().message};
      a->policy_maps_.push_back(std::move(*m));
    }
  }
  ConnectionCache::Limits limits;
  limits.idle = a->s_.cache_time_limit;
  limits.lifetime = a->s_.reuse_time_limit;
  limits.uses = a->s_.reuse_count_limit;
  a->cache_ = std::make_unique<ConnectionCache>(limits);
  return std::unique_ptr<Agent>(std::move(a));
}

Result<TlsPolicy> SmtpAgent::policy_for(std::string_view nexthop_text, const Nexthop& n) const {
  if (s_.lmtp) return TlsPolicy{};  // lmtp_tls_* is not supported yet: LMTP runs in plaintext
  for (const auto& key : lookup_keys(nexthop_text, n))
    for (const auto& m : policy_maps_) {
      auto v = m->find(key);
      if (!v) return Error{"smtp_tls_policy_maps " + m->spec() + ": " + v.error().message};
      if (!*v) continue;
      auto pol = parse_policy_entry(**v);
      if (!pol) return Error{"smtp_tls_policy_maps " + m->spec() + ", entry for " + key + ": " + pol.error().message};
      return *pol;
    }
  return tls_->default_policy();
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
    out.results.push_back(std::move(res));
  }
  return out;
}

Outcome SmtpAgent::deliver(const Request& r) const {
  Attempt a{r, std::vector<Final>(r.rcpts.size())};
  auto n = parse_nexthop(r.nexthop, s_.default_port, s_.lmtp);
  if (!n) {
    settle_all(a, {"4.3.5", "bad nexthop for transport " + service_ + ": " + n.error().message}, "none", true);
    return finish(a, false);
  }
  auto pol = policy_for(r.nexthop, *n);
  if (!pol) {
    settle_all(a, {"4.3.0", pol.error().message}, "none", true);
    return finish(a, false);
  }
  if (pol->level == TlsLevel::dane || pol->level == TlsLevel::dane_only || pol->level == TlsLevel::fingerprint) {
    settle_all(a, {"4.7.5", "TLS security level " + std::string(level_name(pol->level)) + " for " + r.nexthop +
                                " is not supported yet (DANE needs the DNS resolver)"},
               "none", true);
    return finish(a, false);
  }
  if (r.message.envelope.requiretls && !pol->needs_verification()) {
    settle_all(a, {"5.7.30", "REQUIRETLS support required, but the TLS policy for " + r.nexthop + " is " +
                                 std::string(level_name(pol->level)) + ", not verify or secure"},
               "none", true);
    return finish(a, false);
  }
  std::string key = n->key();
  bool reusable_tls = pol->level == TlsLevel::none || s_.tls_connection_reuse;
  Establisher est(s_, tls_.get(), sasl_.get(), log_);
  Target target{*n, r.nexthop, *pol};
  auto use = [&](std::unique_ptr<Connection> c, bool last) {
    a.any_session = true;
    run(a, *c, last);
    if (s_.cache_on_demand && (!c->tls || reusable_tls)) cache_->put(key, std::move(c));
    else c->session->quit();
  };
  if (auto c = cache_->take(key)) {
    if (!c->session->rset()) {
      a.setup = seconds_since(a.start);
      use(std::move(c), false);
      if (open_positions(a).empty()) return finish(a, false);
    }
  }
  std::vector<HostAddress> hosts;
  if (n->kind == Nexthop::inet) {
    Resolution res;
    hosts = addresses(*n, &res);
    if (hosts.empty()) {
      std::string why = res.error.empty() ? "no address of " + n->host + " is usable under inet_protocols" : res.error;
      settle_all(a, {res.dsn.empty() ? "4.4.3" : res.dsn, why}, "none", true);
      return finish(a, false);
    }
  }
  size_t sessions = 0, tries = n->kind == Nexthop::inet ? hosts.size() : 1;
  for (size_t i = 0; i < tries && !open_positions(a).empty(); ++i) {
    bool last = i + 1 == tries || (s_.mx_session_limit > 0 && sessions + 1 >= s_.mx_session_limit);
    Setup st = n->kind == Nexthop::inet ? est.inet(target, hosts[i]) : est.unix_socket(target);
    if (!st.conn) {
      if (st.failure.kind == SetupFailure::session) ++sessions;
      log_.info("{}", st.failure.error.text);
      bool final = i + 1 == tries || (s_.mx_session_limit > 0 && sessions >= s_.mx_session_limit);
      settle_all(a, st.failure.error, st.failure.relay, final);
      if (final) break;
      continue;
    }
    ++sessions;
    a.setup = seconds_since(a.start);
    use(std::move(st.conn), last);
    if (last) break;
  }
  return finish(a, !a.any_session);
}

}  // namespace

}  // namespace tern::delivery::smtp

namespace tern::delivery {

Result<std::unique_ptr<Agent>> make_smtp_agent(const AgentContext& c) { return smtp::SmtpAgent::make(c, false); }
Result<std::unique_ptr<Agent>> make_lmtp_agent(const AgentContext& c) { return smtp::SmtpAgent::make(c, true); }

}  // namespace tern::delivery
