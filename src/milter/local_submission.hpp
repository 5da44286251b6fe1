// non_smtpd_milters: a locally submitted message (sendmail → maildrop → pickup) through
// the milters as Postfix's cleanup(8) does it. There is no SMTP client, so the milters see
// an emulated one: connect from "localhost" [127.0.0.1] port 25, HELO "localhost", then
// MAIL FROM, each RCPT TO, DATA and the message; the modifications are applied to the
// message. The per-session driver (milter::Session) does the protocol; this file only
// plays the SMTP stages in order and fills the macros a cleanup knows.
#pragma once
#include <asio/any_io_executor.hpp>
#include <asio/awaitable.hpp>

#include <string>

#include "base/log.hpp"
#include "message/envelope.hpp"
#include "milter/driver.hpp"
#include "milter/settings.hpp"

namespace tern::milter {

// Runs `m` through the milters of `s`, with the local macros: j (`myhostname`),
// {daemon_name}, v, i (the queue ID), {client_addr} 127.0.0.1, {client_name} localhost,
// {mail_addr}, and {rcpt_addr} as each RCPT is sent. The first refusal (a recipient's too: a local
// submission cannot drop single recipients) decides; a verdict that proceeds may carry
// `hold`. Modifications are applied to `m`.
asio::awaitable<Verdict> filter_local_submission(asio::any_io_executor ex, const Settings& s, const log::Logger& log,
                                                 std::string myhostname, Message& m);

}  // namespace tern::milter
