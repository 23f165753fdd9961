"""Speed of one optimizer step: gdlab against torch.optim, and Adam against memory bandwidth.

    python benchmarks/optimizer_steps.py                 # 10^4, 10^6 and 10^7 parameters
    python benchmarks/optimizer_steps.py 1e6 --repeats 9

For each size and optimizer: the median time of one gdlab ``update`` and of one
``torch.optim`` step with ``foreach=True`` and with ``foreach=False`` (Adam and AdamW also
``fused=True``, for information), float64, one thread each, interleaved in one process so
that machine noise hits both. Targets (issue 12): gdlab/torch(foreach) <= 1 at 10^6 and
10^7 parameters for Momentum, Nesterov, RMSProp, Adam and AdamW, and Adam within 3x of the
memory-bandwidth bound (:func:`bandwidth_bound`). Timings depend on the machine (the targets
are for 2 cores); the script exits 1 if a target is missed.

Imported by ``run_benchmarks.py``: :func:`bandwidth_bound`, :func:`step_ratios`,
:func:`missed_targets` and :func:`format_table`.
"""

from __future__ import annotations

import argparse
import importlib
import statistics
import sys
import time
import warnings

import numpy as np

import gdlab

NAMES = ("SGD", "Momentum", "Nesterov", "AdaGrad", "RMSProp", "Adam", "AdamW")
SIZES = (10**4, 10**6, 10**7)
TARGET_NAMES = ("Momentum", "Nesterov", "RMSProp", "Adam", "AdamW")
TARGET_SIZES = (10**6, 10**7)
TORCH_TARGET, BOUND_TARGET = 1.0, 3.0
ADAM_ARRAY_PASSES = 7          # an Adam step reads theta, g, m, v and writes theta, m, v

# gdlab class -> (its keyword arguments, the torch.optim class and keywords it equals)
CONFIGS = {
    "SGD": ({"lr": 1e-3}, "SGD", {"lr": 1e-3}),
    "Momentum": ({"lr": 1e-3, "beta": 0.9}, "SGD", {"lr": 1e-3, "momentum": 0.9}),
    "Nesterov": ({"lr": 1e-3, "beta": 0.9}, "SGD",
                 {"lr": 1e-3, "momentum": 0.9, "nesterov": True}),
    "AdaGrad": ({"lr": 1e-2, "eps": 1e-10}, "Adagrad", {"lr": 1e-2, "eps": 1e-10}),
    "RMSProp": ({"lr": 1e-2, "beta": 0.99, "eps": 1e-8}, "RMSprop",
                {"lr": 1e-2, "alpha": 0.99, "eps": 1e-8}),
    "Adam": ({"lr": 1e-3, "beta1": 0.9, "beta2": 0.999, "eps": 1e-8}, "Adam",
             {"lr": 1e-3, "betas": (0.9, 0.999), "eps": 1e-8}),
    "AdamW": ({"lr": 1e-3, "beta1": 0.9, "beta2": 0.999, "eps": 1e-8, "weight_decay": 0.01},
              "AdamW", {"lr": 1e-3, "betas": (0.9, 0.999), "eps": 1e-8, "weight_decay": 0.01}),
}
FUSED = ("Adam", "AdamW")


def _median_time(call, repeats: int) -> float:
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        call()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def bandwidth_bound(n: int, dtype=np.float64, repeats: int = 9) -> dict:
    """Memory bandwidth at ``n`` entries, and the least time an Adam step can take.

    Four arrays of ``n`` entries (an Adam step's footprint: theta, g, m, v) and two
    streaming kernels, each timed on alternating pairs so the whole footprint is touched:
    ``np.copyto(dst, src)`` (reads one array, writes another) and the in-place
    ``np.add(a, b, out=a)`` (reads two, writes one back where it read, the access pattern
    of every in-place optimizer step: no write-allocate traffic). Bytes read plus written
    over the median time; ``bytes_per_s`` is the faster kernel's, so the bound is the
    stricter one. ``adam_s`` = 7 arrays x itemsize x n / ``bytes_per_s`` (56 bytes per
    float64 parameter)."""
    itemsize = np.dtype(dtype).itemsize
    rng = np.random.default_rng(0)
    arrays = [rng.random(n).astype(dtype) for _ in range(4)]
    pairs = [(arrays[0], arrays[1]), (arrays[2], arrays[3])]
    turn = iter(range(10**9))

    def copy():
        dst, src = pairs[next(turn) % 2]
        np.copyto(dst, src)

    def add():
        a, b = pairs[next(turn) % 2]
        np.add(a, b, out=a)

    result = {"n": n, "dtype": np.dtype(dtype).name}
    for name, call, arrays_moved in (("copy", copy, 2), ("inplace_add", add, 3)):
        for _ in range(2):
            call()                                  # warm up: pages, caches
        seconds = _median_time(call, repeats)
        result[f"{name}_bytes_per_s"] = arrays_moved * itemsize * n / seconds
    result["bytes_per_s"] = max(result["copy_bytes_per_s"], result["inplace_add_bytes_per_s"])
    result["adam_bytes"] = ADAM_ARRAY_PASSES * itemsize * n
    result["adam_s"] = result["adam_bytes"] / result["bytes_per_s"]
    return result


def torch_missing() -> str | None:
    """Why the torch side cannot run, or None."""
    try:
        importlib.import_module("torch")
    except ImportError:
        return "torch is not installed (pip install torch==2.13.0); no comparison made"
    return None


def _torch_steppers(name, x0, g):
    """(label, step function, parameter tensor) for each torch configuration of ``name``."""
    import torch

    _, cls, kwargs = CONFIGS[name]
    variants = [("torch_foreach_s", {"foreach": True}), ("torch_loop_s", {"foreach": False})]
    if name in FUSED:
        variants.append(("torch_fused_s", {"fused": True}))
    out = []
    for label, extra in variants:
        p = torch.from_numpy(x0.copy()).requires_grad_(True)
        p.grad = torch.from_numpy(g.copy())
        try:
            opt = getattr(torch.optim, cls)([p], **kwargs, **extra)
            opt.step()
        except (RuntimeError, TypeError, ValueError):   # e.g. fused not built for CPU
            continue
        out.append((label, opt.step, p))
    return out


def step_ratios(sizes=SIZES, names=NAMES, repeats: int = 20, warmup: int = 3,
                bounds=None, unchecked: bool = False) -> list[dict]:
    """Median seconds per step of gdlab and torch.optim, float64, interleaved; see the
    module docstring. One row per (size, optimizer) with ``name, n, gdlab_s,
    torch_foreach_s, torch_loop_s, ratio_foreach, ratio_loop`` (ratio = gdlab / torch),
    ``torch_fused_s, ratio_fused`` for Adam and AdamW where fused runs, ``bound_s,
    ratio_bound`` (gdlab / :func:`bandwidth_bound`'s ``adam_s``) for Adam and AdamW, and
    ``agreement``: the relative difference (2-norm) of gdlab's parameters from those of
    torch(foreach=False) after the same steps, a check that both did the same arithmetic.
    ``bounds`` maps sizes to :func:`bandwidth_bound` results already measured. With
    ``unchecked``, also ``gdlab_unchecked_s``: gdlab's step without the checks an
    ``update`` makes first (finite params and grads, ...), to show what they cost.
    Returns [] (with a warning saying why) if torch is not installed."""
    reason = torch_missing()
    if reason:
        warnings.warn(reason, RuntimeWarning, stacklevel=2)
        return []
    import torch

    threads = torch.get_num_threads()
    torch.set_num_threads(1)      # numpy's elementwise operations use one thread too
    rows = []
    try:
        for n in sizes:
            bound = (bounds or {}).get(n) or bandwidth_bound(n)
            rng = np.random.default_rng(n)
            x0 = rng.standard_normal(n)
            g = rng.standard_normal(n) * np.geomspace(1e-3, 1e2, n)
            for name in names:
                rows.append(_time_one(name, n, x0, g, bound, repeats, warmup, unchecked))
    finally:
        torch.set_num_threads(threads)
    return rows


def _unchecked_update(name, x0, g):
    """A gdlab optimizer's update without its checks (they are done once, first)."""
    x, grad = x0.copy(), g.copy()
    opt = gdlab.OPTIMIZERS[name](**CONFIGS[name][0])
    opt.update(x, grad)                 # checks, and makes the state

    def update():
        opt.t += 1
        opt._step_in_blocks(x, grad, opt.state[None], opt._lr_at(opt.t))
    return update


def _time_one(name, n, x0, g, bound, repeats, warmup, unchecked=False) -> dict:
    x, grad = x0.copy(), g.copy()
    opt = gdlab.OPTIMIZERS[name](**CONFIGS[name][0])
    sides = [("gdlab_s", lambda: opt.update(x, grad), None)]
    if unchecked:
        sides.append(("gdlab_unchecked_s", _unchecked_update(name, x0, g), None))
    sides += _torch_steppers(name, x0, g)
    for label, call, _ in sides:        # warm up; all but gdlab_s made one step already
        for _ in range(warmup - (label != "gdlab_s")):
            call()
    times = {label: [] for label, _, _ in sides}
    for rep in range(repeats):
        shift = rep % len(sides)        # rotate the order: no side always runs first
        for label, call, _ in sides[shift:] + sides[:shift]:
            start = time.perf_counter()
            call()
            times[label].append(time.perf_counter() - start)
    row = {"name": name, "n": n}
    row.update({label: statistics.median(t) for label, t in times.items()})
    for label in ("torch_foreach_s", "torch_loop_s", "torch_fused_s"):
        if label in row:
            row["ratio_" + label[len("torch_"):-2]] = row["gdlab_s"] / row[label]
    if name in FUSED:
        row["bound_s"] = bound["adam_s"]
        row["ratio_bound"] = row["gdlab_s"] / bound["adam_s"]
        row["bytes_per_s"] = bound["bytes_per_s"]
    # torch's foreach Nesterov adds the buffer into p.grad in place (the same work per
    # step, other numbers): compare the parameters with the for-loop version
    loop = next((p for label, _, p in sides if label == "torch_loop_s"), None)
    if loop is not None:
        theirs = loop.detach().numpy()
        row["agreement"] = float(np.linalg.norm(x - theirs) / np.linalg.norm(theirs))
    return row


def missed_targets(rows) -> list[str]:
    """The targets of issue 12 that ``rows`` (from :func:`step_ratios`) miss, in words."""
    missed = []
    for row in rows:
        if row["n"] not in TARGET_SIZES or row["name"] not in TARGET_NAMES:
            continue
        if row.get("ratio_foreach", 0.0) > TORCH_TARGET:
            missed.append(f"{row['name']} at n = {row['n']:.0e}: gdlab/torch(foreach) = "
                          f"{row['ratio_foreach']:.2f} > {TORCH_TARGET}")
        if row["name"] == "Adam" and row["ratio_bound"] > BOUND_TARGET:
            missed.append(f"Adam at n = {row['n']:.0e}: {row['ratio_bound']:.2f} x the "
                          f"bandwidth bound > {BOUND_TARGET}")
    return missed


COLUMNS = [  # key, heading, width, scale, format
    ("gdlab_s", "gdlab", 8, 1e3, ".2f"), ("gdlab_unchecked_s", "unchckd", 8, 1e3, ".2f"),
    ("torch_foreach_s", "foreach", 8, 1e3, ".2f"), ("torch_loop_s", "loop", 8, 1e3, ".2f"),
    ("torch_fused_s", "fused", 8, 1e3, ".2f"), ("ratio_foreach", "/foreach", 8, 1, ".2f"),
    ("ratio_loop", "/loop", 6, 1, ".2f"), ("ratio_fused", "/fused", 6, 1, ".2f"),
    ("bound_s", "bound", 7, 1e3, ".2f"), ("ratio_bound", "/bound", 6, 1, ".2f"),
    ("agreement", "agree", 7, 1, ".0e")]


def format_table(rows) -> str:
    """The rows as a text table: times in ms per step, ratios gdlab / torch (or / bound)."""
    columns = [c for c in COLUMNS if any(c[0] in row for row in rows)]
    lines = [f"{'optimizer':9} {'n':>6} " + " ".join(f"{h:>{w}}" for _, h, w, _, _ in columns)]
    for row in rows:
        cells = [" " * w if row.get(key) is None else f"{scale * row[key]:{w}{fmt}}"
                 for key, _, w, scale, fmt in columns]
        lines.append(f"{row['name']:9} {row['n']:>6.0e} " + " ".join(cells))
    return "\n".join(lines)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("sizes", nargs="*", type=float, help="numbers of parameters")
    parser.add_argument("--repeats", type=int, default=20)
    parser.add_argument("--unchecked", action="store_true",
                        help="also time gdlab's step without the checks of an update")
    args = parser.parse_args(argv)
    sizes = tuple(int(s) for s in args.sizes) or SIZES
    start = time.perf_counter()
    bounds = {n: bandwidth_bound(n) for n in sizes}
    for n, b in bounds.items():
        print(f"n = {n:.0e}: copy {b['copy_bytes_per_s'] / 1e9:.1f} GB/s, in-place add "
              f"{b['inplace_add_bytes_per_s'] / 1e9:.1f} GB/s (read + written); an Adam step "
              f"moves {b['adam_bytes'] / 1e6:.0f} MB: at least {1e3 * b['adam_s']:.2f} ms")
    rows = step_ratios(sizes, repeats=args.repeats, bounds=bounds, unchecked=args.unchecked)
    if not rows:
        print(torch_missing())
        return 0
    print(format_table(rows))
    missed = missed_targets(rows)
    print(f"total {time.perf_counter() - start:.0f} s; "
          + ("targets missed:\n  " + "\n  ".join(missed) if missed else "all targets met"))
    return 1 if missed else 0


if __name__ == "__main__":
    sys.exit(main())
