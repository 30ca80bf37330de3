#!/usr/bin/env bash
# Side-by-side training-step benchmark: RhmLab (rhmlab bench --mode bp|clapp) and the PyTorch baseline
# (bench/torch_baseline.py, both variants), interleaved per configuration for several rounds in one sitting, because the
# machine's cores are shared. Configurations are the baseline's `all` matrix: n_c=m=v=8 at widths 128 and 256,
# n_c=m=v=10 at width 1024, L=3, batch 128, one thread. Writes every record to a JSONL file and prints, per mode and
# width, the median steps/s of each side, RhmLab's ratio to each baseline variant, the step's FLOP count and the
# fraction of the measured matrix-product peak. CLAPP is also timed with in-batch pairing (rows "clapp in-batch": the
# same 128 anchors per update in 128 rows instead of 384), compared with the same baselines.
#
# usage: bench/compare-steps.sh [rounds (default 3)] [out.jsonl (default steps-bench.jsonl)] [modes (default "bp clapp")]
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
rounds="${1:-3}"
out="${2:-steps-bench.jsonl}"
modes="${3:-bp clapp}"
baseline="${TORCH_BASELINE:-$here/bench/torch_baseline.py}"
# The baseline needs Debian's torch under the system interpreter; say how to get it rather than fail mid-round.
/usr/bin/python3 -c "import torch, numpy" 2>/dev/null || {
  echo "$0: /usr/bin/python3 cannot import torch; run: apt-get update && apt-get install -y python3-torch python3-numpy libopenblas0-pthread" >&2; exit 2; }
: > "$out"
for r in $(seq 1 "$rounds"); do
  for mode in $modes; do
    for cfg in "8 128" "8 256" "10 1024"; do
      set -- $cfg
      echo "round $r/$rounds: $mode v=$1 width=$2" >&2
      "$here/rhmlab" bench --mode "$mode" --nc "$1" --m "$1" --v "$1" --L 3 --width "$2" --batch 128 --threads 1 --json >> "$out"
      if [ "$mode" = clapp ]; then
        # In-batch pairing (128 anchors in 128 rows) has no baseline counterpart; it is timed beside the triplets.
        "$here/rhmlab" bench --mode clapp --clapp-pairing in-batch --nc "$1" --m "$1" --v "$1" --L 3 --width "$2" --batch 128 --threads 1 --json >> "$out"
      fi
      /usr/bin/python3 "$baseline" --mode "$mode" --variant both --nc "$1" --m "$1" --v "$1" --L 3 --width "$2" --batch 128 --threads 1 2>/dev/null >> "$out"
    done
  done
done
/usr/bin/python3 - "$out" <<'PY'
import json, statistics, sys
recs = [json.loads(l) for l in open(sys.argv[1]) if l.strip()]
med = statistics.median
print(f"| mode | n_c=m=v | width | torch conv1d steps/s | torch linear steps/s | RhmLab steps/s | vs linear | vs conv1d | GFLOP/step | RhmLab GFLOP/s | peak GFLOP/s | fraction of peak |")
print("|---|---|---|---|---|---|---|---|---|---|---|---|")
for mode, pairing in (("bp", None), ("clapp", "triplets"), ("clapp", "in-batch")):
    for v, w in ((8, 128), (8, 256), (10, 1024)):
        sel = [r for r in recs if r["mode"] == mode and r["v"] == v and r["width"] == w]
        if not sel: continue
        def rate(variant):
            xs = [r["steps_per_s"] for r in sel if r["variant"] == variant and (variant != "rhmlab" or pairing is None or r.get("pairing", "triplets") == pairing)]
            return med(xs) if xs else float("nan")
        conv, lin, ours = rate("conv1d"), rate("linear"), rate("rhmlab")
        mine = [r for r in sel if r["variant"] == "rhmlab" and (pairing is None or r.get("pairing", "triplets") == pairing)]
        if not mine: continue
        label = mode if pairing in (None, "triplets") else f"{mode} {pairing}"
        fl = mine[0]["flops_per_step"] / 1e9
        gf = med([r["gflops_per_s"] for r in mine]); pk = med([r["peak_gflops_per_s"] for r in mine]); fr = med([r["fraction_of_peak"] for r in mine])
        print(f"| {label} | {v} | {w} | {conv:.1f} | {lin:.1f} | {ours:.1f} | {ours/lin:.2f}x | {ours/conv:.1f}x | {fl:.3f} | {gf:.1f} | {pk:.1f} | {fr:.0%} |")
PY
