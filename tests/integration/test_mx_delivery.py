"""MX-aware delivery through a running ternd: the smtp client finds the destination's MX
hosts through Tern's resolver (Knot + Unbound from dns_peers.py, DNSSEC-validated) and
delivers to Postfix's smtp-sink on 127.0.0.1 (smtp_tcp_port points at it). Covers MX
preference with a dead first host, the implicit MX, a null MX (5.1.10), NXDOMAIN (5.4.4), a
bogus zone (4.4.3 deferral), bracketed nexthops skipping MX, and
smtp_dns_support_level = disabled keeping the hosts-file behaviour. Texts are Postfix's.
"""

import glob
import os
import re
import shutil
import signal
import socket
import subprocess
import tempfile
import unittest
import uuid

import dns_peers
import harness

SINK = "/usr/sbin/smtp-sink"
DNS_PORT, AUTH_PORT, SINK_PORT = 25111, 25110, 25112

ZONES = {
    "remote.test": {
        "@": [("MX", "10 mx"), ("MX", "20 backup")],
        "mx": [("A", "127.0.0.1")],
        "backup": [("A", "127.0.0.1")],
        "deadfirst": [("MX", "10 dead.remote.test."), ("MX", "20 mx.remote.test.")],
        "dead": [("A", "127.0.0.2")],
        "implicit": [("A", "127.0.0.1")],
        "nullmx": [("MX", "0 .")],
        "lost": [("MX", "10 gone.remote.test.")],
    },
    "broken.test": dns_peers.Zone({"@": [("MX", "10 mx")], "mx": [("A", "127.0.0.1")]}, bogus=True),
}


class SmtpSink:
    """Postfix's smtp-sink on 127.0.0.1:port, dumping each message under dir/mail."""

    def __init__(self, port):
        self.dir = tempfile.mkdtemp(prefix="tern-sink-")
        os.chmod(self.dir, 0o755)
        os.makedirs(os.path.join(self.dir, "mail"))
        shutil.chown(os.path.join(self.dir, "mail"), "nobody")
        log = open(os.path.join(self.dir, "sink.log"), "w")
        self.proc = subprocess.Popen(
            [SINK, "-u", "nobody", "-h", "sink.remote.test", "-d",
             os.path.join(self.dir, "mail", "%Y%m%d%H%M%S."), "inet:127.0.0.1:%d" % port, "64"],
            stdin=subprocess.DEVNULL, stdout=log, stderr=log)
        log.close()
        if not harness.wait_until(lambda: self._listening(port), 10):
            self.stop()
            raise harness.TernError("smtp-sink did not listen on %d" % port)

    def _listening(self, port):
        if self.proc.poll() is not None:
            return False
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return True
        except OSError:
            return False

    def messages(self):
        out = []
        for path in sorted(glob.glob(os.path.join(self.dir, "mail", "*"))):
            with open(path, "rb") as f:
                out.append(f.read())
        return out

    def stop(self):
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(10)
        shutil.rmtree(self.dir, ignore_errors=True)


class MxDeliveryTest(harness.TernTestCase):

    @classmethod
    def setUpClass(cls):
        cls.dns = dns_peers.DnsPeers(ZONES, port=DNS_PORT, auth_port=AUTH_PORT)
        cls.addClassCleanup(cls.dns.stop)
        cls.sink = SmtpSink(SINK_PORT)
        cls.addClassCleanup(cls.sink.stop)

    def start(self, **extra):
        params = dict(self.dns.tern_params())
        params.update({"default_transport": "smtp", "relayhost": "", "smtp_tcp_port": str(SINK_PORT),
                       "smtp_dns_support_level": "dnssec", "smtp_connection_cache_on_demand": "no"})
        params.update(extra)
        return self.start_tern(main_cf=params)

    def send(self, tern, rcpt):
        token = uuid.uuid4().hex[:12]
        msg = harness.make_message(token, sender="alice@example.test", to=rcpt)
        s = tern.smtp()
        try:
            s.sendmail("alice@example.test", [rcpt], msg.replace("\n", "\r\n").encode())
        finally:
            s.quit()
        return token

    def delivery(self, tern, rcpt, status, timeout=30):
        return tern.wait_for_log(r"^\w+: to=<%s>, relay=(?P<relay>[^,]+), delay=[\d.]+, "
                                 r"delays=[\d.]+/[\d.]+/[\d.]+/[\d.]+, dsn=(?P<dsn>[245]\.\d+\.\d+), "
                                 r"status=%s \((?P<text>.*)\)$" % (re.escape(rcpt), status),
                                 timeout=timeout, since=tern.mark)

    def assertDelivered(self, token):
        self.assertTrue(harness.wait_until(lambda: any(token.encode() in m for m in self.sink.messages()), 10),
                        "message %s not at the sink" % token)

    def test_delivers_to_the_best_mx(self):
        tern = self.start()
        token = self.send(tern, "bob@remote.test")
        m = self.delivery(tern, "bob@remote.test", "sent")
        self.assertEqual(m.group("relay"), "mx.remote.test[127.0.0.1]:%d" % SINK_PORT)
        self.assertEqual(m.group("dsn"), "2.0.0")
        self.assertDelivered(token)

    def test_dead_first_mx_falls_back_to_the_next(self):
        tern = self.start()
        token = self.send(tern, "bob@deadfirst.remote.test")
        m = self.delivery(tern, "bob@deadfirst.remote.test", "sent")
        self.assertEqual(m.group("relay"), "mx.remote.test[127.0.0.1]:%d" % SINK_PORT)
        tern.wait_for_log(r"^connect to dead\.remote\.test\[127\.0\.0\.2\]:%d: Connection refused$" % SINK_PORT,
                          since=tern.mark)
        self.assertDelivered(token)

    def test_domain_without_mx_is_its_own_mx(self):
        tern = self.start()
        token = self.send(tern, "bob@implicit.remote.test")
        m = self.delivery(tern, "bob@implicit.remote.test", "sent")
        self.assertEqual(m.group("relay"), "implicit.remote.test[127.0.0.1]:%d" % SINK_PORT)
        self.assertDelivered(token)

    def test_null_mx_bounces(self):
        tern = self.start()
        self.send(tern, "bob@nullmx.remote.test")
        m = self.delivery(tern, "bob@nullmx.remote.test", "bounced")
        self.assertEqual(m.group("dsn"), "5.1.10")
        self.assertEqual(m.group("relay"), "none")
        self.assertEqual(m.group("text"), "Domain nullmx.remote.test does not accept mail (nullMX)")

    def test_nxdomain_bounces(self):
        tern = self.start()
        self.send(tern, "bob@nosuch.remote.test")
        m = self.delivery(tern, "bob@nosuch.remote.test", "bounced")
        self.assertEqual(m.group("dsn"), "5.4.4")
        self.assertEqual(m.group("text"), "Host or domain name not found. Name service error for "
                                          "name=nosuch.remote.test type=MX: Host not found")
        self.send(tern, "bob@lost.remote.test")
        m = self.delivery(tern, "bob@lost.remote.test", "bounced")
        self.assertEqual(m.group("text"), "Host or domain name not found. Name service error for "
                                          "name=gone.remote.test type=A: Host not found")

    def test_bogus_zone_defers(self):
        tern = self.start()
        self.send(tern, "bob@broken.test")
        m = self.delivery(tern, "bob@broken.test", "deferred")
        self.assertEqual(m.group("dsn"), "4.4.3")
        self.assertTrue(m.group("text").startswith(
            "Host or domain name not found. Name service error for name=broken.test type=MX: "
            "Host not found, try again (DNSSEC validation failed"), m.group("text"))

    def test_bracketed_nexthop_skips_mx(self):
        # remote.test has MX records but no address of its own: [remote.test] cannot be reached.
        tern = self.start(transport_maps="inline:{ remote.test=smtp:[remote.test], "
                                         "implicit.remote.test=smtp:[mx.remote.test] }")
        self.send(tern, "bob@remote.test")
        m = self.delivery(tern, "bob@remote.test", "bounced")
        self.assertEqual(m.group("text"), "Host or domain name not found. Name service error for "
                                          "name=remote.test type=A: Host not found")
        token = self.send(tern, "carol@implicit.remote.test")
        m = self.delivery(tern, "carol@implicit.remote.test", "sent")
        self.assertEqual(m.group("relay"), "mx.remote.test[127.0.0.1]:%d" % SINK_PORT)
        self.assertDelivered(token)

    def test_dnssec_without_trust_anchors_warns_and_still_delivers(self):
        tern = self.start(dns_trust_anchor_file="no-such-anchors")
        tern.wait_for_log(r"^warning: smtp_dns_support_level = dnssec, but dns_trust_anchor_file "
                          r"\S+/no-such-anchors is missing: DNSSEC validation is unavailable")
        token = self.send(tern, "bob@remote.test")
        self.delivery(tern, "bob@remote.test", "sent")
        self.assertDelivered(token)

    def test_dns_disabled_uses_the_hosts_file(self):
        tern = self.start(smtp_dns_support_level="disabled")
        self.send(tern, "bob@remote.test")
        m = self.delivery(tern, "bob@remote.test", "deferred")
        self.assertEqual(m.group("dsn"), "4.4.3")
        self.assertEqual(m.group("text"), "Host or domain name not found: remote.test is not in /etc/hosts "
                                          "and DNS lookups are off (smtp_dns_support_level = disabled)")


if __name__ == "__main__":
    unittest.main()
