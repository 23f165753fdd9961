"""gdlab.quasi_newton: the BFGS update, the L-BFGS two-loop recursion and the L-BFGS
minimizer. Expected values come from dense matrix algebra, from the secant condition, and
from scipy.optimize.minimize(method="L-BFGS-B"), not from the functions under test."""

import numpy as np
import pytest
from scipy.optimize import minimize, rosen, rosen_der

import gdlab
from gdlab import quasi_newton as qn


def pairs(n=6, m=4, seed=0):
    """m curvature pairs of a random positive definite quadratic (y = A s)."""
    rng = np.random.default_rng(seed)
    Q = np.linalg.qr(rng.standard_normal((n, n)))[0]
    A = Q @ np.diag(np.geomspace(1, 50, n)) @ Q.T
    S = [rng.standard_normal(n) for _ in range(m)]
    return A, S, [A @ s for s in S]


# -- BFGS -------------------------------------------------------------------------------------------
def test_bfgs_update_satisfies_the_secant_condition_and_stays_positive_definite():
    A, S, Y = pairs()
    B = np.eye(6)
    for s, y in zip(S, Y):
        B = qn.bfgs_update(B, s, y)
        np.testing.assert_allclose(B @ y, s, atol=1e-10)
        np.testing.assert_allclose(B, B.T, atol=1e-12)
        assert np.linalg.eigvalsh(B).min() > 0
    # a rank-2 change: B+ - B has rank <= 2
    B1 = qn.bfgs_update(np.eye(6), S[0], Y[0])
    assert np.linalg.matrix_rank(B1 - np.eye(6), tol=1e-10) == 2


def test_bfgs_with_n_exact_line_searches_recovers_the_inverse_hessian():
    A, _, _ = pairs(n=4)
    x, B = np.array([1.0, -2.0, 0.5, 3.0]), np.eye(4)
    for _ in range(4):
        g = A @ x
        d = -B @ g
        t = -(g @ d) / (d @ A @ d)                    # exact line search on a quadratic
        s = t * d
        B = qn.bfgs_update(B, s, A @ s)
        x = x + s
    np.testing.assert_allclose(B, np.linalg.inv(A), rtol=1e-6, atol=1e-8)
    np.testing.assert_allclose(x, 0, atol=1e-9)


def test_bfgs_refuses_bad_pairs():
    with pytest.raises(ValueError, match=r"yᵀs must be > 0 \(the curvature condition\), got -1"):
        qn.bfgs_update(np.eye(2), [1.0, 0.0], [-1.0, 0.0])
    with pytest.raises(ValueError, match="s and y must have the same length"):
        qn.bfgs_update(np.eye(2), [1.0, 0.0], [1.0, 0.0, 0.0])
    with pytest.raises(ValueError, match=r"B must have shape \(2, 2\)"):
        qn.bfgs_update(np.eye(3)[:2], [1.0, 0.0], [1.0, 0.0])


# -- the two-loop recursion --------------------------------------------------------------------------
@pytest.mark.parametrize("gamma", [None, 0.3])
def test_two_loop_equals_the_dense_bfgs_matrix(gamma):
    A, S, Y = pairs()
    g = np.linspace(-1, 2, 6)
    scale = (S[-1] @ Y[-1]) / (Y[-1] @ Y[-1]) if gamma is None else gamma
    B = scale * np.eye(6)
    for s, y in zip(S, Y):
        B = qn.bfgs_update(B, s, y)
    np.testing.assert_allclose(qn.two_loop(g, S, Y, gamma), B @ g, rtol=1e-10)
    np.testing.assert_allclose(qn.two_loop(g, [], []), g)      # no pairs: γ = 1


def test_two_loop_refuses_bad_input():
    A, S, Y = pairs()
    with pytest.raises(ValueError, match="as many vectors, got 4 and 3"):
        qn.two_loop(np.ones(6), S, Y[:3])
    with pytest.raises(ValueError, match="gamma must be in"):
        qn.two_loop(np.ones(6), S, Y, gamma=0.0)
    with pytest.raises(ValueError, match="curvature condition"):
        qn.two_loop(np.ones(6), S, [-y for y in Y])


# -- the minimizer -------------------------------------------------------------------------------------
class NDRosenbrock(gdlab.Function):
    def __init__(self, n):
        self.dim, self.name, self.minimum, self.min_value = n, f"Rosenbrock {n}-D", np.ones(n), 0.0

    def value(self, x):
        return rosen(x)

    def gradient(self, x):
        return rosen_der(x)


def test_lbfgs_agrees_with_scipy_on_rosenbrock():
    f, x0 = NDRosenbrock(10), np.tile([-1.2, 1.0], 5)
    ours = qn.lbfgs(f, x0, m=10, max_iter=1000, gtol=1e-8)
    theirs = minimize(rosen, x0, jac=rosen_der, method="L-BFGS-B",
                      options=dict(maxcor=10, gtol=1e-8, ftol=0, maxiter=1000))
    assert ours.status == "converged: |g| <= gtol" and theirs.success
    np.testing.assert_allclose(ours.x, theirs.x, atol=1e-8)
    np.testing.assert_allclose(ours.x, 1, atol=1e-8)
    assert 0.5 * theirs.njev < ours.grad_evals[-1] < 1.5 * theirs.njev
    assert ours.trajectory.optimizer == "L-BFGS" and ours.iterations == len(ours.grad_evals) - 1


def test_lbfgs_counts_every_gradient():
    calls = []

    class Counted(NDRosenbrock):
        def gradient(self, x):
            calls.append(1)
            return rosen_der(x)

    run = qn.lbfgs(Counted(4), np.zeros(4), m=3, max_iter=50, gtol=1e-9)
    assert run.grad_evals[-1] == len(calls) and run.grad_evals[0] == 1
    assert np.all(np.diff(run.grad_evals) >= 1)


def test_lbfgs_solves_a_quadratic_in_at_most_n_plus_one_steps_without_line_search():
    f = gdlab.problems.linear_regression()
    run = qn.lbfgs(f, [-4.0, -2.0], m=5, max_iter=20, gtol=1e-12, line_search=False)
    # fixed unit steps; after one pair the direction is Newton's up to the scaling
    assert run.status == "converged: |g| <= gtol" and run.iterations <= 8
    np.testing.assert_allclose(run.x, f.minimum, atol=1e-10)
    assert list(np.diff(run.grad_evals)) == [1] * run.iterations


def test_lbfgs_with_minibatch_gradients_has_its_line_search_fail():
    noisy = gdlab.problems.Minibatched(gdlab.problems.linear_regression(), 32, seed=0)
    run = qn.lbfgs(noisy, [-4.0, -2.0], m=5, max_iter=100)
    assert run.status.startswith("stopped: the line search found no step")
    assert run.iterations < 20


def test_lbfgs_stops_when_it_leaves_the_ball():
    f = gdlab.Quadratic(np.diag([1.0, 2.0]), name="bowl")
    run = qn.lbfgs(f, [1.0, 1.0], max_iter=10, line_search=False, lr=1e12, max_norm=1e3)
    assert run.trajectory.diverged and run.status.startswith("diverged at iteration 1")


@pytest.mark.parametrize("kwargs, words", [
    (dict(m=0), "m must be a whole number >= 1"),
    (dict(max_iter=-1), "max_iter must be a whole number >= 0"),
    (dict(gtol=-1.0), "gtol must be in [0, inf)"),
    (dict(lr=0.0), "lr must be in (0, inf)"),
    (dict(line_search=1), "line_search must be True or False"),
    (dict(x0=[1.0]), "x0 must have shape (2,)"),
])
def test_lbfgs_refuses_bad_input(kwargs, words):
    settings = dict(f=gdlab.rosenbrock, x0=[0.0, 0.0])
    settings.update(kwargs)
    with pytest.raises(ValueError) as error:
        qn.lbfgs(**settings)
    assert words in str(error.value), str(error.value)
