"""The privileged delivery helper through a running ternd (root only): ternd's master
forks it, the queue role (mail_owner = nobody) asks it to deliver as the recipient.

The recipient is the system's `daemon` account (uid/gid 1, not nobody), listed in
local_passwd_file with its home inside the test directory: its Maildir and mbox files
belong to uid 1; an alias |command (run as default_privs = daemon) and a .forward command
write `id -u`; pipe user=bin (uid 2) runs as bin; a user with gid 0 is refused by the
helper; a reload reaches the helper; and when the helper dies the master starts it
again and delivery goes on.
"""

import os
import pwd
import re
import signal
import unittest

import harness
from harness import TernTestCase, make_message

PIPE_MASTER = "asbin unix - n n - - pipe user=bin argv=DIR/uid.sh\n"
UID_SCRIPT = "#!/bin/sh\nid -u > %s/pipe.uid\ncat > /dev/null\n"


@unittest.skipUnless(os.geteuid() == 0, "the privileged helper runs only when ternd is root")
class PrivilegedHelperTest(TernTestCase):

    def setUp(self):
        self.daemon = pwd.getpwnam("daemon")
        self.bin = pwd.getpwnam("bin")

    def start(self, **main_cf):
        passwd = ("alice:x:1000:1000:Alice:home/alice:/bin/sh\n"
                  "dan:x:%d:%d:Daemon:home/dan:/bin/sh\n"
                  "zed:x:5:0:Gid zero:home/zed:/bin/sh\n" % (self.daemon.pw_uid, self.daemon.pw_gid))
        settings = {"alias_maps": "texthash:aliases", "default_privs": "daemon",
                    "relay_domains": "pipe.example.test", "relay_transport": "asbin"}
        settings.update(main_cf)
        tern = self.new_tern(main_cf=settings, passwd=passwd)
        self.out = tern.path("out")
        os.mkdir(self.out)
        os.chmod(self.out, 0o777)
        tern.write_file("aliases", 'postmaster alice\nrun "|id -u > %s/alias.uid"\n' % self.out)
        tern.write_file("uid.sh", UID_SCRIPT % self.out)
        os.chmod(tern.path("uid.sh"), 0o755)
        tern.master_cf = tern.master_cf_text() + PIPE_MASTER.replace("DIR", tern.dir)
        tern.write_config()
        tern.start()
        tern.wait_for_log(r"^disconnect from ")
        tern.mark = tern.log_mark()
        return tern

    def send(self, tern, to, tag):
        s = tern.smtp()
        try:
            s.ehlo("client.test")
            s.sendmail("sender@example.org", [to], make_message(tag, to=to))
        finally:
            s.quit()

    def read_uid(self, tern, name):
        path = os.path.join(self.out, name)
        if not harness.wait_until(lambda: os.path.exists(path) and open(path).read().endswith("\n"), 10):
            self.fail("%s did not appear\n%s" % (path, tern.evidence()))
        with open(path) as f:
            return int(f.read())

    def test_maildir_belongs_to_the_recipient(self):
        tern = self.start()
        self.send(tern, "dan@example.test", "m1")
        tern.wait_for_maildir("dan", 1)
        path = tern.maildir_files("dan")[0]
        self.assertEqual(os.stat(path).st_uid, self.daemon.pw_uid)
        self.assertEqual(os.stat(tern.maildir("dan", "")).st_uid, self.daemon.pw_uid)
        self.assertEqual(os.stat(path).st_gid, self.daemon.pw_gid)

    def test_mail_released_together_lands_once_each_as_the_recipient(self):
        # Held mail released and flushed at once waits for dan's one delivery slot: the queue manager
        # then delivers the waiting messages in one run, written by the helper in one
        # request (delivery/maildir_batch.hpp).
        tern = self.start(local_destination_concurrency_limit="1",
                          smtpd_recipient_restrictions="check_recipient_access inline:{ dan@example.test=HOLD }")
        for i in range(12):
            self.send(tern, "dan@example.test", "held%d" % i)
        if not harness.wait_until(lambda: tern.tool("postqueue", "-c", tern.dir, "-j").stdout.count('"hold"') == 12, 10):
            self.fail("the messages were not held\n" + tern.evidence())
        r = tern.tool("postsuper", "-c", tern.dir, "-H", "ALL")  # to deferred/, as Postfix does
        self.assertEqual(r.returncode, 0, r.stderr)
        r = tern.tool("postqueue", "-c", tern.dir, "-f")
        self.assertEqual(r.returncode, 0, r.stderr)
        tern.wait_for_maildir("dan", 12)
        files = tern.maildir_files("dan")
        self.assertEqual(len(files), 12)
        subjects = set()
        for path in files:
            self.assertEqual(os.stat(path).st_uid, self.daemon.pw_uid)
            with open(path) as f:
                subjects.update(line for line in f if line.startswith("Subject:"))
        self.assertEqual(len(subjects), 12)
        self.assertEqual(tern.maildir_files("dan", "tmp"), [])
        sent = re.compile(r": to=<dan@example\.test>, relay=local, .*status=sent \(delivered to maildir\)$")
        count = lambda: sum(1 for line in tern.log_lines(since=tern.mark) if sent.search(line))
        harness.wait_until(lambda: count() >= 12, 10)
        self.assertEqual(count(), 12, tern.evidence())

    def test_mbox_belongs_to_the_recipient(self):
        tern = self.start(home_mailbox="Mailbox")
        self.send(tern, "dan@example.test", "m2")
        box = tern.path("home", "dan", "Mailbox")
        tern.wait_for_log(r"^\w+: to=<dan@example\.test>, relay=local, .*status=sent \(delivered to mailbox\)$",
                          since=tern.mark)
        self.assertEqual(os.stat(box).st_uid, self.daemon.pw_uid)
        with open(box) as f:
            self.assertIn("Subject: tern test m2", f.read())

    def test_alias_command_runs_as_default_privs(self):
        tern = self.start()
        self.send(tern, "run@example.test", "m3")
        self.assertEqual(self.read_uid(tern, "alias.uid"), self.daemon.pw_uid)

    def test_forward_command_runs_as_the_user(self):
        tern = self.start()
        # ternd made dan's home (owned by dan); root owns the .forward, as local(8) allows.
        tern.write_file(os.path.join("home", "dan", ".forward"), '"|id -u > %s/forward.uid"\n' % self.out)
        self.send(tern, "dan@example.test", "m4")
        self.assertEqual(self.read_uid(tern, "forward.uid"), self.daemon.pw_uid)

    def test_pipe_user_runs_as_that_user(self):
        tern = self.start()
        self.send(tern, "x@pipe.example.test", "m5")
        self.assertEqual(self.read_uid(tern, "pipe.uid"), self.bin.pw_uid)
        tern.wait_for_log(r"^\w+: to=<x@pipe\.example\.test>, relay=asbin, .*status=sent", since=tern.mark)

    def test_gid_zero_is_refused(self):
        tern = self.start()
        self.send(tern, "zed@example.test", "m6")
        # Refused at the first step taken as zed: reading its .forward.
        tern.wait_for_log(r"^\w+: to=<zed@example\.test>, relay=local, .*dsn=4\.3\.0, status=deferred "
                          r"\(cannot use the privileged delivery helper refuses uid 5 gid 0 "
                          r"for local delivery\)$", since=tern.mark)
        self.assertEqual(tern.maildir_files("zed"), [])

    def test_helper_restarts_after_it_dies(self):
        tern = self.start()
        pids = [p for p in os.listdir("/proc") if p.isdigit() and self.is_helper(tern, int(p))]
        self.assertEqual(len(pids), 1, pids)
        os.kill(int(pids[0]), signal.SIGKILL)
        tern.wait_for_log(r"process privileged pid %s killed by signal 9" % pids[0], since=tern.mark)
        self.send(tern, "dan@example.test", "m7")
        tern.wait_for_maildir("dan", 1, timeout=20)

    def test_reload_reaches_the_helper(self):
        tern = self.start()
        tern.reload()
        tern.wait_for_log(r"^reload: limits read from %s$" % tern.dir, since=tern.mark)
        self.assertEqual(len([p for p in os.listdir("/proc") if p.isdigit() and self.is_helper(tern, int(p))]), 1)
        self.send(tern, "dan@example.test", "m8")
        tern.wait_for_maildir("dan", 1)

    def is_helper(self, tern, pid):
        """A direct child of ternd's master that still runs as root (the helper)."""
        try:
            with open("/proc/%d/status" % pid) as f:
                status = dict(l.split(":", 1) for l in f.read().splitlines() if ":" in l)
        except OSError:
            return False
        return (status.get("PPid", "").strip() == str(tern.proc.pid)
                and status.get("Uid", "").split()[0] == "0")


if __name__ == "__main__":
    unittest.main()
