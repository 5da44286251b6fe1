"""The restriction language through a running ternd: each stage at its command with
smtpd_delay_reject = yes and = no, smtpd_data_restrictions and
smtpd_end_of_data_restrictions, restriction classes, warn_if_reject, defer_if_permit,
the dry run, soft_bounce, the access actions that change the message (PREPEND, HOLD,
DISCARD, REDIRECT, BCC), defer_if_reject, reject_unlisted_sender, and the client
certificate words check_ccert_access and permit_tls_clientcerts (STARTTLS with a
certificate from a throw-away CA, tables keyed by its SHA-256 fingerprint).

Clients bind to addresses in 127.0.0.0/8 (mynetworks is 127.0.0.1/32 in the harness, so
127.0.0.2 and up are outside clients). Replies and log lines are Postfix's.
"""

import os
import re
import ssl
import time
import unittest
import uuid

import harness
from harness import QUEUED_RE, SmtpSocket, TernTestCase, TestPki, make_message

harness.PORT_RANGE = (25000, 25099)

OUTSIDE = "127.0.0.2"
REFUSED = "127.0.0.7"
CLIENT_DENIED = "554 5.7.1 <unknown[127.0.0.7]>: Client host rejected: Access denied"


def crlf(text):
    return text.replace("\n", "\r\n").encode("utf-8")


class RestrictionsTest(TernTestCase):

    def open(self, tern, source=OUTSIDE):
        c = SmtpSocket(tern.port, source=source)
        self.addCleanup(c.close)
        return c

    def greeted(self, tern, source=OUTSIDE, helo="client.test"):
        c = self.open(tern, source)
        self.assertEqual(c.reply()[0][:4], "220 ")
        self.assertEqual(c.command("EHLO %s" % helo)[-1][:4], "250 ")
        return c

    def send_data(self, c, message):
        self.assertEqual(c.command("DATA"), ["354 End data with <CR><LF>.<CR><LF>"])
        c.send(crlf(message) + b".\r\n")
        return c.reply()

    def deliver(self, tern, sender, rcpts, source=OUTSIDE):
        c = self.greeted(tern, source)
        self.assertEqual(c.command("MAIL FROM:<%s>" % sender), ["250 2.1.0 Ok"])
        for r in rcpts:
            self.assertEqual(c.command("RCPT TO:<%s>" % r), ["250 2.1.5 Ok"])
        token = uuid.uuid4().hex
        reply = self.send_data(c, make_message(token, sender=sender, to=rcpts[0]))
        self.assertRegex(reply[0], QUEUED_RE)
        self.assertEqual(c.command("QUIT"), ["221 2.0.0 Bye"])
        return QUEUED_RE.match(reply[0]).group(1), token

    # ---- the client stage --------------------------------------------------------------

    CLIENT = {"smtpd_client_restrictions": "check_client_access inline:{ 127.0.0.7=REJECT }"}

    def test_client_with_delay_reject_is_refused_at_each_rcpt(self):
        tern = self.start_tern(main_cf=self.CLIENT)
        c = self.greeted(tern, REFUSED)
        self.assertEqual(c.command("MAIL FROM:<s@example.org>"), ["250 2.1.0 Ok"])
        self.assertEqual(c.command("RCPT TO:<alice@example.test>"), [CLIENT_DENIED])
        self.assertEqual(c.command("RCPT TO:<bob@example.test>"), [CLIENT_DENIED])
        tern.wait_for_log(r"^NOQUEUE: reject: RCPT from unknown\[127\.0\.0\.7\]: " + re.escape(CLIENT_DENIED) +
                          r"; from=<s@example\.org> to=<bob@example\.test> proto=ESMTP helo=<client\.test>$",
                          since=tern.mark)
        # Other clients are not affected.
        c = self.greeted(tern)
        self.assertEqual(c.command("MAIL FROM:<s@example.org>"), ["250 2.1.0 Ok"])
        self.assertEqual(c.command("RCPT TO:<alice@example.test>"), ["250 2.1.5 Ok"])

    def test_client_without_delay_reject_is_refused_at_connect(self):
        tern = self.start_tern(main_cf=dict(self.CLIENT, smtpd_delay_reject="no"))
        c = self.open(tern, REFUSED)
        self.assertEqual(c.reply(), [CLIENT_DENIED])
        self.assertEqual(c.command("EHLO client.test"),
                         ["503 5.7.0 Error: access denied for unknown[127.0.0.7]"])
        self.assertEqual(c.command("MAIL FROM:<s@example.org>"),
                         ["503 5.7.0 Error: access denied for unknown[127.0.0.7]"])
        self.assertEqual(c.command("QUIT"), ["221 2.0.0 Bye"])
        tern.wait_for_log(r"^NOQUEUE: reject: CONNECT from unknown\[127\.0\.0\.7\]: " + re.escape(CLIENT_DENIED) +
                          r"; proto=SMTP$", since=tern.mark)

    # ---- HELO and MAIL -----------------------------------------------------------------

    HELO_SENDER = {
        "smtpd_helo_restrictions": "check_helo_access inline:{ evil.test=REJECT }",
        "smtpd_sender_restrictions": "check_sender_access inline:{ spam.test=REJECT }",
    }

    def test_helo_and_sender_without_delay_reject(self):
        tern = self.start_tern(main_cf=dict(self.HELO_SENDER, smtpd_delay_reject="no"))
        c = self.open(tern)
        c.reply()
        self.assertEqual(c.command("EHLO evil.test"),
                         ["554 5.7.1 <evil.test>: Helo command rejected: Access denied"])
        tern.wait_for_log(r"^NOQUEUE: reject: EHLO from unknown\[127\.0\.0\.2\]: 554 5\.7\.1 <evil\.test>: "
                          r"Helo command rejected: Access denied; proto=SMTP helo=<evil\.test>$", since=tern.mark)
        self.assertEqual(c.command("EHLO good.test")[-1][:4], "250 ")
        self.assertEqual(c.command("MAIL FROM:<x@spam.test>"),
                         ["554 5.7.1 <x@spam.test>: Sender address rejected: Access denied"])
        tern.wait_for_log(r"^NOQUEUE: reject: MAIL from unknown\[127\.0\.0\.2\]: 554 5\.7\.1 <x@spam\.test>: "
                          r"Sender address rejected: Access denied; from=<x@spam\.test> proto=ESMTP "
                          r"helo=<good\.test>$", since=tern.mark)
        self.assertEqual(c.command("RCPT TO:<alice@example.test>"), ["503 5.5.1 Error: need MAIL command"])

    def test_helo_and_sender_with_delay_reject_wait_for_rcpt(self):
        tern = self.start_tern(main_cf=self.HELO_SENDER)
        c = self.greeted(tern, helo="evil.test")
        self.assertEqual(c.command("MAIL FROM:<x@spam.test>"), ["250 2.1.0 Ok"])
        self.assertEqual(c.command("RCPT TO:<alice@example.test>"),
                         ["554 5.7.1 <evil.test>: Helo command rejected: Access denied"])
        c = self.greeted(tern)
        self.assertEqual(c.command("MAIL FROM:<x@spam.test>"), ["250 2.1.0 Ok"])
        self.assertEqual(c.command("RCPT TO:<alice@example.test>"),
                         ["554 5.7.1 <x@spam.test>: Sender address rejected: Access denied"])

    # ---- DATA and end of data ----------------------------------------------------------

    def test_data_restrictions(self):
        tern = self.start_tern(main_cf={"smtpd_data_restrictions": "reject_multi_recipient_bounce"})
        c = self.greeted(tern)
        self.assertEqual(c.command("MAIL FROM:<>"), ["250 2.1.0 Ok"])
        self.assertEqual(c.command("RCPT TO:<alice@example.test>"), ["250 2.1.5 Ok"])
        self.assertEqual(c.command("RCPT TO:<bob@example.test>"), ["250 2.1.5 Ok"])
        self.assertEqual(c.command("DATA"), ["550 5.5.3 <>: Sender address rejected: Multi-recipient bounce"])
        tern.wait_for_log(r"^\w+: reject: DATA from unknown\[127\.0\.0\.2\]: 550 5\.5\.3 <>: Sender address "
                          r"rejected: Multi-recipient bounce; from=<> proto=ESMTP helo=<client\.test>$",
                          since=tern.mark)

    def test_end_of_data_restrictions(self):
        tern = self.start_tern(main_cf={
            "smtpd_end_of_data_restrictions": "check_sender_access inline:{ late.test=REJECT }"})
        c = self.greeted(tern)
        self.assertEqual(c.command("MAIL FROM:<x@late.test>"), ["250 2.1.0 Ok"])
        self.assertEqual(c.command("RCPT TO:<alice@example.test>"), ["250 2.1.5 Ok"])
        reply = self.send_data(c, make_message("eod", sender="x@late.test"))
        self.assertEqual(reply, ["554 5.7.1 <x@late.test>: Sender address rejected: Access denied"])
        tern.wait_for_log(r"^\w+: reject: END-OF-MESSAGE from unknown\[127\.0\.0\.2\]: 554 5\.7\.1 "
                          r"<x@late\.test>: Sender address rejected: Access denied; from=<x@late\.test> "
                          r"to=<alice@example\.test> proto=ESMTP helo=<client\.test>$", since=tern.mark)
        # The session goes on; other senders are delivered.
        self.assertEqual(c.command("MAIL FROM:<x@example.org>"), ["250 2.1.0 Ok"])
        self.assertEqual(c.command("RCPT TO:<alice@example.test>"), ["250 2.1.5 Ok"])
        self.assertRegex(self.send_data(c, make_message("fine"))[0], QUEUED_RE)
        tern.wait_for_maildir("alice", 1)

    # ---- classes, warn_if_reject, defer_if_permit, dry run, soft_bounce ----------------

    def test_restriction_classes(self):
        tern = self.start_tern(main_cf={
            "smtpd_restriction_classes": "strict, lenient",
            "strict": "reject_non_fqdn_sender, reject",
            "lenient": "permit",
            "smtpd_recipient_restrictions":
                "check_recipient_access inline:{ alice@example.test=strict, bob@example.test=lenient }"})
        c = self.greeted(tern)
        self.assertEqual(c.command("MAIL FROM:<x@example.org>"), ["250 2.1.0 Ok"])
        self.assertEqual(c.command("RCPT TO:<alice@example.test>"),
                         ["554 5.7.1 <alice@example.test>: Recipient address rejected: Access denied"])
        self.assertEqual(c.command("RCPT TO:<bob@example.test>"), ["250 2.1.5 Ok"])
        self.assertNotIn("unused parameter: strict", tern.log_text())

    def test_bad_class_is_a_startup_error(self):
        tern = self.new_tern(main_cf={"smtpd_restriction_classes": "nowhere"})
        r = tern.check_config()
        self.assertEqual(r.returncode, 1, r)
        self.assertIn("class nowhere has no definition", r.stderr + r.stdout)

    def test_warn_if_reject_logs_and_accepts(self):
        tern = self.start_tern(main_cf={"smtpd_recipient_restrictions": "warn_if_reject, reject_non_fqdn_sender"})
        c = self.greeted(tern)
        self.assertEqual(c.command("MAIL FROM:<x@nodot>"), ["250 2.1.0 Ok"])
        self.assertEqual(c.command("RCPT TO:<alice@example.test>"), ["250 2.1.5 Ok"])
        tern.wait_for_log(r"^NOQUEUE: reject_warning: RCPT from unknown\[127\.0\.0\.2\]: 504 5\.5\.2 <x@nodot>: "
                          r"Sender address rejected: need fully-qualified address; from=<x@nodot> "
                          r"to=<alice@example\.test> proto=ESMTP helo=<client\.test>$", since=tern.mark)

    def test_defer_if_permit(self):
        tern = self.start_tern(main_cf={
            "smtpd_recipient_restrictions": "check_sender_access inline:{ {grey.test = DEFER_IF_PERMIT later} }, "
                                            "permit_auth_destination, reject"})
        c = self.greeted(tern)
        self.assertEqual(c.command("MAIL FROM:<x@grey.test>"), ["250 2.1.0 Ok"])
        self.assertEqual(c.command("RCPT TO:<alice@example.test>"),
                         ["450 4.7.1 <x@grey.test>: Sender address rejected: later"])
        # A reject wins over the deferral.
        self.assertEqual(c.command("RCPT TO:<someone@elsewhere.test>"),
                         ["554 5.7.1 <someone@elsewhere.test>: Relay access denied"])

    def test_dry_run_accepts_and_logs(self):
        tern = self.start_tern(main_cf=dict(self.CLIENT, smtpd_restriction_dry_run="yes"))
        self.deliver(tern, "x@example.org", ["alice@example.test"], source=REFUSED)
        tern.wait_for_log(r"^NOQUEUE: reject_warning: RCPT from unknown\[127\.0\.0\.7\]: " + re.escape(CLIENT_DENIED),
                          since=tern.mark)
        tern.wait_for_maildir("alice", 1)

    def test_soft_bounce_defers(self):
        tern = self.start_tern(main_cf=dict(self.CLIENT, soft_bounce="yes"))
        c = self.greeted(tern, REFUSED)
        self.assertEqual(c.command("MAIL FROM:<x@example.org>"), ["250 2.1.0 Ok"])
        self.assertEqual(c.command("RCPT TO:<alice@example.test>"),
                         ["454 4.7.1 <unknown[127.0.0.7]>: Client host rejected: Access denied"])

    # ---- actions on the message --------------------------------------------------------

    def _actions_tern(self):
        tern = self.new_tern(main_cf={"smtpd_sender_restrictions": "check_sender_access texthash:sender_actions"})
        tern.write_file("sender_actions",
                        "prepend@example.org PREPEND X-Tern-Tag: tagged by the sender table\n"
                        "hold@example.org HOLD\n"
                        "discard@example.org DISCARD\n"
                        "redirect@example.org REDIRECT bob@example.test\n"
                        "bcc@example.org BCC bob@example.test\n"
                        "filter@example.org FILTER discard:filtered by the access table\n")
        tern.start()
        tern.wait_for_log(r"^disconnect from ")
        tern.mark = tern.log_mark()
        return tern

    def test_prepend(self):
        tern = self._actions_tern()
        _, token = self.deliver(tern, "prepend@example.org", ["alice@example.test"])
        msg = tern.wait_for_maildir("alice", 1)[0].decode()
        self.assertIn(token, msg)
        headers = msg.split("\n\n", 1)[0]
        self.assertRegex(headers, r"\nX-Tern-Tag: tagged by the sender table\nReceived: from ")

    def test_hold(self):
        tern = self._actions_tern()
        qid, _ = self.deliver(tern, "hold@example.org", ["alice@example.test"])
        self.assertTrue(harness.wait_until(lambda: qid in tern.queue_files("hold"), 10), tern.evidence())
        tern.wait_for_log(r"^NOQUEUE: hold: RCPT from unknown\[127\.0\.0\.2\]: <hold@example\.org>: Sender address "
                          r"triggers HOLD action; from=<hold@example\.org> to=<alice@example\.test> proto=ESMTP "
                          r"helo=<client\.test>$", since=tern.mark)

    def test_action_of_a_refused_recipient_does_not_apply(self):
        tern = self.start_tern(main_cf={
            "smtpd_recipient_restrictions": "check_recipient_access inline:{ nobody@example.test=HOLD }"})
        c = self.greeted(tern)
        self.assertEqual(c.command("MAIL FROM:<x@example.org>"), ["250 2.1.0 Ok"])
        self.assertEqual(c.command("RCPT TO:<nobody@example.test>"), [
            "550 5.1.1 <nobody@example.test>: Recipient address rejected: User unknown in local recipient table"])
        self.assertEqual(c.command("RCPT TO:<alice@example.test>"), ["250 2.1.5 Ok"])
        self.assertRegex(self.send_data(c, make_message("not-held"))[0], QUEUED_RE)
        self.assertIn(b"not-held", tern.wait_for_maildir("alice", 1)[0])

    def test_discard(self):
        tern = self._actions_tern()
        self.deliver(tern, "discard@example.org", ["alice@example.test"])
        tern.wait_for_log(r"^NOQUEUE: discard: RCPT from unknown\[127\.0\.0\.2\]: <discard@example\.org>: ",
                          since=tern.mark)
        self.deliver(tern, "x@example.org", ["alice@example.test"])
        tern.wait_for_maildir("alice", 1)
        time.sleep(0.5)
        self.assertEqual(len(tern.maildir_files("alice")), 1)

    def test_redirect(self):
        tern = self._actions_tern()
        _, token = self.deliver(tern, "redirect@example.org", ["alice@example.test"])
        msg = tern.wait_for_maildir("bob", 1)[0].decode()
        self.assertIn(token, msg)
        tern.wait_for_log(r"^NOQUEUE: redirect: RCPT from unknown\[127\.0\.0\.2\]: <redirect@example\.org>: "
                          r"Sender address triggers REDIRECT bob@example\.test; ", since=tern.mark)
        time.sleep(0.5)
        self.assertEqual(tern.maildir_files("alice"), [])

    def test_helo_stage_action_without_delay_reject_holds_for_the_session(self):
        tern = self.start_tern(main_cf={
            "smtpd_delay_reject": "no",
            "smtpd_helo_restrictions": "check_helo_access inline:{ {tagged.test = PREPEND X-Helo: tagged} }"})
        c = self.open(tern)
        c.reply()
        self.assertEqual(c.command("EHLO first.test")[-1][:4], "250 ")
        self.assertEqual(c.command("EHLO tagged.test")[-1][:4], "250 ")
        for token in ("one", "two"):
            self.assertEqual(c.command("MAIL FROM:<x@example.org>"), ["250 2.1.0 Ok"])
            self.assertEqual(c.command("RCPT TO:<alice@example.test>"), ["250 2.1.5 Ok"])
            self.assertRegex(self.send_data(c, make_message(token))[0], QUEUED_RE)
        for msg in tern.wait_for_maildir("alice", 2):
            self.assertIn("\nX-Helo: tagged\nReceived: from tagged.test", msg.decode())

    def test_filter(self):
        tern = self._actions_tern()
        qid, _ = self.deliver(tern, "filter@example.org", ["alice@example.test", "bob@example.test"])
        tern.wait_for_log(r"^NOQUEUE: filter: RCPT from unknown\[127\.0\.0\.2\]: <filter@example\.org>: Sender "
                          r"address triggers FILTER discard:filtered by the access table; ", since=tern.mark)
        for rcpt in ("alice", "bob"):
            tern.wait_for_log(r"^%s: to=<%s@example\.test>, relay=none, .*status=sent \(filtered by the access "
                              r"table\)" % (qid, rcpt), since=tern.mark)
        self.assertEqual(tern.maildir_files("alice"), [])

    def test_bcc(self):
        tern = self._actions_tern()
        _, token = self.deliver(tern, "bcc@example.org", ["alice@example.test"])
        self.assertIn(token, tern.wait_for_maildir("alice", 1)[0].decode())
        self.assertIn(token, tern.wait_for_maildir("bob", 1)[0].decode())


    # ---- defer_if_reject, reject_unlisted_sender -----------------------------------------

    def test_defer_if_reject_turns_a_later_reject_into_450(self):
        tern = self.start_tern(main_cf={
            "smtpd_recipient_restrictions": "defer_if_reject, check_sender_access inline:{ spam.test=REJECT }, "
                                            "permit_auth_destination, reject"})
        c = self.greeted(tern)
        self.assertEqual(c.command("MAIL FROM:<x@spam.test>"), ["250 2.1.0 Ok"])
        self.assertEqual(c.command("RCPT TO:<alice@example.test>"),
                         ["450 4.7.0 <alice@example.test>: Recipient address rejected: defer_if_reject requested"])
        tern.wait_for_log(r"^NOQUEUE: reject: RCPT from unknown\[127\.0\.0\.2\]: 450 4\.7\.0 <alice@example\.test>: "
                          r"Recipient address rejected: defer_if_reject requested; from=<x@spam\.test> "
                          r"to=<alice@example\.test> proto=ESMTP helo=<client\.test>$", since=tern.mark)
        # Without a reject after it the word changes nothing.
        self.assertEqual(c.command("RSET"), ["250 2.0.0 Ok"])
        self.assertEqual(c.command("MAIL FROM:<x@example.org>"), ["250 2.1.0 Ok"])
        self.assertEqual(c.command("RCPT TO:<alice@example.test>"), ["250 2.1.5 Ok"])

    def test_reject_without_defer_if_reject_stays_permanent(self):
        tern = self.start_tern(main_cf={
            "smtpd_recipient_restrictions": "check_sender_access inline:{ spam.test=REJECT }, defer_if_reject, "
                                            "permit_auth_destination, reject"})
        c = self.greeted(tern)
        self.assertEqual(c.command("MAIL FROM:<x@spam.test>"), ["250 2.1.0 Ok"])
        self.assertEqual(c.command("RCPT TO:<alice@example.test>"),
                         ["554 5.7.1 <x@spam.test>: Sender address rejected: Access denied"])

    def test_reject_unlisted_sender(self):
        tern = self.start_tern(main_cf={"smtpd_sender_restrictions": "reject_unlisted_sender"})
        c = self.greeted(tern)
        self.assertEqual(c.command("MAIL FROM:<nobody@example.test>"), ["250 2.1.0 Ok"])
        # Postfix's enhanced status for an unlisted sender is 5.1.0 (5.1.1 is a recipient's).
        reply = c.command("RCPT TO:<alice@example.test>")
        self.assertEqual(len(reply), 1, reply)
        self.assertRegex(reply[0], r"^550 5\.1\.0 <nobody@example\.test>: Sender address rejected: "
                                   r"User unknown in local recipient table$")
        tern.wait_for_log(r"^NOQUEUE: reject: RCPT from unknown\[127\.0\.0\.2\]: 550 5\.1\.0 <nobody@example\.test>: "
                          r"Sender address rejected: User unknown in local recipient table; "
                          r"from=<nobody@example\.test> to=<alice@example\.test> proto=ESMTP helo=<client\.test>$",
                          since=tern.mark)
        # A listed sender in our domain and a sender elsewhere pass.
        self.deliver(tern, "bob@example.test", ["alice@example.test"])
        self.deliver(tern, "x@example.org", ["alice@example.test"])
        tern.wait_for_maildir("alice", 2)

    # ---- client certificates -------------------------------------------------------------

    def _pki(self):
        pki_dir = harness.tempfile.mkdtemp(prefix="tern-pki-")
        os.chmod(pki_dir, 0o755)
        self.addCleanup(harness.shutil.rmtree, pki_dir, True)
        return TestPki(pki_dir)

    @staticmethod
    def _fingerprint(cert):
        out = harness._openssl("x509", "-in", cert, "-noout", "-fingerprint", "-sha256")
        return out.strip().split("=", 1)[1]

    def _ccert_tern(self, pki, **restrictions):
        cert, key = pki.issue("server", "rsa")
        params = {"smtpd_tls_security_level": "may", "smtpd_tls_cert_file": cert, "smtpd_tls_key_file": key,
                  "smtpd_tls_ask_ccert": "yes", "smtpd_tls_CAfile": pki.ca_cert,
                  "smtpd_tls_fingerprint_digest": "sha256"}
        params.update(restrictions)
        return self.start_tern(main_cf=params)

    def tls_greeted(self, tern, client_cert=None):
        c = self.greeted(tern)
        self.assertEqual(c.command("STARTTLS"), ["220 2.0.0 Ready to start TLS"])
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
        ctx.check_hostname = False
        ctx.verify_mode = ssl.CERT_NONE
        if client_cert:
            ctx.load_cert_chain(*client_cert)
        c.starttls_upgrade(ctx)
        self.assertEqual(c.command("EHLO client.test")[-1][:4], "250 ")
        return c

    def test_check_ccert_access(self):
        pki = self._pki()
        known = pki.issue("known", hostname="known.client.test")
        other = pki.issue("other", hostname="other.client.test")
        tern = self._ccert_tern(pki, smtpd_client_restrictions=(
            "check_ccert_access inline:{ {%s = REJECT certificate refused} }" % self._fingerprint(known[0])))
        c = self.tls_greeted(tern, known)
        self.assertEqual(c.command("MAIL FROM:<x@example.org>"), ["250 2.1.0 Ok"])
        self.assertEqual(c.command("RCPT TO:<alice@example.test>"),
                         ["554 5.7.1 <unknown[127.0.0.2]>: Client host rejected: certificate refused"])
        # proto= is left open: Tern logs ESMTPS after STARTTLS (open question for the lead).
        tern.wait_for_log(r"^NOQUEUE: reject: RCPT from unknown\[127\.0\.0\.2\]: 554 5\.7\.1 <unknown\[127\.0\.0\.2\]>: "
                          r"Client host rejected: certificate refused; from=<x@example\.org> "
                          r"to=<alice@example\.test> proto=\w+ helo=<client\.test>$", since=tern.mark)
        # Another certificate, or none, is not in the table.
        for cert in (other, None):
            c = self.tls_greeted(tern, cert)
            self.assertEqual(c.command("MAIL FROM:<x@example.org>"), ["250 2.1.0 Ok"])
            self.assertEqual(c.command("RCPT TO:<alice@example.test>"), ["250 2.1.5 Ok"])

    def test_permit_tls_clientcerts_relays_for_a_listed_certificate(self):
        pki = self._pki()
        known = pki.issue("known", hostname="known.client.test")
        other = pki.issue("other", hostname="other.client.test")
        tern = self._ccert_tern(pki, relay_clientcerts="inline:{ {%s = relay} }" % self._fingerprint(known[0]),
                                smtpd_relay_restrictions="permit_mynetworks, permit_tls_clientcerts, "
                                                         "reject_unauth_destination")
        c = self.tls_greeted(tern, known)
        self.assertEqual(c.command("MAIL FROM:<x@example.org>"), ["250 2.1.0 Ok"])
        self.assertEqual(c.command("RCPT TO:<someone@elsewhere.test>"), ["250 2.1.5 Ok"])
        for cert in (other, None):
            c = self.tls_greeted(tern, cert)
            self.assertEqual(c.command("MAIL FROM:<x@example.org>"), ["250 2.1.0 Ok"])
            self.assertEqual(c.command("RCPT TO:<someone@elsewhere.test>"),
                             ["554 5.7.1 <someone@elsewhere.test>: Relay access denied"])
            self.assertEqual(c.command("RCPT TO:<alice@example.test>"), ["250 2.1.5 Ok"])
        # Without TLS at all: refused as well.
        c = self.greeted(tern)
        self.assertEqual(c.command("MAIL FROM:<x@example.org>"), ["250 2.1.0 Ok"])
        self.assertEqual(c.command("RCPT TO:<someone@elsewhere.test>"),
                         ["554 5.7.1 <someone@elsewhere.test>: Relay access denied"])


if __name__ == "__main__":
    unittest.main()
