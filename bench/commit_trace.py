#!/usr/bin/python3
"""Commit batches from `perf script -F tid,time,event,trace` of ternd's sync system calls
(bench/commit_trace.sh). A batch: the queue files created (open with O_CREAT|O_EXCL),
their fdatasyncs, and the directory fsync that ends it.

  commit_trace.py < perf-script-output
"""

import re
import statistics
import sys

LINE = re.compile(r"\s*(\d+)\s+([\d.]+):\s+syscalls:sys_(enter|exit)_(\w+):(.*)")


def summary(name, values):
    v = sorted(values)
    if not v:
        return "%s: none" % name
    return "%s: p50 %.2f, p90 %.2f, max %.2f, mean %.2f" % (
        name, v[len(v) // 2], v[int(len(v) * 0.9)], v[-1], statistics.mean(v))


def main(argv):
    if len(argv) != 1:
        sys.stderr.write(__doc__)
        return 2
    events = []
    for line in sys.stdin:
        m = LINE.match(line)
        if m:
            events.append((float(m.group(2)), m.group(3), m.group(4), m.group(5)))
    events.sort()
    batches, start, files = [], None, 0
    for t, edge, call, rest in events:
        # A queue file's create: O_WRONLY|O_CREAT|O_EXCL|O_CLOEXEC (Maildir files add O_TRUNC).
        if call == "openat" and edge == "enter" and "flags: 0x000800c1," in rest:
            if start is None:
                start = t
            files += 1
        elif call == "fsync" and edge == "exit" and start is not None:
            batches.append((start, t, files))
            start, files = None, 0
    if not batches:
        print("no commit batches seen")
        return 1
    print("batches: %d, files per batch: mean %.1f" % (len(batches), statistics.mean(f for _, _, f in batches)))
    print(summary("first create to directory fsync end, ms", [(b - a) * 1000 for a, b, _ in batches]))
    print(summary("gap before the next batch, ms",
                  [(batches[i + 1][0] - batches[i][1]) * 1000 for i in range(len(batches) - 1)]))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
