// The privileged helper's client; see privileged.hpp.
#include "delivery/privileged.hpp"

#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstring>

#include "base/file.hpp"
#include "base/log.hpp"

namespace tern::delivery {

namespace {

using privileged::Op;
using privileged::Reply;
using privileged::Request;

struct Fd {
  int fd = -1;
  ~Fd() {
    if (fd >= 0) ::close(fd);
  }
};

// Hands `fd` to the helper: one byte of data with the descriptor attached.
bool pass_fd(int control, int fd) {
  char byte = 'R';
  iovec iov{&byte, 1};
  alignas(cmsghdr) char space[CMSG_SPACE(sizeof(int))] = {};
  msghdr msg{};
  msg.msg_iov = &iov;
  msg.msg_iovlen = 1;
  msg.msg_control = space;
  msg.msg_controllen = sizeof space;
  cmsghdr* c = CMSG_FIRSTHDR(&msg);
  c->cmsg_level = SOL_SOCKET;
  c->cmsg_type = SCM_RIGHTS;
  c->cmsg_len = CMSG_LEN(sizeof(int));
  std::memcpy(CMSG_DATA(c), &fd, sizeof(int));
  ssize_t n;
  do n = ::sendmsg(control, &msg, MSG_NOSIGNAL);
  while (n < 0 && errno == EINTR);
  return n == 1;
}

// The reply: everything up to EOF, within `seconds`.
Result<std::string> read_until_eof(int fd, double seconds) {
  auto deadline = std::chrono::steady_clock::now() + std::chrono::duration<double>(seconds);
  std::string out;
  char buf[65536];
  for (;;) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) return Error{"no answer from the privileged delivery helper in time"};
    pollfd p{fd, POLLIN, 0};
    int r = ::poll(&p, 1, int(std::min<long long>(left.count(), 60000)));
    if (r < 0 && errno == EINTR) continue;
    if (r <= 0) continue;
    ssize_t n = ::read(fd, buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return Error{"privileged delivery helper: " + errno_text(errno)};
    if (n == 0) return out;
    out.append(buf, size_t(n));
    if (out.size() > (8u << 20)) return Error{"privileged delivery helper: reply too long"};
  }
}

double deadline_for(const Request& r) {
  double work = r.op == Op::command || r.op == Op::pipe ? r.time_limit
                : r.op == Op::mbox ? r.mbox.lock_attempts * r.mbox.lock_delay : 0;
  return work + 120;  // plus the time a restarting helper takes to come back
}

Request base(Op op, privileged::Purpose p, uid_t uid, gid_t gid) {
  Request r;
  r.op = op;
  r.purpose = p;
  r.uid = uint32_t(uid);
  r.gid = uint32_t(gid);
  return r;
}

}  // namespace

Result<Reply> PrivilegedDelivery::call(const Request& r) const {
  int sv[2];
  if (::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) != 0)
    return Error{"privileged delivery helper: socketpair: " + errno_text(errno)};
  Fd mine{sv[0]}, theirs{sv[1]};
  // A helper that is down cannot stall a large write for ever (the reply has its deadline).
  timeval limit{120, 0};
  ::setsockopt(sv[0], SOL_SOCKET, SO_SNDTIMEO, &limit, sizeof limit);
  if (!pass_fd(fd_, theirs.fd)) return Error{"privileged delivery helper unavailable: " + errno_text(errno)};
  ::close(theirs.fd);
  theirs.fd = -1;
  if (auto s = write_all(mine.fd, encode(r), "privileged delivery helper"); !s) return s.error();
  ::shutdown(mine.fd, SHUT_WR);
  auto bytes = read_until_eof(mine.fd, deadline_for(r));
  if (!bytes) return bytes.error();
  if (bytes->empty()) return Error{"the privileged delivery helper ended without an answer"};
  wire::FrameParser parser;
  parser.feed(*bytes);
  auto f = parser.next();
  if (!f || parser.next() || parser.error()) log::Logger("qmgr").fatal("malformed frame from the privileged delivery helper");
  auto reply = privileged::decode_reply(*f);
  if (!reply) log::Logger("qmgr").fatal("malformed record from the privileged delivery helper: {}", reply.error().message);
  return *reply;
}

Result<std::string> PrivilegedDelivery::maildir(privileged::Purpose p, uid_t uid, gid_t gid, const std::string& dir,
                                                const std::string& unique, std::string_view prefix,
                                                std::string_view content) const {
  Request r = base(Op::maildir, p, uid, gid);
  r.path = dir;
  r.unique = unique;
  r.prefix = prefix;
  r.content = content;
  auto reply = call(r);
  if (!reply) return reply.error();
  if (reply->code != Reply::Code::ok) return Error{reply->text};
  return reply->text;
}

std::vector<Result<std::string>> PrivilegedDelivery::maildirs(privileged::Purpose p, uid_t uid, gid_t gid,
                                                              std::span<const MaildirMessage> messages) const {
  if (messages.size() == 1) {
    const MaildirMessage& m = messages.front();
    std::vector<Result<std::string>> one;
    one.push_back(maildir(p, uid, gid, m.maildir, m.unique, m.prefix, m.content));
    return one;
  }
  std::vector<Result<std::string>> out;
  for (size_t at = 0; at < messages.size(); at += privileged::kMaxMaildirs) {
    Request r = base(Op::maildirs, p, uid, gid);
    auto part = messages.subspan(at, std::min<size_t>(privileged::kMaxMaildirs, messages.size() - at));
    for (const auto& m : part) r.maildirs.push_back({m.maildir, m.unique, m.prefix, std::string(m.content)});
    auto reply = call(r);
    if (reply && reply->code == Reply::Code::ok && reply->maildirs.size() != part.size())
      reply = Error{"the privileged delivery helper answered for " + std::to_string(reply->maildirs.size()) +
                    " of " + std::to_string(part.size()) + " messages"};
    for (size_t i = 0; i < part.size(); ++i) {
      if (!reply) out.emplace_back(reply.error());
      else if (reply->code != Reply::Code::ok) out.emplace_back(Error{reply->text});
      else if (!reply->maildirs[i].ok) out.emplace_back(Error{reply->maildirs[i].text});
      else out.emplace_back(reply->maildirs[i].text);
    }
  }
  return out;
}

MboxResult PrivilegedDelivery::mbox(privileged::Purpose p, uid_t uid, gid_t gid, const std::string& path,
                                    std::string_view bytes, const MboxOptions& opt) const {
  Request r = base(Op::mbox, p, uid, gid);
  r.path = path;
  r.content = bytes;
  r.mbox = opt;
  auto reply = call(r);
  if (!reply) return {MboxResult::Kind::failed, reply.error().message};
  if (reply->code == Reply::Code::refused) return {MboxResult::Kind::failed, reply->text};
  return {MboxResult::Kind(reply->kind), reply->text};
}

Result<CommandResult> PrivilegedDelivery::command(uid_t uid, gid_t gid, const CommandSpec& spec) const {
  Request r = base(Op::command, privileged::Purpose::local, uid, gid);
  r.argv = spec.argv;
  r.env = spec.env;
  r.cwd = spec.cwd;
  r.content = spec.input;
  r.time_limit = spec.time_limit;
  r.output_limit = spec.output_limit;
  auto reply = call(r);
  if (!reply) return reply.error();
  if (reply->code != Reply::Code::ok) return Error{reply->text};
  return CommandResult{CommandResult::End(reply->kind), reply->status, reply->text};
}

pipe::RunResult PrivilegedDelivery::run_pipe(uid_t uid, gid_t gid, const pipe::RunSpec& spec) const {
  Request r = base(Op::pipe, privileged::Purpose::pipe, uid, gid);
  r.argv = spec.argv;
  r.env = spec.env;
  r.cwd = spec.directory;
  r.content = spec.input;
  r.time_limit = spec.time_limit;
  delivery::pipe::RunResult out;
  auto reply = call(r);
  if (!reply || reply->code != Reply::Code::ok) {
    out.how = delivery::pipe::RunResult::not_started;
    out.error = reply ? reply->text : reply.error().message;
    return out;
  }
  out.how = delivery::pipe::RunResult::How(reply->kind);
  out.status = reply->status;
  out.output = reply->text;
  out.write_errno = reply->err;
  return out;
}

Result<std::string> PrivilegedDelivery::read_file(uid_t uid, gid_t gid, const std::string& path, bool& missing) const {
  missing = false;
  Request r = base(Op::read_file, privileged::Purpose::local, uid, gid);
  r.path = path;
  auto reply = call(r);
  if (!reply) return reply.error();
  if (reply->code == Reply::Code::ok) return reply->text;
  missing = reply->err == ENOENT || reply->err == ENOTDIR;
  return Error{reply->text};
}

}  // namespace tern::delivery
