// Where credentials are checked. One interface, two implementations chosen by
// smtpd_sasl_type: `dovecot` (Dovecot's authentication socket, dovecot.hpp) and `tern`
// (a file of user:hash lines, passwd_backend.hpp). Cyrus SASL is not built in.
//
// The session, after a Mechanism produced Credentials:
//   AuthResult r = co_await backend.verify(mech->name(), step.credentials, peer);
//   send(result_reply(r));          // 235 / 535 / 454
// A back end belongs to one io_context and is not thread-safe; sessions on that
// io_context share it (Dovecot: one connection, many requests in flight).
#pragma once
#include <asio/awaitable.hpp>
#include <asio/io_context.hpp>

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "base/result.hpp"
#include "config/params.hpp"
#include "sasl/mechanism.hpp"
#include "sasl/reply.hpp"

namespace tern::sasl {

struct AuthResult {
  enum class Kind { ok, fail, tempfail };
  Kind kind = Kind::tempfail;
  std::string reason;    // fail/tempfail: the text after "authentication failed: "
  std::string username;  // ok: the authenticated name (sasl_username); fail: the name
                         // tried when the back end says so, else ""

  static AuthResult success(std::string user) { return {Kind::ok, "", std::move(user)}; }
  static AuthResult failure(std::string why, std::string user = {}) {
    return {Kind::fail, std::move(why), std::move(user)};
  }
  static AuthResult temporary(std::string why) { return {Kind::tempfail, std::move(why), ""}; }
  bool ok() const { return kind == Kind::ok; }
};

// 235 2.7.0 / 535 5.7.8 … <reason> / 454 4.7.0 … <reason>
Reply result_reply(const AuthResult& r);

// The connection being authenticated, passed on to Dovecot (rip/lip/secured).
struct Peer {
  std::string client_addr;  // "192.0.2.7", "" when unknown
  std::string server_addr;
  bool tls = false;         // the session runs under TLS ("secured")
};

class Backend {
 public:
  virtual ~Backend() = default;

  // What EHLO may advertise (upper case, before smtpd_sasl_*_security_options and
  // smtpd_sasl_mechanism_filter, see filter_mechanisms). Dovecot: the PLAIN/LOGIN subset
  // of the server's MECH lines from the last handshake — empty until one succeeded, so
  // call prepare() first.
  virtual std::vector<std::string> mechanisms() const = 0;

  // Makes mechanisms() current (Dovecot: connects and handshakes when not connected,
  // bounded by the request timeout). Never fails; on trouble mechanisms() stays empty
  // or stale and verify() answers tempfail.
  virtual asio::awaitable<void> prepare() { co_return; }

  // Whether a PLAIN authzid different from the authcid may be passed to this back end
  // (Dovecot decides master-user logins itself; the password file has no such notion).
  virtual bool allows_proxy() const = 0;

  // Checks one set of credentials collected by mechanism `mech`. `mech` and `c` must
  // stay valid until the coroutine finishes (pass them from the awaiting frame); `peer`
  // is taken by value, so a defaulted one cannot dangle.
  virtual asio::awaitable<AuthResult> verify(std::string_view mech, const Credentials& c,
                                             Peer peer = {}) = 0;
};

// Builds the back end smtpd_sasl_type/smtpd_sasl_path describe:
//   dovecot: smtpd_sasl_path is a Unix socket (relative = under $queue_directory, as
//            Postfix's "private/auth") or inet:host:port;
//   tern:    smtpd_sasl_path is the password file (relative = under $config_directory);
//            read now, so an unreadable file is a startup error.
// Anything else (cyrus, Postfix's default, included) is an error naming the supported
// types. Call it only when smtpd_sasl_auth_enable = yes.
Result<std::unique_ptr<Backend>> make_backend(asio::io_context& io, const config::Params& p);

// Applies smtpd_sasl_security_options (or _tls_ under TLS: noplaintext drops PLAIN and
// LOGIN, noanonymous drops ANONYMOUS) and smtpd_sasl_mechanism_filter ("!name" drops,
// "name" keeps, "static:rest"/"static:all" keeps the rest; an empty filter keeps all).
std::vector<std::string> filter_mechanisms(const std::vector<std::string>& mechs,
                                           const std::vector<std::string>& security_options,
                                           const std::vector<std::string>& mechanism_filter);

// The MechanismOptions a session should use with this back end and these parameters.
MechanismOptions mechanism_options(const Backend& b, const config::Params& p);

}  // namespace tern::sasl
