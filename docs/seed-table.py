"""Per-seed table of run records (one row per rule, RHM and training budget) for docs/RESULTS.md.

usage: python3 docs/seed-table.py RESULTS_FOLDER [...]

Reads every result.json under the folders (as written by `rhmlab sweep` and `rhmlab train --out`) and prints a
Markdown table: the top-layer ridge-probe error of each seed, their mean, the threshold (10 % of chance), how many
seeds are at or below it, the network's own test error for supervised rules, the mean training time and, for ICA,
the component counts fitted per layer. `rhmlab results FOLDER` gives the same runs as means and deviations.
"""
import json, glob, sys, statistics, collections
rows = collections.defaultdict(list)
for d in sys.argv[1:]:
    for f in glob.glob(d + '/**/result.json', recursive=True):
        r = json.load(open(f))
        c = r['config']
        key = (r['rule'], r['nc'], r['L'], c.get('clapp-pairing', 'triplets'), c.get('schedule'), r['epochs_run'] if r['rule'] != 'bp' else 0)
        rows[key].append(r)
order = ['bp', 'clapp', 'clapp-pos', 'e2e-clapp', 'ica']
print("| rule | n_c=m=v | L | P | seeds | epochs | top-layer probe error per seed | mean | threshold | below | network error (bp) | train s per run | notes |")
print("|---|---|---|---|---|---|---|---|---|---|---|---|---|")
for key in sorted(rows, key=lambda k: (k[1], k[2], order.index(k[0]) if k[0] in order else 9, k[3], str(k[4]))):
    rs = sorted(rows[key], key=lambda r: r['seed'])
    rule, nc, L, pairing, sched, _ = key
    errs = [r['probe_errors'][-1] for r in rs]
    thr = rs[0]['threshold_error']
    below = sum(e is not None and e <= thr for e in errs)
    net = [r['network_test_error'] for r in rs if r['network_test_error'] is not None]
    ep = sorted(set(r['epochs_run'] for r in rs))
    notes = []
    if pairing != 'triplets': notes.append(pairing)
    if sched and sched != 'constant': notes.append(sched)
    if rule == 'ica':
        comps = sorted(set(tuple(r['diagnostics'].get(f'layer{k}.ica_components') for k in range(1, L + 1)) for r in rs))
        notes.append('components ' + '; '.join('-'.join(str(x) for x in cc) for cc in comps))
    print(f"| {rule} | {nc} | {L} | {rs[0]['train']} | {len(rs)} | {'/'.join(map(str, ep))} | {' / '.join(f'{e:.4f}' for e in errs)} | {statistics.mean(errs):.4f} | {thr:.4f} | {below}/{len(rs)} | {' / '.join(f'{e:.4f}' for e in net) if net else '–'} | {statistics.mean(r['train_seconds'] for r in rs):.0f} | {', '.join(notes)} |")
