// LocalDelivery over a scratch directory: mbox and Maildir mailboxes, alias targets of
// every kind, .forward and :include:, loop detection, luser_relay, owner- aliases,
// forwarding through resubmit, mailbox_transport / fallback_transport, and the privilege
// rule (local.hpp). Users belong to a pretended uid (LocalOptions::testing_euid) so that
// the tests, run as root, exercise the non-root rule; one test covers root itself.
#include "delivery/local.hpp"

#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>

#include "../temp_dir.hpp"
#include "config/config.hpp"

namespace tern::delivery {
namespace {

namespace fs = std::filesystem;
constexpr long kUid = 4242;

std::string slurp(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}
bool has(const std::string& s, const std::string& part) { return s.find(part) != std::string::npos; }

class Local : public ::testing::Test {
 protected:
  testing::TempDir dir;
  std::map<std::string, std::string> params;
  std::shared_ptr<const config::Config> cfg;
  std::optional<Agents> agents;
  std::optional<LocalDelivery> local;
  std::vector<Message> resubmitted;
  bool offer_resubmit = true;
  Message msg;

  void SetUp() override {
    params = {{"myhostname", "mail.example.test"}, {"mydomain", "example.test"}, {"myorigin", "$mydomain"},
              {"mydestination", "localhost, $mydomain"}, {"local_passwd_file", dir.file("passwd")},
              {"alias_maps", "texthash:" + dir.file("aliases")}, {"home_mailbox", "Maildir/"},
              {"recipient_delimiter", "+"}, {"mail_owner", "nobody"}, {"inet_interfaces", "127.0.0.1"},
              {"inet_protocols", "ipv4"}, {"mynetworks", "127.0.0.1/32"}, {"queue_directory", dir.file("spool")}};
    fs::create_directories(dir.file("spool"));
    std::string uid = std::to_string(kUid);
    dir.write("passwd", "alice:x:" + uid + ":" + uid + ":Alice:" + dir.file("home/alice") + ":/bin/sh\n" +
                            "bob:x:" + uid + ":" + uid + ":Bob:" + dir.file("home/bob") + ":/bin/bash\n");
    dir.write("master.cf", "local unix - n n - - local\ndiscard unix - - n - - discard\nerror unix - - n - - error\n");
    dir.write("aliases", "");
    fs::create_directories(dir.file("home/alice"));
    fs::create_directories(dir.file("home/bob"));
    msg.envelope.queue_id = "4Yg3Nf0x5WzKzAB";
    msg.envelope.sender = "sender@example.org";
    msg.envelope.arrival = 1763786335;
    msg.envelope.client = ClientInfo{"client.example.org", "192.0.2.7", 40000, "client.test", "ESMTP"};
    msg.content = "Subject: hi\n\nFrom the body\nbye\n";
  }

  void start(const std::map<std::string, std::string>& extra = {}, long euid = kUid) {
    for (const auto& [k, v] : extra) params[k] = v;
    std::string text;
    for (const auto& [k, v] : params) text += k + " = " + v + "\n";
    dir.write("main.cf", text);
    auto c = config::load(config::LoadOptions{dir.path()});
    ASSERT_TRUE(c.ok()) << c.error().message;
    cfg = *c;
    auto a = Agents::make(*cfg);
    ASSERT_TRUE(a.ok()) << a.error().message;
    agents.emplace(std::move(*a));
    auto d = LocalDelivery::make(cfg->params, *cfg, {}, {cfg->directory, cfg->params.local_passwd_file},
                                 LocalOptions{euid});
    ASSERT_TRUE(d.ok()) << d.error().message;
    local.emplace(std::move(*d));
  }

  std::vector<DeliveryResult> send(const std::string& rcpt) {
    msg.envelope.recipients = {Recipient{rcpt}};
    Request r{msg, {0}, "local", "", 0};
    if (offer_resubmit)
      r.resubmit = [this](Message m) -> Result<std::string> {
        resubmitted.push_back(std::move(m));
        return std::string("4Yg3NfNEWzKzCD");
      };
    r.agents = &*agents;
    return local->deliver(r, 0);
  }

  // Delivers and expects exactly one result of `kind`; returns it.
  DeliveryResult one(const std::string& rcpt, DeliveryResult::Kind kind) {
    auto rs = send(rcpt);
    EXPECT_EQ(rs.size(), 1u);
    if (rs.empty()) return {};
    EXPECT_EQ(rs[0].kind, kind) << rs[0].dsn << " " << rs[0].text;
    return rs[0];
  }

  std::vector<std::string> maildir(const std::string& path) {
    std::vector<std::string> out;
    std::error_code ec;
    for (const auto& e : fs::directory_iterator(path + "/new", ec)) out.push_back(slurp(e.path()));
    return out;
  }
};

const std::string kHeaders = "Return-Path: <sender@example.org>\nX-Original-To: alice@example.test\n"
                             "Delivered-To: alice@example.test\n";

TEST_F(Local, HomeMailboxMbox) {
  start({{"home_mailbox", "Mailbox"}});
  auto r = one("alice@example.test", DeliveryResult::sent);
  EXPECT_EQ(r.text, "delivered to mailbox");
  one("alice@example.test", DeliveryResult::sent);
  std::string box = slurp(dir.file("home/alice/Mailbox"));
  std::string copy_tail = kHeaders + "Subject: hi\n\n>From the body\nbye\n\n";
  ASSERT_TRUE(box.starts_with("From sender@example.org  ")) << box;
  size_t nl = box.find('\n');
  EXPECT_EQ(box.substr(nl + 1, copy_tail.size()), copy_tail);
  EXPECT_EQ(box.size(), 2 * (nl + 1 + copy_tail.size()));
}

TEST_F(Local, SpoolMboxAndSpoolMaildir) {
  fs::create_directories(dir.file("mail"));
  start({{"home_mailbox", ""}, {"mail_spool_directory", dir.file("mail")}});
  one("alice@example.test", DeliveryResult::sent);
  EXPECT_TRUE(has(slurp(dir.file("mail/alice")), kHeaders));
  start({{"mail_spool_directory", dir.file("md") + "/"}});
  EXPECT_EQ(one("bob@example.test", DeliveryResult::sent).text, "delivered to maildir");
  EXPECT_EQ(maildir(dir.file("md/bob")).size(), 1u);
}

TEST_F(Local, OnlyMaildirMailboxesAreBatched) {
  start({{"home_mailbox", "Maildir/"}});
  EXPECT_TRUE(local->mailboxes_are_maildirs());
  EXPECT_TRUE(agents->find("local")->batches_maildirs());
  start({{"home_mailbox", "Mailbox"}});
  EXPECT_FALSE(local->mailboxes_are_maildirs());
  start({{"home_mailbox", ""}, {"mail_spool_directory", dir.file("md") + "/"}});
  EXPECT_TRUE(local->mailboxes_are_maildirs());
  start({{"home_mailbox", "Maildir/"}, {"mailbox_command", "/usr/bin/procmail"}});
  EXPECT_FALSE(local->mailboxes_are_maildirs());  // commands keep running side by side
  EXPECT_FALSE(agents->find("local")->batches_maildirs());
  start({{"mailbox_command", ""}, {"mailbox_transport", "lmtp:unix:private/dovecot-lmtp"}});
  EXPECT_FALSE(local->mailboxes_are_maildirs());
}

TEST_F(Local, AliasCommandGetsEnvironmentAndMessage) {
  dir.write("aliases", "cmd \"|env > " + dir.file("env") + "; cat > " + dir.file("in") + "\"\n");
  start();
  auto r = one("cmd+tag@example.test", DeliveryResult::sent);
  EXPECT_TRUE(r.text.starts_with("delivered to command: env > ")) << r.text;
  EXPECT_EQ(r.recipient, "cmd+tag@example.test");
  std::string env = slurp(dir.file("env"));
  for (const std::string& v : std::vector<std::string>{"USER=cmd\n", "LOGNAME=cmd\n", "EXTENSION=tag\n", "DOMAIN=example.test\n",
                        "LOCAL=cmd+tag\n", "RECIPIENT=cmd+tag@example.test\n", "SENDER=sender@example.org\n",
                        "ORIGINAL_RECIPIENT=cmd+tag@example.test\n", "CLIENT_ADDRESS=192.0.2.7\n",
                        "CLIENT_HELO=client.test\n", "PATH=/usr/bin:/bin\n", "PWD=" + dir.file("spool") + "\n"})
    EXPECT_TRUE(has(env, v)) << v << " not in\n" << env;
  EXPECT_FALSE(has(env, "HOME=")) << "an alias command has no user";
  std::string in = slurp(dir.file("in"));
  EXPECT_TRUE(in.starts_with("From sender@example.org  ")) << in;
  EXPECT_TRUE(in.ends_with("\nReturn-Path: <sender@example.org>\nX-Original-To: cmd+tag@example.test\n"
                           "Delivered-To: cmd+tag@example.test\nSubject: hi\n\nFrom the body\nbye\n")) << in;
}

TEST_F(Local, CommandExitStatuses) {
  dir.write("aliases", "later |echo busy now; exit 75\nnouser |echo no such user; exit 67\n");
  start();
  auto d = one("later@example.test", DeliveryResult::deferred);
  EXPECT_EQ(d.dsn, "4.3.0");
  EXPECT_EQ(d.text, "temporary failure. Command output: busy now");
  auto b = one("nouser@example.test", DeliveryResult::bounced);
  EXPECT_EQ(b.dsn, "5.1.1");
  EXPECT_EQ(b.text, "user unknown. Command output: no such user");
}

TEST_F(Local, AliasFileIncludeAndRestrictions) {
  dir.write("list.inc", "# members\nbob\n" + dir.file("from-include") + "\n");
  dir.write("aliases", "copy " + dir.file("copy.mbox") + ", " + dir.file("copy.md") + "/\n" +
                           "list :include:" + dir.file("list.inc") + "\n");
  start();
  auto rs = send("copy@example.test");
  ASSERT_EQ(rs.size(), 2u);
  EXPECT_EQ(rs[0].text, "delivered to file: " + dir.file("copy.mbox"));
  EXPECT_EQ(rs[1].text, "delivered to file: " + dir.file("copy.md") + "/");
  std::string box = slurp(dir.file("copy.mbox"));
  EXPECT_TRUE(has(box, "Delivered-To: copy@example.test\nSubject: hi\n\n>From the body\nbye\n\n")) << box;
  EXPECT_EQ(maildir(dir.file("copy.md")).size(), 1u);
  rs = send("list@example.test");
  ASSERT_EQ(rs.size(), 2u);
  EXPECT_EQ(rs[0].kind, DeliveryResult::sent);
  EXPECT_EQ(rs[0].recipient, "bob@example.test");
  EXPECT_EQ(rs[1].kind, DeliveryResult::bounced);
  EXPECT_EQ(rs[1].dsn, "5.7.1");
  EXPECT_EQ(rs[1].text, "mail to file is restricted (allow_mail_to_files has no include)");
  EXPECT_EQ(maildir(dir.file("home/bob/Maildir")).size(), 1u);
  start({{"allow_mail_to_files", "alias, forward, include"}});
  EXPECT_EQ(send("list@example.test")[1].kind, DeliveryResult::sent);
  EXPECT_TRUE(fs::exists(dir.file("from-include")));
}

TEST_F(Local, DotForwardWithSelfReferenceAndExtension) {
  dir.write("home/alice/.forward", "\\alice, \"|env > " + dir.file("fenv") + "\"\n");
  dir.write("home/alice/.forward+lists", "bob\n");
  start();
  auto rs = send("alice@example.test");
  ASSERT_EQ(rs.size(), 2u);
  EXPECT_EQ(rs[0].text, "delivered to maildir");
  EXPECT_EQ(rs[1].kind, DeliveryResult::sent);
  EXPECT_TRUE(has(slurp(dir.file("fenv")), "HOME=" + dir.file("home/alice") + "\n"));
  EXPECT_TRUE(has(slurp(dir.file("fenv")), "SHELL=/bin/sh\n"));
  EXPECT_EQ(one("alice+lists@example.test", DeliveryResult::sent).recipient, "bob@example.test");
  EXPECT_EQ(maildir(dir.file("home/bob/Maildir")).size(), 1u);
  start({{"allow_mail_to_commands", "alias"}});
  rs = send("alice@example.test");
  ASSERT_EQ(rs.size(), 2u);
  EXPECT_EQ(rs[1].text, "mail to command is restricted (allow_mail_to_commands has no forward)");
}

TEST_F(Local, DeliveredToLoopBounces) {
  start();
  msg.content = "Delivered-To: someone@else\nDelivered-To: Alice@Example.Test\nSubject: x\n\nDelivered-To: bob@example.test\n";
  auto r = one("alice@example.test", DeliveryResult::bounced);
  EXPECT_EQ(r.dsn, "5.4.6");
  EXPECT_EQ(r.text, "mail forwarding loop for alice@example.test");
  one("bob@example.test", DeliveryResult::sent);  // only the header counts, not the body
}

TEST_F(Local, AliasLoopsEndAndDuplicatesAreDeliveredOnce) {
  dir.write("aliases", "a b\nb a, alice\ndup alice, alice@example.test, bob, alice\n");
  start();
  auto rs = send("a@example.test");
  ASSERT_EQ(rs.size(), 2u);
  EXPECT_EQ(rs[0].text, "unknown user: \"a\"");
  EXPECT_EQ(rs[1].recipient, "alice@example.test");
  EXPECT_EQ(maildir(dir.file("home/alice/Maildir")).size(), 1u);
  rs = send("dup@example.test");
  ASSERT_EQ(rs.size(), 2u);  // alice once (three ways of naming her), bob
  EXPECT_EQ(rs[0].recipient, "alice@example.test");
  EXPECT_EQ(rs[1].recipient, "bob@example.test");
  EXPECT_EQ(maildir(dir.file("home/alice/Maildir")).size(), 2u);  // one more, not three
}

TEST_F(Local, LuserRelayLocalAndRemote) {
  start({{"luser_relay", "alice+$user"}});
  auto r = one("nobody+x@example.test", DeliveryResult::sent);
  EXPECT_EQ(r.recipient, "alice+nobody@example.test");
  auto md = maildir(dir.file("home/alice/Maildir"));
  ASSERT_EQ(md.size(), 1u);
  EXPECT_TRUE(has(md[0], "Delivered-To: alice+nobody@example.test\n"));
  start({{"luser_relay", "lost-$local@elsewhere.example"}});
  r = one("ghost+x@example.test", DeliveryResult::sent);
  EXPECT_EQ(r.text, "forwarded as 4Yg3NfNEWzKzCD");
  ASSERT_EQ(resubmitted.size(), 1u);
  EXPECT_EQ(resubmitted[0].envelope.recipients[0].address, "lost-ghost+x@elsewhere.example");
  start({{"luser_relay", ""}});
  EXPECT_EQ(one("ghost@example.test", DeliveryResult::bounced).text, "unknown user: \"ghost\"");
}

TEST_F(Local, RemoteTargetIsResubmittedWithDeliveredTo) {
  dir.write("aliases", "fwd far@elsewhere.example\n");
  start();
  EXPECT_EQ(one("fwd@example.test", DeliveryResult::sent).text, "forwarded as 4Yg3NfNEWzKzCD");
  ASSERT_EQ(resubmitted.size(), 1u);
  const Message& f = resubmitted[0];
  EXPECT_EQ(f.envelope.sender, "sender@example.org");
  ASSERT_EQ(f.envelope.recipients.size(), 1u);
  EXPECT_EQ(f.envelope.recipients[0].address, "far@elsewhere.example");
  EXPECT_EQ(f.content, "Delivered-To: fwd@example.test\n" + msg.content);
  offer_resubmit = false;
  EXPECT_TRUE(has(one("fwd@example.test", DeliveryResult::deferred).text, "no queue to resubmit to"));
}

TEST_F(Local, OwnerAliasBecomesTheSender) {
  dir.write("aliases", "list far@elsewhere.example, " + dir.file("list.mbox") + "\nowner-list alice\n");
  start();
  send("list@example.test");
  ASSERT_EQ(resubmitted.size(), 1u);
  EXPECT_EQ(resubmitted[0].envelope.sender, "owner-list@example.test");
  EXPECT_TRUE(slurp(dir.file("list.mbox")).starts_with("From owner-list@example.test  "));
  start({{"expand_owner_alias", "yes"}});
  send("list@example.test");
  ASSERT_EQ(resubmitted.size(), 2u);
  EXPECT_EQ(resubmitted[1].envelope.sender, "alice@example.test");
}

TEST_F(Local, MailboxAndFallbackTransports) {
  start({{"mailbox_transport", "discard:kept elsewhere"}});
  auto r = one("alice@example.test", DeliveryResult::sent);
  EXPECT_EQ(r.text, "kept elsewhere");
  EXPECT_EQ(r.recipient, "alice@example.test");
  start({{"mailbox_transport", ""}, {"fallback_transport", "error:5.1.1 gone away"}});
  r = one("ghost@example.test", DeliveryResult::bounced);
  EXPECT_EQ(r.dsn, "5.1.1");
  EXPECT_EQ(r.text, "gone away");
  one("alice@example.test", DeliveryResult::sent);
  start({{"fallback_transport", "local"}});
  EXPECT_TRUE(has(one("ghost@example.test", DeliveryResult::deferred).text, "names this local service itself"));
  start({{"fallback_transport", "nosuch"}});
  EXPECT_TRUE(has(one("ghost@example.test", DeliveryResult::deferred).text, "no master.cf service named"));
}

TEST_F(Local, MailboxCommandExpandsUserAttributes) {
  start({{"mailbox_command", "cat > $home/mc.$user.out"}});
  auto r = one("bob@example.test", DeliveryResult::sent);
  EXPECT_EQ(r.text, "delivered to command: cat > " + dir.file("home/bob") + "/mc.bob.out");
  EXPECT_TRUE(has(slurp(dir.file("home/bob/mc.bob.out")), "Delivered-To: bob@example.test\nSubject: hi\n"));
}

TEST_F(Local, AsRootOnlyTheMailboxIsWrittenForAnotherUid) {
  if (::geteuid() != 0) GTEST_SKIP() << "needs root";
  dir.write("aliases", "cmd |touch " + dir.file("ran") + "\n");
  start({}, -1);
  auto r = one("cmd@example.test", DeliveryResult::deferred);
  EXPECT_TRUE(has(r.text, "delivery as default_privs needs the privileged local delivery helper")) << r.text;
  EXPECT_FALSE(fs::exists(dir.file("ran")));
  one("alice@example.test", DeliveryResult::sent);
}

TEST_F(Local, WithoutRootAnUnwritableMailboxDefersNamingTheHelper) {
  if (::geteuid() != 0) GTEST_SKIP() << "needs root to become another user";
  fs::create_directories(dir.file("locked"));
  ::chmod(dir.path().c_str(), 0755);
  start({{"home_mailbox", ""}, {"mail_spool_directory", dir.file("locked")}}, 65534);
  pid_t pid = ::fork();
  if (pid == 0) {
    if (::setgid(65534) != 0 || ::setuid(65534) != 0) _exit(2);
    auto rs = send("alice@example.test");
    bool ok = rs.size() == 1 && rs[0].kind == DeliveryResult::deferred &&
              has(rs[0].text, "user alice (uid 4242) needs the privileged local delivery helper") &&
              has(rs[0].text, "Permission denied");
    _exit(ok ? 0 : 1);
  }
  int status = 0;
  ASSERT_EQ(::waitpid(pid, &status, 0), pid);
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0);
  EXPECT_FALSE(fs::exists(dir.file("locked/alice")));
}

}  // namespace
}  // namespace tern::delivery
