"""Configuration reload: SIGHUP and `tern reload` while ternd runs."""

import re
import unittest
import uuid

import harness
from harness import MYHOSTNAME, SmtpSocket, TernTestCase, make_message

NEW_HOSTNAME = "reloaded.example.test"


class ReloadTest(TernTestCase):

    def banner(self, tern):
        c = SmtpSocket(tern.port)
        try:
            line = c.reply()
            c.command("QUIT")
            return line
        finally:
            c.close()

    def wait_for_banner(self, tern, hostname, timeout=10):
        """New connections show hostname's banner (polling until then, bounded);
        afterwards five further connections in a row must show it too."""
        want = ["220 %s ESMTP Tern" % hostname]
        seen = []

        def check():
            b = self.banner(tern)
            seen.append(b)
            return b == want

        if not harness.wait_until(check, timeout, interval=0.1):
            self.fail("banner never became %r; last seen %r\n%s"
                      % (want, seen[-3:], tern.evidence()))
        for _ in range(5):
            self.assertEqual(self.banner(tern), want)

    def change_hostname(self, tern, hostname):
        tern.set_param("myhostname", hostname)
        tern.write_config()

    def test_sighup_changes_banner(self):
        tern = self.start_tern()
        self.assertEqual(self.banner(tern), ["220 %s ESMTP Tern" % MYHOSTNAME])
        self.change_hostname(tern, NEW_HOSTNAME)
        # Not reloaded yet: still the old name.
        self.assertEqual(self.banner(tern), ["220 %s ESMTP Tern" % MYHOSTNAME])
        mark = tern.log_mark()
        tern.reload()
        tern.wait_for_log(r"^reload -- version \S+, configuration %s$"
                          % re.escape(tern.dir), since=mark)
        self.wait_for_banner(tern, NEW_HOSTNAME)
        self.assertTrue(tern.running())
        # Mail still flows, under the new name.
        r = tern.swaks("bob@example.test")
        qid = harness.queue_id_from_swaks(r.stdout)
        self.assertQueueId(qid)
        msgs = tern.wait_for_maildir("bob", 1)
        self.assertIn(("\tby %s (Tern) with ESMTP id %s\n" % (NEW_HOSTNAME, qid)).encode(),
                      msgs[0])
        with open(tern.master_pid_file()) as f:
            self.assertEqual(f.read().strip(), str(tern.proc.pid))

    def test_tern_reload_command(self):
        tern = self.start_tern()
        self.change_hostname(tern, NEW_HOSTNAME)
        mark = tern.log_mark()
        r = tern.tool("tern", "reload", "-c", tern.dir)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(r.stdout, "")
        tern.wait_for_log(r"^reload -- version \S+, configuration %s$"
                          % re.escape(tern.dir), since=mark)
        self.wait_for_banner(tern, NEW_HOSTNAME)
        # And once more, back to the first name.
        self.change_hostname(tern, MYHOSTNAME)
        r = tern.tool("tern", "reload", "-c", tern.dir)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.wait_for_banner(tern, MYHOSTNAME)

    def test_tern_reload_without_daemon_fails(self):
        tern = self.new_tern()
        r = tern.tool("tern", "reload", "-c", tern.dir)
        self.assertNotEqual(r.returncode, 0, r.stderr)
        self.assertNotEqual(r.stderr.strip(), "")

    def test_broken_main_cf_on_reload_keeps_running_config(self):
        tern = self.start_tern()
        broken = tern.main_cf_text().replace(
            "myhostname = %s\n" % MYHOSTNAME,
            "myhostname = %s\nthis line is broken\n" % NEW_HOSTNAME)
        lineno = broken.split("\n").index("this line is broken") + 1
        tern.write_file("main.cf", broken)
        mark = tern.log_mark()
        tern.reload()
        main_cf = re.escape(tern.path("main.cf"))
        tern.wait_for_log(r"reload: %s:%d: .*keeping the running configuration$"
                          % (main_cf, lineno), since=mark)
        self.assertTrue(tern.running(), tern.evidence())
        # The old configuration still answers, several connections in a row.
        for _ in range(5):
            self.assertEqual(self.banner(tern), ["220 %s ESMTP Tern" % MYHOSTNAME])
        # And still delivers (with the old hostname in Received).
        token = uuid.uuid4().hex
        s = tern.smtp()
        try:
            s.sendmail("sender@example.org", ["alice@example.test"],
                       make_message(token).replace("\n", "\r\n").encode())
            s.quit()
        finally:
            s.close()
        msgs = tern.wait_for_maildir("alice", 1)
        self.assertIn(("\tby %s (Tern) with ESMTP id " % MYHOSTNAME).encode(), msgs[0])
        self.assertIn(token.encode(), msgs[0])
        # Fixed, the next reload applies it.
        tern.write_file("main.cf", broken.replace("this line is broken\n", ""))
        tern.reload()
        self.wait_for_banner(tern, NEW_HOSTNAME)

    def test_session_open_across_reload_completes(self):
        """A session that began before the reload finishes normally."""
        tern = self.start_tern()
        c = SmtpSocket(tern.port)
        try:
            self.assertEqual(c.reply(), ["220 %s ESMTP Tern" % MYHOSTNAME])
            self.assertEqual(c.command("EHLO early.client.test")[0],
                             "250-%s" % MYHOSTNAME)
            self.change_hostname(tern, NEW_HOSTNAME)
            mark = tern.log_mark()
            tern.reload()
            tern.wait_for_log(r"^reload -- version ", since=mark)
            self.wait_for_banner(tern, NEW_HOSTNAME)
            token = uuid.uuid4().hex
            self.assertEqual(c.command("MAIL FROM:<early@example.org>"), ["250 2.1.0 Ok"])
            self.assertEqual(c.command("RCPT TO:<alice@example.test>"), ["250 2.1.5 Ok"])
            self.assertEqual(c.command("DATA"), ["354 End data with <CR><LF>.<CR><LF>"])
            c.send(make_message(token).replace("\n", "\r\n").encode() + b".\r\n")
            self.assertRegex(c.reply()[0], harness.QUEUED_RE)
            self.assertEqual(c.command("QUIT"), ["221 2.0.0 Bye"])
        finally:
            c.close()
        msgs = tern.wait_for_maildir("alice", 1)
        self.assertIn(token.encode(), msgs[0])


if __name__ == "__main__":
    unittest.main()
