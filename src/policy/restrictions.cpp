// Restriction lists; see restrictions.hpp.
#include "policy/restrictions.hpp"

#include <cctype>
#include <optional>

#include "base/log.hpp"
#include "base/net.hpp"
#include "base/strings.hpp"
#include "policy/access.hpp"
#include "smtp/address.hpp"

namespace tern::policy {

namespace {
struct WordName {
  std::string_view name;
  Word word;
  bool takes_table;
};
constexpr WordName kWords[] = {
    {"permit", Word::permit, false},
    {"reject", Word::reject, false},
    {"defer", Word::defer, false},
    {"permit_mynetworks", Word::permit_mynetworks, false},
    {"permit_sasl_authenticated", Word::permit_sasl_authenticated, false},
    {"reject_unauth_destination", Word::reject_unauth_destination, false},
    {"defer_unauth_destination", Word::defer_unauth_destination, false},
    {"permit_auth_destination", Word::permit_auth_destination, false},
    {"reject_unauth_pipelining", Word::reject_unauth_pipelining, false},
    {"reject_non_fqdn_helo_hostname", Word::reject_non_fqdn_helo_hostname, false},
    {"reject_non_fqdn_hostname", Word::reject_non_fqdn_helo_hostname, false},  // old name
    {"reject_invalid_helo_hostname", Word::reject_invalid_helo_hostname, false},
    {"reject_invalid_hostname", Word::reject_invalid_helo_hostname, false},    // old name
    {"reject_non_fqdn_sender", Word::reject_non_fqdn_sender, false},
    {"reject_non_fqdn_recipient", Word::reject_non_fqdn_recipient, false},
    {"check_client_access", Word::check_client_access, true},
    {"check_helo_access", Word::check_helo_access, true},
    {"check_sender_access", Word::check_sender_access, true},
    {"check_recipient_access", Word::check_recipient_access, true},
    {"reject_sender_login_mismatch", Word::reject_sender_login_mismatch, false},
    {"reject_authenticated_sender_login_mismatch", Word::reject_authenticated_sender_login_mismatch, false},
    {"reject_unauthenticated_sender_login_mismatch", Word::reject_unauthenticated_sender_login_mismatch, false},
    {"reject_spf_fail", Word::reject_spf_fail, false},
    {"reject_spf_softfail", Word::reject_spf_softfail, false},
    {"reject_spf_permerror", Word::reject_spf_permerror, false},
    {"defer_spf_temperror", Word::defer_spf_temperror, false},
};

// "<x@y>: Recipient address rejected: " and friends, as Postfix words them.
std::string subject(const Facts& f, Stage stage) {
  switch (stage) {
    case Stage::client: return "<" + f.client + ">: Client host rejected: ";
    case Stage::helo: return "<" + f.helo + ">: Helo command rejected: ";
    case Stage::sender: return "<" + f.sender + ">: Sender address rejected: ";
    case Stage::recipient: return "<" + f.recipient + ">: Recipient address rejected: ";
  }
  return "";
}

Decision reject_with(int code, std::string text, smtp::Status st = smtp::Status::not_authorized) {
  return {Verdict::reject, smtp::Reply{code, st, std::move(text)}};
}

bool is_address_literal(std::string_view h) { return h.size() > 2 && h.front() == '[' && h.back() == ']'; }

bool fqdn_address(std::string_view addr) {
  auto dom = smtp::split_address(addr).domain;
  return !dom.empty() && (fqdn_hostname(dom) || is_address_literal(dom));
}

Decision lookup(const maps::MapList& table, const std::vector<std::string>& keys,
                const std::string& subj, const Facts& f) {
  for (const auto& k : keys) {
    auto r = table.find(k);
    if (!r) {
      Decision d = reject_with(451, subj + "Temporary lookup failure", smtp::Status::system_error);
      d.action_text = r.error().message;
      return d;
    }
    if (*r) return access_action(**r, subj, f);
  }
  return {};
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
}  // namespace

bool uses_spf(const RestrictionList& list) {
  for (Word w : list.words)
    if (w == Word::reject_spf_fail || w == Word::reject_spf_softfail || w == Word::reject_spf_permerror ||
        w == Word::defer_spf_temperror)
      return true;
  return false;
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
      return reject_with(553, subject(f, Stage::sender) + "not owned by user " + f.sasl_username);
  } else if (f.sasl_username.empty() && check_unauthenticated && owners) {
    return reject_with(553, subject(f, Stage::sender) + "not logged in");
  }
  return {};
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
                                const maps::OpenContext& ctx) {
  RestrictionList list{std::string(param), {}, {}};
  for (size_t i = 0; i < words.size(); ++i) {
    const WordName* found = nullptr;
    for (const auto& k : kWords)
      if (words[i] == k.name) found = &k;
    if (!found)
      return Error{std::string(param) + ": unknown restriction \"" + words[i] + "\" (not supported yet)"};
    list.words.push_back(found->word);
    if (!found->takes_table) {
      list.tables.push_back(nullptr);
      continue;
    }
    if (i + 1 >= words.size())
      return Error{std::string(param) + ": " + words[i] + " needs a table (type:name)"};
    auto m = maps::MapList::open({words[++i]}, ctx);
    if (!m) return Error{std::string(param) + ": " + m.error().message};
    list.tables.push_back(std::make_shared<const maps::MapList>(std::move(*m)));
  }
  return list;
}

Decision evaluate(const RestrictionList& list, const Facts& f) {
  bool rcpt = f.stage == Stage::recipient;
  std::string subj = subject(f, f.stage);
  Decision held;  // HOLD does not end the list; it rides along with the final verdict
  for (size_t i = 0; i < list.words.size(); ++i) {
    Decision d;
    switch (list.words[i]) {
      case Word::permit: d = {Verdict::permit, {}}; break;
      case Word::reject: return reject_with(f.reject_code, subj + "Access denied");
      case Word::defer: return reject_with(f.defer_code, subj + "Access denied");
      case Word::permit_mynetworks:
        if (f.client_in_mynetworks) d = {Verdict::permit, {}};
        break;
      case Word::permit_sasl_authenticated:
        if (f.sasl_authenticated) d = {Verdict::permit, {}};
        break;
      case Word::reject_unauth_destination:
        if (rcpt && !f.recipient_authorized)
          return reject_with(f.relay_reject_code, "<" + f.recipient + ">: Relay access denied");
        break;
      case Word::defer_unauth_destination:
        if (rcpt && !f.recipient_authorized)
          return reject_with(454, "<" + f.recipient + ">: Relay access denied");
        break;
      case Word::permit_auth_destination:
        if (rcpt && f.recipient_authorized) d = {Verdict::permit, {}};
        break;
      case Word::reject_unauth_pipelining:
        if (f.improper_pipelining)
          return reject_with(503, subj + "Improper use of SMTP command pipelining", smtp::Status::other_protocol);
        break;
      case Word::reject_non_fqdn_helo_hostname:
        if (!f.helo.empty() && !is_address_literal(f.helo) && !fqdn_hostname(f.helo))
          return reject_with(f.non_fqdn_code, subject(f, Stage::helo) + "need fully-qualified hostname",
                             smtp::Status::bad_command);
        break;
      case Word::reject_invalid_helo_hostname:
        if (!f.helo.empty() && !valid_hostname(f.helo))
          return reject_with(f.invalid_hostname_code, subject(f, Stage::helo) + "Invalid name",
                             smtp::Status::bad_command);
        break;
      case Word::reject_non_fqdn_sender:
        if (!f.sender.empty() && !fqdn_address(f.sender))
          return reject_with(f.non_fqdn_code, subject(f, Stage::sender) + "need fully-qualified address",
                             smtp::Status::bad_syntax_552);
        break;
      case Word::reject_non_fqdn_recipient:
        if (rcpt && !fqdn_address(f.recipient))
          return reject_with(f.non_fqdn_code, subject(f, Stage::recipient) + "need fully-qualified address",
                             smtp::Status::bad_syntax_552);
        break;
      case Word::reject_sender_login_mismatch: d = login_mismatch(f, true, true); break;
      case Word::reject_authenticated_sender_login_mismatch: d = login_mismatch(f, true, false); break;
      case Word::reject_unauthenticated_sender_login_mismatch: d = login_mismatch(f, false, true); break;
      case Word::reject_spf_fail:
      case Word::reject_spf_softfail:
      case Word::reject_spf_permerror:
      case Word::defer_spf_temperror: d = spf_word(list.words[i], f); break;
      case Word::check_client_access:
        d = lookup(*list.tables[i], client_keys(f.client_name, f.client_addr), subject(f, Stage::client), f);
        break;
      case Word::check_helo_access:
        if (!f.helo.empty()) d = lookup(*list.tables[i], domain_keys(f.helo), subject(f, Stage::helo), f);
        break;
      case Word::check_sender_access:
        d = lookup(*list.tables[i], f.sender.empty() ? std::vector<std::string>{"<>"} : address_keys(f.sender, f.recipient_delimiter),
                   subject(f, Stage::sender), f);
        break;
      case Word::check_recipient_access:
        if (rcpt) d = lookup(*list.tables[i], address_keys(f.recipient, f.recipient_delimiter), subject(f, Stage::recipient), f);
        break;
    }
    if (d.action == MessageAction::hold && d.verdict == Verdict::dunno) {
      held = d;
      continue;
    }
    if (d.action == MessageAction::discard) d.verdict = Verdict::permit;
    if (d.verdict != Verdict::dunno) {
      if (d.verdict == Verdict::permit && held.action == MessageAction::hold && d.action == MessageAction::none) {
        d.action = held.action;
        d.action_text = held.action_text;
      }
      return d;
    }
  }
  return held;
}

}  // namespace tern::policy
