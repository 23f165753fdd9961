r"""Quasi-Newton methods: curvature learned from gradients, BFGS and L-BFGS.

A quasi-Newton method never computes the Hessian. After each step :math:`s_k = x_{k+1} - x_k`
it observes how the gradient changed, :math:`y_k = \nabla f(x_{k+1}) - \nabla f(x_k)`, and
asks its inverse-Hessian estimate :math:`B` to satisfy the **secant condition**
:math:`B\,y_k = s_k`. BFGS (Broyden, Fletcher, Goldfarb, Shanno, 1970) does so with the
smallest change of :math:`B` in a weighted norm (:func:`bfgs_update`); L-BFGS (Nocedal 1980)
keeps only the last :math:`m` pairs and applies the resulting matrix to a vector with the
**two-loop recursion** (:func:`two_loop`), in :math:`O(mn)` time and memory.
:func:`lbfgs` minimizes with it, using SciPy's Wolfe line search
(:func:`scipy.optimize.line_search`) or a fixed step, and counts every gradient it asks for.
"""

from __future__ import annotations

import warnings
from collections import deque
from dataclasses import dataclass

import numpy as np

from .functions import Function
from .run import Trajectory
from .validation import (check_finite_array, check_flag, check_in_range, check_point,
                         check_positive_int)

__all__ = ["bfgs_update", "two_loop", "lbfgs", "LBFGSRun"]


def _pair(s, y, n: int | None = None) -> tuple[np.ndarray, np.ndarray, float]:
    """``s``, ``y`` as vectors of one length (``n`` if given) and ``yᵀs``, which must be > 0."""
    s, y = check_finite_array("s", s, ndim=1), check_finite_array("y", y, ndim=1)
    if y.shape != s.shape or (n is not None and s.size != n):
        raise ValueError(f"s and y must have the same length{f' ({n})' if n else ''}, got "
                         f"{s.size} and {y.size}")
    curvature = float(y @ s)
    if not curvature > 0:
        raise ValueError(f"yᵀs must be > 0 (the curvature condition), got {curvature:g}")
    return s, y, curvature


def bfgs_update(B, s, y) -> np.ndarray:
    r"""The BFGS update of an inverse-Hessian estimate :math:`B` with the pair
    :math:`(s, y)`, :math:`\rho = 1/(y^\top s)`:

    .. math:: B_+ = (I - \rho\, s y^\top)\, B\, (I - \rho\, y s^\top) + \rho\, s s^\top .

    :math:`B_+ y = s` (the secant condition), :math:`B_+` is symmetric, and positive
    definite if :math:`B` is, because :math:`y^\top s > 0` (else ValueError). It is a
    rank-2 change of :math:`B`."""
    B = check_finite_array("B", B, ndim=2)
    s, y, curvature = _pair(s, y, B.shape[0] if B.shape[0] == B.shape[1] else None)
    if B.shape != (s.size, s.size):
        raise ValueError(f"B must have shape ({s.size}, {s.size}), got {B.shape}")
    rho = 1.0 / curvature
    V = np.eye(s.size) - rho * np.outer(y, s)
    return V.T @ B @ V + rho * np.outer(s, s)


def two_loop(g, s_list, y_list, gamma: float | None = None) -> np.ndarray:
    r""":math:`B g` for the L-BFGS matrix :math:`B`: :math:`\gamma I` updated by BFGS with
    the pairs ``(s_list[i], y_list[i])``, oldest first, without forming :math:`B`.
    ``gamma`` defaults to :math:`s^\top y / y^\top y` of the newest pair (1 without pairs).
    The search direction is :math:`-Bg`."""
    q = check_finite_array("g", g, ndim=1).copy()
    if len(s_list) != len(y_list):
        raise ValueError(f"s_list and y_list must hold as many vectors, got {len(s_list)} "
                         f"and {len(y_list)}")
    pairs = [_pair(s, y, q.size) for s, y in zip(s_list, y_list)]
    if gamma is None:
        gamma = pairs[-1][2] / (pairs[-1][1] @ pairs[-1][1]) if pairs else 1.0
    gamma = check_in_range("gamma", gamma, 0.0, low_open=True)
    alphas = []
    for s, y, sy in reversed(pairs):          # newest to oldest
        alpha = (s @ q) / sy
        q -= alpha * y
        alphas.append(alpha)
    r = gamma * q                             # the initial matrix γI
    for (s, y, sy), alpha in zip(pairs, reversed(alphas)):   # oldest to newest
        beta = (y @ r) / sy
        r += (alpha - beta) * s
    return r


@dataclass
class LBFGSRun:
    """The result of :func:`lbfgs`: the ``trajectory`` (one point per iteration, optimizer
    ``"L-BFGS"``), ``grad_evals[k]`` and ``value_evals[k]``, how many gradients and values
    had been computed when iterate k was reached, ``skipped``, the curvature pairs refused
    because :math:`y^\\top s \\le 10^{-10}\\lVert s\\rVert\\lVert y\\rVert`, and ``status``."""

    trajectory: Trajectory
    grad_evals: np.ndarray
    value_evals: np.ndarray
    skipped: int
    status: str

    @property
    def x(self) -> np.ndarray:
        return self.trajectory.xs[-1]

    @property
    def iterations(self) -> int:
        return self.trajectory.steps


def lbfgs(f: Function, x0, m: int = 10, max_iter: int = 100, gtol: float = 1e-10,
          line_search: bool = True, lr: float = 1.0, max_norm: float = 1e10) -> LBFGSRun:
    r"""Minimize ``f`` with L-BFGS of memory ``m`` from ``x0``.

    Each iteration takes the direction :math:`d_k = -B_k g_k` of :func:`two_loop` (the
    first is :math:`-g_0` scaled to length 1 when there is no pair yet), a step
    :math:`x_{k+1} = x_k + t_k d_k` and stores the pair :math:`(s_k, y_k)`, dropping the
    oldest beyond ``m`` and skipping a pair with too little curvature. With ``line_search``
    :math:`t_k` satisfies the strong Wolfe conditions (:func:`scipy.optimize.line_search`,
    :math:`c_1 = 10^{-4}, c_2 = 0.9`, first trial 1); without it :math:`t_k =` ``lr`` and each
    iteration costs exactly one gradient, which is how it is used with minibatch gradients.
    Stops when :math:`\lVert g_k\rVert \le` ``gtol``, after ``max_iter`` iterations, when
    the line search fails, or when the iterate leaves the ball of radius ``max_norm``.
    Every call of ``f.grad`` is counted, including those of the line search.
    """
    m = check_positive_int("m", m)
    max_iter = check_positive_int("max_iter", max_iter, minimum=0)
    gtol = check_in_range("gtol", gtol, 0.0)
    line_search = check_flag("line_search", line_search)
    lr = check_in_range("lr", lr, 0.0, low_open=True)
    max_norm = check_in_range("max_norm", max_norm, 0.0, low_open=True)
    x = check_point("x0", x0, f.dim, f.name).copy()
    counts = {"grad": 0, "value": 0}
    last = {}                          # the last point asked for, so no gradient is paid twice

    def value(z):
        if "f" not in last or not np.array_equal(last["fz"], z):
            counts["value"] += 1
            last["fz"], last["f"] = z.copy(), f(z)
        return last["f"]

    def grad(z):
        if "g" not in last or not np.array_equal(last["gz"], z):
            counts["grad"] += 1
            last["gz"], last["g"] = z.copy(), f.grad(z)
        return last["g"].copy()

    S, Y = deque(maxlen=m), deque(maxlen=m)
    fx, g = value(x), grad(x)
    xs, losses = [x.copy()], [fx]
    grads_at, values_at = [counts["grad"]], [counts["value"]]
    skipped, status = 0, "finished: max_iter reached"
    for _ in range(max_iter):
        if np.linalg.norm(g) <= gtol:
            status = "converged: |g| <= gtol"
            break
        d = -two_loop(g, list(S), list(Y)) if S else -g / max(np.linalg.norm(g), 1e-300)
        if line_search:
            t = _wolfe(value, grad, x, d, g, fx)
            if t is None:
                status = "stopped: the line search found no step (noise or rounding)"
                break
        else:
            t = lr
        x_new = x + t * d
        if not np.all(np.isfinite(x_new)) or np.linalg.norm(x_new) > max_norm:
            status = f"diverged at iteration {len(xs)}: |x| beyond {max_norm:g}"
            break
        g_new = grad(x_new)
        s, y = x_new - x, g_new - g
        if y @ s > 1e-10 * np.linalg.norm(s) * np.linalg.norm(y):
            S.append(s)
            Y.append(y)
        else:
            skipped += 1
        x, g = x_new, g_new
        fx = value(x)
        xs.append(x.copy())
        losses.append(fx)
        grads_at.append(counts["grad"])
        values_at.append(counts["value"])
    traj = Trajectory(np.array(xs), np.array(losses, dtype=float), "L-BFGS", f.name,
                      status.startswith("diverged"), status, getattr(f, "minimum", None),
                      getattr(f, "min_value", None))
    return LBFGSRun(traj, np.array(grads_at), np.array(values_at), skipped, status)


def _wolfe(value, grad, x, d, g, fx):
    """The step of SciPy's strong-Wolfe line search along d, first trial 1, or None if it
    fails (its own warning is replaced by that None). SciPy is imported here, on first use,
    so that ``import gdlab`` stays quick."""
    from scipy.optimize import line_search as wolfe_line_search

    with warnings.catch_warnings(), np.errstate(over="ignore", invalid="ignore"):
        warnings.filterwarnings("ignore", message="The line search algorithm")
        return wolfe_line_search(value, grad, x, d, gfk=g, old_fval=fx, c1=1e-4, c2=0.9)[0]
