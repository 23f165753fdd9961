r"""Companion of chapter 7, *Bias correction* (``chapters/07-bias-correction.ipynb``).

The drawing of the two explorers, each fed by a compute step in the notebook:
:func:`explorer` (a zero-started average's weights at step t, its raw and corrected values)
and :func:`step_explorer` (the widget-plot exercise, judged by :func:`step_verdict`); the
checks of exercise 2, :func:`check_corrected_averages` (three corrected averages by hand), and
exercise 7, :func:`check_adam_corrections` (the corrections in an Adam class).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence

import numpy as np
from matplotlib.lines import Line2D
from matplotlib.patches import Patch
from matplotlib.ticker import FuncFormatter, MaxNLocator, NullLocator

import gdlab
from gdlab import plots
from gdlab.explorer import Explorer
from gdlab.panels import verdict_box
from gdlab.feedback import Feedback, check_update_rule, earlier_right, matching_hint
from gdlab.validation import check_finite_array, check_in_range, check_positive_int, check_real

RAW_COLOR, CORRECTED_COLOR = plots.AVERAGE_COLORS[0], plots.AVERAGE_COLORS[1]
RESULT_ARRAYS = ("weights", "data", "raw", "corrected")   # what draw reads: per point i = 1..t
RESULT_NUMBERS = ("weight_sum", "factor")                  # and numbers for step t


# -- explorer 1: the weights and the averages ----------------------------------------------
def explorer(compute: Callable, betas: Sequence[float] = (0.5, 0.9, 0.99, 0.999),
             ts: Sequence[int] = (1, 2, 5, 10, 30, 100, 1000), mean: float = 1.0,
             start: dict | None = None) -> Explorer:
    r"""An explorer over β in ``betas`` and t in ``ts`` drawing ``compute(beta=β, t=t)``
    (β a float, t an int): a zero-started EWMA's weights at step t, and its raw and corrected
    averages of a noisy series of true mean ``mean``. The result is a dict with

    * ``weights``: the t weights :math:`(1-\beta)\beta^{t-i}` of the raw average,
    * ``data``: the points :math:`g_1, \dots, g_t`,
    * ``raw`` and ``corrected``: :math:`m_1, \dots, m_t` and :math:`\hat m_1, \dots, \hat m_t`,
    * ``weight_sum``: :math:`1-\beta^t`, and ``factor``: :math:`1/(1-\beta^t)`;

    the first four are arrays of length t, the last two numbers; a result that breaks this
    raises a ValueError (checked at the largest t when built, and for each frame drawn).

    Left: the raw and the corrected weights. Right: data, ``raw`` and ``corrected`` on a log
    time axis with the true ``mean`` dashed, one y range (from the largest t) for all frames.
    Starts at β = 0.9, t = 10 when listed (else the middle values); ``start`` overrides.
    """
    if not callable(compute):
        raise ValueError(f"compute must be a function compute(beta, t) -> dict, got {compute!r}")
    betas = [check_in_range(f"betas[{k}]", b, 0.0, 1.0, high_open=True)
             for k, b in enumerate(betas)]
    ts = [check_positive_int(f"ts[{k}]", t) for k, t in enumerate(ts)]
    mean = check_real("mean", mean)

    def setup(fig, t):   # horizon and y_range are set below, before any drawing
        top = max(_largest_corrected_weight(_checked_result(shown.result(beta=b, t=t), t))
                  for b in betas)   # one y range for every β: the weights compare
        left, right = fig.subplots(1, 2, width_ratios=[0.34, 0.435])
        weights = _weights_axes(left, t, 1.25 * top)
        averages = _averages_axes(right, mean, horizon, y_range)
        return weights, averages

    def draw(axes, result, beta, t):
        result = _checked_result(result, t)
        _draw_weights(axes[0], result, beta, t)
        _draw_averages(axes[1], result, t)

    preferred = {"beta": 0.9 if 0.9 in betas else None, "t": 10 if 10 in ts else None}
    shown = Explorer({"beta": betas, "t": ts}, compute, draw, {**preferred, **(start or {})},
                     title="Bias correction explorer: the weights and the averages at step t",
                     figsize=(9.0, 3.8), dpi=76, max_frames=40, setup=setup, static=["t"])
    horizon = max(ts)
    longest = _checked_result(shown.result(beta=betas[0], t=horizon), horizon)
    y_range = _value_range(longest["data"], mean)
    return shown


def _checked_result(result, t: int) -> dict:
    """``compute``'s result at step ``t`` (float arrays), or a ValueError naming the breach."""
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
    """One y range for all frames: the mean ± about 3 std of the data, 0, room for a legend."""
    spread = max(3.0 * float(np.std(data)), 0.5 * abs(mean), 1e-3)
    return min(0.0, mean - spread) - 0.05 * spread, mean + 1.6 * spread


def _largest_corrected_weight(result) -> float:
    return max(float(np.max(result["weights"] * result["factor"])), 1e-12)


def _weights_axes(ax, t: int, top: float):
    """The left panel's static half at step ``t``: points 1..t, weights 0..``top`` (any β)."""
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
    """Left panel: the raw weights (bars, or an area for many points), the corrected ones."""
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
    """The right panel's static half: a log time axis to ``horizon``, one y range, the mean."""
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
    ax.plot(i, result["data"], ".", color=plots.DATA_COLOR, ms=3, label="data $g_i$", zorder=3)
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
    """The two runs' step lengths in ``result``, checked (``steps`` of them, if given)."""
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
    r"""(on target?, verdict) for the step lengths in ``result``: on target when each ratio
    :math:`r_t` = uncorrected/corrected has :math:`1/\text{band} \le r_t \le \text{band}`;
    else which step is off, by how much, and which way to move c."""
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
    r"""The widget-plot exercise: for each multiplier c in ``multipliers``, ``compute(c=c)``
    returns ``"corrected"`` and ``"uncorrected"``, the first T step lengths of Adam at α and
    of uncorrected Adam at c·α. The frame shows both (log scale), the target band (corrected
    times 1/``band`` to ``band``) and the verdict of :func:`step_verdict`."""
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

    shown = Explorer({"c": multipliers}, compute, draw, setup=setup, start=start, dpi=72,
                     title="Exercise: pick c so that uncorrected Adam's steps match",
                     figsize=(8.0, 3.6), max_frames=16)
    steps = len(_step_lengths(shown.result())[0])   # a broken compute fails here, not in draw
    return shown


# -- the check of exercise 2 ----------------------------------------------------------------
def check_corrected_averages(answer, grads, beta: float = 0.9, rtol: float = 5e-3) -> Feedback:
    r"""Check hand-computed bias-corrected averages :math:`\hat m_1, \dots, \hat m_T` of the
    gradients ``grads`` (Adam's first moment, started at :math:`m_0 = 0`):

    .. math:: m_t = \beta m_{t-1} + (1-\beta) g_t, \qquad \hat m_t = m_t / (1 - \beta^t).

    ``rtol`` (0.5%) allows three significant digits. Recognized slips: no correction,
    :math:`1-\beta^{t\mp1}` (t counted from the wrong place), :math:`\hat m_{t-1}` fed back
    into the recursion, and no :math:`(1-\beta)` in front of :math:`g_t`.
    """
    beta = check_in_range("beta", beta, 0.0, 1.0, high_open=True)
    grads = check_finite_array("grads", grads, ndim=1)
    if len(grads) == 0:
        raise ValueError("grads must hold at least one gradient, got none")
    n = len(grads)
    names = [f"m̂{t}" for t in range(1, n + 1)]
    wanted = f"Your answer should be {n} numbers, m̂1 to m̂{n};"
    try:
        values = np.asarray(answer, dtype=float).reshape(-1)
    except (TypeError, ValueError):
        return Feedback(False, f"{wanted} got {answer!r}.")
    if len(values) != n:
        return Feedback(False, f"{wanted} you gave {len(values)}.")
    raw = gdlab.ewma(grads, beta)
    expected = gdlab.ewma(grads, beta, bias_correction=True)
    close = lambda a, b: np.isclose(a, b, rtol=rtol, atol=1e-9)   # noqa: E731
    ok = close(values, expected)
    if ok.all():
        factors = ", ".join(f"{x:.4g}" for x in gdlab.bias_correction_factor(beta, range(1, n + 1)))
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
    """The usual wrong answers for ``grads`` (raw averages ``raw``), each with its cause."""
    t = np.arange(1, len(grads) + 1)
    # heavy-ball velocity v_t = β v_{t-1} + g_t, the average without (1 - β): lr = 1 moves -v_t
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
    r"""The slip :math:`\hat m_t = (\beta \hat m_{t-1} + (1-\beta) g_t)/(1-\beta^t)`."""
    m_hat = [0.0]
    for t, g in enumerate(grads, start=1):
        m_hat.append((beta * m_hat[-1] + (1.0 - beta) * g) / (1.0 - beta ** t))
    return np.array(m_hat[1:])


def _one_power_short(values, raw, beta: float, close) -> str | None:
    r"""The hint for dividing by :math:`1-\beta^{t-1}`, compared from t = 2 on (at t = 1 that
    slip divides by zero); None for a single value or when the answer does not match."""
    if len(values) < 2:
        return None
    shifted_down = raw[1:] * gdlab.bias_correction_factor(beta, np.arange(1, len(values)))
    return matching_hint(values[1:], [(shifted_down, (
        "you divided by 1 − β^(t−1), one power short (at t = 1 that would divide by 0). The "
        "t-th average has t weights, which sum to 1 − β^t."))], close)


# -- the check of exercise 7: the corrections in an Adam class ----------------------------------
ADAM = dict(lr=0.1, beta1=0.9, beta2=0.999, eps=1e-8)


class _WrittenBack(gdlab.Adam):
    """Adam that stores m̂ and v̂ in m and v after each step: the correction compounds."""

    def step(self, param, grad, state, lr):
        super().step(param, grad, state, lr)
        state["m"] /= 1 - self.beta1 ** self.t
        state["v"] /= 1 - self.beta2 ** self.t


def _scheduled(factor, **flags):
    """Adam at α·factor(t): a slip that corrects one average is Adam with a schedule."""
    return gdlab.Adam(**{**ADAM, "lr": lambda t: ADAM["lr"] * factor(t)}, **flags)


_ADAM_HINTS = [
    (lambda: _WrittenBack(**ADAM), "you stored m̂ and v̂ back in m and v, so the next step "
     "divides an average that is already corrected: the correction compounds. Keep m and v "
     "raw; divide only the values the step uses."),
    (lambda: gdlab.Adam(**ADAM, bias_correction=False), "no correction at all: the first "
     "step is √10·α per coordinate instead of α. Divide m by 1 − β1^t and v by 1 − β2^t."),
    (lambda: _scheduled(lambda t: 1 / (1 - 0.9 ** t), bias_correction=False), "only m is "
     "corrected: without v̂ = v/(1 − β2^t) the steps are 1/√(1 − β2^t) too large (31.6×)."),
    (lambda: _scheduled(lambda t: 1 - 0.9 ** t), "only v is corrected: without "
     "m̂ = m/(1 − β1^t) the steps are 1 − β1^t times too small (0.1× at first)."),
]


def check_adam_corrections(attempt) -> Feedback:
    r"""Check a learner's Adam class: ``attempt(**ADAM)`` must take :class:`gdlab.Adam`'s five
    steps on Rosenbrock's function from (−1.5, 2). Named slips: the correction written back
    into m and v, t counted from 0, no correction, only one average corrected."""
    with np.errstate(divide="ignore", invalid="ignore"):   # t = 0: reported below
        feedback = check_update_rule(lambda: attempt(**ADAM), lambda: gdlab.Adam(**ADAM),
                                     gdlab.rosenbrock, [-1.5, 2.0], steps=5, hints=_ADAM_HINTS)
    if feedback.message.startswith("After update 1,"):   # the t = 0 slip: 1 − β^0 = 0
        return Feedback(False, feedback.message + " Hint: at t = 0 the correction divides by "
                        "1 − β^0 = 0; count t from 1 (add 1 before correcting).")
    return feedback
