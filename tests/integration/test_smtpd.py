"""The SMTP server through a running ternd: ESMTP keywords, SIZE, sequence and syntax
errors, VRFY, limits (recipients, errors, connections, timeout), BDAT, SMTPUTF8, DSN
parameters and the restriction words with access(5) tables.

Client addresses come from 127.0.0.0/8 (mynetworks is 127.0.0.1/32 in the harness, so
127.0.0.2 and up are outside clients). Expected reply texts are Postfix's.
"""

import os
import re
import socket
import subprocess
import threading
import time
import unittest
import uuid

import harness
from harness import MYHOSTNAME, QUEUED_RE, SmtpSocket, TernTestCase, make_message, session

OUTSIDE = "127.0.0.2"
BASE_KEYWORDS = ["PIPELINING", "SIZE 10240000", "ENHANCEDSTATUSCODES", "8BITMIME", "DSN",
                 "SMTPUTF8", "CHUNKING"]


def ehlo_lines(keywords):
    lines = [MYHOSTNAME] + keywords
    return ["250-" + l for l in lines[:-1]] + ["250 " + lines[-1]]


def crlf(text):
    return text.replace("\n", "\r\n").encode("utf-8")


def body_after_received(raw):
    """A delivered Maildir file without the delivery headers and the Received header."""
    text = raw.decode("utf-8", "replace")
    m = re.match(r"^Return-Path: .*?\nReceived: from .*?\n\t.*?\n\t.*?\n", text, re.S)
    if not m:
        raise AssertionError("no Received header in %r" % text)
    return raw[len(m.group(0).encode("utf-8")):]


class SmtpdTest(TernTestCase):

    # ---- helpers -----------------------------------------------------------------------

    def open(self, tern, source="127.0.0.1", helo="client.test", ehlo=True):
        c = session(tern.port, source=source, helo=helo, ehlo=ehlo)
        self.addCleanup(c.close)
        return c

    def send_message(self, c, sender, rcpts, message):
        self.assertEqual(c.command("MAIL FROM:<%s>" % sender), ["250 2.1.0 Ok"])
        for r in rcpts:
            self.assertEqual(c.command("RCPT TO:<%s>" % r), ["250 2.1.5 Ok"])
        self.assertEqual(c.command("DATA"), ["354 End data with <CR><LF>.<CR><LF>"])
        c.send(crlf(message) + b".\r\n")
        reply = c.reply()
        self.assertRegex(reply[0], QUEUED_RE)
        return QUEUED_RE.match(reply[0]).group(1)

    def timed(self, c, line):
        t0 = time.monotonic()
        reply = c.command(line)
        return reply, time.monotonic() - t0

    # ---- EHLO --------------------------------------------------------------------------

    def test_ehlo_keywords_xverp_only_for_mynetworks(self):
        tern = self.start_tern()
        c = SmtpSocket(tern.port)
        self.addCleanup(c.close)
        self.assertEqual(c.reply(), ["220 %s ESMTP Tern" % MYHOSTNAME])
        self.assertEqual(c.command("EHLO client.test"), ehlo_lines(BASE_KEYWORDS + ["XVERP"]))
        o = self.open(tern, source=OUTSIDE, helo=None)
        self.assertEqual(o.command("EHLO client.test"), ehlo_lines(BASE_KEYWORDS))
        # HELO: no keywords at all.
        self.assertEqual(o.command("HELO client.test"), ["250 %s" % MYHOSTNAME])

    def test_discard_ehlo_keywords_and_smtputf8_disabled(self):
        tern = self.start_tern(main_cf={
            "smtpd_discard_ehlo_keywords": "chunking, silent-discard",
            "smtputf8_enable": "no"})
        c = self.open(tern, helo=None)
        keywords = [k for k in BASE_KEYWORDS if k not in ("CHUNKING", "SMTPUTF8")]
        self.assertEqual(c.command("EHLO client.test"), ehlo_lines(keywords + ["XVERP"]))
        # Without SMTPUTF8 on offer the parameter is not taken either.
        self.assertEqual(c.command("MAIL FROM:<a@example.org> SMTPUTF8"),
                         ["555 5.5.4 Unsupported option: SMTPUTF8"])

    # ---- SIZE --------------------------------------------------------------------------

    def test_declared_size_over_limit(self):
        tern = self.start_tern()
        c = self.open(tern)
        self.assertEqual(c.command("MAIL FROM:<x@example.org> SIZE=99999999"),
                         ["552 5.3.4 Message size exceeds fixed limit"])
        self.assertEqual(c.command("MAIL FROM:<x@example.org> SIZE=10240000"), ["250 2.1.0 Ok"])
        self.assertEqual(c.command("RSET"), ["250 2.0.0 Ok"])
        self.assertEqual(c.command("MAIL FROM:<x@example.org> SIZE=abc"),
                         ["501 5.5.4 Bad message size syntax"])

    def test_data_over_message_size_limit_then_session_goes_on(self):
        tern = self.start_tern(main_cf={"message_size_limit": "2000"})
        c = self.open(tern, helo=None)
        self.assertIn("250-SIZE 2000", c.command("EHLO client.test"))
        big = make_message(uuid.uuid4().hex, extra_body=("x" * 70 + "\n") * 60)
        self.assertEqual(c.command("MAIL FROM:<big@example.org>"), ["250 2.1.0 Ok"])
        self.assertEqual(c.command("RCPT TO:<alice@example.test>"), ["250 2.1.5 Ok"])
        self.assertEqual(c.command("DATA"), ["354 End data with <CR><LF>.<CR><LF>"])
        c.send(crlf(big) + b".\r\n")
        too_big = c.reply()
        self.assertEqual(len(too_big), 1, too_big)
        self.assertTrue(too_big[0].startswith("552 5.3.4 "), too_big)
        # The session goes on: the next (small) message is taken and delivered.
        small = make_message(uuid.uuid4().hex)
        qid = self.send_message(c, "small@example.org", ["alice@example.test"], small)
        self.assertEqual(c.command("QUIT"), ["221 2.0.0 Bye"])
        msgs = tern.wait_for_maildir("alice", 1)
        time.sleep(0.5)
        self.assertEqual(len(tern.maildir_files("alice")), 1)
        self.assertIn(qid.encode(), msgs[0])
        self.assertIn(b"Return-Path: <small@example.org>", msgs[0])
        # Postfix's words at the end of DATA (smtpd.c, CLEANUP_STAT_SIZE).
        self.assertEqual(too_big, ["552 5.3.4 Error: message file too big"])

    # ---- the admins' manual session -----------------------------------------------------

    def test_manual_telnet_session_with_sloppy_mail_from(self):
        tern = self.start_tern()
        c = SmtpSocket(tern.port)
        self.addCleanup(c.close)
        self.assertEqual(c.reply(), ["220 %s ESMTP Tern" % MYHOSTNAME])
        self.assertEqual(c.command("HELO laptop.sciuro.org"), ["250 %s" % MYHOSTNAME])
        # As typed in the notes: a space after the colon and no angle brackets.
        self.assertEqual(c.command("MAIL FROM: test@sciuro.org"), ["250 2.1.0 Ok"])
        self.assertEqual(c.command("RCPT TO: alice@example.test"), ["250 2.1.5 Ok"])
        self.assertEqual(c.command("DATA"), ["354 End data with <CR><LF>.<CR><LF>"])
        for line in ("From: test@sciuro.org", "To: alice@example.test",
                     "Subject: manual test", "", "Typed by hand.", "Second line."):
            c.send(line.encode() + b"\r\n")
        c.send(b".\r\n")
        reply = c.reply()
        self.assertRegex(reply[0], QUEUED_RE)
        self.assertEqual(c.command("QUIT"), ["221 2.0.0 Bye"])
        msgs = tern.wait_for_maildir("alice", 1)
        self.assertTrue(msgs[0].startswith(b"Return-Path: <test@sciuro.org>\n"), msgs[0])
        # The headers as typed (cleanup may add Message-Id and Date after them), the body.
        self.assertIn(b"\nFrom: test@sciuro.org\nTo: alice@example.test\n"
                      b"Subject: manual test\n", msgs[0])
        self.assertTrue(msgs[0].endswith(b"\n\nTyped by hand.\nSecond line.\n"), msgs[0])

    # ---- sequence and syntax -----------------------------------------------------------

    def test_bad_sequence_replies(self):
        tern = self.start_tern()
        c = self.open(tern)
        self.assertEqual(c.command("RCPT TO:<alice@example.test>"),
                         ["503 5.5.1 Error: need MAIL command"])
        self.assertEqual(c.command("DATA"), ["503 5.5.1 Error: need RCPT command"])
        self.assertEqual(c.command("MAIL FROM:<s@example.org>"), ["250 2.1.0 Ok"])
        self.assertEqual(c.command("MAIL FROM:<s@example.org>"),
                         ["503 5.5.1 Error: nested MAIL command"])
        self.assertEqual(c.command("DATA"), ["554 5.5.1 Error: no valid recipients"])
        self.assertEqual(c.command("RSET"), ["250 2.0.0 Ok"])
        self.assertEqual(c.command("RCPT TO:<alice@example.test>"),
                         ["503 5.5.1 Error: need MAIL command"])

    def test_syntax_errors_with_enhanced_codes(self):
        tern = self.start_tern()
        c = self.open(tern)
        self.assertEqual(c.command(""), ["500 5.5.2 Error: bad syntax"])
        self.assertEqual(c.command("XYZZY"), ["502 5.5.2 Error: command not recognized"])
        self.assertEqual(c.command("EHLO"), ["501 5.5.4 Syntax: EHLO hostname"])
        self.assertEqual(c.command("HELO"), ["501 5.5.4 Syntax: HELO hostname"])
        self.assertEqual(c.command("MAIL"), ["501 5.5.4 Syntax: MAIL FROM:<address>"])
        self.assertEqual(c.command("MAIL FROM:<a b@example.org>"),
                         ["501 5.1.7 Bad sender address syntax"])
        self.assertEqual(c.command("MAIL FROM:<s@example.org> FOO=BAR"),
                         ["555 5.5.4 Unsupported option: FOO"])
        self.assertEqual(c.command("MAIL FROM:<s@example.org>"), ["250 2.1.0 Ok"])
        self.assertEqual(c.command("RCPT"), ["501 5.5.4 Syntax: RCPT TO:<address>"])
        self.assertEqual(c.command("RCPT TO:<>"), ["501 5.1.3 Bad recipient address syntax"])
        self.assertEqual(c.command("RSET now"), ["501 5.5.4 Syntax: RSET"])
        self.assertEqual(c.command("NOOP"), ["250 2.0.0 Ok"])
        self.assertEqual(c.command("QUIT"), ["221 2.0.0 Bye"])

    def test_vrfy(self):
        tern = self.start_tern()
        c = self.open(tern)
        self.assertEqual(c.command("VRFY <alice@example.test>"), ["252 2.0.0 <alice@example.test>"])
        self.assertEqual(c.command("VRFY <nobody@example.test>"), [
            "550 5.1.1 <nobody@example.test>: Recipient address rejected: "
            "User unknown in local recipient table"])
        off = self.start_tern(main_cf={"disable_vrfy_command": "yes"})
        d = self.open(off)
        self.assertEqual(d.command("VRFY <alice@example.test>"),
                         ["502 5.5.1 VRFY command is disabled"])

    def test_helo_required(self):
        tern = self.start_tern(main_cf={"smtpd_helo_required": "yes"})
        c = self.open(tern, helo=None)
        self.assertEqual(c.command("MAIL FROM:<s@example.org>"),
                         ["503 5.5.1 Error: send HELO/EHLO first"])
        self.assertEqual(c.command("HELO client.test"), ["250 %s" % MYHOSTNAME])
        self.assertEqual(c.command("MAIL FROM:<s@example.org>"), ["250 2.1.0 Ok"])

    def test_recipient_limit(self):
        tern = self.start_tern(main_cf={"smtpd_recipient_limit": "3"})
        c = self.open(tern)
        self.assertEqual(c.command("MAIL FROM:<s@example.org>"), ["250 2.1.0 Ok"])
        for r in ("alice@example.test", "bob@example.test", "postmaster@example.test"):
            self.assertEqual(c.command("RCPT TO:<%s>" % r), ["250 2.1.5 Ok"])
        self.assertEqual(c.command("RCPT TO:<root@example.test>"),
                         ["452 4.5.3 Error: too many recipients"])
        self.assertEqual(c.command("DATA"), ["354 End data with <CR><LF>.<CR><LF>"])
        c.send(crlf(make_message(uuid.uuid4().hex)) + b".\r\n")
        self.assertRegex(c.reply()[0], QUEUED_RE)
        tern.wait_for_maildir("alice", 2)  # alice and postmaster (-> alice)
        tern.wait_for_maildir("bob", 1)

    # ---- error limits ------------------------------------------------------------------

    def test_soft_error_limit_delays_replies(self):
        tern = self.start_tern(main_cf={"smtpd_soft_error_limit": "2",
                                        "smtpd_error_sleep_time": "1s",
                                        "smtpd_hard_error_limit": "20"})
        c = self.open(tern)
        delays = []
        for i in range(4):
            reply, took = self.timed(c, "XYZZY%d" % i)
            self.assertEqual(reply, ["502 5.5.2 Error: command not recognized"])
            delays.append(took)
        self.assertLess(delays[0], 0.5, delays)
        self.assertLess(delays[1], 0.5, delays)
        # Postfix (smtpd_chat.c) sleeps before each reply once error_count has reached
        # the soft limit: the 3rd error reply comes late, and so does every later one.
        self.assertGreaterEqual(delays[3], 0.8, delays)
        self.assertGreaterEqual(delays[2], 0.8, delays)

    def test_soft_error_limit_delays_every_reply(self):
        """Postfix sleeps before *any* reply once the soft limit is reached."""
        tern = self.start_tern(main_cf={"smtpd_soft_error_limit": "2",
                                        "smtpd_error_sleep_time": "1s"})
        c = self.open(tern)
        for i in range(2):
            self.assertEqual(c.command("XYZZY%d" % i), ["502 5.5.2 Error: command not recognized"])
        reply, took = self.timed(c, "NOOP")
        self.assertEqual(reply, ["250 2.0.0 Ok"])
        self.assertGreaterEqual(took, 0.8)

    def test_hard_error_limit_closes_connection(self):
        tern = self.start_tern(main_cf={"smtpd_hard_error_limit": "5"})
        c = self.open(tern)
        for i in range(4):
            self.assertEqual(c.command("XYZZY%d" % i), ["502 5.5.2 Error: command not recognized"])
        self.assertEqual(c.command("XYZZY4"), ["502 5.5.2 Error: command not recognized"])
        self.assertEqual(c.reply(), ["421 4.7.0 %s Error: too many errors" % MYHOSTNAME])
        self.assertTrue(c.closed_by_peer(5))
        tern.wait_for_log(r"^disconnect from unknown\[127\.0\.0\.1\]", since=tern.mark)

    # ---- connection limits --------------------------------------------------------------

    def test_connection_count_limit(self):
        tern = self.start_tern(main_cf={"smtpd_client_connection_count_limit": "2",
                                        "smtpd_client_event_limit_exceptions": ""})
        time.sleep(0.3)  # the readiness probe's connection has been counted out
        a = self.open(tern, helo=None)
        b = self.open(tern, helo=None)
        third = SmtpSocket(tern.port)
        self.addCleanup(third.close)
        self.assertEqual(third.reply(), [
            "421 4.7.0 %s Error: too many connections from 127.0.0.1" % MYHOSTNAME])
        self.assertTrue(third.closed_by_peer(5))
        other = self.open(tern, source=OUTSIDE, helo="other.test")
        self.assertEqual(other.command("QUIT"), ["221 2.0.0 Bye"])
        tern.wait_for_log(r"^warning: Connection concurrency limit exceeded: 3 from "
                          r"unknown\[127\.0\.0\.1\] for service \S+$", since=tern.mark)
        # One closes: the next connection from 127.0.0.1 is served again.
        self.assertEqual(a.command("QUIT"), ["221 2.0.0 Bye"])
        a.close()

        def served():
            s = SmtpSocket(tern.port)
            try:
                ok = s.reply()[0].startswith("220 ")
                if ok:
                    s.command("QUIT")
                return ok
            finally:
                s.close()
        self.assertTrue(harness.wait_until(served, 5, interval=0.2))
        self.assertEqual(b.command("NOOP"), ["250 2.0.0 Ok"])

    def test_connection_rate_limit(self):
        tern = self.start_tern(main_cf={"smtpd_client_connection_rate_limit": "3",
                                        "anvil_rate_time_unit": "60s",
                                        "smtpd_client_event_limit_exceptions": ""})
        # From 127.0.0.2: the harness's readiness probe came from 127.0.0.1.
        for i in range(3):
            c = SmtpSocket(tern.port, source=OUTSIDE)
            self.assertEqual(c.reply(), ["220 %s ESMTP Tern" % MYHOSTNAME], i)
            self.assertEqual(c.command("QUIT"), ["221 2.0.0 Bye"])
            c.close()
        fourth = SmtpSocket(tern.port, source=OUTSIDE)
        self.addCleanup(fourth.close)
        self.assertEqual(fourth.reply(), [
            "421 4.7.0 %s Error: too many connections from %s" % (MYHOSTNAME, OUTSIDE)])
        self.assertTrue(fourth.closed_by_peer(5))
        tern.wait_for_log(r"^warning: Connection rate limit exceeded: 4 from "
                          r"unknown\[127\.0\.0\.2\] for service \S+$", since=tern.mark)
        # Another address has its own count.
        other = self.open(tern, source="127.0.0.3", helo="other.test")
        self.assertEqual(other.command("QUIT"), ["221 2.0.0 Bye"])

    def test_idle_client_times_out(self):
        tern = self.start_tern(main_cf={"smtpd_timeout": "2s"})
        c = self.open(tern)
        c.settimeout(8)
        t0 = time.monotonic()
        self.assertEqual(c.reply(), ["421 4.4.2 %s Error: timeout exceeded" % MYHOSTNAME])
        took = time.monotonic() - t0
        self.assertGreaterEqual(took, 1.5)
        self.assertLess(took, 6)
        self.assertTrue(c.closed_by_peer(5))
        tern.wait_for_log(r"^timeout after EHLO from unknown\[127\.0\.0\.1\]$", since=tern.mark)

    # ---- BDAT --------------------------------------------------------------------------

    def bdat_transaction(self, c, rcpt="alice@example.test"):
        self.assertEqual(c.command("MAIL FROM:<chunky@example.org>"), ["250 2.1.0 Ok"])
        self.assertEqual(c.command("RCPT TO:<%s>" % rcpt), ["250 2.1.5 Ok"])

    def test_bdat_chunks_delivered_exactly(self):
        tern = self.start_tern()
        c = self.open(tern)
        self.bdat_transaction(c)
        head = crlf(make_message(uuid.uuid4().hex).split("\n\n", 1)[0] + "\n\n")
        chunk1 = head + b"first line\r\n.a line starting with a dot\r\n..two dots\r\nsplit CR"
        chunk2 = b"\r\nLF only\nlast\r\n"
        chunk3 = b".\r\n"  # a lone dot is content in BDAT
        c.send(b"BDAT %d\r\n" % len(chunk1) + chunk1)
        self.assertEqual(c.reply()[0][:3], "250")
        c.send(b"BDAT %d\r\n" % len(chunk2) + chunk2)
        self.assertEqual(c.reply()[0][:3], "250")
        c.send(b"BDAT %d LAST\r\n" % len(chunk3) + chunk3)
        reply = c.reply()
        self.assertRegex(reply[0], QUEUED_RE)
        self.assertEqual(c.command("QUIT"), ["221 2.0.0 Bye"])
        msgs = tern.wait_for_maildir("alice", 1)
        expected = (chunk1 + chunk2 + chunk3).replace(b"\r\n", b"\n")
        self.assertEqual(body_after_received(msgs[0]), expected)

    def test_bdat_without_recipient_consumes_chunk(self):
        tern = self.start_tern()
        c = self.open(tern)
        smuggled = b"RSET\r\nQUIT\r\n"
        c.send(b"BDAT %d\r\n" % len(smuggled) + smuggled)
        self.assertEqual(c.reply(), ["503 5.5.1 Error: need RCPT command"])
        self.assertEqual(c.command("NOOP"), ["250 2.0.0 Ok"])
        self.assertEqual(c.command("MAIL FROM:<s@example.org>"), ["250 2.1.0 Ok"])
        c.send(b"BDAT %d LAST\r\n" % len(smuggled) + smuggled)
        self.assertEqual(c.reply(), ["554 5.5.1 Error: no valid recipients"])
        self.assertEqual(c.command("NOOP"), ["250 2.0.0 Ok"])
        self.assertEqual(c.command("QUIT"), ["221 2.0.0 Bye"])

    def test_data_after_bdat_refused(self):
        tern = self.start_tern()
        c = self.open(tern)
        self.bdat_transaction(c)
        head = crlf(make_message(uuid.uuid4().hex).split("\n\n", 1)[0] + "\n\n")
        c.send(b"BDAT %d\r\n" % (len(head) + 6) + head + b"Hello\n")
        self.assertEqual(c.reply()[0][:3], "250")
        reply = c.command("DATA")
        self.assertRegex(reply[0], r"^503 5\.5\.1 ")
        # The transaction can still be finished with BDAT.
        c.send(b"BDAT 7 LAST\r\nWorld\r\n")
        self.assertRegex(c.reply()[0], QUEUED_RE)
        msgs = tern.wait_for_maildir("alice", 1)
        self.assertEqual(body_after_received(msgs[0]), head.replace(b"\r\n", b"\n")
                         + b"Hello\nWorld\n")
        # Postfix's words (smtpd.c).
        self.assertEqual(reply, ["503 5.5.1 Error: DATA after BDAT"])

    def test_rcpt_and_mail_after_bdat_refused(self):
        """Postfix: once a BDAT chunk is in, the envelope is closed (smtpd.c)."""
        tern = self.start_tern()
        c = self.open(tern)
        self.bdat_transaction(c)
        head = crlf(make_message(uuid.uuid4().hex).split("\n\n", 1)[0] + "\n\n")
        c.send(b"BDAT %d\r\n" % len(head) + head)
        self.assertEqual(c.reply()[0][:3], "250")
        rcpt = c.command("RCPT TO:<bob@example.test>")
        mail = c.command("MAIL FROM:<other@example.org>")
        c.send(b"BDAT 6 LAST\r\nbody\r\n")
        self.assertRegex(c.reply()[0], QUEUED_RE)
        tern.wait_for_maildir("alice", 1)
        time.sleep(0.5)
        self.assertEqual(tern.maildir_files("bob"), [], "RCPT after BDAT added a recipient")
        self.assertEqual(rcpt, ["503 5.5.1 Error: RCPT after BDAT"])
        self.assertEqual(mail, ["503 5.5.1 Error: MAIL after BDAT"])

    def test_bdat_over_message_size_limit(self):
        tern = self.start_tern(main_cf={"message_size_limit": "2000"})
        c = self.open(tern)
        self.bdat_transaction(c)
        big = b"x" * 78 + b"\r\n"
        chunk = big * 40
        c.send(b"BDAT %d\r\n" % len(chunk) + chunk)
        first = c.reply()
        c.send(b"BDAT 2 LAST\r\nab")
        last = c.reply()
        # Refused at the oversized chunk or at LAST, always with 552 5.3.4.
        self.assertTrue(first[0].startswith("552 5.3.4 ") or last[0].startswith("552 5.3.4 "),
                        (first, last))
        self.assertNotRegex(last[0], QUEUED_RE)
        # The session goes on.
        self.assertEqual(c.command("NOOP"), ["250 2.0.0 Ok"])
        qid = self.send_message(c, "small@example.org", ["alice@example.test"],
                                make_message(uuid.uuid4().hex))
        msgs = tern.wait_for_maildir("alice", 1)
        time.sleep(0.5)
        self.assertEqual(len(tern.maildir_files("alice")), 1)
        self.assertIn(qid.encode(), msgs[0])

    def test_pipelined_bdat(self):
        tern = self.start_tern()
        c = self.open(tern)
        head = crlf(make_message(uuid.uuid4().hex).split("\n\n", 1)[0] + "\n\n")
        parts = [head, b"one\r\n", b"two\r\n"]
        wire = (b"MAIL FROM:<p@example.org>\r\nRCPT TO:<bob@example.test>\r\n"
                + b"".join(b"BDAT %d\r\n%s" % (len(p), p) for p in parts)
                + b"BDAT 0 LAST\r\nQUIT\r\n")
        c.send(wire)
        self.assertEqual(c.reply(), ["250 2.1.0 Ok"])
        self.assertEqual(c.reply(), ["250 2.1.5 Ok"])
        for p in parts:
            self.assertEqual(c.reply()[0][:3], "250")
        self.assertRegex(c.reply()[0], QUEUED_RE)
        self.assertEqual(c.reply(), ["221 2.0.0 Bye"])
        msgs = tern.wait_for_maildir("bob", 1)
        self.assertEqual(body_after_received(msgs[0]),
                         head.replace(b"\r\n", b"\n") + b"one\ntwo\n")

    # ---- SMTPUTF8 ----------------------------------------------------------------------

    def test_smtputf8_address_via_smtplib(self):
        tern = self.start_tern(main_cf={
            "alias_maps": "inline:{ postmaster=alice, root=alice, δοκιμή=alice }"})
        s = tern.smtp()
        self.addCleanup(s.close)
        s.ehlo()
        self.assertTrue(s.has_extn("smtputf8"))
        msg = ("From: <jörg@example.org>\r\nTo: <δοκιμή@example.test>\r\n"
               "Subject: ünïcödé\r\n\r\nGrüße.\r\n").encode("utf-8")
        refused = s.sendmail("jörg@example.org", ["δοκιμή@example.test"], msg,
                             mail_options=["SMTPUTF8"])
        self.assertEqual(refused, {})
        s.quit()
        msgs = tern.wait_for_maildir("alice", 1)
        self.assertIn("Return-Path: <jörg@example.org>".encode(), msgs[0])
        self.assertIn("Grüße.".encode(), msgs[0])

    def test_unicode_address_without_smtputf8(self):
        tern = self.start_tern()
        c = self.open(tern)
        c.send("MAIL FROM:<jörg@example.org>\r\n".encode("utf-8"))
        self.assertEqual(c.reply(), ["553 5.6.7 Must declare SMTPUTF8 to send unicode address"])
        self.assertEqual(c.command("MAIL FROM:<s@example.org>"), ["250 2.1.0 Ok"])
        c.send("RCPT TO:<δοκιμή@example.test>\r\n".encode("utf-8"))
        self.assertEqual(c.reply(), ["553 5.6.7 Must declare SMTPUTF8 to send unicode address"])

    # ---- DSN parameters ----------------------------------------------------------------

    def test_dsn_parameters(self):
        tern = self.start_tern()
        c = self.open(tern)
        self.assertEqual(c.command("MAIL FROM:<s@example.org> RET=HDRS ENVID=abc+2Bdef"),
                         ["250 2.1.0 Ok"])
        self.assertEqual(c.command("RCPT TO:<alice@example.test> NOTIFY=SUCCESS,FAILURE "
                                   "ORCPT=rfc822;alice@example.test"), ["250 2.1.5 Ok"])
        self.assertEqual(c.command("RCPT TO:<bob@example.test> NOTIFY=NEVER"), ["250 2.1.5 Ok"])
        self.assertEqual(c.command("RCPT TO:<bob@example.test> NOTIFY=NEVER,SUCCESS"),
                         ["501 5.5.4 Bad NOTIFY parameter syntax"])
        self.assertEqual(c.command("RCPT TO:<bob@example.test> ORCPT=bob@example.test"),
                         ["501 5.5.4 Bad ORCPT parameter syntax"])
        self.assertEqual(c.command("RSET"), ["250 2.0.0 Ok"])
        self.assertEqual(c.command("MAIL FROM:<s@example.org> RET=BOGUS"),
                         ["501 5.5.4 Bad RET parameter syntax"])

    # ---- restrictions ------------------------------------------------------------------

    def rcpt_reply(self, tern, source="127.0.0.2", helo="client.test", sender="s@example.org",
                   rcpt="alice@example.test", ehlo=True):
        c = self.open(tern, source=source, helo=helo, ehlo=ehlo)
        self.assertEqual(c.command("MAIL FROM:<%s>" % sender), ["250 2.1.0 Ok"])
        reply = c.command("RCPT TO:<%s>" % rcpt)
        c.command("QUIT")
        c.close()
        return reply

    def test_helo_hostname_restrictions(self):
        tern = self.start_tern(main_cf={
            "smtpd_helo_restrictions":
                "reject_invalid_helo_hostname, reject_non_fqdn_helo_hostname"})
        self.assertEqual(self.rcpt_reply(tern, helo="nodot"), [
            "504 5.5.2 <nodot>: Helo command rejected: need fully-qualified hostname"])
        self.assertEqual(self.rcpt_reply(tern, helo="bad..name.test"), [
            "501 5.5.2 <bad..name.test>: Helo command rejected: Invalid name"])
        self.assertEqual(self.rcpt_reply(tern, helo="-x.example.org"), [
            "501 5.5.2 <-x.example.org>: Helo command rejected: Invalid name"])
        self.assertEqual(self.rcpt_reply(tern, helo="good.example.org"), ["250 2.1.5 Ok"])
        self.assertEqual(self.rcpt_reply(tern, helo="[192.0.2.1]"), ["250 2.1.5 Ok"])
        tern.wait_for_log(r"^NOQUEUE: reject: RCPT from unknown\[127\.0\.0\.2\]: 504 5\.5\.2 "
                          r"<nodot>: Helo command rejected: need fully-qualified hostname; "
                          r"from=<s@example\.org> to=<alice@example\.test> proto=ESMTP "
                          r"helo=<nodot>$", since=tern.mark)

    def test_non_fqdn_sender_and_recipient(self):
        tern = self.start_tern(main_cf={
            "smtpd_sender_restrictions": "reject_non_fqdn_sender",
            "smtpd_recipient_restrictions": "reject_non_fqdn_recipient"})
        cases = [
            ({"sender": "x"},
             "504 5.5.2 <x>: Sender address rejected: need fully-qualified address"),
            ({"sender": "x@nodot"},
             "504 5.5.2 <x@nodot>: Sender address rejected: need fully-qualified address"),
            ({"source": "127.0.0.1", "rcpt": "alice"},
             "504 5.5.2 <alice>: Recipient address rejected: need fully-qualified address"),
            ({"sender": ""}, "250 2.1.5 Ok"),
            ({"sender": "x@[192.0.2.1]"}, "250 2.1.5 Ok"),
            ({}, "250 2.1.5 Ok"),
        ]
        for kwargs, expected in cases:
            with self.subTest(**kwargs):
                self.assertEqual(self.rcpt_reply(tern, **kwargs), [expected])

    def test_reject_unauth_pipelining(self):
        tern = self.start_tern(main_cf={
            "smtpd_recipient_restrictions": "reject_unauth_pipelining"})
        c = self.open(tern, source=OUTSIDE, helo="client.test", ehlo=False)
        c.send(b"MAIL FROM:<s@example.org>\r\nRCPT TO:<alice@example.test>\r\nDATA\r\n")
        self.assertEqual(c.reply(), ["250 2.1.0 Ok"])
        self.assertEqual(c.reply(), [
            "503 5.5.0 <alice@example.test>: Recipient address rejected: "
            "Improper use of SMTP command pipelining"])
        self.assertEqual(c.reply(), ["554 5.5.1 Error: no valid recipients"])
        # An ESMTP client may pipeline MAIL and RCPT.
        e = self.open(tern, source=OUTSIDE, helo="client.test")
        e.send(b"MAIL FROM:<s@example.org>\r\nRCPT TO:<alice@example.test>\r\n")
        self.assertEqual(e.reply(), ["250 2.1.0 Ok"])
        self.assertEqual(e.reply(), ["250 2.1.5 Ok"])
        # A HELO client that waits for each reply is fine.
        self.assertEqual(self.rcpt_reply(tern, ehlo=False), ["250 2.1.5 Ok"])

    ACCESS_MAIN_CF = {
        "smtpd_client_restrictions": "check_client_access texthash:client_access",
        "smtpd_helo_restrictions":
            "check_helo_access inline:{ evil.test=REJECT, "
            "{ rude.test = 550 5.7.9 go away }, ok.evil.test=OK }",
        "smtpd_sender_restrictions": "check_sender_access texthash:sender_access",
        "smtpd_recipient_restrictions": "check_recipient_access texthash:rcpt_access",
    }
    CLIENT_ACCESS = ("127.0.0.3 REJECT\n"
                     "127.0.0.4 550 5.7.9 go away\n"
                     "127.0.0.5 DEFER\n"
                     "127.0.0.6 OK\n"
                     "127.0.0.7 BCC nobody-without-a-domain\n"
                     "127.0.0.8 421 not today\n")
    SENDER_ACCESS = ("spam.test REJECT\n"
                     "ok@spam.test OK\n"
                     "dunno@spam.test DUNNO\n"
                     "custom.test REJECT we do not take mail from custom.test\n"
                     "parent.test 550 5.7.9 go away\n"
                     "exact.parent.test OK\n"
                     "later.test 450 please try later\n"
                     "deferme.test DEFER\n"
                     "baduser@ REJECT\n"
                     "good.test OK\n"
                     "hold.test HOLD\n"
                     "discard.test DISCARD\n")
    RCPT_ACCESS = ("bob@example.test REJECT no mail for bob\n"
                   "postmaster@ OK\n")

    def start_access_tern(self):
        tern = self.new_tern(main_cf=self.ACCESS_MAIN_CF)
        tern.write_file("client_access", self.CLIENT_ACCESS)
        tern.write_file("sender_access", self.SENDER_ACCESS)
        tern.write_file("rcpt_access", self.RCPT_ACCESS)
        tern.start()
        tern.wait_for_log(r"^disconnect from ")
        tern.mark = tern.log_mark()
        return tern

    def test_check_client_access(self):
        tern = self.start_access_tern()
        cases = [
            ("127.0.0.3", "554 5.7.1 <unknown[127.0.0.3]>: Client host rejected: Access denied"),
            ("127.0.0.4", "550 5.7.9 <unknown[127.0.0.4]>: Client host rejected: go away"),
            ("127.0.0.5", "450 4.7.1 <unknown[127.0.0.5]>: Client host rejected: Access denied"),
            ("127.0.0.8", "421 4.7.1 <unknown[127.0.0.8]>: Client host rejected: not today"),
            ("127.0.0.6", "250 2.1.5 Ok"),
            ("127.0.0.9", "250 2.1.5 Ok"),
        ]
        for source, expected in cases:
            with self.subTest(client=source):
                self.assertEqual(self.rcpt_reply(tern, source=source), [expected])

    def test_access_malformed_action_is_server_configuration_error(self):
        tern = self.start_access_tern()
        reply = self.rcpt_reply(tern, source="127.0.0.7")
        self.assertEqual(len(reply), 1)
        self.assertRegex(reply[0], r"^451 4\.3\.5 (<unknown\[127\.0\.0\.7\]>: Client host "
                                   r"rejected: )?Server configuration error$")
        tern.wait_for_log(r"^warning: .*bcc needs one user@domain address", since=tern.mark)

    def test_check_helo_access(self):
        tern = self.start_access_tern()
        self.assertEqual(self.rcpt_reply(tern, helo="evil.test"), [
            "554 5.7.1 <evil.test>: Helo command rejected: Access denied"])
        # Parent domains match (parent_domain_matches_subdomains has smtpd_access_maps).
        self.assertEqual(self.rcpt_reply(tern, helo="mx.evil.test"), [
            "554 5.7.1 <mx.evil.test>: Helo command rejected: Access denied"])
        self.assertEqual(self.rcpt_reply(tern, helo="ok.evil.test"), ["250 2.1.5 Ok"])
        self.assertEqual(self.rcpt_reply(tern, helo="rude.test"), [
            "550 5.7.9 <rude.test>: Helo command rejected: go away"])
        self.assertEqual(self.rcpt_reply(tern, helo="nice.test"), ["250 2.1.5 Ok"])

    def test_check_sender_access_actions_and_key_order(self):
        tern = self.start_access_tern()
        deny = "<%s>: Sender address rejected: "
        cases = [
            ("x@spam.test", "554 5.7.1 " + deny + "Access denied"),
            ("x@mail.spam.test", "554 5.7.1 " + deny + "Access denied"),   # parent domain
            ("ok@spam.test", "250 2.1.5 Ok"),                              # user@domain first
            ("OK@Spam.Test", "250 2.1.5 Ok"),                              # case-insensitive
            ("dunno@spam.test", "250 2.1.5 Ok"),              # DUNNO stops the search
            ("x@custom.test", "554 5.7.1 " + deny + "we do not take mail from custom.test"),
            ("x@sub.parent.test", "550 5.7.9 " + deny + "go away"),
            ("x@exact.parent.test", "250 2.1.5 Ok"),          # domain before parent domain
            ("x@later.test", "450 4.7.1 " + deny + "please try later"),
            ("x@deferme.test", "450 4.7.1 " + deny + "Access denied"),
            ("baduser@elsewhere.test", "554 5.7.1 " + deny + "Access denied"),   # user@
            ("baduser@good.test", "250 2.1.5 Ok"),            # domain before user@
            ("x@elsewhere.test", "250 2.1.5 Ok"),
        ]
        for sender, expected in cases:
            with self.subTest(sender=sender):
                want = expected % sender if "%s" in expected else expected
                self.assertEqual(self.rcpt_reply(tern, sender=sender), [want])

    def test_check_recipient_access(self):
        tern = self.start_access_tern()
        self.assertEqual(self.rcpt_reply(tern, rcpt="bob@example.test"), [
            "554 5.7.1 <bob@example.test>: Recipient address rejected: no mail for bob"])
        self.assertEqual(self.rcpt_reply(tern, rcpt="alice@example.test"), ["250 2.1.5 Ok"])
        # "postmaster@" (a user@ key) matches postmaster in any domain.
        self.assertEqual(self.rcpt_reply(tern, rcpt="postmaster@example.test"), ["250 2.1.5 Ok"])

    def deliver_from(self, tern, sender, rcpt="alice@example.test"):
        c = self.open(tern, source=OUTSIDE)
        qid = self.send_message(c, sender, [rcpt], make_message(uuid.uuid4().hex, sender=sender))
        self.assertEqual(c.command("QUIT"), ["221 2.0.0 Bye"])
        return qid

    def test_access_hold(self):
        tern = self.start_access_tern()
        qid = self.deliver_from(tern, "x@hold.test")
        self.assertTrue(harness.wait_until(lambda: qid in tern.queue_files("hold"), 10),
                        "hold/ has %r\n%s" % (tern.queue_files("hold"), tern.evidence()))
        tern.wait_for_log(r"^%s: hold: RCPT from unknown\[127\.0\.0\.2\]: <x@hold\.test>: "
                          r"Sender address triggers HOLD action; from=<x@hold\.test> "
                          r"to=<alice@example\.test> proto=ESMTP helo=<client\.test>$"
                          % "(NOQUEUE|%s)" % qid, since=tern.mark)
        time.sleep(0.5)
        self.assertEqual(tern.maildir_files("alice"), [])
        out = tern.tool("mailq", "-c", tern.dir).stdout
        self.assertRegex(out, r"(?m)^%s!\s" % qid)

    def test_access_discard(self):
        tern = self.start_access_tern()
        self.deliver_from(tern, "x@discard.test")
        tern.wait_for_log(r"^NOQUEUE: discard: RCPT from unknown\[127\.0\.0\.2\]: "
                          r"<x@discard\.test>: Sender address triggers DISCARD action; "
                          r"from=<x@discard\.test> to=<alice@example\.test> proto=ESMTP "
                          r"helo=<client\.test>$", since=tern.mark)
        # A normal message afterwards arrives; the discarded one never does.
        self.deliver_from(tern, "x@elsewhere.test")
        msgs = tern.wait_for_maildir("alice", 1)
        time.sleep(0.5)
        self.assertEqual(len(tern.maildir_files("alice")), 1)
        self.assertIn(b"Return-Path: <x@elsewhere.test>", msgs[0])
        for queue in ("incoming", "active", "deferred", "hold"):
            self.assertEqual(tern.queue_files(queue), [], queue)

    def test_unknown_restriction_word_is_config_error(self):
        tern = self.new_tern(main_cf={
            "smtpd_recipient_restrictions": "permit_mynetworks, reject_bogus_thing"})
        r = tern.check_config()
        self.assertEqual(r.returncode, 1, r)
        self.assertIn("reject_bogus_thing", r.stderr + r.stdout)


if __name__ == "__main__":
    unittest.main()
