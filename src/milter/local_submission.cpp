// non_smtpd_milters; see local_submission.hpp.
#include "milter/local_submission.hpp"

namespace tern::milter {

namespace {

// (Not built inside the coroutine: braced lists there trip GCC 12's coroutines.)
MacroValues local_macros(const Settings& s, const std::string& myhostname, const Envelope& e) {
  MacroValues m;
  m["j"] = myhostname;
  m["{daemon_name}"] = s.daemon_name;
  m["v"] = s.v;
  m["i"] = e.queue_id;
  m["{client_addr}"] = "127.0.0.1";
  m["{client_name}"] = "localhost";
  m["{client_ptr}"] = "localhost";
  m["_"] = "localhost [127.0.0.1]";
  m["{mail_addr}"] = e.sender;
  return m;
}

// Postfix's cleanup emulates the SMTP client with these values.
ConnectInfo local_client() {
  ConnectInfo c;
  c.hostname = "localhost";
  c.address = "127.0.0.1";
  c.port = 25;
  return c;
}

}  // namespace

asio::awaitable<Verdict> filter_local_submission(asio::any_io_executor ex, const Settings& s, const log::Logger& log,
                                                 std::string myhostname, Message& m) {
  const Envelope& e = m.envelope;
  MacroValues macros = local_macros(s, myhostname, e);
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
  const ConnectInfo client = local_client();
  bool go = take(co_await session.connect(client));
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
