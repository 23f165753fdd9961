"""One epoch of chapter 10's network, gdlab against PyTorch, side by side in one process.

The same model (an MLP [64, 32, 10] on scikit-learn's digits, float64, the same weights),
the same optimizer (Adam, lr 1e-3, torch's foreach implementation), the same minibatches of
64 in the same order, one thread each. Two gdlab figures: the bare loop (``loss_and_grads``
and ``update`` per minibatch, what the torch side does) and ``gdlab.nn.train`` for one epoch
(which also measures the epoch's losses, accuracy and update-to-weight ratios). The two
bare loops must end at the same weights (checked, to 1e-9), so the ratio compares equal work.

    python benchmarks/network_epoch.py        # or as part of run_benchmarks.py
"""

from __future__ import annotations

import json
import statistics
import sys
import time

import numpy as np

import gdlab

SIZES, BATCH, LR, SEED = [64, 32, 10], 64, 1e-3, 0


def _batches(n: int):
    order = np.random.default_rng(SEED).permutation(n)
    return [order[i:i + BATCH] for i in range(0, n, BATCH)]


def _gdlab_epoch(model, opt, X, y, batches):
    for batch in batches:
        _, grads = model.loss_and_grads(X[batch], y[batch])
        opt.update(model.params, grads)


def _torch_model(params: dict):
    import torch
    layers = []
    for l in range(1, len(params) // 2 + 1):
        W = params[f"W{l}"]
        linear = torch.nn.Linear(*W.shape, dtype=torch.float64)
        with torch.no_grad():
            linear.weight.copy_(torch.from_numpy(W.T.copy()))
            linear.bias.copy_(torch.from_numpy(params[f"b{l}"].copy()))
        layers += [linear, torch.nn.ReLU()]
    return torch.nn.Sequential(*layers[:-1])


def _torch_epoch(model, opt, X, y, batches):
    import torch.nn.functional as F
    for batch in batches:
        opt.zero_grad()
        F.cross_entropy(model(X[batch]), y[batch]).backward()
        opt.step()


def _agree(gd_model, torch_model) -> float:
    """The largest difference between the two models' first-layer weights."""
    W = torch_model[0].weight.detach().numpy().T
    return float(np.max(np.abs(gd_model.params["W1"] - W)))


def measure(repeats: int = 20) -> dict:
    """Median epoch times (s) over ``repeats`` interleaved epochs, and their ratios."""
    try:
        import torch
    except ImportError:
        return {"skipped": "torch is not installed (pip install torch==2.13.0)"}
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        data = gdlab.data.digits()
        X, y = data[0], data[1]
        Xt, yt = torch.from_numpy(X), torch.from_numpy(y)
        batches = _batches(len(X))
        batches_t = [torch.from_numpy(b) for b in batches]
        times = {"gdlab": [], "gdlab_train": [], "torch": []}
        gd_model = gdlab.nn.MLP(SIZES, seed=SEED)
        gd_opt = gdlab.Adam(lr=LR)
        th_model = _torch_model(gd_model.params)
        th_opt = torch.optim.Adam(th_model.parameters(), lr=LR, foreach=True)
        _gdlab_epoch(gd_model, gd_opt, X, y, batches)      # one epoch each to warm up, and
        _torch_epoch(th_model, th_opt, Xt, yt, batches_t)  # to check they do the same work
        difference = _agree(gd_model, th_model)
        if difference > 1e-9:
            raise AssertionError(f"gdlab and torch disagree after one epoch by {difference:.2g}")
        train_model, train_opt = gdlab.nn.MLP(SIZES, seed=SEED), gdlab.Adam(lr=LR)
        for _ in range(repeats):
            for name, call in [
                    ("gdlab", lambda: _gdlab_epoch(gd_model, gd_opt, X, y, batches)),
                    ("torch", lambda: _torch_epoch(th_model, th_opt, Xt, yt, batches_t)),
                    ("gdlab_train", lambda: gdlab.nn.train(train_model, train_opt, data, 1,
                                                           BATCH, seed=SEED))]:
                start = time.perf_counter()
                call()
                times[name].append(time.perf_counter() - start)
    finally:
        torch.set_num_threads(threads)
    median = {name: statistics.median(t) for name, t in times.items()}
    return {"model": SIZES, "batch_size": BATCH, "optimizer": "Adam(lr=1e-3), torch foreach",
            "steps": len(batches), "repeats": repeats, "agree_after_one_epoch": difference,
            "gdlab_s": median["gdlab"], "torch_s": median["torch"],
            "gdlab_train_s": median["gdlab_train"],
            "ratio": median["gdlab"] / median["torch"],
            "ratio_train": median["gdlab_train"] / median["torch"]}


def describe(result: dict) -> str:
    if "skipped" in result:
        return result["skipped"]
    return (f"one epoch of MLP {result['model']} ({result['steps']} minibatches of "
            f"{result['batch_size']}, {result['optimizer']}): gdlab "
            f"{1000 * result['gdlab_s']:.1f} ms, torch {1000 * result['torch_s']:.1f} ms, "
            f"ratio {result['ratio']:.2f}; gdlab.nn.train {1000 * result['gdlab_train_s']:.1f} "
            f"ms (ratio {result['ratio_train']:.2f}, it also measures the epoch)")


if __name__ == "__main__":
    result = measure()
    print(describe(result))
    print(json.dumps(result, indent=1))
    sys.exit(0)
