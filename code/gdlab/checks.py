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


# -- chapter 3 ----------------------------------------------------------------------------


# -- chapter 4 ----------------------------------------------------------------------------


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
