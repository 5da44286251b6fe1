"""STARTTLS and implicit TLS through a running ternd: swaks --tls / --tlsc deliveries and
their Received header, openssl s_client proving which protocols and ciphers are refused,
RSA and ECDSA certificates chosen by the client's signature algorithms, the encrypt
level, the CVE-2011-0411 plaintext flush, the handshake log line and certificate reload.

Certificates come from a test CA made in each test with the openssl CLI. The expected
texts are Postfix's (smtpd.c, tls_misc.c).
"""

import os
import re
import socket
import ssl
import time
import unittest
import uuid

import harness
from harness import (MYHOSTNAME, QUEUED_RE, SmtpSocket, TernTestCase, TestPki, make_message,
                     s_client, session, write_swaks_data)

# What Postfix logs for a TLSv1.3 handshake with an OpenSSL client and an RSA key.
TLS13_RSA = ("TLSv1.3 with cipher TLS_AES_256_GCM_SHA384 (256/256 bits) key-exchange X25519 "
             "server-signature RSA-PSS (2048 bits) server-digest SHA256")
RECEIVED_TLS13_RSA = (
    "\t(using TLSv1.3 with cipher TLS_AES_256_GCM_SHA384 (256/256 bits)\n"
    "\t key-exchange X25519 server-signature RSA-PSS (2048 bits) server-digest SHA256)\n"
    "\t(No client certificate requested)\n")
DATE_RE = r"[A-Z][a-z]{2}, \d{1,2} [A-Z][a-z]{2} \d{4} \d\d:\d\d:\d\d [+-]\d{4} \(\w+\)"


def crlf(text):
    return text.replace("\n", "\r\n").encode("utf-8")


def client_context(ca_file=None):
    """A client SSLContext; with ca_file it verifies the chain (not the host name), so
    getpeercert() shows the subject."""
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    ctx.check_hostname = False
    if ca_file:
        ctx.load_verify_locations(ca_file)
        ctx.verify_mode = ssl.CERT_REQUIRED
    else:
        ctx.verify_mode = ssl.CERT_NONE
    return ctx


def subject_org(cert):
    for rdn in cert.get("subject", ()):
        for key, value in rdn:
            if key == "organizationName":
                return value
    return None


class TlsTest(TernTestCase):

    # ---- helpers -----------------------------------------------------------------------

    def setUp(self):
        self.pki_dir = harness.tempfile.mkdtemp(prefix="tern-pki-")
        os.chmod(self.pki_dir, 0o755)
        self.addCleanup(harness.shutil.rmtree, self.pki_dir, True)
        self.pki = TestPki(self.pki_dir)

    def tls_params(self, level="may", ecdsa=False, **extra):
        rsa_cert, rsa_key = self.pki.issue("rsa", "rsa", org="Tern RSA")
        params = {"smtpd_tls_security_level": level,
                  "smtpd_tls_cert_file": rsa_cert, "smtpd_tls_key_file": rsa_key}
        if ecdsa:
            ec_cert, ec_key = self.pki.issue("ec", "ec", org="Tern ECDSA")
            params["smtpd_tls_eccert_file"] = ec_cert
            params["smtpd_tls_eckey_file"] = ec_key
        params.update(extra)
        return params

    def open(self, tern, port=None, helo="client.test", source="127.0.0.1"):
        c = session(port or tern.port, source=source, helo=helo)
        self.addCleanup(c.close)
        return c

    def starttls(self, c, ca_file=None):
        self.assertEqual(c.command("STARTTLS"), ["220 2.0.0 Ready to start TLS"])
        c.starttls_upgrade(client_context(ca_file))

    def served_org(self, port, ca_file):
        """The O= of the certificate a new STARTTLS session is given."""
        c = session(port, helo="client.test")
        try:
            self.starttls(c, ca_file)
            cert = c.sock.getpeercert()
            c.command("QUIT")
            return subject_org(cert)
        finally:
            c.close()

    def sclient_refused(self, tern, args, reason):
        """s_client fails its handshake and the server logs the OpenSSL reason."""
        mark = tern.log_mark()
        rc, out = s_client(tern.port, args)
        self.assertNotEqual(rc, 0, out)
        self.assertNotIn("CONNECTION ESTABLISHED", out)
        tern.wait_for_log(r"^warning: TLS library problem: SSL_accept error from "
                          r"unknown\[127\.0\.0\.1\]: %s \(SSL routines\)$" % re.escape(reason),
                          since=mark)
        tern.wait_for_log(r"^lost connection after STARTTLS from unknown\[127\.0\.0\.1\]$",
                          since=mark)
        tern.wait_for_log(r"^disconnect from unknown\[127\.0\.0\.1\] ehlo=1 starttls=",
                          since=mark)
        return out

    def sclient_ok(self, tern, args, port=None, starttls=True):
        rc, out = s_client(port or tern.port, args, starttls=starttls)
        self.assertEqual(rc, 0, out)
        self.assertIn("CONNECTION ESTABLISHED", out)
        return out

    def assertTlsReceived(self, raw, qid, helo="client.test", protocol="ESMTPS",
                          rcpt="alice@example.test"):
        text = raw.decode("utf-8", "replace")
        want = (r"\nReceived: from %s \(unknown \[127\.0\.0\.1\]\)\n%s"
                r"\tby %s \(Tern\) with %s id %s\n\tfor <%s>; %s\n"
                % (re.escape(helo), re.escape(RECEIVED_TLS13_RSA), re.escape(MYHOSTNAME),
                   protocol, qid, re.escape(rcpt), DATE_RE))
        self.assertRegex(text, want)

    # ---- STARTTLS with swaks --------------------------------------------------------------

    def test_swaks_starttls_delivery_received_header(self):
        tern = self.start_tern(main_cf=self.tls_params(smtpd_tls_received_header="yes"))
        token = uuid.uuid4().hex
        path = tern.path("message.eml")
        write_swaks_data(path, make_message(token))
        r = tern.swaks("alice@example.test", args=["--tls", "--data", "@" + path])
        self.assertEqual(r.returncode, 0, r.stdout)
        self.assertIn("<-  250-STARTTLS\n", r.stdout)
        self.assertIn("<-  220 2.0.0 Ready to start TLS\n", r.stdout)
        self.assertIn("=== TLS started with cipher TLSv1.3:TLS_AES_256_GCM_SHA384:256\n",
                      r.stdout)
        self.assertIn('=== TLS peer DN="/CN=mail.example.test/O=Tern RSA"\n', r.stdout)
        # After TLS: EHLO again, and STARTTLS is no longer offered.
        self.assertIn(" ~> EHLO client.test\n", r.stdout)
        self.assertNotIn("<~  250-STARTTLS", r.stdout)
        self.assertNotIn("<~  250 STARTTLS", r.stdout)
        qid = harness.queue_id_from_swaks(r.stdout.replace("<~ ", "<- "))
        self.assertQueueId(qid)
        msgs = tern.wait_for_maildir("alice", 1)
        self.assertEqual(len(msgs), 1)
        self.assertIn(token.encode(), msgs[0])
        self.assertTlsReceived(msgs[0], qid)
        tern.wait_for_log(r"^disconnect from unknown\[127\.0\.0\.1\] ehlo=2 starttls=1 "
                          r"mail=1 rcpt=1 data=1 quit=1 commands=7$", since=tern.mark)

    def test_received_header_without_tls_details_by_default(self):
        # smtpd_tls_received_header = no (the default): ESMTPS, but no TLS lines.
        tern = self.start_tern(main_cf=self.tls_params())
        r = tern.swaks("alice@example.test", args=["--tls"])
        qid = harness.queue_id_from_swaks(r.stdout.replace("<~ ", "<- "))
        self.assertQueueId(qid)
        msgs = tern.wait_for_maildir("alice", 1)
        self.assertRegex(msgs[0].decode(),
                         r"\nReceived: from client\.test \(unknown \[127\.0\.0\.1\]\)\n"
                         r"\tby %s \(Tern\) with ESMTPS id %s\n\tfor <alice@example\.test>; %s\n"
                         % (re.escape(MYHOSTNAME), qid, DATE_RE))

    def test_no_starttls_without_tls_level(self):
        tern = self.start_tern()
        c = self.open(tern, helo=None)
        ehlo = c.command("EHLO client.test")
        self.assertNotIn("250-STARTTLS", ehlo)
        self.assertEqual(c.command("STARTTLS"), ["502 5.5.1 Error: command not implemented"])

    def test_starttls_syntax_and_already_active(self):
        tern = self.start_tern(main_cf=self.tls_params())
        c = self.open(tern)
        self.assertEqual(c.command("STARTTLS now"), ["501 5.5.4 Syntax: STARTTLS"])
        self.starttls(c)
        self.assertEqual(c.command("EHLO client.test")[0], "250-" + MYHOSTNAME)
        # Postfix (smtpd.c starttls_cmd): 554, not 503.
        self.assertEqual(c.command("STARTTLS"), ["554 5.5.1 Error: TLS already active"])

    def test_starttls_during_transaction_resets_it(self):
        # Postfix allows STARTTLS in a transaction ("RFC 2487 does not forbid [it]") and
        # resets HELO, MAIL and RCPT state.
        tern = self.start_tern(main_cf=self.tls_params())
        c = self.open(tern)
        self.assertEqual(c.command("MAIL FROM:<s@example.org>"), ["250 2.1.0 Ok"])
        self.starttls(c)
        self.assertEqual(c.command("EHLO client.test")[0], "250-" + MYHOSTNAME)
        self.assertEqual(c.command("RCPT TO:<alice@example.test>"),
                         ["503 5.5.1 Error: need MAIL command"])

    # ---- implicit TLS (port 465 style) --------------------------------------------------

    def wrapper_master_cf(self, smtps_port):
        return ("127.0.0.1:PORT inet n - n - - smtpd\n"
                "127.0.0.1:%d inet n - n - - smtpd\n"
                "  -o smtpd_tls_wrappermode=yes\n"
                "pickup unix n - n 60 1 pickup\n"
                "cleanup unix n - n - 0 cleanup\n"
                "qmgr unix n - n 300 1 qmgr\n" % smtps_port + harness.DELIVERY_SERVICES)

    def test_swaks_tlsc_wrapper_mode(self):
        smtps = harness.free_port()
        tern = self.start_tern(main_cf=self.tls_params(smtpd_tls_received_header="yes",
                                                       smtpd_tls_loglevel="1"),
                               master_cf=self.wrapper_master_cf(smtps))
        token = uuid.uuid4().hex
        path = tern.path("message.eml")
        write_swaks_data(path, make_message(token))
        r = harness.subprocess.run(
            [harness.SWAKS, "--server", "127.0.0.1:%d" % smtps, "--helo", "client.test",
             "--from", "sender@example.org", "--to", "alice@example.test", "--tlsc",
             "--data", "@" + path], stdin=harness.subprocess.DEVNULL,
            stdout=harness.subprocess.PIPE, stderr=harness.subprocess.STDOUT, text=True,
            timeout=30)
        self.assertEqual(r.returncode, 0, r.stdout)
        self.assertIn("=== TLS started with cipher TLSv1.3:TLS_AES_256_GCM_SHA384:256\n",
                      r.stdout)
        # The banner comes over TLS; no STARTTLS on offer inside TLS.
        self.assertIn("<~  220 %s ESMTP Tern\n" % MYHOSTNAME, r.stdout)
        self.assertNotIn("STARTTLS", r.stdout)
        qid = harness.queue_id_from_swaks(r.stdout.replace("<~ ", "<- "))
        self.assertQueueId(qid)
        msgs = tern.wait_for_maildir("alice", 1)
        self.assertIn(token.encode(), msgs[0])
        self.assertTlsReceived(msgs[0], qid)
        tern.wait_for_log(r"^Anonymous TLS connection established from "
                          r"unknown\[127\.0\.0\.1\]: %s$" % re.escape(TLS13_RSA),
                          since=tern.mark)
        # The wrapper port speaks no plaintext: a plain client gets no banner.
        s = socket.create_connection(("127.0.0.1", smtps), timeout=5)
        try:
            s.sendall(b"EHLO client.test\r\n")
            s.settimeout(5)
            data = s.recv(100)
            self.assertFalse(data.startswith(b"220 "), data)
        except (ConnectionResetError, socket.timeout):
            pass
        finally:
            s.close()
        # The plain port still offers STARTTLS.
        c = self.open(tern, helo=None)
        self.assertIn("250-STARTTLS", c.command("EHLO client.test"))

    # ---- protocols and ciphers with openssl s_client --------------------------------------

    def test_protocols_tls12_minimum(self):
        tern = self.start_tern(main_cf=self.tls_params(smtpd_tls_protocols=">=TLSv1.2"))
        # The client must be allowed to offer the old versions (SECLEVEL=0), so that the
        # refusal is the server's: "unsupported protocol", alert 70.
        out = self.sclient_refused(tern, ["-tls1_1", "-cipher", "DEFAULT@SECLEVEL=0"],
                                   "unsupported protocol")
        self.assertIn("alert protocol version", out)
        out = self.sclient_refused(tern, ["-tls1", "-cipher", "DEFAULT@SECLEVEL=0"],
                                   "unsupported protocol")
        self.assertIn("alert protocol version", out)
        out = self.sclient_ok(tern, ["-tls1_2"])
        self.assertIn("Protocol version: TLSv1.2\n", out)
        out = self.sclient_ok(tern, [])
        self.assertIn("Protocol version: TLSv1.3\n", out)

    def test_protocols_postfix_exclusion_syntax(self):
        tern = self.start_tern(main_cf=self.tls_params(
            smtpd_tls_protocols="!SSLv2, !SSLv3, !TLSv1, !TLSv1.1"))
        self.sclient_refused(tern, ["-tls1_1", "-cipher", "DEFAULT@SECLEVEL=0"],
                             "unsupported protocol")
        self.sclient_refused(tern, ["-tls1", "-cipher", "DEFAULT@SECLEVEL=0"],
                             "unsupported protocol")
        self.assertIn("Protocol version: TLSv1.2\n", self.sclient_ok(tern, ["-tls1_2"]))

    def test_protocols_tls13_only_refuses_tls12(self):
        tern = self.start_tern(main_cf=self.tls_params(smtpd_tls_protocols=">=TLSv1.3"))
        out = self.sclient_refused(tern, ["-tls1_2"], "unsupported protocol")
        self.assertIn("alert protocol version", out)
        self.assertIn("Protocol version: TLSv1.3\n", self.sclient_ok(tern, ["-tls1_3"]))

    def test_mandatory_protocols_apply_at_encrypt_level(self):
        # At "encrypt" smtpd_tls_mandatory_protocols rules, not smtpd_tls_protocols.
        tern = self.start_tern(main_cf=self.tls_params(
            level="encrypt", smtpd_tls_protocols=">=TLSv1",
            smtpd_tls_mandatory_protocols=">=TLSv1.3"))
        self.sclient_refused(tern, ["-tls1_2"], "unsupported protocol")
        self.assertIn("Protocol version: TLSv1.3\n", self.sclient_ok(tern, []))

    def test_excluded_cipher_refused(self):
        tern = self.start_tern(main_cf=self.tls_params(
            smtpd_tls_exclude_ciphers="ECDHE-RSA-AES128-GCM-SHA256"))
        out = self.sclient_refused(tern, ["-tls1_2", "-cipher", "ECDHE-RSA-AES128-GCM-SHA256"],
                                   "no shared cipher")
        self.assertIn("alert handshake failure", out)
        out = self.sclient_ok(tern, ["-tls1_2", "-cipher", "ECDHE-RSA-AES256-GCM-SHA384"])
        self.assertIn("Ciphersuite: ECDHE-RSA-AES256-GCM-SHA384\n", out)

    def test_excluded_cipher_class_refused(self):
        # An OpenSSL class name, as in Postfix's examples (aNULL, RC4, ...): "AES128".
        tern = self.start_tern(main_cf=self.tls_params(smtpd_tls_exclude_ciphers="AES128"))
        self.sclient_refused(tern, ["-tls1_2", "-cipher", "AES128"], "no shared cipher")
        out = self.sclient_ok(tern, ["-tls1_2", "-cipher", "ECDHE-RSA-AES256-GCM-SHA384"])
        self.assertIn("Ciphersuite: ECDHE-RSA-AES256-GCM-SHA384\n", out)

    def test_failed_handshake_counts_as_failed_starttls(self):
        # Postfix counts a STARTTLS whose handshake failed as failed (smtpd_start_tls
        # does not return): "starttls=0/1 commands=1/2" on the disconnect line.
        tern = self.start_tern(main_cf=self.tls_params(smtpd_tls_protocols=">=TLSv1.3"))
        self.sclient_refused(tern, ["-tls1_2"], "unsupported protocol")
        tern.wait_for_log(r"^disconnect from unknown\[127\.0\.0\.1\] ehlo=1 starttls=0/1 "
                          r"commands=1/2$", timeout=2, since=tern.mark)

    def test_control_cipher_accepted_without_exclusion(self):
        tern = self.start_tern(main_cf=self.tls_params())
        out = self.sclient_ok(tern, ["-tls1_2", "-cipher", "ECDHE-RSA-AES128-GCM-SHA256"])
        self.assertIn("Ciphersuite: ECDHE-RSA-AES128-GCM-SHA256\n", out)

    # ---- RSA and ECDSA ----------------------------------------------------------------------

    def test_ecdsa_and_rsa_certificates_by_client_preference(self):
        tern = self.start_tern(main_cf=self.tls_params(ecdsa=True, smtpd_tls_loglevel="1"))
        out = self.sclient_ok(tern, ["-sigalgs", "ecdsa_secp256r1_sha256"])
        self.assertIn("Peer certificate: CN = mail.example.test, O = Tern ECDSA\n", out)
        self.assertIn("Signature type: ECDSA\n", out)
        out = self.sclient_ok(tern, ["-sigalgs", "rsa_pss_rsae_sha256:rsa_pkcs1_sha256"])
        self.assertIn("Peer certificate: CN = mail.example.test, O = Tern RSA\n", out)
        self.assertIn("Signature type: RSA-PSS\n", out)
        # TLS 1.2 with an ECDSA-only / RSA-only cipher suite picks the matching key too.
        out = self.sclient_ok(tern, ["-tls1_2", "-cipher", "ECDHE-ECDSA-AES256-GCM-SHA384"])
        self.assertIn("O = Tern ECDSA\n", out)
        out = self.sclient_ok(tern, ["-tls1_2", "-cipher", "ECDHE-RSA-AES256-GCM-SHA384"])
        self.assertIn("O = Tern RSA\n", out)
        tern.wait_for_log(r"^Anonymous TLS connection established from unknown\[127\.0\.0\.1\]: "
                          r"TLSv1\.3 with cipher TLS_AES_256_GCM_SHA384 \(256/256 bits\) "
                          r"key-exchange X25519 server-signature ECDSA \(prime256v1\) "
                          r"server-digest SHA256$", since=tern.mark)

    def test_rsa_only_served_to_ecdsa_preferring_client(self):
        tern = self.start_tern(main_cf=self.tls_params())
        # A client whose list starts with ECDSA but also takes RSA gets the RSA key.
        out = self.sclient_ok(tern, ["-sigalgs", "ecdsa_secp256r1_sha256:rsa_pss_rsae_sha256"])
        self.assertIn("Peer certificate: CN = mail.example.test, O = Tern RSA\n", out)
        # One that takes ECDSA only cannot be served.
        self.sclient_refused(tern, ["-sigalgs", "ecdsa_secp256r1_sha256"],
                             "no suitable signature algorithm")

    # ---- encrypt level --------------------------------------------------------------------

    def test_encrypt_level_requires_starttls(self):
        tern = self.start_tern(main_cf=self.tls_params(level="encrypt"))
        c = self.open(tern, helo=None)
        self.assertIn("250-STARTTLS", c.command("EHLO client.test"))
        must = ["530 5.7.0 Must issue a STARTTLS command first"]
        self.assertEqual(c.command("MAIL FROM:<s@example.org>"), must)
        self.assertEqual(c.command("RCPT TO:<alice@example.test>"), must)
        self.assertEqual(c.command("DATA"), must)
        self.assertEqual(c.command("VRFY alice"), must)
        self.assertEqual(c.command("BDAT 0 LAST"), must)
        self.assertEqual(c.command("NOOP"), ["250 2.0.0 Ok"])
        self.assertEqual(c.command("HELO client.test"), ["250 " + MYHOSTNAME])
        self.starttls(c)
        # Under TLS the same commands are taken.
        self.assertEqual(c.command("EHLO client.test")[0], "250-" + MYHOSTNAME)
        self.assertEqual(c.command("MAIL FROM:<s@example.org>"), ["250 2.1.0 Ok"])
        self.assertEqual(c.command("RCPT TO:<alice@example.test>"), ["250 2.1.5 Ok"])

    def test_encrypt_level_delivery_after_starttls(self):
        tern = self.start_tern(main_cf=self.tls_params(level="encrypt"))
        c = self.open(tern)
        self.assertEqual(c.command("MAIL FROM:<s@example.org>"),
                         ["530 5.7.0 Must issue a STARTTLS command first"])
        self.starttls(c)
        ehlo = c.command("EHLO client.test")
        self.assertEqual(ehlo[0], "250-" + MYHOSTNAME)
        self.assertNotIn("250-STARTTLS", ehlo)
        token = uuid.uuid4().hex
        self.assertEqual(c.command("MAIL FROM:<s@example.org>"), ["250 2.1.0 Ok"])
        self.assertEqual(c.command("RCPT TO:<alice@example.test>"), ["250 2.1.5 Ok"])
        self.assertEqual(c.command("DATA"), ["354 End data with <CR><LF>.<CR><LF>"])
        c.send(crlf(make_message(token)) + b".\r\n")
        self.assertRegex(c.reply()[0], QUEUED_RE)
        self.assertEqual(c.command("QUIT"), ["221 2.0.0 Bye"])
        msgs = tern.wait_for_maildir("alice", 1)
        self.assertIn(token.encode(), msgs[0])
        self.assertIn(b" with ESMTPS id ", msgs[0])

    def test_swaks_without_tls_refused_at_encrypt_level(self):
        tern = self.start_tern(main_cf=self.tls_params(level="encrypt"))
        r = tern.swaks("alice@example.test")
        self.assertNotEqual(r.returncode, 0, r.stdout)
        self.assertIn("<** 530 5.7.0 Must issue a STARTTLS command first\n", r.stdout)
        self.assertEqual(tern.maildir_files("alice"), [])

    # ---- CVE-2011-0411 -------------------------------------------------------------------

    def test_pipelined_plaintext_after_starttls_is_discarded(self):
        tern = self.start_tern(main_cf=self.tls_params())
        c = self.open(tern)
        # One write: STARTTLS and an injected command the attacker hopes to run under TLS.
        c.send(b"STARTTLS\r\nRSET\r\n")
        self.assertEqual(c.reply(), ["220 2.0.0 Ready to start TLS"])
        c.starttls_upgrade(client_context())
        ehlo = c.command("EHLO client.test")
        self.assertEqual(ehlo[0], "250-" + MYHOSTNAME, ehlo)
        self.assertTrue(ehlo[-1].startswith("250 "), ehlo)
        self.assertNotIn("250 2.0.0 Ok", ehlo)
        # The next reply is to NOOP: no stray reply to the plaintext RSET is waiting.
        self.assertEqual(c.command("NOOP"), ["250 2.0.0 Ok"])
        self.assertEqual(c.command("QUIT"), ["221 2.0.0 Bye"])
        tern.wait_for_log(r"^disconnect from unknown\[127\.0\.0\.1\] ehlo=2 starttls=1 noop=1 "
                          r"quit=1 commands=5$", since=tern.mark)

    def test_pipelined_transaction_after_starttls_is_discarded(self):
        # The classic exploit: a whole transaction injected after STARTTLS.
        tern = self.start_tern(main_cf=self.tls_params())
        c = self.open(tern)
        c.send(b"STARTTLS\r\nMAIL FROM:<evil@example.org>\r\nRCPT TO:<alice@example.test>\r\n")
        self.assertEqual(c.reply(), ["220 2.0.0 Ready to start TLS"])
        c.starttls_upgrade(client_context())
        self.assertEqual(c.command("EHLO client.test")[0], "250-" + MYHOSTNAME)
        # No transaction is open: DATA needs MAIL and RCPT first.
        self.assertEqual(c.command("DATA"), ["503 5.5.1 Error: need RCPT command"])
        self.assertEqual(c.command("RCPT TO:<alice@example.test>"),
                         ["503 5.5.1 Error: need MAIL command"])

    def test_state_resets_after_starttls(self):
        tern = self.start_tern(main_cf=self.tls_params(smtpd_helo_required="yes"))
        c = self.open(tern)
        self.starttls(c)
        # The EHLO before STARTTLS no longer counts.
        self.assertEqual(c.command("MAIL FROM:<s@example.org>"),
                         ["503 5.5.1 Error: send HELO/EHLO first"])

    # ---- log line ------------------------------------------------------------------------

    def test_tls_log_line(self):
        tern = self.start_tern(main_cf=self.tls_params(smtpd_tls_loglevel="1"))
        r = tern.swaks("alice@example.test", args=["--tls"])
        self.assertEqual(r.returncode, 0, r.stdout)
        tern.wait_for_maildir("alice", 1)
        lines = [e["text"] for e in tern.log_entries(tern.mark) if e["service"] == "smtpd"]
        tls_lines = [l for l in lines if "TLS connection established" in l]
        self.assertEqual(tls_lines, ["Anonymous TLS connection established from "
                                     "unknown[127.0.0.1]: " + TLS13_RSA])
        # Logged after "connect from", before the queue ID line.
        self.assertEqual(lines[0], "connect from unknown[127.0.0.1]")
        self.assertEqual(lines[1], tls_lines[0])

    def test_no_tls_log_line_at_loglevel_0(self):
        tern = self.start_tern(main_cf=self.tls_params())
        r = tern.swaks("alice@example.test", args=["--tls"])
        self.assertEqual(r.returncode, 0, r.stdout)
        tern.wait_for_maildir("alice", 1)
        tern.wait_for_log(r"^disconnect from ", since=tern.mark)
        self.assertNotIn("TLS connection established", tern.log_text(tern.mark))

    # ---- certificate reload --------------------------------------------------------------

    def install_cert(self, tern, cert, key):
        """Replace the configured files (each by an atomic rename, as certbot's deploy
        hooks and `install` do)."""
        for src, name in ((cert, "cert.pem"), (key, "key.pem")):
            with open(src, "rb") as f:
                data = f.read()
            tmp = tern.path(name + ".new")
            with open(tmp, "wb") as f:
                f.write(data)
            os.chmod(tmp, 0o644)
        os.replace(tern.path("cert.pem.new"), tern.path("cert.pem"))
        os.replace(tern.path("key.pem.new"), tern.path("key.pem"))

    def reload_tern(self):
        tern = self.new_tern(main_cf={
            "smtpd_tls_security_level": "may", "smtpd_tls_loglevel": "1",
            "tls_cert_reload_interval": "1s"})
        first = self.pki.issue("first", "rsa", org="First")
        self.install_cert(tern, *first)
        tern.set_param("smtpd_tls_cert_file", tern.path("cert.pem"))
        tern.set_param("smtpd_tls_key_file", tern.path("key.pem"))
        tern.write_config()
        tern.start()
        tern.wait_for_log(r"^disconnect from ")
        tern.mark = tern.log_mark()
        return tern

    def test_certificate_reload_keeps_open_session(self):
        tern = self.reload_tern()
        ca = self.pki.ca_cert
        self.assertEqual(self.served_org(tern.port, ca), "First")
        # A session under the first certificate, mid-transaction.
        old = self.open(tern)
        self.starttls(old, ca)
        self.assertEqual(subject_org(old.sock.getpeercert()), "First")
        self.assertEqual(old.command("EHLO client.test")[0], "250-" + MYHOSTNAME)
        self.assertEqual(old.command("MAIL FROM:<s@example.org>"), ["250 2.1.0 Ok"])
        self.assertEqual(old.command("RCPT TO:<alice@example.test>"), ["250 2.1.5 Ok"])
        # The renewal.
        time.sleep(1.1)  # a new mtime second, whatever the file system's granularity
        self.install_cert(tern, *self.pki.issue("second", "rsa", org="Second"))
        seen = []

        def renewed():
            seen.append(self.served_org(tern.port, ca))
            return seen[-1] == "Second"

        self.assertTrue(harness.wait_until(renewed, 10, interval=0.2),
                        "new sessions still get %r\n%s" % (seen[-3:], tern.evidence()))
        for _ in range(3):
            self.assertEqual(self.served_org(tern.port, ca), "Second")
        # The old session is still there and completes its delivery.
        token = uuid.uuid4().hex
        self.assertEqual(old.command("DATA"), ["354 End data with <CR><LF>.<CR><LF>"])
        old.send(crlf(make_message(token)) + b".\r\n")
        reply = old.reply()
        self.assertRegex(reply[0], QUEUED_RE)
        self.assertEqual(old.command("QUIT"), ["221 2.0.0 Bye"])
        msgs = tern.wait_for_maildir("alice", 1)
        self.assertIn(token.encode(), msgs[0])
        self.assertIn(QUEUED_RE.match(reply[0]).group(1).encode(), msgs[0])
        tern.wait_for_log(r"^%s changed: starting a new smtpd with it$"
                          % re.escape(tern.path("cert.pem")), since=tern.mark)
        self.assertTrue(tern.running())

    def test_broken_certificate_replacement_keeps_old_certificate(self):
        tern = self.reload_tern()
        ca = self.pki.ca_cert
        self.assertEqual(self.served_org(tern.port, ca), "First")
        time.sleep(1.1)
        # A renewed certificate with the wrong key (another key pair's).
        new_cert, _ = self.pki.issue("second", "rsa", org="Second")
        _, other_key = self.pki.issue("third", "rsa", org="Third")
        mark = tern.log_mark()
        self.install_cert(tern, new_cert, other_key)
        # Why, in the log (the key does not belong to the certificate).
        found = tern.wait_for_log(r"(?i)(key values mismatch|does not match|mismatch)",
                                  timeout=10, since=mark)
        self.assertIn(tern.path("key.pem"), tern.log_text(mark), found.string)
        # New sessions keep getting the old certificate, promptly, for some seconds.
        deadline = time.monotonic() + 7
        while time.monotonic() < deadline:
            t0 = time.monotonic()
            try:
                org = self.served_org(tern.port, ca)
            except (OSError, ConnectionError, harness.TernError) as e:
                self.fail("no TLS session after the broken replacement: %r\n%s"
                          % (e, tern.evidence()))
            self.assertEqual(org, "First")
            self.assertLess(time.monotonic() - t0, 3, "session took too long")
            time.sleep(0.3)
        self.assertTrue(tern.running())
        # A fixed replacement is taken after all.
        self.install_cert(tern, *self.pki.issue("fourth", "rsa", org="Fourth"))
        self.assertTrue(harness.wait_until(
            lambda: self.served_org(tern.port, ca) == "Fourth", 15, interval=0.3),
            tern.evidence())


if __name__ == "__main__":
    unittest.main()
