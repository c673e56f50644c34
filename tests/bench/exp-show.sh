#!/usr/bin/env bash
# exp show over 100 commits, each changing params.yaml and metrics.json; peer: `git log -p` of the same files
# (the cheapest way Git itself shows those values across history). Target: exp show <= 0.5 s.
# Usage: tests/bench/exp-show.sh [commits]   (needs hyperfine: apt-get install -y hyperfine)
set -euo pipefail
N=${1:-100}
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
dotnet build "$ROOT/src/GitMl.Cli" -c Release -v q -nologo >/dev/null
GITML="$ROOT/src/GitMl.Cli/bin/Release/net10.0/linux-x64/git-ml"
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
cd "$WORK"
git init -q -b main && git config user.email bench@gitml.invalid && git config user.name bench
"$GITML" init >/dev/null
cat > gitml.yaml <<'YAML'
stages:
  train:
    cmd: dotnet tools/train.dll
    params: [train]
    metrics: [metrics.json]
YAML
for i in $(seq 1 "$N"); do
  printf 'train:\n  lr: 0.%03d\n  epochs: %d\n  batch: 32\nprepare:\n  split: 0.2\n' "$i" $((i % 7 + 1)) > params.yaml
  printf '{"val": {"accuracy": 0.%03d, "loss": %d.5}, "train": {"loss": 0.%03d}}\n' "$i" "$i" $((1000 - i)) > metrics.json
  git add -A && git commit -qm "run $i"
done
rows=$("$GITML" exp show --csv | tail -n +2 | wc -l)
echo "exp show rows: $rows (commits: $N)"
hyperfine --warmup 2 --runs 10 --export-json "$WORK/h.json" \
  -n "git ml exp show ($N commits)" "$GITML exp show >/dev/null" \
  -n "git log -p params.yaml metrics.json" "git log -p -- params.yaml metrics.json >/dev/null" >/dev/null
python3 - "$WORK/h.json" <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))["results"]
ours, peer = r[0]["mean"], r[1]["mean"]
print(f"{r[0]['command']}: {ours*1000:.0f} ms  (target <= 500 ms: {'met' if ours <= 0.5 else 'MISSED'})")
print(f"{r[1]['command']}: {peer*1000:.0f} ms")
print(f"ratio git-ml / git-log: {ours/peer:.1f}x")
# CPU time (user + system) is what a loaded machine cannot inflate; wall time is what a user waits.
cpu = lambda x: (x["user"] + x["system"]) * 1000
print(f"cpu time: git ml exp show {cpu(r[0]):.0f} ms, git log -p {cpu(r[1]):.0f} ms")
PY
