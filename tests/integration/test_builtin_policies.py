"""The built-in policy delegates named in ternd's restriction lists, end to end through a
running ternd (clients from 127.0.0.0/8, outside mynetworks = 127.0.0.1/32):
  - check_greylist: the first RCPT of a triplet hears 450 4.2.0 Greylisted, the same
    triplet after greylist_delay (2s) is accepted and the delivered message carries the
    X-Greylist header; a client in greylist_whitelist_clients is never greylisted; the
    triplet survives a restart of ternd (the LMDB file in data_directory);
  - check_reputation: Knot + Unbound on loopback (dns_peers) serve the client's DNS and a
    test DNSBL; a listed client is refused with policyd-weight's 550, a clean one is
    accepted and its message carries X-Tern-Reputation;
  - check_spamtrap: mail to a trap is discarded (the client hears 250, nothing is
    delivered), and the client's next connection is refused by
    check_client_access spamtrap:$spamtrap_blocklist_database;
  - check_policy_service: ternd greylists through the real postgrey (test_policy_service's
    Postgrey), and a bad spec stops ternd -n;
  - configuration errors at load: check_reputation with disable_dns_lookups = yes, and
    check_spamtrap without spamtrap_maps.

Ports: 25050-25099.
Run: cd tests/integration && TERN_BUILD=/work/wt-wire/build /usr/bin/python3 -m unittest -v test_builtin_policies
"""

import time

import dns_peers
import harness
from test_policy_service import GREY_DELAY as POSTGREY_DELAY, Postgrey

harness.PORT_RANGE = (25050, 25099)  # this test's ports (set after importing test_policy_service)

GREYLIST_DELAY = 2
SENDER = "carol@example.test"

# example.test: MX 10 mx (192.0.2.25; an MX on 127/8 would score as bogus); www
# (127.0.0.25, the clean client, forward and reverse DNS agree); 127.0.0.26 is listed in
# rbl.example.test and its reverse name mx2.example.test has no address.
ZONES = {
    "example.test": {
        "@": [("MX", "10 mx")],
        "mx": [("A", "192.0.2.25")],
        "www": [("A", "127.0.0.25")],
        "26.0.0.127.rbl": [("A", "127.0.0.2")],
    },
    "0.0.127.in-addr.arpa": {
        "25": [("PTR", "www.example.test.")],
        "26": [("PTR", "mx2.example.test.")],
    },
}
REPUTATION_SCORES = "inline:{ {dnsbl = rbl.example.test 4.35 -1.5 RBL_TEST} }"


def rcpt(tern, source, to="alice@example.test", sender=SENDER, helo="client.test"):
    """A new session from `source`: MAIL then RCPT; the RCPT reply lines."""
    c = harness.session(tern.port, source=source, helo=helo)
    try:
        mail = c.command("MAIL FROM:<%s>" % sender)
        if not mail[0].startswith("250"):
            return mail
        return c.command("RCPT TO:<%s>" % to)
    finally:
        c.close()


def send(tern, source, token, to=("alice@example.test",), sender=SENDER, helo="client.test"):
    s = tern.smtp(source=source, helo=helo)
    try:
        s.sendmail(sender, list(to), harness.make_message(token, sender=sender, to=to[0]))
    finally:
        s.quit()


class GreylistTest(harness.TernTestCase):
    def start(self):
        return self.start_tern(main_cf={
            "data_directory": "$config_directory/data",
            "greylist_delay": "%ds" % GREYLIST_DELAY,
            "greylist_whitelist_clients": "$config_directory/grey_clients",
            "smtpd_recipient_restrictions": "check_greylist, permit_mynetworks, reject_unauth_destination"})

    def new_tern(self, **kwargs):
        tern = super().new_tern(**kwargs)
        tern.write_file("grey_clients", "127.0.0.30\n")
        return tern

    def test_greylisted_then_accepted_with_header(self):
        tern = self.start()
        reply = rcpt(tern, "127.0.0.20")
        self.assertEqual(len(reply), 1, reply)
        self.assertRegex(reply[0], r"^450 4\.2\.0 <alice@example\.test>: Recipient address rejected: "
                                   r"Greylisted, please try again in [12] seconds$")
        tern.wait_for_log(r"NOQUEUE: reject: RCPT from unknown\[127\.0\.0\.20\]: 450 4\.2\.0 <alice@example\.test>: "
                          r"Recipient address rejected: Greylisted")
        # Too early: still greylisted.
        self.assertTrue(rcpt(tern, "127.0.0.20")[0].startswith("450 4.2.0 "))
        time.sleep(GREYLIST_DELAY + 1)
        send(tern, "127.0.0.20", "grey1")
        msg = tern.wait_for_maildir("alice", 1)[0].decode()
        self.assertRegex(msg, r"(?m)^X-Greylist: delayed \d+ seconds by Tern at mail\.example\.test; ")
        self.assertIn("grey1", msg)

    def test_whitelisted_client_is_never_greylisted(self):
        tern = self.start()
        self.assertEqual(rcpt(tern, "127.0.0.30"), ["250 2.1.5 Ok"])
        send(tern, "127.0.0.30", "white1")
        msg = tern.wait_for_maildir("alice", 1)[0].decode()
        self.assertNotIn("X-Greylist", msg)
        # Its neighbour in the same /24, not listed, is greylisted.
        self.assertTrue(rcpt(tern, "127.0.0.31", sender="dave@example.test")[0].startswith("450 4.2.0 "))

    def test_state_survives_a_restart(self):
        tern = self.start()
        self.assertTrue(rcpt(tern, "127.0.0.20")[0].startswith("450 4.2.0 "))
        tern.stop()
        time.sleep(GREYLIST_DELAY + 1)
        tern.start()
        # A forgotten triplet would be greylisted again; this one passed its delay.
        send(tern, "127.0.0.20", "grey2")
        msg = tern.wait_for_maildir("alice", 1)[0].decode()
        self.assertRegex(msg, r"(?m)^X-Greylist: delayed \d+ seconds by Tern")


class ReputationTest(harness.TernTestCase):
    @classmethod
    def setUpClass(cls):
        cls.dns = dns_peers.DnsPeers(ZONES)
        cls.addClassCleanup(cls.dns.stop)

    def start(self, **extra):
        params = dict(self.dns.tern_params())
        params.update({
            "reputation_score_maps": REPUTATION_SCORES,
            "smtpd_recipient_restrictions": "permit_mynetworks, check_reputation, reject_unauth_destination"})
        params.update(extra)
        return self.start_tern(main_cf=params)

    def test_listed_client_refused_clean_client_accepted(self):
        tern = self.start()
        reply = rcpt(tern, "127.0.0.26", helo="mx2.example.test")  # listed, and no address for its names
        self.assertEqual(len(reply), 1, reply)
        self.assertRegex(reply[0], r"^550 5\.7\.1 <alice@example\.test>: Recipient address rejected: "
                                   r"Mail appeared to be SPAM or forged\. Ask your Mail/DNS-Administrator to "
                                   r"correct HELO and DNS MX settings or to get removed from DNSBLs; rate: [\d.]+$")
        tern.wait_for_log(r"reputation: weighted check: IN_RBL_TEST=4\.35 .*<client=unknown\[127\.0\.0\.26\]>")
        tern.wait_for_log(r"NOQUEUE: reject: RCPT from unknown\[127\.0\.0\.26\]: 550 5\.7\.1 ")

        send(tern, "127.0.0.25", "clean1", helo="www.example.test")
        msg = tern.wait_for_maildir("alice", 1)[0].decode()
        self.assertRegex(msg, r"(?m)^X-Tern-Reputation: NOT_IN_RBL_TEST=-1\.5 CL_IP_EQ_HELO_IP=-2 .*; rate: -5\.5$")
        # The next session asks the same delegate (one per smtpd role): its cache answers.
        send(tern, "127.0.0.25", "clean2", helo="www.example.test")
        msgs = [m.decode() for m in tern.wait_for_maildir("alice", 2)]
        second = [m for m in msgs if "clean2" in m][0]
        self.assertRegex(second, r"(?m)^X-Tern-Reputation: using cached result; rate: -5\.5$")

    def test_without_dns_the_word_is_a_configuration_error(self):
        tern = self.new_tern(main_cf={
            "disable_dns_lookups": "yes",
            "smtpd_recipient_restrictions": "permit_mynetworks, check_reputation, reject_unauth_destination"})
        r = tern.check_config()
        self.assertNotEqual(r.returncode, 0)
        self.assertIn("smtpd_recipient_restrictions: check_reputation: needs the DNS", r.stderr)
        self.assertIn("disable_dns_lookups = yes", r.stderr)


class SpamtrapTest(harness.TernTestCase):
    def test_trap_mail_discarded_then_client_refused(self):
        tern = self.start_tern(main_cf={
            "data_directory": "data",
            "spamtrap_maps": "inline:{ trap@example.test=yes }",
            "smtpd_recipient_restrictions": "check_client_access spamtrap:$spamtrap_blocklist_database, "
                                            "check_spamtrap, permit_mynetworks, reject_unauth_destination"})
        send(tern, "127.0.0.40", "trap1", to=("trap@example.test", "alice@example.test"))
        tern.wait_for_log(r"spamtrap: RCPT from unknown\[127\.0\.0\.40\]: to=<trap@example\.test> .*"
                          r"message discarded; client blocked until ")
        refused = ["554 5.7.1 <unknown[127.0.0.40]>: Client host rejected: "
                   "Client host blocked after mail to a spam trap"]
        self.assertEqual(rcpt(tern, "127.0.0.40"), refused)
        # Another client is not blocked, and its mail arrives; the trap's message did not.
        send(tern, "127.0.0.41", "clean2")
        tern.wait_for_maildir("alice", 1)
        time.sleep(1)  # the trap's message was queued first: it would be there by now
        msgs = tern.maildir_messages("alice")
        self.assertEqual(len(msgs), 1)
        self.assertIn(b"clean2", msgs[0])

    def test_without_traps_the_word_is_a_configuration_error(self):
        tern = self.new_tern(main_cf={"smtpd_recipient_restrictions": "check_spamtrap, permit_mynetworks"})
        r = tern.check_config()
        self.assertNotEqual(r.returncode, 0)
        self.assertIn("spamtrap_maps is empty", r.stderr)


class PolicyServiceTest(harness.TernTestCase):
    @classmethod
    def setUpClass(cls):
        cls.postgrey = Postgrey(harness.free_port())
        cls.addClassCleanup(cls.postgrey.stop)

    def test_ternd_greylists_through_postgrey(self):
        # ternd's smtpd asks postgrey at RCPT: 450 at first, accepted after the delay with
        # postgrey's PREPEND header in the delivered message.
        spec = "{ inet:127.0.0.1:%d, timeout=10s, default_action=DUNNO }" % self.postgrey.port
        tern = self.start_tern(main_cf={
            "smtpd_recipient_restrictions": "check_policy_service %s, permit_mynetworks, reject_unauth_destination"
                                            % spec})
        reply = rcpt(tern, "127.0.0.50")
        self.assertEqual(len(reply), 1, reply)
        self.assertTrue(reply[0].startswith("450 4.2.0 <alice@example.test>: Recipient address rejected: "
                                            "Greylisted, see http://postgrey.schweikert.ch/help/example.test.html"),
                        reply)
        tern.wait_for_log(r"NOQUEUE: reject: RCPT from unknown\[127\.0\.0\.50\]: 450 .*Greylisted")
        time.sleep(POSTGREY_DELAY + 1)
        send(tern, "127.0.0.50", "pg1")
        msg = tern.wait_for_maildir("alice", 1)[0].decode()
        self.assertRegex(msg, r"(?m)^X-Greylist: delayed \d+ seconds by postgrey-[\d.]+ at mx\.example\.test; ")

    def test_ternd_rejects_a_bad_policy_spec_at_start(self):
        tern = self.new_tern(main_cf={
            "smtpd_recipient_restrictions": "check_policy_service { inet:127.0.0.1:%d, try_limit=0 }, permit_mynetworks"
                                            % self.postgrey.port})
        r = tern.check_config()
        self.assertNotEqual(r.returncode, 0)
        self.assertIn("check_policy_service", r.stderr)
        self.assertIn("bad try_limit value", r.stderr)


if __name__ == "__main__":
    import unittest
    unittest.main()
