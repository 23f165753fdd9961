r"""Companion of chapter 9, *Saddle points and plateaus* (``chapters/09-saddle-points.ipynb``).

It holds the drawing of the chapter's three explorers, each fed by a compute step written in
the notebook: :func:`explorer` (one optimizer leaving the saddle :math:`x^2 - y^2` from a
start offset δ along the escaping direction), :func:`race_explorer` (every optimizer on two
landscapes, scrubbed over the steps) and :func:`lr_explorer` (the widget-plot exercise:
pick the learning rate so that gradient descent escapes in time), the helper
:func:`escape_step`, and the check of the by-hand exercise, :func:`check_escape_steps`.
The expected answers come from :func:`gdlab.run`, the log law from
:func:`gdlab.theory.saddle_escape_steps`.
"""

from __future__ import annotations

from typing import Callable, Mapping, Sequence

import numpy as np
from matplotlib.lines import Line2D

from gdlab import plots
from gdlab.explorer import Explorer
from gdlab.panels import log_ticks, verdict_box
from gdlab.feedback import Feedback, check_number
from gdlab.functions import Function, Quadratic, saddle
from gdlab.optimizers import SGD
from gdlab.run import Trajectory, run
from gdlab.theory import saddle_escape_steps
from gdlab.validation import check_in_range, check_positive_int

__all__ = ["explorer", "race_explorer", "lr_explorer", "escape_step", "check_escape_steps"]


def escape_step(traj: Trajectory, radius: float = 1.0, coordinate: int = 1) -> int | None:
    """The first step t at which ``|traj.xs[t, coordinate]| >= radius`` (the run has left
    the saddle along that coordinate), or None if it never does."""
    radius = check_in_range("radius", radius, 0.0, low_open=True)
    if not isinstance(traj, Trajectory):
        raise ValueError(f"traj must be a gdlab.Trajectory (what gdlab.run returns), "
                         f"got {type(traj).__name__}")
    hits = np.nonzero(np.abs(traj.xs[:, coordinate]) >= radius)[0]
    return int(hits[0]) if len(hits) else None


def _trajectory(result, steps: int | None = None) -> Trajectory:
    """``result["trajectory"]``, checked: a dict with a Trajectory of ``steps`` steps (fewer
    if it diverged)."""
    if not isinstance(result, Mapping) or "trajectory" not in result:
        raise ValueError(f"compute must return a dict with 'trajectory' (a gdlab.Trajectory), "
                         f"got {type(result).__name__}"
                         + (f" with keys {', '.join(map(repr, result))}"
                            if isinstance(result, Mapping) else ""))
    traj = result["trajectory"]
    if not isinstance(traj, Trajectory):
        raise ValueError(f"compute's result['trajectory'] must be a gdlab.Trajectory, "
                         f"got {type(traj).__name__}")
    if steps is not None and not traj.diverged and traj.steps != steps:
        raise ValueError(f"compute ran {traj.steps} steps, but the explorer was given "
                         f"steps={steps}")
    return traj


def _distance_axes(ax, high: int, steps: int, ylabel: str) -> None:
    """The unchanging half of a distance-vs-step panel: log scale 1e-12..10^high, steps
    0..steps on x, labeled."""
    log_ticks(ax, -12, high, 2)
    ax.set_xlim(0, steps)
    ax.set_xlabel("step t")
    ax.set_ylabel(ylabel)


def _finish_distance_panel(ax, title: str, verdict: str, fontsize: float) -> None:
    """The changing half's last touches, shared by both distance panels: the title, the
    legend and the verdict box."""
    ax.set_title(title, fontsize=10)
    ax.legend(loc="lower right", fontsize=8)
    verdict_box(ax, verdict, fontsize=fontsize)


# -- explorer 1: leaving the saddle ---------------------------------------------------------
def escape_verdict(traj: Trajectory, radius: float) -> str:
    """The main explorer's verdict: escaped at step N, not yet, or stuck on the line y = 0."""
    step = escape_step(traj, radius)
    if step is not None:
        return f"escaped at step {step}\n(|y| ≥ {radius:g})"
    y = np.abs(traj.xs[:, 1])
    if np.all(y == 0):
        return (f"stuck at the saddle: y = 0 at every step\n(the gradient along y is exactly 0),"
                f"\nx → {traj.xs[-1, 0]:.1e} after {traj.steps} steps")
    return f"not escaped after {traj.steps} steps:\n|y| = {y[-1]:.1e}"


def explorer(compute: Callable, offsets: Sequence[float], optimizers: Sequence[str],
             steps: int, lr: float, radius: float = 1.0, f: Function = saddle, b: float = 2.0,
             start: dict | None = None) -> Explorer:
    r"""An explorer over the start offset δ (``offsets``, the start is (1, δ)) and the
    optimizer (``optimizers``, names shown on the slider): the path on the contours of ``f``
    and :math:`|y_t|` on a log scale, with the escape radius ``radius`` dashed and, for
    δ > 0, gradient descent's log law :math:`(1 + \alpha b)^t\delta` at learning rate
    ``lr`` dotted. ``compute(offset=δ, optimizer=name)`` returns a dict with
    ``"trajectory"``, the :class:`gdlab.Trajectory` of ``steps`` steps. The verdict says at
    which step :math:`|y| \ge` ``radius`` first, or that the run is stuck.
    """
    if not callable(compute):
        raise ValueError(f"compute must be a function of offset and optimizer, got {compute!r}")
    offsets = [check_in_range(f"offsets[{i}]", d, 0.0) for i, d in enumerate(offsets)]
    optimizers = [str(name) for name in optimizers]
    steps, radius = check_positive_int("steps", steps), check_in_range("radius", radius, 0.0,
                                                                       low_open=True)
    lr, b = check_in_range("lr", lr, 0.0, low_open=True), check_in_range("b", b, 0.0,
                                                                         low_open=True)

    def setup(fig):
        ax_path, ax_y = fig.subplots(1, 2, width_ratios=[1, 1.25])
        plots.plot_contours(ax_path, f, levels=14, resolution=80)
        ax_path.set_xticks([-2, -1, 0, 1, 2])
        ax_path.set_yticks([-2, -1, 0, 1, 2])
        _distance_axes(ax_y, 2, steps, "|y_t| (log scale; 0 drawn at 1e-12)")
        return ax_path, ax_y

    def draw(axes, result, offset, optimizer):
        traj = _trajectory(result, steps)
        color = plots.color_of(traj.optimizer)
        ax_path, ax_y = axes
        plots.plot_trajectory(ax_path, traj, color=color, markersize=1.5)
        ax_path.set_title(f"{optimizer} from (1, {offset:g})", fontsize=10)
        t = np.arange(traj.steps + 1)
        ax_y.plot(t, np.maximum(np.abs(traj.xs[:, 1]), 1e-12), **plots.style_of(traj.optimizer),
                  label=optimizer)
        ax_y.axhline(radius, color="black", linestyle="--", linewidth=1, label=f"|y| = {radius:g}")
        if offset > 0:
            law = np.arange(steps + 1)
            ax_y.plot(law, np.minimum(offset * (1 + lr * b) ** law, 1e3), ":", color="gray",
                      label=f"GD's law (1 + {lr:g}·{b:g})^t δ")
        _finish_distance_panel(ax_y, f"Distance along the escaping direction, δ = {offset:g}",
                               escape_verdict(traj, radius), fontsize=8.0)

    shown = Explorer({"offset": offsets, "optimizer": optimizers}, compute, draw, start=start,
                     setup=setup, title="Leaving the saddle x² − y²: start offset and optimizer",
                     figsize=(9.0, 3.7), dpi=72, max_frames=24)
    _trajectory(shown.result(), steps)     # a broken compute fails here, not in draw
    return shown


# -- explorer 2: the race ---------------------------------------------------------------------
def race_explorer(compute: Callable, steps: Sequence[int], landscapes: Mapping,
                  start: dict | None = None) -> Explorer:
    """A scrubber over ``steps``: ``compute(step=t)`` returns a dict mapping each landscape
    title of ``landscapes`` (title -> a landscape, or ``(landscape, window)``) to
    ``{label: Trajectory}``, the runs up to step t (the same runs at every step); every run
    is drawn on the contours of its landscape in its optimizer's color, with a dot where it
    is at step t, and one legend for all, drawn once."""
    if not callable(compute):
        raise ValueError(f"compute must be a function of step, got {compute!r}")
    steps = [check_positive_int(f"steps[{i}]", t, minimum=0) for i, t in enumerate(steps)]
    if not landscapes or len(landscapes) > 2:
        raise ValueError(f"landscapes must map one or two titles to landscapes, got "
                         f"{len(landscapes)}")
    panels = {title: (value if isinstance(value, tuple) else (value, None))
              for title, value in landscapes.items()}
    first = next(iter(panels))   # the legend names the runs on the first landscape

    def runners(result) -> list[tuple[str, dict]]:
        """The legend's entries: (label, line style) of each run on the first landscape."""
        return [(label, plots.style_of(traj.optimizer)) for label, traj in result[first].items()]

    def setup(fig):
        width = 0.74 / len(panels)
        axes = [fig.add_axes((0.075 + k * (width + 0.045), 0.13, width - 0.03, 0.77))
                for k in range(len(panels))]
        for ax, (f, window) in zip(axes, panels.values()):
            plots.plot_contours(ax, f, window=window, levels=14, resolution=80)
        # drawn once, from the start's runs (draw checks every step has the same); `shown`,
        # built below, exists by then: setup runs only when a frame is drawn
        _race_legend(fig, axes, runners(shown.result()))
        return axes

    def draw(axes, result, step):
        result = _race_result(result, landscapes)
        if runners(result) != runners(shown.result()):
            raise ValueError(f"compute(step={step}) returned other runs on {first!r} than at "
                             f"the start (the legend, drawn once, lists the start's): "
                             f"{', '.join(result[first])} instead of "
                             f"{', '.join(shown.result()[first])}")
        for k, (ax, title) in enumerate(zip(axes, panels)):
            for label, traj in result[title].items():
                style = plots.style_of(traj.optimizer)
                ax.plot(traj.xs[:, 0], traj.xs[:, 1], **style, linewidth=1.3,
                        label=label if k == 0 else None)
                ax.plot(*traj.xs[-1], "o", color=style["color"], markersize=4)
            ax.plot(*next(iter(result[title].values())).xs[0], "o", markerfacecolor="white",
                    markeredgecolor="black", markersize=7)
            ax.set_title(f"{title}, step {step}", fontsize=10)

    shown = Explorer({"step": steps}, compute, draw, setup=setup, start=start, layout=None,
                     title="The race: every optimizer of the book, step by step",
                     figsize=(9.0, 4.0), dpi=72, max_frames=24)
    _race_result(shown.result(), landscapes)
    return shown


def _race_legend(fig, axes, entries) -> None:
    """The race's one legend, right of the panels: a line for each (label, line style) of
    ``entries`` (the runs on the first landscape) and the labeled marks of the contour
    plots (a minimum's star), in the order a legend of the whole figure lists them."""
    def marks(ax):
        return [line for line in ax.get_lines() if not line.get_label().startswith("_")]

    runs = [Line2D([], [], **style, linewidth=1.3, label=label) for label, style in entries]
    handles = marks(axes[0]) + runs + [line for ax in axes[1:] for line in marks(ax)]
    fig.legend(handles=handles, loc="center right", fontsize=8, frameon=False)


def _race_result(result, landscapes) -> dict:
    if not isinstance(result, Mapping) or set(result) != set(landscapes):
        raise ValueError(f"compute must return a dict with the keys {', '.join(landscapes)} "
                         f"(one dict of trajectories per landscape), got "
                         f"{sorted(result) if isinstance(result, Mapping) else result!r}")
    for title, runs in result.items():
        if not runs or not all(isinstance(t, Trajectory) for t in runs.values()):
            raise ValueError(f"compute's result[{title!r}] must map labels to "
                             f"gdlab.Trajectory objects")
    return result


# -- explorer 3: the widget-plot exercise -------------------------------------------------------
def lr_verdict(traj: Trajectory, target: int, radius: float) -> tuple[bool, str]:
    """(on target?, verdict) for gradient descent from (1, δ): escape within ``target``
    steps, while x (the attracting direction) still settles, |x_T| < |x_0|/100."""
    step = escape_step(traj, radius)
    x = np.abs(traj.xs[:, 0])
    if x[-1] >= 0.01 * x[0]:
        grows = "grows" if x[-1] > x[0] else "does not shrink"
        return False, (f"x {grows}: along x each step multiplies\nby 1 − 2α; |1 − 2α| < 1 "
                       f"needs α < 1.\nToo large: lower α")
    if step is None or step > target:
        when = f"not out after {traj.steps} steps" if step is None else f"escapes at step {step}"
        return False, f"too slow: {when},\ntarget ≤ {target}: raise α"
    return True, f"on target: escapes at step {step} ≤ {target}\nand x settles"


def lr_explorer(compute: Callable, lrs: Sequence[float], target: int, steps: int,
                radius: float = 1.0, start: dict | None = None) -> Explorer:
    r"""The widget-plot exercise: for each learning rate in ``lrs``, ``compute(lr=α)``
    returns a dict with ``"trajectory"``, gradient descent from (1, δ) for ``steps`` steps
    (fewer if it diverged). The frame shows :math:`|y_t|` and :math:`|x_t|` on a log scale
    with the target (escape, :math:`|y| \ge` ``radius``, by step ``target``) dashed, and a
    verdict: on target, too slow (raise α), or x no longer settles (lower α)."""
    if not callable(compute):
        raise ValueError(f"compute must be a function of lr, got {compute!r}")
    lrs = [check_in_range(f"lrs[{i}]", lr, 0.0, low_open=True) for i, lr in enumerate(lrs)]
    target, steps = check_positive_int("target", target), check_positive_int("steps", steps)
    radius = check_in_range("radius", radius, 0.0, low_open=True)

    def setup(fig):
        ax = fig.subplots()
        _distance_axes(ax, 4, steps, "distance (log scale)")
        return ax

    def draw(ax, result, lr):
        traj = _trajectory(result, steps)
        ok, verdict = lr_verdict(traj, target, radius)
        t = np.arange(traj.steps + 1)
        color = plots.color_of("SGD")
        ax.plot(t, np.maximum(np.abs(traj.xs[:, 1]), 1e-12), color=color, label="|y_t| (escaping)")
        ax.plot(t, np.maximum(np.abs(traj.xs[:, 0]), 1e-12), ":", color=color,
                label="|x_t| (attracting)")
        ax.axhline(radius, color="black", linestyle="--", linewidth=1, label=f"|y| = {radius:g}")
        ax.axvspan(0, target, color="#009E73" if ok else "#D55E00", alpha=0.08,
                   label=f"target: escape by step {target}")
        ax.axvline(target, color="black", linestyle="--", linewidth=1)
        _finish_distance_panel(ax, f"Gradient descent with α = {lr:g} from (1, {traj.xs[0, 1]:g})",
                               verdict, fontsize=9)

    shown = Explorer({"lr": lrs}, compute, draw, setup=setup, start=start,
                     title="Exercise: pick α so that gradient descent escapes in time",
                     figsize=(8.0, 3.6), dpi=72, max_frames=16)
    _trajectory(shown.result(), steps)
    return shown


# -- the check of the by-hand exercise ---------------------------------------------------------
def check_escape_steps(answer, delta: float = 1e-4, lr: float = 0.1,
                       radius: float = 1.0) -> Feedback:
    r"""Check a by-hand count of the steps gradient descent with learning rate ``lr`` needs
    on :math:`x^2 - y^2`, from :math:`(1, \delta)`, until :math:`|y| \ge` ``radius`` first.

    The expected count is measured by running :class:`gdlab.SGD` on :data:`gdlab.saddle`.
    Recognized slips: the factor :math:`1 + \alpha` per step (the curvature of
    :math:`\tfrac12(x^2 - y^2)`, a run on that landscape), rounding down instead of up,
    :math:`\ln(1 + 2\alpha) \approx 2\alpha`, and counting the attracting direction (the
    steps until :math:`|x| \le \delta`).
    """
    radius = check_in_range("radius", radius, 0.0, low_open=True)
    delta = check_in_range("delta", delta, 0.0, radius, low_open=True, high_open=True)
    lr = check_in_range("lr", lr, 0.0, 0.5, low_open=True, high_open=True)
    # enough steps for the slowest variant: factor 1 + α up, or 1 − 2α down towards x = 0
    budget = (saddle_escape_steps(delta, lr, b=1.0, radius=radius)
              + int(np.ceil(np.log(1.0 / delta) / -np.log1p(-2 * lr))) + 10)
    expected = escape_step(run(SGD(lr=lr), saddle, [1.0, delta], budget), radius)
    half = Quadratic(np.diag([1.0, -1.0]))                   # ½(x² − y²): factor 1 + α
    slips = [
        (escape_step(run(SGD(lr=lr), half, [1.0, delta], budget), radius),
         f"the gradient of −y² is −2y, so each step multiplies y by 1 + 2α = {1 + 2 * lr:g}, "
         f"not 1 + α = {1 + lr:g}."),
        (expected - 1,
         f"you rounded down: (1 + 2α)^t δ must reach {radius:g}, so take the first whole t "
         f"at or above ln(R/δ)/ln(1 + 2α), that is, round up."),
        (int(np.ceil(np.log(radius / delta) / (2 * lr))),
         f"ln(1 + 2α) is not 2α: ln({1 + 2 * lr:g}) = {np.log1p(2 * lr):.4f}, not {2 * lr:g}; "
         f"the approximation is good only for small α."),
        (int(np.argmax(np.abs(run(SGD(lr=lr), saddle, [1.0, 0.0], budget).xs[:, 0]) <= delta)),
         "that is how long x takes to shrink from 1 to δ (factor 1 − 2α): x is the "
         "attracting direction; the question is about y, which grows by 1 + 2α."),
    ]
    hints = [(value, text) for value, text in slips if value != expected]
    return check_number(answer, expected, name="The number of steps", rtol=1e-9, hints=hints)

