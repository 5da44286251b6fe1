"""The check_policy_service client (`tern policy query`) against real policy servers:
  - postgrey (Debian's postgrey, its own database in a temp dir, --delay 2): the first
    request for a triplet is greylisted (DEFER_IF_PERMIT), the same triplet after the
    delay passes with PREPEND X-Greylist, and a server that is not there gives the
    default action with Postfix's "problem talking to server" warning;
  - policyd-weight (Debian's policyd-weight, all its DNS through Knot + Unbound on
    loopback): a client with matching forward/reverse DNS, MX and no DNSBL listing is
    accepted with its score (PREPEND X-policyd-weight: ... NOT_IN_RBL_TEST), the same
    client listed in the test DNSBL is refused with 550.
Both daemons run in a private mount namespace whose /etc/resolv.conf points at
127.0.0.1:53 (nothing listens there), so nothing they resolve by libc leaves the machine.

Ports: 25100-25199.
Run: TERN_BUILD=/work/wt-policysvc/build /usr/bin/python3 -m unittest -v test_policy_service
"""

import os
import shutil
import signal
import subprocess
import tempfile
import time

import dns_peers
import harness

harness.PORT_RANGE = (25100, 25199)  # this test's ports

POSTGREY = "/usr/sbin/postgrey"
POLICYD_WEIGHT = "/usr/sbin/policyd-weight"
GREY_DELAY = 2

# The sender domain example.test: mx (192.0.2.25) and mx2 (192.0.2.26) with matching
# reverse DNS, MX 20 mx2; mx2 is listed in rbl.example.test (policyd-weight's only DNSBL
# here, see policyd_weight_conf()).
ZONES = {
    "example.test": {
        "@": [("MX", "20 mx2")],
        "mx": [("A", "192.0.2.25")],
        "mx2": [("A", "192.0.2.26")],
        "26.2.0.192.rbl": [("A", "127.0.0.2")],
    },
    "2.0.192.in-addr.arpa": {
        "25": [("PTR", "mx.example.test.")],
        "26": [("PTR", "mx2.example.test.")],
    },
}


def isolated(dir, argv):
    """argv run in a private mount namespace where /etc/resolv.conf is DIR/resolv.conf
    (nameserver 127.0.0.1): the daemon keeps the PID of the unshare (exec, no fork)."""
    conf = os.path.join(dir, "resolv.conf")
    with open(conf, "w") as f:
        f.write("nameserver 127.0.0.1\noptions timeout:1 attempts:1\n")
    os.chmod(conf, 0o644)
    return ["unshare", "-m", "--", "/bin/sh", "-c",
            'mount --bind "$0" /etc/resolv.conf && exec "$@"', conf] + argv


def wait_tcp(port, proc, log, timeout=30):
    def up():
        if proc.poll() is not None:
            raise harness.TernError("exited at start (%d):\n%s" % (proc.returncode, open(log).read()))
        try:
            with __import__("socket").create_connection(("127.0.0.1", port), timeout=1):
                return True
        except OSError:
            return False
    if not harness.wait_until(up, timeout, 0.1):
        raise harness.TernError("nothing listens on %d:\n%s" % (port, open(log).read()))


def stop_pid(proc, timeout=10):
    if proc is None or proc.poll() is not None:
        return
    proc.send_signal(signal.SIGTERM)
    try:
        proc.wait(timeout)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait(timeout)


class Postgrey:
    """postgrey on 127.0.0.1:port with its own database and empty whitelists."""

    def __init__(self, port):
        self.port = port
        self.dir = tempfile.mkdtemp(prefix="tern-postgrey-")
        os.chmod(self.dir, 0o755)
        db = os.path.join(self.dir, "db")
        os.mkdir(db)
        shutil.chown(db, "postgrey", "postgrey")
        lists = []
        for name in ("whitelist_clients", "whitelist_recipients"):
            path = os.path.join(self.dir, name)
            open(path, "w").close()
            os.chmod(path, 0o644)
            lists.append("--%s=%s" % (name.replace("_", "-"), path))
        self.log = os.path.join(self.dir, "postgrey.log")
        out = open(self.log, "w")
        self.proc = subprocess.Popen(
            isolated(self.dir, [POSTGREY, "--inet=127.0.0.1:%d" % port, "--dbdir=" + db,
                                "--user=postgrey", "--group=postgrey", "--delay=%d" % GREY_DELAY,
                                "--hostname=mx.example.test"] + lists),
            stdin=subprocess.DEVNULL, stdout=out, stderr=out)
        out.close()
        try:
            wait_tcp(port, self.proc, self.log)
        except BaseException:
            self.stop()
            raise

    def stop(self):
        stop_pid(self.proc)
        if not harness.KEEP:
            shutil.rmtree(self.dir, ignore_errors=True)


class PolicydWeight:
    """policyd-weight on 127.0.0.1:port, every DNS query to Unbound on dns_port."""

    def __init__(self, port, dns_port):
        self.port = port
        self.dir = tempfile.mkdtemp(prefix="tern-polw-")
        os.chmod(self.dir, 0o755)
        lock = os.path.join(self.dir, "lock")
        os.mkdir(lock)
        shutil.chown(lock, "polw", "polw")
        self.conf = os.path.join(self.dir, "policyd-weight.conf")
        with open(self.conf, "w") as f:
            f.write(self.conf_text(lock))
        os.chmod(self.conf, 0o644)
        self.log = os.path.join(self.dir, "policyd-weight.out")
        # Net::DNS reads the server's port from RES_OPTIONS; the address is $NS.
        self.env = dict(os.environ, RES_OPTIONS="port:%d" % dns_port, RES_NAMESERVERS="127.0.0.1")
        out = open(self.log, "w")
        self.proc = subprocess.Popen(isolated(self.dir, [POLICYD_WEIGHT, "-D", "-f", self.conf, "start"]),
                                     stdin=subprocess.DEVNULL, stdout=out, stderr=out, env=self.env)
        out.close()
        try:
            wait_tcp(port, self.proc, self.log)
        except BaseException:
            self.stop()
            raise

    def conf_text(self, lock):
        return "\n".join([
            "# written by test_policy_service.py (Perl, eval'ed by policyd-weight)",
            "$USER = 'polw';", "$GROUP = 'polw';",
            "$BIND_ADDRESS = '127.0.0.1';", "$TCP_PORT = %d;" % self.port,
            "$LOCKPATH = '%s/';" % lock, "$SPATH = '%s/polw.sock';" % lock,
            "$PIDFILE = '%s/policyd-weight.pid';" % self.dir,
            "$NS = '127.0.0.1';", "$USE_NET_DNS = 1;",  # its fast DNSBL path would use port 53
            "$DNS_RETRIES = 1;", "$DNS_RETRY_IVAL = 1;", "$MAXDNSERR = 3;",
            "$syslog_socktype = 'native';",  # no /dev/log here: the default makes it die
            "@dnsbl_score = ('rbl.example.test', 4.35, -1.5, 'RBL_TEST');",
            "@rhsbl_score = ('rhsbl.example.test', 4, 0, 'RHSBL_TEST');",
        ]) + "\n"

    def stop(self):
        # The cache is a detached process of its own: "-k stop" asks it (over its socket
        # in our lock dir) and the master to end; then the master's PID is stopped.
        subprocess.run(isolated(self.dir, [POLICYD_WEIGHT, "-f", self.conf, "-k", "stop"]),
                       stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                       stderr=subprocess.DEVNULL, timeout=30, env=self.env)
        stop_pid(self.proc)
        if not harness.KEEP:
            shutil.rmtree(self.dir, ignore_errors=True)


class PolicyServiceTest(harness.TernTestCase):
    @classmethod
    def setUpClass(cls):
        cls.postgrey = Postgrey(harness.free_port())
        cls.addClassCleanup(cls.postgrey.stop)
        cls.dns = dns_peers.DnsPeers(ZONES)
        cls.addClassCleanup(cls.dns.stop)
        cls.polw = PolicydWeight(harness.free_port(), cls.dns.port)
        cls.addClassCleanup(cls.polw.stop)

    def query(self, tern, spec, *attrs):
        r = tern.tool("tern", "policy", "-c", tern.dir, "query", spec, *attrs, timeout=60)
        return r

    def action(self, tern, spec, *attrs):
        r = self.query(tern, spec, *attrs)
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        self.assertEqual(r.stderr, "")
        lines = r.stdout.splitlines()
        self.assertEqual(len(lines), 1, r.stdout)
        self.assertTrue(lines[0].startswith("action="), r.stdout)
        return lines[0][len("action="):]

    def test_postgrey_greylists_then_passes(self):
        tern = self.new_tern()
        spec = "inet:127.0.0.1:%d" % self.postgrey.port
        triplet = ("client_address=192.0.2.77", "client_name=unknown",
                   "sender=alice@sender.example", "recipient=bob@example.test")
        first = self.action(tern, spec, *triplet)
        self.assertRegex(first, r"^DEFER_IF_PERMIT 4\.2\.0 Greylisted, see http://postgrey\.schweikert\.ch/help/example\.test\.html$")
        # Too early: still greylisted.
        self.assertTrue(self.action(tern, spec, *triplet).startswith("DEFER_IF_PERMIT "))
        time.sleep(GREY_DELAY + 1)
        # After the delay; the same /24 counts as the same client.
        later = self.action(tern, "{ %s, timeout=10s, default_action=DUNNO }" % spec,
                            "client_address=192.0.2.78", *triplet[1:])
        self.assertRegex(later, r"^PREPEND X-Greylist: delayed \d+ seconds by postgrey-[\d.]+ at mx\.example\.test; ")
        # Another recipient is a new triplet.
        other = self.action(tern, spec, *(triplet[:3] + ("recipient=carol@example.test",)))
        self.assertTrue(other.startswith("DEFER_IF_PERMIT "), other)

    def test_postgrey_lookup_by_localhost_name(self):
        # A name from /etc/hosts (never DNS) and the per-service form.
        tern = self.new_tern()
        action = self.action(tern, "{ inet:localhost:%d, try_limit=1 }" % self.postgrey.port,
                             "client_address=198.51.100.9", "sender=x@sender.example",
                             "recipient=y@example.test")
        self.assertTrue(action.startswith("DEFER_IF_PERMIT 4.2.0 Greylisted"), action)

    def test_server_down_gives_the_default_action(self):
        tern = self.new_tern(main_cf={"smtpd_policy_service_retry_delay": "1s",
                                      "smtpd_policy_service_default_action": "DEFER_IF_PERMIT policy server down"})
        port = harness.free_port()  # nothing listens there
        r = self.query(tern, "inet:127.0.0.1:%d" % port, "client_address=192.0.2.77")
        self.assertEqual(r.returncode, 75, r.stdout + r.stderr)
        self.assertEqual(r.stdout, "action=DEFER_IF_PERMIT policy server down\n")
        warning = "warning: problem talking to server inet:127.0.0.1:%d: Connection refused" % port
        self.assertEqual(r.stderr.count(warning), 2, r.stderr)  # try_limit = 2
        self.assertIn("tern policy: warning: no answer from inet:127.0.0.1:%d" % port, r.stderr)

    def test_bad_spec_is_a_configuration_error(self):
        tern = self.new_tern()
        r = self.query(tern, "{ inet:127.0.0.1:%d, timeout=soon }" % self.postgrey.port)
        self.assertEqual(r.returncode, 1)
        self.assertIn("tern policy: fatal: check_policy_service", r.stderr)
        self.assertIn("bad timeout value \"soon\"", r.stderr)
        r = self.query(tern, "inet:policy.example.test:10023")
        self.assertEqual(r.returncode, 1)
        self.assertIn("not looked up in DNS", r.stderr)

    def test_policyd_weight_scores_a_good_client(self):
        tern = self.new_tern()
        action = self.action(tern, "inet:127.0.0.1:%d" % self.polw.port,
                             "client_address=192.0.2.25", "client_name=mx.example.test",
                             "reverse_client_name=mx.example.test", "helo_name=mx.example.test",
                             "sender=alice@example.test", "recipient=bob@example.net")
        self.assertRegex(action, r"^PREPEND X-policyd-weight: .*NOT_IN_RBL_TEST=-1\.5 .*; rate: -[\d.]+$")

    def test_policyd_weight_refuses_a_listed_client(self):
        tern = self.new_tern()
        action = self.action(tern, "inet:127.0.0.1:%d" % self.polw.port,
                             "client_address=192.0.2.26", "client_name=mx2.example.test",
                             "reverse_client_name=mx2.example.test", "helo_name=mx2.example.test",
                             "sender=alice@example.test", "recipient=bob@example.net")
        # The only difference to the good client is the DNSBL listing (+4.35 instead of -1.5).
        self.assertEqual(action, "550 Mail appeared to be SPAM or forged. Ask your Mail/DNS-Administrator "
                                 "to correct HELO and DNS MX settings or to get removed from DNSBLs")


if __name__ == "__main__":
    import unittest
    unittest.main()
