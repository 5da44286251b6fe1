// tls::ServerPolicy: one master.cf service's smtpd_tls_* settings parsed once from its
// Params into typed values — the security level, wrapper mode, the certificate files, and
// the protocols, cipher list and key-exchange groups that apply at that level
// (smtpd_tls_protocols / smtpd_tls_ciphers at "may", the _mandatory_ ones at "encrypt").
// Building the OpenSSL context from it is ServerContext's job (server_context.hpp).
#pragma once
#include <chrono>
#include <string>
#include <vector>

#include "base/result.hpp"
#include "config/params.hpp"
#include "tls/ciphers.hpp"
#include "tls/protocols.hpp"

namespace tern::tls {

enum class Level { none, may, encrypt };

struct KeyPair {
  std::string cert_file;  // leaf certificate then its chain, PEM
  std::string key_file;   // may be the same file
};

struct ServerPolicy {
  std::string service;  // master.cf service name; the session id context
  Level level = Level::none;
  bool wrapper_mode = false;  // TLS from connect (port 465)

  // Either chain_files (Postfix 3.4: each file holds key, certificate, chain; several
  // groups allowed) or the RSA / ECDSA pairs from smtpd_tls_[ec]cert_file.
  std::vector<std::string> chain_files;
  std::vector<KeyPair> pairs;
  std::string ca_file, ca_path;
  bool ask_ccert = false, require_ccert = false;
  int ccert_verify_depth = 9;

  ProtocolRange protocols;          // for `level`
  std::string protocols_param;      // which parameter it came from, for messages
  Grade grade = Grade::medium;
  std::string cipher_list;          // grade list + ":!X" exclusions
  std::string ciphers_param;
  std::string groups;               // SSL_CTX_set1_groups_list; "" = OpenSSL default
  std::string dh_param_file;        // "" = OpenSSL's automatic DH parameters
  bool preempt_ciphers = false;     // tls_preempt_cipherlist

  std::chrono::seconds session_timeout{3600};  // 0 disables the cache and tickets
  std::chrono::seconds reload_interval{60};    // 0 disables the automatic check
  int loglevel = 0;
  bool received_header = false;

  std::vector<std::string> warnings;  // for the caller to log once

  bool enabled() const { return level != Level::none; }
  bool required() const { return level == Level::encrypt; }
  bool has_certificate() const { return !chain_files.empty() || !pairs.empty(); }
  // Files whose change triggers a reload: certificates, keys, DH parameters, CAfile.
  std::vector<std::string> watched_files() const;

  // Parses the level (smtpd_tls_security_level, else the legacy smtpd_enforce_tls /
  // smtpd_use_tls) and everything above. Errors name the parameter.
  static Result<ServerPolicy> from(const config::Params& p, std::string service);
};

// "none" / "may" / "encrypt".
std::string_view level_name(Level level);

}  // namespace tern::tls
