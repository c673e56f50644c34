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


echo
echo "== pipelines: the C# example (examples/pipeline): prepare -> train -> model.onnx"
# Build the two stage tools once; stages run the DLLs, so repro never rebuilds them.
dotnet build "$root/examples/pipeline/Prepare" -c Release -o .tools/prepare --nologo -v quiet >/dev/null
dotnet build "$root/examples/pipeline/Train" -c Release -o .tools/train --nologo -v quiet >/dev/null
cp "$root/examples/pipeline/gitml.yaml" "$root/examples/pipeline/params.yaml" .
git ml add .tools/prepare .tools/train >/dev/null
git ml repro
git add -A && git commit -q -m "baseline: lr 0.5"

echo
echo "== change a param: only 'train' re-runs"
sed -i 's/lr: 0.5/lr: 0.05/' params.yaml
git ml repro --dry-run
git ml repro
git add -A && git commit -q -m "try lr 0.05"

echo
echo "== revert it: the run cache restores the old model without running train"
sed -i 's/lr: 0.05/lr: 0.5/' params.yaml
git ml repro
git add -A && git commit -q -m "back to lr 0.5"

echo
echo "== compare the runs (one row per commit)"
git ml exp show --only-changed

echo
echo "== re-create the first run from its commit and check it reproduces"
git ml restore --rev HEAD~2 --to "$work-run1"
trap 'chmod -R u+w "$work" "$work-run1" 2>/dev/null; rm -rf "$work" "$work-run1"' EXIT
git ml repro --rev HEAD~2 --verify
