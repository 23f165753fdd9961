r"""Learning-rate schedules: callables of the step number ``t = 1, 2, 3, ...``.

A schedule is passed wherever a learning rate is, ``gdlab.SGD(lr=InverseTimeDecay(0.1, 0.5))``;
the optimizer calls it with its own step counter before each update. Formulas follow
the sources the book quotes (Andrew Ng's Deep Learning Specialization for the first three,
CS231n for cosine, linear and inverse square root).

=======================  =====================================================
schedule                 ``lr(t)``
=======================  =====================================================
``Constant``             :math:`\alpha_0`
``InverseTimeDecay``     :math:`\alpha_0 / (1 + r t)`
``ExponentialDecay``     :math:`\gamma^{t}\,\alpha_0` (e.g. :math:`0.95^t\alpha_0`)
``InverseSqrtDecay``     :math:`k\,\alpha_0 / \sqrt{t}`
``StepDecay``            :math:`\alpha_0\,\gamma^{\lfloor (t-1)/s \rfloor}` (staircase)
``PiecewiseConstant``    values[i] on the i-th interval between boundaries
``CosineDecay``          :math:`\alpha_{min} + \tfrac12(\alpha_0-\alpha_{min})(1+\cos(\pi \min(t,T)/T))`
``LinearDecay``          :math:`\alpha_{min} + (\alpha_0-\alpha_{min})(1 - \min(t,T)/T)`
``Warmup``               ``schedule(t) * min(1, t / warmup_steps)``
=======================  =====================================================

Ng writes the decays in terms of the epoch number ``n``; here the counter is whatever
calls the schedule (optimizers count updates). To decay once per epoch, wrap with
``PerEpoch(schedule, steps_per_epoch)``.
"""

from __future__ import annotations

import math

from .validation import check_in_range, check_positive_int

__all__ = [
    "Schedule", "Constant", "InverseTimeDecay", "ExponentialDecay", "InverseSqrtDecay",
    "StepDecay", "PiecewiseConstant", "CosineDecay", "LinearDecay", "Warmup", "PerEpoch",
]


class Schedule:
    """Base class: subclasses implement ``rate(t)``; calling checks ``t`` first."""

    def __call__(self, t: int) -> float:
        return self.rate(check_positive_int("t", t))

    def rate(self, t: int) -> float:  # pragma: no cover - abstract
        raise NotImplementedError

    def __repr__(self) -> str:
        args = ", ".join(f"{k}={v!r}" for k, v in vars(self).items())
        return f"{type(self).__name__}({args})"


class Constant(Schedule):
    """``lr(t) = lr0``."""

    def __init__(self, lr0: float):
        self.lr0 = check_in_range("lr0", lr0, 0.0)

    def rate(self, t):
        return self.lr0


class InverseTimeDecay(Schedule):
    """``lr(t) = lr0 / (1 + rate * t)`` (Ng's ``1/(1 + decay_rate * epoch_num)``)."""

    def __init__(self, lr0: float, decay_rate: float):
        self.lr0 = check_in_range("lr0", lr0, 0.0)
        self.decay_rate = check_in_range("decay_rate", decay_rate, 0.0)

    def rate(self, t):
        return self.lr0 / (1.0 + self.decay_rate * t)


class ExponentialDecay(Schedule):
    """``lr(t) = gamma**t * lr0`` (Ng's ``0.95**epoch_num * lr0``)."""

    def __init__(self, lr0: float, gamma: float = 0.95):
        self.lr0 = check_in_range("lr0", lr0, 0.0)
        self.gamma = check_in_range("gamma", gamma, 0.0, 1.0, low_open=True)

    def rate(self, t):
        return self.lr0 * self.gamma ** t


class InverseSqrtDecay(Schedule):
    """``lr(t) = k * lr0 / sqrt(t)`` (Ng's ``k/sqrt(n)``; CS231n's inverse sqrt with k=1)."""

    def __init__(self, lr0: float, k: float = 1.0):
        self.lr0 = check_in_range("lr0", lr0, 0.0)
        self.k = check_in_range("k", k, 0.0, low_open=True)

    def rate(self, t):
        return self.k * self.lr0 / math.sqrt(t)


class StepDecay(Schedule):
    """Staircase: ``lr(t) = lr0 * gamma ** ((t - 1) // step_size)``.

    The first ``step_size`` steps use ``lr0``, the next ``step_size`` use ``gamma*lr0``, ...
    """

    def __init__(self, lr0: float, step_size: int, gamma: float = 0.1):
        self.lr0 = check_in_range("lr0", lr0, 0.0)
        self.step_size = check_positive_int("step_size", step_size)
        self.gamma = check_in_range("gamma", gamma, 0.0, 1.0, low_open=True)

    def rate(self, t):
        return self.lr0 * self.gamma ** ((t - 1) // self.step_size)


class PiecewiseConstant(Schedule):
    """Manual decay: ``values[i]`` for ``boundaries[i-1] < t <= boundaries[i]``.

    ``PiecewiseConstant([100, 200], [0.1, 0.01, 0.001])`` uses 0.1 for steps 1-100,
    0.01 for 101-200 and 0.001 afterwards.
    """

    def __init__(self, boundaries, values):
        self.boundaries = [check_positive_int("boundaries[i]", b) for b in boundaries]
        self.values = [check_in_range("values[i]", v, 0.0) for v in values]
        if len(self.values) != len(self.boundaries) + 1:
            raise ValueError(
                f"values must have len(boundaries) + 1 = {len(self.boundaries) + 1} entries, "
                f"got {len(self.values)}")
        if any(b2 <= b1 for b1, b2 in zip(self.boundaries, self.boundaries[1:])):
            raise ValueError(f"boundaries must be strictly increasing, got {self.boundaries}")

    def rate(self, t):
        index = sum(t > b for b in self.boundaries)
        return self.values[index]


class _DecayToMinimum(Schedule):
    """Shared by the schedules that travel from ``lr0`` to ``lr_min`` in ``total_steps``."""

    def __init__(self, lr0: float, total_steps: int, lr_min: float = 0.0):
        self.lr0 = check_in_range("lr0", lr0, 0.0)
        self.total_steps = check_positive_int("total_steps", total_steps)
        self.lr_min = check_in_range("lr_min", lr_min, 0.0, self.lr0)

    def progress(self, t: int) -> float:
        """How far along the decay step ``t`` is, from 0 to 1 (and 1 afterwards)."""
        return min(t, self.total_steps) / self.total_steps


class CosineDecay(_DecayToMinimum):
    """``lr(t) = lr_min + (lr0 - lr_min) * (1 + cos(pi * min(t, T) / T)) / 2``."""

    def rate(self, t):
        cosine = 1.0 + math.cos(math.pi * self.progress(t))
        return self.lr_min + 0.5 * (self.lr0 - self.lr_min) * cosine


class LinearDecay(_DecayToMinimum):
    """``lr(t) = lr_min + (lr0 - lr_min) * (1 - min(t, T) / T)``."""

    def rate(self, t):
        return self.lr_min + (self.lr0 - self.lr_min) * (1.0 - self.progress(t))


class Warmup(Schedule):
    """Linear warm-up in front of any schedule: ``schedule(t) * min(1, t / warmup_steps)``.

    ``schedule`` may also be a plain float (a constant rate after warm-up).
    """

    def __init__(self, schedule, warmup_steps: int):
        self.schedule = schedule if callable(schedule) else Constant(schedule)
        self.warmup_steps = check_positive_int("warmup_steps", warmup_steps)

    def rate(self, t):
        return self.schedule(t) * min(1.0, t / self.warmup_steps)


class PerEpoch(Schedule):
    """Hold a schedule constant within an epoch: ``schedule(ceil(t / steps_per_epoch))``."""

    def __init__(self, schedule, steps_per_epoch: int):
        self.schedule = schedule
        self.steps_per_epoch = check_positive_int("steps_per_epoch", steps_per_epoch)

    def rate(self, t):
        return self.schedule(-(-t // self.steps_per_epoch))
