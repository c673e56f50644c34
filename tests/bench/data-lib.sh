#!/usr/bin/env bash
# Shared helpers for the data-path benchmarks (sourced). Builds git-ml (Release, ReadyToRun) once into $BENCH/bin.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
BENCH="${BENCH_DIR:-/tmp/gitml-bench-data}"
mkdir -p "$BENCH"
for tool in hyperfine b3sum git python3; do
  command -v "$tool" >/dev/null || { echo "missing $tool (apt-get install -y hyperfine b3sum)" >&2; exit 1; }
done
if [[ ! -x "$BENCH/bin/git-ml" || -n "${REBUILD:-}" ]]; then
  echo "== publishing git-ml (Release, ReadyToRun) into $BENCH/bin" >&2
  dotnet publish "$root/src/GitMl.Cli" -c Release -r linux-x64 --self-contained false -p:PublishReadyToRun=true \
    -o "$BENCH/bin" --nologo -v quiet >/dev/null
fi
GM="$BENCH/bin/git-ml"
echo "(load average before: $(cut -d" " -f1-3 /proc/loadavg); 2 cores shared with other jobs)"
export GIT_AUTHOR_NAME=bench GIT_AUTHOR_EMAIL=bench@example.invalid GIT_COMMITTER_NAME=bench GIT_COMMITTER_EMAIL=bench@example.invalid

# new_repo DIR: a fresh Git repository with GitMl initialised.
new_repo() {
  rm -rf "$1"; mkdir -p "$1"
  (cd "$1" && git init -q -b main . && "$GM" init >/dev/null)
}

# make_files DIR COUNT SIZE: COUNT files of SIZE random bytes in 100 subfolders.
make_files() {
  python3 - "$1" "$2" "$3" <<'PY'
import os, sys
d, n, size = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
block = os.urandom(size + 4096)
for i in range(n):
    sub = os.path.join(d, f"{i % 100:02d}")
    os.makedirs(sub, exist_ok=True)
    with open(os.path.join(sub, f"f{i:06d}.bin"), "wb") as f:
        f.write(i.to_bytes(8, "little") + block[i % 4096:i % 4096 + size - 8])
PY
}

# mean_of JSON: "wall,cpu" mean seconds (cpu = user + system) from a hyperfine export.
mean_of() { python3 -c 'import json,sys; r=json.load(open(sys.argv[1]))["results"][0]; print(r["mean"], r["user"]+r["system"], sep=",")' "$1"; }

# report LABEL OURS PEER PEERNAME TARGET: one comparison line (OURS/PEER are "wall,cpu"); the verdict is on wall time
# (TARGET "-": no verdict, the ratio is for reference).
report() {
  python3 - "$@" <<'PY'
import sys
label, ours, peer, peer_name, target = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4], sys.argv[5]
ow, oc = map(float, ours.split(",")); pw, pc = map(float, peer.split(","))
ratio = ow / pw
# A target of "-": the ratio is for reference only (the script states an absolute target instead).
verdict = "reference only" if target == "-" else f"target <= {target}x: " + ("meets" if ratio <= float(target) else "MISSES")
print(f"{label:<42} git ml {ow*1000:8.0f} ms (cpu {oc*1000:7.0f}) | {peer_name:<20} {pw*1000:8.0f} ms (cpu {pc*1000:7.0f}) | wall {ratio:5.2f}x, cpu {oc/pc:5.2f}x ({verdict})")
PY
}

# time_cmd NAME PREPARE COMMAND [RUNS] [WARMUP]: hyperfine "wall,cpu" means in seconds.
time_cmd() {
  local name="$1" prepare="$2" cmd="$3" runs="${4:-5}" warmup="${5:-1}"
  local json="$BENCH/$name.json"
  if [[ -n "$prepare" ]]; then
    hyperfine -N --style none --warmup "$warmup" --runs "$runs" --prepare "$prepare" --export-json "$json" "$cmd" >/dev/null 2>&1 \
      || hyperfine --style none --warmup "$warmup" --runs "$runs" --prepare "$prepare" --export-json "$json" "$cmd" >/dev/null
  else
    hyperfine -N --style none --warmup "$warmup" --runs "$runs" --export-json "$json" "$cmd" >/dev/null 2>&1 \
      || hyperfine --style none --warmup "$warmup" --runs "$runs" --export-json "$json" "$cmd" >/dev/null
  fi
  mean_of "$json"
}
