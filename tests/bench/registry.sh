#!/usr/bin/env bash
# Registry read speed: `git ml model list` (and `model show`) on a repository with 1,500 GTO-format registry tags
# (50 models x 10 versions x register + 2 stage assignments), side by side with `git for-each-ref` reading the same
# tags' names, dates and targets (the floor any tag-based registry pays). GTO itself needs PyPI, which this machine
# cannot reach; GTO's own reported figure at this size is 6-12 s. Needs: hyperfine (apt-get install -y hyperfine).
# Usage: tests/bench/registry.sh   (not part of the test run)
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
dotnet build -c Release "$ROOT/src/GitMl.Cli" -o "$WORK/cli" -v q -nologo >/dev/null
GITML="$WORK/cli/git-ml"

mkdir "$WORK/repo" && cd "$WORK/repo"
git init -q -b main && git config user.name bench && git config user.email bench@example.invalid
"$GITML" init >/dev/null
printf 'registry:\n  stages: [staging, prod]\n' > gitml.yaml
for v in $(seq 1 10); do echo "$v" > weights.txt; git add -A; git commit -qm "train $v"; done
mapfile -t COMMITS < <(git rev-list --reverse HEAD)
# Tags as GTO writes them (annotated, GTO's messages), created with git itself in one batch per model.
for m in $(seq 1 50); do
  n=0
  for v in $(seq 1 10); do
    c=${COMMITS[$((v-1))]}
    git tag -a "model-$m@v1.$v.0" -m "Registering artifact model-$m version v1.$v.0" "$c"
    n=$((n+1)); git tag -a "model-$m#staging#$n" -m "Assigning stage staging to artifact model-$m version v1.$v.0" "$c"
    n=$((n+1)); git tag -a "model-$m#prod#$n" -m "Assigning stage prod to artifact model-$m version v1.$v.0" "$c"
  done
done
echo "tags: $(git tag | wc -l)"
hyperfine -N --warmup 2 --runs 15 --export-json "$WORK/h.json" \
  "$GITML model list --json" \
  "$GITML model show model-7 --json" \
  "git for-each-ref refs/tags --format=%(refname:short)%09%(taggerdate:unix)%09%(*objectname)" >/dev/null
python3 - "$WORK/h.json" <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))["results"]
list_, show, git = (x["median"] for x in r)
print(f"{'run':<52} {'median s':>9}")
print(f"{'git ml model list --json (1,500 tags)':<52} {list_:>9.3f}")
print(f"{'git ml model show model-7 --json':<52} {show:>9.3f}")
print(f"{'git for-each-ref over the same tags':<52} {git:>9.3f}")
print(f"ratio model list / for-each-ref: {list_/git:.2f}   target <= 0.3 s; GTO reports 6-12 s (x{6/list_:.0f}-x{12/list_:.0f})")
PY
