"""Least-squares problems built from data: per-example losses and gradients, minibatches,
and the seeded data sets (linear regression, a regression with one rare feature)."""

import numpy as np
import pytest

import gdlab
from gdlab.functions import numerical_gradient, relative_error
from gdlab.problems import LeastSquares, Minibatched, linear_regression, sparse_regression


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


# -- the sparse regression -----------------------------------------------------------------
def test_sparse_regression_has_one_rare_feature():
    problem = sparse_regression(n=500, dense=4, rare_count=7, seed=3)
    assert isinstance(problem, LeastSquares)
    assert problem.X.shape == (500, 5) and problem.rare_index == 4
    rare = problem.X[:, 4]
    assert set(np.unique(rare)) == {0.0, 1.0} and rare.sum() == 7
    np.testing.assert_array_equal(np.flatnonzero(rare), problem.rare_rows)
    # its curvature is the fraction of rows that have it
    assert problem.A[4, 4] == pytest.approx(7 / 500)
    # the least-squares fit recovers the weights (noise 0.1)
    np.testing.assert_allclose(problem.minimum, problem.true_w, atol=0.1)
    assert problem.true_w[4] == 2.0 and np.all(np.abs(problem.true_w[:4]) <= 1.0)
    again = sparse_regression(n=500, dense=4, rare_count=7, seed=3)
    np.testing.assert_array_equal(again.X, problem.X)
    np.testing.assert_array_equal(again.y, problem.y)
    other = sparse_regression(n=500, dense=4, rare_count=7, seed=4)
    assert not np.array_equal(other.rare_rows, problem.rare_rows)


def test_sparse_regression_gradient_on_the_rare_weight_is_zero_without_rare_rows():
    problem = sparse_regression(n=300, dense=3, rare_count=5, seed=0)
    common = np.setdiff1d(np.arange(300), problem.rare_rows)[:10]
    w = np.ones(4)
    assert problem.batch_grad(w, common)[3] == 0.0
    assert problem.batch_grad(w, problem.rare_rows[:1])[3] != 0.0


@pytest.mark.parametrize("kwargs, pattern", [
    ({"rare_count": 0}, r"rare_count must be a whole number >= 1"),
    ({"n": 5, "rare_count": 6}, r"rare_count must be in \[1, n\] = \[1, 5\], got 6"),
    ({"dense": 0}, r"dense must be a whole number >= 1"),
    ({"noise": -1.0}, r"noise must be in \[0, inf\)"),
])
def test_sparse_regression_rejects_bad_input(kwargs, pattern):
    with pytest.raises(ValueError, match=pattern):
        sparse_regression(**kwargs)
