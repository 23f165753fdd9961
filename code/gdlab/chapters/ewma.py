r"""Companion of chapter 2, *Exponentially weighted averages* (``chapters/02-ewma.ipynb``).

It holds the chapter's explorer (:func:`explorer`), which draws the EWMA of a series for
several β, plain or bias-corrected, as the notebook's ``compute`` step gives it; the
widget-plot exercise (:func:`lag_explorer`: pick β so that the EWMA of a rising line lags it
by about five days, verdict :func:`lag_verdict`); and the checks of its exercises: EWMA
values by hand (:func:`check_ewma_values`) and the β of a given window
(:func:`check_beta_for_window`). (How long the start-up bias lasts is chapter 7's.)

The module shares its name with the library module ``gdlab.ewma``, so it imports the library
by full names only (``gdlab.ewma``, never ``.ewma``).
"""

from __future__ import annotations

from typing import Callable, Sequence

import numpy as np
from matplotlib.lines import Line2D

import gdlab
from gdlab import plots
from gdlab.ewma import effective_window, ewma, ewma_weights
from gdlab.explorer import Explorer
from gdlab.feedback import Feedback, as_column, check_number, check_points
from gdlab.panels import verdict_box
from gdlab.validation import (check_finite_array, check_flag, check_in_range,
                              check_positive_int, check_real)

__all__ = ["explorer", "lag_explorer", "lag_verdict", "check_ewma_values",
           "check_beta_for_window"]

_WEIGHT_AGES = np.arange(0, 121)   # the ages t − i the weights panel shows


# -- the explorer -------------------------------------------------------------------------
def explorer(compute: Callable, betas: Sequence[float], series, truth=None, zoom: int = 60,
             start: dict | None = None) -> Explorer:
    r"""Explore ``compute``, an EWMA of ``series``, for each β in ``betas``, plain or
    bias-corrected.

    The contract: ``compute(beta=..., bias_correction=...)`` is called with keyword arguments
    only, ``beta`` one of ``betas`` and ``bias_correction`` False or True, and returns a dict
    with the key ``"average"``, the averages :math:`V_1, \dots, V_T` shown (a 1-D array of
    ``len(series)`` numbers), and optionally ``"rms_error"``, a number the top title reports
    as the RMS error against the true curve (no other keys). ``result(...)`` is that dict.
    A compute breaking the contract, or raising, is reported when the explorer is built,
    from its results at the start β with bias correction off and on.

    Three panels: the whole series with ``"average"`` (and the dashed ``truth``, if given);
    the weights :math:`(1-\beta)\beta^{t-i}` the average puts on past points, with the
    window :math:`1/(1-\beta)`; and the first ``zoom`` points, where the start-up bias of a
    zero-started average shows, with ``compute``'s average for the other switch position
    faded behind. ``start={"beta": ..., "bias_correction": ...}`` picks the first picture;
    bias correction starts off.
    """
    if not callable(compute):
        raise TypeError("compute must be a function compute(beta, bias_correction) -> dict, "
                        f"got {type(compute).__name__}")
    betas = [check_in_range(f"betas[{i}]", beta, 0.0, 1.0, high_open=True)
             for i, beta in enumerate(betas)]
    series = check_finite_array("series", series, ndim=1)
    if truth is not None:
        truth = check_finite_array("truth", truth, ndim=1)
        if truth.shape != series.shape:
            raise ValueError(f"truth must have the shape of series {series.shape}, "
                             f"got {truth.shape}")
    zoom = min(check_positive_int("zoom", zoom, minimum=2), len(series))
    pad = 0.05 * (series.max() - series.min() + 1e-12)

    def setup(fig, beta):   # the weights depend on β only: drawn once per β
        # Fixed margins: every frame gets the same layout, so the scrubber does not jitter.
        grid = fig.add_gridspec(2, 2, height_ratios=[1.25, 1], left=0.085, right=0.985,
                                top=0.94, bottom=0.085, hspace=0.42, wspace=0.2)
        year, weights, start_up = (fig.add_subplot(grid[0, :]), fig.add_subplot(grid[1, 0]),
                                   fig.add_subplot(grid[1, 1]))
        _whole_series_axes(year, series, pad)
        _weights_panel(weights, beta)
        _start_up_axes(start_up, series[:zoom], pad)
        return year, start_up

    def draw(axes, result, beta, bias_correction):
        year, start_up = axes
        average, rms_error = _average_and_error(result, len(series))
        other, _ = _average_and_error(shown.result(beta=beta,
                                                   bias_correction=not bias_correction),
                                      len(series))
        kind, other_kind = _kinds(bias_correction)
        _whole_series_curves(year, truth, {f"EWMA ({kind})": average}, _heading(beta, rms_error))
        _start_up_curves(start_up, None if truth is None else truth[:zoom],
                         {kind: average[:zoom], other_kind: other[:zoom]})

    preferred = {"bias_correction": False}
    shown = Explorer({"beta": betas, "bias_correction": [False, True]}, compute, draw,
                     start={**preferred, **(start or {})}, title="EWMA explorer",
                     figsize=(9.0, 5.6), layout=None, setup=setup, static=["beta"])
    for flag in (False, True):   # a broken compute fails here, not in draw
        _average_and_error(shown.result(bias_correction=flag), len(series))
    return shown


def _average_and_error(result, length: int) -> tuple[np.ndarray, float | None]:
    """``result["average"]`` (checked to be ``length`` finite numbers) and
    ``result["rms_error"]`` (None if absent), or an error saying what ``compute`` must return."""
    if not isinstance(result, dict):
        raise TypeError("compute must return a dict with the key 'average' (and optionally "
                        f"'rms_error'), got {type(result).__name__}")
    if "average" not in result or set(result) - {"average", "rms_error"}:
        raise ValueError("compute must return a dict with the key 'average' (and optionally "
                         f"'rms_error'), got the keys {sorted(map(str, result))}")
    average = check_finite_array("compute's 'average'", result["average"], ndim=1)
    if average.shape != (length,):
        raise ValueError(f"compute's 'average' must hold one value per point of series, "
                         f"shape ({length},), got shape {average.shape}")
    error = result.get("rms_error")
    return average, None if error is None else check_real("compute's 'rms_error'", error)


def _kinds(bias_correction: bool) -> tuple[str, str]:
    """The names of the average shown and of the other one: ("plain", "bias-corrected")."""
    return ("bias-corrected", "plain") if bias_correction else ("plain", "bias-corrected")


def _heading(beta: float, rms_error: float | None) -> str:
    r"""β and its window :math:`1/(1-\beta)`, and the RMS error if ``compute`` gave one."""
    heading = f"β = {beta:g}: window ≈ 1/(1−β) = {effective_window(beta):.3g} points"
    if rms_error is not None:
        heading += f"; RMS error vs true curve {rms_error:.2f}"
    return heading


def _averages(ax, averages: dict, truth, truth_label: str | None):
    """The changing half of ``gdlab.plots.plot_ewma``: one line per average, then the dashed
    ``truth`` (if given) above them."""
    plots.plot_averages(ax, averages)
    if truth is not None:
        ax.plot(np.arange(1, len(truth) + 1), truth, "--", color="black", linewidth=1.0,
                label=truth_label)


def _whole_series_axes(ax, series, pad: float):
    """The top panel's unchanging part: the whole series and the limits."""
    plots.plot_series(ax, series, markersize=2.5)
    ax.set_ylim(series.min() - pad, series.max() + pad)
    ax.set_xlim(0, len(series) + 1)


def _whole_series_curves(ax, truth, averages: dict, title: str):
    """The top panel's changing part: the average, the true curve, the legend, the title."""
    _averages(ax, averages, truth, truth_label="true curve")
    ax.legend(loc="upper left")
    ax.set_title(title)


def _weights_panel(ax, beta: float):
    r"""The weight :math:`(1-\beta)\beta^{t-i}` of a point against its age :math:`t-i`, and
    the window :math:`1/(1-\beta)` where it is in view."""
    weights = ewma_weights(beta, len(_WEIGHT_AGES))[::-1]   # by age: newest point first
    ax.fill_between(_WEIGHT_AGES, weights, step="mid", color=plots.AVERAGE_COLORS[0],
                    alpha=0.8, linewidth=0)
    window = effective_window(beta)
    if window <= _WEIGHT_AGES[-1]:
        ax.axvline(window, color="black", linestyle="--", linewidth=1,
                   label=f"1/(1−β) = {window:.3g}")
        ax.legend(loc="upper right")
    ax.set_xlim(-1, _WEIGHT_AGES[-1] + 1)
    ax.set_ylim(0, None)
    ax.set_xlabel("age of the point, $t - i$")
    ax.set_ylabel("weight $(1-β)β^{t-i}$")
    ax.set_title("Weight on each past point")


def _start_up_axes(ax, first, pad: float):
    """The start-up panel's unchanging part: the first points and the limits (x as the data
    and the averages over the same steps set it)."""
    plots.plot_series(ax, first, markersize=4, title=f"The first {len(first)} points: start-up")
    ax.set_ylim(min(first.min(), 0.0) - pad, first.max() + pad)
    ax.set_xlim(ax.get_xlim())


def _start_up_curves(ax, truth, averages: dict):
    """The start-up panel's changing part: the average shown and, faded behind the data, the
    other one; the true curve; the legend."""
    _averages(ax, averages, truth, truth_label=None)
    ax.lines[2].set(alpha=0.5, linewidth=1.2, zorder=1.9)   # the other average, behind
    ax.legend(loc="lower right")


# -- explorer 2: the widget-plot exercise -------------------------------------------------
_TARGET_COLOR = "#009E73"                                           # the target band
_EWMA_STYLE = {"color": plots.AVERAGE_COLORS[0], "linewidth": 1.8}   # plot_averages' first


def _average_and_lag(result, length: int | None = None) -> tuple[np.ndarray, np.ndarray]:
    """``result["average"]`` and ``result["lag"]``, checked to be 1-D arrays of finite
    numbers, of one length (``length``, if given) and not empty."""
    wanted = "a dict with the keys 'average' and 'lag' (the EWMA, and its lag at each step)"
    if not isinstance(result, dict):
        raise TypeError(f"compute must return {wanted}, got {type(result).__name__}")
    if set(result) != {"average", "lag"}:
        raise ValueError(f"compute must return {wanted}, got the keys "
                         f"{sorted(map(str, result))}")
    parts = [check_finite_array(f"compute's {key!r}", result[key], ndim=1)
             for key in ("average", "lag")]
    length = length or len(parts[0])
    for key, part in zip(("average", "lag"), parts):
        if part.shape != (length,) or length == 0:
            raise ValueError(f"compute's {key!r} must hold one value per point of the series "
                             f"(one or more), shape ({length},), got shape {part.shape}")
    return parts[0], parts[1]


def lag_verdict(result, target: float = 5.0, tolerance: float = 1.0) -> tuple[bool, str]:
    r"""(on target?, verdict) for ``result`` as the exercise's ``compute`` returns it: on
    target if the lag on the last step, ``result["lag"][-1]`` (on a straight line
    :math:`\beta/(1-\beta)` in the end), is within ``tolerance`` of ``target``; less lag
    smooths less than it may (raise β), more reports too late (lower β)."""
    target = check_in_range("target", target, 0.0, low_open=True)
    tolerance = check_in_range("tolerance", tolerance, 0.0, target, low_open=True, high_open=True)
    lag, low, high = _average_and_lag(result)[1][-1], target - tolerance, target + tolerance
    band = f"(target {low:g} to {high:g})"
    if low <= lag <= high:
        return True, f"on target: lags {lag:.1f} days\n{band}"
    if lag < low:
        return False, (f"too little lag: {lag:.1f} days {band},\nit smooths less than it "
                       f"may: raise β")
    return False, f"too much lag: {lag:.1f} days {band},\nit reports too late: lower β"


def lag_explorer(compute: Callable, betas: Sequence[float], series, trend,
                 target: float = 5.0, tolerance: float = 1.0, zoom: int = 30,
                 start: dict | None = None) -> Explorer:
    r"""The widget-plot exercise: ``compute(beta=β)``, for each β in ``betas``, returns a
    dict with ``"average"``, the EWMA of ``series``, and ``"lag"``, how many days it trails
    the rising ``trend`` behind the series at each step. Left, the last ``zoom`` days: the
    series, the trend dashed, the target band (the trend ``target`` ± ``tolerance`` days
    late) and the average; right, the lag against the band (up to 1.4 times the largest
    straight-line lag β/(1−β)), with the verdict of :func:`lag_verdict`."""
    if not callable(compute):
        raise TypeError(f"compute must be a function compute(beta) -> dict, "
                        f"got {type(compute).__name__}")
    if len(betas) == 0:
        raise ValueError("betas must list at least one β, got none")
    betas = [check_in_range(f"betas[{i}]", beta, 0.0, 1.0, high_open=True)
             for i, beta in enumerate(betas)]
    series, trend = (check_finite_array(name, value, ndim=1)
                     for name, value in (("series", series), ("trend", trend)))
    if trend.shape != series.shape or len(series) < 2:
        raise ValueError(f"series and trend must hold the same number of points, 2 or more, "
                         f"got shapes {series.shape} and {trend.shape}")
    zoom = min(check_positive_int("zoom", zoom, minimum=2), len(series))
    t = np.arange(1, len(series) + 1)

    def setup(fig):   # target and tolerance are checked when the explorer is built
        low, high = target - tolerance, target + tolerance
        longest = max(max(beta / (1 - beta) for beta in betas), high)
        data_ax, lag_ax = fig.subplots(1, 2)
        plots.plot_series(data_ax, series, markersize=4, title=f"The last {zoom} days")
        data_ax.plot(t, trend, "--", color="black", linewidth=1, label="trend")
        data_ax.fill_between(t, np.interp(t - high, t, trend), np.interp(t - low, t, trend),
                             color=_TARGET_COLOR, alpha=0.3, linewidth=0,
                             label=f"target: {low:g}–{high:g} days late")
        bottom = min(series[-zoom:].min(), np.interp(t[-zoom] - longest, t, trend))
        top = series[-zoom:].max()
        data_ax.set(xlim=(t[-zoom] - 0.5, t[-1] + 0.5), xlabel="day $t$",
                    ylim=(bottom - 0.35 * (top - bottom), top + 0.05 * (top - bottom)))
        # drawn once, with a stand-in for the EWMA, under the lines: part of the background
        data_ax.legend(handles=data_ax.get_lines() + data_ax.collections
                       + [Line2D([], [], **_EWMA_STYLE, label="EWMA")],
                       loc="lower right", fontsize=8).set_zorder(1.5)
        lag_ax.axhspan(low, high, color=_TARGET_COLOR, alpha=0.3, linewidth=0)
        lag_ax.axhline(target, color="black", linestyle="--", linewidth=1)
        lag_ax.set(xlim=(0, len(series)), ylim=(0, 1.4 * longest), xlabel="day $t$",
                   ylabel="days behind the trend")   # room for the verdict above the lags
        return data_ax, lag_ax

    def draw(axes, result, beta):
        (data_ax, lag_ax), (average, lag) = axes, _average_and_lag(result, len(series))
        data_ax.plot(t, average, **_EWMA_STYLE)
        lag_ax.plot(t, lag, **_EWMA_STYLE)
        lag_ax.set_title(f"Lag of the EWMA, β = {beta:g}", fontsize=10)
        verdict_box(lag_ax, lag_verdict(result, target, tolerance)[1], fontsize=9)

    shown = Explorer({"beta": betas}, compute, draw, setup=setup, start=start,
                     title=f"Exercise: pick β so that the EWMA lags the trend by about "
                           f"{target:g} days", figsize=(8.0, 3.6), dpi=72, max_frames=16)
    _average_and_lag(shown.result(), len(series))   # a broken compute fails here, not in draw
    lag_verdict(shown.result(), target, tolerance)  # and so do a bad target and tolerance
    return shown


# -- the checks ---------------------------------------------------------------------------
def check_ewma_values(answer, series, beta: float, bias_correction: bool = False) -> Feedback:
    r"""Check hand-computed EWMA values :math:`V_1, \dots, V_T` of ``series``:
    :math:`V_t = \beta V_{t-1} + (1-\beta)\theta_t` from :math:`V_0 = 0`, or with
    ``bias_correction`` :math:`V_t / (1-\beta^t)`."""
    series = check_finite_array("series", series, ndim=1)
    if len(series) == 0:
        raise ValueError("series must hold at least one point, got none")
    beta = check_in_range("beta", beta, 0.0, 1.0, high_open=True)
    bias_correction = check_flag("bias_correction", bias_correction)
    expected = ewma(series, beta, bias_correction=bias_correction)
    other = ewma(series, beta, bias_correction=not bias_correction)
    hints = [(other[:, None],
              "these are the " + ("uncorrected" if bias_correction else "bias-corrected")
              + " values; the exercise asks for the "
              + ("bias-corrected ones, V_t / (1 − β^t)." if bias_correction
                 else "plain ones, starting from V_0 = 0.")),
             (_heavy_ball_velocity(series, beta)[:, None],
              "the new point is weighted by (1 − β), not 1.")]
    names = [f"V{t}" for t in range(1, len(series) + 1)]
    return check_points(as_column(answer, len(series)), expected[:, None], names, hints=hints)


def _heavy_ball_velocity(series, beta: float) -> np.ndarray:
    r"""The slip :math:`v_t = \beta v_{t-1} + \theta_t` (no factor :math:`1-\beta` on the new
    point): the velocity of heavy-ball ``gdlab.Momentum`` fed ``series`` as its gradients,
    read off its steps, :math:`v_t = x_{t-1} - x_t` at lr = 1."""
    iterates = gdlab.replay(gdlab.Momentum(lr=1.0, beta=beta), series)
    return -np.diff(iterates[:, 0])


def check_beta_for_window(answer, window: float) -> Feedback:
    r"""Check the β whose rule-of-thumb window :math:`1/(1-\beta)` is ``window`` points:
    :math:`\beta = 1 - 1/\text{window}`."""
    window = check_in_range("window", window, 1.0)
    hints = [(1.0 / window, "that is 1 − β, the weight of the newest point; β is 1 minus it."),
             # pandas' span convention, 1 − β = 2/(span + 1): the SMA of the same noise and lag
             (1.0 - 2.0 / (window + 1.0),
              f"that β matches a simple moving average of {window:g} points in lag and "
              "noise (the 'span' convention of pandas); the rule of thumb asks for "
              f"1/(1 − β) = {window:g}."),
             # off by one: 1/(1 − β) = window + 1
             (1.0 - 1.0 / (window + 1.0),
              f"that β has 1/(1 − β) = {window + 1:g}, one point too many; the window "
              f"counts the newest point too, so 1/(1 − β) = {window:g}.")]
    return check_number(answer, 1.0 - 1.0 / window,
                        name=f"β for a window of {window:g} points", rtol=1e-6, hints=hints)
