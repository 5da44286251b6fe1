#!/usr/bin/python3
"""Accept latency: the time from the end of DATA ("." sent) to the server's 250, over
SESSIONS concurrent SMTP sessions that send MESSAGES messages of SIZE bytes in all
(each session sends one message after the other, one command at a time).

  latency.py PORT SESSIONS MESSAGES SIZE RCPT

Prints "P50_MS P99_MS ACCEPTED REFUSED MSG_PER_S". smtp-source cannot time a single
reply, hence this client; its own CPU share is reported by the bench beside it.
"""

import asyncio
import sys
import time


def message(size):
    head = (b"From: <load@example.org>\r\nTo: <rcpt@example.test>\r\n"
            b"Subject: latency probe\r\nMessage-ID: <%d@example.org>\r\n\r\n" % time.time_ns())
    line = b"x" * 76 + b"\r\n"
    body = line * max(1, (size - len(head)) // len(line))
    return head + body + b".\r\n"


async def reply(reader):
    """The last line of one (possibly multi-line) reply."""
    while True:
        line = await reader.readline()
        if not line:
            raise OSError("connection closed")
        if line[3:4] != b"-":
            return line


async def session(port, queue, size, rcpt, delays, refused, pace):
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    try:
        await reply(reader)
        writer.write(b"EHLO latency.example.org\r\n")
        await reply(reader)
        data = message(size)
        while queue:
            queue.pop()
            await pace()
            for cmd in (b"MAIL FROM:<load@example.org>\r\n", b"RCPT TO:<%s>\r\n" % rcpt, b"DATA\r\n"):
                writer.write(cmd)
                line = await reply(reader)
            if not line.startswith(b"354"):
                refused.append(line)
                writer.write(b"RSET\r\n")
                await reply(reader)
                continue
            writer.write(data[:-3])
            writer.write(b".\r\n")
            sent = time.perf_counter()
            line = await reply(reader)
            if line.startswith(b"250"):
                delays.append(time.perf_counter() - sent)
            else:
                refused.append(line)
        writer.write(b"QUIT\r\n")
        await reply(reader)
    finally:
        writer.close()


def percentile(values, p):
    values = sorted(values)
    return values[min(len(values) - 1, int(p / 100.0 * len(values)))]


async def main(port, sessions, messages, size, rcpt, rate):
    queue = [None] * messages
    delays, refused = [], []
    start = time.perf_counter()
    slots = iter(range(messages))

    async def pace():
        """Waits for the next message's slot on the open-loop schedule (none when closed)."""
        if rate > 0:
            due = start + next(slots) / rate
            wait = due - time.perf_counter()
            if wait > 0:
                await asyncio.sleep(wait)

    results = await asyncio.gather(*(session(port, queue, size, rcpt, delays, refused, pace)
                                     for _ in range(sessions)),
                                   return_exceptions=True)
    elapsed = time.perf_counter() - start
    errors = [r for r in results if isinstance(r, Exception)]
    for e in errors[:3]:
        sys.stderr.write("latency.py: session failed: %s\n" % e)
    for line in refused[:3]:
        sys.stderr.write("latency.py: refused: %r\n" % line)
    if not delays:
        print("nan nan 0 %d 0" % (len(refused) + len(errors)))
        return 1
    sys.stderr.write("latency.py: p90 %.2f ms, p99.9 %.2f ms, max %.2f ms\n" % (
        percentile(delays, 90) * 1000, percentile(delays, 99.9) * 1000, max(delays) * 1000))
    print("%.2f %.2f %d %d %.0f" % (percentile(delays, 50) * 1000, percentile(delays, 99) * 1000,
                                    len(delays), len(refused) + len(errors), len(delays) / elapsed))
    return 0


if __name__ == "__main__":
    if len(sys.argv) not in (6, 7):
        sys.stderr.write(__doc__)
        sys.exit(2)
    a = sys.argv
    rate = float(a[6]) if len(a) == 7 else 0.0
    sys.exit(asyncio.run(main(int(a[1]), int(a[2]), int(a[3]), int(a[4]), a[5].encode(), rate)))
