// non_smtpd_milters; see local_submission.hpp.
#include "milter/local_submission.hpp"

namespace tern::milter {

asio::awaitable<Verdict> filter_local_submission(asio::any_io_executor ex, const Settings& s, const log::Logger& log,
                                                 const LocalSubmission& local, Message& m) {
  const Envelope& e = m.envelope;
  MacroValues macros{{"j", local.myhostname},
                     {"{daemon_name}", s.daemon_name},
                     {"v", s.v},
                     {"i", e.queue_id},
                     {"{client_addr}", "127.0.0.1"},
                     {"{client_name}", "localhost"},
                     {"{client_ptr}", "localhost"},
                     {"_", "localhost [127.0.0.1]"},
                     {"{mail_addr}", e.sender}};
  Session session(ex, s, log, macros);
  Verdict v;
  // A quarantine (milter_default_action) at one stage stays for the message.
  auto take = [&v](Verdict n) {
    bool hold = v.hold;
    std::string reason = v.hold_reason;
    v = std::move(n);
    if (hold && !v.hold) {
      v.hold = true;
      v.hold_reason = reason;
    }
    return v.proceed();
  };
  // Postfix's cleanup emulates the SMTP client with these values.
  bool go = take(co_await session.connect(ConnectInfo{"localhost", "127.0.0.1", 25, false}));
  if (go) go = take(co_await session.helo("localhost"));
  if (go) go = take(co_await session.mail(std::vector<std::string>(1, "<" + e.sender + ">")));
  for (size_t i = 0; go && i < e.recipients.size(); ++i) {
    macros["{rcpt_addr}"] = e.recipients[i].address;
    go = take(co_await session.rcpt(std::vector<std::string>(1, "<" + e.recipients[i].address + ">")));
  }
  if (go) go = take(co_await session.data());
  if (go) take(co_await session.end_of_message(m));
  else co_await session.abort();
  co_await session.quit();
  co_return v;
}

}  // namespace tern::milter
