"""The pipe and virtual delivery agents through a running ternd.

pipe: a transport whose script (written here into the instance's directory) records its
exact argv (/proc/$$/cmdline), environment (/proc/$$/environ) and stdin; exit 75 defers,
exit 67 bounces with the script's output in the DSN; Postfix's VERP bounce-handler
example end to end; user= naming another user runs through the privileged helper as
root (defers otherwise); a bad entry stops startup.
Routing: relay_domains with relay_transport = the pipe service (transport_maps is not on
this branch). virtual: virtual_mailbox_domains delivered into Maildir and mbox under
virtual_mailbox_base.
"""

import os
import pwd
import re
import unittest

import harness
from harness import MYHOSTNAME, TernTestCase, make_message

MASTER = ("127.0.0.1:PORT inet n - n - - smtpd\n"
          "pickup unix n - n 60 1 pickup\n"
          "cleanup unix n - n - 0 cleanup\n"
          "qmgr unix n - n 300 1 qmgr\n") + harness.DELIVERY_SERVICES

# Records how it was run, then exits with $EXIT_STATUS after printing $SAY (both baked in).
RECORDER = """#!/bin/sh
out=%(out)s/$$
cat /proc/$$/cmdline > $out.argv.tmp
cat /proc/$$/environ > $out.env.tmp
cat > $out.stdin.tmp
id -u > $out.uid.tmp
for f in argv env stdin uid; do mv $out.$f.tmp $out.$f; done
%(say)s
exit %(status)d
"""


def role_uid_gid():
    """The queue role's uid/gid: mail_owner (nobody) under root, else ourselves."""
    if os.geteuid() == 0:
        pw = pwd.getpwnam("nobody")
        return pw.pw_uid, pw.pw_gid
    return os.geteuid(), os.getegid()


class PipeTest(TernTestCase):

    def pipe_tern(self, services, scripts, **main_cf):
        """An instance with extra master.cf `services` (DIR is its directory) and the
        recorder `scripts` {name: (exit status, output line)}."""
        tern = self.new_tern(main_cf=main_cf)
        out = tern.path("out")
        os.mkdir(out)
        os.chmod(out, 0o777)
        for name, (status, say) in scripts.items():
            tern.write_file(name, RECORDER % {"out": out, "status": status,
                                              "say": "echo '%s'" % say if say else ""})
            os.chmod(tern.path(name), 0o755)
        tern.master_cf = MASTER + services.replace("DIR", tern.dir)
        tern.write_config()
        tern.start()
        tern.wait_for_log(r"^disconnect from ")
        tern.mark = tern.log_mark()
        return tern

    def runs(self, tern, count=1, timeout=10):
        """The recorded runs: dicts of argv (list), env (list), stdin (bytes), uid."""
        out = tern.path("out")
        harness.wait_until(lambda: len([n for n in os.listdir(out) if n.endswith(".uid")])
                           >= count, timeout)
        runs = []
        for name in sorted(n for n in os.listdir(out) if n.endswith(".uid")):
            base = os.path.join(out, name[:-4])
            with open(base + ".argv", "rb") as f:
                argv = f.read().split(b"\0")[:-1]
            with open(base + ".env", "rb") as f:
                env = f.read().split(b"\0")[:-1]
            with open(base + ".stdin", "rb") as f:
                stdin = f.read()
            with open(base + ".uid") as f:
                uid = int(f.read())
            runs.append({"argv": [a.decode() for a in argv[2:]], "env": [e.decode() for e in env],
                         "stdin": stdin, "uid": uid})
        self.assertEqual(len(runs), count, tern.evidence())
        return runs

    def send(self, tern, sender, rcpts, body, xverp=False):
        c = harness.session(tern.port, helo="client.test")
        try:
            self.assertEqual(c.command("MAIL FROM:<%s>%s" % (sender, " XVERP" if xverp else "")),
                             ["250 2.1.0 Ok"])
            for r in rcpts:
                self.assertEqual(c.command("RCPT TO:<%s>" % r), ["250 2.1.5 Ok"])
            self.assertEqual(c.command("DATA"), ["354 End data with <CR><LF>.<CR><LF>"])
            stuffed = "".join("." + l if l.startswith(".") else l for l in body.splitlines(True))
            c.send(stuffed.replace("\n", "\r\n").encode() + b".\r\n")
            reply = c.reply()
            self.assertRegex(reply[0], harness.QUEUED_RE)
            c.command("QUIT")
            return harness.QUEUED_RE.match(reply[0]).group(1)
        finally:
            c.close()

    # ---- pipe ----------------------------------------------------------------------------

    def test_argv_environment_and_stdin_byte_for_byte(self):
        args = " ".join("${%s}" % n for n in (
            "sender", "recipient", "extension", "user", "domain", "nexthop", "mailbox",
            "original_recipient", "queue_id", "client_address", "client_hostname",
            "client_helo", "client_protocol", "sasl_method", "sasl_username", "size"))
        tern = self.pipe_tern("rec unix - n n - - pipe\n  flags=FRODX user=nobody "
                              "argv=DIR/rec %s { a  b }\n" % args,
                              {"rec": (0, "")}, relay_domains="pipe.example.test",
                              relay_transport="rec")
        message = make_message("p1", to="Joe+Ext@Pipe.example.test",
                               extra_body="From the start\n.dot\n")
        qid = self.send(tern, "sender@example.org", ["Joe+Ext@Pipe.example.test"], message)
        tern.wait_for_log(r"^%s: to=<Joe\+Ext@Pipe\.example\.test>, relay=rec, delay=[0-9.]+, "
                          r"delays=[0-9./]+, dsn=2\.0\.0, status=sent \(delivered via rec "
                          r"service\)$" % qid, since=tern.mark)
        run = self.runs(tern)[0]
        stdin = run["stdin"].decode()
        head = stdin.split("\n", 4)
        self.assertRegex(head[0], r"^From sender@example\.org  [A-Z][a-z]{2} [A-Z][a-z]{2} "
                                  r"[ 0-9]\d \d\d:\d\d:\d\d \d{4}$")
        self.assertEqual(head[1:4], ["Return-Path: <sender@example.org>",
                                     "X-Original-To: Joe+Ext@Pipe.example.test",
                                     "Delivered-To: joe+ext@pipe.example.test"])
        content = head[4]
        self.assertRegex(content, r"^Received: from client\.test \(unknown \[127\.0\.0\.1\]\)\n"
                                  r"\tby %s \(Tern\) with ESMTP id %s\n\tfor "
                                  r"<Joe\+Ext@Pipe\.example\.test>; [^\n]+\n"
                                  % (re.escape(MYHOSTNAME), qid))
        self.assertTrue(content.endswith(message), content)  # no >From / dot quoting asked for
        self.assertEqual(run["argv"], [
            "sender@example.org", "Joe+Ext@Pipe.example.test", "Ext", "Joe",
            "Pipe.example.test", "pipe.example.test", "Joe+Ext", "Joe+Ext@Pipe.example.test",
            qid, "127.0.0.1", "unknown", "client.test", "ESMTP", "", "",
            str(len(content.encode())), "a  b"])
        expected_env = ["MAIL_CONFIG=" + tern.dir]
        for name in ("TZ", "LANG"):
            if name in os.environ:
                expected_env.append("%s=%s" % (name, os.environ[name]))
        self.assertEqual(sorted(run["env"]), sorted(expected_env + ["PATH=/usr/bin:/bin"]))
        self.assertEqual(run["uid"], role_uid_gid()[0])
        self.assertEqual(tern.queue_files("deferred"), [])

    def test_exit_75_defers_and_stays_queued(self):
        tern = self.pipe_tern("tf unix - n n - - pipe user=nobody argv=DIR/tf\n",
                              {"tf": (75, "try again\tlater")},
                              relay_domains="pipe.example.test", relay_transport="tf")
        qid = self.send(tern, "sender@example.org", ["x@pipe.example.test"], make_message("p2"))
        tern.wait_for_log(r"^%s: to=<x@pipe\.example\.test>, relay=tf, .*dsn=4\.3\.0, "
                          r"status=deferred \(temporary failure\. Command output: try again "
                          r"later\)$" % qid, since=tern.mark)
        self.assertTrue(harness.wait_until(lambda: tern.queue_files("deferred") == [qid], 10),
                        tern.evidence())

    def test_exit_67_bounces_with_the_output_in_the_dsn(self):
        tern = self.pipe_tern("nu unix - n n - - pipe user=nobody argv=DIR/nu\n",
                              {"nu": (67, "no mailbox here")},
                              relay_domains="pipe.example.test", relay_transport="nu")
        qid = self.send(tern, "alice@example.test", ["x@pipe.example.test"], make_message("p3"))
        reason = "user unknown. Command output: no mailbox here"
        tern.wait_for_log(r"^%s: to=<x@pipe\.example\.test>, relay=nu, .*dsn=5\.1\.1, "
                          r"status=bounced \(%s\)$" % (qid, re.escape(reason)), since=tern.mark)
        dsn = tern.wait_for_maildir("alice", 1)[0].decode()
        self.assertIn("Diagnostic-Code: X-Tern; " + reason, dsn.replace("\n ", " "))
        self.assertIn("Status: 5.1.1", dsn)
        self.assertTrue(harness.wait_until(lambda: tern.queue_files("deferred") == [], 5))

    def test_verp_bounce_handler_example(self):
        # The notes' example: a list sends with XVERP; a bounce comes back to
        # list-bounces+RCPT@bounce.example.test, and the handler gets RCPT as ${extension}.
        tern = self.pipe_tern("bounce unix - n n - - pipe\n"
                              "  flags=RX user=nobody argv=DIR/mail_bounce_handler ${extension}\n",
                              {"mail_bounce_handler": (0, "")},
                              relay_domains="bounce.example.test", relay_transport="bounce",
                              alias_maps="inline:{ postmaster=alice, ghost=nobody-here }")
        qid = self.send(tern, "list-bounces@bounce.example.test", ["ghost@example.test"],
                        make_message("p4", to="ghost@example.test"), xverp=True)
        tern.wait_for_log(r"^%s: to=<nobody-here@example\.test>, orig_to=<ghost@example\.test>, "
                          r".*status=bounced" % qid,
                          since=tern.mark)
        tern.wait_for_log(r": to=<list-bounces\+ghost=example\.test@bounce\.example\.test>, "
                          r"relay=bounce, .*dsn=2\.0\.0, status=sent \(delivered via bounce "
                          r"service\)$", since=tern.mark)
        run = self.runs(tern)[0]
        self.assertEqual(run["argv"], ["ghost=example.test"])
        stdin = run["stdin"].decode()
        self.assertTrue(stdin.startswith("Return-Path: <MAILER-DAEMON>\n"), stdin)
        self.assertEqual(stdin.count("Return-Path:"), 1, stdin)  # R only: no From_, no O/D
        self.assertIn("\nTo: list-bounces+ghost=example.test@bounce.example.test\n", stdin)
        self.assertIn("X-Tern-Queue-ID: %s" % qid, stdin)

    def test_other_user_through_the_helper_or_deferred(self):
        tern = self.pipe_tern("as unix - n n - - pipe user=daemon argv=/bin/true\n", {},
                              relay_domains="pipe.example.test", relay_transport="as")
        qid = self.send(tern, "sender@example.org", ["x@pipe.example.test"], make_message("p5"))
        daemon = pwd.getpwnam("daemon")
        if os.geteuid() == 0:  # the privileged helper runs it as daemon (test_privileged.py)
            tern.wait_for_log(r"^%s: to=<x@pipe\.example\.test>, relay=as, .*dsn=2\.0\.0, status=sent "
                              % qid, since=tern.mark)
            return
        tern.wait_for_log(
            r"^%s: to=<x@pipe\.example\.test>, relay=as, .*dsn=4\.3\.0, status=deferred "
            r"\(cannot run \"/bin/true\" as user= daemon \(uid %d, gid %d\): this delivery "
            r"process runs as uid %d and cannot change user; commands for other users need "
            r"Tern's privileged delivery helper, which does not exist yet\)$"
            % (qid, daemon.pw_uid, daemon.pw_gid, role_uid_gid()[0]), since=tern.mark)

    def test_bad_pipe_entry_is_a_startup_error(self):
        tern = self.new_tern()
        tern.master_cf = MASTER + "bad unix - n n - - pipe\n  flags=Rz user=nobody argv=/bin/true\n"
        tern.write_config()
        r = tern.check_config()
        line = MASTER.count("\n") + 1
        self.assertEqual(r.returncode, 1)
        self.assertEqual(r.stderr, "ternd: fatal: %s:%d: service bad (pipe): unknown flag \"z\" "
                                   "in \"flags=Rz\" (known: BDFORXhqu.>)\n"
                                   % (tern.path("master.cf"), line))

    # ---- virtual -------------------------------------------------------------------------

    def virtual_tern(self, uid, gid):
        tern = self.new_tern(main_cf={
            "virtual_mailbox_domains": "virt.example.test",
            "virtual_mailbox_maps": "inline:{ joe@virt.example.test=joe/, "
                                    "amy@virt.example.test=amy.mbox }",
            "virtual_uid_maps": "static:%d" % uid, "virtual_gid_maps": "static:%d" % gid,
            "virtual_minimum_uid": "1", "virtual_transport": "virtual",
            # ghost@ must reach the virtual agent (smtpd would refuse it at RCPT).
            "smtpd_reject_unlisted_recipient": "no"})
        tern.set_param("virtual_mailbox_base", tern.path("vmail"))
        tern.write_config()
        os.mkdir(tern.path("vmail"))
        os.chmod(tern.path("vmail"), 0o777)
        tern.start()
        tern.wait_for_log(r"^disconnect from ")
        tern.mark = tern.log_mark()
        return tern

    def test_virtual_maildir_mbox_and_unknown_user(self):
        uid, gid = role_uid_gid()
        tern = self.virtual_tern(uid, gid)
        message = make_message("v1", to="joe@virt.example.test", extra_body="From here on\n")
        qid = self.send(tern, "alice@example.test",
                        ["Joe@virt.example.test", "amy@virt.example.test", "ghost@virt.example.test"],
                        message)
        tern.wait_for_log(r"^%s: to=<Joe@virt\.example\.test>, relay=virtual, .*dsn=2\.0\.0, "
                          r"status=sent \(delivered to maildir\)$" % qid, since=tern.mark)
        tern.wait_for_log(r"^%s: to=<amy@virt\.example\.test>, relay=virtual, .*dsn=2\.0\.0, "
                          r"status=sent \(delivered to mailbox\)$" % qid, since=tern.mark)
        tern.wait_for_log(r"^%s: to=<ghost@virt\.example\.test>, relay=virtual, .*dsn=5\.1\.1, "
                          r"status=bounced \(unknown user: \"ghost@virt\.example\.test\"\)$" % qid,
                          since=tern.mark)
        joe = tern.path("vmail", "joe", "new")
        names = os.listdir(joe)
        self.assertEqual(len(names), 1)
        with open(os.path.join(joe, names[0])) as f:
            got = f.read()
        received = (r"Received: from client\.test \(unknown \[127\.0\.0\.1\]\)\n\tby %s \(Tern\) "
                    r"with ESMTP id %s;\n\t[^\n]+\n" % (re.escape(MYHOSTNAME), qid))
        self.assertRegex(got, "^" + re.escape(
            "Return-Path: <alice@example.test>\nX-Original-To: Joe@virt.example.test\n"
            "Delivered-To: joe@virt.example.test\n") + received + re.escape(message) + r"\Z")
        self.assertEqual(os.stat(os.path.join(joe, names[0])).st_uid, uid)
        with open(tern.path("vmail", "amy.mbox")) as f:
            box = f.read()
        self.assertRegex(box, r"^From alice@example\.test  [A-Z][a-z]{2} [A-Z][a-z]{2} [ 0-9]\d "
                              r"\d\d:\d\d:\d\d \d{4}\n" + re.escape(
                                  "Return-Path: <alice@example.test>\nX-Original-To: "
                                  "amy@virt.example.test\nDelivered-To: amy@virt.example.test\n")
                         + received + re.escape(message.replace("\nFrom here", "\n>From here"))
                         + r"\n\Z")
        dsn = tern.wait_for_maildir("alice", 1)[0].decode()
        self.assertIn("unknown user: \"ghost@virt.example.test\"", dsn.replace("\n ", " "))

    def test_virtual_other_owner_through_the_helper_or_deferred(self):
        uid, gid = role_uid_gid()
        tern = self.virtual_tern(uid + 1, gid)
        qid = self.send(tern, "alice@example.test", ["joe@virt.example.test"], make_message("v2"))
        if os.geteuid() == 0:  # the privileged helper writes it as its owner
            tern.wait_for_log(r"^%s: to=<joe@virt\.example\.test>, relay=virtual, .*dsn=2\.0\.0, "
                              r"status=sent \(delivered to maildir\)$" % qid, since=tern.mark)
            names = os.listdir(tern.path("vmail", "joe", "new"))
            self.assertEqual(os.stat(tern.path("vmail", "joe", "new", names[0])).st_uid, uid + 1)
            return
        tern.wait_for_log(r"^%s: to=<joe@virt\.example\.test>, relay=virtual, .*dsn=4\.3\.0, "
                          r"status=deferred \(cannot deliver to .*vmail/joe/ as uid %d gid %d: "
                          r"this delivery process runs as uid %d gid %d and cannot change user; "
                          r"mailboxes of other users need Tern's privileged delivery helper, "
                          r"which does not exist yet\)$" % (qid, uid + 1, gid, uid, gid),
                          since=tern.mark)
        self.assertFalse(os.path.exists(tern.path("vmail", "joe")))


if __name__ == "__main__":
    unittest.main()
