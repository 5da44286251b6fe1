// The SASL client; see sasl_client.hpp.
#include "delivery/smtp/sasl_client.hpp"

#include <algorithm>

#include "base/strings.hpp"
#include "sasl/base64.hpp"

namespace tern::delivery::smtp {

Result<SaslOptions> parse_sasl_options(const std::vector<std::string>& list, std::string_view param) {
  SaslOptions o;
  for (const auto& item : list) {
    std::string v = lower(item);
    if (v == "noplaintext") o.noplaintext = true;
    else if (v == "noanonymous") o.noanonymous = true;
    else if (v == "nodictionary" || v == "mutual_auth" || v == "noactive" || v == "forward_secrecy") continue;
    else return Error{std::string(param) + ": unknown option \"" + item + "\""};
  }
  return o;
}

Result<SaslPlan> plan_auth(const std::vector<std::string>& offered, const std::vector<std::string>& filter,
                           const SaslOptions& opts, const SaslCredentials& c) {
  auto allowed = [&](std::string_view mech) {
    bool on_offer = std::any_of(offered.begin(), offered.end(), [&](const auto& m) { return iequals(m, mech); });
    bool filtered = filter.empty() || std::any_of(filter.begin(), filter.end(), [&](const auto& m) { return iequals(m, mech); });
    return on_offer && filtered && !opts.noplaintext;  // both known mechanisms send the password in clear
  };
  SaslPlan p;
  if (allowed("PLAIN")) {
    p.mechanism = "PLAIN";
    p.initial = sasl::base64_encode(std::string(1, '\0') + c.user + std::string(1, '\0') + c.password);
    return p;
  }
  if (allowed("LOGIN")) {
    p.mechanism = "LOGIN";
    p.responses = {sasl::base64_encode(c.user), sasl::base64_encode(c.password)};
    return p;
  }
  return Error{"no mechanism available"};
}

Result<std::unique_ptr<SaslClient>> SaslClient::make(const SaslParams& p, const std::string& config_dir) {
  auto c = std::make_unique<SaslClient>();
  maps::OpenContext ctx;
  ctx.config_dir = config_dir;
  for (const auto& spec : p.password_maps) {
    auto m = maps::open_map(spec, ctx);
    if (!m) return Error{p.prefix + "_sasl_password_maps: " + m.error().message};
    c->maps_.push_back(std::move(*m));
  }
  auto plain = parse_sasl_options(p.security_options, p.prefix + "_sasl_security_options");
  if (!plain) return plain.error();
  auto tls = parse_sasl_options(p.tls_security_options, p.prefix + "_sasl_tls_security_options");
  if (!tls) return tls.error();
  c->plain_opts_ = *plain;
  c->tls_opts_ = *tls;
  c->filter_ = p.mechanism_filter;
  c->soft_bounce_ = p.soft_bounce;
  return c;
}

Result<std::optional<SaslCredentials>> SaslClient::lookup(std::string_view nexthop_text, const Nexthop& n,
                                                          std::string_view hostname, std::string_view sender) const {
  std::vector<std::string> keys;
  if (!sender.empty()) keys.push_back(lower(sender));
  for (std::string k : {lower(trim(nexthop_text)), n.key(), std::string(hostname),
                        "[" + std::string(hostname) + "]:" + std::to_string(n.port), n.host})
    keys.push_back(std::move(k));
  for (const auto& key : keys) {
    for (const auto& m : maps_) {
      auto v = m->find(key);
      if (!v) return Error{"SASL password table " + m->spec() + ": " + v.error().message};
      if (!*v) continue;
      std::string_view val = trim(**v);
      auto colon = val.find(':');
      SaslCredentials c;
      c.user = std::string(val.substr(0, colon));
      if (colon != std::string_view::npos) c.password = std::string(val.substr(colon + 1));
      return std::optional<SaslCredentials>(std::move(c));
    }
  }
  return std::optional<SaslCredentials>();
}

}  // namespace tern::delivery::smtp
