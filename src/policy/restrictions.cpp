// Restriction lists; see restrictions.hpp. The words that cannot suspend are answered
// by simple_word() without a coroutine frame of their own; tables, delegates, classes
// and sleep go through the awaited path.
#include "policy/restrictions.hpp"

#include <asio/redirect_error.hpp>
#include <asio/steady_timer.hpp>
#include <asio/this_coro.hpp>
#include <asio/use_awaitable.hpp>

#include <algorithm>
#include <cctype>
#include <optional>

#include "base/net.hpp"
#include "base/strings.hpp"
#include "config/params.hpp"
#include "policy/access.hpp"
#include "policy/dns_words.hpp"
#include "policy/dnsbl.hpp"
#include "policy/server_access.hpp"
#include "policy/unknown_words.hpp"
#include "policy/unlisted.hpp"
#include "smtp/address.hpp"

namespace tern::policy {

namespace {
enum class ArgKind { none, table, number, spec, dns_list };
struct WordName {
  std::string_view name;
  Word word;
  ArgKind arg;
};
constexpr WordName kWords[] = {
    {"permit", Word::permit, ArgKind::none},
    {"reject", Word::reject, ArgKind::none},
    {"defer", Word::defer, ArgKind::none},
    {"permit_mynetworks", Word::permit_mynetworks, ArgKind::none},
    {"permit_sasl_authenticated", Word::permit_sasl_authenticated, ArgKind::none},
    {"reject_unauth_destination", Word::reject_unauth_destination, ArgKind::none},
    {"defer_unauth_destination", Word::defer_unauth_destination, ArgKind::none},
    {"permit_auth_destination", Word::permit_auth_destination, ArgKind::none},
    {"reject_unauth_pipelining", Word::reject_unauth_pipelining, ArgKind::none},
    {"reject_non_fqdn_helo_hostname", Word::reject_non_fqdn_helo_hostname, ArgKind::none},
    {"reject_non_fqdn_hostname", Word::reject_non_fqdn_helo_hostname, ArgKind::none},  // old name
    {"reject_invalid_helo_hostname", Word::reject_invalid_helo_hostname, ArgKind::none},
    {"reject_invalid_hostname", Word::reject_invalid_helo_hostname, ArgKind::none},    // old name
    {"reject_non_fqdn_sender", Word::reject_non_fqdn_sender, ArgKind::none},
    {"reject_non_fqdn_recipient", Word::reject_non_fqdn_recipient, ArgKind::none},
    {"check_client_access", Word::check_client_access, ArgKind::table},
    {"check_reverse_client_hostname_access", Word::check_reverse_client_hostname_access, ArgKind::table},
    {"check_helo_access", Word::check_helo_access, ArgKind::table},
    {"check_sender_access", Word::check_sender_access, ArgKind::table},
    {"check_recipient_access", Word::check_recipient_access, ArgKind::table},
    {"check_ccert_access", Word::check_ccert_access, ArgKind::table},
    {"reject_sender_login_mismatch", Word::reject_sender_login_mismatch, ArgKind::none},
    {"reject_authenticated_sender_login_mismatch", Word::reject_authenticated_sender_login_mismatch, ArgKind::none},
    {"reject_unauthenticated_sender_login_mismatch", Word::reject_unauthenticated_sender_login_mismatch, ArgKind::none},
    {"reject_spf_fail", Word::reject_spf_fail, ArgKind::none},
    {"reject_spf_softfail", Word::reject_spf_softfail, ArgKind::none},
    {"reject_spf_permerror", Word::reject_spf_permerror, ArgKind::none},
    {"defer_spf_temperror", Word::defer_spf_temperror, ArgKind::none},
    {"reject_multi_recipient_bounce", Word::reject_multi_recipient_bounce, ArgKind::none},
    {"warn_if_reject", Word::warn_if_reject, ArgKind::none},
    {"defer_if_permit", Word::defer_if_permit, ArgKind::none},
    {"defer_if_reject", Word::defer_if_reject, ArgKind::none},
    {"sleep", Word::sleep, ArgKind::number},
    {"permit_tls_clientcerts", Word::permit_tls_clientcerts, ArgKind::none},
    {"permit_tls_all_clientcerts", Word::permit_tls_all_clientcerts, ArgKind::none},
    {"reject_unlisted_sender", Word::reject_unlisted_sender, ArgKind::none},
    {"reject_unlisted_recipient", Word::reject_unlisted_recipient, ArgKind::none},
    {"check_client_mx_access", Word::check_client_mx_access, ArgKind::table},
    {"check_client_ns_access", Word::check_client_ns_access, ArgKind::table},
    {"check_client_a_access", Word::check_client_a_access, ArgKind::table},
    {"check_reverse_client_mx_access", Word::check_reverse_client_mx_access, ArgKind::table},
    {"check_reverse_client_ns_access", Word::check_reverse_client_ns_access, ArgKind::table},
    {"check_reverse_client_a_access", Word::check_reverse_client_a_access, ArgKind::table},
    {"check_helo_mx_access", Word::check_helo_mx_access, ArgKind::table},
    {"check_helo_ns_access", Word::check_helo_ns_access, ArgKind::table},
    {"check_helo_a_access", Word::check_helo_a_access, ArgKind::table},
    {"check_sender_mx_access", Word::check_sender_mx_access, ArgKind::table},
    {"check_sender_ns_access", Word::check_sender_ns_access, ArgKind::table},
    {"check_sender_a_access", Word::check_sender_a_access, ArgKind::table},
    {"check_recipient_mx_access", Word::check_recipient_mx_access, ArgKind::table},
    {"check_recipient_ns_access", Word::check_recipient_ns_access, ArgKind::table},
    {"check_recipient_a_access", Word::check_recipient_a_access, ArgKind::table},
    {"reject_unknown_client_hostname", Word::reject_unknown_client_hostname, ArgKind::none},
    {"reject_unknown_client", Word::reject_unknown_client_hostname, ArgKind::none},  // old name
    {"reject_unknown_reverse_client_hostname", Word::reject_unknown_reverse_client_hostname, ArgKind::none},
    {"reject_unknown_helo_hostname", Word::reject_unknown_helo_hostname, ArgKind::none},
    {"reject_unknown_hostname", Word::reject_unknown_helo_hostname, ArgKind::none},  // old name
    {"reject_unknown_sender_domain", Word::reject_unknown_sender_domain, ArgKind::none},
    {"reject_unknown_recipient_domain", Word::reject_unknown_recipient_domain, ArgKind::none},
    {"reject_rbl_client", Word::reject_rbl_client, ArgKind::dns_list},
    {"reject_rhsbl_client", Word::reject_rhsbl_client, ArgKind::dns_list},
    {"reject_rhsbl_reverse_client", Word::reject_rhsbl_reverse_client, ArgKind::dns_list},
    {"reject_rhsbl_helo", Word::reject_rhsbl_helo, ArgKind::dns_list},
    {"reject_rhsbl_sender", Word::reject_rhsbl_sender, ArgKind::dns_list},
    {"reject_rhsbl_recipient", Word::reject_rhsbl_recipient, ArgKind::dns_list},
    {"permit_dnswl_client", Word::permit_dnswl_client, ArgKind::dns_list},
    {"permit_rhswl_client", Word::permit_rhswl_client, ArgKind::dns_list},
    // Answered by a Delegate the registry makes (check_policy_service takes its SPEC).
    {"check_policy_service", Word::delegate, ArgKind::spec},
    {"check_greylist", Word::delegate, ArgKind::none},
    {"check_reputation", Word::delegate, ArgKind::none},
    {"reject_unverified_recipient", Word::delegate, ArgKind::none},
    {"reject_unverified_sender", Word::delegate, ArgKind::none},
    {"check_spamtrap", Word::delegate, ArgKind::none},
};

const WordName* find_word(std::string_view w) {
  for (const auto& k : kWords)
    if (w == k.name) return &k;
  return nullptr;
}

constexpr int kMaxClassDepth = 100;  // Postfix's recursion limit

// "<name>" + rest.
std::string angle(std::string_view name, std::string_view rest) {
  std::string s;
  s.reserve(name.size() + rest.size() + 2);
  s += '<';
  s += name;
  s += '>';
  s += rest;
  return s;
}

// "<x@y>: Recipient address rejected: " and friends, as Postfix words them.
std::string subject(const Facts& f, Stage stage) {
  switch (stage) {
    case Stage::client: return angle(f.client, ": Client host rejected: ");
    case Stage::helo: return angle(f.helo, ": Helo command rejected: ");
    case Stage::sender: return angle(f.sender, ": Sender address rejected: ");
    case Stage::recipient: return angle(f.recipient, ": Recipient address rejected: ");
    case Stage::data: return "<DATA>: Data command rejected: ";
    case Stage::end_of_data: return "<END-OF-MESSAGE>: End-of-data rejected: ";
  }
  return "";
}

Decision reject_with(int code, std::string text, smtp::Status st = smtp::Status::not_authorized) {
  return {Verdict::reject, smtp::Reply{code, st, std::move(text)}, {}};
}
const Decision kPermit{Verdict::permit, {}, {}};

Decision config_error(const std::string& subj, std::string why) {
  Decision d = reject_with(451, subj + "Server configuration error", smtp::Status::config_error);
  d.log_text = std::move(why);
  return d;
}

bool is_address_literal(std::string_view h) { return h.size() > 2 && h.front() == '[' && h.back() == ']'; }

bool fqdn_address(std::string_view addr) {
  auto dom = smtp::split_address(addr).domain;
  return !dom.empty() && (fqdn_hostname(dom) || is_address_literal(dom));
}

// The SPF words (pypolicyd-spf's choices): fail with the record's explanation, softfail,
// permerror and temperror with what went wrong (RFC 7372 status codes).
Decision spf_word(Word w, const Facts& f) {
  if (!f.spf) return {};
  const spf::Outcome& o = *f.spf;
  std::string subj = subject(f, Stage::sender);
  switch (w) {
    case Word::reject_spf_fail:
      if (o.verdict == spf::Verdict::fail)
        return reject_with(550, subj + printable(o.explanation.empty() ? "SPF fail" : o.explanation, 400),
                           smtp::Status::spf_failed);
      break;
    case Word::reject_spf_softfail:
      if (o.verdict == spf::Verdict::softfail)
        return reject_with(550, subj + "SPF softfail: the sender's domain does not designate this host",
                           smtp::Status::spf_failed);
      break;
    case Word::reject_spf_permerror:
      if (o.verdict == spf::Verdict::permerror)
        return reject_with(550, subj + "SPF permerror: " + printable(o.problem, 300), smtp::Status::spf_error);
      break;
    case Word::defer_spf_temperror:
      if (o.verdict == spf::Verdict::temperror)
        return reject_with(451, subj + "SPF temperror: " + printable(o.problem, 300), smtp::Status::spf_error);
      break;
    default: break;
  }
  return {};
}

// smtpd_sender_login_maps: who may use MAIL FROM <sender>. Postfix's rules: an
// authenticated client must own the sender; an unauthenticated one must not use an owned one.
Decision login_mismatch(const Facts& f, bool check_authenticated, bool check_unauthenticated) {
  if (!f.sender_login_maps || f.sender.empty()) return {};
  std::optional<std::string> owners;
  for (const auto& k : address_keys(f.sender, f.recipient_delimiter)) {
    auto r = f.sender_login_maps->find(k);
    if (!r) return reject_with(451, subject(f, Stage::sender) + "Temporary lookup failure", smtp::Status::system_error);
    if (*r) {
      owners = **r;
      break;
    }
  }
  if (!f.sasl_username.empty() && check_authenticated) {
    bool owned = false;
    if (owners)
      for (const auto& o : split_list(*owners)) owned |= iequals(o, f.sasl_username);
    if (!owned)
      return reject_with(553, subject(f, Stage::sender) + "not owned by user " + std::string(f.sasl_username));
  } else if (f.sasl_username.empty() && check_unauthenticated && owners) {
    return reject_with(553, subject(f, Stage::sender) + "not logged in");
  }
  return {};
}

// permit_tls_all_clientcerts: any verified certificate. permit_tls_clientcerts: a
// certificate whose fingerprint relay_clientcerts lists, trusted CA or not (Postfix).
Decision tls_clientcerts(const Facts& f, bool all) {
  if (f.ccert_fingerprint.empty()) return {};
  if (all) return f.ccert_verified ? kPermit : Decision{};
  if (!f.relay_clientcerts) return {};
  for (const auto* fp : {&f.ccert_fingerprint, &f.ccert_pubkey_fingerprint}) {
    if (fp->empty()) continue;
    auto r = f.relay_clientcerts->find(*fp);
    if (!r) return reject_with(451, subject(f, Stage::client) + "Temporary lookup failure", smtp::Status::system_error);
    if (*r) return kPermit;
  }
  return {};
}

Decision unlisted_word(const Facts& f, bool sender) {
  std::string_view addr = sender ? f.sender : f.recipient;
  if (addr.empty() || !f.recipient_tables || !f.resolver || !f.params) return {};
  if (!sender && f.stage != Stage::recipient) return {};
  auto r = unlisted_address(*f.recipient_tables, *f.resolver, *f.params, addr, sender ? "Sender" : "Recipient");
  if (!r) return {};
  return {Verdict::reject, *r, {}};
}

// The words that never suspend. `sync` is false for the others (evaluate awaits them).
Decision simple_word(Word w, const Facts& f, Evaluation& ev, bool& sync) {
  bool rcpt = f.stage == Stage::recipient;
  switch (w) {
    case Word::permit: return kPermit;
    case Word::reject: return reject_with(f.reject_code, subject(f, f.stage) + "Access denied");
    case Word::defer: return reject_with(f.defer_code, subject(f, f.stage) + "Access denied");
    case Word::permit_mynetworks: return f.client_in_mynetworks ? kPermit : Decision{};
    case Word::permit_sasl_authenticated: return f.sasl_authenticated ? kPermit : Decision{};
    case Word::reject_unauth_destination:
      if (rcpt && !f.recipient_authorized)
        return reject_with(f.relay_reject_code, angle(f.recipient, ": Relay access denied"));
      return {};
    case Word::defer_unauth_destination:
      if (rcpt && !f.recipient_authorized) return reject_with(454, angle(f.recipient, ": Relay access denied"));
      return {};
    case Word::permit_auth_destination: return rcpt && f.recipient_authorized ? kPermit : Decision{};
    case Word::reject_unauth_pipelining:
      if (f.improper_pipelining)
        return reject_with(503, subject(f, f.stage) + "Improper use of SMTP command pipelining",
                           smtp::Status::other_protocol);
      return {};
    case Word::reject_non_fqdn_helo_hostname:
      if (!f.helo.empty() && !is_address_literal(f.helo) && !fqdn_hostname(f.helo))
        return reject_with(f.non_fqdn_code, subject(f, Stage::helo) + "need fully-qualified hostname",
                           smtp::Status::bad_command);
      return {};
    case Word::reject_invalid_helo_hostname:
      if (!f.helo.empty() && !valid_hostname(f.helo))
        return reject_with(f.invalid_hostname_code, subject(f, Stage::helo) + "Invalid name",
                           smtp::Status::bad_command);
      return {};
    case Word::reject_non_fqdn_sender:
      if (!f.sender.empty() && !fqdn_address(f.sender))
        return reject_with(f.non_fqdn_code, subject(f, Stage::sender) + "need fully-qualified address",
                           smtp::Status::bad_syntax_552);
      return {};
    case Word::reject_non_fqdn_recipient:
      if (rcpt && !fqdn_address(f.recipient))
        return reject_with(f.non_fqdn_code, subject(f, Stage::recipient) + "need fully-qualified address",
                           smtp::Status::bad_syntax_552);
      return {};
    case Word::reject_sender_login_mismatch: return login_mismatch(f, true, true);
    case Word::reject_authenticated_sender_login_mismatch: return login_mismatch(f, true, false);
    case Word::reject_unauthenticated_sender_login_mismatch: return login_mismatch(f, false, true);
    case Word::reject_spf_fail:
    case Word::reject_spf_softfail:
    case Word::reject_spf_permerror:
    case Word::defer_spf_temperror: return spf_word(w, f);
    case Word::reject_multi_recipient_bounce: {
      // At RCPT a second recipient; at DATA and after, more than one.
      size_t limit = rcpt ? 1 : 2;
      if (f.sender.empty() && f.recipient_count >= limit)
        return reject_with(f.multi_recipient_bounce_code, "<>: Sender address rejected: Multi-recipient bounce",
                           smtp::Status::too_many_rcpts);
      return {};
    }
    // Postfix keeps the first reason of each kind of deferral.
    case Word::defer_if_permit:
      if (!ev.defer_if_permit)
        ev.defer_if_permit = smtp::Reply{450, smtp::Status::security, subject(f, f.stage) + "defer_if_permit requested"};
      return {};
    case Word::defer_if_reject:
      if (!ev.defer_if_reject)
        ev.defer_if_reject = smtp::Reply{450, smtp::Status::security, subject(f, f.stage) + "defer_if_reject requested"};
      return {};
    case Word::permit_tls_clientcerts: return tls_clientcerts(f, false);
    case Word::permit_tls_all_clientcerts: return tls_clientcerts(f, true);
    case Word::reject_unlisted_sender: return unlisted_word(f, true);
    case Word::reject_unlisted_recipient: return unlisted_word(f, false);
    default: break;
  }
  sync = false;
  return {};
}

// The keys a table word looks up, and the subject of its replies.
bool table_keys(Word w, const Facts& f, std::vector<std::string>& keys, std::string& subj) {
  switch (w) {
    case Word::check_client_access:
      keys = client_keys(f.client_name, f.client_addr);
      subj = subject(f, Stage::client);
      return true;
    case Word::check_reverse_client_hostname_access:
      keys = client_keys(f.reverse_client_name.empty() ? f.client_name : f.reverse_client_name, f.client_addr);
      subj = subject(f, Stage::client);
      return true;
    case Word::check_helo_access:
      if (f.helo.empty()) return false;
      keys = domain_keys(f.helo);
      subj = subject(f, Stage::helo);
      return true;
    case Word::check_sender_access:
      keys = f.sender.empty() ? std::vector<std::string>{"<>"} : address_keys(f.sender, f.recipient_delimiter);
      subj = subject(f, Stage::sender);
      return true;
    case Word::check_recipient_access:
      if (f.stage != Stage::recipient) return false;
      keys = address_keys(f.recipient, f.recipient_delimiter);
      subj = subject(f, Stage::recipient);
      return true;
    case Word::check_ccert_access:
      if (f.ccert_fingerprint.empty()) return false;  // no certificate presented
      keys = {std::string(f.ccert_fingerprint)};
      if (!f.ccert_pubkey_fingerprint.empty()) keys.emplace_back(f.ccert_pubkey_fingerprint);
      subj = subject(f, Stage::client);
      return true;
    default: return false;
  }
}

// "<x@y>: Recipient address" for the HOLD/DISCARD/REDIRECT log notes.
std::string who(const std::string& subj) {
  std::string w = subj;
  if (auto pos = w.rfind(" rejected: "); pos != std::string::npos) w.resize(pos);
  return w;
}

asio::awaitable<Decision> run_words(std::string_view words, const std::string& subj, const Facts& f,
                                    Evaluation& ev);

// What a table or a delegate answered, applied (access(5)).
asio::awaitable<Decision> apply_answer(std::string_view value, const std::string& subj, const Facts& f,
                                       Evaluation& ev, std::string_view source) {
  auto parsed = parse_access_answer(value);
  if (!parsed) co_return config_error(subj, std::string(source) + ": " + parsed.error().message);
  AccessAnswer& a = *parsed;
  auto reply_text = [&] { return subj + (a.text.empty() ? "Access denied" : a.text); };
  auto with_status = [&](int code, smtp::Status fallback) {
    smtp::Reply r{code, fallback, reply_text()};
    if (!a.status.empty()) {
      r.status = smtp::Status::none;
      r.text = a.status + " " + r.text;
    }
    return Decision{Verdict::reject, std::move(r), {}};
  };
  switch (a.kind) {
    case AccessKind::permit: co_return kPermit;
    case AccessKind::dunno: co_return Decision{};
    case AccessKind::reject: co_return with_status(a.code ? a.code : f.access_reject_code, smtp::Status::not_authorized);
    case AccessKind::defer: co_return with_status(a.code ? a.code : f.access_defer_code, smtp::Status::not_authorized);
    case AccessKind::defer_if_reject:
    case AccessKind::defer_if_permit: {
      auto& slot = a.kind == AccessKind::defer_if_reject ? ev.defer_if_reject : ev.defer_if_permit;
      if (!slot) slot = with_status(f.access_defer_code, smtp::Status::not_authorized).reply;
      co_return Decision{};
    }
    case AccessKind::bcc:
      ev.actions.bcc.push_back(a.text);
      ev.notes.push_back({"bcc", who(subj) + " triggers BCC " + a.text});
      co_return Decision{};
    case AccessKind::prepend: ev.actions.prepend.push_back(a.text); co_return Decision{};
    case AccessKind::hold:
      ev.actions.hold = true;
      ev.notes.push_back({"hold", who(subj) + " " + (a.text.empty() ? "triggers HOLD action" : a.text)});
      co_return Decision{};
    case AccessKind::discard:  // Postfix: like OK, and the message is dropped
      ev.actions.discard = true;
      ev.notes.push_back({"discard", who(subj) + " " + (a.text.empty() ? "triggers DISCARD action" : a.text)});
      co_return kPermit;
    case AccessKind::redirect:
      ev.actions.redirect = a.text;
      ev.notes.push_back({"redirect", who(subj) + " triggers REDIRECT " + a.text});
      co_return Decision{};
    case AccessKind::filter:  // the last one wins, as in Postfix
      ev.actions.filter = a.text;
      ev.notes.push_back({"filter", who(subj) + " triggers FILTER " + a.text});
      co_return Decision{};
    case AccessKind::info: ev.notes.push_back({"info", who(subj) + " " + a.text}); co_return Decision{};
    case AccessKind::warn: ev.notes.push_back({"warn", who(subj) + " " + a.text}); co_return Decision{};
    case AccessKind::restrictions: co_return co_await run_words(a.text, subj, f, ev);
  }
  co_return Decision{};
}

asio::awaitable<Decision> lookup(const maps::MapList& table, const std::vector<std::string>& keys,
                                 const std::string& subj, const Facts& f, Evaluation& ev) {
  for (const auto& k : keys) {
    auto r = table.find(k);
    if (!r) {
      Decision d = reject_with(451, subj + "Temporary lookup failure", smtp::Status::system_error);
      d.log_text = r.error().message;
      co_return d;
    }
    if (*r) co_return co_await apply_answer(**r, subj, f, ev, "access table answer for " + k);
  }
  co_return Decision{};
}

asio::awaitable<Decision> ask(const WordArg& arg, const Facts& f, Evaluation& ev) {
  std::string subj = subject(f, f.stage);
  auto answer = co_await arg.delegate->ask(policy_request(f));
  if (answer) co_return co_await apply_answer(*answer, subj, f, ev, arg.name);
  // The policy could not decide (check_policy_service never gets here: its client answers
  // with its default action itself, the spec's default_action or
  // smtpd_policy_service_default_action).
  Decision d = reject_with(451, subj + "Server configuration problem", smtp::Status::system_error);
  d.log_text = arg.name + ": " + answer.error().message;
  co_return d;
}

asio::awaitable<Decision> run_class(const RestrictionList& cls, const Facts& f, Evaluation& ev) {
  if (ev.depth >= kMaxClassDepth)
    co_return config_error(subject(f, f.stage), "restriction class " + cls.param + ": nesting too deep");
  ++ev.depth;
  Decision d = co_await evaluate(cls, f, ev);
  --ev.depth;
  co_return d;
}

// An answer that is not an action: restriction words without arguments, or class names.
asio::awaitable<Decision> run_words(std::string_view words, const std::string& subj, const Facts& f,
                                    Evaluation& ev) {
  RestrictionList list{"access table answer", {}, {}};
  for (const auto& w : split_list(words)) {
    WordArg arg;
    if (f.classes && f.classes->count(w)) {
      list.words.push_back(Word::restriction_class);
      arg.name = w;
    } else {
      const WordName* k = find_word(w);
      if (!k || k->arg != ArgKind::none || k->word == Word::delegate)
        co_return config_error(subj, "access table answer: unknown action or restriction \"" + printable(w, 60) +
                                         "\" (restrictions with arguments must be a restriction class)");
      list.words.push_back(k->word);
    }
    list.args.push_back(std::move(arg));
  }
  co_return co_await run_class(list, f, ev);
}

// The reply a reject becomes: a logged warning (warn_if_reject, dry run), the remembered
// defer_if_reject, or with soft_bounce a 4xx.
bool settle_reject(Decision& d, Evaluation& ev, bool warn) {
  if (warn || ev.dry_run) {
    std::string line = d.reply.wire();
    while (!line.empty() && (line.back() == '\n' || line.back() == '\r')) line.pop_back();
    ev.notes.push_back({"reject_warning", line});
    return false;
  }
  if (ev.defer_if_reject && d.reply.permanent()) d.reply = *ev.defer_if_reject;
  if (ev.soft_bounce && d.reply.permanent()) {
    d.reply.code -= 100;
    // An enhanced status code written into the text follows the reply code.
    if (d.reply.status == smtp::Status::none && !d.reply.text.empty() && d.reply.text[0] == '5' &&
        d.reply.text.size() > 1 && d.reply.text[1] == '.')
      d.reply.text[0] = '4';
  }
  return true;
}

bool needs_dns(Word w) { return is_dns_list_word(w) || is_server_access_word(w) || is_unknown_word(w); }

// check_*_{mx,ns,a}_access: each host name or address in turn until one decides. OK is not
// allowed there (Postfix: a listed server must not whitelist a client); it counts as DUNNO.
asio::awaitable<Decision> server_access(Word w, const maps::MapList& table, const Facts& f, Evaluation& ev) {
  if (!f.dns_resolver || !f.dns_cache)
    co_return config_error(subject(f, f.stage), "a DNS server access restriction without a resolver");
  std::string subj = subject(f, server_access_stage(w));
  auto groups = co_await server_access_keys(w, f, ev);
  for (const auto& keys : groups) {
    Decision d = co_await lookup(table, keys, subj, f, ev);
    if (d.verdict == Verdict::reject) co_return d;
  }
  co_return Decision{};
}

}  // namespace

bool is_delegate_word(std::string_view word, bool* takes_arg) {
  const WordName* k = find_word(word);
  if (!k || k->word != Word::delegate) return false;
  if (takes_arg) *takes_arg = k->arg == ArgKind::spec;
  return true;
}

Result<std::shared_ptr<Delegate>> DelegateRegistry::make(std::string_view word, std::string_view arg) const {
  auto it = kinds_.find(word);
  if (it == kinds_.end()) return Error{std::string(word) + " is not available in this build"};
  return it->second(word, arg);
}

void MessageActions::merge(const MessageActions& o) {
  hold |= o.hold;
  discard |= o.discard;
  prepend.insert(prepend.end(), o.prepend.begin(), o.prepend.end());
  bcc.insert(bcc.end(), o.bcc.begin(), o.bcc.end());
  if (!o.redirect.empty()) redirect = o.redirect;
  if (!o.filter.empty()) filter = o.filter;
}

bool uses_spf(const RestrictionList& list) {
  for (Word w : list.words)
    if (w == Word::reject_spf_fail || w == Word::reject_spf_softfail || w == Word::reject_spf_permerror ||
        w == Word::defer_spf_temperror)
      return true;
  return false;
}

bool uses_dns(const RestrictionList& list) {
  for (Word w : list.words)
    if (needs_dns(w)) return true;
  return false;
}

bool valid_hostname(std::string_view name) {
  if (name.empty() || name.size() > 255) return false;
  if (is_address_literal(name)) return IpAddress::parse(name.substr(1, name.size() - 2)).has_value() ||
                                       istarts_with(name.substr(1), "ipv6:");
  std::string_view n = name;
  if (n.back() == '.') n.remove_suffix(1);
  size_t label = 0;
  for (size_t i = 0; i <= n.size(); ++i) {
    if (i == n.size() || n[i] == '.') {
      if (label == 0 || label > 63) return false;
      if (n[i - 1] == '-' || n[i - label] == '-') return false;
      label = 0;
      continue;
    }
    char c = n[i];
    if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_')) return false;
    ++label;
  }
  return !IpAddress::parse(n);  // a bare IP address is not a hostname
}

bool fqdn_hostname(std::string_view name) {
  std::string_view n = name;
  if (!n.empty() && n.back() == '.') n.remove_suffix(1);
  return valid_hostname(n) && n.find('.') != std::string_view::npos && !IpAddress::parse(n);
}

Result<RestrictionList> compile(std::string_view param, const std::vector<std::string>& words,
                                const CompileContext& ctx) {
  RestrictionList list{std::string(param), {}, {}};
  std::string p(param);
  for (size_t i = 0; i < words.size(); ++i) {
    WordArg arg;
    const WordName* found = find_word(words[i]);
    bool is_class = !found && ctx.class_names &&
                    std::find(ctx.class_names->begin(), ctx.class_names->end(), words[i]) != ctx.class_names->end();
    if (is_class) {
      list.words.push_back(Word::restriction_class);
      arg.name = words[i];
      list.args.push_back(std::move(arg));
      continue;
    }
    if (!found) return Error{p + ": unknown restriction \"" + words[i] + "\" (not supported yet)"};
    arg.name = words[i];
    if (found->arg != ArgKind::none && i + 1 >= words.size()) {
      const char* what = found->arg == ArgKind::table    ? "a table (type:name)"
                         : found->arg == ArgKind::number ? "a number of seconds"
                         : found->arg == ArgKind::dns_list ? "a DNS list domain (domain[=d.d.d.d])"
                                                           : "a service";
      return Error{p + ": " + words[i] + " needs " + what};
    }
    if (needs_dns(found->word) && !ctx.dns_lookups)
      return Error{p + ": " + words[i] + " needs DNS lookups, but they are disabled (disable_dns_lookups = yes)"};
    if (is_client_name_word(found->word) && !ctx.client_names)
      return Error{p + ": " + words[i] + " needs the client's hostname, but it is not looked up (smtpd_peername_lookup = no)"};
    std::string value = found->arg == ArgKind::none ? "" : words[++i];
    if (found->arg == ArgKind::table) {
      auto m = maps::MapList::open({value}, ctx.maps);
      if (!m) return Error{p + ": " + m.error().message};
      arg.table = std::make_shared<const maps::MapList>(std::move(*m));
    } else if (found->arg == ArgKind::number) {
      auto n = parse_int(value);
      if (!n || *n < 0 || *n > 3600) return Error{p + ": " + words[i - 1] + " " + value + ": expected seconds (0-3600)"};
      arg.seconds = int(*n);
    } else if (found->arg == ArgKind::dns_list) {
      auto l = parse_list_domain(value);
      if (!l) return Error{p + ": " + words[i - 1] + " " + value + ": " + l.error().message};
      arg.list = std::make_shared<const ListDomain>(std::move(*l));
    }
    if (found->word == Word::delegate) {
      if (!ctx.delegates || !ctx.delegates->has(found->name))
        return Error{p + ": " + std::string(found->name) + " is not available in this build"};
      auto d = ctx.delegates->make(found->name, value);
      if (!d) return Error{p + ": " + std::string(found->name) + ": " + d.error().message};
      arg.delegate = std::move(*d);
    }
    list.words.push_back(found->word);
    list.args.push_back(std::move(arg));
  }
  return list;
}

asio::awaitable<Decision> evaluate(const RestrictionList& list, const Facts& f, Evaluation& ev) {
  bool warn_next = false;
  for (size_t i = 0; i < list.words.size(); ++i) {
    Word w = list.words[i];
    const WordArg& arg = list.args[i];
    bool warn = std::exchange(warn_next, false);
    if (w == Word::warn_if_reject) {
      warn_next = true;
      continue;
    }
    bool sync = true;
    Decision d = simple_word(w, f, ev, sync);
    if (!sync) {
      std::vector<std::string> keys;
      std::string subj;
      if (is_unknown_word(w)) {
        d = co_await unknown_word(w, f, ev);
      } else if (arg.list) {
        d = co_await dns_list_word(w, *arg.list, f, ev, subject(f, f.stage));
      } else if (arg.table && is_server_access_word(w)) {
        d = co_await server_access(w, *arg.table, f, ev);
      } else if (arg.table) {
        if (table_keys(w, f, keys, subj)) d = co_await lookup(*arg.table, keys, subj, f, ev);
      } else if (w == Word::delegate) {
        d = co_await ask(arg, f, ev);
      } else if (w == Word::sleep) {
        asio::steady_timer t(co_await asio::this_coro::executor);
        t.expires_after(std::chrono::seconds(arg.seconds));
        asio::error_code ec;
        co_await t.async_wait(asio::redirect_error(asio::use_awaitable, ec));
      } else if (w == Word::restriction_class) {
        auto it = f.classes ? f.classes->find(arg.name) : decltype(f.classes->end()){};
        if (!f.classes || it == f.classes->end())
          d = config_error(subject(f, f.stage), "restriction class " + arg.name + " is not defined");
        else
          d = co_await run_class(it->second, f, ev);
      }
    }
    if (d.verdict == Verdict::reject && !settle_reject(d, ev, warn)) continue;
    if (d.verdict != Verdict::dunno) co_return d;
  }
  co_return Decision{};
}

std::optional<smtp::Reply> finish(Evaluation& ev) {
  if (!ev.defer_if_permit) return std::nullopt;
  Decision d{Verdict::reject, *ev.defer_if_permit, {}};
  ev.defer_if_permit.reset();
  if (!settle_reject(d, ev, false)) return std::nullopt;  // a dry run logs it
  return d.reply;
}

}  // namespace tern::policy
