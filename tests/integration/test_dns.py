"""Tern's resolver against real DNS: Knot serving signed, unsigned and bogus zones, Unbound
validating in front of it (dns_peers.py), and `tern dns query NAME TYPE` asking through
libunbound with the trust anchors, blocking and (-a) on an event loop. Checks each record
type, the DNSSEC status (secure, insecure, bogus) and the outcomes SPF/DMARC/MX tell apart
(data, no data, NXDOMAIN, temporary), a change made at run time, and a silent server
timing out at dns_query_timeout.
"""

import re
import socket
import subprocess
import time
import unittest

import dns_peers
import harness

TLSA_HASH = "0123456789abcdef" * 4

ZONES = {
    "example.test": {
        "@": [("MX", "10 mx"), ("MX", "20 mx2"), ("TXT", "v=spf1 mx -all")],
        "mx": [("A", "127.0.0.1"), ("AAAA", "::1")],
        "mx2": [("A", "127.0.0.2")],
        "_25._tcp.mx": [("TLSA", "3 1 1 " + TLSA_HASH)],
        "long": [("TXT", "x" * 300)],
        "alias": [("CNAME", "mx")],
        "nullmx": [("MX", "0 .")],
    },
    "plain.test": dns_peers.Zone({
        "@": [("MX", "10 mx.plain.test.")],
        "mx": [("A", "127.0.0.3")],
        "_25._tcp.mx": [("TLSA", "3 1 1 " + TLSA_HASH)],
    }, signed=False),
    "broken.test": dns_peers.Zone({
        "@": [("MX", "10 mx")],
        "mx": [("A", "127.0.0.4")],
    }, bogus=True),
    "2.0.192.in-addr.arpa": {"7": [("PTR", "mail.example.test.")]},
}


class DnsQueryTest(harness.TernTestCase):

    @classmethod
    def setUpClass(cls):
        cls.dns = dns_peers.DnsPeers(ZONES, port=25101, auth_port=25100)
        cls.addClassCleanup(cls.dns.stop)

    def setUp(self):
        self.tern = self.new_tern(main_cf=self.dns.tern_params())

    def tern_dns(self, *args):
        return subprocess.run([harness.TERN, "dns", "-c", self.tern.dir] + list(args),
                              stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=60)

    def query(self, name, rtype, asynchronous=False, expect=None):
        r = self.tern_dns("query", *((["-a"] if asynchronous else []) + [name, rtype]))
        if expect is not None:
            self.assertEqual(r.returncode, expect, r.stdout + r.stderr)
        lines = r.stdout.splitlines()
        self.assertTrue(lines, r.stderr)
        return lines[0], sorted(lines[1:])

    def both(self, name, rtype, expect):
        """The blocking and the asynchronous path give the same answer (the TTL counts down
        in Unbound's cache between the two)."""
        blocking = self.query(name, rtype, expect=expect)
        asynchronous = self.query(name, rtype, asynchronous=True, expect=expect)
        no_ttl = lambda answer: (re.sub(r", ttl \d+", "", answer[0]), answer[1])
        self.assertEqual(no_ttl(asynchronous), no_ttl(blocking))
        return blocking

    def test_secure_records_of_each_type(self):
        head, recs = self.both("example.test", "MX", 0)
        self.assertRegex(head, r"^example\.test/MX: data, secure, ttl [0-5]$")
        self.assertEqual(recs, ["example.test. MX 10 mx.example.test.",
                                "example.test. MX 20 mx2.example.test."])
        head, recs = self.both("mx.example.test", "A", 0)
        self.assertTrue(head.startswith("mx.example.test/A: data, secure"), head)
        self.assertEqual(recs, ["mx.example.test. A 127.0.0.1"])
        head, recs = self.both("mx.example.test", "AAAA", 0)
        self.assertEqual(recs, ["mx.example.test. AAAA ::1"])
        head, recs = self.both("example.test", "TXT", 0)
        self.assertEqual(recs, ['example.test. TXT "v=spf1 mx -all"'])
        head, recs = self.both("long.example.test", "txt", 0)
        self.assertEqual(recs, ['long.example.test. TXT "%s" "%s"' % ("x" * 255, "x" * 45)])
        head, recs = self.both("_25._tcp.mx.example.test", "TLSA", 0)
        self.assertTrue(head.startswith("_25._tcp.mx.example.test/TLSA: data, secure"), head)
        self.assertEqual(recs, ["_25._tcp.mx.example.test. TLSA 3 1 1 " + TLSA_HASH])
        head, recs = self.both("7.2.0.192.in-addr.arpa", "PTR", 0)
        self.assertTrue(head.startswith("7.2.0.192.in-addr.arpa/PTR: data, secure"), head)
        self.assertEqual(recs, ["7.2.0.192.in-addr.arpa. PTR mail.example.test."])
        head, recs = self.both("nullmx.example.test", "MX", 0)
        self.assertEqual(recs, ["nullmx.example.test. MX 0 ."])

    def test_cname_is_followed(self):
        head, recs = self.both("alias.example.test", "A", 0)
        self.assertIn(", canonical name mx.example.test", head)
        self.assertEqual(recs, ["mx.example.test. A 127.0.0.1"])

    def test_nodata_and_nxdomain_are_told_apart_and_proven(self):
        head, recs = self.both("mx2.example.test", "AAAA", 1)
        self.assertEqual(head, "mx2.example.test/AAAA: no data, secure")
        self.assertEqual(recs, [])
        head, recs = self.both("nosuch.example.test", "MX", 1)
        self.assertEqual(head, "nosuch.example.test/MX: NXDOMAIN, secure")
        head, _ = self.both("8.2.0.192.in-addr.arpa", "PTR", 1)
        self.assertEqual(head, "8.2.0.192.in-addr.arpa/PTR: NXDOMAIN, secure")

    def test_unsigned_zone_is_insecure(self):
        head, recs = self.both("mx.plain.test", "A", 0)
        self.assertRegex(head, r"^mx\.plain\.test/A: data, insecure, ttl \d+$")
        self.assertEqual(recs, ["mx.plain.test. A 127.0.0.3"])
        head, _ = self.both("_25._tcp.mx.plain.test", "TLSA", 0)
        self.assertTrue(head.startswith("_25._tcp.mx.plain.test/TLSA: data, insecure"), head)
        head, _ = self.both("nosuch.plain.test", "A", 1)
        self.assertEqual(head, "nosuch.plain.test/A: NXDOMAIN, insecure")

    def test_bogus_zone_is_a_temporary_failure(self):
        head, recs = self.both("mx.broken.test", "A", 75)
        self.assertTrue(head.startswith("mx.broken.test/A: temporary failure, bogus: DNSSEC validation failed"),
                        head)
        self.assertEqual(recs, [])
        head, _ = self.both("broken.test", "MX", 75)
        self.assertIn("temporary failure, bogus", head)

    def test_names_outside_the_zones_fail_temporarily(self):
        # Unbound refuses them: Tern reports a temporary failure, not NXDOMAIN.
        head, _ = self.query("example.com", "A", expect=75)
        self.assertTrue(head.startswith("example.com/A: temporary failure, insecure"), head)

    def test_without_trust_anchors_everything_is_insecure(self):
        self.tern.set_param("dns_trust_anchor_file", self.tern.path("no-such-anchors"))
        self.tern.write_config()
        head, recs = self.query("mx.example.test", "A", expect=0)
        self.assertTrue(head.startswith("mx.example.test/A: data, insecure"), head)
        head, recs = self.query("mx.broken.test", "A", expect=0)
        self.assertEqual(recs, ["mx.broken.test. A 127.0.0.4"])

    def test_records_changed_at_run_time(self):
        head, _ = self.query("new.example.test", "TXT", expect=1)
        self.assertEqual(head, "new.example.test/TXT: NXDOMAIN, secure")
        self.dns.add("example.test", "new", "TXT", "added while running")
        head, recs = self.query("new.example.test", "TXT", expect=0)
        self.assertTrue(head.startswith("new.example.test/TXT: data, secure"), head)
        self.assertEqual(recs, ['new.example.test. TXT "added while running"'])
        self.dns.replace("example.test", "new", "TXT", ["changed", "twice"])
        _, recs = self.query("new.example.test", "TXT", expect=0)
        self.assertEqual(recs, ['new.example.test. TXT "changed"', 'new.example.test. TXT "twice"'])
        self.dns.remove("example.test", "new")
        head, _ = self.query("new.example.test", "TXT", expect=1)
        self.assertEqual(head, "new.example.test/TXT: NXDOMAIN, secure")

    def test_silent_server_times_out(self):
        silent = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.addCleanup(silent.close)
        silent.bind(("127.0.0.1", 25102))
        self.tern.set_param("dns_forward_servers", "127.0.0.1@25102")
        self.tern.set_param("dns_query_timeout", "2s")
        self.tern.write_config()
        for asynchronous in (False, True):
            start = time.monotonic()
            head, _ = self.query("mx.example.test", "MX", asynchronous=asynchronous, expect=75)
            self.assertEqual(head, "mx.example.test/MX: temporary failure, insecure: "
                                   "lookup of mx.example.test/MX timed out after 2000ms")
            self.assertLess(time.monotonic() - start, 15)

    def test_bad_settings_are_refused(self):
        self.tern.set_param("dns_forward_servers", "dns.example.test")
        self.tern.write_config()
        r = self.tern_dns("query", "example.test", "MX")
        self.assertEqual(r.returncode, 1)
        self.assertIn("dns_forward_servers: bad server \"dns.example.test\"", r.stderr)
        self.tern.set_param("dns_forward_servers", "127.0.0.1@%d" % self.dns.port)
        self.tern.set_param("disable_dns_lookups", "yes")
        self.tern.write_config()
        r = self.tern_dns("query", "example.test", "MX")
        self.assertEqual(r.returncode, 1)
        self.assertIn("DNS lookups are disabled (disable_dns_lookups = yes)", r.stderr)
        r = self.tern_dns("query", "example.test", "SRV")
        self.assertEqual(r.returncode, 64)
        self.assertIn("unknown record type \"SRV\"", r.stderr)


if __name__ == "__main__":
    unittest.main()
