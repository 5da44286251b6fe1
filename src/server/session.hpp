// One SMTP server session: a straight-line coroutine that reads commands (all that are
// buffered, so PIPELINING costs no extra system calls), answers each from the command
// table, batches replies into one write per pipelined group, receives DATA through the
// incremental DataReader, and hands each message to the queue role before it says 250.
#pragma once
#include <asio/awaitable.hpp>
#include <asio/ip/tcp.hpp>
#include <asio/ssl/context.hpp>
#include <asio/ssl/stream.hpp>
#include <asio/steady_timer.hpp>

#include <array>
#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "base/log.hpp"
#include "message/envelope.hpp"
#include "message/maillog.hpp"
#include "milter/driver.hpp"
#include "policy/dns_words.hpp"
#include "server/context.hpp"
#include "sasl/command.hpp"
#include "server/queue_client.hpp"
#include "smtp/command.hpp"
#include "smtp/data_reader.hpp"
#include "smtp/reply.hpp"
#include "smtp/xforward.hpp"
#include "spf/check.hpp"
#include "tls/summary.hpp"

namespace tern::server {

// The client's address as Postfix prints it (IPv4-mapped IPv6 shown as IPv4); "" if unknown.
std::string peer_address(const asio::ip::tcp::socket& sock);

class Session : public std::enable_shared_from_this<Session> {
 public:
  // `addr`: the client's address when the caller already has it ("" = ask the socket).
  Session(asio::ip::tcp::socket sock, std::shared_ptr<const SmtpdContext> ctx, QueueClient& queue,
          std::string addr = {});
  asio::awaitable<void> run();
  // The client's rate counters (anvil.hpp); without them the session counts nothing.
  void set_rates(ClientRates rates) { rates_ = rates; }

  // What a command handler decides: the reply, and what the session does next.
  struct Outcome {
    smtp::Reply reply;
    bool close = false;       // QUIT, or too many errors
    bool start_data = false;  // DATA accepted: the next bytes are content
    std::optional<smtp::Reply> then;  // a second reply (421 after too many errors)
    std::optional<sasl::AuthCommand> auth;  // AUTH accepted for a mechanism: run the exchange
    size_t bdat_size = 0;     // BDAT: this many bytes of content follow the command
    bool bdat = false;
    bool bdat_last = false;
  };

  // The protocol state machine; handlers are pure checks plus the state change.
  enum class State { connected, greeted, mail, rcpt };

  // Command handlers (commands.cpp). Public so tests can drive them without sockets.
  // The handlers that apply restrictions are coroutines (a restriction may suspend).
  asio::awaitable<Outcome> on_helo(std::string_view arg, bool extended);
  asio::awaitable<Outcome> on_helo_cmd(std::string_view arg) { return on_helo(arg, false); }
  asio::awaitable<Outcome> on_ehlo_cmd(std::string_view arg) { return on_helo(arg, true); }
  asio::awaitable<Outcome> on_mail(std::string_view arg);
  asio::awaitable<Outcome> on_rcpt(std::string_view arg);
  asio::awaitable<Outcome> on_data(std::string_view arg);
  Outcome on_rset(std::string_view arg);
  Outcome on_noop(std::string_view arg);
  Outcome on_quit(std::string_view arg);
  asio::awaitable<Outcome> on_vrfy(std::string_view arg);
  Outcome on_bdat(std::string_view arg);
  Outcome on_starttls(std::string_view arg);
  Outcome on_auth(std::string_view arg);
  Outcome on_xforward(std::string_view arg);  // xforward.cpp
  Outcome on_unknown(std::string_view arg);
  asio::awaitable<Outcome> dispatch(std::string_view line);
  // The pure checks of MAIL and RCPT (syntax, parameters, state) with their effects.
  Outcome check_mail(std::string_view arg);
  Outcome check_rcpt(std::string_view arg, Recipient& out);
  Outcome ehlo_outcome(bool extended) const;
  // smtpd_client_restrictions at connect (smtpd_delay_reject = no); run() calls it before
  // the greeting. The reply that replaces the greeting when the client is refused.
  asio::awaitable<std::optional<smtp::Reply>> on_connect();

 private:
  asio::awaitable<bool> read_more();
  asio::awaitable<void> flush();
  asio::awaitable<void> watchdog();
  asio::awaitable<void> finish_data();
  asio::awaitable<smtp::Reply> submit_message(std::string content, bool too_big);
  asio::awaitable<void> receive_chunk(const Outcome& o);
  void append_chunk(std::string_view bytes);
  asio::awaitable<void> error_pause();
  asio::awaitable<bool> start_tls();  // the handshake; false ends the session
  void note_tls(const tls::HandshakeInfo& info);
  asio::awaitable<void> run_auth(sasl::AuthCommand cmd);
  asio::awaitable<std::optional<std::string>> read_line(size_t max);
  std::vector<std::string> offered_mechanisms() const;
  asio::awaitable<size_t> read_some(char* data, size_t size, asio::error_code& ec);
  asio::awaitable<size_t> read_plain(asio::error_code& ec);  // appends to in_
  asio::awaitable<void> write_all(const std::string& data, asio::error_code& ec);
  bool tls_required_now(smtp::Verb v) const;
  void enter_state(State to);
  void reset_transaction();
  // Restrictions (checks.cpp): the lists of one command evaluated in order; the reply when
  // refused (logged as Postfix does), else nothing, the actions kept on `actions_`.
  struct StageList {
    const policy::RestrictionList* list = nullptr;
    policy::Stage stage = policy::Stage::client;
  };
  struct StageLists {  // at most the five lists of RCPT; no allocation per command
    std::array<StageList, 5> items;
    size_t size = 0;
    void add(const policy::RestrictionList* l, policy::Stage s) { items[size++] = {l, s}; }
  };
  static StageLists single(const policy::RestrictionList* l, policy::Stage s) {
    StageLists ls;
    ls.add(l, s);
    return ls;
  }
  asio::awaitable<std::optional<smtp::Reply>> restrict(StageLists lists, std::string_view command,
                                                       std::string_view sender, std::string_view rcpt,
                                                       std::optional<smtp::Reply>* carry_defer);
  policy::Facts facts(std::string_view command, std::string_view sender, std::string_view rcpt) const;
  void log_policy(std::string_view what, std::string_view command, std::string_view text,
                  std::string_view sender, std::string_view rcpt) const;
  asio::awaitable<std::optional<smtp::Reply>> check_recipient(const std::string& addr, bool for_vrfy);
  asio::awaitable<std::optional<smtp::Reply>> check_end_of_data(size_t size);
  void apply_actions(Message& m) const;
  std::string received_header(const std::string& qid) const;
  asio::awaitable<void> learn_client_name();  // PTR + forward confirmation (peername.hpp)
  // XFORWARD (xforward.cpp): whether this client may use it, the client the message is
  // queued with, and the "client=" log line.
  bool xforward_allowed() const;
  ClientInfo message_client() const;
  void log_client() const;
  asio::awaitable<void> check_spf();  // before the first RCPT of a transaction (spf.cpp)
  bool spf_due(std::string_view line) const;
  bool spf_wanted() const;  // SPF applies to this client and transaction
  // End of DATA with SmtpdContext::inbound_auth (authres.cpp): removes forged
  // Authentication-Results from `content`; the headers to prepend and DMARC's action.
  struct Authenticated {
    std::optional<smtp::Reply> reject;  // DMARC p=reject, enforced
    bool hold = false;                  // DMARC p=quarantine, dmarc_quarantine_action = hold
    std::string headers;                // Authentication-Results (+ the quarantine header)
  };
  asio::awaitable<Authenticated> authenticate(std::string& content);
  // Milters (milter_hooks.cpp): the connect step (false: a milter ended the session), each
  // command after its handler (may replace the reply), the message before it is queued
  // (a reply: refused or discarded; else queue `m`, on hold if a milter said so).
  asio::awaitable<bool> milter_connect();
  asio::awaitable<void> milter_command(std::string_view line, Outcome& o);
  asio::awaitable<std::optional<smtp::Reply>> milter_message(Message& m);
  void milter_tls(const tls::HandshakeInfo& info);
  void milter_refuse(Outcome& o, const milter::Verdict& v, std::string_view command, std::string_view rcpt);
  void note(std::string_view dir, std::string_view text);
  asio::awaitable<void> send_notice();
  const config::Params& p() const { return *ctx_->params; }

  asio::ip::tcp::socket sock_;
  // TLS once STARTTLS (or wrapper mode) succeeded; all I/O then goes through tls_.
  std::unique_ptr<asio::ssl::context> tls_ctx_;
  std::unique_ptr<asio::ssl::stream<asio::ip::tcp::socket&>> tls_;
  std::string tls_received_;  // the Received: comment for this TLS session
  bool starttls_pending_ = false;
  std::shared_ptr<const SmtpdContext> ctx_;
  QueueClient& queue_;
  log::Logger log_;
  ClientInfo client_;
  std::optional<IpAddress> client_ip_;  // parsed once; unset when unknown
  bool client_in_mynetworks_ = false;
  ClientRates rates_;  // smtpd_client_*_rate_limit
  bool more_input_ = false;  // input beyond the command being dispatched was already buffered

  State state_ = State::connected;
  std::string in_;          // received, not yet consumed
  size_t in_pos_ = 0;
  std::string out_;         // replies not yet written
  bool skipping_long_line_ = false;
  std::optional<smtp::DataReader> data_;
  asio::steady_timer timer_;
  std::chrono::steady_clock::time_point deadline_;
  bool timed_out_ = false;
  bool closed_ = false;
  bool closing_ = false;  // end the session after the replies already queued

  // The transaction.
  std::string sender_;
  std::vector<Recipient> rcpts_;
  std::string queue_id_;
  double arrival_ = 0;
  std::string body_type_;
  std::string envid_, ret_, verp_;
  policy::MessageActions actions_;  // HOLD, DISCARD, PREPEND, BCC, REDIRECT from access answers
  std::optional<smtp::Reply> sender_defer_;  // defer_if_permit at MAIL (smtpd_delay_reject = no)
  std::optional<spf::Outcome> spf_;  // this transaction's SPF result, once checked
  std::string spf_header_;           // its Received-SPF header, when one is added
  bool smtputf8_ = false;
  bool requiretls_ = false;
  smtp::ForwardedClient xforward_;  // what XFORWARD said for this transaction
  // BDAT: the content so far (CRLF already turned into LF), a CR held back at a chunk end.
  bool bdat_used_ = false;
  std::string chunks_;
  bool chunk_cr_ = false;
  bool chunks_too_big_ = false;
  int junk_ = 0;
  bool pipelined_ahead_ = false;  // a command arrived before the reply it had to wait for

  // The transcript for postmaster notices (notify_classes policy/protocol/resource).
  bool keep_transcript_ = false;
  std::string transcript_;
  bool policy_error_ = false, protocol_error_ = false, resource_error_ = false;

  // smtpd_delay_reject = no: a client refused at connect gets only 503 (QUIT aside);
  // defer_if_permit from the client and HELO lists waits for RCPT; session-wide actions.
  std::optional<smtp::Reply> access_denied_;
  bool recipient_authorized_ = false;  // of the RCPT being checked
  std::string instance_;               // policy requests: one value per transaction
  size_t message_size_ = 0;            // MAIL SIZE=, then the received size at END-OF-MESSAGE
  std::string server_addr_, server_port_;  // where the client connected (policy requests)
  std::string client_log_name_, client_port_;  // "name[addr]" and the port, made once
  uint64_t transactions_ = 0;
  // The TLS session as restrictions and policy requests see it (after the handshake).
  struct TlsFacts {
    std::string fingerprint, pubkey_fingerprint;  // client certificate, "AB:CD:…"
    std::string subject, issuer;
    bool verified = false;
    std::string protocol, cipher, keysize;
  } ccert_;
  std::optional<smtp::Reply> session_defer_;
  // The DNS words' answers for this session (one DNSBL lookup per client, not per RCPT);
  // mutable: facts() hands it to the evaluator, which fills it.
  mutable policy::DnsCache dns_cache_;
  // The client's names (smtpd_peername_lookup = yes: learnt before the greeting).
  std::string reverse_client_name_ = "unknown";
  policy::NameStatus client_name_status_ = policy::NameStatus::permanent;
  policy::NameStatus reverse_client_name_status_ = policy::NameStatus::permanent;
  policy::MessageActions session_actions_;
  milter::MacroValues milter_macros_;          // (declared first: milters_ reads it)
  std::unique_ptr<milter::Session> milters_;  // set when the service has smtpd_milters
  std::optional<smtp::Reply> milter_refusal_;  // a milter refused the connection: MAIL etc. get this
  bool milter_discard_ = false;                // a milter said DISCARD during this transaction
  bool milter_data_sent_ = false;              // the DATA step was done (BDAT does it at the end)

  int errors_ = 0;
  std::string last_command_ = "CONNECT";
  maillog::CommandCounts counts_;
};

}  // namespace tern::server
