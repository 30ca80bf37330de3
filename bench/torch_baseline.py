#!/usr/bin/python3
"""The PyTorch reference point of RhmLab's benchmarks: the same three workloads written with numpy and PyTorch on the
CPU, so that `rhmlab bench` can be read as a ratio against what a plain PyTorch program does on the same machine.

Modes (--mode)
  data   Builds an RHM data set end to end and times it: v2 rules, N distinct dataset indices, their decoding into
         labels and leaf strings, and the float32 one-hot input ([N, v, s^L] for --variant conv1d, [N, s^L, v] for
         linear). One untimed generation, then --repeats timed ones (repeat r uses seed + r), stopping early once
         --seconds is spent and two have run. steps_per_s is data sets per second.
  bp     Supervised training steps of the hierarchical CNN: a batch gathered from a pre-built one-hot training set,
         forward, cross-entropy, backward, SGD with momentum 0.9.
  clapp  Layer-local CLAPP steps: 3 x batch strings per step (anchors, a positive of the same class each, a negative
         of another class each, cycled from 64 pre-drawn sets); every layer sees its input detached, flattens its
         output over positions, scores u = z^T W_k c with its own square matrix W_k, and adds the hinge losses
         relu(1 - u_pos) + relu(1 + u_neg) averaged over anchors; backward and SGD with momentum 0.9 on the layers and
         the W_k (the readout is unused). samples_per_s counts anchors.
  check  Self-test without timing: decoding and parsing agree, rules and data are distinct, the two network
         variants compute the same logits, gradients and CLAPP loss, CLAPP is layer-local, BP lowers its loss.
         Exit status 1 when a check fails.
  all    data at n_c = m = v = 8, s = 2, L = 3; then bp and clapp at (v = 8, width 128), (v = 8, width 256) and
         (v = 10, width 1024), n_c = m = v, s = 2, L = 3, both variants.

Network variants (--variant): conv1d is torch.nn.Conv1d with kernel = stride = s on [B, v, s^L], the form of the
public RHM code; linear keeps channels last, [B, s^L, v], and makes each layer one reshape and one matrix product,
which is the faster form in PyTorch. Both have a per-channel bias, ReLU and a linear readout of the last position.
Learning rates (--lr, default 0.05 for bp and 1e-3 for clapp) only keep the numbers finite; speed does not depend on
them and learning is not measured.

Set-up: Debian's packages, run with the system interpreter (another python3 on PATH will not see them):

    apt-get update && apt-get install -y python3-torch python3-numpy libopenblas0-pthread
    /usr/bin/python3 bench/torch_baseline.py --mode check

Debian's torch does its matrix products through libblas.so.3; without libopenblas0-pthread that is the reference
BLAS and the steps are an order of magnitude slower. Every record names the BLAS library the process loaded.

Threads: --threads N is applied to torch and, before numpy and torch are imported, to OMP_NUM_THREADS,
OPENBLAS_NUM_THREADS and MKL_NUM_THREADS, because OpenBLAS keeps a thread pool of its own. OMP_WAIT_POLICY defaults
to PASSIVE here: with spinning OpenMP workers, torch's idle pool takes the cores from OpenBLAS's.

Output: one JSON object per line on stdout (progress on stderr), with the fields mode, variant, n_c, m, v, s, L,
width, batch, threads, steps_per_s (median over repeats), samples_per_s, repeats_steps_per_s, p_max and the
environment (torch, numpy, blas, python, omp_wait_policy); bp and clapp add steps_timed, seconds_timed, first_loss,
final_loss, train_size and lr (clapp also encodings_per_step and clapp_dims); data adds n_samples, sampler,
seconds_median, phase_seconds (median of rules, sample, decode, onehot) and layout. These are the fields that
`rhmlab bench --json` writes, so that bench/compare-data.sh and bench/compare-steps.sh read both sides alike.
"""

import argparse
import json
import os
import platform
import statistics
import sys
import time

_THREAD_VARIABLES = ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS")


def _requested_threads(argv):
    for i, a in enumerate(argv):
        if a == "--threads" and i + 1 < len(argv):
            return max(1, int(argv[i + 1]))
        if a.startswith("--threads="):
            return max(1, int(a.split("=", 1)[1]))
    return 1


if __name__ == "__main__":
    # Thread pools are sized when the libraries load, so this has to precede the imports below.
    for _name in _THREAD_VARIABLES:
        os.environ[_name] = str(_requested_threads(sys.argv[1:]))
    os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")

try:
    import numpy as np
    import torch
    import torch.nn.functional as F
except ImportError as _missing:  # the message says how to get the packages, not just which import failed
    sys.stderr.write(f"torch_baseline.py: {_missing}; install Debian's packages and run /usr/bin/python3:\n"
                     "  apt-get update && apt-get install -y python3-torch python3-numpy libopenblas0-pthread\n")
    raise SystemExit(2)


def say(text):
    sys.stderr.write(text + "\n")
    sys.stderr.flush()


# ----------------------------------------------------------------------------------------------------------- the RHM


class Hierarchy:
    """An RHM with v2 rules. Rule tables are indexed top-down here: tables[0] rewrites the class, tables[L-1] the
    level just above the leaves (the numbering of the public generators; RhmLab counts levels bottom-up)."""

    def __init__(self, n_c, m, v, s, L, seed):
        if n_c < 2 or m < 1 or v < 2 or s < 2 or L < 1:
            raise ValueError("need n_c >= 2, m >= 1, v >= 2, s >= 2 and L >= 1")
        tuples = v ** s
        if n_c * m > tuples:
            raise ValueError(f"the top level needs n_c*m = {n_c * m} distinct s-tuples, only v^s = {tuples} exist")
        if L >= 2 and v * m > tuples:
            raise ValueError(f"each lower level needs v*m = {v * m} distinct s-tuples, only v^s = {tuples} exist")
        self.n_c, self.m, self.v, self.s, self.L = n_c, m, v, s, L
        self.choices = (s ** L - 1) // (s - 1)          # one production choice per internal node
        self.class_size = m ** self.choices             # exact Python integers: P_max may exceed 2^63
        self.p_max = n_c * self.class_size
        self.indexable = self.p_max < 2 ** 63
        rng = np.random.default_rng([seed, 11])
        self.tables = [self._draw_table(rng, n_c if t == 0 else v) for t in range(L)]

    def _draw_table(self, rng, parents):
        # An ordered sample of distinct tuple numbers; number t spells its tuple in base v, first child first.
        numbers = rng.permutation(self.v ** self.s)[:parents * self.m].astype(np.int64)
        places = self.v ** np.arange(self.s - 1, -1, -1, dtype=np.int64)
        return (numbers.reshape(parents, self.m, 1) // places) % self.v   # [parents, m, s]

    def draw_indices(self, n, rng):
        """n distinct indices in random order, and the name of the method used."""
        if n > self.p_max:
            raise ValueError(f"{n} distinct data requested, P_max = {self.p_max}")
        if not self.indexable:
            raise ValueError("P_max >= 2^63: the baseline samples int64 indices only")
        if n * 4 >= self.p_max or self.p_max <= 1 << 20:
            return rng.permutation(self.p_max)[:n].astype(np.int64), "permutation"
        # Sparse request: draw with replacement and keep first occurrences until n distinct ones are in hand.
        kept = np.empty(0, dtype=np.int64)
        while kept.size < n:
            short = n - kept.size
            fresh = rng.integers(0, self.p_max, size=short + short // 8 + 32, dtype=np.int64)
            pool = np.concatenate([kept, fresh])
            _, first = np.unique(pool, return_index=True)
            kept = pool[np.sort(first)]
        return kept[:n], "rejection"

    def split_index(self, idx):
        """Labels [n] and choice digits [n, N] (root first, then each level left to right, top-down)."""
        labels = idx // self.class_size
        rest = idx % self.class_size
        digits = np.empty((idx.shape[0], self.choices), dtype=np.int64)
        for j in range(self.choices - 1, -1, -1):
            rest, digits[:, j] = np.divmod(rest, self.m)
        return labels, digits

    def join_index(self, labels, digits):
        idx = labels.astype(np.int64).copy()
        for j in range(self.choices):
            idx = idx * self.m + digits[:, j]
        return idx

    def expand(self, labels, digits):
        """Leaf strings [n, s^L] of the data with these labels and choice digits."""
        symbols = labels[:, None]
        offset = 0
        for t, table in enumerate(self.tables):
            nodes = symbols.shape[1]
            picked = table[symbols, digits[:, offset:offset + nodes]]     # [n, nodes, s]
            symbols = picked.reshape(labels.shape[0], nodes * self.s)
            offset += nodes
        return symbols

    def parse(self, leaves):
        """Labels and choice digits recovered bottom-up; raises ValueError for a string the rules do not produce."""
        n = leaves.shape[0]
        places = self.v ** np.arange(self.s - 1, -1, -1, dtype=np.int64)
        symbols = leaves
        per_level = []
        for table in reversed(self.tables):
            parents = table.shape[0]
            owner = np.full(self.v ** self.s, -1, dtype=np.int64)
            owner[(table * places).sum(-1).ravel()] = np.arange(parents * self.m)
            found = owner[(symbols.reshape(n, -1, self.s) * places).sum(-1)]
            if (found < 0).any():
                raise ValueError("a string does not parse")
            symbols, choice = np.divmod(found, self.m)
            per_level.append(choice)
        return symbols[:, 0], np.concatenate(per_level[::-1], axis=1)


def one_hot(leaves, v, variant):
    """Float32 one-hot torch tensor of leaf strings [n, d]: [n, v, d] for conv1d, [n, d, v] for linear."""
    n, d = leaves.shape
    tokens = torch.from_numpy(np.ascontiguousarray(leaves, dtype=np.int64))
    if variant == "conv1d":
        x = torch.zeros((n, v, d), dtype=torch.float32)
        x.scatter_(1, tokens.view(n, 1, d), 1.0)
    else:
        x = torch.zeros((n, d, v), dtype=torch.float32)
        x.scatter_(2, tokens.view(n, d, 1), 1.0)
    return x


def training_set(rhm, n, seed, variants):
    rng = np.random.default_rng([seed, 12])
    idx, _ = rhm.draw_indices(n, rng)
    labels, digits = rhm.split_index(idx)
    leaves = rhm.expand(labels, digits)
    return {var: one_hot(leaves, rhm.v, var) for var in variants}, torch.from_numpy(labels)


# ------------------------------------------------------------------------------------------------------- networks


class ConvNet(torch.nn.Module):
    """Hierarchical CNN as nn.Conv1d layers with kernel = stride = s, input [B, v, d]."""

    variant = "conv1d"

    def __init__(self, v, width, s, L, n_c):
        super().__init__()
        self.depth = L
        self.convs = torch.nn.ModuleList(
            [torch.nn.Conv1d(v if k == 0 else width, width, s, stride=s) for k in range(L)])
        self.readout = torch.nn.Linear(width, n_c)

    def layer(self, k, x):
        return torch.relu(self.convs[k](x))

    @staticmethod
    def flat(h, rows):
        return h.reshape(rows, -1)        # channel-major

    def forward(self, x):
        for k in range(self.depth):
            x = self.layer(k, x)
        return self.readout(x[:, :, 0])


class PatchNet(torch.nn.Module):
    """The same network channels-last, input [B, d, v]: each layer multiplies the [B*d_k, s*C] patch matrix."""

    variant = "linear"

    def __init__(self, v, width, s, L, n_c):
        super().__init__()
        self.depth, self.s = L, s
        self.weights = torch.nn.ParameterList(
            [torch.nn.Parameter(torch.empty(width, s * (v if k == 0 else width))) for k in range(L)])
        self.biases = torch.nn.ParameterList([torch.nn.Parameter(torch.zeros(width)) for _ in range(L)])
        self.readout = torch.nn.Linear(width, n_c)

    def layer(self, k, x):
        patches = x.reshape(-1, self.s * x.shape[-1])
        return torch.relu(torch.addmm(self.biases[k], patches, self.weights[k].t()))

    @staticmethod
    def flat(h, rows):
        return h.reshape(rows, -1)        # position-major

    def forward(self, x):
        for k in range(self.depth):
            x = self.layer(k, x)
        return self.readout(x)


def network(variant, v, width, s, L, n_c, seed):
    """Weights N(0, 1/fan-in), zero biases; the linear variant gets the conv1d weights, so both compute one function."""
    conv = ConvNet(v, width, s, L, n_c)
    gen = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for c in conv.convs:
            c.weight.normal_(0.0, 1.0 / (c.weight.shape[1] * c.weight.shape[2]) ** 0.5, generator=gen)
            c.bias.zero_()
        conv.readout.weight.normal_(0.0, 1.0 / width ** 0.5, generator=gen)
        conv.readout.bias.zero_()
    if variant == "conv1d":
        return conv
    patch = PatchNet(v, width, s, L, n_c)
    with torch.no_grad():
        for c, w, b in zip(conv.convs, patch.weights, patch.biases):
            w.copy_(c.weight.transpose(1, 2).reshape(width, -1))      # [H, C, s] -> [H, s*C], column q*C + c
            b.copy_(c.bias)
        patch.readout.load_state_dict(conv.readout.state_dict())
    return patch


def layer_parameters(net):
    return list(net.convs.parameters()) if isinstance(net, ConvNet) else list(net.weights) + list(net.biases)


def clapp_sizes(width, s, L):
    return [width * s ** (L - 1 - k) for k in range(L)]


def predictors(width, s, L, seed):
    """One square W_k per layer, entries N(0, 1/n_k^2) so that scores start of order one."""
    gen = torch.Generator().manual_seed(seed + 101)
    return torch.nn.ParameterList(
        [torch.nn.Parameter(torch.randn(n, n, generator=gen) / n) for n in clapp_sizes(width, s, L)])


def clapp_objective(net, mats, x, anchors):
    """Sum over layers of the batch-mean hinges; rows of x are anchors, then positives, then negatives."""
    total = x.new_zeros(())
    h = x
    for k in range(net.depth):
        h = net.layer(k, h.detach())
        z = net.flat(h, 3 * anchors)
        prediction = z[:anchors] @ mats[k].t()                # row i is (W_k c_i)^T
        u_pos = (z[anchors:2 * anchors] * prediction).sum(1)
        u_neg = (z[2 * anchors:] * prediction).sum(1)
        total = total + (F.relu(1 - u_pos) + F.relu(1 + u_neg)).mean()
    return total


def triplet_sets(labels, n_c, anchors, count, rng):
    """count index sets of anchors, a positive each (same class, not itself) and a negative each (another class)."""
    labels = np.asarray(labels)
    members = [np.flatnonzero(labels == c) for c in range(n_c)]
    if min(len(c) for c in members) < 2:
        raise ValueError("every class needs at least two training data for positives")
    sets = []
    for _ in range(count):
        a = rng.integers(0, labels.size, size=anchors)
        pos = np.empty(anchors, dtype=np.int64)
        neg = np.empty(anchors, dtype=np.int64)
        for i, j in enumerate(a):
            own = members[labels[j]]
            pick = own[rng.integers(0, own.size - 1)]
            pos[i] = own[-1] if pick == j else pick
            other = (labels[j] + rng.integers(1, n_c)) % n_c
            neg[i] = members[other][rng.integers(0, members[other].size)]
        sets.append(torch.from_numpy(np.concatenate([a, pos, neg])))
    return sets


# --------------------------------------------------------------------------------------------------------- timing


def median_rate(step, seconds, repeats, warmup):
    """Warm up (3 steps and warmup seconds at least), then `repeats` timed slices of seconds/repeats, 2 steps at least."""
    start = time.perf_counter()
    done = 0
    while done < 3 or time.perf_counter() - start < warmup:
        step()
        done += 1
    slice_s = seconds / max(1, repeats)
    rates, steps, spent = [], 0, 0.0
    for _ in range(max(1, repeats)):
        count, begin = 0, time.perf_counter()
        while True:
            step()
            count += 1
            elapsed = time.perf_counter() - begin
            if count >= 2 and elapsed >= slice_s:
                break
        rates.append(count / elapsed)
        steps += count
        spent += elapsed
    return statistics.median(rates), rates, steps, spent


_environment = {}


def environment():
    if not _environment:
        torch.mm(torch.ones(32, 32), torch.ones(32, 32))     # maps the BLAS library if nothing has yet
        blas = "none-loaded"
        try:
            with open("/proc/self/maps") as maps:
                found = sorted({line.split()[-1] for line in maps if "blas" in line.lower()})
            # The library file names the implementation; libblas.so.3 is only the alternatives link to it.
            named = [f for f in found if "libopenblas" in f.rsplit("/", 1)[-1]] or found
            if named:
                blas = "/".join(named[0].split("/")[-2:]) if "openblas" in named[0] else named[0]
        except OSError:
            blas = "unknown"
        if "openblas" not in blas and "mkl" not in blas:
            say(f"warning: torch uses BLAS '{blas}', not OpenBLAS: install libopenblas0-pthread")
        _environment.update(torch=torch.__version__, numpy=np.__version__, blas=blas,
                            python=platform.python_version(), omp_wait_policy=os.environ.get("OMP_WAIT_POLICY", "default"))
    return dict(_environment)


def record(mode, variant, shape, width, batch, threads, **fields):
    out = dict(mode=mode, variant=variant, n_c=shape["n_c"], m=shape["m"], v=shape["v"], s=shape["s"], L=shape["L"],
               width=width, batch=batch, threads=threads)
    out.update(fields)
    out.update(environment())
    print(json.dumps(out), flush=True)
    return out


def p_max_value(rhm):
    return rhm.p_max if rhm.indexable else str(rhm.p_max)


def hierarchy(shape, seed):
    return Hierarchy(shape["n_c"], shape["m"], shape["v"], shape["s"], shape["L"], seed)


# ---------------------------------------------------------------------------------------------------------- modes


def data_mode(shape, variants, a):
    for variant in variants:
        def generate(seed):
            marks = [time.perf_counter()]
            rhm = hierarchy(shape, seed)
            marks.append(time.perf_counter())
            idx, method = rhm.draw_indices(a.samples, np.random.default_rng([seed, 12]))
            marks.append(time.perf_counter())
            labels, digits = rhm.split_index(idx)
            leaves = rhm.expand(labels, digits)
            marks.append(time.perf_counter())
            x = one_hot(leaves, rhm.v, variant)
            y = torch.from_numpy(labels)
            marks.append(time.perf_counter())
            del x, y, leaves
            return [t1 - t0 for t0, t1 in zip(marks, marks[1:])], method, rhm

        generate(a.seed)       # first touch of the allocator's memory is not what is measured
        totals, phases, began = [], [], time.perf_counter()
        for r in range(max(1, a.repeats)):
            parts, method, rhm = generate(a.seed + r)
            totals.append(sum(parts))
            phases.append(parts)
            if r >= 1 and time.perf_counter() - began >= a.seconds:
                break
        median = statistics.median(totals)
        record("data", variant, shape, None, None, a.threads,
               steps_per_s=1 / median, samples_per_s=a.samples / median, repeats_steps_per_s=[1 / t for t in totals],
               n_samples=a.samples, sampler=method, p_max=p_max_value(rhm), seconds_median=median,
               phase_seconds={name: statistics.median(p[i] for p in phases)
                              for i, name in enumerate(("rules", "sample", "decode", "onehot"))},
               layout="[N, v, s^L]" if variant == "conv1d" else "[N, s^L, v]")


def bp_mode(shape, width, variants, a):
    rhm = hierarchy(shape, a.seed)
    n = int(min(a.train_size, rhm.p_max))
    inputs, labels = training_set(rhm, n, a.seed, variants)
    batch = min(a.batch, n)
    lr = 0.05 if a.lr is None else a.lr
    for variant in variants:
        torch.manual_seed(a.seed)
        net = network(variant, rhm.v, width, rhm.s, rhm.L, rhm.n_c, a.seed)
        opt = torch.optim.SGD(net.parameters(), lr=lr, momentum=0.9)
        x = inputs[variant]
        order = torch.randperm(n, generator=torch.Generator().manual_seed(a.seed))
        steps_per_pass = n // batch
        state = {"step": 0, "loss": float("nan")}

        def step():
            i = state["step"] % steps_per_pass
            state["step"] += 1
            rows = order[i * batch:(i + 1) * batch]
            loss = F.cross_entropy(net(x.index_select(0, rows)), labels.index_select(0, rows))
            opt.zero_grad(set_to_none=True)
            loss.backward()
            opt.step()
            state["loss"] = loss

        with torch.no_grad():
            first = F.cross_entropy(net(x[:batch]), labels[:batch]).item()
        rate, rates, steps, spent = median_rate(step, a.seconds, a.repeats, a.warmup)
        record("bp", variant, shape, width, batch, a.threads, steps_per_s=rate, samples_per_s=rate * batch,
               repeats_steps_per_s=rates, steps_timed=steps, seconds_timed=spent, first_loss=first,
               final_loss=state["loss"].item(), p_max=p_max_value(rhm), train_size=n, lr=lr)


def clapp_mode(shape, width, variants, a):
    rhm = hierarchy(shape, a.seed)
    n = int(min(a.train_size, rhm.p_max))
    inputs, labels = training_set(rhm, n, a.seed, variants)
    anchors = a.batch
    lr = 1e-3 if a.lr is None else a.lr
    sets = triplet_sets(labels.numpy(), rhm.n_c, anchors, 64, np.random.default_rng([a.seed, 13]))
    for variant in variants:
        torch.manual_seed(a.seed)
        net = network(variant, rhm.v, width, rhm.s, rhm.L, rhm.n_c, a.seed)
        mats = predictors(width, rhm.s, rhm.L, a.seed)
        opt = torch.optim.SGD(layer_parameters(net) + list(mats), lr=lr, momentum=0.9)
        x = inputs[variant]
        state = {"step": 0, "loss": float("nan")}

        def step():
            rows = sets[state["step"] % len(sets)]
            state["step"] += 1
            loss = clapp_objective(net, mats, x.index_select(0, rows), anchors)
            opt.zero_grad(set_to_none=True)
            loss.backward()
            opt.step()
            state["loss"] = loss

        with torch.no_grad():
            first = clapp_objective(net, mats, x.index_select(0, sets[0]), anchors).item()
        rate, rates, steps, spent = median_rate(step, a.seconds, a.repeats, a.warmup)
        record("clapp", variant, shape, width, anchors, a.threads, steps_per_s=rate, samples_per_s=rate * anchors,
               repeats_steps_per_s=rates, steps_timed=steps, seconds_timed=spent, first_loss=first,
               final_loss=state["loss"].item(), p_max=p_max_value(rhm), train_size=n, lr=lr,
               encodings_per_step=3 * anchors, clapp_dims=clapp_sizes(width, rhm.s, rhm.L))


def all_mode(a):
    began = time.perf_counter()
    both = ["conv1d", "linear"]
    eight = dict(n_c=8, m=8, v=8, s=2, L=3)
    ten = dict(n_c=10, m=10, v=10, s=2, L=3)
    say("data, n_c = m = v = 8, L = 3")
    data_mode(eight, both, a)
    for name, run in (("bp", bp_mode), ("clapp", clapp_mode)):
        for shape, width in ((eight, 128), (eight, 256), (ten, 1024)):
            say(f"{name}, v = {shape['v']}, width {width} ({time.perf_counter() - began:.0f} s so far)")
            run(shape, width, both, a)
    say(f"all done in {time.perf_counter() - began:.0f} s")


def check_mode(a):
    failures = []

    def verdict(name, ok, **facts):
        if not ok:
            failures.append(name)
        out = dict(mode="check", name=name, ok=bool(ok))
        out.update(facts)
        print(json.dumps(out), flush=True)

    for shape, n in ((dict(n_c=8, m=8, v=8, s=2, L=3), 100_000), (dict(n_c=4, m=3, v=6, s=2, L=3), 3_000),
                     (dict(n_c=5, m=4, v=5, s=3, L=2), 1_000), (dict(n_c=3, m=2, v=4, s=2, L=2), 24)):
        rhm = hierarchy(shape, a.seed)
        idx, method = rhm.draw_indices(n, np.random.default_rng([a.seed, 12]))
        labels, digits = rhm.split_index(idx)
        leaves = rhm.expand(labels, digits)
        back_labels, back_digits = rhm.parse(leaves)
        round_trip = bool((back_labels == labels).all() and (back_digits == digits).all()
                          and (rhm.join_index(back_labels, back_digits) == idx).all())
        distinct_rules = all(np.unique(t.reshape(-1, rhm.s), axis=0).shape[0] == t.shape[0] * t.shape[1]
                             for t in rhm.tables)
        distinct_data = np.unique(leaves, axis=0).shape[0] == n and np.unique(idx).size == n
        verdict("rhm_round_trip", round_trip and distinct_rules and distinct_data, shape=shape, n=n, sampler=method,
                parse_back=round_trip, rules_distinct=distinct_rules, data_distinct=bool(distinct_data))

    # The digit order against a scalar reading of the index (class, root choice, then the level below, left to right).
    rhm = Hierarchy(3, 2, 4, 2, 2, a.seed)
    idx = np.arange(rhm.p_max, dtype=np.int64)
    leaves = rhm.expand(*rhm.split_index(idx))
    scalar = []
    for i in range(rhm.p_max):
        label, rest = divmod(i, rhm.class_size)
        root, rest = divmod(rest, rhm.m * rhm.m)
        left, right = divmod(rest, rhm.m)
        a0, a1 = rhm.tables[0][label, root]
        scalar.append(list(rhm.tables[1][a0, left]) + list(rhm.tables[1][a1, right]))
    verdict("digit_order", bool((leaves == np.array(scalar)).all()))

    for (n_c, m, v, s, L, width) in ((8, 8, 8, 2, 3, 48), (5, 4, 5, 3, 2, 24)):
        rhm = Hierarchy(n_c, m, v, s, L, a.seed)
        inputs, labels = training_set(rhm, 300, a.seed, ["conv1d", "linear"])
        conv = network("conv1d", v, width, s, L, n_c, a.seed)
        patch = network("linear", v, width, s, L, n_c, a.seed)
        out_c, out_p = conv(inputs["conv1d"]), patch(inputs["linear"])
        F.cross_entropy(out_c, labels).backward()
        F.cross_entropy(out_p, labels).backward()
        grad_gap = max((c.weight.grad.transpose(1, 2).reshape(width, -1) - w.grad).abs().max().item()
                       for c, w in zip(conv.convs, patch.weights))
        # CLAPP on the same triplets: conv1d flattens channel-major, linear position-major, so W_k is permuted.
        mats_c = predictors(width, s, L, a.seed)
        mats_p = []
        for k, size in enumerate(clapp_sizes(width, s, L)):
            to_conv = torch.arange(size).reshape(width, size // width).t().reshape(-1)
            mats_p.append(torch.nn.Parameter(mats_c[k].detach()[to_conv][:, to_conv].clone()))
        rows = triplet_sets(labels.numpy(), n_c, 40, 1, np.random.default_rng(3))[0]
        ys = labels[rows].view(3, 40)
        pairs_ok = bool((ys[0] == ys[1]).all() and (ys[0] != ys[2]).all() and (rows[:40] != rows[40:80]).all())
        conv.zero_grad(set_to_none=True)
        patch.zero_grad(set_to_none=True)
        loss_c = clapp_objective(conv, mats_c, inputs["conv1d"].index_select(0, rows), 40)
        loss_p = clapp_objective(patch, mats_p, inputs["linear"].index_select(0, rows), 40)
        loss_c.backward()
        loss_p.backward()
        clapp_gap = max((c.weight.grad.transpose(1, 2).reshape(width, -1) - w.grad).abs().max().item()
                        for c, w in zip(conv.convs, patch.weights))
        logit_gap = (out_c - out_p).abs().max().item()
        verdict("variants_agree", logit_gap < 1e-5 and grad_gap < 1e-5 and abs(loss_c.item() - loss_p.item()) < 1e-4
                and clapp_gap < 1e-4 and pairs_ok, shape=dict(n_c=n_c, m=m, v=v, s=s, L=L, width=width),
                logit_gap=logit_gap, grad_gap=grad_gap, clapp_loss=loss_c.item(),
                clapp_loss_gap=abs(loss_c.item() - loss_p.item()), clapp_grad_gap=clapp_gap, pairs_ok=pairs_ok)

    # Layer locality: the loss of layer 2 alone reaches W_2 and not W_1.
    rhm = Hierarchy(8, 8, 8, 2, 3, a.seed)
    inputs, labels = training_set(rhm, 400, a.seed, ["linear"])
    net = network("linear", 8, 24, 2, 3, 8, a.seed)
    mats = predictors(24, 2, 3, a.seed)
    rows = triplet_sets(labels.numpy(), 8, 16, 1, np.random.default_rng(4))[0]
    h1 = net.layer(1, net.layer(0, inputs["linear"].index_select(0, rows)).detach())
    z = net.flat(h1, 48)
    prediction = z[:16] @ mats[1].t()
    (F.relu(1 - (z[16:32] * prediction).sum(1)) + F.relu(1 + (z[32:] * prediction).sum(1))).mean().backward()
    verdict("clapp_layer_local", net.weights[0].grad is None and net.weights[1].grad is not None)

    # BP learns something: 600 steps at least halve the training loss.
    inputs, labels = training_set(rhm, 4096, a.seed, ["linear"])
    net = network("linear", 8, 96, 2, 3, 8, a.seed)
    opt = torch.optim.SGD(net.parameters(), lr=0.2, momentum=0.9)
    gen = torch.Generator().manual_seed(1)
    with torch.no_grad():
        before = F.cross_entropy(net(inputs["linear"]), labels).item()
    for _ in range(600):
        rows = torch.randint(0, 4096, (128,), generator=gen)
        loss = F.cross_entropy(net(inputs["linear"][rows]), labels[rows])
        opt.zero_grad()
        loss.backward()
        opt.step()
    with torch.no_grad():
        after = F.cross_entropy(net(inputs["linear"]), labels).item()
    verdict("bp_learns", after < 0.5 * before, loss_before=before, loss_after=after)

    summary = dict(mode="check", name="summary", ok=not failures, failed=failures)
    summary.update(environment())
    print(json.dumps(summary), flush=True)
    return not failures


def options(argv):
    p = argparse.ArgumentParser(description="PyTorch baseline of RhmLab's benchmarks (RHM data, BP and CLAPP steps).",
                                formatter_class=argparse.ArgumentDefaultsHelpFormatter)
    p.add_argument("--mode", choices=["data", "bp", "clapp", "all", "check"], default="all")
    p.add_argument("--variant", choices=["conv1d", "linear", "both"], default="both")
    p.add_argument("--nc", dest="n_c", type=int, default=8, help="classes n_c")
    p.add_argument("--m", type=int, default=8, help="productions per symbol")
    p.add_argument("--v", type=int, default=8, help="vocabulary of every level below the class")
    p.add_argument("--s", type=int, default=2, help="tuple size = kernel = stride")
    p.add_argument("--L", type=int, default=3, help="depth = layers")
    p.add_argument("--width", type=int, default=128, help="channels of every layer")
    p.add_argument("--batch", type=int, default=128, help="data per bp step, anchors per clapp step")
    p.add_argument("--threads", type=int, default=1)
    p.add_argument("--repeats", type=int, default=5, help="timed repeats; the median is reported")
    p.add_argument("--seconds", type=float, default=2.0, help="time budget of one measurement, over its repeats")
    p.add_argument("--warmup", type=float, default=0.5, help="warm-up seconds (at least 3 steps)")
    p.add_argument("--samples", type=int, default=1_000_000, help="N of --mode data")
    p.add_argument("--train-size", type=int, default=32_768, help="training set of bp and clapp (at most P_max)")
    p.add_argument("--lr", type=float, default=None, help="SGD rate (default 0.05 for bp, 1e-3 for clapp)")
    p.add_argument("--seed", type=int, default=0)
    a = p.parse_args(argv)
    a.threads = max(1, a.threads)
    return a


def main(argv=None):
    a = options(sys.argv[1:] if argv is None else argv)
    torch.set_num_threads(a.threads)
    variants = ["conv1d", "linear"] if a.variant == "both" else [a.variant]
    shape = dict(n_c=a.n_c, m=a.m, v=a.v, s=a.s, L=a.L)
    if a.mode == "check":
        return 0 if check_mode(a) else 1
    if a.mode == "all":
        all_mode(a)
    elif a.mode == "data":
        data_mode(shape, variants, a)
    elif a.mode == "bp":
        bp_mode(shape, a.width, variants, a)
    else:
        clapp_mode(shape, a.width, variants, a)
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    except ValueError as problem:
        say(f"torch_baseline.py: {problem}")
        sys.exit(2)
