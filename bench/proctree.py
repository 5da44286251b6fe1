#!/usr/bin/python3
"""An MTA as a process tree: CPU time and memory summed over a master and all its
descendants, read from /proc (the bench's view of "all processes of the MTA").

  proctree.py pids PID        the tree's PIDs, one a line
  proctree.py cpu PID         CPU seconds used so far: utime+stime of every live process
                              plus cutime+cstime (its reaped children), so processes that
                              came and went during a run are counted once
  proctree.py mem PID         "PSS_KIB RSS_KIB PROCESSES" summed from smaps_rollup
  proctree.py busy            machine-wide busy and total jiffies from /proc/stat
"""

import os
import sys

TICK = os.sysconf("SC_CLK_TCK")


def _stat(pid):
    """(ppid, utime, stime, cutime, cstime, session) of pid, or None if it is gone."""
    try:
        with open("/proc/%d/stat" % pid) as f:
            text = f.read()
    except OSError:
        return None
    # pid (comm) state ppid ...: comm may hold spaces and parentheses.
    fields = text[text.rfind(")") + 2:].split()
    if fields[0] == "Z":
        return None
    return (int(fields[1]), int(fields[11]), int(fields[12]), int(fields[13]), int(fields[14]),
            int(fields[4]))


def tree(root):
    """root, its live descendants and the rest of its session (both masters are session
    leaders: a role orphaned by a dying master still counts)."""
    children = {}
    for name in os.listdir("/proc"):
        if name.isdigit():
            st = _stat(int(name))
            if st:
                children.setdefault(st[0], []).append(int(name))
                if st[5] == root and int(name) != root:
                    children.setdefault(root, []).append(int(name))
    out, seen, todo = [], set(), [root]
    while todo:
        pid = todo.pop()
        if pid in seen or _stat(pid) is None:
            continue
        seen.add(pid)
        out.append(pid)
        todo.extend(children.get(pid, []))
    return out


def cpu_seconds(root):
    total = 0
    for pid in tree(root):
        st = _stat(pid)
        if st:
            total += sum(st[1:5])
    return total / TICK


def memory_kib(root):
    pss = rss = n = 0
    for pid in tree(root):
        try:
            with open("/proc/%d/smaps_rollup" % pid) as f:
                for line in f:
                    if line.startswith("Pss:"):
                        pss += int(line.split()[1])
                    elif line.startswith("Rss:"):
                        rss += int(line.split()[1])
            n += 1
        except OSError:
            continue
    return pss, rss, n


def machine_jiffies():
    with open("/proc/stat") as f:
        cpu = [int(x) for x in f.readline().split()[1:]]
    idle = cpu[3] + cpu[4]
    return sum(cpu) - idle, sum(cpu)


def main(argv):
    if len(argv) == 2 and argv[1] == "busy":
        print("%d %d" % machine_jiffies())
        return 0
    if len(argv) != 3 or argv[1] not in ("pids", "cpu", "mem"):
        sys.stderr.write(__doc__)
        return 2
    root = int(argv[2])
    if argv[1] == "pids":
        print("\n".join(str(p) for p in tree(root)))
    elif argv[1] == "cpu":
        print("%.3f" % cpu_seconds(root))
    else:
        print("%d %d %d" % memory_kib(root))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
