"""Run an optimizer on a landscape and keep the whole path.

``run(optimizer, f, x0, steps)`` starts at ``x0``, takes ``steps`` updates with
``f.grad`` and returns a :class:`Trajectory`. If the run diverges (see :func:`run` for the
three tests) it stops there, keeps the path up to the step before, and says which test fired
and when in ``trajectory.status``.

``replay(optimizer, grads, x0)`` is the open-loop version: the gradients are given in
advance (as in a worked example, or a parity test against another library) instead of
being computed at each iterate.
"""

from __future__ import annotations

import math

from dataclasses import dataclass, field
from numbers import Integral

import numpy as np

from .validation import check_finite_array, check_in_range, check_point, check_positive_int

__all__ = ["Trajectory", "run", "replay", "settles_below"]

MAX_TRAJECTORY_BYTES = 2 ** 30   # 1 GiB: the largest path run() agrees to keep


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


def run(optimizer, f, x0, steps: int, max_norm: float = 1e10,
        growth: float = 1e6) -> Trajectory:
    r"""Take ``steps`` updates of ``optimizer`` on ``f`` from ``x0``; return the Trajectory.

    The run *diverges* at step :math:`t`, and stops keeping :math:`x_0, \dots, x_{t-1}`,
    when the first of these tests fires:

    * the gradient, the iterate or the loss is not finite;
    * :math:`\lVert x_t\rVert >` ``max_norm``;
    * the loss has grown ``growth``-fold: :math:`f(x_t) - f^* > \text{growth}\,(f(x_0) - f^*)`
      on a landscape that knows its minimum value :math:`f^*` (skipped if :math:`x_0` is
      a minimizer), else :math:`f(x_t) > \text{growth}\,(|f(x_0)| + 1)`. Only a rising loss
      counts: falling without bound down a saddle is descent, and the norm test catches it.

    The default ``growth = 1e6`` stops a slowly unstable run (SGD at lr = 2.02/L on a
    quadratic) long before ``max_norm`` would, while the bounded detours of runs that do
    converge stay far below it (Adam's on Rosenbrock from (-1.5, 2) rise about 2e4-fold).
    A huge value such as ``np.finfo(float).max`` turns a test off in practice.

    The path is kept in memory, (steps + 1) × (d + 1) floats: budgets above
    ``MAX_TRAJECTORY_BYTES`` (1 GiB) are refused. The optimizer is used as given (not
    reset), so pass a fresh one per run.
    """
    _check_optimizer(optimizer)
    _check_landscape(f)
    steps = _check_budget(steps, f.dim)
    max_norm = check_in_range("max_norm", max_norm, 0.0, low_open=True)
    growth = check_in_range("growth", growth, 1.0, low_open=True)
    x = check_point("x0", x0, f.dim, f.name).copy()
    xs, losses = np.empty((steps + 1, f.dim)), np.empty(steps + 1)
    xs[0], losses[0] = x, f(x)
    with np.errstate(over="ignore", invalid="ignore"):  # divergence is reported, not warned
        status, kept = _iterate(optimizer, f, x, max_norm, _growth_test(f, losses[0], growth),
                                xs, losses)
    if kept < steps:
        xs, losses = xs[:kept + 1].copy(), losses[:kept + 1].copy()
    return Trajectory(xs, losses, getattr(optimizer, "name", ""), getattr(f, "name", ""),
                      status != "finished", status,
                      getattr(f, "minimum", None), getattr(f, "min_value", None))


def _check_optimizer(optimizer) -> None:
    """Raise unless ``optimizer`` is an object with an ``update(params, grads)`` method."""
    if isinstance(optimizer, type) or not callable(getattr(optimizer, "update", None)):
        raise ValueError(f"optimizer must be an optimizer with an update(params, grads) "
                         f"method, such as gdlab.SGD(lr=0.1) (an instance, not the class), "
                         f"got {optimizer!r}")


def _check_landscape(f) -> None:
    """Raise unless ``f`` is a landscape: callable, with ``f.grad(x)`` and a whole ``f.dim``."""
    missing = [part for part, ok in [
        ("f(x)", callable(f)), ("f.grad(x)", callable(getattr(f, "grad", None))),
        ("f.dim", isinstance(getattr(f, "dim", None), Integral))] if not ok]
    if isinstance(f, type) or missing:
        lacks = f"; it has no {' or '.join(missing)}" if missing else " (the class itself)"
        raise ValueError(f"f must be a landscape with f(x), f.grad(x) and f.dim, such as "
                         f"gdlab.rosenbrock or gdlab.Quadratic(A), got {f!r}{lacks}")


def _check_budget(steps, dim: int) -> int:
    """``steps`` if its path, (steps + 1) × (dim + 1) floats of 8 bytes, fits in
    ``MAX_TRAJECTORY_BYTES``; else raise with the bytes it would need."""
    steps = check_positive_int("steps", steps, minimum=0)
    needed = (steps + 1) * (dim + 1) * 8
    if needed > MAX_TRAJECTORY_BYTES:
        most = MAX_TRAJECTORY_BYTES // ((dim + 1) * 8) - 1
        raise ValueError(f"steps must be at most {most:,} for a {dim}-D run (its path must fit "
                         f"in {MAX_TRAJECTORY_BYTES:,} bytes, 1 GiB), got {steps:,}, which "
                         f"would need {needed:,} bytes")
    return steps


def _growth_test(f, first_loss: float, growth: float):
    """The loss test of :func:`run`: a function of f(x_t) that returns why the loss counts
    as diverged, or ``None``."""
    min_value = getattr(f, "min_value", None)
    if min_value is not None:
        start_gap = first_loss - min_value
        if start_gap <= 0:   # x0 is a minimizer: no scale to grow from
            return lambda loss: None
        return lambda loss: (f"the loss gap f - f* grew more than {growth:g}-fold (from "
                             f"{start_gap:.2g} to {loss - min_value:.2g})"
                             if loss - min_value > growth * start_gap else None)
    limit = growth * (abs(first_loss) + 1.0)
    return lambda loss: (f"the loss rose above {growth:g} × (|f(x0)| + 1) (from "
                         f"{first_loss:.2g} to {loss:.2g})" if loss > limit else None)


def _iterate(optimizer, f, x, max_norm, grown, xs, losses):
    """The loop of :func:`run`: fills ``xs``/``losses`` from row 1 on, returns (status, the
    number of steps kept)."""
    for t in range(1, len(xs)):
        g = f.grad(x)
        if not np.isfinite(g).all():
            return f"diverged at step {t}: the gradient is not finite", t - 1
        optimizer.update(x, g)
        loss = f(x)
        if not (np.isfinite(x).all() and math.isfinite(loss)):
            return f"diverged at step {t}: the iterate or the loss is not finite", t - 1
        if np.linalg.norm(x) > max_norm:
            return f"diverged at step {t}: |x| exceeded {max_norm:g}", t - 1
        why = grown(loss)
        if why:
            return f"diverged at step {t}: {why}", t - 1
        xs[t], losses[t] = x, loss
    return "finished", len(xs) - 1


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
