"""check_greylist against the real postgrey (Debian's postgrey 1.37): the same stream of
policy requests goes to postgrey, started here on 127.0.0.1 with its own --dbdir, over the
policy delegation protocol, and to Tern's greylist through `tern greylist ask` (requests on
stdin, one process per half of the stream so the second half also shows the state kept in
the LMDB file across processes). Both get the same settings and whitelist files and, per
request, the same clock: postgrey's own test attribute policy_test_time, which
`tern greylist ask` honours too. Every answer must be the same string.

Covered: first sight, too-early retries counting down, pass after the delay with the
X-Greylist header and DUNNO after it, /24 and /64 grouping, sender normalisation (+ext,
VERP numbers, BATV), the retry window, auto-whitelisting after passes in different hours,
one header per message (instance), client and recipient whitelists in every form.
Deliberate differences, not compared: "1.2" whitelist lines (postgrey: /24, Tern: /16 as
postgrey's manual says) and max_age (postgrey forgets at its nightly maintenance, Tern at
lookup too; see greylist_state.hpp).

Also: `tern greylist list`, `purge` and `whitelist-check` on the state the stream left.

Run: cd tests/integration && TERN_BUILD=/work/wt-greylist/build /usr/bin/python3 -m unittest -v test_greylist
"""

import os
import shutil
import socket
import subprocess
import tempfile
import time
import unittest

import harness

harness.PORT_RANGE = (25200, 25299)

POSTGREY = "/usr/sbin/postgrey"
DELAY = 60
AWL = 2
REPLY = "Greylisted, please try again in %s seconds"
HEADER = "X-Greylist: delayed %t seconds at %h"
HOSTNAME = "mx.example.test"
T0 = 1_900_000_000  # the test's clock: seconds since the epoch

CLIENTS = """# postgrey whitelist_clients format
example.org            # mail.example.org and anything under it
/^mx\\d+\\.example\\.com$/
198.51.100.77
203.0.113
192.0.2.128/25
2001:db8:feed::/48
"""

RECIPIENTS = """# postgrey whitelist_recipients format
postmaster@
vip@example.net
friendly.example
/^list-.*@example\\.net$/
"""


def request(t, client, sender, recipient, name="unknown", instance=None):
    attrs = [("request", "smtpd_access_policy"), ("protocol_state", "RCPT"),
             ("protocol_name", "ESMTP"), ("client_address", client), ("client_name", name),
             ("reverse_client_name", name), ("helo_name", "client.test"), ("sender", sender),
             ("recipient", recipient), ("etrn_domain", ""), ("policy_test_time", str(T0 + t))]
    if instance:
        attrs.append(("instance", instance))
    return attrs


def encode(attrs):
    return "".join("%s=%s\n" % kv for kv in attrs) + "\n"


HOUR = 3600
DAY = 86400

# (label, request); the first half runs in one `tern greylist ask`, the second in another.
FIRST_HALF = [
    ("new triplet", request(0, "192.0.2.7", "alice@example.org", "bob@example.net")),
    ("early retry", request(10, "192.0.2.7", "alice@example.org", "bob@example.net")),
    ("same /24, still early", request(30, "192.0.2.99", "alice@example.org", "bob@example.net")),
    ("same /24 after the delay", request(61, "192.0.2.8", "alice@example.org", "bob@example.net")),
    ("passed before", request(62, "192.0.2.7", "alice@example.org", "bob@example.net")),
    ("+extension is the same sender", request(63, "192.0.2.7", "alice+news@example.org", "bob@example.net")),
    ("other /24", request(64, "192.0.3.7", "alice@example.org", "bob@example.net")),
    ("VERP sender", request(100, "192.0.2.7", "bounce-1234@lists.example", "bob@example.net")),
    ("VERP sender, other number", request(200, "192.0.2.7", "bounce-5678@lists.example", "bob@example.net")),
    ("BATV sender", request(300, "192.0.2.7", "prvs=1234abcdef=carol@example.com", "bob@example.net")),
    ("BATV, other tag", request(400, "192.0.2.7", "prvs=9876fedcba=carol@example.com", "bob@example.net")),
    ("null sender", request(500, "192.0.2.7", "", "bob@example.net")),
    ("null sender after the delay", request(570, "192.0.2.7", "", "bob@example.net")),
    ("IPv6", request(600, "2001:db8:1:2::7", "dave@example.org", "bob@example.net")),
    ("same /64", request(700, "2001:db8:1:2:ffff::8", "dave@example.org", "bob@example.net")),
    ("other /64", request(701, "2001:db8:1:3::8", "dave@example.org", "bob@example.net")),
    # One message to two recipients: one header for the message.
    ("message, rcpt 1", request(1000, "192.0.2.20", "eve@example.org", "r1@example.net", instance="A1")),
    ("message, rcpt 2", request(1000, "192.0.2.20", "eve@example.org", "r2@example.net", instance="A1")),
    ("retried message, rcpt 1", request(1100, "192.0.2.20", "eve@example.org", "r1@example.net", instance="A2")),
    ("retried message, rcpt 2", request(1100, "192.0.2.20", "eve@example.org", "r2@example.net", instance="A2")),
    # Whitelists.
    ("client domain", request(2000, "192.0.2.30", "x@example.org", "bob@example.net", name="mail.example.org")),
    ("client domain lookalike", request(2001, "192.0.2.30", "x@example.org", "bob@example.net",
                                        name="mail.badexample.org")),
    ("client regexp", request(2002, "192.0.2.31", "x@example.org", "bob@example.net", name="MX12.example.com")),
    ("client address", request(2003, "198.51.100.77", "x@example.org", "bob@example.net")),
    ("client address neighbour", request(2004, "198.51.100.78", "x@example.org", "bob@example.net")),
    ("client prefix", request(2005, "203.0.113.200", "x@example.org", "bob@example.net")),
    ("client CIDR", request(2006, "192.0.2.200", "x@example.org", "bob@example.net")),
    ("client IPv6 CIDR", request(2007, "2001:db8:feed:1::5", "x@example.org", "bob@example.net")),
    ("recipient name@", request(2008, "192.0.2.40", "x@example.org", "postmaster+x@elsewhere.test")),
    ("recipient address", request(2009, "192.0.2.40", "x@example.org", "VIP+tag@example.net")),
    ("recipient address, subdomain", request(2010, "192.0.2.40", "x@example.org", "vip@sub.example.net")),
    ("recipient domain", request(2011, "192.0.2.40", "x@example.org", "y@mail.friendly.example")),
    ("recipient domain lookalike", request(2012, "192.0.2.40", "x@example.org", "y@unfriendly.example")),
    ("recipient regexp", request(2013, "192.0.2.40", "x@example.org", "list-dev@example.net")),
]

SECOND_HALF = [
    # State kept across processes: passed before, in another process.
    ("passed before, new process", request(5000, "192.0.2.7", "alice@example.org", "bob@example.net")),
    ("other /24 retried, new process", request(5000, "192.0.3.7", "alice@example.org", "bob@example.net")),
    # Retry window (2 days): a retry after it starts over.
    ("window: first", request(6000, "192.0.2.60", "w@example.org", "bob@example.net")),
    ("window: too late", request(6000 + 2 * DAY + 1, "192.0.2.60", "w@example.org", "bob@example.net")),
    ("window: after new delay", request(6000 + 2 * DAY + 61, "192.0.2.60", "w@example.org", "bob@example.net")),
    # Auto-whitelisting: two passes in different hours, then a new triplet passes at once.
    ("awl: t1 new", request(10 * DAY, "192.0.2.50", "a1@example.org", "bob@example.net")),
    ("awl: t1 pass", request(10 * DAY + 61, "192.0.2.50", "a1@example.org", "bob@example.net")),
    ("awl: t2 new", request(10 * DAY + 100, "192.0.2.50", "a2@example.org", "bob@example.net")),
    ("awl: t2 pass, same hour", request(10 * DAY + 200, "192.0.2.50", "a2@example.org", "bob@example.net")),
    ("awl: t3 new", request(10 * DAY + HOUR + 100, "192.0.2.50", "a3@example.org", "bob@example.net")),
    ("awl: t3 pass, next hour", request(10 * DAY + HOUR + 200, "192.0.2.50", "a3@example.org", "bob@example.net")),
    ("awl: whitelisted client", request(10 * DAY + HOUR + 300, "192.0.2.50", "new@example.org", "new@example.net")),
    ("awl: its neighbour is not", request(10 * DAY + HOUR + 300, "192.0.2.51", "new@example.org", "new@example.net")),
]


class Postgrey:
    """postgrey on 127.0.0.1:port with its own database directory in `dir`, in a private
    mount namespace whose /etc/resolv.conf points at loopback (it never needs DNS)."""

    def __init__(self, dir, port, clients, recipients):
        self.port = port
        db = os.path.join(dir, "postgrey-db")
        os.makedirs(db)
        shutil.chown(db, "postgrey", "postgrey")
        os.chmod(dir, 0o755)
        resolv = os.path.join(dir, "resolv.conf")
        with open(resolv, "w") as f:
            f.write("nameserver 127.0.0.1\n")
        self.log = open(os.path.join(dir, "postgrey.log"), "w")
        cmd = [POSTGREY, "--inet=127.0.0.1:%d" % port, "--dbdir=" + db, "--user=postgrey",
               "--group=postgrey", "--delay=%d" % DELAY, "--auto-whitelist-clients=%d" % AWL,
               "--hostname=" + HOSTNAME, "--greylist-text=" + REPLY, "--x-greylist-header=" + HEADER,
               "--whitelist-clients=" + clients, "--whitelist-recipients=" + recipients]
        self.proc = subprocess.Popen(
            ["unshare", "-m", "--", "/bin/sh", "-c", 'mount --bind "$0" /etc/resolv.conf && exec "$@"', resolv]
            + cmd, stdout=self.log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
        if not harness.wait_until(self._listening, 20):
            self.stop()
            raise harness.TernError("postgrey did not start:\n" + open(self.log.name).read())
        self.sock = socket.create_connection(("127.0.0.1", port), timeout=10)
        self.buf = b""

    def _listening(self):
        if self.proc.poll() is not None:
            raise harness.TernError("postgrey exited:\n" + open(self.log.name).read())
        try:
            socket.create_connection(("127.0.0.1", self.port), timeout=1).close()
            return True
        except OSError:
            return False

    def ask(self, attrs):
        self.sock.sendall(encode(attrs).encode())
        while b"\n\n" not in self.buf:
            chunk = self.sock.recv(4096)
            if not chunk:
                raise harness.TernError("postgrey closed the connection")
            self.buf += chunk
        reply, self.buf = self.buf.split(b"\n\n", 1)
        return reply.decode()

    def stop(self):
        if getattr(self, "sock", None):
            self.sock.close()
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.log.close()


class GreylistVsPostgreyTest(unittest.TestCase):

    @classmethod
    def setUpClass(cls):
        if not os.path.exists(POSTGREY):
            raise unittest.SkipTest("postgrey is not installed (scripts/deps.sh installs it)")
        if os.geteuid() != 0:
            raise unittest.SkipTest("needs root: postgrey runs as its own user in a private mount namespace")
        cls.dir = tempfile.mkdtemp(prefix="tern-greylist-")
        if not harness.KEEP:
            cls.addClassCleanup(shutil.rmtree, cls.dir, True)
        else:
            print("keeping", cls.dir)
        cls.clients = os.path.join(cls.dir, "whitelist_clients")
        cls.recipients = os.path.join(cls.dir, "whitelist_recipients")
        for path, text in ((cls.clients, CLIENTS), (cls.recipients, RECIPIENTS)):
            with open(path, "w") as f:
                f.write(text)
        cls.postgrey = Postgrey(cls.dir, harness.free_port(), cls.clients, cls.recipients)
        cls.addClassCleanup(cls.postgrey.stop)
        cls.conf = os.path.join(cls.dir, "tern")
        os.makedirs(cls.conf)
        with open(os.path.join(cls.conf, "main.cf"), "w") as f:
            f.write("\n".join("%s = %s" % kv for kv in [
                ("myhostname", HOSTNAME),
                ("data_directory", os.path.join(cls.dir, "data")),
                ("greylist_delay", "%ds" % DELAY),
                ("greylist_auto_whitelist_clients", str(AWL)),
                ("greylist_reply", REPLY),
                ("greylist_header", HEADER),
                ("greylist_whitelist_clients", cls.clients),
                ("greylist_whitelist_recipients", cls.recipients),
            ]) + "\n")

    def tern(self, *args, input=None):
        r = subprocess.run([harness.TERN, "greylist", "-c", self.conf] + list(args), input=input,
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, timeout=60)
        return r

    def tern_answers(self, steps):
        # --now: the clock at open (its purge) is the stream's clock, not the real one.
        first = dict(steps[0][1])["policy_test_time"]
        r = self.tern("--now", first, "ask", input="".join(encode(attrs) for _, attrs in steps))
        self.assertEqual(r.returncode, 0, r.stderr)
        answers = r.stdout.split("\n\n")
        self.assertEqual(answers[-1], "")
        return answers[:-1]

    def compare(self, steps):
        expected = [self.postgrey.ask(attrs) for _, attrs in steps]
        got = self.tern_answers(steps)
        self.assertEqual(len(got), len(steps))
        for (label, _), want, have in zip(steps, expected, got):
            with self.subTest(label):
                self.assertEqual(have, want)
        return got

    def test_same_decisions_as_postgrey_then_list_and_purge(self):
        got = self.compare(FIRST_HALF)
        by_label = dict(zip((label for label, _ in FIRST_HALF), got))
        # The stream does exercise every kind of answer (guards against a stream that
        # compares only DUNNOs).
        self.assertEqual(by_label["new triplet"],
                         "action=DEFER_IF_PERMIT 4.2.0 Greylisted, please try again in 60 seconds")
        self.assertEqual(by_label["early retry"],
                         "action=DEFER_IF_PERMIT 4.2.0 Greylisted, please try again in 50 seconds")
        self.assertEqual(by_label["same /24 after the delay"],
                         "action=PREPEND X-Greylist: delayed 61 seconds at mx.example.test")
        self.assertEqual(by_label["passed before"], "action=DUNNO")
        self.assertEqual(by_label["retried message, rcpt 2"], "action=DUNNO")
        self.assertEqual(by_label["client domain"], "action=DUNNO")
        self.assertTrue(by_label["client domain lookalike"].startswith("action=DEFER_IF_PERMIT"))
        got = self.compare(SECOND_HALF)
        by_label = dict(zip((label for label, _ in SECOND_HALF), got))
        self.assertEqual(by_label["passed before, new process"], "action=DUNNO")
        self.assertEqual(by_label["awl: whitelisted client"], "action=DUNNO")
        self.assertTrue(by_label["awl: its neighbour is not"].startswith("action=DEFER_IF_PERMIT"))
        self.check_list_and_purge()

    def check_list_and_purge(self):
        """`tern greylist list` and `purge` on the state the streams left."""
        now = str(T0 + 10 * DAY + HOUR + 330)
        r = self.tern("--now", now, "list")
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertRegex(r.stdout, r"(?m)^192\.0\.2\.0/alice@example\.org/bob@example\.net: first seen \d+s ago, "
                                   r"last seen \d+s ago, passed$")
        self.assertRegex(r.stdout, r"(?m)^192\.0\.2\.0/bounce-#@lists\.example/bob@example\.net: ")
        self.assertRegex(r.stdout, r"(?m)^192\.0\.2\.0/carol@example\.com/bob@example\.net: ")
        self.assertRegex(r.stdout, r"(?m)^2001:db8:1:2::/dave@example\.org/bob@example\.net: .*passed$")
        self.assertRegex(r.stdout, r"(?m)^192\.0\.2\.0/new@example\.org/new@example\.net: .*greylisted, 30s left$")
        self.assertRegex(r.stdout, r"(?m)^client 192\.0\.2\.50: 2 passes, last seen \d+s ago, whitelisted$")
        # 40 days on, everything has expired.
        later = str(T0 + 50 * DAY + HOUR)
        r = self.tern("--now", later, "purge")
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertRegex(r.stdout, r"^tern greylist: removed (\d+) of \1 triplets and (\d+) of \2 clients from ")
        r = self.tern("--now", later, "list")
        self.assertEqual((r.returncode, r.stdout), (0, ""))

    def test_whitelist_check(self):
        r = self.tern("whitelist-check", "192.0.2.250", "unknown", "bob@example.net")
        self.assertEqual((r.returncode, r.stdout), (0, "client whitelisted by %s:6: 192.0.2.128/25\n" % self.clients))
        r = self.tern("whitelist-check", "192.0.2.1", "mx7.example.com", "bob@example.net")
        self.assertEqual(r.returncode, 0)
        self.assertIn(":3: /^mx\\d+\\.example\\.com$/", r.stdout)
        r = self.tern("whitelist-check", "192.0.2.1", "unknown", "Postmaster@example.net")
        self.assertEqual((r.returncode, r.stdout), (0, "recipient whitelisted by %s:2: postmaster@\n" % self.recipients))
        r = self.tern("whitelist-check", "192.0.2.1", "unknown", "bob@example.net")
        self.assertEqual((r.returncode, r.stdout), (1, "not whitelisted\n"))

    def test_list_does_not_create_a_database(self):
        conf = os.path.join(self.dir, "empty-conf")
        os.makedirs(conf, exist_ok=True)
        data = os.path.join(self.dir, "empty-data")
        with open(os.path.join(conf, "main.cf"), "w") as f:
            f.write("data_directory = %s\n" % data)
        for verb in ("list", "purge"):
            r = subprocess.run([harness.TERN, "greylist", "-c", conf, verb], stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE, text=True, timeout=60)
            self.assertEqual(r.returncode, 1)
            self.assertIn("tern greylist: fatal: %s/greylist.lmdb: No such file or directory" % data, r.stderr)
        self.assertFalse(os.path.exists(data))

    def test_malformed_whitelist_is_refused_with_file_and_line(self):
        bad = os.path.join(self.dir, "bad_clients")
        with open(bad, "w") as f:
            f.write("example.org\n\n# fine so far\nnot a hostname\n")
        conf = os.path.join(self.dir, "bad-conf")
        os.makedirs(conf, exist_ok=True)
        with open(os.path.join(conf, "main.cf"), "w") as f:
            f.write("data_directory = %s\ngreylist_whitelist_clients = %s\n" % (os.path.join(self.dir, "bad"), bad))
        r = subprocess.run([harness.TERN, "greylist", "-c", conf, "ask", "client_address=192.0.2.1",
                            "sender=a@b.example", "recipient=c@d.example"],
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, timeout=60)
        self.assertEqual(r.returncode, 1)
        self.assertIn("greylist_whitelist_clients: %s:4: doesn't look like a hostname: \"not a hostname\"" % bad,
                      r.stderr)


if __name__ == "__main__":
    unittest.main()
