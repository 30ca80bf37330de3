"""The verdicts of a claims.json as a Markdown table (docs/RESULTS.md, "The paper-scale verdicts").

usage: python3 docs/claims-table.py [results/paper/claims.json]
"""
import json, sys

path = sys.argv[1] if len(sys.argv) > 1 else 'results/paper/claims.json'
print('| figure | variant | verdict | scale | fewest seeds | reason |')
print('|---|---|---|---|---|---|')
for c in json.load(open(path)):
    reason = c['reason'].replace('|', '/')
    print(f"| {c['figure']} | {c.get('variant') or ''} | {c['verdict']} | {c.get('scale', '')} | {c.get('seeds', '')} | {reason} |")
