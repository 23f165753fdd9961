r"""Closed-form results the chapters check by experiment.

Chapter 3 (momentum): gradient descent and heavy-ball on quadratics with curvatures in
:math:`[\mu, L]`: stable regions, optimal parameters, rates; measuring a rate from a run.
Chapter 4 (Nesterov): NAG's effective momentum, iteration matrix, stability and rate.
Chapter 5 (per-coordinate steps): AdaGrad's, RMSProp's and AdaDelta's step sizes; ε placement.
Chapter 6 (Adam): the step-size bound and its worst case.
Chapter 7 (bias correction): steps until unbiased, the uncorrected step ratio, EWMA noise.
"""

from __future__ import annotations

import numpy as np

from .validation import check_in_range

__all__: list[str] = []

# -- chapter 3: gradient descent and heavy-ball momentum on quadratics ------------------
# A quadratic with Hessian eigenvalues (curvatures) in [mu, L]; kappa = L / mu.
# Along the eigenvector of an eigenvalue lam, gradient descent multiplies the error by
# (1 - lr*lam) per step, and heavy-ball momentum acts on the pair (e_t, e_{t-1}) through
#     M(lam) = [[1 + beta - lr*lam, -beta],
#               [1,                  0   ]].
__all__ += ["gd_optimal_lr", "gd_rate", "heavy_ball_matrix", "heavy_ball_spectral_radius",
            "heavy_ball_stable", "heavy_ball_optimal", "heavy_ball_rate", "measured_rate"]


def _curvatures(mu, L) -> tuple[float, float]:
    """Check 0 < mu <= L (the smallest and largest curvature)."""
    mu = check_in_range("mu", mu, 0.0, low_open=True)
    L = check_in_range("L", L, 0.0, low_open=True)
    if L < mu:
        raise ValueError(f"L must be in [mu, inf) = [{mu:g}, inf), got {L:g}")
    return mu, L


def _real_array(name: str, value, low: float = -np.inf, high: float = np.inf) -> np.ndarray:
    """``value`` as a float array, every entry finite and inside [low, high]."""
    try:
        array = np.asarray(value, dtype=float)
    except (TypeError, ValueError):
        raise ValueError(f"{name} must be a real number or an array of them, "
                         f"got {value!r}") from None
    outside = ~np.isfinite(array) | (array < low) | (array > high)
    if np.any(outside):
        raise ValueError(f"{name} must be finite and in [{low:g}, {high:g}], "
                         f"got {array[outside].ravel()[0]:g}")
    return array


def _scalar_or_array(array):
    return float(array) if np.ndim(array) == 0 else array


def gd_optimal_lr(mu: float, L: float) -> float:
    r"""The learning rate that minimises gradient descent's worst-case rate on curvatures in
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
    lam = _real_array("lam", lam)
    lr = _real_array("lr", lr, low=0.0)
    beta = _real_array("beta", beta, low=0.0, high=1.0)
    b = 1.0 + beta - lr * lam
    disc = b * b - 4.0 * beta
    real = (np.abs(b) + np.sqrt(np.maximum(disc, 0.0))) / 2.0
    return _scalar_or_array(np.where(disc >= 0.0, real, np.sqrt(beta)))


def heavy_ball_stable(lam, lr, beta):
    r"""Whether heavy-ball converges along curvature :math:`\lambda`:
    :math:`0 < \alpha\lambda < 2 + 2\beta` and :math:`0 \le \beta < 1` (Jury's test on
    :math:`z^2 - bz + \beta`). Broadcasts over arrays; ``beta = 1`` is never stable."""
    lam = _real_array("lam", lam)
    lr = _real_array("lr", lr, low=0.0)
    beta = _real_array("beta", beta, low=0.0, high=1.0)
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
    return _scalar_or_array(np.maximum(heavy_ball_spectral_radius(mu, lr, beta),
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
    return _scalar_or_array(np.exp(slope))


# -- chapter 4: Nesterov ------------------------------------------------------------------
# A quadratic with curvature lam along some eigenvector. Nesterov's method (either form:
# Sutskever's theta_t or Bengio's stored point theta_t + beta*v_t) obeys along it
#     e_{t+1} = (1 - lr*lam) e_t + beta*(1 - lr*lam) (e_t - e_{t-1}),
# i.e. heavy-ball with the effective momentum beta*(1 - lr*lam), and acts on (e_t, e_{t-1}) by
#     N(lam) = [[(1 + beta)(1 - lr*lam), -beta*(1 - lr*lam)],
#               [1,                       0                ]].
__all__ += ["nesterov_effective_momentum", "nesterov_iteration_matrix",
            "nesterov_spectral_radius", "nesterov_stability_limit", "nesterov_stable",
            "nesterov_rate"]


def _nesterov_inputs(lam, lr, beta):
    """Check and broadcast (lam, lr, beta): lam finite real, lr >= 0, beta in [0, 1]."""
    checked = []
    for name, value, low, high in (("lam", lam, -np.inf, np.inf), ("lr", lr, 0.0, np.inf),
                                   ("beta", beta, 0.0, 1.0)):
        if np.ndim(value) == 0:
            checked.append(np.float64(check_in_range(name, value, low, high)))
            continue
        try:
            array = np.asarray(value, dtype=float)
        except (TypeError, ValueError):
            raise ValueError(f"{name} must be real numbers, got {value!r}") from None
        bad = ~np.isfinite(array) | (array < low) | (array > high)
        if np.any(bad):
            interval = f"[{low:g}, {high:g}]".replace("inf]", "inf)").replace("[-inf", "(-inf")
            raise ValueError(f"{name} must be in {interval}, got {array[bad].ravel()[0]:g}")
        checked.append(array)
    return checked


def _plain(array):
    return float(array) if np.ndim(array) == 0 else array


def nesterov_effective_momentum(lam, lr, beta):
    r"""The momentum Nesterov's method really applies along curvature :math:`\lambda`:
    :math:`\beta_{\text{eff}} = \beta(1-\alpha\lambda)`.

    On :math:`f = \tfrac12\lambda\theta^2` NAG is heavy-ball with this momentum,
    :math:`\theta_{t+1} = \theta_t - \alpha\lambda\theta_t + \beta_{\text{eff}}(\theta_t - \theta_{t-1})`:
    stiff directions (large :math:`\alpha\lambda`) get less momentum, or even negative
    momentum once :math:`\alpha\lambda > 1`. Broadcasts over arrays.
    """
    lam, lr, beta = _nesterov_inputs(lam, lr, beta)
    return _plain(beta * (1.0 - lr * lam))


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
    return _plain(np.where(disc >= 0.0, real, np.sqrt(np.maximum(beta * c, 0.0))))


def nesterov_stability_limit(beta):
    r"""The largest :math:`\alpha\lambda` for which Nesterov's method converges:
    :math:`(2+2\beta)/(1+2\beta)`, between 2 (:math:`\beta=0`) and 4/3 (:math:`\beta=1`).

    Heavy-ball's limit is :math:`2+2\beta`: the look-ahead buys damping with a smaller
    stable range of step sizes. Broadcasts over arrays.
    """
    _, _, beta = _nesterov_inputs(0.0, 0.0, beta)
    return _plain((2.0 + 2.0 * beta) / (1.0 + 2.0 * beta))


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
    return _plain(np.maximum(nesterov_spectral_radius(mu, lr, beta),
                             nesterov_spectral_radius(L, lr, beta)))


# -- chapter 5: per-coordinate step sizes ---------------------------------------------------
# AdaGrad, RMSProp and AdaDelta fed the same gradient g every step (a "constant slope"), the
# travel bound that makes AdaGrad stall, the two placements of eps, and the effective
# learning rate of a run, measured.
__all__ += ["adagrad_constant_gradient_step", "adagrad_travel_bound",
            "rmsprop_constant_gradient_step", "adadelta_first_step", "adadelta_slope_step",
            "eps_placement_ratio", "effective_learning_rates"]


def _steps_array(name: str, t):
    """``t`` as an array of whole step numbers >= 1."""
    array = _real_array(name, t, low=1.0)
    if np.any(array != np.round(array)):
        raise ValueError(f"{name} must be whole step numbers >= 1, got "
                         f"{array[array != np.round(array)].ravel()[0]:g}")
    return array


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
    t = _steps_array("t", t)
    denominator = np.sqrt(t) * g + eps
    if np.any(denominator == 0):
        raise ValueError("g and eps must not both be 0 (the step would be 0/0)")
    return _scalar_or_array(lr * g / denominator)


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
    t = _steps_array("t", t)
    return _scalar_or_array(lr * (2.0 * np.sqrt(t) - 1.0))


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
    t = _steps_array("t", t)
    s = (1.0 - beta ** t) * g * g
    denominator = np.sqrt(s + eps) if eps_inside else np.sqrt(s) + eps
    if np.any(denominator == 0):
        raise ValueError("g and eps must not both be 0 (the step would be 0/0)")
    return _scalar_or_array(lr * g / denominator)


def adadelta_first_step(g, rho: float, eps: float, lr: float = 1.0):
    r"""The size of AdaDelta's first step (from :math:`s_0 = u_0 = 0`) for a gradient ``g``:

    .. math:: |\Delta\theta_1| = \alpha\,\frac{\sqrt{\epsilon}\,|g|}{\sqrt{(1-\rho)g^2 + \epsilon}}
              \;\approx\; \alpha\sqrt{\frac{\epsilon}{1-\rho}} \quad (g^2 \gg \epsilon).

    For any gradient that is not tiny the first step is fixed by :math:`\epsilon` and
    :math:`\rho` alone, whatever the scale of the problem. Broadcasts over ``g``.
    """
    g = np.abs(_real_array("g", g))
    rho = check_in_range("rho", rho, 0.0, 1.0, high_open=True)
    eps = check_in_range("eps", eps, 0.0, low_open=True)
    lr = check_in_range("lr", lr, 0.0)
    return _scalar_or_array(lr * np.sqrt(eps) * g / np.sqrt((1.0 - rho) * g * g + eps))


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
    t = _steps_array("t", t)
    rho = check_in_range("rho", rho, 0.0, 1.0, high_open=True)
    eps = check_in_range("eps", eps, 0.0, low_open=True)
    lr = check_in_range("lr", lr, 0.0)
    return _scalar_or_array(lr * np.sqrt((1.0 - rho) * eps * t))


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
    s = _real_array("s", s, low=0.0)
    eps = check_in_range("eps", eps, 0.0, low_open=True)
    return _scalar_or_array(np.sqrt(s + eps) / (np.sqrt(s) + eps))


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



# -- chapter 6: Adam --------------------------------------------------------------------------
# With eps = 0, Adam's step in one coordinate is lr * r_t, r_t = m_hat_t / sqrt(v_hat_t), and
# both averages are weighted sums of the same history: at age k = 0, 1, ..., t-1
#     m_hat_t = sum_k a_k g_{t-k},  a_k = (1 - beta1) beta1^k / (1 - beta1^t),
#     v_hat_t = sum_k b_k g_{t-k}^2, b_k = (1 - beta2) beta2^k / (1 - beta2^t).
# Cauchy-Schwarz: |sum a_k g| <= sqrt(sum a_k^2 / b_k) * sqrt(sum b_k g^2), with equality
# for g_{t-k} proportional to a_k / b_k, i.e. to (beta1 / beta2)^k.
__all__ += ["adam_sparse_step_ratio", "adam_step_ratio_bound", "adam_worst_case_gradients"]


def _adam_decay_rates(beta1, beta2):
    beta1 = check_in_range("beta1", beta1, 0.0, 1.0, high_open=True)
    beta2 = check_in_range("beta2", beta2, 0.0, 1.0, low_open=True, high_open=True)
    return beta1, beta2


def _adam_steps(t):
    """``t`` as a float array of whole steps >= 1 (``None`` stays ``None``: the limit)."""
    if t is None:
        return None
    try:
        array = np.asarray(t, dtype=float)
    except (TypeError, ValueError):
        raise ValueError(f"t must be a whole number >= 1 (or an array of them), "
                         f"got {t!r}") from None
    bad = ~np.isfinite(array) | (array < 1) | (array != np.round(array))
    if np.any(bad):
        raise ValueError(f"t must be a whole number >= 1, got {array[bad].ravel()[0]:g}")
    return array


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
    return _scalar_or_array(ratio)


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
    return _scalar_or_array(ratio)


def adam_worst_case_gradients(beta1: float, beta2: float, t: int) -> np.ndarray:
    r"""A gradient history :math:`g_1, \dots, g_t` whose step :math:`t` is as large as Adam
    allows (:func:`adam_step_ratio_bound`): :math:`g_i = (\beta_1/\beta_2)^{t-i}`, the newest
    gradient 1 and each older one smaller by the factor :math:`\beta_1/\beta_2`."""
    from .validation import check_positive_int

    beta1, beta2 = _adam_decay_rates(beta1, beta2)
    t = check_positive_int("t", t)
    return (beta1 / beta2) ** np.arange(t - 1, -1, -1, dtype=float)



# -- chapter 7: bias correction -------------------------------------------------------------
# A zero-started EWMA m_t = (1 - beta) * sum_{i<=t} beta^(t-i) g_i has weights that sum to
# 1 - beta^t, so E[m_t] = (1 - beta^t) E[g] for stationary g; m_t / (1 - beta^t) is unbiased.
__all__ += ["steps_until_unbiased", "adam_uncorrected_step_ratio", "ewma_noise_variance"]


def _chapter7_plain(array):
    return float(array) if np.ndim(array) == 0 else array


def _step_numbers(t):
    """``t`` as an int (or an int array) of steps >= 1."""
    array = np.asarray(t)
    if array.dtype == bool or not np.issubdtype(array.dtype, np.integer):
        if not (np.issubdtype(array.dtype, np.floating) and np.all(np.isfinite(array))
                and np.all(array == np.round(array))):
            raise ValueError(f"t must be a whole number >= 1 (or an array of them), got {t!r}")
        array = array.astype(np.int64)
    if np.any(array < 1):
        raise ValueError(f"t must be a whole number >= 1, got {array[array < 1].ravel()[0]}")
    return int(array) if array.ndim == 0 else array


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
    t = _step_numbers(t)
    m_bias = 1.0 - beta1 ** np.asarray(t, dtype=float)
    v_bias = 1.0 - beta2 ** np.asarray(t, dtype=float)
    ratio = {"both": m_bias / np.sqrt(v_bias), "m": m_bias, "v": 1.0 / np.sqrt(v_bias)}
    return _chapter7_plain(ratio[uncorrected])


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
    t = np.asarray(_step_numbers(t), dtype=float)
    floor = (1.0 - beta) / (1.0 + beta)
    if kind == "raw":
        value = floor * (1.0 - beta ** (2 * t))
    elif kind == "corrected":
        value = floor * (1.0 + beta ** t) / (1.0 - beta ** t) if beta > 0 else np.ones_like(t)
    else:
        value = beta ** (2 * (t - 1)) + floor * (1.0 - beta ** (2 * (t - 1)))
    return _chapter7_plain(value)
