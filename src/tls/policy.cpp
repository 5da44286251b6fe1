// ServerPolicy::from: Postfix's smtpd TLS parameter semantics in one place.
#include "tls/policy.hpp"

#include "base/strings.hpp"
#include "tls/groups.hpp"

namespace tern::tls {
namespace {

Result<Level> parse_level(const config::Params& p) {
  std::string v = lower(trim(p.smtpd_tls_security_level));
  if (v.empty()) return p.smtpd_enforce_tls ? Level::encrypt
                        : p.smtpd_use_tls   ? Level::may
                                            : Level::none;
  if (v == "none") return Level::none;
  if (v == "may") return Level::may;
  if (v == "encrypt") return Level::encrypt;
  return Error{"smtpd_tls_security_level: invalid value \"" + p.smtpd_tls_security_level +
               "\" (expected none, may or encrypt)"};
}

void add_pair(std::vector<KeyPair>& out, const std::string& cert, const std::string& key) {
  if (trim(cert).empty()) return;
  out.push_back({std::string(trim(cert)), trim(key).empty() ? std::string(trim(cert))
                                                            : std::string(trim(key))});
}

// Protocols, cipher grade and exclusions: the mandatory set at "encrypt", else the
// opportunistic one.
Status parse_crypto(const config::Params& p, ServerPolicy& s) {
  bool m = s.required();
  s.protocols_param = m ? "smtpd_tls_mandatory_protocols" : "smtpd_tls_protocols";
  auto pr = parse_protocols(m ? p.smtpd_tls_mandatory_protocols : p.smtpd_tls_protocols,
                            s.protocols_param);
  if (!pr) return pr.error();
  s.protocols = *pr;
  s.ciphers_param = m ? "smtpd_tls_mandatory_ciphers" : "smtpd_tls_ciphers";
  auto g = parse_grade(m ? p.smtpd_tls_mandatory_ciphers : p.smtpd_tls_ciphers,
                       s.ciphers_param, &s.warnings);
  if (!g) return g.error();
  s.grade = *g;
  auto cl = cipher_list(s.grade, p,
                        m ? p.smtpd_tls_mandatory_exclude_ciphers : p.smtpd_tls_exclude_ciphers,
                        m ? "smtpd_tls_mandatory_exclude_ciphers" : "smtpd_tls_exclude_ciphers");
  if (!cl) return cl.error();
  s.cipher_list = *cl;
  auto groups = eecdh_groups(p, &s.warnings);
  if (!groups) return groups.error();
  s.groups = *groups;
  return ok_status();
}

}  // namespace

Result<ServerPolicy> ServerPolicy::from(const config::Params& p, std::string service) {
  ServerPolicy s;
  s.service = std::move(service);
  auto level = parse_level(p);
  if (!level) return level.error();
  s.level = *level;
  s.wrapper_mode = p.smtpd_tls_wrappermode;
  if (s.wrapper_mode && s.level == Level::none) {
    // Postfix refuses to run wrapper mode without TLS; a port-465 service is TLS anyway.
    s.warnings.push_back("smtpd_tls_wrappermode = yes needs smtpd_tls_security_level = may "
                         "or encrypt; using may");
    s.level = Level::may;
  }
  for (const auto& f : p.smtpd_tls_chain_files)
    if (!trim(f).empty()) s.chain_files.emplace_back(trim(f));
  if (s.chain_files.empty()) {
    add_pair(s.pairs, p.smtpd_tls_cert_file, p.smtpd_tls_key_file);
    add_pair(s.pairs, p.smtpd_tls_eccert_file, p.smtpd_tls_eckey_file);
  }
  s.ca_file = std::string(trim(p.smtpd_tls_CAfile));
  s.ca_path = std::string(trim(p.smtpd_tls_CApath));
  s.ask_ccert = p.smtpd_tls_ask_ccert || p.smtpd_tls_req_ccert;
  s.require_ccert = p.smtpd_tls_req_ccert && s.required();
  s.ccert_verify_depth = int(p.smtpd_tls_ccert_verifydepth);
  if (s.enabled())
    if (auto st = parse_crypto(p, s); !st) return st.error();
  s.dh_param_file = std::string(trim(p.smtpd_tls_dh1024_param_file));
  s.preempt_ciphers = p.tls_preempt_cipherlist;
  s.session_timeout = p.smtpd_tls_session_cache_timeout;
  s.reload_interval = p.tls_cert_reload_interval;
  s.loglevel = int(p.smtpd_tls_loglevel);
  s.received_header = p.smtpd_tls_received_header;
  return s;
}

std::vector<std::string> ServerPolicy::watched_files() const {
  std::vector<std::string> out = chain_files;
  for (const auto& kp : pairs) {
    out.push_back(kp.cert_file);
    if (kp.key_file != kp.cert_file) out.push_back(kp.key_file);
  }
  if (!dh_param_file.empty()) out.push_back(dh_param_file);
  if (!ca_file.empty()) out.push_back(ca_file);
  return out;
}

std::string_view level_name(Level level) {
  switch (level) {
    case Level::none: return "none";
    case Level::may: return "may";
    case Level::encrypt: return "encrypt";
  }
  return "none";
}

}  // namespace tern::tls
