"""run() and Trajectory: shapes, divergence, distances and steps-to-tolerance."""

import re

import numpy as np
import pytest

import gdlab


def test_shapes_and_first_point():
    traj = gdlab.run(gdlab.SGD(lr=0.1), gdlab.elongated_bowl, [-8.0, 2.0], 40)
    assert traj.xs.shape == (41, 2) and traj.losses.shape == (41,)
    np.testing.assert_array_equal(traj.xs[0], [-8.0, 2.0])
    assert traj.losses[0] == gdlab.elongated_bowl([-8.0, 2.0])
    assert traj.steps == 40 and not traj.diverged and traj.status == "finished"
    assert traj.optimizer == "SGD" and traj.function.startswith("elongated bowl")


def test_gd_on_a_quadratic_follows_the_closed_form():
    """x_t = (1 - lr*lambda)^t x_0 per coordinate for f = x^2/20 + y^2 (lambda = 0.1, 2)."""
    lr, t = 0.3, np.arange(31)
    traj = gdlab.run(gdlab.SGD(lr=lr), gdlab.elongated_bowl, [-8.0, 2.0], 30)
    np.testing.assert_allclose(traj.xs[:, 0], -8.0 * (1 - lr * 0.1) ** t, rtol=1e-12)
    np.testing.assert_allclose(traj.xs[:, 1], 2.0 * (1 - lr * 2.0) ** t, rtol=1e-12, atol=1e-15)


def test_divergence_stops_cleanly_and_says_so():
    traj = gdlab.run(gdlab.SGD(lr=1.05), gdlab.elongated_bowl, [-8.0, 2.0], 10_000)
    assert traj.diverged and traj.status.startswith("diverged at step")
    assert traj.steps < 10_000 and np.all(np.isfinite(traj.xs))
    assert "diverged" in repr(traj)
    assert traj.steps_to(1e-3) is None


def test_divergence_with_overflowing_gradient_gives_no_warning():
    import warnings
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        traj = gdlab.run(gdlab.SGD(lr=0.1), gdlab.rosenbrock, [-3.0, 3.0], 200)
    assert traj.diverged


def test_steps_to_counts_the_first_step_that_stays_below():
    traj = gdlab.run(gdlab.SGD(lr=0.5), gdlab.elongated_bowl, [-8.0, 2.0], 400)
    d = traj.distances()
    k = traj.steps_to(1e-3)
    assert d[k] < 1e-3 and d[k - 1] >= 1e-3 and np.all(d[k:] < 1e-3)
    # x-coordinate contracts by 0.95 per step: 8 * 0.95^k < 1e-3
    assert k == int(np.ceil(np.log(1e-3 / 8) / np.log(0.95)))
    assert traj.steps_to(1e-20) is None
    assert traj.steps_to(100.0) == 0
    g = traj.gaps()
    assert g[traj.steps_to(1e-6, "gap")] < 1e-6


def test_distances_need_a_minimum():
    traj = gdlab.run(gdlab.SGD(lr=0.1), gdlab.xy, [1.0, 2.0], 3)
    with pytest.raises(ValueError, match="has no minimum"):
        traj.distances()
    with pytest.raises(ValueError, match="has no minimum value"):
        traj.gaps()


def test_zero_steps_and_noisy_runs_are_reproducible():
    assert gdlab.run(gdlab.SGD(), gdlab.rosenbrock, [0.0, 0.0], 0).xs.shape == (1, 2)
    a = gdlab.run(gdlab.SGD(lr=1e-3), gdlab.Noisy(gdlab.rosenbrock, 1.0, seed=2), [0, 0], 50)
    b = gdlab.run(gdlab.SGD(lr=1e-3), gdlab.Noisy(gdlab.rosenbrock, 1.0, seed=2), [0, 0], 50)
    np.testing.assert_array_equal(a.xs, b.xs)


def test_settles_below_needs_the_values_to_stay_below():
    assert gdlab.settles_below([3.0, 0.5, 2.0, 0.1, 0.05], 1.0) == 3
    assert gdlab.settles_below([-0.1, 0.2], 1.0) == 0          # absolute values
    assert gdlab.settles_below([0.1, 5.0], 1.0) is None         # swings out at the end


def test_replay_feeds_the_given_gradients_in_order():
    grads = [[1.0, -2.0], [0.5, 0.0], [-1.0, 4.0]]
    xs = gdlab.replay(gdlab.SGD(lr=0.1), grads, x0=[1.0, 1.0])
    # x_t = x_{t-1} - 0.1 g_t, by hand
    np.testing.assert_allclose(xs, [[1.0, 1.0], [0.9, 1.2], [0.85, 1.2], [0.95, 0.8]])
    momentum = gdlab.replay(gdlab.Momentum(lr=1.0, beta=0.5), [2.0, 2.0])   # one coordinate
    np.testing.assert_allclose(momentum[:, 0], [0.0, -2.0, -5.0])          # v = 2, then 3


def test_replay_rejects_bad_gradients_and_start():
    with pytest.raises(ValueError, match="grads must contain only finite numbers"):
        gdlab.replay(gdlab.SGD(lr=0.1), [1.0, np.nan])
    with pytest.raises(ValueError, match=r"grads must hold one gradient per step.*\(0,\)"):
        gdlab.replay(gdlab.SGD(lr=0.1), [])
    with pytest.raises(ValueError, match=r"x0 must be a number or have one entry per coordinate \(2\)"):
        gdlab.replay(gdlab.SGD(lr=0.1), [[1.0, 2.0]], x0=[0.0, 0.0, 0.0])


# -- divergence: the three tests, and which one fired -----------------------------------------
class Recording:
    """An optimizer that records its calls (plain gradient descent, lr 0.1)."""
    name = "Recording"

    def __init__(self):
        self.calls = 0

    def update(self, params, grads):
        self.calls += 1
        params -= 0.1 * grads


def test_slow_divergence_is_caught_by_the_growth_of_the_loss_gap():
    # f = (x² + 10 y²)/2 from (1, 1): f(x0) = 5.5, L = 10. At lr = 2.02/L the y-error is
    # multiplied by 1 - 2.02 = -1.02 per step, so the gap grows 1.0404-fold per step, far too
    # slowly for |x| > 1e10 within 1000 steps (the loss would end near 7.9e17)
    f, lr = gdlab.Quadratic(np.diag([1.0, 10.0])), 0.202
    t = np.arange(1, 1001)
    gap = 0.5 * (1 - lr) ** (2 * t) + 5.0 * 1.02 ** (2 * t)       # the closed form
    step = int(t[np.argmax(gap > 1e6 * 5.5)])
    traj = gdlab.run(gdlab.SGD(lr=lr), f, [1.0, 1.0], 1000)
    assert traj.diverged and traj.steps == step - 1 and step == 352
    assert traj.status == (f"diverged at step {step}: the loss gap f - f* grew more than "
                           f"1e+06-fold (from 5.5 to {gap[step - 1]:.2g})")
    assert np.all(traj.gaps() <= 1e6 * 5.5) and np.abs(traj.xs).max() < 1e10
    assert traj.steps_to(1e-3) is None


def test_growth_is_a_keyword_of_run():
    f, lr = gdlab.Quadratic(np.diag([1.0, 10.0])), 0.202
    early = gdlab.run(gdlab.SGD(lr=lr), f, [1.0, 1.0], 1000, growth=1e3)
    assert early.status.startswith("diverged at step 177: the loss gap f - f* grew more than "
                                   "1000-fold (from 5.5 to ")
    off = gdlab.run(gdlab.SGD(lr=lr), f, [1.0, 1.0], 1000, growth=np.finfo(float).max)
    assert off.status == "finished" and off.losses[-1] > 7e17


@pytest.mark.parametrize("growth, message", [
    (1.0, r"growth must be in \(1, inf\), got 1"),
    (0.5, r"growth must be in \(1, inf\), got 0\.5"),
    (np.nan, r"growth must be a finite real number, got nan"),
    (np.inf, r"growth must be a finite real number, got inf"),
    ("1e6", r"growth must be a finite real number, got '1e6'"),
    (True, r"growth must be a finite real number, got True"),
])
def test_growth_is_validated_before_any_update(growth, message):
    optimizer = Recording()
    with pytest.raises(ValueError, match=message):
        gdlab.run(optimizer, gdlab.elongated_bowl, [1.0, 1.0], 10, growth=growth)
    assert optimizer.calls == 0


def test_without_a_known_minimum_only_a_rising_loss_counts():
    # f = xy from (1, 1) at lr = 3: x and y are both multiplied by -2, f by 4, per step;
    # 4^t > 1e6 * (|f(x0)| + 1) = 2e6 first at t = 11
    traj = gdlab.run(gdlab.SGD(lr=3.0), gdlab.xy, [1.0, 1.0], 100)
    assert traj.status == ("diverged at step 11: the loss rose above 1e+06 × (|f(x0)| + 1) "
                           "(from 1 to 4.2e+06)")
    assert traj.steps == 10
    # down a saddle the loss falls without bound: that is descent, not divergence
    escape = gdlab.run(gdlab.SGD(lr=0.05), gdlab.saddle, [1.5, 0.1], 200)
    assert escape.status == "finished" and escape.losses[-1] < -1e6 * (escape.losses[0] + 1)


def test_runs_that_oscillate_or_start_at_the_minimum_are_not_diverged():
    bowl = gdlab.elongated_bowl
    on_the_edge = gdlab.run(gdlab.SGD(lr=1.0), bowl, [-8.0, 2.0], 1000)   # y flips ±2 forever
    frictionless = gdlab.run(gdlab.Momentum(lr=0.5, beta=1.0), bowl, [-9.0, 2.0], 2000)
    at_minimum = gdlab.run(gdlab.SGD(lr=0.1), gdlab.Noisy(bowl, sigma=0.1), [0.0, 0.0], 500)
    for traj in (on_the_edge, frictionless, at_minimum):
        assert traj.status == "finished" and traj.steps == len(traj.xs) - 1
    assert at_minimum.gaps()[0] == 0 and at_minimum.gaps()[-1] > 0


def test_each_divergence_test_is_named_in_the_status():
    bowl = gdlab.elongated_bowl
    far = gdlab.run(gdlab.SGD(lr=10.0), bowl, [1.0, 1.0], 100, growth=np.finfo(float).max)
    assert far.status == "diverged at step 8: |x| exceeded 1e+10"   # 19^8 = 1.7e10
    huge = np.finfo(float).max
    overflow = gdlab.run(gdlab.SGD(lr=1e308), bowl, [1.0, 1.0], 5, max_norm=huge, growth=huge)
    assert overflow.status == "diverged at step 1: the iterate or the loss is not finite"
    assert overflow.steps == 0 and np.all(np.isfinite(overflow.xs))


# -- what run() accepts ------------------------------------------------------------------------
@pytest.mark.parametrize("optimizer, shown", [
    (None, "None"), (gdlab.SGD, "<class 'gdlab.optimizers.SGD'>"), ("SGD", "'SGD'"),
])
def test_run_needs_an_optimizer_instance(optimizer, shown):
    with pytest.raises(ValueError, match=r"optimizer must be an optimizer with an "
                       r"update\(params, grads\) method, such as gdlab\.SGD\(lr=0\.1\) \(an "
                       r"instance, not the class\), got " + re.escape(shown)):
        gdlab.run(optimizer, gdlab.rosenbrock, [0.0, 0.0], 5)


class NoDim:
    def __call__(self, x):
        return 0.0

    def grad(self, x):
        return np.zeros(2)


@pytest.mark.parametrize("f, lacks", [
    (None, "; it has no f(x) or f.grad(x) or f.dim"),
    (lambda x: float(x @ x), "; it has no f.grad(x) or f.dim"),
    (NoDim(), "; it has no f.dim"),
    (gdlab.Rosenbrock, " (the class itself)"),
])
def test_run_needs_a_landscape(f, lacks):
    optimizer = Recording()
    with pytest.raises(ValueError, match=r"f must be a landscape with f\(x\), f\.grad\(x\) and "
                       r"f\.dim, such as gdlab\.rosenbrock or gdlab\.Quadratic\(A\), got .*"
                       + re.escape(lacks) + "$"):
        gdlab.run(optimizer, f, [0.0, 0.0], 5)
    assert optimizer.calls == 0


@pytest.mark.parametrize("f, steps, most, needed", [
    (gdlab.rosenbrock, 10 ** 9, 44_739_241, 24_000_000_024),          # (10^9 + 1) * 3 * 8
    (gdlab.rosenbrock, 44_739_242, 44_739_241, 1_073_741_832),        # one step too many
    (gdlab.random_quadratic(dim=10), 10 ** 8, 12_201_610, 8_800_000_088),
])
def test_budgets_whose_path_would_not_fit_in_1_gib_are_refused(f, steps, most, needed):
    row = (f.dim + 1) * 8                  # one point and its loss, in bytes
    assert needed == (steps + 1) * row and (most + 1) * row <= 2 ** 30 < (most + 2) * row
    optimizer = Recording()
    with pytest.raises(ValueError, match=re.escape(
            f"steps must be at most {most:,} for a {f.dim}-D run (its path must fit in "
            f"1,073,741,824 bytes, 1 GiB), got {steps:,}, which would need {needed:,} bytes")):
        gdlab.run(optimizer, f, np.zeros(f.dim), steps)
    assert optimizer.calls == 0
