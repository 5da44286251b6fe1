// sendmail -bs: an SMTP dialogue on stdin/stdout for local programs that speak SMTP to
// /usr/sbin/sendmail. A small session (HELO/EHLO, MAIL, RCPT, DATA, RSET, NOOP, VRFY,
// QUIT) built on src/smtp's command, path and DATA parsers; each accepted message goes
// through the same maildrop/ handover as sendmail's default mode.
#pragma once
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "base/result.hpp"
#include "config/config.hpp"
#include "message/envelope.hpp"
#include "smtp/data_reader.hpp"

namespace tern::cli {

// The dialogue without I/O: lines in, reply bytes out. `enqueue` stores a finished
// message and returns its queue ID.
class StdioSmtp {
 public:
  using Enqueue = std::function<Result<std::string>(Message&)>;
  StdioSmtp(const config::Params& p, Enqueue enqueue);

  std::string greeting() const;
  // One input line without its line end; returns the reply ("" while DATA continues).
  std::string line(std::string_view text);
  bool done() const { return quit_; }

 private:
  std::string command(std::string_view text);
  std::string mail(std::string_view arg);
  std::string rcpt(std::string_view arg);
  std::string end_of_data();
  void reset();

  const config::Params& p_;
  Enqueue enqueue_;
  std::string helo_;
  bool in_mail_ = false, quit_ = false;
  std::string sender_, verp_;
  std::vector<std::string> rcpts_;
  std::unique_ptr<smtp::DataReader> data_;  // set while DATA is being read
};

// Runs the dialogue on stdin/stdout; the exit status.
int smtp_stdio_main(const config::Config& cfg);

}  // namespace tern::cli
