"""Penalties, their (sub)gradients, the soft threshold, ridge in closed form and the ISTA
lasso solver (gdlab.regularization). Expected values come from hand computation, from
scikit-learn's Lasso and Ridge, or from the optimality conditions, not from the functions
under test."""

import numpy as np
import pytest
from sklearn.datasets import make_regression
from sklearn.linear_model import Lasso, Ridge

import gdlab
from gdlab import regularization as reg
from gdlab.functions import numerical_gradient, relative_error
from gdlab.problems import LeastSquares


def problem(seed=0, n=60, d=8):
    X, y = make_regression(n_samples=n, n_features=d, n_informative=3, noise=2.0,
                           random_state=seed)
    return LeastSquares(X, y)


# -- penalties ------------------------------------------------------------------------------
def test_penalties_by_hand():
    w = np.array([1.0, -2.0, 0.0, 0.5])
    assert reg.l1_penalty(w, 0.5) == pytest.approx(0.5 * 3.5)
    assert reg.l2_penalty(w, 0.5) == pytest.approx(0.25 * (1 + 4 + 0.25))
    np.testing.assert_array_equal(reg.l1_subgradient(w, 0.5), [0.5, -0.5, 0.0, 0.5])
    np.testing.assert_array_equal(reg.l2_gradient(w, 0.5), [0.5, -1.0, 0.0, 0.25])


def test_penalties_work_on_a_grid_of_points():
    grid = np.stack(np.meshgrid(np.linspace(-1, 1, 3), np.linspace(-2, 2, 5)))   # (2, 5, 3)
    assert reg.l1_penalty(grid, 2.0).shape == (5, 3)
    assert reg.l1_penalty(grid, 2.0)[0, 0] == pytest.approx(2.0 * (1 + 2))
    assert reg.l2_penalty(grid, 2.0)[-1, -1] == pytest.approx(1 + 4)


def test_subgradient_and_gradient_match_finite_differences_away_from_zero():
    w = np.array([0.7, -1.3, 0.2])
    for penalty, grad in [(reg.l1_penalty, reg.l1_subgradient), (reg.l2_penalty, reg.l2_gradient)]:
        numeric = numerical_gradient(lambda v: penalty(v, 0.3), w)
        assert relative_error(grad(w, 0.3), numeric) < 1e-8


# -- soft threshold -------------------------------------------------------------------------
def test_soft_threshold_by_hand():
    x = np.array([1.5, -0.3, 0.8, -2.0, 0.5, 0.0])
    np.testing.assert_allclose(reg.soft_threshold(x, 0.5), [1.0, 0.0, 0.3, -1.5, 0.0, 0.0],
                               atol=1e-15)
    np.testing.assert_array_equal(reg.soft_threshold(x, 0.0), x)
    assert np.all(reg.soft_threshold(x, 0.5)[[1, 4, 5]] == 0.0)   # exactly zero


def test_soft_threshold_is_the_proximal_operator():
    # argmin_z ½(z − x)² + t|z| by brute force on a fine grid
    z = np.linspace(-3, 3, 600_001)
    for x in (-2.2, -0.4, 0.1, 0.9, 2.5):
        best = z[np.argmin(0.5 * (z - x) ** 2 + 0.6 * np.abs(z))]
        assert reg.soft_threshold(x, 0.6) == pytest.approx(best, abs=2e-5)


# -- Regularized ----------------------------------------------------------------------------
def test_regularized_adds_the_penalty_and_its_gradient():
    p = problem()
    w = np.linspace(-1, 1, p.dim) + 0.05
    for penalty, pen, grad in [("l1", reg.l1_penalty, reg.l1_subgradient),
                               ("l2", reg.l2_penalty, reg.l2_gradient)]:
        f = reg.Regularized(p, 0.4, penalty)
        assert f(w) == pytest.approx(p(w) + pen(w, 0.4), rel=1e-12)
        np.testing.assert_allclose(f.grad(w), p.grad(w) + grad(w, 0.4), rtol=1e-12)
        assert relative_error(f.grad(w), numerical_gradient(f, w)) < 1e-6
    l2 = reg.Regularized(p, 0.4, "l2")
    np.testing.assert_allclose(l2.grad(l2.minimum), 0.0, atol=1e-9)   # its minimum: ridge


def test_regularized_on_a_grid_for_contour_plots():
    p = LeastSquares(np.array([[1.0, 0.0], [0.0, 2.0]]), np.array([1.0, 1.0]))
    f = reg.Regularized(p, 1.0, "l1")
    grid = np.zeros((2, 4, 4)) + np.array([0.5, -0.5])[:, None, None]
    assert f(grid).shape == (4, 4)
    assert f(grid)[0, 0] == pytest.approx(f(np.array([0.5, -0.5])))


# -- ridge --------------------------------------------------------------------------------------
def test_ridge_equals_sklearn_and_the_normal_equations():
    p = problem()
    for lam in (0.01, 0.5, 10.0):
        w = reg.ridge(p, lam)
        sk = Ridge(alpha=p.n * lam, fit_intercept=False, solver="cholesky").fit(p.X, p.y).coef_
        np.testing.assert_allclose(w, sk, rtol=1e-9, atol=1e-10)
        np.testing.assert_allclose(p.X.T @ (p.X @ w - p.y) / p.n + lam * w, 0.0, atol=1e-9)
    np.testing.assert_allclose(reg.ridge(p, 0.0), p.minimum, rtol=1e-10)


def test_ridge_by_hand_in_one_dimension():
    # J = ¼[(w − 1)² + (2w − 2)²]·... : X = (1, 2), y = (1, 2): A = 5/2, b = 5/2
    p = LeastSquares(np.array([[1.0], [2.0]]), np.array([1.0, 2.0]))
    assert reg.ridge(p, 2.5)[0] == pytest.approx(2.5 / 5.0)          # b / (A + λ)
    assert np.all(reg.ridge(problem(), 5.0) != 0)                      # never exactly zero


# -- lasso: lambda_max, ISTA, path ------------------------------------------------------------
def test_lambda_max_is_where_the_solution_becomes_zero():
    p = problem()
    top = reg.lasso_lambda_max(p)
    assert top == pytest.approx(np.max(np.abs(p.X.T @ p.y)) / p.n)
    assert np.all(reg.ista(p, top).w == 0)
    assert np.any(reg.ista(p, 0.99 * top).w != 0)


@pytest.mark.parametrize("lam", [0.05, 0.5, 3.0])
def test_ista_equals_sklearn_lasso(lam):
    p = problem()
    run = reg.ista(p, lam)
    sk = Lasso(alpha=lam, fit_intercept=False, tol=1e-12, max_iter=100_000).fit(p.X, p.y).coef_
    assert run.converged
    np.testing.assert_allclose(run.w, sk, atol=1e-8)
    np.testing.assert_array_equal(run.w == 0, sk == 0)                 # the same exact zeros
    assert run.objective == pytest.approx(p(sk) + lam * np.abs(sk).sum(), rel=1e-10)


def test_ista_on_an_orthonormal_design_is_one_soft_threshold():
    # XᵀX/n = I: the lasso solution is the soft threshold of the least-squares one
    X = np.sqrt(4.0) * np.eye(4)
    y = np.array([3.0, -1.0, 0.5, 2.0]) * 2.0       # least squares w* = y/2 = (3, −1, .5, 2)
    p = LeastSquares(X, y)
    run = reg.ista(p, 0.8)
    np.testing.assert_allclose(run.w, [2.2, -0.2, 0.0, 1.2], atol=1e-12)
    assert run.iterations <= 2                        # the first step lands on it (lr = 1/L)


def test_ista_keeps_the_path_and_stops_at_the_step_budget():
    p = problem()
    run = reg.ista(p, 0.5, steps=5, tol=0.0, keep_path=True)
    assert run.xs.shape == (6, p.dim) and run.iterations == 5 and not run.converged
    np.testing.assert_array_equal(run.xs[0], 0.0)
    w1 = reg.soft_threshold(-p.grad(np.zeros(p.dim)) / p.eigenvalues[-1],
                            0.5 / p.eigenvalues[-1])
    np.testing.assert_allclose(run.xs[1], w1, rtol=1e-12)
    short = reg.ista(p, 0.5, steps=5, tol=0.0)
    assert short.xs.shape == (2, p.dim)
    np.testing.assert_array_equal(short.w, run.w)


def test_lasso_path_equals_cold_starts():
    p = problem()
    lams = np.geomspace(reg.lasso_lambda_max(p), 0.05, 6)
    path = reg.lasso_path(p, lams, tol=1e-13)
    for lam, w in zip(lams, path):
        np.testing.assert_allclose(w, reg.ista(p, lam, tol=1e-13).w, atol=1e-9)
    zeros = (path == 0).sum(axis=1)
    assert zeros[0] == p.dim and zeros[-1] < zeros[0]


# -- bad input --------------------------------------------------------------------------------
@pytest.mark.parametrize("call, words", [
    (lambda: reg.l1_penalty([1.0], -1.0), "lam must be in [0, inf), got -1"),
    (lambda: reg.l2_gradient([np.nan], 1.0), "w must contain only finite numbers"),
    (lambda: reg.soft_threshold([1.0], -0.1), "t must be in [0, inf), got -0.1"),
    (lambda: reg.Regularized(problem(), 0.1, "l3"), "penalty must be one of 'l1', 'l2'"),
    (lambda: reg.Regularized(np.eye(2), 0.1), "f must be a gdlab Function"),
    (lambda: reg.ridge("data", 0.1), "problem must be a gdlab.problems.LeastSquares"),
    (lambda: reg.ridge(LeastSquares(np.ones((3, 2)), np.ones(3)), 0.0), "lam must be > 0"),
    (lambda: reg.ista(problem(), 0.1, lr=100.0), "lr must be in (0, "),
    (lambda: reg.ista(problem(), 0.1, steps=0), "steps must be a whole number >= 1"),
    (lambda: reg.ista(problem(), 0.1, w0=[1.0, 2.0]), "w0 must have shape (8,)"),
    (lambda: reg.lasso_path(problem(), [0.1, -0.1]), "lams must be a non-empty list"),
])
def test_bad_input_is_refused_with_a_clear_message(call, words):
    with pytest.raises(ValueError) as error:
        call()
    assert words in str(error.value), str(error.value)


def test_subgradient_descent_runs_through_gdlab_run():
    p = problem()
    traj = gdlab.run(gdlab.SGD(lr=0.5 / p.eigenvalues[-1]), reg.Regularized(p, 1.0, "l1"),
                     np.zeros(p.dim), 200)
    assert traj.steps == 200 and not traj.diverged


def test_soft_threshold_gives_no_negative_zeros():
    out = reg.soft_threshold([-0.3, 0.2, -5.0], 0.5)
    assert not np.signbit(out[0]) and not np.signbit(out[1]) and out[2] == -4.5


def test_lasso_path_refuses_to_return_an_unconverged_solution():
    problem = gdlab.problems.LeastSquares(np.random.default_rng(0).standard_normal((30, 8)),
                                          np.random.default_rng(1).standard_normal(30))
    with pytest.raises(RuntimeError, match="did not converge for lam = 0.01 within 3 steps"):
        reg.lasso_path(problem, [0.01], steps=3)
