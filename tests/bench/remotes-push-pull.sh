#!/usr/bin/env bash
# Remotes benchmark: git ml push/pull vs 'aws s3 cp --recursive' against the same moto_server, same data, same run.
# Data: 1,000 x 1 MiB files + one 256 MiB file (override with FILES=, FILE_MIB=, BIG_MIB=), tracked with 'git ml add'.
# Prints seconds, MiB/s and the ratio (aws time / git ml time: > 1 means git ml is faster), the requests each tool
# sent (from moto's log), and a push when everything is present. Fetch and pull each start from an empty cache and
# workspace; pull is one 'git ml pull' (fetch + checkout in one process), as a user runs it.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"
FILES="${FILES:-1000}"; FILE_MIB="${FILE_MIB:-1}"; BIG_MIB="${BIG_MIB:-256}"; JOBS="${JOBS:-}"

echo "== publishing git-ml (Release, ReadyToRun, as the data benchmarks do)"
dotnet publish "$root/src/GitMl.Cli" -c Release -r linux-x64 --self-contained false -p:PublishReadyToRun=true \
  -o "$root/.tools/bench-git-ml" --nologo -v quiet >/dev/null
GM="$root/.tools/bench-git-ml/git-ml"
echo "(load average before: $(cut -d" " -f1-3 /proc/loadavg))"

work="$(mktemp -d -t gitml-bench-remotes-XXXXXX)"
port="$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')"
moto_server -H 127.0.0.1 -p "$port" >"$work/moto.log" 2>&1 &
moto_pid=$!
cleanup() { kill "$moto_pid" 2>/dev/null || true; chmod -R u+w "$work" 2>/dev/null; rm -rf "$work"; }
trap cleanup EXIT
endpoint="http://127.0.0.1:$port"
for _ in $(seq 1 100); do curl -sf -o /dev/null "$endpoint/moto-api/" && break; sleep 0.1; done
export AWS_ACCESS_KEY_ID=testing AWS_SECRET_ACCESS_KEY=testing AWS_DEFAULT_REGION=us-east-1
aws --endpoint-url "$endpoint" s3 mb s3://bench >/dev/null

echo "== generating data: $FILES x $FILE_MIB MiB + 1 x $BIG_MIB MiB"
repo="$work/repo"; mkdir -p "$repo/data/files"
for i in $(seq -w 1 "$FILES"); do head -c $((FILE_MIB << 20)) /dev/urandom >"$repo/data/files/f$i.bin"; done
head -c $((BIG_MIB << 20)) /dev/urandom >"$repo/data/big.bin"
total_mib=$((FILES * FILE_MIB + BIG_MIB))

cd "$repo"
git init -q -b main . && git config user.name bench && git config user.email bench@example.invalid
"$GM" init >/dev/null
"$GM" remote add -d storage s3://bench/gitml >/dev/null
"$GM" remote modify storage endpointurl "$endpoint" >/dev/null
"$GM" add data >/dev/null
# Flush what generating and adding 2.5 GB left dirty, so that writeback does not run during the first timed step only.
sync
jobs_arg=(); [ -n "$JOBS" ] && jobs_arg=(-j "$JOBS")

t() { local s e; s=$(date +%s.%N); "$@" >/dev/null; e=$(date +%s.%N); echo "$e - $s" | bc -l; }
# Requests moto_server logged so far (one line per request): the difference around a step is its request count.
reqs() { grep -c '" [0-9][0-9][0-9] ' "$work/moto.log" || true; }
rate() { echo "scale=1; $total_mib / $1" | bc -l; }
ratio() { echo "scale=2; $1 / $2" | bc -l; }

echo "== push"
r0=$(reqs); gm_push=$(t "$GM" push "${jobs_arg[@]}"); r1=$(reqs)
aws_push=$(t aws --endpoint-url "$endpoint" s3 cp --recursive --quiet "$repo/data" s3://bench/aws/); r2=$(reqs)
gm_push_reqs=$((r1 - r0)); aws_push_reqs=$((r2 - r1))

echo "== push when everything is present"
gm_noop=$(t "$GM" push "${jobs_arg[@]}")

echo "== fetch, then pull, each into an empty cache and workspace"
wipe() { chmod -R u+w .gitml/cache && rm -rf .gitml/cache data/files data/big.bin; }
wipe
r0=$(reqs); gm_fetch=$(t "$GM" fetch "${jobs_arg[@]}"); r1=$(reqs)
wipe
gm_pull=$(t "$GM" pull "${jobs_arg[@]}")
gm_checkout=$(echo "$gm_pull - $gm_fetch" | bc -l)
r2=$(reqs); aws_pull=$(t aws --endpoint-url "$endpoint" s3 cp --recursive --quiet s3://bench/aws/ "$work/aws-dl"); r3=$(reqs)
gm_fetch_reqs=$((r1 - r0)); aws_pull_reqs=$((r3 - r2))
cmp -s "$repo/data/big.bin" "$work/aws-dl/big.bin" || { echo "pulled bytes differ (big.bin)" >&2; exit 1; }
first="$(ls "$repo/data/files" 2>/dev/null | head -n 1 || true)"
[ -z "$first" ] || cmp -s "$repo/data/files/$first" "$work/aws-dl/files/$first" || { echo "pulled bytes differ ($first)" >&2; exit 1; }

printf '\n%-34s %10s %10s %10s\n' "($total_mib MiB, $((FILES + 1)) files)" "git ml" "aws s3 cp" "ratio"
printf '%-34s %9.2fs %9.2fs %9.2fx\n' "push (s)" "$gm_push" "$aws_push" "$(ratio "$aws_push" "$gm_push")"
printf '%-34s %9s %9s\n' "push (MiB/s)" "$(rate "$gm_push")" "$(rate "$aws_push")"
printf '%-34s %9.2fs %9.2fs %9.2fx\n' "fetch into cache (s)" "$gm_fetch" "$aws_pull" "$(ratio "$aws_pull" "$gm_fetch")"
printf '%-34s %9.2fs %9.2fs %9.2fx\n' "pull = fetch + checkout (s)" "$gm_pull" "$aws_pull" "$(ratio "$aws_pull" "$gm_pull")"
printf '%-34s %9s %9s\n' "pull (MiB/s)" "$(rate "$gm_pull")" "$(rate "$aws_pull")"
echo "(machine: $(nproc) cores shared with other jobs; moto_server is single-process Python and bounds both tools)"
printf '%-34s %9.2fs %10s\n' "push, everything present (s)" "$gm_noop" "-"
printf '%-34s %10s %10s\n' "requests: push" "$gm_push_reqs" "$aws_push_reqs"
printf '%-34s %10s %10s\n' "requests: fetch / aws download" "$gm_fetch_reqs" "$aws_pull_reqs"
printf '%-34s %9.2fs\n' "pull minus fetch (checkout half, s)" "$gm_checkout"
