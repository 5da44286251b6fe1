// The session's SPF check: once per transaction, just before its first RCPT is answered
// (restrictions are evaluated at RCPT, smtpd_delay_reject), awaiting the DNS on the
// session's event loop. Only when a restriction list names an SPF word; not for clients
// in mynetworks or SASL-authenticated ones (they are not checked against SPF, as with a
// policy service placed after permit_mynetworks and permit_sasl_authenticated).
#include "server/session.hpp"

#include "base/strings.hpp"
#include "spf/received.hpp"

namespace tern::server {

bool Session::spf_wanted() const {
  if (!ctx_->spf || !ctx_->dns || spf_ || (state_ != State::mail && state_ != State::rcpt)) return false;
  return !client_in_mynetworks_ && client_.sasl_username.empty() && client_ip_;
}

bool Session::spf_due(std::string_view line) const {
  return spf_wanted() && smtp::parse_command(line).verb == smtp::Verb::rcpt;
}

asio::awaitable<void> Session::check_spf() {
  spf::Query q = spf::mail_from_query(*client_ip_, sender_, client_.helo);
  ctx_->spf->apply(q);
  spf_ = co_await spf::check_host(*ctx_->dns, q);
  const spf::Outcome& o = *spf_;
  log_.info("{}: SPF {}: client={}, identity={}, sender=<{}>, helo=<{}>{}{}", queue_id_.empty() ? "NOQUEUE" : queue_id_,
            spf::verdict_name(o.verdict), client_.log_name(), spf::identity_name(q.identity), printable(q.sender),
            printable(client_.helo), o.mechanism.empty() ? "" : ", mechanism=" + printable(o.mechanism),
            o.problem.empty() ? "" : ", problem=" + printable(o.problem));
  if (p().spf_received_header) spf_header_ = spf::received_spf(q, o, sender_);
}

}  // namespace tern::server
