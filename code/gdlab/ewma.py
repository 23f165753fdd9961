r"""Exponentially weighted moving averages (EWMA, 지수가중이동평균).

.. math::
    V_0 = 0, \qquad V_t = \beta V_{t-1} + (1-\beta)\,\theta_t
    \;=\; (1-\beta)\sum_{i=1}^{t} \beta^{\,t-i}\,\theta_i .

The weights :math:`(1-\beta)\beta^{t-i}` sum to :math:`1-\beta^t < 1`, so an average started
at zero is biased towards zero early on; dividing by :math:`1-\beta^t` (bias correction)
removes that. The average reaches back about :math:`1/(1-\beta)` points.
"""

from __future__ import annotations

import numpy as np

from .validation import (check_finite_array, check_flag, check_in_range, check_positive_int,
                         check_real, check_steps, plain)

__all__ = ["ewma", "ewma_weights", "effective_window", "bias_correction_factor", "window_mass",
           "weight_after_window"]


def ewma(series, beta: float, bias_correction: bool = False, initial: float = 0.0) -> np.ndarray:
    r"""The running averages :math:`V_1, \dots, V_T` of ``series`` (along axis 0).

    ``initial`` is :math:`V_0`, a finite real number. ``bias_correction=True`` (a bool)
    returns :math:`V_t / (1 - \beta^t)`; then ``initial`` must be 0, the start value the
    correction assumes.
    """
    beta = check_in_range("beta", beta, 0.0, 1.0, high_open=True)
    series = check_finite_array("series", series)
    if series.ndim == 0:
        raise ValueError("series must be at least 1-D, got a scalar")
    bias_correction = check_flag("bias_correction", bias_correction)
    initial = check_real("initial", initial)
    if bias_correction and initial != 0.0:
        raise ValueError(f"initial must be 0 with bias_correction=True, got {initial:g}")
    out = np.empty_like(series)
    v = np.full(series.shape[1:], initial)
    for t, theta in enumerate(series, start=1):
        v = beta * v + (1.0 - beta) * theta
        out[t - 1] = v / (1.0 - beta ** t) if bias_correction else v
    return out


def ewma_weights(beta: float, t: int) -> np.ndarray:
    r"""The weight :math:`(1-\beta)\beta^{t-i}` of each point :math:`\theta_i`, i = 1..t, in
    :math:`V_t`."""
    beta = check_in_range("beta", beta, 0.0, 1.0, high_open=True)
    t = check_positive_int("t", t)
    i = np.arange(1, t + 1)
    return (1.0 - beta) * beta ** (t - i)


def effective_window(beta: float) -> float:
    r"""The rule of thumb :math:`1/(1-\beta)`: how many recent points an EWMA "averages"."""
    beta = check_in_range("beta", beta, 0.0, 1.0, high_open=True)
    return 1.0 / (1.0 - beta)


def window_mass(beta: float, k: float | None = None) -> float:
    r"""Share of the total weight carried by the most recent ``k`` points, :math:`1-\beta^k`,
    for an EWMA that has run for a long time. The default ``k`` is the window
    :math:`1/(1-\beta)`; as :math:`\beta \to 1` this share tends to :math:`1 - 1/e \approx 0.632`.
    """
    beta = check_in_range("beta", beta, 0.0, 1.0, high_open=True)
    k = effective_window(beta) if k is None else check_in_range("k", k, 0.0)
    return 1.0 - beta ** k


def bias_correction_factor(beta: float, t):
    r""":math:`1/(1-\beta^t)`, the factor that un-biases a zero-started EWMA at step ``t``
    (a whole number >= 1, or an array of them: the factors of every step at once)."""
    beta = check_in_range("beta", beta, 0.0, 1.0, high_open=True)
    t = check_steps("t", t)
    return plain(1.0 / (1.0 - beta ** t) if beta > 0 else np.ones_like(t))


def weight_after_window(beta: float) -> float:
    r""":math:`\beta^{1/(1-\beta)}`: how much a point's weight has shrunk after one window.

    Writing :math:`\varepsilon = 1-\beta`, this is :math:`(1-\varepsilon)^{1/\varepsilon}`,
    which tends to :math:`1/e \approx 0.368` as :math:`\varepsilon \to 0`: after about
    :math:`1/(1-\beta)` steps a point counts about a third as much as it did.
    """
    beta = check_in_range("beta", beta, 0.0, 1.0, high_open=True)
    return beta ** effective_window(beta)
