"""header_checks, mime_header_checks, nested_header_checks and body_checks through a
running ternd (issue 10): smtplib and swaks send, the mail log, the Maildirs and
postqueue -j show what each action did.

  REJECT   550 at the end of DATA, nothing queued; from sendmail: a bounce to the sender
  DISCARD  250, nothing delivered
  HOLD     the message waits in the hold queue (postqueue -j says "hold")
  PREPEND / REPLACE / IGNORE   visible in the delivered message (headers and body lines)
  WARN     logged, delivered
  REDIRECT / BCC / FILTER      routed as said
  receive_override_options = no_header_body_checks on a second smtpd skips them all
"""

import json
import os
import re
import smtplib
import subprocess
import unittest

import harness

harness.PORT_RANGE = (25400, 25499)  # this test's ports

HEADER_CHECKS = r"""
/^Subject: .*reject-me/      REJECT 5.7.1 no thanks
/^Subject: .*defer-me/       REJECT 4.7.1 try later
/^Subject: .*discard-me/     DISCARD dropped by test
/^Subject: .*hold-me/        HOLD held for review
/^Subject: .*prepend-me/     PREPEND X-Prepended: yes
/^Subject: (.*)replace-me/   REPLACE Subject: replaced $1
/^X-Remove-Me:/              IGNORE
/^Subject: .*warn-me/        WARN just looking
/^Subject: .*redirect-me/    REDIRECT bob@example.test
/^Subject: .*bcc-me/         BCC bob@example.test
/^Subject: .*filter-me/      FILTER discard:filtered by test
/^Content-Disposition: .*\.exe/ REJECT 5.7.1 no programs
"""

BODY_CHECKS = r"""
/^body-reject-me/   REJECT 5.7.1 body refused
/^body-replace-me/  REPLACE body line replaced
/^body-prepend-me/  PREPEND body line prepended
/^body-ignore-me/   IGNORE
"""


def message(subject, extra_headers="", body="Hello.\n"):
    return ("From: <sender@example.org>\nTo: <alice@example.test>\nSubject: %s\n%s\n%s"
            % (subject, extra_headers, body))


class HeaderChecksTest(harness.TernTestCase):

    @classmethod
    def setUpClass(cls):
        tern = harness.Tern()
        cls.tern = tern
        cls.plain_port = harness.free_port()
        tern.write_file("header_checks", HEADER_CHECKS)
        tern.write_file("body_checks", BODY_CHECKS)
        tern.set_param("header_checks", "regexp:${config_directory}/header_checks")
        tern.set_param("body_checks", "pcre:${config_directory}/body_checks")
        tern.master_cf = (
            "127.0.0.1:PORT inet n - n - - smtpd\n"
            "127.0.0.1:%d inet n - n - - smtpd -o receive_override_options=no_header_body_checks\n"
            "pickup unix n - n 60 1 pickup\n"
            "cleanup unix n - n - 0 cleanup\n"
            "qmgr unix n - n 300 1 qmgr\n" % cls.plain_port) + harness.DELIVERY_SERVICES
        tern.write_config()
        try:
            tern.start()
            tern.wait_for_log(r"^disconnect from ")
        except Exception:
            tern.cleanup()
            raise

    @classmethod
    def tearDownClass(cls):
        cls.tern.cleanup()

    def setUp(self):
        self.mark = self.tern.log_mark()

    def send(self, content, to=("alice@example.test",), port=None):
        """Sends over SMTP; returns (code, text) of the end-of-DATA reply."""
        s = smtplib.SMTP(local_hostname="client.test", timeout=20)
        s.connect("127.0.0.1", port or self.tern.port)
        try:
            s.ehlo()
            s.mail("sender@example.org")
            for r in to:
                s.rcpt(r)
            # smtplib.data() sends the bytes as given: CRLF line ends, or it adds one more line.
            code, text = s.data(content.replace("\n", "\r\n").encode())
            return code, text.decode()
        finally:
            s.quit()

    def queued_id(self, reply):
        code, text = reply
        self.assertEqual(code, 250, text)
        m = re.search(r"queued as (\S+)", text)
        self.assertIsNotNone(m, text)
        return m.group(1)

    def delivered(self, user, needle, count=1):
        """The messages in user's Maildir containing needle, once count of them arrived."""
        got = harness.wait_until(
            lambda: [m for m in self.tern.maildir_messages(user) if needle.encode() in m]
            if len([m for m in self.tern.maildir_messages(user) if needle.encode() in m]) >= count
            else None, 10)
        if not got:
            raise harness.TernError("no message with %r for %s\n%s" % (needle, user, self.tern.evidence()))
        return [m.decode() for m in got]

    def all_queue_files(self):
        return sum((self.tern.queue_files(q) for q in ("incoming", "active", "deferred", "hold")), [])

    # ---- REJECT ------------------------------------------------------------------------

    def test_reject_gives_550_at_end_of_data_and_queues_nothing(self):
        before = self.all_queue_files()
        code, text = self.send(message("please reject-me now"))
        self.assertEqual((code, text), (550, "5.7.1 no thanks"))
        line = self.tern.wait_for_log(
            r"^(\S+): reject: header Subject: please reject-me now from unknown\[127\.0\.0\.1\]; "
            r"from=<sender@example\.org> to=<alice@example\.test> proto=ESMTP helo=<client\.test>: "
            r"5\.7\.1 no thanks$", since=self.mark)
        qid = line.group(1)
        self.assertEqual(self.all_queue_files(), before)
        self.assertNotIn(qid + ": from=<", self.tern.log_text(self.mark))

    def test_reject_with_4xx_code_is_451(self):
        self.assertEqual(self.send(message("defer-me")), (451, "4.7.1 try later"))

    def test_body_reject(self):
        code, text = self.send(message("plain", body="first\nbody-reject-me here\n"))
        self.assertEqual((code, text), (550, "5.7.1 body refused"))
        self.tern.wait_for_log(r": reject: body body-reject-me here from unknown\[127\.0\.0\.1\]; ",
                               since=self.mark)

    def test_mime_and_nested_headers_use_their_tables(self):
        mime = ("From: <sender@example.org>\nTo: <alice@example.test>\nSubject: mime\n"
                "MIME-Version: 1.0\nContent-Type: multipart/mixed; boundary=\"XX\"\n\n"
                "--XX\nContent-Type: text/plain\n\nhi\n"
                "--XX\nContent-Type: application/octet-stream\n"
                "Content-Disposition: attachment; filename=\"run.exe\"\n\nAAAA\n--XX--\n")
        self.assertEqual(self.send(mime), (550, "5.7.1 no programs"))
        nested = ("From: <sender@example.org>\nTo: <alice@example.test>\nSubject: fwd\n"
                  "MIME-Version: 1.0\nContent-Type: multipart/mixed; boundary=\"YY\"\n\n"
                  "--YY\nContent-Type: message/rfc822\n\n"
                  "Subject: attached reject-me\n\ninner\n--YY--\n")
        self.assertEqual(self.send(nested), (550, "5.7.1 no thanks"))
        self.tern.wait_for_log(r": reject: header Subject: attached reject-me from ", since=self.mark)

    def test_local_submission_refused_bounces_to_the_sender(self):
        env = dict(os.environ, MAIL_CONFIG=self.tern.dir)
        r = subprocess.run([os.path.join(harness.COMPAT, "sendmail"), "-f", "bob@example.test",
                            "alice@example.test"], input=message("local reject-me"), text=True,
                           env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=30)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.tern.wait_for_log(r": reject: header Subject: local reject-me from local; "
                               r"from=<bob@example\.test> to=<alice@example\.test>: 5\.7\.1 no thanks$",
                               since=self.mark)
        bounce = self.delivered("bob", "local reject-me")[0]
        self.assertIn("5.7.1 no thanks", bounce)
        self.assertFalse([m for m in self.tern.maildir_messages("alice") if b"local reject-me" in m])

    # ---- DISCARD, HOLD, WARN -----------------------------------------------------------

    def test_discard_claims_delivery_and_drops(self):
        qid = self.queued_id(self.send(message("discard-me")))
        self.tern.wait_for_log(r"^%s: discard: header Subject: discard-me from .*: dropped by test$" % qid,
                               since=self.mark)
        # A message sent after it is delivered; the discarded one never is.
        self.send(message("after the discard"))
        self.delivered("alice", "after the discard")
        self.assertFalse([m for m in self.tern.maildir_messages("alice") if b"discard-me" in m])
        self.assertNotIn(qid + ": from=<", self.tern.log_text(self.mark))

    def test_hold_lands_in_the_hold_queue(self):
        qid = self.queued_id(self.send(message("hold-me")))
        self.tern.wait_for_log(r"^%s: hold: header Subject: hold-me from .*: held for review$" % qid,
                               since=self.mark)
        self.tern.wait_for_log(r"^%s: .*\(queue hold\)" % qid, since=self.mark)
        r = self.tern.tool("postqueue", "-c", self.tern.dir, "-j")
        self.assertEqual(r.returncode, 0, r.stderr)
        entries = [json.loads(l) for l in r.stdout.splitlines()]
        mine = [e for e in entries if e["queue_id"] == qid]
        self.assertEqual(len(mine), 1, r.stdout)
        self.assertEqual(mine[0]["queue_name"], "hold")
        self.assertIn(qid, self.tern.queue_files("hold"))

    def test_warn_logs_and_delivers(self):
        qid = self.queued_id(self.send(message("warn-me")))
        self.tern.wait_for_log(r"^%s: warning: header Subject: warn-me from unknown\[127\.0\.0\.1\]; "
                               r"from=<sender@example\.org> to=<alice@example\.test> proto=ESMTP "
                               r"helo=<client\.test>: just looking$" % qid, since=self.mark)
        self.delivered("alice", "Subject: warn-me")

    # ---- content edits -----------------------------------------------------------------

    def test_prepend_replace_ignore_in_the_delivered_message(self):
        self.queued_id(self.send(message(
            "prepend-me", extra_headers="X-Remove-Me: secret\n\tfolded\n",
            body="keep 1\nbody-replace-me\nbody-prepend-me\nbody-ignore-me\nkeep 2\n")))
        got = self.delivered("alice", "Subject: prepend-me")[0]
        self.assertIn("X-Prepended: yes\nSubject: prepend-me\n", got)
        self.assertNotIn("X-Remove-Me", got)
        self.assertNotIn("secret", got)
        body = got.split("\n\n", 1)[1]
        self.assertEqual(body, "keep 1\nbody line replaced\nbody line prepended\nbody-prepend-me\nkeep 2\n")

    def test_replace_header(self):
        self.queued_id(self.send(message("please replace-me")))
        got = self.delivered("alice", "Subject: replaced please ")[0]
        self.assertNotIn("replace-me", got)

    # ---- REDIRECT, BCC, FILTER ---------------------------------------------------------

    def test_redirect_sends_to_the_address_instead(self):
        qid = self.queued_id(self.send(message("redirect-me")))
        self.tern.wait_for_log(r"^%s: redirect: header Subject: redirect-me from .*: bob@example\.test$" % qid,
                               since=self.mark)
        self.tern.wait_for_log(r"^%s: to=<bob@example\.test>, orig_to=<alice@example\.test>, .*status=sent"
                               % qid, since=self.mark)
        self.delivered("bob", "Subject: redirect-me")
        self.assertFalse([m for m in self.tern.maildir_messages("alice") if b"redirect-me" in m])

    def test_bcc_adds_a_recipient(self):
        qid = self.queued_id(self.send(message("bcc-me")))
        self.delivered("alice", "Subject: bcc-me")
        self.delivered("bob", "Subject: bcc-me")
        self.tern.wait_for_log(r"^%s: to=<bob@example\.test>, .*status=sent" % qid, since=self.mark)

    def test_filter_routes_every_recipient_through_the_transport(self):
        qid = self.queued_id(self.send(message("filter-me"), to=("alice@example.test", "bob@example.test")))
        self.tern.wait_for_log(r"^%s: filter: header Subject: filter-me from .*: discard:filtered by test$"
                               % qid, since=self.mark)
        for rcpt in ("alice", "bob"):
            self.tern.wait_for_log(r"^%s: to=<%s@example\.test>, relay=none, .*status=sent \(filtered by test\)"
                                   % (qid, rcpt), since=self.mark)
        self.assertFalse([m for m in self.tern.maildir_messages("alice") if b"filter-me" in m])

    # ---- receive_override_options ------------------------------------------------------

    def test_no_header_body_checks_on_a_service_skips_them(self):
        reply = self.send(message("override reject-me"), port=self.plain_port)
        self.queued_id(reply)
        self.delivered("alice", "Subject: override reject-me")
        self.assertNotIn("reject: header", self.tern.log_text(self.mark))


class HeaderChecksConfigTest(harness.TernTestCase):

    def test_bad_table_is_a_startup_error(self):
        tern = self.new_tern(main_cf={"header_checks": "regexp:${config_directory}/hc"})
        tern.write_file("hc", "/^Subject: (unclosed/ REJECT\n")
        r = tern.check_config()
        self.assertEqual(r.returncode, 1)
        self.assertRegex(r.stderr, r"^ternd: fatal: header_checks: .*hc.*\n$")
        tern.set_param("header_checks", None)
        tern.set_param("body_checks", "pcre:${config_directory}/missing")
        tern.write_config()
        r = tern.check_config()
        self.assertEqual(r.returncode, 1)
        self.assertRegex(r.stderr, r"^ternd: fatal: body_checks: .*missing.*\n$")

    def test_reload_reads_changed_tables(self):
        tern = self.new_tern(main_cf={"header_checks": "regexp:${config_directory}/hc"})
        tern.write_file("hc", "/^Subject: .*swap-me/ WARN first version\n")
        tern.start()
        tern.wait_for_log(r"^disconnect from ")
        s = tern.smtp()
        s.sendmail("sender@example.org", ["alice@example.test"], message("swap-me one").encode())
        s.quit()
        tern.wait_for_log(r": warning: header Subject: swap-me one from .*: first version$")
        tern.write_file("hc", "/^Subject: .*swap-me/ REJECT 5.7.1 second version\n")
        mark = tern.log_mark()
        tern.reload()
        tern.wait_for_log(r"reload: configuration \S+ loaded$", since=mark)
        s = tern.smtp()
        s.ehlo()
        s.mail("sender@example.org")
        s.rcpt("alice@example.test")
        self.assertEqual(s.data(message("swap-me two").replace("\n", "\r\n").encode()),
                         (550, b"5.7.1 second version"))
        s.quit()
        # A table broken by an edit keeps the running one, and says why.
        tern.write_file("hc", "/^Subject: (broken/ REJECT\n")
        mark = tern.log_mark()
        tern.reload()
        tern.wait_for_log(r"reload: header_checks: .*; keeping the running configuration$", since=mark)
        self.assertTrue(tern.running(), tern.evidence())

    def test_milter_header_checks_is_refused(self):
        tern = self.new_tern(main_cf={"milter_header_checks": "static:WARN"})
        r = tern.check_config()
        self.assertEqual((r.returncode, r.stderr),
                         (1, "ternd: fatal: milter_header_checks is not supported yet: headers added "
                             "by milters are not checked\n"))


if __name__ == "__main__":
    unittest.main()
