#!/usr/bin/python3
"""Idle connections: open COUNT SMTP sessions to 127.0.0.1:PORT, read the banner, say
EHLO, read the whole reply, then hold them without a word.

  idle_hold.py PORT COUNT [PARALLEL]

Prints "opened HELD FAILED SECONDS" once every attempt has ended (HELD got 250 to
EHLO), then waits for SIGUSR1 (the bench measures the MTA meanwhile), prints
"still HELD_NOW" (sessions the server has neither closed nor written to since), closes
everything and exits. PARALLEL bounds the connects in flight (default 100). Mind
`ulimit -n`: this process needs COUNT descriptors.

Memory guard: no new connection is started while the machine's MemAvailable is below
IDLE_MIN_AVAILABLE_MIB (default 2048); those not started count as failed and the reason
is said on stderr. An MTA whose every session is a process (Postfix: ~1.6 MiB PSS each)
would otherwise run the machine into the OOM killer before COUNT.
"""

import asyncio
import os
import signal
import sys
import time


MIN_AVAILABLE_KIB = int(os.environ.get("IDLE_MIN_AVAILABLE_MIB", "2048")) * 1024
low_memory = []  # set once MemAvailable fell below the guard: stop opening


def mem_available_kib():
    with open("/proc/meminfo") as f:
        for line in f:
            if line.startswith("MemAvailable:"):
                return int(line.split()[1])
    return 0


async def open_one(port, gate, sessions):
    async with gate:
        if low_memory:
            return False
        if len(sessions) % 50 == 0 and mem_available_kib() < MIN_AVAILABLE_KIB:
            low_memory.append(len(sessions))
            sys.stderr.write("idle_hold.py: MemAvailable below %d MiB after %d sessions: opening no more\n"
                             % (MIN_AVAILABLE_KIB // 1024, len(sessions)))
            return False
        try:
            reader, writer = await asyncio.wait_for(asyncio.open_connection("127.0.0.1", port), 120)
        except (OSError, asyncio.TimeoutError):
            return False
        try:
            banner = await asyncio.wait_for(reader.readline(), 120)
            if not banner.startswith(b"220"):
                writer.close()
                return False
            writer.write(b"EHLO idle.example.org\r\n")
            while True:
                line = await asyncio.wait_for(reader.readline(), 120)
                if not line.startswith(b"250"):
                    writer.close()
                    return False
                if line[3:4] == b" ":
                    break
        except (OSError, asyncio.TimeoutError):
            writer.close()
            return False
    sessions.append((reader, writer))
    return True


async def watch(reader, dropped):
    """Marks the session dropped once the server writes (a 421) or closes it."""
    try:
        await reader.read(512)
    except OSError:
        pass
    dropped.add(id(reader))


async def main(port, count, parallel):
    gate = asyncio.Semaphore(parallel)
    sessions = []
    start = time.monotonic()
    results = await asyncio.gather(*(open_one(port, gate, sessions) for _ in range(count)))
    held = sum(results)
    print("opened %d %d %.1f" % (held, count - held, time.monotonic() - start), flush=True)
    dropped = set()
    watchers = [asyncio.create_task(watch(r, dropped)) for r, _ in sessions]
    go = asyncio.Event()
    asyncio.get_running_loop().add_signal_handler(signal.SIGUSR1, go.set)
    await go.wait()
    await asyncio.sleep(0.2)
    print("still %d" % (len(sessions) - len(dropped)), flush=True)
    for w in watchers:
        w.cancel()
    for _, writer in sessions:
        writer.close()


if __name__ == "__main__":
    if len(sys.argv) not in (3, 4):
        sys.stderr.write(__doc__)
        sys.exit(2)
    asyncio.run(main(int(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3]) if len(sys.argv) == 4 else 100))
