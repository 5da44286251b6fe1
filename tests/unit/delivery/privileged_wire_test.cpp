// The privileged helper's records: round trips per operation, and every malformed form
// (wrong type or version, truncation, trailing bytes, bad enums, missing fields,
// oversized content) is an error.
#include <gtest/gtest.h>

#include "delivery/privileged_wire.hpp"

namespace tern::delivery::privileged {
namespace {

wire::Frame frame_of(const std::string& bytes) {
  wire::FrameParser p;
  p.feed(bytes);
  auto f = p.next();
  EXPECT_TRUE(f.has_value());
  return f.value_or(wire::Frame{});
}

Request command_request() {
  Request r;
  r.op = Op::command;
  r.purpose = Purpose::local;
  r.uid = 1;
  r.gid = 1;
  r.argv = {"/bin/sh", "-c", "id -u > out"};
  r.env = {"PATH=/usr/bin:/bin", "USER=daemon"};
  r.cwd = "/tmp";
  r.content = "From x\nSubject: hi\n\nbody\n";
  r.time_limit = 30;
  r.output_limit = 100;
  return r;
}

TEST(PrivilegedWire, RequestRoundTrip) {
  Request r = command_request();
  auto d = decode_request(frame_of(encode(r)));
  ASSERT_TRUE(d.ok()) << d.error().message;
  EXPECT_EQ(d->op, Op::command);
  EXPECT_EQ(d->uid, 1u);
  EXPECT_EQ(d->argv, r.argv);
  EXPECT_EQ(d->env, r.env);
  EXPECT_EQ(d->content, r.content);
  EXPECT_EQ(d->cwd, "/tmp");
  EXPECT_EQ(d->time_limit, 30);
  EXPECT_EQ(d->output_limit, 100u);
}

TEST(PrivilegedWire, MboxOptionsRoundTrip) {
  Request r;
  r.op = Op::mbox;
  r.purpose = Purpose::virtual_mailbox;
  r.uid = r.gid = 5000;
  r.path = "/var/mail/u";
  r.content = "From u\n";
  r.mbox.locks = {LockMethod::flock, LockMethod::dotlock};
  r.mbox.size_limit = 12345;
  r.mbox.lock_attempts = 3;
  r.mbox.lock_delay = 0.5;
  auto d = decode_request(frame_of(encode(r)));
  ASSERT_TRUE(d.ok()) << d.error().message;
  EXPECT_EQ(d->purpose, Purpose::virtual_mailbox);
  EXPECT_EQ(d->mbox.locks, r.mbox.locks);
  EXPECT_EQ(d->mbox.size_limit, 12345);
  EXPECT_EQ(d->mbox.lock_attempts, 3);
  EXPECT_EQ(d->mbox.lock_delay, 0.5);
}

TEST(PrivilegedWire, ReplyRoundTrip) {
  Reply r{Reply::Code::ok, 2, 75, 0, "output"};
  auto d = decode_reply(frame_of(encode(r)));
  ASSERT_TRUE(d.ok());
  EXPECT_EQ(d->code, Reply::Code::ok);
  EXPECT_EQ(d->kind, 2u);
  EXPECT_EQ(d->status, 75);
  EXPECT_EQ(d->text, "output");
}

TEST(PrivilegedWire, WrongTypeOrVersion) {
  auto f = frame_of(encode(command_request()));
  f.version = kVersion + 1;
  EXPECT_FALSE(decode_request(f).ok());
  f = frame_of(encode(command_request()));
  f.type = kReplyType;
  EXPECT_FALSE(decode_request(f).ok());
  EXPECT_FALSE(decode_reply(frame_of(encode(command_request()))).ok());
}

TEST(PrivilegedWire, EveryTruncationAndTrailingBytesFail) {
  auto f = frame_of(encode(command_request()));
  for (size_t n = 0; n < f.payload.size(); ++n) {
    wire::Frame cut{f.type, f.version, f.payload.substr(0, n)};
    EXPECT_FALSE(decode_request(cut).ok()) << n;
  }
  f.payload += "x";
  EXPECT_FALSE(decode_request(f).ok());
  auto g = frame_of(encode(Reply{Reply::Code::failed, 0, 0, 2, "why"}));
  g.payload.pop_back();
  EXPECT_FALSE(decode_reply(g).ok());
}

TEST(PrivilegedWire, BadEnumsAndMissingFields) {
  auto f = frame_of(encode(command_request()));
  f.payload[0] = 9;  // op
  EXPECT_FALSE(decode_request(f).ok());
  f = frame_of(encode(command_request()));
  f.payload[1] = 0;  // purpose
  EXPECT_FALSE(decode_request(f).ok());
  Request r = command_request();
  r.argv.clear();
  EXPECT_FALSE(decode_request(frame_of(encode(r))).ok());
  Request m;
  m.op = Op::maildir;
  m.path = "/home/u/Maildir/";
  EXPECT_FALSE(decode_request(frame_of(encode(m))).ok());  // no unique name
  m.unique = "1.Tq.R0";
  EXPECT_TRUE(decode_request(frame_of(encode(m))).ok());
  auto g = frame_of(encode(Reply{Reply::Code::ok, 0, 0, 0, ""}));
  g.payload[0] = 7;
  EXPECT_FALSE(decode_reply(g).ok());
}

Request maildirs_request() {
  Request r;
  r.op = Op::maildirs;
  r.uid = r.gid = 1000;
  r.maildirs = {{"/home/u/Maildir/", "1.Tq1R0", "Delivered-To: u\n", "Subject: 1\n\n1\n"},
                {"/home/u/Maildir/", "1.Tq2R0", "", "Subject: 2\n\n2\n"}};
  return r;
}

TEST(PrivilegedWire, MaildirsRoundTrip) {
  auto d = decode_request(frame_of(encode(maildirs_request())));
  ASSERT_TRUE(d.ok()) << d.error().message;
  EXPECT_EQ(d->op, Op::maildirs);
  ASSERT_EQ(d->maildirs.size(), 2u);
  EXPECT_EQ(d->maildirs[0].path, "/home/u/Maildir/");
  EXPECT_EQ(d->maildirs[0].unique, "1.Tq1R0");
  EXPECT_EQ(d->maildirs[0].prefix, "Delivered-To: u\n");
  EXPECT_EQ(d->maildirs[1].content, "Subject: 2\n\n2\n");
  Reply a{Reply::Code::ok, 0, 0, 0, ""};
  a.maildirs = {{true, "/home/u/Maildir/new/1.Tq1R0.h,S=30"}, {false, "fsync: No space left on device"}};
  auto b = decode_reply(frame_of(encode(a)));
  ASSERT_TRUE(b.ok()) << b.error().message;
  ASSERT_EQ(b->maildirs.size(), 2u);
  EXPECT_TRUE(b->maildirs[0].ok);
  EXPECT_EQ(b->maildirs[0].text, "/home/u/Maildir/new/1.Tq1R0.h,S=30");
  EXPECT_FALSE(b->maildirs[1].ok);
}

TEST(PrivilegedWire, MalformedMaildirs) {
  Request r = maildirs_request();
  r.maildirs.clear();  // none at all
  EXPECT_FALSE(decode_request(frame_of(encode(r))).ok());
  r = maildirs_request();
  r.maildirs[1].unique.clear();  // one without its name
  EXPECT_FALSE(decode_request(frame_of(encode(r))).ok());
  r = command_request();
  r.maildirs = maildirs_request().maildirs;  // messages on another operation
  EXPECT_FALSE(decode_request(frame_of(encode(r))).ok());
  r = maildirs_request();
  r.maildirs[1].content.assign(1000, 'x');  // each message within the content limit
  EXPECT_FALSE(decode_request(frame_of(encode(r)), 999).ok());
  EXPECT_TRUE(decode_request(frame_of(encode(r)), 2000).ok());
  r = maildirs_request();
  r.maildirs.resize(kMaxMaildirs + 1, r.maildirs.front());
  EXPECT_FALSE(decode_request(frame_of(encode(r))).ok());
  auto f = frame_of(encode(maildirs_request()));
  for (size_t n = 0; n < f.payload.size(); ++n)
    EXPECT_FALSE(decode_request(wire::Frame{f.type, f.version, f.payload.substr(0, n)}).ok()) << n;
  Reply a{Reply::Code::ok, 0, 0, 0, ""};
  a.maildirs = {{true, "p"}};
  auto g = frame_of(encode(a));
  g.payload[g.payload.size() - 5 - 1] = 2;  // the answer's flag: neither 0 nor 1
  EXPECT_FALSE(decode_reply(g).ok());
}

TEST(PrivilegedWire, ContentLimit) {
  Request r = command_request();
  r.content.assign(1000, 'x');
  EXPECT_FALSE(decode_request(frame_of(encode(r)), 999).ok());
  EXPECT_TRUE(decode_request(frame_of(encode(r)), 2000).ok());
}

TEST(PrivilegedWire, RefusesRootAndUidsBelowTheVirtualFloor) {
  Request r = command_request();
  EXPECT_FALSE(refusal(r, 100).has_value());  // local: uid 1 is fine
  r.uid = 0;
  EXPECT_EQ(refusal(r, 100).value(), "the privileged delivery helper refuses uid 0 gid 1 for local delivery");
  r.uid = 1;
  r.gid = 0;
  EXPECT_TRUE(refusal(r, 100).has_value());
  r.gid = 1;
  r.purpose = Purpose::virtual_mailbox;
  EXPECT_EQ(refusal(r, 100).value(),
            "the privileged delivery helper refuses uid 1 gid 1 for virtual delivery (virtual_minimum_uid is 100)");
  r.uid = 100;
  EXPECT_FALSE(refusal(r, 100).has_value());
  r.purpose = Purpose::pipe;
  r.uid = 0;
  EXPECT_TRUE(refusal(r, 0).has_value());
}

}  // namespace
}  // namespace tern::delivery::privileged
