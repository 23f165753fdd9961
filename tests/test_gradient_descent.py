"""Tests for the chapter 1 additions: numerical gradients, the double well, least-squares
problems with minibatches, and the chapter's self-checks."""

import numpy as np
import pytest

import gdlab
from gdlab import checks
from gdlab.functions import DoubleWell, numerical_gradient, relative_error
from gdlab.problems import LeastSquares, Minibatched, linear_regression


# -- numerical_gradient ---------------------------------------------------------------------
QUADRATIC = gdlab.Quadratic(np.array([[3.0, 1.0], [1.0, 2.0]]), b=np.array([1.0, -2.0]))


def test_central_difference_is_exact_on_a_quadratic():
    # f(x + h e) - f(x - h e) = 2h (A x - b)_i exactly: no h^2 term because f''' = 0.
    x = np.array([0.7, -1.3])
    g = numerical_gradient(QUADRATIC, x, h=1e-3)
    assert np.allclose(g, QUADRATIC.A @ x - QUADRATIC.b, rtol=0, atol=1e-10)


def test_forward_difference_error_is_h_times_half_the_curvature():
    # (f(x + h e_i) - f(x)) / h = g_i + h A_ii / 2 for a quadratic.
    x, h = np.array([0.7, -1.3]), 1e-3
    g = numerical_gradient(QUADRATIC, x, h=h, method="forward")
    exact = QUADRATIC.A @ x - QUADRATIC.b
    assert np.allclose(g - exact, h * np.diag(QUADRATIC.A) / 2, rtol=1e-5, atol=1e-10)


def test_central_difference_error_on_a_cubic_is_h_squared():
    # ((x+h)^3 - (x-h)^3) / (2h) = 3x^2 + h^2.
    def cube(x):
        return x[0] ** 3

    for h in (1e-1, 1e-2):
        g = numerical_gradient(cube, np.array([2.0]), h=h)
        assert g[0] - 12.0 == pytest.approx(h ** 2, rel=1e-6)


def test_numerical_gradient_agrees_with_analytic_gradients_of_the_landscapes():
    for f, x in [(gdlab.rosenbrock, [-1.5, 2.0]), (gdlab.beale, [1.0, 1.5]),
                 (gdlab.double_well, [0.3, -0.4]), (gdlab.monkey_saddle, [0.5, 0.2])]:
        x = np.array(x)
        assert relative_error(numerical_gradient(f, x), f.grad(x)) < 1e-8


def test_numerical_gradient_leaves_x_unchanged():
    x = np.array([-1.5, 2.0])
    numerical_gradient(gdlab.rosenbrock, x, h=0.1)
    numerical_gradient(gdlab.rosenbrock, x, h=0.1, method="forward")
    assert np.array_equal(x, [-1.5, 2.0])


@pytest.mark.parametrize("kwargs, word", [({"h": 0.0}, "h"), ({"h": -1e-5}, "h"),
                                          ({"method": "backward"}, "method")])
def test_numerical_gradient_rejects_bad_arguments(kwargs, word):
    with pytest.raises(ValueError, match=word):
        numerical_gradient(gdlab.rosenbrock, [1.0, 1.0], **kwargs)


def test_numerical_gradient_rejects_a_non_finite_point():
    with pytest.raises(ValueError, match="x"):
        numerical_gradient(gdlab.rosenbrock, [np.nan, 1.0])


def test_relative_error():
    assert relative_error([3.0, 4.0], [3.0, 4.0]) == 0.0
    assert relative_error([0.0, 0.0], [0.0, 0.0]) == 0.0
    # |(1, 0) - (0, 0)| / max(1, 0) = 1; |(3,4) - (3,0)| / 5 = 0.8
    assert relative_error([1.0, 0.0], [0.0, 0.0]) == 1.0
    assert relative_error([3.0, 4.0], [3.0, 0.0]) == pytest.approx(0.8)
    with pytest.raises(ValueError, match="shape"):
        relative_error([1.0, 2.0], [1.0, 2.0, 3.0])


# -- DoubleWell -----------------------------------------------------------------------------
def test_double_well_stationary_points():
    f = DoubleWell(tilt=0.5)
    for point in (f.minimum, f.local_minimum, f.saddle_point):
        assert np.allclose(f.grad(point), 0.0, atol=1e-12)
    assert f.minimum[0] < f.saddle_point[0] < f.local_minimum[0]
    # the left valley is the deeper one: the tilt t*x lowers negative x
    assert f(f.minimum) < f(f.local_minimum) < f(f.saddle_point)
    assert f.min_value == pytest.approx(f(f.minimum))
    assert f.hessian(f.minimum)[0, 0] > 0 and f.hessian(f.local_minimum)[0, 0] > 0
    assert f.hessian(f.saddle_point)[0, 0] < 0


def test_double_well_without_tilt_is_symmetric():
    f = DoubleWell(tilt=1e-12)
    assert np.allclose([f.minimum[0], f.local_minimum[0]], [-1.0, 1.0], atol=1e-9)


def test_double_well_gradient_and_hessian_match_finite_differences():
    f = gdlab.double_well
    x = np.array([0.4, -0.7])
    assert relative_error(f.grad(x), numerical_gradient(f, x)) < 1e-9
    columns = [numerical_gradient(lambda p: f.grad(p)[k], x) for k in range(2)]
    assert np.allclose(np.array(columns), f.hessian(x), atol=1e-6)


@pytest.mark.parametrize("tilt", [0.0, -0.1, 2.0, np.nan])
def test_double_well_rejects_a_tilt_without_two_minima(tilt):
    with pytest.raises(ValueError, match="tilt"):
        DoubleWell(tilt=tilt)


def test_gradient_descent_ends_in_the_valley_it_starts_in():
    f = gdlab.double_well
    left = gdlab.run(gdlab.SGD(lr=0.05), f, [f.saddle_point[0] - 0.05, 0.5], 500)
    right = gdlab.run(gdlab.SGD(lr=0.05), f, [f.saddle_point[0] + 0.05, 0.5], 500)
    assert np.allclose(left.final, f.minimum, atol=1e-6)
    assert np.allclose(right.final, f.local_minimum, atol=1e-6)


# -- LeastSquares ---------------------------------------------------------------------------
def small_problem(seed=3):
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((50, 3))
    y = X @ np.array([1.0, -2.0, 0.5]) + 0.3 * rng.standard_normal(50)
    return LeastSquares(X, y)


def test_least_squares_value_is_the_mean_of_the_example_losses():
    p = small_problem()
    w = np.array([0.3, 0.1, -0.2])
    direct = np.mean(0.5 * (p.X @ w - p.y) ** 2)
    assert p(w) == pytest.approx(direct, rel=1e-12)
    assert np.mean(p.example_losses(w)) == pytest.approx(direct, rel=1e-12)


def test_least_squares_gradient_is_the_mean_of_the_example_gradients():
    p = small_problem()
    w = np.array([0.3, 0.1, -0.2])
    assert np.allclose(p.grad(w), p.example_grads(w).mean(axis=0), atol=1e-12)
    assert relative_error(p.grad(w), numerical_gradient(p, w)) < 1e-8
    assert np.allclose(p.batch_grad(w, np.arange(p.n)), p.grad(w), atol=1e-12)
    assert np.allclose(p.batch_grad(w, np.array([4])), p.example_grads(w)[4], atol=1e-12)


def test_least_squares_minimum_is_the_least_squares_solution():
    p = small_problem()
    w_lstsq = np.linalg.lstsq(p.X, p.y, rcond=None)[0]
    assert np.allclose(p.minimum, w_lstsq, atol=1e-10)
    assert p.min_value == pytest.approx(0.5 * np.mean((p.X @ w_lstsq - p.y) ** 2), rel=1e-9)


def test_gradient_covariance_matches_numpy_cov():
    p = small_problem()
    w = np.array([0.3, 0.1, -0.2])
    assert np.allclose(p.gradient_covariance(w), np.cov(p.example_grads(w).T, bias=True))


def test_minibatch_variance_theory_matches_an_exhaustive_and_a_sampled_average():
    p = small_problem()
    w = np.array([0.3, 0.1, -0.2])
    full = p.grad(w)
    # B = 1: the exact average over all n single-example batches
    exhaustive = np.mean(np.sum((p.example_grads(w) - full) ** 2, axis=1))
    assert p.minibatch_variance(w, 1) == pytest.approx(exhaustive, rel=1e-10)
    assert p.minibatch_variance(w, p.n) == 0.0
    rng = np.random.default_rng(0)
    for batch_size in (5, 20):
        draws = [np.sum((p.batch_grad(w, rng.choice(p.n, batch_size, replace=False)) - full)
                        ** 2) for _ in range(4000)]
        assert np.mean(draws) == pytest.approx(p.minibatch_variance(w, batch_size), rel=0.08)


@pytest.mark.parametrize("batch", [np.array([], dtype=int), np.array([0, 50]),
                                   np.array([-1]), np.array([0.5])])
def test_batch_grad_rejects_bad_indices(batch):
    with pytest.raises(ValueError, match="batch"):
        small_problem().batch_grad(np.zeros(3), batch)


def test_least_squares_rejects_mismatched_data():
    with pytest.raises(ValueError, match="y"):
        LeastSquares(np.ones((5, 2)), np.ones(4))


# -- Minibatched ----------------------------------------------------------------------------
def test_an_epoch_visits_every_example_once():
    p = small_problem()
    mb = Minibatched(p, batch_size=16, seed=1)
    assert mb.batches_per_epoch == 4
    batches = [mb.next_batch() for _ in range(4)]
    assert [len(b) for b in batches] == [16, 16, 16, 2]
    assert sorted(np.concatenate(batches)) == list(range(50))
    second_epoch = np.concatenate([mb.next_batch() for _ in range(4)])
    assert sorted(second_epoch) == list(range(50))
    assert not np.array_equal(np.concatenate(batches), second_epoch)


def test_minibatched_is_reproducible_and_counts_work():
    p = small_problem()
    mb = Minibatched(p, batch_size=16, seed=1)
    first = gdlab.run(gdlab.SGD(lr=0.1), mb, np.zeros(3), 10)
    assert mb.updates == 10 and mb.examples_seen == 2 * 50 + 2 * 16
    mb.reset()
    again = gdlab.run(gdlab.SGD(lr=0.1), mb, np.zeros(3), 10)
    assert np.array_equal(first.xs, again.xs)
    # the value is the exact cost, not a minibatch estimate
    assert np.allclose(first.losses, [p(x) for x in first.xs])


def test_full_batch_minibatched_run_is_gradient_descent():
    p = small_problem()
    sgd = gdlab.run(gdlab.SGD(lr=0.2), Minibatched(p, batch_size=p.n), np.zeros(3), 30)
    gd = gdlab.run(gdlab.SGD(lr=0.2), p, np.zeros(3), 30)
    assert np.allclose(sgd.xs, gd.xs, atol=1e-12)


def test_minibatch_sgd_gets_close_to_the_minimum():
    p = small_problem()
    traj = gdlab.run(gdlab.SGD(lr=0.05), Minibatched(p, batch_size=10, seed=2), np.zeros(3), 1500)
    assert np.linalg.norm(traj.final - p.minimum) < 0.1


@pytest.mark.parametrize("batch_size", [0, 51, 2.0])
def test_minibatched_rejects_bad_batch_sizes(batch_size):
    with pytest.raises(ValueError, match="batch_size"):
        Minibatched(small_problem(), batch_size)


# -- linear_regression ----------------------------------------------------------------------
def test_linear_regression_data():
    p = linear_regression(n=2000, intercept=-1.0, slope=2.0, noise=0.5, seed=4)
    assert p.X.shape == (2000, 2) and np.all(p.X[:, 0] == 1.0)
    assert np.allclose(p.minimum, [-1.0, 2.0], atol=0.05)   # noise 0.5, 2000 points
    assert np.array_equal(p.y, linear_regression(n=2000, noise=0.5, seed=4).y)
    (x_lo, x_hi), (y_lo, y_hi) = p.window
    assert np.allclose([(x_lo + x_hi) / 2, (y_lo + y_hi) / 2], p.minimum)
    # Hessian [[1, mean u], [mean u, mean u^2]]
    u = p.X[:, 1]
    assert np.allclose(p.A, [[1.0, u.mean()], [u.mean(), np.mean(u ** 2)]])


def test_noise_free_regression_has_zero_minimum():
    p = linear_regression(n=100, noise=0.0)
    assert p.min_value == pytest.approx(0.0, abs=1e-20)
    assert np.allclose(p.minimum, [-1.0, 2.0])


@pytest.mark.parametrize("kwargs, word", [({"n": 1}, "n"), ({"noise": -1.0}, "noise"),
                                          ({"x_std": 0.0}, "x_std")])
def test_linear_regression_rejects_bad_arguments(kwargs, word):
    with pytest.raises(ValueError, match=word):
        linear_regression(**kwargs)


# -- checks ---------------------------------------------------------------------------------
def test_stable_learning_rate_check():
    A = [[3.0, 1.0], [1.0, 3.0]]                 # eigenvalues 2 and 4: 2/L = 0.5
    assert checks.stable_learning_rate(0.5, A)
    wrong = checks.stable_learning_rate(2 / 3, A)
    assert not wrong and "eigenvalues" in wrong.message
    assert "1/L" in checks.stable_learning_rate(0.25, A).message
    assert "smallest" in checks.stable_learning_rate(1.0, A).message
    assert "best" in checks.stable_learning_rate(1 / 3, A).message
    assert checks.stable_learning_rate(1.0, np.diag([0.1, 2.0]))   # the elongated bowl
    with pytest.raises(ValueError, match="positive definite"):
        checks.stable_learning_rate(1.0, [[1.0, 0.0], [0.0, -1.0]])


def _central(f, x, h):
    g = np.zeros_like(x)
    for i in range(len(x)):
        e = np.zeros_like(x)
        e[i] = h
        g[i] = (f(x + e) - f(x - e)) / (2 * h)
    return g


def test_central_difference_check_accepts_a_correct_implementation():
    assert checks.central_difference(_central)


def test_central_difference_check_names_the_usual_slips():
    def forward(f, x, h):
        return np.array([(f(x + h * e) - f(x)) / h for e in np.eye(len(x))])

    def over_h(f, x, h):
        return 2 * _central(f, x, h)

    def flipped(f, x, h):
        return -_central(f, x, h)

    def in_place(f, x, h):
        g = np.zeros_like(x)
        for i in range(len(x)):
            x[i] += h
            up = f(x)
            x[i] -= 2 * h
            g[i] = (up - f(x)) / (2 * h)
        return g

    def crashes(f, x, h):
        raise RuntimeError("oops")

    def scalar(f, x, h):
        return 1.0

    for fn, word in [(forward, "forward"), (over_h, "2h"), (flipped, "sign"),
                     (in_place, "in place"), (crashes, "RuntimeError"), (scalar, "shape")]:
        feedback = checks.central_difference(fn)
        assert not feedback and word in feedback.message, (fn.__name__, feedback.message)


def test_learning_rate_explorer_keeps_the_loss_axis_fixed_across_frames():
    """The loss panel spans every run, so the frames can be compared by eye."""
    x0, lrs = [-8.0, 2.0], [0.1, 0.9, 1.05]
    e = gdlab.widgets.learning_rate_explorer(gdlab.elongated_bowl, x0, lrs, steps=20)
    limits = []
    for lr in lrs:
        assert e.render(lr=lr).startswith(b"\x89PNG")
        limits.append(e.figure.axes[1].get_ylim())
    assert limits[0] == limits[1] == limits[2]
    gaps = np.concatenate([gdlab.run(gdlab.SGD(lr=lr), gdlab.elongated_bowl, x0, 20).gaps()
                           for lr in lrs])
    low, high = limits[0]
    assert low < gaps.min() and gaps.max() < high
