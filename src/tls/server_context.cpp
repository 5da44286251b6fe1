// Building the server SSL_CTX from a ServerPolicy, and reloading it on file change.
#include "tls/server_context.hpp"

#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <sys/stat.h>

#include <cstring>

#include "base/log.hpp"
#include "tls/pem.hpp"
#include "tls/ssl_error.hpp"
#include "tls/summary.hpp"
#include "tls/tickets.hpp"

namespace tern::tls {
namespace {

const log::Logger& logger() {
  static const log::Logger l("smtpd");
  return l;
}

Status set_protocols_and_ciphers(SSL_CTX* ctx, const ServerPolicy& p) {
  uint64_t opts = SSL_OP_ALL | SSL_OP_NO_COMPRESSION | SSL_OP_NO_RENEGOTIATION |
                  p.protocols.disable_options;
  if (p.preempt_ciphers) opts |= SSL_OP_CIPHER_SERVER_PREFERENCE;
  SSL_CTX_set_options(ctx, opts);
  if (SSL_CTX_set_min_proto_version(ctx, p.protocols.min_version) != 1 ||
      SSL_CTX_set_max_proto_version(ctx, p.protocols.max_version) != 1)
    return Error{p.protocols_param + ": " + ssl_errors()};
  if (SSL_CTX_set_cipher_list(ctx, p.cipher_list.c_str()) != 1)
    return Error{p.ciphers_param + ": no usable cipher in \"" + p.cipher_list + "\": " +
                 ssl_errors()};
  if (!p.groups.empty() && SSL_CTX_set1_groups_list(ctx, p.groups.c_str()) != 1)
    return Error{"smtpd_tls_eecdh_grade: cannot use curves \"" + p.groups + "\": " + ssl_errors()};
  return ok_status();
}

Status set_dh(SSL_CTX* ctx, const std::string& file) {
  if (file.empty()) {
    SSL_CTX_set_dh_auto(ctx, 1);
    return ok_status();
  }
  BIO* in = BIO_new_file(file.c_str(), "r");
  if (!in) return Error{"smtpd_tls_dh1024_param_file: cannot open " + file + ": " + ssl_errors()};
  EVP_PKEY* dh = PEM_read_bio_Parameters(in, nullptr);
  BIO_free(in);
  if (!dh || EVP_PKEY_get_base_id(dh) != EVP_PKEY_DH) {
    EVP_PKEY_free(dh);
    return Error{"smtpd_tls_dh1024_param_file: no DH parameters in " + file + ": " +
                 ssl_errors("not a PEM DH PARAMETERS block")};
  }
  if (SSL_CTX_set0_tmp_dh_pkey(ctx, dh) != 1) {
    EVP_PKEY_free(dh);
    return Error{"smtpd_tls_dh1024_param_file: cannot use " + file + ": " + ssl_errors()};
  }
  return ok_status();
}

Status set_credentials(SSL_CTX* ctx, const ServerPolicy& p) {
  for (const auto& f : p.chain_files)
    if (auto st = use_chain_file(ctx, f); !st) return Error{"smtpd_tls_chain_files: " + st.error().message};
  for (const auto& kp : p.pairs)
    if (auto st = use_key_pair(ctx, kp.cert_file, kp.key_file); !st) return st;
  return ok_status();
}

// Postfix asks for a client certificate without failing the handshake over it; whether it
// verified is read afterwards (summary.hpp), and smtpd decides.
int accept_any_client_cert(int, X509_STORE_CTX*) { return 1; }

Status set_client_verification(SSL_CTX* ctx, const ServerPolicy& p) {
  if (!p.ca_file.empty() || !p.ca_path.empty()) {
    const char* file = p.ca_file.empty() ? nullptr : p.ca_file.c_str();
    const char* dir = p.ca_path.empty() ? nullptr : p.ca_path.c_str();
    if (SSL_CTX_load_verify_locations(ctx, file, dir) != 1)
      return Error{"cannot load CA certificates from " +
                   (file ? "smtpd_tls_CAfile " + p.ca_file : "smtpd_tls_CApath " + p.ca_path) +
                   ": " + ssl_errors()};
  }
  if (!p.ask_ccert) return ok_status();
  if (!p.ca_file.empty())
    if (STACK_OF(X509_NAME)* names = SSL_load_client_CA_file(p.ca_file.c_str()))
      SSL_CTX_set_client_CA_list(ctx, names);
  int mode = SSL_VERIFY_PEER | (p.require_ccert ? SSL_VERIFY_FAIL_IF_NO_PEER_CERT : 0);
  SSL_CTX_set_verify(ctx, mode, accept_any_client_cert);
  SSL_CTX_set_verify_depth(ctx, p.ccert_verify_depth + 1);
  return ok_status();
}

// Resumption: a server-side session cache scoped to the service (a session from the
// submission service does not resume on port 25), and tickets under shared keys.
void set_sessions(SSL_CTX* ctx, const ServerPolicy& p, const std::shared_ptr<TicketKeys>& keys) {
  unsigned char sid[SSL_MAX_SID_CTX_LENGTH];
  unsigned int len = 0;
  std::string id = "tern-smtpd:" + p.service;
  if (id.size() <= sizeof sid) {
    std::memcpy(sid, id.data(), id.size());
    len = unsigned(id.size());
  } else {
    EVP_Digest(id.data(), id.size(), sid, &len, EVP_sha256(), nullptr);
  }
  SSL_CTX_set_session_id_context(ctx, sid, len);
  if (p.session_timeout.count() <= 0 || !keys) {
    SSL_CTX_set_session_cache_mode(ctx, SSL_SESS_CACHE_OFF);
    SSL_CTX_set_options(ctx, SSL_OP_NO_TICKET);
    SSL_CTX_set_num_tickets(ctx, 0);
    return;
  }
  SSL_CTX_set_session_cache_mode(ctx, SSL_SESS_CACHE_SERVER);
  SSL_CTX_set_timeout(ctx, long(p.session_timeout.count()));
  TicketKeys::install(ctx, keys);
}

}  // namespace

FileStamp stamp_file(const std::string& path) {
  struct stat st{};
  if (::stat(path.c_str(), &st) != 0) return {};
  return {true, (unsigned long long)st.st_dev, (unsigned long long)st.st_ino,
          (long long)st.st_size, (long long)st.st_mtim.tv_sec * 1000000000LL + st.st_mtim.tv_nsec};
}

Result<SslCtxHandle> build_server_ctx(const ServerPolicy& policy,
                                      const std::shared_ptr<TicketKeys>& tickets) {
  ERR_clear_error();
  SslCtxHandle ctx(SSL_CTX_new(TLS_server_method()), SSL_CTX_free);
  if (!ctx) return Error{"cannot create a TLS context: " + ssl_errors()};
  SSL_CTX* c = ctx.get();
  for (Status st : {set_protocols_and_ciphers(c, policy), set_dh(c, policy.dh_param_file),
                    set_credentials(c, policy), set_client_verification(c, policy)})
    if (!st) return st.error();
  set_sessions(c, policy, tickets);
  return ctx;
}

Result<std::shared_ptr<ServerContext>> ServerContext::make(const config::Params& p,
                                                           std::string service_name) {
  auto policy = ServerPolicy::from(p, std::move(service_name));
  if (!policy) return policy.error();
  for (const auto& w : policy->warnings) logger().warning("{}", w);
  if (!policy->enabled())
    return std::make_shared<ServerContext>(std::move(*policy), nullptr, nullptr);
  if (!policy->has_certificate())
    return Error{"smtpd_tls_security_level = " + std::string(level_name(policy->level)) +
                 " for service " + policy->service +
                 " but no certificate: set smtpd_tls_cert_file, smtpd_tls_eccert_file or "
                 "smtpd_tls_chain_files"};
  auto tickets = std::make_shared<TicketKeys>(policy->session_timeout);
  auto ctx = build_server_ctx(*policy, tickets);
  if (!ctx) return ctx.error();
  return std::make_shared<ServerContext>(std::move(*policy), std::move(*ctx), std::move(tickets));
}

ServerContext::ServerContext(ServerPolicy policy, SslCtxHandle ctx,
                             std::shared_ptr<TicketKeys> tickets)
    : policy_(std::move(policy)), tickets_(std::move(tickets)), ctx_(std::move(ctx)),
      stamps_(stamp_all()), last_check_(std::chrono::steady_clock::now()) {}

std::vector<FileStamp> ServerContext::stamp_all() const {
  std::vector<FileStamp> out;
  for (const auto& f : policy_.watched_files()) out.push_back(stamp_file(f));
  return out;
}

SslCtxHandle ServerContext::current() {
  if (!policy_.enabled()) return nullptr;
  auto interval = policy_.reload_interval;
  bool due;
  {
    std::lock_guard lock(mu_);
    due = interval.count() > 0 && std::chrono::steady_clock::now() - last_check_ >= interval;
  }
  if (due) reload_if_changed();
  std::lock_guard lock(mu_);
  return ctx_;
}

bool ServerContext::reload_if_changed(std::string* why) {
  if (why) why->clear();
  if (!policy_.enabled()) return false;
  std::lock_guard lock(mu_);
  last_check_ = std::chrono::steady_clock::now();
  auto now = stamp_all();
  if (now == stamps_) return false;
  if (now == failed_stamps_) {  // same broken files as last time: already logged
    if (why) *why = failed_why_;
    return false;
  }
  auto fresh = build_server_ctx(policy_, tickets_);
  if (!fresh) {
    failed_stamps_ = now;
    failed_why_ = fresh.error().message;
    logger().warning("TLS certificate reload for service {} failed, keeping the old "
                     "certificates: {}", policy_.service, failed_why_);
    if (why) *why = failed_why_;
    return false;
  }
  ctx_ = std::move(*fresh);
  stamps_ = std::move(now);
  failed_stamps_.clear();
  failed_why_.clear();
  logger().info("TLS certificates for service {} reloaded", policy_.service);
  return true;
}

void ServerContext::log_handshake(const SSL* ssl, std::string_view client) const {
  if (policy_.loglevel >= 1) logger().info("{}", summary_line(describe(ssl), client));
}

std::string ServerContext::received_comment(const SSL* ssl) const {
  if (!policy_.received_header) return "";
  return tls::received_comment(describe(ssl), policy_.ask_ccert);
}

}  // namespace tern::tls
