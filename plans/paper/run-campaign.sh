#!/usr/bin/env bash
# Runs (or resumes) the P* campaign of issue 10 into results/paper/, compact records, one plan after the other.
# Usage: plans/paper/run-campaign.sh [JOBS] [PLAN ...]   (default: 2 jobs, every plan below in this order)
# Each L has one results folder, so BP's probe and network searches share the runs they have in common.
set -uo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
jobs="${1:-2}"; shift || true
plans=("$@")
[ ${#plans[@]} -gt 0 ] || plans=(L3-small-bp L3-small-bp-network L3-small-ssl L2-bp L2-bp-network L2-ssl)
rhmlab="${RHMLAB:-$here/rhmlab}"
for p in "${plans[@]}"; do
  folder="$here/results/paper/${p%%-*}"
  echo "campaign: $p -> $folder ($(date -u +%FT%TZ))"
  $rhmlab sweep "$here/plans/paper/$p.json" --out "$folder" --jobs "$jobs" --compact || echo "campaign: $p exited with $?"
done
