#!/usr/bin/env bash
# The cost model against the quick reproduction (docs/COST.md): for each figure, the dry run's estimate of what is
# left (core-hours, as seconds) and then the figure's measured wall and CPU seconds (user + sys, all its processes).
# Usage: bench/quick-cost.sh [OUT] [JOBS]   (OUT: an empty results folder, default /tmp/rhmlab-quick-cost)
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
out="${1:-/tmp/rhmlab-quick-cost}"
jobs="${2:-2}"
rm -rf "$out"
"$here/rhmlab" --help >/dev/null   # build once, outside the timings
printf '%-6s %10s %10s %10s %8s\n' figure estimate_s cpu_s wall_s cpu/est
total_est=0; total_cpu=0; total_wall=0
for fig in fig3 fig4 fig5 fig6 fig7 fig8 fig9 fig10 fig11; do
  est=$("$here/rhmlab" reproduce "$fig" --scale quick --out "$out" --dry-run --json 2>/dev/null \
        | /usr/bin/python3 -c 'import json,sys; print(json.load(sys.stdin)["remaining_core_hours"]*3600)')
  /usr/bin/time -f '%e %U %S' -o "$out.time" "$here/rhmlab" reproduce "$fig" --scale quick --out "$out" --jobs "$jobs" >/dev/null 2>&1
  read -r wall user sys < "$out.time"
  cpu=$(/usr/bin/python3 -c "print($user + $sys)")
  printf '%-6s %10.1f %10.1f %10.1f %8.2f\n' "$fig" "$est" "$cpu" "$wall" "$(/usr/bin/python3 -c "print($cpu / max($est, 1e-9))")"
  total_est=$(/usr/bin/python3 -c "print($total_est + $est)"); total_cpu=$(/usr/bin/python3 -c "print($total_cpu + $cpu)"); total_wall=$(/usr/bin/python3 -c "print($total_wall + $wall)")
done
printf '%-6s %10.1f %10.1f %10.1f %8.2f\n' all "$total_est" "$total_cpu" "$total_wall" "$(/usr/bin/python3 -c "print($total_cpu / $total_est)")"
