#!/usr/bin/env bash
# git ml add of 20,000 x 100 KB files vs b3sum over the same files (<= 1.5x) and vs git add of the same tree (<= 0.5x).
source "$(dirname "$0")/data-lib.sh"
repo="$BENCH/add20k"; new_repo "$repo"; cd "$repo"
trap 'cd /; chmod -R u+w "$repo" 2>/dev/null; rm -rf "$repo"' EXIT
make_files "$repo/data" 20000 102400
reset="rm -rf $repo/.gitml/cache/b3 $repo/.gitml/tmp/state $repo/data.gitml $repo/.gitignore"
ours=$(time_cmd add20k "$reset" "$GM add data" 2 0)
peer_b3=$(time_cmd b3sum20k "" "bash -c 'find data -type f -print0 | xargs -0 b3sum >/dev/null'" 3 0)
peer_git=$(time_cmd gitadd20k "rm -rf $repo/.git/index $repo/.git/objects/?? $repo/.git/objects/pack/*" "git add -f data" 2 0)
report "add 20,000 x 100 KB (hash + copy into cache)" "$ours" "$peer_b3" "b3sum (all threads)" 1.5
report "add 20,000 x 100 KB" "$ours" "$peer_git" "git add" 0.5
