"""DKIM against an independent implementation (dkimpy, Debian's python3-dkim).

Tern signs (rsa-sha256 and ed25519-sha256 at once, keys made by `tern dkim keygen`) mail
from mynetworks on its way through a running ternd; dkimpy verifies both signatures with a
dnsfunc that serves the TXT records keygen printed (no network). The other way, dkimpy
signs messages with folded headers, trailing whitespace, an empty body, l=, ed25519 and
rsa-sha1, and `tern check dkim --dns-file` verifies them. OpenDKIM is the second peer
(opendkim-genkey keys sign in ternd; opendkim-testmsg signs, Tern verifies), and a small
loopback DNS server feeds the live-DNS path. Run with /usr/bin/python3.
"""

import os
import re
import socket
import subprocess
import tempfile
import threading
import unittest

import dkim
import dns.flags
import dns.message
import dns.rcode
import dns.rdatatype
import dns.rrset

import harness
from harness import TERN, TernTestCase

# This test's share of the loopback ports.
harness.PORT_RANGE = (25300, 25399)

DATA = os.path.join(harness.SOURCE, "tests", "data", "dkimpy-data")


def crlf(msg):
    return msg.replace(b"\r\n", b"\n").replace(b"\n", b"\r\n")


def txt_data(zone_text):
    """The TXT data of a zone-file record as keygen prints it: its quoted strings joined."""
    return "".join(re.findall(r'"([^"]*)"', zone_text))


def keygen(directory, selector, kind):
    out = subprocess.run([TERN, "dkim", "keygen", "--domain", "example.test", "--selector", selector,
                          "--type", kind, "--directory", directory],
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, timeout=60)
    if out.returncode != 0:
        raise AssertionError("keygen failed: " + out.stderr)
    return out.stdout


class KeygenTest(unittest.TestCase):
    def test_rsa_and_ed25519_keys_and_records(self):
        with tempfile.TemporaryDirectory() as d:
            rsa = keygen(d, "r1", "rsa")
            ed = keygen(d, "e1", "ed25519")
            self.assertTrue(rsa.startswith("r1._domainkey\tIN\tTXT\t( \"v=DKIM1; h=sha256; k=rsa; p=MII"), rsa)
            self.assertIn("; ----- DKIM key r1 for example.test", rsa)
            self.assertRegex(txt_data(ed), r"^v=DKIM1; k=ed25519; p=[A-Za-z0-9+/]{43}=$")
            for sel in ("r1", "e1"):
                st = os.stat(os.path.join(d, sel + ".private"))
                self.assertEqual(st.st_mode & 0o777, 0o600)
                with open(os.path.join(d, sel + ".txt")) as f:
                    self.assertEqual(f.read(), rsa if sel == "r1" else ed)

    def test_bad_arguments(self):
        for args in (["--selector", "x"], ["--domain", "d", "--selector", "x", "--type", "dsa"],
                     ["--domain", "d", "--selector", "x", "--bits", "512"]):
            out = subprocess.run([TERN, "dkim", "keygen"] + args, stdout=subprocess.PIPE,
                                 stderr=subprocess.PIPE, text=True, timeout=30)
            self.assertEqual(out.returncode, 64, args)


class TernSignsTest(TernTestCase):
    def setUp(self):
        self.keys = tempfile.mkdtemp(prefix="tern-dkim-keys-")
        self.addCleanup(subprocess.run, ["rm", "-rf", self.keys])
        os.chmod(self.keys, 0o755)
        self.records = {
            "rsa1._domainkey.example.test.": txt_data(keygen(self.keys, "rsa1", "rsa")).encode(),
            "ed1._domainkey.example.test.": txt_data(keygen(self.keys, "ed1", "ed25519")).encode(),
        }
        if os.geteuid() == 0:  # the queue role runs as mail_owner (nobody) and reads the keys
            for sel in ("rsa1", "ed1"):
                os.chown(os.path.join(self.keys, sel + ".private"), 65534, 65534)

    def dnsfunc(self, name, timeout=5):
        return self.records.get(name.decode().lower())

    def start(self, signing_table, extra=()):
        tern = self.new_tern()
        tern.write_file("keytable", "rsakey example.test:rsa1:%s/rsa1.private\n"
                                    "edkey %%:ed1:%s/ed1.private\n" % (self.keys, self.keys))
        tern.write_file("signtable", signing_table)
        kind = "regexp" if signing_table.startswith("/") else "texthash"
        tern.set_param("dkim_signing_table", "%s:%s" % (kind, tern.path("signtable")))
        tern.set_param("dkim_key_table", "texthash:" + tern.path("keytable"))
        for name, value in extra:
            tern.set_param(name, value)
        tern.write_config()
        tern.start()
        return tern

    def send(self, tern, source="127.0.0.1", body="Hello Bob.\r\n\r\nSee you.  \r\n"):
        msg = ("From: Alice <alice@example.test>\r\nTo: bob@example.test\r\n"
               "Subject: a signed\r\n  message\r\nMessage-ID: <m1@example.test>\r\n\r\n" + body)
        with tern.smtp(source=source) as s:
            s.sendmail("alice@example.test", ["bob@example.test"], msg)

    def test_dual_signature_verifies_with_dkimpy(self):
        tern = self.start("example.test rsakey, edkey\n")
        self.send(tern)
        msg = crlf(tern.wait_for_maildir("bob", 1)[0])
        heads = [l for l in msg.split(b"\r\n\r\n")[0].split(b"\r\n") if l.startswith(b"DKIM-Signature:")]
        self.assertEqual(len(heads), 2, msg)
        d = dkim.DKIM(msg)
        self.assertTrue(d.verify(idx=0, dnsfunc=self.dnsfunc), "rsa-sha256 signature")
        self.assertTrue(d.verify(idx=1, dnsfunc=self.dnsfunc), "ed25519-sha256 signature")
        self.assertIn(b"a=rsa-sha256", heads[0])
        self.assertIn(b"a=ed25519-sha256", heads[1])
        self.assertIn(b"c=relaxed/relaxed", heads[0])
        # Our own Received: line is above the signatures' headers but not signed.
        self.assertNotIn(b"received", re.search(rb"h=([^;]*);", msg).group(1).lower())
        tern.wait_for_log(r"DKIM-Signature field added \(s=ed1, d=example\.test\)")
        # A changed body no longer verifies (dkimpy is not just saying yes).
        with self.assertRaisesRegex(dkim.ValidationError, "body hash mismatch"):
            dkim.DKIM(msg.replace(b"See you.", b"See ya!!")).verify(idx=0, dnsfunc=self.dnsfunc)

    def test_regexp_table_simple_canonicalization_and_expiry(self):
        tern = self.start("/@example\\.test$/ rsakey\n",
                          extra=[("dkim_canonicalization", "simple/simple"),
                                 ("dkim_signature_ttl", "1d")])
        self.send(tern, body="")
        msg = crlf(tern.wait_for_maildir("bob", 1)[0])
        self.assertIn(b"c=simple/simple", msg)
        self.assertRegex(msg, rb"x=\d+;")
        self.assertTrue(dkim.DKIM(msg).verify(idx=0, dnsfunc=self.dnsfunc))
        # tern check dkim agrees.
        with tempfile.NamedTemporaryFile("w", suffix=".dns") as f:
            for name, value in self.records.items():
                f.write("%s %s\n" % (name.rstrip("."), value.decode()))
            f.flush()
            out = tern.tool("tern", "check", "dkim", "--dns-file", f.name, input=msg.decode())
        self.assertEqual(out.returncode, 0, out.stdout + out.stderr)
        self.assertRegex(out.stdout, r"^dkim=pass \(\d+-bit key\) header.d=example.test ")

    def test_local_submission_is_signed(self):
        tern = self.start("example.test edkey\n")
        env = dict(os.environ, MAIL_CONFIG=tern.dir)
        r = subprocess.run([os.path.join(harness.COMPAT, "sendmail"), "-f", "alice@example.test", "bob"],
                           input="From: alice@example.test\nSubject: local\n\nfrom sendmail\n", env=env,
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, timeout=60)
        self.assertEqual(r.returncode, 0, r.stderr)
        msg = crlf(tern.wait_for_maildir("bob", 1)[0])
        self.assertIn(b"a=ed25519-sha256", msg)
        self.assertTrue(dkim.DKIM(msg).verify(idx=0, dnsfunc=self.dnsfunc))

    def test_clients_outside_mynetworks_are_not_signed(self):
        tern = self.start("example.test rsakey\n")
        self.send(tern, source="127.0.0.2")
        msg = tern.wait_for_maildir("bob", 1)[0]
        self.assertNotIn(b"DKIM-Signature", msg)

    def test_unknown_key_name_defers(self):
        tern = self.start("example.test nosuchkey\n")
        with tern.smtp() as s:
            try:
                s.sendmail("alice@example.test", ["bob@example.test"],
                           "From: alice@example.test\r\nSubject: x\r\n\r\nbody\r\n")
                self.fail("accepted a message it could not sign")
            except Exception as e:  # smtplib.SMTPDataError with a 4xx
                self.assertRegex(str(e), r"4\d\d")
        tern.wait_for_log(r"DKIM signing: dkim_key_table has no key named \"nosuchkey\"")


MESSAGES = {
    "folded": (b"From: Joe SixPack <joe@football.example.com>\r\nTo: Suzie Q\r\n <suzie@shopping.example.net>\r\n"
               b"Subject:   Is dinner\r\n\tready?   \r\nDate: Fri, 11 Jul 2003 21:00:37 -0700\r\n\r\n"
               b"Hi.  \r\n\r\nWe lost the game.\t \r\n\r\n\r\n"),
    "empty": b"From: joe@football.example.com\r\nSubject: nothing\r\n\r\n",
    "nobody": b"From: joe@football.example.com\r\nSubject: no body at all\r\n",
}


class TernVerifiesTest(TernTestCase):
    def setUp(self):
        with open(os.path.join(DATA, "test.private"), "rb") as f:
            self.rsa = f.read()
        with open(os.path.join(DATA, "ed25519test.key"), "rb") as f:
            self.ed = f.read()
        with open(os.path.join(DATA, "test.txt")) as f:
            rsa_record = f.read().strip()
        with open(os.path.join(DATA, "ed25519test.dns")) as f:
            ed_record = f.read().strip()
        self.dnsfile = tempfile.NamedTemporaryFile("w", suffix=".dns")
        self.addCleanup(self.dnsfile.close)
        self.dnsfile.write("# served to tern check dkim\n")
        self.dnsfile.write("test._domainkey.football.example.com %s\n" % rsa_record)
        self.dnsfile.write("ed._domainkey.football.example.com %s\n" % ed_record)
        self.dnsfile.flush()

    def check(self, msg, *args):
        return subprocess.run([TERN, "check", "dkim", "--dns-file", self.dnsfile.name] + list(args),
                              input=msg, stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=30)

    def sign(self, msg, **kw):
        sel, key = (b"ed", self.ed) if kw.get("signature_algorithm") == b"ed25519-sha256" else (b"test", self.rsa)
        return dkim.sign(msg, sel, b"football.example.com", key, **kw) + msg

    def assertPass(self, msg, *args):
        out = self.check(msg, *args)
        self.assertEqual(out.returncode, 0, out.stdout + out.stderr)
        self.assertTrue(out.stdout.startswith(b"dkim=pass"), out.stdout)
        return out

    def test_every_canonicalization_and_shape(self):
        for name, msg in MESSAGES.items():
            for canon in ((b"relaxed", b"relaxed"), (b"simple", b"simple"), (b"relaxed", b"simple"),
                          (b"simple", b"relaxed")):
                with self.subTest(message=name, canon=canon):
                    self.assertPass(self.sign(msg, canonicalize=canon))
                    self.assertPass(self.sign(msg, canonicalize=canon).replace(b"\r\n", b"\n"))

    def test_ed25519(self):
        out = self.assertPass(self.sign(MESSAGES["folded"], signature_algorithm=b"ed25519-sha256",
                                        canonicalize=(b"relaxed", b"relaxed")))
        self.assertIn(b"header.a=ed25519-sha256", out.stdout)

    def test_length_tag(self):
        signed = self.sign(MESSAGES["folded"], length=True)
        self.assertIn(b"l=", signed)
        self.assertPass(signed + b"appended after signing\r\n")
        out = self.check(self.sign(MESSAGES["folded"]) + b"appended after signing\r\n")
        self.assertEqual(out.returncode, 1)
        self.assertIn(b"dkim=fail (body hash mismatch", out.stdout)

    def test_rsa_sha1_only_when_allowed(self):
        signed = self.sign(MESSAGES["folded"], signature_algorithm=b"rsa-sha1")
        out = self.check(signed)
        self.assertEqual(out.returncode, 1)
        self.assertIn(b"dkim=permerror (rsa-sha1 is not accepted", out.stdout)
        tern = self.new_tern(main_cf={"dkim_allow_rsa_sha1": "yes"})
        self.assertPass(signed, "-c", tern.dir)

    def test_tampered_and_unsigned(self):
        signed = self.sign(MESSAGES["folded"])
        out = self.check(signed.replace(b"Is dinner", b"Is lunch"))
        self.assertEqual(out.returncode, 1)
        self.assertIn(b"dkim=fail (signature did not verify", out.stdout)
        out = self.check(MESSAGES["folded"])
        self.assertEqual(out.returncode, 1)
        self.assertEqual(out.stdout, b"dkim=none (message not signed)\n")

    def test_rfc8463_vector(self):
        with open(os.path.join(DATA, "rfc6376.signed.msg"), "rb") as f:
            msg = f.read()
        records = os.path.join(DATA, "extra-dns-records.txt")
        out = subprocess.run([TERN, "check", "dkim", "--dns-file", records], input=msg,
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=30)
        self.assertEqual(out.returncode, 0, out.stderr)
        lines = out.stdout.decode().splitlines()
        self.assertEqual(len(lines), 2)
        self.assertTrue(lines[0].startswith("dkim=pass (256-bit key) header.d=football.example.com "
                                            "header.i=@football.example.com header.s=brisbane "
                                            "header.a=ed25519-sha256 header.b=9/dsDChY"), lines[0])
        self.assertTrue(lines[1].startswith("dkim=pass (1024-bit key)"), lines[1])


class OpenDkimTest(TernTestCase):
    """OpenDKIM (Debian's opendkim-tools) as the second independent implementation: its
    opendkim-genkey keys sign in ternd, and opendkim-testmsg's signatures verify in Tern.
    Both tools work offline here. OpenDKIM's milter verifying ternd's signatures through
    the test DNS is test_dkim_opendkim.py."""

    def setUp(self):
        self.dir = tempfile.mkdtemp(prefix="tern-opendkim-")
        self.addCleanup(subprocess.run, ["rm", "-rf", self.dir])
        os.chmod(self.dir, 0o755)
        subprocess.run(["opendkim-genkey", "-D", self.dir, "-d", "example.test", "-s", "odk"],
                       check=True, timeout=120)
        with open(os.path.join(self.dir, "odk.txt")) as f:
            self.record = txt_data(f.read())
        self.assertIn("k=rsa; ", self.record)

    def test_opendkim_testmsg_signature_verifies(self):
        msg = (b"From: Alice <alice@example.test>\r\nTo: bob@example.net\r\nSubject: opendkim\r\n"
               b"  folded   subject\r\nDate: Sat, 21 Nov 2026 10:00:00 +0000\r\n\r\nHello.  \r\n\r\n\r\n")
        signed = subprocess.run(["opendkim-testmsg", "-C", "-d", "example.test", "-s", "odk",
                                 "-k", os.path.join(self.dir, "odk.private")], input=msg,
                                stdout=subprocess.PIPE, check=True, timeout=60).stdout
        self.assertTrue(signed.startswith(b"DKIM-Signature: v=1; a=rsa-sha1;"), signed)
        # opendkim-testmsg signs with rsa-sha1 while its key record says h=sha256: Tern
        # refuses that by default, by the record's h= when sha1 is allowed, and passes it
        # when both allow it.
        tern = self.new_tern(main_cf={"dkim_allow_rsa_sha1": "yes"})
        records = os.path.join(self.dir, "records")
        for record, args, want in ((self.record, (), "dkim=permerror (rsa-sha1 is not accepted"),
                                   (self.record, ("-c", tern.dir), "dkim=permerror (key record's h="),
                                   (self.record.replace("h=sha256; ", ""), ("-c", tern.dir), "dkim=pass")):
            with open(records, "w") as f:
                f.write("odk._domainkey.example.test %s\n" % record)
            out = subprocess.run([TERN, "check", "dkim", "--dns-file", records] + list(args), input=signed,
                                 stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=30)
            self.assertTrue(out.stdout.decode().startswith(want), out.stdout + out.stderr)
            self.assertEqual(out.returncode, 0 if want == "dkim=pass" else 1)

    def test_ternd_signs_with_an_opendkim_genkey_key(self):
        key = os.path.join(self.dir, "odk.private")
        if os.geteuid() == 0:
            os.chown(key, 65534, 65534)
        tern = self.new_tern()
        tern.write_file("keys", "k example.test:odk:%s\n" % key)
        tern.set_param("dkim_signing_table", "inline:{ example.test=k }")
        tern.set_param("dkim_key_table", "texthash:" + tern.path("keys"))
        tern.write_config()
        tern.start()
        with tern.smtp() as s:
            s.sendmail("alice@example.test", ["bob@example.test"],
                       "From: alice@example.test\r\nTo: bob@example.test\r\nSubject: k\r\n\r\nbody\r\n")
        msg = crlf(tern.wait_for_maildir("bob", 1)[0])
        records = {"odk._domainkey.example.test.": self.record.encode()}
        self.assertTrue(dkim.DKIM(msg).verify(dnsfunc=lambda name, timeout=5: records.get(name.decode())))


class KeyServer:
    """A tiny authoritative DNS server on a loopback UDP port for the live-DNS path of
    tern check dkim: TXT records from a dict, NXDOMAIN for other names. Stopped in cleanup."""

    def __init__(self, records):
        self.records = {k.lower().rstrip(".") + ".": v for k, v in records.items()}
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        for port in range(*harness.PORT_RANGE):
            try:
                self.sock.bind(("127.0.0.1", port))
                break
            except OSError:
                continue
        self.port = self.sock.getsockname()[1]
        self.sock.settimeout(0.2)
        self.queries = []
        self.stopped = False
        self.thread = threading.Thread(target=self.serve, daemon=True)
        self.thread.start()

    def serve(self):
        while not self.stopped:
            try:
                data, addr = self.sock.recvfrom(4096)
            except socket.timeout:
                continue
            query = dns.message.from_wire(data)
            reply = dns.message.make_response(query)
            reply.flags |= dns.flags.AA | dns.flags.RA
            question = query.question[0]
            name = question.name.to_text().lower()
            self.queries.append(name)
            if name not in self.records:
                reply.set_rcode(dns.rcode.NXDOMAIN)
            elif question.rdtype == dns.rdatatype.TXT:
                value = self.records[name]
                chunks = ['"%s"' % value[i:i + 255] for i in range(0, len(value), 255)]
                reply.answer.append(dns.rrset.from_text(name, 300, "IN", "TXT", " ".join(chunks)))
            self.sock.sendto(reply.to_wire(), addr)

    def stop(self):
        self.stopped = True
        self.thread.join()
        self.sock.close()


class LiveDnsTest(TernTestCase):
    def test_keys_through_the_resolver(self):
        with open(os.path.join(DATA, "test.private"), "rb") as f:
            key = f.read()
        with open(os.path.join(DATA, "test.txt")) as f:
            record = f.read().strip()
        server = KeyServer({"test._domainkey.football.example.com": record})
        self.addCleanup(server.stop)
        tern = self.new_tern(main_cf={"dns_forward_servers": "127.0.0.1@%d" % server.port,
                                      "dns_trust_anchor_file": "", "dns_query_timeout": "5s"})
        msg = MESSAGES["folded"]
        signed = dkim.sign(msg, b"test", b"football.example.com", key) + msg
        out = tern.tool("tern", "check", "dkim", "-c", tern.dir, input=signed.decode())
        self.assertEqual(out.returncode, 0, out.stdout + out.stderr)
        self.assertTrue(out.stdout.startswith("dkim=pass (1024-bit key) header.d=football.example.com"), out.stdout)
        self.assertIn("test._domainkey.football.example.com.", server.queries)
        other = dkim.sign(msg, b"gone", b"football.example.com", key) + msg
        out = tern.tool("tern", "check", "dkim", "-c", tern.dir, input=other.decode())
        self.assertEqual(out.returncode, 1)
        self.assertIn("dkim=permerror (no key for signature (NXDOMAIN))", out.stdout)


if __name__ == "__main__":
    unittest.main()
