"""MTA-STS peers for integration tests: a policy file's text, an HTTPS policy server (Python's
ssl with a certificate from the test CA), certificates for named hosts, and start_world(),
which sets up on a TestCase class what test_mta_sts and test_tls_report share: the test
CA, a second ternd as the MX host of every zone (mx.ZONE.test), the policy server for
mta-sts.ZONE.test, and Knot + Unbound serving the unsigned zones with their `_mta-sts`
records. Each piece is stopped and removed by a class cleanup.
"""

import http.server
import os
import shutil
import ssl
import subprocess
import tempfile
import threading

import dns_peers
import harness


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


def start_world(cls, zones, policies, mx_names, announced, sts_id, records=None):
    """On TestCase class `cls`: cls.pki, cls.mx (its certificate names `mx_names`), cls.web
    (serving `policies`: host -> (status, type, body, headers)) and cls.dns, whose zones
    ZONE.test get an MX, the mx and mta-sts hosts, `_mta-sts` (id `sts_id`) when ZONE is in
    `announced`, and the extra owner -> records of `records[ZONE]`."""
    cls.pki_dir = tempfile.mkdtemp(prefix="tern-sts-pki-")
    if not harness.KEEP:
        cls.addClassCleanup(shutil.rmtree, cls.pki_dir, ignore_errors=True)
    os.chmod(cls.pki_dir, 0o755)
    cls.pki = harness.TestPki(cls.pki_dir)
    mx_cert, mx_key = issue(cls.pki, "mx", mx_names)
    web_cert, web_key = issue(cls.pki, "web", ["mta-sts.%s.test" % z for z in zones])
    cls.mx = harness.Tern(main_cf={
        "mydestination": "localhost, " + ", ".join("%s.test" % z for z in zones),
        "smtpd_tls_security_level": "may", "smtpd_tls_cert_file": mx_cert, "smtpd_tls_key_file": mx_key})
    cls.addClassCleanup(cls.mx.cleanup)
    cls.mx.start()
    cls.web = PolicyServer(harness.free_port(), web_cert, web_key, policies)
    cls.addClassCleanup(cls.web.stop)
    served = {}
    for z in zones:
        rr = {"@": [("MX", "10 mx")], "mx": [("A", "127.0.0.1")], "mta-sts": [("A", "127.0.0.1")]}
        if z in announced:
            rr["_mta-sts"] = [("TXT", "v=STSv1; id=%s;" % sts_id)]
        rr.update((records or {}).get(z, {}))
        served["%s.test" % z] = dns_peers.Zone(rr, signed=False)
    cls.dns = dns_peers.DnsPeers(served, port=harness.free_port(), auth_port=harness.free_port())
    cls.addClassCleanup(cls.dns.stop)
