r"""Adaptive methods in closed form (chapters 5 to 7): the step sizes of AdaGrad, RMSProp
and AdaDelta on a constant slope, the two placements of :math:`\epsilon`, Adam's step bound,
and what bias correction changes.
"""

from __future__ import annotations

import numpy as np

from ..validation import check_in_range, check_positive_int, check_real_array, check_steps, plain

__all__ = ["adagrad_constant_gradient_step", "adagrad_travel_bound",
           "rmsprop_constant_gradient_step", "adadelta_first_step", "adadelta_slope_step",
           "eps_placement_ratio", "effective_learning_rates", "adam_sparse_step_ratio",
           "adam_step_ratio_bound", "adam_worst_case_gradients", "steps_until_unbiased",
           "adam_uncorrected_step_ratio", "ewma_noise_variance"]

# -- per-coordinate step sizes: AdaGrad, RMSProp, AdaDelta -------------------------------------
# AdaGrad, RMSProp and AdaDelta fed the same gradient g every step (a "constant slope"), the
# travel bound that makes AdaGrad stall, the two placements of eps, and the effective
# learning rate of a run, measured.

def adagrad_constant_gradient_step(lr: float, t, g: float = 1.0, eps: float = 0.0):
    r"""The size of AdaGrad's step number ``t`` when every gradient so far was ``g``:

    .. math:: s_t = t g^2, \qquad |\Delta\theta_t| = \frac{\alpha |g|}{\sqrt t\,|g| + \epsilon}
              \;\xrightarrow{\ \epsilon \to 0\ }\; \frac{\alpha}{\sqrt t}.

    Without :math:`\epsilon` the size of the gradient cancels: the step shrinks like
    :math:`1/\sqrt t` on any constant slope, gentle or steep. Broadcasts over ``t``.
    """
    lr = check_in_range("lr", lr, 0.0)
    g = abs(check_in_range("g", g, -np.inf))
    eps = check_in_range("eps", eps, 0.0)
    t = check_steps("t", t)
    denominator = np.sqrt(t) * g + eps
    if np.any(denominator == 0):
        raise ValueError("g and eps must not both be 0 (the step would be 0/0)")
    return plain(lr * g / denominator)


def adagrad_travel_bound(lr: float, t):
    r"""The farthest one coordinate of AdaGrad (:math:`\epsilon = 0`) can move in ``t`` steps
    while the size of its gradient never grows:

    .. math:: \sum_{k=1}^{t} |\Delta\theta_k| \le \alpha \sum_{k=1}^{t} \frac{1}{\sqrt k}
              \le \alpha\,(2\sqrt t - 1).

    If :math:`|g_k|` does not increase then :math:`s_k = \sum_{j \le k} g_j^2 \ge k g_k^2`, so
    :math:`|\Delta\theta_k| = \alpha|g_k|/\sqrt{s_k} \le \alpha/\sqrt k`; the sum is at most
    :math:`1 + \int_1^t x^{-1/2}dx`. Sliding down one side of a convex bowl is such a case:
    to cover a distance :math:`D` AdaGrad needs at least :math:`((D/\alpha + 1)/2)^2` steps.
    Broadcasts over ``t``.
    """
    lr = check_in_range("lr", lr, 0.0)
    t = check_steps("t", t)
    return plain(lr * (2.0 * np.sqrt(t) - 1.0))


def rmsprop_constant_gradient_step(lr: float, beta: float, t, g: float = 1.0,
                                   eps: float = 0.0, eps_inside: bool = False):
    r"""The size of RMSProp's step number ``t`` (started at :math:`s_0 = 0`) when every
    gradient so far was ``g``:

    .. math:: s_t = (1-\beta^t)\,g^2, \qquad
              |\Delta\theta_t| = \frac{\alpha|g|}{\sqrt{s_t} + \epsilon}
              \ \Big(\text{or } \frac{\alpha|g|}{\sqrt{s_t + \epsilon}}
              \text{ with } \epsilon \text{ inside}\Big).

    With :math:`\epsilon = 0` it is :math:`\alpha/\sqrt{1-\beta^t}`: :math:`\alpha/\sqrt{1-\beta}`
    at the first step (3.2α for β = 0.9, 10α for β = 0.99), then down to :math:`\alpha`.
    Unlike AdaGrad's, the step does not shrink to nothing. Broadcasts over ``t``.
    """
    lr = check_in_range("lr", lr, 0.0)
    beta = check_in_range("beta", beta, 0.0, 1.0, high_open=True)
    g = abs(check_in_range("g", g, -np.inf))
    eps = check_in_range("eps", eps, 0.0)
    t = check_steps("t", t)
    s = (1.0 - beta ** t) * g * g
    denominator = np.sqrt(s + eps) if eps_inside else np.sqrt(s) + eps
    if np.any(denominator == 0):
        raise ValueError("g and eps must not both be 0 (the step would be 0/0)")
    return plain(lr * g / denominator)


def adadelta_first_step(g, rho: float, eps: float, lr: float = 1.0):
    r"""The size of AdaDelta's first step (from :math:`s_0 = u_0 = 0`) for a gradient ``g``:

    .. math:: |\Delta\theta_1| = \alpha\,\frac{\sqrt{\epsilon}\,|g|}{\sqrt{(1-\rho)g^2 + \epsilon}}
              \;\approx\; \alpha\sqrt{\frac{\epsilon}{1-\rho}} \quad (g^2 \gg \epsilon).

    For any gradient that is not tiny the first step is fixed by :math:`\epsilon` and
    :math:`\rho` alone, whatever the scale of the problem. Broadcasts over ``g``.
    """
    g = np.abs(check_real_array("g", g))
    rho = check_in_range("rho", rho, 0.0, 1.0, high_open=True)
    eps = check_in_range("eps", eps, 0.0, low_open=True)
    lr = check_in_range("lr", lr, 0.0)
    return plain(lr * np.sqrt(eps) * g / np.sqrt((1.0 - rho) * g * g + eps))


def adadelta_slope_step(t, rho: float, eps: float, lr: float = 1.0):
    r"""How large AdaDelta's steps become on a long constant slope (gradient :math:`g`,
    :math:`g^2 \gg \epsilon`): about

    .. math:: |\Delta\theta_t| \approx \alpha\sqrt{(1-\rho)\,\epsilon\, t} \qquad (t \gg 1/(1-\rho)).

    Once :math:`s \approx g^2` the step is :math:`\sqrt{u_{t-1}+\epsilon}`, so
    :math:`u_t = \rho u_{t-1} + (1-\rho)(u_{t-1}+\epsilon) = u_{t-1} + (1-\rho)\epsilon`:
    the accumulated squared step grows by :math:`(1-\rho)\epsilon` per step, whatever the
    slope. To reach steps of size :math:`D` takes about :math:`D^2/((1-\rho)\epsilon)` steps.
    Broadcasts over ``t``.
    """
    t = check_steps("t", t)
    rho = check_in_range("rho", rho, 0.0, 1.0, high_open=True)
    eps = check_in_range("eps", eps, 0.0, low_open=True)
    lr = check_in_range("lr", lr, 0.0)
    return plain(lr * np.sqrt((1.0 - rho) * eps * t))


def eps_placement_ratio(s, eps: float):
    r"""How much larger the step is with :math:`\epsilon` outside the root (PyTorch, the Adam
    paper) than inside it (Keras, Andrew Ng's course), for the same running average ``s``:

    .. math:: \frac{g/(\sqrt s + \epsilon)}{g/\sqrt{s + \epsilon}}
              = \frac{\sqrt{s + \epsilon}}{\sqrt s + \epsilon}.

    Close to 1 while :math:`s \gg \epsilon` (just below 1 once :math:`2\sqrt s > 1-\epsilon`);
    :math:`\sqrt2/(1+\sqrt\epsilon) \approx \sqrt2` at :math:`s = \epsilon`; about
    :math:`1/\sqrt\epsilon` when :math:`s \ll \epsilon^2`. For small gradients an
    :math:`\epsilon` inside damps like :math:`\sqrt\epsilon` outside would. Broadcasts
    over ``s``.
    """
    s = check_real_array("s", s, low=0.0)
    eps = check_in_range("eps", eps, 0.0, low_open=True)
    return plain(np.sqrt(s + eps) / (np.sqrt(s) + eps))


def effective_learning_rates(traj, f) -> np.ndarray:
    r"""The per-coordinate learning rate a run really used, measured:
    :math:`\alpha_{t,i} = -\Delta\theta_{t,i} / g_{t,i}` for every step ``t`` and coordinate
    ``i``, shape ``(steps, d)``.

    For AdaGrad and RMSProp it equals :math:`\alpha/(\sqrt{s_{t,i}} + \epsilon)`, for AdaDelta
    :math:`\alpha\sqrt{u_{t-1,i}+\epsilon}/\sqrt{s_{t,i}+\epsilon}`, for plain gradient descent
    the constant :math:`\alpha`. Gradients are recomputed with ``f.grad`` at the stored points,
    so ``f`` must be the deterministic function the run used (not a noisy one). Where a
    gradient is exactly 0 the rate is undefined: NaN.
    """
    xs = np.asarray(traj.xs, dtype=float)
    if xs.ndim != 2 or len(xs) < 2:
        raise ValueError(f"traj must hold at least one step (xs of shape (n+1, d), n >= 1), "
                         f"got xs of shape {xs.shape}")
    grads = np.array([f.grad(x) for x in xs[:-1]])
    steps = np.diff(xs, axis=0)
    with np.errstate(divide="ignore", invalid="ignore"):
        rates = np.where(grads != 0.0, -steps / np.where(grads != 0.0, grads, 1.0), np.nan)
    return rates



# -- Adam's step size ---------------------------------------------------------------------------
# With eps = 0, Adam's step in one coordinate is lr * r_t, r_t = m_hat_t / sqrt(v_hat_t), and
# both averages are weighted sums of the same history: at age k = 0, 1, ..., t-1
#     m_hat_t = sum_k a_k g_{t-k},  a_k = (1 - beta1) beta1^k / (1 - beta1^t),
#     v_hat_t = sum_k b_k g_{t-k}^2, b_k = (1 - beta2) beta2^k / (1 - beta2^t).
# Cauchy-Schwarz: |sum a_k g| <= sqrt(sum a_k^2 / b_k) * sqrt(sum b_k g^2), with equality
# for g_{t-k} proportional to a_k / b_k, i.e. to (beta1 / beta2)^k.

def _adam_decay_rates(beta1, beta2):
    beta1 = check_in_range("beta1", beta1, 0.0, 1.0, high_open=True)
    beta2 = check_in_range("beta2", beta2, 0.0, 1.0, low_open=True, high_open=True)
    return beta1, beta2


def _adam_steps(t):
    """``t`` as a float array of whole steps >= 1 (``None`` stays ``None``: the limit)."""
    return None if t is None else check_steps("t", t)


def adam_sparse_step_ratio(beta1: float = 0.9, beta2: float = 0.999, t=None):
    r"""Adam's step, in units of :math:`\alpha`, when every gradient so far was zero except the
    current one (:math:`\epsilon = 0`):

    .. math:: \frac{|\hat m_t|}{\sqrt{\hat v_t}} = \frac{1-\beta_1}{1-\beta_1^t}
              \sqrt{\frac{1-\beta_2^t}{1-\beta_2}}
              \;\xrightarrow{t\to\infty}\; \frac{1-\beta_1}{\sqrt{1-\beta_2}} .

    The limit is the bound Kingma & Ba give for "the most severe case of sparsity"
    (:math:`\approx 3.16` with the defaults). ``t=None`` returns the limit; ``t`` broadcasts.
    """
    beta1, beta2 = _adam_decay_rates(beta1, beta2)
    t = _adam_steps(t)
    if t is None:
        return (1.0 - beta1) / np.sqrt(1.0 - beta2)
    ratio = (1.0 - beta1) / (1.0 - beta1 ** t) * np.sqrt((1.0 - beta2 ** t) / (1.0 - beta2))
    return plain(ratio)


def adam_step_ratio_bound(beta1: float = 0.9, beta2: float = 0.999, t=None):
    r"""The largest possible :math:`|\hat m_t|/\sqrt{\hat v_t}` over *all* gradient histories
    :math:`g_1, \dots, g_t` (:math:`\epsilon = 0`): Adam's largest step is this times
    :math:`\alpha`.

    By Cauchy–Schwarz on the two weighted sums, with :math:`q = \beta_1^2/\beta_2`,

    .. math:: R_t = \frac{1-\beta_1}{1-\beta_1^t}\sqrt{\frac{1-\beta_2^t}{1-\beta_2}}
              \sqrt{\sum_{k=0}^{t-1} q^k}
              \;\xrightarrow{t\to\infty}\; \frac{1-\beta_1}{\sqrt{(1-\beta_2)(1-q)}}
              \quad (q < 1),

    reached by gradients growing by :math:`\beta_2/\beta_1` per step (see
    :func:`adam_worst_case_gradients`). :math:`R_1 = 1`; with :math:`\beta_1 = \beta_2`,
    :math:`R_t = 1` for all t; with the defaults :math:`R_\infty \approx 7.27`. If
    :math:`q \ge 1` the limit is infinite. ``t=None`` returns the limit; ``t`` broadcasts.
    """
    beta1, beta2 = _adam_decay_rates(beta1, beta2)
    q = beta1 * beta1 / beta2
    t = _adam_steps(t)
    if t is None:
        if q >= 1.0:
            return float("inf")
        return float((1.0 - beta1) / np.sqrt((1.0 - beta2) * (1.0 - q)))
    geometric = t if q == 1.0 else (1.0 - q ** t) / (1.0 - q)
    ratio = adam_sparse_step_ratio(beta1, beta2, t) * np.sqrt(geometric)
    return plain(ratio)


def adam_worst_case_gradients(beta1: float, beta2: float, t: int) -> np.ndarray:
    r"""A gradient history :math:`g_1, \dots, g_t` whose step :math:`t` is as large as Adam
    allows (:func:`adam_step_ratio_bound`): :math:`g_i = (\beta_1/\beta_2)^{t-i}`, the newest
    gradient 1 and each older one smaller by the factor :math:`\beta_1/\beta_2`."""
    beta1, beta2 = _adam_decay_rates(beta1, beta2)
    t = check_positive_int("t", t)
    return (beta1 / beta2) ** np.arange(t - 1, -1, -1, dtype=float)



# -- bias correction ----------------------------------------------------------------------------
# A zero-started EWMA m_t = (1 - beta) * sum_{i<=t} beta^(t-i) g_i has weights that sum to
# 1 - beta^t, so E[m_t] = (1 - beta^t) E[g] for stationary g; m_t / (1 - beta^t) is unbiased.

def steps_until_unbiased(beta: float, tol: float = 0.01) -> int:
    r"""The first step :math:`t` at which the bias-correction factor
    :math:`1/(1-\beta^t)` is within ``tol`` of 1, i.e. at most :math:`1+\text{tol}`.

    .. math:: \frac{1}{1-\beta^t} \le 1 + \text{tol} \iff
              \beta^t \le \frac{\text{tol}}{1+\text{tol}} \iff
              t \ge \frac{\ln(\text{tol}/(1+\text{tol}))}{\ln\beta}.

    For ``tol = 0.01``: 44 steps for :math:`\beta = 0.9`, 460 for 0.99, 4613 for 0.999.
    ``beta = 0`` needs no correction: 1.
    """
    beta = check_in_range("beta", beta, 0.0, 1.0, high_open=True)
    tol = check_in_range("tol", tol, 0.0, low_open=True)
    if beta == 0.0:
        return 1
    target = tol / (1.0 + tol)
    t = max(1, int(np.ceil(np.log(target) / np.log(beta))))
    while t > 1 and beta ** (t - 1) <= target:   # guard the ceiling against rounding
        t -= 1
    while beta ** t > target:
        t += 1
    return t


def adam_uncorrected_step_ratio(beta1: float, beta2: float, t, uncorrected: str = "both"):
    r"""How much larger Adam's step is without bias correction than with it, at step ``t``
    from the same averages :math:`m_t, v_t` (and :math:`\epsilon = 0`):

    .. math:: \frac{\alpha\, m_t/\sqrt{v_t}}{\alpha\, \hat m_t/\sqrt{\hat v_t}}
              = \frac{1-\beta_1^t}{\sqrt{1-\beta_2^t}} .

    It does not depend on the gradients. With :math:`\beta_1 = 0.9, \beta_2 = 0.999` it is
    :math:`0.1/\sqrt{0.001} \approx 3.16` at :math:`t = 1` and peaks near 6.57 at
    :math:`t = 12`. ``uncorrected="m"`` skips only the correction of :math:`m` (ratio
    :math:`1-\beta_1^t`, too small); ``uncorrected="v"`` only that of :math:`v` (ratio
    :math:`1/\sqrt{1-\beta_2^t}`, too large). ``t`` may be an array of steps.
    """
    beta1 = check_in_range("beta1", beta1, 0.0, 1.0, high_open=True)
    beta2 = check_in_range("beta2", beta2, 0.0, 1.0, high_open=True)
    if uncorrected not in ("both", "m", "v"):
        raise ValueError(f"uncorrected must be one of 'both', 'm', 'v'; got {uncorrected!r}")
    t = check_steps("t", t)
    m_bias = 1.0 - beta1 ** t
    v_bias = 1.0 - beta2 ** t
    ratio = {"both": m_bias / np.sqrt(v_bias), "m": m_bias, "v": 1.0 / np.sqrt(v_bias)}
    return plain(ratio[uncorrected])


def ewma_noise_variance(beta: float, t, kind: str = "corrected"):
    r"""The variance of an EWMA of independent points of variance :math:`\sigma^2`, at step
    ``t``, in units of :math:`\sigma^2`: :math:`\sum_i w_i^2` for the weights :math:`w_i` it
    puts on the points.

    ``kind="raw"`` (started at 0): :math:`\frac{1-\beta}{1+\beta}(1-\beta^{2t})`;
    ``kind="corrected"`` (started at 0, divided by :math:`1-\beta^t`):
    :math:`\frac{1-\beta}{1+\beta}\cdot\frac{1+\beta^t}{1-\beta^t}`;
    ``kind="first"`` (started at the first point, :math:`V_1 = \theta_1`):
    :math:`\beta^{2(t-1)} + \frac{1-\beta}{1+\beta}(1-\beta^{2(t-1)})`.
    All tend to :math:`(1-\beta)/(1+\beta)`. ``t`` may be an array of steps.
    """
    beta = check_in_range("beta", beta, 0.0, 1.0, high_open=True)
    if kind not in ("raw", "corrected", "first"):
        raise ValueError(f"kind must be one of 'raw', 'corrected', 'first'; got {kind!r}")
    t = check_steps("t", t)
    floor = (1.0 - beta) / (1.0 + beta)
    if kind == "raw":
        value = floor * (1.0 - beta ** (2 * t))
    elif kind == "corrected":
        value = floor * (1.0 + beta ** t) / (1.0 - beta ** t) if beta > 0 else np.ones_like(t)
    else:
        value = beta ** (2 * (t - 1)) + floor * (1.0 - beta ** (2 * (t - 1)))
    return plain(value)
