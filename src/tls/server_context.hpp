// tls::ServerContext: the OpenSSL server context for one master.cf service, built from its
// ServerPolicy, and rebuilt when the certificate or key files change (a Let's Encrypt
// renewal) without a restart. Contexts are handed out as shared handles: a session keeps
// the context it started with (an SSL holds its own reference too), new sessions get the
// newest one, and a failed reload keeps serving the old context and says why.
//
// Hand-off to Asio (asio::ssl::context takes ownership of a raw handle):
//   auto h = tls->current();  SSL_CTX_up_ref(h.get());
//   asio::ssl::context actx(h.get());  asio::ssl::stream<tcp::socket> s(std::move(sock), actx);
// ServerContext leaves SSL_CTX app data and the password callback alone, which Asio owns.
#pragma once
#include <openssl/ssl.h>

#include <chrono>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include "base/result.hpp"
#include "config/params.hpp"
#include "tls/policy.hpp"

namespace tern::tls {

class TicketKeys;

using SslCtxHandle = std::shared_ptr<SSL_CTX>;

// Identity of a file's current contents as far as stat(2) can tell.
struct FileStamp {
  bool exists = false;
  unsigned long long dev = 0, ino = 0;
  long long size = 0, mtime_ns = 0;
  bool operator==(const FileStamp&) const = default;
};
FileStamp stamp_file(const std::string& path);

// Builds a fresh SSL_CTX from a policy (exposed for tests; ServerContext wraps it).
Result<SslCtxHandle> build_server_ctx(const ServerPolicy& policy,
                                      const std::shared_ptr<TicketKeys>& tickets);

class ServerContext {
 public:
  // Parses the service's Params and, when TLS is on, loads the certificates. With level
  // none (and no wrapper mode) the result is a disabled context with no SSL_CTX. TLS on
  // without any certificate is an error naming the parameters to set. Policy warnings
  // (obsolete grades, unknown curves) are logged to Logger("smtpd").
  static Result<std::shared_ptr<ServerContext>> make(const config::Params& p,
                                                     std::string service_name);

  ServerContext(ServerPolicy policy, SslCtxHandle ctx, std::shared_ptr<TicketKeys> tickets);

  // The context for a new session; checks the files first when tls_cert_reload_interval
  // has passed since the last check. Null when TLS is disabled.
  SslCtxHandle current();

  // Checks the files now. True when a new context was installed. False when nothing
  // changed, or when rebuilding failed: then the old context stays, `why` (if given)
  // holds the reason, and the failure is logged once per set of file versions.
  bool reload_if_changed(std::string* why = nullptr);

  // After a handshake: Postfix's summary line, logged when smtpd_tls_loglevel >= 1
  // (`client` is "name[addr]"), and the Received: comment when smtpd_tls_received_header
  // = yes ("" otherwise; see summary.hpp for the layout).
  void log_handshake(const SSL* ssl, std::string_view client) const;
  std::string received_comment(const SSL* ssl) const;

  bool enabled() const { return policy_.enabled(); }
  bool wrapper_mode() const { return policy_.wrapper_mode; }
  bool required() const { return policy_.required(); }
  const ServerPolicy& policy() const { return policy_; }

 private:
  std::vector<FileStamp> stamp_all() const;

  const ServerPolicy policy_;
  std::shared_ptr<TicketKeys> tickets_;
  std::mutex mu_;
  SslCtxHandle ctx_;
  std::vector<FileStamp> stamps_;         // of the files ctx_ was built from
  std::vector<FileStamp> failed_stamps_;  // of the last failed rebuild
  std::string failed_why_;
  std::chrono::steady_clock::time_point last_check_;
};

}  // namespace tern::tls
