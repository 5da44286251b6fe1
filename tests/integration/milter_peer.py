"""A scripted milter for Tern's milter tests: the Sendmail milter protocol (v6), written
here from the protocol description (no milter library), on a loopback TCP port.

ScriptedMilter(script=...) answers each command with the replies the script gives for it
(by command letter: 'C' connect, 'H' HELO, 'M' MAIL, 'R' RCPT, 'T' DATA, 'L' header,
'N' end of headers, 'B' body chunk, 'E' end of message), else SMFIR_CONTINUE. A script
entry is a list of reply packets (made with the functions below) or a function
(payload) -> list. Everything the MTA sent is recorded per connection: the commands in
order and the macros per command, for the tests to check. Stopped with stop().

Run with /usr/bin/python3.
"""

import socket
import struct
import threading
import time

import harness

# SMFIF_* actions and SMFIP_* protocol steps (libmilter's mfdef.h).
SMFIF_ALL = 0x1FF
SMFIP_NOCONNECT, SMFIP_NOHELO, SMFIP_NOMAIL, SMFIP_NORCPT = 0x1, 0x2, 0x4, 0x8
SMFIP_NOBODY, SMFIP_NOHDRS, SMFIP_NOEOH, SMFIP_NR_HDR = 0x10, 0x20, 0x40, 0x80
SMFIP_SKIP, SMFIP_NR_RCPT, SMFIP_HDR_LEADSPC = 0x400, 0x8000, 0x100000
# Macro stages for the OPTNEG symbol lists (SMFIM_*).
SMFIM_CONNECT, SMFIM_HELO, SMFIM_ENVFROM, SMFIM_ENVRCPT, SMFIM_DATA, SMFIM_EOM, SMFIM_EOH = range(7)


def packet(code, payload=b""):
    return struct.pack(">I", len(payload) + 1) + code + payload


def z(*strings):
    return b"".join(s.encode() + b"\0" for s in strings)


def accept(): return packet(b"a")
def cont(): return packet(b"c")
def reject(): return packet(b"r")
def tempfail(): return packet(b"t")
def discard(): return packet(b"d")
def progress(): return packet(b"p")
def skip(): return packet(b"s")
def replycode(text): return packet(b"y", z(text))
def add_header(name, value): return packet(b"h", z(name, value))
def insert_header(index, name, value): return packet(b"i", struct.pack(">I", index) + z(name, value))
def change_header(index, name, value): return packet(b"m", struct.pack(">I", index) + z(name, value))
def add_rcpt(addr): return packet(b"+", z(addr))
def del_rcpt(addr): return packet(b"-", z(addr))
def change_from(addr): return packet(b"e", z(addr))
def replace_body(chunk): return packet(b"b", chunk.encode())
def quarantine(reason): return packet(b"q", z(reason))


class Connection:
    """What one MTA connection sent: commands [(letter, payload)], macros {letter: {name: value}}."""

    def __init__(self):
        self.commands = []
        self.macros = {}

    def letters(self):
        return "".join(c for c, _ in self.commands)

    def headers(self):
        out = []
        for c, p in self.commands:
            if c == "L":
                name, value = p.split(b"\0")[:2]
                out.append((name.decode(), value.decode()))
        return out

    def body(self):
        return b"".join(p for c, p in self.commands if c == "B")


class ScriptedMilter:
    def __init__(self, script=None, actions=SMFIF_ALL, steps=0, symlists=None, delay=None, raw_reply=None):
        """symlists: {stage: "macro names"} asked for in OPTNEG. delay: {letter: seconds}
        to wait before answering. raw_reply: bytes sent instead of the OPTNEG answer."""
        self.script = script or {}
        self.actions = actions
        self.steps = steps
        self.symlists = symlists or {}
        self.delay = delay or {}
        self.raw_reply = raw_reply
        self.connections = []
        self.lock = threading.Lock()
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.port = harness.free_port()
        self.sock.bind(("127.0.0.1", self.port))
        self.sock.listen(16)
        self.spec = "inet:127.0.0.1:%d" % self.port
        self.running = True
        self.thread = threading.Thread(target=self._accept, daemon=True)
        self.thread.start()

    def stop(self):
        self.running = False
        try:
            self.sock.close()
        except OSError:
            pass

    def last(self):
        with self.lock:
            return self.connections[-1] if self.connections else None

    def wait_connections(self, n, timeout=10):
        return harness.wait_until(lambda: len(self.connections) >= n, timeout)

    def _accept(self):
        while self.running:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            threading.Thread(target=self._serve, args=(conn,), daemon=True).start()

    @staticmethod
    def _read(conn, n):
        data = b""
        while len(data) < n:
            chunk = conn.recv(n - len(data))
            if not chunk:
                raise EOFError
            data += chunk
        return data

    def _no_reply(self, letter):
        s = self.steps
        return (letter in "DAKQ" or (letter == "L" and s & SMFIP_NR_HDR)
                or (letter == "R" and s & SMFIP_NR_RCPT))

    def _serve(self, conn):
        record = Connection()
        with self.lock:
            self.connections.append(record)
        try:
            while True:
                (length,) = struct.unpack(">I", self._read(conn, 4))
                data = self._read(conn, length)
                letter, payload = chr(data[0]), data[1:]
                if letter == "O":
                    if self.raw_reply is not None:
                        conn.sendall(self.raw_reply)
                        continue
                    lists = b"".join(struct.pack(">I", stage) + z(names) for stage, names in self.symlists.items())
                    conn.sendall(packet(b"O", struct.pack(">III", 6, self.actions, self.steps) + lists))
                    continue
                if letter == "D":
                    fields = payload[1:].split(b"\0")
                    macros = record.macros.setdefault(chr(payload[0]), {})
                    for i in range(0, len(fields) - 1, 2):
                        macros[fields[i].decode()] = fields[i + 1].decode()
                    continue
                record.commands.append((letter, payload))
                if letter in "QK":
                    return
                if self._no_reply(letter):
                    continue
                if letter in self.delay:
                    time.sleep(self.delay[letter])
                replies = self.script.get(letter, [cont()])
                if callable(replies):
                    replies = replies(payload)
                conn.sendall(b"".join(replies))
        except (EOFError, OSError):
            pass
        finally:
            conn.close()
