#!/usr/bin/env bash
# Whether two builds train bit-identically: for every kind of rule, and for rule options away from their defaults,
# one small run with each build (managed provider, checkpoints every 4 epochs) and a comparison of the records
# (errors, probes, diagnostics, learning curves; not the timings) and of their configs, key for key in order, since
# run hashes are computed from them. Usage: bench/identical-records.sh OLD.dll NEW.dll
set -euo pipefail
old="$1"; new="$2"; dir="$(mktemp -d)"
specs=(
  "bp" "fa" "fa --fa-readout-feedback true" "dfa" "dfa --dfa-top true --dfa-layout shared --dfa-scale unit --loss mse"
  "sign" "lga" "lga --lga-refit step" "bp-nomask" "local-supervised"
  "clapp" "clapp --clapp-pairing in-batch --negatives shift --wpred asymmetric" "clapp-pos"
  "clapp-pos --anti-collapse centered+ema-target --ema-tau 0.9" "e2e-clapp" "e2e-clapp-nc --anti-collapse standardized+wpred-decay"
  "vicreg" "vicreg --vicreg-factors solo --rep pooled" "lpl --lpl-pull sg-past" "e2e-lpl" "ica" "ica --ica-overcomplete rica --ica-max-patches 500"
)
i=0
for spec in "${specs[@]}"; do
  read -r -a args <<<"$spec"
  for side in old new; do
    dll=$([ "$side" = old ] && echo "$old" || echo "$new")
    dotnet "$dll" train --rule "${args[@]}" --nc 4 --m 4 --v 4 --L 3 --train 256 --test 200 --epochs 12 --eval-every 4 \
      --width 16 --blas managed --out "$dir/$side-$(printf %02d $i)" >/dev/null 2>&1 || true   # 3: diverged, recorded
  done
  echo "$spec" >"$dir/spec-$(printf %02d $i)"
  i=$((i + 1))
done
/usr/bin/python3 - "$dir" <<'PY'
import glob, json, sys
d = sys.argv[1]; bad = 0
for s in sorted(glob.glob(f"{d}/spec-*")):
    spec = open(s).read().strip()
    f = s.replace("/spec-", "/old-") + "/result.json"
    try: a, b = json.load(open(f)), json.load(open(f.replace("/old-", "/new-")))
    except OSError as e:
        bad += 1; print(f"{spec:60s} NO RECORD: {e}"); continue
    for r in (a, b): r["curves"].pop("seconds", None)
    keys = ["train_loss", "test_error", "probe_errors", "input_probe_error", "network_test_error", "epochs_run", "stop_reason", "diagnostics", "curves"]
    diff = [k for k in keys if a.get(k) != b.get(k)]
    if list(a["config"].items()) != list(b["config"].items()): diff.append("config")
    bad += bool(diff)
    print(f"{spec:60s} {'identical' if not diff else 'DIFFERS: ' + ', '.join(diff)}")
sys.exit(1 if bad else 0)
PY
