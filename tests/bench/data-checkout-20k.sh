#!/usr/bin/env bash
# git ml checkout of 20,000 x 100 KB files from the cache (verified) vs cp -r of the same tree (target <= 1.0x).
source "$(dirname "$0")/data-lib.sh"
repo="$BENCH/checkout20k"; new_repo "$repo"; cd "$repo"
trap 'cd /; chmod -R u+w "$repo" 2>/dev/null; rm -rf "$repo" "$BENCH/cp-src" "$BENCH/cp-dst"' EXIT
make_files "$repo/data" 20000 102400
"$GM" add data >/dev/null
cp -a data "$BENCH/cp-src"
for type in copy hardlink; do
  printf '[cache]\n\ttype = %s\n' "$type" > .gitml/config
  ours=$(time_cmd "checkout20k-$type" "rm -rf $repo/data" "$GM checkout data" 3 0)
  peer=$(time_cmd cp20k "rm -rf $BENCH/cp-dst" "cp -r $BENCH/cp-src $BENCH/cp-dst" 3 0)
  report "checkout 20,000 x 100 KB (cache.type=$type)" "$ours" "$peer" "cp -r" 1.0
done
