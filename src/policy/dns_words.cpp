// The DNS list words; see dns_words.hpp. Postfix's rules: a list that cannot be asked
// (a timeout, SERVFAIL) does not list anyone; a whitelist that cannot be asked turns a
// later reject into a deferral (defer_if_reject), so a client is not refused for good
// while its whitelisting is unknown.
#include "policy/dns_words.hpp"

#include "base/strings.hpp"
#include "dns/await.hpp"
#include "dns/rdata.hpp"
#include "maps/lookup.hpp"
#include "smtp/address.hpp"

namespace tern::policy {

namespace {

enum class Listed { no, yes, unknown };

// The A records of `query` against the list's filter.
asio::awaitable<Listed> listed(const Facts& f, const ListDomain& list, const std::string& query) {
  dns::Answer a = co_await f.dns_cache->lookup(*f.dns_resolver, query, dns::Type::A);
  if (a.outcome == dns::Outcome::temporary) co_return Listed::unknown;
  if (!a.has_data()) co_return Listed::no;
  auto addrs = dns::addresses(a);
  if (!addrs) co_return Listed::unknown;
  for (const auto& ip : *addrs)
    if (!list.filter || list.filter->matches(ip)) co_return Listed::yes;
  co_return Listed::no;
}

// What a word asks the list about: the query name, $rbl_what and $rbl_class. Empty
// query: nothing to ask (no client address, the null sender, an unknown client name).
struct Subject {
  std::string query, what;
  std::string_view rbl_class;
};

Subject subject_of(Word w, const Facts& f, const ListDomain& list) {
  Subject s;
  auto by_name = [&](std::string_view name, std::string_view cls) {
    if (name.empty() || name == "unknown") return;
    if (auto q = domain_query(name, list.domain)) s = {*q, std::string(name), cls};
  };
  switch (w) {
    case Word::reject_rbl_client:
    case Word::permit_dnswl_client:
      if (auto ip = IpAddress::parse(f.client_addr)) s = {address_query(*ip, list.domain), std::string(f.client_addr), kClientClass};
      break;
    case Word::reject_rhsbl_client:
    case Word::permit_rhswl_client: by_name(f.client_name, kClientClass); break;
    case Word::reject_rhsbl_reverse_client:
      by_name(f.reverse_client_name.empty() ? f.client_name : f.reverse_client_name, kReverseClientClass);
      break;
    case Word::reject_rhsbl_helo: by_name(f.helo, kHeloClass); break;
    case Word::reject_rhsbl_sender:
      if (!f.sender.empty()) by_name(smtp::split_address(f.sender).domain, kSenderClass);
      break;
    case Word::reject_rhsbl_recipient:
      if (f.stage == Stage::recipient && !f.recipient.empty())
        by_name(smtp::split_address(f.recipient).domain, kRecipientClass);
      break;
    default: break;
  }
  return s;
}

// The list's TXT record, printable, for $rbl_reason.
asio::awaitable<std::string> reason(const Facts& f, const std::string& query) {
  dns::Answer a = co_await f.dns_cache->lookup(*f.dns_resolver, query, dns::Type::TXT);
  if (!a.has_data()) co_return std::string();
  auto txt = dns::txt_strings(a);
  if (!txt || txt->empty()) co_return std::string();
  co_return printable(txt->front(), 255);
}

// The reply for a listed client: the rbl_reply_maps template for this list, else
// default_rbl_reply; a bad template from a table falls back on the default (logged).
asio::awaitable<Decision> listed_reply(const Facts& f, const ListDomain& list, const Subject& s,
                                       const std::string& subj) {
  std::string tmpl(f.default_rbl_reply);
  std::string warning;
  if (f.rbl_reply_maps) {
    auto t = f.rbl_reply_maps->find(list.domain);
    if (!t) {
      Decision d{Verdict::reject, smtp::Reply{451, smtp::Status::system_error, subj + "Temporary lookup failure"}, {}};
      d.log_text = "rbl_reply_maps: " + t.error().message;
      co_return d;
    }
    if (*t) tmpl = **t;
  }
  RblFacts rf;
  rf.code = f.rbl_reject_code;
  rf.rbl_class = std::string(s.rbl_class);
  rf.what = s.what;
  rf.domain = list.domain;
  rf.client_address = std::string(f.client_addr);
  rf.client_name = std::string(f.client_name);
  rf.reverse_client_name = std::string(f.reverse_client_name.empty() ? f.client_name : f.reverse_client_name);
  rf.helo_name = std::string(f.helo);
  rf.sender = std::string(f.sender);
  rf.recipient = std::string(f.recipient);
  if (template_needs_reason(tmpl)) rf.reason = co_await reason(f, s.query);
  auto r = rbl_reply(tmpl, rf);
  if (!r && tmpl != f.default_rbl_reply) {
    warning = "rbl_reply_maps: " + r.error().message + "; using default_rbl_reply";
    if (template_needs_reason(f.default_rbl_reply) && rf.reason.empty()) rf.reason = co_await reason(f, s.query);
    r = rbl_reply(f.default_rbl_reply, rf);
  }
  if (!r) {  // default_rbl_reply is checked at startup; this is a broken invariant's guard
    Decision d{Verdict::reject, smtp::Reply{451, smtp::Status::config_error, subj + "Server configuration error"}, {}};
    d.log_text = r.error().message;
    co_return d;
  }
  Decision d{Verdict::reject, std::move(*r), std::move(warning)};
  co_return d;
}

}  // namespace

asio::awaitable<dns::Answer> DnsCache::lookup(dns::Resolver& r, std::string name, dns::Type type) {
  auto key = std::make_pair(lower(name), type);
  if (auto it = answers_.find(key); it != answers_.end()) co_return it->second;
  dns::Answer a = co_await dns::async_lookup(r, std::move(name), type);
  if (answers_.size() >= kMaxEntries) answers_.clear();
  answers_.emplace(std::move(key), a);
  co_return a;
}

bool is_dns_list_word(Word w) {
  switch (w) {
    case Word::reject_rbl_client:
    case Word::reject_rhsbl_client:
    case Word::reject_rhsbl_reverse_client:
    case Word::reject_rhsbl_helo:
    case Word::reject_rhsbl_sender:
    case Word::reject_rhsbl_recipient:
    case Word::permit_dnswl_client:
    case Word::permit_rhswl_client: return true;
    default: return false;
  }
}

asio::awaitable<Decision> dns_list_word(Word w, const ListDomain& list, const Facts& f, Evaluation& ev,
                                        const std::string& subj) {
  if (!f.dns_resolver || !f.dns_cache) {
    Decision d{Verdict::reject, smtp::Reply{451, smtp::Status::config_error, subj + "Server configuration error"}, {}};
    d.log_text = "a DNS list restriction without a resolver";
    co_return d;
  }
  Subject s = subject_of(w, f, list);
  if (s.query.empty()) co_return Decision{};
  Listed l = co_await listed(f, list, s.query);
  bool whitelist = w == Word::permit_dnswl_client || w == Word::permit_rhswl_client;
  if (!whitelist) {
    // (No co_await inside ?: — GCC 12 destroys a temporary of the untaken branch.)
    if (l != Listed::yes) co_return Decision{};
    Decision d = co_await listed_reply(f, list, s, subj);
    co_return d;
  }
  if (l == Listed::unknown) {
    if (!ev.defer_if_reject)
      ev.defer_if_reject = smtp::Reply{450, smtp::Status::not_authorized,
                                       "<" + s.what + ">: " + std::string(s.rbl_class) + " rejected: Service unavailable"};
    co_return Decision{};
  }
  if (l != Listed::yes) co_return Decision{};
  // Postfix: a whitelisting never overrides reject_unauth_destination.
  if (f.stage == Stage::recipient && !f.recipient_authorized) co_return Decision{};
  co_return Decision{Verdict::permit, {}, {}};
}

}  // namespace tern::policy
