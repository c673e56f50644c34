#!/usr/bin/env bash
# Quick start: build git-ml, then version a file and a directory in a throwaway repository.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"

echo "== building git-ml"
dotnet build "$root/src/GitMl.Cli" -c Release -o "$root/.tools/git-ml" --nologo -v quiet >/dev/null
export PATH="$root/.tools/git-ml:$PATH"

work="$(mktemp -d -t gitml-quickstart-XXXXXX)"
trap 'chmod -R u+w "$work" 2>/dev/null; rm -rf "$work"' EXIT
cd "$work"
git init -q -b main .
git config user.name "Quick Start"
git config user.email "quickstart@example.invalid"

echo "== git ml init"
git ml init
git ml --version
echo "(the data path commands arrive with issue #2)"

echo "== metrics, params and plots (issues #5, #6): two training runs logged with 'git ml log'"
cat > gitml.yaml <<'YAML'
metrics:                      # how to judge a change (verdicts, --fail-on-regression)
  acc: {better: higher, tolerance: 0.005}
  loss: {better: lower, relative_tolerance: 0.02}
YAML
train() {   # a stand-in training loop: any script can call 'git ml log'
  git ml log start
  local lr="$1" decay="$2"
  git ml log param train.lr "$lr"
  git ml log param train.epochs 8
  for epoch in 0 1 2 3 4 5 6 7; do
    git ml log metric loss "$(awk -v e="$epoch" -v d="$decay" 'BEGIN { printf "%.4f", 1.2 * exp(-d * (e + 1)) + 0.05 }')"
    git ml log metric acc "$(awk -v e="$epoch" -v d="$decay" 'BEGIN { printf "%.4f", 0.95 - 0.5 * exp(-d * (e + 1)) }')"
    git ml log step >/dev/null
  done
}
train 0.01 0.35
git add gitml.yaml gitml-log && git commit -qm "run 1: lr 0.01"
train 0.03 0.6
echo "-- git ml params diff"
git ml params diff
echo "-- git ml metrics diff --steps"
git ml metrics diff --steps
git ml report HEAD workspace -o report/report.md --images-dir report/images
git ml plots diff HEAD workspace -o plots
echo "-- report/report.md (first lines)"
head -n 4 report/report.md
ls report/images plots
if [ -n "${QUICKSTART_KEEP_IMAGES:-}" ]; then cp report/images/*.png "$QUICKSTART_KEEP_IMAGES"/; fi
