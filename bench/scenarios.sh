# Sourced by run.sh: one function per scenario of issue 9. Each measurement appends a
# line to $RESULTS (see table.py for the columns) and says what it did on stderr.
# Interleaving: every cell runs A B A B ... (the first MTA alternates by round).

calc() { awk "BEGIN { printf \"%.3f\", $1 }"; }
busy_now() { "$PY" "$HERE/proctree.py" busy; }
busy_pct() {  # "B0 T0" "B1 T1"
  local b0 t0 b1 t1; read -r b0 t0 <<<"$1"; read -r b1 t1 <<<"$2"
  calc "($b1 - $b0) * 100 / ($t1 - $t0 + 0.0001)"
}
record() { printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$@" >>"$RESULTS"; }
say() { echo "bench: $*" >&2; }
fail() { FAILURES=$((FAILURES + 1)); say "FAIL: $*"; }
order() { if [ $(($1 % 2)) = 1 ]; then echo "$2 $3"; else echo "$3 $2"; fi; }
size_label() { if [ "$1" -ge 1024 ]; then echo "$(($1 / 1024))KiB"; else echo "${1}B"; fi; }

maildir_new() { echo "$(mta_dir "$1")/maildirs/nobody/new"; }
# The last cell's Maildir is moved aside whole, not deleted: on ext4 without a journal
# (this machine's disk) every inode freed in the last minutes lengthens each later file
# create (the allocator skips them, `recently_deleted`), so deleting 2,000 messages here
# would charge the harness's cleanup to the next cell's MTA. The MTA makes a new Maildir;
# everything goes when the bench's directory is removed at the end.
MAILDIRS_MOVED=0
maildir_empty() {
  local d
  d="$(mta_dir "$1")/maildirs/nobody"
  [ -d "$d" ] || return 0
  MAILDIRS_MOVED=$((MAILDIRS_MOVED + 1))
  mkdir -p "$WORK/delivered"
  mv "$d" "$WORK/delivered/$1.$MAILDIRS_MOVED"
}

# ---- floors -----------------------------------------------------------------------

floors_once() {  # ROUND
  local v
  v=$("$PY" "$HERE/fsync_floor.py" "$WORK/fsync-floor" 1 "$FLOOR_SECONDS")
  record "floor: fsync'd 1 KiB file creates, 1 thread" floor "$1" "$v" "files/s" hi - -
  v=$("$PY" "$HERE/fsync_floor.py" "$WORK/fsync-floor" 20 "$FLOOR_SECONDS")
  record "floor: fsync'd 1 KiB file creates, 20 threads" floor "$1" "$v" "files/s" hi - -
  v=$("$PY" "$HERE/loopback_floor.py" "$LOOP_PORT" "$FLOOR_SECONDS")
  record "floor: loopback TCP bandwidth" floor "$1" "$v" "MiB/s" hi - -
  say "floors round $1 done"
}

# ---- relay and local: smtp-source -> MTA -> smtp-sink or Maildir ---------------------

# throughput_once KIND WHO SESSIONS SIZE COUNT ROUND   (KIND relay|local; WHO tern|postfix|tools)
throughput_once() {
  local kind=$1 who=$2 s=$3 size=$4 n=$5 round=$6 port rcpt target counter where cpu0=- cpu=- b0 t0 t1 v
  local label
  label="$kind $s sess, $(size_label "$size")"
  if [ "$who" = tools ]; then port=$SINK_PORT; else port=$(mta_port "$who"); fi
  if [ "$kind" = relay ]; then
    rcpt=rcpt@remote.test; counter=sink; where=$SINK_OUT
    target=$(($(sink_count) + n))
  else
    rcpt=nobody@example.test; counter=maildir; where=$(maildir_new "$who")
    maildir_empty "$who"; target=$n
  fi
  [ "$who" = tools ] || cpu0=$(mta_cpu "$who")
  b0=$(busy_now); t0=$EPOCHREALTIME
  smtp-source -s "$s" -m "$n" -l "$size" -f load@example.org -t "$rcpt" -M client.example.org \
    "inet:127.0.0.1:$port" >/dev/null 2>>"$WORK/smtp-source.err" || true
  if t1=$("$PY" "$HERE/wait_count.py" "$counter" "$where" "$target" 120); then
    v=$(calc "$n / ($t1 - $t0)")
    [ "$who" = tools ] || cpu=$(calc "($(mta_cpu "$who") - $cpu0) * 1000 / $n")
    say "$label, round $round: $who delivered $n/$n in $(calc "$t1 - $t0") s ($v msg/s)"
  else
    v=FAIL
    fail "$label, round $round: $who delivered only $((t1 - (target - n)))/$n"
  fi
  record "$label" "$who" "$round" "$v" "msg/s" hi "$cpu" "$(busy_pct "$b0" "$(busy_now)")"
}

throughput_matrix() {  # KIND
  local s size n r who
  for size in $SIZES; do
    for s in $SESSIONS; do
      n=$MESSAGES
      [ "$size" -gt 100000 ] && n=$((MESSAGES / 10))
      [ "$s" = 1 ] && n=$((n / 4))
      [ "$n" -lt 10 ] && n=10
      for r in $(seq "$ROUNDS"); do
        for who in $(order "$r" tern postfix); do throughput_once "$1" "$who" "$s" "$size" "$n" "$r"; done
        if [ "$1" = relay ]; then throughput_once relay tools "$s" "$size" "$n" "$r"; fi
      done
    done
  done
}

# ---- latency from "." to 250 at 100 sessions ---------------------------------------------

latency_once() {  # WHO ROUND RATE   (RATE 0: closed loop; else messages/s offered in all)
  local who=$1 r=$2 load=$3 before out p50 p99 ok refused rate b0 label
  if [ "$load" = 0 ]; then label="closed loop"; else label="open loop, $load msg/s offered"; fi
  before=$(sink_count); b0=$(busy_now)
  if out=$("$PY" "$HERE/latency.py" "$(mta_port "$who")" 100 "$MESSAGES" 1024 rcpt@remote.test "$load"); then
    read -r p50 p99 ok refused rate <<<"$out"
    [ "$refused" = 0 ] || fail "latency ($label), round $r: $who refused $refused messages"
    say "latency 100 sess ($label), round $r: $who p50 $p50 ms, p99 $p99 ms, $ok accepted ($rate msg/s)"
  else
    p50=FAIL; p99=FAIL; ok=0; rate=FAIL; fail "latency ($label), round $r: $who: $out"
  fi
  record "latency end of DATA to 250, p50, 100 sess, 1KiB, $label" "$who" "$r" "$p50" ms lo - "$(busy_pct "$b0" "$(busy_now)")"
  record "latency end of DATA to 250, p99, 100 sess, 1KiB, $label" "$who" "$r" "$p99" ms lo - "$(busy_pct "$b0" "$(busy_now)")"
  [ "$load" = 0 ] && record "latency: messages accepted, 100 sess, 1KiB, closed loop" "$who" "$r" "$rate" msg/s hi - -
  # Untimed: let the relayed messages reach the sink before the next measurement.
  "$PY" "$HERE/wait_count.py" sink "$SINK_OUT" $((before + ok)) 120 >/dev/null ||
    fail "latency ($label), round $r: $who did not relay its $ok messages to the sink"
}

# Closed loop (each MTA at the load its own speed allows) and open loop at LATENCY_RATE, a
# load both sustain, so the percentiles compare the two at the same offered load.
latency_matrix() {
  local r who load
  for load in 0 "$LATENCY_RATE"; do
    for r in $(seq "$ROUNDS"); do
      for who in $(order "$r" tern postfix); do latency_once "$who" "$r" "$load"; done
    done
  done
}

# ---- STARTTLS handshakes per second --------------------------------------------------------

tls_once() {  # WHO ROUND
  local who=$1 r=$2 out rate done failed proto cipher cpu0 b0 cpu=-
  cpu0=$(mta_cpu "$who"); b0=$(busy_now)
  if out=$("$PY" "$HERE/tls_rate.py" "$(mta_port "$who")" "$TLS_HANDSHAKES" 20); then
    read -r rate done failed proto cipher <<<"$out"
    cpu=$(calc "($(mta_cpu "$who") - $cpu0) * 1000 / $done")
    [ "$failed" = 0 ] || fail "STARTTLS, round $r: $who failed $failed handshakes"
    say "STARTTLS, round $r: $who $rate handshakes/s ($done done, $proto $cipher)"
  else
    rate=FAIL; fail "STARTTLS, round $r: $who: $out"
  fi
  record "STARTTLS handshakes (RSA 2048, 20 parallel, no resumption)" "$who" "$r" "$rate" "handshakes/s" hi \
    "$cpu" "$(busy_pct "$b0" "$(busy_now)")"
}

tls_matrix() {
  local r who
  for r in $(seq "$ROUNDS"); do
    for who in $(order "$r" tern postfix); do tls_once "$who" "$r"; done
  done
}

# ---- idle connections after EHLO ------------------------------------------------------------

idle_once() {  # WHO ROUND
  local who=$1 r=$2 mem0 mem1 pss0 rss0 n0 pss1 rss1 n1 line held failed secs still holder i count
  local label="idle: connections held after EHLO (Tern of $IDLE, Postfix of $IDLE_POSTFIX)"
  count=$IDLE; [ "$who" = postfix ] && count=$IDLE_POSTFIX
  mta_restart "$who"   # the previous round's processes must not be in the baseline
  sleep 1
  mem0=$("$PY" "$HERE/proctree.py" mem "$(mta_pid "$who")")
  "$PY" "$HERE/idle_hold.py" "$(mta_port "$who")" "$count" >"$WORK/idle.out" 2>&1 &
  holder=$!; HOLDER_PID=$holder
  line=
  for i in $(seq 1800); do
    line=$(grep '^opened' "$WORK/idle.out" || true)
    [ -n "$line" ] && break
    kill -0 "$holder" 2>/dev/null || break
    sleep 0.5
  done
  if [ -z "$line" ]; then
    fail "idle, round $r: $who: the holder did not finish opening: $(cat "$WORK/idle.out")"
    kill -TERM "$holder" 2>/dev/null; wait "$holder" 2>/dev/null; HOLDER_PID=
    record "$label" "$who" "$r" FAIL connections n - -
    return
  fi
  read -r _ held failed secs <<<"$line"
  sleep 3
  mem1=$("$PY" "$HERE/proctree.py" mem "$(mta_pid "$who")")
  kill -USR1 "$holder"
  wait "$holder" 2>/dev/null || true
  HOLDER_PID=
  still=$(awk '/^still/ { print $2 }' "$WORK/idle.out")
  read -r pss0 rss0 n0 <<<"$mem0"; read -r pss1 rss1 n1 <<<"$mem1"
  say "idle, round $r: $who held $held/$count after EHLO in $secs s ($still still open at the end);" \
      "PSS $pss0 -> $pss1 KiB, RSS $rss0 -> $rss1 KiB, processes $n0 -> $n1"
  grep '^idle_hold.py' "$WORK/idle.out" >&2 || true   # the memory guard stopped it, say so
  record "$label" "$who" "$r" "${still:-0}" connections n - -
  if [ "$held" -gt 0 ]; then
    record "idle: PSS per connection, all processes" "$who" "$r" "$(calc "($pss1 - $pss0) / $held")" KiB lo - -
    record "idle: RSS per connection, all processes" "$who" "$r" "$(calc "($rss1 - $rss0) / $held")" KiB lo - -
  fi
  mta_restart "$who"   # drop the idle sessions (and Postfix's smtpd processes)
}

idle_matrix() {
  local r who
  for r in $(seq "$ROUNDS"); do
    for who in $(order "$r" tern postfix); do idle_once "$who" "$r"; done
  done
}

# ---- a queue of deferred messages -------------------------------------------------------------

deferred_count() { find "$(mta_dir "$1")/spool/deferred" -type f 2>/dev/null | wc -l; }

queue_fill() {  # WHO: QUEUE_MESSAGES into the MTA while the sink is down, until all are deferred
  local who=$1 t0 i n=0
  t0=$EPOCHREALTIME
  smtp-source -s 20 -m "$QUEUE_MESSAGES" -l 1024 -f load@example.org -t rcpt@remote.test \
    -M client.example.org "inet:127.0.0.1:$(mta_port "$who")" >/dev/null 2>>"$WORK/smtp-source.err" || true
  for i in $(seq $((QUEUE_MESSAGES / 20 + 300))); do
    n=$(deferred_count "$who")
    [ "$n" -ge "$QUEUE_MESSAGES" ] && break
    sleep 1
  done
  if [ "$n" -lt "$QUEUE_MESSAGES" ]; then
    fail "queue: $who deferred only $n of $QUEUE_MESSAGES"
    return 1
  fi
  say "queue: $who accepted and deferred $QUEUE_MESSAGES in $(calc "$EPOCHREALTIME - $t0") s"
  record "queue: accept and defer $QUEUE_MESSAGES (sink down, 20 sess)" "$who" 1 \
    "$(calc "$QUEUE_MESSAGES / ($EPOCHREALTIME - $t0)")" "msg/s" hi - -
}

queue_list_once() {  # WHO ROUND
  local who=$1 r=$2 t0 lines flag
  for flag in -p -j; do
    t0=$EPOCHREALTIME
    lines=$(mta_postqueue "$who" "$flag" | wc -l)
    record "queue: postqueue $flag, $QUEUE_MESSAGES deferred" "$who" "$r" "$(calc "$EPOCHREALTIME - $t0")" s lo - -
    say "queue: postqueue $flag, round $r: $who $(calc "$EPOCHREALTIME - $t0") s, $lines lines"
    [ "$lines" -ge "$QUEUE_MESSAGES" ] || fail "queue: $who postqueue $flag listed $lines lines"
  done
}

queue_idle_once() {  # WHO ROUND: the MTA's CPU while the full queue waits
  local who=$1 r=$2 cpu0
  cpu0=$(mta_cpu "$who")
  sleep "$IDLE_SECONDS"
  record "queue: idle CPU with $QUEUE_MESSAGES deferred, all processes" "$who" "$r" \
    "$(calc "($(mta_cpu "$who") - $cpu0) * 100 / $IDLE_SECONDS")" "% of one CPU" lo - -
}

queue_flush() {  # WHO: the sink is back; postqueue -f until the sink has them all
  local who=$1 target t0 t1 cpu0 b0
  target=$(($(sink_count) + QUEUE_MESSAGES))
  cpu0=$(mta_cpu "$who"); b0=$(busy_now); t0=$EPOCHREALTIME
  mta_postqueue "$who" -f
  # Given up after FLUSH_STALL s without progress: room for a destination still resting
  # after the sink was down (queue_run_delay, 300 s).
  if t1=$("$PY" "$HERE/wait_count.py" sink "$SINK_OUT" "$target" "$FLUSH_STALL"); then
    say "queue: $who flushed $QUEUE_MESSAGES in $(calc "$t1 - $t0") s"
    record "queue: flush $QUEUE_MESSAGES to the sink (postqueue -f)" "$who" 1 "$(calc "$t1 - $t0")" s lo \
      "$(calc "($(mta_cpu "$who") - $cpu0) * 1000 / $QUEUE_MESSAGES")" "$(busy_pct "$b0" "$(busy_now)")"
  else
    fail "queue: $who flushed only $((t1 - target + QUEUE_MESSAGES)) of $QUEUE_MESSAGES"
    record "queue: flush $QUEUE_MESSAGES to the sink (postqueue -f)" "$who" 1 FAIL s lo - -
  fi
}

queue_scenario() {
  local r who ok=
  sink_stop
  queue_fill tern && queue_fill postfix && ok=1
  if [ -n "$ok" ]; then
    for r in $(seq "$ROUNDS"); do
      for who in $(order "$r" tern postfix); do queue_list_once "$who" "$r"; done
    done
    for r in $(seq "$ROUNDS"); do
      for who in $(order "$r" tern postfix); do queue_idle_once "$who" "$r"; done
    done
  fi
  sink_start
  if [ -n "$ok" ]; then queue_flush tern; queue_flush postfix; fi
}
