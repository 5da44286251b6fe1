"""DMARC verdicts and our Authentication-Results field, read back by an independent
RFC 8601 parser (Python's authres, Debian python3-authres): each scenario runs the
evaluator (build/bin/dmarc_eval, an in-memory DNS) and the field must parse with the
methods, results and properties we meant, comments and quoting included.

Run: TERN_BUILD=/work/main/build /usr/bin/python3 -m unittest -v test_dmarc_authres
"""

import json
import os
import subprocess
import unittest

import authres

import harness

DMARC_EVAL = os.path.join(harness.BUILD, "bin", "dmarc_eval")
AUTHSERV = "mx.receiver.test"
RECORDS = [
    ["_dmarc.example.com", "TXT", "v=DMARC1; p=reject; sp=quarantine"],
    ["_dmarc.testing.example", "TXT", "v=DMARC1; p=reject; t=y"],
    ["_dmarc.shop.co.uk", "TXT", "v=DMARC1; p=quarantine"],
    ["mail.example.com", "A", "192.0.2.1"],
]


def evaluate(message, spf, dkim=(), method="rfc9989", fail=()):
    spec = {"authserv_id": AUTHSERV, "records": RECORDS, "message": message, "spf": spf,
            "dkim": list(dkim), "method": method, "fail": list(fail)}
    r = subprocess.run([DMARC_EVAL], input=json.dumps(spec), capture_output=True, text=True, timeout=30)
    if r.returncode != 0:
        raise AssertionError(r.stderr)
    return json.loads(r.stdout)


def parsed(out):
    return authres.AuthenticationResultsHeader.parse(out["header"])


def props(result):
    return {"%s.%s" % (p.type, p.name): p.value for p in result.properties}


class DmarcAuthResTest(unittest.TestCase):

    def method(self, header, name):
        found = [r for r in header.results if r.method == name]
        self.assertEqual(len(found), 1, str(header))
        return found[0]

    def test_aligned_signature_passes(self):
        out = evaluate("From: Alice <alice@example.com>\nSubject: hi\n\nbody\n",
                       {"result": "softfail", "domain": "bounces.esp.test", "mailfrom": "b@bounces.esp.test"},
                       [{"result": "pass", "domain": "example.com", "identity": "@example.com", "selector": "s1"}])
        self.assertEqual(out["result"], "pass")
        self.assertEqual(out["action"], "accept")
        h = parsed(out)
        self.assertEqual(h.authserv_id, AUTHSERV)
        self.assertEqual(self.method(h, "spf").result, "softfail")
        self.assertEqual(props(self.method(h, "spf")), {"smtp.mailfrom": "b@bounces.esp.test"})
        dkim = self.method(h, "dkim")
        self.assertEqual((dkim.result, props(dkim)),
                         ("pass", {"header.d": "example.com", "header.i": "@example.com", "header.s": "s1"}))
        dmarc = self.method(h, "dmarc")
        self.assertEqual(dmarc.result, "pass")
        self.assertEqual(props(dmarc), {"header.from": "example.com", "policy.dmarc": "reject"})

    def test_forged_from_is_rejected(self):
        out = evaluate("From: ceo@example.com\n\n", {"result": "pass", "domain": "attacker.test",
                                                    "mailfrom": "x@attacker.test"})
        self.assertEqual((out["result"], out["action"]), ("fail", "reject"))
        self.assertTrue(out["reply"].startswith("550 5.7.1 "))
        dmarc = self.method(parsed(out), "dmarc")
        self.assertEqual(dmarc.result, "fail")
        self.assertEqual(props(dmarc)["policy.dmarc"], "reject")

    def test_subdomain_and_testing_policies(self):
        out = evaluate("From: a@mail.example.com\n\n", {"result": "none"})
        self.assertEqual((out["policy_domain"], out["applied"], out["action"]),
                         ("example.com", "quarantine", "header"))
        out = evaluate("From: a@testing.example\n\n", {"result": "fail", "domain": "testing.example"})
        self.assertEqual((out["applied"], out["action"]), ("quarantine", "header"))

    def test_quoting_and_comments_survive_a_real_parser(self):
        out = evaluate("From: a@example.com\n\n",
                       {"result": "temperror", "domain": "example.com", "mailfrom": '"odd local"@example.com',
                        "reason": "DNS (timeout) for example.com"},
                       fail=[["_dmarc.example.com", "TXT"]])
        self.assertEqual(out["result"], "temperror")
        h = parsed(out)
        spf = self.method(h, "spf")
        self.assertEqual(spf.result, "temperror")
        self.assertEqual(props(spf)["smtp.mailfrom"], '"odd local"@example.com')
        self.assertEqual(self.method(h, "dmarc").result, "temperror")

    def test_no_from_is_permerror(self):
        out = evaluate("Subject: none\n\n", {"result": "pass", "domain": "example.com"})
        self.assertEqual(out["result"], "permerror")
        self.assertEqual(self.method(parsed(out), "dmarc").result, "permerror")

    def test_public_suffix_list_method(self):
        spf = {"result": "pass", "domain": "bounce.shop.co.uk", "mailfrom": "b@bounce.shop.co.uk"}
        out = evaluate("From: news@news.shop.co.uk\n\n", spf, method="psl")
        self.assertEqual((out["result"], out["policy_domain"]), ("pass", "shop.co.uk"))
        # Only the name and its registrable domain are asked, never news.shop.co.uk's parents.
        self.assertEqual(out["queries"], 2)
        out = evaluate("From: news@news.shop.co.uk\n\n", dict(spf, domain="other.co.uk"), method="psl")
        self.assertEqual((out["result"], out["action"]), ("fail", "header"))


if __name__ == "__main__":
    unittest.main()
