r"""Companion of chapter 8, *Learning-rate decay* (``chapters/08-learning-rate-decay.ipynb``).

It holds the chapter's schedule explorer, :func:`explorer` (a schedule and its starting rate
-> the rate curve, a noisy path on the contours and its loss against a target; the compute
step, which builds the schedule and runs SGD, is written in the notebook), the verdict the
explorer's frames give, :func:`verdict`, the widget-plot exercise, :func:`decay_explorer`
with its verdict :func:`decay_verdict` (pick the decay rate r of inverse-time decay), one
color per schedule, ``SCHEDULE_COLORS``, and the checks of two exercises: the stationary
spread of SGD by hand (:func:`check_stationary_variance`) and Andrew Ng's decay on his epoch
count (:func:`check_ng_rates`). Expected answers and verdicts come from
:mod:`gdlab.theory.stochastic` and :mod:`gdlab.schedules`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Callable, Sequence

import numpy as np
from matplotlib.lines import Line2D
from matplotlib.ticker import MaxNLocator

from gdlab import plots
from gdlab.explorer import Explorer
from gdlab.panels import contour_axes, loss_axes, loss_curves, paths, verdict_box
from gdlab.feedback import Feedback, check_number, check_points
from gdlab.functions import Noisy, Quadratic
from gdlab.run import Trajectory
from gdlab.schedules import ExponentialDecay, InverseTimeDecay
from gdlab.theory import sgd_expected_gap, sgd_stationary_variance
from gdlab.validation import (check_finite_array, check_in_range, check_point,
                              check_positive_int)

__all__ = ["SCHEDULE_COLORS", "explorer", "verdict", "Verdict", "decay_explorer",
           "decay_verdict", "check_stationary_variance", "check_ng_rates"]

#: One color per schedule in every figure of the chapter (Okabe & Ito, then grays).
SCHEDULE_COLORS = {
    "constant": "#4D4D4D", "1/(1+rn)": "#0072B2", "exponential": "#56B4E9",
    "step": "#E69F00", "inverse sqrt": "#009E73", "cosine": "#D55E00", "linear": "#CC79A7",
    "warm-up + cosine": "#882255", "manual": "#8C564B", "SGDR": "#999933",
    "k/√n": "#009E73", "0.95ⁿ": "#56B4E9", "linear warm-up": "#999999",
}


# -- the verdict of the schedule explorer's frames --------------------------------------------
@dataclass
class Verdict:
    """What :func:`verdict` says about a schedule: ``kind`` is one of "on target", "too
    noisy", "frozen", "too slow", "diverged"; ``text`` is the sentence the explorer shows;
    ``expected``, ``bias`` and ``noise`` are the expected final gap and its two parts."""

    kind: str
    text: str
    expected: float
    bias: float
    noise: float


def verdict(lrs, f: Noisy, x0, target: float) -> Verdict:
    r"""Does SGD with the rates ``lrs`` (:math:`\alpha_1..\alpha_T`) on the noisy quadratic
    ``f`` from ``x0`` end, in expectation, within ``target`` of the minimum?

    The expected final gap :math:`\mathbb E[f(x_T) - f^*]` is exact
    (:func:`gdlab.theory.sgd_expected_gap`), and it splits into a *bias* part (what
    full-batch descent with the same rates leaves, ``sigma = 0``) and a *noise* part (the
    rest). On target when the total is at most ``target``; otherwise the larger part names
    the miss: noise -> "too noisy: decay more"; bias -> "frozen" when the rates have decayed
    (the last is below half the largest) or "too slow" when they have not. A run whose
    expected gap grows beyond 1e6 times its start is "diverged".
    """
    A, sigma, e0, lrs, target = _verdict_inputs(lrs, f, x0, target)
    with np.errstate(over="ignore", invalid="ignore"):
        total = sgd_expected_gap(lrs, A, sigma, e0)
        bias = sgd_expected_gap(lrs, A, 0.0, e0)
    return _judged(lrs, total, bias, target)


def _judged(lrs: np.ndarray, total: np.ndarray, bias: np.ndarray, target: float) -> Verdict:
    """:func:`verdict`'s judgement from the expected gap ``total`` and its bias part
    ``bias`` (t = 0..T) of the rates ``lrs``."""
    expected, bias = float(total[-1]), float(bias[-1])
    noise = expected - bias
    if not np.isfinite(expected) or expected > 1e6 * max(total[0], 1e-12):
        return Verdict("diverged", "diverged: lower lr0", expected, bias, noise)
    if expected <= target:
        return Verdict("on target", f"on target\nexpected final gap {expected:.3g} ≤ {target:g}",
                       expected, bias, noise)
    numbers = f"expected final gap {expected:.3g} > {target:g}"
    if noise >= bias:
        return Verdict("too noisy", f"too noisy: decay more\n(or start lower)\n{numbers}",
                       expected, bias, noise)
    if lrs[-1] < 0.5 * lrs.max():
        return Verdict("frozen", f"decayed too early: frozen\nabove the target: decay later\n"
                                 f"{numbers}", expected, bias, noise)
    return Verdict("too slow", f"too slow: still descending,\nraise lr0\n{numbers}",
                   expected, bias, noise)


def _verdict_inputs(lrs, f, x0, target):
    """The Hessian, noise level and start error of ``f`` (a ``Noisy`` quadratic), with the
    rates and the target checked."""
    if not (isinstance(f, Noisy) and isinstance(f.f, Quadratic) and f.minimum is not None):
        raise ValueError(f"f must be a gdlab.Noisy wrapping a gdlab.Quadratic with a minimum "
                         f"(e.g. gdlab.Noisy(gdlab.elongated_bowl, sigma=1)), got {f!r}")
    lrs = check_finite_array("lrs", lrs, ndim=1)
    if len(lrs) == 0 or np.any(lrs < 0):
        raise ValueError(f"lrs must hold the rates α_1, ..., α_T (T >= 1), each >= 0; got "
                         f"{len(lrs)} rates")
    x0 = check_point("x0", x0, f.dim, f.name)
    target = check_in_range("target", target, 0.0, low_open=True)
    return f.f.A, f.sigma, x0 - f.minimum, lrs, target


# -- the explorer ---------------------------------------------------------------------------
def explorer(compute: Callable, schedules: Sequence[str], lr0s: Sequence[float], f: Noisy,
             x0, steps: int, target: float, start: dict | None = None) -> Explorer:
    r"""One frame per schedule name in ``schedules`` and starting rate in ``lr0s``: the rate
    curve, the noisy path on the contours of ``f`` and its loss against ``target``.

    ``compute(schedule=name, lr0=value)`` (written in the notebook) returns a dict with
    ``"lrs"``, the ``steps`` rates :math:`\alpha_1..\alpha_T` it used, and ``"run"``, the
    :class:`gdlab.Trajectory` of SGD with them on ``f`` from ``x0``. The loss panel shows
    the run's gap (pale) and the *expected* gap over the noise (dark, exact by
    :func:`gdlab.theory.sgd_expected_gap`), the target dashed, and :func:`verdict`'s
    sentence in a box. Axes are shared by all frames. ``result(...)`` is ``compute``'s dict;
    ``start={"schedule": ..., "lr0": ...}`` picks the first frame.
    """
    if not callable(compute):
        raise ValueError(f"compute must be a function compute(schedule, lr0) -> dict, "
                         f"got {compute!r}")
    names = [str(name) for name in schedules]
    lr0s = [check_in_range(f"lr0s[{i}]", lr0, 0.0, low_open=True) for i, lr0 in enumerate(lr0s)]
    steps = check_positive_int("steps", steps)
    _verdict_inputs(np.ones(1), f, x0, target)   # f, x0 and target checked up front
    top = 1.08 * max(lr0s)
    e0 = check_point("x0", x0, f.dim, f.name) - f.minimum

    def setup(fig):
        ax_lr, ax_path, ax_loss = fig.subplots(1, 3, width_ratios=[0.8, 1.25, 1])
        _rate_axes(ax_lr, steps, top)
        contour_axes(ax_path, f, title="noisy path", levels=10, resolution=60)
        ax_path.set_xlabel("x")            # plain text: mathtext is slow to lay out
        ax_path.set_ylabel("y")
        loss_axes(ax_loss, steps, low=-4, high=3, ylabel="f(x_t) − f* (log scale)",
                  title="loss gap")
        for axis in (ax_path.xaxis, ax_path.yaxis, ax_loss.xaxis):
            axis.set_major_locator(MaxNLocator(4))
        return ax_lr, ax_path, ax_loss

    def draw(axes, result, schedule, lr0):
        result = _checked(result, steps, f"compute(schedule={schedule!r}, lr0={lr0:g})")
        run, lrs = result["run"], result["lrs"]
        ax_lr, ax_path, ax_loss = axes
        color = SCHEDULE_COLORS.get(schedule, plots.color_of("SGD"))
        ax_lr.plot(np.arange(1, steps + 1), lrs, color=color)
        ax_lr.set_title(f"{schedule}, lr0 = {lr0:g}", fontsize=10)
        paths(ax_path, {"SGD": run}, markersize=1.0, legend=None)
        expected = sgd_expected_gap(lrs, f.f.A, f.sigma, e0)
        loss_curves(ax_loss, {"this run": (run.gaps(), color, 0.35),
                              "expected": (expected, color)}, low=-4, legend=None)
        ax_loss.axhline(target, color="black", linestyle="--", linewidth=1.0, label="target")
        ax_loss.legend(loc="lower left", fontsize=8)
        verdict_box(ax_loss, verdict(lrs, f, x0, target).text, fontsize=7.5)

    shown = Explorer({"schedule": names, "lr0": lr0s}, compute, draw, start=start,
                     title="Schedule explorer: the rate, the noisy path and its loss",
                     figsize=(9.0, 3.3), dpi=72, max_frames=24, setup=setup)
    _checked(shown.result(), steps,
             f"compute(schedule={shown.start['schedule']!r}, lr0={shown.start['lr0']:g})")
    return shown


def _rate_axes(ax, steps: int, top: float) -> None:
    """The unchanging half of the rate panel: steps 0..steps, rates 0..top, labeled."""
    ax.set_xlim(0, steps)
    ax.set_ylim(0.0, top)
    ax.set_xlabel("step t")
    ax.set_ylabel("learning rate α_t")
    for axis in (ax.xaxis, ax.yaxis):
        axis.set_major_locator(MaxNLocator(4))


def _checked(result, steps: int, call: str) -> dict:
    """``compute``'s result with ``lrs`` as a float array, or a ValueError saying what the
    explorer misses in it (``call`` names the call that returned it)."""
    if not isinstance(result, Mapping) or not {"lrs", "run"} <= set(result):
        raise ValueError(f"{call} must return a dict with 'lrs' (the rates) and 'run' (the "
                         f"gdlab.Trajectory); got {type(result).__name__}")
    lrs = check_finite_array(f"{call}['lrs']", result["lrs"], ndim=1)
    if len(lrs) != steps:
        raise ValueError(f"{call}['lrs'] must hold steps = {steps} rates, got {len(lrs)}")
    if not hasattr(result["run"], "gaps"):
        raise ValueError(f"{call}['run'] must be a gdlab.Trajectory, got "
                         f"{type(result['run']).__name__}")
    return {**result, "lrs": lrs}


# -- explorer 2: the widget-plot exercise ------------------------------------------------------
def decay_verdict(lrs, f: Noisy, x0, target: float) -> tuple[bool, str]:
    r"""(on target?, verdict) for SGD with the inverse-time rates ``lrs``,
    :math:`\alpha_t = \alpha_0/(1 + r(t-1))`, whose control is the decay rate r: the expected
    final gap of :func:`verdict` against ``target`` and, for a miss, its larger part. Noise
    (the last rate :math:`\alpha_T` still kicks hard) -> raise r; bias (the rates add up to
    too short a way, :math:`\sum_t\alpha_t`: the run froze) -> lower r."""
    return _decay_words(verdict(lrs, f, x0, target), np.asarray(lrs, dtype=float), target)


def _decay_words(judged: Verdict, lrs: np.ndarray, target: float) -> tuple[bool, str]:
    """:func:`decay_verdict` from :func:`verdict`'s judgement of the rates ``lrs``."""
    if judged.kind == "diverged":
        return False, judged.text
    if judged.kind == "on target":
        return True, f"on target\nexpected {judged.expected:.3g} ≤ {target:g}"
    gap = f"expected {judged.expected:.3g} > {target:g}"
    if judged.noise >= judged.bias:
        return False, f"too noisy: α_T = {lrs[-1]:.3g}\n{gap}\nraise r (decay faster)"
    return False, f"frozen: Σα_t = {lrs.sum():.3g}\n{gap}\nlower r (decay slower)"


def decay_explorer(compute: Callable, decay_rates: Sequence[float], f: Noisy, x0, steps: int,
                   target: float, start: dict | None = None) -> Explorer:
    r"""The widget-plot exercise: one frame per decay rate r in ``decay_rates``.

    ``compute(decay_rate=r)`` returns, as for :func:`explorer`, a dict with ``"lrs"``, the
    ``steps`` rates :math:`\alpha_t = \alpha_0/(1 + r(t-1))` (``InverseTimeDecay(α0, r)``),
    and ``"run"``, the :class:`gdlab.Trajectory` of SGD with them on ``f`` from ``x0``. The
    frame shows the run's gap (pale), its expected gap (exact, dark) with the bias part
    (dotted) and the noise part (dash-dot), the target ``target`` dashed over a band, and
    :func:`decay_verdict`.
    """
    if not callable(compute):
        raise ValueError(f"compute must be a function compute(decay_rate) -> dict, "
                         f"got {compute!r}")
    decay_rates = [check_in_range(f"decay_rates[{i}]", r, 0.0) for i, r in enumerate(decay_rates)]
    if not decay_rates:
        raise ValueError("decay_rates must list at least one decay rate r >= 0, got none")
    steps = check_positive_int("steps", steps)
    _verdict_inputs(np.ones(1), f, x0, target)   # f, x0 and target checked up front
    e0 = check_point("x0", x0, f.dim, f.name) - f.minimum
    style = plots.style_of("SGD")
    looks = {"this run": (style, 0.35), "expected": ({**style, "linewidth": 1.8}, 1.0),
             "bias part": ({**style, "linestyle": ":"}, 1.0),
             "noise part": ({**style, "linestyle": "-."}, 1.0)}
    target_look = {"color": "black", "linestyle": "--", "linewidth": 1.0,
                   "label": f"target {target:g}"}

    def setup(fig):
        ax = fig.subplots()
        loss_axes(ax, steps, low=-4, high=3, every=1)
        # the same legend in every frame, below the panel (inside, the curves would cross
        # it): drawn once, with the background
        fig.legend(handles=[Line2D([], [], **look, alpha=alpha, label=label)
                            for label, (look, alpha) in looks.items()]
                   + [Line2D([], [], **target_look)], loc="outside lower center", fontsize=8,
                   ncol=3, frameon=False)
        return ax

    def draw(ax, result, decay_rate):
        lrs, run = _inverse_time(result, steps, decay_rate)
        expected = sgd_expected_gap(lrs, f.f.A, f.sigma, e0)
        bias = sgd_expected_gap(lrs, f.f.A, 0.0, e0)
        ok, text = _decay_words(_judged(lrs, expected, bias, target), lrs, target)
        values = [run.gaps(), expected, bias, expected - bias]
        loss_curves(ax, {label: (curve, look, alpha) for (label, (look, alpha)), curve
                         in zip(looks.items(), values)}, low=-4, legend=None)
        ax.axhspan(1e-4, target, color="#009E73" if ok else "#D55E00", alpha=0.08)
        ax.axhline(target, **target_look)
        ax.set_title(f"SGD, α_t = {lrs[0]:g}/(1 + {decay_rate:g}(t − 1))", fontsize=10)
        verdict_box(ax, text, fontsize=9)

    shown = Explorer({"decay_rate": decay_rates}, compute, draw, setup=setup, start=start,
                     title="Exercise: pick the decay rate r so that SGD ends on target",
                     figsize=(8.0, 3.6), dpi=72, max_frames=16)
    _inverse_time(shown.result(), steps, shown.start["decay_rate"])
    return shown


def _inverse_time(result, steps: int, decay_rate: float) -> tuple[np.ndarray, Trajectory]:
    """``(lrs, run)`` of ``compute(decay_rate=r)``'s result, checked by :func:`_checked` and
    for its rates: ``lrs[t-1]`` must be ``lrs[0] / (1 + r(t - 1))``."""
    call = f"compute(decay_rate={decay_rate:g})"
    result = _checked(result, steps, call)
    lrs = result["lrs"]
    wanted = lrs[0] / (1.0 + decay_rate * np.arange(steps))
    off = np.flatnonzero(~np.isclose(lrs, wanted, rtol=1e-9, atol=0.0))
    if len(off):
        raise ValueError(f"{call}['lrs'] must be the rates α0/(1 + r(t − 1)) with r = "
                         f"{decay_rate:g} (gdlab.schedules.InverseTimeDecay(α0, r)); at "
                         f"t = {off[0] + 1} it holds {lrs[off[0]]:.4g}, not {wanted[off[0]]:.4g}")
    return lrs, result["run"]


# -- exercise: the stationary spread by hand --------------------------------------------------
def check_stationary_variance(answer, lr: float, curvature: float, sigma: float) -> Feedback:
    r"""Check a hand-computed stationary variance of SGD on the noisy 1-D quadratic,
    :math:`\alpha\sigma^2/(\lambda(2-\alpha\lambda))`, to 0.5%; recognized slips: the
    small-rate approximation :math:`\alpha\sigma^2/(2\lambda)`, the standard deviation
    instead of the variance, the expected loss :math:`\tfrac\lambda2 v` instead of
    :math:`v`, :math:`(1-\alpha\lambda)` not squared (:math:`\alpha\sigma^2/\lambda`), and a
    sign slip in :math:`1-(1-\alpha\lambda)^2` (:math:`2+\alpha\lambda`)."""
    expected = sgd_stationary_variance(lr, curvature, sigma)   # checks lr in (0, 2/λ)
    hints = [(lr * sigma ** 2 / (2 * curvature),
              "that is the small-rate approximation ασ²/(2λ); keep the exact factor "
              "1/(2 − αλ), which matters when αλ is not small."),
             (np.sqrt(expected), "that is the standard deviation; the question asks for the "
                                 "variance, its square."),
             (0.5 * curvature * expected, "that is the expected loss above the minimum, "
                                          "(λ/2)·Var; the variance is 2/λ times larger."),
             (lr * sigma ** 2 / curvature, "the factor (1 − αλ) multiplies the error, so the "
                                          "variance gets its square: v = (1 − αλ)²v + α²σ²."),
             (lr * sigma ** 2 / (curvature * (2 + lr * curvature)),
              "check the sign: 1 − (1 − αλ)² = αλ(2 − αλ).")]
    return check_number(answer, expected, name="The stationary variance", rtol=5e-3,
                        hints=[(v, text) for v, text in hints if not np.isclose(v, expected)])


# -- exercise: Ng's slide, epochs counted from 1 -----------------------------------------------
def check_ng_rates(answer, lr0: float, decay_rate: float, epochs: int = 4) -> Feedback:
    r"""Check the rates :math:`\alpha_0/(1 + r\cdot n)` of Andrew Ng's slide for epochs
    :math:`n = 1..`\ ``epochs`` (his count starts at 1), to 0.5%. The expected values come
    from ``InverseTimeDecay(lr0 / (1 + r), r / (1 + r))`` (gdlab counts from 0, so the
    slide's first epoch is gdlab's first update); recognized slips: epochs counted from 0
    (the first rate is :math:`\alpha_0`), Ng's other formula :math:`0.95^n\alpha_0`, and
    multiplying by :math:`1 + rn` instead of dividing."""
    lr0 = check_in_range("lr0", lr0, 0.0, low_open=True)
    decay_rate = check_in_range("decay_rate", decay_rate, 0.0, low_open=True)
    epochs = check_positive_int("epochs", epochs)
    t = range(1, epochs + 1)
    slide = InverseTimeDecay(lr0 / (1 + decay_rate), decay_rate / (1 + decay_rate))
    from_zero = InverseTimeDecay(lr0, decay_rate)
    exponential = ExponentialDecay(0.95 * lr0, 0.95)
    column = np.array([[slide(k)] for k in t])
    hints = [(np.array([[from_zero(k)] for k in t]),
              f"you counted epochs from 0, so your first rate is α0 = {lr0:g}; on the slide "
              f"the first epoch is n = 1: α0/(1 + r) = {slide(1):.4g}."),
             (np.array([[exponential(k)] for k in t]),
              "that is Ng's other schedule, 0.95ⁿ·α0; this one is α0/(1 + r·n)."),
             (np.array([[lr0 * (1 + decay_rate * k)] for k in t]),
              "the rate should fall: divide α0 by 1 + r·n.")]
    names = [f"epoch {k}" for k in t]
    try:
        given = np.asarray(answer, dtype=float).reshape(-1, 1)
    except (TypeError, ValueError):
        given = answer   # check_points reports what it cannot read
    return check_points(given, column, names=names, hints=hints, rtol=5e-3, atol=0.0,
                        sequential=False)
