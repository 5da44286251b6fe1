"""Open-relay battery: known address tricks from a client outside mynetworks.

mynetworks = 127.0.0.1/32 and smtpd_relay_restrictions = permit_mynetworks,
reject_unauth_destination (the harness's defaults); the tricks come from 127.0.0.2.
Every trick must be refused at RCPT (4xx/5xx), and nothing may be queued or delivered
for a remote recipient: no queue file left, no "status=" log line for remote.test.
The positive control sends the same relay from 127.0.0.1, where it is allowed, and
shows that the evidence checks do see a relayed message.
"""

import re
import time
import unittest
import uuid

import harness
from harness import MYHOSTNAME, QUEUED_RE, TernTestCase, make_message, session

OUTSIDE = "127.0.0.2"
SPAMMER = "spammer@spam.test"

# (name, helo or None for no HELO at all, MAIL FROM argument, RCPT TO argument as sent)
TRICKS = [
    ("plain remote", "client.test", "<%s>" % SPAMMER, "<user@remote.test>"),
    ("percent hack", "client.test", "<%s>" % SPAMMER, "<user%remote.test@example.test>"),
    ("double percent hack", "client.test", "<%s>" % SPAMMER,
     "<user%remote.test%example.test@example.test>"),
    ("percent hack, upper-case local domain", "client.test", "<%s>" % SPAMMER,
     "<user%remote.test@EXAMPLE.TEST>"),
    ("percent hack via localhost", "client.test", "<%s>" % SPAMMER,
     "<user%remote.test@localhost>"),
    ("percent hack with extension", "client.test", "<%s>" % SPAMMER,
     "<alice+x%remote.test@example.test>"),
    ("quoted local part with @", "client.test", "<%s>" % SPAMMER,
     "<\"user@remote.test\"@example.test>"),
    ("quoted local part with %", "client.test", "<%s>" % SPAMMER,
     "<\"user%remote.test\"@example.test>"),
    ("two @", "client.test", "<%s>" % SPAMMER, "<user@remote.test@example.test>"),
    ("two @, remote last", "client.test", "<%s>" % SPAMMER, "<user@example.test@remote.test>"),
    ("bang path", "client.test", "<%s>" % SPAMMER, "<remote.test!user@example.test>"),
    ("bang path and percent", "client.test", "<%s>" % SPAMMER,
     "<remote.test!user%other.test@example.test>"),
    ("source route", "client.test", "<%s>" % SPAMMER, "<@example.test:user@remote.test>"),
    ("source route, two hops", "client.test", "<%s>" % SPAMMER,
     "<@mail.example.test,@example.test:user@remote.test>"),
    ("nested angle brackets", "client.test", "<%s>" % SPAMMER,
     "<<user@remote.test>@example.test>"),
    ("angle brackets in local part", "client.test", "<%s>" % SPAMMER,
     "<\"<user@remote.test>\"@example.test>"),
    ("no angle brackets", "client.test", "<%s>" % SPAMMER, "user@remote.test"),
    ("space after colon", "client.test", "<%s>" % SPAMMER, " <user@remote.test>"),
    ("address literal", "client.test", "<%s>" % SPAMMER, "<user@[192.0.2.1]>"),
    ("percent hack to our address literal", "client.test", "<%s>" % SPAMMER,
     "<user%remote.test@[127.0.0.1]>"),
    ("local domain as prefix", "client.test", "<%s>" % SPAMMER,
     "<user@example.test.remote.test>"),
    ("localhost as prefix", "client.test", "<%s>" % SPAMMER, "<user@localhost.remote.test>"),
    ("subdomain of a local domain", "client.test", "<%s>" % SPAMMER, "<user@sub.example.test>"),
    ("trailing dot", "client.test", "<%s>" % SPAMMER, "<user@remote.test.>"),
    ("upper case", "client.test", "<%s>" % SPAMMER, "<USER@REMOTE.TEST>"),
    ("forged HELO of our own name", MYHOSTNAME, "<%s>" % SPAMMER, "<user@remote.test>"),
    ("HELO localhost", "localhost", "<%s>" % SPAMMER, "<user@remote.test>"),
    ("HELO of a mynetworks address", "[127.0.0.1]", "<%s>" % SPAMMER, "<user@remote.test>"),
    ("local sender", "client.test", "<alice@example.test>", "<user@remote.test>"),
    ("null sender", "client.test", "<>", "<user@remote.test>"),
    ("no HELO at all", None, "<%s>" % SPAMMER, "<user@remote.test>"),
]


class RelayTest(TernTestCase):

    def setUp(self):
        self.tern = self.start_tern()

    def open(self, source=OUTSIDE, helo="client.test", ehlo=True):
        c = session(self.tern.port, source=source, helo=helo, ehlo=ehlo)
        self.addCleanup(c.close)
        return c

    def finish_if_accepted(self, c, reply):
        """If a relay was (wrongly) accepted, send the message so that the evidence
        checks see what would have happened."""
        if reply[0].startswith("250"):
            self.assertEqual(c.command("DATA")[0][:3], "354")
            c.send(make_message(uuid.uuid4().hex).replace("\n", "\r\n").encode() + b".\r\n")
            c.reply()

    def assertRefused(self, reply, what):
        self.assertRegex(reply[0], r"^[45]\d\d ", "%s was accepted: %r" % (what, reply))

    def assertNothingRelayed(self):
        time.sleep(1.0)  # let the queue manager pick up anything that was wrongly queued
        relayed = [l for l in self.tern.log_lines(self.tern.mark)
                   if re.search(r"to=<[^>]*(remote|other)\.test", l, re.I) and "status=" in l]
        self.assertEqual(relayed, [], self.tern.evidence())
        for queue in ("incoming", "active", "deferred", "hold", "maildrop"):
            self.assertEqual(self.tern.queue_files(queue), [], queue)

    def test_relay_battery_from_outside_mynetworks(self):
        self.assertGreaterEqual(len(TRICKS), 20)
        for name, helo, mail_from, rcpt_to in TRICKS:
            with self.subTest(trick=name, rcpt=rcpt_to):
                c = self.open(helo=helo)
                self.assertEqual(c.command("MAIL FROM:%s" % mail_from), ["250 2.1.0 Ok"])
                reply = c.command("RCPT TO:%s" % rcpt_to)
                self.finish_if_accepted(c, reply)
                c.command("QUIT")
                c.close()
                self.assertRefused(reply, rcpt_to)
        self.assertNothingRelayed()

    def test_plain_remote_gets_postfix_relay_reply(self):
        c = self.open()
        c.command("MAIL FROM:<%s>" % SPAMMER)
        self.assertEqual(c.command("RCPT TO:<user@remote.test>"),
                         ["554 5.7.1 <user@remote.test>: Relay access denied"])
        self.tern.wait_for_log(
            r"^NOQUEUE: reject: RCPT from unknown\[127\.0\.0\.2\]: 554 5\.7\.1 "
            r"<user@remote\.test>: Relay access denied; from=<spammer@spam\.test> "
            r"to=<user@remote\.test> proto=ESMTP helo=<client\.test>$", since=self.tern.mark)

    def test_empty_helo_then_relay(self):
        c = self.open(helo=None)
        self.assertEqual(c.command("HELO"), ["501 5.5.4 Syntax: HELO hostname"])
        self.assertEqual(c.command("EHLO "), ["501 5.5.4 Syntax: EHLO hostname"])
        self.assertEqual(c.command("MAIL FROM:<%s>" % SPAMMER), ["250 2.1.0 Ok"])
        reply = c.command("RCPT TO:<user@remote.test>")
        self.finish_if_accepted(c, reply)
        self.assertRefused(reply, "relay after an empty HELO")
        self.assertNothingRelayed()

    def test_relay_after_rset(self):
        c = self.open()
        self.assertEqual(c.command("MAIL FROM:<%s>" % SPAMMER), ["250 2.1.0 Ok"])
        self.assertEqual(c.command("RCPT TO:<alice@example.test>"), ["250 2.1.5 Ok"])
        self.assertEqual(c.command("RSET"), ["250 2.0.0 Ok"])
        self.assertEqual(c.command("MAIL FROM:<%s>" % SPAMMER), ["250 2.1.0 Ok"])
        reply = c.command("RCPT TO:<user@remote.test>")
        self.finish_if_accepted(c, reply)
        self.assertRefused(reply, "relay after RSET")
        self.assertNothingRelayed()

    def test_second_rcpt_after_a_permitted_one(self):
        c = self.open()
        self.assertEqual(c.command("MAIL FROM:<%s>" % SPAMMER), ["250 2.1.0 Ok"])
        self.assertEqual(c.command("RCPT TO:<alice@example.test>"), ["250 2.1.5 Ok"])
        reply = c.command("RCPT TO:<user@remote.test>")
        self.assertRefused(reply, "second RCPT")
        self.assertEqual(c.command("RCPT TO:<user%remote.test@example.test>")[0][:3], "554")
        # The message goes to alice only.
        self.assertEqual(c.command("DATA")[0][:3], "354")
        c.send(make_message(uuid.uuid4().hex).replace("\n", "\r\n").encode() + b".\r\n")
        self.assertRegex(c.reply()[0], QUEUED_RE)
        self.tern.wait_for_maildir("alice", 1)
        self.assertNothingRelayed()

    def test_relay_in_one_pipelined_write(self):
        c = self.open()
        c.send(b"MAIL FROM:<spammer@spam.test>\r\nRCPT TO:<user@remote.test>\r\n"
               b"RCPT TO:<user%remote.test@example.test>\r\nDATA\r\n")
        self.assertEqual(c.reply(), ["250 2.1.0 Ok"])
        self.assertRefused(c.reply(), "pipelined RCPT")
        self.assertRefused(c.reply(), "pipelined percent-hack RCPT")
        self.assertEqual(c.reply(), ["554 5.5.1 Error: no valid recipients"])
        self.assertNothingRelayed()

    def test_xverp_from_outside_mynetworks(self):
        c = self.open()
        self.assertEqual(c.command("MAIL FROM:<%s> XVERP" % SPAMMER), ["554 5.7.1 Access denied"])
        self.assertEqual(c.command("MAIL FROM:<%s> XVERP=+=" % SPAMMER),
                         ["554 5.7.1 Access denied"])
        self.assertEqual(c.command("RCPT TO:<user@remote.test>"),
                         ["503 5.5.1 Error: need MAIL command"])

    def test_positive_control_from_mynetworks(self):
        c = self.open(source="127.0.0.1")
        self.assertEqual(c.command("MAIL FROM:<alice@example.test>"), ["250 2.1.0 Ok"])
        self.assertEqual(c.command("RCPT TO:<user@remote.test>"), ["250 2.1.5 Ok"])
        self.assertEqual(c.command("RCPT TO:<user%other.test@example.test>"), ["250 2.1.5 Ok"])
        self.assertEqual(c.command("DATA")[0][:3], "354")
        c.send(make_message(uuid.uuid4().hex).replace("\n", "\r\n").encode() + b".\r\n")
        self.assertRegex(c.reply()[0], QUEUED_RE)
        c.command("QUIT")
        # The evidence the battery looks for does show up for a relayed message: the
        # queue manager routes both to remote destinations.
        self.tern.wait_for_log(r"to=<user@remote\.test>.*status=", since=self.tern.mark)
        # (the queue may log the percent-hack address as given or as rewritten)
        self.tern.wait_for_log(r"to=<user(%other\.test@example\.test|@other\.test)>.*status=",
                               since=self.tern.mark)


if __name__ == "__main__":
    unittest.main()
