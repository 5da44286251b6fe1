// The parameter family a client agent reads, as Postfix's one smtp(8) program does under
// its two names: smtp_tls_* / smtp_sasl_* for SMTP, lmtp_tls_* / lmtp_sasl_* for LMTP.
// TlsClient and SaslClient read these views, never the Params fields by name.
#pragma once
#include <chrono>
#include <string>
#include <vector>

#include "config/params.hpp"

namespace tern::delivery::smtp {

struct TlsParams {
  std::string prefix;  // "smtp" or "lmtp", for messages ("smtp_tls_CAfile: …")
  std::string security_level;
  bool use_tls = false, enforce_tls = false;
  std::string ca_file, ca_path, cert_file, key_file;
  std::vector<std::string> protocols, mandatory_protocols;
  std::string ciphers, mandatory_ciphers;
  std::vector<std::string> exclude_ciphers, mandatory_exclude_ciphers;
  std::vector<std::string> verify_cert_match, secure_cert_match;
  std::string servername;
  long long verify_depth = 9, loglevel = 0;
  std::chrono::seconds session_cache_timeout{3600};
  std::vector<std::string> policy_maps;
};

struct SaslParams {
  std::string prefix;
  bool enable = false;
  std::vector<std::string> password_maps, security_options, tls_security_options, mechanism_filter;
  bool soft_bounce = true;  // smtp_sasl_auth_soft_bounce (Postfix has no lmtp_ one)
};

TlsParams tls_params(const config::Params& p, bool lmtp);
SaslParams sasl_params(const config::Params& p, bool lmtp);

}  // namespace tern::delivery::smtp
