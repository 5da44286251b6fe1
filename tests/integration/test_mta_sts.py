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

import http.server
import os
import re
import shutil
import ssl
import subprocess
import tempfile
import threading

import dns_peers
import harness

harness.PORT_RANGE = (25700, 25799)

ZONES = ["enforce", "elsewhere", "wrongcert", "testing", "nosts", "html", "redirect"]


def policy(mode, *mx, max_age=86400):
    return "version: STSv1\r\nmode: %s\r\n%smax_age: %d\r\n" % (
        mode, "".join("mx: %s\r\n" % m for m in mx), max_age)


class PolicyServer:
    """HTTPS on 127.0.0.1:port answering /.well-known/mta-sts.txt by the Host header from
    `policies` (host -> (status, content type, body, extra headers)); counts requests."""

    def __init__(self, port, cert, key, policies):
        self.policies = policies
        self.requests = []
        outer = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self):
                host = (self.headers.get("Host") or "").split(":")[0]
                outer.requests.append((host, self.path))
                status, ctype, body, extra = outer.policies.get(host, (404, "text/plain", "no policy\n", {}))
                if self.path != "/.well-known/mta-sts.txt":
                    status, ctype, body, extra = 404, "text/plain", "not here\n", {}
                data = body.encode()
                self.send_response(status)
                self.send_header("Content-Type", ctype)
                self.send_header("Content-Length", str(len(data)))
                for k, v in extra.items():
                    self.send_header(k, v)
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *args):
                pass

        self.httpd = http.server.HTTPServer(("127.0.0.1", port), Handler)
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        ctx.load_cert_chain(cert, key)
        self.httpd.socket = ctx.wrap_socket(self.httpd.socket, server_side=True)
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()

    def count(self, host):
        return sum(1 for h, _ in self.requests if h == host)

    def stop(self):
        self.httpd.shutdown()
        self.httpd.server_close()


def issue(pki, name, hostnames):
    key, cert, csr, ext = (os.path.join(pki.dir, name + s) for s in (".key", ".pem", ".csr", ".ext"))
    with open(ext, "w") as f:
        f.write("subjectAltName=%s\n" % ",".join("DNS:" + h for h in hostnames))
    run = lambda *a: subprocess.run([harness.OPENSSL] + list(a), check=True, capture_output=True)
    run("req", "-newkey", "rsa:2048", "-nodes", "-keyout", key, "-out", csr, "-subj", "/CN=" + hostnames[0])
    run("x509", "-req", "-in", csr, "-CA", pki.ca_cert, "-CAkey", pki.ca_key, "-set_serial", "7",
        "-out", cert, "-days", "2", "-extfile", ext)
    for path in (key, cert):
        os.chmod(path, 0o644)
    return cert, key


class MtaSts(harness.TernTestCase):

    @classmethod
    def setUpClass(cls):
        cls.pki_dir = tempfile.mkdtemp(prefix="tern-sts-pki-")
        os.chmod(cls.pki_dir, 0o755)
        cls.pki = harness.TestPki(cls.pki_dir)
        # The MX certificate names every zone's mx host except wrongcert's.
        mx_cert, mx_key = issue(cls.pki, "mx", ["mx.%s.test" % z for z in ZONES if z != "wrongcert"])
        web_cert, web_key = issue(cls.pki, "web", ["mta-sts.%s.test" % z for z in ZONES])
        cls.mx = harness.Tern(main_cf={
            "mydestination": "localhost, " + ", ".join("%s.test" % z for z in ZONES),
            "smtpd_tls_security_level": "may", "smtpd_tls_cert_file": mx_cert, "smtpd_tls_key_file": mx_key})
        cls.addClassCleanup(cls.mx.cleanup)
        cls.mx.start()
        cls.web = PolicyServer(harness.free_port(), web_cert, web_key, {
            "mta-sts.enforce.test": (200, "text/plain", policy("enforce", "mx.enforce.test"), {}),
            "mta-sts.elsewhere.test": (200, "text/plain", policy("enforce", "*.example.test"), {}),
            "mta-sts.wrongcert.test": (200, "text/plain", policy("enforce", "mx.wrongcert.test"), {}),
            "mta-sts.testing.test": (200, "text/plain; charset=utf-8", policy("testing", "*.example.test"), {}),
            "mta-sts.html.test": (200, "text/html", policy("enforce", "*.example.test"), {}),
            "mta-sts.redirect.test": (301, "text/plain", "", {"Location": "https://mta-sts.enforce.test/.well-known/mta-sts.txt"}),
        })
        cls.addClassCleanup(cls.web.stop)
        zones = {}
        for z in ZONES:
            records = {"@": [("MX", "10 mx")], "mx": [("A", "127.0.0.1")], "mta-sts": [("A", "127.0.0.1")]}
            if z != "nosts":
                records["_mta-sts"] = [("TXT", "v=STSv1; id=20261207a;")]
            zones["%s.test" % z] = dns_peers.Zone(records, signed=False)
        cls.dns = dns_peers.DnsPeers(zones, port=harness.free_port(), auth_port=harness.free_port())
        cls.addClassCleanup(cls.dns.stop)

    @classmethod
    def tearDownClass(cls):
        if not harness.KEEP:
            shutil.rmtree(cls.pki_dir, ignore_errors=True)

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
