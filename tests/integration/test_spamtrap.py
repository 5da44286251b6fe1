"""The spam trap blocklist (spamtrap_blocklist_database) through a running ternd: the
spamtrap: table in check_client_access refuses a listed client with the record's action
until its block expires, on every new connection; a malformed record blocks nobody and is
logged. The records are written by an independent LMDB writer (python3-lmdb, with LMDB's
lock file, as a second process would) while ternd runs, in the format smtpd writes on a
trap hit (v1 since=… until=… hits=… trap=<…> action=…).

The check_spamtrap word that writes the records is tested at unit level
(tests/unit/policy/spamtrap_test.cpp) until the restriction language names it.
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

    def test_only_lmdb_blocklists(self):
        tern = self.new_tern(main_cf={"smtpd_client_restrictions":
                                      "check_client_access spamtrap:hash:/nonexistent/blocklist"})
        tern.write_config()
        r = tern.check_config()
        self.assertNotEqual(r.returncode, 0)
        self.assertIn("only lmdb: databases are supported", r.stderr)


if __name__ == "__main__":
    unittest.main()
