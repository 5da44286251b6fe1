#!/usr/bin/python3
"""The table of bench/costs.sh: per-message counts from its costs.tsv (one line per
cell and MTA: "KIND SESSIONS SIZE WHO MESSAGES event=count ...", tab-separated).

  costs_table.py COSTS.tsv    prints a Markdown table, one row per cell and MTA
"""

import sys

# Column: (heading, events summed, scale)
COLUMNS = [
    ("CPU ms", ["task-clock"], 1.0),  # perf reports task-clock in ms
    ("context switches", ["context-switches"], 1.0),
    ("syscalls", ["raw_syscalls:sys_enter"], 1.0),
    ("fsync + fdatasync + syncfs", ["syscalls:sys_enter_fsync", "syscalls:sys_enter_fdatasync",
                                    "syscalls:sys_enter_syncfs", "syscalls:sys_enter_sync_file_range"], 1.0),
    ("rename + link", ["syscalls:sys_enter_rename", "syscalls:sys_enter_renameat2",
                       "syscalls:sys_enter_link"], 1.0),
    ("openat", ["syscalls:sys_enter_openat"], 1.0),
    ("write + writev", ["syscalls:sys_enter_write", "syscalls:sys_enter_writev"], 1.0),
    ("unlink", ["syscalls:sys_enter_unlink"], 1.0),
    ("processes + threads made", ["sched:sched_process_fork"], 1.0),
]


def rows(path):
    for line in open(path):
        f = line.rstrip("\n").split("\t")
        if len(f) < 5:
            continue
        kind, sessions, size, who, n = f[:5]
        counts = {}
        for kv in f[5:]:
            k, _, v = kv.rpartition("=")
            counts[k] = float(v)
        yield kind, sessions, size, who, int(n), counts


def main(argv):
    if len(argv) != 2:
        sys.stderr.write(__doc__)
        return 2
    print("| cell | MTA | messages | " + " | ".join(c[0] + " / msg" for c in COLUMNS) + " |")
    print("|---|---|---:|" + "---:|" * len(COLUMNS))
    for kind, sessions, size, who, n, counts in rows(argv[1]):
        label = "%s %s sess, %d KiB" % (kind, sessions, int(size) // 1024)
        cells = []
        for _, events, scale in COLUMNS:
            v = sum(counts.get(e, 0.0) for e in events) * scale / n
            cells.append("%.2f" % v if v < 100 else "%.0f" % v)
        print("| %s | %s | %d | %s |" % (label, who, n, " | ".join(cells)))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
