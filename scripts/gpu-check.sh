#!/usr/bin/env bash
# gpu-check.sh [VRAMTOP]: on a machine with an NVIDIA GPU, PyTorch and
# nvidia-smi, start processes holding known amounts of memory (one per GPU,
# and one across two GPUs where there are two), then check that
# `vramtop --once --json` agrees with nvidia-smi: the same PIDs on the same
# GPUs with the same MiB, GPU totals, and starttime equal to /proc/PID/stat
# field 22. Prints one PASS/FAIL line per check; exit 0 only if all pass,
# 77 when there is no GPU to check.
set -u
vt=${1:-build/vramtop}
command -v nvidia-smi >/dev/null || { echo "SKIP: no nvidia-smi"; exit 77; }
ngpu=$(nvidia-smi -L | grep -c '^GPU')
[ "$ngpu" -ge 1 ] || { echo "SKIP: no GPU"; exit 77; }
# GPU_CHECK_SINGLE=1: one process on GPU 0 only, even where there are more GPUs
[ "${GPU_CHECK_SINGLE:-0}" = 1 ] && ngpu=1
py=${PYTHON:-python3}
work=$(mktemp -d)
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null; done; wait 2>/dev/null; rm -rf "$work"; }
trap cleanup EXIT

hold() { # hold GIB on each of the CUDA devices listed (comma-separated)
	local gib=$1 devs=$2 tag=$3
	CUDA_DEVICE_ORDER=PCI_BUS_ID "$py" -c "
import sys, time, torch
bufs = [torch.empty(int($gib * 2**30), dtype=torch.uint8, device=f'cuda:{d}') for d in [$devs]]
torch.cuda.synchronize(); open('$work/$tag', 'w').write('ready'); time.sleep(600)" &
	pids+=($!)
}
hold 3 0 a
[ "$ngpu" -ge 2 ] && { hold 5 1 b; hold 2 0,1 c; }
for _ in $(seq 120); do
	n=$(ls "$work" | wc -l)
	[ "$n" -eq $([ "$ngpu" -ge 2 ] && echo 3 || echo 1) ] && break
	sleep 0.5
done
sleep 1
"$vt" --once --json >"$work/vt.json" 2>"$work/vt.err"; rc=$?
nvidia-smi --query-compute-apps=gpu_bus_id,pid,used_memory --format=csv,noheader,nounits >"$work/smi_apps.csv"
nvidia-smi --query-gpu=index,pci.bus_id,memory.total,memory.used --format=csv,noheader,nounits >"$work/smi_gpus.csv"
echo "vramtop --once --json exit $rc; $(wc -c <"$work/vt.json") bytes; held by this check: ${pids[*]}"
cat "$work/vt.err"
"$py" - "$work" "${pids[@]}" <<'PY'
import json, sys, os
work, ours = sys.argv[1], {int(p) for p in sys.argv[2:]}
ok = True
def check(name, cond, detail=""):
    global ok
    ok &= bool(cond)
    print(("PASS " if cond else "FAIL ") + name + (": " + detail if detail else ""))
vt = json.load(open(f"{work}/vt.json"))
gpus = {}
for line in open(f"{work}/smi_gpus.csv"):
    i, bus, total, used = [x.strip() for x in line.split(",")]
    gpus[bus.lower()[-12:]] = (int(i), int(total), int(used))
smi = {}
for line in open(f"{work}/smi_apps.csv"):
    if not line.strip(): continue
    bus, pid, used = [x.strip() for x in line.split(",")]
    smi[(gpus[bus.lower()[-12:]][0], int(pid))] = int(used)
mine = {}
for g in vt["gpus"]:
    check(f"gpu {g['index']} state ok", g["state"] == "ok", str(g.get("error")))
    tot = [t for (i, t, u) in gpus.values() if i == g["index"]]
    check(f"gpu {g['index']} total MiB", tot and g["memory"]["total"] >> 20 == tot[0],
          f"vramtop {g['memory']['total'] >> 20} nvidia-smi {tot}")
    for p in g["processes"]:
        mine[(g["index"], p["pid"])] = p
check("same (gpu, pid) set as nvidia-smi", set(mine) == set(smi),
      f"vramtop {sorted(mine)} nvidia-smi {sorted(smi)}")
for k in sorted(set(mine) & set(smi)):
    p = mine[k]
    check(f"gpu {k[0]} pid {k[1]} MiB", p["used"] is not None and p["used"] >> 20 == smi[k],
          f"vramtop {None if p['used'] is None else p['used'] >> 20} nvidia-smi {smi[k]}")
    try:
        st = int(open(f"/proc/{k[1]}/stat").read().rsplit(")", 1)[1].split()[19])
        check(f"pid {k[1]} starttime", p["starttime"] == st, f"vramtop {p['starttime']} /proc {st}")
    except OSError as e:
        print(f"NOTE pid {k[1]} not in our /proc ({e.strerror}): NVML reports PIDs of another namespace")
    if k[1] in ours:
        check(f"pid {k[1]} name and user (our own process)", p["name"] and p["user"], f"{p['name']} / {p['user']}")
seen = {pid for (_, pid) in mine}
check("every process this check started is listed", ours <= seen, f"missing {sorted(ours - seen)}")
print("ALL PASS" if ok else "SOME FAILED")
sys.exit(0 if ok else 1)
PY
