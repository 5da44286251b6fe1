// client_settings(); see settings.hpp.
#include "delivery/smtp/settings.hpp"

#include <tuple>

#include "base/strings.hpp"

namespace tern::delivery::smtp {

namespace {

Status inet_protocols(const config::Params& p, ClientSettings& s) {
  s.ipv4 = s.ipv6 = false;
  for (const auto& v : p.inet_protocols) {
    std::string w = lower(v);
    if (w == "all") s.ipv4 = s.ipv6 = true;
    else if (w == "ipv4") s.ipv4 = true;
    else if (w == "ipv6") s.ipv6 = true;
    else return Error{"inet_protocols: unknown protocol \"" + v + "\""};
  }
  if (!s.ipv4 && !s.ipv6) return Error{"inet_protocols: no protocol enabled"};
  return ok_status();
}

}  // namespace

Result<ClientSettings> client_settings(const config::Params& p, bool lmtp) {
  ClientSettings s;
  s.lmtp = lmtp;
  DialogueSettings& d = s.dialogue;
  d.lmtp = lmtp;
  d.helo_name = lmtp ? p.lmtp_lhlo_name : p.smtp_helo_name;
  // Probes stop after RCPT TO; Postfix's "data" (probe through DATA, for servers that
  // reject only then) is not built.
  if (auto t = trim(p.smtp_address_verify_target); !t.empty() && !iequals(t, "rcpt"))
    return Error{"smtp_address_verify_target = " + p.smtp_address_verify_target +
                 ": only \"rcpt\" is supported (probes stop after RCPT TO)"};
  d.never_ehlo = p.smtp_never_send_ehlo;
  for (const auto& k : p.smtp_discard_ehlo_keywords) d.discard_ehlo.push_back(lower(k));
  d.mime_downgrade = !p.disable_mime_output_conversion;
  d.line_length_limit = size_t(std::max<long long>(0, p.smtp_line_length_limit));
  Timeouts& t = d.t;
  if (lmtp) {
    t = {p.lmtp_connect_timeout, p.lmtp_lhlo_timeout, p.lmtp_mail_timeout, p.lmtp_rcpt_timeout,
         p.lmtp_data_init_timeout, p.lmtp_data_xfer_timeout, p.lmtp_data_done_timeout, p.lmtp_quit_timeout,
         p.lmtp_rset_timeout, p.lmtp_starttls_timeout};
    s.default_port = p.lmtp_tcp_port;
    s.cache_on_demand = p.lmtp_connection_cache_on_demand;
    s.reuse_time_limit = p.lmtp_connection_reuse_time_limit;
    s.sasl = p.lmtp_sasl_auth_enable;
    d.send_xforward = p.lmtp_send_xforward_command;
    t.xforward = p.lmtp_xforward_timeout;
  } else {
    t = {p.smtp_connect_timeout, p.smtp_helo_timeout, p.smtp_mail_timeout, p.smtp_rcpt_timeout,
         p.smtp_data_init_timeout, p.smtp_data_xfer_timeout, p.smtp_data_done_timeout, p.smtp_quit_timeout,
         p.smtp_rset_timeout, p.smtp_starttls_timeout};
    s.default_port = p.smtp_tcp_port;
    s.cache_on_demand = p.smtp_connection_cache_on_demand;
    s.reuse_time_limit = p.smtp_connection_reuse_time_limit;
    s.sasl = p.smtp_sasl_auth_enable;
    d.send_xforward = p.smtp_send_xforward_command;
    t.xforward = p.smtp_xforward_timeout;
    s.tls_wrappermode = p.smtp_tls_wrappermode;
    s.note_starttls_offer = p.smtp_tls_note_starttls_offer;
    s.sender_dependent_auth = p.smtp_sender_dependent_authentication;
    for (auto [text, out, v6, name] : {std::tuple{&p.smtp_bind_address, &s.bind_address, false, "smtp_bind_address"},
                                       std::tuple{&p.smtp_bind_address6, &s.bind_address6, true, "smtp_bind_address6"}}) {
      std::string_view v = trim(*text);
      if (v.empty()) continue;
      auto ip = IpAddress::parse(v);
      if (!ip || ip->v6 != v6) return Error{std::string(name) + ": not an IPv" + (v6 ? "6" : "4") + " address: \"" + *text + "\""};
      *out = *ip;
    }
    for (std::string_view r : split_any(p.smtp_fallback_relay, ", \t\r\n")) s.fallback_relays.emplace_back(r);
  }
  s.mx_address_limit = size_t(std::max<long long>(0, p.smtp_mx_address_limit));
  s.mx_session_limit = size_t(std::max<long long>(0, p.smtp_mx_session_limit));
  s.skip_5xx_greeting = p.smtp_skip_5xx_greeting;
  s.tls_connection_reuse = p.smtp_tls_connection_reuse;
  s.cache_time_limit = p.smtp_connection_cache_time_limit;
  s.reuse_count_limit = size_t(std::max<long long>(0, p.smtp_connection_reuse_count_limit));
  std::string pref = lower(trim(p.smtp_address_preference));
  if (pref != "any" && pref != "ipv4" && pref != "ipv6")
    return Error{"smtp_address_preference: invalid value \"" + p.smtp_address_preference + "\""};
  s.prefer_ipv4 = pref == "ipv4";
  s.prefer_ipv6 = pref == "ipv6";
  if (auto st = inet_protocols(p, s); !st) return st.error();
  s.queue_directory = p.queue_directory;
  s.myhostname = p.myhostname;
  return s;
}

}  // namespace tern::delivery::smtp
