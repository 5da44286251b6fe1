"""Shared helpers for Tern's end-to-end tests (stdlib only; run with /usr/bin/python3).

A test gets a fresh configuration directory from TernTestCase.new_tern(), starts
ternd in it, talks to it with real clients (swaks, smtplib, raw sockets) and reads
what it left behind (mail log, Maildir files, queue files, compat tool output).
Every process started here is stopped by its own PID / process group in a cleanup;
the temporary directory is removed unless TERN_KEEP=1.

Environment:
  TERN_BUILD   the CMake build directory (default /work/main/build)
  TERN_SOURCE  the project root (default: two levels above this file)
  TERN_KEEP=1  keep the temporary directories (their paths are printed)
"""

import email.utils
import fcntl
import os
import random
import re
import shutil
import signal
import smtplib
import socket
import subprocess
import sys
import tempfile
import threading
import time
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
SOURCE = os.environ.get("TERN_SOURCE") or os.path.dirname(os.path.dirname(HERE))
BUILD = os.environ.get("TERN_BUILD") or "/work/main/build"
TERND = os.path.join(BUILD, "bin", "ternd")
TERN = os.path.join(BUILD, "bin", "tern")
COMPAT = os.path.join(BUILD, "compat")
SWAKS = "/usr/bin/swaks"
KEEP = os.environ.get("TERN_KEEP") == "1"

# Postfix long queue ID: 10 characters of time, 'z', then more (no vowels).
QID_CHARS = "0-9B-DF-HJ-NP-TV-Zb-df-hj-np-tv-y"
QUEUE_ID = "[%s]{10}z[%s]+" % (QID_CHARS, QID_CHARS)
QUEUED_RE = re.compile(r"250 2\.0\.0 Ok: queued as (%s)$" % QUEUE_ID)
# MON DD HH:MM:SS HOST tern/SERVICE[PID]: TEXT
LOG_LINE_RE = re.compile(
    r"^(?P<stamp>[A-Z][a-z]{2} [ 0-9]\d \d\d:\d\d:\d\d) (?P<host>\S+) "
    r"tern/(?P<service>[a-z][a-z0-9_-]*)\[(?P<pid>\d+)\]: (?P<text>.*)$")

MYHOSTNAME = "mail.example.test"
MYDOMAIN = "example.test"

# Ports 25000-25999 are the ones tests may use on this machine.
PORT_RANGE = (25000, 25999)

DEFAULT_MAIN_CF = [
    ("myhostname", MYHOSTNAME),
    ("mydomain", MYDOMAIN),
    ("myorigin", "$mydomain"),
    ("mydestination", "localhost, $mydomain"),
    ("inet_interfaces", "127.0.0.1"),
    ("inet_protocols", "ipv4"),
    ("mynetworks", "127.0.0.1/32"),
    ("smtpd_relay_restrictions", "permit_mynetworks, reject_unauth_destination"),
    ("smtpd_peername_lookup", "no"),
    ("local_passwd_file", "passwd"),
    ("alias_maps", "inline:{ postmaster=alice, root=alice }"),
    ("local_recipient_maps", "unix:passwd.byname $alias_maps"),
    ("home_mailbox", "Maildir/"),
    ("recipient_delimiter", "+"),
    ("queue_directory", "spool"),
    ("maillog_file", "mail.log"),
    ("mail_owner", "nobody"),
    # Mail for other domains stays in the queue (no test sends real mail): Postfix's
    # retry(8) transport defers it with this reason. Tests of the SMTP client override it.
    ("default_transport", "retry:4.4.1 " + "remote delivery is off in this test"),
    # Nothing may ask the machine's resolver (it is off the machine): the smtp client finds
    # hosts in /etc/hosts only. DNS tests start dns_peers.DnsPeers and set its tern_params()
    # and smtp_dns_support_level.
    ("smtp_dns_support_level", "disabled"),
    # Nor does smtpd: inbound DKIM verification and DMARC (on by default) ask the DNS for
    # every message from outside mynetworks. test_authres turns them on with its DNS peers.
    ("dkim_verify_enable", "no"),
    ("dmarc_mode", "off"),
    # Address verification results in memory: the default file is under /var/lib/tern.
    ("address_verify_map", ""),
]

# The deferral reason mail to remote domains gets under the default test configuration.
REMOTE_DEFERRED = "remote delivery is off in this test"

PASSWD = ("alice:x:1000:1000:Alice:home/alice:/bin/sh\n"
          "bob:x:1001:1001:Bob:home/bob:/bin/sh\n")


class TernError(AssertionError):
    """A harness step failed (start, wait, tool); the message carries the evidence."""


# The delivery agents of Postfix's stock master.cf; test configurations append them.
DELIVERY_SERVICES = (
    "smtp unix - - n - - smtp\n"
    "relay unix - - n - - smtp\n"
    "lmtp unix - - n - - lmtp\n"
    "local unix - n n - - local\n"
    "virtual unix - n n - - virtual\n"
    "error unix - - n - - error\n"
    "retry unix - - n - - error\n"
    "discard unix - - n - - discard\n")

def _port_is_free(port):
    for addr in ("127.0.0.1", "127.0.0.2"):
        s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        try:
            s.bind((addr, port))
        except OSError:
            return False
        finally:
            s.close()
    return True


PORT_LOCKS = os.path.join(tempfile.gettempdir(), "tern-it-ports")
PORT_HOLD_SECONDS = 10


def _reserve(port):
    """Holds a lock on `port` for PORT_HOLD_SECONDS, so that test modules running side by
    side (ctest -j) with overlapping ranges do not both hand out a port between one's
    check and its server's bind; by then the server has bound it (or failed)."""
    os.makedirs(PORT_LOCKS, mode=0o1777, exist_ok=True)
    f = open(os.path.join(PORT_LOCKS, str(port)), "a")
    try:
        fcntl.flock(f, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        f.close()
        return False
    timer = threading.Timer(PORT_HOLD_SECONDS, f.close)
    timer.daemon = True
    timer.start()
    return True


def free_port():
    """A loopback TCP port in PORT_RANGE that nothing is bound to right now (and that no
    other test process handed out in the last PORT_HOLD_SECONDS)."""
    ports = list(range(PORT_RANGE[0], PORT_RANGE[1] + 1))
    random.SystemRandom().shuffle(ports)
    for port in ports:
        if _port_is_free(port) and _reserve(port):
            return port
    raise TernError("no free port in %d-%d" % PORT_RANGE)


def wait_until(predicate, timeout, interval=0.05):
    """Poll predicate() until it returns a true value (returned) or timeout (None)."""
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() >= deadline:
            return None
        time.sleep(interval)


def _process_group_members(pgid):
    """PIDs of live (non-zombie) processes in process group pgid."""
    members = []
    for name in os.listdir("/proc"):
        if not name.isdigit():
            continue
        try:
            with open("/proc/%s/stat" % name) as f:
                stat = f.read()
        except OSError:
            continue
        # pid (comm) state ppid pgrp ...; comm may contain spaces and parentheses.
        fields = stat[stat.rfind(")") + 2:].split()
        if len(fields) >= 3 and fields[0] != "Z" and int(fields[2]) == pgid:
            members.append(int(name))
    return members


class Tern:
    """One ternd instance: its configuration directory, port and process."""

    def __init__(self, main_cf=None, extra_main_cf="", master_cf=None, passwd=PASSWD):
        self.dir = tempfile.mkdtemp(prefix="tern-it-")
        # Roles drop to mail_owner (nobody) when run as root: they must reach the dir.
        os.chmod(self.dir, 0o755)
        self.port = free_port()
        self.proc = None
        self.pgid = None
        self.started_once = False
        self.leftovers = []
        self.output_path = os.path.join(self.dir, "ternd.out")
        self.settings = list(DEFAULT_MAIN_CF)
        for name, value in (main_cf or {}).items():
            self.set_param(name, value)
        self.extra_main_cf = extra_main_cf
        self.master_cf = master_cf
        self.passwd = passwd
        self.write_config()

    # ---- configuration -------------------------------------------------------------

    def set_param(self, name, value):
        """Set (or with value None, drop) a main.cf parameter; call write_config() after."""
        self.settings = [(n, v) for n, v in self.settings if n != name]
        if value is not None:
            self.settings.append((name, value))

    def path(self, *parts):
        return os.path.join(self.dir, *parts)

    def main_cf_text(self):
        lines = ["# Written by tests/integration/harness.py"]
        lines += ["%s = %s" % (n, v) for n, v in self.settings]
        return "\n".join(lines) + "\n" + self.extra_main_cf

    def master_cf_text(self):
        if self.master_cf is not None:
            return self.master_cf.replace("PORT", str(self.port))
        return ("# service type private unpriv chroot wakeup maxproc command\n"
                "127.0.0.1:%d inet n - n - - smtpd\n"
                "pickup unix n - n 60 1 pickup\n"
                "cleanup unix n - n - 0 cleanup\n"
                "qmgr unix n - n 300 1 qmgr\n" % self.port) + DELIVERY_SERVICES

    def write_config(self):
        self.write_file("main.cf", self.main_cf_text())
        self.write_file("master.cf", self.master_cf_text())
        self.write_file("passwd", self.passwd)

    def write_file(self, name, text):
        path = self.path(name)
        tmp = path + ".tmp"
        with open(tmp, "w") as f:
            f.write(text)
        os.chmod(tmp, 0o644)
        os.replace(tmp, path)

    def read_file(self, name):
        with open(self.path(name)) as f:
            return f.read()

    # ---- process -------------------------------------------------------------------

    def start(self, timeout=15, port_retries=3):
        """Start ternd in its own session/process group; return the banner once the
        port answers. If another program took the port in the meantime (the check in
        free_port() races with it), move to a new port (first start only)."""
        for attempt in range(port_retries + 1):
            try:
                return self._start(timeout)
            except TernError as e:
                if (attempt == port_retries or self.started_once
                        or "Address already in use" not in str(e)):
                    raise
                self.port = free_port()
                self.write_config()

    def _start(self, timeout):
        if not os.access(TERND, os.X_OK):
            raise TernError("%s is missing: build Tern first (make build) or set "
                            "TERN_BUILD to the CMake build directory" % TERND)
        if self.proc is not None and self.proc.poll() is None:
            raise TernError("ternd already running (pid %d)" % self.proc.pid)
        out = open(self.output_path, "ab")
        try:
            self.proc = subprocess.Popen(
                [TERND, "-c", self.dir], stdin=subprocess.DEVNULL, stdout=out,
                stderr=subprocess.STDOUT, start_new_session=True, close_fds=True)
        finally:
            out.close()
        self.pgid = self.proc.pid
        deadline = time.monotonic() + timeout
        while True:
            if self.proc.poll() is not None:
                raise TernError("ternd exited with status %s during startup\n%s"
                                % (self.proc.returncode, self.evidence()))
            banner = self._probe()
            if banner is not None:
                if not banner.startswith(b"220 "):
                    raise TernError("unexpected banner %r\n%s" % (banner, self.evidence()))
                self.started_once = True
                return banner.decode("ascii", "replace").rstrip("\r\n")
            if time.monotonic() >= deadline:
                self.kill()
                raise TernError("ternd did not accept connections on 127.0.0.1:%d within "
                                "%ss\n%s" % (self.port, timeout, self.evidence()))
            time.sleep(0.05)

    def _probe(self):
        """The banner line if the port accepts and greets; None if not (yet)."""
        try:
            s = socket.create_connection(("127.0.0.1", self.port), timeout=2)
        except OSError:
            return None
        try:
            f = s.makefile("rb")
            banner = f.readline()
            if not banner:
                return None
            s.sendall(b"QUIT\r\n")
            f.readline()
            return banner
        except OSError:
            return None
        finally:
            s.close()

    def running(self):
        return self.proc is not None and self.proc.poll() is None

    def stop(self, timeout=10):
        """SIGTERM the master by its PID, wait (bounded), then SIGKILL its group.

        Returns the master's exit status. Role processes left over in the group after
        the master exited are killed (they are ours) and reported in self.leftovers.
        """
        self.leftovers = []
        if self.proc is None:
            return None
        if self.proc.poll() is None:
            try:
                self.proc.send_signal(signal.SIGTERM)
            except ProcessLookupError:
                pass
            try:
                self.proc.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                self._killpg()
                self.proc.wait(timeout=10)
        if not wait_until(lambda: not _process_group_members(self.pgid), 5):
            self.leftovers = _process_group_members(self.pgid)
        if self.leftovers:
            self._killpg()
        return self.proc.returncode

    def kill(self):
        """kill -9 the whole process group (master and roles) and reap the master."""
        if self.proc is None:
            return
        self._killpg()
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            pass
        wait_until(lambda: not _process_group_members(self.pgid), 5)

    def _killpg(self):
        try:
            os.killpg(self.pgid, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            pass

    def reload(self):
        """SIGHUP the master."""
        self.proc.send_signal(signal.SIGHUP)

    def master_pid_file(self):
        return self.path("spool", "pid", "master.pid")

    def output(self):
        try:
            with open(self.output_path, "rb") as f:
                return f.read().decode("utf-8", "replace")
        except OSError:
            return ""

    def evidence(self):
        """ternd's output and mail log, for failure messages."""
        return ("--- ternd output (%s) ---\n%s--- mail log ---\n%s--- end ---"
                % (self.output_path, self.output(), self.log_text()))

    def cleanup(self):
        self.stop()
        if KEEP:
            sys.stderr.write("TERN_KEEP: kept %s\n" % self.dir)
        else:
            shutil.rmtree(self.dir, ignore_errors=True)

    # ---- mail log ------------------------------------------------------------------

    def log_path(self):
        return self.path("mail.log")

    def log_text(self, since=0):
        try:
            with open(self.log_path(), "rb") as f:
                f.seek(since)
                return f.read().decode("utf-8", "replace")
        except OSError:
            return ""

    def log_mark(self):
        """A position in the log; pass it as since= to see only later lines."""
        try:
            return os.path.getsize(self.log_path())
        except OSError:
            return 0

    def log_lines(self, since=0):
        """Complete log lines (a trailing partial line is left out)."""
        text = self.log_text(since)
        lines = text.split("\n")
        return lines[:-1]

    def log_entries(self, since=0):
        """Parsed log lines: dicts with stamp, host, service, pid, text (raw kept too)."""
        entries = []
        for line in self.log_lines(since):
            m = LOG_LINE_RE.match(line)
            if not m:
                raise TernError("log line not in Postfix format: %r" % line)
            entry = m.groupdict()
            entry["raw"] = line
            entries.append(entry)
        return entries

    def wait_for_log(self, pattern, timeout=10, since=0):
        """Wait for a log line whose TEXT part matches regex pattern; return the match."""
        rx = re.compile(pattern)

        def find():
            for line in self.log_lines(since):
                m = LOG_LINE_RE.match(line)
                text = m.group("text") if m else line
                found = rx.search(text)
                if found:
                    return found
            return None

        found = wait_until(find, timeout)
        if not found:
            raise TernError("no log line matching %r within %ss\n%s"
                            % (pattern, timeout, self.evidence()))
        return found

    # ---- mailboxes and queue -------------------------------------------------------

    def maildir(self, user, sub="new"):
        return self.path("home", user, "Maildir", sub)

    def maildir_files(self, user, sub="new"):
        try:
            names = sorted(os.listdir(self.maildir(user, sub)))
        except FileNotFoundError:
            return []
        return [os.path.join(self.maildir(user, sub), n) for n in names
                if not n.startswith(".")]

    def maildir_messages(self, user):
        """The bytes of every message in user's Maildir/new, oldest name first."""
        messages = []
        for path in self.maildir_files(user):
            with open(path, "rb") as f:
                messages.append(f.read())
        return messages

    def wait_for_maildir(self, user, count, timeout=10):
        """Wait until user's Maildir/new holds at least count messages; return them."""
        if not wait_until(lambda: len(self.maildir_files(user)) >= count, timeout):
            raise TernError("%s has %d message(s), expected %d within %ss\n%s"
                            % (user, len(self.maildir_files(user)), count, timeout,
                               self.evidence()))
        return self.maildir_messages(user)

    def queue_files(self, queue):
        try:
            return sorted(os.listdir(self.path("spool", queue)))
        except FileNotFoundError:
            return []

    # ---- clients -------------------------------------------------------------------

    def swaks(self, to, from_="sender@example.org", helo="client.test", args=(),
              timeout=30):
        """Run swaks against this instance; returns the CompletedProcess (text)."""
        cmd = [SWAKS, "--server", "127.0.0.1:%d" % self.port, "--helo", helo,
               "--from", from_, "--to", to] + list(args)
        return subprocess.run(cmd, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                              stderr=subprocess.STDOUT, timeout=timeout, text=True)

    def smtp(self, helo="client.test", source="127.0.0.1", timeout=10):
        """An smtplib.SMTP connected to this instance (from the given source address)."""
        s = smtplib.SMTP(local_hostname=helo, timeout=timeout,
                         source_address=(source, 0))
        s.connect("127.0.0.1", self.port)
        return s

    def tool(self, name, *args, timeout=30, input=None):
        """Run a compat tool (postconf, mailq, ...) or 'tern'; returns CompletedProcess."""
        exe = TERN if name == "tern" else os.path.join(COMPAT, name)
        return subprocess.run([exe] + list(args), input=input,
                              stdin=None if input is not None else subprocess.DEVNULL,
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                              timeout=timeout, text=True)

    def check_config(self):
        """`ternd -c DIR -n`; returns CompletedProcess."""
        return subprocess.run([TERND, "-c", self.dir, "-n"], stdin=subprocess.DEVNULL,
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                              timeout=30, text=True)


def make_message(token, sender="sender@example.org", to="alice@example.test",
                 extra_body=""):
    """A message (LF line ends) carrying its own Message-ID and Date."""
    return ("Message-ID: <%s@client.test>\n"
            "Date: %s\n"
            "From: <%s>\n"
            "To: <%s>\n"
            "Subject: tern test %s\n"
            "\n"
            "Hello, this is message %s.\n"
            "%s"
            "Bye.\n" % (token, email.utils.formatdate(localtime=False), sender, to,
                        token, token, extra_body))


def write_swaks_data(path, message):
    """A --data @file for swaks: swaks ends the data with its own CRLF before the
    final dot, so the file leaves out the message's last line break."""
    assert message.endswith("\n")
    with open(path, "w") as f:
        f.write(message[:-1])


class SmtpSocket:
    """A raw SMTP client: exact bytes out, reply lines in."""

    def __init__(self, port, source="127.0.0.1"):
        self.sock = socket.create_connection(("127.0.0.1", port), timeout=10,
                                             source_address=(source, 0))
        self.rfile = self.sock.makefile("rb")

    def reply(self):
        """One complete (possibly multi-line) reply as a list of str lines."""
        lines = []
        while True:
            line = self.rfile.readline()
            if not line:
                raise ConnectionError("connection closed; got so far %r" % lines)
            line = line.decode("ascii", "replace").rstrip("\r\n")
            lines.append(line)
            if len(line) < 4 or line[3] != "-":
                return lines

    def send(self, data):
        self.sock.sendall(data)

    def command(self, line):
        self.send(line.encode("ascii") + b"\r\n")
        return self.reply()

    def close(self):
        self.sock.close()

    def settimeout(self, seconds):
        self.sock.settimeout(seconds)

    def starttls_upgrade(self, context, server_hostname=None):
        """Wrap the connection in TLS (after a 220 to STARTTLS, or at once for wrapper
        mode). Anything the old reader had buffered is dropped."""
        self.sock = context.wrap_socket(self.sock, server_hostname=server_hostname)
        self.rfile = self.sock.makefile("rb")

    def closed_by_peer(self, timeout=5):
        """True if the server closed the connection (EOF, or a reset) within timeout
        with nothing more to read; False if it stays open (the reader is then unusable:
        close it). Extra bytes are an error."""
        self.sock.settimeout(timeout)
        try:
            data = self.rfile.read1(4096) if hasattr(self.rfile, "read1") else self.rfile.read(1)
        except socket.timeout:
            return False
        except ConnectionResetError:
            return True
        finally:
            self.sock.settimeout(10)
        if data:
            raise AssertionError("expected the connection to close, got %r" % data)
        return True


def session(port, source="127.0.0.1", helo=None, ehlo=True):
    """A SmtpSocket past the banner (and EHLO/HELO helo if given)."""
    c = SmtpSocket(port, source=source)
    banner = c.reply()
    if not banner[0].startswith("220 "):
        c.close()
        raise TernError("unexpected banner %r" % banner)
    if helo is not None:
        reply = c.command(("EHLO %s" if ehlo else "HELO %s") % helo)
        if not reply[-1].startswith("250"):
            c.close()
            raise TernError("%s %s refused: %r" % ("EHLO" if ehlo else "HELO", helo, reply))
    return c


def queue_id_from_swaks(output):
    """The queue ID from swaks' transcript ('<-  250 2.0.0 Ok: queued as ID')."""
    for line in output.splitlines():
        m = re.match(r"^<-\s+(.*)$", line)
        if m:
            q = QUEUED_RE.match(m.group(1))
            if q:
                return q.group(1)
    return None


class TernTestCase(unittest.TestCase):
    """A TestCase whose new_tern() instances are stopped and removed after each test."""

    def new_tern(self, **kwargs):
        tern = Tern(**kwargs)
        self.addCleanup(tern.cleanup)
        return tern

    def start_tern(self, **kwargs):
        """A new instance, started; the log mark after the readiness probe is .mark."""
        tern = self.new_tern(**kwargs)
        tern.start()
        # The readiness probe's own session must be over before tests read the log.
        tern.wait_for_log(r"^disconnect from ")
        tern.mark = tern.log_mark()
        return tern

    def assertQueueId(self, qid):
        self.assertIsNotNone(qid)
        self.assertRegex(qid, "^%s$" % QUEUE_ID)


# ---- TLS -------------------------------------------------------------------------------

OPENSSL = "/usr/bin/openssl"


def _openssl(*args, cwd=None):
    r = subprocess.run([OPENSSL] + list(args), cwd=cwd, stdin=subprocess.DEVNULL,
                       stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                       timeout=60)
    if r.returncode != 0:
        raise TernError("openssl %s failed:\n%s" % (" ".join(args), r.stdout))
    return r.stdout


class TestPki:
    """A throw-away CA in directory `dir` (made with the openssl CLI) that issues
    server certificates for mail.example.test with RSA or ECDSA keys."""

    def __init__(self, dir):
        self.dir = dir
        os.makedirs(dir, exist_ok=True)
        self.ca_cert = os.path.join(dir, "ca.pem")
        self.ca_key = os.path.join(dir, "ca.key")
        _openssl("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", self.ca_key,
                 "-out", self.ca_cert, "-days", "2", "-subj", "/CN=Tern Test CA")

    def issue(self, name, kind="rsa", org=None, hostname=MYHOSTNAME):
        """Key and certificate files NAME.key / NAME.pem; subject CN=hostname, O=org
        (default: the name). kind: "rsa" (2048 bits) or "ec" (P-256)."""
        key = os.path.join(self.dir, name + ".key")
        cert = os.path.join(self.dir, name + ".pem")
        csr = os.path.join(self.dir, name + ".csr")
        ext = os.path.join(self.dir, name + ".ext")
        with open(ext, "w") as f:
            f.write("subjectAltName=DNS:%s\n" % hostname)
        if kind == "rsa":
            newkey = ["-newkey", "rsa:2048"]
        elif kind == "ec":
            newkey = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1"]
        else:
            raise ValueError(kind)
        _openssl("req", *newkey, "-nodes", "-keyout", key, "-out", csr,
                 "-subj", "/CN=%s/O=%s" % (hostname, org or name))
        _openssl("x509", "-req", "-in", csr, "-CA", self.ca_cert, "-CAkey", self.ca_key,
                 "-set_serial", str(random.SystemRandom().randrange(1, 2 ** 62)),
                 "-out", cert, "-days", "2", "-extfile", ext)
        for path in (key, cert):
            os.chmod(path, 0o644)
        return cert, key


def s_client(port, args=(), starttls=True, input="QUIT\r\n", timeout=20):
    """openssl s_client against 127.0.0.1:port (-starttls smtp unless starttls=False),
    -brief; returns (exit status, combined output)."""
    cmd = [OPENSSL, "s_client", "-connect", "127.0.0.1:%d" % port, "-brief",
           "-servername", MYHOSTNAME]
    if starttls:
        cmd += ["-starttls", "smtp"]
    cmd += list(args)
    r = subprocess.run(cmd, input=input, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                       text=True, timeout=timeout)
    return r.returncode, r.stdout
