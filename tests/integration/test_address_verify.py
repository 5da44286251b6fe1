"""Address verification (reject_unverified_recipient's service) with real probes.

Tern A relays b.test to Tern B on loopback (transport_maps smtp:[127.0.0.1]:PORT). B
knows only joe@b.test (a virtual mailbox table) and rejects other recipients at RCPT
(smtpd_reject_unlisted_recipient). `tern verify` and `sendmail -bv` on A ask A's
verification service, which sends probes through A's queue and real smtp client: the
client stops after RCPT TO, so B accepts no mail. joe@ becomes deliverable, nobody@
undeliverable with B's 550; the results are in the LMDB cache that `postmap -q` reads,
a second query is answered from it without a probe, and no bounce is queued.
Probes to local and virtual recipients of A itself stop at the mailbox: nothing is
written.
"""

import os
import re
import unittest

import harness
from harness import TernTestCase

harness.PORT_RANGE = (25500, 25599)  # this test's ports


class AddressVerifyTest(TernTestCase):
    def far_end(self):
        """Tern B: b.test's mailboxes, joe@ only."""
        b = self.new_tern(main_cf={
            "myhostname": "mx.b.test",
            "virtual_mailbox_domains": "b.test",
            "virtual_mailbox_maps": "inline:{ joe@b.test=joe/ }",
            "virtual_uid_maps": "static:65534", "virtual_gid_maps": "static:65534",
            "virtual_minimum_uid": "1", "virtual_transport": "virtual",
            "smtpd_reject_unlisted_recipient": "yes"})
        b.set_param("virtual_mailbox_base", b.path("vmail"))
        b.write_config()
        os.mkdir(b.path("vmail"))
        os.chmod(b.path("vmail"), 0o777)
        b.start()
        b.wait_for_log(r"^disconnect from ")
        b.mark = b.log_mark()
        return b

    def relay(self, b, **extra):
        """Tern A: relays b.test to B, keeps its verify cache in data/."""
        a = self.new_tern(main_cf=dict({
            "transport_maps": "inline:{ b.test=smtp:[127.0.0.1]:%d }" % b.port,
            "smtp_connection_cache_on_demand": "no",
            "virtual_mailbox_domains": "v.a.test",
            "virtual_mailbox_maps": "inline:{ amy@v.a.test=amy/ }",
            "virtual_uid_maps": "static:65534", "virtual_gid_maps": "static:65534",
            "virtual_minimum_uid": "1", "virtual_transport": "virtual"}, **extra))
        a.set_param("data_directory", a.path("data"))
        a.set_param("address_verify_map", "btree:$data_directory/verify_cache")  # the harness keeps it in memory
        a.set_param("virtual_mailbox_base", a.path("vmail"))
        a.write_config()
        for d in ("data", "vmail"):
            os.mkdir(a.path(d))
            os.chmod(a.path(d), 0o777)  # the queue role runs as mail_owner (nobody)
        a.start()
        a.wait_for_log(r"^disconnect from ")
        # The queue role (the verification service) may still be starting after smtpd answers.
        self.assertTrue(harness.wait_until(lambda: os.path.exists(a.path("spool", "public", "control")), 10))
        a.mark = a.log_mark()
        return a

    def probe_line(self, tern, rcpt, status):
        return tern.wait_for_log(
            r"^(?P<qid>%s): to=<%s>, relay=(?P<relay>[^,]+), delay=[\d.]+, delays=[\d./]+, "
            r"dsn=(?P<dsn>\d\.\d+\.\d+), status=%s \((?P<text>.*)\)$"
            % (harness.QUEUE_ID, re.escape(rcpt), status), since=tern.mark, timeout=20)

    def verify(self, a, *addresses, tool="tern"):
        args = ["verify", "-c", a.dir, "-w", "20"] if tool == "tern" else ["-bv", "-C", a.dir]
        return a.tool(tool if tool == "tern" else "sendmail", *(args + list(addresses)), timeout=60)

    def test_probes_through_the_smtp_client(self):
        b = self.far_end()
        a = self.relay(b)
        r = self.verify(a, "joe@b.test", "nobody@b.test")
        self.assertEqual(r.returncode, 1, r.stderr + r.stdout)  # one is undeliverable
        lines = r.stdout.splitlines()
        self.assertEqual(len(lines), 2, r.stdout)
        self.assertRegex(lines[0], r"^joe@b\.test: deliverable: 250 2\.1\.5 ")
        self.assertRegex(lines[1], r"^nobody@b\.test: undeliverable: host 127\.0\.0\.1\[127\.0\.0\.1\] said: "
                                   r"550 5\.1\.1 <nobody@b\.test>: Recipient address rejected: ")
        ok = self.probe_line(a, "joe@b.test", "deliverable")
        self.assertEqual(ok.group("relay"), "127.0.0.1[127.0.0.1]:%d" % b.port)
        bad = self.probe_line(a, "nobody@b.test", "undeliverable")
        self.assertEqual(bad.group("dsn"), "5.1.1")
        # Each probe is removed after its attempt, and nothing is bounced to its sender.
        for qid in (ok.group("qid"), bad.group("qid")):
            a.wait_for_log(r"^%s: removed$" % qid, since=a.mark)
        self.assertNotIn("non-delivery notification", a.log_text(a.mark))
        for q in ("deferred", "active", "incoming"):
            self.assertEqual(a.queue_files(q), [], q)
        # B saw RCPT TO and no DATA: nothing queued there, nothing delivered.
        b_log = b.log_text(b.mark)
        self.assertIn("NOQUEUE: reject: RCPT from", b_log)
        self.assertNotRegex(b_log, r"%s: message-id=" % harness.QUEUE_ID)
        self.assertFalse(os.path.exists(b.path("vmail", "joe", "new")) and os.listdir(b.path("vmail", "joe", "new")))
        # The probe's MAIL FROM: address_verify_sender's default, double-bounce@$myorigin.
        self.assertRegex(b_log, r"from=<double-bounce@example\.test>")

        # The cache is the LMDB file postmap -q reads.
        cache = "btree:" + a.path("data", "verify_cache")
        q = a.tool("postmap", "-c", a.dir, "-q", "joe@b.test", cache)
        self.assertEqual(q.returncode, 0, q.stderr)
        self.assertRegex(q.stdout, r"^1 ok \d+ \d+ 250 2\.1\.5 ")
        q = a.tool("postmap", "-c", a.dir, "-q", "NOBODY@b.test", cache)
        self.assertRegex(q.stdout, r"^1 undeliverable \d+ \d+ host 127\.0\.0\.1")

        # Asked again: answered from the cache, no new probe.
        mark = a.log_mark()
        r = self.verify(a, "joe@b.test", tool="sendmail")
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertRegex(r.stdout, r"^joe@b\.test: deliverable: 250 2\.1\.5 ")
        self.assertNotIn("status=deliverable", a.log_text(mark))

    def test_local_and_virtual_probes_write_nothing(self):
        b = self.far_end()
        a = self.relay(b)
        r = self.verify(a, "alice@example.test", "amy@v.a.test", "ghost@example.test", "ghost@v.a.test")
        self.assertEqual(r.returncode, 1, r.stderr + r.stdout)
        self.assertEqual(r.stdout.splitlines(), [
            "alice@example.test: deliverable: delivers to maildir",
            "amy@v.a.test: deliverable: delivers to maildir",
            "ghost@example.test: undeliverable: unknown user: \"ghost\"",
            "ghost@v.a.test: undeliverable: unknown user: \"ghost@v.a.test\""])
        self.probe_line(a, "alice@example.test", "deliverable")
        self.probe_line(a, "ghost@v.a.test", "undeliverable")
        self.assertEqual(a.maildir_files("alice"), [])
        self.assertFalse(os.path.exists(a.path("vmail", "amy")))

    def test_refused_connection_is_deferred(self):
        b = self.far_end()
        a = self.relay(b)
        b.stop()
        r = self.verify(a, "joe@b.test")
        self.assertEqual(r.returncode, 1, r.stderr + r.stdout)
        self.assertRegex(r.stdout, r"^joe@b\.test: deferred: connect to 127\.0\.0\.1\[127\.0\.0\.1\]:%d: "
                                   r"Connection refused\n$" % b.port)
        m = self.probe_line(a, "joe@b.test", "undeliverable")
        self.assertTrue(m.group("dsn").startswith("4."), m.group("dsn"))
        self.assertEqual(a.queue_files("deferred"), [])

    def test_reject_unverified_recipient_at_rcpt(self):
        b = self.far_end()
        a = self.relay(b, smtpd_recipient_restrictions="reject_unverified_recipient",
                       unverified_recipient_reject_code="550", address_verify_poll_delay="1s")
        s = a.smtp()
        try:
            s.ehlo("client.test")
            self.assertEqual(s.mail("sender@example.org")[0], 250)
            # Unknown: smtpd polls while the probe runs, then answers with its result.
            code, text = s.rcpt("joe@b.test")
            self.assertEqual(code, 250, text)
            code, text = s.rcpt("nobody@b.test")
            self.assertEqual(code, 550, text)
            self.assertRegex(text.decode(), r"^5\.1\.1 <nobody@b\.test>: Recipient address rejected: undeliverable "
                                            r"address: host 127\.0\.0\.1\[127\.0\.0\.1\] said: 550 5\.1\.1 ")
            # Known now: answered from the cache, no new probe.
            mark = a.log_mark()
            self.assertEqual(s.rcpt("joe@b.test")[0], 250)
            self.assertEqual(s.rcpt("nobody@b.test")[0], 550)
            self.assertNotIn("status=", a.log_text(mark))
        finally:
            s.close()
        # joe@ was accepted first: the transaction has its queue ID (Postfix logs it there too).
        a.wait_for_log(r"^%s: reject: RCPT from unknown\[127\.0\.0\.1\]: 550 5\.1\.1 <nobody@b\.test>: " % harness.QUEUE_ID +
                       r"Recipient address rejected: undeliverable address: ", since=a.mark)

    def test_unverified_recipient_is_deferred_while_the_probe_is_out(self):
        b = self.far_end()
        b.stop()  # the probe's connection is refused: the result is a deferral
        a = self.relay(b, smtpd_recipient_restrictions="reject_unverified_recipient",
                       address_verify_poll_count="1", unverified_recipient_tempfail_action="defer")
        s = a.smtp()
        try:
            s.ehlo("client.test")
            s.mail("sender@example.org")
            code, text = s.rcpt("joe@b.test")
            self.assertEqual(code, 450, text)
            self.assertEqual(text.decode(), "4.1.1 <joe@b.test>: Recipient address rejected: unverified address: "
                                            "Address verification in progress")
            self.assertTrue(harness.wait_until(lambda: "status=undeliverable" in a.log_text(a.mark), 10))
            code, text = s.rcpt("joe@b.test")
            self.assertEqual(code, 450, text)
            self.assertRegex(text.decode(), r"^4\.1\.1 <joe@b\.test>: Recipient address rejected: unverified "
                                            r"address: connect to 127\.0\.0\.1\[127\.0\.0\.1\]:\d+: Connection refused$")
        finally:
            s.close()

    def test_without_a_daemon(self):
        a = self.new_tern()
        r = a.tool("tern", "verify", "-c", a.dir, "joe@b.test")
        self.assertEqual(r.returncode, 75)
        self.assertIn("tern verify: fatal: joe@b.test: the Tern mail system is not running", r.stderr)


if __name__ == "__main__":
    unittest.main()
