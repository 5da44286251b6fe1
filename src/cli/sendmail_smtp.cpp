// sendmail -bs; see sendmail_smtp.hpp.
#include "cli/sendmail_smtp.hpp"

#include <cstdio>
#include <iostream>

#include "base/strings.hpp"
#include "cli/maildrop.hpp"
#include "cli/submission.hpp"
#include "message/cleanup.hpp"
#include "smtp/address.hpp"
#include "smtp/command.hpp"
#include "smtp/reply.hpp"

namespace tern::cli {

namespace {
using smtp::Reply;
using smtp::Status;

std::string r(int code, Status st, std::string text) { return Reply{code, st, std::move(text)}.wire(); }
}  // namespace

StdioSmtp::StdioSmtp(const config::Params& p, Enqueue enqueue) : p_(p), enqueue_(std::move(enqueue)) {}

std::string StdioSmtp::greeting() const { return r(220, Status::none, p_.smtpd_banner); }

void StdioSmtp::reset() {
  in_mail_ = false;
  sender_.clear();
  verp_.clear();
  rcpts_.clear();
  data_.reset();
}

std::string StdioSmtp::line(std::string_view text) {
  if (!data_) return command(text);
  // Local input may end lines in LF alone: give the DATA parser the CRLF it expects.
  std::string crlf(text);
  crlf += "\r\n";
  data_->feed(crlf);
  return data_->done() ? end_of_data() : std::string();
}

std::string StdioSmtp::command(std::string_view text) {
  auto cmd = smtp::parse_command(text);
  switch (cmd.verb) {
    case smtp::Verb::helo:
    case smtp::Verb::ehlo: {
      if (trim(cmd.arg).empty()) return r(501, Status::bad_syntax, "Syntax: " + std::string(cmd.name) + " hostname");
      reset();
      helo_ = std::string(trim(cmd.arg));
      if (cmd.verb == smtp::Verb::helo) return r(250, Status::none, p_.myhostname);
      std::vector<std::string> kw = {"PIPELINING", "8BITMIME", "ENHANCEDSTATUSCODES"};
      if (p_.message_size_limit > 0) kw.insert(kw.begin() + 1, "SIZE " + std::to_string(p_.message_size_limit));
      return smtp::ehlo_reply(p_.myhostname, kw).wire();
    }
    case smtp::Verb::mail: return mail(cmd.arg);
    case smtp::Verb::rcpt: return rcpt(cmd.arg);
    case smtp::Verb::data:
      if (!in_mail_) return r(503, Status::bad_sequence, "Error: need MAIL command");
      if (rcpts_.empty()) return r(554, Status::bad_sequence, "Error: no valid recipients");
      data_ = std::make_unique<smtp::DataReader>(p_.message_size_limit > 0 ? size_t(p_.message_size_limit) : size_t(-1));
      return r(354, Status::none, "End data with <CR><LF>.<CR><LF>");
    case smtp::Verb::rset: reset(); return r(250, Status::ok, "Ok");
    case smtp::Verb::noop: return r(250, Status::ok, "Ok");
    case smtp::Verb::vrfy: return r(252, Status::ok, std::string(trim(cmd.arg)));
    case smtp::Verb::quit: quit_ = true; return r(221, Status::ok, "Bye");
    case smtp::Verb::unknown: return r(500, Status::bad_command, "Error: command not recognized");
    default: return r(502, Status::bad_command, "Error: command not implemented");
  }
}

std::string StdioSmtp::mail(std::string_view arg) {
  if (in_mail_) return r(503, Status::bad_sequence, "Error: nested MAIL command");
  auto path = smtp::parse_path(arg, "FROM");
  if (!path) return r(501, Status::bad_sender_syntax, "Bad sender address syntax");
  std::string verp;
  for (const auto& [k, v] : path->params) {
    if (k == "XVERP") {
      auto d = verp_delimiters(v, p_.default_verp_delimiters, p_.verp_delimiter_filter);
      if (!d) return r(501, Status::bad_syntax, "Error: bad XVERP syntax");
      verp = *d;
    } else if (k == "SIZE") {
      auto n = parse_int(v);
      if (!n) return r(501, Status::bad_syntax, "Bad message size syntax");
      if (p_.message_size_limit > 0 && *n > p_.message_size_limit)
        return r(552, Status::too_big, "Message size exceeds fixed limit");
    } else if (k != "BODY") {
      return r(555, Status::bad_syntax, "Unsupported option: " + k);
    }
  }
  sender_ = qualify(path->address, p_.append_at_myorigin ? p_.myorigin : "");
  verp_ = verp;
  in_mail_ = true;
  return r(250, Status::sender_ok, "Ok");
}

std::string StdioSmtp::rcpt(std::string_view arg) {
  if (!in_mail_) return r(503, Status::bad_sequence, "Error: need MAIL command");
  auto path = smtp::parse_path(arg, "TO");
  if (!path || path->address.empty()) return r(501, Status::bad_rcpt_syntax, "Bad recipient address syntax");
  rcpts_.push_back(qualify(path->address, p_.append_at_myorigin ? p_.myorigin : ""));
  return r(250, Status::recipient_ok, "Ok");
}

std::string StdioSmtp::end_of_data() {
  bool too_big = data_->too_big();
  std::string content = std::move(data_->content());
  data_.reset();
  if (too_big) {
    reset();
    return r(552, Status::too_big, "Error: message file too big");
  }
  Message m = local_message(sender_, rcpts_, std::move(content));
  m.envelope.verp = verp_;
  m.envelope.client.helo = helo_;
  cleanup(m, {true, p_.myhostname});
  auto id = enqueue_(m);
  reset();
  if (!id) return r(451, Status::system_error, "Error: queue file write error");
  return r(250, Status::ok, "Ok: queued as " + *id);
}

int smtp_stdio_main(const config::Config& cfg) {
  const std::string qdir = cfg.params.queue_directory, owner = cfg.params.mail_owner;
  StdioSmtp s(cfg.params, [&](Message& m) -> Result<std::string> {
    auto id = write_maildrop(qdir, m, owner);
    if (id) request_pickup(qdir);
    else std::fprintf(stderr, "sendmail: warning: %s\n", id.error().message.c_str());
    return id;
  });
  std::fputs(s.greeting().c_str(), stdout);
  std::fflush(stdout);
  std::string line;
  while (!s.done() && std::getline(std::cin, line)) {
    if (!line.empty() && line.back() == '\r') line.pop_back();
    std::string reply = s.line(line);
    if (reply.empty()) continue;
    std::fputs(reply.c_str(), stdout);
    std::fflush(stdout);
  }
  return 0;
}

}  // namespace tern::cli
