#!/usr/bin/env bash
# Serving throughput and latency: `git ml serve` (Kestrel + ONNX Runtime, dynamic batching) under wrk, side by side
# with in-process ONNX Runtime Run calls/s on the same model in the same script. Two models:
#   tiny   x[N,3] -> y[N,2] (MatMul + Add): ~2 us per Run, so it measures the HTTP/JSON path itself;
#   mnist  the MNIST CNN checked into the serving tests (Input3[N,1,28,28] -> [N,10]): ~30 us per Run.
# Each is driven with plain JSON (OIP v2 REST) and, for mnist, with the binary tensor extension (raw FP32 after the
# JSON part, as tritonclient sends it with binary_data=True). Per model and protocol: wrk at concurrency 1 and 32,
# and p99 at about half of the c=32 peak (the concurrency among 2, 4, 8 whose rate is nearest to half of c=32's;
# wrk is closed-loop, so this approximates a fixed half load). Needs: wrk (apt-get install -y wrk), curl.
# With nginx on PATH (apt-get install -y nginx-light) it also measures nginx answering the same POST with a constant
# body on the same cores: the most any HTTP/1.1 server can do here, whatever it does with the request.
# Usage: tests/bench/serve.sh [seconds-per-run]   (not part of the test run)
set -euo pipefail
SECS=${1:-10}
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
WORK=$(mktemp -d)
SERVER_PID=
cleanup() {
  [ -n "$SERVER_PID" ] && kill "$SERVER_PID" 2>/dev/null
  [ -f "$WORK/nginx.pid" ] && kill "$(cat "$WORK/nginx.pid")" 2>/dev/null
  wait 2>/dev/null; rm -rf "$WORK"
}
trap cleanup EXIT

dotnet build -c Release "$ROOT/src/GitMl.Cli" -o "$WORK/cli" -v q -nologo >/dev/null
dotnet build -c Release "$ROOT/tests/bench/ServeBench" -o "$WORK/bench" -v q -nologo >/dev/null
GITML="$WORK/cli/git-ml"
BENCH="$WORK/bench/ServeBench"

# One repository whose HEAD holds both models.
mkdir "$WORK/repo" && cd "$WORK/repo"
git init -q -b main && git config user.name bench && git config user.email bench@example.invalid
"$GITML" init >/dev/null
"$BENCH" write-model tiny.onnx
cp "$ROOT/tests/GitMl.Serving.Tests/Models/mnist-8-dynamic-batch.onnx" mnist.onnx
git add -A && git commit -qm models

wrk_run() { # threads connections lua url -> "rps p99_ms"
  wrk -t"$1" -c"$2" -d"${SECS}s" --latency -s "$3" "$4" > "$WORK/wrk.out"
  if grep -q "Non-2xx" "$WORK/wrk.out"; then echo "non-2xx answers:" >&2; cat "$WORK/wrk.out" >&2; exit 1; fi
  local rps p99
  rps=$(awk '/Requests\/sec/ {print $2}' "$WORK/wrk.out")
  p99=$(awk '$1=="99%" {v=$2; if (v ~ /us$/) {sub(/us/,"",v); v=v/1000} else if (v ~ /ms$/) {sub(/ms/,"",v)} else if (v ~ /s$/) {sub(/s/,"",v); v=v*1000}; print v}' "$WORK/wrk.out")
  echo "$rps $p99"
}

RESULTS="$WORK/results"
: > "$RESULTS"
measure() { # model protocol lua
  local model=$1 proto=$2 lua=$3 port url rps1 p1 rps32 p32 batch half best r p d c
  port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
  "$GITML" serve "HEAD:$model.onnx" --name "$model" --port "$port" --no-access-log --max-batch-size 32 2>"$WORK/serve.err" &
  SERVER_PID=$!
  for _ in $(seq 1 100); do curl -sf "http://127.0.0.1:$port/v2/health/ready" >/dev/null && break; sleep 0.1; done
  url="http://127.0.0.1:$port/v2/models/$model/infer"
  wrk_run 2 32 "$lua" "$url" >/dev/null # warm-up: JIT tiers, connection pools
  read -r rps1 p1 < <(wrk_run 1 1 "$lua" "$url")
  read -r rps32 p32 < <(wrk_run 2 32 "$lua" "$url")
  batch=$(curl -s "http://127.0.0.1:$port/metrics" | awk '/^gitml_inference_batch_size_sum/ {s=$2} /^gitml_inference_batch_size_count/ {c=$2} END {if (c>0) printf "%.2f", s/c}')
  half=""; best=999999999
  for c in 2 4 8; do
    read -r r p < <(wrk_run 1 "$c" "$lua" "$url")
    d=$(awk -v r="$r" -v h="$rps32" 'BEGIN {d=r-h/2; if (d<0) d=-d; printf "%d", d}')
    if [ "$d" -lt "$best" ]; then best=$d; half="c=$c $r $p"; fi
  done
  if [ "$model" = tiny ]; then # the HTTP floor: the same server answering GET /v2/health/live, no model, no body
    echo 'wrk.method = "GET"' > "$WORK/get.lua"
    read -r r p < <(wrk_run 2 32 "$WORK/get.lua" "http://127.0.0.1:$port/v2/health/live")
    echo "$r" > "$WORK/floor"
  fi
  kill "$SERVER_PID"; wait "$SERVER_PID" 2>/dev/null || true; SERVER_PID=
  echo "$model $proto $rps1 $p1 $rps32 $p32 $batch $half" >> "$RESULTS"
}

body_lua() { # lua-file content-type body-file [json-length]
  {
    echo 'wrk.method = "POST"'
    echo "wrk.headers[\"Content-Type\"] = \"$2\""
    [ -n "${4:-}" ] && echo "wrk.headers[\"Inference-Header-Content-Length\"] = \"$4\""
    echo "local f = io.open(\"$3\", \"rb\"); wrk.body = f:read(\"*a\"); f:close()"
  } > "$1"
}

"$BENCH" body tiny.onnx > "$WORK/tiny.json"
body_lua "$WORK/tiny-json.lua" application/json "$WORK/tiny.json"
"$BENCH" body mnist.onnx > "$WORK/mnist.json"
body_lua "$WORK/mnist-json.lua" application/json "$WORK/mnist.json"
LEN=$("$BENCH" binary-body mnist.onnx "$WORK/mnist.bin")
body_lua "$WORK/mnist-binary.lua" application/octet-stream "$WORK/mnist.bin" "$LEN"

nginx_floor() { # nginx, one worker per core, answering every request with a constant OIP response: no model, no parsing
  command -v nginx >/dev/null || { echo "-"; return; }
  local port
  port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
  cat > "$WORK/nginx.conf" <<NGINX
worker_processes $(nproc);
pid $WORK/nginx.pid;
error_log $WORK/nginx-error.log;
events { worker_connections 1024; }
http {
  access_log off;
  client_body_temp_path $WORK;
  server {
    listen 127.0.0.1:$port;
    location / { return 200 '{"model_name":"tiny","outputs":[{"name":"y","datatype":"FP32","shape":[1,2],"data":[1.0,2.0]}]}'; }
  }
}
NGINX
  nginx -c "$WORK/nginx.conf" 2>/dev/null
  for _ in $(seq 1 50); do curl -s -o /dev/null "http://127.0.0.1:$port/" && break; sleep 0.1; done
  wrk_run 2 32 "$WORK/tiny-json.lua" "http://127.0.0.1:$port/v2/models/tiny/infer" | awk '{print $1}'
  kill "$(cat "$WORK/nginx.pid")"; rm -f "$WORK/nginx.pid"
}
nginx_floor > "$WORK/nginx-floor"

measure tiny json "$WORK/tiny-json.lua"
measure mnist json "$WORK/mnist-json.lua"
measure mnist binary "$WORK/mnist-binary.lua"
for m in tiny mnist; do
  echo "$m $("$BENCH" inproc "$m.onnx" "$SECS" 1) $("$BENCH" inproc "$m.onnx" "$SECS" 2)" >> "$WORK/inproc"
done

echo "== git ml serve (OIP v2 REST) vs in-process ONNX Runtime, $(nproc) cores (wrk shares them), ${SECS}s per run"
printf '%-7s %-7s %10s %8s %10s %8s %6s %24s %10s %10s %8s %8s\n' model body "c=1 req/s" "p99 ms" "c=32 req/s" "p99 ms" rows "~half peak: c req/s p99" "inproc 1t" "inproc 2t" "ratio 2t" "ratio 1t"
while read -r model proto rps1 p1 rps32 p32 batch hc hr hp; do
  read -r _ in1 in2 < <(grep "^$model " "$WORK/inproc")
  printf '%-7s %-7s %10.0f %8s %10.0f %8s %6s %24s %10s %10s %8.3f %8.3f\n' "$model" "$proto" "$rps1" "$p1" "$rps32" "$p32" "$batch" "$hc $(printf '%.0f' "$hr") ${hp}ms" "$in1" "$in2" "$(awk -v a="$rps32" -v b="$in2" 'BEGIN {print a/b}')" "$(awk -v a="$rps32" -v b="$in1" 'BEGIN {print a/b}')"
done < "$RESULTS"
printf 'HTTP floor: GET /v2/health/live at c=32 on the same server: %.0f req/s\n' "$(cat "$WORK/floor")"
read -r in1 in2 < <(grep "^tiny " "$WORK/inproc" | awk '{print $2, $3}')
ngx=$(cat "$WORK/nginx-floor")
if [ "$ngx" != "-" ]; then
  printf 'nginx answering the tiny POST with a constant body, c=32, same cores: %.0f req/s = %.3f of inproc 2t, %.3f of 1t\n' \
    "$ngx" "$(awk -v a="$ngx" -v b="$in2" 'BEGIN {print a/b}')" "$(awk -v a="$ngx" -v b="$in1" 'BEGIN {print a/b}')"
fi
echo "rows: mean rows per ONNX Runtime run at c=32 (dynamic batching). ratio 2t / 1t: serve c=32 / in-process Run loop on 2 threads / on 1 thread (target >= 0.5)."
echo "p99 target at ~half of peak: <= 2 ms."
