#!/usr/bin/env bash
# git ml status in a small repository (startup cost) vs git status (target <= 10x).
source "$(dirname "$0")/data-lib.sh"
repo="$BENCH/small"; new_repo "$repo"; cd "$repo"
trap 'cd /; rm -rf "$repo"' EXIT
echo "id,label" > train.csv; mkdir -p imgs; for i in 1 2 3; do echo "$i" > "imgs/$i.txt"; done
touch -d '1 minute ago' train.csv imgs/*
"$GM" add train.csv imgs >/dev/null && git add -A && git commit -qm small && "$GM" status >/dev/null
ours=$(time_cmd smallstatus "" "$GM status" 20)
theirs=$(time_cmd smallgitstatus "" "git status" 20)
report "status in a small repo (startup)" "$ours" "$theirs" "git status" 10
