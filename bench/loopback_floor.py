#!/usr/bin/python3
"""Physical floor of the network path: loopback TCP bandwidth, one connection, a
sending process and a receiving one (64 KiB writes), in MiB/s.

  loopback_floor.py PORT [SECONDS]
"""

import os
import socket
import sys
import time


def main(argv):
    if len(argv) not in (2, 3):
        sys.stderr.write(__doc__)
        return 2
    port = int(argv[1])
    seconds = float(argv[2]) if len(argv) == 3 else 2.0
    listener = socket.socket()
    listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    listener.bind(("127.0.0.1", port))
    listener.listen(1)
    child = os.fork()
    if child == 0:
        listener.close()
        s = socket.create_connection(("127.0.0.1", port))
        block = b"\0" * 65536
        deadline = time.monotonic() + seconds
        try:
            while time.monotonic() < deadline:
                s.sendall(block)
        finally:
            s.close()
            os._exit(0)
    conn, _ = listener.accept()
    received = 0
    start = time.monotonic()
    while True:
        chunk = conn.recv(262144)
        if not chunk:
            break
        received += len(chunk)
    elapsed = time.monotonic() - start
    os.waitpid(child, 0)
    conn.close()
    listener.close()
    print("%.0f" % (received / elapsed / 1048576))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
