"""Argument checks shared by the package.

Every check raises ``ValueError`` with a message that names the parameter, the value
it got and what is allowed, so that a typo is caught where it is made::

    >>> check_in_range("beta", 1.5, 0.0, 1.0, high_open=True)
    Traceback (most recent call last):
    ...
    ValueError: beta must be in [0, 1), got 1.5
"""

from __future__ import annotations

import math
from numbers import Integral, Real

import numpy as np


def _fmt(x: float) -> str:
    return f"{x:g}" if isinstance(x, (int, float)) else repr(x)


def check_real(name: str, value) -> float:
    """Return ``value`` as a float, or raise if it is not a finite real number."""
    if isinstance(value, bool) or not isinstance(value, (Real, np.floating, np.integer)):
        raise ValueError(f"{name} must be a finite real number, got {value!r}")
    value = float(value)
    if not math.isfinite(value):
        raise ValueError(f"{name} must be a finite real number, got {value!r}")
    return value


def check_in_range(name: str, value, low: float, high: float = math.inf,
                   *, low_open: bool = False, high_open: bool = False) -> float:
    """Return ``value`` as a float if it lies in the interval, else raise.

    ``low_open`` / ``high_open`` exclude the end points, so ``[0, 1)`` is
    ``check_in_range(name, v, 0, 1, high_open=True)``.
    """
    value = check_real(name, value)
    too_low = value <= low if low_open else value < low
    too_high = value >= high if high_open else value > high
    if too_low or too_high:
        left = "(" if low_open else "["
        right = ")" if (high_open or math.isinf(high)) else "]"
        upper = "inf" if math.isinf(high) else _fmt(high)
        raise ValueError(f"{name} must be in {left}{_fmt(low)}, {upper}{right}, got {value:g}")
    return value


def check_positive_int(name: str, value, minimum: int = 1) -> int:
    """Return ``value`` as an int if it is a whole number >= ``minimum``, else raise."""
    if isinstance(value, bool) or not isinstance(value, Integral):
        raise ValueError(f"{name} must be a whole number >= {minimum}, got {value!r}")
    if value < minimum:
        raise ValueError(f"{name} must be a whole number >= {minimum}, got {value}")
    return int(value)


def check_finite_array(name: str, value, *, ndim: int | None = None) -> np.ndarray:
    """Return ``value`` as a float64 array, raising if it has NaN/inf or the wrong rank."""
    try:
        array = np.asarray(value, dtype=float)
    except (TypeError, ValueError):
        raise ValueError(f"{name} must be an array of real numbers, got {value!r}") from None
    if ndim is not None and array.ndim != ndim:
        raise ValueError(f"{name} must be a {ndim}-D array, got shape {array.shape}")
    if not np.all(np.isfinite(array)):
        bad = array[~np.isfinite(array)].ravel()[0]
        raise ValueError(f"{name} must contain only finite numbers, found {bad}")
    return array


def check_choice(name: str, value, allowed) -> object:
    """Return ``value`` if it is one of ``allowed``, else raise listing the choices."""
    if value not in allowed:
        choices = ", ".join(repr(a) for a in allowed)
        raise ValueError(f"{name} must be one of {choices}; got {value!r}")
    return value


def check_real_array(name: str, value, low: float = -math.inf, high: float = math.inf):
    """``value`` (a number or an array of them) as floats, every entry finite and in
    [low, high]: a number comes back as a NumPy float, an array as a float array, so
    closed-form formulas broadcast over either."""
    if np.ndim(value) == 0 and not isinstance(value, np.ndarray):
        return np.float64(check_in_range(name, value, low, high))
    try:
        array = np.asarray(value, dtype=float)
    except (TypeError, ValueError):
        raise ValueError(f"{name} must be a real number or an array of them, "
                         f"got {value!r}") from None
    bad = ~np.isfinite(array) | (array < low) | (array > high)
    if np.any(bad):
        left = "(-inf" if math.isinf(low) else f"[{_fmt(low)}"
        right = "inf)" if math.isinf(high) else f"{_fmt(high)}]"
        raise ValueError(f"{name} must be finite and in {left}, {right}, "
                         f"got {array[bad].ravel()[0]:g}")
    return array


def check_steps(name: str, value):
    """``value`` as a float array of whole step numbers t >= 1 (a number or an array of
    them), for formulas that broadcast over steps."""
    if isinstance(value, (bool, np.bool_)) or (isinstance(value, np.ndarray)
                                               and value.dtype == bool):
        raise ValueError(f"{name} must be a whole number >= 1 (or an array of them), "
                         f"got {value!r}")
    try:
        array = np.asarray(value, dtype=float)
    except (TypeError, ValueError):
        raise ValueError(f"{name} must be a whole number >= 1 (or an array of them), "
                         f"got {value!r}") from None
    bad = ~np.isfinite(array) | (array < 1) | (array != np.round(array))
    if np.any(bad):
        raise ValueError(f"{name} must be a whole number >= 1, got {array[bad].ravel()[0]:g}")
    return array


def plain(value):
    """A result in the form its inputs had: a Python float for a 0-d array or NumPy
    scalar, anything else unchanged (the way out of :func:`check_real_array`)."""
    return float(value) if np.ndim(value) == 0 else value


def check_flag(name: str, value) -> bool:
    """Return ``value`` if it is True or False (a NumPy bool too), else raise: a flag given
    as the string "False" must not quietly count as True."""
    if not isinstance(value, (bool, np.bool_)):
        raise ValueError(f"{name} must be True or False, got {value!r}")
    return bool(value)


def check_point(name: str, value, dim: int, where: str) -> np.ndarray:
    """``value`` as a point of a ``dim``-dimensional landscape (``where`` names it): a
    float64 array of shape (dim,) with finite entries."""
    point = check_finite_array(name, value, ndim=1)
    if point.shape != (dim,):
        raise ValueError(f"{name} must have shape ({dim},) for {where}, got {point.shape}")
    return point
