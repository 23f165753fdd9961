r"""Learning-rate schedules: callables of the update number ``t = 1, 2, 3, ...``.

A schedule is passed wherever a learning rate is, ``gdlab.SGD(lr=InverseTimeDecay(0.1, 0.5))``;
the optimizer calls it with its own update counter before each update.

**How every schedule counts.** ``lr(t)`` is the rate of update ``t``; the formulas below use
:math:`n = t - 1`, the number of updates already done. This is torch's convention:
``lr(t)`` equals the learning rate of a ``torch.optim.lr_scheduler`` after ``t - 1`` calls of
``scheduler.step()``, and the first update uses ``lr0``. Formulas follow the sources the book
quotes (Andrew Ng's Deep Learning Specialization for the first three, CS231n for the rest).

=====================  ===============================================================================  ===========================================
schedule               ``lr(t)``, with :math:`n = t - 1`                                                ``torch.optim.lr_scheduler``
=====================  ===============================================================================  ===========================================
``Constant``           :math:`\alpha_0`                                                                 ``ConstantLR(factor=1)``
``InverseTimeDecay``   :math:`\alpha_0 / (1 + r n)`                                                     ``LambdaLR(lambda n: 1 / (1 + r*n))``
``ExponentialDecay``   :math:`\gamma^{n}\,\alpha_0`                                                     ``ExponentialLR(gamma)``
``InverseSqrtDecay``   :math:`k\,\alpha_0 / \sqrt{n + 1}`                                               ``LambdaLR(lambda n: k / sqrt(n + 1))``
``StepDecay``          :math:`\alpha_0\,\gamma^{\lfloor n/s \rfloor}` (staircase)                       ``StepLR(step_size, gamma)``
``PiecewiseConstant``  ``values[i]``, i = how many boundaries are :math:`\le n`                         ``MultiStepLR(boundaries, gamma)``
``CosineDecay``        :math:`\alpha_{min} + \tfrac12(\alpha_0-\alpha_{min})(1+\cos(\pi \min(n,T)/T))`  ``CosineAnnealingLR(T, lr_min)``, n <= T
``LinearDecay``        :math:`\alpha_0 + (\alpha_{min}-\alpha_0)\min(n,T)/T`                            ``LinearLR(1, lr_min / lr0, T)``
``Warmup``             ``schedule(t) * min(1, t / w)``                                                  ``LambdaLR(lambda n: min(1, (n + 1) / w))``
=====================  ===============================================================================  ===========================================

``w`` is ``warmup_steps``; ``PiecewiseConstant`` equals ``MultiStepLR`` when
``values[i] = lr0 * gamma**i``. Two exceptions to "the first update uses lr0", as in torch:
``InverseSqrtDecay`` starts at ``k * lr0`` and ``Warmup`` at ``schedule(1) / w``.

**Ng's epoch number n.** With epochs counted from 0, :math:`n = t - 1`, Ng's formulas are
the table's: ``InverseTimeDecay(a0, r)`` is :math:`\alpha_0/(1 + r n)` and
``ExponentialDecay(a0, 0.95)`` is :math:`0.95^n\alpha_0`. His slides count epochs from 1
(:math:`\alpha_0 = 0.2`, ``decay_rate = 1``: 0.1, 0.067, 0.05 for epochs 1, 2, 3); the same
numbers, epoch 1 as the first update, come from ``InverseTimeDecay(a0 / (1 + r), r / (1 + r))``
and ``ExponentialDecay(0.95 * a0, 0.95)``. His :math:`k/\sqrt{n}\cdot\alpha_0` counts ``n``
from 1: it is ``InverseSqrtDecay(a0, k)`` with ``n = t`` (never 1/0). To change the rate once
per epoch rather than once per update, wrap with ``PerEpoch(schedule, steps_per_epoch)``: the
inner schedule gets the epoch index 1, 2, ... in place of ``t``, so the first epoch uses
``lr0``, as when torch's scheduler is stepped once per epoch.
"""

from __future__ import annotations

import math
from numbers import Real

from .validation import check_in_range, check_positive_int

__all__ = [
    "Schedule", "Constant", "InverseTimeDecay", "ExponentialDecay", "InverseSqrtDecay",
    "StepDecay", "PiecewiseConstant", "CosineDecay", "LinearDecay", "Warmup", "PerEpoch",
]


def _check_schedule(name: str, schedule, *, number_ok: bool = False):
    """``schedule`` if it is callable, a schedule ``lr(t)``; with ``number_ok`` a number
    >= 0 too, as ``Constant(schedule)``. Anything else raises naming ``name``."""
    if callable(schedule):
        return schedule
    if number_ok and isinstance(schedule, Real):
        return Constant(check_in_range(name, schedule, 0.0))
    allowed = ", or a number >= 0" if number_ok else ""
    raise ValueError(f"{name} must be a schedule, a callable lr(t) of the update number "
                     f"t = 1, 2, ...{allowed}; got {schedule!r}")


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
    """``lr(t) = lr0 / (1 + decay_rate * (t - 1))`` (Ng's ``1/(1 + decay_rate * epoch_num)``,
    epochs counted from 0)."""

    def __init__(self, lr0: float, decay_rate: float):
        self.lr0 = check_in_range("lr0", lr0, 0.0)
        self.decay_rate = check_in_range("decay_rate", decay_rate, 0.0)

    def rate(self, t):
        return self.lr0 / (1.0 + self.decay_rate * (t - 1))


class ExponentialDecay(Schedule):
    """``lr(t) = gamma**(t - 1) * lr0`` (Ng's ``0.95**epoch_num * lr0``, epochs from 0)."""

    def __init__(self, lr0: float, gamma: float = 0.95):
        self.lr0 = check_in_range("lr0", lr0, 0.0)
        self.gamma = check_in_range("gamma", gamma, 0.0, 1.0, low_open=True)

    def rate(self, t):
        return self.lr0 * self.gamma ** (t - 1)


class InverseSqrtDecay(Schedule):
    """``lr(t) = k * lr0 / sqrt(t)``, ``t`` from 1 so never 1/0 (Ng's ``k/sqrt(n)`` with
    ``n = t``; CS231n's inverse sqrt with k=1); the first update uses ``k * lr0``."""

    def __init__(self, lr0: float, k: float = 1.0):
        self.lr0 = check_in_range("lr0", lr0, 0.0)
        self.k = check_in_range("k", k, 0.0, low_open=True)

    def rate(self, t):
        return self.k * self.lr0 / math.sqrt(t)


class StepDecay(Schedule):
    """Staircase: ``lr(t) = lr0 * gamma ** ((t - 1) // step_size)``.

    The first ``step_size`` updates use ``lr0``, the next ``step_size`` use ``gamma*lr0``, ...
    """

    def __init__(self, lr0: float, step_size: int, gamma: float = 0.1):
        self.lr0 = check_in_range("lr0", lr0, 0.0)
        self.step_size = check_positive_int("step_size", step_size)
        self.gamma = check_in_range("gamma", gamma, 0.0, 1.0, low_open=True)

    def rate(self, t):
        return self.lr0 * self.gamma ** ((t - 1) // self.step_size)


class PiecewiseConstant(Schedule):
    """Manual decay: ``values[i]`` for ``boundaries[i-1] < t <= boundaries[i]``.

    ``PiecewiseConstant([100, 200], [0.1, 0.01, 0.001])`` uses 0.1 for updates 1-100,
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
    """Shared by the schedules that travel from ``lr0`` (update 1) to ``lr_min`` (update
    ``total_steps + 1``, after ``total_steps`` updates, torch's ``T_max``/``total_iters``)."""

    def __init__(self, lr0: float, total_steps: int, lr_min: float = 0.0):
        self.lr0 = check_in_range("lr0", lr0, 0.0)
        self.total_steps = check_positive_int("total_steps", total_steps)
        self.lr_min = check_in_range("lr_min", lr_min, 0.0, self.lr0)

    def progress(self, t: int) -> float:
        """How far along the decay update ``t`` is: ``min(t - 1, T) / T``, 0 to 1."""
        return min(t - 1, self.total_steps) / self.total_steps


class CosineDecay(_DecayToMinimum):
    """``lr(t) = lr_min + (lr0 - lr_min) * (1 + cos(pi * min(t - 1, T) / T)) / 2``.

    Equal to torch's ``CosineAnnealingLR(T_max=T, eta_min=lr_min)`` up to ``t = T + 1``.
    After that gdlab holds ``lr_min``, while torch carries the cosine on: its rate climbs
    back to ``lr0`` at ``t = 2T + 1`` (period ``2T``).
    """

    def rate(self, t):
        cosine = 1.0 + math.cos(math.pi * self.progress(t))
        return self.lr_min + 0.5 * (self.lr0 - self.lr_min) * cosine


class LinearDecay(_DecayToMinimum):
    """``lr(t) = lr_min + (lr0 - lr_min) * (1 - min(t - 1, T) / T)``, then ``lr_min``."""

    def rate(self, t):
        return self.lr_min + (self.lr0 - self.lr_min) * (1.0 - self.progress(t))


class Warmup(Schedule):
    """Linear warm-up in front of any schedule: ``schedule(t) * min(1, t / warmup_steps)``.

    ``schedule`` may also be a number >= 0 (a constant rate after warm-up). An exception
    to "the first update uses lr0": update 1 uses ``schedule(1) / warmup_steps``.
    """

    def __init__(self, schedule, warmup_steps: int):
        self.schedule = _check_schedule("schedule", schedule, number_ok=True)
        self.warmup_steps = check_positive_int("warmup_steps", warmup_steps)

    def rate(self, t):
        return self.schedule(t) * min(1.0, t / self.warmup_steps)


class PerEpoch(Schedule):
    """Hold a schedule constant within an epoch: ``schedule(ceil(t / steps_per_epoch))``,
    the epoch index counted from 1 (so the first epoch uses ``lr0``)."""

    def __init__(self, schedule, steps_per_epoch: int):
        self.schedule = _check_schedule("schedule", schedule)
        self.steps_per_epoch = check_positive_int("steps_per_epoch", steps_per_epoch)

    def rate(self, t):
        return self.schedule(-(-t // self.steps_per_epoch))
