r"""Regularization: penalties on the weights, their (sub)gradients, and the solvers of the
regularized least-squares problems.

For a cost :math:`J(w)` (here mostly a :class:`gdlab.problems.LeastSquares`,
:math:`J(w) = \frac1{2n}\lVert Xw - y\rVert^2`) the two classic penalties are

.. math::
    R_1(w) = \lambda \lVert w\rVert_1 = \lambda \sum_i |w_i| \quad\text{(L1, lasso)}, \qquad
    R_2(w) = \tfrac\lambda2 \lVert w\rVert_2^2 \quad\text{(L2, ridge)}.

L2 has the gradient :math:`\lambda w` and a closed-form minimizer (:func:`ridge`). L1 has no
gradient where a weight is 0; :func:`l1_subgradient` gives one element of its
subdifferential, and :func:`soft_threshold`, the proximal operator of :math:`t\lVert\cdot
\rVert_1`, gives the step that sets weights exactly to 0. :func:`ista` (proximal gradient
descent) minimizes :math:`J(w) + \lambda\lVert w\rVert_1`; it solves the same problem as
``sklearn.linear_model.Lasso(alpha=λ, fit_intercept=False)``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .functions import Function
from .problems import LeastSquares
from .validation import (check_choice, check_finite_array, check_in_range, check_point,
                         check_positive_int)

__all__ = ["l1_penalty", "l2_penalty", "l1_subgradient", "l2_gradient", "soft_threshold",
           "Regularized", "ridge", "lasso_lambda_max", "ista", "lasso_path", "ProximalRun"]

PENALTIES = ("l1", "l2")


def _weights(w) -> np.ndarray:
    return check_finite_array("w", w)


def l1_penalty(w, lam: float) -> float:
    r""":math:`\lambda\lVert w\rVert_1 = \lambda\sum_i |w_i|` (over the first axis for a grid
    of points of shape ``(d, ...)``)."""
    lam = check_in_range("lam", lam, 0.0)
    return lam * np.sum(np.abs(_weights(w)), axis=0)


def l2_penalty(w, lam: float) -> float:
    r""":math:`\tfrac\lambda2\lVert w\rVert_2^2 = \tfrac\lambda2\sum_i w_i^2` (over the first
    axis for a grid of points of shape ``(d, ...)``)."""
    lam = check_in_range("lam", lam, 0.0)
    return 0.5 * lam * np.sum(_weights(w) ** 2, axis=0)


def l1_subgradient(w, lam: float) -> np.ndarray:
    r"""A subgradient of :math:`\lambda\lVert w\rVert_1`: :math:`\lambda\,\mathrm{sign}(w)`.

    Where :math:`w_i \ne 0` it is the gradient; where :math:`w_i = 0` the subdifferential is
    the whole interval :math:`[-\lambda, \lambda]` and this returns its middle, 0."""
    lam = check_in_range("lam", lam, 0.0)
    return lam * np.sign(_weights(w))


def l2_gradient(w, lam: float) -> np.ndarray:
    r"""The gradient of :math:`\tfrac\lambda2\lVert w\rVert_2^2`: :math:`\lambda w`."""
    lam = check_in_range("lam", lam, 0.0)
    return lam * _weights(w)


def soft_threshold(x, t: float) -> np.ndarray:
    r"""The proximal operator of :math:`t\lVert\cdot\rVert_1`, entry by entry:

    .. math::
        S_t(x) = \operatorname*{argmin}_z \tfrac12 (z - x)^2 + t|z|
               = \mathrm{sign}(x)\,\max(|x| - t,\ 0).

    Every entry moves ``t`` towards 0 and stops there: entries with :math:`|x| \le t`
    become exactly 0."""
    t = check_in_range("t", t, 0.0)
    x = check_finite_array("x", x)
    return np.sign(x) * np.maximum(np.abs(x) - t, 0.0) + 0.0     # + 0.0: no "-0" entries


class Regularized(Function):
    r"""``f`` plus a penalty: :math:`f(w) + \lambda\lVert w\rVert_1` (``penalty="l1"``) or
    :math:`f(w) + \tfrac\lambda2\lVert w\rVert_2^2` (``penalty="l2"``).

    Its ``grad`` adds :func:`l1_subgradient` or :func:`l2_gradient` to ``f.grad``, so
    ``gdlab.run(gdlab.SGD(lr), Regularized(f, lam, "l1"), w0, steps)`` is subgradient descent
    on the lasso objective, and with ``"l2"`` gradient descent with an L2 term in the loss."""

    def __init__(self, f: Function, lam: float, penalty: str = "l2"):
        if not isinstance(f, Function):
            raise ValueError(f"f must be a gdlab Function, got {type(f).__name__}")
        self.f, self.lam = f, check_in_range("lam", lam, 0.0)
        self.penalty = check_choice("penalty", penalty, PENALTIES)
        self.dim, self.window = f.dim, f.window
        self.name = f"{f.name} + {'λ‖w‖₁' if penalty == 'l1' else '(λ/2)‖w‖²'}, λ = {lam:g}"
        if penalty == "l2" and isinstance(f, LeastSquares):
            self.minimum = ridge(f, lam)
            self.min_value = float(self.value(self.minimum))

    def value(self, x):
        pen = l1_penalty if self.penalty == "l1" else l2_penalty
        return self.f.value(x) + pen(x, self.lam)

    def gradient(self, x):
        pen = l1_subgradient if self.penalty == "l1" else l2_gradient
        return self.f.grad(x) + pen(x, self.lam)


def _problem(problem) -> LeastSquares:
    if not isinstance(problem, LeastSquares):
        raise ValueError(f"problem must be a gdlab.problems.LeastSquares, got "
                         f"{type(problem).__name__}")
    return problem


def ridge(problem: LeastSquares, lam: float) -> np.ndarray:
    r"""The minimizer of :math:`J(w) + \tfrac\lambda2\lVert w\rVert^2` for least squares,
    in closed form: setting the gradient :math:`Aw - b + \lambda w` to zero,

    .. math:: w_\lambda = (A + \lambda I)^{-1} b, \qquad A = X^\top X/n,\ b = X^\top y/n.

    This is ``sklearn.linear_model.Ridge(alpha=n*lam, fit_intercept=False)``, whose objective
    is :math:`\lVert y - Xw\rVert^2 + \alpha\lVert w\rVert^2`. With ``lam=0`` it is ordinary
    least squares, which needs :math:`A` invertible."""
    problem, lam = _problem(problem), check_in_range("lam", lam, 0.0)
    matrix = problem.A + lam * np.eye(problem.dim)
    if lam == 0 and problem.eigenvalues[0] <= 1e-14 * problem.dim * problem.eigenvalues[-1]:
        raise ValueError("lam must be > 0 for this problem: X^T X is singular, so least "
                         "squares without a penalty has no unique solution")
    return np.linalg.solve(matrix, problem.b)


def lasso_lambda_max(problem: LeastSquares) -> float:
    r"""The smallest :math:`\lambda` for which :math:`w = 0` minimizes
    :math:`J(w) + \lambda\lVert w\rVert_1`: :math:`\lVert\nabla J(0)\rVert_\infty =
    \lVert X^\top y\rVert_\infty / n`. (At :math:`w = 0` the optimality condition is
    :math:`|\partial J/\partial w_i| \le \lambda` for every :math:`i`.)"""
    return float(np.max(np.abs(_problem(problem).b)))


@dataclass
class ProximalRun:
    """What :func:`ista` returns: the final weights ``w``, the iterates ``xs`` (kept only
    with ``keep_path``; else just the start and the end), the lasso objective of the
    final weights, the number of iterations and whether the tolerance was met."""

    w: np.ndarray
    xs: np.ndarray
    objective: float
    iterations: int
    converged: bool


def ista(problem: LeastSquares, lam: float, w0=None, lr: float | None = None,
         steps: int = 20_000, tol: float = 1e-12, keep_path: bool = False) -> ProximalRun:
    r"""Proximal gradient descent (ISTA) on :math:`J(w) + \lambda\lVert w\rVert_1`:

    .. math:: w_{t+1} = S_{\alpha\lambda}\bigl(w_t - \alpha\nabla J(w_t)\bigr),

    a gradient step on the smooth part, then :func:`soft_threshold` with the threshold
    :math:`\alpha\lambda`. The default step is :math:`\alpha = 1/L` with :math:`L` the
    largest eigenvalue of :math:`A = X^\top X/n`; any :math:`\alpha` in :math:`(0, 2/L)`
    converges. It stops when no weight moves by more than ``tol`` (then ``converged``) or
    after ``steps`` iterations; ``w0`` defaults to 0."""
    problem, lam = _problem(problem), check_in_range("lam", lam, 0.0)
    top = float(problem.eigenvalues[-1])
    if top <= 0:
        raise ValueError("problem must have a nonzero X (its largest curvature is 0)")
    lr = 1.0 / top if lr is None else check_in_range("lr", lr, 0.0, 2.0 / top,
                                                     low_open=True, high_open=True)
    steps = check_positive_int("steps", steps)
    tol = check_in_range("tol", tol, 0.0)
    w = (np.zeros(problem.dim) if w0 is None
         else check_point("w0", w0, problem.dim, problem.name).copy())
    path = [w.copy()]
    converged, t = False, 0
    for t in range(1, steps + 1):
        new = soft_threshold(w - lr * problem.grad(w), lr * lam)
        moved = np.max(np.abs(new - w))
        w = new
        if keep_path:
            path.append(w.copy())
        if moved <= tol:
            converged = True
            break
    xs = np.array(path) if keep_path else np.array([path[0], w])
    objective = float(problem.value(w) + l1_penalty(w, lam))
    return ProximalRun(w=w, xs=xs, objective=objective, iterations=t, converged=converged)


def lasso_path(problem: LeastSquares, lams, **options) -> np.ndarray:
    r"""The lasso solutions for each :math:`\lambda` of ``lams`` (shape ``(len(lams), d)``),
    by :func:`ista`, each started from the solution for the previous :math:`\lambda` (a
    warm start: neighboring solutions are close). ``options`` go to :func:`ista`. A solve
    that does not meet its tolerance within its steps raises rather than return a rough
    point."""
    lams = check_finite_array("lams", lams, ndim=1)
    if lams.size == 0 or np.any(lams < 0):
        raise ValueError(f"lams must be a non-empty list of values >= 0, got {lams}")
    options.pop("w0", None)
    w, rows = None, []
    for lam in lams:
        solved = ista(problem, float(lam), w0=w, **options)
        if not solved.converged:
            raise RuntimeError(f"ista did not converge for lam = {lam:g} within "
                               f"{solved.iterations} steps: pass a larger steps= or tol=")
        w = solved.w
        rows.append(w)
    return np.array(rows)
