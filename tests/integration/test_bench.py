"""Smoke test of `make bench` (bench/run.sh): the harness sets up Postfix and ternd side
by side, drives both with smtp-source into smtp-sink and into a Maildir, and every
message reaches its far end. BENCH_QUICK=1 with a handful of messages; no timing is
asserted (timings belong in bench/RESULTS.md, never in tests).
"""

import csv
import os
import re
import subprocess
import tempfile
import unittest

import harness

RUN = os.path.join(harness.SOURCE, "bench", "run.sh")


@unittest.skipUnless(os.geteuid() == 0, "the bench starts Postfix's master and ternd as root")
class BenchSmokeTest(unittest.TestCase):

    def run_bench(self, scenarios, out):
        env = dict(os.environ, BENCH_QUICK="1", BENCH_SCENARIOS=scenarios, BENCH_MESSAGES="12",
                   BENCH_OUT=out, BENCH_PORTS="25000-25999")
        proc = subprocess.run([RUN, harness.BUILD], env=env, stdout=subprocess.PIPE,
                              stderr=subprocess.STDOUT, timeout=500)
        text = proc.stdout.decode("utf-8", "replace")
        self.assertEqual(proc.returncode, 0, "bench/run.sh failed:\n" + text)
        with open(os.path.join(out, "results.tsv")) as f:
            return list(csv.reader(f, delimiter="\t")), text

    def test_relay_and_local_deliver_every_message_for_both(self):
        with tempfile.TemporaryDirectory(prefix="tern-bench-test-") as out:
            rows, text = self.run_bench("relay local", out)
        cells = {}
        for scenario, who, _round, value, unit, _better, _cpu, _busy in rows:
            self.assertNotEqual(value, "FAIL", "%s, %s:\n%s" % (scenario, who, text))
            cells.setdefault(scenario, set()).add(who)
        # BENCH_QUICK: sessions 1 and 5, sizes 1 KiB and 2 KiB, relay and local.
        self.assertEqual(len(cells), 8, text)
        for scenario, who in cells.items():
            self.assertTrue({"tern", "postfix"} <= who, scenario)
        # run.sh says per run how many of how many messages arrived.
        delivered = re.findall(r": (tern|postfix) delivered (\d+)/(\d+) ", text)
        for mta in ("tern", "postfix"):
            runs = [(n, of) for who, n, of in delivered if who == mta]
            self.assertEqual(len(runs), 8, text)
            self.assertTrue(all(n == of and int(n) >= 10 for n, of in runs), text)
        self.assertIn("| relay 5 sess, 1KiB | msg/s |", text)


if __name__ == "__main__":
    unittest.main()
