"""Self-checks for the exercises: pass your answer, get specific feedback.

Every check returns a :class:`Feedback`, which is truthy when the answer is right and
prints what is right or wrong: which step, which coordinate, what you gave, what was
expected, and, for the usual slips (a sign, a missing factor), what probably happened::

    >>> from gdlab import checks
    >>> checks.momentum_xy_steps([(-1, 1), (-4, 1), (-8, 4)])
    ✘ Not yet. x1 and x2 are right. x3 is wrong: y should be 5 (you gave 4).
"""

from __future__ import annotations

import textwrap
from dataclasses import dataclass

import numpy as np

from .ewma import ewma
from .functions import Function, xy
from .optimizers import SGD, Momentum

__all__ = ["Feedback", "check_points", "check_number", "gradient", "gd_steps",
           "momentum_xy_steps", "ewma_values"]
__all__ += ["ewma_beta_for_window", "bias_warmup_steps"]   # chapter 2

_AXES = "xyzw"


@dataclass
class Feedback:
    """The verdict on an answer: ``bool(feedback)`` is True when it is right."""

    correct: bool
    message: str

    def __bool__(self) -> bool:
        return self.correct

    def __repr__(self) -> str:
        verdict = ("✔ Correct. " if self.correct else "✘ Not yet. ") + self.message
        return textwrap.fill(verdict, width=88, break_on_hyphens=False)

    __str__ = __repr__


def _as_points(answer, n_points: int, dim: int, what: str):
    """Turn an answer into an (n_points, dim) array or explain why it cannot be."""
    try:
        array = np.asarray(answer, dtype=float)
    except (TypeError, ValueError):
        return None, f"{what} should be {n_points} points of {dim} numbers each; got {answer!r}."
    if array.shape != (n_points, dim):
        return None, (f"{what} should have {n_points} points of {dim} numbers each "
                      f"(shape ({n_points}, {dim})); yours has shape {array.shape}.")
    return array, ""


def check_points(answer, expected, names=None, hints=(), rtol=1e-6, atol=1e-9,
                 sequential: bool = True) -> Feedback:
    """Compare a list of points with the expected ones, naming the first wrong one.

    ``hints`` is a list of ``(alternative_answer, explanation)``: if the answer matches an
    alternative (a typical mistake), its explanation is added to the feedback.
    ``sequential`` says the points are iterates, each computed from the one before.
    """
    expected = np.asarray(expected, dtype=float)
    n, dim = expected.shape
    names = names or [f"point {i + 1}" for i in range(n)]
    points, problem = _as_points(answer, n, dim, "Your answer")
    if points is None:
        return Feedback(False, problem)
    close = np.isclose(points, expected, rtol=rtol, atol=atol)
    if close.all():
        return Feedback(True, "All match: " + ", ".join(
            f"{name} = {_fmt_point(p) if dim > 1 else f'{p[0]:g}'}"
            for name, p in zip(names, expected)) + ".")
    first = int(np.argmin(close.all(axis=1)))
    wrong_axes = [k for k in range(dim) if not close[first, k]]
    parts = []
    if first > 0:
        parts.append(_join(names[:first]) + (" is right." if first == 1 else " are right."))
    if dim == 1:
        parts.append(f"{names[first]} should be {expected[first, 0]:g}; "
                     f"you gave {points[first, 0]:g}.")
    else:
        details = "; ".join(f"{_AXES[k] if dim <= 4 else f'coordinate {k}'} should be "
                            f"{expected[first, k]:g} (you gave {points[first, k]:g})"
                            for k in wrong_axes)
        parts.append(f"{names[first]} is wrong: {details}.")
    if sequential and first + 1 < n:
        parts.append("(Later points follow from it, so fix this one first.)")
    for alternative, explanation in hints:
        if np.allclose(points, alternative, rtol=rtol, atol=atol):
            parts.append("Hint: " + explanation)
            break
    return Feedback(False, " ".join(parts))


def check_number(answer, expected: float, name: str = "Your answer", rtol: float = 1e-3,
                 hints=()) -> Feedback:
    """Compare one number, to a relative tolerance ``rtol`` (default 0.1%)."""
    try:
        value = float(answer)
    except (TypeError, ValueError):
        return Feedback(False, f"{name} should be a number; got {answer!r}.")
    if np.isclose(value, expected, rtol=rtol, atol=0.0):
        return Feedback(True, f"{name} = {expected:.6g}.")
    message = f"{name}: you gave {value:.6g}, expected {expected:.6g}."
    for alternative, explanation in hints:
        if np.isclose(value, alternative, rtol=rtol, atol=0.0):
            message += " Hint: " + explanation
            break
    return Feedback(False, message)


def gradient(answer, f: Function, x) -> Feedback:
    """Check a hand-computed gradient of ``f`` at ``x``."""
    x = np.asarray(x, dtype=float)
    g = f.grad(x)
    hints = [(-g, "that is minus the gradient: the gradient points uphill, the step goes "
                  "along its negative."),
             (g[::-1], "the two partial derivatives are swapped.")]
    names = [f"∂f/∂{_AXES[k]}" for k in range(len(g))]
    feedback = check_points(np.reshape(answer, (-1, 1)) if np.size(answer) == len(g) else answer,
                            g.reshape(-1, 1), names=names, sequential=False,
                            hints=[(h.reshape(-1, 1), e) for h, e in hints])
    return feedback


def gd_steps(answer, f: Function, x0, lr: float, steps: int) -> Feedback:
    """Check ``steps`` hand-computed gradient-descent iterates x1, x2, ... from ``x0``."""
    expected = _iterate(SGD(lr=lr), f, x0, steps)
    uphill = _iterate(_Ascent(lr=lr), f, x0, steps)
    names = [f"x{t}" for t in range(1, steps + 1)]
    hint = (uphill, "you added lr·∇f; gradient descent subtracts it (the gradient points uphill).")
    return check_points(answer, expected, names, hints=[hint])


def momentum_xy_steps(answer) -> Feedback:
    """The worked example of the source notes: f(x, y) = xy, lr = 1, β = 1, from (1, 2).

    Check the three iterates x1, x2, x3 (expected: (-1, 1), (-4, 1), (-8, 5)).
    """
    expected = _iterate(Momentum(lr=1.0, beta=1.0), xy, [1.0, 2.0], 3)
    plain_gd = _iterate(SGD(lr=1.0), xy, [1.0, 2.0], 3)
    hint = (plain_gd, "these are plain gradient-descent steps: with momentum the velocity "
                      "v keeps the previous gradients (v ← βv + ∇f, then x ← x − lr·v).")
    return check_points(answer, expected, ["x1", "x2", "x3"], hints=[hint])


def ewma_values(answer, series, beta: float, bias_correction: bool = False) -> Feedback:
    """Check hand-computed EWMA values V_1..V_T of ``series``."""
    series = np.asarray(series, dtype=float)
    expected = ewma(series, beta, bias_correction=bias_correction)
    other = ewma(series, beta, bias_correction=not bias_correction)
    no_damping = _no_damping(series, beta)
    hints = [(other.reshape(-1, 1),
              "these are the " + ("uncorrected" if bias_correction else "bias-corrected")
              + " values; the exercise asks for the "
              + ("bias-corrected ones, V_t / (1 − β^t)." if bias_correction
                 else "plain ones, starting from V_0 = 0.")),
             (no_damping.reshape(-1, 1), "the new point is weighted by (1 − β), not 1.")]
    names = [f"V{t}" for t in range(1, len(series) + 1)]
    return check_points(np.reshape(answer, (-1, 1)) if np.size(answer) == len(series) else answer,
                        expected.reshape(-1, 1), names, hints=hints)


# -- chapter 1 ----------------------------------------------------------------------------
from .functions import (Quadratic, beale, numerical_gradient,  # noqa: E402
                        relative_error, rosenbrock)

__all__ += ["stable_learning_rate", "central_difference"]


def stable_learning_rate(answer, A) -> Feedback:
    r"""Check the largest constant learning rate for which gradient descent on
    :math:`\tfrac12 x^\top A x` converges: :math:`2/L`, ``L`` the largest eigenvalue of ``A``
    (the answer names the supremum; :math:`\alpha` itself must stay strictly below it)."""
    A = np.asarray(A, dtype=float)
    if A.ndim != 2 or A.shape[0] != A.shape[1] or not np.allclose(A, A.T):
        raise ValueError(f"A must be a symmetric square matrix, got shape {A.shape}")
    eigenvalues = np.linalg.eigvalsh(A)
    mu, L = eigenvalues[0], eigenvalues[-1]
    if mu <= 0:
        raise ValueError(f"A must be positive definite, its smallest eigenvalue is {mu:g}")
    expected = 2.0 / L
    hints = [(1.0 / L, "that is 1/L, the step that lands exactly on the minimum along the "
                       "steepest direction; |1 − αL| < 1 allows up to twice as much, 2/L."),
             (2.0 / (mu + L), "that is the *best* constant rate 2/(μ + L); the largest "
                              "stable one, 2/L, is larger.")]
    if not np.isclose(mu, L):
        hints.append((2.0 / mu, "you used the smallest curvature μ; the largest curvature L "
                                "is the one that blows up first."))
    largest_diagonal = np.max(np.diag(A))
    if not np.isclose(largest_diagonal, L):
        hints.append((2.0 / largest_diagonal,
                      "the curvatures are the eigenvalues of A, not its diagonal entries "
                      "(they coincide only when A is diagonal)."))
    return check_number(answer, expected, name="The largest stable learning rate",
                        hints=[(value, text) for value, text in hints
                               if not np.isclose(value, expected)])


def central_difference(gradient_fn) -> Feedback:
    r"""Check a learner's ``gradient_fn(f, x, h)`` that should return the central-difference
    gradient :math:`(f(x + he_i) - f(x - he_i))/(2h)`, on Rosenbrock, Beale and a 3-D
    quadratic, naming the usual slips (forward differences, a missing 2, a flipped sign, an
    ``x`` changed in place)."""
    quadratic = Quadratic(np.array([[3.0, 1.0, 0.0], [1.0, 2.0, 0.5], [0.0, 0.5, 1.0]]),
                          b=np.array([1.0, -1.0, 0.5]), name="a 3-D quadratic")
    cases = [(rosenbrock, [-1.5, 2.0], 1e-5), (beale, [1.0, 1.5], 1e-4),
             (quadratic, [0.5, -1.0, 2.0], 1e-3)]
    errors = []
    for f, point, h in cases:
        x = np.array(point, dtype=float)
        where = f"{f.name} at x = {_fmt_point(x)} with h = {h:g}"
        try:
            result = gradient_fn(f, x, h)
        except Exception as error:  # the learner's code: report, do not crash
            return Feedback(False, f"On {where} your function raised "
                                   f"{type(error).__name__}: {error}")
        if not np.array_equal(x, np.array(point, dtype=float)):
            return Feedback(False, f"On {where} your function changed x in place (it is now "
                                   f"{_fmt_point(x)}): put x[i] back after each difference, "
                                   "or perturb a copy.")
        try:
            result = np.asarray(result, dtype=float)
        except (TypeError, ValueError):
            return Feedback(False, f"On {where} your function returned {result!r}, "
                                   "not an array of numbers.")
        if result.shape != x.shape:
            return Feedback(False, f"On {where} your function returned shape {result.shape}; "
                                   f"the gradient has one entry per coordinate, {x.shape}.")
        expected = numerical_gradient(f, x, h, "central")
        if not np.allclose(result, expected, rtol=1e-6, atol=1e-9):
            slips = [(numerical_gradient(f, x, h, "forward"),
                      "these are forward differences (f(x + h) − f(x))/h; subtract f(x − h) "
                      "instead, which cancels the O(h) error."),
                     (2 * expected, "you divided by h instead of 2h: the two points are 2h "
                                    "apart."),
                     (-expected, "the sign is flipped: it is f(x + h) − f(x − h).")]
            message = (f"On {where} you gave {_fmt_point(result)}, expected "
                       f"{_fmt_point(expected)}.")
            for alternative, explanation in slips:
                if np.allclose(result, alternative, rtol=1e-6, atol=1e-9):
                    message += " Hint: " + explanation
                    break
            return Feedback(False, message)
        errors.append(relative_error(result, f.grad(x)))
    return Feedback(True, "Your central differences match on Rosenbrock, Beale and a 3-D "
                          "quadratic; relative errors to the analytic gradients: "
                    + ", ".join(f"{e:.0e}" if e >= 1e-12 else "< 1e-12" for e in errors) + ".")


# -- chapter 2 ----------------------------------------------------------------------------
def ewma_beta_for_window(answer, window: float) -> Feedback:
    r"""Check the β whose rule-of-thumb window :math:`1/(1-\beta)` is ``window`` points."""
    from .validation import check_in_range

    window = check_in_range("window", window, 1.0)
    hints = [(1.0 / window, "that is 1 − β, the weight of the newest point; β is 1 minus it."),
             (1.0 - 2.0 / (window + 1.0),
              f"that β matches a simple moving average of {window:g} points in lag and "
              "noise (the 'span' convention of pandas); the rule of thumb asks for "
              f"1/(1 − β) = {window:g}.")]
    return check_number(answer, 1.0 - 1.0 / window,
                        name=f"β for a window of {window:g} points", rtol=1e-6, hints=hints)


def bias_warmup_steps(answer, beta: float, tolerance: float = 0.01) -> Feedback:
    r"""Check the first step t at which the bias-correction factor :math:`1/(1-\beta^t)` is
    at most ``1 + tolerance``: the smallest whole t with
    :math:`\beta^t \le \text{tol}/(1+\text{tol})`."""
    from .validation import check_in_range

    beta = check_in_range("beta", beta, 0.0, 1.0, low_open=True, high_open=True)
    tolerance = check_in_range("tolerance", tolerance, 0.0, low_open=True)
    expected = max(1, int(np.ceil(np.log(tolerance / (1.0 + tolerance)) / np.log(beta) - 1e-9)))
    try:
        value = float(answer)
    except (TypeError, ValueError):
        return Feedback(False, f"The number of steps should be a whole number; got {answer!r}.")
    if not value >= 1:
        return Feedback(False, f"Steps are counted from t = 1 (where V_1 is the first average); "
                               f"you gave {value:g}.")
    factor = lambda t: 1.0 / (1.0 - beta ** t)   # noqa: E731
    if value == expected:
        earlier = (f"; one step earlier it is {factor(expected - 1):.6f}" if expected > 1
                   else "")
        return Feedback(True, f"t = {expected}: there 1/(1 − β^t) = {factor(expected):.6f}"
                              f"{earlier}.")
    message = (f"You gave {value:g}; the first step with 1/(1 − β^t) ≤ {1 + tolerance:g} "
               f"is a different one.")
    if expected - 1 <= value < expected:
        message += (f" Hint: round up. At t = {np.floor(value):g} the factor is still "
                    f"{factor(np.floor(value)):.6f}, above {1 + tolerance:g}.")
    elif abs(value - np.log(tolerance) / np.log(beta)) <= 1:
        message += (f" Hint: that solves β^t ≤ {tolerance:g}; the exact condition "
                    f"1/(1 − β^t) ≤ {1 + tolerance:g} means β^t ≤ "
                    f"{tolerance:g}/{1 + tolerance:g}.")
    elif np.isclose(value, 1.0 / (1.0 - beta)):
        message += (" Hint: one window 1/(1 − β) is far too early: there the factor is "
                    "about 1/(1 − 1/e) ≈ 1.58.")
    elif value > 0 and factor(value) <= 1 + tolerance:
        message += (f" At t = {value:g} the factor is {factor(value):.6f}, within the "
                    "tolerance, but an earlier step already is.")
    return Feedback(False, message)


# -- chapter 3 ----------------------------------------------------------------------------


# -- chapter 4 ----------------------------------------------------------------------------
__all__ += ["nesterov_steps"]


def nesterov_steps(answer, f: Function, x0, lr: float, beta: float, steps: int = 2) -> Feedback:
    r"""Check ``steps`` hand-computed Nesterov iterates x1, x2, ... from ``x0`` (velocity 0).

    The iterates are the points NAG stores and takes gradients at (Bengio's form, as in
    ``gdlab.Nesterov`` and ``torch.optim.SGD(nesterov=True)``):

    .. math:: g = \nabla f(x), \quad v \leftarrow \beta v + g, \quad x \leftarrow x - \alpha(g + \beta v).

    Recognised slips: heavy-ball steps (no look-ahead), Sutskever's :math:`\theta_t` instead of
    the stored point :math:`\theta_t + \beta v_t`, the "Deep Learning from Scratch" update with
    the velocity renewed *before* :math:`x \leftarrow x + \beta^2 v - (1+\beta)\alpha g`, and
    a flipped sign (gradient ascent).
    """
    from .optimizers import Nesterov
    from .validation import check_finite_array, check_in_range, check_positive_int

    lr = check_in_range("lr", lr, 0.0)
    beta = check_in_range("beta", beta, 0.0, 1.0)
    steps = check_positive_int("steps", steps)
    x0 = check_finite_array("x0", x0, ndim=1)
    if x0.shape != (f.dim,):
        raise ValueError(f"x0 must have shape ({f.dim},) for {f.name}, got {x0.shape}")
    expected = _iterate(Nesterov(lr=lr, beta=beta), f, x0, steps)
    hints = [
        (_iterate(Momentum(lr=lr, beta=beta), f, x0, steps),
         "these are heavy-ball momentum steps, x ← x − lr·v. Nesterov's step is "
         "x ← x − lr·(g + β·v), with the v just updated: the look-ahead counts the "
         "gradient once more."),
        (_sutskever_points(f, x0, lr, beta, steps),
         "these are Sutskever's θ_t. The exercise asks for the points NAG stores and takes "
         "gradients at, θ_t + β·v_t (Bengio's form, PyTorch's nesterov=True)."),
        (_dlfs_renewed_velocity(f, x0, lr, beta, steps),
         "you renewed the velocity v ← βv − lr·g before x ← x + β²v − (1+β)·lr·g; that "
         "formula needs the velocity from before this step (equivalently x ← x + βv − lr·g "
         "with the new v)."),
        (_iterate(Nesterov(lr=lr, beta=beta), _Negated(f), x0, steps),
         "every step went uphill: the gradient enters with a minus sign, x ← x − lr·(g + βv)."),
    ]
    names = [f"x{t}" for t in range(1, steps + 1)]
    return check_points(answer, expected, names, hints=hints)


def _sutskever_points(f, x0, lr, beta, steps):
    """Sutskever's form v ← βv − lr·∇f(θ + βv), θ ← θ + v; returns θ_1..θ_steps."""
    theta, v, points = np.array(x0, dtype=float), np.zeros(len(x0)), []
    for _ in range(steps):
        v = beta * v - lr * f.grad(theta + beta * v)
        theta = theta + v
        points.append(theta)
    return np.array(points)


def _dlfs_renewed_velocity(f, x0, lr, beta, steps):
    """The slip of the source notes: v ← βv − lr·g, then x ← x + β²v − (1+β)·lr·g."""
    x, v, points = np.array(x0, dtype=float), np.zeros(len(x0)), []
    for _ in range(steps):
        g = f.grad(x)
        v = beta * v - lr * g
        x = x + beta * beta * v - (1.0 + beta) * lr * g
        points.append(x)
    return np.array(points)


class _Negated(Function):
    """``-f``: stepping on it with a descent method is gradient ascent on ``f``."""

    def __init__(self, f):
        self.f, self.dim, self.name = f, f.dim, f"-({f.name})"

    def value(self, x):
        return -self.f.value(x)

    def gradient(self, x):
        return -self.f.gradient(x)




# -- chapter 5 ----------------------------------------------------------------------------
__all__ += ["rmsprop_steps"]


def rmsprop_steps(answer, grads, lr: float, beta: float, eps: float, theta0=0.0,
                  rtol: float = 1e-3) -> Feedback:
    r"""Check hand-computed RMSProp iterates :math:`\theta_1, \dots, \theta_T` for the given
    gradients :math:`g_1, \dots, g_T` (one per row of ``grads``), from ``theta0`` with
    :math:`s_0 = 0`, in the book's (and PyTorch's) form:

    .. math:: s_t = \beta s_{t-1} + (1-\beta) g_t^2, \qquad
              \theta_t = \theta_{t-1} - \alpha\, g_t / (\sqrt{s_t} + \epsilon).

    Recognised slips: :math:`\epsilon` inside the root (Keras, Andrew Ng's course), a
    forgotten :math:`(1-\beta)`, a bias-corrected :math:`s_t/(1-\beta^t)` (that is Adam's
    second moment), AdaGrad's sum :math:`s_t = s_{t-1} + g_t^2`, no square root, and a step
    uphill. Answers count as right to a relative tolerance ``rtol`` (default 0.1%).
    """
    from .validation import check_finite_array, check_in_range

    lr = check_in_range("lr", lr, 0.0)
    beta = check_in_range("beta", beta, 0.0, 1.0, high_open=True)
    eps = check_in_range("eps", eps, 0.0)
    rtol = check_in_range("rtol", rtol, 0.0, low_open=True)
    grads = check_finite_array("grads", grads)
    if grads.ndim not in (1, 2) or len(grads) == 0:
        raise ValueError(f"grads must be a non-empty 1-D array (one number per step) or 2-D "
                         f"(one row per step), got shape {grads.shape}")
    scalar = grads.ndim == 1
    grads = grads.reshape(len(grads), -1)
    theta0 = check_finite_array("theta0", theta0)
    if theta0.ndim > 1 or (theta0.ndim == 1 and theta0.shape[0] != grads.shape[1]):
        raise ValueError(f"theta0 must be a number or have one entry per coordinate "
                         f"({grads.shape[1]}), got shape {theta0.shape}")
    theta0 = np.broadcast_to(theta0, grads.shape[1:]).astype(float)

    def iterate(accumulate, denominator, sign=-1.0):
        theta, s, points = theta0.copy(), np.zeros_like(theta0), []
        for t, g in enumerate(grads, start=1):
            s = accumulate(s, g, t)
            with np.errstate(divide="ignore", invalid="ignore"):
                theta = theta + sign * lr * g / denominator(s, t)
            points.append(theta)
        return np.array(points)

    ewma_update = lambda s, g, t: beta * s + (1.0 - beta) * g * g   # noqa: E731
    outside = lambda s, t: np.sqrt(s) + eps                          # noqa: E731
    expected = iterate(ewma_update, outside)
    hints = [
        (iterate(ewma_update, lambda s, t: np.sqrt(s + eps)),
         "you put ε inside the square root, g/√(s + ε), as Keras and Andrew Ng's course do. "
         "This exercise uses PyTorch's form g/(√s + ε); with small gradients the two differ "
         "a lot."),
        (iterate(lambda s, g, t: beta * s + g * g, outside),
         "the new squared gradient enters with weight (1 − β): s ← βs + (1 − β)g², not "
         "βs + g²."),
        (iterate(ewma_update, lambda s, t: np.sqrt(s / (1.0 - beta ** t)) + eps),
         "you divided s by (1 − β^t). That bias correction belongs to Adam (chapter 7); "
         "RMSProp uses s as it is."),
        (iterate(lambda s, g, t: s + g * g, outside),
         "you added the squares up, s ← s + g²: that is AdaGrad. RMSProp keeps an "
         "exponentially weighted average, s ← βs + (1 − β)g²."),
        (iterate(ewma_update, lambda s, t: s + eps),
         "you divided by s + ε; RMSProp divides by the root mean square, √s + ε."),
        (iterate(ewma_update, outside, sign=1.0),
         "every step went uphill: θ ← θ − lr·g/(√s + ε) subtracts."),
    ]
    if scalar:
        expected = expected.reshape(-1, 1)
        hints = [(alternative.reshape(-1, 1), text) for alternative, text in hints]
        answer = np.reshape(answer, (-1, 1)) if np.size(answer) == len(expected) else answer
    hints = [(alternative, text) for alternative, text in hints
             if np.all(np.isfinite(alternative))
             and not np.allclose(alternative, expected, rtol=rtol, atol=1e-12)]
    names = [f"θ{t}" for t in range(1, len(expected) + 1)]
    return check_points(answer, expected, names, hints=hints, rtol=rtol, atol=1e-12)



# -- chapter 6 ----------------------------------------------------------------------------
__all__ += ["adam_steps"]


def adam_steps(answer, grads, lr: float = 1e-3, beta1: float = 0.9, beta2: float = 0.999,
               eps: float = 1e-8, rtol: float = 1e-3) -> Feedback:
    r"""Check hand-computed Adam steps :math:`\Delta\theta_t = \theta_t - \theta_{t-1}` for the
    gradients ``grads`` (one row per step, one column per parameter; a flat list is a single
    parameter), starting from :math:`m_0 = v_0 = 0`:

    .. math::
        m_t = \beta_1 m_{t-1} + (1-\beta_1) g_t, \quad v_t = \beta_2 v_{t-1} + (1-\beta_2) g_t^2,
        \quad \Delta\theta_t = -\alpha\, \frac{m_t/(1-\beta_1^t)}{\sqrt{v_t/(1-\beta_2^t)} + \epsilon}.

    Agreement to a relative ``rtol`` (default 0.1%, so four significant digits are enough)
    counts as right. Recognised slips: no bias correction, bias
    correction of only :math:`m` or only :math:`v`, :math:`\epsilon` inside the square root,
    no square root, the :math:`(1-\beta)` factors left out, :math:`g_t` used instead of
    :math:`m_t` (that is RMSProp), a step uphill, and the parameters :math:`\theta_t` (from
    :math:`\theta_0 = 0`) given instead of the steps.
    """
    from .validation import check_finite_array, check_in_range

    lr = check_in_range("lr", lr, 0.0)
    beta1 = check_in_range("beta1", beta1, 0.0, 1.0, high_open=True)
    beta2 = check_in_range("beta2", beta2, 0.0, 1.0, high_open=True)
    eps = check_in_range("eps", eps, 0.0)
    rtol = check_in_range("rtol", rtol, 0.0, low_open=True)
    grads = check_finite_array("grads", grads)
    if grads.ndim == 1:
        grads = grads[:, None]
    if grads.ndim != 2 or grads.shape[0] == 0:
        raise ValueError(f"grads must be a list of gradients, one per step (shape (T,) or "
                         f"(T, d)), got shape {grads.shape}")
    steps, dim = grads.shape
    expected = _adam_hand_steps(grads, lr, beta1, beta2, eps)
    slips = [
        (dict(correct_m=False, correct_v=False),
         "these are the steps without bias correction. Divide m by 1 − β1^t and v by "
         "1 − β2^t before taking the step: at t = 1 that makes m̂ = g and v̂ = g²."),
        (dict(correct_v=False),
         "you corrected m but not v: divide v by 1 − β2^t too (at t = 1 that is 0.001, "
         "which changes √v̂ by a factor of about 31.6)."),
        (dict(correct_m=False),
         "you corrected v but not m: divide m by 1 − β1^t too."),
        (dict(eps_inside=True),
         "you put ε inside the square root, √(v̂ + ε). Adam (the paper, PyTorch) adds it "
         "outside, √v̂ + ε; inside, ε = 1e-8 acts like 1e-4 when v̂ is tiny."),
        (dict(root=False),
         "you divided by v̂ (+ ε) instead of √v̂ + ε: the step needs the square root, so "
         "that it has the units of θ and not of 1/g."),
        (dict(damped=False),
         "you left out the (1 − β) factors: m ← β1·m + (1 − β1)·g and "
         "v ← β2·v + (1 − β2)·g²."),
        (dict(use_m=False),
         "you used the gradient g_t in the numerator instead of the average m̂_t: that is "
         "RMSProp with bias correction, not Adam."),
        (dict(sign=+1.0),
         "every step went uphill: Adam subtracts α·m̂/(√v̂ + ε)."),
    ]
    hints = []
    for options, explanation in slips:
        alternative = _adam_hand_steps(grads, lr, beta1, beta2, eps, **options)
        if not np.allclose(alternative, expected, rtol=rtol, atol=1e-12):
            hints.append((alternative, explanation))
    hints.append((np.cumsum(expected, axis=0),
                  "these look like the parameters θ_t, starting from θ_0 = 0; the exercise "
                  "asks for the steps Δθ_t = θ_t − θ_{t−1}."))
    names = [f"Δθ{t}" for t in range(1, steps + 1)]
    given = answer
    if np.size(answer) == steps * dim:
        given = np.reshape(np.asarray(answer, dtype=float), (steps, dim))
    return check_points(given, expected, names, hints=hints, rtol=rtol, atol=1e-12)


def _adam_hand_steps(grads, lr, beta1, beta2, eps, *, correct_m=True, correct_v=True,
                     eps_inside=False, root=True, damped=True, use_m=True, sign=-1.0):
    """Adam's steps for a (T, d) array of gradients, with switches for the usual slips."""
    m = np.zeros(grads.shape[1])
    v = np.zeros(grads.shape[1])
    out = []
    for t, g in enumerate(grads, start=1):
        m = beta1 * m + ((1.0 - beta1) if damped else 1.0) * g
        v = beta2 * v + ((1.0 - beta2) if damped else 1.0) * g * g
        m_hat = m / (1.0 - beta1 ** t) if correct_m else m
        v_hat = v / (1.0 - beta2 ** t) if correct_v else v
        if eps_inside:
            denom = np.sqrt(v_hat + eps)
        else:
            denom = (np.sqrt(v_hat) if root else v_hat) + eps
        with np.errstate(divide="ignore", invalid="ignore"):
            out.append(sign * lr * (m_hat if use_m else g) / denom)
    return np.array(out)



# -- chapter 7 ----------------------------------------------------------------------------
__all__ += ["bias_corrected_averages"]


def bias_corrected_averages(answer, grads, beta: float = 0.9, rtol: float = 5e-3) -> Feedback:
    r"""Check hand-computed bias-corrected averages :math:`\hat m_1, \dots, \hat m_T` of the
    gradients ``grads`` (Adam's first moment, started at :math:`m_0 = 0`):

    .. math:: m_t = \beta m_{t-1} + (1-\beta) g_t, \qquad \hat m_t = m_t / (1 - \beta^t).

    ``rtol`` (default 0.5%) allows answers rounded to three significant digits. Recognised
    slips: no correction at all, dividing by :math:`1-\beta^{t-1}` or :math:`1-\beta^{t+1}`
    (the step counted from the wrong place), feeding :math:`\hat m_{t-1}` back into the
    recursion, and dropping the :math:`(1-\beta)` in front of :math:`g_t`.
    """
    from .validation import check_finite_array, check_in_range

    beta = check_in_range("beta", beta, 0.0, 1.0, high_open=True)
    grads = check_finite_array("grads", grads, ndim=1)
    if len(grads) == 0:
        raise ValueError("grads must hold at least one gradient, got none")
    n = len(grads)
    names = [f"m̂{t}" for t in range(1, n + 1)]
    try:
        values = np.asarray(answer, dtype=float).reshape(-1)
    except (TypeError, ValueError):
        return Feedback(False, f"Your answer should be {n} numbers, m̂1 to m̂{n}; "
                               f"got {answer!r}.")
    if len(values) != n:
        return Feedback(False, f"Your answer should be {n} numbers, m̂1 to m̂{n}; "
                               f"you gave {len(values)}.")

    t = np.arange(1, n + 1)
    raw = ewma(grads, beta)
    expected = raw / (1.0 - beta ** t)

    def close(a, b):
        return np.isclose(a, b, rtol=rtol, atol=1e-9)

    ok = close(values, expected)
    if ok.all():
        factors = ", ".join(f"{1.0 / (1.0 - beta ** k):.4g}" for k in t)
        return Feedback(True, "All match: " + ", ".join(
            f"{name} = {value:.4g}" for name, value in zip(names, expected))
            + ". (The raw averages m_t were " + ", ".join(f"{m:.4g}" for m in raw)
            + f"; the correction multiplied them by {factors}.)")

    first = int(np.argmin(ok))
    parts = []
    if first > 0:
        parts.append(_join(names[:first]) + (" is right." if first == 1 else " are right."))
    parts.append(f"{names[first]} should be {expected[first]:.4g}; you gave {values[first]:.4g}.")

    with np.errstate(divide="ignore", invalid="ignore"):
        shifted_down = raw / (1.0 - beta ** (t - 1.0))      # inf at t = 1
    fed_back, m_hat = [], 0.0
    for k, g in enumerate(grads, start=1):
        m_hat = (beta * m_hat + (1.0 - beta) * g) / (1.0 - beta ** k)
        fed_back.append(m_hat)
    slips = [
        (raw, "these are the raw averages m_t: divide each by 1 − β^t (at t = 1 that is "
              f"1 − {beta:g} = {1 - beta:.4g}), because the weights of a zero-started average "
              "sum to 1 − β^t, not 1."),
        (raw / (1.0 - beta ** (t + 1.0)),
         "you divided by 1 − β^(t+1): the step count starts at t = 1 for the first gradient, "
         "so m̂1 = m1 / (1 − β)."),
        (np.array(fed_back),
         "you fed the corrected value back into the recursion. The running average keeps "
         "the raw m_t (m_t = β·m_{t−1} + (1 − β)·g_t); only the value you *use* is divided "
         "by 1 − β^t."),
        (_no_damping(grads, beta) / (1.0 - beta ** t),
         "the new gradient is weighted by (1 − β), not 1: m_t = β·m_{t−1} + (1 − β)·g_t."),
    ]
    for alternative, explanation in slips:
        if close(values, alternative).all():
            parts.append("Hint: " + explanation)
            break
    else:
        if n > 1 and close(values[1:], shifted_down[1:]).all():
            parts.append("Hint: you divided by 1 − β^(t−1), one power short (at t = 1 that "
                         "would divide by 0). The t-th average has t weights, which sum to "
                         "1 − β^t.")
        elif first + 1 < n:
            parts.append("(Later values follow from it, so fix this one first.)")
    return Feedback(False, " ".join(parts))



# -- helpers ----------------------------------------------------------------------------
class _Ascent(SGD):
    """Gradient *ascent*, the most common slip, used to recognise it."""

    def step(self, param, grad, state, lr):
        param += lr * grad


def _iterate(optimizer, f, x0, steps):
    x = np.array(x0, dtype=float)
    points = []
    for _ in range(steps):
        optimizer.update(x, f.grad(x))
        points.append(x.copy())
    return np.array(points)


def _no_damping(series, beta):
    v, out = 0.0, []
    for theta in series:
        v = beta * v + theta
        out.append(v)
    return np.array(out)


def _fmt_point(p) -> str:
    return "(" + ", ".join(f"{c:g}" for c in p) + ")"


def _join(names) -> str:
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]
