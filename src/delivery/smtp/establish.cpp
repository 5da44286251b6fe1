// Establisher; see establish.hpp.
#include "delivery/smtp/establish.hpp"

#include "base/strings.hpp"

namespace tern::delivery::smtp {

namespace {

std::string bracketed(const IpAddress& a) { return a.to_string(); }

}  // namespace

Setup Establisher::open(std::unique_ptr<Channel> ch, std::string peer, std::string relay,
                        const TlsStep* wrapper) const {
  Setup out;
  auto c = std::make_unique<Connection>();
  c->channel = std::move(ch);
  c->session = std::make_unique<Session>(*c->channel, s_.dialogue, std::move(peer));
  c->relay = relay;
  if (wrapper) {  // smtp_tls_wrappermode: TLS from connect, the greeting comes encrypted
    bool ignored = false;
    if (auto err = handshake(*c, wrapper->target, wrapper->host, &ignored)) {
      out.failure = {SetupFailure::session, *err, relay};
      return out;
    }
  }
  if (auto err = c->session->open()) {
    out.failure = {SetupFailure::session, *err, relay};
    return out;
  }
  out.conn = std::move(c);
  return out;
}

Setup Establisher::unix_socket(const Target& t) const {
  std::string path = t.nexthop.path;
  if (!path.starts_with('/')) path = s_.queue_directory + "/" + path;
  std::string relay = s_.myhostname + "[" + t.nexthop.path + "]";
  auto conn = SocketChannel::connect_unix(path, s_.dialogue.t.connect);
  if (!conn.channel)
    return {nullptr, {SetupFailure::connect, {"4.4.1", "connect to " + relay + ": " + conn.status.detail}, "none"}};
  return open(std::move(conn.channel), relay, relay, nullptr);
}

Setup Establisher::inet(const Target& t, const HostAddress& host) const {
  note_ = {};
  Setup s = inet_once(t, host, true);
  if (s.conn || !s.failure.retry_plain) return s;
  log_.info("{}: TLS handshake failed; trying again without TLS", s.failure.relay);
  return inet_once(t, host, false);
}

Setup Establisher::inet_once(const Target& t, const HostAddress& host, bool allow_tls) const {
  std::string peer = host.host + "[" + bracketed(host.addr) + "]";
  std::string relay = peer + ":" + std::to_string(t.nexthop.port);
  auto conn = SocketChannel::connect_inet(host.addr, t.nexthop.port, s_.dialogue.t.connect,
                                         host.addr.v6 ? s_.bind_address6 : s_.bind_address);
  if (!conn.channel)
    return {nullptr, {SetupFailure::connect, {"4.4.1", "connect to " + relay + ": " + conn.status.detail}, "none"}};
  bool wrapper = allow_tls && s_.tls_wrappermode && t.tls.level != TlsLevel::none;
  TlsStep step{t, host};
  Setup s = open(std::move(conn.channel), peer, relay, wrapper ? &step : nullptr);
  if (!s.conn) {
    // A 5xx greeting means "not this server" when smtp_skip_5xx_greeting is set.
    if (s_.skip_5xx_greeting && s.failure.error.permanent()) s.failure.error.dsn[0] = '4';
    return s;
  }
  Connection& c = *s.conn;
  if (t.tls.level == TlsLevel::none && s_.note_starttls_offer && c.session->features().starttls)
    log_.info("Host offered STARTTLS: [{}]", host.host);
  if (allow_tls && !wrapper && t.tls.level != TlsLevel::none) {
    bool plaintext_retry = false;
    if (auto err = start_tls(c, t, host, &plaintext_retry)) {
      c.session->quit();
      return {nullptr, {SetupFailure::session, *err, relay, plaintext_retry}};
    }
  }
  if (auto err = authenticate(c, t, host.host)) {
    c.session->quit();
    return {nullptr, {SetupFailure::session, *err, relay}};
  }
  return s;
}

std::optional<SessionError> Establisher::start_tls(Connection& c, const Target& t, const HostAddress& host,
                                                   bool* plaintext_retry) const {
  Session& sess = *c.session;
  if (!sess.features().starttls) {
    note_ = {true, tlsrpt::ResultType::starttls_not_supported, false, "STARTTLS not offered by " + sess.peer(),
             c.channel->local_address()};
    if (t.tls.required()) return SessionError{"4.7.4", "TLS is required, but was not offered by host " + sess.peer()};
    return std::nullopt;
  }
  if (auto err = sess.starttls()) {
    note_ = {true, tlsrpt::ResultType::starttls_not_supported, false, "STARTTLS refused: " + err->text,
             c.channel->local_address()};
    if (t.tls.required() || sess.state() == State::broken) return err;
    return std::nullopt;  // "may": the server declined STARTTLS; go on in plaintext
  }
  if (auto err = handshake(c, t, host, plaintext_retry)) return err;
  return sess.hello();
}

std::optional<SessionError> Establisher::handshake(Connection& c, const Target& t, const HostAddress& host,
                                                   bool* plaintext_retry) const {
  TlsTarget target{t.nexthop.host, host.host, c.relay};
  TlsResult r = tls_->handshake(*c.channel, t.tls, target, deadline_in(s_.dialogue.t.starttls));
  if (r.reused && tls_->loglevel() >= 2) log_.info("{}: Reusing old session", c.relay);
  if (!r.summary.empty() && tls_->loglevel() >= 1) log_.info("{}", r.summary);
  note_ = {true, std::nullopt, r.reused, "", c.channel->local_address(), r.trusted, r.verified, r.verify_error};
  if (!r.ok) note_.failure = classify(r, t.tls);
  if (!r.ok) note_.detail = r.error + (r.detail.empty() ? "" : " (" + r.detail + ")");
  if (!r.ok) {
    if (r.handshake_failed && !t.tls.required()) *plaintext_retry = true;
    log_.info("{}: {}{}", c.relay, r.error, r.detail.empty() ? "" : " (" + r.detail + ")");
    return SessionError{r.dsn, r.error + (r.handshake_failed ? "" : " for host " + c.relay)};
  }
  c.tls = true;
  return std::nullopt;
}

std::optional<SessionError> Establisher::authenticate(Connection& c, const Target& t,
                                                      const std::string& hostname) const {
  if (!s_.sasl || !sasl_ || c.session->features().auth.empty()) return std::nullopt;
  auto creds = sasl_->lookup(t.nexthop_text, t.nexthop, hostname, s_.sender_dependent_auth ? t.sender : "");
  if (!creds) return SessionError{"4.7.0", creds.error().message};
  if (!*creds) return std::nullopt;
  auto plan = plan_auth(c.session->features().auth, sasl_->filter(), sasl_->options(c.tls), **creds);
  if (!plan)
    return SessionError{"4.7.0", "SASL authentication failed: cannot authenticate to server " + c.session->peer() +
                                     ": " + plan.error().message};
  auto err = c.session->auth(plan->mechanism, plan->initial, plan->responses);
  if (err && sasl_->soft_bounce() && err->permanent()) err->dsn[0] = '4';
  return err;
}

}  // namespace tern::delivery::smtp
