"""local(8) delivery through a running ternd: mbox mailboxes byte for byte, aliases to
|commands (argv, environment and stdin recorded), /files, :include: files, .forward,
remote forwarding, command exit statuses 75 (deferred) and 67 (bounced, its output in
the DSN), and the Delivered-To: loop check.

ternd runs as root with mail_owner = nobody: alias deliveries run as default_privs
(nobody), a user's own (.forward, mailbox) as that user through the privileged delivery
helper (see src/delivery/local.hpp, PRIVILEGES, and test_privileged.py), so everything
they write lives in directories anyone may write.
"""

import os
import re
import smtplib
import unittest
import uuid

import harness
from harness import MYHOSTNAME, QUEUE_ID, TernTestCase, make_message

# Records its argv, environment and stdin under OUT (one file each, named by $1).
RECORDER = """#!/bin/sh
out="%s/$1"
printf '%%s\\n' "$0" "$@" > "$out.argv"
env | sort > "$out.env"
cat > "$out.stdin"
"""

FROM_LINE = r"From %s  [A-Z][a-z]{2} [A-Z][a-z]{2} [ \d]\d \d\d:\d\d:\d\d \d{4}\n"
RECEIVED = (r"Received: from client\.test \(unknown \[127\.0\.0\.1\]\)\n\tby %s \(Tern\) "
            r"with ESMTP id (?P<qid>%s)\n\tfor <%s>; [^\n]+\n")


class LocalDeliveryTest(TernTestCase):

    def start_local(self, aliases="", **main_cf):
        settings = {"alias_maps": "texthash:aliases", "home_mailbox": "Mailbox"}
        settings.update(main_cf)
        tern = self.new_tern(main_cf=settings)
        self.out = tern.path("out")
        os.mkdir(self.out)
        os.chmod(self.out, 0o777)
        recorder = tern.path("record.sh")
        tern.write_file("record.sh", RECORDER % self.out)
        os.chmod(recorder, 0o755)
        tern.write_file("aliases", aliases.replace("RECORD", recorder).replace("OUT", self.out))
        tern.start()
        tern.wait_for_log(r"^disconnect from ")
        tern.mark = tern.log_mark()
        return tern

    def send(self, tern, to, message, sender="sender@example.org"):
        s = tern.smtp()
        try:
            s.ehlo("client.test")
            s.sendmail(sender, [to], message)
        finally:
            s.quit()

    def read(self, path):
        with open(path, "rb") as f:
            return f.read()

    def wait_file(self, tern, path, needle=b""):
        if not harness.wait_until(lambda: os.path.exists(path) and needle in self.read(path), 10):
            self.fail("%s (with %r) did not appear\n%s" % (path, needle, tern.evidence()))
        return self.read(path)

    # ---- mbox ------------------------------------------------------------------------

    def test_mbox_home_mailbox_byte_for_byte(self):
        tern = self.start_local()
        token = uuid.uuid4().hex
        message = make_message(token, extra_body="From the start of a line\n>From quoted\n")
        self.send(tern, "alice@example.test", message)
        tern.wait_for_log(r"to=<alice@example\.test>, relay=local, .*status=sent "
                          r"\(delivered to mailbox\)", since=tern.mark)
        box = self.read(tern.path("home", "alice", "Mailbox")).decode()
        body = message.replace("\nFrom the start", "\n>From the start")
        rx = ("^" + FROM_LINE % re.escape("sender@example.org")
              + re.escape("Return-Path: <sender@example.org>\nX-Original-To: alice@example.test\n"
                          "Delivered-To: alice@example.test\n")
              + RECEIVED % (re.escape(MYHOSTNAME), QUEUE_ID, re.escape("alice@example.test"))
              + re.escape(body + "\n") + r"\Z")
        self.assertRegex(box, re.compile(rx, re.S))
        self.assertFalse(os.path.exists(tern.path("home", "alice", "Mailbox.lock")))

    # ---- alias targets ---------------------------------------------------------------

    def test_alias_to_command_gets_argv_environment_and_message(self):
        tern = self.start_local('cmd "|RECORD cmd second-arg"\n')
        message = make_message(uuid.uuid4().hex, to="cmd+ext@example.test")
        self.send(tern, "cmd+ext@example.test", message)
        tern.wait_for_log(r"to=<cmd\+ext@example\.test>, relay=local, .*status=sent "
                          r"\(delivered to command: .*record\.sh cmd second-arg\)", since=tern.mark)
        argv = self.wait_file(tern, os.path.join(self.out, "cmd.argv")).decode().splitlines()
        self.assertEqual(argv, [tern.path("record.sh"), "cmd", "second-arg"])
        env = self.read(os.path.join(self.out, "cmd.env")).decode().splitlines()
        for line in ["USER=cmd", "LOGNAME=cmd", "EXTENSION=ext", "DOMAIN=example.test",
                     "LOCAL=cmd+ext", "RECIPIENT=cmd+ext@example.test",
                     "ORIGINAL_RECIPIENT=cmd+ext@example.test", "SENDER=sender@example.org",
                     "CLIENT_ADDRESS=127.0.0.1", "CLIENT_HELO=client.test",
                     "CLIENT_PROTOCOL=ESMTP", "PATH=/usr/bin:/bin",
                     "PWD=" + tern.path("spool")]:
            self.assertIn(line, env)
        stdin = self.read(os.path.join(self.out, "cmd.stdin")).decode()
        rx = ("^" + FROM_LINE % re.escape("sender@example.org")
              + re.escape("Return-Path: <sender@example.org>\nX-Original-To: cmd+ext@example.test\n"
                          "Delivered-To: cmd+ext@example.test\n")
              + RECEIVED % (re.escape(MYHOSTNAME), QUEUE_ID, re.escape("cmd+ext@example.test"))
              + re.escape(message) + r"\Z")
        self.assertRegex(stdin, re.compile(rx, re.S))

    def test_alias_to_file_and_include(self):
        tern = self.start_local("tofile OUT/copy.mbox\nlist :include:%s\n"
                                % os.path.join("OUT", "members"))
        with open(os.path.join(self.out, "members"), "w") as f:
            f.write("# the list\nbob\n\"|RECORD included\"\n")
        os.chmod(os.path.join(self.out, "members"), 0o644)
        self.send(tern, "tofile@example.test", make_message("f1", to="tofile@example.test"))
        box = self.wait_file(tern, os.path.join(self.out, "copy.mbox"), b"f1").decode()
        self.assertRegex(box, "^" + FROM_LINE % re.escape("sender@example.org")
                         + re.escape("Return-Path: <sender@example.org>\nX-Original-To: "
                                     "tofile@example.test\nDelivered-To: tofile@example.test\n"))
        self.assertTrue(box.endswith("Bye.\n\n"))
        tern.wait_for_log(r"to=<tofile@example\.test>, relay=local, .*status=sent "
                          r"\(delivered to file: %s\)" % re.escape(self.out + "/copy.mbox"))
        self.send(tern, "list@example.test", make_message("l1", to="list@example.test"))
        self.wait_file(tern, tern.path("home", "bob", "Mailbox"), b"l1")
        # Commands are not allowed in :include: files by default (allow_mail_to_commands).
        tern.wait_for_log(r"to=<list@example\.test>, relay=local, .*dsn=5\.7\.1, status=bounced "
                          r"\(mail to command is restricted \(allow_mail_to_commands has no "
                          r"include\)\)", since=tern.mark)
        self.assertFalse(os.path.exists(os.path.join(self.out, "included.argv")))

    def test_dot_forward(self):
        tern = self.start_local()
        fwd = tern.path("home", "bob", ".forward")
        with open(fwd, "w") as f:
            f.write("\\bob, \"|%s fwd\"\n" % tern.path("record.sh"))
        self.send(tern, "bob@example.test", make_message("d1", to="bob@example.test"))
        self.wait_file(tern, tern.path("home", "bob", "Mailbox"), b"d1")
        env = self.wait_file(tern, os.path.join(self.out, "fwd.env"), b"HOME=").decode().splitlines()
        self.assertIn("HOME=" + tern.path("home", "bob"), env)
        self.assertIn("SHELL=/bin/sh", env)
        self.assertIn("USER=bob", env)

    def test_remote_target_is_forwarded_as_a_new_message(self):
        tern = self.start_local("far someone@elsewhere.example\n")
        self.send(tern, "far@example.test", make_message("r1", to="far@example.test"))
        m = tern.wait_for_log(r"to=<far@example\.test>, relay=local, .*status=sent "
                              r"\(forwarded as (%s)\)" % QUEUE_ID, since=tern.mark)
        new_id = m.group(1)
        tern.wait_for_log(r"^%s: to=<someone@elsewhere\.example>, .*status=deferred \(%s\)"
                          % (new_id, harness.REMOTE_DEFERRED), since=tern.mark)
        tern.wait_for_log(r"^%s: from=<sender@example\.org>, size=\d+, nrcpt=1" % new_id,
                          since=tern.mark)
        self.assertIn(new_id, tern.queue_files("deferred"))

    # ---- command exit statuses -------------------------------------------------------

    def test_command_exit_75_defers_and_67_bounces_with_its_output(self):
        tern = self.start_local('later "|echo not now; exit 75"\n'
                                'nouser "|echo no such person here; exit 67"\n')
        self.send(tern, "later@example.test", make_message("t1", to="later@example.test"),
                  sender="alice@example.test")
        tern.wait_for_log(r"to=<later@example\.test>, relay=local, .*dsn=4\.3\.0, status=deferred "
                          r"\(temporary failure\. Command output: not now\)", since=tern.mark)
        self.assertTrue(harness.wait_until(lambda: tern.queue_files("deferred"), 10),
                        tern.evidence())
        self.send(tern, "nouser@example.test", make_message("t2", to="nouser@example.test"),
                  sender="alice@example.test")
        tern.wait_for_log(r"to=<nouser@example\.test>, relay=local, .*dsn=5\.1\.1, status=bounced "
                          r"\(user unknown\. Command output: no such person here\)", since=tern.mark)
        dsn = self.wait_file(tern, tern.path("home", "alice", "Mailbox"),
                             b"no such person here").decode()
        self.assertIn("Status: 5.1.1", dsn)
        self.assertIn("Diagnostic-Code: X-Tern; user unknown. Command output: no such person here",
                      dsn)

    # ---- loops -----------------------------------------------------------------------

    def test_delivered_to_loop_bounces(self):
        tern = self.start_local()
        message = "Delivered-To: alice@example.test\n" + make_message("loop1")
        self.send(tern, "alice@example.test", message, sender="bob@example.test")
        tern.wait_for_log(r"to=<alice@example\.test>, relay=local, .*dsn=5\.4\.6, status=bounced "
                          r"\(mail forwarding loop for alice@example\.test\)", since=tern.mark)
        self.wait_file(tern, tern.path("home", "bob", "Mailbox"), b"mail forwarding loop")
        self.assertFalse(os.path.exists(tern.path("home", "alice", "Mailbox")))


if __name__ == "__main__":
    unittest.main()
