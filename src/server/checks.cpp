// The session's restriction stages (Postfix's smtpd_check_*): which lists run at which
// command, the facts they see, what a refusal logs, and what the accepted message carries.
//   smtpd_delay_reject = yes (default): client, HELO and sender lists at each RCPT, before
//     the relay and recipient lists (a client refused is refused at every RCPT).
//   smtpd_delay_reject = no: the client list at connect (a refusal replaces the greeting;
//     then every command but QUIT gets 503), HELO at HELO/EHLO, sender at MAIL.
//   smtpd_data_restrictions at DATA, smtpd_end_of_data_restrictions after the content.
#include <asio/co_spawn.hpp>

#include "base/strings.hpp"
#include "policy/unlisted.hpp"
#include "smtp/address.hpp"
#include "server/session.hpp"

namespace tern::server {

using smtp::Reply;

policy::Facts Session::facts(std::string_view command, std::string_view sender, std::string_view rcpt) const {
  const auto& pp = p();
  policy::Facts f;
  f.command = command;
  f.client_in_mynetworks = client_in_mynetworks_;
  f.client = client_log_name_;
  f.helo = client_.helo;
  f.sender = sender;
  f.recipient = rcpt;
  f.recipient_authorized = recipient_authorized_;
  f.client_name = client_.name;
  f.client_addr = client_.addr;
  f.client_port = client_port_;
  f.recipient_delimiter = pp.recipient_delimiter;
  f.improper_pipelining = pipelined_ahead_;
  f.sasl_authenticated = !client_.sasl_username.empty();
  f.sasl_username = client_.sasl_username;
  f.sasl_method = client_.sasl_method;
  f.sender_login_maps = ctx_->sender_login_maps.get();
  f.reject_code = int(pp.reject_code);
  f.defer_code = int(pp.defer_code);
  f.relay_reject_code = int(pp.relay_domains_reject_code);
  f.access_reject_code = int(pp.access_map_reject_code);
  f.access_defer_code = int(pp.access_map_defer_code);
  f.non_fqdn_code = int(pp.non_fqdn_reject_code);
  f.invalid_hostname_code = int(pp.invalid_hostname_reject_code);
  f.multi_recipient_bounce_code = int(pp.multi_recipient_bounce_reject_code);
  f.recipient_count = rcpts_.size();
  f.spf = spf_ ? &*spf_ : nullptr;
  f.relay_clientcerts = ctx_->relay_clientcerts.get();
  f.ccert_fingerprint = ccert_.fingerprint;
  f.ccert_pubkey_fingerprint = ccert_.pubkey_fingerprint;
  f.ccert_subject = ccert_.subject;
  f.ccert_issuer = ccert_.issuer;
  f.ccert_verified = ccert_.verified;
  f.encryption_protocol = ccert_.protocol;
  f.encryption_cipher = ccert_.cipher;
  f.encryption_keysize = ccert_.keysize;
  // receive_override_options = no_unknown_recipient_checks: reject_unlisted_* have no tables.
  f.recipient_tables = ctx_->overrides.no_unknown_recipient_checks ? nullptr : &ctx_->recipient_tables;
  f.resolver = &ctx_->resolver;
  f.params = &pp;
  f.protocol = client_.protocol;
  f.queue_id = queue_id_;
  f.instance = instance_;
  f.policy_context = pp.smtpd_policy_service_policy_context;
  f.size = message_size_;
  f.server_address = server_addr_;
  f.server_port = server_port_;
  f.classes = &ctx_->classes;
  f.reverse_client_name = reverse_client_name_;
  f.client_name_status = client_name_status_;
  f.reverse_client_name_status = reverse_client_name_status_;
  f.dns_resolver = ctx_->dns.get();
  f.dns_cache = &dns_cache_;
  f.rbl_reject_code = int(pp.maps_rbl_reject_code);
  f.default_rbl_reply = ctx_->default_rbl_reply;
  f.rbl_reply_maps = ctx_->rbl_reply_maps.get();
  return f;
}

// Postfix's log_whatsup(): "NOQUEUE: reject: RCPT from c[a]: 554 …; from=<s> to=<r>
// proto=ESMTP helo=<h>", each of from/to/helo only once known.
void Session::log_policy(std::string_view what, std::string_view command, std::string_view text,
                         std::string_view sender, std::string_view rcpt) const {
  std::string t(text);
  while (!t.empty() && (t.back() == '\n' || t.back() == '\r')) t.pop_back();
  bool has_sender = state_ == State::mail || state_ == State::rcpt || command == "MAIL";
  std::string tail;
  if (has_sender) tail += " from=<" + printable(sender) + ">";
  if (!rcpt.empty()) tail += " to=<" + printable(rcpt) + ">";
  tail += " proto=" + client_.protocol;
  if (!client_.helo.empty()) tail += " helo=<" + printable(client_.helo) + ">";
  log_.info("{}: {}: {} from {}: {};{}", queue_id_.empty() ? "NOQUEUE" : queue_id_, what, command,
            client_.log_name(), printable(t, 512), tail);
}

asio::awaitable<std::optional<Reply>> Session::restrict(StageLists lists, std::string_view command,
                                                        std::string_view sender, std::string_view rcpt,
                                                        std::optional<Reply>* carry_defer) {
  policy::Evaluation ev;
  ev.dry_run = p().smtpd_restriction_dry_run;
  ev.soft_bounce = p().soft_bounce;
  // defer_if_permit remembered at an earlier stage (smtpd_delay_reject = no) waits for this one.
  if (!carry_defer) ev.defer_if_permit = sender_defer_ ? sender_defer_ : session_defer_;
  policy::Facts f = facts(command, sender, rcpt);
  std::optional<Reply> refused;
  for (size_t i = 0; i < lists.size; ++i) {
    const StageList& l = lists.items[i];
    if (l.list->words.empty()) continue;
    f.stage = l.stage;
    policy::Decision d = co_await policy::evaluate(*l.list, f, ev);
    if (!d.log_text.empty()) log_.warning("{}: {}", l.list->param, printable(d.log_text, 512));
    if (d.verdict == policy::Verdict::reject) {
      refused = std::move(d.reply);
      break;
    }
  }
  // The client, HELO and sender stages keep a defer_if_permit for RCPT; the others apply it.
  if (!refused && carry_defer) *carry_defer = ev.defer_if_permit;
  else if (!refused) refused = policy::finish(ev);
  for (const auto& w : ev.warnings) log_.warning("{}", printable(w, 512));
  for (const auto& n : ev.notes) log_policy(n.what, command, n.text, sender, rcpt);
  if (refused) {
    policy_error_ = true;
    log_policy("reject", command, refused->wire(), sender, rcpt);
  } else if (!ev.actions.empty()) {
    // Actions from the client and HELO stages (smtpd_delay_reject = no) hold for the session.
    (carry_defer == &session_defer_ ? session_actions_ : actions_).merge(ev.actions);
  }
  co_return refused;
}

asio::awaitable<std::optional<Reply>> Session::on_connect() {
  if (ctx_->delay_reject || ctx_->client_r.words.empty()) co_return std::nullopt;
  auto r = co_await restrict(single(&ctx_->client_r, policy::Stage::client), "CONNECT", "", "", &session_defer_);
  if (r) access_denied_ = r;
  co_return r;
}

asio::awaitable<std::optional<Reply>> Session::check_recipient(const std::string& addr, bool for_vrfy) {
  const auto& pp = p();
  // Decide on the address as it will be routed ("user%remote@local" is remote mail).
  std::string routed = ctx_->resolver.rewrite(addr);
  auto domain = smtp::split_address(routed).domain;
  auto authorized = ctx_->resolver.authorized_destination(domain);
  if (!authorized)
    co_return Reply{451, smtp::Status::system_error, "<" + addr + ">: Recipient address rejected: Temporary lookup failure"};
  recipient_authorized_ = *authorized;
  StageLists lists;
  if (ctx_->delay_reject) {
    lists.add(&ctx_->client_r, policy::Stage::client);
    lists.add(&ctx_->helo_r, policy::Stage::helo);
    lists.add(&ctx_->sender_r, policy::Stage::sender);
  }
  if (!for_vrfy) lists.add(&ctx_->relay_r, policy::Stage::recipient);
  lists.add(&ctx_->recipient_r, policy::Stage::recipient);
  // A recipient refused after its lists passed takes back what they asked for.
  policy::MessageActions before = actions_;
  if (auto r = co_await restrict(lists, for_vrfy ? "VRFY" : "RCPT", sender_, addr, nullptr)) co_return r;
  std::optional<Reply> unlisted;
  bool check_unlisted = !ctx_->overrides.no_unknown_recipient_checks;  // receive_override_options
  if (check_unlisted && pp.smtpd_reject_unlisted_sender && !sender_.empty())
    unlisted = policy::unlisted_address(ctx_->recipient_tables, ctx_->resolver, pp, sender_, "Sender");
  // A message being discarded takes any recipient, as Postfix's DISCARD does (spam traps).
  bool discarding = actions_.discard || session_actions_.discard;
  if (!unlisted && check_unlisted && pp.smtpd_reject_unlisted_recipient && (for_vrfy || !discarding))
    unlisted = policy::unlisted_address(ctx_->recipient_tables, ctx_->resolver, pp, addr, "Recipient");
  if (unlisted) log_policy("reject", for_vrfy ? "VRFY" : "RCPT", unlisted->wire(), sender_, addr);
  if (unlisted || for_vrfy) actions_ = std::move(before);  // VRFY delivers nothing either
  co_return unlisted;
}

asio::awaitable<std::optional<Reply>> Session::check_end_of_data(size_t size) {
  if (ctx_->end_of_data_r.words.empty()) co_return std::nullopt;
  message_size_ = size;
  co_return co_await restrict(single(&ctx_->end_of_data_r, policy::Stage::end_of_data), "END-OF-MESSAGE", sender_,
                              rcpts_.size() == 1 ? std::string_view(rcpts_[0].address) : "", nullptr);
}

// The actions access answers asked for, applied to the accepted message (Postfix's
// cleanup does the same): PREPEND on top, BCC added, REDIRECT replacing the recipients,
// FILTER as the route of every recipient (the queue manager applies Envelope::filter).
void Session::apply_actions(Message& m) const {
  policy::MessageActions a = session_actions_;
  a.merge(actions_);
  if (a.hold) m.envelope.hold = true;
  std::string headers;
  for (const auto& h : a.prepend) headers += h + "\n";
  if (!headers.empty()) m.content.insert(0, headers);
  if (!a.redirect.empty()) {
    Recipient r{a.redirect};
    r.original = m.envelope.recipients.empty() ? "" : m.envelope.recipients.front().original_or_address();
    m.envelope.recipients = {std::move(r)};
  } else if (!a.filter.empty()) {
    m.envelope.filter = a.filter;  // Postfix: REDIRECT overrides FILTER
  }
  for (const auto& b : a.bcc) {
    Recipient r{b};
    r.notify = notify_never;  // the sender does not hear about a recipient it did not name
    m.envelope.recipients.push_back(std::move(r));
  }
}

}  // namespace tern::server
