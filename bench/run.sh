#!/usr/bin/env bash
# make bench: Tern and Postfix side by side (smtp-source → MTA → smtp-sink, Maildir,
# idle connections, latency, queue listing, TLS handshakes), interleaved rounds, ratios.
# The harness arrives with the benchmarks issue; until then this says so and fails.
echo "make bench: the side-by-side benchmark harness is not implemented yet (benchmarks issue)" >&2
exit 2
