#!/usr/bin/env bash
# Benchmark: one PNG overlaying a 2-series, 1000-step loss curve from 5 commits; git ml plots diff vs gnuplot.
# Peer: DVC needs Node/a browser (vl-convert) for PNGs and is not installed; gnuplot is the classic native renderer
# a CI script would use. The peer script does the same work: read each rev's file through Git, draw all 10 series.
# CPU time (user+sys) is printed beside wall time because shared machines make wall time noisy.
# Needs hyperfine and gnuplot (apt-get install -y hyperfine gnuplot-nox), python3.
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
tools="$(mktemp -d -t gitml-bench-tools-XXXXXX)"
work="$(mktemp -d -t gitml-bench-plots-XXXXXX)"
trap 'rm -rf "$work" "$tools"' EXIT
dotnet build "$root/src/GitMl.Cli" -c Release -o "$tools" --nologo -v quiet >/dev/null
export PATH="$tools:$PATH"

cd "$work"
git init -q -b main .
git config user.name bench && git config user.email bench@example.invalid
git ml init >/dev/null
printf 'plots:\n- logs/loss.tsv: {x: step, y: [train_loss, val_loss], title: Loss}\n' > gitml.yaml
mkdir -p logs
for c in 1 2 3 4 5; do
  awk -v c="$c" 'BEGIN { print "step\ttrain_loss\tval_loss"; for (s = 0; s < 1000; s++) printf "%d\t%.5f\t%.5f\n", s, 1/(1+s*c/100), 1.1/(1+s*c/120) }' > logs/loss.tsv
  git add -A && git commit -qm "run $c" && git tag "r$c"
done

cat > peer.sh <<'SH'
#!/usr/bin/env bash
set -euo pipefail
mkdir -p peer
plot="set terminal pngcairo size 800,500; set output 'peer/loss.png'; set title 'Loss'; set xlabel 'step'; plot "
sep=""
for r in r1 r2 r3 r4 r5; do
  git show "$r:logs/loss.tsv" > "peer/$r.tsv"
  plot+="$sep'peer/$r.tsv' using 1:2 with lines title '$r: train_loss', 'peer/$r.tsv' using 1:3 with lines dashtype 2 title '$r: val_loss'"
  sep=", "
done
gnuplot -e "$plot"
SH
chmod +x peer.sh
json="$work/bench.json"
hyperfine -N --warmup 1 --runs 5 --export-json "$json" \
  "git ml plots diff r1 r2 r3 r4 r5 -o out --targets logs/loss.tsv" \
  "./peer.sh" >/dev/null
python3 - "$json" <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))["results"]
a, b = r[0], r[1]
cpu = lambda x: (x["user"] + x["system"]) * 1000
print(f"  git ml: wall median {a['median']*1000:8.1f} ms, cpu {cpu(a):7.1f} ms  ({a['command']})")
print(f"  peer  : wall median {b['median']*1000:8.1f} ms, cpu {cpu(b):7.1f} ms  (git show + gnuplot pngcairo)")
print(f"  ratio git ml / peer: wall {a['median'] / b['median']:.2f}, cpu {cpu(a) / cpu(b):.2f}")
PY
ls -la out/logs-loss.png peer/loss.png | awk '{print "  " $5 " bytes  " $9}'
