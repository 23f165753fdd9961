r"""Companion of chapter 10, *Training a network* (``chapters/10-training-a-network.ipynb``).

It holds the drawing of the chapter's two explorers, each fed by a compute step written in
the notebook that looks up runs the notebook trained once with :func:`gdlab.nn.train`:
:func:`explorer` (the training and test loss of one optimizer at one learning rate of the
sweep) and :func:`lr_picker` (the widget-plot exercise: pick a learning rate for SGD so
that the training loss ends below a target), their verdicts :func:`run_verdict` and
:func:`lr_verdict`, and the check of the by-hand exercise, :func:`check_param_count`,
whose expected answer is :attr:`gdlab.nn.MLP.n_params`.
"""

from __future__ import annotations

import math
from typing import Callable, Mapping, Sequence

import numpy as np

from gdlab import plots
from gdlab.explorer import Explorer
from gdlab.feedback import Feedback, check_number
from gdlab.nn import MLP, History
from gdlab.panels import log_ticks, verdict_box
from gdlab.validation import check_in_range, check_positive_int

__all__ = ["explorer", "lr_picker", "run_verdict", "lr_verdict", "check_param_count"]

LOW, HIGH = -2, 1          # the loss axes span 1e-2 .. 1e1 (a loss of 0.01 is a trained net)


def _history(result, epochs: int) -> History:
    """``result["history"]``, checked: a dict holding a :class:`gdlab.nn.History` of
    ``epochs`` epochs (fewer if the run diverged)."""
    if not isinstance(result, Mapping) or "history" not in result:
        raise ValueError(f"compute must return a dict with 'history' (a gdlab.nn.History), "
                         f"got {type(result).__name__}"
                         + (f" with keys {', '.join(map(repr, result))}"
                            if isinstance(result, Mapping) else ""))
    history = result["history"]
    if not isinstance(history, History):
        raise ValueError(f"compute's result['history'] must be a gdlab.nn.History (what "
                         f"gdlab.nn.train returns), got {type(history).__name__}")
    if not history.diverged and history.epochs != epochs:
        raise ValueError(f"compute's run has {history.epochs} epochs, but the explorer was "
                         f"given epochs={epochs}")
    return history


def _loss_axes(ax, epochs: int, classes: int) -> None:
    """The unchanging half of a loss-per-epoch panel: a log axis 1e-2..1e1 over epochs
    0..epochs, labeled, with the loss of a model that guesses (ln K) dotted."""
    log_ticks(ax, LOW, HIGH)
    ax.set_xlim(0, epochs)
    ax.set_xlabel("epoch")
    ax.set_ylabel("loss (log scale)")
    ax.axhline(math.log(classes), color="gray", linestyle=":", linewidth=1,
               label=f"chance: ln {classes} = {math.log(classes):.2f}")


def _curve(ax, values, **style) -> None:
    """Loss values per epoch, kept inside the axes (a diverging loss is drawn at the top)."""
    values = np.clip(np.asarray(values, dtype=float), 10.0 ** LOW, 10.0 ** HIGH)
    ax.plot(np.arange(len(values)), values, **style)


def rose_above_start(history: History) -> bool:
    """Whether the training loss rose above its starting value at some epoch: the sign of
    a learning rate that is too high, even where the run later settles or stalls."""
    return bool(np.max(history.train_loss[1:], initial=-np.inf) > history.train_loss[0])


# -- explorer 1: optimizer x learning rate --------------------------------------------------
def run_verdict(history: History) -> str:
    """The explorer's verdict on one run: where it ended, or that it diverged."""
    if history.diverged:
        return f"{history.status.split(':')[0]}:\nthe learning rate is too high"
    words = (f"final training loss {history.train_loss[-1]:.3f}\n"
             f"test accuracy {100 * history.test_accuracy[-1]:.1f}%")
    start = history.train_loss[0]
    if history.train_loss[-1] > 0.9 * start:
        words += ("\njumped up, then stuck near chance:\ntoo high" if rose_above_start(history)
                  else "\nhas hardly moved: too low")
    return words


def explorer(compute: Callable, optimizers: Sequence[str], lrs: Sequence[float], epochs: int,
             classes: int = 10, start: dict | None = None) -> Explorer:
    """An explorer over the optimizer (``optimizers``, names of the book's colors) and the
    learning rate (``lrs``): ``compute(optimizer=name, lr=α)`` returns a dict with
    ``"history"``, the :class:`gdlab.nn.History` of a run of ``epochs`` epochs. The frame
    shows its training loss (solid) and test loss (dashed) per epoch on a log scale, the
    loss of guessing (ln ``classes``) dotted, and :func:`run_verdict` in a box."""
    if not callable(compute):
        raise ValueError(f"compute must be a function of optimizer and lr, got {compute!r}")
    optimizers = [str(name) for name in optimizers]
    for name in optimizers:
        plots.color_of(name)                          # a name the palette knows
    lrs = [check_in_range(f"lrs[{i}]", lr, 0.0, low_open=True) for i, lr in enumerate(lrs)]
    epochs, classes = check_positive_int("epochs", epochs), check_positive_int("classes",
                                                                                 classes, 2)

    def setup(fig):
        ax = fig.subplots()
        _loss_axes(ax, epochs, classes)
        return ax

    def draw(ax, result, optimizer, lr):
        history = _history(result, epochs)
        color = plots.color_of(optimizer)
        _curve(ax, history.train_loss, color=color, linewidth=2, label="training loss")
        _curve(ax, history.test_loss, color=color, linestyle="--", linewidth=1.5,
               label="test loss")
        ax.set_title(f"{optimizer}, α = {lr:g}: loss per epoch", fontsize=11)
        ax.legend(loc="lower left", fontsize=9)
        verdict_box(ax, run_verdict(history), fontsize=9)

    shown = Explorer({"optimizer": optimizers, "lr": lrs}, compute, draw, setup=setup,
                     start=start, title="Training the digits network: optimizer and α",
                     figsize=(8.0, 3.8), dpi=72, max_frames=24)
    _history(shown.result(), epochs)      # a broken compute fails here, not in draw
    return shown


# -- explorer 2: the widget-plot exercise -----------------------------------------------------
def lr_verdict(history: History, target: float) -> tuple[bool, str]:
    """(on target?, verdict): the final training loss is at most ``target``; if not, say
    which way to move α: down when the run diverged or its loss ever rose above the
    start, up when it only fell too slowly."""
    if history.diverged:
        return False, f"{history.status.split(':')[0]}:\ntoo high, lower α"
    final = history.train_loss[-1]
    if final <= target:
        return True, f"on target: final loss {final:.3f} ≤ {target:g}"
    if rose_above_start(history):
        return False, (f"final loss {final:.3f} > {target:g}; the loss rose\nabove its start "
                       f"({history.train_loss[0]:.2f}) on the way: too high, lower α")
    return False, f"final loss {final:.3f} > {target:g}\nand falling slowly: too low, raise α"


def lr_picker(compute: Callable, lrs: Sequence[float], target: float, best: History,
              best_lr: float, epochs: int, optimizer: str = "SGD", classes: int = 10,
              start: dict | None = None) -> Explorer:
    """The widget-plot exercise: ``compute(lr=α)`` returns a dict with ``"history"``, a run
    of ``optimizer`` for ``epochs`` epochs. The frame shows its training loss against the
    target band (a final loss at most ``target``, shaded) and the best run of the grid
    (``best``, at ``best_lr``, faded), with :func:`lr_verdict` in a box."""
    if not callable(compute):
        raise ValueError(f"compute must be a function of lr, got {compute!r}")
    lrs = [check_in_range(f"lrs[{i}]", lr, 0.0, low_open=True) for i, lr in enumerate(lrs)]
    target = check_in_range("target", target, 10.0 ** LOW, 10.0 ** HIGH)
    epochs, classes = check_positive_int("epochs", epochs), check_positive_int("classes",
                                                                                 classes, 2)
    best = _history({"history": best}, epochs)
    color = plots.color_of(optimizer)

    def setup(fig):
        ax = fig.subplots()
        _loss_axes(ax, epochs, classes)
        ax.axhspan(10.0 ** LOW, target, color="#009E73", alpha=0.15,
                   label=f"target: final loss ≤ {target:g}")
        ax.axhline(target, color="#009E73", linestyle="--", linewidth=1)
        _curve(ax, best.train_loss, color=color, alpha=0.35, linewidth=4,
               label=f"best on the grid, α = {best_lr:g}")
        return ax

    def draw(ax, result, lr):
        history = _history(result, epochs)
        ok, verdict = lr_verdict(history, target)
        _curve(ax, history.train_loss, color=color, linewidth=2, marker="o", markersize=4,
               label=f"your run, α = {lr:g}")
        ax.set_title(f"{optimizer} with α = {lr:g}: training loss per epoch", fontsize=11)
        ax.legend(loc="lower left", fontsize=9)
        verdict_box(ax, ("✔ " if ok else "✘ ") + verdict, fontsize=9)

    shown = Explorer({"lr": lrs}, compute, draw, setup=setup, start=start,
                     title=f"Exercise: pick α so that {optimizer}'s training loss ends "
                           f"below {target:g}",
                     figsize=(8.0, 3.8), dpi=72, max_frames=16)
    _history(shown.result(), epochs)
    return shown


# -- the check of the by-hand exercise --------------------------------------------------------
def check_param_count(answer, sizes: Sequence[int] = (784, 128, 64, 10)) -> Feedback:
    r"""Check a by-hand count of the parameters of a fully connected network with layer
    widths ``sizes`` (input first): :math:`\sum_l (n_{l-1} + 1)\,n_l`, weights and biases.

    The expected count is :attr:`gdlab.nn.MLP.n_params` of that network. Recognized slips:
    weights only (no biases), the first layer only, a bias per *input* of each layer, a
    bias for the input layer too, counting the units, and multiplying all the widths.
    """
    model = MLP(list(sizes))
    n = model.sizes
    pairs = list(zip(n[:-1], n[1:]))
    weights = sum(a * b for a, b in pairs)
    expected = model.n_params
    slips = [
        (weights, f"you counted the {weights:,} weights but not the biases: each unit of "
                  f"layers 1..{len(pairs)} has one bias too ({expected - weights:,} in all)."),
        ((n[0] + 1) * n[1], "that is the first layer only; add (n_in + 1)·n_out for every "
                            "pair of consecutive layers."),
        (sum(a * (b + 1) for a, b in pairs),
         "the bias belongs to the receiving unit: layer l has n_l biases, not n_(l-1)."),
        (expected + n[0], "the input layer has no biases: it is the data, not a layer of "
                          "units that computes anything."),
        (sum(n), "that counts the units (neurons), not the parameters that connect them."),
        (math.prod(n), "layers are connected pair by pair: add n_(l-1)·n_l over consecutive "
                       "pairs instead of multiplying all the widths."),
    ]
    hints = [(value, text) for value, text in slips if value != expected]
    return check_number(answer, expected, name="The number of parameters", rtol=1e-12,
                        hints=hints)
