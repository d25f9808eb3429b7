#!/usr/bin/env bash
# run-fuzzers.sh BUILD: run every libFuzzer target in BUILD/tests/fuzz for
# $FUZZ_SECONDS each, seeded from tests/fuzz/corpus/<name>/ when present.
set -euo pipefail
build=$1
secs=${FUZZ_SECONDS:-20}
n=0
for f in "$build"/tests/fuzz/fuzz_*; do
  [ -x "$f" ] && [ -f "$f" ] || continue
  name=$(basename "$f")
  seed="tests/fuzz/corpus/${name#fuzz_}"
  work=$(mktemp -d)
  [ -d "$seed" ] && cp -r "$seed"/. "$work"/
  echo "fuzz: $name for ${secs}s"
  "$f" -max_total_time="$secs" -timeout=10 -rss_limit_mb=2048 -print_final_stats=0 "$work" 2>&1 | tail -n 2
  rm -rf "$work"
  n=$((n + 1))
done
echo "fuzz: $n targets ran clean"
