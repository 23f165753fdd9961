"""Companion of chapter 3, *Momentum* (``chapters/03-momentum.ipynb``).

It holds the chapter's explorer, heavy-ball momentum beside gradient descent on a ravine
(:func:`explorer`), and the check of its first exercise, three momentum steps by hand on
f(x, y) = xy (:func:`check_xy_steps`).
"""

from __future__ import annotations

from typing import Sequence

from gdlab import plots, theory
from gdlab.explorer import Explorer, loss_panel, path_panel, verdict_box
from gdlab.feedback import Feedback, check_points
from gdlab.functions import Function, xy
from gdlab.optimizers import SGD, Momentum
from gdlab.run import run
from gdlab.validation import check_positive_int

__all__ = ["explorer", "check_xy_steps"]


# -- the explorer -------------------------------------------------------------------------
def explorer(f: Function, x0, lrs: Sequence[float], betas: Sequence[float], steps: int = 80,
             tol: float = 1e-6, start: dict | None = None) -> Explorer:
    r"""Heavy-ball momentum on ``f`` from ``x0`` for each learning rate and β, beside plain
    gradient descent with the same learning rate: the two paths on the contour plot and the
    two loss curves. β = 0 is gradient descent itself.

    ``result(lr=..., beta=...)`` is a dict with the two trajectories (``"momentum"``,
    ``"gd"``), the steps each needs to stay within ``tol`` of the minimum
    (``"steps_momentum"``, ``"steps_gd"``; None if it never does within ``steps``) and, when
    ``f`` is a quadratic with curvatures in :math:`[\mu, L]`, :math:`\mu > 0`, heavy-ball's
    theoretical rate (``"rate"``, else None). ``start={"lr": ..., "beta": ...}`` picks the
    first picture.
    """
    steps = check_positive_int("steps", steps)
    eigenvalues = getattr(f, "eigenvalues", None)
    convex_quadratic = eigenvalues is not None and eigenvalues[0] > 0

    def compute(lr, beta):
        momentum = run(Momentum(lr=lr, beta=beta), f, x0, steps)
        gd = run(SGD(lr=lr), f, x0, steps)
        rate = (theory.heavy_ball_rate(eigenvalues[0], eigenvalues[-1], lr, beta)
                if convex_quadratic else None)
        return {"momentum": momentum, "gd": gd, "rate": rate,
                "steps_momentum": momentum.steps_to(tol), "steps_gd": gd.steps_to(tol)}

    def draw(fig, result, lr, beta):
        ax_path, ax_loss = fig.subplots(1, 2, width_ratios=[1.4, 1])
        gd_label = f"GD, lr = {lr:g}"
        path_panel(ax_path, f, {gd_label: result["gd"],
                                f"momentum, lr = {lr:g}, β = {beta:g}": result["momentum"]},
                   title=f"Paths on {f.name}", levels=15, resolution=150, faded=(gd_label,))
        loss_panel(ax_loss, {"GD": (result["gd"].gaps(), plots.color_of("SGD"), 0.6),
                             "momentum": (result["momentum"].gaps(), plots.color_of("Momentum"))},
                   steps, low=-14, high=4, every=3, ylabel="f(x) − f* (log scale)",
                   title="Loss curves")
        verdict_box(ax_loss, _verdict(result, tol), fontsize=7.5)

    return Explorer({"lr": list(lrs), "beta": list(betas)}, compute, draw, start=start,
                    title="Momentum explorer: learning rate and β", figsize=(9.6, 3.8),
                    max_frames=40)


def _verdict(result: dict, tol: float) -> str:
    """The explorer's verdict box: one line per method (diverged, or the steps until it stays
    within ``tol``), then, on a quadratic, the factor ρ = max over λ in [μ, L] of the spectral
    radius of M(λ), by which theory says momentum's error changes per step."""
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
