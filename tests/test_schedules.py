"""Learning-rate schedules: torch's convention over 1,000 updates, the sources' formulas, and
bad input.

Each schedule's ``lr(t)`` must equal torch's learning rate after ``t - 1`` calls of
``scheduler.step()``. With torch installed the comparison is live; without it, against the
rates torch 2.13.0 recorded in tests/data/torch_schedules.npz
(``python scripts/record_torch_schedules.py``).
"""

import math
from pathlib import Path

import numpy as np
import pytest

import gdlab
from gdlab import schedules as s

try:
    import torch  # noqa: F401
    HAVE_TORCH = True
except ImportError:
    HAVE_TORCH = False

UPDATES = 1000
LR0 = 0.5
TOLERANCE = 1e-12          # relative; torch multiplies its rates step by step
REFERENCE_FILE = Path(__file__).parent / "data" / "torch_schedules.npz"


def _warmup_cosine(n):
    return min(1.0, (n + 1) / 50) * 0.5 * (1.0 + math.cos(math.pi * min(n, 999) / 999))


# case -> (gdlab schedule, torch scheduler made from an optimizer, torch steps per update)
CASES = {
    "ExponentialLR": (lambda: s.ExponentialDecay(LR0, gamma=0.99),
                      lambda opt, lrs: lrs.ExponentialLR(opt, gamma=0.99), 1),
    "StepLR": (lambda: s.StepDecay(LR0, step_size=30, gamma=0.5),
               lambda opt, lrs: lrs.StepLR(opt, step_size=30, gamma=0.5), 1),
    "MultiStepLR": (lambda: s.PiecewiseConstant([100, 250, 600], [LR0 * 0.1 ** i
                                                                  for i in range(4)]),
                    lambda opt, lrs: lrs.MultiStepLR(opt, [100, 250, 600], gamma=0.1), 1),
    "CosineAnnealingLR": (lambda: s.CosineDecay(LR0, total_steps=UPDATES - 1, lr_min=0.01),
                          lambda opt, lrs: lrs.CosineAnnealingLR(opt, T_max=UPDATES - 1,
                                                                 eta_min=0.01), 1),
    "CosineAnnealingLR_beyond_T_max": (
        lambda: s.CosineDecay(LR0, total_steps=200, lr_min=0.01),
        lambda opt, lrs: lrs.CosineAnnealingLR(opt, T_max=200, eta_min=0.01), 1),
    "LinearLR": (lambda: s.LinearDecay(LR0, total_steps=400, lr_min=0.05),
                 lambda opt, lrs: lrs.LinearLR(opt, start_factor=1.0, end_factor=0.1,
                                               total_iters=400), 1),
    "LambdaLR_inverse_time": (lambda: s.InverseTimeDecay(LR0, decay_rate=0.01),
                              lambda opt, lrs: lrs.LambdaLR(opt, lambda n: 1 / (1 + 0.01 * n)),
                              1),
    "LambdaLR_inverse_sqrt": (lambda: s.InverseSqrtDecay(LR0, k=2.0),
                              lambda opt, lrs: lrs.LambdaLR(opt, lambda n: 2 / math.sqrt(n + 1)),
                              1),
    "LambdaLR_warmup": (lambda: s.Warmup(LR0, warmup_steps=50),
                        lambda opt, lrs: lrs.LambdaLR(opt, lambda n: min(1.0, (n + 1) / 50)), 1),
    "LambdaLR_warmup_cosine": (lambda: s.Warmup(s.CosineDecay(LR0, UPDATES - 1), 50),
                               lambda opt, lrs: lrs.LambdaLR(opt, _warmup_cosine), 1),
    "ExponentialLR_per_epoch": (lambda: s.PerEpoch(s.ExponentialDecay(LR0, 0.9), 10),
                                lambda opt, lrs: lrs.ExponentialLR(opt, gamma=0.9), 10),
    # chapter 8: Ng's decays stepped once per epoch, and his slide's count from epoch 1
    "LambdaLR_inverse_time_per_epoch": (
        lambda: s.PerEpoch(s.InverseTimeDecay(LR0, decay_rate=0.5), 10),
        lambda opt, lrs: lrs.LambdaLR(opt, lambda n: 1 / (1 + 0.5 * n)), 10),
    "LambdaLR_inverse_time_epochs_from_1": (
        lambda: s.PerEpoch(s.InverseTimeDecay(LR0 / (1 + 1.0), 1.0 / (1 + 1.0)), 10),
        lambda opt, lrs: lrs.LambdaLR(opt, lambda n: 1 / (1 + 1.0 * (n + 1))), 10),
    "LambdaLR_inverse_sqrt_per_epoch": (
        lambda: s.PerEpoch(s.InverseSqrtDecay(LR0, k=2.0), 10),
        lambda opt, lrs: lrs.LambdaLR(opt, lambda n: 2 / math.sqrt(n + 1)), 10),
}
# up to which update gdlab follows torch (CosineDecay holds lr_min after T_max, torch does not)
COMPARED = {"CosineAnnealingLR_beyond_T_max": 201}


def torch_rates(case: str) -> np.ndarray:
    """torch's learning rate of updates 1..UPDATES: read, update, then step the scheduler
    (once every ``steps per update`` updates)."""
    import torch
    _, make, every = CASES[case]
    optimizer = torch.optim.SGD([torch.zeros(1, requires_grad=True)], lr=LR0)
    scheduler = make(optimizer, torch.optim.lr_scheduler)
    rates = []
    for t in range(1, UPDATES + 1):
        rates.append(optimizer.param_groups[0]["lr"])
        optimizer.step()
        if t % every == 0:
            scheduler.step()
    return np.array(rates)


def gdlab_rates(case: str, shift: int = 0) -> np.ndarray:
    schedule = CASES[case][0]()
    return np.array([schedule(t + shift) for t in range(1, UPDATES + 1)])


def relative_difference(ours, theirs) -> float:
    """Largest ``|ours - theirs| / |theirs|`` (0 where both are 0)."""
    return float(np.max(np.abs(ours - theirs) / np.maximum(np.abs(theirs), 1e-300)))


def reference(case: str) -> np.ndarray:
    return torch_rates(case) if HAVE_TORCH else np.load(REFERENCE_FILE)[case]


@pytest.mark.parametrize("case", list(CASES))
def test_matches_recorded_torch(case):
    n = COMPARED.get(case, UPDATES)
    theirs = np.load(REFERENCE_FILE)[case]
    assert theirs.shape == (UPDATES,)
    assert relative_difference(gdlab_rates(case)[:n], theirs[:n]) <= TOLERANCE
    assert theirs[:n].max() > 1.5 * theirs[:n].min()      # the rate really changes


@pytest.mark.skipif(not HAVE_TORCH, reason="torch is not installed (the recorded rates are "
                                           "checked instead)")
@pytest.mark.parametrize("case", list(CASES))
def test_matches_live_torch(case):
    n = COMPARED.get(case, UPDATES)
    assert relative_difference(gdlab_rates(case)[:n], torch_rates(case)[:n]) <= TOLERANCE


@pytest.mark.skipif(not HAVE_TORCH, reason="torch is not installed")
def test_recording_is_current():
    recorded = np.load(REFERENCE_FILE)
    assert set(recorded.files) == set(CASES) | {"torch_version"}
    assert all(np.array_equal(recorded[case], torch_rates(case)) for case in CASES)


@pytest.mark.parametrize("case", list(CASES))
def test_one_update_ahead_would_be_caught(case):
    """The old convention (lr(t) one update ahead of torch) fails the comparison."""
    n = COMPARED.get(case, UPDATES)
    assert relative_difference(gdlab_rates(case, shift=1)[:n], reference(case)[:n]) > 1e-6


def test_first_update_uses_lr0():
    for schedule in (s.InverseTimeDecay(0.1, 0.01), s.ExponentialDecay(0.1),
                     s.StepDecay(0.1, 5), s.CosineDecay(0.1, 10), s.LinearDecay(0.1, 10),
                     s.InverseSqrtDecay(0.1), s.PerEpoch(s.ExponentialDecay(0.1), 3)):
        assert schedule(1) == 0.1, schedule


def test_cosine_after_t_max_holds_lr_min_where_torch_climbs_back():
    cos = s.CosineDecay(LR0, total_steps=200, lr_min=0.01)
    theirs = reference("CosineAnnealingLR_beyond_T_max")
    assert cos(201) == theirs[200] == 0.01                   # lr_min after T_max steps
    assert cos(401) == 0.01 and theirs[400] == pytest.approx(LR0)


def test_ng_formulas_with_epochs_counted_from_0():
    inv = s.InverseTimeDecay(0.2, decay_rate=1.0)          # 0.2 / (1 + n), n = t - 1
    assert [inv(n + 1) for n in (0, 1, 2, 3)] == pytest.approx([0.2, 0.1, 0.2 / 3, 0.05])
    exp = s.ExponentialDecay(0.2, gamma=0.95)
    assert exp(1) == 0.2 and exp(11) == pytest.approx(0.2 * 0.95 ** 10)
    sq = s.InverseSqrtDecay(0.2, k=3.0)                     # k / sqrt(n) * a0 with n = t
    assert sq(1) == pytest.approx(0.6) and sq(4) == pytest.approx(0.3)


def test_ng_slides_with_epochs_counted_from_1():
    """Ng's slide (a0 = 0.2, decay_rate = 1: 0.1, 0.067, 0.05, 0.04 for epochs 1-4)."""
    a0, r = 0.2, 1.0
    inv = s.PerEpoch(s.InverseTimeDecay(a0 / (1 + r), r / (1 + r)), steps_per_epoch=10)
    assert [inv(t) for t in (1, 10, 11, 21, 31)] == pytest.approx([0.1, 0.1, 0.2 / 3,
                                                                   0.05, 0.04])
    exp = s.ExponentialDecay(0.95 * a0, 0.95)
    assert [exp(n) for n in (1, 2, 3)] == pytest.approx([a0 * 0.95 ** n for n in (1, 2, 3)])


def test_step_and_piecewise():
    step = s.StepDecay(1.0, step_size=10, gamma=0.5)
    assert [step(t) for t in (1, 10, 11, 20, 21)] == [1.0, 1.0, 0.5, 0.5, 0.25]
    manual = s.PiecewiseConstant([100, 200], [0.1, 0.01, 0.001])
    assert [manual(t) for t in (1, 100, 101, 200, 201, 10**6)] == [0.1, 0.1, 0.01, 0.01,
                                                                  0.001, 0.001]


def test_cosine_and_linear_go_from_lr0_to_lr_min():
    cos = s.CosineDecay(1.0, total_steps=100, lr_min=0.1)
    lin = s.LinearDecay(1.0, total_steps=100, lr_min=0.1)
    assert cos(1) == 1.0 and lin(1) == 1.0
    assert cos(51) == pytest.approx(0.55) and lin(51) == pytest.approx(0.55)
    assert cos(100) > 0.1 and cos(101) == pytest.approx(0.1) and cos(500) == pytest.approx(0.1)
    assert lin(100) > 0.1 and lin(101) == pytest.approx(0.1)
    ts = np.arange(1, 120)
    for sched in (cos, lin):
        rates = np.array([sched(t) for t in ts])
        assert np.all(np.diff(rates) <= 1e-15)
    assert cos(26) == pytest.approx(0.1 + 0.45 * (1 + math.cos(math.pi / 4)))


def test_warmup_ramps_then_follows_the_schedule():
    warm = s.Warmup(s.CosineDecay(1.0, 100), warmup_steps=10)
    assert warm(1) == pytest.approx(0.1)
    assert warm(10) == pytest.approx(s.CosineDecay(1.0, 100)(10))
    assert warm(51) == pytest.approx(0.5)
    assert s.Warmup(0.3, 3)(2) == pytest.approx(0.2)


def test_per_epoch_holds_the_rate_within_an_epoch():
    per = s.PerEpoch(s.InverseTimeDecay(1.0, 1.0), steps_per_epoch=5)
    assert [per(t) for t in (1, 5, 6, 10, 11)] == pytest.approx([1.0, 1.0, 0.5, 0.5, 1 / 3])


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


SCHEDULE_OR_NUMBER = (r"schedule must be a schedule, a callable lr\(t\) of the update number "
                      r"t = 1, 2, \.\.\., or a number >= 0; got ")
SCHEDULE_ONLY = (r"schedule must be a schedule, a callable lr\(t\) of the update number "
                 r"t = 1, 2, \.\.\.; got ")
BAD = [
    ("Warmup of a string", lambda: s.Warmup("abc", 5), SCHEDULE_OR_NUMBER + "'abc'"),
    ("Warmup of None", lambda: s.Warmup(None, 5), SCHEDULE_OR_NUMBER + "None"),
    ("Warmup of a list", lambda: s.Warmup([0.1], 5), SCHEDULE_OR_NUMBER + r"\[0\.1\]"),
    ("Warmup of a negative rate", lambda: s.Warmup(-0.1, 5),
     r"schedule must be in \[0, inf\), got -0\.1"),
    ("Warmup of NaN", lambda: s.Warmup(float("nan"), 5),
     r"schedule must be a finite real number, got nan"),
    ("Warmup of 0 steps", lambda: s.Warmup(0.1, 0),
     r"warmup_steps must be a whole number >= 1, got 0"),
    ("PerEpoch of a number", lambda: s.PerEpoch(0.1, 5), SCHEDULE_ONLY + r"0\.1"),
    ("PerEpoch of a string", lambda: s.PerEpoch("abc", 5), SCHEDULE_ONLY + "'abc'"),
    ("PerEpoch of 0 steps", lambda: s.PerEpoch(s.Constant(0.1), 0),
     r"steps_per_epoch must be a whole number >= 1, got 0"),
    ("update 0", lambda: s.ExponentialDecay(0.1)(0), r"t must be a whole number >= 1, got 0"),
    ("update 1.5", lambda: s.InverseSqrtDecay(0.1)(1.5),
     r"t must be a whole number >= 1, got 1\.5"),
]


@pytest.mark.parametrize("call, message", [case[1:] for case in BAD],
                         ids=[case[0] for case in BAD])
def test_bad_input_is_refused_with_a_clear_message(call, message):
    with pytest.raises(ValueError, match=message):
        call()


def test_perepoch_of_a_number_fails_before_any_update():
    """Before: accepted, then 'float' object is not callable at the first update."""
    with pytest.raises(ValueError, match=SCHEDULE_ONLY):
        gdlab.SGD(lr=s.PerEpoch(0.1, 5))
