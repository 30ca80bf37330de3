"""Replays objective-stop on runs that logged their per-epoch objective (docs/STOPPING.md): where it would have
stopped, and the top-layer probe's test error there and at the end of the full budget.

usage: python3 docs/objective-stop-replay.py EVERY WINDOW TOL MIN_UPDATES RESULT_JSON [...]

Each RESULT_JSON is a full record (rhmlab train --out DIR, with curves) of a run without a stopping rule and with
test-error checkpoints (eval-every). The replay is exact: the rule reads the epoch means of the training loss, which
the curves hold, and stopping changes nothing before the stop. Steps per epoch are those of in-batch pairing
(B/2 data per step), the campaign's CLAPP setting.
"""
import json, math, sys


def steps_per_epoch(p, batch):
    return math.ceil(p / max(1, batch // 2))


def replay(losses, per_epoch, every, window, tol, floor):
    """The 1-based epoch at which objective-stop fires, or None (ObjectiveConvergence in src/RhmLab/Training)."""
    reference, last_progress, total, block, block_updates = math.inf, 0, 0, 0.0, 0
    for epoch, loss in enumerate(losses, start=1):
        total += per_epoch
        block += loss * per_epoch
        block_updates += per_epoch
        if block_updates < every:
            continue
        mean, block, block_updates = block / block_updates, 0.0, 0
        if reference == math.inf or mean < reference - tol * abs(reference):
            reference, last_progress = mean, total
        elif total - last_progress >= window and total >= floor:
            return epoch
    return None


every, window, tol, floor = (float(x) for x in sys.argv[1:5])
for path in sys.argv[5:]:
    r = json.load(open(path))
    c = r['curves']
    per = steps_per_epoch(r['train'], r['config'].get('batch') or 128)
    checks = [(int(e), t) for e, t in zip(c['epoch'], c['test_error']) if t is not None]
    stop = replay(c['train_loss'], per, every, window, tol, floor)
    at = [t for e, t in checks if stop is not None and e <= stop]
    print(f"{r['rule']} P={r['train']} seed={r['seed']}: stop at "
          + (f"{stop * per} updates, test error {at[-1]:.4f}" if stop else "none (budget)")
          + f"; at the budget {checks[-1][1]:.4f}; lowest {min(t for _, t in checks):.4f}")
