#!/usr/bin/env bash
# Tables and figures of the P* campaign (docs/RESULTS.md, "P* campaign") from the records in results/paper/.
# Each depth has its own folder; results/paper/checks holds the grid checks, which are read apart.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
for depth in L3 L2; do
  [ -d "results/paper/$depth" ] || continue
  ./rhmlab pstar "results/paper/$depth" --measure probe
  ./rhmlab pstar "results/paper/$depth" --measure network
  for rules in bp,clapp bp,e2e-clapp; do
    name=$(echo "$rules" | tr ',' '-')
    ./rhmlab plot "results/paper/$depth" --figure pstar --rule "$rules" --out "docs/figures/campaign-pstar-$depth-$name.png"
    ./rhmlab plot "results/paper/$depth" --figure error-vs-p --rule "$rules" --out "docs/figures/campaign-error-vs-p-$depth-$name.png"
  done
done
./rhmlab pstar results/paper/checks/L3-nmv4-grid --measure probe
