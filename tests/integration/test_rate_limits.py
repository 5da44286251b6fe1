"""Client rate limits through a running ternd, Postfix's anvil(8) semantics inside smtpd:
smtpd_client_message_rate_limit, _recipient_rate_limit, _new_tls_session_rate_limit,
_auth_rate_limit and _connection_rate_limit, each per anvil_rate_time_unit and per client
address; smtpd_client_event_limit_exceptions (default $mynetworks) exempts clients, which
are then not counted at all; anvil_status_update_time logs the highest counts.

Each client is bound to its own 127.0.0.x address (mynetworks is 127.0.0.1/32 in the
harness). Expected replies and warnings are Postfix's.
"""

import re
import ssl
import unittest

import harness
from harness import SmtpSocket, TernTestCase, TestPki, session

harness.PORT_RANGE = (25600, 25699)

WARNING_SUFFIX = r" for service \S+$"


def client_context():
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE
    return ctx


class RateLimitTest(TernTestCase):

    def open(self, tern, source, helo="client.test"):
        c = session(tern.port, source=source, helo=helo)
        self.addCleanup(c.close)
        return c

    def mail(self, c):
        reply = c.command("MAIL FROM:<sender@example.org>")
        if reply == ["250 2.1.0 Ok"]:
            self.assertEqual(c.command("RSET"), ["250 2.0.0 Ok"])
        return reply

    # ---- MAIL -------------------------------------------------------------------------

    def test_message_rate_limit(self):
        tern = self.start_tern(main_cf={"smtpd_client_message_rate_limit": "2",
                                        "smtpd_client_event_limit_exceptions": ""})
        c = self.open(tern, "127.0.0.5")
        self.assertEqual(self.mail(c), ["250 2.1.0 Ok"])
        self.assertEqual(self.mail(c), ["250 2.1.0 Ok"])
        self.assertEqual(self.mail(c), ["450 4.7.1 Error: too much mail from 127.0.0.5"])
        tern.wait_for_log(r"^warning: Message delivery request rate limit exceeded: 3 from "
                          r"unknown\[127\.0\.0\.5\]" + WARNING_SUFFIX, since=tern.mark)
        # The count is the client's, not the connection's.
        again = self.open(tern, "127.0.0.5")
        self.assertEqual(self.mail(again), ["450 4.7.1 Error: too much mail from 127.0.0.5"])
        # Another address has its own.
        other = self.open(tern, "127.0.0.6")
        self.assertEqual(self.mail(other), ["250 2.1.0 Ok"])

    def test_a_new_time_unit_starts_over(self):
        tern = self.start_tern(main_cf={"smtpd_client_message_rate_limit": "1",
                                        "anvil_rate_time_unit": "2s",
                                        "smtpd_client_event_limit_exceptions": ""})
        c = self.open(tern, "127.0.0.12")
        self.assertEqual(self.mail(c), ["250 2.1.0 Ok"])
        self.assertEqual(self.mail(c), ["450 4.7.1 Error: too much mail from 127.0.0.12"])
        self.assertTrue(harness.wait_until(lambda: self.mail(c) == ["250 2.1.0 Ok"], 6, interval=0.5))

    # ---- RCPT -------------------------------------------------------------------------

    def test_recipient_rate_limit(self):
        tern = self.start_tern(main_cf={"smtpd_client_recipient_rate_limit": "3",
                                        "smtpd_client_event_limit_exceptions": ""})
        c = self.open(tern, "127.0.0.5")
        self.assertEqual(c.command("MAIL FROM:<sender@example.org>"), ["250 2.1.0 Ok"])
        for rcpt in ("alice", "bob", "postmaster"):
            self.assertEqual(c.command("RCPT TO:<%s@example.test>" % rcpt), ["250 2.1.5 Ok"], rcpt)
        self.assertEqual(c.command("RCPT TO:<alice+x@example.test>"),
                         ["450 4.7.1 Error: too many recipients from 127.0.0.5"])
        tern.wait_for_log(r"^warning: Recipient address rate limit exceeded: 4 from "
                          r"unknown\[127\.0\.0\.5\]" + WARNING_SUFFIX, since=tern.mark)
        # The accepted recipients still get the message.
        self.assertEqual(c.command("DATA")[0][:3], "354")
        c.send(b"Subject: rate\r\n\r\nhello\r\n.\r\n")
        self.assertTrue(c.reply()[0].startswith("250 2.0.0 Ok: queued as "))

    # ---- exemptions -------------------------------------------------------------------

    def test_listed_clients_are_exempt(self):
        tern = self.start_tern(main_cf={"smtpd_client_message_rate_limit": "1",
                                        "smtpd_client_recipient_rate_limit": "1",
                                        "smtpd_client_event_limit_exceptions": "127.0.0.7/32, 127.0.1.0/24"})
        for source in ("127.0.0.7", "127.0.1.9"):
            c = self.open(tern, source)
            for i in range(4):
                self.assertEqual(c.command("MAIL FROM:<sender@example.org>"), ["250 2.1.0 Ok"], (source, i))
                self.assertEqual(c.command("RCPT TO:<alice@example.test>"), ["250 2.1.5 Ok"], (source, i))
                self.assertEqual(c.command("RSET"), ["250 2.0.0 Ok"])
        c = self.open(tern, "127.0.0.8")
        self.assertEqual(self.mail(c), ["250 2.1.0 Ok"])
        self.assertEqual(self.mail(c), ["450 4.7.1 Error: too much mail from 127.0.0.8"])
        self.assertNotRegex(tern.log_text(since=tern.mark), r"from unknown\[127\.0\.(0\.7|1\.9)\] for service")

    def test_mynetworks_is_exempt_by_default(self):
        tern = self.start_tern(main_cf={"smtpd_client_message_rate_limit": "1"})
        inside = self.open(tern, "127.0.0.1")
        for i in range(3):
            self.assertEqual(self.mail(inside), ["250 2.1.0 Ok"], i)
        outside = self.open(tern, "127.0.0.9")
        self.assertEqual(self.mail(outside), ["250 2.1.0 Ok"])
        self.assertEqual(self.mail(outside), ["450 4.7.1 Error: too much mail from 127.0.0.9"])

    def test_exempt_clients_pass_the_connection_rate_limit(self):
        tern = self.start_tern(main_cf={"smtpd_client_connection_rate_limit": "1",
                                        "smtpd_client_event_limit_exceptions": "127.0.0.1, 127.0.0.10"})
        for i in range(3):
            c = self.open(tern, "127.0.0.10")
            self.assertEqual(c.command("QUIT"), ["221 2.0.0 Bye"], i)
        self.open(tern, "127.0.0.11").command("QUIT")
        refused = SmtpSocket(tern.port, source="127.0.0.11")
        self.addCleanup(refused.close)
        self.assertEqual(refused.reply(), [
            "421 4.7.0 %s Error: too many connections from 127.0.0.11" % harness.MYHOSTNAME])

    # ---- STARTTLS ---------------------------------------------------------------------

    def tls_tern(self, **extra):
        pki_dir = harness.tempfile.mkdtemp(prefix="tern-pki-")
        self.addCleanup(harness.shutil.rmtree, pki_dir, True)
        cert, key = TestPki(pki_dir).issue("rsa", "rsa", org="Tern RSA")
        params = {"smtpd_tls_security_level": "may", "smtpd_tls_cert_file": cert,
                  "smtpd_tls_key_file": key, "smtpd_client_event_limit_exceptions": ""}
        params.update(extra)
        return self.start_tern(main_cf=params)

    def test_new_tls_session_rate_limit(self):
        tern = self.tls_tern(smtpd_client_new_tls_session_rate_limit="2")
        for i in range(2):
            c = self.open(tern, "127.0.0.13")
            self.assertEqual(c.command("STARTTLS"), ["220 2.0.0 Ready to start TLS"], i)
            c.starttls_upgrade(client_context())
            self.assertEqual(c.command("EHLO client.test")[0][:4], "250-")
            self.assertEqual(c.command("QUIT"), ["221 2.0.0 Bye"])
        c = self.open(tern, "127.0.0.13")
        self.assertEqual(c.command("STARTTLS"),
                         ["454 4.7.0 Error: too many new TLS sessions from 127.0.0.13"])
        # The session goes on in plaintext.
        self.assertEqual(self.mail(c), ["250 2.1.0 Ok"])
        tern.wait_for_log(r"^warning: Refusing STARTTLS request from unknown\[127\.0\.0\.13\]"
                          + WARNING_SUFFIX, since=tern.mark)
        other = self.open(tern, "127.0.0.14")
        self.assertEqual(other.command("STARTTLS"), ["220 2.0.0 Ready to start TLS"])

    # ---- AUTH -------------------------------------------------------------------------

    def test_auth_rate_limit(self):
        from test_auth import sha512_crypt
        tern = self.new_tern(main_cf={"smtpd_sasl_auth_enable": "yes", "smtpd_sasl_type": "tern",
                                      "smtpd_sasl_path": "sasl_passwd", "smtpd_tls_auth_only": "no",
                                      "smtpd_client_auth_rate_limit": "2",
                                      "smtpd_client_event_limit_exceptions": ""})
        tern.write_file("sasl_passwd", "alice:%s\n" % sha512_crypt("alice-secret"))
        tern.start()
        tern.wait_for_log(r"^disconnect from ")
        tern.mark = tern.log_mark()
        plain = "AUTH PLAIN AGFsaWNlAGFsaWNlLXNlY3JldA=="  # \0alice\0alice-secret
        for i in range(2):
            c = self.open(tern, "127.0.0.15")
            self.assertEqual(c.command(plain), ["235 2.7.0 Authentication successful"], i)
            c.command("QUIT")
        c = self.open(tern, "127.0.0.15")
        self.assertEqual(c.command(plain), ["450 4.7.1 Error: too many AUTH commands from 127.0.0.15"])
        tern.wait_for_log(r"^warning: AUTH command rate limit exceeded: 3 from "
                          r"unknown\[127\.0\.0\.15\]" + WARNING_SUFFIX, since=tern.mark)

    # ---- statistics -------------------------------------------------------------------

    def test_status_update_logs_the_highest_counts(self):
        tern = self.start_tern(main_cf={"anvil_status_update_time": "2s",
                                        "smtpd_client_event_limit_exceptions": "127.0.0.1"})
        a = self.open(tern, "127.0.0.16")
        b = self.open(tern, "127.0.0.16")
        self.assertEqual(self.mail(a), ["250 2.1.0 Ok"])
        self.assertEqual(b.command("QUIT"), ["221 2.0.0 Bye"])
        at = r" at [A-Z][a-z]{2} [ 123]\d \d\d:\d\d:\d\d$"
        who = r"\(\S+:127\.0\.0\.16\)"
        tern.wait_for_log(r"^statistics: max connection rate 2/60s for " + who + at, since=tern.mark, timeout=15)
        tern.wait_for_log(r"^statistics: max connection count 2 for " + who + at, since=tern.mark)
        tern.wait_for_log(r"^statistics: max message rate 1/60s for " + who + at, since=tern.mark)
        tern.wait_for_log(r"^statistics: max cache size 1" + at, since=tern.mark)
        entries = [e for e in tern.log_entries(since=tern.mark) if e["text"].startswith("statistics: ")]
        self.assertTrue(all(e["service"] == "anvil" for e in entries), entries)


if __name__ == "__main__":
    unittest.main()
