r"""Companion of the appendix *Regularization* (``appendix/regularization.ipynb``).

It draws the appendix's two explorers, each fed by a compute step written in the notebook:
:func:`geometry_explorer` (the regularized solution of a 2-D least-squares problem for a
choice of λ and of the penalty, with the constraint region it touches: the diamond
:math:`|w_1| + |w_2| \le t` or the circle :math:`w_1^2 + w_2^2 \le t^2`) and
:func:`zero_explorer` (the widget-plot exercise: the smallest λ on the slider that makes
exactly one weight zero). :func:`check_ista_step` checks the by-hand proximal step. The
solutions come from :mod:`gdlab.regularization`.
"""

from __future__ import annotations

from typing import Callable, Mapping, Sequence

import numpy as np

from gdlab import plots
from gdlab.explorer import Explorer
from gdlab.feedback import Feedback, as_column, check_points
from gdlab.panels import verdict_box
from gdlab.problems import LeastSquares
from gdlab.regularization import soft_threshold
from gdlab.validation import check_choice, check_finite_array, check_in_range

__all__ = ["REGION_COLORS", "level_curve", "region_outline", "geometry_explorer",
           "zero_verdict", "zero_explorer", "check_ista_step"]

PENALTIES = ("L1", "L2")
REGION_COLORS = {"L1": "#0072B2", "L2": "#009E73"}


def level_curve(problem: LeastSquares, w, points: int = 200) -> np.ndarray:
    r"""The contour line of a 2-D least-squares cost through ``w``: the ellipse
    :math:`\{v : J(v) = J(w)\}`, as ``(points, 2)`` coordinates. With
    :math:`J(v) = J^* + \tfrac12 (v - w^*)^\top A (v - w^*)` and :math:`A = Q\,\mathrm{diag}(a)
    Q^\top` it is :math:`w^* + r\,Q\,\mathrm{diag}(a)^{-1/2}(\cos\varphi, \sin\varphi)` with
    :math:`r = \sqrt{2(J(w) - J^*)}`."""
    if not isinstance(problem, LeastSquares) or problem.dim != 2 or problem.minimum is None:
        raise ValueError("problem must be a 2-D gdlab.problems.LeastSquares with a unique "
                         "minimum")
    w = check_finite_array("w", w, ndim=1)
    radius = np.sqrt(max(2.0 * (problem.value(w) - problem.min_value), 0.0))
    curvatures, axes = np.linalg.eigh(problem.A)
    phi = np.linspace(0.0, 2.0 * np.pi, points)
    circle = np.stack([np.cos(phi), np.sin(phi)])
    return (problem.minimum[:, None] + radius * axes @ (circle / np.sqrt(curvatures)[:, None])).T


def region_outline(penalty: str, radius: float, points: int = 200) -> np.ndarray:
    """The boundary of the constraint region of radius ``radius``: the diamond
    ``|w1| + |w2| = radius`` ("L1", its four corners on the axes) or the circle
    ``w1² + w2² = radius²`` ("L2"), as ``(points, 2)`` coordinates (5 for the diamond)."""
    penalty = check_choice("penalty", penalty, PENALTIES)
    radius = check_in_range("radius", radius, 0.0)
    if penalty == "L1":
        return radius * np.array([[1.0, 0.0], [0.0, 1.0], [-1.0, 0.0], [0.0, -1.0], [1.0, 0.0]])
    phi = np.linspace(0.0, 2.0 * np.pi, points)
    return radius * np.column_stack([np.cos(phi), np.sin(phi)])


def _weights_of(result) -> np.ndarray:
    if not isinstance(result, Mapping) or "w" not in result:
        raise ValueError(f"compute must return a dict with 'w' (the two weights), got "
                         f"{type(result).__name__}")
    w = check_finite_array("compute's result['w']", result["w"], ndim=1)
    if w.shape != (2,):
        raise ValueError(f"compute's result['w'] must hold two weights, got shape {w.shape}")
    return w


def _problem_2d(problem) -> LeastSquares:
    if not isinstance(problem, LeastSquares) or problem.dim != 2 or problem.minimum is None:
        raise ValueError("problem must be a 2-D gdlab.problems.LeastSquares with a unique "
                         "minimum")
    return problem


def _geometry_setup(problem: LeastSquares, window):
    """The unchanging half of a geometry panel: the cost's contour lines, the axes through
    0, the least-squares minimum, labels."""
    def setup(fig):
        ax = fig.subplots()
        plots.plot_contours(ax, problem, window=window, levels=12, resolution=90)
        for line in ax.get_lines():                     # the star plot_contours draws
            if line.get_label() == "minimum":
                line.set_label("least-squares minimum")
        ax.axhline(0.0, color="black", linewidth=0.6)
        ax.axvline(0.0, color="black", linewidth=0.6)
        ax.set_aspect("equal")
        ax.set_xlabel("$w_1$")
        ax.set_ylabel("$w_2$")
        return ax
    return setup


def _draw_geometry(ax, problem: LeastSquares, w: np.ndarray, penalty: str) -> None:
    """The changing half: the region of radius ‖w‖ (the norm of the penalty), the contour
    line of the cost through w (it touches the region at w) and w itself."""
    radius = np.abs(w).sum() if penalty == "L1" else np.hypot(*w)
    color = REGION_COLORS[penalty]
    outline = region_outline(penalty, radius)
    shape = "|w₁| + |w₂|" if penalty == "L1" else "√(w₁² + w₂²)"
    ax.fill(outline[:, 0], outline[:, 1], color=color, alpha=0.18, linewidth=0)
    ax.plot(outline[:, 0], outline[:, 1], color=color, linewidth=1.6,
            label=f"{shape} ≤ {radius:.2f}")
    if problem.value(w) > problem.min_value + 1e-12:
        curve = level_curve(problem, w)
        ax.plot(curve[:, 0], curve[:, 1], "--", color="#D55E00", linewidth=1.2,
                label="contour of J through w")
    ax.plot(*w, "o", color="#D55E00", markersize=7, label="regularized w")
    ax.legend(loc="lower right", fontsize=7)


def _describe(w: np.ndarray) -> str:
    zeros = int(np.sum(w == 0))
    return (f"w = ({w[0]:.3f}, {w[1]:.3f})\n"
            + {0: "no weight is exactly 0", 1: "one weight is exactly 0",
               2: "both weights are exactly 0"}[zeros])


def geometry_explorer(compute: Callable, lams: Sequence[float], problem: LeastSquares,
                      window, penalties: Sequence[str] = PENALTIES,
                      start: dict | None = None) -> Explorer:
    r"""An explorer over λ (``lams``) and the penalty (``penalties``, "L1" and/or "L2"):
    ``compute(lam=λ, penalty=name)`` returns a dict with ``"w"``, the minimizer of the
    2-D least-squares cost ``problem`` plus :math:`\lambda\lVert w\rVert_1` or
    :math:`\tfrac\lambda2\lVert w\rVert^2`. The frame draws the contours of the cost over
    ``window``, the constraint region whose boundary passes through ``w`` (the diamond or
    the circle), the contour line of the cost through ``w``, which touches it there, and a
    verdict with the weights and how many are exactly 0."""
    if not callable(compute):
        raise ValueError(f"compute must be a function of lam and penalty, got {compute!r}")
    problem = _problem_2d(problem)
    lams = [check_in_range(f"lams[{i}]", lam, 0.0) for i, lam in enumerate(lams)]
    penalties = [check_choice("penalties", p, PENALTIES) for p in penalties]

    def draw(ax, result, lam, penalty):
        w = _weights_of(result)
        _draw_geometry(ax, problem, w, penalty)
        ax.set_title(f"{penalty} penalty, λ = {lam:g}", fontsize=10)
        verdict_box(ax, _describe(w), fontsize=8)

    shown = Explorer({"lam": lams, "penalty": penalties}, compute, draw, start=start,
                     setup=_geometry_setup(problem, window),
                     title="Regularized least squares: λ and the penalty",
                     figsize=(5.6, 4.6), dpi=72, max_frames=24)
    _weights_of(shown.result())
    return shown


def zero_verdict(w, w_below=None) -> tuple[bool, str]:
    """(on target?, verdict) for the exercise "the smallest λ on the slider that makes
    exactly one weight zero": ``w`` is the solution at the chosen λ, ``w_below`` the one at
    the next smaller λ on the slider (None for the smallest)."""
    w = check_finite_array("w", w, ndim=1)
    zeros = int(np.sum(w == 0))
    if zeros == 0:
        return False, "no weight is 0 yet:\nraise λ"
    if zeros == len(w):
        return False, "every weight is 0: λ is past λ_max.\nLower λ"
    if w_below is not None and int(np.sum(check_finite_array("w_below", w_below) == 0)) == zeros:
        return False, "one weight is 0, but the next smaller λ\non the slider does it too: lower λ"
    return True, "on target: the smallest λ on the slider\nwith exactly one weight 0"


def zero_explorer(compute: Callable, lams: Sequence[float], problem: LeastSquares, window,
                  start: dict | None = None) -> Explorer:
    """The widget-plot exercise: ``compute(lam=λ)`` returns a dict with ``"w"``, the lasso
    solution of ``problem`` at λ; the frame shows it on the contours with its diamond, and
    the verdict of :func:`zero_verdict` against the target, the smallest λ of ``lams`` that
    makes exactly one weight zero."""
    if not callable(compute):
        raise ValueError(f"compute must be a function of lam, got {compute!r}")
    problem = _problem_2d(problem)
    lams = [check_in_range(f"lams[{i}]", lam, 0.0) for i, lam in enumerate(lams)]
    if lams != sorted(lams):
        raise ValueError(f"lams must be increasing, got {lams}")

    def draw(ax, result, lam):
        w = _weights_of(result)
        k = lams.index(lam)
        below = _weights_of(shown.result(lam=lams[k - 1])) if k else None
        ok, verdict = zero_verdict(w, below)
        _draw_geometry(ax, problem, w, "L1")
        ax.set_title(f"Lasso, λ = {lam:g}: w = ({w[0]:.3f}, {w[1]:.3f})", fontsize=10)
        verdict_box(ax, verdict, fontsize=8).get_bbox_patch().set_edgecolor(
            "#009E73" if ok else "#D55E00")

    shown = Explorer({"lam": lams}, compute, draw, start=start,
                     setup=_geometry_setup(problem, window),
                     title="Exercise: the smallest λ that makes exactly one weight zero",
                     figsize=(5.6, 4.6), dpi=72, max_frames=16)
    _weights_of(shown.result())
    return shown


def check_ista_step(answer, w, grad, lr: float, lam: float) -> Feedback:
    r"""Check one proximal-gradient (ISTA) step by hand,
    :math:`w^+ = S_{\alpha\lambda}(w - \alpha g)`, from the weights ``w`` with the gradient
    ``grad`` of the smooth cost at ``w``.

    Recognized slips: the threshold λ instead of αλ; a subgradient step
    :math:`w - \alpha(g + \lambda\,\mathrm{sign}\,w)` (no exact zeros, it overshoots 0);
    thresholding before the gradient step; a hard threshold (keep or zero, no shrinking);
    and a step up the gradient."""
    w = check_finite_array("w", w, ndim=1)
    grad = check_finite_array("grad", grad, ndim=1)
    if grad.shape != w.shape:
        raise ValueError(f"grad must have the shape of w {w.shape}, got {grad.shape}")
    lr = check_in_range("lr", lr, 0.0, low_open=True)
    lam = check_in_range("lam", lam, 0.0)
    z = w - lr * grad
    expected = soft_threshold(z, lr * lam)
    names = [f"w{i + 1}⁺" for i in range(len(w))]
    slips = [
        (soft_threshold(z, lam),
         f"the threshold is α·λ = {lr * lam:g}, not λ = {lam:g}: the proximal step belongs to "
         f"the penalty α·λ‖w‖₁ of one step of size α."),
        (w - lr * (grad + lam * np.sign(w)),
         "that is a subgradient step, w − α(g + λ·sign w): it moves every weight by αλ and "
         "jumps over 0 instead of stopping there. Take the gradient step, then soft-threshold."),
        (soft_threshold(w, lr * lam) - lr * grad,
         "you thresholded first and took the gradient step after: the step is "
         "S(w − αg), the threshold last, so that what it sets to 0 stays 0."),
        (np.where(np.abs(z) > lr * lam, z, 0.0),
         "that is a hard threshold (keep or zero): the soft threshold also moves the weights "
         "it keeps by αλ towards 0."),
        (soft_threshold(w + lr * grad, lr * lam),
         "the gradient step goes against the gradient: w − αg, not w + αg."),
    ]
    hints = [(as_column(value, len(w)), text) for value, text in slips
             if not np.allclose(value, expected)]
    return check_points(as_column(answer, len(w)), expected[:, None], names=names, hints=hints,
                        rtol=1e-6, atol=1e-9, sequential=False)
