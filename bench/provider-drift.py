#!/usr/bin/env python3
"""How far runs of one config drift apart across matrix-product providers and thread counts.

For each epoch count, trains every (rule, seed) pair with managed/1, managed/2, openblas/1 and openblas/2 threads
(each in a process of its own, since OpenBLAS keeps one thread count per process) and prints the largest relative
difference of the final train loss from managed/1, the largest difference of any error rate (network test error,
input probe, layer probes) in test samples, and whether managed/1 and managed/2 agree exactly. docs/RELIABILITY.md
quotes its output.

usage: bench/provider-drift.py [epochs ...]            (default: 10 40 100)
"""
import json
import os
import subprocess
import sys

here = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
rhmlab = os.path.join(here, "rhmlab")
test = 1000
variants = [("managed", 1), ("managed", 2), ("openblas", 1), ("openblas", 2)]


def train(rule, seed, epochs, blas, threads):
    args = [rhmlab, "train", "--rule", rule, "--seed", str(seed), "--nc", "4", "--m", "4", "--v", "4", "--L", "3",
            "--train", "1000", "--test", str(test), "--width", "32", "--epochs", str(epochs), "--stop-loss", "0",
            "--blas", blas, "--threads", str(threads), "--json"]
    out = subprocess.run(args, capture_output=True, text=True, check=True).stdout
    return json.loads(out.strip().splitlines()[-1])


def errors(record):
    return [record["test_error"], record["input_probe_error"]] + record["probe_errors"]


for epochs in [int(e) for e in sys.argv[1:]] or [10, 40, 100]:
    worst_loss, worst_error, identical, pairs = 0.0, 0.0, True, 0
    for rule in ["bp", "dfa", "clapp"]:
        for seed in [1, 2, 3]:
            runs = {v: train(rule, seed, epochs, *v) for v in variants}
            base = runs[("managed", 1)]
            same = runs[("managed", 2)]
            identical &= same["train_loss"] == base["train_loss"] and errors(same) == errors(base)
            for r in runs.values():
                worst_loss = max(worst_loss, abs(r["train_loss"] - base["train_loss"]) / abs(base["train_loss"]))
                worst_error = max(worst_error, max(abs(a - b) for a, b in zip(errors(r), errors(base))))
            pairs += 1
    print(f"epochs {epochs}: {pairs} (rule, seed) pairs; max relative train-loss difference {worst_loss:.2e}; "
          f"max error-rate difference {round(worst_error * test)} of {test} test samples; "
          f"managed 1 vs 2 threads identical: {identical}", flush=True)
