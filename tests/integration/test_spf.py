"""SPF against real DNS: Knot serves a test zone (DNSSEC-signed) through Unbound, and
  - `tern check spf` gives the same result as pyspf (Debian's python3-spf, an independent
    RFC 7208 implementation) for a sample of cases covering every mechanism, include,
    redirect, exp, macros, ptr, dual CIDR, the HELO identity, permerror, temperror and none, and the
    same explanation where the record has exp=; it exits 0 only for pass;
  - a running ternd with reject_spf_fail refuses RCPT from a host the sender's domain does
    not designate (550 5.7.23 with the record's explanation), defers on a DNS failure
    (451 4.7.24) and prepends Received-SPF to mail from a designated one.
The client addresses of the ternd test are loopback addresses (127.0.0.2, 127.0.0.3)."""

import os
import smtplib
import subprocess
import unittest

import harness
import dns_peers

harness.PORT_RANGE = (25200, 25299)  # this test's ports

import dns.resolver  # noqa: E402  (Debian's python3-dnspython; pyspf resolves through it)

ZONE = {
    "@": [("A", "192.0.2.10"), ("MX", "10 mx"), ("TXT", "v=spf1 a mx -all")],
    "mx": [("A", "192.0.2.20"), ("AAAA", "2001:db8::20")],
    "inc": [("TXT", "v=spf1 ip4:198.51.100.0/24 ip6:2001:db8:5::/48 ~all")],
    "incl": [("TXT", "v=spf1 include:inc.spf.test -all exp=exp.spf.test")],
    "exp": [("TXT", "%{i} is not one of %{d}'s designated mail servers")],
    "redir": [("TXT", "v=spf1 redirect=incl.spf.test")],
    "macro": [("TXT", "v=spf1 exists:%{ir}.%{l1r-}.ex.spf.test -all")],
    "10.2.0.192.alice.ex": [("A", "127.0.0.2")],
    "ptr": [("TXT", "v=spf1 ptr -all")],
    "host.ptr": [("A", "192.0.2.30")],
    "soft": [("TXT", "v=spf1 ~all")],
    "neutral": [("TXT", "v=spf1 ?all")],
    "broken": [("TXT", "v=spf1 ip4:300.1.1.1 -all")],
    "two": [("TXT", "v=spf1 -all"), ("TXT", "v=spf1 +all")],
    "void": [("TXT", "v=spf1 a:n1.spf.test a:n2.spf.test a:n3.spf.test -all")],
    "mail": [("A", "192.0.2.40"), ("TXT", "v=spf1 a -all")],
    "nospf": [("A", "192.0.2.50")],
    "cidr": [("TXT", "v=spf1 a:mx.spf.test/24 mx:spf.test//64 -all")],
    "sender": [("TXT", "v=spf1 ip4:127.0.0.2 -all exp=why.spf.test")],
    "elsewhere": [("TXT", "v=spf1 include:spf.elsewhere.org -all")],
    "why": [("TXT", "%{i} may not send mail for %{d}")],
}
REVERSE = {"30": [("PTR", "host.ptr.spf.test.")]}

# (client, MAIL FROM, HELO)
CASES = [
    ("192.0.2.10", "a@spf.test", "x.spf.test"),
    ("192.0.2.20", "a@spf.test", "x.spf.test"),
    ("192.0.2.99", "a@spf.test", "x.spf.test"),
    ("2001:db8::20", "a@spf.test", "x.spf.test"),
    ("198.51.100.7", "a@incl.spf.test", "x.spf.test"),
    ("2001:db8:5::1", "a@incl.spf.test", "x.spf.test"),
    ("203.0.113.5", "a@incl.spf.test", "x.spf.test"),
    ("203.0.113.5", "a@redir.spf.test", "x.spf.test"),
    ("192.0.2.10", "alice@macro.spf.test", "x.spf.test"),
    ("192.0.2.10", "bob@macro.spf.test", "x.spf.test"),
    ("192.0.2.30", "a@ptr.spf.test", "x.spf.test"),
    ("192.0.2.31", "a@ptr.spf.test", "x.spf.test"),
    ("192.0.2.1", "a@soft.spf.test", "x.spf.test"),
    ("192.0.2.1", "a@neutral.spf.test", "x.spf.test"),
    ("192.0.2.1", "a@broken.spf.test", "x.spf.test"),
    ("192.0.2.1", "a@two.spf.test", "x.spf.test"),
    ("192.0.2.1", "a@void.spf.test", "x.spf.test"),
    ("192.0.2.40", "", "mail.spf.test"),
    ("192.0.2.41", "", "mail.spf.test"),
    ("192.0.2.50", "a@nospf.spf.test", "x.spf.test"),
    ("192.0.2.77", "a@cidr.spf.test", "x.spf.test"),
    ("2001:db8::99", "a@cidr.spf.test", "x.spf.test"),
    ("198.51.100.1", "a@cidr.spf.test", "x.spf.test"),
    ("192.0.2.1", "a@elsewhere.spf.test", "x.spf.test"),  # Unbound refuses: temperror
]
# Cases whose records have exp=: the explanation must match pyspf's too.
WITH_EXP = {"a@incl.spf.test", "a@redir.spf.test"}


def pyspf_check(port, ip, sender, helo):
    """pyspf's (result, explanation), resolving only through our Unbound."""
    r = dns.resolver.Resolver(configure=False)  # never /etc/resolv.conf
    r.nameservers = ["127.0.0.1"]
    r.port = port
    r.lifetime = 10
    dns.resolver.default_resolver = r
    import spf
    res, _code, expl = spf.query(i=ip, s=sender, h=helo, receiver=harness.MYHOSTNAME).check()
    return res, expl


class SpfTest(harness.TernTestCase):
    @classmethod
    def setUpClass(cls):
        cls.dns = dns_peers.DnsPeers({"spf.test": ZONE,
                                      "2.0.192.in-addr.arpa": dns_peers.Zone(REVERSE, signed=False)})
        cls.addClassCleanup(cls.dns.stop)

    def tern_check(self, tern, ip, sender, helo):
        r = tern.tool("tern", "check", "spf", "-c", tern.dir, ip, sender, helo)
        lines = r.stdout.split("\n")
        self.assertGreaterEqual(len(lines), 4, r.stdout + r.stderr)
        return r.returncode, lines[0], lines[1], r.stdout

    def test_check_spf_agrees_with_pyspf(self):
        tern = self.new_tern(main_cf=self.dns.tern_params())
        results = set()
        for ip, sender, helo in CASES:
            with self.subTest(ip=ip, sender=sender, helo=helo):
                want, want_exp = pyspf_check(self.dns.port, ip, sender, helo)
                status, got, got_exp, out = self.tern_check(tern, ip, sender, helo)
                self.assertEqual(got, want, out)
                self.assertEqual(status, 0 if got == "pass" else 1, out)
                self.assertIn("Received-SPF: %s (" % got, out)
                if sender in WITH_EXP and got == "fail":
                    self.assertEqual(got_exp, want_exp, out)
                results.add(got)
        self.assertEqual(results, {"pass", "fail", "softfail", "neutral", "none", "permerror", "temperror"})

    def test_ternd_rejects_spf_fail_and_adds_received_spf(self):
        params = dict(self.dns.tern_params())
        params["smtpd_recipient_restrictions"] = (
            "permit_mynetworks, reject_unauth_destination, reject_spf_fail, defer_spf_temperror")
        tern = self.start_tern(main_cf=params)
        s = tern.smtp(helo="client.spf.test", source="127.0.0.3")
        s.mail("x@sender.spf.test")
        code, text = s.rcpt("alice@example.test")
        self.assertEqual(code, 550)
        self.assertEqual(text.decode(), "5.7.23 <x@sender.spf.test>: Sender address rejected: "
                         "127.0.0.3 may not send mail for sender.spf.test")
        s.rset()
        s.mail("x@elsewhere.spf.test")  # its include: is refused by Unbound: temperror
        code, text = s.rcpt("alice@example.test")
        self.assertEqual(code, 451)
        self.assertTrue(text.decode().startswith("4.7.24 <x@elsewhere.spf.test>: Sender address rejected: "
                                                 "SPF temperror: DNS lookup of spf.elsewhere.org TXT failed"), text)
        s.quit()
        tern.wait_for_log(r"NOQUEUE: SPF fail: client=unknown\[127\.0\.0\.3\]", since=tern.mark)
        tern.wait_for_log(r"NOQUEUE: reject: RCPT from unknown\[127\.0\.0\.3\]: 550 5\.7\.23", since=tern.mark)

        s = tern.smtp(helo="client.spf.test", source="127.0.0.2")
        s.sendmail("x@sender.spf.test", ["alice@example.test"],
                   harness.make_message("spf-pass", sender="x@sender.spf.test"))
        s.quit()
        tern.wait_for_maildir("alice", 1)
        msg = tern.maildir_messages("alice")[0].decode()
        self.assertIn("\nReceived-SPF: pass (mail.example.test: domain of x@sender.spf.test "
                      "designates 127.0.0.2 as permitted sender)\n\tclient-ip=127.0.0.2;\n", msg)
        self.assertIn("\tidentity=mailfrom;\n", msg)
        # Prepended above the Received line smtpd adds (RFC 7208 9.1).
        self.assertLess(msg.index("Received-SPF:"), msg.index("Received: from client.spf.test"))

    def test_spf_words_need_dns(self):
        tern = self.new_tern(main_cf={"smtpd_recipient_restrictions": "reject_spf_fail",
                                      "disable_dns_lookups": "yes"})
        r = tern.check_config()
        self.assertNotEqual(r.returncode, 0)
        self.assertIn("SPF restrictions need the DNS", r.stderr + r.stdout)


if __name__ == "__main__":
    unittest.main()
