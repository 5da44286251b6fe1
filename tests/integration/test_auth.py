"""AUTH (SASL PLAIN and LOGIN) through a running ternd: the `tern` password-file back end
and a real Dovecot auth service started here; smtpd_tls_auth_only, the AUTH sequence
replies, permit_sasl_authenticated relaying, reject_sender_login_mismatch, the Received
header and log fields, and master.cf's stock submission / submissions entries.

Password hashes are crypt(3) hashes made here ($6$ SHA-512 and $y$ yescrypt, as Debian's
passwd and Dovecot's passwd-file take them). Expected texts are Postfix's
(smtpd_sasl_proto.c, smtpd_sasl_glue.c).
"""

import base64
import ctypes
import os
import re
import shutil
import signal
import socket
import ssl
import subprocess
import tempfile
import time
import unittest
import uuid
import warnings

with warnings.catch_warnings():
    warnings.simplefilter("ignore", DeprecationWarning)
    import crypt

import harness
from harness import (MYHOSTNAME, QUEUED_RE, SmtpSocket, TernTestCase, TestPki, make_message,
                     session, write_swaks_data)

DOVECOT = "/usr/sbin/dovecot"
OUTSIDE = "127.0.0.2"
USERS = {"alice": "s3cret", "bob": "hunter2"}
DATE_RE = r"[A-Z][a-z]{2}, \d{1,2} [A-Z][a-z]{2} \d{4} \d\d:\d\d:\d\d [+-]\d{4} \(\w+\)"
AUTH_OK = ["235 2.7.0 Authentication successful"]
FAILED_PREFIX = "535 5.7.8 Error: authentication failed: "


def b64(text):
    return base64.b64encode(text.encode()).decode()


def plain(user, password, authzid=""):
    return b64("%s\0%s\0%s" % (authzid, user, password))


def sha512_crypt(password):
    return crypt.crypt(password, crypt.mksalt(crypt.METHOD_SHA512))


def yescrypt(password):
    """A $y$ hash through libxcrypt's crypt_gensalt (Python's crypt has no yescrypt)."""
    lib = ctypes.CDLL("libcrypt.so.1")
    lib.crypt_gensalt.restype = ctypes.c_char_p
    lib.crypt_gensalt.argtypes = [ctypes.c_char_p, ctypes.c_ulong, ctypes.c_char_p,
                                  ctypes.c_int]
    salt = lib.crypt_gensalt(b"$y$", 0, None, 0)
    if not salt:
        raise AssertionError("libcrypt here lacks yescrypt ($y$), Debian's default")
    h = crypt.crypt(password, salt.decode())
    if not h or not h.startswith("$y$"):
        raise AssertionError("yescrypt hashing failed: %r" % h)
    return h


def client_context():
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE
    return ctx


def crlf(text):
    return text.replace("\n", "\r\n").encode("utf-8")


class Dovecot:
    """A Dovecot master with only its auth service, in its own directory and process
    group, listening on DIR/auth (mode 0666); passdb a passwd-file."""

    def __init__(self, users, mechanisms="plain login"):
        self.dir = tempfile.mkdtemp(prefix="tern-dovecot-")
        # The auth process runs as `dovecot`; smtpd as mail_owner: both must get in.
        os.chmod(self.dir, 0o755)
        self.socket = os.path.join(self.dir, "auth")
        self.proc = None
        for sub in ("run", "state"):
            os.mkdir(os.path.join(self.dir, sub), 0o755)
        self.write("users", "alice:{SHA512-CRYPT}%s\nbob:%s:::::::\n"
                   % (sha512_crypt(users["alice"]), yescrypt(users["bob"])))
        self.write("dovecot.conf",
                   "base_dir = %s\n"
                   "state_dir = %s\n"
                   "instance_name = tern-it-%d-%s\n"
                   "log_path = %s\n"
                   "protocols =\n"
                   "ssl = no\n"
                   "auth_mechanisms = %s\n"
                   "auth_failure_delay = 0\n"
                   "auth_verbose = yes\n"
                   "passdb {\n  driver = passwd-file\n  args = %s\n}\n"
                   "userdb {\n  driver = static\n"
                   "  args = uid=nobody gid=nogroup home=/nonexistent\n}\n"
                   "service auth {\n  unix_listener %s {\n    mode = 0666\n  }\n}\n"
                   % (self.path("run"), self.path("state"), os.getpid(),
                      os.path.basename(self.dir), self.path("dovecot.log"), mechanisms,
                      self.path("users"), self.socket))

    def path(self, name):
        return os.path.join(self.dir, name)

    def write(self, name, text):
        with open(self.path(name), "w") as f:
            f.write(text)
        os.chmod(self.path(name), 0o644)

    def read(self, name):
        try:
            with open(self.path(name)) as f:
                return f.read()
        except OSError:
            return ""

    def connectable(self):
        s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        try:
            s.settimeout(2)
            s.connect(self.socket)
            return True
        except OSError:
            return False
        finally:
            s.close()

    def start(self):
        if not os.access(DOVECOT, os.X_OK):
            raise AssertionError("%s not found: these tests need a real Dovecot; install "
                                 "dovecot-core (scripts/deps.sh does)" % DOVECOT)
        out = open(self.path("dovecot.out"), "ab")
        try:
            # Its own session = its own process group: stop() reaches the auth child too.
            self.proc = subprocess.Popen([DOVECOT, "-F", "-c", self.path("dovecot.conf")],
                                         stdin=subprocess.DEVNULL, stdout=out,
                                         stderr=subprocess.STDOUT, start_new_session=True)
        finally:
            out.close()
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            if self.connectable():
                return
            if self.proc.poll() is not None:
                raise AssertionError("dovecot exited at start (status %s):\n%s%s"
                                     % (self.proc.returncode, self.read("dovecot.out"),
                                        self.read("dovecot.log")))
            time.sleep(0.05)
        raise AssertionError("dovecot's auth socket did not appear:\n%s%s"
                             % (self.read("dovecot.out"), self.read("dovecot.log")))

    def stop(self):
        """TERM to the group we started, up to 5 s for the master, then KILL the group."""
        if self.proc is None:
            return
        pgid = self.proc.pid
        try:
            os.killpg(pgid, signal.SIGTERM)
        except ProcessLookupError:
            pass
        try:
            self.proc.wait(timeout=5)
        except subprocess.TimeoutExpired:
            pass
        try:
            os.killpg(pgid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        try:
            self.proc.wait(timeout=5)
        except subprocess.TimeoutExpired:
            pass
        self.proc = None

    def cleanup(self):
        self.stop()
        if not harness.KEEP:
            shutil.rmtree(self.dir, ignore_errors=True)


class AuthTest(TernTestCase):

    # ---- set-up ------------------------------------------------------------------------

    def setUp(self):
        self.pki_dir = tempfile.mkdtemp(prefix="tern-pki-")
        os.chmod(self.pki_dir, 0o755)
        self.addCleanup(shutil.rmtree, self.pki_dir, True)
        self.pki = TestPki(self.pki_dir)
        self.cert, self.key = self.pki.issue("rsa", "rsa", org="Tern RSA")

    def auth_params(self, backend="tern", sasl_path=None, **extra):
        params = {
            "smtpd_tls_security_level": "may",
            "smtpd_tls_cert_file": self.cert, "smtpd_tls_key_file": self.key,
            "smtpd_sasl_auth_enable": "yes",
            "smtpd_sasl_type": backend,
            "smtpd_sasl_path": sasl_path or "sasl_passwd",
            "smtpd_tls_auth_only": "yes",
            "smtpd_relay_restrictions":
                "permit_mynetworks, permit_sasl_authenticated, reject_unauth_destination",
        }
        params.update(extra)
        return params

    def start_auth_tern(self, backend="tern", sasl_path=None, master_cf=None, **extra):
        tern = self.new_tern(main_cf=self.auth_params(backend, sasl_path, **extra),
                             master_cf=master_cf)
        if backend == "tern":
            tern.write_file("sasl_passwd", "alice:%s\nbob:%s\n"
                            % (sha512_crypt(USERS["alice"]), yescrypt(USERS["bob"])))
        tern.start()
        tern.wait_for_log(r"^disconnect from ")
        tern.mark = tern.log_mark()
        return tern

    def start_dovecot(self):
        d = Dovecot(USERS)
        self.addCleanup(d.cleanup)
        d.start()
        return d

    def open(self, tern, port=None, source="127.0.0.1", helo="client.test", tls=True):
        c = session(port or tern.port, source=source, helo=helo)
        self.addCleanup(c.close)
        if tls:
            self.assertEqual(c.command("STARTTLS"), ["220 2.0.0 Ready to start TLS"])
            c.starttls_upgrade(client_context())
            if helo:
                self.assertEqual(c.command("EHLO " + helo)[0], "250-" + MYHOSTNAME)
        return c

    def swaks_auth(self, tern, mech, user, password, to="alice@example.test", extra=(),
                   port=None, tls="--tls", source=None):
        args = [harness.SWAKS, "--server", "127.0.0.1:%d" % (port or tern.port),
                "--helo", "client.test", "--from", "sender@example.org", "--to", to,
                "--auth", mech, "--auth-user", user, "--auth-password", password]
        if tls:
            args.append(tls)
        if source:
            args += ["--local-interface", source]
        args += list(extra)
        return subprocess.run(args, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                              stderr=subprocess.STDOUT, text=True, timeout=30)

    def qid_of(self, swaks_output):
        return harness.queue_id_from_swaks(swaks_output.replace("<~ ", "<- "))

    def assertAuthFailed(self, tern, reply_line, mech, since):
        """535 with Postfix's prefix, and the warning with the same reason."""
        self.assertTrue(reply_line.startswith(FAILED_PREFIX), reply_line)
        reason = reply_line[len(FAILED_PREFIX):]
        tern.wait_for_log(r"^warning: unknown\[127\.0\.0\.1\]: SASL %s authentication "
                          r"failed: %s$" % (mech, re.escape(reason)), since=since)

    # ---- the `tern` back end with swaks ------------------------------------------------------

    def check_swaks_success(self, tern, mech):
        r = self.swaks_auth(tern, mech, "alice", USERS["alice"])
        self.assertEqual(r.returncode, 0, r.stdout)
        self.assertIn("<~  250-AUTH PLAIN LOGIN\n", r.stdout)
        self.assertIn("<~  235 2.7.0 Authentication successful\n", r.stdout)
        qid = self.qid_of(r.stdout)
        self.assertQueueId(qid)
        tern.wait_for_log(r"^%s: client=unknown\[127\.0\.0\.1\], sasl_method=%s, "
                          r"sasl_username=alice$" % (qid, mech), since=tern.mark)
        tern.wait_for_log(r"^disconnect from unknown\[127\.0\.0\.1\] ehlo=2 starttls=1 auth=1 "
                          r"mail=1 rcpt=1 data=1 quit=1 commands=8$", since=tern.mark)
        return qid

    def test_tern_backend_plain(self):
        tern = self.start_auth_tern()
        self.check_swaks_success(tern, "PLAIN")
        self.assertIn(" ~> AUTH PLAIN %s\n" % plain("alice", USERS["alice"]),
                      self.swaks_auth(tern, "PLAIN", "alice", USERS["alice"]).stdout)

    def test_tern_backend_login_yescrypt(self):
        tern = self.start_auth_tern()
        r = self.swaks_auth(tern, "LOGIN", "bob", USERS["bob"], to="bob@example.test")
        self.assertEqual(r.returncode, 0, r.stdout)
        # Postfix's LOGIN prompts: "Username:" and "Password:" in base64.
        self.assertIn("<~  334 VXNlcm5hbWU6\n", r.stdout)
        self.assertIn("<~  334 UGFzc3dvcmQ6\n", r.stdout)
        self.assertIn("<~  235 2.7.0 Authentication successful\n", r.stdout)
        qid = self.qid_of(r.stdout)
        self.assertQueueId(qid)
        tern.wait_for_log(r"^%s: client=unknown\[127\.0\.0\.1\], sasl_method=LOGIN, "
                          r"sasl_username=bob$" % qid, since=tern.mark)
        tern.wait_for_maildir("bob", 1)

    def test_tern_backend_login(self):
        tern = self.start_auth_tern()
        self.check_swaks_success(tern, "LOGIN")

    def test_tern_backend_wrong_password(self):
        tern = self.start_auth_tern()
        for mech in ("PLAIN", "LOGIN"):
            mark = tern.log_mark()
            r = self.swaks_auth(tern, mech, "alice", "wrong")
            self.assertNotEqual(r.returncode, 0, r.stdout)
            m = re.search(r"(?m)^<~\* (535 .*)$", r.stdout)
            self.assertIsNotNone(m, r.stdout)
            self.assertAuthFailed(tern, m.group(1), mech, mark)
            tern.wait_for_log(r"^disconnect from unknown\[127\.0\.0\.1\] ehlo=2 starttls=1 "
                              r"auth=0/1 quit=1 commands=4/5$", since=mark)
        # Unknown user: the same reply, nothing that tells users apart.
        c = self.open(tern)
        bad_pw = c.command("AUTH PLAIN " + plain("alice", "wrong"))
        c2 = self.open(tern)
        no_user = c2.command("AUTH PLAIN " + plain("mallory", "wrong"))
        self.assertEqual(bad_pw, no_user)
        self.assertEqual(tern.maildir_files("alice"), [])

    def test_unknown_mechanism_504(self):
        tern = self.start_auth_tern()
        c = self.open(tern)
        self.assertEqual(c.command("AUTH CRAM-MD5"),
                         ["504 5.5.4 Unrecognized authentication type"])
        self.assertEqual(c.command("AUTH XYZZY " + b64("x")),
                         ["504 5.5.4 Unrecognized authentication type"])
        self.assertEqual(c.command("AUTH"), ["501 5.5.4 Syntax: AUTH mechanism"])
        # Still able to authenticate afterwards.
        self.assertEqual(c.command("AUTH PLAIN " + plain("alice", USERS["alice"])), AUTH_OK)

    def test_auth_hidden_before_tls_with_tls_auth_only(self):
        tern = self.start_auth_tern()
        c = self.open(tern, helo=None, tls=False)
        ehlo = c.command("EHLO client.test")
        self.assertIn("250-STARTTLS", ehlo)
        self.assertEqual([l for l in ehlo if "AUTH" in l], [])
        self.assertEqual(c.command("AUTH PLAIN " + plain("alice", USERS["alice"])),
                         ["504 5.5.4 Encryption required for requested authentication "
                          "mechanism"])
        self.assertEqual(c.command("STARTTLS"), ["220 2.0.0 Ready to start TLS"])
        c.starttls_upgrade(client_context())
        ehlo = c.command("EHLO client.test")
        self.assertIn("250-AUTH PLAIN LOGIN", ehlo)
        self.assertNotIn("250-STARTTLS", ehlo)
        self.assertEqual(c.command("AUTH PLAIN " + plain("alice", USERS["alice"])), AUTH_OK)

    def test_auth_offered_in_plaintext_without_tls_auth_only(self):
        tern = self.start_auth_tern(smtpd_tls_auth_only="no")
        c = self.open(tern, helo=None, tls=False)
        ehlo = c.command("EHLO client.test")
        self.assertIn("250-AUTH PLAIN LOGIN", ehlo)
        self.assertEqual(c.command("AUTH LOGIN"), ["334 VXNlcm5hbWU6"])
        self.assertEqual(c.command(b64("alice")), ["334 UGFzc3dvcmQ6"])
        self.assertEqual(c.command(b64(USERS["alice"])), AUTH_OK)
        # Authenticated without TLS: ESMTPA.
        token = uuid.uuid4().hex
        self.assertEqual(c.command("MAIL FROM:<alice@example.test>"), ["250 2.1.0 Ok"])
        self.assertEqual(c.command("RCPT TO:<bob@example.test>"), ["250 2.1.5 Ok"])
        self.assertEqual(c.command("DATA"), ["354 End data with <CR><LF>.<CR><LF>"])
        c.send(crlf(make_message(token, sender="alice@example.test", to="bob@example.test"))
               + b".\r\n")
        qid = QUEUED_RE.match(c.reply()[0]).group(1)
        msgs = tern.wait_for_maildir("bob", 1)
        self.assertIn(("\tby %s (Tern) with ESMTPA id %s\n" % (MYHOSTNAME, qid)).encode(),
                      msgs[0])

    def test_auth_not_enabled(self):
        tern = self.start_tern(main_cf={
            "smtpd_tls_security_level": "may",
            "smtpd_tls_cert_file": self.cert, "smtpd_tls_key_file": self.key})
        c = self.open(tern)
        self.assertEqual(c.command("AUTH PLAIN " + plain("alice", USERS["alice"])),
                         ["503 5.5.1 Error: authentication not enabled"])

    def test_auth_in_transaction_refused(self):
        tern = self.start_auth_tern()
        c = self.open(tern)
        self.assertEqual(c.command("MAIL FROM:<s@example.org>"), ["250 2.1.0 Ok"])
        self.assertEqual(c.command("AUTH PLAIN " + plain("alice", USERS["alice"])),
                         ["503 5.5.1 Error: MAIL transaction in progress"])
        self.assertEqual(c.command("RCPT TO:<alice@example.test>"), ["250 2.1.5 Ok"])
        self.assertEqual(c.command("AUTH PLAIN " + plain("alice", USERS["alice"])),
                         ["503 5.5.1 Error: MAIL transaction in progress"])
        self.assertEqual(c.command("RSET"), ["250 2.0.0 Ok"])
        self.assertEqual(c.command("AUTH PLAIN " + plain("alice", USERS["alice"])), AUTH_OK)

    def test_auth_before_ehlo_refused_with_helo_required(self):
        # Postfix (smtpd_sasl_proto.c): with smtpd_helo_required = yes, AUTH before
        # HELO/EHLO gets "503 5.5.1 Error: send HELO/EHLO first". After STARTTLS the
        # earlier EHLO no longer counts.
        tern = self.start_auth_tern(smtpd_helo_required="yes")
        c = self.open(tern, helo="client.test", tls=False)
        self.assertEqual(c.command("STARTTLS"), ["220 2.0.0 Ready to start TLS"])
        c.starttls_upgrade(client_context())
        self.assertEqual(c.command("AUTH PLAIN " + plain("alice", USERS["alice"])),
                         ["503 5.5.1 Error: send HELO/EHLO first"])
        self.assertEqual(c.command("EHLO client.test")[0], "250-" + MYHOSTNAME)
        self.assertEqual(c.command("AUTH PLAIN " + plain("alice", USERS["alice"])), AUTH_OK)

    def test_already_authenticated_503(self):
        tern = self.start_auth_tern()
        c = self.open(tern)
        self.assertEqual(c.command("AUTH PLAIN " + plain("alice", USERS["alice"])), AUTH_OK)
        self.assertEqual(c.command("AUTH PLAIN " + plain("bob", USERS["bob"])),
                         ["503 5.5.1 Error: already authenticated"])
        self.assertEqual(c.command("AUTH LOGIN"), ["503 5.5.1 Error: already authenticated"])
        # A new EHLO does not log the user out (Postfix keeps sasl_username).
        self.assertEqual(c.command("EHLO client.test")[0], "250-" + MYHOSTNAME)
        self.assertEqual(c.command("AUTH LOGIN"), ["503 5.5.1 Error: already authenticated"])

    def test_login_exchange_and_abort(self):
        tern = self.start_auth_tern()
        c = self.open(tern)
        self.assertEqual(c.command("AUTH LOGIN"), ["334 VXNlcm5hbWU6"])
        self.assertEqual(c.command("*"), ["501 5.7.0 Authentication aborted"])
        # LOGIN with the user name as initial response.
        self.assertEqual(c.command("AUTH LOGIN " + b64("alice")), ["334 UGFzc3dvcmQ6"])
        self.assertEqual(c.command(b64(USERS["alice"])), AUTH_OK)

    def test_plain_without_initial_response(self):
        tern = self.start_auth_tern()
        c = self.open(tern)
        self.assertEqual(c.command("AUTH PLAIN"), ["334 "])
        self.assertEqual(c.command(plain("alice", USERS["alice"])), AUTH_OK)

    # ---- relaying ------------------------------------------------------------------------

    def test_relay_only_after_auth_from_outside(self):
        tern = self.start_auth_tern()
        # 127.0.0.2 is outside mynetworks: no relaying without AUTH ...
        c = self.open(tern, source=OUTSIDE)
        self.assertEqual(c.command("MAIL FROM:<alice@example.test>"), ["250 2.1.0 Ok"])
        self.assertEqual(c.command("RCPT TO:<friend@remote.test>"),
                         ["554 5.7.1 <friend@remote.test>: Relay access denied"])
        self.assertEqual(c.command("RSET"), ["250 2.0.0 Ok"])
        # ... nor after a failed AUTH ...
        reply = c.command("AUTH PLAIN " + plain("alice", "wrong"))
        self.assertTrue(reply[0].startswith(FAILED_PREFIX), reply)
        self.assertEqual(c.command("MAIL FROM:<alice@example.test>"), ["250 2.1.0 Ok"])
        self.assertEqual(c.command("RCPT TO:<friend@remote.test>"),
                         ["554 5.7.1 <friend@remote.test>: Relay access denied"])
        self.assertEqual(c.command("RSET"), ["250 2.0.0 Ok"])
        # ... and yes after a good one.
        self.assertEqual(c.command("AUTH PLAIN " + plain("alice", USERS["alice"])), AUTH_OK)
        token = uuid.uuid4().hex
        self.assertEqual(c.command("MAIL FROM:<alice@example.test>"), ["250 2.1.0 Ok"])
        self.assertEqual(c.command("RCPT TO:<friend@remote.test>"), ["250 2.1.5 Ok"])
        self.assertEqual(c.command("DATA"), ["354 End data with <CR><LF>.<CR><LF>"])
        c.send(crlf(make_message(token, sender="alice@example.test", to="friend@remote.test"))
               + b".\r\n")
        reply = c.reply()
        self.assertRegex(reply[0], QUEUED_RE)
        qid = QUEUED_RE.match(reply[0]).group(1)
        self.assertEqual(c.command("QUIT"), ["221 2.0.0 Bye"])
        tern.wait_for_log(r"^NOQUEUE: reject: RCPT from unknown\[127\.0\.0\.2\]: 554 5\.7\.1 "
                          r"<friend@remote\.test>: Relay access denied; "
                          r"from=<alice@example\.test> to=<friend@remote\.test> proto=\S+ "
                          r"helo=<client\.test>$", since=tern.mark)
        tern.wait_for_log(r"^%s: client=unknown\[127\.0\.0\.2\], sasl_method=PLAIN, "
                          r"sasl_username=alice$" % qid, since=tern.mark)
        # Remote delivery is not implemented yet: the relayed message is deferred.
        tern.wait_for_log(r"^%s: to=<friend@remote\.test>, relay=none, .*status=deferred "
                          % qid, since=tern.mark)

    def test_swaks_relay_from_outside(self):
        tern = self.start_auth_tern()
        r = tern.swaks("friend@remote.test", args=["--tls", "--local-interface", OUTSIDE])
        self.assertNotEqual(r.returncode, 0, r.stdout)
        self.assertIn("<~* 554 5.7.1 <friend@remote.test>: Relay access denied\n", r.stdout)
        r = self.swaks_auth(tern, "LOGIN", "alice", USERS["alice"], to="friend@remote.test",
                            source=OUTSIDE)
        self.assertEqual(r.returncode, 0, r.stdout)
        self.assertQueueId(self.qid_of(r.stdout))

    # ---- sender login maps ---------------------------------------------------------------

    def test_reject_sender_login_mismatch(self):
        tern = self.start_auth_tern(
            smtpd_sender_login_maps="inline:{ alice@example.test=alice, bob@example.test=bob }",
            smtpd_sender_restrictions="reject_sender_login_mismatch")
        c = self.open(tern)
        self.assertEqual(c.command("AUTH PLAIN " + plain("alice", USERS["alice"])), AUTH_OK)
        self.assertEqual(c.command("MAIL FROM:<bob@example.test>"), ["250 2.1.0 Ok"])
        want = ["553 5.7.1 <bob@example.test>: Sender address rejected: "
                "not owned by user alice"]
        self.assertEqual(c.command("RCPT TO:<alice@example.test>"), want)
        tern.wait_for_log(r"^NOQUEUE: reject: RCPT from unknown\[127\.0\.0\.1\]: %s; "
                          r"from=<bob@example\.test> to=<alice@example\.test> proto=\S+ "
                          r"helo=<client\.test>$" % re.escape(want[0]), since=tern.mark)
        self.assertEqual(c.command("RSET"), ["250 2.0.0 Ok"])
        # Her own address is fine.
        self.assertEqual(c.command("MAIL FROM:<alice@example.test>"), ["250 2.1.0 Ok"])
        self.assertEqual(c.command("RCPT TO:<bob@example.test>"), ["250 2.1.5 Ok"])
        # Not logged in, an owned address is refused too (Postfix: "not logged in").
        d = self.open(tern)
        self.assertEqual(d.command("MAIL FROM:<bob@example.test>"), ["250 2.1.0 Ok"])
        self.assertEqual(d.command("RCPT TO:<alice@example.test>"),
                         ["553 5.7.1 <bob@example.test>: Sender address rejected: "
                          "not logged in"])

    # ---- Received header and log ---------------------------------------------------------

    def test_received_authenticated_sender_and_esmtpsa(self):
        tern = self.start_auth_tern(smtpd_sasl_authenticated_header="yes",
                                    smtpd_tls_received_header="yes")
        token = uuid.uuid4().hex
        path = tern.path("message.eml")
        write_swaks_data(path, make_message(token))
        r = self.swaks_auth(tern, "PLAIN", "alice", USERS["alice"],
                            extra=["--data", "@" + path])
        self.assertEqual(r.returncode, 0, r.stdout)
        qid = self.qid_of(r.stdout)
        self.assertQueueId(qid)
        msgs = tern.wait_for_maildir("alice", 1)
        self.assertRegex(msgs[0].decode(), (
            r"\nReceived: from client\.test \(unknown \[127\.0\.0\.1\]\)\n"
            r"\t\(using TLSv1\.3 with cipher TLS_AES_256_GCM_SHA384 \(256/256 bits\)\n"
            r"\t key-exchange X25519 server-signature RSA-PSS \(2048 bits\) "
            r"server-digest SHA256\)\n"
            r"\t\(No client certificate requested\)\n"
            r"\t\(Authenticated sender: alice\)\n"
            r"\tby %s \(Tern\) with ESMTPSA id %s\n"
            r"\tfor <alice@example\.test>; %s\n" % (re.escape(MYHOSTNAME), qid, DATE_RE)))

    def test_received_without_authenticated_header_by_default(self):
        tern = self.start_auth_tern()
        r = self.swaks_auth(tern, "LOGIN", "alice", USERS["alice"])
        qid = self.qid_of(r.stdout)
        self.assertQueueId(qid)
        msgs = tern.wait_for_maildir("alice", 1)
        self.assertNotIn(b"Authenticated sender", msgs[0])
        self.assertRegex(msgs[0].decode(),
                         r"\nReceived: from client\.test \(unknown \[127\.0\.0\.1\]\)\n"
                         r"\tby %s \(Tern\) with ESMTPSA id %s\n" % (re.escape(MYHOSTNAME), qid))

    # ---- Dovecot -------------------------------------------------------------------------

    def dovecot_tern(self, **extra):
        d = self.start_dovecot()
        tern = self.start_auth_tern(backend="dovecot", sasl_path=d.socket, **extra)
        return d, tern

    def test_dovecot_plain_and_login(self):
        d, tern = self.dovecot_tern()
        self.check_swaks_success(tern, "PLAIN")
        tern.mark = tern.log_mark()
        self.check_swaks_success(tern, "LOGIN")
        # bob's yescrypt hash, checked by Dovecot.
        r = self.swaks_auth(tern, "LOGIN", "bob", USERS["bob"], to="bob@example.test")
        self.assertEqual(r.returncode, 0, r.stdout)
        self.assertIn("<~  235 2.7.0 Authentication successful\n", r.stdout)
        msgs = tern.wait_for_maildir("alice", 2)
        self.assertEqual(len(msgs), 2)
        tern.wait_for_maildir("bob", 1)

    def test_dovecot_wrong_password(self):
        d, tern = self.dovecot_tern()
        for mech in ("PLAIN", "LOGIN"):
            mark = tern.log_mark()
            r = self.swaks_auth(tern, mech, "alice", "wrong")
            self.assertNotEqual(r.returncode, 0, r.stdout)
            m = re.search(r"(?m)^<~\* (535 .*)$", r.stdout)
            self.assertIsNotNone(m, r.stdout)
            self.assertAuthFailed(tern, m.group(1), mech, mark)
        self.assertEqual(tern.maildir_files("alice"), [])
        # Dovecot saw the failures.
        self.assertTrue(harness.wait_until(
            lambda: "alice" in d.read("dovecot.log"), 5), d.read("dovecot.log"))

    def test_dovecot_mechanisms_follow_dovecot(self):
        # Dovecot offers only LOGIN: so does EHLO, and PLAIN is an unknown mechanism.
        d = Dovecot(USERS, mechanisms="login")
        self.addCleanup(d.cleanup)
        d.start()
        tern = self.start_auth_tern(backend="dovecot", sasl_path=d.socket)
        c = self.open(tern, helo=None)
        self.assertIn("250-AUTH LOGIN", c.command("EHLO client.test"))
        self.assertEqual(c.command("AUTH PLAIN " + plain("alice", USERS["alice"])),
                         ["504 5.5.4 Unrecognized authentication type"])
        self.assertEqual(c.command("AUTH LOGIN " + b64("alice")), ["334 UGFzc3dvcmQ6"])
        self.assertEqual(c.command(b64(USERS["alice"])), AUTH_OK)

    def test_dovecot_relative_socket_under_queue_directory(self):
        # Postfix's usual "private/auth": relative to queue_directory.
        d = self.start_dovecot()
        tern = self.new_tern(main_cf=self.auth_params("dovecot", "private/auth"))
        os.makedirs(tern.path("spool", "private"), exist_ok=True)
        os.symlink(d.socket, tern.path("spool", "private", "auth"))
        tern.start()
        tern.wait_for_log(r"^disconnect from ")
        tern.mark = tern.log_mark()
        self.check_swaks_success(tern, "PLAIN")

    # ---- submission and submissions --------------------------------------------------------

    def submission_master_cf(self, sub_port, subs_port):
        return (
            "127.0.0.1:PORT inet n - n - - smtpd\n"
            "127.0.0.1:%d inet n - n - - smtpd\n"
            "  -o syslog_name=postfix/submission\n"
            "  -o smtpd_tls_security_level=encrypt\n"
            "  -o smtpd_sasl_auth_enable=yes\n"
            "  -o smtpd_tls_auth_only=yes\n"
            "  -o local_header_rewrite_clients=static:all\n"
            "  -o smtpd_reject_unlisted_recipient=no\n"
            "  -o smtpd_relay_restrictions=permit_sasl_authenticated,reject\n"
            "  -o milter_macro_daemon_name=ORIGINATING\n"
            "127.0.0.1:%d inet n - n - - smtpd\n"
            "  -o syslog_name=postfix/submissions\n"
            "  -o smtpd_tls_wrappermode=yes\n"
            "  -o smtpd_sasl_auth_enable=yes\n"
            "  -o local_header_rewrite_clients=static:all\n"
            "  -o smtpd_reject_unlisted_recipient=no\n"
            "  -o smtpd_relay_restrictions=permit_sasl_authenticated,reject\n"
            "  -o milter_macro_daemon_name=ORIGINATING\n"
            "pickup unix n - n 60 1 pickup\n"
            "cleanup unix n - n - 0 cleanup\n"
            "qmgr unix n - n 300 1 qmgr\n" % (sub_port, subs_port) + harness.DELIVERY_SERVICES)

    def submission_tern(self):
        d = self.start_dovecot()
        sub, subs = harness.free_port(), harness.free_port()
        while subs == sub:
            subs = harness.free_port()
        # main.cf: TLS may, SASL off (as a stock main.cf); master.cf turns it on.
        params = self.auth_params("dovecot", d.socket, smtpd_sasl_auth_enable="no",
                                  smtpd_tls_auth_only="no")
        tern = self.new_tern(main_cf=params, master_cf=self.submission_master_cf(sub, subs))
        tern.start()
        tern.wait_for_log(r"^disconnect from ")
        tern.mark = tern.log_mark()
        return d, tern, sub, subs

    def raw_log_lines(self, tern, prefix, since):
        rx = re.compile(r"^[A-Z][a-z]{2} [ 0-9]\d \d\d:\d\d:\d\d \S+ %s\[\d+\]: (.*)$"
                        % re.escape(prefix))
        return [m.group(1) for m in map(rx.match, tern.log_lines(since)) if m]

    def wait_raw_log(self, tern, prefix, pattern, since, timeout=10):
        rx = re.compile(pattern)
        found = harness.wait_until(
            lambda: [l for l in self.raw_log_lines(tern, prefix, since) if rx.search(l)],
            timeout)
        if not found:
            self.fail("no %s line matching %r\n%s" % (prefix, pattern, tern.evidence()))
        return found

    def test_submission_port(self):
        d, tern, sub, subs = self.submission_tern()
        # Port 25 style service: no AUTH (main.cf leaves it off), relaying refused.
        c = self.open(tern)
        self.assertEqual([l for l in c.command("EHLO client.test") if "AUTH" in l], [])
        # Submission: encrypt level, AUTH only under TLS.
        s = self.open(tern, port=sub, helo=None, tls=False)
        ehlo = s.command("EHLO client.test")
        self.assertIn("250-STARTTLS", ehlo)
        self.assertEqual([l for l in ehlo if "AUTH" in l], [])
        self.assertEqual(s.command("MAIL FROM:<alice@example.test>"),
                         ["530 5.7.0 Must issue a STARTTLS command first"])
        self.assertEqual(s.command("AUTH PLAIN " + plain("alice", USERS["alice"])),
                         ["530 5.7.0 Must issue a STARTTLS command first"])
        self.assertEqual(s.command("STARTTLS"), ["220 2.0.0 Ready to start TLS"])
        s.starttls_upgrade(client_context())
        self.assertIn("250-AUTH PLAIN LOGIN", s.command("EHLO client.test"))
        # Without AUTH nothing goes, not even local mail (permit_sasl_authenticated,reject).
        self.assertEqual(s.command("MAIL FROM:<alice@example.test>"), ["250 2.1.0 Ok"])
        # A plain `reject` in the list: Postfix's generic words.
        self.assertEqual(s.command("RCPT TO:<bob@example.test>"),
                         ["554 5.7.1 <bob@example.test>: Recipient address rejected: "
                          "Access denied"])
        self.assertEqual(s.command("RSET"), ["250 2.0.0 Ok"])
        self.assertEqual(s.command("AUTH PLAIN " + plain("alice", USERS["alice"])), AUTH_OK)
        self.assertEqual(s.command("MAIL FROM:<alice@example.test>"), ["250 2.1.0 Ok"])
        # smtpd_reject_unlisted_recipient=no: an unknown local user is accepted here.
        self.assertEqual(s.command("RCPT TO:<nosuchuser@example.test>"), ["250 2.1.5 Ok"])
        self.assertEqual(s.command("RCPT TO:<friend@remote.test>"), ["250 2.1.5 Ok"])
        self.assertEqual(s.command("RCPT TO:<bob@example.test>"), ["250 2.1.5 Ok"])
        self.assertEqual(s.command("QUIT"), ["221 2.0.0 Bye"])
        self.wait_raw_log(tern, "postfix/submission/smtpd",
                          r"^\w+: client=unknown\[127\.0\.0\.1\], sasl_method=PLAIN, "
                          r"sasl_username=alice$", tern.mark)
        self.wait_raw_log(tern, "postfix/submission/smtpd",
                          r"^NOQUEUE: reject: RCPT from unknown\[127\.0\.0\.1\]: 554 5\.7\.1 "
                          r"<bob@example\.test>: Recipient address rejected: Access denied;",
                          tern.mark)
        self.wait_raw_log(tern, "postfix/submission/smtpd",
                          r"^disconnect from unknown\[127\.0\.0\.1\] ", tern.mark)
        lines = self.raw_log_lines(tern, "postfix/submission/smtpd", tern.mark)
        self.assertEqual(lines[0], "connect from unknown[127.0.0.1]")
        # The port-25 service keeps the main.cf name.
        self.assertTrue(any(l.startswith("connect from") for l in
                            self.raw_log_lines(tern, "tern/smtpd", tern.mark)))

    def test_submission_swaks_delivery(self):
        d, tern, sub, subs = self.submission_tern()
        r = self.swaks_auth(tern, "LOGIN", "alice", USERS["alice"], to="bob@example.test",
                            port=sub)
        self.assertEqual(r.returncode, 0, r.stdout)
        qid = self.qid_of(r.stdout)
        self.assertQueueId(qid)
        msgs = tern.wait_for_maildir("bob", 1)
        self.assertIn((" with ESMTPSA id %s\n" % qid).encode(), msgs[0])
        self.wait_raw_log(tern, "postfix/submission/smtpd",
                          r"^%s: client=unknown\[127\.0\.0\.1\], sasl_method=LOGIN, "
                          r"sasl_username=alice$" % qid, tern.mark)

    def test_submissions_wrapper_port(self):
        d, tern, sub, subs = self.submission_tern()
        r = self.swaks_auth(tern, "PLAIN", "alice", USERS["alice"], to="friend@remote.test",
                            port=subs, tls="--tlsc")
        self.assertEqual(r.returncode, 0, r.stdout)
        self.assertIn("<~  220 %s ESMTP Tern\n" % MYHOSTNAME, r.stdout)
        self.assertIn("<~  250-AUTH PLAIN LOGIN\n", r.stdout)
        qid = self.qid_of(r.stdout)
        self.assertQueueId(qid)
        self.wait_raw_log(tern, "postfix/submissions/smtpd",
                          r"^%s: client=unknown\[127\.0\.0\.1\], sasl_method=PLAIN, "
                          r"sasl_username=alice$" % qid, tern.mark)
        # Wrong password on 465: 535 and the warning under the service's name.
        r = self.swaks_auth(tern, "PLAIN", "alice", "wrong", port=subs, tls="--tlsc")
        self.assertNotEqual(r.returncode, 0, r.stdout)
        m = re.search(r"(?m)^<~\* (535 .*)$", r.stdout)
        self.assertIsNotNone(m, r.stdout)
        self.wait_raw_log(tern, "postfix/submissions/smtpd",
                          r"^warning: unknown\[127\.0\.0\.1\]: SASL PLAIN authentication "
                          r"failed: %s$" % re.escape(m.group(1)[len(FAILED_PREFIX):]),
                          tern.mark)
        # Without AUTH: relay refused on 465 too.
        r = subprocess.run(
            [harness.SWAKS, "--server", "127.0.0.1:%d" % subs, "--tlsc", "--helo", "client.test",
             "--from", "alice@example.test", "--to", "bob@example.test"],
            stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
            text=True, timeout=30)
        self.assertIn("<~* 554 5.7.1 <bob@example.test>: Recipient address rejected: "
                      "Access denied\n", r.stdout)


if __name__ == "__main__":
    unittest.main()
