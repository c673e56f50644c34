#!/usr/bin/env bash
# Remotes benchmark: git ml push/pull vs 'aws s3 cp --recursive' against the same moto_server, same data, same run.
# Data: 1,000 x 1 MiB files + one 256 MiB file (override with FILES=, FILE_MIB=, BIG_MIB=), tracked with 'git ml add'.
# Prints seconds, MiB/s and the ratio (aws time / git ml time: > 1 means git ml is faster), the requests each tool
# sent (from moto's log), and a push when everything is present. Fetch and pull each start from an empty cache and
# workspace; pull is one 'git ml pull' (fetch + checkout in one process), as a user runs it.
#
# Fairness (moto's cost per request grows with what it already holds, and its first requests are slow):
# - moto is warmed up first (a throwaway upload by each tool), so no tool pays its start-up;
# - every timed push starts from an empty server (POST /moto-api/reset), so no tool pushes into a fuller store;
# - ROUNDS rounds (default 3) alternate which tool goes first; medians are reported, every run is printed.
# The curl row is the same upload by curl (C, --parallel 16, SigV4-signed like both tools, ~0.4 s of client CPU): the
# least client work any tool can do. "moto CPU during push" is moto's own CPU time around each push (from /proc): when
# a tool's wall time is about moto's CPU time, moto (one Python process, one core under its GIL) is what bounds it.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
FILES="${FILES:-1000}"; FILE_MIB="${FILE_MIB:-1}"; BIG_MIB="${BIG_MIB:-256}"; JOBS="${JOBS:-}"; ROUNDS="${ROUNDS:-3}"

source "$here/remotes-lib.sh"

echo "== generating data: $FILES x $FILE_MIB MiB + 1 x $BIG_MIB MiB"
repo="$work/repo"; mkdir -p "$repo/data/files"
for i in $(seq -w 1 "$FILES"); do head -c $((FILE_MIB << 20)) /dev/urandom >"$repo/data/files/f$i.bin"; done
head -c $((BIG_MIB << 20)) /dev/urandom >"$repo/data/big.bin"
total_mib=$((FILES * FILE_MIB + BIG_MIB))

cd "$repo" && track_data_with_s3_remote
# Flush what generating and adding 2.5 GB left dirty, so that writeback does not run during the first timed step only.
sync
jobs_arg=(); [ -n "$JOBS" ] && jobs_arg=(-j "$JOBS")

# Requests moto_server logged so far (one line per request): the difference around a step is its request count.
reqs() { grep -c '" [0-9][0-9][0-9] ' "$work/moto.log" || true; }
rate() { echo "scale=1; $total_mib / $1" | bc -l; }
# moto's own CPU seconds so far (user + system, from /proc): the difference around a push is the server work it caused.
moto_cpu() { awk -v hz="$(getconf CLK_TCK)" '{ print ($14 + $15) / hz }' "/proc/$moto_pid/stat"; }
# CPU seconds the hypervisor gave to other guests (steal, all cores): a noisy-neighbour figure for the run.
steal() { awk -v hz="$(getconf CLK_TCK)" '/^cpu / { print $9 / hz }' /proc/stat; }

# curl's upload list: every file of data/ under s3://bench/curl/, 16 transfers at a time, SigV4-signed.
curl_cfg="$work/curl.cfg"
(cd "$repo/data" && find . -type f | sort | while read -r f; do
  printf 'upload-file = "%s"\nurl = "%s/bench/curl/%s"\noutput = "/dev/null"\n' "$repo/data/${f#./}" "$endpoint" "${f#./}"
done) >"$curl_cfg"
curl_push() { curl -sS --no-progress-meter --fail --parallel --parallel-max 16 --aws-sigv4 "aws:amz:us-east-1:s3" --user testing:testing -K "$curl_cfg"; }
gm_push_once() { "$GM" push "${jobs_arg[@]}"; }
aws_push_once() { aws --endpoint-url "$endpoint" s3 cp --recursive --quiet "$repo/data" s3://bench/aws/; }

echo "== warming moto up (one untimed upload by each tool)"
gm_push_once >/dev/null; aws_push_once >/dev/null; curl_push >/dev/null

echo "== push: $ROUNDS rounds, each from an empty server, alternating the order"
steal0=$(steal); push_t0=$(date +%s.%N)
gm_runs=(); aws_runs=(); curl_runs=(); gm_moto=(); aws_moto=(); curl_moto=()
for round in $(seq 1 "$ROUNDS"); do
  if (( round % 2 )); then order="gm aws curl"; else order="curl aws gm"; fi
  for tool in $order; do
    reset
    m0=$(moto_cpu)
    case $tool in
      gm) r0=$(reqs); x=$(t gm_push_once); gm_push_reqs=$(($(reqs) - r0)); gm_runs+=("$x") ;;
      aws) r0=$(reqs); x=$(t aws_push_once); aws_push_reqs=$(($(reqs) - r0)); aws_runs+=("$x") ;;
      curl) x=$(t curl_push); curl_runs+=("$x") ;;
    esac
    m=$(echo "$(moto_cpu) - $m0" | bc -l)
    case $tool in gm) gm_moto+=("$m") ;; aws) aws_moto+=("$m") ;; curl) curl_moto+=("$m") ;; esac
  done
  printf '   round %s (%s): git ml %.2fs  aws %.2fs  curl %.2fs\n' "$round" "$order" "${gm_runs[-1]}" "${aws_runs[-1]}" "${curl_runs[-1]}"
done
push_steal=$(echo "$(steal) - $steal0" | bc -l); push_span=$(echo "$(date +%s.%N) - $push_t0" | bc -l)
gm_push=$(median "${gm_runs[@]}"); aws_push=$(median "${aws_runs[@]}"); curl_push_s=$(median "${curl_runs[@]}")
gm_moto_s=$(median "${gm_moto[@]}"); aws_moto_s=$(median "${aws_moto[@]}"); curl_moto_s=$(median "${curl_moto[@]}")

echo "== push when everything is present"
reset; gm_push_once >/dev/null; aws_push_once >/dev/null
gm_noop=$(t gm_push_once)

echo "== fetch, then pull, each into an empty cache and workspace: $ROUNDS rounds"
wipe() { chmod -R u+w .gitml/cache && rm -rf .gitml/cache data/files data/big.bin; }
fetch_runs=(); pull_runs=(); dl_runs=()
for round in $(seq 1 "$ROUNDS"); do
  wipe; r0=$(reqs); fetch_runs+=("$(t "$GM" fetch "${jobs_arg[@]}")"); gm_fetch_reqs=$(($(reqs) - r0))
  wipe; pull_runs+=("$(t "$GM" pull "${jobs_arg[@]}")")
  rm -rf "$work/aws-dl"; r0=$(reqs)
  dl_runs+=("$(t aws --endpoint-url "$endpoint" s3 cp --recursive --quiet s3://bench/aws/ "$work/aws-dl")"); aws_pull_reqs=$(($(reqs) - r0))
  printf '   round %s: fetch %.2fs  pull %.2fs  aws download %.2fs\n' "$round" "${fetch_runs[-1]}" "${pull_runs[-1]}" "${dl_runs[-1]}"
done
gm_fetch=$(median "${fetch_runs[@]}"); gm_pull=$(median "${pull_runs[@]}"); aws_pull=$(median "${dl_runs[@]}")
gm_checkout=$(echo "$gm_pull - $gm_fetch" | bc -l)
cmp -s "$repo/data/big.bin" "$work/aws-dl/big.bin" || { echo "pulled bytes differ (big.bin)" >&2; exit 1; }
first="$(ls "$repo/data/files" 2>/dev/null | head -n 1 || true)"
[ -z "$first" ] || cmp -s "$repo/data/files/$first" "$work/aws-dl/files/$first" || { echo "pulled bytes differ ($first)" >&2; exit 1; }

printf '\n%-34s %10s %10s %10s\n' "($total_mib MiB, $((FILES + 1)) files; medians)" "git ml" "aws s3 cp" "ratio"
printf '%-34s %9.2fs %9.2fs %9.2fx\n' "push (s)" "$gm_push" "$aws_push" "$(ratio "$aws_push" "$gm_push")"
printf '%-34s %9s %9s\n' "push (MiB/s)" "$(rate "$gm_push")" "$(rate "$aws_push")"
printf '%-34s %9.2fs %9.2fs %9.2fx\n' "curl --parallel 16 push (s)" "$curl_push_s" "$aws_push" "$(ratio "$aws_push" "$curl_push_s")"
printf '%-34s %9.2fx %10s\n' "git ml push vs curl" "$(ratio "$curl_push_s" "$gm_push")" "(1.00x = as fast as curl)"
printf '%-34s %9.2fs %9.2fs %10s\n' "moto CPU during push (s)" "$gm_moto_s" "$aws_moto_s" "curl $(printf %.2f "$curl_moto_s")s"
printf '%-34s %9.2fx %10s\n' "git ml push wall / moto CPU" "$(ratio "$gm_push" "$gm_moto_s")" "(~1.0x: moto-bound)"
printf '%-34s %9.1f%% %10s\n' "CPU stolen by the host (push rounds)" "$(echo "scale=3; 100 * $push_steal / ($push_span * $(nproc))" | bc -l)" "(of $(nproc) cores)"
printf '%-34s %9.2fs %9.2fs %9.2fx\n' "fetch into cache (s)" "$gm_fetch" "$aws_pull" "$(ratio "$aws_pull" "$gm_fetch")"
printf '%-34s %9.2fs %9.2fs %9.2fx\n' "pull = fetch + checkout (s)" "$gm_pull" "$aws_pull" "$(ratio "$aws_pull" "$gm_pull")"
printf '%-34s %9s %9s\n' "pull (MiB/s)" "$(rate "$gm_pull")" "$(rate "$aws_pull")"
echo "(machine: $(nproc) cores shared with other jobs; moto_server is single-process Python and bounds both tools)"
printf '%-34s %9.2fs %10s\n' "push, everything present (s)" "$gm_noop" "-"
printf '%-34s %10s %10s\n' "requests: push" "$gm_push_reqs" "$aws_push_reqs"
printf '%-34s %10s %10s\n' "requests: fetch / aws download" "$gm_fetch_reqs" "$aws_pull_reqs"
printf '%-34s %9.2fs\n' "pull minus fetch (checkout half, s)" "$gm_checkout"
