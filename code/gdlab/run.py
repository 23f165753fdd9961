"""Run an optimizer on a landscape and keep the whole path.

``run(optimizer, f, x0, steps)`` starts at ``x0``, takes ``steps`` updates with
``f.grad`` and returns a :class:`Trajectory`. If the iterates blow up (a value or gradient
that is not finite, or a point farther than ``max_norm`` from the origin) it stops there,
keeps the finite part of the path, and says so in ``trajectory.status``.

``replay(optimizer, grads, x0)`` is the open-loop version: the gradients are given in
advance (as in a worked example, or a parity test against another library) instead of
being computed at each iterate.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from .validation import check_finite_array, check_in_range, check_positive_int

__all__ = ["Trajectory", "run", "replay", "settles_below"]


@dataclass
class Trajectory:
    """The path of a run: ``xs`` (n+1, d) points and ``losses`` (n+1,) values, n <= steps."""

    xs: np.ndarray
    losses: np.ndarray
    optimizer: str = ""
    function: str = ""
    diverged: bool = False
    status: str = "finished"
    minimum: np.ndarray | None = field(default=None, repr=False)
    min_value: float | None = field(default=None, repr=False)

    @property
    def steps(self) -> int:
        """How many updates were taken (fewer than asked if the run diverged)."""
        return len(self.xs) - 1

    @property
    def final(self) -> np.ndarray:
        return self.xs[-1]

    def distances(self) -> np.ndarray:
        """Distance of every iterate to the function's minimum."""
        if self.minimum is None:
            raise ValueError(f"{self.function} has no minimum, so distances are undefined")
        return np.linalg.norm(self.xs - self.minimum, axis=1)

    def gaps(self) -> np.ndarray:
        """Sub-optimality ``f(x_t) - f*`` of every iterate."""
        if self.min_value is None:
            raise ValueError(f"{self.function} has no minimum value, so gaps are undefined")
        return self.losses - self.min_value

    def steps_to(self, tol: float, measure: str = "distance") -> int | None:
        """First step ``t`` from which on the distance (or gap) stays below ``tol``; None if never.

        "Stays" matters for oscillating methods, which can pass close to the minimum and
        swing away again.
        """
        tol = check_in_range("tol", tol, 0.0, low_open=True)
        values = {"distance": self.distances, "gap": self.gaps}
        if measure not in values:
            raise ValueError(f"measure must be 'distance' or 'gap', got {measure!r}")
        return None if self.diverged else settles_below(values[measure](), tol)

    def __repr__(self) -> str:
        return (f"Trajectory({self.optimizer} on {self.function}: {self.steps} steps, "
                f"final loss {self.losses[-1]:.4g}, {self.status})")


def settles_below(values, tol: float) -> int | None:
    """First index from which on ``|values|`` stays below ``tol``; None if the last one is not.

    ``settles_below([3, 0.5, 2, 0.1, 0.05], 1) == 3``: index 1 dips below 1 but swings back.
    """
    above = np.nonzero(np.abs(np.asarray(values)) >= tol)[0]
    if len(above) == 0:
        return 0
    first_below = int(above[-1]) + 1
    return first_below if first_below < len(values) else None


def run(optimizer, f, x0, steps: int, max_norm: float = 1e10) -> Trajectory:
    """Take ``steps`` updates of ``optimizer`` on ``f`` from ``x0``; return the Trajectory.

    The optimizer is used as given (not reset), so pass a fresh one per run.
    """
    steps = check_positive_int("steps", steps, minimum=0)
    max_norm = check_in_range("max_norm", max_norm, 0.0, low_open=True)
    x = check_finite_array("x0", x0, ndim=1).copy()
    if x.shape != (f.dim,):
        raise ValueError(f"x0 must have shape ({f.dim},) for {f.name}, got {x.shape}")
    xs, losses = [x.copy()], [f(x)]
    with np.errstate(over="ignore", invalid="ignore"):  # divergence is reported, not warned
        status, diverged = _iterate(optimizer, f, x, steps, max_norm, xs, losses)
    return Trajectory(np.array(xs), np.array(losses), getattr(optimizer, "name", ""),
                      getattr(f, "name", ""), diverged, status,
                      getattr(f, "minimum", None), getattr(f, "min_value", None))


def _iterate(optimizer, f, x, steps, max_norm, xs, losses):
    """The loop of :func:`run`; appends to ``xs``/``losses``, returns (status, diverged)."""
    for t in range(1, steps + 1):
        g = f.grad(x)
        if not np.all(np.isfinite(g)):
            return f"diverged at step {t}: the gradient is not finite", True
        optimizer.update(x, g)
        loss = f(x)
        if not (np.all(np.isfinite(x)) and np.isfinite(loss)) or np.linalg.norm(x) > max_norm:
            return f"diverged at step {t}: |x| exceeded {max_norm:g}", True
        xs.append(x.copy())
        losses.append(loss)
    return "finished", False


def replay(optimizer, grads, x0=0.0) -> np.ndarray:
    r"""The iterates :math:`\theta_0, \theta_1, \dots, \theta_T` of ``optimizer`` fed the
    given gradients :math:`g_1, \dots, g_T` (one row of ``grads`` per step), from
    :math:`\theta_0 =` ``x0`` (a number, or one per coordinate): shape (T + 1, d).

    A 1-D ``grads`` is one coordinate, one gradient per step. The optimizer is used as given
    (not reset), so pass a fresh one.
    """
    grads = check_finite_array("grads", grads)
    if grads.ndim not in (1, 2) or len(grads) == 0:
        raise ValueError(f"grads must hold one gradient per step, shape (T,) or (T, d) with "
                         f"T >= 1, got shape {grads.shape}")
    if grads.ndim == 1:
        grads = grads[:, None]
    x0 = check_finite_array("x0", x0)
    if x0.ndim > 1 or (x0.ndim == 1 and x0.shape != grads.shape[1:]):
        raise ValueError(f"x0 must be a number or have one entry per coordinate "
                         f"({grads.shape[1]}), got shape {x0.shape}")
    theta = np.broadcast_to(x0, grads.shape[1:]).astype(float)
    points = [theta.copy()]
    for g in grads:
        optimizer.update(theta, g)
        points.append(theta.copy())
    return np.array(points)
