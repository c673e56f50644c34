#!/usr/bin/env bash
# Serving under hostile load (issue 9): `git ml serve` with 1,000 concurrent keep-alive connections of valid requests,
# a second wrk sending malformed bodies (bad JSON, wrong shapes, invalid UTF-8, huge numbers) at the same time, a model
# reload in the middle, and the server's resident memory sampled every second. Peer figure on the same machine: the
# same valid load with no malformed traffic and no reload, as a ratio. Fails if the server dies, answers a malformed
# request with a 5xx, or its memory at the end exceeds 1.5x its memory after warm-up.
# Needs: wrk, curl. Usage: tests/bench/serve-chaos.sh [seconds]   (default 20; long mode: 600, > 1 million requests)
set -euo pipefail
SECS=${1:-20}
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
WORK=$(mktemp -d)
SERVER_PID=
cleanup() { [ -n "$SERVER_PID" ] && kill "$SERVER_PID" 2>/dev/null; wait 2>/dev/null; rm -rf "$WORK"; }
trap cleanup EXIT
ulimit -n 65536 2>/dev/null || true

dotnet build -c Release "$ROOT/src/GitMl.Cli" -o "$WORK/cli" -v q -nologo >/dev/null
dotnet build -c Release "$ROOT/tests/bench/ServeBench" -o "$WORK/bench" -v q -nologo >/dev/null
GITML="$WORK/cli/git-ml"
mkdir "$WORK/repo" && cd "$WORK/repo"
git init -q -b main && git config user.name bench && git config user.email bench@example.invalid
"$GITML" init >/dev/null
"$WORK/bench/ServeBench" write-model model.onnx
git add -A && git commit -qm model

PORT=$(( 20000 + RANDOM % 20000 ))
"$GITML" serve HEAD:model.onnx --name tiny --port "$PORT" --no-access-log 2>"$WORK/serve.err" &
SERVER_PID=$!
for _ in $(seq 1 100); do curl -sf "http://127.0.0.1:$PORT/v2/health/ready" >/dev/null && break; sleep 0.1; done
URL="http://127.0.0.1:$PORT/v2/models/tiny/infer"
cat > "$WORK/post.lua" <<'LUA'
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.body = '{"inputs":[{"name":"x","shape":[1,3],"datatype":"FP32","data":[1,2,3]}]}'
LUA
cat > "$WORK/bad.lua" <<'LUA'
local bodies = {
  '{"inputs":[{"name":"x","shape":[1,3],"datatype":"FP32","data":[1,2]}]}',
  '{"inputs":[{"name":"x","shape":[1,3],"datatype":"FP32","data":[1,2,3]',
  '{"inputs":[{"name":"nope","shape":[1,3],"datatype":"FP32","data":[1,2,3]}]}',
  '{"inputs":[{"name":"x","shape":[-1,3],"datatype":"FP32","data":[1,2,3]}]}',
  '{"inputs":[{"name":"x","shape":[99999999999,3],"datatype":"FP32","data":[1]}]}',
  '{"inputs":[{"name":"x","shape":[1,3],"datatype":"FP32","data":[1e999,2,3]}]}',
  '{"inputs":[{"name":"\255\254","shape":[1,3],"datatype":"FP32","data":[1,2,3]}]}',
  '[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]',
  'not json at all',
  '',
}
local i = 0
local threads = {}
function setup(thread) table.insert(threads, thread) end
function init(args) fivexx = 0 end
request = function()
  i = i + 1
  return wrk.format("POST", nil, {["Content-Type"] = "application/json"}, bodies[(i % #bodies) + 1])
end
response = function(status, headers, body)
  if status >= 500 then fivexx = fivexx + 1 end
end
done = function(summary, latency, requests)
  local t = 0
  for _, th in ipairs(threads) do t = t + th:get("fivexx") end
  io.write(string.format("fivexx: %d\n", t))
end
LUA
rss() { awk '/VmRSS/ {print $2}' "/proc/$SERVER_PID/status"; }
wrk -t1 -c50 -d3s -s "$WORK/post.lua" "$URL" >/dev/null # warm-up
RSS0=$(rss)

# Peer figure: the same valid load alone.
wrk -t2 -c1000 -d"$((SECS / 2))s" -s "$WORK/post.lua" "$URL" > "$WORK/clean.out"
CLEAN_RPS=$(awk '/Requests\/sec/ {print $2}' "$WORK/clean.out")

# Hostile run: valid load + malformed load + a reload halfway, memory sampled every second.
( for _ in $(seq 1 "$SECS"); do rss >> "$WORK/rss.txt" 2>/dev/null || true; sleep 1; done ) &
SAMPLER=$!
wrk -t1 -c1000 -d"${SECS}s" -s "$WORK/post.lua" "$URL" > "$WORK/valid.out" &
VALID=$!
wrk -t1 -c50 -d"${SECS}s" -s "$WORK/bad.lua" "$URL" > "$WORK/bad.out" &
BAD=$!
sleep $((SECS / 2))
RELOAD=$(curl -s -o /dev/null -w '%{http_code}' -X POST "http://127.0.0.1:$PORT/v2/repository/models/tiny/load")
wait "$VALID" "$BAD" "$SAMPLER"
kill -0 "$SERVER_PID" # the server must still be alive
RSS1=$(rss)
HOSTILE_RPS=$(awk '/Requests\/sec/ {print $2}' "$WORK/valid.out")
VALID_REQ=$(awk '/requests in/ {print $1}' "$WORK/valid.out")
BAD_REQ=$(awk '/requests in/ {print $1}' "$WORK/bad.out")
VALID_ERR=$(awk '/Non-2xx/ {print $5}' "$WORK/valid.out"); VALID_ERR=${VALID_ERR:-0}
SOCK_ERR=$(awk '/Socket errors/ {print $0}' "$WORK/valid.out")
FIVEXX=$(awk '/fivexx:/ {print $2}' "$WORK/bad.out")
MAXRSS=$(sort -n "$WORK/rss.txt" | tail -1)

echo "== git ml serve under hostile load, $(nproc) cores, ${SECS}s (reload at $((SECS / 2))s -> HTTP $RELOAD)"
echo "valid requests: $VALID_REQ (non-2xx: $VALID_ERR) ${SOCK_ERR:+; $SOCK_ERR}; malformed requests: $BAD_REQ; 5xx answers to malformed requests: $FIVEXX"
echo "RSS after warm-up: ${RSS0} kB; max during run: ${MAXRSS} kB; at end: ${RSS1} kB"
# Flatness: the samples at each quarter of the run (steady growth would show here, a one-off step would not).
awk '{ v[NR] = $1 } END { if (NR >= 4) printf "RSS at 25%%/50%%/75%%/100%% of the run: %d / %d / %d / %d kB\n", v[int(NR/4)], v[int(NR/2)], v[int(3*NR/4)], v[NR] }' "$WORK/rss.txt"
awk -v a="$HOSTILE_RPS" -v b="$CLEAN_RPS" 'BEGIN {printf "valid req/s under hostile load: %.0f; clean load alone: %.0f; ratio %.3f\n", a, b, a/b}'
awk -v a="$RSS1" -v b="$RSS0" 'BEGIN {exit (a > 1.5 * b) ? 1 : 0}' || { echo "memory grew more than 1.5x"; exit 1; }
[ "$FIVEXX" = "0" ] || { echo "server answered 5xx"; exit 1; }
