#include "dmarc/evaluate.hpp"

#include "dmarc/author.hpp"
#include "dns/await.hpp"

namespace tern::dmarc {

namespace {

enum class Align { yes, no, temperror };

// The last label of each name: names in different TLDs never share an organization, so
// no lookup is needed to say so.
bool same_tld(const std::string& a, const std::string& b) { return last_labels(a, 1) == last_labels(b, 1); }

asio::awaitable<Align> aligned(Discoverer& disc, std::string ident, const std::string& author, Alignment mode) {
  ident = normalize_domain(ident);
  if (ident.empty()) co_return Align::no;
  if (ident == author) co_return Align::yes;
  if (mode == Alignment::strict || !same_tld(ident, author)) co_return Align::no;
  OrgDomain a = co_await disc.organizational_domain(author);
  OrgDomain b = co_await disc.organizational_domain(ident);
  if (a.temperror || b.temperror) co_return Align::temperror;
  co_return a.domain == b.domain ? Align::yes : Align::no;
}

// No A, AAAA or MX: the name does not exist for np= (a DNS failure counts as existing).
asio::awaitable<bool> nonexistent(dns::Resolver& r, const std::string& domain) {
  for (dns::Type t : {dns::Type::A, dns::Type::AAAA, dns::Type::MX}) {
    dns::Answer a = co_await dns::async_lookup(r, domain, t);
    if (a.outcome != dns::Outcome::nxdomain && a.outcome != dns::Outcome::nodata) co_return false;
  }
  co_return true;
}

Policy one_step_less(Policy p) {
  return p == Policy::reject ? Policy::quarantine : Policy::none;
}

// Sets spf_aligned/dkim_aligned; true when an aligned candidate could not be checked
// (a DNS failure in alignment, or a temperror from SPF or DKIM for an aligned domain).
asio::awaitable<bool> check_alignment(Discoverer& disc, const Input& in, Verdict& v) {
  bool unsure = false;
  const Record& rec = *v.record;
  // Only a pass (or a temperror that might have been one) can count: others cost no lookups.
  if (in.spf.result == SpfResult::pass || in.spf.result == SpfResult::temperror) {
    Align s = co_await aligned(disc, in.spf.domain, v.from_domain, rec.aspf);
    if (s == Align::temperror) unsure = true;
    if (s == Align::yes && in.spf.result == SpfResult::pass) v.spf_aligned = true;
    if (s == Align::yes && in.spf.result == SpfResult::temperror) unsure = true;
  }
  for (const DkimInput& d : in.dkim) {
    if (d.result != DkimResult::pass && d.result != DkimResult::temperror) continue;
    Align k = co_await aligned(disc, d.domain, v.from_domain, rec.adkim);
    if (k == Align::temperror) unsure = true;
    if (k != Align::yes) continue;
    if (d.result == DkimResult::temperror) {
      unsure = true;
    } else if (!v.dkim_aligned) {
      v.dkim_aligned = true;
      v.dkim_domain = normalize_domain(d.domain);
    }
  }
  co_return unsure;
}

asio::awaitable<Verdict> evaluate_domain(dns::Resolver& r, Discoverer& disc, const Input& in, std::string author) {
  Verdict v;
  v.from_domain = author;
  PolicyFound found = co_await disc.policy(author);
  if (found.temperror) {
    v.result = Outcome::temperror;
    v.reason = "policy lookup for " + found.domain + " failed: " + found.error;
    co_return v;
  }
  if (!found.record) {
    v.reason = "no DMARC policy for " + author;
    co_return v;
  }
  v.policy_domain = found.domain;
  v.record = std::move(found.record);
  const Record& rec = *v.record;
  bool unsure = co_await check_alignment(disc, in, v);
  if (v.spf_aligned || v.dkim_aligned) {
    v.result = Outcome::pass;
  } else if (unsure) {
    v.result = Outcome::temperror;
    v.reason = "an aligned identifier could not be checked (DNS failure)";
  } else {
    v.result = Outcome::fail;
  }
  if (v.policy_domain == author) {
    v.policy = rec.p;
  } else {
    bool absent = rec.np && v.result == Outcome::fail && co_await nonexistent(r, author);
    v.policy = absent ? *rec.np : rec.sp.value_or(rec.p);
  }
  v.applied = rec.testing ? one_step_less(v.policy) : v.policy;
  co_return v;
}

}  // namespace

asio::awaitable<Evaluation> evaluate(dns::Resolver& resolver, DiscoveryConfig discovery, const Input& in) {
  Evaluation e;
  if (in.exempt) {
    e.exempt = true;
    co_return e;
  }
  AuthorDomains authors = author_domains(in.content);
  if (authors.domains.empty()) {
    e.result = Outcome::permerror;
    e.reason = authors.problem;
    co_return e;
  }
  Discoverer disc(resolver, discovery.method, discovery.psl);
  for (const std::string& d : authors.domains) e.verdicts.push_back(co_await evaluate_domain(resolver, disc, in, d));
  e.result = e.decisive()->result;
  co_return e;
}

}  // namespace tern::dmarc
