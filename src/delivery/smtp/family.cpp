// tls_params() and sasl_params(); see family.hpp.
#include "delivery/smtp/family.hpp"

namespace tern::delivery::smtp {

TlsParams tls_params(const config::Params& p, bool lmtp) {
  if (!lmtp)
    return {"smtp", p.smtp_tls_security_level, p.smtp_use_tls, p.smtp_enforce_tls, p.smtp_tls_CAfile,
            p.smtp_tls_CApath, p.smtp_tls_cert_file, p.smtp_tls_key_file, p.smtp_tls_protocols,
            p.smtp_tls_mandatory_protocols, p.smtp_tls_ciphers, p.smtp_tls_mandatory_ciphers,
            p.smtp_tls_exclude_ciphers, p.smtp_tls_mandatory_exclude_ciphers, p.smtp_tls_verify_cert_match,
            p.smtp_tls_secure_cert_match, p.smtp_tls_servername, p.smtp_tls_scert_verifydepth,
            p.smtp_tls_loglevel, p.smtp_tls_session_cache_timeout, p.smtp_tls_policy_maps};
  return {"lmtp", p.lmtp_tls_security_level, p.lmtp_use_tls, p.lmtp_enforce_tls, p.lmtp_tls_CAfile,
          p.lmtp_tls_CApath, p.lmtp_tls_cert_file, p.lmtp_tls_key_file, p.lmtp_tls_protocols,
          p.lmtp_tls_mandatory_protocols, p.lmtp_tls_ciphers, p.lmtp_tls_mandatory_ciphers,
          p.lmtp_tls_exclude_ciphers, p.lmtp_tls_mandatory_exclude_ciphers, p.lmtp_tls_verify_cert_match,
          p.lmtp_tls_secure_cert_match, p.lmtp_tls_servername, p.lmtp_tls_scert_verifydepth,
          p.lmtp_tls_loglevel, p.lmtp_tls_session_cache_timeout, p.lmtp_tls_policy_maps};
}

SaslParams sasl_params(const config::Params& p, bool lmtp) {
  if (!lmtp)
    return {"smtp", p.smtp_sasl_auth_enable, p.smtp_sasl_password_maps, p.smtp_sasl_security_options,
            p.smtp_sasl_tls_security_options, p.smtp_sasl_mechanism_filter, p.smtp_sasl_auth_soft_bounce};
  return {"lmtp", p.lmtp_sasl_auth_enable, p.lmtp_sasl_password_maps, p.lmtp_sasl_security_options,
          p.lmtp_sasl_tls_security_options, p.lmtp_sasl_mechanism_filter, p.smtp_sasl_auth_soft_bounce};
}

}  // namespace tern::delivery::smtp
