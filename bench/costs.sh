#!/usr/bin/env bash
# Per-message costs of Tern and Postfix that do not depend on how busy the machine is:
# system calls, fsyncs, renames, process/thread creations, context switches and CPU time,
# counted by the kernel (perf stat tracepoints) over every process of the MTA — the
# master, its roles and every child they fork, including those that exit during the run —
# and divided by the number of messages.
#
#   bench/costs.sh [BUILD_DIR]        (as root, like bench/run.sh)
#
# Each cell starts a fresh MTA under `perf stat` with its counters disabled, sends one
# untimed warm-up message (relay and local, so the Maildir exists), enables the counters,
# runs smtp-source (-m COSTS_MESSAGES), waits until every message is delivered and the
# queue is empty again, disables the counters and stops the MTA. Wall-clock time is not
# reported: on a shared machine it is weather, these counts are not.
# Knobs: COSTS_MESSAGES (500), COSTS_CELLS ("KIND SESSIONS SIZE;..." default
#   "local 1 1024;local 20 1024;relay 1 1024;relay 20 1024"), COSTS_MTAS ("tern postfix"),
#   BENCH_PORTS (24900-24999), BENCH_KEEP=1 (keep the temporary directory),
#   BENCH_OUT (where costs.tsv and costs.md go; default BUILD/bench).
set -euo pipefail

BUILD=$(cd "${1:-build}" && pwd)
HERE=$(cd "$(dirname "$0")" && pwd)
PY=/usr/bin/python3
[ -x "$BUILD/bin/ternd" ] || { echo "costs: $BUILD/bin/ternd missing: build first" >&2; exit 2; }
for tool in perf postfix smtp-source smtp-sink openssl; do
  command -v "$tool" >/dev/null || { echo "costs: $tool missing" >&2; exit 2; }
done
[ "$(id -u)" = 0 ] || { echo "costs: run as root" >&2; exit 2; }

MESSAGES=${COSTS_MESSAGES:-500}
CELLS=${COSTS_CELLS:-"local 1 1024;local 20 1024;relay 1 1024;relay 20 1024"}
MTAS=${COSTS_MTAS:-"tern postfix"}
SMTPD_MAXPROC=200
WORK=$(mktemp -d /tmp/tern-costs.XXXXXX)
chmod 755 "$WORK"
OUT=${BENCH_OUT:-$BUILD/bench}
mkdir -p "$OUT"

. "$HERE/instances.sh"

# What the kernel counts. syscalls:* fire on entry, before the call can fail.
EVENTS=(task-clock context-switches raw_syscalls:sys_enter
        syscalls:sys_enter_fsync syscalls:sys_enter_fdatasync syscalls:sys_enter_syncfs
        syscalls:sys_enter_sync_file_range syscalls:sys_enter_rename syscalls:sys_enter_renameat2
        syscalls:sys_enter_link syscalls:sys_enter_openat syscalls:sys_enter_write
        syscalls:sys_enter_writev syscalls:sys_enter_unlink sched:sched_process_fork)

say() { echo "costs: $*" >&2; }
BASE_PORTS=${BENCH_PORTS:-24900-24999}

pick_ports() {
  local lo hi p picked=()
  IFS=- read -r lo hi <<<"$BASE_PORTS"
  for p in $(seq "$lo" "$hi"); do
    (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null && continue
    picked+=("$p")
    [ "${#picked[@]}" = 3 ] && break
  done
  [ "${#picked[@]}" = 3 ] || { echo "costs: no 3 free ports in $BASE_PORTS" >&2; exit 2; }
  TERN_PORT=${picked[0]}; PF_PORT=${picked[1]}; SINK_PORT=${picked[2]}
}

PERF_PID=
cleanup() {
  set +e
  sink_stop; counted_stop
  if [ "${BENCH_KEEP:-0}" = 1 ]; then say "kept $WORK"; else rm -rf "$WORK"; fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# The MTA in the foreground under perf stat, counters off until `counters enable`.
counted_start() {  # WHO
  local who=$1
  rm -f "$WORK/ctl" "$WORK/ack"; mkfifo "$WORK/ctl" "$WORK/ack"
  local cmd
  if [ "$who" = tern ]; then cmd=("$BUILD/bin/ternd" -c "$TERN_DIR/conf")
  else cmd=(postfix -c "$PF_DIR/conf" start-fg); fi
  setsid perf stat -x';' -o "$WORK/perf.out" -D -1 --control "fifo:$WORK/ctl,$WORK/ack" \
    -e "$(IFS=,; echo "${EVENTS[*]}")" -- "${cmd[@]}" </dev/null >>"$WORK/$who.out" 2>&1 &
  PERF_PID=$!
  COUNTED=$who
  exec 8>"$WORK/ctl" 9<"$WORK/ack"
  wait_banner "$(mta_port "$who")" || { cat "$WORK/$who.out" >&2; return 1; }
  if [ "$who" = tern ]; then TERN_PID=$PERF_PID; else PF_PID=$(tr -d ' ' < "$PF_DIR/spool/pid/master.pid"); fi
}

counters() {  # enable | disable
  local ack
  echo "$1" >&8
  read -r -t 10 ack <&9 || { say "perf did not acknowledge '$1'"; return 1; }
}

counted_stop() {
  [ -n "$PERF_PID" ] || return 0
  if [ "$COUNTED" = tern ]; then
    pkill_tree_term "$PERF_PID"
  else
    postfix -c "$PF_DIR/conf" stop >>"$WORK/postfix.out" 2>&1 || true
  fi
  wait_gone "$PERF_PID" 30 || kill_tree "$PERF_PID"
  wait "$PERF_PID" 2>/dev/null || true
  exec 8>&- 9<&-
  PERF_PID=; TERN_PID=; PF_PID=
}

# ternd is perf's child: SIGTERM it (and only it; it stops its roles), perf then prints.
pkill_tree_term() {
  local child
  child=$(ps -o pid= --ppid "$1" | tr -d ' ')
  [ -n "$child" ] && kill -TERM $child 2>/dev/null || true
}

queue_files() {  # WHO: files still in incoming/ and active/
  find "$(mta_dir "$1")/spool/incoming" "$(mta_dir "$1")/spool/active" -type f 2>/dev/null | wc -l
}

warm_up_both() {  # WHO
  local port target
  port=$(mta_port "$1")
  target=$(($(sink_count) + 1))
  smtp-source -s 1 -m 1 -l 1024 -f load@example.org -t rcpt@remote.test -M client.example.org \
    "inet:127.0.0.1:$port" >/dev/null 2>>"$WORK/smtp-source.err" || true
  "$PY" "$HERE/wait_count.py" sink "$SINK_OUT" "$target" 60 >/dev/null || { say "$1: no warm-up relay"; return 1; }
  smtp-source -s 1 -m 1 -l 1024 -f load@example.org -t nobody@example.test -M client.example.org \
    "inet:127.0.0.1:$port" >/dev/null 2>>"$WORK/smtp-source.err" || true
  "$PY" "$HERE/wait_count.py" maildir "$(mta_dir "$1")/maildirs/nobody/new" 1 60 >/dev/null ||
    { say "$1: no warm-up Maildir delivery"; return 1; }
  find "$(mta_dir "$1")/maildirs/nobody/new" -type f -delete
}

# One cell for one MTA; appends "kind sessions size who messages <event counts...>".
cell() {  # KIND SESSIONS SIZE WHO
  local kind=$1 s=$2 size=$3 who=$4 rcpt counter where target i
  counted_start "$who"
  warm_up_both "$who"
  if [ "$kind" = relay ]; then
    rcpt=rcpt@remote.test; counter=sink; where=$SINK_OUT; target=$(($(sink_count) + MESSAGES))
  else
    rcpt=nobody@example.test; counter=maildir; where="$(mta_dir "$who")/maildirs/nobody/new"; target=$MESSAGES
  fi
  sleep 1  # let start-up work settle before counting
  counters enable
  smtp-source -s "$s" -m "$MESSAGES" -l "$size" -f load@example.org -t "$rcpt" -M client.example.org \
    "inet:127.0.0.1:$(mta_port "$who")" >/dev/null 2>>"$WORK/smtp-source.err" || true
  "$PY" "$HERE/wait_count.py" "$counter" "$where" "$target" 120 >/dev/null ||
    { say "$kind $s sess: $who did not deliver all $MESSAGES"; counters disable; counted_stop; return 1; }
  for i in $(seq 200); do  # the queue side's completion work belongs to the message too
    [ "$(queue_files "$who")" = 0 ] && break
    sleep 0.05
  done
  counters disable
  counted_stop
  "$PY" - "$WORK/perf.out" "$kind" "$s" "$size" "$who" "$MESSAGES" >>"$OUT/costs.tsv" <<'PY'
import sys
path, kind, s, size, who, n = sys.argv[1:]
counts = {}
for line in open(path):
    f = line.strip().split(";")
    if len(f) < 3 or not f[2]:
        continue
    try:
        counts[f[2]] = float(f[0])
    except ValueError:  # "<not counted>": the event never fired
        counts[f[2]] = 0.0
print("\t".join([kind, s, size, who, n] + ["%s=%g" % kv for kv in counts.items()]))
PY
  say "$kind $s sess $size B: $who done"
}

pick_ports
make_tls_key
postfix_configure; tern_configure
sink_start
: >"$OUT/costs.tsv"
IFS=';' read -ra cell_list <<<"$CELLS"
for c in "${cell_list[@]}"; do
  read -r kind s size <<<"$c"
  for who in $MTAS; do cell "$kind" "$s" "$size" "$who"; done
done
"$PY" "$HERE/costs_table.py" "$OUT/costs.tsv" | tee "$OUT/costs.md"
