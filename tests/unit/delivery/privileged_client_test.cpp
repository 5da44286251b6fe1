// The privileged helper's client (delivery/privileged.hpp) against a stand-in helper on
// a thread: the request arrives on a descriptor passed over the control socket, the reply
// goes back on it. A helper that ends without answering, or a control socket nobody
// serves, is an error (the agent defers), never a hang or a crash.
#include <gtest/gtest.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <functional>
#include <thread>

#include "delivery/privileged.hpp"

namespace tern::delivery {
namespace {

namespace pv = privileged;

int receive_fd(int control) {
  char byte;
  iovec iov{&byte, 1};
  alignas(cmsghdr) char space[CMSG_SPACE(sizeof(int))] = {};
  msghdr msg{};
  msg.msg_iov = &iov;
  msg.msg_iovlen = 1;
  msg.msg_control = space;
  msg.msg_controllen = sizeof space;
  if (::recvmsg(control, &msg, 0) != 1) return -1;
  cmsghdr* c = CMSG_FIRSTHDR(&msg);
  if (!c || c->cmsg_type != SCM_RIGHTS) return -1;
  int fd;
  std::memcpy(&fd, CMSG_DATA(c), sizeof fd);
  return fd;
}

std::string read_all(int fd) {
  std::string in;
  char buf[4096];
  ssize_t n;
  while ((n = ::read(fd, buf, sizeof buf)) > 0) in.append(buf, size_t(n));
  return in;
}

// Serves one request on a thread with `answer` (nullopt: close without a reply).
class FakeHelper {
 public:
  using Answer = std::function<std::optional<pv::Reply>(const pv::Request&)>;
  explicit FakeHelper(Answer a) {
    EXPECT_EQ(::socketpair(AF_UNIX, SOCK_SEQPACKET, 0, fds_), 0);
    thread_ = std::thread([this, a] {
      int fd = receive_fd(fds_[1]);
      if (fd < 0) return;
      wire::FrameParser p;
      p.feed(read_all(fd));
      auto f = p.next();
      if (f) {
        auto q = pv::decode_request(*f);
        if (q) got = *q;
        if (q)
          if (auto reply = a(*q)) {
            std::string out = pv::encode(*reply);
            (void)!::write(fd, out.data(), out.size());
          }
      }
      ::close(fd);
    });
  }
  ~FakeHelper() {
    thread_.join();
    ::close(fds_[0]);
    ::close(fds_[1]);
  }
  int client_fd() const { return fds_[0]; }
  pv::Request got;

 private:
  int fds_[2] = {-1, -1};
  std::thread thread_;
};

TEST(PrivilegedClient, MaildirRoundTrip) {
  FakeHelper h([](const pv::Request& q) {
    return pv::Reply{pv::Reply::Code::ok, 0, 0, 0, q.path + "new/" + q.unique};
  });
  PrivilegedDelivery client(h.client_fd());
  auto r = client.maildir(pv::Purpose::local, 1, 1, "/home/dan/Maildir/", "1.TQ.R0", "Return-Path: <>\n", "body\n");
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(*r, "/home/dan/Maildir/new/1.TQ.R0");
}

TEST(PrivilegedClient, MaildirsGoInOneRequestAndEachGetsItsAnswer) {
  FakeHelper h([](const pv::Request& q) {
    pv::Reply r{pv::Reply::Code::ok, 0, 0, 0, ""};
    for (const auto& m : q.maildirs)
      r.maildirs.push_back(m.unique == "bad" ? pv::MaildirAnswer{false, "disk full"}
                                             : pv::MaildirAnswer{true, m.path + "new/" + m.unique});
    return r;
  });
  PrivilegedDelivery client(h.client_fd());
  std::vector<MaildirMessage> ms{{"/home/dan/Maildir/", "1.TA.R0", "P\n", "a\n"},
                                 {"/home/dan/Maildir/", "bad", "", "b\n"},
                                 {"/home/dan/Maildir/", "1.TC.R0", "", "c\n"}};
  auto r = client.maildirs(pv::Purpose::local, 7, 8, ms);
  ASSERT_EQ(r.size(), 3u);
  ASSERT_TRUE(r[0]);
  EXPECT_EQ(*r[0], "/home/dan/Maildir/new/1.TA.R0");
  ASSERT_FALSE(r[1]);
  EXPECT_EQ(r[1].error().message, "disk full");
  EXPECT_TRUE(r[2]);
  EXPECT_EQ(h.got.op, pv::Op::maildirs);
  EXPECT_EQ(h.got.uid, 7u);
  ASSERT_EQ(h.got.maildirs.size(), 3u);
  EXPECT_EQ(h.got.maildirs[0].prefix, "P\n");
  EXPECT_EQ(h.got.maildirs[2].content, "c\n");
}

TEST(PrivilegedClient, MaildirsWithTooFewAnswersAllFail) {
  FakeHelper h([](const pv::Request&) {
    pv::Reply r{pv::Reply::Code::ok, 0, 0, 0, ""};
    r.maildirs.push_back({true, "/x/new/1"});
    return r;
  });
  PrivilegedDelivery client(h.client_fd());
  std::vector<MaildirMessage> ms{{"/x/", "1", "", "a\n"}, {"/x/", "2", "", "b\n"}};
  auto r = client.maildirs(pv::Purpose::local, 7, 8, ms);
  ASSERT_EQ(r.size(), 2u);
  EXPECT_FALSE(r[0]);
  EXPECT_FALSE(r[1]);
}

TEST(PrivilegedClient, CommandCarriesItsSpecAndResult) {
  FakeHelper h([](const pv::Request&) {
    return pv::Reply{pv::Reply::Code::ok, uint32_t(CommandResult::End::exited), 75, 0, "try later"};
  });
  PrivilegedDelivery client(h.client_fd());
  CommandSpec spec;
  spec.argv = {"/bin/sh", "-c", "exit 75"};
  spec.env = {"PATH=/usr/bin:/bin"};
  spec.input = "message\n";
  spec.time_limit = 5;
  auto r = client.command(2, 3, spec);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->status, 75);
  EXPECT_EQ(r->output, "try later");
  EXPECT_EQ(h.got.op, pv::Op::command);
  EXPECT_EQ(h.got.uid, 2u);
  EXPECT_EQ(h.got.gid, 3u);
  EXPECT_EQ(h.got.argv, spec.argv);
  EXPECT_EQ(h.got.content, "message\n");
}

TEST(PrivilegedClient, RefusedAndMissingFile) {
  {
    FakeHelper h([](const pv::Request&) { return pv::Reply{pv::Reply::Code::failed, 0, 0, ENOENT, "gone"}; });
    PrivilegedDelivery client(h.client_fd());
    bool missing = false;
    EXPECT_FALSE(client.read_file(1, 1, "/home/dan/.forward", missing).ok());
    EXPECT_TRUE(missing);
  }
  FakeHelper h([](const pv::Request&) { return pv::Reply{pv::Reply::Code::refused, 0, 0, EPERM, "refuses uid 0"}; });
  PrivilegedDelivery client(h.client_fd());
  MboxResult m = client.mbox(pv::Purpose::local, 1, 1, "/var/mail/dan", "x", MboxOptions{});
  EXPECT_EQ(m.kind, MboxResult::Kind::failed);
  EXPECT_EQ(m.text, "refuses uid 0");
}

TEST(PrivilegedClient, HelperEndingWithoutAnAnswerIsAnError) {
  FakeHelper h([](const pv::Request&) { return std::nullopt; });
  PrivilegedDelivery client(h.client_fd());
  pipe::RunSpec spec;
  spec.argv = {"true"};
  auto r = client.run_pipe(2, 2, spec);
  EXPECT_EQ(r.how, pipe::RunResult::not_started);
  EXPECT_EQ(r.error, "the privileged delivery helper ended without an answer");
}

TEST(PrivilegedClient, NoHelperAtAllIsAnError) {
  int fds[2];
  ASSERT_EQ(::socketpair(AF_UNIX, SOCK_SEQPACKET, 0, fds), 0);
  ::close(fds[1]);
  PrivilegedDelivery client(fds[0]);
  auto r = client.maildir(pv::Purpose::local, 1, 1, "/m/", "u", "", "x");
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().message.find("privileged delivery helper unavailable"), std::string::npos);
  ::close(fds[0]);
}

}  // namespace
}  // namespace tern::delivery
