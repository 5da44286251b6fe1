"""SMTP smuggling (CVE-2023-51764 and kin) through a running ternd.

A message carries a fake end of data ("\\n.\\n", "\\r.\\r", ...) followed by a second,
smuggled transaction (MAIL FROM/RCPT TO/DATA). Only <CR><LF>.<CR><LF> ends DATA, so
exactly one message must be delivered, to alice, with the smuggled text inside it;
bob (the smuggled recipient) must get nothing, and the session must see the
client's QUIT as the very next command. Each case is sent in one write and again
split at random byte positions. Also smtpd_forbid_bare_newline = reject.
"""

import random
import re
import socket
import time
import unittest
import uuid

import harness
from harness import MYHOSTNAME, QUEUED_RE, SmtpSocket, TernTestCase, make_message, session

OUTSIDE = "127.0.0.2"

FAKE_ENDS = [
    b"\n.\n",
    b"\r.\r",
    b"\r\n.\r",
    b"\r\n.\n",
    b"\n.\r\n",
    b"\r.\r\n",
    b"\r\n\x00.\r\n",
    b"\r\n.\x00\r\n",
    b"\n..\n",
    b"\r\n.\r\r\n",
]


def smuggled_transaction(token):
    return (b"MAIL FROM:<evil@spam.test>\r\n"
            b"RCPT TO:<bob@example.test>\r\n"
            b"DATA\r\n"
            b"From: <evil@spam.test>\r\nTo: <bob@example.test>\r\n"
            b"Subject: smuggled " + token + b"\r\n\r\n"
            b"SMUGGLED-" + token + b"\r\n")


def build_message(fake_end, where, token):
    """The DATA content (without the final CRLF.CRLF) with the fake end placed at
    'where': right after the header, mid-line, or just before the real end."""
    head = make_message(token.decode()).split("\n\n", 1)[0].replace("\n", "\r\n").encode()
    smuggled = smuggled_transaction(token)
    if where == "after-header":
        body = b"\r\n" + fake_end + smuggled + b"the end\r\n"
    elif where == "mid-line":
        body = b"\r\nsome text" + fake_end + smuggled + b"the end\r\n"
    else:  # before the real end: the smuggled part ends with the real end of data
        body = b"\r\nsome text\r\nmore" + fake_end + smuggled
    return head + b"\r\n" + body


class SmugglingTest(TernTestCase):

    @classmethod
    def setUpClass(cls):
        cls.rng = random.Random(0x5EED)

    def send_pieces(self, sock, data, split):
        if not split:
            sock.sendall(data)
            return
        cuts = sorted(self.rng.sample(range(1, len(data)), min(6, len(data) - 1)))
        # Make sure some cuts land inside the fake end itself.
        pieces, last = [], 0
        for cut in cuts:
            pieces.append(data[last:cut])
            last = cut
        pieces.append(data[last:])
        for piece in pieces:
            sock.sendall(piece)
            time.sleep(0.02)

    def run_case(self, tern, fake_end, where, split, cut_inside=False):
        token = uuid.uuid4().hex.encode()
        content = build_message(fake_end, where, token)
        c = session(tern.port, source=OUTSIDE, helo="client.test")
        self.addCleanup(c.close)
        c.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        wire = (b"MAIL FROM:<sender@example.org>\r\nRCPT TO:<alice@example.test>\r\nDATA\r\n"
                + content + b"\r\n.\r\nQUIT\r\n")
        if cut_inside:
            # Split exactly inside the fake end: one write up to its middle, then the rest.
            at = wire.index(fake_end) + max(1, len(fake_end) // 2)
            c.sock.sendall(wire[:at])
            time.sleep(0.05)
            c.sock.sendall(wire[at:])
        else:
            self.send_pieces(c.sock, wire, split)
        replies = [c.reply() for _ in range(4)]
        self.assertEqual(replies[0], ["250 2.1.0 Ok"])
        self.assertEqual(replies[1], ["250 2.1.5 Ok"])
        self.assertEqual(replies[2], ["354 End data with <CR><LF>.<CR><LF>"])
        self.assertRegex(replies[3][0], QUEUED_RE)
        qid = QUEUED_RE.match(replies[3][0]).group(1)
        # Had the fake end ended the message, the smuggled commands would answer here.
        self.assertEqual(c.reply(), ["221 2.0.0 Bye"])
        c.close()
        return qid, token

    def check_one_message(self, tern, cases):
        """cases: [(qid, token)]; alice got exactly these, bob nothing, and the log has
        exactly one transaction per case."""
        msgs = tern.wait_for_maildir("alice", len(cases))
        time.sleep(0.5)
        msgs = tern.maildir_messages("alice")
        self.assertEqual(len(msgs), len(cases), tern.evidence())
        self.assertEqual(tern.maildir_files("bob"), [], tern.evidence())
        for qid, token in cases:
            found = [m for m in msgs if qid.encode() in m]
            self.assertEqual(len(found), 1, qid)
            self.assertIn(b"SMUGGLED-" + token, found[0])
            self.assertIn(b"MAIL FROM:<evil@spam.test>", found[0])
        clients = [l for l in tern.log_lines(tern.mark)
                   if re.search(r"tern/smtpd\[\d+\]: \w+: client=unknown\[127\.0\.0\.2\]", l)]
        self.assertEqual(len(clients), len(cases), "\n".join(clients))
        self.assertNotIn("to=<bob@example.test>", tern.log_text(tern.mark))

    def battery(self, split, cut_inside=False):
        tern = self.start_tern()
        cases = []
        for fake_end in FAKE_ENDS:
            for where in ("after-header", "mid-line", "before-end"):
                with self.subTest(fake_end=fake_end, where=where):
                    cases.append(self.run_case(tern, fake_end, where, split, cut_inside))
        self.check_one_message(tern, cases)

    def test_fake_ends_in_one_write(self):
        self.battery(split=False)

    def test_fake_ends_split_at_random_positions(self):
        self.battery(split=True)

    def test_fake_ends_split_inside_the_sequence(self):
        self.battery(split=False, cut_inside=True)

    def test_bare_cr_and_lf_kept_as_content(self):
        """The content around a fake end arrives as sent (bare CR/LF kept, the one
        leading dot of a line removed as in any dot-stuffed line)."""
        tern = self.start_tern()
        qid, token = self.run_case(tern, b"\n.\n", "mid-line", split=False)
        msg = tern.wait_for_maildir("alice", 1)[0]
        self.assertIn(b"some text\n.\nMAIL FROM:<evil@spam.test>\n", msg)

    # ---- smtpd_forbid_bare_newline = reject ---------------------------------------------

    def reject_tern(self, exclusions=None):
        cf = {"smtpd_forbid_bare_newline": "reject"}
        if exclusions is not None:
            cf["smtpd_forbid_bare_newline_exclusions"] = exclusions
        return self.start_tern(main_cf=cf)

    def test_bare_lf_in_command_rejected_and_closed(self):
        tern = self.reject_tern()
        c = SmtpSocket(tern.port, source=OUTSIDE)
        self.addCleanup(c.close)
        c.reply()
        self.assertEqual(c.command("EHLO client.test")[-1], "250 CHUNKING")
        c.send(b"MAIL FROM:<s@example.org>\n")
        self.assertEqual(c.reply(), ["550 5.5.2 Error: bare <LF> received"])
        self.assertTrue(c.closed_by_peer(5))

    def test_bare_lf_in_data_rejected_and_closed(self):
        tern = self.reject_tern()
        c = session(tern.port, source=OUTSIDE, helo="client.test")
        self.addCleanup(c.close)
        self.assertEqual(c.command("MAIL FROM:<s@example.org>"), ["250 2.1.0 Ok"])
        self.assertEqual(c.command("RCPT TO:<alice@example.test>"), ["250 2.1.5 Ok"])
        self.assertEqual(c.command("DATA")[0][:3], "354")
        c.send(b"Subject: bare\r\n\r\nline one\nline two\r\n.\r\n")
        self.assertEqual(c.reply(), ["550 5.5.2 Error: bare <LF> received"])
        self.assertTrue(c.closed_by_peer(5))
        time.sleep(0.5)
        self.assertEqual(tern.maildir_files("alice"), [])

    def test_bare_lf_smuggling_rejected(self):
        """With reject, the classic '\\n.\\n' smuggling attempt is refused outright."""
        tern = self.reject_tern()
        c = session(tern.port, source=OUTSIDE, helo="client.test")
        self.addCleanup(c.close)
        token = uuid.uuid4().hex.encode()
        c.send(b"MAIL FROM:<s@example.org>\r\nRCPT TO:<alice@example.test>\r\nDATA\r\n"
               + build_message(b"\n.\n", "mid-line", token) + b"\r\n.\r\n")
        self.assertEqual(c.reply(), ["250 2.1.0 Ok"])
        self.assertEqual(c.reply(), ["250 2.1.5 Ok"])
        self.assertEqual(c.reply()[0][:3], "354")
        self.assertEqual(c.reply(), ["550 5.5.2 Error: bare <LF> received"])
        self.assertTrue(c.closed_by_peer(5))
        time.sleep(0.5)
        self.assertEqual(tern.maildir_files("alice"), [])
        self.assertEqual(tern.maildir_files("bob"), [])

    def test_bare_lf_from_excluded_client_accepted(self):
        # The default exclusions are $mynetworks (127.0.0.1/32 here); add 127.0.0.2.
        tern = self.reject_tern(exclusions="127.0.0.1/32, 127.0.0.2/32")
        for source in ("127.0.0.1", OUTSIDE):
            with self.subTest(client=source):
                c = session(tern.port, source=source, helo="client.test")
                c.send(b"MAIL FROM:<s@example.org>\n")
                self.assertEqual(c.reply(), ["250 2.1.0 Ok"])
                self.assertEqual(c.command("RCPT TO:<alice@example.test>"), ["250 2.1.5 Ok"])
                self.assertEqual(c.command("DATA")[0][:3], "354")
                c.send(b"Subject: bare from " + source.encode() + b"\r\n\r\nline one\nline two\r\n.\r\n")
                self.assertRegex(c.reply()[0], QUEUED_RE)
                self.assertEqual(c.command("QUIT"), ["221 2.0.0 Bye"])
                c.close()
        msgs = tern.wait_for_maildir("alice", 2)
        for m in msgs:
            self.assertIn(b"line one\nline two\n", m)


if __name__ == "__main__":
    unittest.main()
