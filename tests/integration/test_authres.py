"""Inbound authentication through a running ternd, against real DNS: Knot serves a signed
test zone (through Unbound) with SPF, DKIM key and DMARC records, and
  - a message whose From claims a p=reject domain, from a client that domain's SPF does not
    designate and without its DKIM signature, is refused 550 5.7.1 at the end of DATA
    (dmarc_mode = enforce); under dmarc_mode = report the same message is delivered with
    dmarc=fail in Authentication-Results;
  - a message signed (dkimpy) with a key made by `tern dkim keygen`, from an SPF-designated
    client, arrives with one Authentication-Results field (authserv-id $myhostname, read
    back with Debian's python3-authres, an independent RFC 8601 parser) saying spf=pass,
    dkim=pass and dmarc=pass; a forged field with our authserv-id is removed, another
    receiver's field is kept;
  - p=quarantine with dmarc_quarantine_action = hold puts the message on hold; = header adds
    dmarc_quarantine_header;
  - a client in mynetworks is exempt: no DMARC, no field;
  - `tern check dmarc` prints the three results and exits 0 only on a DMARC pass.
Client addresses are 127.0.0.2 (designated by SPF) and 127.0.0.3 (not); mynetworks is
127.0.0.1/32 only.
"""

import crypt
import json
import os
import re
import shutil
import smtplib
import subprocess
import tempfile
import unittest

import authres
import dkim

import harness
import dns_peers

harness.PORT_RANGE = (25850, 25899)  # this test's ports

TERN = os.path.join(harness.BUILD, "bin", "tern")
DOMAIN = "auth.test"
SELECTOR = "sel"


def keygen(directory):
    """(private key PEM, TXT data) from `tern dkim keygen`."""
    out = subprocess.run([TERN, "dkim", "keygen", "--domain", DOMAIN, "--selector", SELECTOR,
                          "--type", "rsa", "--directory", directory],
                         capture_output=True, text=True, timeout=60)
    if out.returncode != 0:
        raise AssertionError("keygen failed: " + out.stderr)
    with open(os.path.join(directory, SELECTOR + ".private"), "rb") as f:
        pem = f.read()
    return pem, "".join(re.findall(r'"([^"]*)"', out.stdout))


def message(from_addr, subject, extra_headers=()):
    lines = ["From: <%s>" % from_addr, "To: <alice@example.test>", "Subject: %s" % subject,
             "Date: Mon, 07 Dec 2026 12:00:00 +0000",
             "Message-ID: <%s@%s>" % (subject.replace(" ", "."), DOMAIN)]
    lines += list(extra_headers)
    return ("\r\n".join(lines) + "\r\n\r\nHello Alice.\r\n").encode()


class AuthResTest(harness.TernTestCase):
    @classmethod
    def setUpClass(cls):
        cls.keys = tempfile.mkdtemp(prefix="tern-authres-keys-")
        cls.addClassCleanup(shutil.rmtree, cls.keys, True)
        cls.pem, key_txt = keygen(cls.keys)
        cls.dns = dns_peers.DnsPeers({DOMAIN: {
            "@": [("TXT", "v=spf1 ip4:127.0.0.2 -all")],
            "_dmarc": [("TXT", "v=DMARC1; p=reject")],
            SELECTOR + "._domainkey": [("TXT", key_txt)],
            "quar": [("TXT", "v=spf1 -all")],
            "_dmarc.quar": [("TXT", "v=DMARC1; p=quarantine")],
        }})
        cls.addClassCleanup(cls.dns.stop)

    def start(self, **params):
        cf = dict(self.dns.tern_params())
        cf.update({"dkim_verify_enable": "yes", "dmarc_mode": "enforce"})
        cf.update(params)
        tern = self.new_tern(main_cf=cf)
        tern.set_param("dmarc_report_database", tern.path("dmarc"))  # never the system's
        tern.write_config()
        tern.start()
        tern.wait_for_log(r"^disconnect from ")
        tern.mark = tern.log_mark()
        return tern

    def report_rows(self, tern):
        rows = []
        for name in sorted(os.listdir(tern.path("dmarc"))):
            with open(tern.path("dmarc", name)) as f:
                rows += [json.loads(line) for line in f]
        return rows

    def sign(self, msg):
        return dkim.sign(msg, SELECTOR.encode(), DOMAIN.encode(), self.pem,
                         include_headers=[b"from", b"to", b"subject", b"date", b"message-id"]) + msg

    def send(self, tern, source, mail_from, msg):
        s = tern.smtp(helo="client.auth.test", source=source)
        try:
            s.sendmail(mail_from, ["alice@example.test"], msg)
        finally:
            s.quit()

    def delivered(self, tern, n=1):
        return tern.wait_for_maildir("alice", n)[n - 1].decode()

    def our_field(self, text):
        """Our Authentication-Results field (unfolded), parsed; asserts there is exactly one."""
        head = text.split("\n\n", 1)[0]
        fields = re.findall(r"^Authentication-Results:.*(?:\n[ \t].*)*", head, re.M)
        ours = [f for f in fields if f.split(":", 1)[1].strip().startswith(harness.MYHOSTNAME + ";")]
        self.assertEqual(len(ours), 1, head)
        return authres.AuthenticationResultsHeader.parse(re.sub(r"\n[ \t]", " ", ours[0])), fields, head

    def results(self, header):
        return {r.method: r.result for r in header.results}

    def test_forged_from_of_reject_domain_is_refused(self):
        tern = self.start()
        with self.assertRaises(smtplib.SMTPDataError) as cm:
            self.send(tern, "127.0.0.3", "ceo@%s" % DOMAIN, message("ceo@" + DOMAIN, "forged"))
        self.assertEqual(cm.exception.smtp_code, 550)
        self.assertEqual(cm.exception.smtp_error.decode(), "5.7.1 Message rejected per DMARC policy for auth.test")
        tern.wait_for_log(r"DMARC fail: header_from=auth\.test, policy_domain=auth\.test, policy=reject, "
                          r"action=reject", since=tern.mark)
        tern.wait_for_log(r"reject: END-OF-MESSAGE from unknown\[127\.0\.0\.3\]: 550 5\.7\.1 ", since=tern.mark)
        self.assertEqual(tern.maildir_messages("alice"), [])
        rows = self.report_rows(tern)  # recorded for tern dmarc report
        self.assertEqual(len(rows), 1, rows)
        self.assertEqual((rows[0]["source_ip"], rows[0]["header_from"], rows[0]["disposition"]),
                         ("127.0.0.3", DOMAIN, "reject"))

    def test_report_mode_delivers_with_dmarc_fail(self):
        tern = self.start(dmarc_mode="report")
        self.send(tern, "127.0.0.3", "ceo@%s" % DOMAIN, message("ceo@" + DOMAIN, "forged"))
        header, _, _ = self.our_field(self.delivered(tern))
        self.assertEqual(self.results(header), {"spf": "fail", "dkim": "none", "dmarc": "fail"})

    def test_signed_message_passes_and_forged_field_is_removed(self):
        tern = self.start()
        forged = "Authentication-Results: %s; dkim=pass header.d=bank.test; dmarc=pass" % harness.MYHOSTNAME
        other = "Authentication-Results: mx.elsewhere.test; spf=fail smtp.mailfrom=x@auth.test"
        msg = self.sign(message("bob@" + DOMAIN, "good", [forged, other]))
        self.send(tern, "127.0.0.2", "bob@%s" % DOMAIN, msg)
        text = self.delivered(tern)
        header, fields, head = self.our_field(text)
        self.assertEqual(header.authserv_id, harness.MYHOSTNAME)
        self.assertEqual(self.results(header), {"spf": "pass", "dkim": "pass", "dmarc": "pass"})
        props = {(r.method, p.type, p.name): p.value for r in header.results for p in r.properties}
        self.assertEqual(props[("spf", "smtp", "mailfrom")], "bob@auth.test")
        self.assertEqual(props[("dkim", "header", "d")], DOMAIN)
        self.assertEqual(props[("dmarc", "header", "from")], DOMAIN)
        self.assertNotIn("bank.test", head)  # the forged field is gone
        self.assertEqual(len(fields), 2, head)  # ours and the other receiver's
        self.assertIn(other, head)
        # Above what smtpd adds (local delivery adds Return-Path and Delivered-To on top).
        ours = head.index("Authentication-Results: %s;" % harness.MYHOSTNAME)
        self.assertLess(ours, head.index("Received-SPF:"))
        self.assertLess(ours, head.index("Received: from client.auth.test"))
        tern.wait_for_log(r"removed 1 Authentication-Results header\(s\) claiming authserv-id mail\.example\.test",
                          since=tern.mark)
        tern.wait_for_log(r"DKIM pass: d=auth\.test, s=sel, a=rsa-sha256", since=tern.mark)

    def test_quarantine_hold_and_header(self):
        tern = self.start(dmarc_quarantine_action="hold")
        self.send(tern, "127.0.0.3", "x@quar.%s" % DOMAIN, message("x@quar." + DOMAIN, "quarantined"))
        tern.wait_for_log(r"hold: DMARC quarantine policy", since=tern.mark)
        self.assertTrue(harness.wait_until(lambda: len(tern.queue_files("hold")) == 1, 10), tern.evidence())
        self.assertEqual(tern.maildir_messages("alice"), [])

        tern2 = self.start(dmarc_quarantine_header="X-Junk: DMARC quarantine")
        self.send(tern2, "127.0.0.3", "x@quar.%s" % DOMAIN, message("x@quar." + DOMAIN, "quarantined"))
        text = self.delivered(tern2)
        self.assertIn("\nX-Junk: DMARC quarantine\n", text)
        header, _, _ = self.our_field(text)
        self.assertEqual(self.results(header)["dmarc"], "fail")

    def test_mynetworks_is_exempt(self):
        tern = self.start()
        forged = "Authentication-Results: %s; dmarc=pass" % harness.MYHOSTNAME
        self.send(tern, "127.0.0.1", "ceo@%s" % DOMAIN, message("ceo@" + DOMAIN, "internal", [forged]))
        text = self.delivered(tern)
        head = text.split("\n\n", 1)[0]
        self.assertNotIn("Authentication-Results:", head)  # none added, the forged one removed

    def test_sasl_authenticated_client_is_exempt(self):
        tern = self.new_tern(main_cf=dict(self.dns.tern_params(), dkim_verify_enable="yes", dmarc_mode="enforce",
                                          smtpd_sasl_auth_enable="yes", smtpd_sasl_type="tern"))
        tern.write_file("sasl_passwd", "carol:%s\n" % crypt.crypt("secret", crypt.mksalt(crypt.METHOD_SHA512)))
        tern.set_param("smtpd_sasl_path", tern.path("sasl_passwd"))
        tern.set_param("dmarc_report_database", tern.path("dmarc"))
        tern.write_config()
        tern.start()
        s = tern.smtp(helo="client.auth.test", source="127.0.0.3")
        s.login("carol", "secret")
        s.sendmail("ceo@" + DOMAIN, ["alice@example.test"], message("ceo@" + DOMAIN, "submitted"))
        s.quit()
        self.assertNotIn("Authentication-Results:", self.delivered(tern).split("\n\n", 1)[0])

    def test_no_dns_no_authentication(self):
        tern = self.start(disable_dns_lookups="yes")  # the admin's switch: no DNS at all
        self.send(tern, "127.0.0.3", "ceo@%s" % DOMAIN, message("ceo@" + DOMAIN, "forged"))
        self.assertNotIn("Authentication-Results:", self.delivered(tern))
        tern.wait_for_log(r"DKIM verification, DMARC and Authentication-Results are off: DNS lookups are disabled")

    def test_default_test_config_does_no_authentication(self):
        tern = self.start_tern(main_cf=self.dns.tern_params())  # harness defaults: off
        self.send(tern, "127.0.0.3", "ceo@%s" % DOMAIN, message("ceo@" + DOMAIN, "plain"))
        self.assertNotIn("Authentication-Results:", self.delivered(tern))

    def test_tern_check_dmarc(self):
        params = dict(self.dns.tern_params())
        params["dmarc_mode"] = "enforce"
        tern = self.new_tern(main_cf=params)
        good = self.sign(message("bob@" + DOMAIN, "good"))
        r = tern.tool("tern", "check", "dmarc", "-c", tern.dir, "127.0.0.2", "bob@" + DOMAIN, "client.auth.test",
                      input=good.decode())
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        header = authres.AuthenticationResultsHeader.parse(re.sub(r"\n[ \t]", " ", r.stdout.split("\n\n")[0]
                                                                  .split("\npolicy:")[0]))
        self.assertEqual(header.authserv_id, harness.MYHOSTNAME)
        self.assertEqual(self.results(header), {"spf": "pass", "dkim": "pass", "dmarc": "pass"})
        self.assertIn("\naction: accept\n", r.stdout)

        forged = message("ceo@" + DOMAIN, "forged")
        r = tern.tool("tern", "check", "dmarc", "-c", tern.dir, "127.0.0.3", "ceo@" + DOMAIN, "client.auth.test",
                      input=forged.decode())
        self.assertEqual(r.returncode, 1, r.stdout + r.stderr)
        self.assertIn("spf=fail", r.stdout)
        self.assertIn("dmarc=fail", r.stdout)
        self.assertIn("action: reject: 550 5.7.1 Message rejected per DMARC policy for auth.test", r.stdout)

if __name__ == "__main__":
    unittest.main()
