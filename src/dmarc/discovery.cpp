#include "dmarc/discovery.hpp"

#include <fmt/format.h>

#include "base/strings.hpp"
#include "dns/await.hpp"
#include "dns/rdata.hpp"

namespace tern::dmarc {

namespace {

// RFC 9989 §4.10 step 5: names longer than this jump to this many labels.
constexpr size_t kWalkMaxLabels = 7;

Lookup judge(const dns::Answer& a) {
  using S = Lookup::Status;
  switch (a.outcome) {
    case dns::Outcome::temporary:
      return {S::temperror, std::nullopt, a.error.empty() ? "DNS lookup failed" : a.error};
    case dns::Outcome::nxdomain:
    case dns::Outcome::nodata:
      return {S::none, std::nullopt, std::string(dns::outcome_name(a.outcome))};
    case dns::Outcome::data:
      break;
  }
  auto txts = dns::txt_strings(a);
  if (!txts) return {S::none, std::nullopt, "malformed TXT record: " + txts.error().message};
  std::vector<const std::string*> dmarc;
  for (const auto& t : *txts)
    if (is_dmarc_record(t)) dmarc.push_back(&t);
  if (dmarc.empty()) return {S::none, std::nullopt, "no v=DMARC1 record"};
  if (dmarc.size() > 1) return {S::none, std::nullopt, fmt::format("{} DMARC records, all discarded", dmarc.size())};
  auto r = parse_record(*dmarc.front());
  if (!r) return {S::none, std::nullopt, "invalid record: " + r.error().message};
  return {S::record, std::move(*r), ""};
}

}  // namespace

std::string normalize_domain(std::string_view d) {
  if (!d.empty() && d.back() == '.') d.remove_suffix(1);
  return lower(d);
}

size_t label_count(std::string_view d) {
  if (d.empty()) return 0;
  size_t n = 1;
  for (char c : d) n += c == '.';
  return n;
}

std::string last_labels(std::string_view d, size_t n) {
  size_t total = label_count(d);
  if (n >= total) return std::string(d);
  size_t pos = 0;
  for (size_t skip = total - n; skip > 0; --skip) pos = d.find('.', pos) + 1;
  return std::string(d.substr(pos));
}

std::vector<std::string> walk_targets(std::string_view domain) {
  std::string d = normalize_domain(domain);
  std::vector<std::string> out;
  size_t x = label_count(d);
  if (x == 0) return out;
  out.push_back(d);
  for (size_t n = std::min(x - 1, kWalkMaxLabels); n >= 1; --n) out.push_back(last_labels(d, n));
  return out;
}

asio::awaitable<Lookup> Discoverer::lookup(std::string domain) {
  domain = normalize_domain(domain);
  if (auto it = cache_.find(domain); it != cache_.end()) co_return it->second;
  std::string name = "_dmarc." + domain;
  queried_.push_back(name);
  dns::Answer a = co_await dns::async_lookup(resolver_, name, dns::Type::TXT);
  Lookup l = judge(a);
  cache_[domain] = l;
  co_return l;
}

asio::awaitable<PolicyFound> Discoverer::policy(std::string author) {
  author = normalize_domain(author);
  if (method_ == Method::rfc9989) co_return co_await walk_policy(author);
  // RFC 7489 §6.6.3: the name's own record, else the Organizational Domain's.
  const std::vector<std::string> names{author, psl_org(author)};
  for (const std::string& d : names) {
    Lookup l = co_await lookup(d);
    if (l.status == Lookup::Status::temperror) co_return PolicyFound{true, l.note, d, std::nullopt};
    if (l.status == Lookup::Status::record) co_return PolicyFound{false, "", d, std::move(l.record)};
  }
  co_return PolicyFound{};
}

asio::awaitable<PolicyFound> Discoverer::walk_policy(const std::string& domain) {
  for (const std::string& d : walk_targets(domain)) {
    Lookup l = co_await lookup(d);
    if (l.status == Lookup::Status::temperror) co_return PolicyFound{true, l.note, d, std::nullopt};
    if (l.status == Lookup::Status::record) co_return PolicyFound{false, "", d, std::move(l.record)};
  }
  co_return PolicyFound{};
}

asio::awaitable<OrgDomain> Discoverer::organizational_domain(std::string domain) {
  domain = normalize_domain(domain);
  if (method_ == Method::psl) co_return OrgDomain{false, "", psl_org(domain)};
  co_return co_await walk_org(domain);
}

asio::awaitable<OrgDomain> Discoverer::walk_org(const std::string& domain) {
  std::string highest;  // the record without psd= found at the fewest labels so far
  for (const std::string& d : walk_targets(domain)) {
    Lookup l = co_await lookup(d);
    if (l.status == Lookup::Status::temperror) co_return OrgDomain{true, l.note, ""};
    if (l.status != Lookup::Status::record) continue;
    if (l.record->psd == Psd::no) co_return OrgDomain{false, "", d};
    if (l.record->psd == Psd::yes) {
      // The name one label below the public suffix domain; a walk that starts at a PSD
      // has nothing below it, so the name is its own Organizational Domain.
      if (d == domain) co_return OrgDomain{false, "", d};
      co_return OrgDomain{false, "", last_labels(domain, label_count(d) + 1)};
    }
    highest = d;
  }
  co_return OrgDomain{false, "", highest.empty() ? domain : highest};
}

std::string Discoverer::psl_org(const std::string& domain) const {
  if (!psl_) return domain;
  auto r = psl_->registrable_domain(domain);
  return r ? *r : domain;
}

}  // namespace tern::dmarc
