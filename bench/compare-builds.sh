#!/usr/bin/env bash
# Training speed of two builds side by side, alternating, in one sitting (timings on shared machines drift: compare
# ratios). For each round and build: `bench --mode bp` and `--mode clapp` steps/s, and the train seconds of a
# fixed-budget BP and CLAPP run (no evaluation), which goes through the trainer's loop.
# Usage: bench/compare-builds.sh OLD.dll NEW.dll [ROUNDS]   (the RhmLab.Cli.dll of each build)
set -euo pipefail
old="$1"; new="$2"; rounds="${3:-3}"
run() {  # dll label
  local dll="$1" label="$2"
  for mode in bp clapp; do
    dotnet "$dll" bench --mode "$mode" --width 128 --seconds 2 --repeats 3 --json \
      | /usr/bin/python3 -c "import json,sys; r=json.loads(sys.stdin.readline()); print('$label', 'bench-$mode', round(r['steps_per_s'],1))"
  done
  for rule in bp clapp; do
    dotnet "$dll" train --rule "$rule" --nc 6 --m 6 --v 6 --L 3 --train 5184 --test 0 --epochs 20 --stop-loss 0 --eval-every 0 --probe none --json 2>/dev/null \
      | /usr/bin/python3 -c "import json,sys; r=json.load(sys.stdin); print('$label', 'train-$rule', r['train_seconds'])"
  done
}
for i in $(seq "$rounds"); do run "$old" old; run "$new" new; done | tee /tmp/compare-builds.txt
/usr/bin/python3 - <<'PY'
import collections, statistics
v = collections.defaultdict(list)
for line in open('/tmp/compare-builds.txt'):
    label, what, x = line.split(); v[(what, label)].append(float(x))
for what in sorted({w for w, _ in v}):
    o, n = statistics.median(v[(what, 'old')]), statistics.median(v[(what, 'new')])
    better = 'steps/s, higher is faster' if what.startswith('bench') else 's, lower is faster'
    print(f"{what:12s} old {o:9.2f}  new {n:9.2f}  new/old {n / o:5.3f}  ({better})")
PY
