// Drives a whole SMTP server session from fuzz input: a real Session coroutine reads the
// bytes from one end of a socketpair (an in-memory duplex stream), the replies are
// drained from the other end, and the queue link points at a socket that does not exist
// (submissions fail fast with 451). Invariants: no crash, no sanitizer report, the
// session ends by itself once the input is exhausted, and every reply line is a
// well-formed "DDD[ -]text" line.
#include <sys/socket.h>
#include <unistd.h>

#include <asio/co_spawn.hpp>
#include <asio/detached.hpp>
#include <asio/io_context.hpp>
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>
#include <thread>

#include "config/config.hpp"
#include "server/context.hpp"
#include "server/queue_client.hpp"
#include "server/session.hpp"

namespace {

std::shared_ptr<const tern::server::SmtpdContext> context() {
  static std::shared_ptr<const tern::server::SmtpdContext> ctx = [] {
    auto dir = std::filesystem::temp_directory_path() / ("tern-fuzz-session-" + std::to_string(::getpid()));
    std::filesystem::create_directories(dir);
    std::ofstream(dir / "main.cf") << "myhostname = mx.example.test\nmydestination = example.test\n"
                                      "mynetworks = 127.0.0.0/8\nlocal_passwd_file = passwd\n"
                                      "alias_maps = inline:{ postmaster=alice }\n"
                                      "local_recipient_maps = unix:passwd.byname $alias_maps\n"
                                      "smtpd_error_sleep_time = 0\nmessage_size_limit = 4096\n"
                                      "disable_dns_lookups = yes\n"
                                      "smtpd_recipient_restrictions = check_recipient_access inline:{ "
                                      "hold@example.test=HOLD, no@example.test=REJECT, cls@example.test=strict, "
                                      "{pre@example.test=PREPEND X-Fuzz: yes}, {bcc@example.test=BCC alice@example.test}, "
                                      "{warn@example.test=WARN seen}, {dip@example.test=DEFER_IF_PERMIT later} }, "
                                      "warn_if_reject, reject_non_fqdn_sender\n"
                                      "smtpd_restriction_classes = strict\n"
                                      "strict = reject_multi_recipient_bounce, defer_if_reject, reject\n"
                                      "smtpd_helo_restrictions = check_helo_access inline:{ evil.test=REJECT }\n"
                                      "smtpd_data_restrictions = reject_multi_recipient_bounce\n"
                                      "smtpd_end_of_data_restrictions = check_sender_access inline:{ late.test=REJECT }\n";
    std::ofstream(dir / "master.cf") << "127.0.0.1:2525 inet n - n - - smtpd\n";
    std::ofstream(dir / "passwd") << "alice:x:1000:1000::home/alice:/bin/sh\n";
    auto cfg = tern::config::load({dir.string()});
    if (!cfg) std::abort();
    auto c = tern::server::make_context(*cfg, (*cfg)->services[0]);
    if (!c) std::abort();
    std::filesystem::remove_all(dir);
    return *c;
  }();
  return ctx;
}

bool well_formed(const std::string& out) {
  size_t pos = 0;
  while (pos < out.size()) {
    size_t nl = out.find("\r\n", pos);
    if (nl == std::string::npos) return false;
    std::string line = out.substr(pos, nl - pos);
    if (line.size() < 4 || !isdigit(line[0]) || !isdigit(line[1]) || !isdigit(line[2]) ||
        (line[3] != ' ' && line[3] != '-'))
      return false;
    pos = nl + 2;
  }
  return true;
}

// (Kept out of the extern "C" function: GCC mangles lambdas there into one name.)
void run_one(const std::string& input) {
  static auto ctx = context();
  int fds[2];
  if (::socketpair(AF_UNIX, SOCK_STREAM, 0, fds) != 0) return;
  // The client side: all input written, then shut down (EOF ends the session).
  asio::io_context io;
  tern::server::QueueClient queue(io, "/nonexistent/tern-fuzz-queue", 1);
  asio::ip::tcp::socket server(io);
  server.assign(asio::ip::tcp::v4(), fds[0]);
  auto session = std::make_shared<tern::server::Session>(std::move(server), ctx, queue);
  asio::co_spawn(io, [session]() -> asio::awaitable<void> { co_await session->run(); }, asio::detached);
  std::string out;
  std::thread client([&] {
    size_t off = 0;
    while (off < input.size()) {
      ssize_t n = ::write(fds[1], input.data() + off, input.size() - off);
      if (n <= 0) break;
      off += size_t(n);
    }
    ::shutdown(fds[1], SHUT_WR);
    char buf[4096];
    for (;;) {
      ssize_t n = ::read(fds[1], buf, sizeof buf);
      if (n <= 0) break;
      out.append(buf, size_t(n));
    }
  });
  io.run();
  client.join();
  ::close(fds[1]);
  if (!well_formed(out)) std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  run_one(std::string(reinterpret_cast<const char*>(data), size));
  return 0;
}
