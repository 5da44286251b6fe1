"""The DNS restriction words through a running ternd, against real DNS (Knot serving the
lists' zones, Unbound resolving): the client address is chosen from 127.0.0.0/8 by binding
the client socket, so each loopback address is a differently listed client.
  - reject_rbl_client: a listed client is refused with default_rbl_reply and the list's
    TXT record (554 5.7.1 ... blocked using dnsbl.test; <TXT>), logged as Postfix logs it;
    a reply filter (=127.0.0.[2..3]) ignores listings with other codes; unlisted clients pass;
  - reject_rhsbl_sender and reject_rhsbl_helo on a domain list;
  - permit_dnswl_client ahead of the DNSBL lets a listed client through;
  - rbl_reply_maps gives a list its own reply;
  - check_sender_mx_access / _ns_access / _a_access search a table for the sender domain's
    MX hosts (names and addresses), name servers (of the enclosing zone) and addresses;
  - with disable_dns_lookups = yes the words are a configuration error."""

import smtplib
import unittest

import harness
import dns_peers

harness.PORT_RANGE = (25800, 25899)  # this test's ports

LISTS = {
    # The DNSBL: 127.0.0.2 listed with a TXT reason, 127.0.0.4 listed with another code.
    "dnsbl.test": dns_peers.Zone({
        "2.0.0.127": [("A", "127.0.0.2"), ("TXT", "Listed for testing: 127.0.0.2")],
        "4.0.0.127": [("A", "127.0.0.10")],
        "5.0.0.127": [("A", "127.0.0.2")],
    }, signed=False),
    # The DNSWL: 127.0.0.5 is listed on both.
    "dnswl.test": dns_peers.Zone({"5.0.0.127": [("A", "127.0.10.1")]}, signed=False),
    # The RHSBL: domains below dbl.test.
    "dbl.test": dns_peers.Zone({
        "bad.sender.test": [("A", "127.0.1.2"), ("TXT", "sender domain listed")],
        "spam.helo.test": [("A", "127.0.1.3")],
    }, signed=False),
    # Sender domains: MX at a listed hoster, MX elsewhere, a null MX, only an address.
    "senders.test": dns_peers.Zone({
        "bad": [("MX", "10 mx.hoster.senders.test.")],
        "mx.hoster": [("A", "127.0.0.66")],
        "good": [("MX", "10 mx.good.senders.test.")],
        "mx.good": [("A", "127.0.0.67")],
        "nullmx": [("MX", "0 .")],
        "nomx": [("A", "127.0.0.68")],
    }, signed=False),
}

DEFAULT_REPLY = "554 5.7.1 Service unavailable; Client host [%s] blocked using dnsbl.test%s"


class DnsRestrictionsTest(harness.TernTestCase):
    @classmethod
    def setUpClass(cls):
        cls.dns = dns_peers.DnsPeers(LISTS, port=harness.free_port(), auth_port=harness.free_port())
        cls.addClassCleanup(cls.dns.stop)

    def start(self, **params):
        p = dict(self.dns.tern_params())
        p.update(params)
        return self.start_tern(main_cf=p)

    def rcpt_reply(self, tern, source, sender="x@example.org", helo="client.test", rcpt="alice@example.test"):
        s = tern.smtp(helo=helo, source=source)
        s.ehlo(helo)
        code, text = s.mail(sender)
        if code == 250:
            code, text = s.rcpt(rcpt)
        s.quit()
        return code, text.decode()

    def test_rbl_client(self):
        tern = self.start(smtpd_client_restrictions="reject_rbl_client dnsbl.test")
        s = tern.smtp(helo="client.test", source="127.0.0.2")
        s.ehlo("client.test")
        s.mail("x@example.org")
        for rcpt in ("alice@example.test", "bob@example.test"):  # refused at each RCPT
            code, text = s.rcpt(rcpt)
            self.assertEqual(code, 554)
            self.assertEqual(text.decode(), (DEFAULT_REPLY % ("127.0.0.2", "; Listed for testing: 127.0.0.2"))[4:])
        s.quit()
        tern.wait_for_log(
            r"NOQUEUE: reject: RCPT from unknown\[127\.0\.0\.2\]: 554 5\.7\.1 Service unavailable; Client host "
            r"\[127\.0\.0\.2\] blocked using dnsbl\.test; Listed for testing: 127\.0\.0\.2; "
            r"from=<x@example\.org> to=<bob@example\.test> proto=ESMTP helo=<client\.test>", since=tern.mark)
        # Unlisted, and listed with a code the words do not ask about: accepted.
        self.assertEqual(self.rcpt_reply(tern, "127.0.0.3")[0], 250)
        self.assertEqual(self.rcpt_reply(tern, "127.0.0.4")[0], 554)
        # The whole message from an unlisted client.
        s = tern.smtp(helo="client.test", source="127.0.0.3")
        s.sendmail("x@example.org", ["alice@example.test"], harness.make_message("dnsbl-pass"))
        s.quit()
        tern.wait_for_maildir("alice", 1)

    def test_reply_filter(self):
        tern = self.start(smtpd_recipient_restrictions="reject_rbl_client dnsbl.test=127.0.0.[2..3]")
        code, text = self.rcpt_reply(tern, "127.0.0.2")
        self.assertEqual(code, 554, text)
        self.assertEqual(self.rcpt_reply(tern, "127.0.0.4")[0], 250)  # listed as 127.0.0.10

    def test_rhsbl_sender_and_helo(self):
        tern = self.start(smtpd_sender_restrictions="reject_rhsbl_sender dbl.test",
                          smtpd_helo_restrictions="reject_rhsbl_helo dbl.test")
        code, text = self.rcpt_reply(tern, "127.0.0.3", sender="x@bad.sender.test")
        self.assertEqual((code, text), (554, "5.7.1 Service unavailable; Sender address [bad.sender.test] "
                                             "blocked using dbl.test; sender domain listed"))
        code, text = self.rcpt_reply(tern, "127.0.0.3", helo="spam.helo.test")
        self.assertEqual((code, text), (554, "5.7.1 Service unavailable; Helo command [spam.helo.test] "
                                             "blocked using dbl.test"))
        self.assertEqual(self.rcpt_reply(tern, "127.0.0.3", sender="x@good.sender.test")[0], 250)

    def test_dnswl_first(self):
        tern = self.start(smtpd_client_restrictions="permit_dnswl_client dnswl.test, reject_rbl_client dnsbl.test")
        self.assertEqual(self.rcpt_reply(tern, "127.0.0.5")[0], 250)
        self.assertEqual(self.rcpt_reply(tern, "127.0.0.2")[0], 554)

    def test_rbl_reply_maps_and_code(self):
        tern = self.start(
            smtpd_client_restrictions="reject_rbl_client dnsbl.test",
            maps_rbl_reject_code="550",
            # main.cf expands $names when it is read: $$ leaves them for the reply.
            rbl_reply_maps="inline:{ {dnsbl.test = $$rbl_code 5.7.0 $$client_address is on $$rbl_domain, "
                           "see https://dnsbl.test/$$client_address} }")
        code, text = self.rcpt_reply(tern, "127.0.0.2")
        self.assertEqual((code, text), (550, "5.7.0 127.0.0.2 is on dnsbl.test, see https://dnsbl.test/127.0.0.2"))

    def test_soft_reply_code(self):
        tern = self.start(smtpd_client_restrictions="reject_rbl_client dnsbl.test",
                          default_rbl_reply="$rbl_code listed ($rbl_what) on $rbl_domain", maps_rbl_reject_code="450")
        self.assertEqual(self.rcpt_reply(tern, "127.0.0.2"), (450, "4.7.1 listed (127.0.0.2) on dnsbl.test"))

    def test_sender_server_access(self):
        tern = self.start(smtpd_sender_restrictions=(
            "check_sender_mx_access inline:{ {hoster.senders.test = REJECT bad hoster} }, "
            "check_sender_a_access inline:{ {127.0.0.68 = 550 5.7.0 no mail from there} }, "
            "check_sender_ns_access inline:{ {127.0.0.1 = DUNNO}, {ns.senders.test = HOLD} }"))
        self.assertEqual(self.rcpt_reply(tern, "127.0.0.3", sender="x@bad.senders.test"),
                         (554, "5.7.1 <x@bad.senders.test>: Sender address rejected: bad hoster"))
        self.assertEqual(self.rcpt_reply(tern, "127.0.0.3", sender="x@nomx.senders.test"),
                         (550, "5.7.0 <x@nomx.senders.test>: Sender address rejected: no mail from there"))
        # good.senders.test has no NS of its own: senders.test's ns.senders.test answers HOLD.
        s = tern.smtp(helo="client.test", source="127.0.0.3")
        s.sendmail("x@good.senders.test", ["alice@example.test"], harness.make_message("ns-hold"))
        s.quit()
        tern.wait_for_log(r"NOQUEUE: hold: RCPT from unknown\[127\.0\.0\.3\]: <x@good\.senders\.test>: "
                          r"Sender address triggers HOLD action", since=tern.mark)

    def test_words_need_dns(self):
        for word in ("reject_rbl_client dnsbl.test", "reject_rhsbl_sender dbl.test", "permit_dnswl_client dnswl.test",
                     "check_sender_mx_access inline:{x=REJECT}", "check_client_a_access inline:{x=REJECT}"):
            with self.subTest(word=word):
                tern = self.new_tern(main_cf={"smtpd_client_restrictions": word, "disable_dns_lookups": "yes"})
                r = tern.check_config()
                self.assertNotEqual(r.returncode, 0)
                self.assertIn("smtpd_client_restrictions: %s needs DNS lookups" % word.split()[0], r.stderr + r.stdout)

    def test_bad_template_and_filter(self):
        tern = self.new_tern(main_cf=dict(self.dns.tern_params(), smtpd_client_restrictions="reject_rbl_client dnsbl.test",
                                          default_rbl_reply="Service unavailable"))
        r = tern.check_config()
        self.assertNotEqual(r.returncode, 0)
        self.assertIn("default_rbl_reply: bad rbl reply template", r.stderr + r.stdout)
        tern = self.new_tern(main_cf=dict(self.dns.tern_params(),
                                          smtpd_client_restrictions="reject_rbl_client dnsbl.test=127.0.0.[3..2]"))
        r = tern.check_config()
        self.assertNotEqual(r.returncode, 0)
        self.assertIn("bad reply filter", r.stderr + r.stdout)


if __name__ == "__main__":
    unittest.main()
