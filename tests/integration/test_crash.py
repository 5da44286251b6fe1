"""kill -9 under load: every message acknowledged with 250 is delivered after a
restart, and no message is delivered twice.

Several smtplib senders run concurrently; at a random moment while they send, the
whole ternd process group gets SIGKILL; ternd is restarted on the same directories
and the next round of sending starts. After the last round, every acknowledged
message must arrive (bounded wait), each exactly once, with its content intact.
"""

import collections
import random
import re
import smtplib
import sys
import threading
import time
import unittest
import uuid

import harness
from harness import TernTestCase

SENDERS = 6
MESSAGES_PER_SENDER_PER_ROUND = 25   # at most; the kill usually cuts a round short
ROUNDS = 6
USERS = ("alice", "bob")
TOKEN_RE = re.compile(rb"^Subject: crash test (?P<token>[0-9a-f]{32})$", re.M)


def message_for(token, to):
    body = "".join("line %02d of message %s\n" % (i, token) for i in range(8))
    return ("Message-ID: <%s@crash.client.test>\n"
            "Date: Sun, 22 Nov 2026 00:00:00 +0000\n"
            "From: <load@example.org>\n"
            "To: <%s>\n"
            "Subject: crash test %s\n"
            "\n%s" % (token, to, token, body))


class Ledger:
    """What the senders know: sent messages, and which of them got a 250."""

    def __init__(self):
        self.lock = threading.Lock()
        self.sent = {}          # token -> (user, message text)
        self.acked = {}         # token -> queue ID
        self.failed = set()     # DATA sent (or attempted), no 250 seen
        self.round_acks = 0

    def record_sent(self, token, user, text):
        with self.lock:
            self.sent[token] = (user, text)

    def record_ack(self, token, qid):
        with self.lock:
            self.acked[token] = qid
            self.round_acks += 1

    def record_failed(self, token):
        with self.lock:
            self.failed.add(token)


def sender(tern, ledger, stop, quota, seed):
    rnd = random.Random(seed)
    sent = 0
    while sent < quota and not stop.is_set():
        try:
            s = smtplib.SMTP(local_hostname="crash.client.test", timeout=5)
            s.connect("127.0.0.1", tern.port)
            s.ehlo()
        except (OSError, smtplib.SMTPException):
            time.sleep(0.05)
            continue
        try:
            for _ in range(rnd.randint(1, 3)):
                if sent >= quota or stop.is_set():
                    break
                token = uuid.uuid4().hex
                user = rnd.choice(USERS)
                text = message_for(token, "%s@example.test" % user)
                sent += 1
                code, _ = s.mail("load@example.org")
                if code != 250:
                    raise smtplib.SMTPException("MAIL %d" % code)
                code, _ = s.rcpt("%s@example.test" % user)
                if code != 250:
                    raise smtplib.SMTPException("RCPT %d" % code)
                ledger.record_sent(token, user, text)
                try:
                    code, reply = s.data(text.replace("\n", "\r\n").encode())
                except (OSError, smtplib.SMTPException):
                    ledger.record_failed(token)
                    raise
                m = re.match(r"^2\.0\.0 Ok: queued as (%s)$" % harness.QUEUE_ID,
                             reply.decode("ascii", "replace"))
                if code == 250 and m:
                    ledger.record_ack(token, m.group(1))
                else:
                    ledger.record_failed(token)
            s.quit()
        except (OSError, smtplib.SMTPException):
            pass
        finally:
            s.close()


class CrashTest(TernTestCase):

    def delivered(self, tern):
        """token -> list of (user, path, bytes) over every Maildir new/ and cur/."""
        found = collections.defaultdict(list)
        for user in USERS:
            for sub in ("new", "cur"):
                for path in tern.maildir_files(user, sub):
                    with open(path, "rb") as f:
                        data = f.read()
                    m = TOKEN_RE.search(data)
                    self.assertIsNotNone(m, "no token in %s:\n%r" % (path, data[:600]))
                    found[m.group("token").decode()].append((user, path, data))
        return found

    def test_kill_9_under_load_loses_and_duplicates_nothing(self):
        started = time.monotonic()
        tern = self.new_tern()
        tern.start()
        ledger = Ledger()
        rnd = random.Random()
        kills = 0
        for rnd_no in range(ROUNDS):
            stop = threading.Event()
            with ledger.lock:
                ledger.round_acks = 0
            quota = MESSAGES_PER_SENDER_PER_ROUND
            threads = [threading.Thread(target=sender,
                                        args=(tern, ledger, stop, quota, rnd.random()),
                                        daemon=True)
                       for _ in range(SENDERS)]
            for t in threads:
                t.start()
            # Kill while sending: after a random number of this round's 250s (at most
            # half the round's total), plus a random fraction of a moment.
            kill_after = rnd.randint(5, SENDERS * quota // 2)
            harness.wait_until(lambda: ledger.round_acks >= kill_after, 30, 0.005)
            time.sleep(rnd.uniform(0, 0.05))
            acks_at_kill = ledger.round_acks
            tern.kill()
            kills += 1
            stop.set()
            for t in threads:
                t.join(30)
                self.assertFalse(t.is_alive(), "a sender hung")
            self.assertLess(acks_at_kill, SENDERS * quota,
                            "round %d: the kill came after all sending was done"
                            % rnd_no)
            print("round %d: killed after %d acks in the round (target %d); "
                  "%d sent, %d acknowledged so far"
                  % (rnd_no, acks_at_kill, kill_after, len(ledger.sent),
                     len(ledger.acked)), file=sys.stderr)
            tern.start()
            # Sometimes crash again during recovery, before any new mail comes in.
            if rnd.random() < 0.5:
                time.sleep(rnd.uniform(0, 0.05))
                tern.kill()
                kills += 1
                print("round %d: killed again during recovery" % rnd_no, file=sys.stderr)
                tern.start()

        # Everything acknowledged must arrive, each once.
        acked = dict(ledger.acked)

        def all_arrived():
            found = self.delivered(tern)
            return all(t in found for t in acked)

        if not harness.wait_until(all_arrived, 60, 0.2):
            found = self.delivered(tern)
            missing = sorted(t for t in acked if t not in found)
            self.fail("%d of %d acknowledged messages never arrived, e.g. %s\n%s"
                      % (len(missing), len(acked),
                         ["%s (queue ID %s)" % (t, acked[t]) for t in missing[:5]],
                         tern.evidence()[-4000:]))
        # Let in-flight deliveries of unacknowledged messages settle too.
        harness.wait_until(lambda: not tern.queue_files("active")
                           and not tern.queue_files("incoming"), 20, 0.2)
        time.sleep(0.5)
        found = self.delivered(tern)
        duplicates = {t: [p for _, p, _ in v] for t, v in found.items() if len(v) > 1}
        unknown = [t for t in found if t not in ledger.sent]
        extra = [t for t in found if t in ledger.sent and t not in acked]
        print("total: %d kills, %d sent, %d acknowledged, %d delivered (%d of them "
              "not acknowledged), %d duplicated, %d failed sends; queue: active=%d "
              "incoming=%d deferred=%d corrupt=%d; %.1fs"
              % (kills, len(ledger.sent), len(acked), len(found), len(extra),
                 len(duplicates), len(ledger.failed), len(tern.queue_files("active")),
                 len(tern.queue_files("incoming")), len(tern.queue_files("deferred")),
                 len(tern.queue_files("corrupt")), time.monotonic() - started),
              file=sys.stderr)
        self.assertEqual(duplicates, {}, "messages delivered more than once")
        self.assertEqual(unknown, [], "messages nobody sent")
        self.assertGreaterEqual(kills, 3)
        self.assertGreaterEqual(len(acked), 100, "too little load to mean anything")
        # Content intact, in the right mailbox, queue ID as acknowledged.
        for token, [(user, path, data)] in found.items():
            want_user, text = ledger.sent[token]
            self.assertEqual(user, want_user, path)
            self.assertTrue(data.endswith(b"\n" + text.encode()),
                            "content of %s differs:\n%r" % (path, data))
            self.assertTrue(data.split(b"\n", 3)[3].startswith(b"Received: "), path)
            if token in acked:
                self.assertIn((" with ESMTP id %s\n" % acked[token]).encode(), data,
                              path)
        # The queue drains: nothing left active or deferred.
        self.assertTrue(harness.wait_until(
            lambda: not tern.queue_files("active") and not tern.queue_files("deferred"),
            20, 0.2), "queue does not drain: active=%r deferred=%r"
            % (tern.queue_files("active"), tern.queue_files("deferred")))
        self.assertLess(time.monotonic() - started, 110)


if __name__ == "__main__":
    unittest.main()
