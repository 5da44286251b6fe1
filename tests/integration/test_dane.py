"""DANE (RFC 7672) against real DNS with DNSSEC: Knot signs the test zones, Unbound
validates, Tern's own resolver asks Unbound. A test CA made by openssl issues the MX
host's certificate; `tern dane tlsa` makes its TLSA record (checked against openssl's own
pipeline) and `tern check tls DOMAIN` reports what Tern would do: a secure zone with usable
TLSA records (verify by DANE), a secure zone without TLSA (may; dane-only defers), PKIX
records left out, an insecure zone (may, no TLSA lookup), bogus signatures (no delivery),
and a record published while the test runs.

DaneDelivery sends through a ternd at smtp_tls_security_level = dane to a second ternd, the
MX host of every zone, that offers STARTTLS with the test CA's certificate and its chain:
good 3 1 1 and good 2 1 1 records deliver over "Verified" TLS, a mismatched record defers
4.7.5 "Server certificate not verified", a secure zone without TLSA and an insecure zone
deliver over opportunistic TLS, a bogus zone defers.
"""

import hashlib
import os
import re
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


def issue(pki_dir, ca_cert, ca_key, name, hostnames):
    """A key and a certificate for `hostnames` (subjectAltName) signed by the test CA, and a
    chain file: the certificate then the CA."""
    key, cert, csr, ext = (os.path.join(pki_dir, name + s) for s in (".key", ".pem", ".csr", ".ext"))
    with open(ext, "w") as f:
        f.write("subjectAltName=%s\n" % ",".join("DNS:" + h for h in hostnames))
    run = lambda *a: subprocess.run([harness.OPENSSL] + list(a), check=True, capture_output=True)
    run("req", "-newkey", "rsa:2048", "-nodes", "-keyout", key, "-out", csr, "-subj", "/CN=" + hostnames[0])
    run("x509", "-req", "-in", csr, "-CA", ca_cert, "-CAkey", ca_key, "-set_serial", "4242",
        "-out", cert, "-days", "2", "-extfile", ext)
    chain = os.path.join(pki_dir, name + "-chain.pem")
    with open(chain, "w") as out:
        for path in (cert, ca_cert):
            with open(path) as f:
                out.write(f.read())
    for path in (key, cert, chain):
        os.chmod(path, 0o644)
    return cert, key, chain


class DaneDelivery(harness.TernTestCase):

    @classmethod
    def setUpClass(cls):
        cls.pki_dir = tempfile.mkdtemp(prefix="tern-dane-pki-")
        os.chmod(cls.pki_dir, 0o755)
        pki = harness.TestPki(cls.pki_dir)
        zones = ["good", "ta", "bad", "notlsa", "plain", "broken", "alias"]
        cert, key, chain = issue(cls.pki_dir, pki.ca_cert, pki.ca_key, "mx", ["mx.%s.test" % z for z in zones])
        # The MX host of every zone: a ternd that takes mail for bob@ZONE.test over STARTTLS.
        cls.mx = harness.Tern(main_cf={
            "mydestination": "localhost, " + ", ".join("%s.test" % z for z in zones),
            "smtpd_tls_security_level": "may", "smtpd_tls_cert_file": chain, "smtpd_tls_key_file": key})
        cls.addClassCleanup(cls.mx.cleanup)
        cls.mx.start()
        tlsa = "_%d._tcp.mx" % cls.mx.port
        host = {"@": [("MX", "10 mx")], "mx": [("A", "127.0.0.1")]}
        with_tlsa = lambda *records: dict(host, **{tlsa: [("TLSA", r) for r in records]})
        leaf, ca = openssl_spki_sha256(cert), openssl_spki_sha256(pki.ca_cert)
        cls.dns = dns_peers.DnsPeers({
            "good.test": with_tlsa("3 1 1 " + leaf),
            "ta.test": with_tlsa("2 1 1 " + ca),
            "bad.test": with_tlsa("3 1 1 " + ca),  # the CA's key is not the server's
            "notlsa.test": host,
            # The MX host is an alias of mx.good.test: TLSA at the CNAME target first (RFC 7672 §2.2.2).
            "alias.test": {"@": [("MX", "10 mx")], "mx": [("CNAME", "mx.good.test.")]},
            "plain.test": dns_peers.Zone(with_tlsa("3 1 1 " + ca), signed=False),
            "broken.test": dns_peers.Zone(with_tlsa("3 1 1 " + leaf), bogus=True),
        }, port=harness.free_port(), auth_port=harness.free_port())
        cls.addClassCleanup(cls.dns.stop)

    @classmethod
    def tearDownClass(cls):
        if not harness.KEEP:
            import shutil
            shutil.rmtree(cls.pki_dir, ignore_errors=True)

    def setUp(self):
        params = dict(self.dns.tern_params())
        params.update({"default_transport": "smtp", "relayhost": "", "smtp_tcp_port": str(self.mx.port),
                       "smtp_dns_support_level": "dnssec", "smtp_tls_security_level": "dane",
                       "smtp_tls_loglevel": "1", "smtp_connection_cache_on_demand": "no"})
        self.tern = self.start_tern(main_cf=params)
        self.mx_mark = len(self.mx.maildir_files("bob"))

    def send(self, rcpt):
        s = self.tern.smtp()
        try:
            s.sendmail("alice@example.test", [rcpt], harness.make_message("dane", to=rcpt).replace("\n", "\r\n").encode())
        finally:
            s.quit()

    def outcome(self, rcpt, status):
        m = self.tern.wait_for_log(r"^\w+: to=<%s>, relay=(?P<relay>[^,]+), .*dsn=(?P<dsn>[245]\.\d+\.\d+), "
                                   r"status=%s \((?P<text>.*)\)$" % (re.escape(rcpt), status),
                                   timeout=30, since=self.tern.mark)
        return m

    def relay(self, zone):
        return "mx.%s[127.0.0.1]:%d" % (zone, self.mx.port)

    def assertDelivered(self, rcpt, trust):
        zone = rcpt.split("@")[1]
        self.outcome(rcpt, "sent")
        self.tern.wait_for_log(r"^%s TLS connection established to %s: TLSv1\.3 with cipher "
                               % (trust, re.escape(self.relay(zone))), since=self.tern.mark)
        self.mx.wait_for_maildir("bob", self.mx_mark + 1)

    def test_good_dane_ee_record(self):
        self.send("bob@good.test")
        self.assertDelivered("bob@good.test", "Verified")

    def test_good_dane_ta_record_with_the_chain(self):
        self.send("bob@ta.test")
        self.assertDelivered("bob@ta.test", "Verified")

    def test_tlsa_at_the_cname_target(self):
        self.send("bob@alias.test")
        self.assertDelivered("bob@alias.test", "Verified")

    def test_mismatched_record_defers(self):
        self.send("bob@bad.test")
        m = self.outcome("bob@bad.test", "deferred")
        self.assertEqual(m.group("dsn"), "4.7.5")
        self.assertEqual(m.group("text"), "Server certificate not verified for host " + self.relay("bad.test"))
        self.tern.wait_for_log(r"^%s: Server certificate not verified \(no matching DANE TLSA records\)$"
                               % re.escape(self.relay("bad.test")), since=self.tern.mark)
        self.assertEqual(len(self.mx.maildir_files("bob")), self.mx_mark)

    def test_secure_zone_without_tlsa_is_opportunistic(self):
        self.send("bob@notlsa.test")
        self.assertDelivered("bob@notlsa.test", "Untrusted")

    def test_insecure_zone_ignores_its_tlsa_records(self):
        self.send("bob@plain.test")
        self.assertDelivered("bob@plain.test", "Untrusted")

    def test_without_dnssec_dane_acts_as_may(self):
        self.tern.stop()
        self.tern.set_param("smtp_dns_support_level", "enabled")
        self.tern.write_config()
        self.tern.start()
        self.tern.mark = 0
        self.send("bob@good.test")
        self.assertDelivered("bob@good.test", "Untrusted")
        self.tern.wait_for_log(r"^warning: smtp_tls_security_level = dane needs smtp_dns_support_level = dnssec: "
                               r"no host is DANE-secure")

    def test_bogus_zone_defers(self):
        self.send("bob@broken.test")
        m = self.outcome("bob@broken.test", "deferred")
        self.assertEqual(m.group("dsn"), "4.4.3")
        self.assertIn("DNSSEC validation failed", m.group("text"))
        self.assertEqual(len(self.mx.maildir_files("bob")), self.mx_mark)


if __name__ == "__main__":
    unittest.main()
