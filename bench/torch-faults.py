#!/usr/bin/python3
"""Minor page faults of each phase of the PyTorch baseline's data generation (n_c = m = v = 8, s = 2, L = 3, N = 1e6).

Runs the baseline's own RHM, sample, decode and one_hot functions, as its data mode does, and reads the process's
minor-fault counter around each phase. Compare with the page_faults field of `rhmlab bench --json`.
usage: /usr/bin/python3 bench/torch-faults.py [path/to/torch_baseline.py (default: bench/torch_baseline.py)]
"""
import os
import resource
import sys
import time

for var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ[var] = "1"
path = sys.argv[1] if len(sys.argv) > 1 else os.path.join(os.path.dirname(os.path.abspath(__file__)), "torch_baseline.py")
sys.path.insert(0, os.path.dirname(os.path.abspath(path)))
import numpy as np  # noqa: E402
import torch  # noqa: E402
import torch_baseline as tb  # noqa: E402

torch.set_num_threads(1)


def faults():
    return resource.getrusage(resource.RUSAGE_SELF).ru_minflt


for r in range(4):
    rhm = tb.Hierarchy(8, 8, 8, 2, 3, r)
    rng = np.random.default_rng([r, 12])
    f0, t0 = faults(), time.perf_counter()
    idx, _ = rhm.draw_indices(1_000_000, rng)
    f1, t1 = faults(), time.perf_counter()
    tokens = rhm.expand(*rhm.split_index(idx))
    f2, t2 = faults(), time.perf_counter()
    x = tb.one_hot(tokens, 8, "linear")
    f3, t3 = faults(), time.perf_counter()
    print(f"repeat {r}: page faults sample {f1 - f0}, decode {f2 - f1}, onehot {f3 - f2}; "
          f"ms {1e3 * (t1 - t0):.0f}, {1e3 * (t2 - t1):.0f}, {1e3 * (t3 - t2):.0f}")
    del x, tokens
