r"""Companion of chapter 7, *Bias correction* (``chapters/07-bias-correction.ipynb``).

It holds the drawing of the chapter's two explorers, each fed by a compute step written in
the notebook: :func:`explorer` (the weights of a zero-started average at step :math:`t` and
its raw and corrected values on a noisy series) and :func:`step_explorer` (the widget-plot
exercise: pick the learning-rate multiplier c that brings uncorrected Adam's first steps
within a factor of 2 of corrected Adam's, judged by :func:`step_verdict`), and the check of
exercise 2, :func:`check_corrected_averages` (three bias-corrected averages by hand).
The check's averages come from :func:`gdlab.ewma` and the factor :math:`1/(1-\beta^t)` from
:func:`gdlab.bias_correction_factor`.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Callable, Sequence

import numpy as np
from matplotlib.lines import Line2D
from matplotlib.patches import Patch
from matplotlib.ticker import FuncFormatter, MaxNLocator, NullLocator

import gdlab
from gdlab import plots
from gdlab.explorer import Explorer
from gdlab.panels import verdict_box
from gdlab.feedback import Feedback, earlier_right, matching_hint
from gdlab.validation import check_finite_array, check_in_range, check_positive_int, check_real

RAW_COLOR, CORRECTED_COLOR = plots.AVERAGE_COLORS[0], plots.AVERAGE_COLORS[1]
# What the explorer's draw reads from compute's result: the arrays hold one value per point
# i = 1..t, the numbers describe step t.
RESULT_ARRAYS = ("weights", "data", "raw", "corrected")
RESULT_NUMBERS = ("weight_sum", "factor")


# -- explorer 1: the weights and the averages ----------------------------------------------
def explorer(compute: Callable, betas: Sequence[float] = (0.5, 0.9, 0.99, 0.999),
             ts: Sequence[int] = (1, 2, 5, 10, 30, 100, 1000), mean: float = 1.0,
             start: dict | None = None) -> Explorer:
    r"""An explorer over β in ``betas`` and the step t in ``ts`` that draws what
    ``compute(beta=β, t=t)`` returns: the weights of a zero-started EWMA at step t, and its
    raw and bias-corrected averages of a noisy series whose true mean is ``mean``.

    ``compute`` receives the keyword arguments ``beta`` (a float from ``betas``) and ``t``
    (an int from ``ts``) and returns a dict with

    * ``weights``: the t weights :math:`(1-\beta)\beta^{t-i}`, i = 1..t, of the raw average,
    * ``data``: the points :math:`g_1, \dots, g_t` of the series,
    * ``raw`` and ``corrected``: the averages :math:`m_1, \dots, m_t` and
      :math:`\hat m_1, \dots, \hat m_t`,
    * ``weight_sum``: the sum of the weights, :math:`1-\beta^t`,
    * ``factor``: the correction :math:`1/(1-\beta^t)`;

    the first four are arrays of length t, the last two numbers. A result that breaks this
    raises a ValueError saying how (checked once when the explorer is built, at the largest
    t, and again for each frame drawn).

    Left panel: the raw weights and the corrected ones (times ``factor``), which sum to 1.
    Right panel: the data, ``raw`` and ``corrected`` up to step t on a log-scaled time axis,
    with the true ``mean`` dashed; its y range, shared by all frames, comes from the data
    ``compute`` returns at the largest t. ``result(beta=..., t=...)`` is ``compute``'s
    result. The explorer starts at β = 0.9 and t = 10 when they are listed (else at the
    middle values); ``start`` overrides that.
    """
    if not callable(compute):
        raise ValueError(f"compute must be a function compute(beta, t) -> dict, "
                         f"got {compute!r}")
    betas = [check_in_range(f"betas[{k}]", b, 0.0, 1.0, high_open=True)
             for k, b in enumerate(betas)]
    ts = [check_positive_int(f"ts[{k}]", t) for k, t in enumerate(ts)]
    mean = check_real("mean", mean)

    def setup(fig, t):   # horizon and y_range are set below, before any drawing
        # The explorer lays the first picture out and keeps those places for every frame.
        top = max(_largest_corrected_weight(_checked_result(shown.result(beta=b, t=t), t))
                  for b in betas)   # one y range for every β: the weights compare
        left, right = fig.subplots(1, 2, width_ratios=[0.34, 0.435])
        weights = _weights_axes(left, t, 1.25 * top)
        averages = _averages_axes(right, mean, horizon, y_range)
        return weights, averages

    def draw(axes, result, beta, t):
        result = _checked_result(result, t)
        weights, averages = axes
        _draw_weights(weights, result, beta, t)
        _draw_averages(averages, result, t)

    preferred = {"beta": 0.9 if 0.9 in betas else None, "t": 10 if 10 in ts else None}
    shown = Explorer({"beta": betas, "t": ts}, compute, draw, {**preferred, **(start or {})},
                     title="Bias correction explorer: the weights and the averages at step t",
                     figsize=(9.0, 3.8), dpi=76, max_frames=40, setup=setup,
                     static=["t"])
    horizon = max(ts)
    longest = _checked_result(shown.result(beta=betas[0], t=horizon), horizon)
    y_range = _value_range(longest["data"], mean)
    return shown


def _checked_result(result, t: int) -> dict:
    """``compute``'s result at step ``t`` with its arrays as float arrays, or a ValueError
    saying which part of the contract in :func:`explorer`'s docstring it breaks."""
    wanted = ", ".join(RESULT_ARRAYS + RESULT_NUMBERS)
    if not isinstance(result, Mapping):
        raise ValueError(f"compute must return a dict with the keys {wanted}; "
                         f"got {type(result).__name__} at t = {t}")
    missing = [key for key in RESULT_ARRAYS + RESULT_NUMBERS if key not in result]
    if missing:
        raise ValueError(f"compute's result at t = {t} lacks {', '.join(missing)} "
                         f"(the explorer draws {wanted})")
    checked = {key: check_real(f"compute's result[{key!r}]", result[key])
               for key in RESULT_NUMBERS}
    for key in RESULT_ARRAYS:
        array = check_finite_array(f"compute's result[{key!r}]", result[key], ndim=1)
        if len(array) != t:
            raise ValueError(f"compute's result[{key!r}] must hold t = {t} values, one per "
                             f"point i = 1..t; got {len(array)}")
        checked[key] = array
    return checked


def _value_range(data, mean: float) -> tuple[float, float]:
    """One y range for every frame: the true mean with about three standard deviations of
    the data around it, zero (where the raw average starts) and room above for the legend."""
    spread = max(3.0 * float(np.std(data)), 0.5 * abs(mean), 1e-3)
    return min(0.0, mean - spread) - 0.05 * spread, mean + 1.6 * spread


def _largest_corrected_weight(result) -> float:
    return max(float(np.max(result["weights"] * result["factor"])), 1e-12)


def _weights_axes(ax, t: int, top: float):
    """The unchanging half of the left panel at step ``t``: the points 1..t, the weights
    0..``top`` (the same for every β, so that scrubbing β compares them) and the labels."""
    ax.set_xlim(0.5 - 0.02 * t, t + 0.5 + 0.02 * t)
    ax.set_ylim(0.0, top)
    if t <= 10:
        ax.set_xticks(np.arange(1, t + 1))
    else:
        ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    ax.set_xlabel("point $i$")
    ax.set_ylabel("weight of $g_i$ in the average")
    return ax


def _draw_weights(ax, result, beta, t):
    """Left panel: the raw weights (bars, or a filled area for many points) and the
    corrected ones, which sum to 1."""
    i = np.arange(1, t + 1)
    weights = result["weights"]
    corrected_weights = weights * result["factor"]
    # plain text, not mathtext: it changes with every frame, and draws several times faster
    raw_label = f"raw (1 − β)βᵗ⁻ⁱ, sum {result['weight_sum']:.3f}"
    if t <= 30:
        ax.vlines(i, 0.0, weights, color=RAW_COLOR, linewidth=3.0, label=raw_label)
        ax.plot(i, corrected_weights, "o", color=CORRECTED_COLOR, markersize=4,
                label="corrected, sum 1")
    else:
        ax.fill_between(i, weights, step="mid", color=RAW_COLOR, alpha=0.8, linewidth=0,
                        label=raw_label)
        ax.plot(i, corrected_weights, "-", color=CORRECTED_COLOR, label="corrected, sum 1")
    ax.set_title(f"β = {beta:g}, t = {t}: the weights sum to 1 − βᵗ = "
                 f"{result['weight_sum']:.3f}", fontsize=10)
    ax.legend(loc="upper left")


def _averages_axes(ax, mean, horizon, y_range):
    """The unchanging half of the right panel: a log-scaled time axis that spans the whole
    ``horizon`` (so frames for different t line up), one y range, and the true mean."""
    ax.axhline(mean, color="black", linestyle="--", linewidth=1.0, label=f"true mean {mean:g}")
    ax.set_xscale("log")
    ax.xaxis.set_minor_locator(NullLocator())   # fewer, plain ticks: faster frames
    ax.xaxis.set_major_formatter(FuncFormatter(lambda x, _: f"{x:g}"))
    ax.set_xlim(0.8, horizon * 1.25)
    ax.set_ylim(*y_range)
    ax.set_xlabel("step $t$ (log scale)")
    ax.set_ylabel("value")
    return ax


def _draw_averages(ax, result, t):
    """Right panel: the data, the raw and the corrected averages up to step t."""
    i = np.arange(1, t + 1)
    marker = "o" if t <= 5 else None
    ax.plot(i, result["data"], ".", color=plots.DATA_COLOR, markersize=3, label="data $g_i$",
            zorder=3)
    ax.plot(i, result["raw"], color=RAW_COLOR, linewidth=1.8, marker=marker, markersize=4,
            label="raw $m_t$")
    ax.plot(i, result["corrected"], color=CORRECTED_COLOR, linewidth=1.8, marker=marker,
            markersize=4, label="corrected $\\hat m_t$")
    ax.set_title(f"At t = {t}: raw {result['raw'][-1]:.3f}, corrected "
                 f"{result['corrected'][-1]:.3f} (×{result['factor']:.3g})", fontsize=10)
    ax.legend(loc="upper left", ncol=2, handlelength=1.5, columnspacing=1.0)


# -- explorer 2: the widget-plot exercise ------------------------------------------------------
# The frame's styles: the target band, corrected Adam, uncorrected (black, as in the chapter)
_BAND = dict(facecolor="#009E73", alpha=0.2, edgecolor="k", ls="--", lw=0.8, zorder=1.7)
_CORRECTED = dict(**plots.style_of("Adam"), marker="o", markersize=3)
_UNCORRECTED = dict(color="black", marker="o", markersize=3)


def _step_lengths(result, steps: int | None = None) -> tuple[np.ndarray, np.ndarray]:
    """``result["corrected"]`` and ``result["uncorrected"]``, checked: the lengths of the
    first T steps (T = ``steps`` if given) of the two runs, all positive."""
    if not isinstance(result, Mapping) or not {"corrected", "uncorrected"} <= set(result):
        raise ValueError(f"compute must return a dict with 'corrected' and 'uncorrected' (the "
                         f"step lengths of the two runs), got {type(result).__name__}"
                         + (f" with keys {', '.join(map(repr, result))}"
                            if isinstance(result, Mapping) else ""))
    corrected, uncorrected = (check_finite_array(f"compute's result[{key!r}]", result[key],
                                                 ndim=1) for key in ("corrected", "uncorrected"))
    if len(corrected) == 0 or len(uncorrected) != len(corrected):
        raise ValueError(f"compute's result['corrected'] and result['uncorrected'] must hold "
                         f"the same number (>= 1) of step lengths, got {len(corrected)} and "
                         f"{len(uncorrected)}")
    if steps is not None and len(corrected) != steps:
        raise ValueError(f"compute returned {len(corrected)} steps here but {steps} at the start")
    if min(corrected.min(), uncorrected.min()) <= 0:
        raise ValueError(f"compute's step lengths must be positive (they are drawn on a log "
                         f"scale), got {min(corrected.min(), uncorrected.min()):g}")
    return corrected, uncorrected


def step_verdict(result, band: float = 2.0) -> tuple[bool, str]:
    r"""(on target?, verdict) for the step lengths in ``result`` (what the exercise's compute
    returns): on target when the ratio of each step, :math:`r_t` = uncorrected/corrected,
    is within a factor ``band`` of 1, :math:`1/\text{band} \le r_t \le \text{band}`; else
    which step is off, by how much, and which way to move c."""
    corrected, uncorrected = _step_lengths(result)
    band = check_in_range("band", band, 1.0, low_open=True)
    ratios = uncorrected / corrected
    low, high = int(np.argmin(ratios)), int(np.argmax(ratios))
    too_small, too_large = ratios[low] < 1 / band, ratios[high] > band
    if too_small and too_large:
        return False, (f"no c fits: step {low + 1} is {ratios[low]:.2f}× (< {1 / band:g}×),\n"
                       f"step {high + 1} is {ratios[high]:.2f}× (> {band:g}×)")
    if too_small:
        return False, (f"too small: step {low + 1} is {ratios[low]:.2f}×\n"
                       f"the corrected step (< {1 / band:g}×): raise c")
    if too_large:
        return False, (f"too large: step {high + 1} is {ratios[high]:.2f}×\n"
                       f"the corrected step (> {band:g}×): lower c")
    return True, (f"on target: {ratios[low]:.2f}× (step {low + 1}) to\n"
                  f"{ratios[high]:.2f}× (step {high + 1}) the corrected step")


def step_explorer(compute: Callable, multipliers: Sequence[float], band: float = 2.0,
                  start: dict | None = None) -> Explorer:
    r"""The widget-plot exercise: for each learning-rate multiplier c in ``multipliers``,
    ``compute(c=c)`` returns a dict with ``"corrected"`` and ``"uncorrected"``, the lengths
    of the first T steps of Adam at learning rate α and of Adam without bias correction at
    c·α, on the same gradients. The frame shows both on a log scale, the target band
    (corrected steps times :math:`1/\text{band}` to ``band``) and the verdict of
    :func:`step_verdict`: on target, too small (raise c) or too large (lower c)."""
    if not callable(compute):
        raise ValueError(f"compute must be a function of c, got {compute!r}")
    if len(multipliers) == 0:
        raise ValueError("multipliers must list at least one value, got none")
    multipliers = [check_in_range(f"multipliers[{i}]", c, 0.0, low_open=True)
                   for i, c in enumerate(multipliers)]
    band = check_in_range("band", band, 1.0, low_open=True)

    def setup(fig):
        ax = fig.subplots()
        lows = _step_lengths(shown.result(c=min(multipliers)), steps)
        highs = _step_lengths(shown.result(c=max(multipliers)), steps)
        ax.set_yscale("log")   # room below for the legend, above for the verdict
        ax.set_ylim(min(lows[0].min() / band, lows[1].min()) / 60,
                    max(highs[0].max() * band, highs[1].max()) * 15)
        ax.set_xlim(0.5, steps + 0.5)
        ax.set_xticks(np.arange(1, steps + 1))
        ax.set_xlabel("step t")
        ax.set_ylabel("step length (log scale)")
        # The slowest part of a frame, drawn once: it names no value of c, and lies above the
        # grid (zorder 1.5) but below all that draw adds, so it stays in the kept background.
        ax.legend(handles=[Patch(**_BAND, label=f"target: {1 / band:g}× to {band:g}×"),
                           Line2D([], [], **_CORRECTED, label="corrected Adam, α"),
                           Line2D([], [], **_UNCORRECTED, label="uncorrected Adam, c·α")],
                  loc="lower right", fontsize=8, ncol=2).set_zorder(1.6)
        return ax

    def draw(ax, result, c):
        corrected, uncorrected = _step_lengths(result, steps)
        ok, verdict = step_verdict(result, band)
        t = np.arange(1, steps + 1)
        ax.fill_between(t, corrected / band, corrected * band, **_BAND)
        ax.plot(t, corrected, **_CORRECTED)
        ax.plot(t, uncorrected, **_UNCORRECTED)
        ax.set_title(f"Adam's first steps, uncorrected at c = {c:g}", fontsize=10)
        verdict_box(ax, verdict, fontsize=9).get_bbox_patch().set_edgecolor(
            "#009E73" if ok else "black")

    shown = Explorer({"c": multipliers}, compute, draw, setup=setup, start=start,
                     title="Exercise: pick c so that uncorrected Adam's steps match",
                     figsize=(8.0, 3.6), dpi=72, max_frames=16)
    steps = len(_step_lengths(shown.result())[0])   # a broken compute fails here, not in draw
    return shown


# -- the check of exercise 2 ----------------------------------------------------------------
def check_corrected_averages(answer, grads, beta: float = 0.9, rtol: float = 5e-3) -> Feedback:
    r"""Check hand-computed bias-corrected averages :math:`\hat m_1, \dots, \hat m_T` of the
    gradients ``grads`` (Adam's first moment, started at :math:`m_0 = 0`):

    .. math:: m_t = \beta m_{t-1} + (1-\beta) g_t, \qquad \hat m_t = m_t / (1 - \beta^t).

    ``rtol`` (default 0.5%) allows answers rounded to three significant digits. Recognised
    slips: no correction at all, dividing by :math:`1-\beta^{t-1}` or :math:`1-\beta^{t+1}`
    (the step counted from the wrong place), feeding :math:`\hat m_{t-1}` back into the
    recursion, and dropping the :math:`(1-\beta)` in front of :math:`g_t`.
    """
    beta = check_in_range("beta", beta, 0.0, 1.0, high_open=True)
    grads = check_finite_array("grads", grads, ndim=1)
    if len(grads) == 0:
        raise ValueError("grads must hold at least one gradient, got none")
    n = len(grads)
    names = [f"m̂{t}" for t in range(1, n + 1)]
    try:
        values = np.asarray(answer, dtype=float).reshape(-1)
    except (TypeError, ValueError):
        return Feedback(False, f"Your answer should be {n} numbers, m̂1 to m̂{n}; "
                               f"got {answer!r}.")
    if len(values) != n:
        return Feedback(False, f"Your answer should be {n} numbers, m̂1 to m̂{n}; "
                               f"you gave {len(values)}.")

    raw = gdlab.ewma(grads, beta)
    expected = gdlab.ewma(grads, beta, bias_correction=True)

    def close(a, b):
        return np.isclose(a, b, rtol=rtol, atol=1e-9)

    ok = close(values, expected)
    if ok.all():
        factors = ", ".join(f"{factor:.4g}"
                            for factor in gdlab.bias_correction_factor(beta, np.arange(1, n + 1)))
        return Feedback(True, "All match: " + ", ".join(
            f"{name} = {value:.4g}" for name, value in zip(names, expected))
            + ". (The raw averages m_t were " + ", ".join(f"{m:.4g}" for m in raw)
            + f"; the correction multiplied them by {factors}.)")

    first = int(np.argmin(ok))
    parts = earlier_right(names, first)
    parts.append(f"{names[first]} should be {expected[first]:.4g}; you gave {values[first]:.4g}.")
    hint = (matching_hint(values, _slips(grads, raw, beta), close)
            or _one_power_short(values, raw, beta, close))
    if hint:
        parts.append("Hint: " + hint)
    elif first + 1 < n:
        parts.append("(Later values follow from it, so fix this one first.)")
    return Feedback(False, " ".join(parts))


def _slips(grads, raw, beta: float) -> list[tuple[np.ndarray, str]]:
    """The usual wrong answers for ``grads`` (whose raw averages are ``raw``), each with what
    probably happened."""
    t = np.arange(1, len(grads) + 1)
    # Heavy-ball momentum's velocity v_t = β v_{t-1} + g_t is the average without (1 - β);
    # with lr = 1 each step of gdlab.Momentum moves by -v_t.
    undamped = -np.diff(gdlab.replay(gdlab.Momentum(lr=1.0, beta=beta), grads), axis=0)[:, 0]
    return [
        (raw, "these are the raw averages m_t: divide each by 1 − β^t (at t = 1 that is "
              f"1 − {beta:g} = {1 - beta:.4g}), because the weights of a zero-started average "
              "sum to 1 − β^t, not 1."),
        (raw * gdlab.bias_correction_factor(beta, t + 1),
         "you divided by 1 − β^(t+1): the step count starts at t = 1 for the first gradient, "
         "so m̂1 = m1 / (1 − β)."),
        (_fed_back(grads, beta),
         "you fed the corrected value back into the recursion. The running average keeps "
         "the raw m_t (m_t = β·m_{t−1} + (1 − β)·g_t); only the value you *use* is divided "
         "by 1 − β^t."),
        (undamped * gdlab.bias_correction_factor(beta, t),
         "the new gradient is weighted by (1 − β), not 1: m_t = β·m_{t−1} + (1 − β)·g_t."),
    ]


def _fed_back(grads, beta: float) -> np.ndarray:
    r"""The slip :math:`\hat m_t = (\beta \hat m_{t-1} + (1-\beta) g_t)/(1-\beta^t)`: the
    corrected value fed back into the recursion (no library optimizer does this)."""
    m_hat, out = 0.0, []
    factors = gdlab.bias_correction_factor(beta, np.arange(1, len(grads) + 1))
    for factor, g in zip(factors, grads):
        m_hat = (beta * m_hat + (1.0 - beta) * g) * factor
        out.append(m_hat)
    return np.array(out)


def _one_power_short(values, raw, beta: float, close) -> str | None:
    r"""The hint for dividing by :math:`1-\beta^{t-1}`, compared from t = 2 on only: at
    t = 1 that slip divides by zero, so whatever the answer says there is not held against
    it. None for a single value (nothing to compare) or when the answer does not match."""
    if len(values) < 2:
        return None
    shifted_down = raw[1:] * gdlab.bias_correction_factor(beta, np.arange(1, len(values)))
    return matching_hint(values[1:], [(shifted_down, (
        "you divided by 1 − β^(t−1), one power short (at t = 1 that would divide by 0). The "
        "t-th average has t weights, which sum to 1 − β^t."))], close)
