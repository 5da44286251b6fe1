"""End-to-end tests of the table tools under their Postfix names (build/compat): postmap
builds, queries, dumps, deletes from and adds to LMDB indexes with Postfix's exit
statuses and diagnostics; a Makefile of postmap lines rebuilds an index only when its
source changed; postalias and newaliases build alias databases that a running ternd
then uses through alias_maps = hash:aliases.

Run: TERN_BUILD=/work/wt-lmdb/build /usr/bin/python3 -m unittest -v test_postmap
"""

import os
import subprocess
import time
import unittest

import harness
from harness import TernTestCase


class PostmapTest(TernTestCase):

    def setUp(self):
        self.tern = self.new_tern()

    def run_tool(self, name, *args, input=None, cwd=None):
        """A compat tool with -c on the test's configuration directory."""
        return subprocess.run([os.path.join(harness.COMPAT, name), "-c", self.tern.dir] + list(args),
                              input=input, stdin=None if input is not None else subprocess.DEVNULL,
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                              timeout=30, cwd=cwd or self.tern.dir)

    def assertRun(self, r, code, stdout="", stderr=""):
        self.assertEqual((r.returncode, r.stdout, r.stderr), (code, stdout, stderr))

    def set_mtime(self, name, delta):
        t = time.time() + delta
        os.utime(self.tern.path(name), (t, t))

    # ---- postmap ---------------------------------------------------------------------

    def test_build_query_and_dump(self):
        self.tern.write_file("virtual", "# virtual(5)\nInfo@Example.TEST  alice\n"
                                        "sales@example.test bob,\n  carol\n"
                                        "\"a b\"@example.test quoted\n")
        self.assertRun(self.run_tool("postmap", "virtual"), 0)
        self.assertTrue(os.path.exists(self.tern.path("virtual.db")))
        self.assertFalse(os.path.exists(self.tern.path("virtual.db-lock")))
        self.assertRun(self.run_tool("postmap", "-q", "INFO@example.test", "hash:virtual"), 0, "alice\n")
        self.assertRun(self.run_tool("postmap", "-q", "sales@example.test", "virtual"), 0, "bob, carol\n")
        self.assertRun(self.run_tool("postmap", "-q", "\"a b\"@example.test", "virtual"), 0, "quoted\n")
        self.assertRun(self.run_tool("postmap", "-q", "nobody@example.test", "virtual"), 1)
        self.assertRun(self.run_tool("postmap", "-s", "hash:virtual"), 0,
                       "\"a b\"@example.test\tquoted\ninfo@example.test\talice\n"
                       "sales@example.test\tbob, carol\n")
        # tern map is the same command.
        r = subprocess.run([harness.TERN, "map", "-c", self.tern.dir, "-q", "info@example.test",
                            self.tern.path("virtual")], stdout=subprocess.PIPE,
                           stderr=subprocess.PIPE, text=True, timeout=30)
        self.assertRun(r, 0, "alice\n")

    def test_lmdb_and_several_files_in_one_call(self):
        self.tern.write_file("one", "a 1\n")
        self.tern.write_file("two", "b 2\n")
        self.assertRun(self.run_tool("postmap", "lmdb:one", "btree:two"), 0)
        self.assertTrue(os.path.exists(self.tern.path("one.lmdb")))
        self.assertTrue(os.path.exists(self.tern.path("two.db")))
        # -q searches the tables in order and prints the first value.
        self.assertRun(self.run_tool("postmap", "-q", "b", "lmdb:one", "btree:two"), 0, "2\n")

    def test_duplicates_warn_and_keep_the_first(self):
        self.tern.write_file("t", "foo first\nFOO second\n")
        self.assertRun(self.run_tool("postmap", "t"), 0, "",
                       "postmap: warning: t:2: duplicate entry: \"foo\"\n")
        self.assertRun(self.run_tool("postmap", "-q", "foo", "t"), 0, "first\n")
        self.assertRun(self.run_tool("postmap", "-r", "t"), 0)
        self.assertRun(self.run_tool("postmap", "-q", "foo", "t"), 0, "second\n")

    def test_bad_source_line_fails_and_keeps_the_old_index(self):
        self.tern.write_file("t", "a 1\n")
        self.assertRun(self.run_tool("postmap", "t"), 0)
        self.tern.write_file("t", "a 2\nlonely\n")
        self.set_mtime("t.db", -10)  # surely older, whatever the clock granularity
        self.assertRun(self.run_tool("postmap", "t"), 2, "",
                       "postmap: fatal: t:2: expected \"key whitespace value\": \"lonely\"\n")
        self.assertRun(self.run_tool("postmap", "-q", "a", "t"), 0, "1\n",
                       "postmap: warning: database t.db is older than source file t\n")
        self.assertEqual(sorted(os.listdir(self.tern.dir)),
                         ["main.cf", "master.cf", "passwd", "t", "t.db"])

    def test_errors_and_usage(self):
        self.assertRun(self.run_tool("postmap", "missing"), 2, "",
                       "postmap: fatal: open missing: No such file or directory\n")
        self.assertRun(self.run_tool("postmap", "-q", "x", "hash:missing"), 2, "",
                       "postmap: fatal: table \"hash:missing\": open database missing.db: No such "
                       "file or directory (run \"postmap hash:missing\", or \"postalias "
                       "hash:missing\" for an aliases file)\n")
        self.assertRun(self.run_tool("postmap", "-q", "x", "fail:test"), 2, "",
                       "postmap: fatal: table fail:test lookup error\n")
        usage = ("postmap: fatal: usage: postmap [-fiprsw] [-c config_dir] [-d key] [-q key] "
                 "[map_type:]file...\n")
        self.assertRun(self.run_tool("postmap"), 64, "", usage)
        self.assertRun(self.run_tool("postmap", "-z", "t"), 64, "", usage)
        self.assertRun(self.run_tool("postmap", "-q", "a", "-s", "t"), 64, "",
                       "postmap: fatal: specify only one of -s or -q or -d\n")
        self.assertRun(self.run_tool("postmap", "-N", "t"), 64, "",
                       "postmap: fatal: option -N is not supported by Tern\n")
        self.assertRun(self.run_tool("postmap", "texthash:t"), 2, "",
                       "postmap: fatal: unsupported database type \"texthash\" for building "
                       "(hash, btree, lmdb)\n")

    def test_query_from_stdin_delete_and_incremental(self):
        self.tern.write_file("t", "a 1\nb 2\nc 3\n")
        self.assertRun(self.run_tool("postmap", "t"), 0)
        self.assertRun(self.run_tool("postmap", "-q", "-", "t", input="A\nnope\nc\n"), 0, "A\t1\nc\t3\n")
        self.assertRun(self.run_tool("postmap", "-q", "-", "t", input="nope\n"), 1)
        self.assertRun(self.run_tool("postmap", "-d", "B", "t"), 0)
        self.assertRun(self.run_tool("postmap", "-d", "b", "t"), 1)
        self.assertRun(self.run_tool("postmap", "-d", "-", "t", input="a\nzz\n"), 0)
        self.assertRun(self.run_tool("postmap", "-s", "t"), 0, "c\t3\n")
        self.assertRun(self.run_tool("postmap", "-i", "t", input="D 4\nc 30\n"), 0, "",
                       "postmap: warning: stdin:2: duplicate entry: \"c\"\n")
        self.assertRun(self.run_tool("postmap", "-s", "t"), 0, "c\t3\nd\t4\n")
        # -i creates a missing index.
        self.assertRun(self.run_tool("postmap", "-i", "lmdb:fresh", input="k v\n"), 0)
        self.assertRun(self.run_tool("postmap", "-q", "k", "lmdb:fresh"), 0, "v\n")

    def test_minus_f_keeps_case(self):
        self.tern.write_file("t", "MiXed v\n")
        self.assertRun(self.run_tool("postmap", "-f", "t"), 0)
        self.assertRun(self.run_tool("postmap", "-fq", "MiXed", "t"), 0, "v\n")
        self.assertRun(self.run_tool("postmap", "-fq", "mixed", "t"), 1)
        self.assertRun(self.run_tool("postmap", "-q", "MiXed", "t"), 1)  # folded to "mixed"

    def test_query_other_table_types(self):
        self.tern.write_file("plain", "foo texthash-value\n")
        self.assertRun(self.run_tool("postmap", "-q", "foo", "inline:{foo=bar}"), 0, "bar\n")
        self.assertRun(self.run_tool("postmap", "-q", "FOO", "texthash:plain"), 0, "texthash-value\n")
        self.assertRun(self.run_tool("postmap", "-q", "x", "static:{fixed answer}"), 0, "fixed answer\n")
        self.assertRun(self.run_tool("postmap", "-s", "inline:{a=b}"), 2, "",
                       "postmap: fatal: table \"inline:{a=b}\": -s works only with hash, btree "
                       "and lmdb tables\n")

    def test_index_permissions_follow_the_source(self):
        self.tern.write_file("secret", "k v\n")
        os.chmod(self.tern.path("secret"), 0o640)
        self.assertRun(self.run_tool("postmap", "secret"), 0)
        self.assertEqual(os.stat(self.tern.path("secret.db")).st_mode & 0o777, 0o640)
        self.assertRun(self.run_tool("postmap", "-p", "secret"), 0)
        self.assertEqual(os.stat(self.tern.path("secret.db")).st_mode & 0o777, 0o644)

    def test_makefile_rebuilds_only_changed_tables(self):
        self.tern.write_file("virtual", "a@example.test one\n")
        self.tern.write_file("access", "192.0.2.1 REJECT\n")
        self.tern.write_file("Makefile",
                             "all: virtual.db access.db\n"
                             "virtual.db: virtual\n\tpostmap virtual\n"
                             "access.db: access\n\tpostmap hash:access\n")
        env = dict(os.environ, PATH=harness.COMPAT + ":" + os.environ.get("PATH", "/usr/bin:/bin"),
                   MAIL_CONFIG=self.tern.dir)
        # Run as the admin would, not as a sub-make of `make test` ("make[1]: …").
        for outer in ("MAKELEVEL", "MAKEFLAGS", "MFLAGS", "MAKEOVERRIDES"):
            env.pop(outer, None)

        def make():
            return subprocess.run(["make", "--no-print-directory"], cwd=self.tern.dir, env=env,
                                  stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                                  stderr=subprocess.PIPE, text=True, timeout=60)

        self.assertRun(make(), 0, "postmap virtual\npostmap hash:access\n")
        self.assertRun(make(), 0, "make: Nothing to be done for 'all'.\n")
        self.tern.write_file("virtual", "a@example.test two\n")
        self.set_mtime("virtual.db", -10)  # older than the source whatever the clock granularity
        self.assertRun(make(), 0, "postmap virtual\n")
        self.assertRun(self.run_tool("postmap", "-q", "a@example.test", "virtual"), 0, "two\n")
        # A bad line stops make with postmap's status and message.
        self.tern.write_file("access", "192.0.2.2\n")
        self.set_mtime("access.db", -10)
        r = make()
        self.assertNotEqual(r.returncode, 0)
        self.assertIn("postmap: fatal: access:1: expected \"key whitespace value\": \"192.0.2.2\"",
                      r.stderr)


class AliasesTest(TernTestCase):

    ALIASES = ("# aliases(5)\nPostmaster: alice\nteam: alice,\n  bob\n"
               "\"Quoted Name\": bob\nroot: alice\nroot: bob\n")

    def test_postalias_builds_and_queries(self):
        tern = self.new_tern()
        tern.write_file("aliases", self.ALIASES)
        r = tern.tool("postalias", "-c", tern.dir, tern.path("aliases"))
        self.assertEqual((r.returncode, r.stdout, r.stderr),
                         (0, "", "postalias: warning: %s:7: duplicate entry: \"root\"\n"
                          % tern.path("aliases")))
        r = tern.tool("postalias", "-c", tern.dir, "-s", tern.path("aliases"))
        self.assertEqual(r.stdout, "postmaster:\talice\nquoted name:\tbob\nroot:\talice\n"
                                   "team:\talice, bob\n")
        r = tern.tool("postalias", "-c", tern.dir, "-q", "-", "hash:" + tern.path("aliases"),
                      input="TEAM\nnobody\n")
        self.assertEqual((r.returncode, r.stdout), (0, "TEAM:\talice, bob\n"))
        bad = tern.path("bad")
        with open(bad, "w") as f:
            f.write("ok: x\nuser@example.test: y\n")
        r = tern.tool("postalias", "-c", tern.dir, bad)
        self.assertEqual((r.returncode, r.stderr),
                         (2, "postalias: fatal: %s:2: name must be local: \"user@example.test\"\n" % bad))

    def test_newaliases_then_ternd_delivers_through_the_index(self):
        tern = self.new_tern(main_cf={"alias_maps": "hash:aliases", "alias_database": "hash:aliases"})
        tern.write_file("aliases", self.ALIASES)
        r = tern.tool("newaliases", "-c", tern.dir)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertTrue(os.path.exists(tern.path("aliases.db")))
        tern.start()
        tern.wait_for_log(r"^disconnect from ")
        r = tern.swaks("team@example.test")
        self.assertEqual(r.returncode, 0, r.stdout)
        tern.wait_for_maildir("alice", 1)
        tern.wait_for_maildir("bob", 1)
        # newaliases rebuilds under the running daemon; sendmail -bi is the same command.
        tern.write_file("aliases", self.ALIASES + "newlist: bob\n")
        r = tern.tool("sendmail", "-C", tern.dir, "-bi")
        self.assertEqual(r.returncode, 0, r.stderr)
        r = tern.tool("postalias", "-c", tern.dir, "-q", "newlist", "hash:" + tern.path("aliases"))
        self.assertEqual((r.returncode, r.stdout), (0, "bob\n"))
        # An open table looks for a rebuilt index at most once a second (IndexOptions::recheck).
        time.sleep(1.2)
        r = tern.swaks("newlist@example.test")
        self.assertEqual(r.returncode, 0, r.stdout)
        tern.wait_for_maildir("bob", 2)

    def test_newaliases_reports_a_missing_source(self):
        tern = self.new_tern(main_cf={"alias_database": "hash:aliases"})
        r = tern.tool("newaliases", "-c", tern.dir)
        self.assertEqual((r.returncode, r.stderr),
                         (2, "newaliases: fatal: open %s: No such file or directory\n"
                          % tern.path("aliases")))


if __name__ == "__main__":
    unittest.main()
