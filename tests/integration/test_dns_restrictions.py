"""The DNS restriction words through a running ternd, against real DNS (Knot serving the
lists' zones, Unbound resolving): the client address is chosen from 127.0.0.0/8 by binding
the client socket, so each loopback address is a differently listed client.
  - reject_rbl_client: a listed client is refused with default_rbl_reply and the list's
    TXT record (554 5.7.1 ... blocked using dnsbl.test; <TXT>), logged as Postfix logs it;
    a reply filter (=127.0.0.[2..3]) ignores listings with other codes; unlisted clients pass;
  - reject_rhsbl_sender and reject_rhsbl_helo on a domain list; reject_rhsbl_client with the
    verified client name and reject_rhsbl_reverse_client with the PTR name (verified or not);
  - permit_dnswl_client ahead of the DNSBL lets a listed client through;
  - rbl_reply_maps gives a list its own reply;
  - check_sender_mx_access / _ns_access / _a_access search a table for the sender domain's
    MX hosts (names and addresses), name servers (of the enclosing zone) and addresses;
    check_client_mx_access the client name's MX hosts, check_helo_ns_access the HELO name's
    name servers; check_reverse_client_hostname_access the unverified PTR name;
  - reject_unknown_client_hostname / _reverse_client_hostname with the client name smtpd
    learns (PTR, forward confirmation), reject_unknown_helo_hostname, and
    reject_unknown_sender_domain / _recipient_domain (no such domain, a null MX, a lookup
    that fails for now);
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
        "good.clients.test": [("A", "127.0.1.4"), ("TXT", "client name listed")],
        "forged.clients.test": [("A", "127.0.1.5")],
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
    # Client names (smtpd_peername_lookup = yes): 127.0.0.20 verified, 127.0.0.21 a PTR
    # whose name does not lead back, 127.0.0.22 no PTR, 127.0.0.23 verified (no MX: its own
    # mail host). good.clients.test's mail goes to the listed hoster of senders.test.
    "0.0.127.in-addr.arpa": dns_peers.Zone({
        "20": [("PTR", "good.clients.test.")],
        "21": [("PTR", "forged.clients.test.")],
        "23": [("PTR", "other.clients.test.")],
    }, signed=False),
    "clients.test": dns_peers.Zone({"good": [("A", "127.0.0.20"), ("MX", "10 mx.hoster.senders.test.")],
                                    "forged": [("A", "127.0.0.99")], "other": [("A", "127.0.0.23")]},
                                   signed=False),
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

    def test_client_hostname(self):
        tern = self.start(smtpd_peername_lookup="yes",
                          smtpd_client_restrictions="reject_unknown_client_hostname")
        self.assertEqual(self.rcpt_reply(tern, "127.0.0.20")[0], 250)
        tern.wait_for_log(r"connect from good\.clients\.test\[127\.0\.0\.20\]", since=tern.mark)
        for client in ("127.0.0.21", "127.0.0.22"):
            self.assertEqual(self.rcpt_reply(tern, client),
                             (450, "4.7.25 Client host rejected: cannot find your hostname, [%s]" % client))
        tern.wait_for_log(r"NOQUEUE: reject: RCPT from unknown\[127\.0\.0\.21\]: 450 4\.7\.25 Client host "
                          r"rejected: cannot find your hostname, \[127\.0\.0\.21\]; from=<x@example\.org> "
                          r"to=<alice@example\.test> proto=ESMTP helo=<client\.test>", since=tern.mark)

    def test_reverse_client_hostname(self):
        tern = self.start(smtpd_peername_lookup="yes", unknown_client_reject_code="550",
                          smtpd_client_restrictions="reject_unknown_reverse_client_hostname")
        self.assertEqual(self.rcpt_reply(tern, "127.0.0.21")[0], 250)
        self.assertEqual(self.rcpt_reply(tern, "127.0.0.22"),
                         (550, "5.7.25 Client host rejected: cannot find your reverse hostname, [127.0.0.22]"))

    def test_rhsbl_client_names(self):
        tern = self.start(smtpd_peername_lookup="yes", smtpd_client_restrictions="reject_rhsbl_client dbl.test")
        self.assertEqual(self.rcpt_reply(tern, "127.0.0.20"),
                         (554, "5.7.1 Service unavailable; Client host [good.clients.test] blocked using dbl.test; "
                               "client name listed"))
        tern.wait_for_log(r"NOQUEUE: reject: RCPT from good\.clients\.test\[127\.0\.0\.20\]: 554 5\.7\.1 Service "
                          r"unavailable; Client host \[good\.clients\.test\] blocked using dbl\.test; client name "
                          r"listed; from=<x@example\.org> to=<alice@example\.test> proto=ESMTP helo=<client\.test>",
                          since=tern.mark)
        # forged.clients.test is listed too, but unverified: the client is "unknown", not looked up.
        self.assertEqual(self.rcpt_reply(tern, "127.0.0.21")[0], 250)
        self.assertEqual(self.rcpt_reply(tern, "127.0.0.23")[0], 250)  # verified, not listed

        tern = self.start(smtpd_peername_lookup="yes",
                          smtpd_client_restrictions="reject_rhsbl_reverse_client dbl.test")
        self.assertEqual(self.rcpt_reply(tern, "127.0.0.21"),
                         (554, "5.7.1 Service unavailable; Unverified Client host [forged.clients.test] blocked "
                               "using dbl.test"))
        tern.wait_for_log(r"NOQUEUE: reject: RCPT from unknown\[127\.0\.0\.21\]: 554 5\.7\.1 Service unavailable; "
                          r"Unverified Client host \[forged\.clients\.test\] blocked using dbl\.test; "
                          r"from=<x@example\.org>", since=tern.mark)
        self.assertEqual(self.rcpt_reply(tern, "127.0.0.20")[0], 554)  # the verified name is its PTR name too
        for client in ("127.0.0.22", "127.0.0.23"):  # no PTR; a name not listed
            self.assertEqual(self.rcpt_reply(tern, client)[0], 250, client)

    def test_client_mx_and_helo_ns_access(self):
        tern = self.start(smtpd_peername_lookup="yes",
                          smtpd_client_restrictions="check_client_mx_access inline:{ {hoster.senders.test = "
                                                    "REJECT client mail at a bad hoster} }",
                          smtpd_helo_restrictions="check_helo_ns_access inline:{ {127.0.0.1 = DUNNO}, "
                                                  "{ns.senders.test = 550 5.7.0 helo served by a bad name server} }")
        # good.clients.test's MX is mx.hoster.senders.test.
        self.assertEqual(self.rcpt_reply(tern, "127.0.0.20"),
                         (554, "5.7.1 <good.clients.test[127.0.0.20]>: Client host rejected: "
                               "client mail at a bad hoster"))
        tern.wait_for_log(r"NOQUEUE: reject: RCPT from good\.clients\.test\[127\.0\.0\.20\]: 554 5\.7\.1 "
                          r"<good\.clients\.test\[127\.0\.0\.20\]>: Client host rejected: client mail at a bad "
                          r"hoster; from=<x@example\.org> to=<alice@example\.test> proto=ESMTP helo=<client\.test>",
                          since=tern.mark)
        # other.clients.test has no MX (it is its own mail host); an unknown client is not looked up.
        self.assertEqual(self.rcpt_reply(tern, "127.0.0.23", helo="other.clients.test")[0], 250)
        self.assertEqual(self.rcpt_reply(tern, "127.0.0.21", helo="other.clients.test")[0], 250)
        # nomx.senders.test has no NS of its own: senders.test's ns.senders.test is listed.
        self.assertEqual(self.rcpt_reply(tern, "127.0.0.23", helo="nomx.senders.test"),
                         (550, "5.7.0 <nomx.senders.test>: Helo command rejected: helo served by a bad name server"))
        tern.wait_for_log(r"NOQUEUE: reject: RCPT from other\.clients\.test\[127\.0\.0\.23\]: 550 5\.7\.0 "
                          r"<nomx\.senders\.test>: Helo command rejected: helo served by a bad name server; "
                          r"from=<x@example\.org> to=<alice@example\.test> proto=ESMTP helo=<nomx\.senders\.test>",
                          since=tern.mark)

    def test_reverse_client_hostname_access(self):
        table = "inline:{ {forged.clients.test = REJECT unverified name listed} }"
        tern = self.start(smtpd_peername_lookup="yes",
                          smtpd_client_restrictions="check_reverse_client_hostname_access " + table)
        # The PTR name counts even though it does not lead back to the client.
        self.assertEqual(self.rcpt_reply(tern, "127.0.0.21"),
                         (554, "5.7.1 <unknown[127.0.0.21]>: Client host rejected: unverified name listed"))
        tern.wait_for_log(r"NOQUEUE: reject: RCPT from unknown\[127\.0\.0\.21\]: 554 5\.7\.1 "
                          r"<unknown\[127\.0\.0\.21\]>: Client host rejected: unverified name listed; "
                          r"from=<x@example\.org>", since=tern.mark)
        for client in ("127.0.0.20", "127.0.0.22"):
            self.assertEqual(self.rcpt_reply(tern, client)[0], 250, client)
        # check_client_access sees only the verified name: the same table lets 127.0.0.21 through.
        tern = self.start(smtpd_peername_lookup="yes", smtpd_client_restrictions="check_client_access " + table)
        self.assertEqual(self.rcpt_reply(tern, "127.0.0.21")[0], 250)

    def test_unknown_helo_and_domains(self):
        tern = self.start(smtpd_helo_restrictions="reject_unknown_helo_hostname",
                          smtpd_sender_restrictions="reject_unknown_sender_domain",
                          smtpd_relay_restrictions="permit",
                          smtpd_recipient_restrictions="reject_unknown_recipient_domain")
        helo = "nomx.senders.test"
        self.assertEqual(self.rcpt_reply(tern, "127.0.0.3", helo="nowhere.senders.test"),
                         (450, "4.7.1 <nowhere.senders.test>: Helo command rejected: Host not found"))
        self.assertEqual(self.rcpt_reply(tern, "127.0.0.3", helo=helo, sender="x@bad.senders.test")[0], 250)
        self.assertEqual(self.rcpt_reply(tern, "127.0.0.3", helo=helo, sender="x@missing.senders.test"),
                         (450, "4.1.8 <x@missing.senders.test>: Sender address rejected: Domain not found"))
        self.assertEqual(self.rcpt_reply(tern, "127.0.0.3", helo=helo, sender="x@nullmx.senders.test"),
                         (550, "5.7.27 <x@nullmx.senders.test>: Sender address rejected: Domain "
                               "nullmx.senders.test does not accept mail (nullMX)"))
        # Unbound refuses names outside its zones: a temporary failure, deferred.
        self.assertEqual(self.rcpt_reply(tern, "127.0.0.3", helo=helo, sender="x@elsewhere.example"),
                         (450, "4.1.8 <x@elsewhere.example>: Sender address rejected: Domain not found"))
        self.assertEqual(self.rcpt_reply(tern, "127.0.0.3", helo=helo, sender="x@nomx.senders.test", rcpt="y@nullmx.senders.test"),
                         (556, "5.1.10 <y@nullmx.senders.test>: Recipient address rejected: Domain "
                               "nullmx.senders.test does not accept mail (nullMX)"))
        # Our own domains are not looked up.
        self.assertEqual(self.rcpt_reply(tern, "127.0.0.3", helo=helo, sender="x@example.test")[0], 250)

    def test_client_name_words_need_the_name(self):
        tern = self.new_tern(main_cf=dict(self.dns.tern_params(),
                                          smtpd_client_restrictions="reject_unknown_client_hostname"))
        r = tern.check_config()
        self.assertNotEqual(r.returncode, 0)
        self.assertIn("reject_unknown_client_hostname needs the client's hostname, but it is not looked up "
                      "(smtpd_peername_lookup = no)", r.stderr + r.stdout)

    def test_words_need_dns(self):
        for word in ("reject_rbl_client dnsbl.test", "reject_rhsbl_sender dbl.test", "permit_dnswl_client dnswl.test",
                     "check_sender_mx_access inline:{x=REJECT}", "check_client_a_access inline:{x=REJECT}",
                     "reject_unknown_sender_domain", "reject_unknown_helo_hostname"):
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
