"""Routing end to end through a running ternd: the notes' catch-all virtual alias
(regexp /.*/ root), a virtual alias domain with its unknown-user reply, an alias loop that
cleanup refuses, transport_maps sending an address to error:, the unlisted local recipient
reply, and `tern route` explaining a route.

The harness's users are alice and bob (Maildir under the test directory) and its
alias_maps send root to alice.

Run: TERN_BUILD=/work/main/build /usr/bin/python3 -m unittest -v test_routing
"""

import re
import unittest

import harness
from harness import TernTestCase, make_message, session

OUTSIDE = "127.0.0.2"  # not in mynetworks: relaying from here is refused


def header(message, name):
    m = re.search(rb"^" + name.encode() + rb": (.*)$", message, re.M)
    return m.group(1).decode() if m else None


class RoutingTest(TernTestCase):

    def send(self, tern, rcpts, token, source="127.0.0.1", sender="sender@example.org"):
        """One message to rcpts over SMTP; returns the 250 reply text after DATA."""
        c = session(tern.port, source=source)
        self.assertEqual(c.command("MAIL FROM:<%s>" % sender)[0][:3], "250")
        for r in rcpts:
            reply = c.command("RCPT TO:<%s>" % r)
            self.assertTrue(reply[0].startswith("250"), (r, reply))
        self.assertEqual(c.command("DATA")[0][:3], "354")
        reply = c.command(make_message(token, sender=sender, to=rcpts[0]).replace("\n", "\r\n") + ".")
        c.command("QUIT")
        c.close()
        return reply

    def test_catch_all_regexp_sends_every_address_of_every_domain_to_root(self):
        tern = self.new_tern()
        tern.write_file("virtual_aliases", "# the notes' catch-all\n/.*/ root\n")
        tern.set_param("virtual_alias_maps", "regexp:virtual_aliases")
        tern = self._start(tern)
        # From outside mynetworks too: with the catch-all every domain is a virtual alias
        # domain (virtual_alias_domains = $virtual_alias_maps), as in Postfix.
        rcpts = ["someone@anywhere.test", "nobody@example.test", "x+y@sub.other.test"]
        reply = self.send(tern, rcpts, "catch-all", source=OUTSIDE)
        self.assertTrue(reply[0].startswith("250 2.0.0 Ok: queued as"), reply)
        # root@example.test is one recipient: the three addresses collapse into it, and
        # the local alias root -> alice delivers it once.
        msgs = tern.wait_for_maildir("alice", 1)
        tern.wait_for_log(r"^\S+: removed$", since=tern.mark)
        self.assertEqual(len(tern.maildir_files("alice")), 1)
        self.assertEqual(header(msgs[0], "X-Original-To"), "someone@anywhere.test")
        self.assertEqual(header(msgs[0], "Delivered-To"), "alice@example.test")
        tern.wait_for_log(r"^\S+: to=<alice@example\.test>, orig_to=<someone@anywhere\.test>, "
                          r"relay=local, .*status=sent", since=tern.mark)
        self.assertEqual(tern.maildir_files("bob"), [])
        # tern route says why.
        r = tern.tool("tern", "route", "-c", tern.dir, "whoever@elsewhere.test")
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn('virtual_alias_maps: regexp:virtual_aliases matched "whoever@elsewhere.test": '
                      '"whoever@elsewhere.test" -> "root"', r.stdout)
        self.assertIn("final recipient <root@example.test>", r.stdout)
        self.assertIn("=> class local, transport local", r.stdout)

    def test_virtual_alias_domain(self):
        tern = self.new_tern()
        tern.write_file("virtual", "info@virt.test bob\nsales@virt.test alice, bob\n"
                                   "loop1@virt.test loop2@virt.test\n"
                                   "loop2@virt.test loop1@virt.test\n")
        tern.set_param("virtual_alias_domains", "virt.test")
        tern.set_param("virtual_alias_maps", "texthash:virtual")
        tern = self._start(tern)
        # Unknown users of a virtual alias domain are refused with Postfix's text.
        c = session(tern.port)
        c.command("MAIL FROM:<sender@example.org>")
        self.assertEqual(c.command("RCPT TO:<stranger@virt.test>"),
                         ["550 5.1.1 <stranger@virt.test>: Recipient address rejected: "
                          "User unknown in virtual alias table"])
        c.command("QUIT")
        c.close()
        # Known ones are delivered to their targets, remembering the original.
        reply = self.send(tern, ["info@virt.test", "sales@virt.test"], "aliases")
        self.assertTrue(reply[0].startswith("250 "), reply)
        alice = tern.wait_for_maildir("alice", 1)
        bob = tern.wait_for_maildir("bob", 1)
        self.assertEqual(header(alice[0], "X-Original-To"), "sales@virt.test")
        self.assertEqual(header(bob[0], "X-Original-To"), "info@virt.test")
        self.assertEqual(len(tern.maildir_files("bob")), 1, "bob is delivered once")
        # An alias loop: cleanup does not accept the message (the client may retry).
        reply = self.send(tern, ["loop1@virt.test"], "loop")
        self.assertTrue(reply[0].startswith("451 "), reply)
        tern.wait_for_log(r"virtual_alias_maps loop for loop1@virt\.test -- message not accepted",
                          since=tern.mark)
        self.assertEqual(tern.queue_files("deferred"), [])

    def test_transport_maps_error_and_unlisted_local_recipient(self):
        tern = self.new_tern()
        tern.set_param("transport_maps", "inline:{ {gone@example.test = error:5.1.1 this address is gone} }")
        tern = self._start(tern)
        c = session(tern.port)
        c.command("MAIL FROM:<alice@example.test>")
        self.assertEqual(c.command("RCPT TO:<mallory@example.test>"),
                         ["550 5.1.1 <mallory@example.test>: Recipient address rejected: "
                          "User unknown in local recipient table"])
        # gone@ is no user either: smtpd refuses it before transport_maps matter.
        self.assertEqual(c.command("RCPT TO:<gone@example.test>")[0][:3], "550")
        c.command("QUIT")
        c.close()
        # With local_recipient_maps empty every local address is accepted, and gone@ is
        # bounced by the error transport that transport_maps names.
        open_tern = self.new_tern()
        open_tern.set_param("transport_maps", "inline:{ {gone@example.test = error:5.1.1 this address is gone} }")
        open_tern.set_param("local_recipient_maps", "")
        open_tern = self._start(open_tern)
        reply = self.send(open_tern, ["gone@example.test"], "gone", sender="alice@example.test")
        self.assertTrue(reply[0].startswith("250 "), reply)
        open_tern.wait_for_log(r"^\S+: to=<gone@example\.test>, relay=none, .*dsn=5\.1\.1, "
                               r"status=bounced \(this address is gone\)$", since=open_tern.mark)
        # The bounce reaches the sender, alice.
        msgs = open_tern.wait_for_maildir("alice", 1)
        self.assertIn(b"this address is gone", msgs[0])

    def test_masquerade_and_canonical_in_envelope_and_headers(self):
        tern = self.new_tern()
        tern.set_param("masquerade_domains", "example.test")
        tern.set_param("sender_canonical_maps", "inline:{ {bob@example.test = Robert.Builder@example.test} }")
        tern = self._start(tern)
        body = ("From: \"Alice, Host\" <alice@host.example.test>\n"
                "To: bob@example.test (Bob)\n"
                "Cc: carol@mail.sub.example.test, undisclosed:;\n"
                "Reply-To: bob\n"
                "Subject: masq\n\nbody\n")
        for source, token in (("127.0.0.1", "local"), ("127.0.0.2", "remote")):
            c = session(tern.port, source=source)
            self.assertEqual(c.command("MAIL FROM:<alice@host.example.test>")[0][:3], "250")
            self.assertEqual(c.command("RCPT TO:<bob@example.test>")[0][:3], "250")
            self.assertEqual(c.command("DATA")[0][:3], "354")
            reply = c.command((body.replace("masq", token)).replace("\n", "\r\n") + ".")
            self.assertTrue(reply[0].startswith("250 "), reply)
            c.command("QUIT")
            c.close()
        msgs = tern.wait_for_maildir("bob", 2)
        by_subject = {header(m, "Subject"): m for m in msgs}
        local, remote = by_subject["local"], by_subject["remote"]
        # The envelope sender is masqueraded for both (envelope_sender class).
        self.assertEqual(header(local, "Return-Path"), "<alice@example.test>")
        self.assertEqual(header(remote, "Return-Path"), "<alice@example.test>")
        # Headers of local mail: masqueraded, qualified, canonical-mapped; names and
        # comments kept byte for byte.
        self.assertEqual(header(local, "From"), "\"Alice, Host\" <alice@example.test>")
        self.assertEqual(header(local, "To"), "bob@example.test (Bob)")
        self.assertEqual(header(local, "Cc"), "carol@example.test, undisclosed:;")
        self.assertEqual(header(local, "Reply-To"), "Robert.Builder@example.test")
        # Mail from a remote client keeps its headers (local_header_rewrite_clients).
        self.assertEqual(header(remote, "From"), "\"Alice, Host\" <alice@host.example.test>")
        self.assertEqual(header(remote, "Cc"), "carol@mail.sub.example.test, undisclosed:;")
        self.assertEqual(header(remote, "Reply-To"), "bob")

    def _start(self, tern):
        tern.write_config()
        tern.start()
        tern.wait_for_log(r"^disconnect from ")
        tern.mark = tern.log_mark()
        return tern


if __name__ == "__main__":
    unittest.main()
