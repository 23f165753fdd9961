r"""Companion of chapter 11, *Beyond first order* (``chapters/11-beyond-first-order.ipynb``).

It holds the drawing of the chapter's two explorers, each fed by a compute step written in
the notebook: :func:`explorer` (gradient descent, Newton, damped Newton and saddle-free
Newton on a landscape and from a start chosen on the sliders) with its verdict
:func:`method_verdict`, and :func:`damping_explorer` (the widget-plot exercise: pick the
damping λ so that damped Newton reaches the minimum of :math:`\sqrt{1 + x^2}` in time) with
:func:`damping_verdict`; and the check of the by-hand exercise, :func:`check_newton_step`.
Expected answers come from :mod:`gdlab.second_order`.
"""

from __future__ import annotations

from typing import Callable, Mapping, Sequence

import numpy as np

from gdlab import plots
from gdlab.explorer import Explorer
from gdlab.feedback import Feedback, check_points
from gdlab.panels import log_ticks, verdict_box
from gdlab.run import Trajectory, settles_below
from gdlab.second_order import newton_step
from gdlab.validation import check_finite_array, check_in_range, check_positive_int

__all__ = ["explorer", "method_verdict", "damping_explorer", "damping_verdict",
           "check_newton_step", "METHOD_COLORS"]

#: The color of each method in this chapter, the book's (Newton's variants share Newton's
#: purple and differ in line style, :data:`LINESTYLES`).
METHOD_COLORS = {"GD": plots.color_of("GD"), "Newton": plots.color_of("Newton"),
                 "damped Newton": plots.color_of("Newton"),
                 "saddle-free Newton": plots.color_of("Newton"), "L-BFGS": plots.color_of("L-BFGS"),
                 "Adam": plots.color_of("Adam"), "Momentum": plots.color_of("Momentum")}
LINESTYLES = {**plots.LINESTYLES, "damped Newton": "--", "saddle-free Newton": ":"}


def _trajectory(result, steps: int | None = None) -> Trajectory:
    """``result["trajectory"]``, checked: a dict with a Trajectory of at most ``steps``
    steps."""
    if not isinstance(result, Mapping) or not isinstance(result.get("trajectory"), Trajectory):
        raise ValueError(f"compute must return a dict with 'trajectory' (a gdlab.Trajectory), "
                         f"got {type(result).__name__}")
    traj = result["trajectory"]
    if steps is not None and traj.steps > steps:
        raise ValueError(f"compute ran {traj.steps} steps, but the explorer was given "
                         f"steps={steps}")
    return traj


def method_verdict(traj: Trajectory, f, tol: float = 1e-8) -> str:
    """Where a run ended on ``f``: at the minimum (from which step on, within ``tol``), at
    the saddle or the local minimum ``f`` may have (``f.saddle_point``,
    ``f.local_minimum``), or how far from the minimum it still is; or that it diverged."""
    tol = check_in_range("tol", tol, 0.0, low_open=True)
    if traj.diverged:
        return f"diverged after {traj.steps} steps"
    distance = np.linalg.norm(traj.xs - f.minimum, axis=1)
    reached = settles_below(distance, tol)
    if reached is not None:
        return f"at the minimum from step {reached}\n(|x − x*| ≤ {tol:g})"
    for attribute, name in (("saddle_point", "the saddle"), ("local_minimum", "the local minimum")):
        point = getattr(f, attribute, None)
        if point is not None and np.linalg.norm(traj.xs[-1] - point) <= 1e-6:
            return f"stuck at {name} {_point(np.round(point, 3))}\nafter {traj.steps} steps"
    return f"not there yet: |x − x*| = {distance[-1]:.1e}\nafter {traj.steps} steps"


def explorer(compute: Callable, landscapes: Mapping, methods: Sequence[str],
             starts: Sequence[str], steps: int, start: dict | None = None) -> Explorer:
    """An explorer over a landscape (``landscapes``: title -> Function with a known
    minimum), a method (``methods``, names of :data:`METHOD_COLORS`) and a start (labels
    ``starts``): ``compute(landscape=title, method=name, start=label)`` returns a dict with
    ``"trajectory"``, a run of at most ``steps`` steps. The frame shows the path on the
    contours and the distance to the minimum on a log scale, with a verdict."""
    if not callable(compute):
        raise ValueError(f"compute must be a function of landscape, method and start, "
                         f"got {compute!r}")
    steps = check_positive_int("steps", steps)
    for name in methods:
        if name not in METHOD_COLORS:
            raise ValueError(f"methods must be names of {', '.join(METHOD_COLORS)}; "
                             f"got {name!r}")
    for title, f in landscapes.items():
        if getattr(f, "minimum", None) is None or f.dim != 2:
            raise ValueError(f"landscapes[{title!r}] must be a 2-D landscape with a known "
                             f"minimum")

    def setup(fig, landscape):
        f = landscapes[landscape]
        ax_path, ax_d = fig.subplots(1, 2, width_ratios=[1, 1.2])
        plots.plot_contours(ax_path, f, levels=16, resolution=90)
        log_ticks(ax_d, -16, 2, 2)
        ax_d.set_xlim(0, steps)
        ax_d.set_xlabel("iteration k")
        ax_d.set_ylabel("distance |x − x*| (log scale)")
        return ax_path, ax_d

    def draw(axes, result, landscape, method, start):
        f, traj = landscapes[landscape], _trajectory(result, steps)
        ax_path, ax_d = axes
        color, style = METHOD_COLORS[method], LINESTYLES.get(method, "-")
        xs = traj.xs
        ax_path.plot(xs[:, 0], xs[:, 1], style, marker="o", color=color, markersize=3,
                     linewidth=1.4, label=method)
        ax_path.plot(*xs[0], "o", markerfacecolor="white", markeredgecolor=color, markersize=7)
        ax_path.set_title(f"{method} on {landscape}, {start}", fontsize=10)
        distance = np.maximum(np.linalg.norm(xs - f.minimum, axis=1), 1e-16)
        ax_d.plot(np.arange(len(distance)), distance, style, marker="o", markersize=3,
                  color=color, label=method)
        ax_d.legend(loc="lower left", fontsize=8)
        ax_d.set_title("Distance to the minimum", fontsize=10)
        verdict_box(ax_d, method_verdict(traj, f), fontsize=8)

    shown = Explorer({"landscape": list(landscapes), "method": list(methods),
                      "start": list(starts)}, compute, draw, setup=setup, static=["landscape"],
                     start=start, title="Newton and its repairs: landscape, method and start",
                     figsize=(9.0, 3.8), dpi=72, max_frames=24)
    _trajectory(shown.result(), steps)
    return shown


# -- the widget-plot exercise ------------------------------------------------------------------
def damping_verdict(traj: Trajectory, target: int, tol: float) -> tuple[bool, str]:
    """(on target?, verdict) for damped Newton on a 1-D landscape with minimum 0: on target
    if :math:`|x_k| \\le` ``tol`` from step ``target`` on; an error that ever exceeds the
    start's (overshoot, a cycle, divergence) asks for more damping; a slow but steady run
    for less."""
    error = np.abs(traj.xs[:, 0] - traj.minimum[0])
    reached = settles_below(error, tol)
    if traj.diverged or np.any(error[1:] > error[0]):
        how = "diverges" if traj.diverged else "overshoots"
        return False, (f"{how}: |x_k| grows beyond |x_0| = {error[0]:g}\nthe step "
                       f"f′/(f″ + λ) is too long: raise λ")
    if reached is None or reached > target:
        when = f"not there after {traj.steps} steps" if reached is None else f"there at step {reached}"
        return False, f"too slow: {when}, target ≤ {target}\nλ/(1 + λ) per step: lower λ"
    return True, f"on target: |x_k| ≤ {tol:g} from step {reached}\n(target ≤ {target})"


def damping_explorer(compute: Callable, dampings: Sequence[float], target: int, tol: float,
                     steps: int, start: dict | None = None) -> Explorer:
    r"""The widget-plot exercise: for each λ in ``dampings``, ``compute(damping=λ)`` returns
    a dict with ``"trajectory"``, damped Newton on a 1-D landscape with minimum 0 (at most
    ``steps`` steps). The frame shows :math:`|x_k|` on a log scale, the target (within
    ``tol`` by step ``target``) and the verdict of :func:`damping_verdict`."""
    if not callable(compute):
        raise ValueError(f"compute must be a function of damping, got {compute!r}")
    dampings = [check_in_range(f"dampings[{i}]", d, 0.0) for i, d in enumerate(dampings)]
    target, steps = check_positive_int("target", target), check_positive_int("steps", steps)
    tol = check_in_range("tol", tol, 0.0, low_open=True)

    def setup(fig):
        ax = fig.subplots()
        log_ticks(ax, -16, 4, 2)
        ax.set_xlim(0, steps)
        ax.set_xlabel("iteration k")
        ax.set_ylabel("distance |x − x*| (log scale)")
        return ax

    def draw(ax, result, damping):
        traj = _trajectory(result, steps)
        ok, verdict = damping_verdict(traj, target, tol)
        error = np.maximum(np.abs(traj.xs[:, 0] - traj.minimum[0]), 1e-16)
        ax.plot(np.arange(len(error)), error, "-o", markersize=3,
                color=METHOD_COLORS["damped Newton"], label=f"damped Newton, λ = {damping:g}")
        ax.plot([target, target, steps], [1e4, tol, tol], "--", color="black", linewidth=1,
                label=f"target: ≤ {tol:g} by step {target}")
        ax.axvspan(target, steps, ymax=(np.log10(tol) + 16) / 20,
                   color="#009E73" if ok else "#D55E00", alpha=0.12)
        ax.set_title(f"Damped Newton on √(1 + x²) from x₀ = {traj.xs[0, 0]:g}, λ = {damping:g}",
                     fontsize=10)
        ax.legend(loc="lower left", fontsize=8)
        verdict_box(ax, verdict, fontsize=9)

    shown = Explorer({"damping": dampings}, compute, draw, setup=setup, start=start,
                     title="Exercise: pick the damping λ", figsize=(8.0, 3.6), dpi=72,
                     max_frames=16)
    _trajectory(shown.result(), steps)
    return shown


# -- the check of the by-hand exercise ---------------------------------------------------------
EXERCISE_A = ((4.0, 2.0), (2.0, 2.0))     # f(x, y) = 2x² + 2xy + y² − 2x
EXERCISE_B = (2.0, 0.0)
EXERCISE_X0 = (1.0, 1.0)


def check_newton_step(answer, A=EXERCISE_A, b=EXERCISE_B, x0=EXERCISE_X0) -> Feedback:
    r"""Check one Newton step :math:`x_1 = x_0 - H^{-1}\nabla f(x_0)`, by hand, on the
    quadratic :math:`\tfrac12 x^\top A x - b^\top x` (2-D) from ``x0``.

    The expected point comes from :func:`gdlab.second_order.newton_step`. Recognized
    slips: multiplying by :math:`H` instead of :math:`H^{-1}`, the wrong sign (a step
    :math:`+H^{-1}g`), a plain gradient step :math:`x_0 - g`, and the two usual slips of a
    2×2 inverse (not swapping the diagonal, not negating the off-diagonal).
    """
    A = check_finite_array("A", A, ndim=2)
    if A.shape != (2, 2) or not np.allclose(A, A.T) or np.linalg.det(A) == 0:
        raise ValueError(f"A must be a symmetric invertible 2×2 matrix, got {A.tolist()}")
    b, x0 = check_finite_array("b", b, ndim=1), check_finite_array("x0", x0, ndim=1)
    if b.shape != (2,) or x0.shape != (2,):
        raise ValueError(f"b and x0 must have 2 entries, got {b.shape} and {x0.shape}")
    g = A @ x0 - b
    expected = x0 + newton_step(g, A)
    (a, c), (_, d) = A
    det = a * d - c * c
    unswapped = np.array([[a, -c], [-c, d]]) / det
    unnegated = np.array([[d, c], [c, a]]) / det
    slips = [
        (x0 - A @ g, f"you multiplied the gradient g = {_point(g)} by H; Newton's step "
                     f"divides by it: solve H p = −g (or use H⁻¹)."),
        (x0 - newton_step(g, A), "the sign: the step is −H⁻¹g, towards lower values; you "
                                 "added H⁻¹g."),
        (x0 - g, "that is a gradient step with learning rate 1, x₀ − g; Newton's step "
                 "rescales g by H⁻¹."),
        (x0 - unswapped @ g, "the 2×2 inverse: [[a, b], [b, d]]⁻¹ = [[d, −b], [−b, a]]/(ad − b²); "
                             "you did not swap a and d."),
        (x0 - unnegated @ g, "the 2×2 inverse: [[a, b], [b, d]]⁻¹ = [[d, −b], [−b, a]]/(ad − b²); "
                             "the off-diagonal entries change sign."),
    ]
    hints = [([value], text) for value, text in slips if not np.allclose(value, expected)]
    return check_points([answer] if np.ndim(answer) == 1 else answer, [expected],
                        names=["x₁"], hints=hints)


def _point(p) -> str:
    return "(" + ", ".join(f"{v:g}" for v in p) + ")"
