r"""Gradient descent, heavy-ball momentum and Nesterov on quadratics (chapters 3 and 4).

A quadratic with Hessian eigenvalues (curvatures) in :math:`[\mu, L]`,
:math:`\kappa = L/\mu`: stable regions, optimal parameters and linear rates in closed form,
and the rate of a run, measured.
"""

from __future__ import annotations

import numpy as np

from ..validation import check_in_range, check_real_array, plain

__all__ = ["gd_optimal_lr", "gd_rate", "heavy_ball_matrix", "heavy_ball_spectral_radius",
           "heavy_ball_stable", "heavy_ball_optimal", "heavy_ball_rate", "measured_rate",
           "nesterov_effective_momentum", "nesterov_iteration_matrix",
           "nesterov_spectral_radius", "nesterov_stability_limit", "nesterov_stable",
           "nesterov_rate"]

# -- gradient descent and heavy-ball momentum -----------------------------------------------
# A quadratic with Hessian eigenvalues (curvatures) in [mu, L]; kappa = L / mu.
# Along the eigenvector of an eigenvalue lam, gradient descent multiplies the error by
# (1 - lr*lam) per step, and heavy-ball momentum acts on the pair (e_t, e_{t-1}) through
#     M(lam) = [[1 + beta - lr*lam, -beta],
#               [1,                  0   ]].

def _curvatures(mu, L) -> tuple[float, float]:
    """Check 0 < mu <= L (the smallest and largest curvature)."""
    mu = check_in_range("mu", mu, 0.0, low_open=True)
    L = check_in_range("L", L, 0.0, low_open=True)
    if L < mu:
        raise ValueError(f"L must be in [mu, inf) = [{mu:g}, inf), got {L:g}")
    return mu, L


def gd_optimal_lr(mu: float, L: float) -> float:
    r"""The learning rate that minimizes gradient descent's worst-case rate on curvatures in
    :math:`[\mu, L]`: :math:`\alpha^* = 2/(\mu + L)`, where :math:`|1-\alpha\mu| = |1-\alpha L|`."""
    mu, L = _curvatures(mu, L)
    return 2.0 / (mu + L)


def gd_rate(mu: float, L: float, lr: float | None = None) -> float:
    r"""Gradient descent's linear rate on curvatures in :math:`[\mu, L]`:
    :math:`\max(|1-\alpha\mu|, |1-\alpha L|)`.

    With ``lr=None`` the optimal :math:`\alpha^* = 2/(\mu+L)` is used, giving
    :math:`(\kappa-1)/(\kappa+1)`, :math:`\kappa = L/\mu`. A rate :math:`\ge 1` means no
    convergence (above 1: divergence).
    """
    mu, L = _curvatures(mu, L)
    lr = gd_optimal_lr(mu, L) if lr is None else check_in_range("lr", lr, 0.0)
    return max(abs(1.0 - lr * mu), abs(1.0 - lr * L))


def heavy_ball_matrix(lam: float, lr: float, beta: float) -> np.ndarray:
    r"""The 2x2 iteration matrix of heavy-ball momentum along a direction of curvature
    :math:`\lambda`: :math:`(e_{t+1}, e_t) = M (e_t, e_{t-1})` with

    .. math:: M = \begin{pmatrix} 1+\beta-\alpha\lambda & -\beta \\ 1 & 0 \end{pmatrix}.
    """
    lam = check_in_range("lam", lam, -np.inf)
    lr = check_in_range("lr", lr, 0.0)
    beta = check_in_range("beta", beta, 0.0, 1.0)
    return np.array([[1.0 + beta - lr * lam, -beta], [1.0, 0.0]])


def heavy_ball_spectral_radius(lam, lr, beta):
    r"""Spectral radius of :func:`heavy_ball_matrix`, in closed form; broadcasts over arrays.

    The eigenvalues solve :math:`z^2 - bz + \beta = 0` with :math:`b = 1+\beta-\alpha\lambda`.
    If :math:`b^2 \ge 4\beta` they are real and the larger modulus is
    :math:`(|b| + \sqrt{b^2-4\beta})/2`; otherwise they are complex conjugates of modulus
    :math:`\sqrt\beta` (their product is :math:`\beta`).
    """
    lam = check_real_array("lam", lam)
    lr = check_real_array("lr", lr, low=0.0)
    beta = check_real_array("beta", beta, low=0.0, high=1.0)
    b = 1.0 + beta - lr * lam
    disc = b * b - 4.0 * beta
    real = (np.abs(b) + np.sqrt(np.maximum(disc, 0.0))) / 2.0
    return plain(np.where(disc >= 0.0, real, np.sqrt(beta)))


def heavy_ball_stable(lam, lr, beta):
    r"""Whether heavy-ball converges along curvature :math:`\lambda`:
    :math:`0 < \alpha\lambda < 2 + 2\beta` and :math:`0 \le \beta < 1` (Jury's test on
    :math:`z^2 - bz + \beta`). Broadcasts over arrays; ``beta = 1`` is never stable."""
    lam = check_real_array("lam", lam)
    lr = check_real_array("lr", lr, low=0.0)
    beta = check_real_array("beta", beta, low=0.0, high=1.0)
    step = lr * lam
    stable = (step > 0.0) & (step < 2.0 + 2.0 * beta) & (beta < 1.0)
    return bool(stable) if np.ndim(stable) == 0 else stable


def heavy_ball_optimal(mu: float, L: float) -> tuple[float, float]:
    r"""Polyak's optimal heavy-ball parameters for curvatures in :math:`[\mu, L]`:

    .. math:: \alpha^* = \frac{4}{(\sqrt L + \sqrt\mu)^2}, \qquad
              \beta^* = \left(\frac{\sqrt\kappa - 1}{\sqrt\kappa + 1}\right)^2 .

    They put both ends of the spectrum on the edge of the complex region
    (:math:`\alpha\mu = (1-\sqrt\beta)^2`, :math:`\alpha L = (1+\sqrt\beta)^2`), so every
    curvature converges at the rate :math:`\sqrt{\beta^*} = (\sqrt\kappa-1)/(\sqrt\kappa+1)`.
    """
    mu, L = _curvatures(mu, L)
    root_kappa = np.sqrt(L / mu)
    lr = 4.0 / (np.sqrt(L) + np.sqrt(mu)) ** 2
    beta = ((root_kappa - 1.0) / (root_kappa + 1.0)) ** 2
    return float(lr), float(beta)


def heavy_ball_rate(mu: float, L: float, lr=None, beta=None):
    r"""Heavy-ball's linear rate on curvatures in :math:`[\mu, L]`: the largest spectral
    radius of :math:`M(\lambda)` over :math:`\lambda \in [\mu, L]`.

    The radius depends on :math:`\lambda` only through :math:`|b| = |1+\beta-\alpha\lambda|`
    and does not decrease as :math:`|b|` grows; :math:`|b|` is convex in :math:`\lambda`, so
    the maximum sits at :math:`\lambda = \mu` or :math:`\lambda = L`. With ``lr`` and
    ``beta`` both ``None``, Polyak's optimum is used and the rate is
    :math:`(\sqrt\kappa-1)/(\sqrt\kappa+1)`. ``lr`` and ``beta`` broadcast over arrays.
    """
    mu, L = _curvatures(mu, L)
    if (lr is None) != (beta is None):
        raise ValueError("lr and beta must be given together (or both left None for the "
                         f"optimum), got lr={lr!r}, beta={beta!r}")
    if lr is None:   # the closed form; the radius formula loses ~1e-8 at a double root
        root_kappa = np.sqrt(L / mu)
        return float((root_kappa - 1.0) / (root_kappa + 1.0))
    return plain(np.maximum(heavy_ball_spectral_radius(mu, lr, beta),
                                       heavy_ball_spectral_radius(L, lr, beta)))


def measured_rate(distances, tail: float = 0.5):
    r"""The linear rate of a run, measured: the per-step factor :math:`\hat\rho` by which the
    distance to the minimum shrinks over the last ``tail`` fraction of the run.

    ``distances`` is a :class:`~gdlab.Trajectory` (its ``distances()`` are used) or an array
    whose last axis is the step (leading axes are separate runs). A least-squares line through
    :math:`\log d_t` over the window gives :math:`\log\hat\rho` as its slope: the geometric
    mean of the contractions :math:`d_{t+1}/d_t`, but steadier when the distance oscillates.
    Skipping the start leaves out the transient, where faster modes still contribute.
    """
    if hasattr(distances, "distances") and callable(distances.distances):
        distances = distances.distances()
    d = np.asarray(distances, dtype=float)
    if d.ndim == 0:
        raise ValueError("distances must be a sequence (one value per step), got a scalar")
    tail = check_in_range("tail", tail, 0.0, 1.0, low_open=True)
    n = d.shape[-1]
    k = max(2, int(round(tail * n)))
    if n < 2 or k > n:
        raise ValueError(f"distances must hold at least 2 steps per run, got {n}")
    window = d[..., n - k:]
    if not np.all(np.isfinite(window)) or np.any(window <= 0.0):
        bad = window[~(np.isfinite(window) & (window > 0.0))].ravel()[0]
        raise ValueError(f"distances in the measured window must be finite and > 0, found "
                         f"{bad:g} (the run diverged, or hit the minimum exactly)")
    t = np.arange(k) - (k - 1) / 2.0
    logs = np.log(window)
    slope = np.sum(t * (logs - logs.mean(axis=-1, keepdims=True)), axis=-1) / np.sum(t * t)
    return plain(np.exp(slope))


# -- Nesterov ---------------------------------------------------------------------------------
# A quadratic with curvature lam along some eigenvector. Nesterov's method (either form:
# Sutskever's theta_t or Bengio's stored point theta_t + beta*v_t) obeys along it
#     e_{t+1} = (1 - lr*lam) e_t + beta*(1 - lr*lam) (e_t - e_{t-1}),
# i.e. heavy-ball with the effective momentum beta*(1 - lr*lam), and acts on (e_t, e_{t-1}) by
#     N(lam) = [[(1 + beta)(1 - lr*lam), -beta*(1 - lr*lam)],
#               [1,                       0                ]].

def _nesterov_inputs(lam, lr, beta):
    """Check and broadcast (lam, lr, beta): lam finite real, lr >= 0, beta in [0, 1]."""
    return (check_real_array("lam", lam), check_real_array("lr", lr, low=0.0),
            check_real_array("beta", beta, low=0.0, high=1.0))


def nesterov_effective_momentum(lam, lr, beta):
    r"""The momentum Nesterov's method really applies along curvature :math:`\lambda`:
    :math:`\beta_{\text{eff}} = \beta(1-\alpha\lambda)`.

    On :math:`f = \tfrac12\lambda\theta^2` NAG is heavy-ball with this momentum,
    :math:`\theta_{t+1} = \theta_t - \alpha\lambda\theta_t + \beta_{\text{eff}}(\theta_t - \theta_{t-1})`:
    stiff directions (large :math:`\alpha\lambda`) get less momentum, or even negative
    momentum once :math:`\alpha\lambda > 1`. Broadcasts over arrays.
    """
    lam, lr, beta = _nesterov_inputs(lam, lr, beta)
    return plain(beta * (1.0 - lr * lam))


def nesterov_iteration_matrix(lam: float, lr: float, beta: float) -> np.ndarray:
    r"""The 2x2 matrix :math:`N` with :math:`(e_{t+1}, e_t) = N\,(e_t, e_{t-1})` for Nesterov's
    method along curvature :math:`\lambda` (:math:`c = 1 - \alpha\lambda`):

    .. math:: N = \begin{pmatrix} (1+\beta)c & -\beta c \\ 1 & 0 \end{pmatrix}.
    """
    lam = check_in_range("lam", lam, -np.inf)
    lr = check_in_range("lr", lr, 0.0)
    beta = check_in_range("beta", beta, 0.0, 1.0)
    c = 1.0 - lr * lam
    return np.array([[(1.0 + beta) * c, -beta * c], [1.0, 0.0]])


def nesterov_spectral_radius(lam, lr, beta):
    r"""Spectral radius of :func:`nesterov_iteration_matrix`, in closed form; broadcasts.

    The eigenvalues solve :math:`z^2 - (1+\beta)c\,z + \beta c = 0`, :math:`c = 1-\alpha\lambda`.
    If the discriminant :math:`(1+\beta)^2c^2 - 4\beta c` is negative they are complex
    conjugates of modulus :math:`\sqrt{\beta c}`; otherwise the larger modulus is
    :math:`\big((1+\beta)|c| + \sqrt{(1+\beta)^2c^2 - 4\beta c}\big)/2`. At
    :math:`\alpha\lambda = 1` the matrix is nilpotent: the radius is 0.
    """
    lam, lr, beta = _nesterov_inputs(lam, lr, beta)
    c = 1.0 - lr * lam
    a = (1.0 + beta) * c
    disc = a * a - 4.0 * beta * c
    real = (np.abs(a) + np.sqrt(np.maximum(disc, 0.0))) / 2.0
    return plain(np.where(disc >= 0.0, real, np.sqrt(np.maximum(beta * c, 0.0))))


def nesterov_stability_limit(beta):
    r"""The largest :math:`\alpha\lambda` for which Nesterov's method converges:
    :math:`(2+2\beta)/(1+2\beta)`, between 2 (:math:`\beta=0`) and 4/3 (:math:`\beta=1`).

    Heavy-ball's limit is :math:`2+2\beta`: the look-ahead buys damping with a smaller
    stable range of step sizes. Broadcasts over arrays.
    """
    _, _, beta = _nesterov_inputs(0.0, 0.0, beta)
    return plain((2.0 + 2.0 * beta) / (1.0 + 2.0 * beta))


def nesterov_stable(lam, lr, beta):
    r"""Whether Nesterov's method converges along curvature :math:`\lambda`:
    :math:`0 < \alpha\lambda < (2+2\beta)/(1+2\beta)`.

    Jury's test on :math:`z^2 - (1+\beta)c\,z + \beta c` (:math:`c = 1-\alpha\lambda`) asks
    :math:`1 - (1+\beta)c + \beta c = \alpha\lambda > 0`,
    :math:`1 + (1+\beta)c + \beta c > 0` (the upper limit) and :math:`|\beta c| < 1`, which the
    other two imply for :math:`\beta \in [0, 1]`, so :math:`\beta = 1` is stable too.
    Broadcasts over arrays.
    """
    lam, lr, beta = _nesterov_inputs(lam, lr, beta)
    step = lr * lam
    stable = (step > 0.0) & (step < (2.0 + 2.0 * beta) / (1.0 + 2.0 * beta))
    return bool(stable) if np.ndim(stable) == 0 else stable


def nesterov_rate(mu: float, L: float, lr, beta):
    r"""Nesterov's linear rate on curvatures in :math:`[\mu, L]`: the largest spectral radius
    of :math:`N(\lambda)` over :math:`\lambda \in [\mu, L]`.

    The radius falls as :math:`\alpha\lambda` grows from 0 to 1 (where it is 0) and rises
    after it, so the maximum sits at :math:`\lambda = \mu` or :math:`\lambda = L`. (With
    :math:`c = 1-\alpha\lambda`: for :math:`0 < c \le 1` the radius is :math:`\sqrt{\beta c}`
    or, where the roots are real, :math:`c \ge 4\beta/(1+\beta)^2`, the larger root; both grow
    with :math:`c`. For :math:`c \le 0` the roots are real and the radius grows with
    :math:`|c|`.) With the classic choice :math:`\alpha = 1/L`,
    :math:`\beta = (\sqrt\kappa-1)/(\sqrt\kappa+1)` the rate is :math:`1 - 1/\sqrt\kappa`.
    ``lr`` and ``beta`` broadcast over arrays.
    """
    mu = check_in_range("mu", mu, 0.0, low_open=True)
    L = check_in_range("L", L, mu)
    return plain(np.maximum(nesterov_spectral_radius(mu, lr, beta),
                             nesterov_spectral_radius(L, lr, beta)))
