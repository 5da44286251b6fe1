"""The DMARC command-line tools against real DNS (Knot through a validating Unbound):
  - `tern dmarc report` checks each rua= destination before using it (RFC 9990, RFC 7489
    §7.1): one in the policy domain's own Organizational Domain is used; an external one
    only when it publishes <policy-domain>._report._dmarc.<its domain> TXT "v=DMARC1"; the
    command prints which it uses and which it drops, and why;
  - `tern check dmarc` goes through the server's dmarc::authenticate(), so an unsigned
    message gets dkim=none in its Authentication-Results as ternd's does, and the command
    notes the checks the configuration would have ternd skip.

Ports: this test's Knot and Unbound listen in 25900-25949.
Run: TERN_BUILD=/work/main/build /usr/bin/python3 -m unittest -v test_dmarc_cli_dns
"""

import json
import os

import authres

import dns_peers
import harness

harness.PORT_RANGE = (25900, 25949)  # this test's ports

DAY_START = 1796601600  # 2026-12-07T00:00:00Z

# "test" is served too, so the tree walks end in an answer (NXDOMAIN) rather than
# Unbound's refusal of names outside the zones.
ZONES = {
    "test": {},
    "policy.test": {
        "@": [("TXT", "v=spf1 ip4:192.0.2.1 -all")],
        "_dmarc": [("TXT", "v=DMARC1; p=reject; rua=mailto:agg@policy.test,"
                           "mailto:dmarc@reports.test,mailto:dmarc@stranger.test")],
    },
    "reports.test": {
        "policy.test._report._dmarc": [("TXT", "v=DMARC1")],
    },
    "stranger.test": {
        # Authorizes another policy domain, not policy.test.
        "other.test._report._dmarc": [("TXT", "v=DMARC1")],
    },
}


def row(ip):
    """One stored result in the documented format (src/dmarc/report_store.hpp)."""
    d = "policy.test"
    return {"v": 1, "time": DAY_START + 3600, "source_ip": ip, "header_from": d,
            "envelope_from": "bounce@" + d, "policy_domain": d,
            "rua": ["mailto:agg@policy.test", "mailto:dmarc@reports.test", "mailto:dmarc@stranger.test"],
            "p": "reject", "sp": "", "np": "", "adkim": "r", "aspf": "r", "testing": False,
            "discovery": "treewalk", "disposition": "none", "dkim_aligned": "fail",
            "spf_aligned": "pass", "dkim": [], "spf_domain": d, "spf_scope": "mfrom",
            "spf_result": "pass"}


class DmarcCliDnsTest(harness.TernTestCase):
    @classmethod
    def setUpClass(cls):
        cls.dns = dns_peers.DnsPeers(ZONES)
        cls.addClassCleanup(cls.dns.stop)

    def tern(self, **params):
        return self.new_tern(main_cf=dict(self.dns.tern_params(), **params))

    def test_report_checks_external_destinations(self):
        tern = self.tern(mydomain="receiver.test")
        db = tern.path("dmarc")
        out = tern.path("reports")
        os.makedirs(db)
        os.makedirs(out)
        tern.set_param("dmarc_report_database", db)
        tern.write_config()
        with open(os.path.join(db, "2026-12-07.jsonl"), "w") as f:
            f.write(json.dumps(row("192.0.2.1")) + "\n")
        r = tern.tool("tern", "dmarc", "report", "-c", tern.dir, "-d", "2026-12-07", "-o", out)
        self.assertEqual(r.returncode, 0, r.stderr)
        lines = r.stdout.splitlines()
        self.assertEqual(lines[0], "policy.test: %s/receiver.test!policy.test!%d!%d.xml"
                         % (out, DAY_START, DAY_START + 86399))
        self.assertEqual(lines[1:], [
            "  rua used: agg@policy.test",
            "  rua used: dmarc@reports.test",
            "  rua dropped: dmarc@stranger.test (not authorized by stranger.test)",
        ])
        self.assertIn("not mailed", r.stderr)

    def test_report_drops_destination_on_dns_failure(self):
        # outside.example.org is in no zone here: Unbound refuses it, a temporary failure.
        tern = self.tern()
        db = tern.path("dmarc")
        os.makedirs(db)
        tern.set_param("dmarc_report_database", db)
        tern.write_config()
        rec = row("192.0.2.1")
        rec["rua"] = ["mailto:x@outside.example.org"]
        with open(os.path.join(db, "2026-12-07.jsonl"), "w") as f:
            f.write(json.dumps(rec) + "\n")
        r = tern.tool("tern", "dmarc", "report", "-c", tern.dir, "-d", "2026-12-07", "-o", db)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn("  rua dropped: x@outside.example.org (DNS failure checking outside.example.org)\n", r.stdout)

    def check(self, tern, message):
        r = tern.tool("tern", "check", "dmarc", "-c", tern.dir, "192.0.2.1", "bounce@policy.test",
                      "helo.test", input=message)
        lines = r.stdout.split("\n")
        self.assertTrue(lines[0].startswith("Authentication-Results: "), r.stdout + r.stderr)
        end = next(i for i in range(1, len(lines)) if not lines[i].startswith("\t"))
        header = authres.AuthenticationResultsHeader.parse("\n".join(lines[:end]))
        return r, {res.method: res for res in header.results}

    def test_check_unsigned_message_says_dkim_none(self):
        message = "From: a@policy.test\nTo: b@example.test\nSubject: unsigned\n\nbody\n"
        tern = self.tern(dkim_verify_enable="yes", dmarc_mode="report")
        r, results = self.check(tern, message)
        self.assertEqual(r.returncode, 0, r.stdout)
        self.assertEqual(results["dkim"].result, "none")
        self.assertEqual(results["spf"].result, "pass")
        self.assertEqual(results["dmarc"].result, "pass")
        self.assertNotIn("note:", r.stdout)
        # The harness's defaults turn both checks off for ternd; the command still runs them.
        r, results = self.check(self.tern(), message)
        self.assertEqual((results["dkim"].result, results["dmarc"].result), ("none", "pass"))
        self.assertIn("note: ternd does not verify DKIM (dkim_verify_enable = no)\n", r.stdout)
        self.assertIn("note: ternd does not evaluate DMARC (dmarc_mode = off)\n", r.stdout)


if __name__ == "__main__":
    import unittest
    unittest.main()
