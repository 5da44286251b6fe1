"""`tern dmarc report`: RFC 9990 aggregate reports from the stored per-message DMARC
results, read back with Python's own XML parser (well-formed, the RFC 9990 namespace,
rows counted per source), and the tool's errors for a bad day and a corrupt store.

The server does not record results yet (DMARC is not wired into end of DATA), so the
rows are written here in the store's documented format (src/dmarc/report_store.hpp).

Run: TERN_BUILD=/work/main/build /usr/bin/python3 -m unittest -v test_dmarc_report
"""

import json
import os
import xml.etree.ElementTree as ET

from harness import TernTestCase

NS = {"d": "urn:ietf:params:xml:ns:dmarc-2.0"}
DAY_START = 1796601600  # 2026-12-07T00:00:00Z


def row(ip, domain="example.com", disposition="none", dkim="pass", time=DAY_START + 3600):
    return {"v": 1, "time": time, "source_ip": ip, "header_from": domain,
            "envelope_from": "bounce." + domain, "policy_domain": domain,
            "rua": ["mailto:agg@" + domain], "p": "reject", "sp": "", "np": "",
            "adkim": "r", "aspf": "r", "testing": False, "discovery": "treewalk",
            "disposition": disposition, "dkim_aligned": dkim, "spf_aligned": "fail",
            "dkim": [{"domain": domain, "selector": "s1", "result": dkim}],
            "spf_domain": "bounce." + domain, "spf_scope": "mfrom", "spf_result": "softfail"}


class DmarcReportTest(TernTestCase):

    def setUp(self):
        self.tern = self.new_tern()
        self.db = self.tern.path("dmarc")
        self.tern.set_param("dmarc_report_database", self.db)
        self.tern.set_param("dmarc_report_org_name", "Tern Test")
        self.tern.set_param("mydomain", "receiver.test")
        # No DNS here (test_dmarc_cli_dns checks the destinations through real DNS).
        self.tern.set_param("disable_dns_lookups", "yes")
        self.tern.write_config()
        os.makedirs(self.db)
        self.out = self.tern.path("reports")
        os.makedirs(self.out)

    def store(self, rows, day="2026-12-07"):
        with open(os.path.join(self.db, day + ".jsonl"), "a") as f:
            for r in rows:
                f.write(json.dumps(r) + "\n")

    def report(self, *args):
        return self.tern.tool("tern", "dmarc", "report", "-c", self.tern.dir, *args)

    def test_one_report_per_policy_domain(self):
        self.store([row("192.0.2.1"), row("192.0.2.1"),
                    row("192.0.2.9", disposition="reject", dkim="fail"),
                    row("198.51.100.4", domain="other.test")])
        r = self.report("-d", "2026-12-07", "-o", self.out)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn("not mailed", r.stderr)
        files = sorted(os.listdir(self.out))
        self.assertEqual(files, [
            "receiver.test!example.com!%d!%d.xml" % (DAY_START, DAY_START + 86399),
            "receiver.test!other.test!%d!%d.xml" % (DAY_START, DAY_START + 86399)])
        self.assertIn("  rua mailto:agg@example.com: not checked\n", r.stdout)
        self.assertIn("rua= destinations not checked: DNS lookups are disabled", r.stderr)

        root = ET.parse(os.path.join(self.out, files[0])).getroot()
        self.assertEqual(root.tag, "{%s}feedback" % NS["d"])
        self.assertEqual(root.findtext("d:report_metadata/d:org_name", namespaces=NS), "Tern Test")
        self.assertEqual(root.findtext("d:report_metadata/d:date_range/d:begin", namespaces=NS),
                         str(DAY_START))
        self.assertEqual(root.findtext("d:policy_published/d:domain", namespaces=NS), "example.com")
        self.assertEqual(root.findtext("d:policy_published/d:p", namespaces=NS), "reject")
        counts = {rec.findtext("d:row/d:source_ip", namespaces=NS):
                  (int(rec.findtext("d:row/d:count", namespaces=NS)),
                   rec.findtext("d:row/d:policy_evaluated/d:disposition", namespaces=NS),
                   rec.findtext("d:auth_results/d:dkim/d:result", namespaces=NS))
                  for rec in root.findall("d:record", NS)}
        self.assertEqual(counts, {"192.0.2.1": (2, "none", "pass"),
                                  "192.0.2.9": (1, "reject", "fail")})

    def test_nothing_stored(self):
        r = self.report("-d", "2026-12-06", "-o", self.out)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn("no DMARC results stored for 2026-12-06", r.stderr)
        self.assertEqual(os.listdir(self.out), [])

    def test_bad_day_and_corrupt_store(self):
        for day in ("2026-02-31", "yesterday", "2026-1-07"):
            r = self.report("-d", day, "-o", self.out)
            self.assertEqual(r.returncode, 1, day)
            self.assertIn("bad day", r.stderr)
        self.store([row("192.0.2.1")])
        with open(os.path.join(self.db, "2026-12-07.jsonl"), "a") as f:
            f.write('{"v": 1, "time": "soon"}\n')
        r = self.report("-d", "2026-12-07", "-o", self.out)
        self.assertEqual(r.returncode, 1)
        self.assertIn("2026-12-07.jsonl:2:", r.stderr)
        self.assertEqual(os.listdir(self.out), [])

    def test_usage(self):
        r = self.tern.tool("tern", "dmarc", "send")
        self.assertEqual(r.returncode, 64)
        self.assertIn("usage: tern dmarc report", r.stderr)
