// The session's inbound authentication at the end of DATA (SmtpdContext::inbound_auth):
// Authentication-Results fields claiming our authserv-id are removed (RFC 8601 §5), the
// transaction's SPF result taken (checked now if no RCPT did), then dmarc::authenticate()
// verifies DKIM, evaluates DMARC and gives the field and the action. All DNS goes through
// the context's resolver on the session's event loop. Clients in mynetworks and
// SASL-authenticated ones are exempt: their mail is ours to sign, not to judge; it gets
// no field, but forged ones are still removed. With dmarc_report_enable each evaluation
// is recorded in dmarc_report_database for `tern dmarc report`.
#include "base/strings.hpp"
#include "dmarc/auth_results.hpp"
#include "dmarc/authserv_id.hpp"
#include "dmarc/report_store.hpp"
#include "dmarc/verifier_inputs.hpp"
#include "server/session.hpp"

namespace tern::server {

namespace {

// decide()'s "550 5.7.1 text" as a Reply.
smtp::Reply dmarc_reject_reply(std::string_view wire) {
  constexpr std::string_view kPrefix = "550 5.7.1 ";
  if (wire.starts_with(kPrefix)) wire.remove_prefix(kPrefix.size());
  return {550, smtp::Status::not_authorized, std::string(wire)};
}

constexpr const char* kAction[] = {"accept", "reject", "hold", "header"};  // dmarc::Action

}  // namespace

asio::awaitable<Session::Authenticated> Session::authenticate(std::string& content) {
  Authenticated out;
  const dmarc::InboundOptions& opt = *ctx_->inbound_auth;
  const std::string qid = queue_id_;
  auto removed = dmarc::remove_our_auth_results(content, opt.authserv_id);
  if (removed.count) {
    log_.info("{}: removed {} Authentication-Results header(s) claiming authserv-id {}", qid, removed.count,
              printable(opt.authserv_id));
    content = std::move(removed.content);
  }
  if (client_in_mynetworks_ || !client_.sasl_username.empty() || !client_ip_) co_return out;

  if (!spf_) co_await check_spf();
  auto r = co_await dmarc::authenticate(*ctx_->dns, opt, content,
                                        dmarc::spf_input(spf_->verdict, sender_, client_.helo, spf_->problem));
  for (const auto& s : r.signatures)
    log_.info("{}: DKIM {}: d={}, s={}, a={}{}", qid, dkim::result_name(s.result), printable(s.domain),
              printable(s.selector), printable(s.algorithm), s.reason.empty() ? "" : ", reason=" + printable(s.reason));
  if (const auto& e = r.results.dmarc) {
    const dmarc::Verdict* v = e->decisive();
    log_.info("{}: DMARC {}: header_from={}, policy_domain={}, policy={}, action={}{}", qid,
              dmarc::outcome_name(e->result), v ? printable(v->from_domain) : "", v ? printable(v->policy_domain) : "",
              v ? dmarc::policy_name(v->applied) : "none", kAction[int(r.disposition.action)],
              opt.dmarc.mode == dmarc::Mode::report ? " (dmarc_mode = report)" : "");
  }
  const dmarc::Disposition& d = r.disposition;
  if (r.results.dmarc && !opt.report_database.empty()) {  // for tern dmarc report
    auto rows = dmarc::result_rows(*r.results.dmarc, r.input, d, client_.addr, int64_t(arrival_), opt.dmarc.method);
    if (auto st = dmarc::append_rows(opt.report_database, rows); !st)
      log_.warning("{}: DMARC results not recorded: {}", qid, st.error().message);
  }
  if (d.action == dmarc::Action::reject) out.reject = dmarc_reject_reply(d.reply);
  out.hold = d.action == dmarc::Action::hold;
  out.headers = dmarc::build_auth_results(r.results) + "\n";
  if (d.action == dmarc::Action::add_header) out.headers += d.header + "\n";
  co_return out;
}

}  // namespace tern::server
