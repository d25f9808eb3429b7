#!/usr/bin/env bash
# bench/run.sh [BUILD]: the cost of one refresh against the NVML simulator,
# side by side with the bare NVML calls (../shared/tools/nvml_floor.c) in the
# same run: wall and CPU microseconds, and callgrind instructions per refresh
# (the difference between N=400 and N=200 refreshes, so start-up cancels).
# Figures go to docs/PERFORMANCE.md by hand.
set -euo pipefail
build=${1:-build}
root=$(cd "$(dirname "$0")/.." && pwd)
scen=$root/tests/integration/scenarios
export VRAMTOP_NVML_LIB=$root/$build/tests/fake_nvml/libnvidia-ml.so.1
export VRAMTOP_FAKE_NVML_TIME_SCALE=0
floor_src=$root/../shared/tools/nvml_floor.c
floor=""
if [ -f "$floor_src" ]; then
  floor=$(mktemp)
  cc -O2 -o "$floor" "$floor_src" -ldl
fi
pids=()
for i in $(seq 10); do sleep 600 & pids+=($!); export "PID$i=$!"; done
trap 'kill "${pids[@]}" 2>/dev/null; rm -f "$floor"' EXIT
instr() { # instructions of "$@" as callgrind counts them
  valgrind --tool=callgrind --callgrind-out-file=/dev/null "$@" 2>&1 >/dev/null |
    sed -n 's/.*Collected : \([0-9]*\).*/\1/p'
}
for sc in one_gpu_10 many_8x64; do
  export VRAMTOP_FAKE_NVML_SCENARIO=$scen/$sc.json
  echo "== $sc"
  "$root/$build/bench/bench_refresh" 2000
  [ -n "$floor" ] && LD_LIBRARY_PATH=$(dirname "$VRAMTOP_NVML_LIB") "$floor" 2000
  a=$(instr "$root/$build/bench/bench_refresh" 200); b=$(instr "$root/$build/bench/bench_refresh" 400)
  vt=$(( (b - a) / 200 ))
  echo "callgrind instructions per refresh, vramtop source: $vt"
  if [ -n "$floor" ]; then
    a=$(LD_LIBRARY_PATH=$(dirname "$VRAMTOP_NVML_LIB") instr "$floor" 200)
    b=$(LD_LIBRARY_PATH=$(dirname "$VRAMTOP_NVML_LIB") instr "$floor" 400)
    fl=$(( (b - a) / 200 ))
    echo "callgrind instructions per refresh, bare NVML calls: $fl (ratio $(python3 -c "print(round($vt/$fl,1))"))"
  fi
done
