r"""Saddle points in closed form (chapter 9): what the Hessian says about a critical point,
how long gradient descent takes to leave a saddle, and how rare minima are among the
critical points of a random landscape.

* :func:`classify_critical_point` and :func:`hessian_index`: the second-order test.
* :func:`saddle_escape_steps` (gradient descent) and :func:`momentum_escape_rate` (heavy
  ball): escape along a direction of negative curvature.
* :func:`goe_matrices`, :func:`goe_positive_definite_exact`,
  :func:`goe_positive_definite_law` and :func:`goe_positive_definite_fraction`: the chance
  that a random symmetric matrix (the Gaussian orthogonal ensemble, GOE) is positive
  definite, exactly for n = 1, 2, asymptotically for large n, and by Monte Carlo.
"""

from __future__ import annotations

import math
from typing import NamedTuple

import numpy as np

from ..validation import (check_finite_array, check_in_range, check_positive_int,
                          check_real_array)

__all__ = ["classify_critical_point", "hessian_index", "saddle_escape_steps",
           "momentum_escape_rate", "goe_matrices", "goe_positive_definite_exact",
           "goe_positive_definite_law", "goe_positive_definite_fraction", "FractionEstimate",
           "GOE_THETA"]

#: Dean and Majumdar's rate: P(a GOE matrix of size n is positive definite) ≈ exp(−θn²).
GOE_THETA = math.log(3.0) / 4.0


# -- the second-order test ---------------------------------------------------------------------
def _hessians(hessian) -> np.ndarray:
    """``hessian`` as a float array of symmetric square matrices, shape (..., n, n)."""
    H = check_finite_array("hessian", hessian)
    if H.ndim < 2 or H.shape[-1] != H.shape[-2] or H.shape[-1] == 0:
        raise ValueError(f"hessian must be a square matrix (or a stack of them, shape "
                         f"(..., n, n) with n >= 1), got shape {H.shape}")
    if not np.allclose(H, np.swapaxes(H, -1, -2)):
        raise ValueError("hessian must be symmetric (a Hessian of a smooth function is), got "
                         "one with H[i, j] != H[j, i]")
    return H


def classify_critical_point(hessian, tol: float = 1e-9) -> str:
    r"""What the second-order test says about a critical point (:math:`\nabla f = 0`) whose
    Hessian is ``hessian``.

    Near the point :math:`f(x^* + h) = f(x^*) + \tfrac12 h^\top H h + O(|h|^3)`, and in the
    eigenbasis of :math:`H` the quadratic term is :math:`\tfrac12\sum_i \lambda_i c_i^2`. So:

    * all :math:`\lambda_i > 0`: ``"minimum"``; all :math:`\lambda_i < 0`: ``"maximum"``;
    * some :math:`\lambda_i > 0` and some :math:`\lambda_j < 0`: ``"saddle"`` (whatever the
      zero eigenvalues, if any, do);
    * otherwise some :math:`\lambda_i = 0` and the others share one sign: ``"degenerate"``.
      The test is silent: :math:`x^4 + y^4` (a minimum), :math:`x^3 - 3xy^2` (the monkey
      saddle) and :math:`x^2 + y^3` (a saddle) all land here.

    Eigenvalues within ``tol`` of 0 count as 0.
    """
    tol = check_in_range("tol", tol, 0.0)
    H = _hessians(hessian)
    if H.ndim != 2:
        raise ValueError(f"hessian must be one square matrix, got shape {H.shape}")
    eigenvalues = np.linalg.eigvalsh(H)
    up, down = np.any(eigenvalues > tol), np.any(eigenvalues < -tol)
    if up and down:
        return "saddle"
    if np.all(eigenvalues > tol):
        return "minimum"
    if np.all(eigenvalues < -tol):
        return "maximum"
    return "degenerate"


def hessian_index(hessian, tol: float = 0.0):
    r"""The index of a critical point: how many eigenvalues of its Hessian are below
    ``-tol``, i.e. how many independent directions lead downhill. 0 for a minimum, n for a
    maximum. A stack of matrices, shape (..., n, n), gives an int array of shape (...,).
    Dauphin et al. (2014) plot the loss of critical points against index / n."""
    tol = check_in_range("tol", tol, 0.0)
    counts = np.sum(np.linalg.eigvalsh(_hessians(hessian)) < -tol, axis=-1)
    return int(counts) if np.ndim(counts) == 0 else counts


# -- leaving a saddle -------------------------------------------------------------------------
def saddle_escape_steps(delta, lr: float, b: float = 2.0, radius: float = 1.0):
    r"""The steps gradient descent needs to get from distance ``delta`` to distance
    ``radius`` along a direction of curvature :math:`-b` (b > 0), such as :math:`y` for
    :math:`f = \tfrac12(a x^2 - b y^2)` (b = 2 for :math:`x^2 - y^2`):

    .. math:: y_{t+1} = y_t - \alpha(-b\,y_t) = (1 + \alpha b)\,y_t
              \;\Rightarrow\; y_t = (1+\alpha b)^t\,\delta, \qquad
              t(\delta) = \left\lceil \frac{\ln(R/|\delta|)}{\ln(1 + \alpha b)} \right\rceil .

    A log law: every factor of 10 closer to the saddle costs :math:`\ln 10/\ln(1+\alpha b)`
    more steps. 0 when :math:`|\delta| \ge R`; ``inf`` for :math:`\delta = 0`, where the
    gradient along :math:`y` is exactly 0 and GD never leaves (it converges to the saddle).
    The count is exact in exact arithmetic; a float run can differ by one step when
    :math:`(1+\alpha b)^t|\delta|` lands within rounding error of ``radius``. Broadcasts over
    ``delta`` (an int for a single finite answer, else floats with ``inf``).
    """
    delta = np.abs(check_real_array("delta", delta))
    lr = check_in_range("lr", lr, 0.0, low_open=True)
    b = check_in_range("b", b, 0.0, low_open=True)
    radius = check_in_range("radius", radius, 0.0, low_open=True)
    with np.errstate(divide="ignore"):
        steps = np.ceil(np.log(radius / delta) / np.log1p(lr * b))
    steps = np.where(delta >= radius, 0.0, steps)
    if np.ndim(steps) == 0:
        return int(steps) if np.isfinite(steps) else math.inf
    return steps


def momentum_escape_rate(lr: float, beta: float, b: float = 2.0) -> float:
    r"""The factor by which heavy-ball momentum (:math:`v \leftarrow \beta v + g`,
    :math:`\theta \leftarrow \theta - \alpha v`) multiplies the distance per step, in the
    long run, along a direction of curvature :math:`-b`. There
    :math:`y_{t+1} = y_t + \beta(y_t - y_{t-1}) + \alpha b\, y_t`, whose growing mode is the
    larger root of

    .. math:: z^2 - (1 + \beta + \alpha b)\,z + \beta = 0 .

    :math:`\beta = 0` gives gradient descent's :math:`1 + \alpha b`; :math:`\alpha = 0.1`,
    :math:`\beta = 0.9`, :math:`b = 2` give exactly 1.5. The escape takes about
    :math:`\ln(R/\delta)/\ln z` steps.
    """
    lr = check_in_range("lr", lr, 0.0, low_open=True)
    beta = check_in_range("beta", beta, 0.0, 1.0)
    b = check_in_range("b", b, 0.0, low_open=True)
    s = 1.0 + beta + lr * b
    return float((s + math.sqrt(s * s - 4.0 * beta)) / 2.0)


# -- how rare are minima? ---------------------------------------------------------------------
def goe_matrices(n: int, size: int, seed=0) -> np.ndarray:
    r"""``size`` random symmetric n × n matrices from the Gaussian orthogonal ensemble,
    :math:`H = (A + A^\top)/2` with :math:`A_{ij}` independent standard normal: diagonal
    entries have variance 1, off-diagonal ones 1/2. Shape (size, n, n). ``seed`` is an int
    or a ``np.random.Generator``."""
    n, size = check_positive_int("n", n), check_positive_int("size", size)
    rng = np.random.default_rng(seed)
    A = rng.standard_normal((size, n, n))
    return (A + np.swapaxes(A, 1, 2)) / 2.0


def goe_positive_definite_exact(n: int) -> float:
    r"""The exact probability that an n × n GOE matrix is positive definite, for n = 1, 2.

    n = 1: :math:`P(h > 0) = 1/2`. n = 2: with :math:`u = (a+b)/\sqrt2`,
    :math:`w = (a-b)/\sqrt2` and :math:`z = \sqrt2 c` independent standard normals, both
    eigenvalues :math:`(a+b)/2 \pm \sqrt{((a-b)/2)^2 + c^2}` are positive iff
    :math:`u > \sqrt{w^2 + z^2}`; :math:`w^2 + z^2` is exponential with mean 2, so

    .. math:: P = \int_0^\infty \varphi(u)\,(1 - e^{-u^2/2})\,du
              = \tfrac12 - \tfrac{1}{2\sqrt2} = \frac{2 - \sqrt2}{4} \approx 0.1464 .
    """
    n = check_positive_int("n", n)
    if n > 2:
        raise ValueError(f"n must be 1 or 2 (the sizes with a closed form here), got {n}; "
                         f"use goe_positive_definite_fraction for larger n")
    return 0.5 if n == 1 else (2.0 - math.sqrt(2.0)) / 4.0


def goe_positive_definite_law(n):
    r"""Dean and Majumdar's large-n law for the probability that an n × n GOE matrix is
    positive definite, :math:`\exp(-\theta n^2)` with :math:`\theta = \ln 3/4 \approx 0.2747`
    (Dean & Majumdar 2006, 2008). It is the leading term only: ln P / n² tends to −θ, but
    at small n the law overestimates P by a factor that grows slowly with n. Broadcasts."""
    n = check_real_array("n", n, low=0.0)
    value = np.exp(-GOE_THETA * n * n)
    return float(value) if np.ndim(value) == 0 else value


class FractionEstimate(NamedTuple):
    """A Monte-Carlo fraction: ``count`` successes in ``samples`` trials."""

    n: int
    count: int
    samples: int

    @property
    def fraction(self) -> float:
        return self.count / self.samples

    @property
    def stderr(self) -> float:
        r"""The binomial standard error :math:`\sqrt{p(1-p)/N}` (0 when the count is 0:
        then use :attr:`upper_bound`)."""
        p = self.fraction
        return math.sqrt(p * (1.0 - p) / self.samples)

    @property
    def upper_bound(self) -> float | None:
        """For a count of 0, the 95% upper bound 3/N (the "rule of three"); else None."""
        return 3.0 / self.samples if self.count == 0 else None


def goe_positive_definite_fraction(n_max: int, samples: int, seed=0) -> list[FractionEstimate]:
    r"""Monte-Carlo estimates of P(an n × n GOE matrix is positive definite) for
    n = 1, ..., ``n_max``, all from ``samples`` matrices of size ``n_max`` (seeded).

    The leading k × k block of a GOE matrix is a GOE matrix of size k, and a symmetric
    matrix is positive definite iff all its Cholesky pivots are positive (Sylvester). So
    each matrix is built row by row: given the Cholesky factor :math:`L` of the leading
    block, a new row :math:`(b^\top, h)` has the pivot :math:`h - |L^{-1}b|^2`. A matrix
    whose pivot is not positive fails for every larger k, so its later rows are never
    drawn; the cost falls with the survivors. Returns one :class:`FractionEstimate` per n
    (the estimates share matrices, so they are correlated across n).
    """
    n_max = check_positive_int("n_max", n_max)
    samples = check_positive_int("samples", samples)
    rng = np.random.default_rng(seed)
    L = np.zeros((samples, 0, 0))
    counts = []
    for k in range(1, n_max + 1):
        alive = len(L)
        h = rng.standard_normal(alive)                       # the new diagonal entry, var 1
        b = rng.standard_normal((alive, k - 1)) * math.sqrt(0.5)   # off-diagonal, var 1/2
        y = np.linalg.solve(L, b[..., None])[..., 0] if k > 1 else b
        pivot = h - np.sum(y * y, axis=1)
        keep = pivot > 0
        grown = np.zeros((int(keep.sum()), k, k))
        grown[:, :k - 1, :k - 1] = L[keep]
        grown[:, k - 1, :k - 1] = y[keep]
        grown[:, k - 1, k - 1] = np.sqrt(pivot[keep])
        L = grown
        counts.append(len(L))
    return [FractionEstimate(n, count, samples) for n, count in enumerate(counts, start=1)]
