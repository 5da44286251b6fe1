"""An after-queue content filter, amavis style (issue 11), through a running ternd:

  main.cf    content_filter = smtp-amavis:[127.0.0.1]:FILTER
  master.cf  smtp-amavis unix ... smtp -o smtp_send_xforward_command=yes ...
             127.0.0.1:REINJECT inet ... smtpd -o content_filter= -o receive_override_options=...
                 -o smtpd_authorized_xforward_hosts=127.0.0.0/8 ...

The filter is a small SMTP server written here (aiosmtpd under /usr/bin/python3) that
offers XFORWARD, adds "X-Filtered: yes" and re-injects each message into the REINJECT
service with the XFORWARD attributes ternd gave it, answering 250 only once the
re-injection was accepted, as amavisd-new does. What the tests show:

  - every message goes to the filter once, all its recipients in one transaction, and
    reaches the mailboxes once with the header once (no loop);
  - ternd's smtp client sends XFORWARD with the original client, and the re-injecting
    smtpd logs it (client=…, orig_queue_id=…, orig_client=…);
  - with the filter down the message waits in the deferred queue (postqueue -j), is not
    delivered unfiltered, and after the filter is back and postqueue -f it arrives once;
  - XFORWARD is offered to and accepted from smtpd_authorized_xforward_hosts only, and a
    malformed or misplaced one is refused;
  - receive_override_options: no_unknown_recipient_checks on the re-injection port, an
    unknown option is a configuration error; a header_checks FILTER action overrides
    content_filter.
"""

import asyncio
import json
import os
import re
import smtplib
import subprocess
import threading
import time
import unittest

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP

import harness

harness.PORT_RANGE = (25900, 25999)  # this test's ports

XFORWARD_ATTRS = "NAME ADDR PORT PROTO HELO IDENT SOURCE"

# The admins' re-injection service (FILTER_README), as they have it.
REINJECT_SERVICE = (
    "127.0.0.1:%d inet n - n - - smtpd\n"
    " -o content_filter=\n"
    " -o local_recipient_maps=\n"
    " -o relay_recipient_maps=\n"
    " -o smtpd_restriction_classes=\n"
    " -o smtpd_delay_reject=no\n"
    " -o smtpd_client_restrictions=permit_mynetworks,reject\n"
    " -o smtpd_helo_restrictions=\n"
    " -o smtpd_sender_restrictions=\n"
    " -o smtpd_recipient_restrictions=permit_mynetworks,reject\n"
    " -o smtpd_data_restrictions=reject_unauth_pipelining\n"
    " -o smtpd_end_of_data_restrictions=\n"
    " -o mynetworks=127.0.0.0/8\n"
    " -o smtpd_error_sleep_time=0\n"
    " -o smtpd_soft_error_limit=1001\n"
    " -o smtpd_hard_error_limit=1000\n"
    " -o smtpd_client_connection_count_limit=0\n"
    " -o smtpd_client_connection_rate_limit=0\n"
    " -o receive_override_options=no_header_body_checks,no_unknown_recipient_checks,no_milters\n"
    " -o smtpd_authorized_xforward_hosts=127.0.0.0/8\n")

FILTER_TRANSPORT = (
    "smtp-amavis unix - - n - 2 smtp\n"
    " -o smtp_data_done_timeout=1200\n"
    " -o smtp_send_xforward_command=yes\n"
    " -o disable_dns_lookups=yes\n"
    " -o max_use=20\n")


class FilterSMTP(SMTP):
    """aiosmtpd's server plus the XFORWARD command (kept per transaction, as sent)."""

    async def smtp_XFORWARD(self, arg):
        if not self.session.host_name:
            await self.push("503 5.5.1 Error: send HELO/EHLO first")
            return
        self.session.xforward = getattr(self.session, "xforward", []) + [arg]
        await self.push("250 2.0.0 Ok")


class TestFilter:
    """The content filter: receives, adds X-Filtered: yes, re-injects with XFORWARD."""

    def __init__(self, port, reinject_port):
        self.port = port
        self.reinject_port = reinject_port
        self.transactions = []  # dicts: mail_from, rcpt_tos, xforward, reinjected
        self.lock = threading.Lock()
        self.controller = None

    # aiosmtpd handler hooks
    async def handle_EHLO(self, server, session, envelope, hostname, responses):
        session.host_name = hostname
        return responses[:-1] + ["250-XFORWARD " + XFORWARD_ATTRS] + responses[-1:]

    async def handle_DATA(self, server, session, envelope):
        xforward = getattr(session, "xforward", [])
        session.xforward = []  # XFORWARD holds for one transaction
        content = b"X-Filtered: yes\r\n" + envelope.original_content
        loop = asyncio.get_running_loop()
        try:
            reply = await loop.run_in_executor(
                None, self.reinject, envelope.mail_from, list(envelope.rcpt_tos), xforward, content)
        except (OSError, smtplib.SMTPException) as e:
            return "451 4.3.0 re-injection failed: %s" % e
        with self.lock:
            self.transactions.append({"mail_from": envelope.mail_from, "rcpt_tos": list(envelope.rcpt_tos),
                                      "xforward": xforward, "reinjected": reply})
        return "250 2.0.0 Ok, id=test from MTA: %s" % reply

    def reinject(self, sender, rcpts, xforward, content):
        with smtplib.SMTP("127.0.0.1", self.reinject_port, local_hostname="filter.test", timeout=30) as s:
            s.ehlo()
            if not s.has_extn("xforward"):
                raise smtplib.SMTPException("the re-injection service does not offer XFORWARD")
            for arg in xforward:
                code, text = s.docmd("XFORWARD", arg)
                if code != 250:
                    raise smtplib.SMTPException("XFORWARD %s: %d %s" % (arg, code, text))
            code, text = s.mail(sender)
            if code != 250:
                raise smtplib.SMTPException("MAIL: %d %s" % (code, text))
            for r in rcpts:
                code, text = s.rcpt(r)
                if code != 250:
                    raise smtplib.SMTPException("RCPT %s: %d %s" % (r, code, text))
            code, text = s.data(content)
            if code != 250:
                raise smtplib.SMTPException("DATA: %d %s" % (code, text))
            return text.decode()

    def start(self):
        handler = self

        class FilterController(Controller):
            def factory(self):
                return FilterSMTP(handler, decode_data=False, hostname="filter.test")

        self.controller = FilterController(self, hostname="127.0.0.1", port=self.port)
        self.controller.start()

    def stop(self):
        if self.controller is not None:
            self.controller.stop()
            self.controller = None


class ContentFilterTest(harness.TernTestCase):

    @classmethod
    def setUpClass(cls):
        cls.filter_port = harness.free_port()
        cls.reinject_port = harness.free_port()
        while cls.reinject_port == cls.filter_port:
            cls.reinject_port = harness.free_port()
        tern = harness.Tern()
        cls.tern = tern
        tern.write_file("header_checks", "/^Subject: .*filter-me/ FILTER discard:by header_checks\n")
        tern.set_param("content_filter", "smtp-amavis:[127.0.0.1]:%d" % cls.filter_port)
        tern.set_param("header_checks", "regexp:${config_directory}/header_checks")
        tern.set_param("smtp_connect_timeout", "5s")
        tern.master_cf = (
            "127.0.0.1:PORT inet n - n - - smtpd\n"
            + FILTER_TRANSPORT + REINJECT_SERVICE % cls.reinject_port
            + "pickup unix n - n 60 1 pickup\n"
              "cleanup unix n - n - 0 cleanup\n"
              "qmgr unix n - n 300 1 qmgr\n") + harness.DELIVERY_SERVICES
        tern.write_config()
        cls.filter = TestFilter(cls.filter_port, cls.reinject_port)
        cls.filter.start()
        try:
            tern.start()
            tern.wait_for_log(r"^disconnect from ")
        except Exception:
            cls.filter.stop()
            tern.cleanup()
            raise

    @classmethod
    def tearDownClass(cls):
        cls.tern.cleanup()
        cls.filter.stop()

    def setUp(self):
        self.mark = self.tern.log_mark()
        if self.filter.controller is None:
            self.filter.start()

    def send(self, subject, rcpts=("alice@example.test",), source="127.0.0.2"):
        """Sends from `source` (outside mynetworks) to the main port; returns the queue ID."""
        msg = ("From: <sender@example.org>\r\nTo: <alice@example.test>\r\nSubject: %s\r\n\r\nHello.\r\n"
               % subject)
        with self.tern.smtp(source=source) as s:
            s.ehlo("client.test")
            s.mail("sender@example.org")
            for r in rcpts:
                code, text = s.rcpt(r)
                self.assertEqual(code, 250, text)
            code, text = s.data(msg.encode())
        self.assertEqual(code, 250, text)
        m = re.search(r"queued as (%s)" % harness.QUEUE_ID, text.decode())
        self.assertIsNotNone(m, text)
        return m.group(1)

    def messages(self, user, subject):
        return [m for m in self.tern.maildir_messages(user) if ("Subject: " + subject).encode() in m]

    def delivered(self, user, subject, timeout=20):
        ok = harness.wait_until(lambda: self.messages(user, subject), timeout)
        self.assertTrue(ok, "%s got no %r\n%s" % (user, subject, self.tern.evidence()))
        return self.messages(user, subject)

    def transactions_for(self, qid):
        with self.filter.lock:
            return [t for t in self.filter.transactions if any("IDENT=" + qid in x for x in t["xforward"])]

    def test_filtered_once_with_every_recipient_in_one_transaction(self):
        qid = self.send("two recipients", rcpts=("alice@example.test", "bob@example.test"))
        # The first copy goes to the filter: one delivery, both recipients, then removed.
        self.tern.wait_for_log(r"^%s: to=<alice@example\.test>, relay=127\.0\.0\.1\[127\.0\.0\.1\]:%d, .*"
                               r"status=sent \(250 2\.0\.0 Ok, id=test from MTA" % (qid, self.filter_port),
                               since=self.mark, timeout=20)
        self.tern.wait_for_log(r"^%s: removed$" % qid, since=self.mark, timeout=20)
        for user in ("alice", "bob"):
            got = self.delivered(user, "two recipients")
            self.assertEqual(len(got), 1, got)
            self.assertEqual(got[0].count(b"X-Filtered: yes"), 1, got[0])
        txs = self.transactions_for(qid)
        self.assertEqual(len(txs), 1, self.filter.transactions)
        self.assertEqual(sorted(txs[0]["rcpt_tos"]), ["alice@example.test", "bob@example.test"])
        # The re-injected copy was not sent to the filter again (content_filter= there).
        reinjected = re.search(r"queued as (\S+)", txs[0]["reinjected"]).group(1)
        self.assertEqual(self.transactions_for(reinjected), [])
        self.tern.wait_for_log(r"^%s: to=<alice@example\.test>, relay=local, .*status=sent" % reinjected,
                               since=self.mark)

    def test_xforward_carries_the_original_client(self):
        qid = self.send("xforward")
        self.delivered("alice", "xforward")
        txs = self.transactions_for(qid)
        self.assertEqual(len(txs), 1, self.filter.transactions)
        sent = " ".join(txs[0]["xforward"])
        for attr in ("NAME=unknown", "ADDR=127.0.0.2", "PROTO=ESMTP", "HELO=client.test", "IDENT=" + qid,
                     "SOURCE=REMOTE"):
            self.assertIn(attr, sent)
        self.assertRegex(sent, r"PORT=\d+")
        reinjected = re.search(r"queued as (\S+)", txs[0]["reinjected"]).group(1)
        # Postfix's line: the real client (the filter), the original queue ID and client.
        self.tern.wait_for_log(r"^%s: client=unknown\[127\.0\.0\.1\], orig_queue_id=%s, "
                               r"orig_client=unknown\[127\.0\.0\.2\]$" % (reinjected, qid), since=self.mark)
        # The queue file of the re-injected copy keeps the original client (seen by a later
        # delivery's XFORWARD); Received: names the filter, as Postfix's does.
        msg = self.messages("alice", "xforward")[0].decode()
        self.assertRegex(msg, r"Received: from filter\.test \(unknown \[127\.0\.0\.1\]\)")
        self.assertRegex(msg, r"Received: from client\.test \(unknown \[127\.0\.0\.2\]\)")
        self.tern.wait_for_log(r"^disconnect from unknown\[127\.0\.0\.1\] ehlo=1 xforward=2 mail=1 rcpt=1 "
                               r"data=1 quit=1 commands=7$", since=self.mark)

    def test_filter_down_mail_waits_then_flush_delivers_once(self):
        self.filter.stop()
        # Whatever happens here, the next test finds the filter up and the destination
        # no longer resting after the failure (postqueue -f revives it).
        self.addCleanup(lambda: self.tern.tool("postqueue", "-c", self.tern.dir, "-f"))
        self.addCleanup(lambda: self.filter.controller or self.filter.start())
        qid = self.send("while the filter is down")
        self.tern.wait_for_log(r"^%s: to=<alice@example\.test>, relay=none, .*status=deferred \(connect to "
                               r"127\.0\.0\.1\[127\.0\.0\.1\]:%d: Connection refused\)" % (qid, self.filter_port),
                               since=self.mark, timeout=20)
        # The delivery is logged before the queue manager moves the file from active/ to
        # deferred/ (as with Postfix's qmgr): wait for the move.
        deadline = time.monotonic() + 20
        while True:
            r = self.tern.tool("postqueue", "-c", self.tern.dir, "-j")
            self.assertEqual(r.returncode, 0, r.stderr)
            mine = [e for e in map(json.loads, r.stdout.splitlines()) if e["queue_id"] == qid]
            self.assertEqual(len(mine), 1, r.stdout)
            if mine[0]["queue_name"] != "active" or time.monotonic() > deadline:
                break
            time.sleep(0.1)
        self.assertEqual(mine[0]["queue_name"], "deferred")
        self.assertEqual([x["address"] for x in mine[0]["recipients"]], ["alice@example.test"])
        self.assertIn("Connection refused", mine[0]["recipients"][0]["delay_reason"])
        self.assertEqual(self.messages("alice", "while the filter is down"), [])  # never unfiltered
        self.filter.start()
        r = self.tern.tool("postqueue", "-c", self.tern.dir, "-f")
        self.assertEqual(r.returncode, 0, r.stderr)
        got = self.delivered("alice", "while the filter is down")
        self.tern.wait_for_log(r"^%s: removed$" % qid, since=self.mark, timeout=20)
        self.assertEqual(len(got), 1)
        self.assertEqual(got[0].count(b"X-Filtered: yes"), 1)
        self.assertEqual(len(self.transactions_for(qid)), 1)
        self.assertNotIn(qid, self.tern.queue_files("deferred"))

    def test_local_submission_goes_through_the_filter_as_local_mail(self):
        env = dict(os.environ, MAIL_CONFIG=self.tern.dir)
        msg = "From: <bob@example.test>\nTo: <alice@example.test>\nSubject: from sendmail\n\nHello.\n"
        r = subprocess.run([os.path.join(harness.COMPAT, "sendmail"), "-f", "bob@example.test", "alice@example.test"],
                           input=msg, text=True, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=30)
        self.assertEqual(r.returncode, 0, r.stderr)
        got = self.delivered("alice", "from sendmail")
        self.assertEqual(len(got), 1)
        self.assertEqual(got[0].count(b"X-Filtered: yes"), 1)
        qid = self.tern.wait_for_log(r"^(\S+): uid=\d+ from=<bob@example\.test>$", since=self.mark).group(1)
        txs = self.transactions_for(qid)
        self.assertEqual(len(txs), 1, self.filter.transactions)
        sent = " ".join(txs[0]["xforward"])
        # No client to speak of: the re-injecting smtpd takes it as a local submission.
        for attr in ("NAME=[UNAVAILABLE]", "ADDR=[UNAVAILABLE]", "PROTO=LOCAL", "SOURCE=LOCAL", "IDENT=" + qid):
            self.assertIn(attr, sent)
        reinjected = re.search(r"queued as (\S+)", txs[0]["reinjected"]).group(1)
        self.tern.wait_for_log(r"^%s: client=unknown\[127\.0\.0\.1\], orig_queue_id=%s$" % (reinjected, qid),
                               since=self.mark)

    def test_header_checks_filter_overrides_content_filter(self):
        qid = self.send("filter-me")
        self.tern.wait_for_log(r"^%s: to=<alice@example\.test>, relay=none, .*status=sent \(by header_checks\)"
                               % qid, since=self.mark, timeout=20)
        self.assertEqual(self.transactions_for(qid), [])

    def test_xforward_only_for_authorized_hosts(self):
        main = harness.SmtpSocket(self.tern.port, source="127.0.0.2")
        try:
            main.reply()
            ehlo = main.command("EHLO client.test")
            self.assertFalse([l for l in ehlo if "XFORWARD" in l], ehlo)
            self.assertEqual(main.command("XFORWARD ADDR=192.0.2.1")[0],
                             "550 5.7.0 Error: insufficient authorization")
            main.command("QUIT")
        finally:
            main.close()
        s = harness.SmtpSocket(self.reinject_port)
        try:
            s.reply()
            ehlo = s.command("EHLO filter.test")
            self.assertIn("XFORWARD " + XFORWARD_ATTRS, [l[4:] for l in ehlo])
            self.assertEqual(s.command("XFORWARD FOO=bar")[0], "501 5.5.4 Bad XFORWARD attribute name: FOO")
            self.assertEqual(s.command("XFORWARD ADDR=not-an-address")[0], "501 5.5.4 Bad XFORWARD ADDR syntax")
            self.assertEqual(s.command("XFORWARD")[0], "501 5.5.4 Syntax: XFORWARD attribute=value...")
            self.assertEqual(s.command("XFORWARD NAME=x.example ADDR=192.0.2.1")[0], "250 2.0.0 Ok")
            self.assertEqual(s.command("MAIL FROM:<a@example.org>")[0][:3], "250")
            self.assertEqual(s.command("XFORWARD HELO=x")[0], "503 5.5.1 Error: MAIL transaction in progress")
            # no_unknown_recipient_checks: an unknown local user is accepted here...
            self.assertEqual(s.command("RCPT TO:<nosuchuser@example.test>")[0][:3], "250")
            s.command("RSET")
            s.command("QUIT")
        finally:
            s.close()
        # ... and refused on the main port.
        with self.tern.smtp(source="127.0.0.2") as c:
            c.ehlo("client.test")
            c.mail("sender@example.org")
            code, _ = c.rcpt("nosuchuser@example.test")
            self.assertEqual(code, 550)

    def test_unknown_receive_override_option_is_a_config_error(self):
        tern = self.new_tern(main_cf={"receive_override_options": "no_header_body_checks, no_header_reply"})
        r = tern.check_config()
        self.assertNotEqual(r.returncode, 0)
        self.assertIn('receive_override_options: unknown option "no_header_reply"', r.stderr + r.stdout)

    def test_content_filter_without_a_colon_is_a_config_error(self):
        tern = self.new_tern(main_cf={"content_filter": "smtp-amavis"})
        r = tern.check_config()
        self.assertNotEqual(r.returncode, 0)
        self.assertIn('content_filter: "smtp-amavis": expected transport:destination', r.stderr + r.stdout)


if __name__ == "__main__":
    unittest.main()
