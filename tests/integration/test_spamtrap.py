"""The spam trap blocklist (spamtrap_blocklist_database) through a running ternd: the
spamtrap: table in check_client_access refuses a listed client with the record's action
until its block expires, on every new connection; a malformed record blocks nobody and is
logged. The records are written by an independent LMDB writer (python3-lmdb, with LMDB's
lock file, as a second process would) while ternd runs, in the format smtpd writes on a
trap hit (v1 since=… until=… hits=… trap=<…> action=…).

The check_spamtrap word that writes the records is tested at unit level
(tests/unit/policy/spamtrap_test.cpp) and through ternd in test_builtin_policies.py.
"""

import os
import time
import unittest

import lmdb

import harness
from harness import TernTestCase, session

harness.PORT_RANGE = (25600, 25699)

ACTION = "REJECT Client host blocked after mail to a spam trap"


class SpamtrapBlocklistTest(TernTestCase):

    def start(self, **extra):
        params = {"data_directory": "data",
                  "smtpd_client_restrictions": "check_client_access spamtrap:$spamtrap_blocklist_database",
                  "smtpd_client_event_limit_exceptions": ""}
        params.update(extra)
        tern = self.start_tern(main_cf=params)
        path = tern.path("data", "spamtrap_blocklist.lmdb")
        self.assertTrue(os.path.exists(path), "ternd did not create %s" % path)
        env = lmdb.open(path, subdir=False, lock=True)
        self.addCleanup(env.close)
        return tern, env

    def put(self, env, client, until, since=None, action=ACTION, raw=None):
        since = int(time.time()) if since is None else since
        value = raw if raw is not None else "v1 since=%d until=%d hits=1 trap=<trap@example.test> action=%s" % (
            since, until, action)
        with env.begin(write=True) as txn:
            txn.put(client.encode(), value.encode())

    def rcpt(self, tern, source):
        c = session(tern.port, source=source, helo="client.test")
        self.addCleanup(c.close)
        self.assertEqual(c.command("MAIL FROM:<sender@example.org>"), ["250 2.1.0 Ok"])
        return c.command("RCPT TO:<alice@example.test>")

    def test_a_listed_client_is_refused_on_new_connections(self):
        tern, env = self.start()
        self.assertEqual(self.rcpt(tern, "127.0.0.20"), ["250 2.1.5 Ok"])
        self.put(env, "127.0.0.20", int(time.time()) + 3600)
        refused = ["554 5.7.1 <unknown[127.0.0.20]>: Client host rejected: "
                   "Client host blocked after mail to a spam trap"]
        for _ in range(2):
            self.assertEqual(self.rcpt(tern, "127.0.0.20"), refused)
        tern.wait_for_log(r"^NOQUEUE: reject: RCPT from unknown\[127\.0\.0\.20\]: 554 5\.7\.1 "
                          r"<unknown\[127\.0\.0\.20\]>: Client host rejected: Client host blocked after mail "
                          r"to a spam trap; from=<sender@example\.org> to=<alice@example\.test>", since=tern.mark)
        # Another client is not.
        self.assertEqual(self.rcpt(tern, "127.0.0.21"), ["250 2.1.5 Ok"])
        # postmap -q reads the same blocklist, expiry applied, beside the running ternd.
        table = "spamtrap:" + tern.path("data", "spamtrap_blocklist")
        r = tern.tool("postmap", "-c", tern.dir, "-q", "127.0.0.20", table)
        self.assertEqual((r.returncode, r.stdout), (0, ACTION + "\n"), r.stderr)
        r = tern.tool("postmap", "-c", tern.dir, "-q", "127.0.0.21", table)
        self.assertEqual(r.returncode, 1, r.stdout + r.stderr)
        # postmap -s lists the stored records; postmap -d unblocks at once.
        r = tern.tool("postmap", "-c", tern.dir, "-s", table)
        self.assertRegex(r.stdout, r"^127\.0\.0\.20\tv1 since=\d+ until=\d+ hits=1 trap=<trap@example\.test> "
                                   r"action=%s\n$" % ACTION)
        r = tern.tool("postmap", "-c", tern.dir, "-d", "127.0.0.20", table)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(self.rcpt(tern, "127.0.0.20"), ["250 2.1.5 Ok"])
        r = tern.tool("postmap", "-c", tern.dir, "-d", "127.0.0.20", table)
        self.assertEqual(r.returncode, 1, r.stderr)

    def test_the_block_expires(self):
        tern, env = self.start()
        self.put(env, "127.0.0.22", int(time.time()) + 2, action="450 4.7.1 try again later")
        self.assertEqual(self.rcpt(tern, "127.0.0.22"),
                         ["450 4.7.1 <unknown[127.0.0.22]>: Client host rejected: try again later"])
        self.assertTrue(harness.wait_until(lambda: self.rcpt(tern, "127.0.0.22") == ["250 2.1.5 Ok"], 6,
                                           interval=0.5))

    def test_an_expired_record_blocks_nobody(self):
        tern, env = self.start()
        now = int(time.time())
        self.put(env, "127.0.0.23", now - 10, since=now - 100)
        self.assertEqual(self.rcpt(tern, "127.0.0.23"), ["250 2.1.5 Ok"])

    def test_a_malformed_record_blocks_nobody_and_is_logged(self):
        tern, env = self.start()
        self.put(env, "127.0.0.24", 0, raw="REJECT blocked forever")
        self.assertEqual(self.rcpt(tern, "127.0.0.24"), ["250 2.1.5 Ok"])
        tern.wait_for_log(r"^warning: spam trap blocklist \S+spamtrap_blocklist\.lmdb: malformed record for "
                          r"127\.0\.0\.24: not a version 1 blocklist record \(ignored\)$", since=tern.mark)

    def test_discard_takes_an_unknown_trap_and_drops_the_whole_message(self):
        # What spamtrap_action = discard answers (access(5) DISCARD), here from a plain
        # access table: the trap address needs no mailbox, and the other recipients'
        # copies go with the message (the documented choice).
        tern, env = self.start(smtpd_recipient_restrictions=
                               "check_recipient_access inline:{ { trap@example.test = DISCARD spam trap } }")
        c = session(tern.port, source="127.0.0.25", helo="client.test")
        self.addCleanup(c.close)
        self.assertEqual(c.command("MAIL FROM:<sender@example.org>"), ["250 2.1.0 Ok"])
        self.assertEqual(c.command("RCPT TO:<alice@example.test>"), ["250 2.1.5 Ok"])
        self.assertEqual(c.command("RCPT TO:<nobody@example.test>")[0][:9], "550 5.1.1")  # unknown, no trap
        self.assertEqual(c.command("RCPT TO:<trap@example.test>"), ["250 2.1.5 Ok"])
        self.assertEqual(c.command("DATA")[0][:3], "354")
        c.send(b"Subject: to a trap\r\n\r\nspam\r\n.\r\n")
        self.assertTrue(c.reply()[0].startswith("250 2.0.0 Ok: queued as "))
        tern.wait_for_log(r"^\S+: discarded at end of DATA", since=tern.mark)
        # A later message to alice arrives; the one with the trap never did.
        c.command("QUIT")
        d = session(tern.port, source="127.0.0.26", helo="client.test")
        self.addCleanup(d.close)
        self.assertEqual(d.command("MAIL FROM:<sender@example.org>"), ["250 2.1.0 Ok"])
        self.assertEqual(d.command("RCPT TO:<alice@example.test>"), ["250 2.1.5 Ok"])
        self.assertEqual(d.command("DATA")[0][:3], "354")
        d.send(b"Subject: fine\r\n\r\nham\r\n.\r\n")
        self.assertTrue(d.reply()[0].startswith("250 2.0.0 Ok: queued as "))
        msgs = tern.wait_for_maildir("alice", 1)
        time.sleep(0.5)
        self.assertEqual(len(tern.maildir_files("alice")), 1)
        self.assertIn(b"Subject: fine", msgs[0])

    def test_only_lmdb_blocklists(self):
        tern = self.new_tern(main_cf={"smtpd_client_restrictions":
                                      "check_client_access spamtrap:hash:/nonexistent/blocklist"})
        tern.write_config()
        r = tern.check_config()
        self.assertNotEqual(r.returncode, 0)
        self.assertIn("only lmdb: databases are supported", r.stderr)


if __name__ == "__main__":
    unittest.main()
