#!/usr/bin/python3
"""STARTTLS handshakes per second: PARALLEL workers each connect to 127.0.0.1:PORT,
EHLO, STARTTLS, complete a full TLS handshake (a fresh session every time: no ticket
or session reuse), EHLO again over TLS and QUIT, until COUNT handshakes are done.

  tls_rate.py PORT COUNT PARALLEL

Prints "HANDSHAKES_PER_S DONE FAILED PROTOCOL CIPHER". The certificate is not verified
(the bench's self-signed one); the key exchange and signature are the server's real cost.
"""

import asyncio
import ssl
import sys
import time


async def reply(reader):
    while True:
        line = await reader.readline()
        if not line:
            raise OSError("connection closed")
        if line[3:4] != b"-":
            return line


async def one(port, ctx, seen):
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    try:
        await reply(reader)
        writer.write(b"EHLO tls.example.org\r\n")
        await reply(reader)
        writer.write(b"STARTTLS\r\n")
        line = await reply(reader)
        if not line.startswith(b"220"):
            raise OSError("STARTTLS refused: %r" % line)
        await writer.start_tls(ctx, server_hostname=None)
        ssl_object = writer.get_extra_info("ssl_object")
        seen[0] = (ssl_object.version(), ssl_object.cipher()[0])
        writer.write(b"EHLO tls.example.org\r\n")
        await reply(reader)
        writer.write(b"QUIT\r\n")
        await reply(reader)
    finally:
        writer.close()


async def worker(port, ctx, left, counts, seen):
    while left[0] > 0:
        left[0] -= 1
        try:
            await one(port, ctx, seen)
            counts[0] += 1
        except (OSError, ssl.SSLError) as e:
            counts[1] += 1
            if counts[1] <= 3:
                sys.stderr.write("tls_rate.py: %s\n" % e)


async def main(port, count, parallel):
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE
    ctx.options |= ssl.OP_NO_TICKET
    left, counts, seen = [count], [0, 0], [("-", "-")]
    start = time.perf_counter()
    await asyncio.gather(*(worker(port, ctx, left, counts, seen) for _ in range(parallel)))
    elapsed = time.perf_counter() - start
    print("%.0f %d %d %s %s" % (counts[0] / elapsed, counts[0], counts[1], seen[0][0], seen[0][1]))
    return 0 if counts[0] else 1


if __name__ == "__main__":
    if len(sys.argv) != 4:
        sys.stderr.write(__doc__)
        sys.exit(2)
    sys.exit(asyncio.run(main(int(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3]))))
