// Session context; see context.hpp.
#include "server/context.hpp"

#include <algorithm>

#include "base/log.hpp"
#include "base/strings.hpp"
#include "dns/unbound_resolver.hpp"
#include "maps/lookup.hpp"
#include "policy/dnsbl.hpp"
#include "policy/unknown_words.hpp"
#include "smtp/address.hpp"
#include "tls/fingerprint.hpp"

namespace tern::server {

bool SmtpdContext::in_mynetworks(const IpAddress& a) const {
  for (const auto& n : mynetworks)
    if (n.contains(a)) return true;
  return false;
}

bool SmtpdContext::in(const std::vector<Cidr>& nets, const IpAddress& a) {
  for (const auto& n : nets)
    if (n.contains(a)) return true;
  return false;
}

bool SmtpdContext::verp_allowed(const IpAddress& a) const {
  for (const auto& n : verp_clients)
    if (n.contains(a)) return true;
  return false;
}

Result<std::vector<Cidr>> parse_networks(const std::vector<std::string>& entries) {
  std::vector<Cidr> out;
  for (const auto& e : entries) {
    if (e.find(':') != std::string::npos && e.front() != '[' && !IpAddress::parse(e.substr(0, e.find('/'))))
      return Error{"mynetworks: \"" + e + "\": lookup tables in mynetworks are not supported yet"};
    if (!e.empty() && e.front() == '/')
      return Error{"mynetworks: \"" + e + "\": file names in mynetworks are not supported yet"};
    auto c = Cidr::parse(e);
    if (!c) return Error{"mynetworks: " + c.error().message};
    out.push_back(*c);
  }
  return out;
}

namespace {

// SmtpdContext::inbound_auth from the dkim_verify_*, dmarc_* and authres_* parameters.
Status prepare_inbound_auth(SmtpdContext& ctx, const config::Params& p, asio::io_context* io) {
  if (ctx.overrides.no_milters) return ok_status();  // the milters' work (receive_overrides.hpp)
  auto o = dmarc::inbound_options(p);
  if (!o) return o.error();
  if (!o->dkim_verify && o->dmarc.mode == dmarc::Mode::off) return ok_status();
  if (p.disable_dns_lookups) {
    log::Logger{"smtpd"}.info("DKIM verification, DMARC and Authentication-Results are off: DNS lookups are "
                              "disabled (disable_dns_lookups = yes)");
    return ok_status();
  }
  if (!ctx.spf) {
    auto s = spf::settings(p);
    if (!s) return s.error();
    ctx.spf = std::move(*s);
  }
  if (!ctx.dns) {
    auto dns = dns::make_resolver(p, io);
    if (!dns) return Error{"DKIM verification and DMARC need the DNS: " + dns.error().message};
    ctx.dns = std::move(*dns);
  }
  ctx.inbound_auth = std::move(*o);
  return ok_status();
}

// The restriction lists and classes, compiled once. A class is a main.cf parameter named
// in smtpd_restriction_classes whose value is a list of words, like the lists themselves.
Status compile_restrictions(SmtpdContext& ctx, const config::Config& cfg, const config::Service& service,
                            const maps::OpenContext& mctx, const policy::DelegateRegistry* delegates) {
  const config::Params& p = service.params;
  policy::CompileContext cc{mctx, delegates, &p.smtpd_restriction_classes, !p.disable_dns_lookups,
                            p.smtpd_peername_lookup};
  for (const auto& name : p.smtpd_restriction_classes) {
    if (policy::is_delegate_word(name) || name.find_first_of(":{}") != std::string::npos)
      return Error{"smtpd_restriction_classes: \"" + name + "\" is not a valid class name"};
    std::string text;
    auto raw = std::find_if(service.entry.overrides.begin(), service.entry.overrides.end(),
                            [&](const auto& o) { return o.first == name; });
    if (raw != service.entry.overrides.end()) {
      text = raw->second;
    } else if (auto m = cfg.main_cf.find(name); m != cfg.main_cf.end()) {
      text = m->second.value;
    } else {
      return Error{"smtpd_restriction_classes: class " + name + " has no definition (" + name + " = ... in main.cf)"};
    }
    auto expanded = config::expand_value(text, cfg.main_cf, cfg.directory);
    if (!expanded) return Error{name + ": " + expanded.error().message};
    auto c = policy::compile(name, split_list(*expanded), cc);
    if (!c) return c.error();
    ctx.classes.emplace(name, std::move(*c));
  }
  struct {
    policy::RestrictionList* out;
    const char* name;
    const std::vector<std::string>* words;
  } lists[] = {{&ctx.client_r, "smtpd_client_restrictions", &p.smtpd_client_restrictions},
               {&ctx.helo_r, "smtpd_helo_restrictions", &p.smtpd_helo_restrictions},
               {&ctx.sender_r, "smtpd_sender_restrictions", &p.smtpd_sender_restrictions},
               {&ctx.relay_r, "smtpd_relay_restrictions", &p.smtpd_relay_restrictions},
               {&ctx.recipient_r, "smtpd_recipient_restrictions", &p.smtpd_recipient_restrictions},
               {&ctx.data_r, "smtpd_data_restrictions", &p.smtpd_data_restrictions},
               {&ctx.end_of_data_r, "smtpd_end_of_data_restrictions", &p.smtpd_end_of_data_restrictions}};
  for (auto& l : lists) {
    auto c = policy::compile(l.name, *l.words, cc);
    if (!c) return c.error();
    *l.out = std::move(*c);
  }
  if (auto fp = tls::peer_fingerprints(nullptr, p.smtpd_tls_fingerprint_digest); !fp) return fp.error();
  if (!p.relay_clientcerts.empty()) {
    auto m = maps::MapList::open(p.relay_clientcerts, mctx);
    if (!m) return Error{"relay_clientcerts: " + m.error().message};
    ctx.relay_clientcerts = std::make_shared<const maps::MapList>(std::move(*m));
  }
  return ok_status();
}

bool uses_dns(const SmtpdContext& c) {
  for (const auto* l : {&c.client_r, &c.helo_r, &c.sender_r, &c.relay_r, &c.recipient_r, &c.data_r, &c.end_of_data_r})
    if (policy::uses_dns(*l)) return true;
  for (const auto& [name, l] : c.classes)
    if (policy::uses_dns(l)) return true;
  return false;
}

// The raw value of a parameter for this service: its -o override, else main.cf, else
// the default (for templates whose $names are expanded per use, not at load).
std::string raw_param(const config::Config& cfg, const config::Service& service, std::string_view name) {
  for (const auto& [k, v] : service.entry.overrides)
    if (k == name) return v;
  return cfg.raw_value(name);
}

// default_rbl_reply and rbl_reply_maps, when a list names a DNS list word.
Status prepare_dns_lists(SmtpdContext& ctx, const config::Config& cfg, const config::Service& service,
                         const maps::OpenContext& mctx) {
  const config::Params& p = service.params;
  ctx.default_rbl_reply = raw_param(cfg, service, "default_rbl_reply");
  policy::RblFacts sample;
  sample.code = int(p.maps_rbl_reject_code);
  sample.rbl_class = policy::kClientClass;
  sample.what = sample.client_address = "192.0.2.1";
  sample.domain = "dnsbl.example";
  if (auto r = policy::rbl_reply(ctx.default_rbl_reply, sample); !r) return Error{"default_rbl_reply: " + r.error().message};
  if (!p.rbl_reply_maps.empty()) {
    auto m = maps::MapList::open(p.rbl_reply_maps, mctx);
    if (!m) return Error{"rbl_reply_maps: " + m.error().message};
    ctx.rbl_reply_maps = std::make_shared<const maps::MapList>(std::move(*m));
  }
  return ok_status();
}

// smtpd_peername_lookup: the resolver the sessions learn client names with. Without a
// restriction that needs it, a resolver that cannot be made leaves names "unknown" (logged).
Status prepare_client_names(SmtpdContext& ctx, const config::Params& p, asio::io_context* io) {
  for (auto [name, value] : {std::pair{"reject_tempfail_action", &p.reject_tempfail_action},
                             {"unknown_address_tempfail_action", &p.unknown_address_tempfail_action},
                             {"unknown_helo_hostname_tempfail_action", &p.unknown_helo_hostname_tempfail_action}})
    if (auto st = policy::check_tempfail_action(name, *value); !st) return st;
  if (!p.smtpd_peername_lookup || p.disable_dns_lookups) return ok_status();
  if (!ctx.dns) {
    auto dns = dns::make_resolver(p, io);
    if (!dns) {
      log::Logger{"smtpd"}.warning("client hostnames are not looked up (smtpd_peername_lookup): {}", dns.error().message);
      return ok_status();
    }
    ctx.dns = std::move(*dns);
  }
  ctx.peername_lookup = true;
  return ok_status();
}

bool uses_spf(const SmtpdContext& c) {
  for (const auto* l : {&c.client_r, &c.helo_r, &c.sender_r, &c.relay_r, &c.recipient_r, &c.data_r, &c.end_of_data_r})
    if (policy::uses_spf(*l)) return true;
  for (const auto& [name, l] : c.classes)
    if (policy::uses_spf(l)) return true;
  return false;
}

// smtpd_milters for this service. Milters for local submission and per-client milter
// tables are not implemented: saying so beats silently not filtering that mail.
Status prepare_milters(SmtpdContext& ctx, const config::Params& p) {
  if (!p.non_smtpd_milters.empty())
    return Error{"non_smtpd_milters is not supported: locally submitted mail (sendmail, pickup) does not pass "
                 "through milters in Tern; leave non_smtpd_milters empty"};
  // milter_header_checks is refused by cleanup's checks (message/content_checks.cpp).
  if (!p.smtpd_milter_maps.empty())
    return Error{"smtpd_milter_maps is not supported: use smtpd_milters (per service with -o in master.cf)"};
  // receive_override_options = no_milters: this service runs none (the re-injection
  // service behind a content filter: the mail met the milters on its first pass).
  if (p.smtpd_milters.empty() || ctx.overrides.no_milters) return ok_status();
  auto s = milter::load_settings(p, p.smtpd_milters);
  if (!s) return s.error();
  ctx.milters = std::move(*s);
  return ok_status();
}

}  // namespace

Result<std::shared_ptr<const SmtpdContext>> make_context(std::shared_ptr<const config::Config> cfg,
                                                         const config::Service& service,
                                                         asio::io_context* io,
                                                         const policy::DelegateRegistry* delegates) {
  auto ctx = std::make_shared<SmtpdContext>();
  const config::Params& p = service.params;
  ctx->config = cfg;
  ctx->params = &p;
  ctx->service = service.entry.service;
  // smtpd may be chrooted: it reads the system passwd database once, here.
  maps::OpenContext mctx{cfg->directory, p.local_passwd_file, true};
  auto resolver = route::AddressResolver::make(p, mctx);
  if (!resolver) return resolver.error();
  ctx->resolver = std::move(*resolver);
  auto rt = route::RecipientTables::make(p, mctx);
  if (!rt) return rt.error();
  ctx->recipient_tables = std::move(*rt);
  if (auto st = compile_restrictions(*ctx, *cfg, service, mctx, delegates); !st) return st.error();
  if (uses_spf(*ctx)) {
    auto s = spf::settings(p);
    if (!s) return s.error();
    ctx->spf = std::move(*s);
    auto dns = dns::make_resolver(p, io);
    if (!dns) return Error{"SPF restrictions need the DNS: " + dns.error().message};
    ctx->dns = std::move(*dns);
  }
  if (uses_dns(*ctx)) {
    if (auto st = prepare_dns_lists(*ctx, *cfg, service, mctx); !st) return st.error();
    if (!ctx->dns) {
      auto dns = dns::make_resolver(p, io);
      if (!dns) return Error{"DNS list restrictions need the DNS: " + dns.error().message};
      ctx->dns = std::move(*dns);
    }
  }
  if (auto st = prepare_client_names(*ctx, p, io); !st) return st.error();
  auto overrides = ReceiveOverrides::parse(p.receive_override_options);
  if (!overrides) return overrides.error();
  ctx->overrides = *overrides;
  ctx->content_filter = std::string(trim(p.content_filter));
  if (!ctx->content_filter.empty() &&
      (ctx->content_filter.find(':') == std::string::npos || ctx->content_filter.front() == ':'))
    return Error{"content_filter: \"" + ctx->content_filter + "\": expected transport:destination"};
  auto xforward = parse_networks(p.smtpd_authorized_xforward_hosts);
  if (!xforward) return Error{"smtpd_authorized_xforward_hosts: " + xforward.error().message};
  ctx->xforward_hosts = std::move(*xforward);
  if (auto st = prepare_inbound_auth(*ctx, p, io); !st) return st.error();
  auto nets = parse_networks(p.mynetworks);
  if (!nets) return nets.error();
  ctx->mynetworks = std::move(*nets);
  auto verp = parse_networks(p.smtpd_authorized_verp_clients);
  if (!verp) return Error{"smtpd_authorized_verp_clients: " + verp.error().message};
  ctx->verp_clients = std::move(*verp);
  auto exc = parse_networks(p.smtpd_client_event_limit_exceptions);
  if (!exc) return Error{"smtpd_client_event_limit_exceptions: " + exc.error().message};
  ctx->limit_exceptions = std::move(*exc);
  ctx->rate_limits = RateLimits::from(p);
  auto bare = parse_networks(p.smtpd_forbid_bare_newline_exclusions);
  if (!bare) return Error{"smtpd_forbid_bare_newline_exclusions: " + bare.error().message};
  ctx->bare_newline_exclusions = std::move(*bare);
  // "no" and "normalize" both keep the strict end of DATA (CRLF.CRLF only): Tern never
  // lets a bare LF end a message; "reject" also refuses bare LF lines outright.
  const std::string& fbn = p.smtpd_forbid_bare_newline;
  if (fbn != "no" && fbn != "normalize" && fbn != "reject" && fbn != "yes")
    return Error{"smtpd_forbid_bare_newline: \"" + fbn + "\": expected no, normalize or reject"};
  ctx->reject_bare_newline = fbn == "reject" || fbn == "yes";
  ctx->smtputf8 = p.smtputf8_enable;
  ctx->delay_reject = p.smtpd_delay_reject;
  ctx->banner = p.smtpd_banner;
  if (auto st = prepare_milters(*ctx, p); !st) return st.error();
  auto tls = tls::ServerContext::make(p, service.entry.service);
  if (!tls) return tls.error();
  ctx->tls = std::move(*tls);
  if (p.smtpd_sasl_auth_enable) {
    asio::io_context scratch;  // for `ternd -n`: the back end is checked, then dropped
    auto backend = sasl::make_backend(io ? *io : scratch, p);
    if (!backend) return Error{"smtpd_sasl_type " + p.smtpd_sasl_type + ": " + backend.error().message};
    if (io) ctx->sasl = std::move(*backend);
    ctx->sasl_throttle = std::make_shared<sasl::FailureThrottle>();
  }
  if (!p.smtpd_sender_login_maps.empty()) {
    auto m = maps::MapList::open(p.smtpd_sender_login_maps, mctx);
    if (!m) return Error{"smtpd_sender_login_maps: " + m.error().message};
    ctx->sender_login_maps = std::make_shared<const maps::MapList>(std::move(*m));
  }
  ctx->max_message_size = p.message_size_limit > 0 ? size_t(p.message_size_limit) : 0;
  for (const auto& c : p.notify_classes) {
    ctx->notify_policy |= c == "policy";
    ctx->notify_protocol |= c == "protocol";
    ctx->notify_resource |= c == "resource";
  }
  ctx->error_notice_recipient = smtp::qualify_address(p.error_notice_recipient, p.myorigin);
  ctx->notice_sender = smtp::qualify_address(p.double_bounce_sender, p.myorigin);
  ctx->ehlo_keywords = {"PIPELINING"};
  ctx->ehlo_keywords.push_back(ctx->max_message_size ? "SIZE " + std::to_string(ctx->max_message_size)
                                                     : "SIZE");
  ctx->ehlo_keywords.push_back("ENHANCEDSTATUSCODES");
  ctx->ehlo_keywords.push_back("8BITMIME");
  ctx->ehlo_keywords.push_back("DSN");
  if (p.smtputf8_enable) ctx->ehlo_keywords.push_back("SMTPUTF8");
  ctx->ehlo_keywords.push_back("CHUNKING");
  // smtpd_discard_ehlo_keywords: what the admin does not want offered.
  std::erase_if(ctx->ehlo_keywords, [&](const std::string& k) {
    std::string word = k.substr(0, k.find(' '));
    for (const auto& d : p.smtpd_discard_ehlo_keywords)
      if (iequals(d, word)) return true;
    return false;
  });
  return std::shared_ptr<const SmtpdContext>(std::move(ctx));
}

}  // namespace tern::server
