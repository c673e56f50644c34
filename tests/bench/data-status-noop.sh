#!/usr/bin/env bash
# No-op git ml status on 20,000 and 100,000 tracked files vs git status on the same tree (target <= 1.0x).
source "$(dirname "$0")/data-lib.sh"
for n in 20000 100000; do
  repo="$BENCH/status$n"; new_repo "$repo"; cd "$repo"
  make_files "$repo/data" "$n" 1024
  touch -d '1 minute ago' -- $(find data -type d) 2>/dev/null || true
  find data -type f -exec touch -d '1 minute ago' {} +
  "$GM" add data >/dev/null
  "$GM" status >/dev/null   # the first status records stat info for files added within the racy window
  # The peer: the same files committed to Git in a second repository.
  peer="$BENCH/gitstatus$n"; rm -rf "$peer"; mkdir -p "$peer"; cp -a "$repo/data" "$peer/data"
  (cd "$peer" && git init -q -b main . && git add data && git commit -qm data && git status >/dev/null)
  ours=$(time_cmd "gmstatus$n" "" "$GM status" 10)
  theirs=$(cd "$peer" && time_cmd "gitstatus$n" "" "git status" 10)
  report "no-op status, $n tracked files" "$ours" "$theirs" "git status" 1.0
  cd /; chmod -R u+w "$repo" 2>/dev/null; rm -rf "$repo" "$peer"
done
