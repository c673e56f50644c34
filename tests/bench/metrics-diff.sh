#!/usr/bin/env bash
# Benchmark: reading metrics across 100 commits and diffing two of them, git ml vs plain git.
# Peer: DVC is not installed here (no PyPI), so the peer is what a script would otherwise do with Git itself:
# 'git show REV:metrics.json' per commit (raw bytes, no parsing, one process per commit) and 'git diff' of the files
# (text only, no flattening, no verdicts). It is the floor any Git-based tool (DVC included) builds on.
# CPU time (user+sys) is printed beside wall time because shared machines make wall time noisy.
# Needs hyperfine (apt-get install -y hyperfine) and python3. Usage: tests/bench/metrics-diff.sh [COMMITS]
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
commits="${1:-100}"
tools="$(mktemp -d -t gitml-bench-tools-XXXXXX)"
work="$(mktemp -d -t gitml-bench-metrics-XXXXXX)"
trap 'rm -rf "$work" "$tools"' EXIT
dotnet build "$root/src/GitMl.Cli" -c Release -o "$tools" --nologo -v quiet >/dev/null
export PATH="$tools:$PATH"

cd "$work"
git init -q -b main .
git config user.name bench && git config user.email bench@example.invalid
git ml init >/dev/null
cat > gitml.yaml <<'YAML'
stages:
  train:
    cmd: python train.py
    params: [train]
    metrics: [metrics.json, eval.yaml]
metrics:
  val.accuracy: {better: higher, tolerance: 0.005}
  val.loss: {better: lower, relative_tolerance: 0.02}
YAML
for i in $(seq 1 "$commits"); do
  python3 - "$i" <<'PY'
import json, sys
i = int(sys.argv[1])
m = {"val": {"accuracy": 0.8 + i / 1000, "loss": 0.5 - i / 1000, "f1": {f"class_{c}": (i * c % 97) / 97 for c in range(10)}},
     "train": {"loss": 0.4 - i / 2000, "time_s": 1000 + i}, "epochs": i % 7}
open("metrics.json", "w").write(json.dumps(m))
open("eval.yaml", "w").write("".join(f"auc_{k}: {0.7 + (i * k % 13) / 100}\n" for k in range(10)))
open("params.yaml", "w").write(f"train:\n  lr: {0.001 * (1 + i % 5)}\n  epochs: {10 + i % 3}\n  seed: {i}\n")
PY
  git add -A && git commit -qm "run $i"
done

first="HEAD~$((commits - 1))"
json="$work/bench.json"
echo "== $commits commits: read and flatten metrics of every commit"
hyperfine -N --warmup 1 --runs 5 --export-json "$json.1" \
  "git ml metrics show -n $commits --json" \
  "sh -c 'for c in \$(git rev-list -n $commits HEAD); do git show \$c:metrics.json \$c:eval.yaml; done'" >/dev/null
echo "== diff the first and last commit (metrics with verdicts, params)"
hyperfine -N --warmup 1 --runs 10 --export-json "$json.2" \
  "git ml metrics diff $first HEAD" \
  "git diff $first HEAD -- metrics.json eval.yaml params.yaml" >/dev/null
python3 - "$json.1" "$json.2" <<'PY'
import json, sys
for f in sys.argv[1:]:
    r = json.load(open(f))["results"]
    a, b = r[0], r[1]
    cpu = lambda x: (x["user"] + x["system"]) * 1000
    print(f"  git ml: wall median {a['median']*1000:8.1f} ms, cpu {cpu(a):7.1f} ms  ({a['command']})")
    print(f"  peer  : wall median {b['median']*1000:8.1f} ms, cpu {cpu(b):7.1f} ms  ({b['command']})")
    print(f"  ratio git ml / peer: wall {a['median'] / b['median']:.2f}, cpu {cpu(a) / cpu(b):.2f}")
PY
