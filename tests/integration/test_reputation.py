"""check_reputation (policyd-weight semantics) against real DNS (Knot through a validating
Unbound): `tern check reputation CLIENT-IP HELO SENDER [CLIENT-NAME]` for clients that are
the sender domain's MX, are listed in a test DNSBL, have no rDNS, send from a domain with
bogus or no MX, or from a domain in a test RHSBL. Then the same requests go to the REAL
policyd-weight (Debian's package, /work/shared/peers/policyd-weight.sh) configured with the
same DNSBL/RHSBL zones and scores and the same Unbound, and the answers are compared word
for word (the header text, or the reject text; Tern adds "; rate: N" to rejects).

DNSBL limits (MAXDNSBLHITS, MAXDNSBLSCORE, several lists, a "dyn" list) are compared with
policyd-weight run on its standard input with a configuration of three lists and no cache.

Ports: 25300-25399 (Knot, Unbound, policyd-weight).
Run: TERN_BUILD=/work/wt-reputation/build /usr/bin/python3 -m unittest -v test_reputation
"""

import os
import re
import shutil
import subprocess
import tempfile

import dns_peers
import harness

harness.PORT_RANGE = (25300, 25399)  # this test's ports

PEERS = os.environ.get("TERN_PEERS", os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                                   "..", "..", "..", "shared", "peers"))
POLICYD_WEIGHT = "/usr/sbin/policyd-weight"

# "test" is served so every walk ends in an answer, never in Unbound's refusal.
ZONES = {
    "test": {},
    "example.test": {
        "@": [("MX", "10 mx"), ("MX", "20 mx2")],
        "mx": [("A", "192.0.2.25")],
        "mx2": [("A", "192.0.2.26")],
        "solo": [("A", "192.0.2.30")],
        "bogus": [("MX", "10 lo.bogus")],
        "lo.bogus": [("A", "127.0.0.1")],
        "host40": [("A", "192.0.2.40")],
        "listed-sender": [("MX", "10 mx")],
        "rand": [("MX", "10 mx")],
        "v6": [("MX", "10 mx6")],
        "mx6": [("AAAA", "2001:db8::25")],
        # the test lists: the client address reversed, the sender domain
        "26.2.0.192.rbl": [("A", "127.0.0.2")],
        "26.2.0.192.rbl2": [("A", "127.0.0.2")],
        "26.2.0.192.dyn": [("A", "127.0.0.2")],
        "30.2.0.192.rbl2": [("A", "127.0.0.2")],
        "30.2.0.192.dyn": [("A", "127.0.0.2")],
        "66.2.0.192.rbl": [("A", "127.0.0.2")],
        "listed-sender.example.test.rhsbl": [("A", "127.0.0.2")],
    },
    "2.0.192.in-addr.arpa": {
        "25": [("PTR", "mx.example.test.")],
        "26": [("PTR", "mx2.example.test.")],
        "30": [("PTR", "solo.example.test.")],
        "40": [("PTR", "host40.example.test.")],
        "50": [("PTR", "dsl-192-0-2-50.dyn.isp.test.")],
    },
    "8.b.d.0.1.0.0.2.ip6.arpa": {
        "5.2.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0": [("PTR", "mx6.example.test.")],
    },
    "100.51.198.in-addr.arpa": {
        "41": [("PTR", "relay41.other.test.")],
    },
}

SCORES = ("inline:{ {dnsbl = rbl.example.test 4.35 -1.5 RBL_TEST}, "
          "{rhsbl = rhsbl.example.test 4 0 RHSBL_TEST} }")

# (name, client, helo, sender, client_name, expected decision, text the answer has)
CASES = [
    ("mx client", "192.0.2.25", "mx.example.test", "alice@example.test", "mx.example.test",
     "pass", "PREPEND X-Tern-Reputation: NOT_IN_RBL_TEST=-1.5 CL_IP_EQ_FROM_MX=-3.1; rate: -4.6"),
    ("listed mx client", "192.0.2.26", "mx2.example.test", "alice@example.test",
     "mx2.example.test", "reject", "IN_RBL_TEST"),
    ("listed, no rDNS", "192.0.2.66", "localhost", "alice@nonexistent.example.test", "unknown",
     "reject", "BOGUS_MX"),
    ("domain A is the client", "192.0.2.30", "solo.example.test", "carol@solo.example.test",
     "solo.example.test", "pass", "CL_IP_EQ_FROM_IP=-2"),
    ("bogus MX, helo matches", "192.0.2.40", "host40.example.test", "dave@bogus.example.test",
     "host40.example.test", "pass", "BOGUS_MX=2.1"),
    ("bogus MX, helo only in rDNS", "198.51.100.41", "relay41.other.test", "dave@bogus.example.test",
     "relay41.other.test", "defer", "BOGUS_MX"),
    ("rhsbl listed sender", "192.0.2.25", "mx.example.test", "erin@listed-sender.example.test",
     "mx.example.test", "pass", "IN_RHSBL_TEST="),
    ("dial-up client", "192.0.2.50", "dsl-192-0-2-50.dyn.isp.test", "frank@example.test",
     "dsl-192-0-2-50.dyn.isp.test", "reject", "HELO_SEEMS_DIALUP"),
    ("random sender", "192.0.2.25", "mx.example.test", "xkcdqwrtz@rand.example.test",
     "mx.example.test", "pass", "RANDOM_SENDER=0.25"),
    ("numeric helo", "198.51.100.42", "198.51.100.42", "gina@example.test", "unknown",
     "reject", "HELO_NUMERIC"),
    ("bracketed own address", "192.0.2.30", "[192.0.2.30]", "ivan@example.test", "unknown",
     "reject", "HELO_NUMERIC"),
    ("anonymous sender", "192.0.2.40", "host40.example.test", "nobody@example.test",
     "host40.example.test", "pass", "FROM_NBDY_ANON=1.17"),
    ("nothing in the DNS", "198.51.100.43", "localhost", "ken@other.example", "unknown",
     "defer", "NO_DNS_RECORDS"),
    ("ipv6 mx client", "2001:db8::25", "mx6.example.test", "olga@v6.example.test",
     "mx6.example.test", "pass", "CL_IP_EQ_FROM_MX=-3.1"),
    # the sender domain's MX is in the client's (first 20 hex digits and colons) "subnet"
    ("ipv6 client, helo elsewhere", "2001:db8::99", "mx.example.test", "pia@v6.example.test",
     "unknown", "pass", "HELO_IP_IN_CL_SUBNET=-1.2"),
    ("helo in the client's /16", "192.0.9.9", "mx.example.test", "lena@sub.rand.example.test",
     "unknown", "defer", "HELO_IP_IN_CL16_SUBNET"),
]


def decision(action):
    if action.startswith("5"):
        return "reject"
    if action.startswith("4") or action.startswith("DEFER"):
        return "defer"
    return "pass"


def rate(action):
    m = re.search(r"rate: (-?[0-9.]+)", action)
    return float(m.group(1)) if m else None


def same_words(action):
    """An answer in the words both programs share: the header name, policyd-weight's
    "(check from: ...)" debugging text and Tern's "; rate: N" on rejects left out."""
    if action.startswith("PREPEND "):
        action = action.split(":", 1)[1]
        action = re.sub(r"\(check from: [^)]*\)", "", action)
    else:
        action = re.sub(r"; rate: -?[0-9.]+$", "", action)
    return " ".join(action.split())


class ReputationTest(harness.TernTestCase):
    @classmethod
    def setUpClass(cls):
        cls.dns = dns_peers.DnsPeers(ZONES)
        cls.addClassCleanup(cls.dns.stop)

    def tern(self, **params):
        settings = dict(self.dns.tern_params(), reputation_score_maps=SCORES)
        settings.update(params)
        return self.new_tern(main_cf=settings)

    def check(self, tern, client, helo, sender, name):
        r = tern.tool("tern", "check", "reputation", "-c", tern.dir, client, helo, sender, name)
        self.assertIn(r.returncode, (0, 1), r.stdout + r.stderr)
        last = r.stdout.strip().split("\n")[-1]
        verdict, _, action = last.partition(": ")
        self.assertEqual(verdict, decision(action), r.stdout)
        self.assertEqual(r.returncode, 0 if verdict == "pass" else 1, r.stdout)
        return r.stdout, action

    def test_cases_through_tern_check(self):
        tern = self.tern()
        for name, client, helo, sender, cname, want, has in CASES:
            with self.subTest(name):
                out, action = self.check(tern, client, helo, sender, cname)
                self.assertEqual(decision(action), want, out)
                self.assertIn(has, action if want == "pass" else out, out)

    def test_output_lists_each_check_and_the_rate(self):
        out, action = self.check(self.tern(), "192.0.2.26", "mx2.example.test", "alice@example.test",
                                 "mx2.example.test")
        lines = out.strip().split("\n")
        self.assertEqual(lines[0].split(), ["IN_RBL_TEST", "4.35"])
        self.assertEqual(lines[1].split(), ["CL_IP_EQ_FROM_MX", "-3.1"])
        self.assertEqual(lines[2], "rate: 1.25")
        self.assertEqual(lines[3], "reject: 550 Mail appeared to be SPAM or forged. Ask your "
                         "Mail/DNS-Administrator to correct HELO and DNS MX settings or to get "
                         "removed from DNSBLs; rate: 1.25")

    def test_settings_change_the_verdict(self):
        tern = self.tern(reputation_reject_level="2", reputation_header="")
        out, action = self.check(tern, "192.0.2.26", "mx2.example.test", "alice@example.test",
                                 "mx2.example.test")
        self.assertEqual(action, "DUNNO", out)
        tern = self.tern(reputation_max_dnsbl_hits="0")
        out, action = self.check(tern, "192.0.2.26", "mx2.example.test", "alice@example.test",
                                 "mx2.example.test")
        self.assertTrue(action.startswith("550 Your MTA is listed in too many DNSBLs"), out)

    def test_scores_in_effect(self):
        tern = self.tern(reputation_score_maps="inline:{ {helo = 2 -3}, {rhsbl = none} }")
        r = tern.tool("tern", "check", "reputation", "-c", tern.dir, "-s", "192.0.2.25",
                      "mx.example.test", "alice@example.test", "mx.example.test")
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        self.assertIn("score helo 2 -3\n", r.stdout)
        self.assertIn("score client_ip_eq_helo 1.5 -1.25\n", r.stdout)
        self.assertIn("dnsbl sbl-xbl.spamhaus.org 4.35 -1.5 SBL_XBL_SPAMHAUS\n", r.stdout)
        self.assertNotIn("rhsbl ", r.stdout)

    def test_malformed_score_table_is_a_config_error(self):
        tern = self.tern(reputation_score_maps="inline:{ {helo = 1.5 high} }")
        r = tern.tool("tern", "check", "reputation", "-c", tern.dir, "192.0.2.25", "h.test", "a@example.test")
        self.assertEqual(r.returncode, 75, r.stdout + r.stderr)
        self.assertIn('reputation_score_maps: entry "helo": miss score: "high" is not a decimal number',
                      r.stderr)

    # ---- the same cases through the real policyd-weight

    def start_policyd_weight(self):
        if not os.path.exists(POLICYD_WEIGHT):
            self.fail("policyd-weight is not installed (apt-get install policyd-weight)")
        port = harness.free_port()
        env = dict(os.environ, DNS_PORT=str(self.dns.port))
        r = subprocess.run(["bash", os.path.join(PEERS, "policyd-weight.sh"), "start", str(port)],
                           env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                           timeout=60)
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        info = dict(line.split("=", 1) for line in r.stdout.split("\n") if "=" in line)
        self.addCleanup(subprocess.run, ["bash", os.path.join(PEERS, "policyd-weight.sh"), "stop",
                                         info["DIR"]], stdout=subprocess.DEVNULL,
                        stderr=subprocess.DEVNULL, timeout=60)
        return port

    def ask_policyd_weight(self, port, client, helo, sender, name):
        r = subprocess.run(["bash", os.path.join(PEERS, "policy-query.sh"), str(port),
                            "client_address=" + client, "client_name=" + name,
                            "reverse_client_name=" + name, "helo_name=" + helo, "sender=" + sender,
                            "instance=" + client + sender],
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, timeout=60)
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        m = re.search(r"^action=(.*)$", r.stdout, re.M)
        self.assertTrue(m, r.stdout)
        return m.group(1)

    def test_same_decisions_as_policyd_weight(self):
        port = self.start_policyd_weight()
        tern = self.tern()
        for name, client, helo, sender, cname, want, has in CASES:
            with self.subTest(name):
                theirs = self.ask_policyd_weight(port, client, helo, sender, cname)
                _, ours = self.check(tern, client, helo, sender, cname)
                self.assertEqual(decision(ours), want, ours)
                self.assertEqual(decision(ours), decision(theirs), "tern: %s\npolicyd-weight: %s"
                                 % (ours, theirs))
                if os.environ.get("TERN_VERBOSE"):
                    print("\n  %s\n    tern:           %s\n    policyd-weight: %s" % (name, ours, theirs))
                self.assertEqual(same_words(ours), same_words(theirs),
                                 "tern: %s\npolicyd-weight: %s" % (ours, theirs))

    # ---- DNSBL limits: policyd-weight run on its standard input with our own configuration
    # (three lists, no cache), the way the recipe runs it otherwise (private resolv.conf).

    LISTS = [("rbl.example.test", "4.35", "-1.5", "RBL_TEST"),
             ("rbl2.example.test", "2.5", "0", "RBL2_TEST"),
             ("dyn.example.test", "3.25", "0", "DYN_TEST")]

    def policyd_weight_stdin(self, requests, max_hits, max_score):
        d = tempfile.mkdtemp(prefix="tern-polw-")
        self.addCleanup(shutil.rmtree, d, True)
        conf = os.path.join(d, "policyd-weight.conf")
        lists = "".join("    '%s', %s, %s, '%s',\n" % l for l in self.LISTS)
        with open(conf, "w") as f:
            f.write("$NS = '127.0.0.1';\n$USE_NET_DNS = 1;\n$DNS_RETRIES = 1;\n"
                    "$DNS_RETRY_IVAL = 1;\n$syslog_socktype = 'native';\n"
                    "$CACHESIZE = 0;\n$POSCACHESIZE = 0;\n$LOCKPATH = '%s/';\n"
                    "$MAXDNSBLHITS = %d;\n$MAXDNSBLSCORE = %s;\n"
                    "@dnsbl_score = (\n%s);\n@rhsbl_score = ();\n"
                    % (d, max_hits, max_score, lists))
        os.chmod(conf, 0o644)
        resolv = os.path.join(d, "resolv.conf")
        with open(resolv, "w") as f:
            f.write("nameserver 127.0.0.1\n")
        text = ""
        for client, helo, sender, name in requests:
            text += ("request=smtpd_access_policy\nprotocol_state=RCPT\nclient_address=%s\n"
                     "client_name=%s\nreverse_client_name=%s\nhelo_name=%s\nsender=%s\n"
                     "recipient=bob@example.net\ninstance=%s\n\n"
                     % (client, name, name, helo, sender, client + sender))
        env = dict(os.environ, RES_OPTIONS="port:%d" % self.dns.port, RES_NAMESERVERS="127.0.0.1")
        r = subprocess.run(["unshare", "-m", "--", "/bin/sh", "-c",
                            'mount --bind "$0" /etc/resolv.conf && exec "$@"', resolv,
                            POLICYD_WEIGHT, "-f", conf], input=text, env=env,
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, timeout=120)
        actions = re.findall(r"^action=(.*)$", r.stdout, re.M)
        self.assertEqual(len(actions), len(requests), r.stdout + r.stderr)
        return actions

    def test_dnsbl_limits_as_policyd_weight(self):
        if not os.path.exists(POLICYD_WEIGHT):
            self.fail("policyd-weight is not installed (apt-get install policyd-weight)")
        requests = [("192.0.2.26", "mx2.example.test", "alice@example.test", "mx2.example.test"),
                    ("192.0.2.30", "solo.example.test", "carol@solo.example.test", "solo.example.test"),
                    ("192.0.2.25", "mx.example.test", "alice@example.test", "mx.example.test")]
        table = "inline:{ {dnsbl = %s} }" % ", ".join(" ".join(l) for l in self.LISTS)
        for max_hits, max_score in ((2, "8"), (1, "8"), (2, "5"), (0, "100")):
            with self.subTest(max_hits=max_hits, max_score=max_score):
                theirs = self.policyd_weight_stdin(requests, max_hits, max_score)
                tern = self.tern(reputation_score_maps=table,
                                 reputation_max_dnsbl_hits=str(max_hits),
                                 reputation_max_dnsbl_score=max_score)
                for (client, helo, sender, name), their in zip(requests, theirs):
                    _, ours = self.check(tern, client, helo, sender, name)
                    if os.environ.get("TERN_VERBOSE"):
                        print("\n  %s\n    tern:           %s\n    policyd-weight: %s"
                              % (client, ours, their))
                    # policyd-weight's DNSBL reject ends in a robtex.com link, Tern's in the rate
                    self.assertEqual(same_words(ours).split(";")[0], same_words(their).split(";")[0],
                                     "tern: %s\npolicyd-weight: %s" % (ours, their))
                    self.assertEqual(decision(ours), decision(their))
