"""Milters (issue 11): ternd's smtpd_milters against a scripted milter written here
(milter_peer.py), against the real rspamd (its proxy worker in milter mode) and against
OpenDKIM signing, whose signature dkimpy verifies.

The scripted milter answers each step in turn with what a test wants: every
end-of-message modification (headers added, inserted, changed and deleted, the body
replaced, recipients added and deleted, the sender changed, quarantine), refusals at each
SMTP stage (REJECT, TEMPFAIL, custom SMFIR_REPLYCODE), DISCARD, and failures
(unreachable, timed out, malformed) under each milter_default_action. Run with
/usr/bin/python3.
"""

import os
import re
import shutil
import smtplib
import subprocess
import tempfile
import unittest

import dkim

import dns_peers
import harness
import milter_peer as mp
from harness import TernTestCase

harness.PORT_RANGE = (25700, 25799)


def milter_params(*milters, **extra):
    params = {"smtpd_milters": ", ".join(m if isinstance(m, str) else m.spec for m in milters),
              "milter_macro_daemon_name": "tern-inbound"}
    params.update(extra)
    return params


class ScriptedMilterTest(TernTestCase):
    def milter(self, **kwargs):
        m = mp.ScriptedMilter(**kwargs)
        self.addCleanup(m.stop)
        return m

    def tern(self, *milters, **extra):
        return self.start_tern(main_cf=milter_params(*milters, **extra))

    def send(self, tern, to=("alice@example.test",), sender="sender@example.org", token="m1", body=None):
        msg = harness.make_message(token, sender=sender, to=to[0])
        if body is not None:
            msg = msg.split("\n\n", 1)[0] + "\n\n" + body
        with tern.smtp() as s:
            return s.sendmail(sender, list(to), msg.replace("\n", "\r\n"))

    def test_modifications_reach_the_queued_message(self):
        m = self.milter(script={"E": [
            mp.add_header("X-Added", "by the milter"),
            mp.insert_header(0, "X-First", "at the top"),
            mp.change_header(1, "Subject", "changed subject"),
            mp.change_header(1, "X-Remove-Me", ""),
            mp.replace_body("New body line 1\r\nNew body line 2\r\n"),
            mp.add_rcpt("<bob@example.test>"),
            mp.del_rcpt("<alice@example.test>"),
            mp.change_from("<changed@example.org>"),
            mp.accept()]})
        tern = self.tern(m)
        msg = harness.make_message("mod").replace("Subject:", "X-Remove-Me: yes\nSubject:")
        with tern.smtp() as s:
            s.sendmail("sender@example.org", ["alice@example.test"], msg.replace("\n", "\r\n"))
        got = tern.wait_for_maildir("bob", 1)[0].decode()
        head, body = got.split("\n\n", 1)
        self.assertEqual(body, "New body line 1\nNew body line 2\n")
        self.assertIn("\nX-Added: by the milter\n", head + "\n")
        self.assertIn("Subject: changed subject", head)
        self.assertNotIn("X-Remove-Me", head)
        self.assertNotIn("tern test mod", head)
        # INSHEADER 0 goes above everything, our Received: too (Delivered-To/Return-Path
        # are the local delivery agent's, added later).
        fields = [l for l in head.split("\n") if l and not l[0].isspace()]
        names = [f.split(":")[0] for f in fields]
        self.assertLess(names.index("X-First"), names.index("Received"))
        self.assertIn("Return-Path: <changed@example.org>", head)
        self.assertEqual(tern.maildir_files("alice"), [])
        # What the milter saw: the steps in order, headers without the space after the colon.
        seen = m.last()
        self.assertRegex(seen.letters(), r"^CHMRTL+NBE")
        self.assertIn(("Subject", "tern test mod"), seen.headers())
        self.assertIn(b"\r\nBye.\r\n", seen.body())

    def test_macros(self):
        m = self.milter()
        tern = self.tern(m)
        self.send(tern)
        tern.wait_for_maildir("alice", 1)
        mac = m.last().macros
        self.assertEqual(mac["C"]["{daemon_name}"], "tern-inbound")
        self.assertEqual(mac["C"]["j"], harness.MYHOSTNAME)
        self.assertEqual(mac["C"]["{daemon_addr}"], "127.0.0.1")
        self.assertRegex(mac["C"]["v"], r"\S")
        self.assertEqual(mac["C"]["_"], "unknown [127.0.0.1]")
        self.assertEqual(mac["M"]["{mail_addr}"], "sender@example.org")
        self.assertEqual(mac["R"]["{rcpt_addr}"], "alice@example.test")
        self.assertEqual(mac["R"]["{rcpt_mailer}"], "local")
        self.assertRegex(mac["R"]["i"], "^%s$" % harness.QUEUE_ID)
        self.assertEqual(mac["E"]["i"], mac["R"]["i"])

    def test_negotiated_macro_lists_and_declined_steps(self):
        m = self.milter(steps=mp.SMFIP_NOHELO | mp.SMFIP_NR_HDR | mp.SMFIP_NOBODY,
                        symlists={mp.SMFIM_CONNECT: "{client_addr} {client_port}", mp.SMFIM_ENVFROM: "mail_addr"})
        tern = self.tern(m)
        self.send(tern)
        tern.wait_for_maildir("alice", 1)
        seen = m.last()
        self.assertNotIn("H", seen.letters())
        self.assertNotIn("B", seen.letters())
        self.assertIn("L", seen.letters())
        self.assertEqual(set(seen.macros["C"]), {"{client_addr}", "{client_port}"})
        self.assertEqual(seen.macros["M"], {"{mail_addr}": "sender@example.org"})

    def test_rcpt_replycode_refuses_that_recipient_only(self):
        def per_rcpt(payload):
            if b"bob@" in payload:
                return [mp.replycode("550 5.7.1 bob does not take mail from milters")]
            return [mp.cont()]
        m = self.milter(script={"R": per_rcpt})
        tern = self.tern(m)
        refused = self.send(tern, to=("alice@example.test", "bob@example.test"))
        self.assertEqual(refused["bob@example.test"][0], 550)
        self.assertIn(b"5.7.1 bob does not take mail", refused["bob@example.test"][1])
        tern.wait_for_maildir("alice", 1)
        self.assertEqual(tern.maildir_files("bob"), [])
        tern.wait_for_log(r": milter-reject: RCPT from unknown\[127\.0\.0\.1\]: 550 5\.7\.1 bob does not take "
                          r"mail from milters; from=<sender@example\.org> to=<bob@example\.test> proto=ESMTP "
                          r"helo=<client\.test>$", since=tern.mark)
        tern.wait_for_log(r"^disconnect from unknown\[127\.0\.0\.1\] ehlo=1 mail=1 rcpt=1/2 data=1 quit=1 "
                          r"commands=5/6$", since=tern.mark)

    def test_mail_tempfail(self):
        m = self.milter(script={"M": [mp.tempfail()]})
        tern = self.tern(m)
        with tern.smtp() as s:
            s.ehlo()
            code, text = s.mail("sender@example.org")
        self.assertEqual((code, text), (451, b"4.7.1 Service unavailable - try again later"))
        tern.wait_for_log(r"^NOQUEUE: milter-reject: MAIL from unknown\[127\.0\.0\.1\]: 451 4\.7\.1 ", since=tern.mark)

    def test_helo_reject(self):
        m = self.milter(script={"H": [mp.reject()]})
        tern = self.tern(m)
        with tern.smtp() as s:
            code, _ = s.ehlo()
        self.assertEqual(code, 550)

    def test_connect_reject_refuses_mail(self):
        m = self.milter(script={"C": [mp.replycode("554 5.7.1 go away")]})
        tern = self.tern(m)
        c = harness.session(tern.port, helo="client.test")
        self.assertEqual(c.command("MAIL FROM:<a@example.org>"), ["554 5.7.1 go away"])
        c.command("QUIT")
        c.close()
        tern.wait_for_log(r"^NOQUEUE: milter-reject: CONNECT from unknown\[127\.0\.0\.1\]: 554 5\.7\.1 go away",
                          since=tern.mark)

    def test_end_of_message_reject(self):
        m = self.milter(script={"E": [mp.replycode("550 5.7.1 Blocked by the milter")]})
        tern = self.tern(m)
        with self.assertRaises(smtplib.SMTPDataError) as e:
            self.send(tern)
        self.assertEqual(e.exception.smtp_code, 550)
        tern.wait_for_log(r"^%s: milter-reject: END-OF-MESSAGE from unknown\[127\.0\.0\.1\]: 5\.7\.1 Blocked by the "
                          r"milter; from=<sender@example\.org> to=<alice@example\.test> proto=ESMTP "
                          r"helo=<client\.test>$" % harness.QUEUE_ID, since=tern.mark)
        self.assertEqual(tern.maildir_files("alice"), [])

    def test_discard(self):
        m = self.milter(script={"E": [mp.discard()]})
        tern = self.tern(m)
        self.assertEqual(self.send(tern), {})
        tern.wait_for_log(r": milter-discard: END-OF-MESSAGE from unknown\[127\.0\.0\.1\]: milter triggers DISCARD "
                          r"action; from=<sender@example\.org>", since=tern.mark)
        self.assertEqual(tern.maildir_files("alice"), [])

    def test_quarantine_holds(self):
        m = self.milter(script={"E": [mp.quarantine("looks odd"), mp.cont()]})
        tern = self.tern(m)
        self.send(tern)
        tern.wait_for_log(r"^(%s): milter-hold: END-OF-MESSAGE from unknown\[127\.0\.0\.1\]: looks odd; "
                          r"from=<sender@example\.org>" % harness.QUEUE_ID, since=tern.mark)
        self.assertTrue(harness.wait_until(lambda: len(tern.queue_files("hold")) == 1, 10))
        self.assertEqual(tern.maildir_files("alice"), [])

    def test_progress_and_two_milters_in_order(self):
        first = self.milter(script={"E": [mp.progress(), mp.add_header("X-First", "1"), mp.cont()]})
        second = self.milter(script={"E": lambda _: [mp.add_header("X-Second", "2"), mp.cont()]})
        tern = self.tern(first, second)
        self.send(tern)
        got = tern.wait_for_maildir("alice", 1)[0].decode()
        self.assertIn("X-First: 1\nX-Second: 2\n", got)
        # The second milter saw the first one's header.
        self.assertIn(("X-First", "1"), second.last().headers())

    def test_accept_at_connect_skips_the_milter(self):
        m = self.milter(script={"C": [mp.accept()], "E": [mp.add_header("X-Not", "seen"), mp.cont()]})
        tern = self.tern(m)
        self.send(tern)
        got = tern.wait_for_maildir("alice", 1)[0].decode()
        self.assertNotIn("X-Not", got)
        self.assertEqual(m.last().letters(), "CQ")

    def test_bdat_and_rset(self):
        m = self.milter(script={"E": [mp.add_header("X-Chunked", "yes"), mp.cont()]})
        tern = self.tern(m)
        c = harness.session(tern.port, helo="client.test")
        self.assertEqual(c.command("MAIL FROM:<sender@example.org>")[0][:3], "250")
        self.assertEqual(c.command("RSET")[0][:3], "250")  # the milter hears ABORT
        self.assertEqual(c.command("MAIL FROM:<sender@example.org>")[0][:3], "250")
        self.assertEqual(c.command("RCPT TO:<alice@example.test>")[0][:3], "250")
        content = harness.make_message("bdat").replace("\n", "\r\n").encode()
        c.send(b"BDAT %d LAST\r\n" % len(content) + content)
        self.assertRegex(c.reply()[0], harness.QUEUED_RE)
        c.command("QUIT")
        c.close()
        got = tern.wait_for_maildir("alice", 1)[0].decode()
        self.assertIn("X-Chunked: yes", got)
        self.assertRegex(m.last().letters(), r"^CHMAMRTL+NBE")

    def test_discard_at_rcpt(self):
        m = self.milter(script={"R": [mp.discard()]})
        tern = self.tern(m)
        self.assertEqual(self.send(tern), {})
        tern.wait_for_log(r"^%s: milter-discard: RCPT from unknown\[127\.0\.0\.1\]: milter triggers DISCARD action; "
                          r"from=<sender@example\.org> to=<alice@example\.test>" % harness.QUEUE_ID, since=tern.mark)
        tern.wait_for_log(r": discarded at end of DATA \(a milter said DISCARD\)", since=tern.mark)
        self.assertEqual(tern.maildir_files("alice"), [])
        self.assertNotIn("E", m.last().letters())

    def test_unknown_command_and_tls_macros(self):
        m = self.milter(script={"U": [mp.replycode("550 5.5.1 not here either")]})
        pki_dir = tempfile.mkdtemp(prefix="tern-pki-")
        self.addCleanup(shutil.rmtree, pki_dir, True)
        os.chmod(pki_dir, 0o755)
        cert, key = harness.TestPki(pki_dir).issue("rsa")
        tern = self.tern(m, smtpd_tls_security_level="may", smtpd_tls_cert_file=cert, smtpd_tls_key_file=key,
                         milter_unknown_command_macros="{client_addr}")
        c = harness.session(tern.port, helo="client.test")
        self.assertEqual(c.command("XYZZY plugh"), ["550 5.5.1 not here either"])
        self.assertEqual(c.command("STARTTLS")[0][:3], "220")
        import ssl
        ctx = ssl.create_default_context()
        ctx.check_hostname = False
        ctx.verify_mode = ssl.CERT_NONE
        c.starttls_upgrade(ctx)
        self.assertEqual(c.command("EHLO client.test")[-1][:3], "250")
        c.command("QUIT")
        c.close()
        self.assertTrue(harness.wait_until(lambda: m.last() and m.last().letters().endswith("Q"), 10))
        seen = m.last()
        self.assertIn(("U", b"XYZZY plugh\0"), seen.commands)
        self.assertEqual(seen.letters(), "CHUHQ")
        self.assertEqual(seen.macros["U"], {"{client_addr}": "127.0.0.1"})
        helo = seen.macros["H"]
        self.assertRegex(helo["{tls_version}"], r"^TLSv1\.[23]$")
        self.assertRegex(helo["{cipher_bits}"], r"^\d+$")
        self.assertTrue(helo["{cipher}"])

    def refusing_port(self):
        """A port bound but not listening: connections are refused, and free_port() will
        not hand it to ternd meanwhile."""
        import socket
        s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.addCleanup(s.close)
        port = harness.free_port()
        s.bind(("127.0.0.1", port))
        return port

    def test_unreachable_milter_default_tempfail(self):
        port = self.refusing_port()
        tern = self.tern("inet:127.0.0.1:%d" % port)
        with tern.smtp() as s:
            s.ehlo()
            code, _ = s.mail("sender@example.org")
        self.assertEqual(code, 451)
        tern.wait_for_log(r"warning: milter inet:127\.0\.0\.1:%d: connect: Connection refused" % port, since=tern.mark)

    def test_unreachable_milter_default_accept(self):
        tern = self.tern("inet:127.0.0.1:%d" % self.refusing_port(), milter_default_action="accept")
        self.send(tern)
        tern.wait_for_maildir("alice", 1)

    def test_timeout_default_reject(self):
        m = self.milter(delay={"E": 3})
        tern = self.tern(m, milter_default_action="reject", milter_content_timeout="1s")
        with self.assertRaises(smtplib.SMTPDataError) as e:
            self.send(tern)
        self.assertEqual(e.exception.smtp_code, 550)
        tern.wait_for_log(r"warning: milter %s: timeout waiting for a reply" % re.escape(m.spec), since=tern.mark)

    def test_malformed_reply_default_quarantine(self):
        m = self.milter(script={"E": [mp.packet(b"h", b"no-nul-terminators")]})
        tern = self.tern(m, milter_default_action="quarantine")
        self.send(tern)
        tern.wait_for_log(r"warning: milter %s: malformed SMFIR_ADDHEADER reply" % re.escape(m.spec), since=tern.mark)
        self.assertTrue(harness.wait_until(lambda: len(tern.queue_files("hold")) == 1, 10))

    def test_undeclared_action_fails_the_milter(self):
        m = self.milter(actions=0, script={"E": [mp.add_header("X-Sneaky", "1"), mp.cont()]})
        tern = self.tern(m, milter_default_action="accept")
        self.send(tern)
        got = tern.wait_for_maildir("alice", 1)[0].decode()
        self.assertNotIn("X-Sneaky", got)
        tern.wait_for_log(r"SMFIR_ADDHEADER without having negotiated that action", since=tern.mark)

    def test_per_service_override_and_bad_endpoints(self):
        m = self.milter(script={"E": [mp.add_header("X-Submission", "yes"), mp.cont()]})
        tern = self.new_tern(master_cf=(
            "127.0.0.1:PORT inet n - n - - smtpd -o smtpd_milters=%s -o milter_macro_daemon_name=submission\n"
            "pickup unix n - n 60 1 pickup\ncleanup unix n - n - 0 cleanup\nqmgr unix n - n 300 1 qmgr\n"
            % m.spec) + harness.DELIVERY_SERVICES)
        tern.start()
        tern.wait_for_log(r"^disconnect from ")
        self.send(tern)
        got = tern.wait_for_maildir("alice", 1)[0].decode()
        self.assertIn("X-Submission: yes", got)
        self.assertEqual(m.last().macros["C"]["{daemon_name}"], "submission")
        for bad, why in (("inet:8891@localhost", "no port"), ("inet:127.0.0.1:99999", "bad port"), ("local:/x", "expected inet:host:port"),
                         ("inet:no-such-host.invalid:25", "neither an address nor in /etc/hosts")):
            t = self.new_tern(main_cf={"smtpd_milters": bad})
            r = t.check_config()
            self.assertNotEqual(r.returncode, 0, bad)
            self.assertIn(why, r.stdout + r.stderr)
        t = self.new_tern(main_cf={"non_smtpd_milters": "inet:127.0.0.1:1"})
        r = t.check_config()
        self.assertIn("non_smtpd_milters is not supported", r.stdout + r.stderr)


def isolated(command, dir):
    """`command` in a private mount namespace whose /etc/resolv.conf names 127.0.0.1 (when
    root): should a peer fall back to the libc resolver, no query leaves the machine."""
    if os.geteuid() != 0:
        return command
    with open(os.path.join(dir, "resolv.conf"), "w") as f:
        f.write("nameserver 127.0.0.1\n")
    return ["unshare", "-m", "--", "/bin/sh", "-c", 'mount --bind "$0" /etc/resolv.conf && exec "$@"',
            os.path.join(dir, "resolv.conf")] + command


def listening(port):
    try:
        import socket
        socket.create_connection(("127.0.0.1", port), timeout=1).close()
        return True
    except OSError:
        return False


class Peer:
    """A daemon started here, stopped by its PID; its directory removed unless TERN_KEEP=1."""

    def __init__(self, prefix):
        self.dir = tempfile.mkdtemp(prefix=prefix)
        os.chmod(self.dir, 0o755)
        self.proc = None

    def path(self, *parts):
        return os.path.join(self.dir, *parts)

    def run(self, command, port, log_name, timeout=60):
        out = open(self.path(log_name), "wb")
        self.proc = subprocess.Popen(isolated(command, self.dir), stdin=subprocess.DEVNULL, stdout=out,
                                     stderr=subprocess.STDOUT)
        out.close()
        if not harness.wait_until(lambda: self.proc.poll() is None and listening(port), timeout, 0.2):
            text = self.output(log_name)
            self.stop()
            raise harness.TernError("%s did not start on port %d:\n%s" % (command[0], port, text))

    def output(self, name):
        try:
            with open(self.path(name), errors="replace") as f:
                return f.read()[-4000:]
        except OSError:
            return ""

    def stop(self):
        dns_peers._stop_pid(self.proc)
        self.proc = None
        if harness.KEEP:
            print("kept", self.dir)
        else:
            shutil.rmtree(self.dir, ignore_errors=True)


def free_ports(n):
    """n consecutive free ports of PORT_RANGE (rspamd binds its workers side by side)."""
    for _ in range(50):
        first = harness.free_port()
        if first + n - 1 <= harness.PORT_RANGE[1] and all(harness._port_is_free(first + i) for i in range(n)):
            return first
    raise harness.TernError("no %d consecutive free ports" % n)


class Rspamd(Peer):
    """Debian's rspamd (no Redis, no system service): the proxy worker in milter mode with
    self_scan on `port`, the normal and controller workers on port+1 and +2 (fuzzy, +3,
    stays off). Its DNS goes to a loopback port where nothing answers: every check that
    needs the internet is off or fails fast. milter_headers adds its headers."""

    def __init__(self):
        super().__init__("tern-rspamd-")
        self.port = free_ports(4)
        for sub in ("local/local.d", "db", "run", "log"):
            os.makedirs(self.path(sub), exist_ok=True)
        with open("/etc/rspamd/rspamd.conf") as f:
            conf = f.read()
        for default, port in (("11332", self.port), ("11333", self.port + 1), ("11334", self.port + 2),
                              ("11335", self.port + 3)):
            conf = conf.replace('bind_socket = "localhost:%s"' % default, 'bind_socket = "127.0.0.1:%d"' % port)
        assert '127.0.0.1:%d"' % self.port in conf
        with open(self.path("rspamd.conf"), "w") as f:
            f.write(conf)
        local = self.path("local", "local.d")
        files = {
            "options.inc": 'dns { nameserver = ["127.0.0.1:%d"]; timeout = 1s; retransmits = 1; }\n'
                           % harness.free_port(),
            "worker-proxy.inc": 'upstream "local" { default = yes; self_scan = yes; }\n',
            "logging.inc": 'level = "info";\n',
            "milter_headers.conf": 'use = ["x-spamd-result", "x-rspamd-server", "x-rspamd-queue-id", '
                                   '"x-spam-status"];\nskip_local = false;\nskip_authenticated = false;\n',
        }
        for m in ("fuzzy_check", "rbl", "asn", "phishing", "emails"):
            files[m + ".conf"] = "enabled = false;\n"
        for name, text in files.items():
            with open(os.path.join(local, name), "w") as f:
                f.write(text)
        if os.geteuid() == 0:
            subprocess.run(["chown", "-R", "_rspamd:_rspamd", self.dir], check=True)
        self.run(["/usr/bin/rspamd", "-f", "-u", "_rspamd", "-g", "_rspamd", "-c", self.path("rspamd.conf"),
                  "--var=LOCAL_CONFDIR=" + self.path("local"), "--var=DBDIR=" + self.path("db"),
                  "--var=RUNDIR=" + self.path("run"), "--var=LOGDIR=" + self.path("log")],
                 self.port, "rspamd.out")
        self.spec = "inet:127.0.0.1:%d" % self.port


class OpenDkimSigner(Peer):
    """Debian's opendkim in signing mode for example.test (mail from 127.0.0.1 is internal),
    with a key from opendkim-genkey; no DNS needed to sign."""

    def __init__(self):
        super().__init__("tern-opendkim-sign-")
        self.port = harness.free_port()
        os.makedirs(self.path("keys"))
        subprocess.run(["opendkim-genkey", "-b", "2048", "-h", "sha256", "-d", "example.test", "-s", "sel",
                        "-D", self.path("keys")], check=True)
        with open(self.path("opendkim.conf"), "w") as f:
            f.write("Syslog no\nMode s\nSocket inet:%d@127.0.0.1\nPidFile %s\nDomain example.test\n"
                    "Selector sel\nKeyFile %s\nRequireSafeKeys no\nCanonicalization relaxed/simple\n"
                    "SignatureAlgorithm rsa-sha256\nInternalHosts 127.0.0.1\n"
                    % (self.port, self.path("opendkim.pid"), self.path("keys", "sel.private")))
        self.run(["/usr/sbin/opendkim", "-f", "-x", self.path("opendkim.conf")], self.port, "opendkim.out", 15)
        self.spec = "inet:127.0.0.1:%d" % self.port

    def txt_record(self):
        with open(self.path("keys", "sel.txt")) as f:
            return "".join(re.findall(r'"([^"]*)"', f.read())).encode()


class RspamdMilterTest(TernTestCase):
    @classmethod
    def setUpClass(cls):
        cls.rspamd = Rspamd()
        cls.addClassCleanup(cls.rspamd.stop)

    def test_scored_and_headers_added(self):
        tern = self.start_tern(main_cf=milter_params(self.rspamd))
        with tern.smtp() as s:
            s.sendmail("sender@example.org", ["alice@example.test"],
                       harness.make_message("rspamd").replace("\n", "\r\n"))
        got = tern.wait_for_maildir("alice", 1, timeout=60)[0].decode()
        qid = re.search(r"\bid (%s)\b" % harness.QUEUE_ID, got).group(1)  # our Received:
        head = got.split("\n\n", 1)[0]
        self.assertRegex(head, r"\nX-Spamd-Result: default: False \[-?\d+\.\d+ / \d+\.\d+\]")
        self.assertRegex(head, r"\nX-Spam-Status: No, score=-?\d+\.\d+")
        self.assertIn("\nX-Rspamd-Server: ", head)
        # rspamd read the queue ID from the i macro.
        self.assertIn("\nX-Rspamd-Queue-Id: %s\n" % qid, head + "\n")

    def test_gtube_is_rejected_with_rspamds_reply(self):
        tern = self.start_tern(main_cf=milter_params(self.rspamd))
        gtube = "XJS*C4JDBQADN1.NSBN3*2IDNEN*GTUBE-STANDARD-ANTI-UBE-TEST-EMAIL*C.34X\n"
        with self.assertRaises(smtplib.SMTPDataError) as e:
            with tern.smtp() as s:
                s.sendmail("sender@example.org", ["alice@example.test"],
                           harness.make_message("gtube", extra_body=gtube).replace("\n", "\r\n"))
        self.assertEqual(e.exception.smtp_code, 554)
        # rspamd's SMFIR_REPLYCODE for its GTUBE rule, word for word.
        self.assertEqual(e.exception.smtp_error, b"5.7.1 Gtube pattern")
        tern.wait_for_log(r": milter-reject: END-OF-MESSAGE from unknown\[127\.0\.0\.1\]: 5\.7\.1 Gtube pattern; "
                          r"from=<sender@example\.org> to=<alice@example\.test>", since=tern.mark)
        self.assertEqual(tern.maildir_files("alice"), [])


class OpenDkimSigningMilterTest(TernTestCase):
    @classmethod
    def setUpClass(cls):
        cls.opendkim = OpenDkimSigner()
        cls.addClassCleanup(cls.opendkim.stop)

    def test_signature_verifies_with_dkimpy(self):
        tern = self.start_tern(main_cf=milter_params(self.opendkim))
        msg = ("From: Alice <alice@example.test>\r\nTo: bob@example.test\r\n"
               "Subject: signed by OpenDKIM,\r\n\tthrough Tern's milter client\r\nMessage-ID: <s1@example.test>\r\n"
               "Date: Mon, 07 Dec 2026 13:00:00 +0000\r\n\r\nHello Bob.\r\n\r\nSee you.  \r\n")
        with tern.smtp() as s:
            s.sendmail("alice@example.test", ["bob@example.test"], msg)
        signed = tern.wait_for_maildir("bob", 1)[0]
        self.assertIn(b"DKIM-Signature:", signed)
        self.assertIn(b"d=example.test", signed)
        record = self.opendkim.txt_record()

        def dnsfunc(name, timeout=5):
            return record if name == b"sel._domainkey.example.test." else None
        wire = signed.replace(b"\n", b"\r\n")
        self.assertTrue(dkim.verify(wire, dnsfunc=dnsfunc))
        # The same check fails once the body is changed: the verification is real.
        self.assertFalse(dkim.verify(wire.replace(b"Hello Bob.", b"Hello Rob."), dnsfunc=dnsfunc))


if __name__ == "__main__":
    unittest.main()
