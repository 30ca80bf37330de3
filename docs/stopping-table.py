"""The stopping rules side by side (docs/STOPPING.md, docs/RESULTS.md): per rule and RHM, each regime's P*, its
bootstrap interval, core-hours, and the runs a plateau rule ended while their test error was still falling.

usage: python3 docs/stopping-table.py NAME=FOLDER [NAME=FOLDER ...]

Each FOLDER is read with `rhmlab pstar FOLDER --json` (P*, 2.5-97.5 % bootstrap range of the seeds); core-hours are
the sum of the records' cpu_seconds (wall seconds where a record has none). A run counts as cut while falling when a
plateau rule (probe-plateau, objective-plateau) stopped it and its checkpoints fell by more than 0.01 over the last
fifth of its epochs (Claims.CutWhileFalling), listed with its last checkpoint's error; "unverified" counts plateau stops without checkpoints.
"""
import collections, glob, json, os, subprocess, sys

here = os.path.dirname(os.path.abspath(__file__))
rhmlab = os.path.join(here, '..', 'rhmlab')


def cut_while_falling(r):
    if r.get('stop_reason') not in ('probe-plateau', 'objective-plateau'):
        return False
    c = r.get('checkpoints') or {}
    pts = [(e, t) for e, t in zip(c.get('epoch', []), c.get('test_error', [])) if t is not None]
    if len(pts) < 3:
        return None
    last = pts[-1][0]
    earlier = [t for e, t in pts if e <= 0.8 * last] or [pts[0][1]]
    return earlier[-1] - pts[-1][1] > 0.01


def stop_error(r):
    return r['checkpoints']['test_error'][-1]


rows = collections.OrderedDict()
for arg in sys.argv[1:]:
    name, folder = arg.split('=', 1)
    out = subprocess.run([rhmlab, 'pstar', folder, '--json'], capture_output=True, text=True, check=True).stdout
    analysis = json.loads(out)
    records = [json.load(open(f)) for f in glob.glob(folder + '/**/result.json', recursive=True)]
    for c in analysis['configurations']:
        # A group is its rule and RHM plus the options that tell it from the folder's other groups of the rule.
        def member(r):
            return (r['rule'], r['nc'], r['m'], r['v'], r['L']) == (c['rule'], c['nc'], c['m'], c['v'], c['L']) and all(
                str(r['config'].get(k)).lower() == str(v).strip('"').lower() for k, v in c['options'].items())
        rs = [r for r in records if member(r)]
        key = (c['rule'], c['nc'], c['L'])
        cpu = sum((r.get('cpu_seconds') or r.get('wall_seconds') or 0) for r in rs) / 3600
        # With the probe error at the stop: a cut run far above the threshold moves no P*, one near it could.
        cut = [f"{r['train']}/{r['seed']} ({stop_error(r):.3f})" for r in rs if cut_while_falling(r)]
        unverified = sum(cut_while_falling(r) is None for r in rs)
        p = c['p_star']
        b = c['bootstrap']
        label = name + (f" ({' '.join(f'{k}={v}' for k, v in c['options'].items())})" if c['options'] else '')
        rows.setdefault(key, []).append((label, p, b, cpu, len(rs), cut, unverified, c.get('extra_data_read', 0)))


def fmt(p):
    if p.get('censored') == 'none':
        return f"{p['value']:,.0f}".replace(',', ' ')
    if p.get('bound') is None:
        return '–'
    return ('> ' if 'above' in p.get('censored', '') else '≤ ') + f"{p['bound']:,.0f}".replace(',', ' ')


def interval(b):
    lo, hi = b.get('lower_2_5'), b.get('upper_97_5')
    return f"{fmt(lo)} – {fmt(hi)}" if lo and hi else '–'


print("| rule | n_c = m = v | L | regime | P* | 2.5–97.5 % | runs | core-hours | extra data read | cut while falling (P/seed (error at the stop)) | plateau stops without checkpoints |")
print("|---|---|---|---|---|---|---|---|---|---|---|")
for (rule, nc, L), regimes in sorted(rows.items(), key=lambda kv: (kv[0][2], kv[0][0] != 'bp', kv[0][0], kv[0][1])):
    for name, p, b, cpu, n, cut, unverified, extra in regimes:
        print(f"| {rule} | {nc} | {L} | {name} | {fmt(p)} | {interval(b)} | {n} | {cpu:.2f} | {extra} | {', '.join(cut) or 'none'} | {unverified} |")
