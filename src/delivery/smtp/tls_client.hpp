// The smtp client's TLS: one OpenSSL client context per agent (CA file/path, client
// certificate), per-connection protocol and cipher settings from the effective TlsPolicy,
// the handshake over a Channel, the peer check Postfix makes at each level (Untrusted,
// Trusted: the chain verifies; Verified: it also matches a required name — hostname at
// "verify", nexthop/dot-nexthop at "secure" by default; at "dane" with usable TLSA records,
// OpenSSL's DANE verification with the TLSA base domain as SNI name), the log line
//   Verified TLS connection established to mx.example.net[192.0.2.1]:25: TLSv1.3 with
//   cipher TLS_AES_256_GCM_SHA384 (256/256 bits) key-exchange X25519 server-signature
//   RSA-PSS (2048 bits) server-digest SHA256
// (logged at smtp_tls_loglevel >= 1, as in Postfix) and an in-memory session cache per
// (nexthop, host, level) so reconnects resume.
#pragma once
#include <openssl/ssl.h>

#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "base/result.hpp"
#include "config/params.hpp"
#include "delivery/smtp/channel.hpp"
#include "delivery/smtp/family.hpp"
#include "delivery/smtp/tls_policy.hpp"
#include "tls/dane.hpp"

namespace tern::delivery::smtp {

// Who the handshake is with, for name checks, the cache and the log.
struct TlsTarget {
  std::string nexthop;   // the nexthop domain or host (no brackets or port)
  std::string hostname;  // the server's host name
  std::string peer;      // "host[addr]:port"
};

struct TlsResult {
  bool ok = false;
  std::string dsn = "4.7.5";
  std::string error;     // why the session may not go on under this policy
  bool handshake_failed = false;  // (for "may": retry in plaintext)
  bool trusted = false, verified = false;
  bool reused = false;            // the handshake resumed a cached session
  long verify_error = 0;          // OpenSSL's X509_V_ERR_* for the chain (0: it verified)
  std::string summary;   // the log line
  std::string detail;    // why verification failed (OpenSSL's reason, the DANE match), for the log
};

class TlsClient {
 public:
  // `p` supplies the cipher grade lists (tls_*_cipherlist); `tp` the smtp_ or lmtp_ family.
  static Result<std::unique_ptr<TlsClient>> make(const config::Params& p, TlsParams tp);
  ~TlsClient();

  // The level in force when no table entry applies.
  const TlsPolicy& default_policy() const { return default_; }
  // smtp_tls_loglevel (lmtp_tls_loglevel): 1 logs the summary line, 2 also session cache activity.
  long long loglevel() const { return tp_.loglevel; }
  const TlsParams& params() const { return tp_; }
  // tls_dane_digests, parsed: what RFC 7672's decision may use (dane.hpp).
  const tls::DaneDigests& dane_digests() const { return digests_; }
  // The names a certificate must match under `pol` for `t`.
  std::vector<std::string> match_names(const TlsPolicy& pol, const TlsTarget& t) const;
  // Handshake and peer check on `ch` (STARTTLS already accepted).
  TlsResult handshake(Channel& ch, const TlsPolicy& pol, const TlsTarget& t, Deadline d);

 private:
  TlsClient() = default;
  static int new_session(SSL* ssl, SSL_SESSION* sess);
  void remember(const std::string& key, SSL_SESSION* sess);
  Status configure(SSL* ssl, const TlsPolicy& pol) const;

  const config::Params* params_ = nullptr;
  TlsParams tp_;
  SSL_CTX* ctx_ = nullptr;
  TlsPolicy default_;
  tls::DaneDigests digests_;
  std::vector<std::string> verify_match_, secure_match_;
  std::mutex mu_;
  std::map<std::string, SSL_SESSION*> sessions_;
};

// The tables of smtp_tls_policy_maps (lmtp_tls_policy_maps), opened; errors name the parameter.
Result<std::vector<std::shared_ptr<const maps::Lookup>>> open_policy_maps(const TlsParams& tp, const std::string& config_dir);

// Postfix's client summary line (without the peer's certificate details).
std::string client_summary(const SSL* ssl, std::string_view trust, std::string_view peer);

}  // namespace tern::delivery::smtp
