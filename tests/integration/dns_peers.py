"""Real DNS with DNSSEC for end-to-end tests: Knot (authoritative, signs the zones itself)
and Unbound (validating resolver) on loopback ports, built from Python dicts of records.
Stdlib + subprocess only; run with /usr/bin/python3. Every process is stopped by its PID.

    import dns_peers

    class MyTest(harness.TernTestCase):
        @classmethod
        def setUpClass(cls):
            cls.dns = dns_peers.DnsPeers({
                "example.test": {                       # DNSSEC-signed, anchored: secure
                    "@": [("MX", "10 mx")],               # relative names get the zone
                    "mx": [("A", "127.0.0.1"), ("AAAA", "::1")],
                    "_25._tcp.mx": [("TLSA", "3 1 1 ab12...")],
                },
                "plain.test": dns_peers.Zone({"@": [("TXT", "v=spf1 -all")]}, signed=False),
                "broken.test": dns_peers.Zone({"mx": [("A", "127.0.0.1")]}, bogus=True),
                "2.0.192.in-addr.arpa": {"7": [("PTR", "mail.example.test.")]},
            })
            cls.addClassCleanup(cls.dns.stop)

        def test_x(self):
            tern = self.new_tern(main_cf=self.dns.tern_params())
            self.dns.add("example.test", "new", "A", "127.0.0.2")   # live, signed at once

Zones:
  - a dict maps owner names ("@", relative "mx", or absolute "mx.example.test.") to lists of
    (TYPE, VALUE) or (TYPE, VALUE, TTL) in zone-file presentation form (TXT values are
    quoted for you unless they start with '"'); SOA and NS (ns.<zone> -> 127.0.0.1 unless
    the dict gives NS itself) are added. Default TTL 300, but Unbound hands out at most 5 s.
  - Zone(records, signed=True, bogus=False): signed=False serves the zone unsigned (answers
    are insecure); bogus=True signs it but puts a wrong DS into the trust anchor file Tern
    gets, so Tern's validator finds every answer of the zone bogus (Unbound itself has the
    right DS and passes the data on).

DnsPeers(zones, port=None, auth_port=None): give both ports from your own range (Unbound
listens on `port`, Knot on `auth_port`, UDP and TCP); without them harness.free_port() picks.

What a test uses:
  port               Unbound's port (127.0.0.1): dns_forward_servers = 127.0.0.1@port
  trust_anchor_file  DS lines of the signed zones (wrong ones for bogus zones):
                     dns_trust_anchor_file. Always set it: with Debian's root key Tern would
                     try to validate from the root, which this Unbound refuses (all bogus).
  tern_params()      {"dns_forward_servers": ..., "dns_trust_anchor_file": ...}
  auth_port          Knot's port; kdig(name, type, server="unbound"|"knot") -> kdig's text
  add(zone, owner, type, value, ttl=300), remove(zone, owner, type=None),
  replace(zone, owner, type, values, ttl=300): one knotc transaction each; Knot re-signs;
                     returns once Knot serves the change and Unbound's cache of the zone is
                     flushed (a running Tern may still hold the old answer for up to 5 s).
  stop()             stops Unbound and Knot by PID and removes the directory (TERN_KEEP=1 keeps it)

Names outside the zones get REFUSED from Unbound (Tern: a temporary failure); nothing is
ever sent off the machine. Tern reads the anchor file when its resolver is made, so make the
resolver before a role chroots (or it cannot validate).
"""

import os
import shutil
import signal
import subprocess
import tempfile
import time

import harness

KNOTD = "/usr/sbin/knotd"
KNOTC = "/usr/sbin/knotc"
KEYMGR = "/usr/sbin/keymgr"
KDIG = "/usr/bin/kdig"
UNBOUND = "/usr/sbin/unbound"
UNBOUND_CONTROL = "/usr/sbin/unbound-control"
UNBOUND_CHECKCONF = "/usr/sbin/unbound-checkconf"

DEFAULT_TTL = 300


class Zone:
    """A zone's records and how it is served (see the module text)."""

    def __init__(self, records, signed=True, bogus=False):
        self.records = records
        self.signed = signed or bogus
        self.bogus = bogus


def _quoted_txt(value):
    if value.startswith('"'):
        return value
    parts = [value[i:i + 255] for i in range(0, len(value), 255)] or [""]
    return " ".join('"%s"' % p.replace("\\", "\\\\").replace('"', '\\"') for p in parts)


def _rdata_text(rtype, value):
    return _quoted_txt(value) if rtype.upper() == "TXT" else value


def zone_text(name, records):
    """The zone file Knot loads for `records` (a dict as in the module text)."""
    lines = ["$ORIGIN %s." % name, "$TTL %d" % DEFAULT_TTL,
             "@ SOA ns.%s. hostmaster.%s. 1 3600 900 604800 60" % (name, name)]
    has_ns = any(r[0].upper() == "NS" for r in records.get("@", []))
    if not has_ns:
        lines += ["@ NS ns.%s." % name, "ns A 127.0.0.1"]
    for owner, rrs in records.items():
        for rr in rrs:
            rtype, value = rr[0], rr[1]
            ttl = rr[2] if len(rr) > 2 else DEFAULT_TTL
            lines.append("%s %d %s %s" % (owner, ttl, rtype.upper(), _rdata_text(rtype, value)))
    return "\n".join(lines) + "\n"


def _run(args, timeout=30, check=True):
    r = subprocess.run(args, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                       stderr=subprocess.STDOUT, text=True, timeout=timeout)
    if check and r.returncode != 0:
        raise harness.TernError("%s failed (%d):\n%s" % (" ".join(args), r.returncode, r.stdout))
    return r.stdout


def _stop_pid(proc, timeout=10):
    if proc is None or proc.poll() is not None:
        return
    proc.send_signal(signal.SIGTERM)
    try:
        proc.wait(timeout)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait(timeout)


class DnsPeers:
    """Knot + Unbound for `zones` ({name: dict or Zone}); see the module text."""

    def __init__(self, zones, port=None, auth_port=None):
        self.zones = {n.rstrip(".").lower(): (z if isinstance(z, Zone) else Zone(z))
                      for n, z in zones.items()}
        self.dir = tempfile.mkdtemp(prefix="tern-dns-")
        os.chmod(self.dir, 0o755)
        self.knot = self.unbound = None
        self.auth_port = auth_port or harness.free_port()
        self.port = port or harness.free_port()
        self.trust_anchor_file = os.path.join(self.dir, "trust-anchors.txt")
        self.ds = {}
        try:
            self._start_knot()
            self._write_anchors()
            self._start_unbound()
        except BaseException:
            self.stop()
            raise

    def path(self, *parts):
        return os.path.join(self.dir, *parts)

    def tern_params(self):
        return {"dns_forward_servers": "127.0.0.1@%d" % self.port,
                "dns_trust_anchor_file": self.trust_anchor_file}

    # ---- Knot ----------------------------------------------------------------------

    def _knot_conf(self):
        conf = [
            "server:",
            "    rundir: \"%s\"" % self.path("knot"),
            "    listen: 127.0.0.1@%d" % self.auth_port,
            "    udp-workers: 1", "    tcp-workers: 1", "    background-workers: 1",
            "control:", "    listen: \"%s\"" % self.path("knot", "knot.sock"),
            "log:", "  - target: \"%s\"" % self.path("knot", "knotd.log"), "    any: info",
            "database:", "    storage: \"%s\"" % self.path("knot", "db"),
            "policy:", "  - id: test", "    algorithm: ecdsap256sha256", "    nsec3: off",
            "template:", "  - id: default", "    storage: \"%s\"" % self.path("knot", "zones"),
            "    file: \"%s.zone\"", "    semantic-checks: on", "    zonefile-sync: -1",
            "    zonefile-load: difference-no-serial", "    journal-content: all",
            "zone:",
        ]
        for name, z in self.zones.items():
            conf.append("  - domain: %s" % name)
            if z.signed:
                conf += ["    dnssec-signing: on", "    dnssec-policy: test"]
        return "\n".join(conf) + "\n"

    def knotc(self, *args):
        return _run([KNOTC, "-c", self.path("knot", "knot.conf")] + list(args))

    def _start_knot(self):
        os.makedirs(self.path("knot", "zones"))
        os.makedirs(self.path("knot", "db"))
        with open(self.path("knot", "knot.conf"), "w") as f:
            f.write(self._knot_conf())
        for name, z in self.zones.items():
            with open(self.path("knot", "zones", name + ".zone"), "w") as f:
                f.write(zone_text(name, z.records))
        out = open(self.path("knot", "knotd.out"), "w")
        self.knot = subprocess.Popen([KNOTD, "-c", self.path("knot", "knot.conf")],
                                     stdin=subprocess.DEVNULL, stdout=out, stderr=out)
        out.close()
        for name, z in self.zones.items():
            want = "DNSKEY" if z.signed else "SOA"
            if not harness.wait_until(lambda: self.knot.poll() is None and
                                      self.kdig(name, want, server="knot", short=True).strip(), 30, 0.1):
                raise harness.TernError("knotd did not serve %s %s:\n%s" % (
                    name, want, self._file_text(self.path("knot", "knotd.log"))))

    def _write_anchors(self):
        lines = []
        for name, z in self.zones.items():
            if not z.signed:
                continue
            out = self.knotc_keymgr(name)
            ds = [l.split() for l in out.splitlines()]
            ds = [f for f in ds if len(f) == 6 and f[1] == "DS" and f[4] == "2"]
            if not ds:
                raise harness.TernError("keymgr gave no SHA-256 DS for %s:\n%s" % (name, out))
            self.ds[name] = [" ".join(f[2:]) for f in ds]
            for f in ds:
                digest = ("0" * len(f[5])) if z.bogus else f[5]
                lines.append("%s. 3600 IN DS %s %s %s %s" % (name, f[2], f[3], f[4], digest))
        with open(self.trust_anchor_file, "w") as f:
            f.write("\n".join(lines) + "\n")

    def knotc_keymgr(self, zone):
        return _run([KEYMGR, "-c", self.path("knot", "knot.conf"), zone + ".", "ds"])

    # ---- Unbound -------------------------------------------------------------------

    def _unbound_conf(self):
        d = self.path("unbound")
        conf = [
            "server:",
            "    interface: 127.0.0.1", "    port: %d" % self.port,
            "    do-daemonize: no", "    username: \"\"", "    chroot: \"\"",
            "    directory: \"%s\"" % d, "    pidfile: \"%s\"" % os.path.join(d, "unbound.pid"),
            "    use-syslog: no", "    logfile: \"%s\"" % os.path.join(d, "unbound.log"),
            "    verbosity: 1", "    val-log-level: 2", "    num-threads: 1",
            "    do-ip6: no", "    outgoing-interface: 127.0.0.1",
            "    do-not-query-localhost: no", "    access-control: 127.0.0.0/8 allow",
            "    module-config: \"validator iterator\"", "    qname-minimisation: no",
            "    cache-max-ttl: 5", "    cache-max-negative-ttl: 1",
            "    local-zone: \".\" refuse",
            "    trust-anchor-file: \"%s\"" % os.path.join(d, "anchors.txt"),
        ]
        for name in self.zones:
            conf.append("    local-zone: \"%s.\" transparent" % name)
        conf += ["remote-control:", "    control-enable: yes",
                 "    control-interface: \"%s\"" % os.path.join(d, "control.sock"),
                 "    control-use-cert: no"]
        for name in self.zones:
            conf += ["stub-zone:", "    name: \"%s.\"" % name,
                     "    stub-addr: 127.0.0.1@%d" % self.auth_port]
        return "\n".join(conf) + "\n"

    def _start_unbound(self):
        d = self.path("unbound")
        os.makedirs(d)
        # Unbound validates with the zones' true DS records (bogus zones included).
        with open(os.path.join(d, "anchors.txt"), "w") as f:
            for name, dss in self.ds.items():
                for ds in dss:
                    f.write("%s. 3600 IN DS %s\n" % (name, ds))
        with open(os.path.join(d, "unbound.conf"), "w") as f:
            f.write(self._unbound_conf())
        _run([UNBOUND_CHECKCONF, os.path.join(d, "unbound.conf")])
        out = open(os.path.join(d, "unbound.out"), "w")
        self.unbound = subprocess.Popen([UNBOUND, "-d", "-c", os.path.join(d, "unbound.conf")],
                                        stdin=subprocess.DEVNULL, stdout=out, stderr=out)
        out.close()
        first = next(iter(self.zones))
        if not harness.wait_until(lambda: self.unbound.poll() is None and
                                  "status: NOERROR" in self.kdig(first, "SOA"), 20, 0.1):
            raise harness.TernError("unbound did not answer for %s:\n%s" % (
                first, self._file_text(os.path.join(d, "unbound.log"))))

    # ---- queries and changes -------------------------------------------------------

    def kdig(self, name, rtype, server="unbound", short=False, dnssec=True):
        port = self.port if server == "unbound" else self.auth_port
        args = [KDIG, "@127.0.0.1", "-p", str(port), "+time=1", "+retry=0"]
        args += ["+dnssec"] if dnssec else []
        args += ["+short"] if short else []
        r = subprocess.run(args + [name, rtype], stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                           stderr=subprocess.STDOUT, text=True, timeout=10)
        return r.stdout

    def _change(self, zone, steps, check_name, check_type):
        zone = zone.rstrip(".").lower()
        self.knotc("zone-begin", zone)
        try:
            for step in steps:
                self.knotc(*step)
        except harness.TernError:
            self.knotc("zone-abort", zone)
            raise
        before = self.kdig(check_name, check_type, server="knot")
        self.knotc("zone-commit", zone)
        # Knot applies and signs the change; wait until it serves something new.
        harness.wait_until(lambda: self.kdig(check_name, check_type, server="knot") != before, 5)
        _run([UNBOUND_CONTROL, "-c", self.path("unbound", "unbound.conf"), "flush_zone", zone + "."])

    def _owner(self, zone, owner):
        zone = zone.rstrip(".").lower()
        if owner == "@":
            return zone + "."
        return owner if owner.endswith(".") else "%s.%s." % (owner, zone)

    def add(self, zone, owner, rtype, value, ttl=DEFAULT_TTL):
        """Add one record."""
        self._change(zone, [("zone-set", zone.rstrip("."), self._owner(zone, owner), str(ttl), rtype,
                             _rdata_text(rtype, value))], self._owner(zone, owner), rtype)

    def remove(self, zone, owner, rtype=None):
        """Remove the owner's records of `rtype` (all of its records when None)."""
        step = ["zone-unset", zone.rstrip("."), self._owner(zone, owner)] + ([rtype] if rtype else [])
        self._change(zone, [tuple(step)], self._owner(zone, owner), rtype or "ANY")

    def replace(self, zone, owner, rtype, values, ttl=DEFAULT_TTL):
        """Make the owner's `rtype` RRset exactly `values` (empty: remove it)."""
        name = self._owner(zone, owner)
        steps = []
        if self.kdig(name, rtype, server="knot", short=True, dnssec=False).strip():
            steps.append(("zone-unset", zone.rstrip("."), name, rtype))
        for v in values:
            steps.append(("zone-set", zone.rstrip("."), name, str(ttl), rtype, _rdata_text(rtype, v)))
        self._change(zone, steps, name, rtype)

    # ---- ending --------------------------------------------------------------------

    @staticmethod
    def _file_text(path):
        try:
            with open(path, errors="replace") as f:
                return f.read()[-4000:]
        except OSError:
            return ""

    def stop(self):
        _stop_pid(self.unbound)
        _stop_pid(self.knot)
        self.unbound = self.knot = None
        if self.dir and not harness.KEEP:
            shutil.rmtree(self.dir, ignore_errors=True)
        elif self.dir:
            print("kept DNS peers' directory", self.dir)
        self.dir = self.dir if harness.KEEP else None
