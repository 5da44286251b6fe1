// policyd-weight's weighted check; see reputation_check.hpp. The section comments name
// the part of policyd-weight's weighted_check each step follows.
#include "policy/reputation_check.hpp"

#include <fmt/format.h>

#include <algorithm>

#include "base/strings.hpp"
#include "dns/await.hpp"
#include "dns/blocking.hpp"
#include "dns/rdata.hpp"
#include "policy/reputation_names.hpp"

namespace tern::policy::reputation {

namespace {

using C = Check;

bool contains(std::string_view hay, std::string_view needle) { return hay.find(needle) != std::string_view::npos; }

class Evaluation {
 public:
  Evaluation(dns::Resolver& r, const Scores& s, const Limits& l, Client c) : r_(r), s_(s), l_(l), c_(std::move(c)) {
    ip_ = address_text(c_.ip);
    if (!c_.ip.v6) {
      auto f = split_any(ip_, ".");
      subip16_ = fmt::format("{}.{}.", f[0], f[1]);
      subip_ = fmt::format("{}{}.", subip16_, f[2]);
    } else {
      subip16_ = ip_.substr(0, 15);
      subip_ = ip_.substr(0, 20);
    }
    from_ = stripped_sender(c_.sender);
    auto at = c_.sender.rfind('@');
    from_domain_ = at == std::string::npos ? "" : c_.sender.substr(at + 1);
  }

  asio::awaitable<Report> run(std::optional<double> cached_rate) {
    // (No co_await inside an if condition: GCC 12 miscompiles it in member coroutines.)
    bool stop = co_await dnsbls();
    if (stop) co_return std::move(rep_);
    if (cached_rate && rep_.dnsbl_hits < 1) {
      rep_.outcome = Outcome::cached_pass;
      rep_.rate = *cached_rate;
      co_return std::move(rep_);
    }
    stop = co_await helo_and_from();
    if (stop) co_return std::move(rep_);
    helo_numeric();
    from_vs_helo();
    co_await reverse_names();
    client_dialup();
    reverse_vs_helo();
    helo_dialup();
    anonymous_sender();
    client_vs_from_domain();
    multiparted_domain();
    random_sender();
    stop = co_await rhsbls();
    if (stop) co_return std::move(rep_);
    rep_.rate = perl_round(rate_);
    if (dnserr_ && rep_.dnsbl_hits < 2) rep_.outcome = Outcome::no_dns;
    rep_.helo_trusted = helo_ok_ == 1 || helo_untrusted_ok_;
    rep_.cacheable_by_client = rep_.dnsbl_hits >= 1 || client_seems_dialup_ || helo_ok_ != 1;
    co_return std::move(rep_);
  }

 private:
  // address_stripped(): "foo+bar@baz" and "foo-bar@baz" count as "foo@baz".
  static std::string stripped_sender(const std::string& s) {
    auto at = s.rfind('@');
    if (at == std::string::npos) return s;
    auto cut = s.find_first_of("+-");
    if (cut == std::string::npos || cut > at) return s;
    return s.substr(0, cut) + s.substr(at);
  }

  void add(std::string name, double score, bool err = false) {
    rep_.entries.push_back({std::move(name), score, err});
    rate_ += score;
  }

  // A lookup that failed counts towards MAXDNSERR; true when that limit is reached.
  bool dns_failure() {
    if (++dns_errors_ < l_.max_dns_errors) return false;
    rep_.outcome = Outcome::dns_trouble;
    rep_.rate = perl_round(rate_);
    return true;
  }

  // Listed (1), not listed (0), or the lookup failed (-1).
  asio::awaitable<int> listed(std::string name) {
    if (!valid_query_name(name)) co_return 0;
    dns::Answer a = co_await dns::async_lookup(r_, std::move(name), dns::Type::A);
    if (a.outcome == dns::Outcome::temporary) co_return -1;
    co_return a.has_data() && !a.rdata.empty() ? 1 : 0;
  }

  // A/AAAA of `name` as address texts; nullopt when the lookup failed.
  asio::awaitable<std::optional<std::vector<std::string>>> addresses(std::string name, dns::Type t) {
    std::vector<std::string> out;
    if (!valid_query_name(name) || cannot_exist(name)) co_return out;
    dns::Answer a = co_await dns::async_lookup(r_, std::move(name), t);
    if (a.outcome == dns::Outcome::temporary) co_return std::nullopt;
    if (auto ips = dns::addresses(a); ips)
      for (const auto& ip : *ips) out.push_back(address_text(ip));
    co_return out;
  }

  // ---- DNSBL check
  asio::awaitable<bool> dnsbls() {
    const std::string rev = reversed(c_.ip);
    for (const auto& bl : s_.dnsbl) {
      int answer = co_await listed(rev + "." + bl.zone);
      if (answer < 0) {
        if (dns_failure()) co_return true;
        add(bl.log_name, bl.miss, true);
        continue;
      }
      if (answer == 0) {
        if (bl.miss != 0) add("NOT_IN_" + bl.log_name, bl.miss);
        else rate_ += bl.miss;
        continue;
      }
      add("IN_" + bl.log_name, bl.hit);
      total_dnsbl_ += bl.hit;
      if (contains(lower(bl.log_name), "dyn")) client_seems_dialup_ = true;
      if (bl.hit <= 0) continue;  // a whitelist, not a block list
      ++rep_.dnsbl_hits;
      if (rep_.dnsbl_hits > l_.max_dnsbl_hits || total_dnsbl_ > l_.max_dnsbl_score) {
        rep_.outcome = Outcome::dnsbl_limit;
        rep_.rate = perl_round(rate_);
        co_return true;
      }
    }
    co_return false;
  }

  // ---- HELO/FROM DNS checks: the sender domain's and the HELO's MX and A records (and
  // their parents' down to two labels) against the client address.
  asio::awaitable<bool> helo_and_from() {
    squared_helo_ = is_squared(c_.helo);
    if (squared_helo_) helo_ok_ = 1;
    if (auto lit = IpAddress::parse(from_domain_); lit && !lit->v6 && lit->to_string() == from_domain_ && *lit == c_.ip) {
      from_addresses_.push_back(from_domain_);
      found_ = true;
      helo_ok_ = 1;
    }
    addresses_.push_back(c_.helo);
    auto at = from_.rfind('@');
    const std::string names[2] = {at == std::string::npos ? std::string() : from_.substr(at + 1), c_.helo};
    for (int which = 0; which < 2; ++which) {
      const bool from = which == 0;
      const std::string type = from ? "FROM" : "HELO";
      auto parts = split_any(names[which], ".");
      for (size_t first = 0; parts.size() >= first + 2; ++first) {
        std::string name;
        for (size_t i = first; i < parts.size(); ++i) name += (i > first ? "." : "") + std::string(parts[i]);
        if (contains(name, "[") || contains(name, "]")) continue;
        bool stop = co_await level(name, from, type);
        if (stop) co_return true;
        if (found_) break;
      }
      if (found_) break;
    }
    if (!found_ && recs_found_) {
      auto starts = [this](const std::string& prefix) {
        return std::any_of(addresses_.begin(), addresses_.end(), [&](const std::string& a) { return a.rfind(prefix, 0) == 0; });
      };
      if (starts(subip_)) {
        add("HELO_IP_IN_CL_SUBNET", s_[C::helo_ip_in_client_subnet].miss);
        helo_ok_ = 1;
        found_ = true;
      } else if (starts(subip16_)) {
        add("HELO_IP_IN_CL16_SUBNET", s_[C::helo_ip_in_cl16_subnet].miss);
        helo_untrusted_ok_ = true;
        do_reverse_check_ = true;
        found_ = true;
      }
      if (!found_ && helo_ok_ != 1 && !squared_helo_) {
        add("CL_IP_NE_HELO", s_[C::helo].hit + total_dnsbl_);
        helo_ok_ = 2;
      }
    } else if (!found_) {
      add("NO_MX_A_RECS_FOUND", s_[C::helo].hit - 0.1);
      helo_ok_ = 2;
    }
    co_return false;
  }

  // One name: its MX hosts' addresses, then its own.
  asio::awaitable<bool> level(const std::string& name, bool from, const std::string& type) {
    dns::Answer mx;
    if (cannot_exist(name)) mx.outcome = dns::Outcome::nxdomain;
    else mx = co_await dns::async_lookup(r_, name, dns::Type::MX);
    if (mx.outcome == dns::Outcome::temporary) co_return dns_failure();
    recs_found_ = true;
    auto hosts = dns::mx_records(mx);
    for (const auto& m : hosts ? *hosts : std::vector<dns::Mx>{}) {
      for (auto t : {dns::Type::A, dns::Type::AAAA}) {
        auto addrs = co_await addresses(m.host, t);
        if (!addrs) {
          if (dns_failure()) co_return true;
          continue;
        }
        for (const auto& a : *addrs) {
          if (from) {
            mx_names_ += "." + m.host + " ";
            from_addresses_.push_back(a);
          }
          addresses_.push_back(a);
          if (a == ip_) {
            add("CL_IP_EQ_" + type + "_MX", s_[C::helo_from_mx_eq_ip].miss);
            found_ = true;
            if (from) is_mx_ = true;
            helo_ok_ = 1;
            mx_ok_ = true;
            break;
          }
        }
      }
      if (found_) break;
    }
    if (from && !bad_mx_ && bogus_from_addresses()) bad_mx_ = true;
    if (!found_) {
      for (auto t : {dns::Type::A, dns::Type::AAAA}) {
        auto addrs = co_await addresses(name, t);
        if (!addrs) {
          if (dns_failure()) co_return true;
          continue;
        }
        for (const auto& a : *addrs) {
          if (from) from_addresses_.push_back(a);
          addresses_.push_back(a);
          if (a == ip_) {
            found_ = true;
            helo_ok_ = 1;
            add("CL_IP_EQ_" + type + "_IP", s_[C::helo].miss);
            bad_mx_ = false;
            if (from) ip_eq_from_ = true;
            break;
          }
        }
      }
    }
    if (bad_mx_ && !bad_mx_scored_) {
      if (double score = s_[C::bogus_mx].hit * total_dnsbl_; score != 0) {
        add("BAD_MX", score);
        bad_mx_scored_ = true;
      }
    }
    if (from && !bogus_mx_ && bogus_from_addresses()) {
      double score = s_[C::bogus_mx].hit + total_dnsbl_;
      add("BOGUS_MX", score);
      bogus_mx_ = true;
      bogus_mx_penalty_ = score;
    }
    co_return false;
  }

  // The sender domain has no addresses so far, or one in 127/8, 10/8, 172.16/12, 192.168/16.
  bool bogus_from_addresses() const {
    bool any_digit = false;
    for (const auto& a : from_addresses_) {
      if (std::any_of(a.begin(), a.end(), [](char ch) { return ch >= '0' && ch <= '9'; })) any_digit = true;
      if (a.rfind("127.", 0) == 0 || a.rfind("192.168.", 0) == 0 || a.rfind("10.", 0) == 0) return true;
      if (a.rfind("172.", 0) == 0) {
        auto second = parse_int(a.substr(4, a.find('.', 4) - 4));
        if (second && *second >= 16 && *second <= 31) return true;
      }
    }
    return !any_digit;
  }

  // "[a.b.c.d]" naming the client itself.
  bool is_squared(const std::string& helo) const {
    if (helo.size() < 9 || helo.front() != '[' || helo.back() != ']') return false;
    auto ip = IpAddress::parse(std::string_view(helo).substr(1, helo.size() - 2));
    return ip && !ip->v6 && *ip == c_.ip;
  }

  // ---- HELO numeric check
  void helo_numeric() {
    if (!numeric_helo(c_.helo)) return;
    const double h = s_[C::helo_numeric].hit;
    numeric_score_ = perl_round(h + h * total_dnsbl_);
    add("HELO_NUMERIC", numeric_score_);
  }

  // ---- FROM domain vs HELO check (skipped when the client is the sender domain's MX)
  void from_vs_helo() {
    if (is_mx_) return;
    std::string from = from_;
    if (auto at = from.rfind('@'); at != std::string::npos) from.erase(0, at + 1);
    from = "." + strip_suffix(from, true) + ".";
    std::string helo_core = strip_suffix(c_.helo, false);
    const std::string helo_domain = "." + last_label(helo_core) + ".";
    helo_core = "." + helo_core + ".";
    const bool names_match = contains(helo_core, from) || contains(from, helo_core) || contains(mx_names_, helo_domain);
    const double pen2 = bogus_mx_penalty_ * bogus_mx_penalty_;
    if (helo_ok_ == 1) {
      if (names_match || has(from_addresses_, ip_)) {
        add("FROM/MX_MATCHES_HELO(DOMAIN)", s_[C::from_match_regex_verified_helo].miss);
      } else {
        add("FROM/MX_MATCHES_NOT_HELO(DOMAIN)",
            perl_round(s_[C::from_match_regex_verified_helo].hit + total_dnsbl_ / 4 + pen2 + numeric_score_));
        do_client_from_check_ = true;
      }
    } else if (contains(c_.client_name, from) && !squared_helo_) {
      add("CL_HOSTNAME_MATCHES_FROM(DOMAIN)", s_[C::helo_ip_in_client_subnet].miss);
      helo_ok_ = 1;
      do_reverse_check_ = false;
      do_client_from_check_ = false;
      helo_untrusted_ok_ = false;
    } else if (helo_untrusted_ok_ && !squared_helo_) {
      if (names_match || contains(c_.client_name, from)) {
        add("FROM/MX_MATCHES_UNVR_HELO(DOMAIN)_OR_CL_NAME(DOMAIN)", s_[C::from_match_regex_unverified_helo].miss);
      } else {
        add("FROM/MX_MATCHES_NOT_UNVR_HELO(DOMAIN)_NOR_CL_NAME(DOMAIN)",
            s_[C::from_match_regex_unverified_helo].hit + total_dnsbl_ + pen2);
        do_client_from_check_ = true;
      }
    } else if (contains(helo_core, from) || contains(from, helo_core)) {
      add("MAIL_SEEMS_FORGED", s_[C::from_match_regex_failed_helo].hit);
    } else {
      add("FROM_NOT_FAILED_HELO(DOMAIN)", s_[C::from_match_regex_failed_helo].hit + 0.5 + total_dnsbl_);
    }
  }

  static bool has(const std::vector<std::string>& v, const std::string& x) {
    return std::find(v.begin(), v.end(), x) != v.end();
  }

  // ---- the client's PTR names (a failed lookup counts as none)
  asio::awaitable<void> reverse_names() {
    dns::Answer a = co_await dns::async_lookup(r_, dns::reverse_name(c_.ip), dns::Type::PTR);
    if (auto n = dns::names(a); n)
      for (auto& name : *n) reverse_.push_back(lower(name));
  }

  // ---- Reverse IP == dynhost check
  void client_dialup() {
    if (client_seems_dialup_ || mx_ok_) return;
    for (const auto& rev : reverse_) {
      if (server_like(rev)) break;
      if (dialup_like(rev) || address_in_name(c_.helo)) {
        client_seems_dialup_ = true;
        total_dnsbl_ += s_[C::client_seems_dialup].hit;
        add("CL_SEEMS_DIALUP", s_[C::client_seems_dialup].hit);
        break;
      }
    }
  }

  // ---- Reverse IP == HELO check
  void reverse_vs_helo() {
    if (!((helo_ok_ != 1 && !helo_untrusted_ok_) || do_reverse_check_)) return;
    bool found = false;
    for (auto rev : reverse_) {
      while (!rev.empty() && rev.back() == '.') rev.pop_back();
      if (rev == c_.helo) {
        add("REV_IP_EQ_HELO", s_[C::client_ip_eq_helo].miss);
        found = true;
        break;
      }
      const std::string rrev(rev.rbegin(), rev.rend()), rhelo(c_.helo.rbegin(), c_.helo.rend());
      if (has_label_text(rrev, second_label(rhelo)) || has_label_text(rhelo, second_label(rrev))) {
        add("REV_IP_EQ_HELO_DOMAIN", s_[C::client_ip_eq_helo].miss);
        found = true;
        break;
      }
    }
    if (reverse_.empty() && !recs_found_) {
      add("NO_DNS_RECORDS", 0.5);
      dnserr_ = true;
    }
    if (!found && !squared_helo_) add("RESOLVED_IP_IS_NOT_HELO", s_[C::client_ip_eq_helo].hit);
    else helo_untrusted_ok_ = c_.client_name.empty() || c_.client_name == "unknown";
  }

  // ---- HELO dialup check
  void helo_dialup() {
    const double enforce = s_[C::enforce_dyndns].hit;
    if (!((enforce != 0 || !client_seems_dialup_) && !mx_ok_ && !ip_eq_from_)) return;
    if (server_like(c_.helo)) return;
    if (!(dialup_like(c_.helo) || address_in_name(c_.helo))) return;
    rep_.dyndns_note = "; Please use DynDNS";
    if (helo_ok_ == 1) add("HELO_SEEMS_DIALUP", s_[C::helo_seems_dialup].hit + enforce);
    else add("NOK_HELO_SEEMS_DIALUP", s_[C::failed_helo_seems_dialup].hit + enforce);
  }

  // ---- From has nobody/anonymous user
  void anonymous_sender() {
    if (contains(from_, "nobody@") || contains(from_, "anonymous@"))
      add("FROM_NBDY_ANON", s_[C::from_anon].hit + total_dnsbl_ + numeric_score_);
  }

  // ---- client == MX/A of the FROM domain (only for DNSBL-listed clients)
  void client_vs_from_domain() {
    if (mx_ok_ || !do_client_from_check_ || rep_.dnsbl_hits <= 0 || squared_helo_) return;
    if (has(from_addresses_, ip_)) return;
    double score = s_[C::helo_from_mx_eq_ip].hit + total_dnsbl_;
    rep_.relay_note = "; please relay via your ISP (" + from_domain_ + ")";
    add("CLIENT_NOT_MX/A_FROM_DOMAIN", score);
    bool same_24 = std::any_of(from_addresses_.begin(), from_addresses_.end(),
                               [&](const std::string& a) { return a.rfind(subip_, 0) == 0; });
    if (!same_24) add("CLIENT/24_NOT_MX/A_FROM_DOMAIN", score);
  }

  // ---- From domain multiparted check: a sender domain of three or more labels from a
  // client that matched nothing
  void multiparted_domain() {
    if (helo_ok_ != 0 || mx_ok_ || rate_ >= l_.reject_level) return;
    auto at = from_.find('@');
    if (at == std::string::npos) return;
    auto first_dot = from_.find('.', at);
    if (first_dot == std::string::npos || from_.find('.', first_dot + 1) == std::string::npos) return;
    add("FROM_MULTIPARTED", s_[C::from_multiparted].hit + total_dnsbl_);
  }

  // ---- Random sender check
  void random_sender() {
    if (rate_ >= l_.reject_level || !random_local_part(from_)) return;
    const double r = s_[C::random_sender].hit;
    add("RANDOM_SENDER", total_dnsbl_ + total_dnsbl_ * r + r);
    rhsbl_penalty_ = s_[C::rhsbl_penalty].hit * r;
  }

  // ---- rhsbl check (only while the client is still under the reject level)
  asio::awaitable<bool> rhsbls() {
    if (rate_ >= l_.reject_level) co_return false;
    auto at = from_.find('@');
    const std::string domain = at == std::string::npos ? "" : from_.substr(at + 1);
    if (do_client_from_check_ || helo_untrusted_ok_ || bogus_mx_) rhsbl_penalty_ += s_[C::rhsbl_penalty].hit;
    for (const auto& bl : s_.rhsbl) {
      int answer = co_await listed(domain + "." + bl.zone);
      if (answer < 0) {
        if (dns_failure()) co_return true;
        continue;
      }
      if (answer == 0) continue;
      double score = perl_round(bl.hit + rhsbl_penalty_ + total_dnsbl_ / 2);
      rep_.entries.push_back({"IN_" + bl.log_name, score, false});
      rate_ = perl_round(rate_ + score);
      rep_.rhsbl_note += "; in " + bl.zone;
    }
    co_return false;
  }

  dns::Resolver& r_;
  const Scores& s_;
  const Limits& l_;
  Client c_;
  Report rep_;
  std::string ip_, subip_, subip16_, from_, from_domain_;
  double rate_ = 0, total_dnsbl_ = 0, numeric_score_ = 0, bogus_mx_penalty_ = 0, rhsbl_penalty_ = 0;
  long long dns_errors_ = 0;
  int helo_ok_ = 0;  // 0 no, 1 verified, 2 failed
  bool helo_untrusted_ok_ = false, mx_ok_ = false, is_mx_ = false, ip_eq_from_ = false;
  bool found_ = false, recs_found_ = false, squared_helo_ = false, do_reverse_check_ = false;
  bool do_client_from_check_ = false, client_seems_dialup_ = false, dnserr_ = false;
  bool bad_mx_ = false, bad_mx_scored_ = false, bogus_mx_ = false;
  std::vector<std::string> addresses_, from_addresses_, reverse_;
  std::string mx_names_;
};

}  // namespace

std::string perl_number(double v) {
  if (v == 0) return "0";
  return fmt::format("{:.15g}", v);
}

double perl_round(double v) {
  std::string s = perl_number(v);
  auto n = s.find('.');
  if (n == std::string::npos || n == 0) return v;
  if (s.find('-') != std::string::npos) --n;
  return std::stod(fmt::format("{:.{}g}", v, n + 3));
}

std::string Entry::text() const {
  return dns_error ? fmt::format("{}=ERR({})", name, perl_number(score)) : fmt::format("{}={}", name, perl_number(score));
}

std::string Report::explanation() const {
  std::string out;
  for (const auto& e : entries) {
    if (!out.empty()) out += ' ';
    out += e.text();
  }
  return out;
}

asio::awaitable<Report> evaluate(dns::Resolver& resolver, const Scores& scores, const Limits& limits, Client client,
                                 std::optional<double> cached_rate) {
  Evaluation e(resolver, scores, limits, std::move(client));
  co_return co_await e.run(cached_rate);
}

Report evaluate_blocking(dns::Resolver& resolver, const Scores& scores, const Limits& limits, Client client) {
  return dns::run_blocking(resolver, [&](dns::Resolver& r) { return evaluate(r, scores, limits, client); });
}

}  // namespace tern::policy::reputation
