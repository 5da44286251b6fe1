"""The queue manager through a real ternd: deferral and retries, delay and expiry
notices, success notices, NOTIFY=NEVER, postmaster copies by notify_classes, XVERP,
double bounces, their log lines, and kill -9 under load.

Remote domains are not deliverable yet, so mail to remote.test is what gets deferred
(relayed for 127.0.0.1, which is in mynetworks). Timings are shortened to seconds; every
wait is bounded. DSNs are read back with Python's email package, field by field.
"""

import collections
import email
import email.policy
import email.utils
import fcntl
import os
import random
import re
import smtplib
import sys
import threading
import time
import unittest
import uuid

import harness
from harness import MYHOSTNAME, QUEUE_ID, TernTestCase

QUEUED_TEXT_RE = re.compile(r"^2\.0\.0 Ok: queued as (%s)$" % QUEUE_ID)

# Short timings for retries and expiry.
FAST = {
    "queue_run_delay": "1s",
    "minimal_backoff_time": "1s",
    "maximal_backoff_time": "2s",
}

ALIASES = ("inline:{ postmaster=alice, root=alice, ghost=nobody-here, "
           "abuse-watch=bob, list-bounces=bob }")


def dsn_date(text):
    """An RFC 5322 date with an optional trailing comment, as a UNIX time."""
    return email.utils.parsedate_to_datetime(re.sub(r"\s*\(.*\)$", "", text)).timestamp()


class QueueTest(TernTestCase):

    # ---- helpers -----------------------------------------------------------------------

    def start_queue_tern(self, **params):
        main_cf = {"alias_maps": ALIASES}
        main_cf.update(params)
        return self.start_tern(main_cf=main_cf)

    def send(self, tern, sender, rcpts, subject, body="The body.\n", mail_options=(),
             rcpt_options=()):
        """One message over smtplib; returns its queue ID. rcpt_options apply to every
        recipient (a list of lists gives each recipient its own)."""
        token = uuid.uuid4().hex
        text = ("Message-ID: <%s@client.test>\n"
                "Date: %s\n"
                "From: <%s>\n"
                "To: <%s>\n"
                "Subject: %s\n"
                "\n%s" % (token, email.utils.formatdate(), sender or "MAILER-DAEMON",
                          rcpts[0], subject, body))
        s = tern.smtp()
        try:
            code, _ = s.ehlo()
            self.assertEqual(code, 250)
            code, reply = s.mail(sender, list(mail_options))
            self.assertEqual(code, 250, reply)
            for i, r in enumerate(rcpts):
                opts = rcpt_options
                if opts and isinstance(opts[0], (list, tuple)):
                    opts = opts[i]
                code, reply = s.rcpt(r, list(opts))
                self.assertEqual(code, 250, reply)
            code, reply = s.data(text.replace("\n", "\r\n").encode())
            self.assertEqual(code, 250, reply)
            m = QUEUED_TEXT_RE.match(reply.decode())
            self.assertIsNotNone(m, reply)
            s.quit()
        finally:
            s.close()
        return m.group(1)

    def parse_dsn(self, raw, return_path="<>"):
        """A DSN from a Maildir file: (message, [3 parts], per-message fields,
        [per-recipient fields]), with the multipart/report structure checked. Notices to
        senders come from <>, postmaster copies from double-bounce."""
        msg = email.message_from_bytes(raw)
        self.assertEqual(msg.get_content_type(), "multipart/report", raw[:1500])
        self.assertEqual(msg.get_param("report-type"), "delivery-status")
        self.assertEqual(msg["Return-Path"], return_path)
        self.assertEqual(msg["From"], "MAILER-DAEMON@%s (Mail Delivery System)" % MYHOSTNAME)
        self.assertEqual(msg["Auto-Submitted"], "auto-replied")
        self.assertTrue(msg.is_multipart())
        parts = msg.get_payload()
        self.assertEqual(len(parts), 3, raw[:3000])
        self.assertEqual(parts[0].get_content_type(), "text/plain")
        self.assertEqual(parts[1].get_content_type(), "message/delivery-status")
        groups = parts[1].get_payload()
        self.assertGreaterEqual(len(groups), 2, parts[1].as_string())
        return msg, parts, groups[0], groups[1:]

    def dsns_by_subject(self, tern, user):
        out = collections.defaultdict(list)
        for raw in tern.maildir_messages(user):
            out[email.message_from_bytes(raw)["Subject"]].append(raw)
        return out

    def about(self, raw):
        """The queue ID a DSN is about (our X-Tern-Queue-ID per-message field)."""
        msg = email.message_from_bytes(raw)
        for part in msg.walk():
            if part.get_content_type() == "message/delivery-status":
                return part.get_payload()[0]["X-Tern-Queue-ID"]
        return None

    def check_per_message(self, fields, qid, sent_at, envid=None):
        self.assertEqual(fields["Reporting-MTA"], "dns; %s" % MYHOSTNAME)
        self.assertEqual(fields["X-Tern-Queue-ID"], qid)
        self.assertLess(abs(dsn_date(fields["Arrival-Date"]) - sent_at), 5,
                        fields["Arrival-Date"])
        if envid is None:
            self.assertIsNone(fields["Original-Envelope-Id"])
        else:
            self.assertEqual(fields["Original-Envelope-Id"], envid)

    # ---- (a) deferral, delay notice, expiry ---------------------------------------------

    def test_remote_mail_is_deferred_warned_and_returned_at_expiry(self):
        tern = self.start_queue_tern(maximal_queue_lifetime="3s", delay_warning_time="1s",
                                     **FAST)
        sent_at = time.time()
        hdrs_qid = self.send(
            tern, "alice@example.test", ["user@remote.test"], "headers only please",
            body="SECRET BODY LINE\n", mail_options=["RET=HDRS", "ENVID=env-314"],
            rcpt_options=["ORCPT=rfc822;orig+2Buser@remote.test"])
        full_qid = self.send(tern, "alice@example.test", ["other@remote.test"],
                             "return it all", body="FULL BODY LINE\n",
                             mail_options=["RET=FULL"])
        # Deferred at once, with the reason, and into deferred/.
        for qid in (hdrs_qid, full_qid):
            tern.wait_for_log(r"^%s: to=<[a-z]+@remote\.test>, relay=none, .*status=deferred "
                              r"\(%s\)$" % (qid, re.escape(harness.REMOTE_DEFERRED)),
                              timeout=5, since=tern.mark)
        self.assertTrue(harness.wait_until(lambda: len(tern.queue_files("deferred")) == 2, 3),
                        tern.queue_files("deferred"))
        # Retried: a second deferral line for each (the queue run moved it back).
        for qid in (hdrs_qid, full_qid):
            found = harness.wait_until(
                lambda: len([l for l in tern.log_lines(tern.mark)
                             if re.search(r"\w+\[\d+\]: %s: to=<.*status=deferred" % qid, l)])
                >= 2, 6)
            self.assertTrue(found, "no retry of %s\n%s" % (qid, tern.evidence()))
        # Delay notice, then the expiry bounce, for each: four DSNs to alice.
        tern.wait_for_maildir("alice", 4, timeout=20)
        for qid in (hdrs_qid, full_qid):
            tern.wait_for_log(r"^%s: from=<alice@example\.test>, status=expired, returned to "
                              r"sender$" % qid, timeout=1, since=tern.mark)
            tern.wait_for_log(r"^%s: sender delay notification: %s$" % (qid, QUEUE_ID),
                              timeout=1, since=tern.mark)
            tern.wait_for_log(r"^%s: removed$" % qid, timeout=3, since=tern.mark)
        by_subject = self.dsns_by_subject(tern, "alice")
        self.assertEqual(sorted(by_subject), ["Delayed Mail (still being retried)",
                                              "Undelivered Mail Returned to Sender"])
        delays = {self.about(r): r for r in by_subject["Delayed Mail (still being retried)"]}
        bounces = {self.about(r): r for r in by_subject["Undelivered Mail Returned to Sender"]}
        self.assertEqual(sorted(delays), sorted([hdrs_qid, full_qid]))
        self.assertEqual(sorted(bounces), sorted([hdrs_qid, full_qid]))

        # The delay notice (RET=HDRS, ENVID, ORCPT).
        msg, parts, per_msg, rcpts = self.parse_dsn(delays[hdrs_qid])
        self.assertEqual(msg["To"], "alice@example.test")
        self.assertEqual(msg["X-Original-To"], "alice@example.test")
        self.check_per_message(per_msg, hdrs_qid, sent_at, envid="env-314")
        self.assertEqual(len(rcpts), 1)
        r = rcpts[0]
        self.assertEqual(r["Final-Recipient"], "rfc822; user@remote.test")
        self.assertEqual(r["Original-Recipient"], "rfc822;orig+user@remote.test")
        self.assertEqual(r["Action"], "delayed")
        self.assertRegex(r["Status"], r"^4\.\d\.\d+$")
        self.assertEqual(r["Diagnostic-Code"],
                         "X-Tern; " + harness.REMOTE_DEFERRED)
        self.assertLess(abs(dsn_date(r["Last-Attempt-Date"]) - time.time()), 30)
        self.assertEqual(parts[2].get_content_type(), "text/rfc822-headers")
        self.assertIn("Subject: headers only please", parts[2].get_payload())
        self.assertNotIn(b"SECRET BODY LINE", delays[hdrs_qid])

        # The expiry bounce, RET=HDRS: headers only.
        msg, parts, per_msg, rcpts = self.parse_dsn(bounces[hdrs_qid])
        self.check_per_message(per_msg, hdrs_qid, sent_at, envid="env-314")
        self.assertEqual(len(rcpts), 1)
        r = rcpts[0]
        self.assertEqual(r["Final-Recipient"], "rfc822; user@remote.test")
        self.assertEqual(r["Original-Recipient"], "rfc822;orig+user@remote.test")
        self.assertEqual(r["Action"], "failed")
        self.assertRegex(r["Status"], r"^4\.\d\.\d+$")
        self.assertRegex(r["Diagnostic-Code"],
                         r"^X-Tern; message expired after \d+ seconds: "
                         + re.escape(harness.REMOTE_DEFERRED) + "$")
        self.assertIsNone(r["Last-Attempt-Date"])
        self.assertEqual(parts[2].get_content_type(), "text/rfc822-headers")
        returned = email.message_from_string(parts[2].get_payload())
        self.assertEqual(returned["Subject"], "headers only please")
        self.assertEqual(returned["From"], "<alice@example.test>")
        self.assertIn(hdrs_qid, returned["Received"])
        self.assertNotIn(b"SECRET BODY LINE", bounces[hdrs_qid])

        # The expiry bounce, RET=FULL, no ENVID or ORCPT: the whole message.
        msg, parts, per_msg, rcpts = self.parse_dsn(bounces[full_qid])
        self.check_per_message(per_msg, full_qid, sent_at, envid=None)
        r = rcpts[0]
        self.assertEqual(r["Final-Recipient"], "rfc822; other@remote.test")
        self.assertIsNone(r["Original-Recipient"])
        self.assertEqual(r["Action"], "failed")
        self.assertEqual(parts[2].get_content_type(), "message/rfc822")
        inner = parts[2].get_payload()[0]
        self.assertEqual(inner["Subject"], "return it all")
        self.assertEqual(inner.get_payload(), "FULL BODY LINE\n")
        self.assertIn("<other@remote.test>: ", parts[0].get_payload())

        # (g) each bounce is logged with the new message's ID, and that ID is the DSN.
        for qid, raw in bounces.items():
            m = tern.wait_for_log(r"^%s: sender non-delivery notification: (%s)$"
                                  % (qid, QUEUE_ID), timeout=1, since=tern.mark)
            new_id = m.group(1)
            self.assertIn(new_id, email.message_from_bytes(raw)["Message-Id"])
            tern.wait_for_log(r"^%s: to=<alice@example\.test>, .*status=sent " % new_id,
                              timeout=1, since=tern.mark)
        # Exactly one delay notice each: the "warned" record holds across attempts.
        warned = [l for l in tern.log_lines(tern.mark) if "sender delay notification" in l]
        self.assertEqual(len(warned), 2, "\n".join(warned))
        self.assertEqual(tern.queue_files("deferred"), [])
        self.assertEqual(tern.queue_files("active"), [])

    def test_deferred_file_mtime_is_the_next_attempt(self):
        """Postfix's backoff: a young message waits minimal_backoff_time; the deferred
        queue file's mtime is when it is tried next."""
        tern = self.start_queue_tern(minimal_backoff_time="100s", maximal_backoff_time="200s")
        before = time.time()
        qid = self.send(tern, "alice@example.test", ["user@remote.test"], "later")
        self.assertTrue(harness.wait_until(lambda: tern.queue_files("deferred") == [qid], 5),
                        tern.queue_files("deferred"))
        after = time.time()
        mtime = os.stat(tern.path("spool", "deferred", qid)).st_mtime
        self.assertGreaterEqual(mtime, int(before) + 100 - 1)
        self.assertLessEqual(mtime, after + 100 + 1)
        # Not due: queue runs leave it alone (no second attempt).
        time.sleep(2.5)
        attempts = [l for l in tern.log_lines(tern.mark)
                    if re.search(r": %s: to=<user@remote\.test>.*status=deferred" % qid, l)]
        self.assertEqual(len(attempts), 1, attempts)

    # ---- (b) success notices -------------------------------------------------------------

    def test_notify_success_gives_the_sender_a_success_dsn(self):
        tern = self.start_queue_tern()
        sent_at = time.time()
        qid = self.send(tern, "bob@example.test", ["alice@example.test"], "tell me",
                        mail_options=["ENVID=ok-1"],
                        rcpt_options=["NOTIFY=SUCCESS", "ORCPT=rfc822;alice-orig@example.test"])
        tern.wait_for_maildir("alice", 1)
        [raw] = tern.wait_for_maildir("bob", 1)
        msg, parts, per_msg, rcpts = self.parse_dsn(raw)
        self.assertEqual(msg["Subject"], "Successful Mail Delivery Report")
        self.assertEqual(msg["To"], "bob@example.test")
        self.check_per_message(per_msg, qid, sent_at, envid="ok-1")
        self.assertEqual(len(rcpts), 1)
        self.assertEqual(rcpts[0]["Final-Recipient"], "rfc822; alice@example.test")
        self.assertEqual(rcpts[0]["Original-Recipient"], "rfc822;alice-orig@example.test")
        self.assertEqual(rcpts[0]["Action"], "delivered")
        self.assertEqual(rcpts[0]["Status"], "2.0.0")
        self.assertEqual(parts[2].get_content_type(), "text/rfc822-headers")
        tern.wait_for_log(r"^%s: sender delivery status notification: %s$" % (qid, QUEUE_ID),
                          timeout=2, since=tern.mark)

    def test_orcpt_does_not_become_x_original_to(self):
        """ORCPT is for DSNs only; X-Original-To is the address given at RCPT TO, as
        Postfix writes it, and never carries the ORCPT's "rfc822;" type prefix."""
        tern = self.start_queue_tern()
        self.send(tern, "bob@example.test", ["alice@example.test"], "orcpt",
                  rcpt_options=["ORCPT=rfc822;alice-orig@example.test"])
        [delivered] = tern.wait_for_maildir("alice", 1)
        self.assertTrue(delivered.startswith(b"Return-Path: <bob@example.test>\n"
                                             b"X-Original-To: alice@example.test\n"
                                             b"Delivered-To: alice@example.test\n"),
                        delivered[:300])

    # ---- (c) NOTIFY=NEVER ------------------------------------------------------------------

    def test_notify_never_gives_no_bounce(self):
        tern = self.start_queue_tern()
        never = self.send(tern, "bob@example.test", ["ghost@example.test"], "never tell",
                          rcpt_options=["NOTIFY=NEVER"])
        tern.wait_for_log(r"^%s: to=<nobody-here@example\.test>, orig_to=<ghost@example\.test>, "
                          r".*status=bounced " % never,
                          timeout=5, since=tern.mark)
        # A control message after it, asking for failures: its bounce arrives, and it is
        # the only one.
        control = self.send(tern, "bob@example.test", ["ghost@example.test"], "do tell",
                            rcpt_options=["NOTIFY=FAILURE"])
        msgs = tern.wait_for_maildir("bob", 1)
        tern.wait_for_log(r"^%s: removed$" % never, timeout=3, since=tern.mark)
        time.sleep(0.5)
        msgs = tern.maildir_messages("bob")
        self.assertEqual(len(msgs), 1)
        self.assertEqual(self.about(msgs[0]), control)
        log = tern.log_text(tern.mark)
        self.assertNotIn("%s: sender non-delivery notification" % never, log)
        self.assertIn("%s: sender non-delivery notification" % control, log)

    # ---- (d) notify_classes = bounce -------------------------------------------------------

    def test_bounce_notice_recipient_gets_a_copy_of_every_bounce(self):
        tern = self.start_queue_tern(
            notify_classes="bounce, 2bounce, delay",
            bounce_notice_recipient="abuse-watch@example.test",
            maximal_queue_lifetime="2s", **FAST)
        local = self.send(tern, "alice@example.test", ["ghost@example.test"], "bounce one",
                          body="BODY ONE\n")
        remote = self.send(tern, "alice@example.test", ["far@remote.test"], "bounce two",
                           body="BODY TWO\n")
        sender_dsns = tern.wait_for_maildir("alice", 2, timeout=15)
        copies = tern.wait_for_maildir("bob", 2, timeout=5)
        time.sleep(0.5)
        self.assertEqual(len(tern.maildir_messages("alice")), 2)
        copies = tern.maildir_messages("bob")
        self.assertEqual(len(copies), 2)
        self.assertEqual(sorted(self.about(c) for c in copies), sorted([local, remote]))
        for raw in copies:
            msg, parts, per_msg, rcpts = self.parse_dsn(raw, "<double-bounce@example.test>")
            qid = self.about(raw)
            self.assertEqual(msg["Subject"], "Undelivered Mail Returned to Sender")
            self.assertEqual(msg["To"], "abuse-watch@example.test")
            self.assertEqual(msg["X-Original-To"], "abuse-watch@example.test")
            self.assertEqual(msg["Delivered-To"], "bob@example.test")
            self.assertEqual(rcpts[0]["Action"], "failed")
            self.assertEqual(rcpts[0]["Final-Recipient"],
                             "rfc822; ghost@example.test" if qid == local
                             else "rfc822; far@remote.test")
            # Postmaster copies carry headers only, and come from the double-bounce sender.
            self.assertEqual(parts[2].get_content_type(), "text/rfc822-headers")
            self.assertNotIn(b"BODY ONE", raw)
            self.assertNotIn(b"BODY TWO", raw)
            tern.wait_for_log(r"^%s: postmaster non-delivery notification: %s$"
                              % (qid, QUEUE_ID), timeout=1, since=tern.mark)
        # The copies' envelope sender is double-bounce (Return-Path of the delivery).
        for raw in copies:
            self.assertTrue(raw.startswith(b"Return-Path: <double-bounce@example.test>\n"),
                            raw[:200])
        # The sender's own bounces have the full message.
        bodies = b"".join(sender_dsns)
        self.assertIn(b"BODY ONE", bodies)
        self.assertIn(b"BODY TWO", bodies)

    def test_delayed_postmaster_copy_makes_no_copy_about_itself(self):
        """A postmaster copy (from double-bounce) to an address that is itself delayed
        gets no delay notice and no postmaster delay copy: mail about postmaster notices
        is discarded, so notices cannot chain."""
        tern = self.start_queue_tern(
            notify_classes="bounce, delay", bounce_notice_recipient="watcher@remote.test",
            delay_notice_recipient="watcher@remote.test", delay_warning_time="1s", **FAST)
        qid = self.send(tern, "alice@example.test", ["ghost@example.test"], "chain")
        m = tern.wait_for_log(r"^%s: postmaster non-delivery notification: (%s)$"
                              % (qid, QUEUE_ID), timeout=5, since=tern.mark)
        copy = m.group(1)
        tern.wait_for_log(r"^%s: from=<double-bounce@example\.test>, " % copy, timeout=3,
                          since=tern.mark)
        # The copy is deferred and retried past delay_warning_time.
        self.assertTrue(harness.wait_until(
            lambda: len([l for l in tern.log_lines(tern.mark)
                         if re.search(r": %s: to=<watcher@remote\.test>.*status=deferred"
                                      % copy, l)]) >= 3, 10),
            "the copy was not retried\n%s" % tern.evidence())
        log = tern.log_text(tern.mark)
        self.assertNotIn("%s: postmaster delay notification" % copy, log)
        self.assertNotIn("%s: sender delay notification" % copy, log)
        self.assertEqual(len(re.findall(r"postmaster delay notification", log)), 0, log)

    # ---- (e) XVERP ---------------------------------------------------------------------------

    def test_xverp_bounce_goes_to_the_recipients_own_return_address(self):
        tern = self.start_queue_tern(maximal_queue_lifetime="2s", **FAST)
        c = harness.SmtpSocket(tern.port)
        try:
            c.reply()
            ehlo = c.command("EHLO client.test")
            self.assertIn("XVERP", [l[4:] for l in ehlo])
            self.assertEqual(c.command("MAIL FROM:<list-bounces@example.test> XVERP"),
                             ["250 2.1.0 Ok"])
            self.assertEqual(c.command("RCPT TO:<user@remote.test>"), ["250 2.1.5 Ok"])
            self.assertEqual(c.command("RCPT TO:<other@remote.test>"), ["250 2.1.5 Ok"])
            self.assertEqual(c.command("DATA"), ["354 End data with <CR><LF>.<CR><LF>"])
            c.send(b"Subject: list post\r\nFrom: <list@example.test>\r\n\r\nhello list\r\n.\r\n")
            reply = c.reply()
            self.assertRegex(reply[0], harness.QUEUED_RE)
            qid = harness.QUEUED_RE.match(reply[0]).group(1)
            self.assertEqual(c.command("QUIT"), ["221 2.0.0 Bye"])
        finally:
            c.close()
        tern.wait_for_log(r"^%s: from=<list-bounces@example\.test>, status=expired, returned "
                          r"to sender$" % qid, timeout=15, since=tern.mark)
        msgs = tern.wait_for_maildir("bob", 2, timeout=5)
        by_to = {}
        for raw in msgs:
            msg, parts, per_msg, rcpts = self.parse_dsn(raw)
            self.assertEqual(per_msg["X-Tern-Queue-ID"], qid)
            self.assertEqual(len(rcpts), 1)
            by_to[msg["X-Original-To"]] = (msg, rcpts[0])
        self.assertEqual(sorted(by_to), ["list-bounces+other=remote.test@example.test",
                                         "list-bounces+user=remote.test@example.test"])
        msg, r = by_to["list-bounces+user=remote.test@example.test"]
        self.assertEqual(msg["Delivered-To"], "bob@example.test")
        self.assertEqual(msg["To"], "list-bounces+user=remote.test@example.test")
        self.assertEqual(r["Final-Recipient"], "rfc822; user@remote.test")
        self.assertEqual(r["Action"], "failed")
        msg, r = by_to["list-bounces+other=remote.test@example.test"]
        self.assertEqual(r["Final-Recipient"], "rfc822; other@remote.test")
        tern.wait_for_log(r"^%s: to=<bob@example\.test>, "
                          r"orig_to=<list-bounces\+user=remote\.test@example\.test>, .*status=sent"
                          % QUEUE_ID, timeout=2, since=tern.mark)

    def test_xverp_with_explicit_delimiters_and_bad_ones(self):
        tern = self.start_queue_tern()
        c = harness.SmtpSocket(tern.port)
        try:
            c.reply()
            c.command("EHLO client.test")
            bad = c.command("MAIL FROM:<list-bounces@example.test> XVERP=+/")
            self.assertEqual(len(bad), 1)
            self.assertTrue(bad[0].startswith("501 5.5.4 Bad XVERP parameter"), bad)
            bad = c.command("MAIL FROM:<list-bounces@example.test> XVERP=+")
            self.assertTrue(bad[0].startswith("501 5.5.4 Bad XVERP parameter"), bad)
            self.assertEqual(c.command("MAIL FROM:<list-bounces@example.test> XVERP=-="),
                             ["250 2.1.0 Ok"])
            self.assertEqual(c.command("RCPT TO:<alice@example.test>"), ["250 2.1.5 Ok"])
            self.assertEqual(c.command("DATA"), ["354 End data with <CR><LF>.<CR><LF>"])
            c.send(b"Subject: verp delivery\r\n\r\nhi\r\n.\r\n")
            self.assertRegex(c.reply()[0], harness.QUEUED_RE)
            c.command("QUIT")
        finally:
            c.close()
        [raw] = tern.wait_for_maildir("alice", 1)
        self.assertTrue(raw.startswith(
            b"Return-Path: <list-bounces-alice=example.test@example.test>\n"
            b"X-Original-To: alice@example.test\nDelivered-To: alice@example.test\n"), raw[:300])

    def test_xverp_refused_for_clients_outside_authorized_verp_clients(self):
        tern = self.start_queue_tern(smtpd_authorized_verp_clients="192.0.2.0/24")
        c = harness.SmtpSocket(tern.port)
        try:
            c.reply()
            ehlo = c.command("EHLO client.test")
            self.assertFalse(any("XVERP" in l for l in ehlo), ehlo)
            self.assertEqual(c.command("MAIL FROM:<list-bounces@example.test> XVERP"),
                             ["554 5.7.1 Access denied"])
        finally:
            c.close()

    # ---- (f) double bounces ------------------------------------------------------------------

    def send_null_sender_to_remote(self, tern):
        return self.send(tern, "", ["user@remote.test"], "a bounce that bounces",
                         body="NULL SENDER BODY\n")

    def test_double_bounce_goes_to_the_postmaster_with_2bounce(self):
        tern = self.start_queue_tern(notify_classes="2bounce", bounce_queue_lifetime="2s",
                                     **FAST)
        qid = self.send_null_sender_to_remote(tern)
        tern.wait_for_log(r"^%s: from=<>, status=expired, returned to sender$" % qid,
                          timeout=15, since=tern.mark)
        [raw] = tern.wait_for_maildir("alice", 1, timeout=5)  # postmaster = alice
        msg, parts, per_msg, rcpts = self.parse_dsn(raw, "<double-bounce@example.test>")
        self.assertTrue(raw.startswith(b"Return-Path: <double-bounce@example.test>\n"),
                        raw[:200])
        self.assertEqual(msg["X-Original-To"], "postmaster@example.test")
        self.assertEqual(per_msg["X-Tern-Queue-ID"], qid)
        self.assertEqual(rcpts[0]["Final-Recipient"], "rfc822; user@remote.test")
        self.assertEqual(rcpts[0]["Action"], "failed")
        self.assertEqual(parts[2].get_content_type(), "text/rfc822-headers")
        self.assertNotIn(b"NULL SENDER BODY", raw)
        tern.wait_for_log(r"^%s: postmaster non-delivery notification: %s$" % (qid, QUEUE_ID),
                          timeout=1, since=tern.mark)
        self.assertEqual(tern.maildir_messages("bob"), [])

    def test_double_bounce_is_discarded_without_2bounce(self):
        tern = self.start_queue_tern(notify_classes="resource, software",
                                     bounce_queue_lifetime="2s", **FAST)
        qid = self.send_null_sender_to_remote(tern)
        tern.wait_for_log(r"^%s: from=<>, status=expired, returned to sender$" % qid,
                          timeout=15, since=tern.mark)
        tern.wait_for_log(r"^%s: undeliverable notification discarded" % qid, timeout=2,
                          since=tern.mark)
        tern.wait_for_log(r"^%s: removed$" % qid, timeout=2, since=tern.mark)
        time.sleep(0.5)
        self.assertEqual(tern.maildir_messages("alice"), [])
        self.assertEqual(tern.maildir_messages("bob"), [])
        self.assertNotIn("notification: ", "\n".join(
            l for l in tern.log_lines(tern.mark) if "discarded" not in l))
        self.assertEqual(tern.queue_files("deferred"), [])

    # ---- kill -9 under load ------------------------------------------------------------------

    def test_kill_9_three_times_during_2000_messages(self):
        """8 concurrent senders, ~2000 messages to local users, the process group
        SIGKILLed 3 times at random points and restarted: every acknowledged message is
        delivered exactly once."""
        started = time.monotonic()
        total, senders, kills_wanted = 2000, 8, 3
        tern = self.new_tern()
        tern.start()
        lock = threading.Lock()
        sent, acked, failed = {}, {}, set()
        remaining = [total]
        users = ("alice", "bob")
        token_re = re.compile(rb"^Subject: load (?P<t>[0-9a-f]{32})$", re.M)

        def take():
            with lock:
                if remaining[0] <= 0:
                    return False
                remaining[0] -= 1
                return True

        def worker(seed):
            rnd = random.Random(seed)
            while True:
                with lock:
                    if remaining[0] <= 0:
                        return
                try:
                    s = smtplib.SMTP(local_hostname="load.client.test", timeout=5)
                    s.connect("127.0.0.1", tern.port)
                    s.ehlo()
                except (OSError, smtplib.SMTPException):
                    time.sleep(0.05)
                    continue
                try:
                    for _ in range(20):  # several messages per connection
                        if not take():
                            s.quit()
                            return
                        token = uuid.uuid4().hex
                        user = rnd.choice(users)
                        text = ("Message-ID: <%s@load.client.test>\r\nFrom: <load@example.org>\r\n"
                                "To: <%s@example.test>\r\nSubject: load %s\r\n\r\nbody %s\r\n"
                                % (token, user, token, token))
                        with lock:
                            sent[token] = user
                        try:
                            code, _ = s.mail("load@example.org")
                            if code != 250:
                                raise smtplib.SMTPException("MAIL %d" % code)
                            code, _ = s.rcpt("%s@example.test" % user)
                            if code != 250:
                                raise smtplib.SMTPException("RCPT %d" % code)
                            code, reply = s.data(text.encode())
                        except (OSError, smtplib.SMTPException):
                            with lock:
                                failed.add(token)
                            raise
                        m = QUEUED_TEXT_RE.match(reply.decode("ascii", "replace"))
                        with lock:
                            if code == 250 and m:
                                acked[token] = m.group(1)
                            else:
                                failed.add(token)
                    s.quit()
                except (OSError, smtplib.SMTPException):
                    pass
                finally:
                    s.close()

        threads = [threading.Thread(target=worker, args=(i,), daemon=True)
                   for i in range(senders)]
        for t in threads:
            t.start()
        # Kills after random numbers of 250s, spread over the load. Delivery keeps pace
        # with arrival, so each kill hits arrivals, commits and deliveries alike.
        rnd = random.Random()
        kills = 0

        def pid_lock_free():
            # After SIGKILL a thread of a role may still be finishing an fsync (the group
            # leader already shows as a zombie): its master.pid lock is held until then.
            try:
                fd = os.open(tern.master_pid_file(), os.O_RDWR)
            except FileNotFoundError:
                return True
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                fcntl.flock(fd, fcntl.LOCK_UN)
                return True
            except OSError:
                return False
            finally:
                os.close(fd)

        def restart(tern):
            self.assertTrue(harness.wait_until(pid_lock_free, 60, 0.02),
                            "master.pid still locked 60s after kill -9")
            # Other tests on this machine may take the port in the moment it is free;
            # then (only then) move to another one. Any other startup failure is ours.
            for attempt in range(3):
                try:
                    tern.start()
                    return
                except harness.TernError as e:
                    if "Address already in use" not in str(e) or attempt == 2:
                        raise
                    print("restart: port %d taken meanwhile, moving" % tern.port,
                          file=sys.stderr)
                    tern.port = harness.free_port()
                    tern.write_config()

        def delivered_count():
            return sum(len(tern.maildir_files(u, sub)) for u in users for sub in ("new", "cur"))

        for point in sorted(rnd.sample(range(total // 10, total * 85 // 100), kills_wanted)):
            self.assertTrue(harness.wait_until(lambda: len(acked) >= point, 40, 0.002),
                            "only %d acks, wanted %d\n%s" % (len(acked), point,
                                                             tern.evidence()[-3000:]))
            time.sleep(rnd.uniform(0, 0.03))
            at_acks, at_delivered = len(acked), delivered_count()
            tern.kill()
            kills += 1
            print("kill %d: %d sent, %d acknowledged, %d delivered so far"
                  % (kills, len(sent), at_acks, at_delivered), file=sys.stderr)
            self.assertLess(at_acks, total, "kill %d came after all sending was done" % kills)
            restart(tern)
        for t in threads:
            t.join(60)
            self.assertFalse(t.is_alive(), "a sender hung")
        self.assertEqual(kills, kills_wanted)
        sending_done = time.monotonic() - started

        def delivered():
            found = collections.defaultdict(list)
            for user in users:
                for sub in ("new", "cur"):
                    for path in tern.maildir_files(user, sub):
                        with open(path, "rb") as f:
                            data = f.read()
                        m = token_re.search(data)
                        self.assertIsNotNone(m, path)
                        found[m.group("t").decode()].append((user, path))
            return found

        acked_now = dict(acked)

        def all_arrived():
            found = delivered()
            return all(t in found for t in acked_now)

        if not harness.wait_until(all_arrived, 30, 0.3):
            found = delivered()
            missing = [t for t in acked_now if t not in found]
            self.fail("%d of %d acknowledged messages missing, e.g. %s"
                      % (len(missing), len(acked_now),
                         ["%s (%s)" % (t, acked_now[t]) for t in missing[:5]]))
        all_delivered = time.monotonic() - started
        harness.wait_until(lambda: not tern.queue_files("active")
                           and not tern.queue_files("incoming"), 15, 0.2)
        time.sleep(0.5)
        found = delivered()
        duplicates = {t: [p for _, p in v] for t, v in found.items() if len(v) > 1}
        wrong_box = [t for t, v in found.items() if t in sent and v[0][0] != sent[t]]
        unknown = [t for t in found if t not in sent]
        unacked_delivered = [t for t in found if t in sent and t not in acked_now]
        unavailable = len([l for l in tern.log_lines()
                           if "queue file write error: queue service unavailable" in l])
        print("smtpd refused %d message(s) with 'queue service unavailable' (the queue "
              "role's socket not there yet after a start)" % unavailable, file=sys.stderr)
        print("kill -9 x%d: %d sent, %d acknowledged, %d delivered (%d of them not "
              "acknowledged), %d duplicated, %d failed sends, corrupt=%d; sending took "
              "%.1fs, all delivered at %.1fs, done at %.1fs"
              % (kills, len(sent), len(acked_now), len(found), len(unacked_delivered),
                 len(duplicates), len(failed), len(tern.queue_files("corrupt")),
                 sending_done, all_delivered, time.monotonic() - started), file=sys.stderr)
        self.assertEqual(duplicates, {}, "delivered more than once")
        self.assertEqual(unknown, [])
        self.assertEqual(wrong_box, [])
        self.assertGreaterEqual(len(acked_now), total * 8 // 10)
        # A guard against hangs, not a benchmark.
        self.assertLess(time.monotonic() - started, 150)


if __name__ == "__main__":
    unittest.main()
