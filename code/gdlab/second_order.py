r"""Second-order steps: Newton's method, its damped and saddle-free variants, and the cost
of the Hessian they need.

Near a point :math:`x` a smooth function is close to its second-order Taylor model

.. math:: f(x + p) \approx m(p) = f(x) + g^\top p + \tfrac12\, p^\top H p,
          \qquad g = \nabla f(x),\; H = \nabla^2 f(x).

If :math:`H` is positive definite the model has one minimizer, the **Newton step**
:math:`p = -H^{-1} g` (:func:`newton_step`). Two repairs for when it is not, or when the
model is a poor guide far from the minimum: **damping** :math:`p = -(H + \lambda I)^{-1} g`
(:func:`damped_newton_step`, Levenberg and Marquardt's idea) and the **saddle-free**
step :math:`p = -(|H| + \lambda I)^{-1} g`, with :math:`|H|` the Hessian with its eigenvalues
replaced by their absolute values (:func:`saddle_free_step`, Dauphin et al. 2014).
:func:`newton_path` iterates any of them, optionally with a backtracking line search, and
returns a :class:`gdlab.Trajectory`.

Storing :math:`H` takes :math:`n^2` numbers for :math:`n` parameters
(:func:`hessian_bytes`, :func:`format_bytes`); a Hessian-vector product :math:`Hv` needs
none of that memory: two gradients suffice (:func:`hessian_vector_product`).
"""

from __future__ import annotations

import numpy as np

from .functions import Function
from .run import Trajectory
from .validation import (check_choice, check_finite_array, check_flag, check_in_range,
                         check_point, check_positive_int)

__all__ = ["newton_step", "damped_newton_step", "saddle_free_step", "absolute_hessian",
           "newton_path", "hessian_bytes", "format_bytes", "hessian_vector_product"]

VARIANTS = ("newton", "damped", "saddle-free")


def _gradient_and_hessian(g, H) -> tuple[np.ndarray, np.ndarray]:
    """``g`` and ``H`` as float arrays of shapes (n,) and (n, n), finite, H symmetric."""
    g = check_finite_array("g", g, ndim=1)
    H = check_finite_array("H", H, ndim=2)
    if H.shape != (g.size, g.size):
        raise ValueError(f"H must have shape ({g.size}, {g.size}) to match g, got {H.shape}")
    if not np.allclose(H, H.T):
        raise ValueError("H must be symmetric (a Hessian), got a matrix with H != H.T")
    return g, H


def _solve(M, g, what: str) -> np.ndarray:
    """:math:`-M^{-1} g`, or a ValueError naming ``what`` if M is singular."""
    try:
        return -np.linalg.solve(M, g)
    except np.linalg.LinAlgError:
        raise ValueError(f"{what} is singular: the quadratic model has no unique stationary "
                         f"point (add damping)") from None


def newton_step(g, H) -> np.ndarray:
    r"""The Newton step :math:`p = -H^{-1} g`: the stationary point of the quadratic model
    :math:`g^\top p + \tfrac12 p^\top H p` (its minimizer when H is positive definite).
    Solved with :func:`numpy.linalg.solve`, never by forming :math:`H^{-1}`."""
    g, H = _gradient_and_hessian(g, H)
    return _solve(H, g, "H")


def damped_newton_step(g, H, damping: float) -> np.ndarray:
    r"""The damped (Levenberg-Marquardt) step :math:`p = -(H + \lambda I)^{-1} g`.

    :math:`\lambda = 0` is Newton's step; for large :math:`\lambda` it tends to
    :math:`-g/\lambda`, gradient descent with learning rate :math:`1/\lambda`. The step goes
    downhill (:math:`g^\top p < 0`) whenever :math:`\lambda > -\lambda_{\min}(H)`, that is,
    when :math:`H + \lambda I` is positive definite."""
    g, H = _gradient_and_hessian(g, H)
    damping = check_in_range("damping", damping, 0.0)
    return _solve(H + damping * np.eye(g.size), g, f"H + {damping:g} I")


def absolute_hessian(H) -> np.ndarray:
    r""":math:`|H| = Q\,|\Lambda|\,Q^\top` for :math:`H = Q \Lambda Q^\top`: the same
    eigenvectors, every curvature made positive."""
    H = check_finite_array("H", H, ndim=2)
    if H.shape[0] != H.shape[1] or not np.allclose(H, H.T):
        raise ValueError(f"H must be a symmetric square matrix, got shape {H.shape}")
    eigenvalues, Q = np.linalg.eigh(H)
    return (Q * np.abs(eigenvalues)) @ Q.T


def saddle_free_step(g, H, damping: float = 0.0) -> np.ndarray:
    r"""The saddle-free Newton step :math:`p = -(|H| + \lambda I)^{-1} g` (Dauphin et al.).

    Along an eigenvector with curvature :math:`h_i` the Newton step is :math:`-g_i/h_i`,
    which points *uphill* when :math:`h_i < 0` (towards a maximum or a saddle); dividing by
    :math:`|h_i|` keeps Newton's step length but always goes downhill."""
    g, H = _gradient_and_hessian(g, H)
    damping = check_in_range("damping", damping, 0.0)
    return _solve(absolute_hessian(H) + damping * np.eye(g.size), g,
                  f"|H| + {damping:g} I")


def newton_path(f: Function, x0, steps: int, variant: str = "newton", damping: float = 0.0,
                line_search: bool = False, max_norm: float = 1e10) -> Trajectory:
    r"""``steps`` iterations :math:`x_{k+1} = x_k + t_k p_k` of a second-order method on
    ``f`` (which needs ``f.grad`` and ``f.hessian``), from ``x0``.

    ``variant`` picks :math:`p_k`: ``"newton"`` (:func:`newton_step`), ``"damped"``
    (:func:`damped_newton_step` with ``damping``) or ``"saddle-free"``
    (:func:`saddle_free_step` with ``damping``). Without ``line_search``, :math:`t_k = 1`;
    with it, :math:`t_k` is the first of :math:`1, \tfrac12, \tfrac14, \dots` that decreases
    :math:`f` by at least :math:`10^{-4}\, t_k\, |g_k^\top p_k|` (Armijo's backtracking; if
    :math:`p_k` points uphill it is reversed first). The run stops early, flagged as
    diverged, if the Hessian system is singular, an iterate is not finite or its norm
    exceeds ``max_norm``; it stops early, not diverged, if the gradient is exactly zero.
    The trajectory's ``optimizer`` is ``"Newton"``, its ``status`` names the variant.
    """
    variant = check_choice("variant", variant, VARIANTS)
    damping = check_in_range("damping", damping, 0.0)
    line_search = check_flag("line_search", line_search)
    steps = check_positive_int("steps", steps, minimum=0)
    max_norm = check_in_range("max_norm", max_norm, 0.0, low_open=True)
    if variant == "newton" and damping:
        raise ValueError(f"damping must be 0 for variant 'newton', got {damping:g} "
                         f"(use variant='damped')")
    x = check_point("x0", x0, f.dim, f.name).copy()
    xs, losses, status = [x.copy()], [f(x)], "finished"
    for _ in range(steps):
        g, H = f.grad(x), f.hessian(x)
        if not np.any(g):
            status = "stopped: the gradient is exactly zero"
            break
        try:
            p = (newton_step(g, H) if variant == "newton" else
                 damped_newton_step(g, H, damping) if variant == "damped" else
                 saddle_free_step(g, H, damping))
        except ValueError as error:
            status = f"diverged: {error}"
            break
        t = _backtrack(f, x, losses[-1], g, p) if line_search else 1.0
        if g @ p > 0 and line_search:
            p = -p
        with np.errstate(over="ignore", invalid="ignore"):
            x = x + t * p
            loss = f(x) if np.all(np.isfinite(x)) else np.nan
        if not np.all(np.isfinite(x)) or not np.isfinite(loss) or np.linalg.norm(x) > max_norm:
            status = f"diverged at step {len(xs)}: |x| beyond {max_norm:g}"
            break
        xs.append(x.copy())
        losses.append(loss)
    label = variant + (f" (λ = {damping:g})" if damping else "") + (
        " + line search" if line_search else "")
    return Trajectory(np.array(xs), np.array(losses, dtype=float), "Newton", f.name,
                      status.startswith("diverged"), f"{label}: {status}",
                      getattr(f, "minimum", None), getattr(f, "min_value", None))


def _backtrack(f, x, fx, g, p, shrink: float = 0.5, c: float = 1e-4,
               tries: int = 60) -> float:
    """Armijo backtracking along the downhill one of ±p: the first t = shrink^k with
    f(x + t d) <= f(x) - c t |gᵀp|."""
    d = -p if g @ p > 0 else p
    slope, t = -abs(g @ p), 1.0
    with np.errstate(over="ignore", invalid="ignore"):
        for _ in range(tries):
            trial = x + t * d
            if np.all(np.isfinite(trial)) and f(trial) <= fx + c * t * slope:
                return t
            t *= shrink
    return t


def hessian_bytes(n_params: int, dtype="float64", symmetric: bool = False) -> int:
    r"""The memory of a dense :math:`n \times n` Hessian, in bytes: :math:`n^2` entries of
    ``dtype`` (4 bytes for float32, 8 for float64), or :math:`n(n+1)/2` if only one triangle
    of the symmetric matrix is kept. An exact Python int (10⁸ parameters overflow nothing)."""
    n = check_positive_int("n_params", n_params)
    itemsize = np.dtype(check_choice("dtype", str(np.dtype(dtype)),
                                     ("float16", "float32", "float64"))).itemsize
    entries = n * (n + 1) // 2 if check_flag("symmetric", symmetric) else n * n
    return entries * itemsize


def format_bytes(count) -> str:
    """A byte count in decimal (SI) units, three significant digits: ``'8 MB'``,
    ``'40 PB'`` (1 kB = 1000 B)."""
    count = check_in_range("count", count, 0.0)
    units = ["B", "kB", "MB", "GB", "TB", "PB", "EB", "ZB"]
    k = 0
    while count >= 999.5 and k < len(units) - 1:
        count, k = count / 1000, k + 1
    return f"{count:.3g} {units[k]}"


def hessian_vector_product(grad, x, v, h: float | None = None) -> np.ndarray:
    r""":math:`Hv \approx \dfrac{\nabla f(x + hv) - \nabla f(x - hv)}{2h}`, a central
    difference of two gradients along ``v``: :math:`O(n)` memory, no Hessian.

    ``grad`` is a function returning :math:`\nabla f`. The error is :math:`O(h^2)` from
    the third derivatives plus :math:`O(\epsilon/h)` from rounding; the default
    :math:`h = \epsilon^{1/3}(1 + \lVert x\rVert)/\lVert v\rVert` balances the two. For a
    quadratic the first term vanishes and the product is exact up to rounding."""
    if not callable(grad):
        raise ValueError(f"grad must be a function returning the gradient, got {grad!r}")
    x = check_finite_array("x", x, ndim=1)
    v = check_finite_array("v", v, ndim=1)
    if v.shape != x.shape:
        raise ValueError(f"v must have the shape of x, {x.shape}, got {v.shape}")
    norm = np.linalg.norm(v)
    if norm == 0:
        return np.zeros_like(x)
    if h is None:
        h = np.finfo(float).eps ** (1 / 3) * (1 + np.linalg.norm(x)) / norm
    h = check_in_range("h", h, 0.0, low_open=True)
    return (np.asarray(grad(x + h * v), float) - np.asarray(grad(x - h * v), float)) / (2 * h)
