// The session loop: reading, flushing, the deadline, DATA; see session.hpp.
#include "server/session.hpp"
#include "server/peername.hpp"
#include "sasl/mechanism.hpp"
#include "tls/fingerprint.hpp"
#include "tls/summary.hpp"

#include <asio/co_spawn.hpp>
#include <asio/detached.hpp>
#include <asio/redirect_error.hpp>
#include <asio/use_awaitable.hpp>
#include <asio/write.hpp>

#include <sys/socket.h>

#include <cerrno>
#include <cstring>

#include "base/queue_id.hpp"
#include "base/strings.hpp"
#include "base/time.hpp"

namespace tern::server {

using asio::use_awaitable;

namespace {
constexpr size_t kReadChunk = 16384;
constexpr size_t kMaxCommandLine = 4096;  // RFC 5321 allows 512; Postfix tolerates more

// cleanup's refusal ("550 5.7.1 text", from header/body checks) as the end-of-DATA reply.
smtp::Reply refusal_reply(std::string_view refusal) {
  int code = refusal.size() > 4 && refusal[0] == '4' ? 451 : 550;
  return {code, smtp::Status::none, std::string(refusal.substr(std::min<size_t>(4, refusal.size())))};
}
}  // namespace

std::string peer_address(const asio::ip::tcp::socket& sock) {
  asio::error_code ec;
  auto ep = sock.remote_endpoint(ec);
  if (ec) return {};
  auto addr = ep.address();
  if (addr.is_v6() && addr.to_v6().is_v4_mapped())
    addr = asio::ip::make_address_v4(asio::ip::v4_mapped, addr.to_v6());
  return addr.to_string();
}

Session::Session(asio::ip::tcp::socket sock, std::shared_ptr<const SmtpdContext> ctx,
                 QueueClient& queue, std::string addr)
    : sock_(std::move(sock)), ctx_(std::move(ctx)), queue_(queue),
      log_("smtpd", ctx_->params->syslog_name), timer_(sock_.get_executor()) {
  asio::error_code ec;
  client_.addr = addr.empty() ? peer_address(sock_) : std::move(addr);
  auto ep = sock_.remote_endpoint(ec);
  if (!ec) client_.port = ep.port();
  client_log_name_ = client_.log_name();
  client_port_ = std::to_string(client_.port);
  if (auto local = sock_.local_endpoint(ec); !ec) {
    server_addr_ = local.address().to_string();
    server_port_ = std::to_string(local.port());
  }
  client_ip_ = IpAddress::parse(client_.addr);
  if (client_ip_) client_in_mynetworks_ = ctx_->in_mynetworks(*client_ip_);
  keep_transcript_ = ctx_->notify_policy || ctx_->notify_protocol || ctx_->notify_resource;
  sock_.set_option(asio::ip::tcp::no_delay(true), ec);
}

void Session::enter_state(State to) { state_ = to; }

asio::awaitable<void> Session::learn_client_name() {
  PeerName n = co_await find_peer_name(*ctx_->dns, dns_cache_, *client_ip_);
  client_.name = std::move(n.name);
  reverse_client_name_ = std::move(n.reverse_name);
  client_name_status_ = n.name_status;
  reverse_client_name_status_ = n.reverse_status;
  client_log_name_ = client_.log_name();
}

void Session::reset_transaction() {
  sender_.clear();
  rcpts_.clear();
  queue_id_.clear();
  body_type_.clear();
  envid_.clear();
  ret_.clear();
  verp_.clear();
  actions_ = {};
  sender_defer_.reset();
  instance_.clear();
  message_size_ = 0;
  spf_.reset();
  spf_header_.clear();
  smtputf8_ = false;
  requiretls_ = false;
  bdat_used_ = false;
  chunks_.clear();
  chunk_cr_ = false;
  chunks_too_big_ = false;
  arrival_ = 0;
  xforward_ = {};
  if (state_ != State::connected) state_ = State::greeted;
}

asio::awaitable<void> Session::watchdog() {
  while (!closed_) {
    timer_.expires_at(deadline_);
    asio::error_code ec;
    co_await timer_.async_wait(asio::redirect_error(use_awaitable, ec));
    if (closed_) co_return;
    if (std::chrono::steady_clock::now() >= deadline_) {
      timed_out_ = true;
      sock_.cancel(ec);
      co_return;
    }
  }
}

asio::awaitable<size_t> Session::read_some(char* data, size_t size, asio::error_code& ec) {
  if (tls_) co_return co_await tls_->async_read_some(asio::buffer(data, size), asio::redirect_error(use_awaitable, ec));
  co_return co_await sock_.async_read_some(asio::buffer(data, size), asio::redirect_error(use_awaitable, ec));
}

asio::awaitable<void> Session::write_all(const std::string& data, asio::error_code& ec) {
  if (tls_) co_await asio::async_write(*tls_, asio::buffer(data), asio::redirect_error(use_awaitable, ec));
  else co_await asio::async_write(sock_, asio::buffer(data), asio::redirect_error(use_awaitable, ec));
}

asio::awaitable<void> Session::flush() {
  if (out_.empty() || closed_) co_return;
  asio::error_code ec;
  co_await write_all(out_, ec);
  out_.clear();
  if (ec) closed_ = true;
}

// The TLS handshake (after "220 Ready to start TLS", or at connect in wrapper mode).
// Plaintext the client pipelined after STARTTLS was already thrown away (CVE-2011-0411).
asio::awaitable<bool> Session::start_tls() {
  auto handle = ctx_->tls->current();
  if (!handle) co_return false;
  SSL_CTX_up_ref(handle.get());
  tls_ctx_ = std::make_unique<asio::ssl::context>(handle.get());
  tls_ = std::make_unique<asio::ssl::stream<asio::ip::tcp::socket&>>(sock_, *tls_ctx_);
  deadline_ = std::chrono::steady_clock::now() + std::chrono::seconds(p().smtpd_starttls_timeout);
  asio::error_code ec;
  co_await tls_->async_handshake(asio::ssl::stream_base::server, asio::redirect_error(use_awaitable, ec));
  if (ec) {
    log_.warning("TLS library problem: SSL_accept error from {}: {}", client_.log_name(), ec.message());
    tls_.reset();
    co_return false;
  }
  auto info = tls::describe(tls_->native_handle());
  bool resumed = SSL_session_reused(tls_->native_handle()) == 1;
  if (auto r = rates_.count_new_tls(resumed, client_, ctx_->service, p().myhostname, log_, now_seconds())) {
    out_ += r->reply.wire();  // smtpd_client_new_tls_session_rate_limit: Postfix ends the session
    co_await flush();
    co_return false;
  }
  if (p().smtpd_tls_loglevel >= 1) log_.info("{}", tls::summary_line(info, client_.log_name()));
  note_tls(info);
  if (p().smtpd_tls_received_header) tls_received_ = tls::received_comment(info, false);
  if (milters_) milter_tls(info);
  co_return true;
}

// What restrictions and policy requests see of the TLS session: the cipher, and the
// client certificate (fingerprints with smtpd_tls_fingerprint_digest, checked at startup).
void Session::note_tls(const tls::HandshakeInfo& info) {
  ccert_.protocol = info.protocol;
  ccert_.cipher = info.cipher;
  ccert_.keysize = std::to_string(info.cipher_usebits);
  if (!info.peer_cert) return;
  ccert_.subject = info.peer_cn;
  ccert_.issuer = info.issuer_cn;
  ccert_.verified = info.peer_verified;
  auto fp = tls::peer_fingerprints(tls_->native_handle(), p().smtpd_tls_fingerprint_digest);
  if (!fp) {
    log_.warning("{}: {}", client_.log_name(), fp.error().message);
    return;
  }
  ccert_.fingerprint = std::move(fp->certificate);
  ccert_.pubkey_fingerprint = std::move(fp->public_key);
}

// smtpd_tls_security_level = encrypt: only these commands before STARTTLS (Postfix's set).
bool Session::tls_required_now(smtp::Verb v) const {
  if (tls_ || !ctx_->tls || !ctx_->tls->required()) return false;
  return !(v == smtp::Verb::ehlo || v == smtp::Verb::helo || v == smtp::Verb::starttls ||
           v == smtp::Verb::noop || v == smtp::Verb::quit);
}

asio::awaitable<bool> Session::read_more() {
  co_await flush();
  if (closed_) co_return false;
  if (in_pos_ > 0) {
    in_.erase(0, in_pos_);
    in_pos_ = 0;
  }
  // A session back at rest after a large message gives its buffer back.
  if (in_.empty() && in_.capacity() > kReadChunk) std::string().swap(in_);
  deadline_ = std::chrono::steady_clock::now() + std::chrono::seconds(p().smtpd_timeout);
  asio::error_code ec;
  if (!tls_) {
    size_t n = co_await read_plain(ec);
    co_return !ec && n > 0;
  }
  size_t old = in_.size();
  in_.resize(old + kReadChunk);
  size_t n = co_await read_some(in_.data() + old, kReadChunk, ec);
  in_.resize(old + n);
  co_return !ec && n > 0;
}

// Without TLS a session reads into its thread's scratch buffer and keeps only what
// arrived, so one waiting for its next command holds no read buffer (it held 16 KiB, most
// of an idle session's memory: heaptrack over 2,000 idle sessions). recv is tried first,
// as asio's own reads do; only when nothing is there does the session wait for the socket.
asio::awaitable<size_t> Session::read_plain(asio::error_code& ec) {
  static thread_local char scratch[kReadChunk];  // used between recv and append only: no suspension
  for (;;) {
    ssize_t n = ::recv(sock_.native_handle(), scratch, sizeof scratch, MSG_DONTWAIT);
    if (n > 0) {
      in_.append(scratch, size_t(n));
      co_return size_t(n);
    }
    if (n == 0) {
      ec = asio::error::eof;
      co_return 0;
    }
    if (errno == EINTR) continue;
    if (errno != EAGAIN && errno != EWOULDBLOCK) {
      ec = asio::error_code(errno, asio::system_category());
      co_return 0;
    }
    co_await sock_.async_wait(asio::socket_base::wait_read, asio::redirect_error(use_awaitable, ec));
    if (ec) co_return 0;
  }
}

std::string Session::received_header(const std::string& qid) const {
  const auto& pp = p();
  std::string from = client_.helo.empty() ? client_.name : printable(client_.helo, 255);
  std::string h = "Received: from " + from + " (" + client_.name + " [" + client_.addr + "])\n\t";
  if (!tls_received_.empty()) h += tls_received_ + "\n\t";
  if (pp.smtpd_sasl_authenticated_header && !client_.sasl_username.empty())
    h += "(Authenticated sender: " + printable(client_.sasl_username, 255) + ")\n\t";
  h += "by " +
                  pp.myhostname + " (" + pp.mail_name + ") with " + client_.protocol + " id " + qid;
  // Postfix's layout: "for <rcpt>; date" with one recipient, else the date on its own line.
  std::string date = rfc5322_date(std::time_t(now_seconds()));
  if (rcpts_.size() == 1) h += "\n\tfor <" + printable(rcpts_[0].address, 255) + ">; " + date + "\n";
  else h += ";\n\t" + date + "\n";
  return h;
}

// Hands a complete message to the queue (or drops it for DISCARD); the reply to give.
asio::awaitable<smtp::Reply> Session::submit_message(std::string content, bool too_big) {
  if (too_big) {
    smtp::Reply r{552, smtp::Status::too_big, "Error: message file too big"};  // Postfix's words
    maillog::reject(log_, queue_id_, "END-OF-MESSAGE", client_, r.wire(), sender_, "");
    co_return r;
  }
  if (auto refused = co_await check_end_of_data(content.size())) co_return *refused;
  bool discard = actions_.discard || session_actions_.discard;
  Authenticated auth;
  if (ctx_->inbound_auth && !discard) auth = co_await authenticate(content);
  if (auth.reject) {
    maillog::reject(log_, queue_id_, "END-OF-MESSAGE", client_, auth.reject->wire(), sender_, "");
    policy_error_ = true;
    co_return *auth.reject;
  }
  Message m;
  m.envelope.queue_id = queue_id_;
  m.envelope.sender = sender_;
  m.envelope.recipients = rcpts_;
  m.envelope.arrival = arrival_;
  m.envelope.client = message_client();
  m.envelope.body_type = body_type_;
  m.envelope.envid = envid_;
  m.envelope.ret = ret_;
  m.envelope.verp = verp_;
  m.envelope.smtputf8 = smtputf8_;
  m.envelope.requiretls = requiretls_;
  ctx_->overrides.mark(m.envelope);
  m.envelope.filter = ctx_->content_filter;  // an access table's FILTER (apply_actions) wins
  m.envelope.hold = auth.hold;
  if (auth.hold) log_.info("{}: hold: DMARC quarantine policy; from=<{}>", queue_id_, printable(sender_));
  // Authentication-Results on top (RFC 8601), Received-SPF above our Received (RFC 7208 §9.1).
  m.content = auth.headers + spf_header_ + received_header(queue_id_);
  m.content += content;
  content.clear();
  apply_actions(m);
  if (milters_)
    if (auto refused = co_await milter_message(m)) co_return *refused;
  queue::SubmitReply result;
  if (discard) {  // accepted, as Postfix says, and dropped
    result = {0, true, queue_id_, ""};
    log_.info("{}: discarded at end of DATA (an access table said DISCARD)", queue_id_);
  } else {
    result = co_await queue_.submit(std::move(m));
  }
  if (result.ok && !result.refusal.empty()) {  // logged by cleanup
    policy_error_ = true;
    co_return refusal_reply(result.refusal);
  }
  if (result.ok) co_return smtp::Reply{250, smtp::Status::ok, "Ok: queued as " + queue_id_};
  log_.warning("{}: queue file write error: {}", queue_id_, result.error);
  resource_error_ = true;
  co_return smtp::Reply{451, smtp::Status::system_error, "Error: queue file write error"};
}

asio::awaitable<void> Session::finish_data() {
  smtp::DataReader& d = *data_;
  smtp::Reply r;
  bool bare_lf_refused = ctx_->reject_bare_newline && d.bare_lf() &&
                         !(client_ip_ && SmtpdContext::in(ctx_->bare_newline_exclusions, *client_ip_));
  if (bare_lf_refused) {
    // smtpd_forbid_bare_newline = reject: the message is refused and the session ends.
    r = {int(p().smtpd_forbid_bare_newline_reject_code), smtp::Status::bad_command, "Error: bare <LF> received"};
    maillog::reject(log_, queue_id_, "END-OF-MESSAGE", client_, r.wire(), sender_, "");
    closing_ = true;
  } else {
    r = co_await submit_message(std::move(d.content()), d.too_big());
  }
  counts_.add("data", r.positive());
  if (keep_transcript_) note("Out", r.wire());
  out_ += r.wire();
  data_.reset();
  reset_transaction();
}

// BDAT content: CRLF becomes LF as with DATA, across chunk boundaries too; no dot-stuffing.
void Session::append_chunk(std::string_view bytes) {
  if (bytes.empty() || chunks_too_big_) return;
  size_t limit = ctx_->max_message_size ? ctx_->max_message_size : SIZE_MAX;
  for (size_t i = 0; i < bytes.size(); ++i) {
    char c = bytes[i];
    if (chunk_cr_) {
      chunk_cr_ = false;
      if (c != '\n') chunks_.push_back('\r');
    }
    if (c == '\r') {
      chunk_cr_ = true;
      continue;
    }
    chunks_.push_back(c);
  }
  if (chunks_.size() > limit) {
    chunks_too_big_ = true;
    chunks_.clear();
  }
}

// Reads the BDAT chunk that follows the command, then answers for it.
asio::awaitable<void> Session::receive_chunk(const Outcome& o) {
  size_t left = o.bdat_size;
  bool accept = o.reply.positive();
  while (left > 0 && !closed_) {
    if (in_pos_ >= in_.size()) {
      in_.clear();
      in_pos_ = 0;
      if (!co_await read_more()) co_return;
      continue;
    }
    size_t n = std::min(left, in_.size() - in_pos_);
    if (accept) append_chunk(std::string_view(in_).substr(in_pos_, n));
    in_pos_ += n;
    left -= n;
  }
  smtp::Reply r = o.reply;
  if (accept && o.bdat_last) {
    if (chunk_cr_) chunks_.push_back('\r');
    r = co_await submit_message(std::move(chunks_), chunks_too_big_);
    reset_transaction();
  } else if (accept) {
    r = {250, smtp::Status::ok, "Ok: " + std::to_string(o.bdat_size) + " bytes"};
  }
  counts_.add("bdat", r.positive());
  if (keep_transcript_) note("Out", r.wire());
  out_ += r.wire();
  if (!r.positive()) ++errors_;
}

// Past the soft error limit every reply waits smtpd_error_sleep_time (Postfix).
asio::awaitable<void> Session::error_pause() {
  if (p().smtpd_error_sleep_time.count() == 0) co_return;
  co_await flush();
  asio::steady_timer t(sock_.get_executor());
  t.expires_after(p().smtpd_error_sleep_time);
  asio::error_code ec;
  co_await t.async_wait(asio::redirect_error(use_awaitable, ec));
}

asio::awaitable<void> Session::run() {
  closed_ = false;
  deadline_ = std::chrono::steady_clock::now() + std::chrono::seconds(p().smtpd_timeout);
  // The watchdog keeps the session alive until it has seen the session close.
  asio::co_spawn(sock_.get_executor(),
                 [self = shared_from_this()]() -> asio::awaitable<void> { co_await self->watchdog(); },
                 asio::detached);
  if (ctx_->peername_lookup && ctx_->dns && client_ip_) co_await learn_client_name();
  maillog::connect(log_, client_);
  if (ctx_->tls && ctx_->tls->wrapper_mode() && !co_await start_tls()) {
    log_.info("lost connection after CONNECT from {}", client_.log_name());
    closed_ = true;
    timer_.cancel();
    maillog::disconnect(log_, client_, counts_);
    co_return;
  }
  if (ctx_->sasl) co_await ctx_->sasl->prepare();  // Dovecot: connected, mechanisms known
  bool quit = false;
  if (ctx_->milters) quit = !co_await milter_connect();  // a milter's 421 replaces the greeting
  if (!quit) {
    if (auto refused = co_await on_connect()) out_ += refused->wire();  // smtpd_delay_reject = no
    else out_ += smtp::Reply{220, smtp::Status::none, ctx_->banner}.wire();
  }
  while (!quit && !closed_) {
    if (data_) {
      size_t used = data_->feed(std::string_view(in_).substr(in_pos_));
      in_pos_ += used;
      if (data_->done()) {
        co_await finish_data();
        if (closing_) quit = true;
        continue;
      }
      in_.clear();
      in_pos_ = 0;
      if (!co_await read_more()) break;
      continue;
    }
    const char* base = in_.data() + in_pos_;
    const void* nl = std::memchr(base, '\n', in_.size() - in_pos_);
    if (!nl) {
      if (in_.size() - in_pos_ > kMaxCommandLine) {  // drop the rest of an overlong line
        in_.clear();
        in_pos_ = 0;
        if (!skipping_long_line_) out_ += smtp::Reply{500, smtp::Status::bad_command, "Error: line too long"}.wire();
        skipping_long_line_ = true;
      }
      if (!co_await read_more()) break;
      continue;
    }
    size_t len = size_t(static_cast<const char*>(nl) - base);
    std::string_view line(base, len);
    in_pos_ += len + 1;
    if (skipping_long_line_) {
      skipping_long_line_ = false;
      continue;
    }
    bool bare_lf = line.empty() || line.back() != '\r';
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (bare_lf && ctx_->reject_bare_newline) {
      if (!(client_ip_ && SmtpdContext::in(ctx_->bare_newline_exclusions, *client_ip_))) {
        smtp::Reply r{int(p().smtpd_forbid_bare_newline_reject_code), smtp::Status::bad_command,
                      "Error: bare <LF> received"};
        out_ += r.wire();
        log_.info("disconnect: bare <LF> received from {}", client_.log_name());
        quit = true;
        break;
      }
    }
    if (line.size() > kMaxCommandLine) {
      out_ += smtp::Reply{500, smtp::Status::bad_command, "Error: line too long"}.wire();
      continue;
    }
    more_input_ = in_pos_ < in_.size();  // for reject_unauth_pipelining (dispatch)
    int errors_before = errors_;
    if (spf_due(line)) co_await check_spf();
    Outcome o = co_await dispatch(line);
    if (milters_) co_await milter_command(line, o);
    if (keep_transcript_) note("In ", line);
    // Postfix sleeps before every reply once the soft error limit has been reached.
    if (errors_before >= p().smtpd_soft_error_limit && !o.bdat) co_await error_pause();
    if (!o.bdat && !o.auth) {  // BDAT and AUTH answer at the end of their exchange
      out_ += o.reply.wire();
      if (o.then) out_ += o.then->wire();
      if (keep_transcript_) {
        note("Out", o.reply.wire());
        if (o.then) note("Out", o.then->wire());
      }
    }
    if (o.start_data) data_.emplace(ctx_->max_message_size ? ctx_->max_message_size : SIZE_MAX);
    if (o.close) quit = true;
    if (starttls_pending_) {
      starttls_pending_ = false;
      in_.clear();  // CVE-2011-0411: nothing sent before the handshake may count after it
      in_pos_ = 0;
      co_await flush();
      bool ok = !closed_ && co_await start_tls();
      counts_.add("starttls", ok);
      if (!ok) break;
      continue;
    }
    if (o.auth) co_await run_auth(std::move(*o.auth));
    if (o.bdat) co_await receive_chunk(o);
    if (closing_) quit = true;
  }
  if (!quit) {
    if (timed_out_) {
      log_.info("timeout after {} from {}", last_command_, client_.log_name());
      out_ += smtp::Reply{421, smtp::Status::timeout, p().myhostname + " Error: timeout exceeded"}.wire();
      closed_ = false;
      co_await flush();
    } else {
      log_.info("lost connection after {} from {}", last_command_, client_.log_name());
    }
  }
  co_await flush();
  if (milters_) co_await milters_->quit();
  closed_ = true;
  timer_.cancel();
  asio::error_code ec;
  sock_.shutdown(asio::ip::tcp::socket::shutdown_both, ec);
  sock_.close(ec);
  maillog::disconnect(log_, client_, counts_);
  if ((policy_error_ && ctx_->notify_policy) || (protocol_error_ && ctx_->notify_protocol) ||
      (resource_error_ && ctx_->notify_resource))
    co_await send_notice();
}

void Session::note(std::string_view dir, std::string_view text) {
  constexpr size_t kMaxTranscript = 64 * 1024;
  if (transcript_.size() > kMaxTranscript) return;
  while (!text.empty() && (text.back() == '\n' || text.back() == '\r')) text.remove_suffix(1);
  for (auto line : split_any(text, "\n")) {
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    transcript_ += " " + std::string(dir) + ": " + printable(line, 512) + "\n";
  }
}

// Postfix's postmaster notice: the session transcript, from the notice sender, so that a
// notice about a notice is discarded rather than looped.
asio::awaitable<void> Session::send_notice() {
  const auto& pp = p();
  Message m;
  Envelope& e = m.envelope;
  e.queue_id = make_queue_id();
  e.sender = ctx_->notice_sender;
  e.recipients.push_back(Recipient{ctx_->error_notice_recipient});
  e.arrival = now_seconds();
  e.client = ClientInfo{"localhost", "127.0.0.1", 0, "", "LOCAL"};
  e.no_header_body_checks = true;  // our own notice (internal_mail_filter_classes is empty)
  std::string classes;
  if (policy_error_) classes += " policy";
  if (protocol_error_) classes += " protocol";
  if (resource_error_) classes += " resource";
  m.content = "From: MAILER-DAEMON@" + pp.myhostname + " (Mail Delivery System)\n" +
              "To: " + ctx_->error_notice_recipient + "\n" +
              "Subject: " + pp.mail_name + " SMTP server: errors from " + client_.log_name() + "\n" +
              "Auto-Submitted: auto-generated\n" +
              "Date: " + rfc5322_date(std::time_t(e.arrival)) + "\n" +
              "Message-Id: <" + e.queue_id + "@" + pp.myhostname + ">\n\n" +
              "Problem classes:" + classes + "\n\nTranscript of session follows.\n\n" +
              " Out: 220 " + ctx_->banner + "\n" + transcript_;
  auto r = co_await queue_.submit(std::move(m));
  if (r.ok) log_.info("{}: postmaster notice about {}: {}", client_.log_name(), classes.substr(1), r.queue_id);
  else log_.warning("postmaster notice about {} not queued: {}", client_.log_name(), r.error);
}

}  // namespace tern::server

namespace tern::server {

// One line from the client during an exchange (AUTH's responses), without its CRLF.
asio::awaitable<std::optional<std::string>> Session::read_line(size_t max) {
  for (;;) {
    size_t nl = in_.find('\n', in_pos_);
    if (nl != std::string::npos) {
      std::string line = in_.substr(in_pos_, nl - in_pos_);
      in_pos_ = nl + 1;
      if (!line.empty() && line.back() == '\r') line.pop_back();
      co_return line;
    }
    if (in_.size() - in_pos_ > max) co_return std::string(max + 1, 'x');  // the mechanism refuses it
    if (!co_await read_more()) co_return std::nullopt;
  }
}

std::vector<std::string> Session::offered_mechanisms() const {
  if (!ctx_->sasl) return {};
  const auto& pp = p();
  return sasl::filter_mechanisms(ctx_->sasl->mechanisms(),
                                 tls_ ? pp.smtpd_sasl_tls_security_options : pp.smtpd_sasl_security_options,
                                 pp.smtpd_sasl_mechanism_filter);
}

// The AUTH exchange: challenges and responses through the mechanism, then the back end.
asio::awaitable<void> Session::run_auth(sasl::AuthCommand cmd) {
  auto as_reply = [](const sasl::Reply& r) {
    return smtp::Reply{r.code, smtp::Status::none, r.enhanced.empty() ? r.text : r.enhanced + " " + r.text};
  };
  auto opts = sasl::mechanism_options(*ctx_->sasl, p());
  auto mech = sasl::make_mechanism(cmd.mechanism, opts);
  smtp::Reply reply;
  bool ok = false;
  if (!mech) {
    reply = as_reply(sasl::make_reply(sasl::ReplyKind::unrecognized_mechanism));
  } else {
    sasl::Step step = mech->start(cmd.initial_response);
    while (step.kind == sasl::Step::Kind::challenge) {
      out_ += as_reply(sasl::make_reply(sasl::ReplyKind::challenge, step.challenge)).wire();
      auto line = co_await read_line(opts.response_limit + 16);
      if (!line) co_return;  // the client went away; run() logs it
      step = mech->respond(*line);
    }
    if (step.kind == sasl::Step::Kind::reply) {
      reply = as_reply(step.reply);
    } else {
      sasl::Peer peer{client_.addr, "", bool(tls_)};
      std::string name(mech->name());
      auto r = co_await ctx_->sasl->verify(name, step.credentials, peer);
      reply = as_reply(sasl::result_reply(r));
      if (r.ok()) {
        ok = true;
        client_.sasl_method = name;
        client_.sasl_username = r.username.empty() ? step.credentials.authcid : r.username;
        client_.protocol = tls_ ? "ESMTPSA" : "ESMTPA";
        ctx_->sasl_throttle->record_success(client_.addr);
      } else {
        log_.warning("{}: SASL {} authentication failed: {}", client_.log_name(), name,
                     printable(r.reason.empty() ? "(reason unavailable)" : r.reason, 200));
        auto delay = ctx_->sasl_throttle->record_failure(client_.addr, std::chrono::steady_clock::now());
        if (delay.count() > 0) {
          co_await flush();
          asio::steady_timer t(sock_.get_executor());
          t.expires_after(delay);
          asio::error_code ec;
          co_await t.async_wait(asio::redirect_error(use_awaitable, ec));
        }
      }
    }
  }
  counts_.add("auth", ok);
  if (!ok) ++errors_;
  if (keep_transcript_) note("Out", reply.wire());
  out_ += reply.wire();
}

}  // namespace tern::server
