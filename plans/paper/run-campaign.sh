#!/usr/bin/env bash
# Runs (or resumes) the P* campaign into results/paper/, compact records, one plan after the other.
# Usage: plans/paper/run-campaign.sh [JOBS] [PLAN ...]   (default: 2 jobs, the data-exact plans below in this order)
# PLAN is a path under plans/paper/ without .json; its folder is results/paper/<same sub-folder>/<L2|L3>, so each
# depth and stopping regime has one results folder and BP's probe and network searches share their common runs:
#   L3-small-bp                      -> results/paper/L3
#   validation-stop/L3-small-ssl     -> results/paper/validation-stop/L3
set -uo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
jobs="${1:-2}"; shift || true
plans=("$@")
[ ${#plans[@]} -gt 0 ] || plans=(L3-small-bp L3-small-bp-network L3-small-ssl L3-nmv8-bp L3-nmv8-ssl L2-bp L2-bp-network L2-ssl L2-clapp-pos L3-nmv10-bp L3-nmv10-ssl)
rhmlab="${RHMLAB:-$here/rhmlab}"
for p in "${plans[@]}"; do
  sub="$(dirname "$p")"; name="$(basename "$p")"
  if [ "$sub" = . ]; then folder="$here/results/paper/${name%%-*}"; else folder="$here/results/paper/$sub/${name%%-*}"; fi
  echo "campaign: $p -> $folder ($(date -u +%FT%TZ))"
  $rhmlab sweep "$here/plans/paper/$p.json" --out "$folder" --jobs "$jobs" --compact || echo "campaign: $p exited with $?"
done
