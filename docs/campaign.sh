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

# The data budget (issue 17): the stopping regimes side by side, and BP in the validation regime.
python3 docs/stopping-table.py data-exact=results/paper/L3 probe-stop=results/paper/validation-stop/L3 full-budget=results/paper/checks/L3-nmv4-grid
./rhmlab pstar results/paper/validation-stop/L3 --measure probe

# Depth (issue 19): P* at L = 4 and 5 beside the campaign's L = 2 and 3, and the constant P*/(n_c m^L) against L.
./rhmlab pstar results/paper/depth --measure probe
for rules in bp,clapp,e2e-clapp bp,local-supervised,clapp; do
  name=$(echo "$rules" | tr ',' '-')
  ./rhmlab plot results/paper/L2 results/paper/L3 results/paper/depth --figure pstar-constant --rule "$rules" --out "docs/figures/depth-constant-$name.png"
done
