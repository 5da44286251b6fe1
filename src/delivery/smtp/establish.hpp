// Setting up one session to one server address: connect (with smtp_connect_timeout),
// TLS at once under smtp_tls_wrappermode, greeting and EHLO/LHLO, STARTTLS under the TLS policy (at "may" a failed handshake is
// retried once in plaintext, as Postfix does), then AUTH when smtp_sasl_auth_enable and the
// password table has credentials for the server. The result is a ready Connection or the
// reason it is not, classified so the agent knows whether to try another address.
#pragma once
#include <memory>
#include <string>

#include "base/log.hpp"
#include "delivery/smtp/connection.hpp"
#include "delivery/smtp/hosts.hpp"
#include "delivery/smtp/sasl_client.hpp"
#include "delivery/smtp/settings.hpp"
#include "delivery/smtp/tls_client.hpp"
#include "delivery/smtp/tlsrpt.hpp"

namespace tern::delivery::smtp {

struct Target {
  const Nexthop& nexthop;
  std::string_view nexthop_text;  // as the route gave it (policy and password lookups)
  const TlsPolicy& tls;
  std::string_view sender = {};   // for smtp_sender_dependent_authentication
};

struct SetupFailure {
  enum Kind { connect, session } kind = connect;  // connect: no TCP session at all
  SessionError error;
  std::string relay = "none";
  bool retry_plain = false;  // "may" and the handshake failed: try once more without TLS
};

struct Setup {
  std::unique_ptr<Connection> conn;  // null on failure
  SetupFailure failure;
};

class Establisher {
 public:
  Establisher(const ClientSettings& s, TlsClient* tls, const SaslClient* sasl, const log::Logger& log)
      : s_(s), tls_(tls), sasl_(sasl), log_(log) {}

  Setup inet(const Target& t, const HostAddress& host) const;
  Setup unix_socket(const Target& t) const;
  // What TLS came to in the last inet() (for TLS-RPT): a failed handshake stays noted
  // when "may" goes on in plaintext.
  const TlsNote& last_tls() const { return note_; }

 private:
  struct TlsStep {
    const Target& target;
    const HostAddress& host;
  };
  // Greeting and EHLO; with `wrapper`, the TLS handshake first (smtp_tls_wrappermode).
  Setup open(std::unique_ptr<Channel> ch, std::string peer, std::string relay, const TlsStep* wrapper) const;
  // The handshake and peer check under the target's policy, logged as Postfix does.
  std::optional<SessionError> handshake(Connection& c, const Target& t, const HostAddress& host,
                                        bool* plaintext_retry) const;
  // STARTTLS per policy; plaintext_retry is set when "may" should try again without TLS.
  std::optional<SessionError> start_tls(Connection& c, const Target& t, const HostAddress& host,
                                        bool* plaintext_retry) const;
  std::optional<SessionError> authenticate(Connection& c, const Target& t, const std::string& hostname) const;
  Setup inet_once(const Target& t, const HostAddress& host, bool allow_tls) const;

  const ClientSettings& s_;
  TlsClient* tls_;
  const SaslClient* sasl_;
  const log::Logger& log_;
  mutable TlsNote note_;
};

}  // namespace tern::delivery::smtp
