#!/usr/bin/env bash
# Shared set-up for the remotes benchmarks (sourced): publishes git-ml (Release, ReadyToRun, as the data benchmarks
# do) into .tools/bench-git-ml, makes a work folder, starts moto_server on a free loopback port with a bucket
# 'bench', and removes both on exit. Sets: root, GM, work, endpoint, moto_pid; defines s3, track_data_with_s3_remote,
# reset, t, median, ratio.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
for tool in aws moto_server curl bc python3; do
  command -v "$tool" >/dev/null || { echo "missing $tool" >&2; exit 1; }
done

echo "== publishing git-ml (Release, ReadyToRun)"
dotnet publish "$root/src/GitMl.Cli" -c Release -r linux-x64 --self-contained false -p:PublishReadyToRun=true \
  -o "$root/.tools/bench-git-ml" --nologo -v quiet >/dev/null
GM="$root/.tools/bench-git-ml/git-ml"
echo "(load average before: $(cut -d" " -f1-3 /proc/loadavg); $(nproc) cores)"

work="$(mktemp -d -t gitml-bench-remotes-XXXXXX)"
port="$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')"
moto_server -H 127.0.0.1 -p "$port" >"$work/moto.log" 2>&1 &
moto_pid=$!
cleanup() { kill "$moto_pid" 2>/dev/null || true; chmod -R u+w "$work" 2>/dev/null; rm -rf "$work"; }
trap cleanup EXIT
endpoint="http://127.0.0.1:$port"
for _ in $(seq 1 100); do curl -sf -o /dev/null "$endpoint/moto-api/" && break; sleep 0.1; done
export AWS_ACCESS_KEY_ID=testing AWS_SECRET_ACCESS_KEY=testing AWS_DEFAULT_REGION=us-east-1
s3() { aws --endpoint-url "$endpoint" s3 "$@"; }
s3 mb s3://bench >/dev/null

# track_data_with_s3_remote: makes the current folder a Git repository whose default GitMl remote is
# s3://bench/gitml on this moto, and tracks its data/ folder.
track_data_with_s3_remote() {
  git init -q -b main . && git config user.name bench && git config user.email bench@example.invalid
  "$GM" init >/dev/null
  "$GM" remote add -d storage s3://bench/gitml >/dev/null
  "$GM" remote modify storage endpointurl "$endpoint" >/dev/null
  "$GM" add data >/dev/null
}
# reset: an empty moto with an empty bucket 'bench' (moto's cost per request depends on what it holds).
reset() { curl -sf -X POST "$endpoint/moto-api/reset" >/dev/null; s3 mb s3://bench >/dev/null; }
# t CMD...: wall seconds of one run, output discarded.
t() { local s e; s=$(date +%s.%N); "$@" >/dev/null; e=$(date +%s.%N); echo "$e - $s" | bc -l; }
median() { printf '%s\n' "$@" | sort -n | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
ratio() { echo "scale=2; $1 / $2" | bc -l; }
