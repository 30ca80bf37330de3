#!/usr/bin/env bash
# Side-by-side data-generation benchmark: RhmLab (rhmlab bench --mode data) and the PyTorch baseline
# (bench/torch_baseline.py --mode data), interleaved for several rounds in one sitting, because the machine's cores are
# shared and a run measured alone can be off by a factor of two. Writes every record to a JSONL file and prints the
# median over rounds of each side's samples/s, phase times and the ratio.
#
# usage: bench/compare-data.sh [rounds (default 5)] [out.jsonl (default data-bench.jsonl)] [extra options for both]
# e.g.   bench/compare-data.sh 5 results/data.jsonl --threads 1
#        RHMLAB_EXTRA=--fresh-memory bench/compare-data.sh 5 results/data-fresh.jsonl --threads 1
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
rounds="${1:-5}"
out="${2:-data-bench.jsonl}"
shift $(( $# >= 2 ? 2 : $# ))
baseline="${TORCH_BASELINE:-$here/bench/torch_baseline.py}"
# The baseline needs Debian's torch under the system interpreter; say how to get it rather than fail mid-round.
/usr/bin/python3 -c "import torch, numpy" 2>/dev/null || {
  echo "$0: /usr/bin/python3 cannot import torch; run: apt-get update && apt-get install -y python3-torch python3-numpy libopenblas0-pthread" >&2; exit 2; }
: > "$out"
for r in $(seq 1 "$rounds"); do
  echo "round $r/$rounds: rhmlab" >&2
  # shellcheck disable=SC2086  # RHMLAB_EXTRA holds options for rhmlab only, split on spaces on purpose
  "$here/rhmlab" bench --mode data --repeats 5 --json "$@" ${RHMLAB_EXTRA:-} >> "$out"
  echo "round $r/$rounds: torch baseline" >&2
  # --seconds 60 lets the baseline run all 5 repeats; its default 2 s budget stops after 2 on a loaded machine.
  /usr/bin/python3 "$baseline" --mode data --repeats 5 --seconds 60 "$@" 2>/dev/null >> "$out"
done
/usr/bin/python3 - "$out" <<'PY'
import json, statistics, sys
recs = [json.loads(l) for l in open(sys.argv[1]) if l.strip()]
def side(r): return r.get("provider", "torch")
med = statistics.median
print(f"{'variant':8} {'side':7} {'samples/s':>12} {'ratio':>6} {'no one-hot':>12} {'rules ms':>9} {'sample ms':>9} {'decode ms':>9} {'onehot ms':>9} {'onehot GB/s':>11} {'mem GB/s':>8} {'fraction':>8} {'runs':>4}")
for variant in ("conv1d", "linear"):
    base = [r for r in recs if r["variant"] == variant and side(r) == "torch"]
    for name in ("torch", "rhmlab"):
        rs = [r for r in recs if r["variant"] == variant and side(r) == name]
        if not rs: continue
        sps = med([r["samples_per_s"] for r in rs])
        ratio = sps / med([r["samples_per_s"] for r in base]) if base else float("nan")
        ph = {k: med([r["phase_seconds"][k] for r in rs]) * 1e3 for k in ("rules", "sample", "decode", "onehot")}
        no = med([r["samples_per_s_no_onehot"] for r in rs]) if name == "rhmlab" else None
        gb = med([r["onehot_write_gb_per_s"] for r in rs]) if name == "rhmlab" else None
        mem = med([r["memory_write_gb_per_s"] for r in rs]) if name == "rhmlab" else None
        frac = med([r["onehot_write_gb_per_s"] / r["memory_write_gb_per_s"] for r in rs]) if name == "rhmlab" else None
        f = lambda x, fmt: format(x, fmt) if x is not None else "-"
        print(f"{variant:8} {name:7} {sps:12,.0f} {ratio:6.2f} {f(no, '12,.0f'):>12} {ph['rules']:9.2f} {ph['sample']:9.1f} {ph['decode']:9.1f} {ph['onehot']:9.1f} {f(gb, '11.1f'):>11} {f(mem, '8.1f'):>8} {f(frac, '8.0%'):>8} {len(rs):4}")
PY
