#!/usr/bin/env bash
# Serving throughput and latency: `git ml serve` (Kestrel + ONNX Runtime, dynamic batching) under wrk at
# concurrency 1 and 32, side by side with in-process ONNX Runtime Run calls/s on the same tiny model, plus p99 at
# about half of the measured peak (the wrk concurrency among 2, 4, 8 whose rate is nearest to half of c=32's; wrk is
# closed-loop, so this approximates a fixed half load). Needs: wrk (apt-get install -y wrk), curl.
# Usage: tests/bench/serve.sh [seconds-per-run]   (not part of the test run)
set -euo pipefail
SECS=${1:-10}
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
WORK=$(mktemp -d)
SERVER_PID=
cleanup() { [ -n "$SERVER_PID" ] && kill "$SERVER_PID" 2>/dev/null; wait 2>/dev/null; rm -rf "$WORK"; }
trap cleanup EXIT

dotnet build -c Release "$ROOT/src/GitMl.Cli" -o "$WORK/cli" -v q -nologo >/dev/null
dotnet build -c Release "$ROOT/tests/bench/ServeBench" -o "$WORK/bench" -v q -nologo >/dev/null
GITML="$WORK/cli/git-ml"
BENCH="$WORK/bench/ServeBench"

# A repository whose HEAD holds the tiny model: x[N,3] -> y[N,2] (MatMul + Add, dynamic batch dimension).
mkdir "$WORK/repo" && cd "$WORK/repo"
git init -q -b main && git config user.name bench && git config user.email bench@example.invalid
"$GITML" init >/dev/null
"$BENCH" write-model model.onnx
git add -A && git commit -qm model

PORT=$(( 20000 + RANDOM % 20000 ))
"$GITML" serve HEAD:model.onnx --name tiny --port "$PORT" --no-access-log --max-batch-size 32 2>"$WORK/serve.err" &
SERVER_PID=$!
for _ in $(seq 1 100); do curl -sf "http://127.0.0.1:$PORT/v2/health/ready" >/dev/null && break; sleep 0.1; done
URL="http://127.0.0.1:$PORT/v2/models/tiny/infer"
cat > "$WORK/post.lua" <<'LUA'
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.body = '{"inputs":[{"name":"x","shape":[1,3],"datatype":"FP32","data":[1,2,3]}]}'
LUA
curl -sf -X POST -H 'Content-Type: application/json' --data '{"inputs":[{"name":"x","shape":[1,3],"datatype":"FP32","data":[1,2,3]}]}' "$URL" >/dev/null

wrk_run() { # threads connections -> "rps p99_ms"
  wrk -t"$1" -c"$2" -d"${SECS}s" --latency -s "$WORK/post.lua" "$URL" > "$WORK/wrk.out"
  local rps p99
  rps=$(awk '/Requests\/sec/ {print $2}' "$WORK/wrk.out")
  p99=$(awk '$1=="99%" {v=$2; if (v ~ /us$/) {sub(/us/,"",v); v=v/1000} else if (v ~ /ms$/) {sub(/ms/,"",v)} else if (v ~ /s$/) {sub(/s/,"",v); v=v*1000}; print v}' "$WORK/wrk.out")
  echo "$rps $p99"
}
wrk_run 1 1 >/dev/null # warm-up (JIT, connection pools)
read -r RPS1 P99_1 < <(wrk_run 1 1)
read -r RPS32 P99_32 < <(wrk_run 2 32)
BATCH=$(curl -s "http://127.0.0.1:$PORT/metrics" | awk -F' ' '/^gitml_inference_batch_size_sum/ {s=$2} /^gitml_inference_batch_size_count/ {c=$2} END {if (c>0) printf "%.2f", s/c}')
HALF_LINE=""
BEST=999999999
for c in 2 4 8; do
  read -r R P < <(wrk_run 1 "$c")
  D=$(awk -v r="$R" -v h="$RPS32" 'BEGIN {d=r-h/2; if (d<0) d=-d; printf "%d", d}')
  if [ "$D" -lt "$BEST" ]; then BEST=$D; HALF_LINE="c=$c: $R req/s, p99 $P ms"; fi
done
kill "$SERVER_PID"; wait "$SERVER_PID" 2>/dev/null || true; SERVER_PID=

INPROC1=$("$BENCH" inproc "$WORK/repo/model.onnx" "$SECS" 1)
INPROC2=$("$BENCH" inproc "$WORK/repo/model.onnx" "$SECS" 2)

echo "== git ml serve (OIP v2 REST, JSON) vs in-process ONNX Runtime, tiny model, $(nproc) cores, ${SECS}s per run"
printf '%-44s %12s %10s\n' "run" "req/s" "p99 ms"
printf '%-44s %12.0f %10s\n' "serve, wrk concurrency 1" "$RPS1" "$P99_1"
printf '%-44s %12.0f %10s\n' "serve, wrk concurrency 32 (batching)" "$RPS32" "$P99_32"
printf '%-44s %12s\n' "  mean rows per ONNX Runtime run at c=32" "$BATCH"
printf '%-44s %s\n' "serve, ~half of c=32 peak" "$HALF_LINE"
printf '%-44s %12.0f\n' "in-process Run, 1 thread" "$INPROC1"
printf '%-44s %12.0f\n' "in-process Run, 2 threads" "$INPROC2"
awk -v a="$RPS32" -v b="$INPROC2" -v c="$RPS1" -v d="$INPROC1" 'BEGIN {printf "ratio serve c=32 / in-process 2 threads: %.3f\nratio serve c=1 / in-process 1 thread: %.3f\n", a/b, c/d}'
