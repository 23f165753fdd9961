"""Self-checks for the exercises: pass your answer, get specific feedback.

Every check returns a :class:`Feedback`, which is truthy when the answer is right and
prints what is right or wrong: which step, which coordinate, what you gave, what was
expected, and, for the usual slips (a sign, a missing factor), what probably happened::

    >>> from gdlab import checks
    >>> checks.momentum_xy_steps([(-1, 1), (-4, 1), (-8, 4)])
    ✘ Not yet. x1 and x2 are right. x3 is wrong: y should be 5 (you gave 4).
"""

from __future__ import annotations

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
        return ("✔ Correct. " if self.correct else "✘ Not yet. ") + self.message

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


def check_number(answer, expected: float, name: str = "your answer", rtol: float = 1e-3,
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
        return Feedback(False, f"the number of steps should be a whole number; got {answer!r}.")
    factor = lambda t: 1.0 / (1.0 - beta ** t)   # noqa: E731
    if value == expected:
        earlier = (f"; one step earlier it is {factor(expected - 1):.6f}" if expected > 1
                   else "")
        return Feedback(True, f"t = {expected}: there 1/(1 − β^t) = {factor(expected):.6f}"
                              f"{earlier}.")
    message = (f"you gave {value:g}; the first step with 1/(1 − β^t) ≤ {1 + tolerance:g} "
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
         "these are heavy-ball momentum steps, x ← x − lr·v. Nesterov steps by "
         "lr·(g + β·v) with the new v: the gradient counts once more, as if looked at "
         "from one momentum step ahead."),
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
