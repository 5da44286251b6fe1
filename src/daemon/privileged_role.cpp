// The privileged delivery helper; see privileged_role.hpp.
//
// SECURITY: runs as root, forked by the master (only when the master runs as root), not
// chrooted. It accepts requests only from the SOCK_SEQPACKET socketpair the master
// created before forking it and the queue role — never from a path in the filesystem:
// each request is a descriptor passed over that socketpair (SCM_RIGHTS) carrying one
// Request record (delivery/privileged_wire.hpp). It refuses uid 0 and gid 0 targets, and
// uids below virtual_minimum_uid for virtual mailboxes. Each request runs in a forked
// child that reads and checks the record, then does setgroups/setgid/setuid to the
// target BEFORE touching any path or running anything, performs exactly one operation,
// writes one Reply and exits. The parent does nothing but accept descriptors and fork:
// it opens no file, parses nothing, and runs no command. A malformed record is fatal to
// the child that read it (the queue role sees no answer and defers).
#include "daemon/privileged_role.hpp"
#include "daemon/role.hpp"

#include <grp.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <csignal>
#include <cstring>

#include "base/file.hpp"
#include "base/log.hpp"
#include "delivery/command.hpp"
#include "delivery/maildir.hpp"
#include "delivery/maildir_batch.hpp"
#include "delivery/mbox.hpp"
#include "delivery/pipe_run.hpp"
#include "delivery/privileged_wire.hpp"

namespace tern::daemon {

namespace {

namespace pv = delivery::privileged;
using pv::Op;
using pv::Reply;

struct Limits {
  uint64_t max_content = 0;  // message_size_limit plus slack for the delivery headers
  long long minimum_virtual_uid = 100;
};

Limits limits_of(const config::Config& cfg) {
  Limits lim;
  uint64_t size = uint64_t(cfg.params.message_size_limit);
  lim.max_content = size ? size + (64u << 10) : uint64_t(wire::kMaxFrame);
  lim.minimum_virtual_uid = cfg.params.virtual_minimum_uid;
  return lim;
}

volatile sig_atomic_t g_reload = 0;
void on_hup(int) { g_reload = 1; }

// One descriptor from the control socket; -1 when the master is gone, -2 to try again.
int receive_fd(int control) {
  char byte;
  iovec iov{&byte, 1};
  alignas(cmsghdr) char space[CMSG_SPACE(sizeof(int))] = {};
  msghdr msg{};
  msg.msg_iov = &iov;
  msg.msg_iovlen = 1;
  msg.msg_control = space;
  msg.msg_controllen = sizeof space;
  ssize_t n = ::recvmsg(control, &msg, MSG_CMSG_CLOEXEC);
  if (n < 0) return errno == EINTR || errno == EAGAIN ? -2 : -1;
  if (n == 0) return -1;
  cmsghdr* c = CMSG_FIRSTHDR(&msg);
  if (!c || c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_RIGHTS || c->cmsg_len != CMSG_LEN(sizeof(int)) ||
      (msg.msg_flags & MSG_CTRUNC))
    return -2;  // nothing usable attached (a truncated one was closed by the kernel)
  int fd;
  std::memcpy(&fd, CMSG_DATA(c), sizeof fd);
  return fd;
}

// The request's bytes: up to EOF (the client shuts down its side), bounded in size and time.
std::string read_request(int fd, uint64_t max, const log::Logger& log) {
  std::string in;
  char buf[65536];
  for (;;) {
    pollfd p{fd, POLLIN, 0};
    int r = ::poll(&p, 1, 60000);
    if (r < 0 && errno == EINTR) continue;
    if (r == 0) log.fatal("request not received in time");
    ssize_t n = ::read(fd, buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return in;
    in.append(buf, size_t(n));
    if (in.size() > max) log.fatal("request larger than {} bytes", max);
  }
}

Reply refused(std::string why) { return Reply{Reply::Code::refused, 0, 0, EPERM, std::move(why)}; }
Reply failed(std::string why, int err = 0) { return Reply{Reply::Code::failed, 0, 0, err, std::move(why)}; }

// .forward and :include: files: regular, not world-writable, owned by root or the user.
Reply read_target(const pv::Request& q) {
  struct stat st {};
  if (::lstat(q.path.c_str(), &st) != 0) {
    int err = errno;
    return failed("cannot access " + q.path + ": " + errno_text(err), err);
  }
  if (!S_ISREG(st.st_mode)) return failed(q.path + " is not a regular file");
  if (st.st_mode & S_IWOTH) return failed(q.path + " is world writable");
  if (st.st_uid != 0 && st.st_uid != q.uid) return failed(q.path + " has bad owner uid " + std::to_string(st.st_uid));
  auto text = read_file(q.path);
  if (!text) return failed(text.error().message, EIO);
  return Reply{Reply::Code::ok, 0, 0, 0, std::move(*text)};
}

Reply perform(const pv::Request& q) {
  switch (q.op) {
    case Op::maildir: {
      auto r = delivery::deliver_maildir(q.path, q.unique, q.prefix, q.content);
      return r ? Reply{Reply::Code::ok, 0, 0, 0, *r} : failed(r.error().message);
    }
    case Op::maildirs: {
      std::vector<delivery::MaildirMessage> ms;
      for (const auto& m : q.maildirs) ms.push_back({m.path, m.unique, m.prefix, m.content});
      Reply reply{Reply::Code::ok, 0, 0, 0, ""};
      for (auto& r : delivery::deliver_maildirs(ms))
        reply.maildirs.push_back(r ? pv::MaildirAnswer{true, *r} : pv::MaildirAnswer{false, r.error().message});
      return reply;
    }
    case Op::mbox: {
      auto r = delivery::append_mbox(q.path, q.content, q.mbox);
      return Reply{Reply::Code::ok, uint32_t(r.kind), 0, 0, r.text};
    }
    case Op::command: {
      delivery::CommandSpec spec{q.argv, q.env, q.cwd, q.content, q.time_limit, size_t(q.output_limit)};
      auto r = delivery::run_command(spec);
      if (!r) return failed(r.error().message);
      return Reply{Reply::Code::ok, uint32_t(r->end), r->status, 0, r->output};
    }
    case Op::pipe: {
      delivery::pipe::RunSpec spec{q.argv, q.env, q.content, q.time_limit, q.cwd, std::nullopt};
      auto r = delivery::pipe::run_command(spec);
      if (r.how == delivery::pipe::RunResult::not_started) return failed(r.error);
      return Reply{Reply::Code::ok, uint32_t(r.how), r.status, r.write_errno, r.output};
    }
    case Op::read_file: return read_target(q);
  }
  return failed("unknown operation");
}

// The child: one request, as its target user, then exit.
[[noreturn]] void serve(int fd, const Limits& lim) {
  log::Logger log("privileged");
  std::signal(SIGCHLD, SIG_DFL);  // commands are waited for
  std::signal(SIGHUP, SIG_DFL);
  // A maildirs request holds a queue-side batch: up to MaildirBatch::kMaxBytes plus the message
  // that crossed it.
  std::string bytes = read_request(fd, lim.max_content + delivery::MaildirBatch::kMaxBytes + (1u << 20), log);
  wire::FrameParser parser;
  parser.feed(bytes);
  auto f = parser.next();
  if (!f || parser.next() || parser.error()) log.fatal("malformed frame from the queue role");
  auto q = pv::decode_request(*f, lim.max_content);
  if (!q) log.fatal("malformed record from the queue role: {}", q.error().message);
  Reply reply;
  if (auto why = pv::refusal(*q, lim.minimum_virtual_uid)) {
    log.warning("refused: {}", *why);
    reply = refused(*why);
  } else {
    gid_t g = gid_t(q->gid);
    if (::setgroups(1, &g) != 0 || ::setgid(g) != 0 || ::setuid(uid_t(q->uid)) != 0)
      log.fatal("switch to uid {} gid {}: {}", q->uid, q->gid, errno_text(errno));
    if (::setuid(0) == 0 || ::geteuid() == 0) log.fatal("privileges were not dropped");
    reply = perform(*q);
  }
  (void)write_all(fd, pv::encode(reply), "reply");
  std::_Exit(0);
}

}  // namespace

int run_privileged(std::shared_ptr<const config::Config> cfg, int control) {
  log::Logger log("privileged");
  if (::geteuid() != 0) log.fatal("the privileged delivery helper must run as root");
  Limits lim = limits_of(*cfg);
  std::string directory = cfg->directory;
  cfg.reset();
  std::signal(SIGCHLD, SIG_IGN);  // children are reaped by the kernel
  // SIGHUP (the master's reload) interrupts recvmsg: the limits are read again.
  struct sigaction hup {};
  hup.sa_handler = on_hup;
  sigemptyset(&hup.sa_mask);
  ::sigaction(SIGHUP, &hup, nullptr);
  role_signals_ready();
  for (;;) {
    if (g_reload) {
      g_reload = 0;
      auto next = config::load({directory});
      if (next) {
        lim = limits_of(**next);
        log.info("reload: limits read from {}", directory);
      } else {
        log.error("reload: {}; keeping the running limits", next.error().message);
      }
    }
    int fd = receive_fd(control);
    if (fd == -1) return 0;  // the master is gone
    if (fd < 0) continue;
    pid_t pid = ::fork();
    if (pid == 0) {
      ::close(control);
      serve(fd, lim);
    }
    if (pid < 0) log.warning("fork: {}", errno_text(errno));  // the client sees EOF and defers
    ::close(fd);
  }
}

}  // namespace tern::daemon
