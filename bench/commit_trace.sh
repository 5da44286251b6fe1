#!/usr/bin/env bash
# Where Tern's accept latency goes: the queue role's group commits, timed by the kernel.
# Starts ternd (bench/instances.sh settings, relay to smtp-sink), records the sync and
# file-create system calls of all its threads with `perf record` while bench/latency.py
# runs, then prints per commit batch: files, time from its first create to its directory
# fsync's end, and the idle gap before the next batch starts.
#
#   bench/commit_trace.sh [BUILD_DIR] [SESSIONS (100)] [MESSAGES (1000)]     (as root)
#
# BENCH_PORTS (24900-24999) as in bench/costs.sh. Latency values printed by latency.py
# depend on the machine's load; the batch structure (files per batch, gaps) is the point.
set -euo pipefail
BUILD=$(cd "${1:-build}" && pwd)
S=${2:-100}; N=${3:-1000}
HERE=$(cd "$(dirname "$0")" && pwd)
PY=/usr/bin/python3
[ "$(id -u)" = 0 ] || { echo "commit_trace: run as root" >&2; exit 2; }
WORK=$(mktemp -d /tmp/tern-trace.XXXXXX); chmod 755 "$WORK"
SMTPD_MAXPROC=$((S + 200))
. "$HERE/instances.sh"
IFS=- read -r lo hi <<<"${BENCH_PORTS:-24900-24999}"
picked=()
for p in $(seq "$lo" "$hi"); do
  (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null && continue
  picked+=("$p"); [ "${#picked[@]}" = 3 ] && break
done
TERN_PORT=${picked[0]}; SINK_PORT=${picked[1]}; PF_PORT=${picked[2]}
trap 'set +e; tern_stop; sink_stop; rm -rf "$WORK"' EXIT
make_tls_key; tern_configure; sink_start
tern_start; warm_up tern
pids=$("$PY" "$HERE/proctree.py" pids "$TERN_PID" | paste -sd,)
perf record -q -o "$WORK/perf.data" -p "$pids" \
  -e syscalls:sys_enter_fdatasync,syscalls:sys_exit_fdatasync,syscalls:sys_enter_fsync,syscalls:sys_exit_fsync,syscalls:sys_enter_openat \
  2>/dev/null &
PERF=$!
sleep 1
echo "latency.py (p50 ms, p99 ms, accepted, refused, msg/s): $("$PY" "$HERE/latency.py" "$TERN_PORT" "$S" "$N" 1024 rcpt@remote.test)"
kill -INT "$PERF"; wait "$PERF" || true
perf script -i "$WORK/perf.data" -F tid,time,event,trace 2>/dev/null | "$PY" "$HERE/commit_trace.py"
