r"""SGD with noisy gradients in closed form: the stationary spread of a constant learning
rate, the exact mean-square error of any schedule on a quadratic, the Robbins–Monro sums,
the :math:`1/t` rate, and RAdam's variance analysis of Adam's first steps.

The model throughout is SGD on a quadratic with additive gradient noise,

.. math:: x_{t} = x_{t-1} - \alpha_t\,(A(x_{t-1} - x^*) + \sigma\xi_t), \qquad
          \xi_t \sim N(0, I) \text{ independent},

whose error :math:`e = x - x^*` splits, in the eigenbasis of :math:`A`, into independent
1-D recursions :math:`e_t = (1 - \alpha_t\lambda)e_{t-1} - \alpha_t\sigma\xi_t`, one per
curvature :math:`\lambda` (an orthogonal change of basis keeps the noise isotropic). The
noise is independent of :math:`e_{t-1}`, so squaring and taking expectations is exact:

.. math:: \mathbb E[e_t^2] = (1 - \alpha_t\lambda)^2\,\mathbb E[e_{t-1}^2] + \alpha_t^2\sigma^2 .

References: Robbins & Monro (1951), *A stochastic approximation method*; Bottou, Curtis &
Nocedal (2018), *Optimization methods for large-scale machine learning*, SIAM Review, §4;
Liu et al. (2020), *On the variance of the adaptive learning rate and beyond*, ICLR.
"""

from __future__ import annotations

import numpy as np
from scipy.special import polygamma

from ..validation import (check_finite_array, check_in_range, check_real_array, check_steps,
                          plain)

__all__ = ["sgd_stationary_variance", "sgd_mean_square_error", "sgd_expected_gap",
           "robbins_monro_sums", "inverse_time_asymptote", "inverse_time_slope",
           "radam_rho", "radam_log_step_spread", "radam_rectification",
           "radam_first_rectified_step"]


# -- a constant learning rate: the stationary spread ------------------------------------------
def sgd_stationary_variance(lr, curvature: float, sigma: float):
    r"""The variance SGD settles at on the 1-D quadratic :math:`\tfrac\lambda2 x^2` with
    gradient noise :math:`\sigma\xi`, :math:`\xi \sim N(0, 1)`, and a constant rate ``lr``:

    .. math:: \operatorname{Var}_\infty = \frac{\alpha\sigma^2}{\lambda(2 - \alpha\lambda)}
              \;\approx\; \frac{\alpha\sigma^2}{2\lambda} \text{ for } \alpha\lambda \ll 1 .

    *Derivation.* The variance recursion (module docstring) with a constant :math:`\alpha`
    has the fixed point :math:`v = (1-\alpha\lambda)^2 v + \alpha^2\sigma^2`, so
    :math:`v\,(1 - (1-\alpha\lambda)^2) = v\,\alpha\lambda(2-\alpha\lambda) = \alpha^2\sigma^2`.
    It exists, and attracts, for :math:`0 < \alpha\lambda < 2` (the stability range of
    gradient descent); the mean :math:`(1-\alpha\lambda)^t e_0` decays to 0 in the same
    range. The expected loss above the minimum is :math:`\tfrac\lambda2 v =
    \alpha\sigma^2/(2(2-\alpha\lambda))`. Broadcasts over ``lr``.
    """
    curvature = check_in_range("curvature", curvature, 0.0, low_open=True)
    sigma = check_in_range("sigma", sigma, 0.0)
    lr = check_real_array("lr", lr)
    outside = (np.asarray(lr) <= 0) | (np.asarray(lr) * curvature >= 2)
    if np.any(outside):
        bad = np.asarray(lr)[outside].ravel()[0]
        raise ValueError(f"lr must be in (0, 2/curvature) = (0, {2 / curvature:g}) for a "
                         f"stationary spread to exist, got {bad:g}")
    return plain(lr * sigma ** 2 / (curvature * (2.0 - lr * curvature)))


# -- any schedule: the exact mean-square error ------------------------------------------------
def _rates(lrs) -> np.ndarray:
    lrs = check_finite_array("lrs", lrs, ndim=1)
    if len(lrs) == 0 or np.any(lrs < 0):
        raise ValueError(f"lrs must hold the rates α_1, ..., α_T, T >= 1, each >= 0, got "
                         f"{len(lrs)} rates" + (f" with min {lrs.min():g}" if len(lrs) else ""))
    return lrs


def sgd_mean_square_error(lrs, curvature, sigma: float, error0):
    r""":math:`\mathbb E[e_t^2]` for :math:`t = 0, 1, \dots, T`: SGD with the rates
    ``lrs`` :math:`= (\alpha_1, \dots, \alpha_T)` on the 1-D quadratic of curvature
    :math:`\lambda`, gradient noise :math:`\sigma\xi_t`, started at the error
    :math:`e_0` = ``error0`` (a fixed number, so :math:`\mathbb E[e_0^2] = e_0^2`).

    Exact for any schedule, by the recursion of the module docstring,
    :math:`\mathbb E[e_t^2] = (1-\alpha_t\lambda)^2\,\mathbb E[e_{t-1}^2] + \alpha_t^2\sigma^2`.
    It is the sum of a *bias* part, :math:`e_0^2\prod_k(1-\alpha_k\lambda)^2` (``sigma=0``:
    full-batch gradient descent), and a *noise* part (``error0=0``). ``curvature`` and
    ``error0`` may be arrays of the same shape (one entry per eigen-direction); the result
    then has shape ``(T + 1,) + curvature.shape``.
    """
    lrs = _rates(lrs)
    curvature = check_real_array("curvature", curvature, low=0.0)
    error0 = check_real_array("error0", error0)
    sigma = check_in_range("sigma", sigma, 0.0)
    if np.shape(error0) != np.shape(curvature):
        raise ValueError(f"error0 must have the shape of curvature, {np.shape(curvature)}, "
                         f"got {np.shape(error0)}")
    out = np.empty((len(lrs) + 1,) + np.shape(curvature))
    out[0] = np.square(error0)
    for t, lr in enumerate(lrs, start=1):
        out[t] = (1.0 - lr * curvature) ** 2 * out[t - 1] + (lr * sigma) ** 2
    return out


def sgd_expected_gap(lrs, hessian, sigma: float, error0) -> np.ndarray:
    r""":math:`\mathbb E[f(x_t) - f^*]`, :math:`t = 0..T`, for SGD with the rates ``lrs`` on
    :math:`f = \tfrac12 (x-x^*)^\top A (x-x^*) + f^*` (``hessian`` :math:`A`, symmetric
    positive semi-definite) with gradient noise :math:`\sigma\xi`, :math:`\xi \sim N(0, I)`,
    from :math:`x_0 = x^* +` ``error0``.

    In the eigenbasis :math:`A = Q\,\mathrm{diag}(\lambda)\,Q^\top` the error is
    :math:`Q^\top e`, each coordinate follows :func:`sgd_mean_square_error`, and
    :math:`\mathbb E[f - f^*] = \sum_i \tfrac{\lambda_i}2\,\mathbb E[(Q^\top e)_i^2]`.
    """
    A = check_finite_array("hessian", hessian, ndim=2)
    if A.shape[0] != A.shape[1] or not np.allclose(A, A.T):
        raise ValueError(f"hessian must be a symmetric square matrix, got shape {A.shape}")
    error0 = check_finite_array("error0", error0, ndim=1)
    if error0.shape != (A.shape[0],):
        raise ValueError(f"error0 must have shape ({A.shape[0]},), got {error0.shape}")
    curvatures, Q = np.linalg.eigh(A)
    if curvatures[0] < -1e-12 * max(1.0, abs(curvatures[-1])):
        raise ValueError(f"hessian must be positive semi-definite, its smallest eigenvalue "
                         f"is {curvatures[0]:g}")
    curvatures = np.maximum(curvatures, 0.0)
    mse = sgd_mean_square_error(lrs, curvatures, sigma, Q.T @ error0)
    return 0.5 * mse @ curvatures


# -- decaying rates: Robbins–Monro and the 1/t rate -------------------------------------------
def robbins_monro_sums(lrs) -> tuple[np.ndarray, np.ndarray]:
    r"""The partial sums :math:`\sum_{k\le t}\alpha_k` and :math:`\sum_{k\le t}\alpha_k^2`,
    :math:`t = 1..T`, of the rates ``lrs``.

    Robbins and Monro's conditions ask the first to grow without bound (the iterate can
    still travel any distance: :math:`\prod_k(1-\alpha_k\lambda) \to 0` exactly when
    :math:`\sum_k \alpha_k = \infty`) and the second to stay bounded (the noise added,
    :math:`\sum_k\alpha_k^2\sigma^2`, is finite). On a finite horizon the sums only hint at
    the limits: compare their growth between two horizons.
    """
    lrs = _rates(lrs)
    return np.cumsum(lrs), np.cumsum(lrs * lrs)


def _inverse_time_args(a, curvature):
    a = check_in_range("a", a, 0.0, low_open=True)
    curvature = check_in_range("curvature", curvature, 0.0, low_open=True)
    return a, curvature


def inverse_time_asymptote(a: float, curvature: float, sigma: float, t):
    r"""The mean-square error :math:`\mathbb E[e_t^2] \approx a^2\sigma^2/((2a\lambda - 1)\,t)`
    of SGD with :math:`\alpha_t = a/t` on the noisy 1-D quadratic, for large ``t``, when
    :math:`a\lambda > 1/2`.

    *Derivation.* Put :math:`v_t = C/t` into
    :math:`v_t = (1 - a\lambda/t)^2 v_{t-1} + a^2\sigma^2/t^2` and keep the terms of order
    :math:`1/t^2`: :math:`0 = C - 2a\lambda C + a^2\sigma^2`. The bias part decays like
    :math:`\prod_k (1 - a\lambda/k)^2 \sim t^{-2a\lambda}`, faster than :math:`1/t` exactly
    when :math:`a\lambda > 1/2`; otherwise it dominates (:func:`inverse_time_slope`).
    Broadcasts over ``t``.
    """
    a, curvature = _inverse_time_args(a, curvature)
    sigma = check_in_range("sigma", sigma, 0.0)
    if a * curvature <= 0.5:
        raise ValueError(f"a * curvature must be > 1/2 for the 1/t rate, got "
                         f"{a * curvature:g} (a = {a:g}, curvature = {curvature:g}); below it "
                         f"the error decays like t^(-2 a curvature)")
    t = check_steps("t", t)
    return plain(a * a * sigma * sigma / ((2.0 * a * curvature - 1.0) * t))


def inverse_time_slope(a: float, curvature: float) -> float:
    r"""The slope of :math:`\log\mathbb E[e_t^2]` against :math:`\log t` for
    :math:`\alpha_t = a/t` on a noisy quadratic: :math:`-\min(1, 2a\lambda)`.

    With :math:`a\lambda > 1/2` the noise sets the pace, :math:`1/t`
    (:func:`inverse_time_asymptote`); below, the rates shrink too fast for the start to be
    forgotten in time, and the bias :math:`t^{-2a\lambda}` sets it (at exactly 1/2 the error
    is :math:`\propto \log t / t`, slope -1 up to the logarithm).
    """
    a, curvature = _inverse_time_args(a, curvature)
    return -min(1.0, 2.0 * a * curvature)


# -- Adam's first steps: RAdam's variance analysis ---------------------------------------------
def _beta2(beta2):
    return check_in_range("beta2", beta2, 0.0, 1.0, low_open=True, high_open=True)


def radam_rho(beta2: float, t=None):
    r"""RAdam's length of the approximating simple moving average,
    :math:`\rho_t = \rho_\infty - 2t\beta_2^t/(1-\beta_2^t)`, with
    :math:`\rho_\infty = 2/(1-\beta_2) - 1` (``t=None`` gives :math:`\rho_\infty`).

    Liu et al. approximate Adam's bias-corrected :math:`\hat v_t` by a plain average of
    :math:`\rho_t` squared gradients; for gradients :math:`N(0, \sigma^2)` the adaptive step
    :math:`\psi_t = 1/\sqrt{\hat v_t}` is then a scaled inverse-:math:`\chi` variable with
    :math:`\rho_t` degrees of freedom, whose variance shrinks as :math:`\rho_t` grows.
    :math:`\rho_1 = 1` and :math:`\rho_t \approx t` for :math:`t \ll 1/(1-\beta_2)`.
    Broadcasts over ``t``.
    """
    beta2 = _beta2(beta2)
    rho_inf = 2.0 / (1.0 - beta2) - 1.0
    if t is None:
        return rho_inf
    t = check_steps("t", t)
    power = beta2 ** t
    return plain(rho_inf - 2.0 * t * power / (1.0 - power))


def radam_log_step_spread(beta2: float, t):
    r"""The standard deviation of :math:`\log\psi_t`, Adam's adaptive step
    :math:`\psi_t = 1/\sqrt{\hat v_t}` for gradients :math:`N(0, \sigma^2)`, in RAdam's
    approximation: :math:`\hat v_t \approx \sigma^2\chi^2_{\rho_t}/\rho_t`, so

    .. math:: \operatorname{sd}[\log\psi_t] = \tfrac12\sqrt{\operatorname{trigamma}(\rho_t/2)},

    with the trigamma function :math:`\operatorname{trigamma}(x) = \sum_{k\ge0}(x+k)^{-2}`
    (``scipy.special.polygamma(1, x)``)
    (:math:`\operatorname{Var}[\log\chi^2_\nu] = \operatorname{trigamma}(\nu/2)`). Exact at
    :math:`t = 1` (:math:`\rho_1 = 1`, :math:`\hat v_1 = g_1^2`):
    :math:`\pi/(2\sqrt2) \approx 1.11`. Unlike the variance of :math:`\psi_t` itself, which
    is infinite at :math:`t = 1` and :math:`2` (:math:`\mathbb E[1/\hat v_t]` diverges
    when fewer than three squared Gaussians are averaged), the spread of the logarithm is
    finite at every step, and tends to :math:`\approx 1/\sqrt{2\rho_\infty}`. Broadcasts
    over ``t``.
    """
    return plain(0.5 * np.sqrt(polygamma(1, np.asarray(radam_rho(beta2, t)) / 2.0)))


def radam_rectification(beta2: float, t, threshold: float = 4.0):
    r"""RAdam's rectification term, where :math:`\rho_t >` ``threshold``; NaN before:

    .. math:: r_t = \sqrt{\frac{(\rho_t - 4)(\rho_t - 2)\,\rho_\infty}
                              {(\rho_\infty - 4)(\rho_\infty - 2)\,\rho_t}} .

    It is Liu et al.'s :math:`\sqrt{\operatorname{Var}[\psi_\infty]/\operatorname{Var}[\psi_t]}`
    in their first-order approximation :math:`\operatorname{Var}[\psi_t] \propto
    \rho_t/((\rho_t-2)(\rho_t-4))`, finite only for :math:`\rho_t > 4`: RAdam multiplies
    Adam's step by :math:`r_t` once the variance is tractable and takes un-adapted
    (momentum SGD) steps before. The paper switches on at ``threshold=4``,
    ``torch.optim.RAdam`` at 5. :math:`r_t < 1` rises to 1, a warm-up derived from
    :math:`\beta_2`. Broadcasts over ``t``.
    """
    rho_inf = radam_rho(beta2)
    threshold = check_in_range("threshold", threshold, 4.0)
    rho = np.asarray(radam_rho(beta2, t), dtype=float)
    on = rho > threshold
    safe = np.where(on, rho, 5.0)
    r = np.sqrt((safe - 4.0) * (safe - 2.0) * rho_inf
                / ((rho_inf - 4.0) * (rho_inf - 2.0) * safe))
    return plain(np.where(on, r, np.nan))


def radam_first_rectified_step(beta2: float, threshold: float = 4.0) -> int:
    r"""The first step :math:`t` with :math:`\rho_t >` ``threshold``, from which on RAdam
    rectifies (``threshold`` 4 as in the paper, 5 as in ``torch.optim.RAdam``). It exists
    only when :math:`\rho_\infty >` ``threshold``; :math:`\rho_t` increases with :math:`t`."""
    rho_inf = radam_rho(beta2)
    threshold = check_in_range("threshold", threshold, 4.0)
    if rho_inf <= threshold:
        raise ValueError(f"beta2 must give rho_inf = 2/(1 - beta2) - 1 > threshold = "
                         f"{threshold:g}, got rho_inf = {rho_inf:g} for beta2 = {beta2:g}")
    t = 1
    while radam_rho(beta2, t) <= threshold:
        t += 1
    return t
