#!/usr/bin/env bash
# git ml add of a 1 GiB file vs b3sum --num-threads 1 on the same file (target <= 1.2x).
source "$(dirname "$0")/data-lib.sh"
repo="$BENCH/add1g"; new_repo "$repo"; cd "$repo"
trap 'cd /; chmod -R u+w "$repo" 2>/dev/null; rm -rf "$repo"' EXIT
head -c $((1 << 30)) /dev/urandom > big.bin
reset="rm -rf $repo/.gitml/cache/b3 $repo/.gitml/tmp/state $repo/big.bin.gitml $repo/.gitignore"
ours=$(time_cmd add1g "$reset" "$GM add big.bin" 5)
peer=$(time_cmd b3sum1g "" "b3sum --num-threads 1 big.bin" 5)
report "add 1 GiB file (hash + copy into cache)" "$ours" "$peer" "b3sum --num-threads 1" 1.2
# Hash-only cost, for reference: status of a never-seen file reads and hashes it without writing.
ours_hash=$(time_cmd status1g "rm -f $repo/.gitml/tmp/state" "$GM status" 5)
report "status 1 GiB file, cold state (hash only)" "$ours_hash" "$peer" "b3sum --num-threads 1" 1.2
