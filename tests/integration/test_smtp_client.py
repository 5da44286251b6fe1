"""The smtp and lmtp delivery agents against real far ends on loopback.

- Postfix's smtp-sink: plain relay, failures injected at chosen stages (-r/-f/-q), a
  refused connection, LMTP over a Unix socket.
- A second ternd (B) as the relay's far end: per-recipient outcomes in one transaction,
  the content compared byte for byte, STARTTLS at each client level with certificates from
  a test CA (good, self-signed, wrong name, expired), SASL AUTH required by B.
- Dovecot LMTP: per-recipient replies after DATA (unknown user, over quota).

Expected log texts are Postfix's (smtp(8): smtp_proto.c, smtp_connect.c, smtp_trouble.c).
"""

import os
import re
import shutil
import tempfile
import unittest
import uuid

import harness
from client_peers import DovecotLmtp, SmtpSink
from harness import TernTestCase, TestPki, _openssl, make_message

SENDER = "sender@example.test"


def relay_params(port, host="127.0.0.1", **extra):
    params = {"default_transport": "smtp", "relayhost": "[%s]:%d" % (host, port),
              "smtp_connection_cache_on_demand": "no"}
    params.update(extra)
    return params


class ClientCase(TernTestCase):
    def sink(self, opts=""):
        s = SmtpSink(opts)
        self.addCleanup(s.stop)
        return s

    def send(self, tern, rcpts, body="", sender=SENDER):
        token = uuid.uuid4().hex[:12]
        msg = make_message(token, sender=sender, to=rcpts[0], extra_body=body)
        s = tern.smtp()
        try:
            # CRLF on the wire: smtplib leaves bytes as they are.
            s.sendmail(sender, rcpts, msg.replace("\n", "\r\n").encode("utf-8"))
        finally:
            s.quit()
        return token, msg

    def delivery(self, tern, rcpt, status, timeout=20):
        """The delivery log line for rcpt with that status; returns the match."""
        return tern.wait_for_log(r"^\w+: to=<%s>, relay=(?P<relay>[^,]+), delay=[\d.]+, "
                                 r"delays=[\d.]+/[\d.]+/[\d.]+/[\d.]+, dsn=(?P<dsn>[245]\.\d+\.\d+), "
                                 r"status=%s \((?P<text>.*)\)$" % (re.escape(rcpt), status),
                                 timeout=timeout, since=tern.mark)

    def far_end(self, **extra):
        """Tern B: the final destination for b.test, delivering to Maildir."""
        params = {"myhostname": "mx.b.test", "mydomain": "b.test",
                  "mydestination": "localhost, b.test"}
        params.update(extra)
        return self.start_tern(main_cf=params)


class SmtpSinkTest(ClientCase):
    def test_relay_with_several_recipients(self):
        sink = self.sink()
        a = self.start_tern(main_cf=relay_params(sink.port))
        token, _ = self.send(a, ["one@remote.test", "two@remote.test"])
        for rcpt in ("one@remote.test", "two@remote.test"):
            m = self.delivery(a, rcpt, "sent")
            self.assertEqual(m.group("relay"), "127.0.0.1[127.0.0.1]:%d" % sink.port)
            self.assertEqual(m.group("dsn"), "2.0.0")
            self.assertTrue(m.group("text").startswith("250 2.0.0 Ok"), m.group("text"))
        self.assertTrue(harness.wait_until(lambda: len(sink.dumps()) == 1, 10))
        dump = sink.dumps()[0]
        self.assertIn(("message %s" % token).encode(), dump)
        self.assertIn(b"one@remote.test", dump)
        self.assertIn(b"two@remote.test", dump)
        self.assertEqual(a.queue_files("deferred"), [])

    def test_rcpt_soft_rejection_defers(self):
        sink = self.sink("-r RCPT")
        a = self.start_tern(main_cf=relay_params(sink.port))
        self.send(a, ["one@remote.test"])
        m = self.delivery(a, "one@remote.test", "deferred")
        self.assertRegex(m.group("text"), r"^host 127\.0\.0\.1\[127\.0\.0\.1\] said: 4\d\d .* "
                                          r"\(in reply to RCPT TO command\)$")
        self.assertEqual(m.group("dsn")[0], "4")

    def test_data_hard_rejection_bounces(self):
        sink = self.sink("-f DATA")
        a = self.start_tern(main_cf=relay_params(sink.port))
        self.send(a, ["one@remote.test"])
        m = self.delivery(a, "one@remote.test", "bounced")
        self.assertRegex(m.group("text"), r"said: 5\d\d .*\(in reply to DATA command\)$")

    def test_hangup_after_mail_defers_with_the_stage(self):
        sink = self.sink("-q MAIL")
        a = self.start_tern(main_cf=relay_params(sink.port))
        self.send(a, ["one@remote.test"])
        m = self.delivery(a, "one@remote.test", "deferred")
        self.assertEqual(m.group("text"), "lost connection with 127.0.0.1[127.0.0.1] while "
                                          "receiving the MAIL FROM reply")
        self.assertEqual(m.group("dsn"), "4.4.2")

    def test_connection_refused(self):
        port = harness.free_port()
        a = self.start_tern(main_cf=relay_params(port))
        self.send(a, ["one@remote.test"])
        m = self.delivery(a, "one@remote.test", "deferred")
        self.assertEqual(m.group("text"), "connect to 127.0.0.1[127.0.0.1]:%d: Connection refused" % port)
        self.assertEqual(m.group("relay"), "none")
        self.assertEqual(m.group("dsn"), "4.4.1")

    def test_name_not_in_hosts_file_defers(self):
        a = self.start_tern(main_cf={"default_transport": "smtp", "relayhost": ""})
        self.send(a, ["one@nowhere.invalid"])
        m = self.delivery(a, "one@nowhere.invalid", "deferred")
        self.assertEqual("Host or domain name not found: nowhere.invalid is not in /etc/hosts and DNS "
                         "lookups are off (smtp_dns_support_level = disabled)", m.group("text"))
        self.assertEqual(m.group("dsn"), "4.4.3")

    def test_fallback_relay_after_a_dead_host(self):
        sink = self.sink()
        dead = harness.free_port()
        a = self.start_tern(main_cf=relay_params(dead, smtp_fallback_relay="[127.0.0.1]:%d" % sink.port))
        self.send(a, ["one@remote.test"])
        m = self.delivery(a, "one@remote.test", "sent")
        self.assertEqual(m.group("relay"), "127.0.0.1[127.0.0.1]:%d" % sink.port)
        a.wait_for_log(r"^connect to 127\.0\.0\.1\[127\.0\.0\.1\]:%d: Connection refused$" % dead, since=a.mark)

    def test_recipient_deferred_by_one_server_goes_to_the_next(self):
        first = self.sink("-r RCPT")
        second = self.sink()
        a = self.start_tern(main_cf=relay_params(first.port, smtp_fallback_relay="[127.0.0.1]:%d" % second.port))
        self.send(a, ["one@remote.test"])
        m = self.delivery(a, "one@remote.test", "sent")
        self.assertEqual(m.group("relay"), "127.0.0.1[127.0.0.1]:%d" % second.port)
        self.assertEqual(first.dumps(), [])

    def test_8bit_body_is_downgraded_for_a_server_without_8bitmime(self):
        sink = self.sink("-8")
        a = self.start_tern(main_cf=relay_params(sink.port))
        token = uuid.uuid4().hex[:12]
        msg = make_message(token, sender=SENDER, to="one@remote.test", extra_body="gr\u00fc\u00dfe\n")
        s = a.smtp()
        try:
            s.sendmail(SENDER, ["one@remote.test"], msg.replace("\n", "\r\n").encode("utf-8"),
                       mail_options=["BODY=8BITMIME"])
        finally:
            s.quit()
        self.delivery(a, "one@remote.test", "sent")
        self.assertTrue(harness.wait_until(lambda: len(sink.dumps()) == 1, 10))
        dump = sink.dumps()[0]
        self.assertIn(b"Content-Transfer-Encoding: quoted-printable", dump)
        self.assertIn(b"gr=C3=BC=C3=9Fe", dump)
        self.assertNotIn(b"BODY=8BITMIME", dump)
        self.assertFalse(any(c & 0x80 for c in dump))

    def test_lmtp_over_a_unix_socket(self):
        a = self.new_tern(main_cf={"default_transport": "lmtp:unix:private/sink-lmtp"})
        os.makedirs(a.path("spool", "private"), exist_ok=True)
        sink = SmtpSinkUnix(a.path("spool", "private", "sink-lmtp"))
        self.addCleanup(sink.stop)
        a.start()
        a.wait_for_log(r"^disconnect from ")
        a.mark = a.log_mark()
        self.send(a, ["one@remote.test", "two@remote.test"])
        for rcpt in ("one@remote.test", "two@remote.test"):
            m = self.delivery(a, rcpt, "sent")
            self.assertEqual(m.group("relay"), "%s[private/sink-lmtp]" % harness.MYHOSTNAME)


class SmtpSinkUnix:
    """smtp-sink -L on a Unix socket (the peer script only does TCP); stopped by PID."""

    def __init__(self, path):
        import subprocess
        self.path = path
        self.proc = subprocess.Popen(["/usr/sbin/smtp-sink", "-L", "-u", "nobody", "-h", "sink.example.test",
                                      "unix:" + path, "16"], stdin=subprocess.DEVNULL,
                                     stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        if not harness.wait_until(lambda: os.path.exists(path), 10):
            self.stop()
            raise harness.TernError("smtp-sink did not create %s" % path)

    def stop(self):
        if self.proc.poll() is None:
            self.proc.terminate()
            self.proc.wait(10)


class TernToTernTest(ClientCase):
    def test_per_recipient_outcomes_and_content(self):
        b = self.far_end()
        a = self.start_tern(main_cf=relay_params(b.port))
        body = "Line with a dot:\n.\n..two dots\nand UTF-8: gr\u00fc\u00dfe\n"
        token, msg = self.send(a, ["alice@b.test", "nosuch@b.test", "bob@b.test"], body=body)
        self.delivery(a, "alice@b.test", "sent")
        self.delivery(a, "bob@b.test", "sent")
        m = self.delivery(a, "nosuch@b.test", "bounced")
        self.assertEqual(m.group("dsn"), "5.1.1")
        self.assertRegex(m.group("text"), r"^host 127\.0\.0\.1\[127\.0\.0\.1\] said: 550 5\.1\.1 "
                                          r"<nosuch@b\.test>: .* \(in reply to RCPT TO command\)$")
        got = b.wait_for_maildir("alice", 1)[0]
        # B's copy: B's own headers, then A's Received line, then exactly what A was given.
        self.assertTrue(got.endswith(msg.encode("utf-8")), got)
        self.assertEqual(got.count(b"\nReceived: ") + got.startswith(b"Received: "), 2)
        self.assertEqual(b.wait_for_maildir("bob", 1)[0], b.maildir_messages("bob")[0])

    def test_bind_address(self):
        b = self.far_end()
        a = self.start_tern(main_cf=relay_params(b.port, smtp_bind_address="127.0.0.2"))
        self.send(a, ["alice@b.test"])
        self.delivery(a, "alice@b.test", "sent")
        b.wait_for_log(r"^connect from unknown\[127\.0\.0\.2\]$", since=b.mark)

    def test_connection_reuse(self):
        b = self.far_end()
        a = self.start_tern(main_cf=relay_params(b.port, smtp_connection_cache_on_demand="yes",
                                                 smtp_connection_cache_time_limit="5s"))
        self.send(a, ["alice@b.test"])
        self.delivery(a, "alice@b.test", "sent")
        self.send(a, ["bob@b.test"])
        self.delivery(a, "bob@b.test", "sent")
        # One connection from A to B carried both messages (B logs one connect from A
        # besides its readiness probe).
        connects = [l for l in b.log_lines(since=b.mark) if "connect from" in l and "disconnect" not in l]
        self.assertEqual(len(connects), 1, connects)


class TlsCase(ClientCase):
    """Certificates from a test CA made here with the openssl CLI, and a TLS far end."""

    def setUp(self):
        self.pki_dir = tempfile.mkdtemp(prefix="tern-pki-")
        os.chmod(self.pki_dir, 0o755)
        self.addCleanup(shutil.rmtree, self.pki_dir, True)
        self.pki = TestPki(self.pki_dir)

    def self_signed(self, name, hostname, days="2"):
        key = os.path.join(self.pki_dir, name + ".key")
        cert = os.path.join(self.pki_dir, name + ".pem")
        _openssl("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", key, "-out", cert,
                 "-days", days, "-subj", "/CN=%s" % hostname, "-addext", "subjectAltName=DNS:%s" % hostname)
        os.chmod(key, 0o644)
        return cert, key

    def expired(self, name, hostname):
        """A certificate from the test CA that expired in 2020 (`openssl ca` sets past dates)."""
        key = os.path.join(self.pki_dir, name + ".key")
        cert = os.path.join(self.pki_dir, name + ".pem")
        csr = os.path.join(self.pki_dir, name + ".csr")
        _openssl("req", "-newkey", "rsa:2048", "-nodes", "-keyout", key, "-out", csr,
                 "-subj", "/CN=%s" % hostname)
        ca_dir = os.path.join(self.pki_dir, "ca-db")
        os.makedirs(ca_dir, exist_ok=True)
        open(os.path.join(ca_dir, "index.txt"), "w").close()
        conf = os.path.join(ca_dir, "ca.cnf")
        with open(conf, "w") as f:
            f.write("[ca]\ndefault_ca = test\n[test]\ndir = %s\ndatabase = $dir/index.txt\n"
                    "new_certs_dir = $dir\nserial = $dir/serial\ndefault_md = sha256\n"
                    "policy = any\ncopy_extensions = none\nx509_extensions = ext\n"
                    "[any]\ncommonName = supplied\n[ext]\nsubjectAltName = DNS:%s\n" % (ca_dir, hostname))
        with open(os.path.join(ca_dir, "serial"), "w") as f:
            f.write("07\n")
        _openssl("ca", "-batch", "-config", conf, "-cert", self.pki.ca_cert, "-keyfile", self.pki.ca_key,
                 "-in", csr, "-out", cert, "-startdate", "200101000000Z", "-enddate", "200201000000Z",
                 "-notext")
        os.chmod(key, 0o644)
        return cert, key

    def tls_far_end(self, cert, key, **extra):
        return self.far_end(smtpd_tls_security_level="may", smtpd_tls_cert_file=cert,
                            smtpd_tls_key_file=key, **extra)

    def client(self, b, level, **extra):
        params = relay_params(b.port, host="localhost", smtp_tls_security_level=level,
                              smtp_tls_CAfile=self.pki.ca_cert, smtp_tls_loglevel="2")
        params.update(extra)
        return self.start_tern(main_cf=params)

    def established(self, a, trust, port):
        a.wait_for_log(r"^%s TLS connection established to localhost\[127\.0\.0\.1\]:%d: TLSv1\.[23] "
                       r"with cipher \S+ \(\d+/\d+ bits\)" % (trust, port), since=a.mark)



class TlsTest(TlsCase):
    def test_may_with_a_good_certificate(self):
        cert, key = self.pki.issue("good", hostname="localhost")
        b = self.tls_far_end(cert, key)
        a = self.client(b, "may")
        self.send(a, ["alice@b.test"])
        self.delivery(a, "alice@b.test", "sent")
        self.established(a, "Trusted", b.port)
        got = b.wait_for_maildir("alice", 1)[0]
        self.assertIn(b"with ESMTPS", got)

    def test_may_falls_back_to_plaintext_when_the_handshake_fails(self):
        cert, key = self.pki.issue("good", hostname="localhost")
        b = self.tls_far_end(cert, key, smtpd_tls_protocols="<=TLSv1.2")
        a = self.client(b, "may", smtp_tls_protocols=">=TLSv1.3")
        self.send(a, ["alice@b.test"])
        self.delivery(a, "alice@b.test", "sent")
        a.wait_for_log(r"TLS handshake failed; trying again without TLS", since=a.mark)
        self.assertIn(b"with ESMTP ", b.wait_for_maildir("alice", 1)[0])

    def test_encrypt_without_starttls_defers(self):
        b = self.far_end()
        a = self.client(b, "encrypt")
        self.send(a, ["alice@b.test"])
        m = self.delivery(a, "alice@b.test", "deferred")
        self.assertEqual(m.group("text"), "TLS is required, but was not offered by host localhost[127.0.0.1]")

    def test_encrypt_with_a_self_signed_certificate(self):
        cert, key = self.self_signed("self", "localhost")
        b = self.tls_far_end(cert, key)
        a = self.client(b, "encrypt")
        self.send(a, ["alice@b.test"])
        self.delivery(a, "alice@b.test", "sent")
        self.established(a, "Untrusted", b.port)

    def test_verify_good_and_wrong_name(self):
        cert, key = self.pki.issue("good", hostname="localhost")
        b = self.tls_far_end(cert, key)
        a = self.client(b, "verify")
        self.send(a, ["alice@b.test"])
        self.delivery(a, "alice@b.test", "sent")
        self.established(a, "Verified", b.port)

        cert, key = self.pki.issue("wrong", hostname="other.example.test")
        b2 = self.tls_far_end(cert, key)
        a2 = self.client(b2, "verify")
        self.send(a2, ["alice@b.test"])
        m = self.delivery(a2, "alice@b.test", "deferred")
        self.assertEqual(m.group("text"), "Server certificate not verified for host localhost[127.0.0.1]:%d" % b2.port)

    def test_secure_rejects_self_signed_and_expired(self):
        for name, make in (("self", self.self_signed), ("old", self.expired)):
            cert, key = make(name, "localhost")
            b = self.tls_far_end(cert, key)
            a = self.client(b, "secure")
            self.send(a, ["alice@b.test"])
            m = self.delivery(a, "alice@b.test", "deferred")
            self.assertEqual(m.group("text"), "Server certificate not trusted for host localhost[127.0.0.1]:%d"
                             % b.port, name)
            self.assertEqual(m.group("dsn"), "4.7.5")
            self.established(a, "Untrusted", b.port)  # the handshake worked; the check refused

    def test_second_connection_resumes_the_tls_session(self):
        cert, key = self.pki.issue("good", hostname="localhost")
        b = self.tls_far_end(cert, key)
        a = self.client(b, "verify")
        self.send(a, ["alice@b.test"])
        self.delivery(a, "alice@b.test", "sent")
        self.send(a, ["bob@b.test"])
        self.delivery(a, "bob@b.test", "sent")
        a.wait_for_log(r"^localhost\[127\.0\.0\.1\]:%d: Reusing old session$" % b.port, since=a.mark)

    def test_starttls_offer_noted_at_level_none(self):
        cert, key = self.pki.issue("good", hostname="localhost")
        b = self.tls_far_end(cert, key)
        a = self.client(b, "none", smtp_tls_note_starttls_offer="yes")
        self.send(a, ["alice@b.test"])
        self.delivery(a, "alice@b.test", "sent")
        a.wait_for_log(r"^Host offered STARTTLS: \[localhost\]$", since=a.mark)
        self.assertIn(b"with ESMTP ", b.wait_for_maildir("alice", 1)[0])

    def test_summary_needs_smtp_tls_loglevel(self):
        cert, key = self.pki.issue("good", hostname="localhost")
        b = self.tls_far_end(cert, key)
        a = self.client(b, "may", smtp_tls_loglevel="0")
        self.send(a, ["alice@b.test"])
        self.delivery(a, "alice@b.test", "sent")
        self.assertFalse([l for l in a.log_lines(since=a.mark) if "TLS connection established" in l])
        self.assertIn(b"with ESMTPS", b.wait_for_maildir("alice", 1)[0])

    def test_secure_matches_the_nexthop_by_default(self):
        cert, key = self.pki.issue("good", hostname="localhost")
        b = self.tls_far_end(cert, key)
        a = self.client(b, "secure")
        self.send(a, ["alice@b.test"])
        self.delivery(a, "alice@b.test", "sent")
        self.established(a, "Verified", b.port)

    def test_client_certificate(self):
        cert, key = self.pki.issue("good", hostname="localhost")
        b = self.tls_far_end(cert, key, smtpd_tls_ask_ccert="yes", smtpd_tls_CAfile=self.pki.ca_cert,
                             smtpd_tls_received_header="yes")
        ccert, ckey = self.pki.issue("client", hostname="client.a.test")
        a = self.client(b, "encrypt", smtp_tls_cert_file=ccert, smtp_tls_key_file=ckey)
        self.send(a, ["alice@b.test"])
        self.delivery(a, "alice@b.test", "sent")
        got = b.wait_for_maildir("alice", 1)[0]
        self.assertIn(b'(Client CN "client.a.test", Issuer "Tern Test CA" (verified OK))', got)

    def test_wrapper_mode_to_an_smtps_port(self):
        cert, key = self.pki.issue("good", hostname="localhost")
        smtps = harness.free_port()
        master = ("127.0.0.1:PORT inet n - n - - smtpd\n"
                  "127.0.0.1:%d inet n - n - - smtpd\n"
                  "  -o smtpd_tls_wrappermode=yes\n"
                  "pickup unix n - n 60 1 pickup\n"
                  "cleanup unix n - n - 0 cleanup\n"
                  "qmgr unix n - n 300 1 qmgr\n" % smtps + harness.DELIVERY_SERVICES)
        b = self.start_tern(main_cf={"myhostname": "mx.b.test", "mydomain": "b.test",
                                     "mydestination": "localhost, b.test", "smtpd_tls_security_level": "may",
                                     "smtpd_tls_cert_file": cert, "smtpd_tls_key_file": key},
                            master_cf=master)
        params = relay_params(smtps, host="localhost", smtp_tls_security_level="verify",
                              smtp_tls_wrappermode="yes", smtp_tls_CAfile=self.pki.ca_cert,
                              smtp_tls_loglevel="1")
        a = self.start_tern(main_cf=params)
        self.send(a, ["alice@b.test"])
        self.delivery(a, "alice@b.test", "sent")
        self.established(a, "Verified", smtps)
        self.assertIn(b"with ESMTPS", b.wait_for_maildir("alice", 1)[0])

    def test_policy_table_entry_wins(self):
        cert, key = self.pki.issue("good", hostname="localhost")
        b = self.tls_far_end(cert, key)
        a = self.new_tern(main_cf=relay_params(b.port, host="localhost", smtp_tls_security_level="none",
                                               smtp_tls_CAfile=self.pki.ca_cert, smtp_tls_loglevel="1",
                                               smtp_tls_policy_maps="texthash:tls_policy"))
        a.write_file("tls_policy", "[localhost]:%d secure match=localhost protocols=>=TLSv1.2\n" % b.port)
        a.start()
        a.wait_for_log(r"^disconnect from ")
        a.mark = a.log_mark()
        self.send(a, ["alice@b.test"])
        self.delivery(a, "alice@b.test", "sent")
        self.established(a, "Verified", b.port)


class RequireTlsTest(TlsCase):
    def send_requiretls(self, a):
        import smtplib
        import ssl
        ctx = ssl.create_default_context()
        ctx.check_hostname = False
        ctx.verify_mode = ssl.CERT_NONE
        s = a.smtp()
        s._host = harness.MYHOSTNAME  # smtplib's SNI name (harness connects by address)
        try:
            s.starttls(context=ctx)
            s.ehlo("client.test")
            msg = make_message(uuid.uuid4().hex[:12], sender=SENDER, to="alice@b.test")
            s.sendmail(SENDER, ["alice@b.test"], msg.replace("\n", "\r\n").encode(),
                       mail_options=["REQUIRETLS"])
        finally:
            s.quit()

    def tls_client(self, b, level):
        cert, key = self.pki.issue("a", hostname=harness.MYHOSTNAME)
        return self.client(b, level, smtpd_tls_security_level="may", smtpd_tls_cert_file=cert,
                           smtpd_tls_key_file=key)

    def test_requiretls_bounces_under_opportunistic_tls(self):
        cert, key = self.pki.issue("good", hostname="localhost")
        b = self.tls_far_end(cert, key)
        a = self.tls_client(b, "may")
        self.send_requiretls(a)
        m = self.delivery(a, "alice@b.test", "bounced")
        self.assertEqual(m.group("dsn"), "5.7.30")
        self.assertIn("REQUIRETLS support required", m.group("text"))
        self.assertEqual(b.maildir_files("alice"), [])

    def test_requiretls_leaves_over_verified_tls(self):
        cert, key = self.pki.issue("good", hostname="localhost")
        b = self.tls_far_end(cert, key)
        a = self.tls_client(b, "verify")
        self.send_requiretls(a)
        self.delivery(a, "alice@b.test", "sent")
        self.established(a, "Verified", b.port)
        b.wait_for_maildir("alice", 1)


class SaslTest(ClientCase):
    def auth_far_end(self):
        from test_auth import sha512_crypt
        b = self.new_tern(main_cf={"myhostname": "mx.b.test", "mydomain": "b.test",
                                   "mydestination": "localhost, b.test", "mynetworks": "192.0.2.0/24",
                                   "smtpd_sasl_auth_enable": "yes", "smtpd_sasl_type": "tern",
                                   "smtpd_sasl_path": "sasl_passwd",
                                   "smtpd_relay_restrictions": "permit_sasl_authenticated, reject"})
        b.write_file("sasl_passwd", "relayuser:%s\n" % sha512_crypt("s3cret"))
        b.start()
        b.wait_for_log(r"^disconnect from ")
        b.mark = b.log_mark()
        return b

    def client(self, b, password):
        a = self.new_tern(main_cf=relay_params(b.port, smtp_sasl_auth_enable="yes",
                                               smtp_sasl_password_maps="texthash:relay_passwd",
                                               smtp_sasl_security_options="noanonymous"))
        a.write_file("relay_passwd", "[127.0.0.1]:%d relayuser:%s\n" % (b.port, password))
        a.start()
        a.wait_for_log(r"^disconnect from ")
        a.mark = a.log_mark()
        return a

    def test_auth_then_relay(self):
        b = self.auth_far_end()
        a = self.client(b, "s3cret")
        self.send(a, ["alice@b.test"])
        self.delivery(a, "alice@b.test", "sent")
        b.wait_for_log(r"sasl_method=PLAIN, sasl_username=relayuser$", since=b.mark)

    def test_wrong_password_defers_with_the_reply(self):
        b = self.auth_far_end()
        a = self.client(b, "wrong")
        self.send(a, ["alice@b.test"])
        m = self.delivery(a, "alice@b.test", "deferred")
        self.assertRegex(m.group("text"), r"^SASL authentication failed; server 127\.0\.0\.1\[127\.0\.0\.1\] "
                                          r"said: 535 5\.7\.8 ")
        self.assertEqual(m.group("dsn")[0], "4")

    def test_auth_over_tls_with_the_tls_options(self):
        from test_auth import sha512_crypt
        pki_dir = tempfile.mkdtemp(prefix="tern-pki-")
        os.chmod(pki_dir, 0o755)
        self.addCleanup(shutil.rmtree, pki_dir, True)
        pki = TestPki(pki_dir)
        cert, key = pki.issue("good", hostname="localhost")
        b = self.new_tern(main_cf={"myhostname": "mx.b.test", "mydomain": "b.test",
                                   "mydestination": "localhost, b.test", "mynetworks": "192.0.2.0/24",
                                   "smtpd_tls_security_level": "may", "smtpd_tls_cert_file": cert,
                                   "smtpd_tls_key_file": key, "smtpd_tls_auth_only": "yes",
                                   "smtpd_sasl_auth_enable": "yes", "smtpd_sasl_type": "tern",
                                   "smtpd_sasl_path": "sasl_passwd",
                                   "smtpd_relay_restrictions": "permit_sasl_authenticated, reject"})
        b.write_file("sasl_passwd", "relayuser:%s\n" % sha512_crypt("s3cret"))
        b.start()
        b.wait_for_log(r"^disconnect from ")
        b.mark = b.log_mark()
        # Postfix's defaults forbid plaintext mechanisms even under TLS; the usual setting
        # smtp_sasl_tls_security_options = noanonymous allows them there only.
        a = self.new_tern(main_cf=relay_params(b.port, host="localhost", smtp_tls_security_level="encrypt",
                                               smtp_sasl_auth_enable="yes",
                                               smtp_sasl_password_maps="texthash:relay_passwd",
                                               smtp_sasl_tls_security_options="noanonymous"))
        a.write_file("relay_passwd", "[localhost]:%d relayuser:s3cret\n" % b.port)
        a.start()
        a.wait_for_log(r"^disconnect from ")
        a.mark = a.log_mark()
        self.send(a, ["alice@b.test"])
        self.delivery(a, "alice@b.test", "sent")
        b.wait_for_log(r"sasl_method=PLAIN, sasl_username=relayuser$", since=b.mark)

    def test_no_plaintext_password_without_tls(self):
        b = self.auth_far_end()
        a = self.new_tern(main_cf=relay_params(b.port, smtp_sasl_auth_enable="yes",
                                               smtp_sasl_password_maps="texthash:relay_passwd"))
        a.write_file("relay_passwd", "[127.0.0.1]:%d relayuser:s3cret\n" % b.port)
        a.start()
        a.wait_for_log(r"^disconnect from ")
        a.mark = a.log_mark()
        self.send(a, ["alice@b.test"])
        m = self.delivery(a, "alice@b.test", "deferred")
        self.assertIn("cannot authenticate to server 127.0.0.1[127.0.0.1]: no mechanism available", m.group("text"))


class DovecotLmtpTest(ClientCase):
    def test_per_recipient_replies_after_data(self):
        d = DovecotLmtp("alice carol:1K")
        self.addCleanup(d.stop)
        a = self.start_tern(main_cf={"default_transport": "lmtp:inet:127.0.0.1:%d" % d.port})
        big = "x" * 3000 + "\n"
        token, msg = self.send(a, ["alice@remote.test", "nobody@remote.test", "carol@remote.test"], body=big)
        m = self.delivery(a, "alice@remote.test", "sent")
        self.assertEqual(m.group("relay"), "127.0.0.1[127.0.0.1]:%d" % d.port)
        m = self.delivery(a, "nobody@remote.test", "bounced")
        self.assertIn("550 5.1.1", m.group("text"))
        self.assertIn("(in reply to RCPT TO command)", m.group("text"))
        m = self.delivery(a, "carol@remote.test", "bounced")
        self.assertIn("552 5.2.2", m.group("text"))
        self.assertIn("(in reply to end of DATA command)", m.group("text"))
        got = d.messages("alice")
        self.assertEqual(len(got), 1)
        self.assertIn(("message %s" % token).encode(), got[0])

    def test_starttls_with_lmtp_tls_parameters(self):
        d = DovecotLmtp(tls=True)
        self.addCleanup(d.stop)
        a = self.start_tern(main_cf={"default_transport": "lmtp:inet:127.0.0.1:%d" % d.port,
                                     "lmtp_tls_security_level": "encrypt", "lmtp_tls_loglevel": "1"})
        self.send(a, ["alice@remote.test"])
        self.delivery(a, "alice@remote.test", "sent")
        a.wait_for_log(r"^Untrusted TLS connection established to 127\.0\.0\.1\[127\.0\.0\.1\]:%d: TLSv1\.[23] "
                       % d.port, since=a.mark)
        self.assertEqual(len(d.messages("alice")), 1)

    def test_lmtp_verify_fails_on_the_self_signed_certificate(self):
        d = DovecotLmtp(tls=True)
        self.addCleanup(d.stop)
        a = self.start_tern(main_cf={"default_transport": "lmtp:inet:127.0.0.1:%d" % d.port,
                                     "lmtp_tls_security_level": "verify"})
        self.send(a, ["alice@remote.test"])
        m = self.delivery(a, "alice@remote.test", "deferred")
        self.assertEqual(m.group("text"), "Server certificate not trusted for host 127.0.0.1[127.0.0.1]:%d" % d.port)


if __name__ == "__main__":
    unittest.main()
