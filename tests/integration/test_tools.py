"""End-to-end tests of the queue tools under their Postfix names (build/compat on PATH):
golden output of mailq / postqueue -p / -j / postsuper / qshape against Postfix's formats,
the admins' three pipelines from issue 4 unchanged, and sendmail into a running ternd or,
with ternd stopped, into maildrop/ until it starts.

Deferred mail: relay mail from 127.0.0.1 (in mynetworks) to a remote domain is deferred
(harness.REMOTE_DEFERRED: the test configuration's default_transport is retry:).

Run: TERN_BUILD=/work/main/build-tools /usr/bin/python3 -m unittest test_tools
"""

import json
import os
import re
import shutil
import subprocess
import tempfile
import time
import unittest

import harness
from harness import TernTestCase

REASON = harness.REMOTE_DEFERRED


class ToolsTest(TernTestCase):

    # ---- helpers -------------------------------------------------------------------

    def env(self, tern):
        env = dict(os.environ)
        env["PATH"] = harness.COMPAT + ":" + env.get("PATH", "/usr/bin:/bin")
        env["MAIL_CONFIG"] = tern.dir
        return env

    def sh(self, tern, script, input=None):
        """Runs a shell pipeline with the compat names first on PATH."""
        return subprocess.run(["/bin/sh", "-c", script], env=self.env(tern), input=input,
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                              timeout=60)

    def defer(self, tern, to):
        """Queues one message to a remote address and waits until it is deferred."""
        r = tern.swaks(to)
        qid = harness.queue_id_from_swaks(r.stdout)
        self.assertQueueId(qid)
        tern.wait_for_log(r"^%s: to=<%s>, .*status=deferred" % (qid, re.escape(to)))
        return qid

    def json_lines(self, tern):
        r = tern.tool("postqueue", "-c", tern.dir, "-j")
        self.assertEqual((r.returncode, r.stderr), (0, ""))
        return r.stdout, [json.loads(line) for line in r.stdout.splitlines()]

    # ---- postqueue -j / -p ------------------------------------------------------------

    def test_postqueue_j_golden(self):
        tern = self.start_tern()
        qid = self.defer(tern, "x@remote.test")
        m = tern.wait_for_log(r"^%s: from=<sender@example\.org>, size=(\d+)" % qid)
        text, objs = self.json_lines(tern)
        self.assertEqual(len(objs), 1)
        arrival = objs[0]["arrival_time"]
        self.assertIsInstance(arrival, int)
        self.assertLessEqual(abs(arrival - time.time()), 60)
        self.assertEqual(text,
                         '{"queue_name": "deferred", "queue_id": "%s", "arrival_time": %d, '
                         '"message_size": %s, "forced_expire": false, '
                         '"sender": "sender@example.org", "recipients": [{"address": '
                         '"x@remote.test", "delay_reason": "%s"}]}\n'
                         % (qid, arrival, m.group(1), REASON))
        # The key order Postfix documents.
        self.assertEqual(list(objs[0]), ["queue_name", "queue_id", "arrival_time",
                                         "message_size", "forced_expire", "sender",
                                         "recipients"])

    def test_postqueue_p_and_tern_queue_agree_with_mailq(self):
        tern = self.start_tern()
        self.defer(tern, "x@remote.test")
        self.defer(tern, "y@other.test")
        outs = [tern.tool("mailq", "-c", tern.dir).stdout,
                tern.tool("postqueue", "-c", tern.dir, "-p").stdout,
                tern.tool("tern", "queue", "-c", tern.dir).stdout]
        self.assertEqual(outs[0], outs[1])
        self.assertEqual(outs[0], outs[2])
        self.assertTrue(outs[0].startswith(
            "----Queue ID----- --Size-- ---Arrival Time---- --Sender/Recipient------\n"))
        self.assertRegex(outs[0], r"\n-- \d+ Kbytes in 2 Requests\.\n$")
        self.assertEqual(outs[0].count("\n%*s(%s)\n" % (76 - len(REASON), "", REASON)), 2)

    def test_flush_with_daemon_down(self):
        tern = self.new_tern()
        for args in (["-f"], ["-i", "5BM5dg4x0mz3nCf4"], ["-s", "remote.test"]):
            r = tern.tool("postqueue", "-c", tern.dir, *args)
            self.assertEqual((r.returncode, r.stdout, r.stderr),
                             (69, "", "postqueue: fatal: Cannot flush mail queue - "
                                      "mail system is down\n"), args)
        r = tern.tool("postqueue", "-c", tern.dir, "-i", "../etc")
        self.assertEqual((r.returncode, r.stderr),
                         (64, 'postqueue: fatal: Cannot flush queue ID - invalid name: "../etc"\n'))
        r = tern.tool("postqueue", "-c", tern.dir)
        self.assertEqual(r.returncode, 64)
        self.assertIn("usage: postqueue -f | postqueue -i queueid", r.stderr)

    # ---- the three pipelines ------------------------------------------------------------

    def test_pipeline_jq_select_postsuper_d(self):
        tern = self.start_tern()
        target = self.defer(tern, "DST@EXAMPLE.TLD")
        other = self.defer(tern, "keep@remote.test")
        r = self.sh(tern, "postqueue -j | jq -s '.[]|select(.recipients[]|"
                          ".address==\"DST@EXAMPLE.TLD\")|.queue_id' | xargs -L1 postsuper -d")
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(r.stderr, "postsuper: %s: removed\npostsuper: Deleted: 1 message\n"
                         % target)
        _, objs = self.json_lines(tern)
        self.assertEqual([o["queue_id"] for o in objs], [other])

    def test_pipeline_awk_yahoo_postqueue_i(self):
        tern = self.start_tern()
        yahoo = self.defer(tern, "someone@yahoo.com")
        self.defer(tern, "else@remote.test")
        mark = tern.log_mark()
        r = self.sh(tern, "postqueue -p | tail -n +2 | awk 'BEGIN { RS = \"\" } "
                          "/@yahoo\\.com/ { print $1 }' | tr -d '*!' | "
                          "while IFS= read -r id; do postqueue -i \"$id\" && echo \"$id\"; done")
        self.assertEqual((r.returncode, r.stdout, r.stderr), (0, yahoo + "\n", ""))
        # The daemon tried that message again at once, and only that one.
        tern.wait_for_log(r"^%s: to=<someone@yahoo\.com>, .*status=deferred" % yahoo,
                          since=mark)
        self.assertNotIn("else@remote.test", tern.log_text(mark))

    def test_pipeline_postsuper_d_all_deferred(self):
        tern = self.start_tern()
        for to in ("a@remote.test", "b@remote.test", "c@remote.test"):
            self.defer(tern, to)
        r = self.sh(tern, "postsuper -d ALL deferred")
        self.assertEqual((r.returncode, r.stdout, r.stderr),
                         (0, "", "postsuper: Deleted: 3 messages\n"))
        self.assertEqual(tern.queue_files("deferred"), [])
        self.assertEqual(tern.tool("mailq", "-c", tern.dir).stdout, "Mail queue is empty\n")

    # ---- postsuper ------------------------------------------------------------------------

    def test_postsuper_hold_release_requeue_expire_messages(self):
        tern = self.start_tern()
        qid = self.defer(tern, "x@remote.test")
        run = lambda *a: tern.tool("postsuper", "-c", tern.dir, *a)
        r = run("-h", qid)
        self.assertEqual((r.returncode, r.stderr),
                         (0, "postsuper: %s: placed on hold\npostsuper: Placed on hold: 1 message\n"
                          % qid))
        out = tern.tool("mailq", "-c", tern.dir).stdout
        self.assertIn("\n%s!" % qid, out)
        self.assertEqual(self.json_lines(tern)[1][0]["queue_name"], "hold")
        r = run("-H", qid)
        self.assertEqual(r.stderr, "postsuper: %s: released from hold\n"
                                   "postsuper: Released from hold: 1 message\n" % qid)
        r = run("-d", "not/an/id", "-d", "5BM5dg4x0mz3nCf4")
        self.assertEqual((r.returncode, r.stderr),
                         (0, "postsuper: warning: invalid mail queue id: not/an/id\n"))
        r = run("-d", "ALL", "nosuchqueue")
        self.assertEqual((r.returncode, r.stderr),
                         (1, "postsuper: fatal: invalid directory name: nosuchqueue\n"))
        mark = tern.log_mark()
        r = run("-r", qid)
        self.assertEqual(r.stderr, "postsuper: %s: requeued\npostsuper: Requeued: 1 message\n"
                         % qid)
        # Requeued mail goes through delivery again and is deferred again.
        tern.wait_for_log(r"^%s: to=<x@remote\.test>, .*status=deferred" % qid, since=mark)

    def test_postsuper_d_stdin(self):
        tern = self.start_tern()
        ids = [self.defer(tern, "%s@remote.test" % n) for n in ("a", "b")]
        r = tern.tool("postsuper", "-c", tern.dir, "-d", "-", input="\n".join(ids) + "\n")
        self.assertEqual(r.stderr, "".join("postsuper: %s: removed\n" % i for i in ids)
                         + "postsuper: Deleted: 2 messages\n")

    # ---- qshape ---------------------------------------------------------------------------

    def test_qshape_matches_postfix_qshape(self):
        """The same messages as Postfix queue files fed to /usr/sbin/qshape and as Tern
        queue files fed to our qshape give the same table."""
        tern = self.new_tern()
        spool = tern.path("spool", "deferred")
        pfdir = tempfile.mkdtemp(prefix="tern-pfq-")
        self.addCleanup(shutil.rmtree, pfdir, True)
        os.makedirs(spool)
        now = int(time.time())
        # Ages well inside their buckets: 1, 7, 30, 200 minutes and 3 days.
        messages = [(60, "s@a.example", ["u@one.example", "v@one.example"]),
                    (420, "", ["w@two.example"]),
                    (1800, "s@b.example", ["x@one.example", "y@mx1.big.example",
                                           "z@mx2.big.example"]),
                    (12000, "s@a.example", ["q@Three.Example"]),
                    (259200, "s@a.example", ["r@one.example"])]
        for n, (age, sender, rcpts) in enumerate(messages):
            qid = "5BM5dg4x0mz3nCf%d" % n
            arrival = now - age
            with open(os.path.join(spool, qid), "w") as f:
                f.write(tern_queue_file(qid, arrival, sender, rcpts))
            path = os.path.join(pfdir, "PFQ%06d" % n)
            with open(path, "wb") as f:
                f.write(postfix_queue_file(arrival, sender, rcpts))
            os.chmod(path, 0o700)
        for flags in ([], ["-s"], ["-p", "-m", "2"], ["-b", "4", "-t", "10"], ["-l"]):
            want = subprocess.run(["/usr/sbin/qshape"] + flags + [pfdir],
                                  stdout=subprocess.PIPE, text=True, check=True).stdout
            got = tern.tool("qshape", "-c", tern.dir, *(flags + ["deferred"]))
            self.assertEqual((got.returncode, got.stderr), (0, ""))
            self.assertEqual(sorted_rows(got.stdout), sorted_rows(want), flags)

    # ---- sendmail -------------------------------------------------------------------------

    def test_sendmail_t_into_running_ternd(self):
        tern = self.start_tern()
        message = ("To: Alice <alice@example.test>\nBcc: bob\nSubject: via sendmail\n\n"
                   "line one\n.\nnot part of the message\n")
        r = self.sh(tern, "sendmail -t -F 'Root User'", input=message)
        self.assertEqual((r.returncode, r.stdout, r.stderr), (0, "", ""))
        for user in ("alice", "bob"):
            got = tern.wait_for_maildir(user, 1)[0].decode()
            self.assertIn("Subject: via sendmail\n", got)
            self.assertIn("From: Root User <", got)
            self.assertNotIn("Bcc:", got)
            self.assertIn("line one\n", got)
            self.assertNotIn("not part of the message", got)

    def test_sendmail_i_keeps_lone_dot_and_exit_codes(self):
        tern = self.start_tern()
        r = self.sh(tern, "sendmail -oi alice", input="Subject: dots\n\na\n.\nb\n")
        self.assertEqual(r.returncode, 0, r.stderr)
        got = tern.wait_for_maildir("alice", 1)[0].decode()
        self.assertIn("\na\n.\nb\n", got)
        r = self.sh(tern, "sendmail", input="Subject: nobody\n\n")
        self.assertEqual(r.returncode, 64)
        self.assertRegex(r.stderr, r"^sendmail: fatal: \S+\(\d+\): Recipient addresses must be "
                                   r"specified on the command line or via the -t option\n$")
        # -bv asks the daemon's address verification service (test_address_verify has more);
        # the queue role may still be starting after smtpd answers.
        self.assertTrue(harness.wait_until(
            lambda: os.path.exists(tern.path("spool", "public", "control")), 10))
        r = self.sh(tern, "sendmail -bv alice@example.test")
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(r.stdout, "alice@example.test: deliverable: delivers to maildir\n")
        # newaliases and sendmail -bi: see test_postmap.AliasesTest.

    def test_sendmail_bs_dialogue(self):
        tern = self.start_tern()
        dialogue = ("EHLO me\r\nMAIL FROM:<root@example.test>\r\nRCPT TO:<alice@example.test>\r\n"
                    "DATA\r\nSubject: bs\r\n\r\n..dotted\r\n.\r\nQUIT\r\n")
        r = self.sh(tern, "sendmail -bs", input=dialogue)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertRegex(r.stdout, r"(?m)^250 2\.0\.0 Ok: queued as %s$" % harness.QUEUE_ID)
        self.assertTrue(r.stdout.endswith("221 2.0.0 Bye\n"), r.stdout)  # text mode: CRLF read as LF
        got = tern.wait_for_maildir("alice", 1)[0].decode()
        self.assertIn("\n.dotted\n", got)

    def test_sendmail_with_daemon_stopped_is_delivered_on_start(self):
        tern = self.start_tern()
        tern.stop()
        r = self.sh(tern, "sendmail alice", input="Subject: while down\n\nhello\n")
        self.assertEqual((r.returncode, r.stderr), (0, ""))
        dropped = [n for n in tern.queue_files("maildrop") if not n.startswith(".")]
        self.assertEqual(len(dropped), 1)
        self.assertEqual(self.json_lines(tern)[1][0]["queue_name"], "maildrop")
        tern.start()
        got = tern.wait_for_maildir("alice", 1, timeout=20)[0].decode()
        self.assertIn("Subject: while down\n", got)
        self.assertEqual([n for n in tern.queue_files("maildrop") if not n.startswith(".")], [])


def tern_queue_file(qid, arrival, sender, rcpts):
    """A sealed Tern queue file (see src/queue/queue_file.hpp)."""
    content = "Subject: qshape\n\nx\n"
    head = "TERN-QUEUE 1\nid %s\narrival %d.000000\nsender %s\n" % (
        qid, arrival, sender or "-")
    head += "client localhost 127.0.0.1 0 - LOCAL\n"
    head += "".join("rcpt %s - 0\n" % r for r in rcpts)
    return head + "content %d\n%s\nsealed\n" % (len(content), content)


def postfix_record(rtype, data):
    data = data.encode()
    n, length = len(data), b""
    while True:
        byte = n & 0x7f
        n >>= 7
        length += bytes([byte | (0x80 if n else 0)])
        if not n:
            break
    return rtype.encode() + length + data


def postfix_queue_file(arrival, sender, rcpts):
    """Just the records qshape reads from a Postfix queue file: size, time, sender,
    recipients, message start, end of content, end."""
    recs = [postfix_record("C", "%15d %15d %15d" % (0, 0, len(rcpts))),
            postfix_record("T", "%d 0" % arrival), postfix_record("S", sender)]
    recs += [postfix_record("R", r) for r in rcpts]
    recs += [postfix_record("M", ""), postfix_record("X", ""), postfix_record("E", "")]
    return b"".join(recs)


def sorted_rows(table):
    """qshape's heading and TOTAL rows first, then the rest: Postfix's order among rows
    with equal count and name length is Perl's hash order, which is random."""
    lines = table.splitlines()
    return lines[:2] + sorted(lines[2:])


if __name__ == "__main__":
    unittest.main()
