"""TLS-RPT (RFC 8460) end to end: Knot + Unbound serve three domains whose MX is a second
ternd with a certificate from a test CA, an HTTPS server (sts_peers) serves their
MTA-STS policies, and the sending ternd counts TLS sessions with smtp_tlsrpt_enable = yes:
  - good.test: STS enforce, the MX certificate names mx.good.test -> delivered, a success
    under policy-type sts (two deliveries; a resumed session is not counted again while
    smtp_tlsrpt_skip_reused_handshakes = yes);
  - wrongcert.test: STS enforce, the certificate does not name mx.wrongcert.test ->
    deferred, a certificate-host-mismatch failure under policy-type sts;
  - plain.test: no STS policy, opportunistic TLS -> a success under no-policy-found;
  - testing.test: STS testing mode, the certificate does not name mx.testing.test ->
    delivered (not enforced) and counted as certificate-host-mismatch under the policy;
  - htmlsts.test / badsts.test: an announced policy served as text/html / one that does not
    parse -> sts-policy-fetch-error / sts-policy-invalid, then delivered opportunistically;
then `tern tls-report --day TODAY --directory OUT` writes one JSON report per domain, whose
counts, result types and policies are checked, and prints the rua URIs of each domain's
_smtp._tls record (none for plain.test).
"""

import datetime
import glob
import json
import os
import re

import harness
import sts_peers
from sts_peers import policy

harness.PORT_RANGE = (25800, 25849)

ZONES = ["good", "wrongcert", "plain", "testing", "htmlsts", "badsts"]
RUA = {"good": "v=TLSRPTv1; rua=mailto:tlsrpt@good.test,https://reports.good.test/v1/tlsrpt",
       "wrongcert": "v=TLSRPTv1; rua=mailto:tls-reports@wrongcert.test"}


class TlsReport(harness.TernTestCase):

    @classmethod
    def setUpClass(cls):
        sts_peers.start_world(cls, ZONES, {
            "mta-sts.good.test": (200, "text/plain", policy("enforce", "mx.good.test"), {}),
            "mta-sts.wrongcert.test": (200, "text/plain", policy("enforce", "mx.wrongcert.test"), {}),
            "mta-sts.testing.test": (200, "text/plain", policy("testing", "mx.testing.test"), {}),
            "mta-sts.htmlsts.test": (200, "text/html", policy("enforce", "mx.htmlsts.test"), {}),
            "mta-sts.badsts.test": (200, "text/plain", "version: STSv1\r\nmode: always\r\n", {}),
        }, mx_names=["mx.%s.test" % z for z in ZONES if z not in ("wrongcert", "testing")],
            announced=[z for z in ZONES if z != "plain"], sts_id="20261207r",
            records={z: {"_smtp._tls": [("TXT", rua)]} for z, rua in RUA.items()})

    def setUp(self):
        p = dict(self.dns.tern_params())
        p.update({"default_transport": "smtp", "relayhost": "", "smtp_tcp_port": str(self.mx.port),
                  "smtp_dns_support_level": "enabled", "smtp_tls_security_level": "may",
                  "smtp_tls_CAfile": self.pki.ca_cert, "smtp_tls_loglevel": "2",
                  "smtp_connection_cache_on_demand": "no",
                  "mta_sts_enable": "yes", "mta_sts_fetch_port": str(self.web.httpd.server_address[1]),
                  "mta_sts_CAfile": self.pki.ca_cert, "mta_sts_cache_directory": "$config_directory/sts-cache",
                  "smtp_tlsrpt_enable": "yes", "tlsrpt_database": "$config_directory/tlsrpt",
                  "tlsrpt_organization_name": "Tern Test Org", "tlsrpt_contact_info": "tlsrpt-admin@example.test"})
        self.tern = self.start_tern(main_cf=p)
        self.out = os.path.join(self.tern.dir, "reports")
        os.mkdir(self.out)

    def send(self, rcpt):
        s = self.tern.smtp()
        try:
            s.sendmail("alice@example.test", [rcpt], harness.make_message("tlsrpt", to=rcpt).replace("\n", "\r\n").encode())
        finally:
            s.quit()

    def outcome(self, rcpt, status, since):
        return self.tern.wait_for_log(r"^\w+: to=<%s>, relay=[^,]+, .*status=%s " % (re.escape(rcpt), status),
                                      timeout=30, since=since)

    def report(self, domain):
        files = glob.glob(os.path.join(self.out, "*!%s!*.json" % domain))
        self.assertEqual(len(files), 1, files)
        with open(files[0]) as f:
            return json.load(f)

    def assertReportHeader(self, r, day):
        self.assertEqual(r["organization-name"], "Tern Test Org")
        self.assertEqual(r["contact-info"], "tlsrpt-admin@example.test")
        self.assertEqual(r["date-range"], {"start-datetime": day + "T00:00:00Z", "end-datetime": day + "T23:59:59Z"})
        self.assertTrue(r["report-id"])

    def test_counts_and_reports_per_policy_domain(self):
        mark = self.tern.mark
        self.send("bob@good.test")
        self.outcome("bob@good.test", "sent", mark)
        mark2 = self.tern.log_mark()
        self.send("bob@good.test")
        self.outcome("bob@good.test", "sent", mark2)
        resumed = bool(re.search(r"mx\.good\.test\[127\.0\.0\.1\]:\d+: Reusing old session", self.tern.log_text(since=mark2)))
        self.send("bob@wrongcert.test")
        self.outcome("bob@wrongcert.test", "deferred", mark)
        self.send("bob@plain.test")
        self.outcome("bob@plain.test", "sent", mark)

        day = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d")
        with open(os.path.join(self.tern.dir, "tlsrpt", day + ".log")) as f:
            lines = [json.loads(line) for line in f]
        self.assertEqual(len(lines), 3 if resumed else 4)

        r = self.tern.tool("tern", "tls-report", "-c", self.tern.dir, "--day", day, "--directory", self.out)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn("good.test: %d successful, 0 failed session(s): " % (1 if resumed else 2), r.stdout)
        self.assertIn("good.test: send to mailto:tlsrpt@good.test\n", r.stdout)
        self.assertIn("good.test: send to https://reports.good.test/v1/tlsrpt\n", r.stdout)
        self.assertIn("wrongcert.test: 0 successful, 1 failed session(s): ", r.stdout)
        self.assertIn("wrongcert.test: send to mailto:tls-reports@wrongcert.test\n", r.stdout)
        self.assertIn("plain.test: not sent: _smtp._tls.plain.test: no TXT record\n", r.stdout)

        good = self.report("good.test")
        self.assertReportHeader(good, day)
        self.assertEqual(len(good["policies"]), 1)
        p = good["policies"][0]
        self.assertEqual(p["policy"]["policy-type"], "sts")
        self.assertEqual(p["policy"]["policy-domain"], "good.test")
        self.assertEqual(p["policy"]["mx-host"], ["mx.good.test"])
        self.assertEqual(p["policy"]["policy-string"],
                         ["version: STSv1", "mode: enforce", "mx: mx.good.test", "max_age: 86400"])
        self.assertEqual(p["summary"], {"total-successful-session-count": 1 if resumed else 2,
                                        "total-failure-session-count": 0})
        self.assertNotIn("failure-details", p)

        bad = self.report("wrongcert.test")
        self.assertReportHeader(bad, day)
        p = bad["policies"][0]
        self.assertEqual(p["policy"]["policy-type"], "sts")
        self.assertEqual(p["summary"], {"total-successful-session-count": 0, "total-failure-session-count": 1})
        self.assertEqual(len(p["failure-details"]), 1)
        d = p["failure-details"][0]
        self.assertEqual(d["result-type"], "certificate-host-mismatch")
        self.assertEqual(d["failed-session-count"], 1)
        self.assertEqual(d["receiving-mx-hostname"], "mx.wrongcert.test")
        self.assertEqual(d["receiving-ip"], "127.0.0.1")
        self.assertEqual(d["sending-mta-ip"], "127.0.0.1")

        plain = self.report("plain.test")
        p = plain["policies"][0]
        self.assertEqual(p["policy"]["policy-type"], "no-policy-found")
        self.assertEqual(p["summary"], {"total-successful-session-count": 1, "total-failure-session-count": 0})

    def test_testing_mode_is_reported_not_enforced(self):
        self.send("bob@testing.test")
        self.outcome("bob@testing.test", "sent", self.tern.mark)
        day = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d")
        r = self.tern.tool("tern", "tls-report", "-c", self.tern.dir, "--day", day, "--directory", self.out)
        self.assertEqual(r.returncode, 0, r.stderr)
        p = self.report("testing.test")["policies"]
        self.assertEqual(len(p), 1)
        self.assertEqual(p[0]["policy"]["policy-type"], "sts")
        self.assertIn("mode: testing", p[0]["policy"]["policy-string"])
        self.assertEqual(p[0]["summary"], {"total-successful-session-count": 0, "total-failure-session-count": 1})
        self.assertEqual(p[0]["failure-details"][0]["result-type"], "certificate-host-mismatch")

    def test_policy_fetch_and_parse_failures(self):
        for zone in ("htmlsts", "badsts"):
            self.send("bob@%s.test" % zone)
            self.outcome("bob@%s.test" % zone, "sent", self.tern.mark)
        day = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d")
        r = self.tern.tool("tern", "tls-report", "-c", self.tern.dir, "--day", day, "--directory", self.out)
        self.assertEqual(r.returncode, 0, r.stderr)
        for zone, result in (("htmlsts", "sts-policy-fetch-error"), ("badsts", "sts-policy-invalid")):
            self.assertIn("%s.test: 1 successful, 1 failed session(s): " % zone, r.stdout)
            policies = {p["policy"]["policy-type"]: p for p in self.report(zone + ".test")["policies"]}
            self.assertEqual(set(policies), {"sts", "no-policy-found"})
            sts = policies["sts"]
            self.assertEqual(sts["summary"], {"total-successful-session-count": 0, "total-failure-session-count": 1})
            self.assertEqual([d["result-type"] for d in sts["failure-details"]], [result])
            self.assertEqual(policies["no-policy-found"]["summary"]["total-successful-session-count"], 1)

    def test_a_day_without_sessions_and_bad_days(self):
        r = self.tern.tool("tern", "tls-report", "-c", self.tern.dir, "--day", "2001-01-01", "--directory", self.out)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn("no TLS sessions counted on 2001-01-01", r.stderr)
        self.assertEqual(os.listdir(self.out), [])
        r = self.tern.tool("tern", "tls-report", "-c", self.tern.dir, "--day", "yesterday")
        self.assertEqual(r.returncode, 64)
        self.assertIn("bad --day \"yesterday\"", r.stderr)


if __name__ == "__main__":
    import unittest
    unittest.main()
