#!/usr/bin/python3
"""Wait until the far end has every message, then print the wall-clock time it did
(bash compares it with $EPOCHREALTIME).

  wait_count.py sink FILE TARGET STALL     FILE is the output of `smtp-sink -c`
                                           ("sess=N quit=N mesg=N\\r" per message)
  wait_count.py maildir DIR TARGET STALL   DIR is a Maildir's new/ directory
  wait_count.py count sink FILE | maildir DIR   print the count now

Gives up when the count has not grown for STALL seconds: exit status 1, the count
reached printed. Polls every 5 ms: reading the last bytes of a file or listing a
directory costs far less than a message does.
"""

import os
import re
import sys
import time

MESG = re.compile(rb"mesg=(\d+)")


def sink_count(path):
    try:
        with open(path, "rb") as f:
            f.seek(0, os.SEEK_END)
            f.seek(max(0, f.tell() - 256))
            found = MESG.findall(f.read())
    except OSError:
        return 0
    return int(found[-1]) if found else 0


def maildir_count(path):
    try:
        return sum(1 for n in os.listdir(path) if not n.startswith("."))
    except FileNotFoundError:
        return 0


COUNTERS = {"sink": sink_count, "maildir": maildir_count}


def main(argv):
    if len(argv) == 4 and argv[1] == "count" and argv[2] in COUNTERS:
        print(COUNTERS[argv[2]](argv[3]))
        return 0
    if len(argv) != 5 or argv[1] not in COUNTERS:
        sys.stderr.write(__doc__)
        return 2
    count, path, target, stall = COUNTERS[argv[1]], argv[2], int(argv[3]), float(argv[4])
    last, deadline = -1, 0.0
    while True:
        n = count(path)
        if n >= target:
            print("%.6f" % time.time())
            return 0
        if n != last:
            last, deadline = n, time.monotonic() + stall
        elif time.monotonic() > deadline:
            print(n)
            return 1
        time.sleep(0.005)


if __name__ == "__main__":
    sys.exit(main(sys.argv))
