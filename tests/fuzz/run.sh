#!/usr/bin/env bash
# Runs every libFuzzer target in BUILD_DIR for SECONDS each, starting from its seed
# corpus (new finds go to a scratch copy, not into the repository).
set -euo pipefail
build=${1:?usage: run.sh BUILD_DIR SECONDS}
seconds=${2:-60}
here=$(cd "$(dirname "$0")" && pwd)
status=0
for src in "$here"/fuzz_*.cpp; do
  name=$(basename "$src" .cpp)
  [ -x "$build/bin/$name" ] || { echo "== $name: not built with libFuzzer here (see tests/fuzz/CMakeLists.txt)"; continue; }
  work=$(mktemp -d)
  cp -r "$here/corpus/$name/." "$work/" 2>/dev/null || true
  echo "== $name ($seconds s)"
  if ! "$build/bin/$name" -max_total_time="$seconds" -print_final_stats=1 "$work"; then
    status=1
  fi
  rm -rf "$work"
done
exit $status
