#!/usr/bin/python3
"""The bench's table: medians per scenario for Tern and Postfix, their ratio, and the
floors, from the results file run.sh writes (tab-separated, one line per measurement):

  scenario  who  round  value  unit  better(hi|lo|n: no ratio)  mta_cpu_ms_per_msg  machine_busy_pct

`who` is tern, postfix, tools (smtp-source straight into smtp-sink) or floor. A value
of FAIL marks a run that did not deliver everything; the median then says FAIL.

  table.py RESULTS.tsv...  prints a Markdown table (several files: one table, e.g. the
                           light scenarios and the heavy ones run at different times)
"""

import statistics
import sys

MTAS = ("tern", "postfix")


def median(values):
    if not values:
        return None
    if any(v == "FAIL" for v in values):
        return "FAIL"
    numbers = [float(v) for v in values if v != "-"]
    return statistics.median(numbers) if numbers else None


def fmt(v):
    if v is None:
        return "–"
    if v == "FAIL":
        return "FAIL"
    if abs(v) >= 100:
        return "%.0f" % v
    if abs(v) >= 10:
        return "%.1f" % v
    return "%.2f" % v


def load(path):
    rows = []
    with open(path) as f:
        for line in f:
            fields = line.rstrip("\n").split("\t")
            if len(fields) == 8 and not line.startswith("#"):
                rows.append(fields)
    return rows


def main(argv):
    if len(argv) < 2:
        sys.stderr.write(__doc__)
        return 2
    rows = [row for path in argv[1:] for row in load(path)]
    order, cells = [], {}
    for scenario, who, _round, value, unit, better, cpu, busy in rows:
        if scenario not in cells:
            order.append(scenario)
            cells[scenario] = {"unit": unit, "better": better}
        cell = cells[scenario].setdefault(who, {"value": [], "cpu": [], "busy": []})
        cell["value"].append(value)
        cell["cpu"].append(cpu)
        cell["busy"].append(busy)
    print("| scenario | unit | Tern | Postfix | Tern advantage | tools alone / floor "
          "| CPU ms/msg Tern / Postfix | machine busy % Tern / Postfix | rounds |")
    print("|---|---|---:|---:|---:|---:|---:|---:|---:|")
    for scenario in order:
        c = cells[scenario]
        t = median(c.get("tern", {}).get("value", []))
        p = median(c.get("postfix", {}).get("value", []))
        other = c.get("tools") or c.get("floor") or {}
        ratio = None
        if isinstance(t, float) and isinstance(p, float) and t > 0 and p > 0 and c["better"] != "n":
            ratio = t / p if c["better"] == "hi" else p / t
        cpu = " / ".join(fmt(median(c.get(m, {}).get("cpu", []))) for m in MTAS)
        busy = " / ".join(fmt(median(c.get(m, {}).get("busy", []))) for m in MTAS)
        rounds = max(len(c.get(m, other).get("value", [])) for m in MTAS + ("floor", "tools") if m in c)
        unit = c["unit"] + (" (lower is better)" if c["better"] == "lo" else "")
        print("| %s | %s | %s | %s | %s | %s | %s | %s | %d |" % (
            scenario, unit, fmt(t), fmt(p), ("%.2f×" % ratio) if ratio else "–",
            fmt(median(other.get("value", []))), cpu, busy, rounds))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
