"""Learning-rate schedules: the formulas of the sources, checked at chosen steps."""

import math

import numpy as np
import pytest

import gdlab
from gdlab import schedules as s


def test_ng_formulas():
    inv = s.InverseTimeDecay(0.2, decay_rate=1.0)          # 0.2 / (1 + n)
    assert [inv(n) for n in (1, 2, 3, 4)] == pytest.approx([0.1, 0.2 / 3, 0.05, 0.04])
    exp = s.ExponentialDecay(0.2, gamma=0.95)
    assert exp(1) == pytest.approx(0.19) and exp(10) == pytest.approx(0.2 * 0.95 ** 10)
    sq = s.InverseSqrtDecay(0.2, k=3.0)
    assert sq(4) == pytest.approx(0.3) and sq(9) == pytest.approx(0.2)


def test_step_and_piecewise():
    step = s.StepDecay(1.0, step_size=10, gamma=0.5)
    assert [step(t) for t in (1, 10, 11, 20, 21)] == [1.0, 1.0, 0.5, 0.5, 0.25]
    manual = s.PiecewiseConstant([100, 200], [0.1, 0.01, 0.001])
    assert [manual(t) for t in (1, 100, 101, 200, 201, 10**6)] == [0.1, 0.1, 0.01, 0.01,
                                                                  0.001, 0.001]


def test_cosine_and_linear_go_from_lr0_to_lr_min():
    cos = s.CosineDecay(1.0, total_steps=100, lr_min=0.1)
    lin = s.LinearDecay(1.0, total_steps=100, lr_min=0.1)
    assert cos(50) == pytest.approx(0.55) and lin(50) == pytest.approx(0.55)
    assert cos(100) == pytest.approx(0.1) and cos(500) == pytest.approx(0.1)
    assert lin(100) == pytest.approx(0.1)
    ts = np.arange(1, 120)
    for sched in (cos, lin):
        rates = np.array([sched(t) for t in ts])
        assert np.all(np.diff(rates) <= 1e-15) and rates[0] < 1.0
    assert cos(25) == pytest.approx(0.1 + 0.45 * (1 + math.cos(math.pi / 4)))


def test_warmup_ramps_then_follows_the_schedule():
    warm = s.Warmup(s.CosineDecay(1.0, 100), warmup_steps=10)
    assert warm(1) == pytest.approx(0.1 * s.CosineDecay(1.0, 100)(1))
    assert warm(10) == pytest.approx(s.CosineDecay(1.0, 100)(10))
    assert warm(50) == pytest.approx(0.5)
    assert s.Warmup(0.3, 3)(2) == pytest.approx(0.2)


def test_per_epoch_holds_the_rate_within_an_epoch():
    per = s.PerEpoch(s.InverseTimeDecay(1.0, 1.0), steps_per_epoch=5)
    assert [per(t) for t in (1, 5, 6, 10, 11)] == pytest.approx([0.5, 0.5, 1 / 3, 1 / 3, 0.25])


def test_optimizer_uses_the_schedule_at_each_step():
    opt = gdlab.SGD(lr=s.PiecewiseConstant([1], [1.0, 0.1]))
    x = np.array([0.0])
    opt.update(x, np.array([1.0]))    # step 1: lr 1.0
    opt.update(x, np.array([1.0]))    # step 2: lr 0.1
    assert x[0] == pytest.approx(-1.1)
    assert opt.current_lr() == pytest.approx(0.1)


def test_constant_and_repr():
    assert s.Constant(0.3)(7) == 0.3
    assert repr(s.StepDecay(1.0, 10)) == "StepDecay(lr0=1.0, step_size=10, gamma=0.1)"
