"""MTA-STS (RFC 8461) end to end: Knot + Unbound serve the `_mta-sts` TXT records and the
MX and mta-sts host names, an HTTPS server in this test (Python's ssl, a certificate from a
test CA made by openssl) serves the policies, and a second ternd with a certificate from the
same CA is the MX host. The sending ternd runs at smtp_tls_security_level = may with
mta_sts_enable = yes:
  - enforce with a matching MX: delivered over Verified TLS, the policy fetched once and
    then taken from the disk cache while its id stays the same;
  - enforce with an MX the policy does not name: deferred 4.7.5, nothing delivered;
  - enforce with an allowed MX whose certificate does not name it: deferred, nothing sent;
  - testing mode with a non-matching MX: delivered (logged, not enforced);
  - no policy: opportunistic TLS as before;
  - a policy served as text/html or by a redirect is refused (no policy in force);
and `tern check tls` shows the policy and which MX hosts it allows.
"""

import os
import re

import harness
import sts_peers
from sts_peers import policy

harness.PORT_RANGE = (25700, 25799)

ZONES = ["enforce", "elsewhere", "wrongcert", "testing", "nosts", "html", "redirect"]


class MtaSts(harness.TernTestCase):

    @classmethod
    def setUpClass(cls):
        # The MX certificate names every zone's mx host except wrongcert's.
        sts_peers.start_world(cls, ZONES, {
            "mta-sts.enforce.test": (200, "text/plain", policy("enforce", "mx.enforce.test"), {}),
            "mta-sts.elsewhere.test": (200, "text/plain", policy("enforce", "*.example.test"), {}),
            "mta-sts.wrongcert.test": (200, "text/plain", policy("enforce", "mx.wrongcert.test"), {}),
            "mta-sts.testing.test": (200, "text/plain; charset=utf-8", policy("testing", "*.example.test"), {}),
            "mta-sts.html.test": (200, "text/html", policy("enforce", "*.example.test"), {}),
            "mta-sts.redirect.test": (301, "text/plain", "", {"Location": "https://mta-sts.enforce.test/.well-known/mta-sts.txt"}),
        }, mx_names=["mx.%s.test" % z for z in ZONES if z != "wrongcert"],
            announced=[z for z in ZONES if z != "nosts"], sts_id="20261207a")

    def params(self, **extra):
        p = dict(self.dns.tern_params())
        p.update({"default_transport": "smtp", "relayhost": "", "smtp_tcp_port": str(self.mx.port),
                  "smtp_dns_support_level": "enabled", "smtp_tls_security_level": "may",
                  "smtp_tls_CAfile": self.pki.ca_cert, "smtp_tls_loglevel": "1",
                  "smtp_connection_cache_on_demand": "no",
                  "mta_sts_enable": "yes", "mta_sts_fetch_port": str(self.web.httpd.server_address[1]),
                  "mta_sts_CAfile": self.pki.ca_cert, "mta_sts_cache_directory": "$config_directory/sts-cache"})
        p.update(extra)
        return p

    def setUp(self):
        self.tern = self.start_tern(main_cf=self.params())
        self.mx_mark = len(self.mx.maildir_files("bob"))

    def send(self, rcpt):
        s = self.tern.smtp()
        try:
            s.sendmail("alice@example.test", [rcpt], harness.make_message("sts", to=rcpt).replace("\n", "\r\n").encode())
        finally:
            s.quit()

    def outcome(self, rcpt, status):
        return self.tern.wait_for_log(r"^\w+: to=<%s>, relay=(?P<relay>[^,]+), .*dsn=(?P<dsn>[245]\.\d+\.\d+), "
                                      r"status=%s \((?P<text>.*)\)$" % (re.escape(rcpt), status),
                                      timeout=30, since=self.tern.mark)

    def relay(self, zone):
        return "mx.%s.test[127.0.0.1]:%d" % (zone, self.mx.port)

    def assertDelivered(self, zone, trust):
        self.outcome("bob@%s.test" % zone, "sent")
        self.tern.wait_for_log(r"^%s TLS connection established to %s: TLSv1\.[23] with cipher "
                               % (trust, re.escape(self.relay(zone))), since=self.tern.mark)
        self.mx.wait_for_maildir("bob", self.mx_mark + 1)

    def test_enforce_with_matching_mx_verifies_and_caches_the_policy(self):
        before = self.web.count("mta-sts.enforce.test")
        self.send("bob@enforce.test")
        self.assertDelivered("enforce", "Verified")
        self.tern.wait_for_log(r"enforce\.test: MTA-STS policy id 20261207a \(fetched\) enforced", since=self.tern.mark)
        self.assertEqual(self.web.count("mta-sts.enforce.test"), before + 1)
        cached = os.path.join(self.tern.dir, "sts-cache", "enforce.test")
        with open(cached) as f:
            self.assertIn("id: 20261207a\n", f.read())
        self.tern.mark = self.tern.log_mark()
        self.send("bob@enforce.test")
        self.outcome("bob@enforce.test", "sent")
        self.tern.wait_for_log(r"enforce\.test: MTA-STS policy id 20261207a \(cache\) enforced", since=self.tern.mark)
        self.assertEqual(self.web.count("mta-sts.enforce.test"), before + 1)

    def test_enforce_refuses_an_mx_the_policy_does_not_name(self):
        self.send("bob@elsewhere.test")
        m = self.outcome("bob@elsewhere.test", "deferred")
        self.assertEqual(m.group("dsn"), "4.7.5")
        self.assertEqual(m.group("text"), "MX host mx.elsewhere.test is not allowed by the MTA-STS policy of elsewhere.test")
        self.assertEqual(len(self.mx.maildir_files("bob")), self.mx_mark)

    def test_enforce_refuses_a_certificate_without_the_mx_name(self):
        self.send("bob@wrongcert.test")
        m = self.outcome("bob@wrongcert.test", "deferred")
        self.assertEqual(m.group("dsn"), "4.7.5")
        self.assertIn("Server certificate not verified", m.group("text"))
        self.assertEqual(len(self.mx.maildir_files("bob")), self.mx_mark)

    def test_testing_mode_is_not_enforced(self):
        self.send("bob@testing.test")
        self.tern.wait_for_log(r"testing\.test: MTA-STS policy id 20261207a \(fetched\) in testing mode: not enforced",
                               since=self.tern.mark)
        self.assertDelivered("testing", "Trusted")

    def test_no_policy_is_opportunistic_tls(self):
        self.send("bob@nosts.test")
        self.assertDelivered("nosts", "Trusted")

    def test_html_and_redirects_are_no_policy(self):
        for zone in ("html", "redirect"):
            self.send("bob@%s.test" % zone)
            self.assertDelivered(zone, "Trusted")
            self.mx_mark += 1
        self.tern.wait_for_log(r"warning: html\.test: MTA-STS: policy fetch failed: .*media type text/html is not text/plain",
                               since=self.tern.mark)
        self.tern.wait_for_log(r"warning: redirect\.test: MTA-STS: policy fetch failed: .*HTTP 301: redirects are not followed",
                               since=self.tern.mark)

    def test_check_tls_shows_the_policy(self):
        r = self.tern.tool("tern", "check", "tls", "-c", self.tern.dir, "elsewhere.test")
        self.assertIn("MTA-STS: policy id 20261207a: mode enforce, max_age 86400\n"
                      "  mx: *.example.test\n"
                      "  MX host mx.elsewhere.test: not allowed by the policy\n", r.stdout)
        r = self.tern.tool("tern", "check", "tls", "-c", self.tern.dir, "nosts.test")
        self.assertIn("MTA-STS: no policy (_mta-sts.nosts.test: no v=STSv1 record)\n", r.stdout)


if __name__ == "__main__":
    import unittest
    unittest.main()
