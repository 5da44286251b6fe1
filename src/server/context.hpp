// What a session needs from the configuration, prepared once per service and reload:
// the typed params, compiled restriction lists, address classes, mynetworks, the EHLO
// keyword list. Sessions share it read-only through a shared_ptr; a reload makes a new one.
#pragma once
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "base/net.hpp"
#include "base/result.hpp"
#include "config/config.hpp"
#include "dmarc/inbound.hpp"
#include "dns/resolver.hpp"
#include "maps/lookup.hpp"
#include "message/receive_overrides.hpp"
#include "milter/settings.hpp"
#include "policy/restrictions.hpp"
#include "route/recipients.hpp"
#include "route/resolve.hpp"
#include "server/anvil.hpp"
#include "sasl/backend.hpp"
#include "sasl/throttle.hpp"
#include "spf/settings.hpp"
#include "tls/server_context.hpp"

namespace tern::server {

struct SmtpdContext {
  std::shared_ptr<const config::Config> config;  // keeps `params` alive
  const config::Params* params = nullptr;        // the service's params (with -o overrides)
  std::string service;                           // master.cf service name
  route::AddressResolver resolver;
  route::RecipientTables recipient_tables;  // smtpd_reject_unlisted_recipient/_sender
  policy::RestrictionList client_r, helo_r, sender_r, relay_r, recipient_r, data_r, end_of_data_r;
  policy::RestrictionClasses classes;                      // smtpd_restriction_classes
  std::shared_ptr<const maps::MapList> relay_clientcerts;  // permit_tls_clientcerts
  bool delay_reject = true;                                // smtpd_delay_reject
  std::vector<Cidr> mynetworks;
  std::vector<Cidr> verp_clients;  // smtpd_authorized_verp_clients
  std::string banner;
  std::vector<std::string> ehlo_keywords;
  size_t max_message_size = 0;  // 0 = unlimited
  std::shared_ptr<tls::ServerContext> tls;  // disabled unless smtpd_tls_security_level says so
  std::shared_ptr<sasl::Backend> sasl;       // set when smtpd_sasl_auth_enable = yes
  std::shared_ptr<sasl::FailureThrottle> sasl_throttle;
  std::shared_ptr<const maps::MapList> sender_login_maps;
  // notify_classes the server reports (policy, protocol, resource); any set = keep a transcript
  bool notify_policy = false, notify_protocol = false, notify_resource = false;
  std::string error_notice_recipient;  // qualified with $myorigin
  std::string notice_sender;           // $double_bounce_sender@$myorigin
  // SPF: set when a restriction list names an SPF word (reject_spf_fail, ...); only then
  // does a session check SPF (and add Received-SPF when spf_received_header = yes).
  std::optional<spf::Settings> spf;
  std::shared_ptr<dns::Resolver> dns;  // the resolver on the role's event loop, when needed
  // The DNS list words (reject_rbl_client, …): the raw default_rbl_reply template (its
  // $rbl_* names are expanded per reply), checked at startup, and rbl_reply_maps.
  std::string default_rbl_reply;
  // smtpd_peername_lookup = yes with the DNS allowed: a session learns the client's
  // hostname (PTR, then forward confirmation) before its greeting.
  bool peername_lookup = false;
  std::shared_ptr<const maps::MapList> rbl_reply_maps;

  // Inbound authentication at the end of DATA (authres.cpp): DKIM verification, DMARC and
  // one Authentication-Results field. Set when dkim_verify_enable = yes or dmarc_mode is
  // not off, and the DNS may be used (not with disable_dns_lookups = yes); SPF then runs
  // for every transaction (spf is set too), not only when a restriction word names it.
  std::optional<dmarc::InboundOptions> inbound_auth;

  // smtpd_milters (milter_hooks.cpp): set when the service has any.
  std::optional<milter::Settings> milters;

  bool in_mynetworks(const IpAddress& a) const;
  bool verp_allowed(const IpAddress& a) const;
  std::vector<Cidr> limit_exceptions;    // smtpd_client_event_limit_exceptions
  RateLimits rate_limits;                // smtpd_client_*_limit (anvil.hpp)
  std::vector<Cidr> bare_newline_exclusions;
  bool reject_bare_newline = false;      // smtpd_forbid_bare_newline = reject
  bool smtputf8 = false;
  ReceiveOverrides overrides;            // receive_override_options
  std::string content_filter;            // transport:nexthop every message goes to first, "" none
  std::vector<Cidr> xforward_hosts;      // smtpd_authorized_xforward_hosts
  static bool in(const std::vector<Cidr>& nets, const IpAddress& a);
};

// `io` is the smtpd role's event loop (the SASL back end lives on it). `delegates` makes
// the policy delegates restriction words name (check_policy_service, check_greylist, …);
// without it, or for a kind it does not have, such a word is a configuration error.
Result<std::shared_ptr<const SmtpdContext>> make_context(std::shared_ptr<const config::Config> cfg,
                                                         const config::Service& service,
                                                         asio::io_context* io = nullptr,
                                                         const policy::DelegateRegistry* delegates = nullptr);

// mynetworks entries → networks; table and file forms are not supported yet.
Result<std::vector<Cidr>> parse_networks(const std::vector<std::string>& entries);

}  // namespace tern::server
