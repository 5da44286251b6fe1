#!/usr/bin/python3
"""Physical floor of a durable queue: small files created, written, fsync'd, renamed
into place and the directory fsync'd (what one queued message costs at least), per
second, on the disk holding DIR, with THREADS threads writing at once.

  fsync_floor.py DIR THREADS [SECONDS]   prints "files/s"

os.fsync releases the GIL, so threads do overlap their flushes as an MTA's would.
"""

import os
import sys
import threading
import time

PAYLOAD = b"x" * 1024


def worker(directory, tid, stop, counts):
    dfd = os.open(directory, os.O_RDONLY | os.O_DIRECTORY)
    n = 0
    try:
        while not stop.is_set():
            tmp = os.path.join(directory, "t%d.%d.tmp" % (tid, n))
            fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            os.write(fd, PAYLOAD)
            os.fsync(fd)
            os.close(fd)
            os.rename(tmp, tmp[:-4])
            os.fsync(dfd)
            n += 1
    finally:
        os.close(dfd)
    counts[tid] = n


def main(argv):
    if len(argv) not in (3, 4):
        sys.stderr.write(__doc__)
        return 2
    directory, threads = argv[1], int(argv[2])
    seconds = float(argv[3]) if len(argv) == 4 else 3.0
    os.makedirs(directory, exist_ok=True)
    stop = threading.Event()
    counts = [0] * threads
    pool = [threading.Thread(target=worker, args=(directory, t, stop, counts)) for t in range(threads)]
    start = time.monotonic()
    for t in pool:
        t.start()
    time.sleep(seconds)
    stop.set()
    for t in pool:
        t.join()
    elapsed = time.monotonic() - start
    for name in os.listdir(directory):
        os.unlink(os.path.join(directory, name))
    print("%.0f" % (sum(counts) / elapsed))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
