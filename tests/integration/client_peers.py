"""Far ends for the SMTP/LMTP client tests: Postfix's smtp-sink and Dovecot LMTP, run
through the shared peer scripts (../../../shared/peers), each stopped by the PID the
script recorded (the script's stop command kills exactly DIR/pid), never by name.
"""

import glob
import os
import subprocess

import harness

PEERS = os.environ.get("TERN_PEERS", os.path.abspath(
    os.path.join(os.path.dirname(__file__), "..", "..", "..", "shared", "peers")))
if not os.path.isdir(PEERS):
    PEERS = "/work/shared/peers"


def _start(script, port, env_extra):
    env = dict(os.environ, **env_extra)
    r = subprocess.run([os.path.join(PEERS, script), "start", str(port)], env=env,
                       stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                       stderr=subprocess.PIPE, text=True, timeout=60)
    if r.returncode != 0:
        raise harness.TernError("%s start %d failed:\n%s%s" % (script, port, r.stdout, r.stderr))
    vals = dict(line.split("=", 1) for line in r.stdout.splitlines() if "=" in line)
    return int(vals["PID"]), vals["DIR"]


class Peer:
    script = None

    def __init__(self, env_extra):
        self.port = harness.free_port()
        self.pid, self.dir = _start(self.script, self.port, env_extra)

    def stop(self):
        if self.dir:
            subprocess.run([os.path.join(PEERS, self.script), "stop", self.dir],
                           stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                           stderr=subprocess.DEVNULL, timeout=60)
            self.dir = None


class SmtpSink(Peer):
    """smtp-sink on 127.0.0.1:port; `opts` are extra smtp-sink options (-r RCPT, -L, ...).
    Each accepted transaction is dumped to a file under DIR/mail."""
    script = "smtp-sink.sh"

    def __init__(self, opts=""):
        super().__init__({"SINK_OPTS": opts})

    def dumps(self):
        out = []
        for path in sorted(glob.glob(os.path.join(self.dir, "mail", "*"))):
            with open(path, "rb") as f:
                out.append(f.read())
        return out


class DovecotLmtp(Peer):
    """Dovecot's LMTP server on 127.0.0.1:port; `users` "alice bob:1K" limits who exists
    and sets quotas. Mail lands in DIR/home/<user>/Maildir/new."""
    script = "dovecot-lmtp.sh"

    def __init__(self, users="", tls=False):
        env = {"LMTP_USERS": users} if users else {}
        if tls:
            env["LMTP_TLS"] = "1"  # STARTTLS with a fresh self-signed certificate
        super().__init__(env)

    def messages(self, user):
        out = []
        for path in sorted(glob.glob(os.path.join(self.dir, "home", user, "Maildir", "new", "*"))):
            with open(path, "rb") as f:
                out.append(f.read())
        return out
