// reject_unknown_*; see unknown_words.hpp.
#include "policy/unknown_words.hpp"

#include "base/strings.hpp"
#include "config/params.hpp"
#include "dns/rdata.hpp"
#include "policy/dns_words.hpp"
#include "route/resolve.hpp"
#include "smtp/address.hpp"

namespace tern::policy {

namespace {

Decision reject(int code, std::string status, std::string text) {
  // The enhanced status follows the code's class (Postfix's smtpd_dsn_fix).
  if (!status.empty()) status[0] = char('0' + code / 100);
  return {Verdict::reject, smtp::Reply{code, smtp::Status::none, status + " " + text}, {}};
}

// A temporary failure: "defer" defers now; "defer_if_permit" (the default) defers only
// if nothing else rejects and something would accept.
Decision tempfail(std::string_view action, Decision d, Evaluation& ev) {
  if (action == "defer") return d;
  if (!ev.defer_if_permit) ev.defer_if_permit = d.reply;
  return {};
}

Decision client_name_word(Word w, const Facts& f, Evaluation& ev) {
  bool reverse = w == Word::reject_unknown_reverse_client_hostname;
  NameStatus st = reverse ? f.reverse_client_name_status : f.client_name_status;
  if (st == NameStatus::ok) return {};
  std::string text = std::string("Client host rejected: cannot find your ") + (reverse ? "reverse " : "") +
                     "hostname, [" + std::string(f.client_addr) + "]";
  if (st == NameStatus::temporary) return tempfail(f.params->reject_tempfail_action, reject(450, "4.7.25", text), ev);
  return reject(int(f.params->unknown_client_reject_code), "4.7.25", text);
}

enum class Found { yes, no, temporary, null_mx };

// Whether `name` has MX, A or AAAA records (for_mail: a null MX does not count).
asio::awaitable<Found> resolves(const Facts& f, std::string name, bool for_mail) {
  bool temporary = false;
  for (dns::Type t : {dns::Type::MX, dns::Type::A, dns::Type::AAAA}) {
    dns::Answer a = co_await f.dns_cache->lookup(*f.dns_resolver, name, t);
    if (a.outcome == dns::Outcome::temporary) {
      temporary = true;
      continue;
    }
    if (a.outcome == dns::Outcome::nxdomain) co_return temporary ? Found::temporary : Found::no;
    if (!a.has_data()) continue;
    if (t == dns::Type::MX && for_mail) {
      auto mx = dns::mx_records(a);
      if (mx)
        for (const auto& m : *mx)
          if (m.host.empty()) co_return Found::null_mx;
    }
    co_return Found::yes;
  }
  co_return temporary ? Found::temporary : Found::no;
}

asio::awaitable<Decision> helo_word(const Facts& f, Evaluation& ev) {
  std::string_view helo = f.helo;
  if (helo.empty() || helo.front() == '[' || !valid_hostname(helo)) co_return Decision{};
  Found found = co_await resolves(f, lower(helo), false);
  if (found == Found::yes) co_return Decision{};
  std::string text = "<" + std::string(helo) + ">: Helo command rejected: Host not found";
  if (found == Found::temporary)
    co_return tempfail(f.params->unknown_helo_hostname_tempfail_action, reject(450, "4.7.1", text), ev);
  co_return reject(int(f.params->unknown_hostname_reject_code), "4.7.1", text);
}

asio::awaitable<Decision> domain_word(bool sender, const Facts& f, Evaluation& ev) {
  std::string_view addr = sender ? f.sender : f.recipient;
  if (addr.empty() || (!sender && f.stage != Stage::recipient)) co_return Decision{};
  std::string domain = lower(smtp::split_address(addr).domain);
  if (domain.empty() || domain.front() == '[' || !valid_hostname(domain)) co_return Decision{};
  // Not for mail we are the final destination of (Postfix).
  if (f.resolver) {
    auto cls = f.resolver->classify(domain);
    if (cls && (*cls == route::AddressClass::local || *cls == route::AddressClass::virtual_alias ||
                *cls == route::AddressClass::virtual_mailbox))
      co_return Decision{};
  }
  std::string role = sender ? "Sender address" : "Recipient address";
  std::string who = "<" + std::string(addr) + ">: " + role + " rejected: ";
  Found found = co_await resolves(f, domain, true);
  switch (found) {
    case Found::yes: co_return Decision{};
    case Found::null_mx:
      co_return sender ? reject(550, "5.7.27", who + "Domain " + domain + " does not accept mail (nullMX)")
                       : reject(556, "5.1.10", who + "Domain " + domain + " does not accept mail (nullMX)");
    case Found::temporary:
      co_return tempfail(f.params->unknown_address_tempfail_action,
                         reject(450, sender ? "4.1.8" : "4.1.2", who + "Domain not found"), ev);
    case Found::no: break;
  }
  co_return reject(int(f.params->unknown_address_reject_code), sender ? "4.1.8" : "4.1.2", who + "Domain not found");
}

}  // namespace

bool is_client_name_word(Word w) {
  return w == Word::reject_unknown_client_hostname || w == Word::reject_unknown_reverse_client_hostname;
}

bool is_unknown_word(Word w) {
  return is_client_name_word(w) || w == Word::reject_unknown_helo_hostname || w == Word::reject_unknown_sender_domain ||
         w == Word::reject_unknown_recipient_domain;
}

asio::awaitable<Decision> unknown_word(Word w, const Facts& f, Evaluation& ev) {
  if (!f.params || (!is_client_name_word(w) && (!f.dns_resolver || !f.dns_cache))) {
    Decision d{Verdict::reject, smtp::Reply{451, smtp::Status::config_error, "Server configuration error"}, {}};
    d.log_text = "a reject_unknown_* restriction without a resolver";
    co_return d;
  }
  switch (w) {
    case Word::reject_unknown_client_hostname:
    case Word::reject_unknown_reverse_client_hostname: co_return client_name_word(w, f, ev);
    case Word::reject_unknown_helo_hostname: {
      Decision d = co_await helo_word(f, ev);
      co_return d;
    }
    case Word::reject_unknown_sender_domain:
    case Word::reject_unknown_recipient_domain: {
      Decision d = co_await domain_word(w == Word::reject_unknown_sender_domain, f, ev);
      co_return d;
    }
    default: co_return Decision{};
  }
}

Status check_tempfail_action(std::string_view param, std::string_view value) {
  if (value == "defer" || value == "defer_if_permit") return ok_status();
  return Error{std::string(param) + ": \"" + printable(value, 60) + "\": expected defer or defer_if_permit"};
}

}  // namespace tern::policy
