// What a finished server handshake was, read from the SSL object, and the two texts
// Postfix makes of it: the log line (tls_log_summary(), smtpd_tls_loglevel >= 1)
//   Anonymous TLS connection established from mail.example.org[192.0.2.7]: TLSv1.3 with
//   cipher TLS_AES_256_GCM_SHA384 (256/256 bits) key-exchange X25519 server-signature
//   RSA-PSS (2048 bits) server-digest SHA256
// and the Received: header comment (smtpd_tls_received_header = yes). As in Postfix the
// key-exchange and signature details are reported for TLS 1.3 only; fields OpenSSL cannot
// tell are left out.
#pragma once
#include <openssl/ssl.h>

#include <string>
#include <string_view>

namespace tern::tls {

struct HandshakeInfo {
  std::string protocol;  // "TLSv1.3"
  std::string cipher;    // OpenSSL's name, "TLS_AES_256_GCM_SHA384"
  int cipher_usebits = 0, cipher_algbits = 0;
  std::string kex_name, kex_curve;  // "X25519" / "ECDHE" + "prime256v1" / "DHE"
  int kex_bits = 0;
  std::string server_sig_name, server_sig_curve, server_sig_digest;
  int server_sig_bits = 0;
  std::string client_sig_name, client_sig_curve, client_sig_digest;
  int client_sig_bits = 0;
  bool peer_cert = false;      // the client presented a certificate
  bool peer_verified = false;  // ... and it verified against smtpd_tls_CAfile/CApath
  std::string peer_cn, issuer_cn;
  bool session_reused = false;
};

// Reads a server-side SSL after a successful handshake.
HandshakeInfo describe(const SSL* ssl);

// Postfix's summary line. `client` is "name[addr]"; `sni` the accepted SNI name or "".
std::string summary_line(const HandshakeInfo& info, std::string_view client,
                         std::string_view sni = "");

// The Received: header comment lines after "Received: from …", folded with "\n\t" as
// Postfix writes them (no leading tab, no trailing newline):
//   (using TLSv1.3 with cipher TLS_AES_256_GCM_SHA384 (256/256 bits)
//   	 key-exchange X25519 server-signature RSA-PSS (2048 bits) server-digest SHA256)
//   	(No client certificate requested)
// `asked_ccert` is smtpd_tls_ask_ccert (it picks the wording of the last line).
std::string received_comment(const HandshakeInfo& info, bool asked_ccert);

}  // namespace tern::tls
