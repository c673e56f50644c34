#!/usr/bin/env bash
# gc and fsck benchmark: each side by side with the least a peer tool does for the same job, in the same run.
# - fsck (cache): `git ml fsck` re-hashes every cached object vs `b3sum` over the same files (all threads).
# - fsck --cloud: `git ml fsck --cloud` downloads and re-hashes every remote object vs `aws s3 cp --recursive` of
#   the same bytes into a folder followed by `b3sum` over it (the AWS CLI cannot verify BLAKE3 names itself).
# - gc --cloud: `git ml gc --cloud -w --keep-recent 0` removing every object vs `aws s3 rm --recursive` of the same
#   number of objects (moto_server on a free loopback port; reset before every timed step).
# - gc (cache): `git ml gc` removing every cached object vs `find -delete` on a copy of the same files.
# Data: FILES (default 1000) x FILE_KIB (default 256) KiB random files. ROUNDS (default 3) rounds; medians.
# Ratio = peer time / git ml time (above 1: git ml is faster). Needs: b3sum, aws, moto_server (not part of the tests).
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
FILES="${FILES:-1000}"; FILE_KIB="${FILE_KIB:-256}"; ROUNDS="${ROUNDS:-3}"
command -v b3sum >/dev/null || { echo "missing b3sum (apt-get install -y b3sum)" >&2; exit 1; }
source "$here/remotes-lib.sh"

echo "== generating data: $FILES x $FILE_KIB KiB"
repo="$work/repo"; mkdir -p "$repo/data"
for i in $(seq -w 1 "$FILES"); do head -c $((FILE_KIB << 10)) /dev/urandom >"$repo/data/f$i.bin"; done
cd "$repo" && track_data_with_s3_remote
cp data.gitml "$work/data.gitml"
sync

b3_all() { find "$1" -type f -print0 | xargs -0 b3sum >/dev/null; }
aws_verify() { rm -rf "$work/dl"; s3 cp --recursive --quiet s3://bench/aws/ "$work/dl"; b3_all "$work/dl"; }
gm_gc_cloud() { "$GM" gc --cloud -w --keep-recent 0; }
aws_rm() { s3 rm --recursive --quiet s3://bench/aws/; }
gm_gc_cache() { "$GM" gc; }
find_delete() { find "$work/cache-copy" -type f -delete; }

fsck_gm=(); fsck_b3=(); cfsck_gm=(); cfsck_aws=(); gc_gm=(); gc_aws=(); lgc_gm=(); lgc_find=()
for round in $(seq 1 "$ROUNDS"); do
  # Both remotes hold the same objects: git ml's under gitml/, the AWS CLI's copy of the files under aws/.
  reset; cp "$work/data.gitml" data.gitml
  "$GM" push >/dev/null; s3 cp --recursive --quiet data s3://bench/aws/
  fsck_gm+=("$(t "$GM" fsck)"); fsck_b3+=("$(t b3_all .gitml/cache/b3)")
  cfsck_gm+=("$(t "$GM" fsck --cloud)"); cfsck_aws+=("$(t aws_verify)")

  # Nothing tracked any more: every object is garbage, locally and on the remote.
  rm -f data.gitml
  gc_gm+=("$(t gm_gc_cloud)"); gc_aws+=("$(t aws_rm)")
  rm -rf "$work/cache-copy"; cp -r .gitml/cache/b3 "$work/cache-copy"; sync
  lgc_gm+=("$(t gm_gc_cache)"); lgc_find+=("$(t find_delete)")
  left=$(find .gitml/cache/b3 -type f | wc -l)
  [ "$left" = 0 ] || { echo "gc left $left cached objects" >&2; exit 1; }
  [ -z "$(s3 ls --recursive s3://bench/gitml/b3/ || true)" ] || { echo "gc --cloud left remote objects" >&2; exit 1; }
  printf '   round %s: fsck %.2f/%.2fs  fsck --cloud %.2f/%.2fs  gc --cloud %.2f/%.2fs  gc %.2f/%.2fs (git ml/peer)\n' "$round" \
    "${fsck_gm[-1]}" "${fsck_b3[-1]}" "${cfsck_gm[-1]}" "${cfsck_aws[-1]}" "${gc_gm[-1]}" "${gc_aws[-1]}" "${lgc_gm[-1]}" "${lgc_find[-1]}"
  # The next round starts from the same cache: add the files again (git ml add re-caches them).
  "$GM" add data >/dev/null
done

row() { printf '%-40s %9.2fs %9.2fs %9.2fx  %s\n' "$1" "$2" "$3" "$(ratio "$3" "$2")" "$4"; }
printf '\n%-40s %10s %10s %10s\n' "($FILES x $FILE_KIB KiB; medians of $ROUNDS)" "git ml" "peer" "ratio"
row "fsck: re-hash the cache" "$(median "${fsck_gm[@]}")" "$(median "${fsck_b3[@]}")" "b3sum over the same files"
row "fsck --cloud: download + re-hash" "$(median "${cfsck_gm[@]}")" "$(median "${cfsck_aws[@]}")" "aws s3 cp --recursive + b3sum"
row "gc --cloud: remove every object" "$(median "${gc_gm[@]}")" "$(median "${gc_aws[@]}")" "aws s3 rm --recursive"
row "gc: remove every cached object" "$(median "${lgc_gm[@]}")" "$(median "${lgc_find[@]}")" "find -delete"
echo "(moto_server is single-process Python; both remote rows are bound by it)"
