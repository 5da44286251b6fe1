#include "dmarc/inbound.hpp"

#include "dkim/verify_await.hpp"
#include "dmarc/evaluate.hpp"
#include "dmarc/verifier_inputs.hpp"

namespace tern::dmarc {

Result<InboundOptions> inbound_options(const config::Params& p) {
  auto s = settings_from(p);
  if (!s) return s.error();
  InboundOptions o;
  o.authserv_id = p.authres_authserv_id;
  o.dkim_verify = p.dkim_verify_enable;
  o.dkim = dkim::verify_options(p);
  o.dmarc = std::move(*s);
  if (p.dmarc_report_enable) o.report_database = p.dmarc_report_database;
  return o;
}

asio::awaitable<InboundResult> authenticate(dns::Resolver& resolver, const InboundOptions& opt,
                                            std::string_view content, SpfInput spf) {
  InboundResult out;
  out.results.authserv_id = opt.authserv_id;
  out.results.spf = std::move(spf);
  if (opt.dkim_verify) {
    out.signatures = co_await dkim::async_verify_message(resolver, std::string(content), opt.dkim);
    out.results.dkim = dkim_inputs(out.signatures);
  }
  out.input = {content, *out.results.spf, out.results.dkim, false};
  if (opt.dmarc.mode != Mode::off) {
    Evaluation e = co_await evaluate(resolver, opt.dmarc.discovery(), out.input);
    out.disposition = decide(e, opt.dmarc);
    out.results.dmarc = std::move(e);
  }
  // RFC 8601 §2.7.1: an unsigned message is reported as dkim=none (DMARC saw no signature).
  if (opt.dkim_verify && out.signatures.empty())
    out.results.dkim.push_back({DkimResult::none, "", "", "", "message not signed"});
  co_return out;
}

}  // namespace tern::dmarc
