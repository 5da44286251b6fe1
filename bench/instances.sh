# Sourced by run.sh: the three servers of the bench, each in its own directory under
# $WORK, on loopback ports chosen by run.sh, stopped by their own PIDs.
#   Postfix  Debian's package with its own main.cf/master.cf (postfix -c DIR), root
#            master, mail_owner postfix, its default durability (fsync before 250)
#   ternd    the same settings in Tern's main.cf/master.cf, started as root like Postfix
#   sink     Postfix's smtp-sink (-c counts messages into $WORK/sink.N.out), as nobody
# Both MTAs relay every remote domain to [127.0.0.1]:$SINK_PORT and deliver local mail
# for nobody@example.test into the Maildir $WORK/<mta>/maildirs/nobody/ (mail_spool_directory
# ending in "/"); no DNS lookups at all.

PF_DIR="$WORK/postfix"      # conf/ (main.cf, master.cf), spool/, data/, maildirs/, maillog
TERN_DIR="$WORK/tern"       # the same layout

# Settings both MTAs get, word for word. The long backoff keeps deferred mail still during
# the queue scenario (only postqueue -f moves it); nothing else defers. queue_run_delay
# stays at its default (300s): Tern also rests a failed destination that long.
common_main_cf() {
  local dir="$1" port="$2"
  cat <<CF
myhostname = mail.example.test
mydomain = example.test
myorigin = \$mydomain
mydestination = localhost, \$mydomain
inet_interfaces = 127.0.0.1
inet_protocols = ipv4
mynetworks = 127.0.0.0/8
smtpd_relay_restrictions = permit_mynetworks, reject_unauth_destination
smtpd_peername_lookup = no
relayhost = [127.0.0.1]:$SINK_PORT
alias_maps =
local_recipient_maps = unix:passwd.byname
mail_spool_directory = $dir/maildirs/
queue_directory = $dir/spool
maillog_file = $dir/maillog
smtpd_tls_security_level = may
smtpd_tls_cert_file = $WORK/tls/cert.pem
smtpd_tls_key_file = $WORK/tls/key.pem
minimal_backoff_time = 3600s
maximal_backoff_time = 7200s
CF
}

make_tls_key() {
  mkdir -p "$WORK/tls"
  openssl req -x509 -newkey rsa:2048 -nodes -days 30 -subj "/CN=mail.example.test" \
    -keyout "$WORK/tls/key.pem" -out "$WORK/tls/cert.pem" 2>/dev/null
  chmod 644 "$WORK/tls/cert.pem"; chmod 600 "$WORK/tls/key.pem"
}

# ---- Postfix ----------------------------------------------------------------------

postfix_configure() {
  mkdir -p "$PF_DIR/conf" "$PF_DIR/spool" "$PF_DIR/data" "$PF_DIR/maildirs"
  chmod 1777 "$PF_DIR/maildirs"
  chown postfix "$PF_DIR/data"
  { common_main_cf "$PF_DIR" "$PF_PORT"
    cat <<CF
compatibility_level = 3.6
data_directory = $PF_DIR/data
mail_owner = postfix
setgid_group = postdrop
alias_database =
biff = no
smtp_dns_support_level = disabled
maillog_file_prefixes = $PF_DIR
CF
  } > "$PF_DIR/conf/main.cf"
  # Postfix's stock services, none chrooted; smtpd may run one process per idle connection.
  cat > "$PF_DIR/conf/master.cf" <<CF
127.0.0.1:$PF_PORT inet n - n - $SMTPD_MAXPROC smtpd
pickup    unix n - n 60 1 pickup
cleanup   unix n - n - 0 cleanup
qmgr      unix n - n 300 1 qmgr
tlsmgr    unix - - n 1000? 1 tlsmgr
rewrite   unix - - n - - trivial-rewrite
bounce    unix - - n - 0 bounce
defer     unix - - n - 0 bounce
trace     unix - - n - 0 bounce
verify    unix - - n - 1 verify
flush     unix n - n 1000? 0 flush
proxymap  unix - - n - - proxymap
proxywrite unix - - n - 1 proxymap
smtp      unix - - n - - smtp
relay     unix - - n - - smtp
showq     unix n - n - - showq
error     unix - - n - - error
retry     unix - - n - - error
discard   unix - - n - - discard
local     unix - n n - - local
virtual   unix - n n - - virtual
lmtp      unix - - n - - lmtp
anvil     unix - - n - 1 anvil
scache    unix - - n - 1 scache
postlog   unix-dgram n - n - 1 postlogd
CF
}

postfix_start() {
  postfix -c "$PF_DIR/conf" start >>"$PF_DIR/postfix.out" 2>&1 || { cat "$PF_DIR/postfix.out" >&2; return 1; }
  wait_banner "$PF_PORT" || { tail "$PF_DIR/maillog" >&2; return 1; }
  PF_PID=$(tr -d ' ' < "$PF_DIR/spool/pid/master.pid")
}

postfix_stop() {
  [ -n "${PF_PID:-}" ] || return 0
  postfix -c "$PF_DIR/conf" stop >>"$PF_DIR/postfix.out" 2>&1 || true
  wait_gone "$PF_PID" 30 || kill_tree "$PF_PID"
  PF_PID=
}

# ---- Tern -------------------------------------------------------------------------

tern_configure() {
  mkdir -p "$TERN_DIR/conf" "$TERN_DIR/maildirs"
  chmod 755 "$TERN_DIR"; chmod 1777 "$TERN_DIR/maildirs"
  { common_main_cf "$TERN_DIR" "$TERN_PORT"
    echo "mail_owner = nobody"
  } > "$TERN_DIR/conf/main.cf"
  # Tern's smtpd is one process whatever the connection count; the rest is Postfix's list.
  cat > "$TERN_DIR/conf/master.cf" <<CF
127.0.0.1:$TERN_PORT inet n - n - $SMTPD_MAXPROC smtpd
pickup unix n - n 60 1 pickup
cleanup unix n - n - 0 cleanup
qmgr unix n - n 300 1 qmgr
smtp unix - - n - - smtp
relay unix - - n - - smtp
local unix - n n - - local
virtual unix - n n - - virtual
error unix - - n - - error
retry unix - - n - - error
discard unix - - n - - discard
CF
}

tern_start() {
  setsid "$BUILD/bin/ternd" -c "$TERN_DIR/conf" </dev/null >>"$TERN_DIR/ternd.out" 2>&1 &
  TERN_PID=$!
  wait_banner "$TERN_PORT" || { cat "$TERN_DIR/ternd.out" >&2; return 1; }
}

tern_stop() {
  [ -n "${TERN_PID:-}" ] || return 0
  kill -TERM "$TERN_PID" 2>/dev/null || true
  wait_gone "$TERN_PID" 30 || kill_tree "$TERN_PID"
  wait "$TERN_PID" 2>/dev/null || true
  TERN_PID=
}

# ---- smtp-sink --------------------------------------------------------------------

SINK_RUNS=0
sink_start() {
  SINK_RUNS=$((SINK_RUNS + 1))
  SINK_OUT="$WORK/sink.$SINK_RUNS.out"
  smtp-sink -c -u nobody -h sink.example.test "inet:127.0.0.1:$SINK_PORT" 1024 >"$SINK_OUT" 2>&1 &
  SINK_PID=$!
  wait_listen "$SINK_PORT" || { cat "$SINK_OUT" >&2; return 1; }
}

sink_stop() {
  [ -n "${SINK_PID:-}" ] || return 0
  kill -TERM "$SINK_PID" 2>/dev/null || true
  wait "$SINK_PID" 2>/dev/null || true
  SINK_PID=
}

sink_count() { "$PY" "$HERE/wait_count.py" count sink "$SINK_OUT"; }

# ---- per MTA, by name (tern | postfix) ----------------------------------------------

mta_port() { if [ "$1" = tern ]; then echo "$TERN_PORT"; else echo "$PF_PORT"; fi; }
mta_pid() { if [ "$1" = tern ]; then echo "$TERN_PID"; else echo "$PF_PID"; fi; }
mta_dir() { if [ "$1" = tern ]; then echo "$TERN_DIR"; else echo "$PF_DIR"; fi; }
mta_start() { "$1_start" && warm_up "$1"; }
mta_stop() { "$1_stop"; }
mta_restart() { "$1_stop"; mta_start "$1"; }

# One message through a fresh MTA before anything is timed (first connections, caches,
# the queue link). It once also stepped around a lost-reply bug in smtpd's queue client on
# the first burst after a start (fixed in cb85ab4).
warm_up() {
  local target
  [ -n "${SINK_PID:-}" ] || return 0
  target=$(($(sink_count) + 1))
  smtp-source -s 1 -m 1 -l 1024 -f load@example.org -t rcpt@remote.test -M client.example.org \
    "inet:127.0.0.1:$(mta_port "$1")" >/dev/null 2>>"$WORK/smtp-source.err" || true
  "$PY" "$HERE/wait_count.py" sink "$SINK_OUT" "$target" 60 >/dev/null ||
    { echo "bench: $1 did not relay the warm-up message" >&2; return 1; }
}
mta_cpu() { "$PY" "$HERE/proctree.py" cpu "$(mta_pid "$1")"; }
mta_postqueue() {
  if [ "$1" = tern ]; then "$BUILD/compat/postqueue" -c "$TERN_DIR/conf" "${@:2}"
  else postqueue -c "$PF_DIR/conf" "${@:2}"; fi
}

# ---- process helpers ----------------------------------------------------------------

wait_listen() {  # PORT: until something accepts there (10 s)
  local i
  for i in $(seq 200); do
    (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null && return 0
    sleep 0.05
  done
  echo "bench: nothing listens on 127.0.0.1:$1" >&2; return 1
}

wait_banner() {  # PORT: until it greets with 220 (30 s)
  local i line
  for i in $(seq 300); do
    line=$( (exec 3<>"/dev/tcp/127.0.0.1/$1" && read -r -t 5 l <&3 && printf 'QUIT\r\n' >&3 && echo "$l") \
            2>/dev/null || true)
    case "$line" in 220*) return 0 ;; esac
    sleep 0.1
  done
  echo "bench: no 220 banner on 127.0.0.1:$1" >&2; return 1
}

wait_gone() {  # PID SECONDS
  local i
  for i in $(seq $(($2 * 10))); do
    kill -0 "$1" 2>/dev/null || return 0
    sleep 0.1
  done
  return 1
}

kill_tree() {  # PID: SIGKILL a master we started and what is left of its descendants
  local pids
  pids=$("$PY" "$HERE/proctree.py" pids "$1")
  [ -n "$pids" ] && kill -KILL $pids 2>/dev/null || true
}
