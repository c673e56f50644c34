#!/usr/bin/env bash
# Quick start: build git-ml, then version a file and a directory in a throwaway repository and travel back in time.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"

echo "== building git-ml"
dotnet publish "$root/src/GitMl.Cli" -c Release -o "$root/.tools/git-ml" --nologo -v quiet >/dev/null
export PATH="$root/.tools/git-ml:$PATH"

work="$(mktemp -d -t gitml-quickstart-XXXXXX)"
trap 'chmod -R u+w "$work" 2>/dev/null; rm -rf "$work"' EXIT
cd "$work"
git init -q -b main .
git config user.name "Quick Start"
git config user.email "quickstart@example.invalid"

# Hash every file under the data so we can prove the bytes come back (sha256sum is everywhere; b3sum may not be).
fingerprint() { find data -type f ! -name '*.gitml' ! -name .gitignore -print0 | sort -z | xargs -0 sha256sum; }

echo "== git ml init"
git ml init
git ml --version

echo "== version 1: a CSV file and a folder of images"
mkdir -p data/images/cats data/images/dogs
printf 'id,label\n1,cat\n2,dog\n' > data/train.csv
head -c 200000 /dev/urandom > data/images/cats/1.png
head -c 150000 /dev/urandom > data/images/dogs/1.png
git ml add data/train.csv data/images
git add .gitml data/.gitignore data/train.csv.gitml data/images.gitml
git commit -qm "data v1"
cat data/images.gitml
fingerprint > "$work/v1.sha256"

echo "== version 2: change the CSV, add and replace images"
printf '3,bird\n' >> data/train.csv
head -c 120000 /dev/urandom > data/images/cats/2.png
head -c 150000 /dev/urandom > data/images/dogs/1.png
git ml status
git ml add data/train.csv data/images
git add data/train.csv.gitml data/images.gitml
git commit -qm "data v2"
git ml status
echo "-- git ml diff HEAD~1 HEAD: what changed in the data between the two commits"
git ml diff HEAD~1 HEAD

echo "== back to version 1: git ml checkout HEAD~1"
git ml checkout HEAD~1
fingerprint > "$work/now.sha256"
if diff -u "$work/v1.sha256" "$work/now.sha256"; then
  echo "OK: every byte of version 1 came back (sha256 of each file matches)"
else
  echo "FAILED: the workspace does not match version 1" >&2
  exit 1
fi

echo "== and forward again to the pointers at HEAD"
git ml checkout
git ml status

echo "== a directory remote: the quick start's default remote, no server needed"
remote_dir="$(mktemp -d -t gitml-quickstart-remote-XXXXXX)"
trap 'chmod -R u+w "$work" "$work-teammate" "$remote_dir" 2>/dev/null; rm -rf "$work" "$work-teammate" "$remote_dir"' EXIT
git ml remote add -d storage "$remote_dir"
git ml remote list
git ml push
git ml status --cloud
git ml fsck
git add .gitml/config && git commit -qm "remote: storage"

echo "== a teammate: git clone, then git ml pull gets the same bytes"
git clone -q "$work" "$work-teammate"
(
  cd "$work-teammate"
  git ml pull
  fingerprint > "$work/teammate.sha256"
)
(cd "$work" && fingerprint > "$work/head.sha256")
if diff -u "$work/head.sha256" "$work/teammate.sha256"; then
  echo "OK: the clone's data matches byte for byte"
else
  echo "FAILED: the clone's data differs" >&2
  exit 1
fi

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

echo
echo "== pipelines: the C# example (examples/pipeline): prepare -> train -> model.onnx"
git add -A && git commit -q -m "run 2: lr 0.03"
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
git ml exp show -n 3 --only-changed

echo
echo "== re-create the first run from its commit and check it reproduces"
git ml restore --rev HEAD~2 --to "$work-run1"
trap 'chmod -R u+w "$work" "$work-teammate" "$remote_dir" "$work-run1" 2>/dev/null; rm -rf "$work" "$work-teammate" "$remote_dir" "$work-run1"' EXIT
git ml repro --rev HEAD~2 --verify
