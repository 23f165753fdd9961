"""Companion of chapter 3, *Momentum* (``chapters/03-momentum.ipynb``).

It holds the picture of the chapter's explorer, heavy-ball momentum beside gradient descent
on a ravine (:func:`explorer`; the notebook writes the compute step that runs them), the
widget-plot exercise, :func:`lr_explorer` with its :func:`lr_verdict` (how large may the
learning rate be at a fixed β?), and the checks of two exercises: three momentum steps by
hand on f(x, y) = xy (:func:`check_xy_steps`) and a heavy-ball optimizer class the learner
writes (:func:`check_momentum_class`).
"""

from __future__ import annotations

from collections.abc import Mapping
from numbers import Integral, Real
from typing import Callable, Sequence

import numpy as np
from matplotlib.lines import Line2D

from gdlab import plots
from gdlab.explorer import Explorer
from gdlab.panels import contour_axes, loss_axes, loss_curves, paths, verdict_box
from gdlab.feedback import Feedback, check_points, check_update_rule
from gdlab.functions import Function, elongated_bowl, xy
from gdlab.optimizers import SGD, Momentum
from gdlab.run import Trajectory, run
from gdlab.theory import measured_rate
from gdlab.validation import check_in_range, check_positive_int

__all__ = ["explorer", "lr_verdict", "lr_explorer", "check_xy_steps", "check_momentum_class"]

# the dict compute must return (see explorer): key -> (the types draw accepts, their name)
_RESULT_CONTRACT = {"momentum": ((Trajectory,), "a Trajectory"),
                    "gd": ((Trajectory,), "a Trajectory"),
                    "steps_momentum": ((Integral, type(None)), "an int or None"),
                    "steps_gd": ((Integral, type(None)), "an int or None"),
                    "rate": ((Real, type(None)), "a float or None")}


# -- explorer 1: momentum beside gradient descent -----------------------------------------
def explorer(compute: Callable, lrs: Sequence[float], betas: Sequence[float], f: Function,
             steps: int = 80, tol: float = 1e-6, start: dict | None = None) -> Explorer:
    r"""Sliders for the learning rate (``lrs``) and β (``betas``) over the notebook's
    ``compute``, drawn as two panels: the two paths on the contour lines of ``f`` (gradient
    descent faded) and the two loss curves over ``steps`` steps, with a verdict box.

    ``compute(lr=..., beta=...)`` is called with one value of each list and must return a
    dict with

    * ``"momentum"``, ``"gd"``: the two runs, :class:`~gdlab.Trajectory` objects on ``f``
      (their paths and ``gaps()`` are drawn);
    * ``"steps_momentum"``, ``"steps_gd"``: the steps each run needs to stay within ``tol``
      of the minimum, an int, or None if it never does;
    * ``"rate"``: theory's factor :math:`\rho` by which momentum's error changes per step
      (a float), or None to leave it out of the verdict.

    ``steps`` and ``tol`` are the ones ``compute`` uses: they set the loss axis and the
    verdict's wording. ``result(lr=..., beta=...)`` returns what ``compute`` returned; a
    result of another shape raises a TypeError that names the contract, when the explorer is
    built (from the result at the start values) or when the picture is drawn.
    ``start={"lr": ..., "beta": ...}`` picks the first picture. Each learning rate must be
    finite and > 0, each β in [0, 1).
    """
    if isinstance(compute, Function) or not callable(compute):   # a landscape goes in f
        raise TypeError(f"compute must be a function compute(lr, beta) -> dict, "
                        f"got {compute!r}")
    if not isinstance(f, Function):
        raise TypeError(f"f must be a gdlab Function (its contour lines are drawn), got {f!r}")
    lrs = [check_in_range(f"lrs[{i}]", lr, 0.0, low_open=True) for i, lr in enumerate(lrs)]
    betas = [check_in_range(f"betas[{i}]", beta, 0.0, 1.0, high_open=True)
             for i, beta in enumerate(betas)]
    steps = check_positive_int("steps", steps)
    tol = check_in_range("tol", tol, 0.0, low_open=True)

    def setup(fig):
        ax_path, ax_loss = fig.subplots(1, 2, width_ratios=[1.4, 1])
        contour_axes(ax_path, f, title=f"Paths on {f.name}", levels=15, resolution=150)
        loss_axes(ax_loss, steps, low=-14, high=4, every=3, ylabel="f(x) − f* (log scale)",
                  title="Loss curves")
        return ax_path, ax_loss

    def draw(axes, result, lr, beta):
        _check_result(result, lr, beta)
        ax_path, ax_loss = axes
        gd_label = f"GD, lr = {lr:g}"
        paths(ax_path, {gd_label: result["gd"],
                        f"momentum, lr = {lr:g}, β = {beta:g}": result["momentum"]},
              faded=(gd_label,))
        loss_curves(ax_loss, {"GD": (result["gd"].gaps(), plots.style_of("SGD"), 0.6),
                              "momentum": (result["momentum"].gaps(),
                                           plots.style_of("Momentum"))}, low=-14)
        verdict_box(ax_loss, _verdict(result, tol), fontsize=7.5)

    shown = Explorer({"lr": lrs, "beta": betas}, compute, draw, start=start, setup=setup,
                     title="Momentum explorer: learning rate and β", figsize=(9.6, 3.8),
                     max_frames=40)
    _check_result(shown.result(), **shown.start)   # a broken compute fails here, not in draw
    return shown


def _check_result(result, lr: float, beta: float) -> None:
    """Raise a TypeError that names the contract if ``result`` does not keep it."""
    contract = "; ".join(f"{key!r}: {name}" for key, (_, name) in _RESULT_CONTRACT.items())
    call = f"compute(lr={lr:g}, beta={beta:g})"
    if not isinstance(result, Mapping):
        raise TypeError(f"{call} must return a dict with {contract}; "
                        f"got {type(result).__name__} {result!r:.60}")
    for key, (types, name) in _RESULT_CONTRACT.items():
        if key not in result:
            raise TypeError(f"{call} returned no {key!r}; the dict must have {contract}")
        if isinstance(result[key], bool) or not isinstance(result[key], types):
            raise TypeError(f"{call} returned {key!r} = {result[key]!r:.60}; it must be "
                            f"{name} (the dict must have {contract})")


def _verdict(result: dict, tol: float) -> str:
    """The explorer's verdict box: one line per method (diverged, or the steps until it stays
    within ``tol``), then, if ``compute`` gave one, theory's factor ρ by which momentum's
    error changes per step."""
    lines = []
    for key, name in (("momentum", "momentum"), ("gd", "GD")):
        traj, needed = result[key], result[f"steps_{key}"]
        if traj.diverged:
            lines.append(f"{name}: diverged")
        elif needed is None:
            lines.append(f"{name}: not within {tol:g} in {traj.steps} steps")
        else:
            lines.append(f"{name}: within {tol:g} after {needed} steps")
    rate = result["rate"]
    if rate is not None:
        change = "shrinks" if rate < 1 else "grows (unstable)"
        lines.append(f"theory: momentum's error {change} ×{rate:.3f} per step")
    return "\n".join(lines)


# -- explorer 2: the widget-plot exercise -------------------------------------------------
def lr_verdict(traj: Trajectory, target: int, tol: float, beta: float) -> tuple[bool, str]:
    r"""(on target?, verdict) for heavy ball with momentum ``beta`` on a 2-D quadratic: on
    target if the distance to the minimum stays within ``tol`` from step ``target`` on.

    Otherwise the coordinate that lags at the end says which way to move α. Along a
    curvature λ its error follows the roots of :math:`z^2 - (1+\beta-\alpha\lambda)z + \beta`:
    negative roots (it flips sign every step) mean α is too large, and past the edge
    :math:`\alpha\lambda = 2 + 2\beta` it no longer shrinks (oscillates) or grows (diverges);
    positive roots (it keeps its sign) mean α is too small; a complex pair spirals in at
    :math:`\sqrt\beta`, which no α beats."""
    reached = traj.steps_to(tol)
    if reached is not None and reached <= target:
        return True, f"on target: within {tol:g}\nfrom step {reached} (target: {target})"
    if traj.diverged:
        return False, (f"diverges: the distance grows\nuntil the run stops (step "
                       f"{traj.steps}).\nToo large: lower α")
    error = traj.xs - traj.minimum
    k = int(np.argmax(np.abs(error[-1])))                # the coordinate that lags
    e, name = error[:, k], f"|{'xy'[k]}|"
    rate = measured_rate(np.abs(e))                      # per step, over the second half
    half = e[len(e) // 2:]
    flips = np.mean(half[1:] * half[:-1] < 0) > 0.5
    if flips and rate >= 0.99:
        kind, how = ("diverges", "grows") if rate > 1.01 else ("oscillates", "does not shrink")
        return False, (f"{kind}: {name} flips sign every\nstep, {how} (×{rate:.2f})."
                       f"\nToo large: lower α")
    if rate <= 1.01 * np.sqrt(beta):
        advice = f"spirals in,\n×√β = {np.sqrt(beta):.2f} per step: lower β"
    elif flips:
        advice = f"flips sign,\nshrinks ×{rate:.2f} per step: lower α"
    else:
        advice = f"keeps its sign,\nshrinks ×{rate:.2f} per step: raise α"
    when = f"not settled in {traj.steps} steps" if reached is None else f"settles at step {reached}"
    return False, f"too slow: {when},\ntarget {target}. {name} {advice}"


def lr_explorer(compute: Callable, lrs: Sequence[float], beta: float, target: int, steps: int,
                tol: float = 1e-6, start: dict | None = None) -> Explorer:
    r"""The widget-plot exercise: for each learning rate in ``lrs``, ``compute(lr=α)``
    returns a dict with ``"trajectory"``, heavy ball with momentum ``beta`` on a 2-D
    quadratic for ``steps`` steps (fewer if it diverged). The frame shows the distance to
    the minimum and :math:`|y_t|` on a log scale against the target, within ``tol`` from
    step ``target`` on (dashed, drawn once with the legend; the box below it shaded green
    when the run gets there, orange when not), and the verdict of :func:`lr_verdict`."""
    if isinstance(compute, Function) or not callable(compute):
        raise TypeError(f"compute must be a function compute(lr) -> dict, got {compute!r}")
    lrs = [check_in_range(f"lrs[{i}]", lr, 0.0, low_open=True) for i, lr in enumerate(lrs)]
    beta = check_in_range("beta", beta, 0.0, 1.0, high_open=True)
    steps, target = check_positive_int("steps", steps), check_positive_int("target", target)
    if target > steps:
        raise ValueError(f"target must be at most steps = {steps} (the run must show it), "
                         f"got {target}")
    tol = check_in_range("tol", tol, 0.0, low_open=True)
    low, high = -16, 4                                    # the distance axis, 1e-16..1e4
    y_style = {"color": plots.color_of("Momentum"), "linestyle": ":"}

    def setup(fig):
        ax = fig.subplots()
        loss_axes(ax, steps, low=low, high=high, every=4,
                  ylabel="distance to θ* (log scale)")
        ax.plot([target, target, steps], [10.0 ** high, tol, tol], "--", color="black",
                linewidth=1, label=f"target: ≤ {tol:g} from step {target}")
        run_lines = [Line2D([], [], **plots.style_of("Momentum"), label="‖θ_t − θ*‖"),
                     Line2D([], [], **y_style, label="|y_t| (across)")]
        # below the panel (inside, the curves would cross it): drawn once, with the background
        fig.legend(handles=run_lines + ax.get_lines(), loc="outside lower center", fontsize=8,
                   ncol=3, frameon=False)
        return ax

    def draw(ax, result, lr):
        traj = _momentum_run(result, steps, lr)
        ok, verdict = lr_verdict(traj, target, tol, beta)
        t, floor = np.arange(traj.steps + 1), 10.0 ** low
        ax.plot(t, np.maximum(traj.distances(), floor), **plots.style_of("Momentum"))
        ax.plot(t, np.maximum(np.abs(traj.xs[:, 1] - traj.minimum[1]), floor), **y_style)
        ax.axvspan(target, steps, ymax=(np.log10(tol) - low) / (high - low),
                   color="#009E73" if ok else "#D55E00", alpha=0.12)
        ax.set_title(f"Heavy ball, β = {beta:g}, α = {lr:g}", fontsize=10)
        verdict_box(ax, verdict, fontsize=9)

    shown = Explorer({"lr": lrs}, compute, draw, setup=setup, start=start,
                     title=f"Exercise: how large may α be with β = {beta:g}?",
                     figsize=(8.0, 3.6), dpi=72, max_frames=16)
    _momentum_run(shown.result(), steps, shown.start["lr"])   # a broken compute fails here
    return shown


def _momentum_run(result, steps: int, lr: float) -> Trajectory:
    """``result["trajectory"]``, checked: a heavy-ball Trajectory on a 2-D landscape with a
    known minimum, of ``steps`` steps (fewer if it diverged)."""
    call = f"compute(lr={lr:g})"
    if not isinstance(result, Mapping) or "trajectory" not in result:
        raise TypeError(f"{call} must return a dict with 'trajectory' (a gdlab.Trajectory), "
                        f"got {type(result).__name__} {result!r:.60}")
    traj = result["trajectory"]
    if not isinstance(traj, Trajectory):
        raise TypeError(f"{call} returned 'trajectory' = {traj!r:.60}; it must be a "
                        f"gdlab.Trajectory (what gdlab.run returns)")
    if traj.optimizer != "Momentum" or traj.xs.shape[1] != 2 or traj.minimum is None:
        raise ValueError(f"{call} must run gdlab.Momentum on a 2-D landscape with a known "
                         f"minimum, got {traj!r}")
    if not traj.diverged and traj.steps != steps:
        raise ValueError(f"{call} ran {traj.steps} steps, but the explorer was given "
                         f"steps={steps}")
    return traj


# -- exercise 1: three steps by hand ------------------------------------------------------
def check_xy_steps(answer) -> Feedback:
    r"""The worked example: f(x, y) = xy, lr = 1, β = 1, from (1, 2); check the three
    iterates x1, x2, x3 of :math:`v \leftarrow \beta v + \nabla f,\ x \leftarrow x - lr\,v`
    (expected: (-1, 1), (-4, 1), (-8, 5)). Plain gradient descent, which forgets v, gets a
    hint."""
    expected = run(Momentum(lr=1.0, beta=1.0), xy, [1.0, 2.0], 3).xs[1:]
    plain_gd = run(SGD(lr=1.0), xy, [1.0, 2.0], 3).xs[1:]
    hint = (plain_gd, "these are plain gradient-descent steps: with momentum the velocity "
                      "v keeps the previous gradients (v ← βv + ∇f, then x ← x − lr·v).")
    return check_points(answer, expected, ["x1", "x2", "x3"], hints=[hint])


# -- exercise 2: the learner's optimizer class --------------------------------------------
class _SlipMomentum:
    """Heavy ball in the "Deep Learning from Scratch" style with one typical slip: ``"old
    velocity"`` (θ steps with v before the new gradient is added), ``"sign"`` (θ ← θ + αv,
    uphill) or ``"first call only"`` (the loop sits inside ``if self.v is None``)."""

    def __init__(self, lr: float, beta: float, slip: str):
        self.lr, self.beta, self.slip, self.v = lr, beta, slip, None

    def update(self, params, grads):
        first = self.v is None
        if first:
            self.v = {name: np.zeros_like(p) for name, p in params.items()}
        if self.slip == "first call only" and not first:
            return
        for name in params:
            old = self.v[name].copy()
            self.v[name] = self.beta * self.v[name] + grads[name]
            step = self.lr * (old if self.slip == "old velocity" else self.v[name])
            params[name] += step if self.slip == "sign" else -step


CLASS_LR, CLASS_BETA, CLASS_X0 = 0.1, 0.9, (-8.0, 2.0)


def check_momentum_class(attempt) -> Feedback:
    r"""The coding exercise: ``attempt(0.1, 0.9)`` (lr, then β) makes the learner's
    heavy-ball optimizer, whose ``update(params, grads)`` does :math:`v \leftarrow \beta v +
    g,\ \theta \leftarrow \theta - \alpha v` for each array of the dict ``params`` (the
    CS231n form :math:`u \leftarrow \beta u - \alpha g,\ \theta \leftarrow \theta + u` passes
    too). Five steps on the ravine x²/20 + y² from (−8, 2) are compared with
    ``gdlab.Momentum(lr=0.1, beta=0.9)``'s and the first wrong one is named. Hints: the
    EWMA form (``Momentum(ewma=True)``), θ stepped with the old velocity, the wrong sign,
    and an update that runs only on the first call."""
    def slip(name):
        return lambda: _SlipMomentum(CLASS_LR, CLASS_BETA, name)

    hints = [(lambda: Momentum(lr=CLASS_LR, beta=CLASS_BETA, ewma=True),
              "that is the EWMA form v ← βv + (1 − β)g; heavy ball adds the whole gradient, "
              "v ← βv + g."),
             (slip("old velocity"), "θ moved with the old velocity: add the new gradient to v "
                                    "first, then step θ ← θ − αv."),
             (slip("sign"), "the sign: θ moves uphill. Step against the velocity, "
                            "θ ← θ − αv (or θ ← θ + u with u ← βu − αg)."),
             (slip("first call only"), "θ stops moving after the first update: the loop over "
                                       "the parameters runs only while the velocities are "
                                       "created (check its indentation).")]
    return check_update_rule(lambda: attempt(CLASS_LR, CLASS_BETA),
                             lambda: Momentum(lr=CLASS_LR, beta=CLASS_BETA), elongated_bowl,
                             CLASS_X0, steps=5, hints=hints)
