// The client TLS context, handshake and peer checks; see tls_client.hpp.
#include "delivery/smtp/tls_client.hpp"

#include <openssl/x509v3.h>

#include <fmt/format.h>

#include "base/strings.hpp"
#include "tls/ciphers.hpp"
#include "tls/protocols.hpp"
#include "tls/ssl_error.hpp"
#include "tls/summary.hpp"

namespace tern::delivery::smtp {

namespace {

// The cache key travels with the SSL (TLS 1.3 tickets arrive after the handshake) and is
// freed with it.
void free_key(void*, void* ptr, CRYPTO_EX_DATA*, int, long, void*) { delete static_cast<std::string*>(ptr); }
int cache_key_index() {
  static const int idx = SSL_get_ex_new_index(0, nullptr, nullptr, nullptr, &free_key);
  return idx;
}
int client_index() {
  static const int idx = SSL_get_ex_new_index(0, nullptr, nullptr, nullptr, nullptr);
  return idx;
}

Result<TlsLevel> default_level(const TlsParams& t) {
  std::string v(trim(t.security_level));
  if (v.empty()) return t.enforce_tls ? TlsLevel::encrypt : t.use_tls ? TlsLevel::may : TlsLevel::none;
  auto l = parse_level(v);
  if (!l) return Error{t.prefix + "_tls_security_level: invalid value \"" + v + "\""};
  return *l;
}

// Postfix's match names: "hostname", "nexthop", "dot-nexthop", else a literal name.
std::string expand_match(const std::string& m, const TlsTarget& t) {
  if (m == "hostname") return t.hostname;
  if (m == "nexthop") return t.nexthop;
  if (m == "dot-nexthop") return "." + t.nexthop;
  return m;
}

}  // namespace

Result<std::unique_ptr<TlsClient>> TlsClient::make(const config::Params& p, TlsParams tp) {
  std::unique_ptr<TlsClient> c(new TlsClient);
  c->params_ = &p;
  c->tp_ = std::move(tp);
  const TlsParams& t = c->tp_;
  auto level = default_level(t);
  if (!level) return level.error();
  c->default_.level = *level;
  for (const auto& m : t.verify_cert_match) c->verify_match_.push_back(lower(m));
  for (const auto& m : t.secure_cert_match) c->secure_match_.push_back(lower(m));
  // Check the protocol lists now, so a typo is a startup error.
  for (auto [list, name] : {std::pair{&t.protocols, "_tls_protocols"}, std::pair{&t.mandatory_protocols, "_tls_mandatory_protocols"}})
    if (auto r = tls::parse_protocols(*list, t.prefix + name); !r) return r.error();
  auto digests = tls::parse_dane_digests(p.tls_dane_digests);
  if (!digests) return digests.error();
  c->digests_ = std::move(*digests);
  c->ctx_ = SSL_CTX_new(TLS_client_method());
  if (!c->ctx_) return Error{tls::ssl_errors("SSL_CTX_new failed")};
  if (auto d = tls::enable_dane(c->ctx_, c->digests_); !d) return d.error();
  SSL_CTX_set_verify(c->ctx_, SSL_VERIFY_NONE, nullptr);  // checked after the handshake
  SSL_CTX_set_verify_depth(c->ctx_, int(t.verify_depth));
  std::string cafile(trim(t.ca_file)), capath(trim(t.ca_path));
  if (!cafile.empty() || !capath.empty()) {
    if (SSL_CTX_load_verify_locations(c->ctx_, cafile.empty() ? nullptr : cafile.c_str(),
                                      capath.empty() ? nullptr : capath.c_str()) != 1)
      return Error{t.prefix + "_tls_CAfile/" + t.prefix + "_tls_CApath: " + tls::ssl_errors("cannot load CA certificates")};
  } else {
    SSL_CTX_set_default_verify_paths(c->ctx_);
  }
  std::string cert(trim(t.cert_file)), key(trim(t.key_file));
  if (!cert.empty()) {
    if (key.empty()) key = cert;
    if (SSL_CTX_use_certificate_chain_file(c->ctx_, cert.c_str()) != 1 ||
        SSL_CTX_use_PrivateKey_file(c->ctx_, key.c_str(), SSL_FILETYPE_PEM) != 1 ||
        SSL_CTX_check_private_key(c->ctx_) != 1)
      return Error{t.prefix + "_tls_cert_file/" + t.prefix + "_tls_key_file: " +
                   tls::ssl_errors("cannot load the client certificate")};
  }
  if (t.session_cache_timeout.count() > 0) {
    SSL_CTX_set_session_cache_mode(c->ctx_, SSL_SESS_CACHE_CLIENT | SSL_SESS_CACHE_NO_INTERNAL_STORE);
    SSL_CTX_sess_set_new_cb(c->ctx_, &TlsClient::new_session);
    SSL_CTX_set_timeout(c->ctx_, long(t.session_cache_timeout.count()));
  }
  return c;
}

TlsClient::~TlsClient() {
  for (auto& [k, s] : sessions_) SSL_SESSION_free(s);
  if (ctx_) SSL_CTX_free(ctx_);
}

int TlsClient::new_session(SSL* ssl, SSL_SESSION* sess) {
  auto* self = static_cast<TlsClient*>(SSL_get_ex_data(ssl, client_index()));
  auto* key = static_cast<std::string*>(SSL_get_ex_data(ssl, cache_key_index()));
  if (!self || !key) return 0;
  self->remember(*key, sess);
  return 1;  // we keep the reference
}

void TlsClient::remember(const std::string& key, SSL_SESSION* sess) {
  std::lock_guard lock(mu_);
  auto [it, fresh] = sessions_.try_emplace(key, sess);
  if (!fresh) {
    SSL_SESSION_free(it->second);
    it->second = sess;
  }
}

std::vector<std::string> TlsClient::match_names(const TlsPolicy& pol, const TlsTarget& t) const {
  const auto& list = !pol.match.empty() ? pol.match : pol.level == TlsLevel::secure ? secure_match_ : verify_match_;
  std::vector<std::string> out;
  for (const auto& m : list) out.push_back(expand_match(m, t));
  return out;
}

Status TlsClient::configure(SSL* ssl, const TlsPolicy& pol) const {
  const TlsParams& t = tp_;
  bool m = pol.required();
  auto prot = tls::parse_protocols(pol.protocols ? *pol.protocols : m ? t.mandatory_protocols : t.protocols,
                                   pol.protocols ? "protocols=" : t.prefix + (m ? "_tls_mandatory_protocols" : "_tls_protocols"));
  if (!prot) return prot.error();
  if (prot->min_version) SSL_set_min_proto_version(ssl, prot->min_version);
  if (prot->max_version) SSL_set_max_proto_version(ssl, prot->max_version);
  SSL_set_options(ssl, prot->disable_options);
  std::string grade_text = pol.ciphers ? *pol.ciphers : m ? t.mandatory_ciphers : t.ciphers;
  auto grade = tls::parse_grade(grade_text, t.prefix + "_tls_ciphers", nullptr);
  if (!grade) return grade.error();
  std::vector<std::string> excl = m ? t.mandatory_exclude_ciphers : t.exclude_ciphers;
  excl.insert(excl.end(), pol.exclude.begin(), pol.exclude.end());
  auto list = tls::cipher_list(*grade, *params_, excl, t.prefix + "_tls_exclude_ciphers");
  if (!list) return list.error();
  if (SSL_set_cipher_list(ssl, list->c_str()) != 1) return Error{tls::ssl_errors("bad cipher list")};
  return ok_status();
}

TlsResult TlsClient::handshake(Channel& ch, const TlsPolicy& pol, const TlsTarget& t, Deadline d) {
  TlsResult r;
  SSL* ssl = SSL_new(ctx_);
  if (!ssl) {
    r.error = "Cannot start TLS: " + tls::ssl_errors("SSL_new failed");
    return r;
  }
  if (auto s = configure(ssl, pol); !s) {
    SSL_free(ssl);
    r.error = "TLS policy for " + t.nexthop + ": " + s.error().message;
    return r;
  }
  if (pol.dane_verify()) {
    // The TLSA base domain is the SNI name; DANE-TA(2) also accepts the MX host and nexthop names.
    if (auto s = tls::arm_dane(ssl, pol.tlsa_base, {t.hostname, t.nexthop}, pol.tlsa); !s) {
      SSL_free(ssl);
      r.error = "TLSA records for " + pol.tlsa_base + ": " + s.error().message;
      return r;
    }
  } else {
    std::string sni = pol.servername ? (*pol.servername == "hostname" ? t.hostname : *pol.servername)
                                     : std::string(trim(tp_.servername));
    if (sni == "hostname") sni = t.hostname;
    if (sni == "nexthop") sni = t.nexthop;
    if (!sni.empty()) SSL_set_tlsext_host_name(ssl, sni.c_str());
  }
  auto key = std::make_unique<std::string>(t.nexthop + "&" + t.hostname + "&" + std::string(level_name(pol.level)));
  SSL_set_ex_data(ssl, client_index(), this);
  SSL_set_ex_data(ssl, cache_key_index(), key.release());
  if (!pol.dane_verify()) {  // a resumed session skips the chain, and with it the DANE match
    std::lock_guard lock(mu_);
    auto* k = static_cast<std::string*>(SSL_get_ex_data(ssl, cache_key_index()));
    if (auto it = sessions_.find(*k); it != sessions_.end()) SSL_set_session(ssl, it->second);
  }
  IoStatus io = ch.start_tls(ssl, d);  // the channel owns ssl now
  if (!io) {
    r.handshake_failed = true;
    r.error = "Cannot start TLS: handshake failure" + (io.detail.empty() ? "" : " (" + io.detail + ")");
    return r;
  }
  SSL* s = const_cast<SSL*>(ch.tls());
  X509* peer = SSL_get0_peer_certificate(s);
  long verify = SSL_get_verify_result(s);
  r.trusted = peer && verify == X509_V_OK;
  r.verify_error = verify;
  r.reused = SSL_session_reused(s) == 1;
  if (pol.dane_verify()) {
    std::string match = tls::dane_match(s);
    r.verified = r.trusted && !match.empty();
    r.detail = r.verified ? match : peer ? X509_verify_cert_error_string(verify) : "no server certificate";
  } else if (r.trusted) {
    for (const auto& name : match_names(pol, t))
      if (!name.empty() && X509_check_host(peer, name.c_str(), name.size(), 0, nullptr) == 1) r.verified = true;
  } else if (peer && pol.needs_verification()) {
    r.detail = X509_verify_cert_error_string(verify);
  }
  // DANE after an insecure MX lookup authenticates the key, not the name: "Trusted" (as Postfix).
  bool named = !pol.dane_verify() || pol.dane_name_secure;
  std::string_view trust = !peer ? "Anonymous" : r.verified && pol.needs_verification() && named ? "Verified"
                                               : r.trusted ? "Trusted" : "Untrusted";
  r.summary = client_summary(s, trust, t.peer);
  if (pol.dane_verify() && !r.verified) {
    r.error = "Server certificate not verified";
    return r;
  }
  if (pol.needs_verification() && !r.trusted) {
    r.error = "Server certificate not trusted";
    return r;
  }
  if (pol.needs_verification() && !r.verified) {
    r.error = "Server certificate not verified";
    return r;
  }
  r.ok = true;
  return r;
}

Result<std::vector<std::shared_ptr<const maps::Lookup>>> open_policy_maps(const TlsParams& tp, const std::string& config_dir) {
  maps::OpenContext ctx;
  ctx.config_dir = config_dir;
  std::vector<std::shared_ptr<const maps::Lookup>> out;
  for (const auto& spec : tp.policy_maps) {
    auto m = maps::open_map(spec, ctx);
    if (!m) return Error{tp.prefix + "_tls_policy_maps: " + m.error().message};
    out.push_back(std::move(*m));
  }
  return out;
}

std::string client_summary(const SSL* ssl, std::string_view trust, std::string_view peer) {
  tls::HandshakeInfo i = tls::describe(ssl);
  std::string out = fmt::format("{} TLS connection established to {}: {} with cipher {} ({}/{} bits)", trust, peer, i.protocol, i.cipher,
                                i.cipher_usebits, i.cipher_algbits);
  if (!i.kex_name.empty()) {
    out += " key-exchange " + i.kex_name;
    if (!i.kex_curve.empty()) out += " (" + i.kex_curve + ")";
    else if (i.kex_bits > 0) out += fmt::format(" ({} bits)", i.kex_bits);
  }
  // describe() reads the peer's signature into client_sig_* (it is written for servers).
  if (!i.client_sig_name.empty()) {
    out += " server-signature " + i.client_sig_name;
    if (!i.client_sig_curve.empty()) out += " (" + i.client_sig_curve + ")";
    else if (i.client_sig_bits > 0) out += fmt::format(" ({} bits)", i.client_sig_bits);
    if (!i.client_sig_digest.empty()) out += " server-digest " + i.client_sig_digest;
  }
  return out;
}

}  // namespace tern::delivery::smtp
