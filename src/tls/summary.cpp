// Handshake description and Postfix's wording for it (tls_misc.c tls_log_summary() and
// tls_get_signature_params(), smtpd.c's Received: header).
#include "tls/summary.hpp"

#include <openssl/evp.h>
#include <openssl/objects.h>
#include <openssl/x509.h>

#include <fmt/format.h>

namespace tern::tls {
namespace {

std::string curve_name(const EVP_PKEY* pkey) {
  char buf[80];
  size_t len = 0;
  if (EVP_PKEY_get_group_name(pkey, buf, sizeof buf, &len) == 1) return std::string(buf, len);
  return "";
}

// Postfix's naming: RSA keys sign with RSA-PSS under TLS 1.3, EC keys are "ECDSA".
void sig_params(const EVP_PKEY* pkey, std::string& name, std::string& curve, int& bits) {
  int id = EVP_PKEY_get_base_id(pkey);
  if (id == EVP_PKEY_RSA || id == EVP_PKEY_RSA_PSS) {
    name = "RSA-PSS";
    bits = EVP_PKEY_get_bits(pkey);
  } else if (id == EVP_PKEY_EC) {
    name = "ECDSA";
    curve = curve_name(pkey);
  } else if (const char* sn = OBJ_nid2sn(id); sn && id != NID_undef) {
    name = sn;
  }
}

std::string cn_of(const X509_NAME* n) {
  char buf[256] = "";
  if (n && X509_NAME_get_text_by_NID(const_cast<X509_NAME*>(n), NID_commonName, buf, sizeof buf) > 0)
    return buf;
  return "";
}

void tls13_details(SSL* s, HandshakeInfo& info) {
  EVP_PKEY* dh = nullptr;
  if (SSL_get_peer_tmp_key(s, &dh) == 1 && dh) {
    int id = EVP_PKEY_get_base_id(dh);
    if (id == EVP_PKEY_DH) {
      info.kex_name = "DHE";
      info.kex_bits = EVP_PKEY_get_bits(dh);
    } else if (id == EVP_PKEY_EC) {
      info.kex_name = "ECDHE";
      info.kex_curve = curve_name(dh);
    } else if (const char* sn = OBJ_nid2sn(id)) {
      info.kex_name = sn;  // X25519, X448
    }
    EVP_PKEY_free(dh);
  }
  int nid = NID_undef;
  if (X509* local = SSL_get_certificate(s)) {
    sig_params(X509_get0_pubkey(local), info.server_sig_name, info.server_sig_curve,
               info.server_sig_bits);
    if (SSL_get_signature_nid(s, &nid) == 1 && nid != NID_undef)
      info.server_sig_digest = OBJ_nid2sn(nid);
  }
  if (X509* peer = SSL_get0_peer_certificate(s)) {
    sig_params(X509_get0_pubkey(peer), info.client_sig_name, info.client_sig_curve,
               info.client_sig_bits);
    if (SSL_get_peer_signature_nid(s, &nid) == 1 && nid != NID_undef)
      info.client_sig_digest = OBJ_nid2sn(nid);
  }
}

void append_sig(std::string& out, std::string_view role, const std::string& name,
                const std::string& curve, int bits, const std::string& digest) {
  if (name.empty()) return;
  out += fmt::format("{}-signature {}", role, name);
  if (!curve.empty()) out += fmt::format(" ({})", curve);
  else if (bits > 0) out += fmt::format(" ({} bits)", bits);
  if (!digest.empty()) out += fmt::format(" {}-digest {}", role, digest);
}

std::string kex_text(const HandshakeInfo& i) {
  if (i.kex_name.empty()) return "";
  std::string out = "key-exchange " + i.kex_name;
  if (!i.kex_curve.empty()) out += " (" + i.kex_curve + ")";
  else if (i.kex_bits > 0) out += fmt::format(" ({} bits)", i.kex_bits);
  return out;
}

// Received: comments are parenthesised text; keep parentheses and controls out.
std::string comment_safe(std::string_view s) {
  std::string out;
  for (unsigned char c : s) out += (c < 0x20 || c == 0x7f || c == '(' || c == ')' || c == '"' || c == '\\') ? '?' : char(c);
  return out;
}

}  // namespace

HandshakeInfo describe(const SSL* ssl) {
  SSL* s = const_cast<SSL*>(ssl);  // several OpenSSL getters are not const-correct
  HandshakeInfo info;
  info.protocol = SSL_get_version(s);
  if (const SSL_CIPHER* c = SSL_get_current_cipher(s)) {
    info.cipher = SSL_CIPHER_get_name(c);
    info.cipher_usebits = SSL_CIPHER_get_bits(c, &info.cipher_algbits);
  }
  info.session_reused = SSL_session_reused(s) == 1;
  if (X509* peer = SSL_get0_peer_certificate(s)) {
    info.peer_cert = true;
    info.peer_verified = SSL_get_verify_result(s) == X509_V_OK;
    info.peer_cn = cn_of(X509_get_subject_name(peer));
    info.issuer_cn = cn_of(X509_get_issuer_name(peer));
  }
  if (SSL_version(s) >= TLS1_3_VERSION) tls13_details(s, info);
  return info;
}

std::string summary_line(const HandshakeInfo& i, std::string_view client, std::string_view sni) {
  std::string out = fmt::format(
      "{} TLS connection established from {}{}{}: {} with cipher {} ({}/{} bits)",
      !i.peer_cert ? "Anonymous" : i.peer_verified ? "Trusted" : "Untrusted", client,
      sni.empty() ? "" : " to ", sni, i.protocol, i.cipher, i.cipher_usebits, i.cipher_algbits);
  if (std::string kex = kex_text(i); !kex.empty()) out += " " + kex;
  if (!i.server_sig_name.empty()) out += " ";
  append_sig(out, "server", i.server_sig_name, i.server_sig_curve, i.server_sig_bits,
             i.server_sig_digest);
  if (!i.client_sig_name.empty()) out += " ";
  append_sig(out, "client", i.client_sig_name, i.client_sig_curve, i.client_sig_bits,
             i.client_sig_digest);
  return out;
}

std::string received_comment(const HandshakeInfo& i, bool asked_ccert) {
  std::string out = fmt::format("(using {} with cipher {} ({}/{} bits)", i.protocol, i.cipher,
                                i.cipher_usebits, i.cipher_algbits);
  // Postfix continues on a new line (tab, space) with the key exchange and signatures.
  std::string more = kex_text(i);
  if (!i.server_sig_name.empty()) {
    if (!more.empty()) more += " ";
    append_sig(more, "server", i.server_sig_name, i.server_sig_curve, i.server_sig_bits,
               i.server_sig_digest);
  }
  if (!more.empty()) out += "\n\t " + more;
  if (!i.client_sig_name.empty()) {
    out += "\n\t ";
    append_sig(out, "client", i.client_sig_name, i.client_sig_curve, i.client_sig_bits,
               i.client_sig_digest);
  }
  out += ")";
  if (i.peer_cert)
    out += fmt::format("\n\t(Client CN \"{}\", Issuer \"{}\" ({}))", comment_safe(i.peer_cn),
                       comment_safe(i.issuer_cn), i.peer_verified ? "verified OK" : "not verified");
  else if (asked_ccert)
    out += "\n\t(Client did not present a certificate)";
  else
    out += "\n\t(No client certificate requested)";
  return out;
}

}  // namespace tern::tls
