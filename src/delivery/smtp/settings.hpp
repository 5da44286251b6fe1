// One smtp or lmtp service's settings, read once from its Params (main.cf with the
// master.cf -o overrides): the lmtp_* names for the LMTP client, smtp_* for SMTP, as in
// Postfix where the one program reads either family by its name.
#pragma once
#include <chrono>
#include <optional>
#include <string>
#include <vector>

#include "base/net.hpp"
#include "base/result.hpp"
#include "config/params.hpp"
#include "delivery/smtp/session.hpp"

namespace tern::delivery::smtp {

struct ClientSettings {
  bool lmtp = false;
  DialogueSettings dialogue;
  std::string default_port = "smtp";
  size_t mx_address_limit = 5;   // 0 = unlimited
  size_t mx_session_limit = 2;   // 0 = unlimited
  bool ipv4 = true, ipv6 = true; // inet_protocols
  bool prefer_ipv6 = false, prefer_ipv4 = false;  // smtp_address_preference
  bool skip_5xx_greeting = true;
  bool cache_on_demand = true;
  bool tls_connection_reuse = false;
  bool tls_wrappermode = false;  // smtp_tls_wrappermode: TLS from connect (port 465)
  std::chrono::seconds cache_time_limit{2}, reuse_time_limit{300};
  size_t reuse_count_limit = 0;  // 0 = unlimited
  bool sasl = false;
  std::vector<std::string> fallback_relays;
  std::optional<IpAddress> bind_address, bind_address6;  // smtp_bind_address[6]
  bool note_starttls_offer = false;                     // smtp_tls_note_starttls_offer
  bool sender_dependent_auth = false;                   // smtp_sender_dependent_authentication  // smtp_fallback_relay, tried after the nexthop's hosts
  std::string queue_directory;   // LMTP unix: paths are relative to it
  std::string myhostname;
  std::string hosts_file = "/etc/hosts";
};

Result<ClientSettings> client_settings(const config::Params& p, bool lmtp);

}  // namespace tern::delivery::smtp
