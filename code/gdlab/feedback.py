"""The engine behind the exercises' self-checks: an answer in, specific feedback out.

A check returns a :class:`Feedback`, which is truthy when the answer is right and prints
what is right or wrong: which step, which coordinate, what you gave, what was expected and,
for the usual slips (a sign, a missing factor), what probably happened::

    >>> check_points([(1, 2), (3, 5)], [(1, 2), (3, 4)], names=["x1", "x2"])
    ✘ Not yet. x1 is right. x2 is wrong: y should be 4 (you gave 5).

The pieces every check shares live here: :func:`check_points` and :func:`check_number`
(the comparers), :func:`check_update_rule` (an optimizer a learner wrote, run against the
library's), :func:`matching_hint` (the one hint matcher: the first typical slip the
answer equals), :func:`earlier_right` (the one "earlier parts are right" rule) and
:class:`Uphill` (gradient ascent, the most common slip of all). Each chapter's own checks
live in its companion module, ``gdlab.chapters.<slug>``.
"""

from __future__ import annotations

import html
import textwrap
from dataclasses import dataclass

import numpy as np

from .functions import Function
from .validation import check_finite_array, check_in_range, check_positive_int, check_real

__all__ = ["Feedback", "check_points", "check_number", "check_update_rule", "matching_hint",
           "earlier_right", "Uphill", "as_column", "format_point"]

_AXES = "xyzw"


@dataclass
class Feedback:
    """The verdict on an answer: ``bool(feedback)`` is True when it is right."""

    correct: bool
    message: str

    def __bool__(self) -> bool:
        return self.correct

    def verdict(self) -> str:
        return ("✔ Correct. " if self.correct else "✘ Not yet. ") + self.message

    def __repr__(self) -> str:
        # Plain text, for a terminal (and nbval); notebooks and the website show the box.
        return textwrap.fill(self.verdict(), width=88, break_on_hyphens=False)

    __str__ = __repr__

    def _repr_html_(self) -> str:
        """A box that wraps to any width (JupyterLab and the website show this)."""
        edge, ground = ("#2e7d32", "#edf7ed") if self.correct else ("#b3261e", "#fdeeee")
        return (f'<div class="gdlab-feedback" style="border-left:4px solid {edge};'
                f'background:{ground};color:#1b1b1b;padding:6px 10px;margin:4px 0;'
                f'font-family:sans-serif;line-height:1.45">{html.escape(self.verdict())}</div>')


def matching_hint(answer, hints, close) -> str | None:
    """The explanation of the first ``(alternative, explanation)`` in ``hints`` that the
    answer matches, by ``close(answer, alternative) -> bool array``; None if none does.

    Alternatives of another shape, or with non-finite values (a slip that divides by zero),
    never match."""
    answer = np.asarray(answer, dtype=float)
    for alternative, explanation in hints:
        alternative = np.asarray(alternative, dtype=float)
        if (alternative.shape == answer.shape and np.all(np.isfinite(alternative))
                and np.all(close(answer, alternative))):
            return explanation
    return None


def earlier_right(names, first: int) -> list[str]:
    """The sentence that credits the parts before the first wrong one (none if it is the
    first): ``["x1 and x2 are right."]``."""
    if first == 0:
        return []
    return [join_names(names[:first]) + (" is right." if first == 1 else " are right.")]


def check_points(answer, expected, names=None, hints=(), rtol=1e-6, atol=1e-9,
                 sequential: bool = True, axes=None) -> Feedback:
    """Compare a list of points with the expected ones, naming the first wrong one.

    ``hints`` is a list of ``(alternative_answer, explanation)``: if the answer matches an
    alternative (a typical mistake), its explanation is added to the feedback.
    ``sequential`` says the points are iterates, each computed from the one before.
    ``axes`` names the coordinates in the feedback as the chapter writes them; by default
    x, y, z, w (up to four) or "coordinate k".
    """
    expected = check_finite_array("expected", expected, ndim=2)
    n, dim = expected.shape
    if n == 0 or dim == 0:
        raise ValueError(f"expected must hold at least one point of at least one number, "
                         f"got shape {expected.shape}")
    names = list(names or [f"point {i + 1}" for i in range(n)])
    if len(names) != n:
        raise ValueError(f"names must name each of the {n} expected points, got {len(names)} "
                         f"names")
    rtol, atol = check_in_range("rtol", rtol, 0.0), check_in_range("atol", atol, 0.0)
    if axes is None:
        axes = list(_AXES[:dim]) if dim <= len(_AXES) else [f"coordinate {k}"
                                                             for k in range(dim)]
    elif isinstance(axes, str) or len(axes) != dim:
        raise ValueError(f"axes must name each of the {dim} coordinates, got {axes!r}")
    points, problem = _as_points(answer, names, dim, "Your answer")
    if points is None:
        return Feedback(False, problem)
    close = np.isclose(points, expected, rtol=rtol, atol=atol)
    if close.all():
        return Feedback(True, "All match: " + ", ".join(
            f"{name} = {format_point(p) if dim > 1 else f'{p[0]:g}'}"
            for name, p in zip(names, expected)) + ".")
    first = int(np.argmin(close.all(axis=1)))
    wrong_axes = [k for k in range(dim) if not close[first, k]]
    parts = earlier_right(names, first)
    if dim == 1:
        parts.append(f"{names[first]} should be {expected[first, 0]:g}; "
                     f"you gave {points[first, 0]:g}.")
    else:
        details = "; ".join(f"{axes[k]} should be "
                            f"{expected[first, k]:g} (you gave {points[first, k]:g})"
                            for k in wrong_axes)
        parts.append(f"{names[first]} is wrong: {details}.")
    if sequential and first + 1 < n:
        parts.append("(Later points follow from it, so fix this one first.)")
    hint = matching_hint(points, hints, lambda a, b: np.isclose(a, b, rtol=rtol, atol=atol))
    if hint:
        parts.append("Hint: " + hint)
    return Feedback(False, " ".join(parts))


def check_number(answer, expected: float, name: str = "Your answer", rtol: float = 1e-3,
                 hints=()) -> Feedback:
    """Compare one number, to a relative tolerance ``rtol`` (default 0.1%)."""
    expected = check_real("expected", expected)
    rtol = check_in_range("rtol", rtol, 0.0)
    if isinstance(answer, (bool, np.bool_)):
        return Feedback(False, f"{name} should be a number; got {answer!r}, a truth value.")
    try:
        value = float(answer)
    except (TypeError, ValueError):
        return Feedback(False, f"{name} should be a number; got {answer!r}.")
    if np.isclose(value, expected, rtol=rtol, atol=0.0):
        return Feedback(True, f"{name} = {expected:.6g}.")
    message = f"{name}: you gave {value:.6g}, expected {expected:.6g}."
    hint = matching_hint(value, hints, lambda a, b: np.isclose(a, b, rtol=rtol, atol=0.0))
    if hint:
        message += " Hint: " + hint
    return Feedback(False, message)


def check_update_rule(attempt, reference, f: Function, x0, steps: int = 5, hints=(),
                      rtol: float = 1e-9, axes=None) -> Feedback:
    """Check an optimizer a learner wrote, in the style of "Deep Learning from Scratch": a
    class whose ``update(params, grads)`` changes the dict ``params`` (one entry,
    ``"theta"``). ``attempt()`` and ``reference()`` make fresh optimizers (the learner's, and
    the library's with the same hyperparameters); both take ``steps`` steps on ``f`` from
    ``x0``, and their iterates are compared as :func:`check_points` does, naming the first
    wrong step. ``hints`` holds ``(make_slip, explanation)`` pairs: the explanation of the
    first slip whose iterates the learner's equal is added to the feedback."""
    steps = check_positive_int("steps", steps)
    x0 = check_finite_array("x0", x0, ndim=1)
    expected, problem = _iterates(reference, f, x0, steps)
    if problem:
        raise ValueError(f"the reference optimizer failed: {problem}")
    points, problem = _iterates(attempt, f, x0, steps)
    if problem:
        return Feedback(False, problem)
    alternatives = [(_iterates(make, f, x0, steps)[0], why) for make, why in hints]
    names = [f"θ_{t}" for t in range(1, steps + 1)]
    return check_points(points[1:], expected[1:], names, rtol=rtol, axes=axes,
                        hints=[(a[1:], why) for a, why in alternatives if a is not None])


def _iterates(make, f: Function, x0, steps: int):
    """``(iterates θ_0 … θ_steps, "")`` of the optimizer ``make()`` on ``f`` from ``x0``
    (params ``{"theta": θ}``, grads ``{"theta": ∇f(θ)}``), or ``(None, what went wrong)``:
    the learner's code raised, or left ``params["theta"]`` not an array of finite numbers
    of the right shape."""
    theta = np.array(x0, dtype=float)
    points, stage = [theta.copy()], "when it was made"
    try:
        optimizer = make()
        params = {"theta": theta}
        for t in range(1, steps + 1):
            stage = f"in update {t}"
            optimizer.update(params, {"theta": f.grad(params["theta"])})
            point = np.array(params["theta"], dtype=float)
            if point.shape != theta.shape or not np.all(np.isfinite(point)):
                return None, (f"After update {t}, params['theta'] is {params['theta']!r:.60}, "
                              f"not {theta.size} finite numbers.")
            points.append(point)
    except Exception as error:   # the learner's code: report it, do not crash
        return None, f"Your optimizer raised {type(error).__name__} {stage}: {error}"
    return np.array(points), ""


def as_column(answer, n: int):
    """A flat answer of ``n`` numbers as an (n, 1) column, for :func:`check_points`; any
    other answer unchanged, so that its shape is reported as it was given."""
    return np.reshape(answer, (-1, 1)) if np.size(answer) == n else answer


class Uphill(Function):
    """``-f``: a descent method run on it climbs ``f``, which is how checks recognize the
    most common slip of all, a step along the gradient instead of against it."""

    def __init__(self, f: Function):
        self.f, self.dim, self.name = f, f.dim, f"-({f.name})"

    def value(self, x):
        return -self.f.value(x)

    def gradient(self, x):
        return -self.f.gradient(x)


def format_point(p) -> str:
    """``(1, -2.5)``: a point as the feedback writes it."""
    return "(" + ", ".join(f"{c:g}" for c in p) + ")"


def join_names(names) -> str:
    """``x1, x2 and x3``."""
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]


def _as_points(answer, names, dim: int, what: str):
    """Turn an answer into a (len(names), dim) array or explain why it cannot be. With
    ``dim == 1`` a flat list of numbers is accepted too, and the explanation counts numbers
    (``should have 2 numbers, ∂f/∂x and ∂f/∂y; you gave 3``)."""
    n_points = len(names)
    wanted = (f"{n_points} number{'s' if n_points > 1 else ''}, {join_names(names)}"
              if dim == 1 else f"{n_points} points of {dim} numbers each")
    try:
        array = np.asarray(answer, dtype=float)
    except (TypeError, ValueError):
        return None, f"{what} should be {wanted}; got {answer!r}."
    if array.shape == (n_points, dim):
        return array, ""
    if dim > 1:
        return None, (f"{what} should have {wanted} (shape ({n_points}, {dim})); yours has "
                      f"shape {array.shape}.")
    if array.ndim <= 1 or array.shape[1:] == (1,):   # a list (or column) of numbers
        if array.size == n_points:
            return array.reshape(n_points, 1), ""
        return None, f"{what} should have {wanted}; you gave {array.size}."
    return None, f"{what} should be a list of {wanted}; yours has shape {array.shape}."
