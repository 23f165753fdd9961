"""run() and Trajectory: shapes, divergence, distances and steps-to-tolerance."""

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
