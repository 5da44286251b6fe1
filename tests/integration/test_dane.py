"""DANE (RFC 7672) against real DNS with DNSSEC: Knot signs the test zones, Unbound
validates, Tern's own resolver asks Unbound. A test CA made by openssl issues the MX
host's certificate; `tern dane tlsa` makes its TLSA record (checked against openssl's own
pipeline) and `tern check tls DOMAIN` reports what Tern would do: a secure zone with usable
TLSA records (verify by DANE), a secure zone without TLSA (may; dane-only defers), PKIX
records left out, an insecure zone (may, no TLSA lookup), bogus signatures (no delivery),
and a record published while the test runs.
"""

import hashlib
import os
import subprocess
import tempfile
import unittest

import dns_peers
import harness

# This test's ports.
harness.PORT_RANGE = (25400, 25499)


def openssl_spki_sha256(cert):
    pubkey = subprocess.run([harness.OPENSSL, "x509", "-in", cert, "-noout", "-pubkey"],
                            check=True, capture_output=True).stdout
    der = subprocess.run([harness.OPENSSL, "pkey", "-pubin", "-outform", "DER"], input=pubkey,
                         check=True, capture_output=True).stdout
    return hashlib.sha256(der).hexdigest()


class TestDane(harness.TernTestCase):

    @classmethod
    def setUpClass(cls):
        cls.pki_dir = tempfile.mkdtemp(prefix="tern-dane-pki-")
        cls.pki = harness.TestPki(cls.pki_dir)
        cls.cert, cls.key = cls.pki.issue("mx", hostname="mx.good.test")
        cls.spki = openssl_spki_sha256(cls.cert)
        ca_spki = openssl_spki_sha256(cls.pki.ca_cert)
        host = {"mx": [("A", "127.0.0.1")]}
        cls.dns = dns_peers.DnsPeers({
            "good.test": dict(host, **{"@": [("MX", "10 mx")],
                                       "_25._tcp.mx": [("TLSA", "3 1 1 " + cls.spki),
                                                       ("TLSA", "2 1 1 " + ca_spki)]}),
            "notlsa.test": dict(host, **{"@": [("MX", "10 mx")]}),
            "plain.test": dns_peers.Zone(dict(host, **{"@": [("MX", "10 mx")],
                                                       "_25._tcp.mx": [("TLSA", "3 1 1 " + cls.spki)]}),
                                         signed=False),
            "broken.test": dns_peers.Zone(dict(host, **{"@": [("MX", "10 mx")]}), bogus=True),
        }, port=harness.free_port(), auth_port=harness.free_port())
        cls.addClassCleanup(cls.dns.stop)

    @classmethod
    def tearDownClass(cls):
        if not harness.KEEP:
            import shutil
            shutil.rmtree(cls.pki_dir, ignore_errors=True)

    def check(self, domain, level="dane"):
        params = dict(self.dns.tern_params(), smtp_tls_security_level=level)
        tern = self.new_tern(main_cf=params)
        r = tern.tool("tern", "check", "tls", "-c", tern.dir, domain)
        self.assertEqual(r.stderr, "")
        return r.returncode, r.stdout

    def test_tlsa_tool_matches_openssl(self):
        tern = self.new_tern()
        r = tern.tool("tern", "dane", "tlsa", self.cert)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(r.stdout, "3 1 1 %s\n" % self.spki)
        r = tern.tool("tern", "dane", "tlsa", "--name", "mx.good.test", "--usage", "2", self.pki.ca_cert)
        self.assertEqual(r.stdout, "_25._tcp.mx.good.test. IN TLSA 2 1 1 %s\n"
                         % openssl_spki_sha256(self.pki.ca_cert))
        r = tern.tool("tern", "dane", "tlsa", self.key)
        self.assertEqual(r.returncode, 1)
        self.assertIn("no PEM certificate found", r.stderr)

    def test_secure_zone_with_tlsa_verifies_by_dane(self):
        status, out = self.check("good.test")
        self.assertEqual(status, 0, out)
        self.assertIn("good.test: MX lookup: data, secure\n  MX 10 mx.good.test\n"
                      "    addresses: 127.0.0.1 (secure)\n"
                      "    TLSA _25._tcp.mx.good.test: data, secure\n", out)
        self.assertIn("      3 1 1 %s: usable\n" % self.spki, out)
        self.assertIn("    level dane: verify with DANE (2 usable TLSA records at _25._tcp.mx.good.test); "
                      "SNI mx.good.test; success logged as Verified\n", out)

    def test_secure_zone_without_tlsa_is_may_and_dane_only_defers(self):
        status, out = self.check("notlsa.test")
        self.assertEqual(status, 0, out)
        self.assertIn("    TLSA _25._tcp.mx.notlsa.test: NXDOMAIN, secure\n", out)
        self.assertIn("    level dane: may, TLS when offered (no TLSA records at _25._tcp.mx.notlsa.test)", out)
        status, out = self.check("notlsa.test", "dane-only")
        self.assertEqual(status, 1, out)
        self.assertIn("level dane-only: no delivery, deferred 4.7.5: dane-only: no TLSA records", out)

    def test_insecure_zone_is_may_without_tlsa_lookup(self):
        status, out = self.check("plain.test")
        self.assertEqual(status, 0, out)
        self.assertIn("plain.test: MX lookup: data, insecure\n", out)
        self.assertIn("    addresses: 127.0.0.1 (insecure)\n"
                      "    TLSA: not looked up (the addresses are not DNSSEC-secure)\n"
                      "    level dane: may, TLS when offered (MX lookup for mx.plain.test is not DNSSEC-secure)\n",
                      out)

    def test_bogus_signatures_get_no_delivery(self):
        status, out = self.check("broken.test")
        self.assertEqual(status, 1, out)
        self.assertTrue(out.startswith("broken.test: MX lookup: temporary failure, bogus"), out)

    def test_records_published_at_run_time_and_pkix_usages_left_out(self):
        self.dns.add("notlsa.test", "_25._tcp.mx", "TLSA", "1 1 1 " + self.spki)
        try:
            status, out = self.check("notlsa.test")
            self.assertIn("      1 1 1 %s: unusable, usage 1 (PKIX) is not used for SMTP (RFC 7672)\n" % self.spki, out)
            self.assertIn("    level dane: encrypt, unauthenticated (no usable TLSA records at "
                          "_25._tcp.mx.notlsa.test)\n", out)
        finally:
            self.dns.remove("notlsa.test", "_25._tcp.mx", "TLSA")


if __name__ == "__main__":
    unittest.main()
