#!/usr/bin/env bash
# Whether two builds train bit-identically: for every kind of rule, one small run with each build (managed provider,
# checkpoints every 4 epochs) and a comparison of the records (errors, probes, diagnostics, learning curves; not the
# timings). Usage: bench/identical-records.sh OLD.dll NEW.dll
set -euo pipefail
old="$1"; new="$2"; dir="$(mktemp -d)"
for rule in bp fa dfa sign lga bp-nomask clapp clapp-pos e2e-clapp vicreg lpl ica; do
  for side in old new; do
    dll=$([ "$side" = old ] && echo "$old" || echo "$new")
    dotnet "$dll" train --rule "$rule" --nc 4 --m 4 --v 4 --L 3 --train 256 --test 200 --epochs 12 --eval-every 4 \
      --width 16 --blas managed --out "$dir/$side-$rule" >/dev/null 2>&1
  done
done
/usr/bin/python3 - "$dir" <<'PY'
import glob, json, sys
d = sys.argv[1]; bad = 0
for f in sorted(glob.glob(f"{d}/old-*/result.json")):
    a, b = json.load(open(f)), json.load(open(f.replace("/old-", "/new-")))
    for r in (a, b): r["curves"].pop("seconds", None)
    keys = ["train_loss", "test_error", "probe_errors", "input_probe_error", "network_test_error", "epochs_run", "stop_reason", "diagnostics", "curves"]
    diff = [k for k in keys if a.get(k) != b.get(k)]
    bad += bool(diff)
    print(f"{a['rule']:10s} {'identical' if not diff else 'DIFFERS: ' + ', '.join(diff)}")
sys.exit(1 if bad else 0)
PY
