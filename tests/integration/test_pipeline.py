"""SMTP in -> queue -> local Maildir delivery, end to end, with real clients.

Clients: swaks (/usr/bin/swaks), Python's smtplib, and a raw socket where the exact
bytes on the wire matter. Every test starts its own ternd in a fresh directory.
"""

import email.utils
import os
import re
import subprocess
import time
import unittest
import uuid

import harness
from harness import (MYHOSTNAME, QUEUE_ID, SmtpSocket, TernTestCase, make_message,
                     write_swaks_data)

DATE_RE = (r"(?P<date>[A-Z][a-z]{2}, [ 0-9]?\d [A-Z][a-z]{2} \d{4} \d\d:\d\d:\d\d "
           r"[+-]\d{4}(?: \([A-Za-z0-9+-]+\))?)")


def received_re(helo, rcpt=None, protocol="ESMTP", client_ip="127.0.0.1"):
    """Regex (bytes) for Tern's Received: header, Postfix layout, date captured."""
    head = ("Received: from %s (unknown [%s])\n\tby %s (Tern) with %s id "
            % (helo, client_ip, MYHOSTNAME, protocol))
    if rcpt is not None:
        tail = r"(?P<qid>%s)\n\tfor <%s>; %s\n" % (QUEUE_ID, re.escape(rcpt), DATE_RE)
    else:
        tail = r"(?P<qid>%s);\n\t%s\n" % (QUEUE_ID, DATE_RE)
    return re.escape(head) + tail


def delivered_re(sender, rcpt, final, helo, body, for_line=True, protocol="ESMTP"):
    """Regex (bytes) for a whole delivered Maildir file."""
    head = ("Return-Path: <%s>\nX-Original-To: %s\nDelivered-To: %s\n"
            % (sender, rcpt, final))
    rx = ("^" + re.escape(head)
          + received_re(helo, rcpt if for_line else None, protocol)
          + re.escape(body) + r"\Z")
    return re.compile(rx.encode("utf-8"), re.S)


class PipelineTest(TernTestCase):

    def assertDelivered(self, raw, sender, rcpt, final, helo, body, for_line=True,
                        protocol="ESMTP", qid=None):
        rx = delivered_re(sender, rcpt, final, helo, body, for_line, protocol)
        m = rx.match(raw)
        self.assertIsNotNone(m, "delivered message differs from the expected layout:\n"
                             "--- got ---\n%s\n--- expected (regex) ---\n%s"
                             % (raw.decode("utf-8", "replace"), rx.pattern.decode()))
        if qid is not None:
            self.assertEqual(m.group("qid").decode(), qid)
        stamp = email.utils.parsedate_to_datetime(
            re.sub(r" \(.*\)$", "", m.group("date").decode()))
        self.assertLess(abs(time.time() - stamp.timestamp()), 120,
                        "Received date %r is not now" % m.group("date"))
        return m

    # ---- greeting --------------------------------------------------------------------

    def test_banner_and_ehlo_keywords(self):
        tern = self.start_tern()
        c = SmtpSocket(tern.port)
        try:
            self.assertEqual(c.reply(), ["220 %s ESMTP Tern" % MYHOSTNAME])
            self.assertEqual(c.command("EHLO client.test"), [
                "250-%s" % MYHOSTNAME, "250-PIPELINING", "250-SIZE 10240000",
                "250-ENHANCEDSTATUSCODES", "250-8BITMIME", "250-DSN", "250-SMTPUTF8", "250-CHUNKING",
            # XVERP only for smtpd_authorized_verp_clients ($mynetworks: loopback here)
            "250 XVERP"])
            self.assertEqual(c.command("QUIT"), ["221 2.0.0 Bye"])
        finally:
            c.close()

    # ---- delivery ----------------------------------------------------------------------

    def test_swaks_delivery_byte_for_byte(self):
        tern = self.start_tern()
        token = uuid.uuid4().hex
        message = make_message(token, extra_body="\nA second paragraph.\n\n")
        path = tern.path("message.eml")
        write_swaks_data(path, message)
        r = tern.swaks("alice@example.test", args=["--data", "@" + path])
        self.assertEqual(r.returncode, 0, r.stdout)
        qid = harness.queue_id_from_swaks(r.stdout)
        self.assertQueueId(qid)
        msgs = tern.wait_for_maildir("alice", 1)
        self.assertEqual(len(msgs), 1)
        self.assertDelivered(msgs[0], "sender@example.org", "alice@example.test",
                             "alice@example.test", "client.test", message, qid=qid)
        self.assertEqual(tern.maildir_files("bob"), [])

    def test_helo_gives_protocol_smtp(self):
        tern = self.start_tern()
        token = uuid.uuid4().hex
        message = make_message(token, to="bob@example.test")
        c = SmtpSocket(tern.port)
        try:
            c.reply()
            self.assertEqual(c.command("HELO old.client.test"), ["250 %s" % MYHOSTNAME])
            self.assertEqual(c.command("MAIL FROM:<s@example.org>"), ["250 2.1.0 Ok"])
            self.assertEqual(c.command("RCPT TO:<bob@example.test>"), ["250 2.1.5 Ok"])
            self.assertEqual(c.command("DATA"),
                             ["354 End data with <CR><LF>.<CR><LF>"])
            c.send(message.replace("\n", "\r\n").encode() + b".\r\n")
            reply = c.reply()
            self.assertRegex(reply[0], harness.QUEUED_RE)
            self.assertEqual(c.command("QUIT"), ["221 2.0.0 Bye"])
        finally:
            c.close()
        msgs = tern.wait_for_maildir("bob", 1)
        self.assertDelivered(msgs[0], "s@example.org", "bob@example.test",
                             "bob@example.test", "old.client.test", message,
                             protocol="SMTP", qid=harness.QUEUED_RE.match(reply[0]).group(1))

    def test_smtplib_pipelined_two_recipients(self):
        tern = self.start_tern()
        token = uuid.uuid4().hex
        message = make_message(token, to="alice@example.test, bob@example.test")
        s = tern.smtp()
        try:
            code, _ = s.ehlo()
            self.assertEqual(code, 250)
            self.assertTrue(s.has_extn("pipelining"))
            # One write with the whole envelope, then the three replies in order.
            s.send(b"MAIL FROM:<sender@example.org>\r\n"
                   b"RCPT TO:<alice@example.test>\r\n"
                   b"RCPT TO:<bob@example.test>\r\n")
            self.assertEqual(s.getreply(), (250, b"2.1.0 Ok"))
            self.assertEqual(s.getreply(), (250, b"2.1.5 Ok"))
            self.assertEqual(s.getreply(), (250, b"2.1.5 Ok"))
            code, text = s.data(message.replace("\n", "\r\n").encode())
            self.assertEqual(code, 250, text)
            m = re.match(r"^2\.0\.0 Ok: queued as (%s)$" % QUEUE_ID, text.decode())
            self.assertIsNotNone(m, text)
            qid = m.group(1)
            s.quit()
        finally:
            s.close()
        for user in ("alice", "bob"):
            msgs = tern.wait_for_maildir(user, 1)
            self.assertEqual(len(msgs), 1, user)
            rcpt = "%s@example.test" % user
            self.assertDelivered(msgs[0], "sender@example.org", rcpt, rcpt,
                                 "client.test", message, for_line=False, qid=qid)

    def send_raw_message(self, tern, helo, sender, wire_message):
        """EHLO/MAIL/RCPT/DATA over a raw socket, then wire_message (already CRLF and
        dot-stuffed) and the end of data; returns the queue ID. Asserts that exactly
        one reply follows the end of data and that QUIT then gets 221."""
        c = SmtpSocket(tern.port)
        try:
            c.reply()
            c.command("EHLO %s" % helo)
            self.assertEqual(c.command("MAIL FROM:<%s>" % sender), ["250 2.1.0 Ok"])
            self.assertEqual(c.command("RCPT TO:<alice@example.test>"), ["250 2.1.5 Ok"])
            self.assertEqual(c.command("DATA"), ["354 End data with <CR><LF>.<CR><LF>"])
            c.send(wire_message + b".\r\n")
            reply = c.reply()
            self.assertRegex(reply[0], harness.QUEUED_RE)
            self.assertEqual(len(reply), 1, reply)
            # Had the message ended early, the rest of it would have been read as
            # commands, and QUIT would not get the next reply.
            self.assertEqual(c.command("QUIT"), ["221 2.0.0 Bye"])
        finally:
            c.close()
        return harness.QUEUED_RE.match(reply[0]).group(1)

    def test_dot_stuffing(self):
        """RFC 5321 4.5.2: the first dot of every line that starts with one is removed."""
        tern = self.start_tern()
        head = make_message(uuid.uuid4().hex).split("\n\n", 1)[0] + "\n\n"
        wire_body = (b"first line\r\n"
                     b"..a line that starts with one dot\r\n"
                     b"...two dots\r\n"
                     b".\tdot then tab (an unstuffed dot line, dot removed too)\r\n"
                     b"..\r\n"
                     b"a line with a dot . in it\r\n"
                     b"last line\r\n")
        stored_body = ("first line\n"
                       ".a line that starts with one dot\n"
                       "..two dots\n"
                       "\tdot then tab (an unstuffed dot line, dot removed too)\n"
                       ".\n"
                       "a line with a dot . in it\n"
                       "last line\n")
        qid = self.send_raw_message(tern, "raw.client.test", "dots@example.org",
                                    head.replace("\n", "\r\n").encode() + wire_body)
        msgs = tern.wait_for_maildir("alice", 1)
        self.assertEqual(len(msgs), 1)
        self.assertDelivered(msgs[0], "dots@example.org", "alice@example.test",
                             "alice@example.test", "raw.client.test", head + stored_body,
                             qid=qid)

    def test_bare_lf_dot_lf_does_not_end_message(self):
        """Only CRLF.CRLF ends DATA (SMTP smuggling); a bare LF is no line end, so the
        '.' between two bare LFs is content, kept as sent."""
        tern = self.start_tern()
        head = make_message(uuid.uuid4().hex).split("\n\n", 1)[0] + "\n\n"
        wire_body = (b"before\n.\nafter the bare dot\r\n"
                     b"MAIL FROM:<smuggled@example.org>\r\n"
                     b"last line\r\n")
        stored_body = ("before\n.\nafter the bare dot\n"
                       "MAIL FROM:<smuggled@example.org>\n"
                       "last line\n")
        qid = self.send_raw_message(tern, "raw.client.test", "lf@example.org",
                                    head.replace("\n", "\r\n").encode() + wire_body)
        msgs = tern.wait_for_maildir("alice", 1)
        self.assertEqual(len(msgs), 1)
        self.assertIn(b"MAIL FROM:<smuggled@example.org>\nlast line\n", msgs[0])
        self.assertDelivered(msgs[0], "lf@example.org", "alice@example.test",
                             "alice@example.test", "raw.client.test", head + stored_body,
                             qid=qid)
        tern.wait_for_log(r"^disconnect from unknown\[127\.0\.0\.1\] ehlo=1 mail=1 "
                          r"rcpt=1 data=1 quit=1 commands=5$", since=tern.mark)

    def test_first_burst_after_start_gets_every_reply_once(self):
        # Twenty sessions arriving together at a fresh ternd all dial the queue service at
        # once; each must get its 250 promptly and each message must arrive exactly once
        # (a session that lost its reply used to wait 300 s, answer 451 and be retried).
        tern = self.start_tern()
        r = subprocess.run(["/usr/sbin/smtp-source", "-s", "20", "-m", "60", "-c",
                            "-f", "sender@example.org", "-t", "alice@example.test",
                            "127.0.0.1:%d" % tern.port],
                           stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=120)
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        tern.wait_for_maildir("alice", 60, timeout=60)
        time.sleep(1)
        self.assertEqual(len(tern.maildir_files("alice")), 60)
        self.assertNotIn("queue service timed out", tern.log_text())

    def test_postmaster_alias(self):
        tern = self.start_tern()
        token = uuid.uuid4().hex
        message = make_message(token, to="postmaster@example.test")
        path = tern.path("message.eml")
        write_swaks_data(path, message)
        r = tern.swaks("postmaster@example.test", args=["--data", "@" + path])
        qid = harness.queue_id_from_swaks(r.stdout)
        self.assertQueueId(qid)
        msgs = tern.wait_for_maildir("alice", 1)
        self.assertDelivered(msgs[0], "sender@example.org", "postmaster@example.test",
                             "alice@example.test", "client.test", message, qid=qid)
        tern.wait_for_log(r"^%s: to=<alice@example\.test>, orig_to=<postmaster@example\.test>, "
                          r"relay=local, .*status=sent \(delivered to maildir\)$" % qid)

    def test_missing_message_id_and_date_are_added(self):
        tern = self.start_tern()
        s = tern.smtp()
        try:
            s.sendmail("bare@example.org", ["alice@example.test"],
                       b"From: <bare@example.org>\r\nSubject: no id, no date\r\n"
                       b"\r\nbody\r\n")
            s.quit()
        finally:
            s.close()
        msg = tern.wait_for_maildir("alice", 1)[0].decode()
        m = re.fullmatch(
            r"Return-Path: <bare@example\.org>\nX-Original-To: alice@example\.test\n"
            r"Delivered-To: alice@example\.test\n"
            + received_re("client.test", "alice@example.test")
            + r"From: <bare@example\.org>\nSubject: no id, no date\n"
            r"Message-Id: <(?P<stamp>\d{14})\.(?P=qid)@%s>\n"
            r"Date: (?P<date2>[^\n]+)\n\nbody\n" % re.escape(MYHOSTNAME), msg)
        self.assertIsNotNone(m, msg)
        self.assertEqual(m.group("date2"), m.group("date"))
        tern.wait_for_log(r"^%s: message-id=<%s\.%s@%s>$"
                          % (m.group("qid"), m.group("stamp"), m.group("qid"),
                             re.escape(MYHOSTNAME)), since=tern.mark)

    # ---- the mail log --------------------------------------------------------------

    def test_log_lines_for_one_delivery(self):
        tern = self.start_tern()
        token = uuid.uuid4().hex
        message = make_message(token)
        path = tern.path("message.eml")
        write_swaks_data(path, message)
        r = tern.swaks("alice@example.test", args=["--data", "@" + path])
        qid = harness.queue_id_from_swaks(r.stdout)
        self.assertQueueId(qid)
        q = re.escape(qid)
        tern.wait_for_log(r"^%s: removed$" % q, since=tern.mark)
        tern.wait_for_log(r"^disconnect from ", since=tern.mark)
        expected = [
            ("smtpd", r"connect from unknown\[127\.0\.0\.1\]"),
            ("smtpd", r"%s: client=unknown\[127\.0\.0\.1\]" % q),
            ("cleanup", r"%s: message-id=<%s@client\.test>" % (q, token)),
            ("qmgr", r"%s: from=<sender@example\.org>, size=\d+, nrcpt=1 \(queue active\)"
             % q),
            ("local", r"%s: to=<alice@example\.test>, relay=local, delay=\d+(\.\d+)?, "
             r"delays=\d+(\.\d+)?/\d+(\.\d+)?/\d+(\.\d+)?/\d+(\.\d+)?, dsn=2\.0\.0, "
             r"status=sent \(delivered to maildir\)" % q),
            ("qmgr", r"%s: removed" % q),
            ("smtpd", r"disconnect from unknown\[127\.0\.0\.1\] ehlo=1 mail=1 rcpt=1 "
             r"data=1 quit=1 commands=5"),
        ]
        entries = tern.log_entries(since=tern.mark)
        got = [(e["service"], e["text"]) for e in entries]
        # Every line is expected exactly once, and nothing else is logged.
        position = {}
        for i, (service, rx) in enumerate(expected):
            hits = [n for n, (s, t) in enumerate(got)
                    if s == service and re.fullmatch(rx, t)]
            self.assertEqual(len(hits), 1, "log line %s %r found %d times in:\n%s"
                             % (service, rx, len(hits), "\n".join(map(str, got))))
            position[i] = hits[0]
        self.assertEqual(len(got), len(expected), "unexpected log lines:\n%s"
                         % "\n".join(e["raw"] for e in entries))
        # The message's own chain is ordered; the session ends after the 250, but may
        # end before or after the delivery.
        chain = [position[i] for i in range(6)]
        self.assertEqual(chain, sorted(chain), "out of order:\n%s"
                         % "\n".join(e["raw"] for e in entries))
        self.assertGreater(position[6], position[2])
        # One smtpd process logs the whole session.
        pids = {entries[position[i]]["pid"] for i in (0, 1, 6)}
        self.assertEqual(len(pids), 1)
        # size= is the message size Tern queued: the delivered file minus the headers
        # the local delivery prepends (Return-Path, X-Original-To, Delivered-To).
        m = re.search(r"size=(\d+)", got[position[3]][1])
        delivered = tern.maildir_messages("alice")[0]
        prepended = len(b"Return-Path: <sender@example.org>\n"
                        b"X-Original-To: alice@example.test\n"
                        b"Delivered-To: alice@example.test\n")
        self.assertEqual(int(m.group(1)), len(delivered) - prepended,
                         "qmgr size= should be the queued message size")

    # ---- policy --------------------------------------------------------------------

    def test_relay_denied_outside_mynetworks(self):
        tern = self.start_tern()
        r = tern.swaks("x@remote.test", args=["--local-interface", "127.0.0.2"])
        self.assertIn("<** 554 5.7.1 <x@remote.test>: Relay access denied\n", r.stdout)
        self.assertNotIn("queued as", r.stdout)
        tern.wait_for_log(
            r"^NOQUEUE: reject: RCPT from unknown\[127\.0\.0\.2\]: 554 5\.7\.1 "
            r"<x@remote\.test>: Relay access denied; from=<sender@example\.org> "
            r"to=<x@remote\.test> proto=ESMTP helo=<client\.test>$", since=tern.mark)
        tern.wait_for_log(r"^disconnect from unknown\[127\.0\.0\.2\] ehlo=1 mail=1 "
                          r"rcpt=0/1 quit=1 commands=3/4$", since=tern.mark)
        self.assertEqual(tern.queue_files("deferred"), [])
        self.assertEqual(tern.queue_files("active"), [])
        self.assertEqual(tern.queue_files("incoming"), [])

    def test_relay_denied_smtplib(self):
        tern = self.start_tern()
        s = tern.smtp(source="127.0.0.2")
        try:
            s.ehlo()
            self.assertEqual(s.mail("sender@example.org"), (250, b"2.1.0 Ok"))
            self.assertEqual(s.rcpt("x@remote.test"),
                             (554, b"5.7.1 <x@remote.test>: Relay access denied"))
            # A local recipient is still fine from outside mynetworks.
            self.assertEqual(s.rcpt("bob@example.test"), (250, b"2.1.5 Ok"))
            s.quit()
        finally:
            s.close()

    def test_relay_from_mynetworks_is_deferred(self):
        tern = self.start_tern()
        token = uuid.uuid4().hex
        message = make_message(token, to="x@remote.test")
        path = tern.path("message.eml")
        write_swaks_data(path, message)
        r = tern.swaks("x@remote.test", args=["--data", "@" + path])
        qid = harness.queue_id_from_swaks(r.stdout)
        self.assertQueueId(qid)
        reason = harness.REMOTE_DEFERRED
        tern.wait_for_log(r"^%s: to=<x@remote\.test>, relay=none, delay=[0-9.]+, "
                          r"delays=[0-9.]+/[0-9.]+/[0-9.]+/[0-9.]+, dsn=4\.4\.1, "
                          r"status=deferred \(%s\)$" % (qid, re.escape(reason)),
                          since=tern.mark)
        self.assertTrue(harness.wait_until(
            lambda: tern.queue_files("deferred") == [qid], 10),
            "deferred/ holds %r" % tern.queue_files("deferred"))
        self.assertEqual(tern.queue_files("active"), [])
        self.assertEqual(tern.maildir_files("alice"), [])
        out = tern.tool("mailq", "-c", tern.dir)
        self.assertEqual(out.returncode, 0, out.stderr)
        self.assertEqual(out.stderr, "")
        # Loose check: the queue ID, the reason, the recipient and the summary.
        self.assertRegex(out.stdout, r"(?m)^%s\s+\d+ .* sender@example\.org$" % qid)
        self.assertRegex(out.stdout, r"(?m)^\s+\(%s\)$" % re.escape(reason))
        self.assertRegex(out.stdout, r"(?m)^\s+x@remote\.test$")
        self.assertTrue(out.stdout.endswith("\n-- 0 Kbytes in 1 Request.\n"), out.stdout)
        pq = tern.tool("postqueue", "-c", tern.dir, "-p")
        self.assertEqual(pq.stdout, out.stdout)
        self.assertEqual(pq.returncode, 0)

    def test_deferred_message_survives_restart(self):
        tern = self.start_tern()
        r = tern.swaks("x@remote.test")
        qid = harness.queue_id_from_swaks(r.stdout)
        self.assertQueueId(qid)
        self.assertTrue(harness.wait_until(
            lambda: tern.queue_files("deferred") == [qid], 10), tern.evidence())
        before = tern.tool("mailq", "-c", tern.dir).stdout
        self.assertEqual(tern.stop(), 0)
        # Listed from the queue files while the daemon is down.
        self.assertEqual(tern.tool("mailq", "-c", tern.dir).stdout, before)
        tern.start()
        self.assertEqual(tern.queue_files("deferred"), [qid])
        self.assertEqual(tern.tool("mailq", "-c", tern.dir).stdout, before)
        self.assertIn(qid, before)

    def test_mailq_exact_postfix_long_id_layout(self):
        """postqueue -p with long queue IDs, as Postfix prints it (showq_compat.c):
        "%-17s %8ld %19.19s %s" for the message, the reason right-aligned to column
        77 ("%*s(%s)" with padding 76 - len), recipients after 47 spaces, and the
        size being the message size that qmgr logs as size=."""
        tern = self.start_tern()
        before = int(time.time())
        r = tern.swaks("x@remote.test")
        qid = harness.queue_id_from_swaks(r.stdout)
        self.assertQueueId(qid)
        after = int(time.time())
        reason = harness.REMOTE_DEFERRED
        m = tern.wait_for_log(r"^%s: from=<sender@example\.org>, size=(\d+), nrcpt=1"
                              % qid, since=tern.mark)
        size = int(m.group(1))
        tern.wait_for_log(r"^%s: to=<x@remote\.test>, .*status=deferred" % qid,
                          since=tern.mark)
        out = tern.tool("mailq", "-c", tern.dir).stdout
        candidates = []
        for t in range(before - 1, after + 2):
            arrival = time.asctime(time.localtime(t))[:19]
            candidates.append(
                "%-17s %8s %-19s %s\n" % ("----Queue ID-----", "--Size--",
                                          "---Arrival Time----",
                                          "--Sender/Recipient------")
                + "%-17s %8d %19.19s %s\n" % (qid + " ", size, arrival,
                                              "sender@example.org")
                + "%*s(%s)\n" % (76 - len(reason), "", reason)
                + "%-17s %8s %-19s %s\n" % ("", "", "", "x@remote.test")
                + "\n-- %d Kbytes in 1 Request.\n" % (size // 1024))
        self.assertIn(out, candidates,
                      "\n--- got ---\n%s--- expected ---\n%s" % (out, candidates[1]))

    def test_mailq_empty(self):
        tern = self.start_tern()
        for tool, args in (("mailq", []), ("postqueue", ["-p"])):
            r = tern.tool(tool, "-c", tern.dir, *args)
            self.assertEqual((r.returncode, r.stdout, r.stderr),
                             (0, "Mail queue is empty\n", ""), tool)

    def test_unknown_local_user(self):
        tern = self.start_tern()
        r = tern.swaks("nobody@example.test")
        self.assertIn("<** 550 5.1.1 <nobody@example.test>: Recipient address rejected: "
                      "User unknown in local recipient table\n", r.stdout)
        self.assertNotIn("queued as", r.stdout)
        tern.wait_for_log(
            r"^NOQUEUE: reject: RCPT from unknown\[127\.0\.0\.1\]: 550 5\.1\.1 "
            r"<nobody@example\.test>: Recipient address rejected: User unknown in local "
            r"recipient table; from=<sender@example\.org> to=<nobody@example\.test> "
            r"proto=ESMTP helo=<client\.test>$", since=tern.mark)

    # ---- configuration checks and tools ------------------------------------------------

    def test_check_config_broken_main_cf(self):
        tern = self.new_tern(extra_main_cf="this line has no equals sign\n")
        lineno = tern.main_cf_text().split("\n").index("this line has no equals sign") + 1
        r = tern.check_config()
        self.assertEqual(r.returncode, 1, r.stderr)
        self.assertEqual(r.stdout, "")
        main_cf = os.path.join(tern.dir, "main.cf")
        self.assertRegex(r.stderr, r"(?m)^ternd: fatal: %s:%d: \S.*$"
                         % (re.escape(main_cf), lineno))
        self.assertEqual(len(r.stderr.strip().split("\n")), 1, r.stderr)

    def test_check_config_unknown_parameter_warns(self):
        tern = self.new_tern(extra_main_cf="no_such_tern_parameter = 42\n")
        lineno = tern.main_cf_text().split("\n").index("no_such_tern_parameter = 42") + 1
        r = tern.check_config()
        self.assertEqual(r.returncode, 0, r.stderr)
        main_cf = os.path.join(tern.dir, "main.cf")
        self.assertRegex(r.stderr, r"(?m)^ternd: warning: %s:%d: .*no_such_tern_parameter"
                         % (re.escape(main_cf), lineno))
        self.assertNotIn("fatal", r.stderr)

    def test_clean_config_checks_silently(self):
        tern = self.new_tern()
        r = tern.check_config()
        self.assertEqual((r.returncode, r.stdout, r.stderr), (0, "", ""))

    def test_postconf_n(self):
        tern = self.new_tern()
        r = tern.tool("postconf", "-c", tern.dir, "-n")
        self.assertEqual((r.returncode, r.stderr), (0, ""))
        # An empty value prints as "name =", as Postfix prints it.
        expected = "".join(("%s = %s" % kv).rstrip() + "\n" for kv in sorted(tern.settings))
        self.assertEqual(r.stdout, expected)

    def test_postconf_e_edits_in_place_and_keeps_comments(self):
        tern = self.new_tern()
        text = ("# Leading comment, kept.\n"
                "myhostname = old.example.test\n"
                "\n"
                "# Comment before mydomain, kept.\n"
                "mydomain = example.test\n"
                "mynetworks = 127.0.0.1/32\n"
                "    10.0.0.0/8\n"
                "# Trailing comment.\n")
        tern.write_file("main.cf", text)
        r = tern.tool("postconf", "-c", tern.dir, "-e",
                      "myhostname=new.example.test", "mynetworks=127.0.0.0/8",
                      "relay_domains=relay.example.test")
        self.assertEqual((r.returncode, r.stdout, r.stderr), (0, "", ""))
        self.assertEqual(tern.read_file("main.cf"),
                         "# Leading comment, kept.\n"
                         "myhostname = new.example.test\n"
                         "\n"
                         "# Comment before mydomain, kept.\n"
                         "mydomain = example.test\n"
                         "mynetworks = 127.0.0.0/8\n"
                         "# Trailing comment.\n"
                         "relay_domains = relay.example.test\n")
        r = tern.tool("postconf", "-c", tern.dir, "-n")
        self.assertEqual(r.stdout, "mydomain = example.test\n"
                                   "myhostname = new.example.test\n"
                                   "mynetworks = 127.0.0.0/8\n"
                                   "relay_domains = relay.example.test\n")
        r = tern.tool("postconf", "-c", tern.dir, "-h", "myhostname")
        self.assertEqual(r.stdout, "new.example.test\n")

    # ---- shutdown --------------------------------------------------------------------

    def test_sigterm_stops_every_process(self):
        tern = self.start_tern()
        pid_file = tern.master_pid_file()
        with open(pid_file) as f:
            self.assertEqual(f.read().strip(), str(tern.proc.pid))
        status = tern.stop()
        self.assertEqual(status, 0, tern.evidence())
        self.assertEqual(tern.leftovers, [], "role processes outlived the master")
        tern.wait_for_log(r"^terminating on signal 15$")


if __name__ == "__main__":
    unittest.main()
