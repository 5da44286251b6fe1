#!/usr/bin/env bash
# make bench: Tern and Postfix side by side in one run, driven by Postfix's smtp-source
# and smtp-sink, rounds interleaved (A B A B ...) so machine drift cancels; prints a table
# of medians and ratios beside the physical floors measured in the same run.
#
#   bench/run.sh [BUILD_DIR]        (as root: both MTAs start as root, like in production)
#
# Scenarios (BENCH_SCENARIOS, a subset of: floors relay local latency tls idle queue; by
# default in the order relay local latency tls idle queue floors: the floors' own file
# creates and deletes slow later creates on an ext4 without a journal, see bench/RESULTS.md)
#   floors   fsync'd small-file creates/s on the queue disk (1 and 20 threads), loopback bandwidth
#   relay    smtp-source -> MTA -> smtp-sink, 1/20/100 sessions x 1/20/500 KiB, msg/s until the
#            sink has them all; beside it smtp-source straight into smtp-sink (the tools' ceiling)
#   local    the same into a Maildir (local(8), mail_spool_directory ending in /)
#   latency  end of DATA to 250, p50/p99, 100 sessions (bench/latency.py), closed loop and
#            open loop at BENCH_LATENCY_RATE messages/s offered (default 300)
#   tls      STARTTLS handshakes/s (bench/tls_rate.py)
#   idle     BENCH_IDLE connections held after EHLO: PSS and RSS per connection, all processes
#   queue    BENCH_QUEUE messages deferred (sink down): postqueue -p/-j time, idle CPU, flush time
# Knobs: BENCH_ROUNDS (3), BENCH_MESSAGES (2000; /4 at 1 session, /10 at 500 KiB),
#   BENCH_QUICK=1 (smoke run: 1 round, tiny sizes and counts), BENCH_IDLE (10000),
#   BENCH_IDLE_POSTFIX (BENCH_IDLE; Postfix needs ~1.7 MiB PSS per idle connection: mind memory),
#   BENCH_QUEUE (100000), BENCH_TLS (2000), BENCH_PORTS (25500-25599), BENCH_FLUSH_STALL (330:
#   seconds without progress before a flush counts as failed), BENCH_KEEP=1 (keep the
#   temporary directory), BENCH_OUT (where results.tsv and table.md go; default BUILD/bench).
# Exit status 1 when any MTA failed to deliver everything it accepted.
set -euo pipefail

BUILD=$(cd "${1:-build}" && pwd)
HERE=$(cd "$(dirname "$0")" && pwd)
PY=/usr/bin/python3
[ -x "$BUILD/bin/ternd" ] || { echo "bench: $BUILD/bin/ternd missing: build first" >&2; exit 2; }
for tool in postfix smtp-source smtp-sink postqueue openssl; do
  command -v "$tool" >/dev/null || { echo "bench: $tool missing (scripts/deps.sh)" >&2; exit 2; }
done
[ "$(id -u)" = 0 ] || { echo "bench: run as root (Postfix's master and ternd start as root)" >&2; exit 2; }

if [ "${BENCH_QUICK:-0}" = 1 ]; then
  ROUNDS=${BENCH_ROUNDS:-1}; MESSAGES=${BENCH_MESSAGES:-20}; SIZES="1024 2048"; SESSIONS="1 5"
  IDLE=${BENCH_IDLE:-50}; QUEUE_MESSAGES=${BENCH_QUEUE:-100}; TLS_HANDSHAKES=${BENCH_TLS:-40}
  IDLE_SECONDS=2; FLOOR_SECONDS=0.5
else
  ROUNDS=${BENCH_ROUNDS:-3}; MESSAGES=${BENCH_MESSAGES:-2000}; SIZES="1024 20480 512000"
  SESSIONS="1 20 100"; IDLE=${BENCH_IDLE:-10000}; QUEUE_MESSAGES=${BENCH_QUEUE:-100000}
  TLS_HANDSHAKES=${BENCH_TLS:-2000}; IDLE_SECONDS=30; FLOOR_SECONDS=3
fi
SCENARIOS=${BENCH_SCENARIOS:-relay local latency tls idle queue floors}
IDLE_POSTFIX=${BENCH_IDLE_POSTFIX:-$IDLE}
FLUSH_STALL=${BENCH_FLUSH_STALL:-330}
LATENCY_RATE=${BENCH_LATENCY_RATE:-300}
SMTPD_MAXPROC=$(( (IDLE > IDLE_POSTFIX ? IDLE : IDLE_POSTFIX) + 200))
FAILURES=0

WORK=$(mktemp -d /tmp/tern-bench.XXXXXX)
chmod 755 "$WORK"
OUT=${BENCH_OUT:-$BUILD/bench}
mkdir -p "$OUT"
RESULTS="$OUT/results.tsv"
: >"$RESULTS"

. "$HERE/instances.sh"
. "$HERE/scenarios.sh"

cleanup() {
  set +e
  [ -n "${HOLDER_PID:-}" ] && kill -TERM "$HOLDER_PID" 2>/dev/null
  sink_stop; tern_stop; postfix_stop
  if [ "${BENCH_KEEP:-0}" = 1 ]; then echo "bench: kept $WORK" >&2; else rm -rf "$WORK"; fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# Loopback ports in BENCH_PORTS that nothing listens on.
pick_ports() {
  local lo hi p picked=()
  IFS=- read -r lo hi <<<"${BENCH_PORTS:-25500-25599}"
  for p in $(seq "$lo" "$hi"); do
    (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null && continue
    picked+=("$p")
    [ "${#picked[@]}" = 4 ] && break
  done
  [ "${#picked[@]}" = 4 ] || { echo "bench: no 4 free ports in ${BENCH_PORTS:-25500-25599}" >&2; exit 2; }
  TERN_PORT=${picked[0]}; PF_PORT=${picked[1]}; SINK_PORT=${picked[2]}; LOOP_PORT=${picked[3]}
}

machine() {
  echo "date: $(date -u '+%Y-%m-%d %H:%M UTC')"
  echo "machine: $(nproc) CPUs ($(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'))," \
       "$(free -g | awk '/^Mem:/ { print $2 }') GiB memory, kernel $(uname -r)"
  echo "queue disk: $(df -T "$WORK" | awk 'NR == 2 { print $1, $2 }'), load average $(cut -d' ' -f1-3 /proc/loadavg)"
  echo "Postfix $(postconf -c "$PF_DIR/conf" -h mail_version), Tern $(git -C "$HERE/.." rev-parse --short HEAD 2>/dev/null || echo '?')"
  echo "rounds $ROUNDS, messages $MESSAGES, idle $IDLE (Postfix $IDLE_POSTFIX), queue $QUEUE_MESSAGES," \
       "scenarios: $SCENARIOS"
}

pick_ports
ulimit -n 20000 2>/dev/null || ulimit -n "$(ulimit -Hn)"
make_tls_key
postfix_configure; tern_configure
machine | tee "$OUT/machine.txt" >&2
sink_start; mta_start postfix; mta_start tern
say "Tern on :$TERN_PORT (pid $TERN_PID), Postfix on :$PF_PORT (pid $PF_PID), smtp-sink on :$SINK_PORT"

for scenario in $SCENARIOS; do
  case $scenario in
    floors) for r in $(seq "$ROUNDS"); do floors_once "$r"; done ;;
    relay) throughput_matrix relay ;;
    local) throughput_matrix local ;;
    latency) latency_matrix ;;
    tls) tls_matrix ;;
    idle) idle_matrix ;;
    queue) queue_scenario ;;
    *) echo "bench: unknown scenario $scenario" >&2; exit 2 ;;
  esac
done

echo "load average at the end: $(cut -d' ' -f1-3 /proc/loadavg)" >>"$OUT/machine.txt"
"$PY" "$HERE/table.py" "$RESULTS" | tee "$OUT/table.md"
cat "$OUT/machine.txt"
if [ "$FAILURES" != 0 ]; then say "$FAILURES failures (see above)"; exit 1; fi
