"""Companion of chapter 1, *Gradient descent* (``chapters/01-gradient-descent.ipynb``).

It holds the chapter's two explorers, the learning-rate explorer :func:`explorer` and
:func:`rate_explorer` (the widget-plot exercise: pick α so that gradient descent reaches the
minimum in time, judged by :func:`rate_verdict`), and the checks of its exercises: a
gradient by hand (:func:`check_gradient`), gradient-descent steps by hand
(:func:`check_gd_steps`), the largest stable learning rate on a quadratic
(:func:`check_stable_learning_rate`) and a learner's own central differences
(:func:`check_central_difference`).
"""

from __future__ import annotations

from typing import Callable, Sequence

import numpy as np
from matplotlib.lines import Line2D

from gdlab import plots
from gdlab.explorer import Explorer
from gdlab.feedback import (Feedback, Uphill, as_column, check_number, check_points,
                            format_point, join_names, matching_hint)
from gdlab.functions import (Function, Quadratic, beale, numerical_gradient, relative_error,
                             rosenbrock)
from gdlab.optimizers import SGD
from gdlab.panels import contour_axes, log_ticks, loss_axes, loss_curves, paths, verdict_box
from gdlab.run import Trajectory, run, settles_below
from gdlab.theory import gd_optimal_lr
from gdlab.validation import check_in_range, check_point, check_positive_int

__all__ = ["explorer", "rate_verdict", "rate_explorer", "check_gradient", "check_gd_steps",
           "check_stable_learning_rate", "check_central_difference"]


# -- explorer 1: the learning rate --------------------------------------------------------
_DRAWN = ("xs", "optimizer", "steps", "gaps", "diverged", "status")   # what draw reads of a run


def explorer(compute: Callable, lrs: Sequence[float], f: Function,
             start: dict | None = None) -> Explorer:
    r"""One frame per learning rate :math:`\alpha` in ``lrs``: the path of ``compute(lr=α)``
    on the contour plot of ``f`` and its gap :math:`f(x_t) - f^*` on a log scale.

    The contract of ``compute`` (written in the notebook): it receives one keyword argument,
    ``lr`` (a value of ``lrs``), and returns the run, a ``gdlab.Trajectory`` such as
    ``gdlab.run(gdlab.SGD(lr=lr), f, x0, steps)``. The picture reads of it ``xs`` (the
    path), ``optimizer`` (the path's color), ``gaps()`` (the loss curve), ``diverged`` and
    ``status`` (the verdict in the title) and ``steps``. Every run is computed once here,
    before anything is drawn: a compute that raises is reported as a ``ValueError`` naming
    the call (``compute(lr=0.5) raised ...``), a result without these attributes raises
    ``TypeError``, and the loss axis (spanning every gap of every run) and the step axis
    (the longest run) are the same in every frame, so moving the slider compares the curves.

    ``result(lr=...)`` is ``compute(lr=...)``; ``start={"lr": value}`` picks the first frame
    (default: the middle of ``lrs``). Each learning rate must be finite and > 0.
    """
    if not callable(compute):
        raise TypeError(f"compute must be a function compute(lr) -> Trajectory, "
                        f"got {compute!r}")
    _check_function(f)
    lrs = [check_in_range(f"lrs[{i}]", lr, 0.0, low_open=True) for i, lr in enumerate(lrs)]

    def setup(fig):   # low, high and last_step are set below, before any drawing
        ax_path, ax_loss = fig.subplots(1, 2, width_ratios=[1.3, 1])
        contour_axes(ax_path, f, title=f"Gradient descent on {f.name}")
        loss_axes(ax_loss, last_step, low=low, high=high,
                  every=max(1, int(np.ceil((high - low) / 6))))
        return ax_path, ax_loss

    def draw(axes, traj, lr):
        ax_path, ax_loss = axes
        paths(ax_path, {f"GD, lr = {lr:g}": traj})
        loss_curves(ax_loss, {"gradient descent": (traj.gaps(), plots.style_of("SGD"))},
                    low=low, legend=None)
        verdict = traj.status if traj.diverged else f"final gap {traj.gaps()[-1]:.2e}"
        ax_loss.set_title(f"lr = {lr:g}: {verdict}", fontsize=10)

    shown = Explorer({"lr": lrs}, compute, draw, start=start, setup=setup,
                     title="Learning rate explorer")
    runs = [_checked_run(shown, lr) for lr in lrs]
    low, high = _shared_decades(runs)
    last_step = max(traj.steps for traj in runs)
    return shown


def _checked_run(shown: Explorer, lr: float):
    """``compute(lr=lr)`` through the explorer (which names a call that raises), or a
    ``TypeError`` naming what the picture misses in its result."""
    traj = shown.result(lr=lr)
    missing = [name for name in _DRAWN if not hasattr(traj, name)]
    if missing:
        raise TypeError(f"compute(lr={lr:g}) returned {type(traj).__name__}, which has no "
                        f"{join_names(missing)}: return the run's gdlab.Trajectory, e.g. "
                        "gdlab.run(gdlab.SGD(lr=lr), f, x0, steps)")
    return traj


def _shared_decades(runs: Sequence[Trajectory]) -> tuple[int, int]:
    r"""Powers of ten :math:`10^{low} < f(x_t) - f^* < 10^{high}` for every gap of every run
    (with a margin of a factor 3; gaps below :math:`10^{-16}` count as :math:`10^{-16}`)."""
    gaps = np.concatenate([traj.gaps() for traj in runs])
    gaps = np.maximum(gaps[np.isfinite(gaps)], 1e-16)
    return int(np.floor(np.log10(gaps.min() / 3))), int(np.ceil(np.log10(gaps.max() * 3)))


# -- explorer 2: the widget-plot exercise -------------------------------------------------
_AXES = ("x", "y")   # the bowl's coordinates, which are its curvature directions


def _factors(errors: np.ndarray, k: int) -> np.ndarray:
    r"""The measured contraction factor of each coordinate at step ``k``,
    :math:`e_{k,i}/e_{k-1,i}` (:math:`1 - \alpha\lambda_i` on a quadratic whose curvature
    directions are the axes); 0 for a coordinate already exactly at the minimum."""
    before, now = errors[k - 1], errors[k]
    return np.divide(now, before, out=np.zeros_like(now), where=before != 0)


def rate_verdict(traj: Trajectory, target: int, tol: float) -> tuple[bool, str]:
    r"""(on target?, verdict) for gradient descent on the elongated bowl: on target if both
    coordinates stay within ``tol`` of the minimum from step ``target`` on. Otherwise the
    verdict names the coordinate furthest off at step ``target`` and its measured factor
    :math:`1 - \alpha\lambda` per step: :math:`|1 - \alpha\lambda| \ge 1` is unstable and
    a factor below 0 overshoots (lower α), one above 0 creeps (raise α)."""
    errors = traj.xs - traj.minimum
    k = min(target, traj.steps)
    factors = _factors(errors, k) if k else np.zeros(errors.shape[1])
    if traj.diverged or np.any(np.abs(factors) >= 1):
        i = int(np.argmax(np.abs(factors)))
        which = f"for {_AXES[i]} (factor {factors[i]:.3g})" if k else "at the first step"
        return False, f"unstable: |1 − αλ| ≥ 1\n{which}:\nlower α"
    reached = settles_below(np.max(np.abs(errors), axis=1), tol)
    if reached is not None and reached <= target:
        return True, f"on target: both < {tol:g}\nfrom step {reached} (≤ {target})"
    i = int(np.argmax(np.abs(errors[k])))
    sign, move = (">", "raise") if factors[i] > 0 else ("<", "lower")
    return False, (f"too slow: |{_AXES[i]}_{k}| = {abs(errors[k, i]):.2g}\n"
                   f"factor 1 − αλ = {factors[i]:.3g} {sign} 0:\n{move} α")


def rate_explorer(compute: Callable, lrs: Sequence[float], target: int, tol: float,
                  steps: int, start: dict | None = None) -> Explorer:
    r"""The widget-plot exercise: for each learning rate in ``lrs``, ``compute(lr=α)``
    returns the ``gdlab.Trajectory`` of gradient descent on the elongated bowl, ``steps``
    steps (fewer if it diverged). The frame shows both coordinates' distances to the
    minimum, :math:`|x_t|` and :math:`|y_t|`, on a log scale, the target (both below ``tol``
    by step ``target``) dashed, and the verdict of :func:`rate_verdict`."""
    if not callable(compute):
        raise TypeError(f"compute must be a function compute(lr) -> Trajectory, got {compute!r}")
    lrs = [check_in_range(f"lrs[{i}]", lr, 0.0, low_open=True) for i, lr in enumerate(lrs)]
    steps = check_positive_int("steps", steps)
    target = check_positive_int("target", target)
    if target > steps:
        raise ValueError(f"target must be at most steps = {steps} (the run must reach it), "
                         f"got {target}")
    low, high = -8, 6   # 1e-8 .. 1e6: room above the runs for the verdict, below for labels
    tol = check_in_range("tol", tol, 10.0 ** low, 10.0 ** high, low_open=True, high_open=True)
    style = plots.style_of("SGD")
    lines = {"|x_t| (flat)": style, "|y_t| (steep)": dict(style, linestyle="-.")}
    goal = dict(color="black", linestyle="--", linewidth=1)
    under = 0.5   # the static parts lie under the frame's (the band's zorder is 1): drawn once

    def setup(fig):
        ax = fig.subplots()
        log_ticks(ax, low, high, 2)
        ax.set_xlim(0, steps)
        ax.set_xlabel("step t")
        ax.set_ylabel("distance to the minimum")
        ax.plot([target, target, steps], [10.0 ** high, tol, tol], **goal, zorder=under)
        ax.text((target + steps) / 2, 10.0 ** (low + 0.5), f"target: < {tol:g}\nfrom step "
                f"{target}", ha="center", va="bottom", fontsize=8, zorder=under)
        handles = [Line2D([], [], **line, label=label) for label, line in lines.items()]
        # below the panel (inside, a falling |y_t| would cross it)
        fig.legend(handles=handles, loc="outside lower center", fontsize=8, ncol=2,
                   frameon=False)
        return ax

    def draw(ax, traj, lr):
        traj = _rate_run(traj, steps)
        ok, verdict = rate_verdict(traj, target, tol)
        t = np.arange(traj.steps + 1)
        for error, line in zip(np.abs(traj.xs - traj.minimum).T, lines.values()):
            ax.plot(t, np.where(error > 0, error, np.nan), **line)   # 0 is off the log axis
        ax.axvspan(target, steps, ymax=(np.log10(tol) - low) / (high - low),
                   color="#009E73" if ok else "#D55E00", alpha=0.12)
        ax.set_title(f"Gradient descent with α = {lr:g}", fontsize=10)
        verdict_box(ax, verdict, fontsize=9)

    shown = Explorer({"lr": lrs}, compute, draw, setup=setup, start=start,
                     title="Exercise: pick α so that gradient descent arrives in time",
                     figsize=(8.0, 3.6), dpi=72, max_frames=16)
    _rate_run(shown.result(), steps)   # a broken compute fails here, not in draw
    return shown


def _rate_run(traj, steps: int) -> Trajectory:
    """``traj`` checked: a Trajectory of a 2-D landscape with a known minimum, of ``steps``
    steps (fewer if it diverged)."""
    if not isinstance(traj, Trajectory):
        raise TypeError(f"compute must return a gdlab.Trajectory (what gdlab.run returns), "
                        f"got {type(traj).__name__}")
    if traj.xs.shape[1] != 2 or traj.minimum is None:
        raise ValueError(f"compute must run on a 2-D landscape with a known minimum (the "
                         f"elongated bowl), got a {traj.xs.shape[1]}-D run on "
                         f"{traj.function or 'a landscape'}"
                         + ("" if traj.minimum is not None else " with no known minimum"))
    if not traj.diverged and traj.steps != steps:
        raise ValueError(f"compute ran {traj.steps} steps, but the explorer was given "
                         f"steps={steps}")
    return traj


# -- exercise 1: a gradient and two steps by hand -----------------------------------------
def check_gradient(answer, f: Function, x) -> Feedback:
    r"""Check a hand-computed gradient :math:`\nabla f(x)`, one partial derivative at a time;
    an answer with the wrong count of numbers is told how many it needs."""
    _check_function(f)
    g = f.grad(check_point("x", x, f.dim, f.name))
    hints = [(-g, "that is minus the gradient: the gradient points uphill, the step goes "
                  "along its negative."),
             (g[::-1], "the two partial derivatives are swapped.")]
    axes = "xyzw" if len(g) <= 4 else [f"x{k}" for k in range(1, len(g) + 1)]
    names = [f"∂f/∂{axis}" for axis in axes[:len(g)]]
    return check_points(as_column(answer, len(g)), g.reshape(-1, 1), names=names,
                        sequential=False,
                        hints=[(h.reshape(-1, 1), text) for h, text in hints])


def check_gd_steps(answer, f: Function, x0, lr: float, steps: int) -> Feedback:
    r"""Check ``steps`` hand-computed gradient-descent iterates
    :math:`x_{t+1} = x_t - \alpha\nabla f(x_t)`, :math:`x_1, x_2, \dots` from ``x0``; a step
    along the gradient (ascent) is recognized. ``lr`` must be >= 0 and ``steps`` >= 1, and
    the run must not diverge within ``steps`` (its iterates would not be finite numbers)."""
    _check_function(f)
    x0 = check_point("x0", x0, f.dim, f.name)
    lr = check_in_range("lr", lr, 0.0)
    steps = check_positive_int("steps", steps)
    descent = run(SGD(lr=lr), f, x0, steps)
    if descent.diverged:
        raise ValueError(f"with lr = {lr:g} gradient descent on {f.name} from "
                         f"{format_point(x0)} {descent.status}: choose a smaller lr or "
                         f"fewer steps than {steps}")
    expected = descent.xs[1:]
    uphill = run(SGD(lr=lr), Uphill(f), x0, steps).xs[1:]
    names = [f"x{t}" for t in range(1, steps + 1)]
    hint = (uphill, "you added lr·∇f; gradient descent subtracts it (the gradient points uphill).")
    return check_points(answer, expected, names, hints=[hint])


def _check_function(f) -> None:
    """``f`` must be a gdlab Function: the checks and the explorer evaluate it."""
    if not isinstance(f, Function):
        raise ValueError(f"f must be a gdlab Function (e.g. gdlab.elongated_bowl), got {f!r}")


# -- exercise 2: the largest stable learning rate -----------------------------------------
def check_stable_learning_rate(answer, A) -> Feedback:
    r"""Check the largest constant learning rate for which gradient descent on
    :math:`\tfrac12 x^\top A x` converges: :math:`2/L`, ``L`` the largest eigenvalue of ``A``
    (the answer names the supremum; :math:`\alpha` itself must stay strictly below it)."""
    quadratic = Quadratic(A)   # checks that A is symmetric; its eigenvalues are the curvatures
    mu, L = quadratic.eigenvalues[0], quadratic.eigenvalues[-1]
    if mu <= 0:
        raise ValueError(f"A must be positive definite, its smallest eigenvalue is {mu:g}")
    expected = 2.0 / L
    hints = [(1.0 / L,   # slip: the step that lands on the minimum, not the stability limit
              "that is 1/L, the step that lands exactly on the minimum along the "
              "steepest direction; |1 − αL| < 1 allows up to twice as much, 2/L."),
             (gd_optimal_lr(mu, L), "that is the *best* constant rate 2/(μ + L); the largest "
                                    "stable one, 2/L, is larger.")]
    if not np.isclose(mu, L):
        hints.append((2.0 / mu,   # slip: the smallest curvature instead of the largest
                      "you used the smallest curvature μ; the largest curvature L "
                      "is the one that blows up first."))
    largest_diagonal = np.max(np.diag(quadratic.A))
    if not np.isclose(largest_diagonal, L):
        hints.append((2.0 / largest_diagonal,   # slip: a diagonal entry taken for a curvature
                      "the curvatures are the eigenvalues of A, not its diagonal entries "
                      "(they coincide only when A is diagonal)."))
    return check_number(answer, expected, name="The largest stable learning rate",
                        hints=[(value, text) for value, text in hints
                               if not np.isclose(value, expected)])


# -- exercise 3: write a gradient check ---------------------------------------------------
_TEST_QUADRATIC = Quadratic(np.array([[3.0, 1.0, 0.0], [1.0, 2.0, 0.5], [0.0, 0.5, 1.0]]),
                            b=np.array([1.0, -1.0, 0.5]), name="a 3-D quadratic")
_DIFFERENCE_CASES = [(rosenbrock, [-1.5, 2.0], 1e-5), (beale, [1.0, 1.5], 1e-4),
                     (_TEST_QUADRATIC, [0.5, -1.0, 2.0], 1e-3)]


def check_central_difference(gradient_fn) -> Feedback:
    r"""Check a learner's ``gradient_fn(f, x, h)`` that should return the central-difference
    gradient :math:`(f(x + he_i) - f(x - he_i))/(2h)`, on Rosenbrock, Beale and a 3-D
    quadratic, naming the usual slips (forward differences, a missing 2, a flipped sign, an
    ``x`` changed in place)."""
    errors = []
    for f, point, h in _DIFFERENCE_CASES:
        x = np.array(point, dtype=float)
        result, problem = _call_on_a_copy(gradient_fn, f, x, h)
        if problem:
            return Feedback(False, problem)
        expected = numerical_gradient(f, x, h, "central")
        if not np.allclose(result, expected, rtol=1e-6, atol=1e-9):
            return Feedback(False, _difference_mismatch(result, expected, f, x, h))
        errors.append(relative_error(result, f.grad(x)))
    return Feedback(True, "Your central differences match on Rosenbrock, Beale and a 3-D "
                          "quadratic; relative errors to the analytic gradients: "
                    + ", ".join(f"{e:.0e}" if e >= 1e-12 else "< 1e-12" for e in errors) + ".")


def _where(f: Function, x, h: float) -> str:
    return f"{f.name} at x = {format_point(x)} with h = {h:g}"


def _call_on_a_copy(gradient_fn, f: Function, x, h: float):
    """``(result as an array, "")`` from the learner's ``gradient_fn(f, x, h)``, or
    ``(None, what went wrong)``: it raised, changed ``x`` in place, or returned something
    that is not one number per coordinate."""
    where, given = _where(f, x, h), x.copy()
    try:
        result = gradient_fn(f, given, h)
    except Exception as error:  # the learner's code: report, do not crash
        return None, f"On {where} your function raised {type(error).__name__}: {error}"
    # x restored by arithmetic (x[i] += h; x[i] -= 2h; x[i] += h) comes back changed by a
    # rounding error only: that is not the slip to report, whatever else is wrong
    if not np.allclose(given, x, rtol=1e-12, atol=1e-12 * (1.0 + h)):
        return None, (f"On {where} your function changed x in place (it is now "
                      f"{format_point(given)}): put x[i] back after each difference, "
                      "or perturb a copy.")
    try:
        result = np.asarray(result, dtype=float)
    except (TypeError, ValueError):
        return None, f"On {where} your function returned {result!r}, not an array of numbers."
    if result.shape != x.shape:
        return None, (f"On {where} your function returned shape {result.shape}; "
                      f"the gradient has one entry per coordinate, {x.shape}.")
    return result, ""


def _difference_mismatch(result, expected, f: Function, x, h: float) -> str:
    """What the learner gave against the central differences, with the slip it matches."""
    slips = [(numerical_gradient(f, x, h, "forward"),
              "these are forward differences (f(x + h) − f(x))/h; subtract f(x − h) "
              "instead, which cancels the O(h) error."),
             (2 * expected,   # slip: divided by h instead of 2h
              "you divided by h instead of 2h: the two points are 2h apart."),
             (-expected,      # slip: f(x − h) − f(x + h)
              "the sign is flipped: it is f(x + h) − f(x − h).")]
    message = (f"On {_where(f, x, h)} you gave {format_point(result)}, expected "
               f"{format_point(expected)}.")
    hint = matching_hint(result, slips, lambda a, b: np.isclose(a, b, rtol=1e-6, atol=1e-9))
    return message + (" Hint: " + hint if hint else "")
