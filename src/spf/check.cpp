// The evaluator; see check.hpp. One Evaluator per check_host() call holds the counters
// that include and redirect share, and the %{p} name once it has been looked up.
#include "spf/check.hpp"

#include <asio/co_spawn.hpp>
#include <asio/io_context.hpp>
#include <asio/post.hpp>

#include <algorithm>
#include <ctime>
#include <exception>

#include <fmt/format.h>

#include "base/strings.hpp"
#include "dns/await.hpp"
#include "dns/rdata.hpp"
#include "spf/record.hpp"

namespace tern::spf {

namespace {

// What one directive came to: matched or not, or an error verdict that ends the check.
struct Step {
  bool matched = false;
  std::optional<Verdict> error;
  std::string problem;
};
Step no_match() { return {}; }
Step match() { return {true, std::nullopt, {}}; }
Step failed(Verdict v, std::string why) { return {false, v, std::move(why)}; }

bool ends_with_domain(std::string_view name, std::string_view domain) {
  if (iequals(name, domain)) return true;
  return name.size() > domain.size() && name[name.size() - domain.size() - 1] == '.' &&
         iequals(name.substr(name.size() - domain.size()), domain);
}

// A name we may ask the DNS for: labels of 1..63 octets, at most 253 in all.
bool queryable(std::string_view name) {
  if (name.empty() || name.size() > 253) return false;
  size_t label = 0;
  for (char c : name) {
    if (c == '.') {
      if (label == 0) return false;
      label = 0;
    } else if (++label > 63) {
      return false;
    }
  }
  return label > 0;
}

class Evaluator {
 public:
  Evaluator(dns::Resolver& r, const Query& q) : r_(r), q_(q) {}

  asio::awaitable<Outcome> check(std::string domain) {
    Outcome o;
    if (!valid_domain(domain)) co_return o;  // none
    auto record = co_await find_record(domain, o);
    if (!record) co_return o;
    for (const auto& d : record->directives) {
      Step s = co_await evaluate(d, domain);
      if (s.error) co_return error(*s.error, std::move(s.problem));
      if (!s.matched) continue;
      o.verdict = d.qualifier;
      o.mechanism = d.text;
      if (o.verdict == Verdict::fail) o.explanation = co_await explain(record->exp, domain);
      co_return o;
    }
    if (record->redirect) co_return co_await redirect(*record->redirect, domain);
    o.verdict = Verdict::neutral;
    o.mechanism = "default";
    co_return o;
  }

  asio::awaitable<std::string> default_explanation(const std::string& domain) {
    if (!q_.default_explanation) co_return std::string();
    co_return expand(*q_.default_explanation, co_await values(domain, *q_.default_explanation));
  }

 private:
  static Outcome error(Verdict v, std::string problem) {
    Outcome o;
    o.verdict = v;
    o.problem = std::move(problem);
    return o;
  }

  // §4.4, §4.5: the one v=spf1 TXT record of `domain`, parsed; otherwise `o` says why not.
  asio::awaitable<std::optional<Record>> find_record(const std::string& domain, Outcome& o) {
    dns::Answer a = co_await dns::async_lookup(r_, domain, dns::Type::TXT);
    if (a.outcome == dns::Outcome::temporary) {
      o = error(Verdict::temperror, fmt::format("DNS lookup of {} TXT failed: {}", domain, a.error));
      co_return std::nullopt;
    }
    if (!a.has_data()) co_return std::nullopt;  // none
    auto txts = dns::txt_strings(a);
    if (!txts) {
      o = error(Verdict::temperror, fmt::format("malformed TXT record at {}: {}", domain, txts.error().message));
      co_return std::nullopt;
    }
    std::vector<std::string> spf;
    for (auto& t : *txts)
      if (is_spf_record(t)) spf.push_back(std::move(t));
    if (spf.empty()) co_return std::nullopt;
    if (spf.size() > 1) {
      o = error(Verdict::permerror, fmt::format("{} has {} SPF records", domain, spf.size()));
      co_return std::nullopt;
    }
    auto parsed = parse_record(std::string_view(spf[0]).substr(6));
    if (!parsed) {
      o = error(Verdict::permerror, fmt::format("SPF record of {}: {}", domain, parsed.error().message));
      co_return std::nullopt;
    }
    co_return std::move(*parsed);
  }

  // Each of include, a, mx, ptr, exists and redirect counts toward the limit of 10.
  bool count_dns_term() { return ++dns_terms_ <= q_.limits.dns_mechanisms; }
  std::string too_many() const {
    return fmt::format("more than {} DNS-querying mechanisms", q_.limits.dns_mechanisms);
  }
  // A lookup that found nothing; false once more than the allowed number were void.
  bool count_void(const dns::Answer& a) {
    if (a.outcome != dns::Outcome::nodata && a.outcome != dns::Outcome::nxdomain) return true;
    return ++voids_ <= q_.limits.void_lookups;
  }
  std::string too_many_voids() const {
    return fmt::format("more than {} void DNS lookups", q_.limits.void_lookups);
  }

  asio::awaitable<MacroValues> values(const std::string& domain, const MacroString& m) {
    MacroValues v;
    v.sender = q_.sender;
    auto at = q_.sender.rfind('@');
    v.local_part = q_.sender.substr(0, at == std::string::npos ? 0 : at);
    v.sender_domain = q_.domain;
    v.domain = domain;
    v.ip = q_.ip;
    v.helo = q_.helo;
    v.receiver = q_.receiver;
    v.timestamp = q_.timestamp ? q_.timestamp : static_cast<long long>(std::time(nullptr));
    if (m.uses('p')) v.validated = co_await validated_name(domain);
    co_return v;
  }

  // The target of a mechanism or modifier: its domain-spec expanded, or the current domain.
  asio::awaitable<std::string> target(const std::optional<MacroString>& spec, const std::string& domain) {
    if (!spec) co_return domain;
    co_return expand_domain(*spec, co_await values(domain, *spec));
  }

  dns::Type address_type() const { return q_.ip.v6 ? dns::Type::AAAA : dns::Type::A; }

  bool in_network(const IpAddress& addr, const Directive& d) const {
    if (addr.v6 != q_.ip.v6) return false;
    Cidr c{addr, q_.ip.v6 ? d.cidr6 : d.cidr4};
    return c.contains(q_.ip);
  }

  // Looks up `name`'s addresses of the client's family: matched, not, or temperror.
  asio::awaitable<Step> address_match(const std::string& name, const Directive& d, bool count_void_answer) {
    dns::Answer a = co_await dns::async_lookup(r_, name, address_type());
    if (a.outcome == dns::Outcome::temporary)
      co_return failed(Verdict::temperror, fmt::format("DNS lookup of {} failed: {}", name, a.error));
    if (count_void_answer && !count_void(a)) co_return failed(Verdict::permerror, too_many_voids());
    auto addrs = dns::addresses(a);
    if (!addrs) co_return failed(Verdict::temperror, fmt::format("malformed address record at {}", name));
    for (const auto& x : *addrs)
      if (in_network(x, d)) co_return match();
    co_return no_match();
  }

  // ip4/ip6: an address of the other family never matches (the client's IPv4-mapped form
  // counts as IPv4), except that an ip6 network inside ::ffff:0:0/96 is that IPv4 network.
  bool network_match(const Directive& d) const {
    Cidr net{d.network, d.mechanism == Mechanism::ip6 ? d.cidr6 : d.cidr4};
    if (net.net.v6 && net.prefix >= 96 && net.net.unmapped().v6 == false) {
      net.net = net.net.unmapped();
      net.prefix -= 96;
    }
    return net.net.v6 == q_.ip.v6 && net.contains(q_.ip);
  }

  asio::awaitable<Step> evaluate(const Directive& d, const std::string& domain) {
    switch (d.mechanism) {
      case Mechanism::all: co_return match();
      case Mechanism::ip4:
      case Mechanism::ip6: co_return network_match(d) ? match() : no_match();
      default: break;
    }
    if (!count_dns_term()) co_return failed(Verdict::permerror, too_many());
    std::string name = co_await target(d.domain, domain);
    switch (d.mechanism) {
      case Mechanism::include: co_return co_await include(name);
      case Mechanism::a:
        if (!queryable(name)) co_return no_match();
        co_return co_await address_match(name, d, true);
      case Mechanism::mx: co_return co_await mx(name, d);
      case Mechanism::ptr: co_return co_await ptr(name);
      case Mechanism::exists: co_return co_await exists(name);
      default: co_return no_match();
    }
  }

  // §5.2: pass matches; fail, softfail and neutral do not; errors and none end the check.
  asio::awaitable<Step> include(const std::string& name) {
    Outcome o = co_await check(name);
    switch (o.verdict) {
      case Verdict::pass: co_return match();
      case Verdict::fail:
      case Verdict::softfail:
      case Verdict::neutral: co_return no_match();
      case Verdict::temperror: co_return failed(Verdict::temperror, o.problem);
      case Verdict::permerror: co_return failed(Verdict::permerror, o.problem);
      case Verdict::none: break;
    }
    co_return failed(Verdict::permerror, fmt::format("included domain {} has no SPF record", name));
  }

  asio::awaitable<Step> mx(const std::string& name, const Directive& d) {
    if (!queryable(name)) co_return no_match();
    dns::Answer a = co_await dns::async_lookup(r_, name, dns::Type::MX);
    if (a.outcome == dns::Outcome::temporary)
      co_return failed(Verdict::temperror, fmt::format("DNS lookup of {} MX failed: {}", name, a.error));
    if (!count_void(a)) co_return failed(Verdict::permerror, too_many_voids());
    auto mxs = dns::mx_records(a);
    if (!mxs) co_return failed(Verdict::temperror, fmt::format("malformed MX record at {}", name));
    // In preference order, at most mx_records exchanges are looked up: a match among them
    // stands, but needing an eleventh lookup is permerror (§4.6.4).
    std::stable_sort(mxs->begin(), mxs->end(), [](const dns::Mx& x, const dns::Mx& y) { return x.preference < y.preference; });
    size_t looked = 0;
    for (const auto& m : *mxs) {
      if (looked++ >= size_t(q_.limits.mx_records))
        co_return failed(Verdict::permerror, fmt::format("{} has more than {} MX records", name, q_.limits.mx_records));
      if (m.host.empty()) continue;  // null MX (RFC 7505)
      Step s = co_await address_match(m.host, d, false);
      if (s.error || s.matched) co_return s;
    }
    co_return no_match();
  }

  // §5.5: the client's validated names (at most ptr_names of them are tried); DNS errors
  // only drop a name.
  asio::awaitable<std::vector<std::string>> validated_names(bool count_void_answer, bool& too_many_void) {
    std::vector<std::string> out;
    dns::Answer a = co_await dns::async_lookup(r_, dns::reverse_name(q_.ip), dns::Type::PTR);
    if (count_void_answer && !count_void(a)) {
      too_many_void = true;
      co_return out;
    }
    auto names = dns::names(a);
    if (!a.has_data() || !names) co_return out;
    size_t tried = 0;
    for (const auto& n : *names) {
      if (tried++ >= size_t(q_.limits.ptr_names)) break;
      if (!queryable(n)) continue;
      dns::Answer addr = co_await dns::async_lookup(r_, n, address_type());
      auto addrs = dns::addresses(addr);
      if (!addr.has_data() || !addrs) continue;
      for (const auto& x : *addrs)
        if (x == q_.ip) {
          out.push_back(n);
          break;
        }
    }
    co_return out;
  }

  asio::awaitable<Step> ptr(const std::string& name) {
    bool voids = false;
    auto names = co_await validated_names(true, voids);
    if (voids) co_return failed(Verdict::permerror, too_many_voids());
    for (const auto& n : names)
      if (ends_with_domain(n, name)) co_return match();
    co_return no_match();
  }

  // %{p} (§7.3): a validated name, preferring the domain itself, then one below it.
  asio::awaitable<std::string> validated_name(const std::string& domain) {
    if (!p_) {
      bool voids = false;
      p_ = co_await validated_names(false, voids);
    }
    for (const auto& n : *p_)
      if (iequals(n, domain)) co_return n;
    for (const auto& n : *p_)
      if (ends_with_domain(n, domain)) co_return n;
    co_return p_->empty() ? std::string("unknown") : p_->front();
  }

  asio::awaitable<Step> exists(const std::string& name) {
    if (!queryable(name)) co_return no_match();
    dns::Answer a = co_await dns::async_lookup(r_, name, dns::Type::A);
    if (a.outcome == dns::Outcome::temporary)
      co_return failed(Verdict::temperror, fmt::format("DNS lookup of {} failed: {}", name, a.error));
    if (!count_void(a)) co_return failed(Verdict::permerror, too_many_voids());
    co_return a.has_data() ? match() : no_match();
  }

  // §6.1: the target's result is the result; a target without a record is permerror.
  asio::awaitable<Outcome> redirect(const MacroString& spec, const std::string& domain) {
    if (!count_dns_term()) co_return error(Verdict::permerror, too_many());
    std::string name = co_await target(spec, domain);
    Outcome o = co_await check(name);
    if (o.verdict == Verdict::none)
      co_return error(Verdict::permerror, fmt::format("redirect target {} has no SPF record", name));
    co_return o;
  }

  // §6.2: the explanation; any trouble with it means the default explanation.
  asio::awaitable<std::string> explain(const std::optional<MacroString>& exp, const std::string& domain) {
    if (exp) {
      std::string name = co_await target(exp, domain);
      if (queryable(name)) {
        dns::Answer a = co_await dns::async_lookup(r_, name, dns::Type::TXT);
        auto txts = dns::txt_strings(a);
        if (a.has_data() && txts && txts->size() == 1) {
          auto text = parse_macro_string((*txts)[0], MacroUse::explanation);
          if (text) co_return expand(*text, co_await values(domain, *text));
        }
      }
    }
    co_return co_await default_explanation(domain);
  }

  dns::Resolver& r_;
  const Query& q_;
  int dns_terms_ = 0;
  int voids_ = 0;
  std::optional<std::vector<std::string>> p_;
};

// A Resolver whose start() answers with the wrapped resolver's blocking lookup(), posted
// to the private io_context check_host_blocking() runs.
class BlockingBridge : public dns::Resolver {
 public:
  BlockingBridge(dns::Resolver& inner, asio::io_context& io) : inner_(inner), io_(io) {}
  dns::Answer lookup(std::string_view name, dns::Type type) override { return inner_.lookup(name, type); }
  void start(std::string_view name, dns::Type type, Done done) override {
    asio::post(io_, [done = std::move(done), a = inner_.lookup(name, type)]() mutable { done(std::move(a)); });
  }

 private:
  dns::Resolver& inner_;
  asio::io_context& io_;
};

std::string without_trailing_dot(std::string_view s) {
  if (!s.empty() && s.back() == '.') s.remove_suffix(1);
  return std::string(s);
}

}  // namespace

std::string_view identity_name(Identity i) { return i == Identity::helo ? "helo" : "mailfrom"; }

bool valid_domain(std::string_view domain) {
  if (!domain.empty() && domain.back() == '.') domain.remove_suffix(1);
  if (domain.empty() || domain.front() == '[' || domain.find('.') == std::string_view::npos) return false;
  return queryable(domain);
}

Query mail_from_query(const IpAddress& ip, std::string_view mail_from, std::string_view helo) {
  if (mail_from.empty()) return helo_query(ip, helo);
  Query q;
  q.ip = ip.unmapped();
  q.identity = Identity::mailfrom;
  auto at = mail_from.rfind('@');
  std::string_view local = at == std::string_view::npos ? std::string_view() : mail_from.substr(0, at);
  std::string_view domain = at == std::string_view::npos ? mail_from : mail_from.substr(at + 1);
  q.domain = without_trailing_dot(domain);
  q.sender = (local.empty() ? std::string("postmaster") : std::string(local)) + "@" + q.domain;
  q.helo = std::string(helo);
  return q;
}

Query helo_query(const IpAddress& ip, std::string_view helo) {
  Query q;
  q.ip = ip.unmapped();
  q.identity = Identity::helo;
  q.domain = without_trailing_dot(helo);
  q.sender = "postmaster@" + q.domain;
  q.helo = std::string(helo);
  return q;
}

asio::awaitable<Outcome> check_host(dns::Resolver& resolver, Query query) {
  query.ip = query.ip.unmapped();
  Evaluator e(resolver, query);
  co_return co_await e.check(query.domain);
}

Outcome check_host_blocking(dns::Resolver& resolver, Query query) {
  asio::io_context io;
  BlockingBridge bridge(resolver, io);
  Outcome result;
  std::exception_ptr failure;
  asio::co_spawn(io, check_host(bridge, std::move(query)), [&](std::exception_ptr e, Outcome o) {
    failure = e;
    result = std::move(o);
  });
  io.run();
  if (failure) std::rethrow_exception(failure);
  return result;
}

}  // namespace tern::spf
