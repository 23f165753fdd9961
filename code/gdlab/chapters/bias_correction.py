r"""Companion of chapter 7, *Bias correction* (``chapters/07-bias-correction.ipynb``).

It holds the chapter's explorer, :func:`explorer` (the weights of a zero-started average at
step :math:`t` and its raw and corrected values on a noisy constant), and the check of
exercise 2, :func:`check_corrected_averages` (three bias-corrected averages by hand).
The averages themselves come from :func:`gdlab.ewma` and the factor
:math:`1/(1-\beta^t)` from :func:`gdlab.bias_correction_factor`.
"""

from __future__ import annotations

from typing import Sequence

import numpy as np
from matplotlib.ticker import FuncFormatter, MaxNLocator, NullLocator

import gdlab
from gdlab import plots
from gdlab.explorer import Explorer
from gdlab.feedback import Feedback, earlier_right, matching_hint
from gdlab.validation import check_finite_array, check_in_range, check_positive_int, check_real

RAW_COLOR, CORRECTED_COLOR = plots.AVERAGE_COLORS[0], plots.AVERAGE_COLORS[1]


# -- the explorer ---------------------------------------------------------------------------
def explorer(betas: Sequence[float] = (0.5, 0.9, 0.99, 0.999),
             ts: Sequence[int] = (1, 2, 5, 10, 30, 100, 1000),
             mean: float = 1.0, noise: float = 0.5, seed: int = 0,
             start: dict | None = None) -> Explorer:
    r"""A zero-started EWMA at step ``t`` for each β: the weights it puts on the points so far,
    and the raw vs the bias-corrected average of a noisy constant series.

    The series is ``mean`` plus Gaussian noise of standard deviation ``noise`` (seeded). Left
    panel: the weights :math:`(1-\beta)\beta^{t-i}`, :math:`i = 1..t`, whose sum is
    :math:`1-\beta^t`, and the corrected weights, divided by that sum. Right panel: the data,
    the raw average :math:`m_t` and the corrected :math:`\hat m_t = m_t/(1-\beta^t)` up to
    step ``t`` (log-scaled time axis). ``result(beta=..., t=...)`` is
    :func:`averages_at_step` of the data up to ``t``. The explorer starts at β = 0.9 and
    t = 10 when they are listed (else at the middle values); ``start`` overrides that.
    """
    betas = [check_in_range(f"betas[{k}]", b, 0.0, 1.0, high_open=True)
             for k, b in enumerate(betas)]
    ts = [check_positive_int(f"ts[{k}]", t) for k, t in enumerate(ts)]
    mean = check_real("mean", mean)
    noise = check_in_range("noise", noise, 0.0)
    seed = check_positive_int("seed", seed, minimum=0)
    horizon = max(ts)
    series = mean + noise * np.random.default_rng(seed).standard_normal(horizon)
    spread = max(3.0 * noise, 0.5 * abs(mean), 1e-3)
    y_range = (min(0.0, mean - spread) - 0.05 * spread, mean + 1.6 * spread)

    def compute(beta, t):
        return averages_at_step(series[:t], beta)

    def draw(fig, result, beta, t):
        # Fixed axes rectangles (layout=None below): every frame lines up in the scrubber.
        _draw_weights(fig.add_axes((0.1, 0.14, 0.34, 0.70)), result, beta, t)
        _draw_averages(fig.add_axes((0.55, 0.14, 0.435, 0.70)), result, t, mean,
                       horizon, y_range)

    preferred = {"beta": 0.9 if 0.9 in betas else None, "t": 10 if 10 in ts else None}
    return Explorer({"beta": betas, "t": ts}, compute, draw, {**preferred, **(start or {})},
                    title="Bias correction explorer: the weights and the averages at step t",
                    figsize=(9.5, 3.8), max_frames=40, layout=None)


def averages_at_step(data, beta: float) -> dict:
    r"""What a zero-started EWMA of ``data`` (points 1..t) holds at its last step t.

    A dict with the ``weights`` :math:`(1-\beta)\beta^{t-i}`, their ``weight_sum``
    :math:`1-\beta^t`, the ``factor`` :math:`1/(1-\beta^t)`, the ``data``, the ``raw`` and
    ``corrected`` averages (arrays over steps 1..t) and the plain ``running_mean`` of the data.
    """
    t = len(data)
    weights = gdlab.ewma_weights(beta, t)
    return {"weights": weights, "weight_sum": float(weights.sum()),
            "factor": gdlab.bias_correction_factor(beta, t),
            "data": data, "raw": gdlab.ewma(data, beta),
            "corrected": gdlab.ewma(data, beta, bias_correction=True),
            "running_mean": float(data.mean())}


def _draw_weights(ax, result, beta, t):
    """Left panel: the raw weights (bars, or a filled area for many points) and the
    corrected ones, which sum to 1."""
    i = np.arange(1, t + 1)
    weights = result["weights"]
    corrected_weights = weights * result["factor"]
    raw_label = f"raw $(1-β)β^{{t-i}}$, sum {result['weight_sum']:.3f}"
    if t <= 30:
        ax.vlines(i, 0.0, weights, color=RAW_COLOR, linewidth=3.0, label=raw_label)
        ax.plot(i, corrected_weights, "o", color=CORRECTED_COLOR, markersize=4,
                label="corrected, sum 1")
    else:
        ax.fill_between(i, weights, step="mid", color=RAW_COLOR, alpha=0.8, linewidth=0,
                        label=raw_label)
        ax.plot(i, corrected_weights, "-", color=CORRECTED_COLOR, label="corrected, sum 1")
    ax.set_xlim(0.5 - 0.02 * t, t + 0.5 + 0.02 * t)
    if t <= 10:
        ax.set_xticks(i)
    else:
        ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    ax.set_ylim(0.0, 1.25 * max(corrected_weights.max(), 1e-12))
    ax.set_xlabel("point $i$")
    ax.set_ylabel("weight of $g_i$ in the average")
    ax.set_title(f"β = {beta:g}, t = {t}: the weights sum to $1-β^t$ = "
                 f"{result['weight_sum']:.3f}", fontsize=10)
    ax.legend(loc="upper left", fontsize=8, ncol=2)


def _draw_averages(ax, result, t, mean, horizon, y_range):
    """Right panel: the data, the raw and the corrected averages up to step t, on a log-scaled
    time axis that spans the whole ``horizon`` (so frames for different t line up)."""
    i = np.arange(1, t + 1)
    marker = "o" if t <= 5 else None
    ax.axhline(mean, color="black", linestyle="--", linewidth=1.0, label=f"true mean {mean:g}")
    ax.plot(i, result["data"], ".", color=plots.DATA_COLOR, markersize=3, label="data $g_i$",
            zorder=3)
    ax.plot(i, result["raw"], color=RAW_COLOR, linewidth=1.8, marker=marker, markersize=4,
            label="raw $m_t$")
    ax.plot(i, result["corrected"], color=CORRECTED_COLOR, linewidth=1.8, marker=marker,
            markersize=4, label="corrected $\\hat m_t$")
    ax.set_xscale("log")
    ax.xaxis.set_minor_locator(NullLocator())   # fewer, plain ticks: faster frames
    ax.xaxis.set_major_formatter(FuncFormatter(lambda x, _: f"{x:g}"))
    ax.set_xlim(0.8, horizon * 1.25)
    ax.set_ylim(*y_range)
    ax.set_xlabel("step $t$ (log scale)")
    ax.set_ylabel("value")
    ax.set_title(f"At t = {t}: raw {result['raw'][-1]:.3f}, corrected "
                 f"{result['corrected'][-1]:.3f} (×{result['factor']:.3g})", fontsize=10)
    ax.legend(loc="upper left", fontsize=8, ncol=4, handlelength=1.5, columnspacing=1.0)


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
        factors = ", ".join(f"{factor:.4g}" for factor in _factors(beta, range(1, n + 1)))
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


def _factors(beta: float, steps) -> np.ndarray:
    r"""The bias-correction factors :math:`1/(1-\beta^t)` for each ``t`` in ``steps``."""
    return np.array([gdlab.bias_correction_factor(beta, t) for t in steps])


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
        (raw * _factors(beta, t + 1),
         "you divided by 1 − β^(t+1): the step count starts at t = 1 for the first gradient, "
         "so m̂1 = m1 / (1 − β)."),
        (_fed_back(grads, beta),
         "you fed the corrected value back into the recursion. The running average keeps "
         "the raw m_t (m_t = β·m_{t−1} + (1 − β)·g_t); only the value you *use* is divided "
         "by 1 − β^t."),
        (undamped * _factors(beta, t),
         "the new gradient is weighted by (1 − β), not 1: m_t = β·m_{t−1} + (1 − β)·g_t."),
    ]


def _fed_back(grads, beta: float) -> np.ndarray:
    r"""The slip :math:`\hat m_t = (\beta \hat m_{t-1} + (1-\beta) g_t)/(1-\beta^t)`: the
    corrected value fed back into the recursion (no library optimizer does this)."""
    m_hat, out = 0.0, []
    for factor, g in zip(_factors(beta, range(1, len(grads) + 1)), grads):
        m_hat = (beta * m_hat + (1.0 - beta) * g) * factor
        out.append(m_hat)
    return np.array(out)


def _one_power_short(values, raw, beta: float, close) -> str | None:
    r"""The hint for dividing by :math:`1-\beta^{t-1}`, compared from t = 2 on only: at
    t = 1 that slip divides by zero, so whatever the answer says there is not held against
    it. None for a single value (nothing to compare) or when the answer does not match."""
    if len(values) < 2:
        return None
    shifted_down = raw[1:] * _factors(beta, range(1, len(values)))
    return matching_hint(values[1:], [(shifted_down, (
        "you divided by 1 − β^(t−1), one power short (at t = 1 that would divide by 0). The "
        "t-th average has t weights, which sum to 1 − β^t."))], close)
