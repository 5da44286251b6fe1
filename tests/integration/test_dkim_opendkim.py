"""OpenDKIM verifies what Tern signs (issue 8).

ternd signs mail from mynetworks with keys made by `tern dkim keygen` (rsa-sha256 and
ed25519-sha256); the signed message is taken from bob's Maildir and pushed through
OpenDKIM's milter (Debian's opendkim, verify mode) by miltertest (Debian's miltertest)
as if it came from 192.0.2.25, a client OpenDKIM does not treat as internal. OpenDKIM
fetches the public keys through libunbound from the Knot+Unbound pair of dns_peers, with
the zone's trust anchor, so it also reports the key records as DNSSEC-secure. The test
reads OpenDKIM's Authentication-Results: dkim=pass for Tern's d= and s=, and dkim=fail
once the body or a signed header field is changed.

OpenDKIM 2.11 (Debian 12) lists ed25519-sha256 among its algorithms (`opendkim -V`) and
verifies it. OpenDKIM logs only to syslog and there is none here: failures show up as
its milter replies and header fields. Run with /usr/bin/python3.
"""

import os
import re
import shutil
import socket
import subprocess
import tempfile
import unittest

import dns_peers
import harness
from harness import TernTestCase
from test_dkim import keygen, txt_data

# This test's share of the loopback ports (after test_dkim's import, which sets its own).
harness.PORT_RANGE = (25950, 25999)

OPENDKIM = "/usr/sbin/opendkim"
MILTERTEST = "/usr/bin/miltertest"
CLIENT_IP = "192.0.2.25"  # only a milter macro value: no traffic goes there

# miltertest's Lua program: one SMTP transaction of MT_MSG from MT_IP through the milter at
# MT_SOCK. Steps the milter negotiated away (OpenDKIM sets SMFIP_NOHELO) are skipped, as an
# MTA must. Prints the end-of-message reply and each Authentication-Results the milter
# added, unfolded, one a line.
MILTER_CLIENT = r'''
local conn = mt.connect(os.getenv("MT_SOCK"), 40, 0.25)
if conn == nil then error("cannot connect to the milter") end
if mt.negotiate(conn, nil, nil, nil) ~= nil then error("negotiation failed") end
local function step(skip, what, fn, ...)
  if skip ~= nil and mt.test_option(conn, skip) then return end
  if fn(conn, ...) ~= nil then error(what .. " failed") end
end
mt.macro(conn, SMFIC_CONNECT, "j", "mx.example.net", "{daemon_name}", "tern-test")
step(SMFIP_NOCONNECT, "connect", mt.conninfo, "client.example.net", os.getenv("MT_IP"))
step(SMFIP_NOHELO, "helo", mt.helo, "client.example.net")
mt.macro(conn, SMFIC_MAIL, "i", "4AB12C3D4E")
step(SMFIP_NOMAIL, "mail", mt.mailfrom, "<alice@example.test>")
step(SMFIP_NORCPT, "rcpt", mt.rcptto, "<bob@example.net>")
local f = assert(io.open(os.getenv("MT_MSG"), "rb"))
local text = f:read("*a"):gsub("\r\n", "\n")
f:close()
local head, body = text:match("^(.-\n)\n(.*)$")
local name, value
local function flush()
  if name then step(SMFIP_NOHDRS, "header " .. name, mt.header, name, value) end
end
for line in head:gmatch("([^\n]*)\n") do
  if line:match("^[ \t]") and name then
    value = value .. "\n" .. line
  else
    flush()
    -- Milter header values lack the space after the colon (Sendmail's way); OpenDKIM
    -- puts one back, so "Name:value" fields would not verify with c=simple here.
    name, value = line:match("^([^:]+):[ ]?(.*)$")
    if name == nil then error("not a header field: " .. line) end
  end
end
flush()
step(SMFIP_NOEOH, "eoh", mt.eoh)
-- OpenDKIM hangs up on an empty body chunk and fails every signature (dkimpy's too) when
-- a transaction has no body chunk at all; one CRLF is the same body as none to both
-- canonicalizations (RFC 6376 3.4.3, 3.4.4), so an empty body is sent as that.
if body == "" then body = "\n" end
step(SMFIP_NOBODY, "body", mt.bodystring, (body:gsub("\n", "\r\n")))
step(nil, "eom", mt.eom)
local replies = {[SMFIR_ACCEPT] = "accept", [SMFIR_CONTINUE] = "continue",
                 [SMFIR_REJECT] = "reject", [SMFIR_TEMPFAIL] = "tempfail",
                 [SMFIR_DISCARD] = "discard", [SMFIR_REPLYCODE] = "replycode"}
local reply = mt.getreply(conn)
print("reply: " .. (replies[reply] or tostring(reply)))
local i = 0
while true do
  local v = mt.getheader(conn, "Authentication-Results", i)
  if v == nil then break end
  print("Authentication-Results: " .. (v:gsub("%s+", " "):gsub("^ ", "")))
  i = i + 1
end
mt.disconnect(conn)
'''


class OpenDkim:
    """opendkim -f in verify mode on a port of PORT_RANGE, its key lookups going through
    libunbound to `dns` (a DnsPeers) with the zones' trust anchors. Stopped by its PID."""

    def __init__(self, dns):
        self.dir = tempfile.mkdtemp(prefix="tern-opendkim-")
        self.port = harness.free_port()
        self.proc = None
        with open(self.path("libunbound.conf"), "w") as f:
            # libunbound answers *.test itself (RFC 6761) unless told otherwise, and must
            # never recurse from the root servers: everything goes to the test's Unbound.
            f.write("server:\n"
                    "    do-not-query-localhost: no\n"
                    "    outgoing-interface: 127.0.0.1\n"
                    "    do-ip6: no\n"
                    "    local-zone: \"test.\" nodefault\n"
                    "forward-zone:\n"
                    "    name: \".\"\n"
                    "    forward-addr: 127.0.0.1@%d\n" % dns.port)
        with open(self.path("opendkim.conf"), "w") as f:
            f.write("Syslog no\n"
                    "Mode v\n"
                    "Socket inet:%d@127.0.0.1\n"
                    "PidFile %s\n"
                    "AuthservID opendkim.example.net\n"
                    "AlwaysAddARHeader yes\n"
                    "InternalHosts 127.0.0.1\n"
                    "ResolverConfiguration %s\n"
                    "TrustAnchorFile %s\n"
                    "DNSTimeout 5\n" % (self.port, self.path("opendkim.pid"), self.path("libunbound.conf"),
                                        dns.trust_anchor_file))
        # Run as root, opendkim gets a private mount namespace whose /etc/resolv.conf names
        # 127.0.0.1 (nothing answers on port 53 there): should anything in it fall back to
        # the libc resolver, no query leaves the machine.
        command = [OPENDKIM, "-f", "-x", self.path("opendkim.conf")]
        if os.geteuid() == 0:
            with open(self.path("resolv.conf"), "w") as f:
                f.write("nameserver 127.0.0.1\n")
            command = ["unshare", "-m", "--", "/bin/sh", "-c",
                       'mount --bind "$0" /etc/resolv.conf && exec "$@"', self.path("resolv.conf")] + command
        out = open(self.path("opendkim.out"), "wb")
        self.proc = subprocess.Popen(command, stdin=subprocess.DEVNULL, stdout=out, stderr=subprocess.STDOUT)
        out.close()
        if not harness.wait_until(lambda: self.proc.poll() is None and self._listening(), 15, 0.1):
            text = self.output()
            self.stop()
            raise harness.TernError("opendkim did not start on port %d:\n%s" % (self.port, text))

    def path(self, name):
        return os.path.join(self.dir, name)

    def _listening(self):
        try:
            socket.create_connection(("127.0.0.1", self.port), timeout=1).close()
            return True
        except OSError:
            return False

    def output(self):
        try:
            with open(self.path("opendkim.out"), errors="replace") as f:
                return f.read()[-4000:]
        except OSError:
            return ""

    def verify(self, message):
        """Push `message` (bytes) through the milter from CLIENT_IP; returns (end-of-message
        reply, [Authentication-Results values])."""
        with open(self.path("message"), "wb") as f:
            f.write(message)
        with open(self.path("client.lua"), "w") as f:
            f.write(MILTER_CLIENT)
        env = dict(os.environ, MT_SOCK="inet:%d@127.0.0.1" % self.port, MT_IP=CLIENT_IP,
                   MT_MSG=self.path("message"))
        r = subprocess.run([MILTERTEST, "-s", self.path("client.lua")], env=env, stdin=subprocess.DEVNULL,
                           stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, timeout=60)
        if r.returncode != 0 or not r.stdout.startswith("reply: "):
            raise harness.TernError("miltertest failed (%d):\n%s\nopendkim:\n%s"
                                    % (r.returncode, r.stdout, self.output()))
        lines = r.stdout.splitlines()
        results = [l.split(": ", 1)[1] for l in lines[1:] if l.startswith("Authentication-Results: ")]
        return lines[0].split(": ", 1)[1], results

    def stop(self):
        dns_peers._stop_pid(self.proc)  # SIGTERM, then SIGKILL after 10 s
        self.proc = None
        if harness.KEEP:
            print("kept opendkim's directory", self.dir)
        else:
            shutil.rmtree(self.dir, ignore_errors=True)


def dkim_results(results):
    """{selector: (result, the method's whole text)} from OpenDKIM's Authentication-Results
    values (one value may carry several dkim= methods, separated by ';')."""
    found = {}
    for value in results:
        # ';' separates the methods, but not inside comments: "(2048-bit key; secure)".
        for method in re.split(r";(?![^()]*\))", value)[1:]:
            method = method.strip()
            m = re.match(r"dkim=(\w+)\b", method)
            s = re.search(r"\bheader\.s=(\S+)", method)
            if m and s:
                found[s.group(1)] = (m.group(1), method)
    return found


class OpenDkimVerifiesTernTest(TernTestCase):
    @classmethod
    def setUpClass(cls):
        cls.keys = tempfile.mkdtemp(prefix="tern-odkim-keys-")
        cls.addClassCleanup(shutil.rmtree, cls.keys, True)
        os.chmod(cls.keys, 0o755)
        records = {"rsa1._domainkey": [("TXT", txt_data(keygen(cls.keys, "rsa1", "rsa")))],
                   "ed1._domainkey": [("TXT", txt_data(keygen(cls.keys, "ed1", "ed25519")))]}
        if os.geteuid() == 0:  # the queue role runs as mail_owner (nobody) and reads the keys
            for sel in ("rsa1", "ed1"):
                os.chown(os.path.join(cls.keys, sel + ".private"), 65534, 65534)
        cls.dns = dns_peers.DnsPeers({"example.test": records})
        cls.addClassCleanup(cls.dns.stop)
        cls.opendkim = OpenDkim(cls.dns)
        cls.addClassCleanup(cls.opendkim.stop)

    def tables(self, tern, signing_table, extra=()):
        tern.write_file("keytable", "rsakey example.test:rsa1:%s/rsa1.private\n"
                                    "edkey example.test:ed1:%s/ed1.private\n" % (self.keys, self.keys))
        tern.write_file("signtable", "example.test %s\n" % signing_table)
        tern.set_param("dkim_signing_table", "texthash:" + tern.path("signtable"))
        tern.set_param("dkim_key_table", "texthash:" + tern.path("keytable"))
        for name, value in extra:
            tern.set_param(name, value)
        tern.write_config()

    def signed_by_tern(self, signing_table, body, extra=()):
        tern = self.new_tern()
        self.tables(tern, signing_table, extra)
        tern.start()
        msg = ("From: Alice <alice@example.test>\r\nTo: bob@example.test\r\n"
               "Subject: signed by Tern,\r\n\tchecked by  OpenDKIM\r\nMessage-ID: <o1@example.test>\r\n"
               "Date: Mon, 07 Dec 2026 13:00:00 +0000\r\n\r\n" + body)
        with tern.smtp() as s:
            s.sendmail("alice@example.test", ["bob@example.test"], msg)
        signed = tern.wait_for_maildir("bob", 1)[0]
        self.assertIn(b"DKIM-Signature:", signed)
        return signed

    def assertVerdicts(self, message, want):
        reply, results = self.opendkim.verify(message)
        self.assertEqual(reply, "accept", results)
        found = dkim_results(results)
        self.assertEqual({sel: r for sel, (r, _) in found.items()}, want, results)
        for sel, (_, method) in found.items():
            self.assertIn("header.d=example.test", method)
        self.assertTrue(all(r.startswith("opendkim.example.net;") for r in results), results)
        return found

    def test_rsa_and_ed25519_signatures_pass_and_tampering_fails(self):
        signed = self.signed_by_tern("rsakey, edkey", "Hello Bob.\r\n\r\nSee you.  \r\n\r\n")
        found = self.assertVerdicts(signed, {"rsa1": "pass", "ed1": "pass"})
        # OpenDKIM validated the key records itself (the zone's trust anchor).
        self.assertRegex(found["rsa1"][1], r"^dkim=pass \(2048-bit key; secure\) ")
        self.assertIn("header.a=rsa-sha256", found["rsa1"][1])
        self.assertIn("header.a=ed25519-sha256", found["ed1"][1])
        # OpenDKIM is not just saying yes: a changed body or signed header field fails.
        self.assertVerdicts(signed.replace(b"See you.", b"See ya!!"), {"rsa1": "fail", "ed1": "fail"})
        self.assertVerdicts(signed.replace(b"checked by  OpenDKIM", b"checked by OpenDKlM"),
                            {"rsa1": "fail", "ed1": "fail"})

    def test_simple_canonicalization_and_an_empty_body(self):
        signed = self.signed_by_tern("rsakey", "", extra=[("dkim_canonicalization", "simple/simple")])
        self.assertIn(b"c=simple/simple", signed)
        self.assertVerdicts(signed, {"rsa1": "pass"})
        self.assertVerdicts(signed + b"one more line\r\n", {"rsa1": "fail"})

    def test_local_submission_ed25519(self):
        tern = self.new_tern()
        self.tables(tern, "edkey")
        tern.start()
        env = dict(os.environ, MAIL_CONFIG=tern.dir)
        r = subprocess.run([os.path.join(harness.COMPAT, "sendmail"), "-f", "alice@example.test", "bob"],
                           input="From: alice@example.test\nSubject: local\n\nfrom sendmail\n", env=env,
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, timeout=60)
        self.assertEqual(r.returncode, 0, r.stderr)
        signed = tern.wait_for_maildir("bob", 1)[0]
        self.assertIn(b"a=ed25519-sha256", signed)
        self.assertVerdicts(signed, {"ed1": "pass"})
        self.assertVerdicts(signed.replace(b"from sendmail", b"from sendmai1"), {"ed1": "fail"})

if __name__ == "__main__":
    unittest.main()
