"""DMARC through real DNS: Knot serves the policy records (signed zones) through a
validating Unbound, and `tern check dmarc IP MAIL-FROM HELO < message` runs SPF, DKIM and
the RFC 9989 tree walk as ternd would at the end of DATA. The Authentication-Results field
it prints is read back with Python's authres (an independent RFC 8601 parser).

Ports: this test's Knot and Unbound listen in 25600-25699.
Run: TERN_BUILD=/work/main/build /usr/bin/python3 -m unittest -v test_dmarc_dns
"""

import unittest

import authres

import dns_peers
import harness

ZONES = {
    "dmarc.test": {
        "@": [("TXT", "v=spf1 ip4:192.0.2.1 -all"), ("A", "192.0.2.1")],
        "_dmarc": [("TXT", "v=DMARC1; p=reject; sp=quarantine; rua=mailto:agg@dmarc.test")],
        "news": [("A", "192.0.2.2"), ("TXT", "v=spf1 ip4:192.0.2.2 -all")],
    },
    "psd.test": {
        "_dmarc": [("TXT", "v=DMARC1; p=reject; sp=quarantine; psd=y")],
        "agency": [("A", "192.0.2.3")],
    },
}


def ports_in_range(count):
    """Free ports from this test's range (25600-25699)."""
    found = [p for p in range(25600, 25700) if harness._port_is_free(p)]
    if len(found) < count:
        raise unittest.SkipTest("no free ports in 25600-25699")
    return found[:count]


def message(from_):
    return "From: %s\nTo: alice@example.test\nSubject: dmarc\n\nbody\n" % from_


class DmarcDnsTest(harness.TernTestCase):
    @classmethod
    def setUpClass(cls):
        port, auth_port = ports_in_range(2)
        cls.dns = dns_peers.DnsPeers(ZONES, port=port, auth_port=auth_port)
        cls.addClassCleanup(cls.dns.stop)

    def check(self, tern, ip, sender, from_):
        r = tern.tool("tern", "check", "dmarc", "-c", tern.dir, ip, sender, "helo.test", input=message(from_))
        self.assertIn("Authentication-Results: ", r.stdout, r.stderr)
        lines = r.stdout.split("\n")
        end = next(i for i in range(1, len(lines)) if not lines[i].startswith("\t"))
        field = "\n".join(lines[:end])  # the folded field, before the policy/reason/action lines
        header = authres.AuthenticationResultsHeader.parse(field)
        results = {res.method: res for res in header.results}
        return r, header, results

    def tern(self, **params):
        return self.new_tern(main_cf=dict(self.dns.tern_params(), **params))

    def test_aligned_spf_passes(self):
        tern = self.tern(myhostname="mx.receiver.test")
        r, header, results = self.check(tern, "192.0.2.1", "bounce@dmarc.test", "Alice <alice@dmarc.test>")
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        self.assertEqual(header.authserv_id, "mx.receiver.test")
        self.assertEqual(results["spf"].result, "pass")
        self.assertEqual(results["dmarc"].result, "pass")
        self.assertIn("policy: reject from _dmarc.dmarc.test", r.stdout)

    def test_forged_from_fails_and_enforce_rejects(self):
        report = self.tern()
        r, _, results = self.check(report, "198.51.100.9", "x@attacker.test", "ceo@dmarc.test")
        self.assertEqual(r.returncode, 1)
        self.assertEqual(results["dmarc"].result, "fail")
        self.assertIn("action: accept (dmarc_mode is not enforce)", r.stdout)
        enforce = self.tern(dmarc_mode="enforce")
        r, _, _ = self.check(enforce, "198.51.100.9", "x@attacker.test", "ceo@dmarc.test")
        self.assertIn("action: reject: 550 5.7.1 Message rejected per DMARC policy for dmarc.test", r.stdout)

    def test_tree_walk_finds_the_parent_policy(self):
        tern = self.tern(dmarc_mode="enforce")
        # news.dmarc.test exists and publishes no record: the walk finds dmarc.test's, sp= applies.
        r, _, results = self.check(tern, "198.51.100.9", "x@attacker.test", "a@news.dmarc.test")
        self.assertEqual(results["dmarc"].result, "fail")
        self.assertIn("policy: quarantine from _dmarc.dmarc.test", r.stdout)
        self.assertIn("action: add header", r.stdout)
        # Relaxed alignment: SPF passes for news.dmarc.test, the From is dmarc.test.
        r, _, results = self.check(tern, "192.0.2.2", "b@news.dmarc.test", "a@dmarc.test")
        self.assertEqual((r.returncode, results["dmarc"].result), (0, "pass"), r.stdout)

    def test_public_suffix_domain_policy(self):
        tern = self.tern(dmarc_mode="enforce", dmarc_quarantine_action="hold")
        r, _, results = self.check(tern, "198.51.100.9", "x@attacker.test", "a@x.agency.psd.test")
        self.assertEqual(results["dmarc"].result, "fail")
        self.assertIn("policy: quarantine from _dmarc.psd.test", r.stdout)
        self.assertIn("action: hold", r.stdout)

    def test_no_policy_is_none(self):
        tern = self.tern()
        r, _, results = self.check(tern, "192.0.2.1", "bounce@dmarc.test", "a@unpublished.test")
        self.assertEqual(r.returncode, 1)
        self.assertEqual(results["dmarc"].result, "none")


if __name__ == "__main__":
    unittest.main()
