"""Tests of gdlab.theory, chapter 3: gradient descent and heavy-ball momentum on quadratics.

Every closed form is checked against something computed another way: eigenvalues of the
2x2 iteration matrix from numpy, brute-force searches over grids, and simulation with the
optimizers of gdlab.
"""

import math

import numpy as np
import pytest

import gdlab
from by_hand import sutskever_run
from gdlab import theory


def radius_by_eigvals(lam, lr, beta):
    """Spectral radius of [[1+beta-lr*lam, -beta], [1, 0]] from numpy's eigenvalues."""
    matrix = np.array([[1.0 + beta - lr * lam, -beta], [1.0, 0.0]])
    return float(np.max(np.abs(np.linalg.eigvals(matrix))))


def diagonal_quadratic(eigenvalues):
    return gdlab.Quadratic(np.diag(eigenvalues))


# -- gradient descent -----------------------------------------------------------------------
@pytest.mark.parametrize("mu, L", [(1.0, 10.0), (0.1, 2.0), (3.0, 3.0), (1.0, 1000.0)])
def test_gd_optimal_lr_minimizes_the_worst_case_rate_on_a_grid(mu, L):
    lrs = np.linspace(1e-4, 2.0 / L, 200001)
    worst = np.maximum(np.abs(1 - lrs * mu), np.abs(1 - lrs * L))
    best = lrs[np.argmin(worst)]
    assert theory.gd_optimal_lr(mu, L) == pytest.approx(best, rel=1e-4)
    assert theory.gd_rate(mu, L) == pytest.approx(worst.min(), abs=1e-4)


@pytest.mark.parametrize("kappa", [1.0, 10.0, 100.0, 1000.0])
def test_gd_rate_at_the_optimum_is_kappa_minus_one_over_kappa_plus_one(kappa):
    assert theory.gd_rate(2.0, 2.0 * kappa) == pytest.approx((kappa - 1) / (kappa + 1))


def test_gd_rate_with_a_given_lr_matches_the_worst_eigenvalue():
    lam = np.linspace(0.5, 4.0, 1001)
    for lr in (0.1, 0.3, 0.45, 0.6):
        assert theory.gd_rate(0.5, 4.0, lr) == pytest.approx(np.max(np.abs(1 - lr * lam)))


def test_gd_rate_matches_a_simulated_run():
    f = diagonal_quadratic([1.0, 3.0, 10.0])
    traj = gdlab.run(gdlab.SGD(lr=0.12), f, [1.0, 1.0, 1.0], 200)
    # slowest mode: |1 - 0.12*1| = 0.88 versus |1 - 0.12*10| = 0.2
    assert theory.measured_rate(traj) == pytest.approx(theory.gd_rate(1.0, 10.0, 0.12),
                                                       rel=1e-9)


# -- heavy ball: the iteration matrix ---------------------------------------------------
@pytest.mark.parametrize("lam, lr, beta", [(2.0, 0.3, 0.5), (0.1, 1.3, 0.9), (5.0, 0.5, 0.0)])
def test_heavy_ball_matrix_advances_the_momentum_optimizer(lam, lr, beta):
    f = gdlab.Quadratic([[lam]])
    x = np.array([1.5])
    opt = gdlab.Momentum(lr=lr, beta=beta)
    xs = [x.copy()]
    for _ in range(6):
        opt.update(x, f.grad(x))
        xs.append(x.copy())
    xs = np.array(xs)[:, 0]
    matrix = theory.heavy_ball_matrix(lam, lr, beta)
    for t in range(1, 6):   # x_{-1} = x_0 because v starts at 0
        assert matrix @ [xs[t], xs[t - 1]] == pytest.approx([xs[t + 1], xs[t]], rel=1e-12)


def test_spectral_radius_equals_numpy_eigenvalues_on_random_points():
    rng = np.random.default_rng(1)
    lam = rng.uniform(-1.0, 5.0, 500)
    lr = rng.uniform(0.0, 2.0, 500)
    beta = rng.uniform(0.0, 1.0, 500)
    closed = theory.heavy_ball_spectral_radius(lam, lr, beta)
    numeric = [radius_by_eigvals(*p) for p in zip(lam, lr, beta)]
    assert closed.shape == (500,)
    np.testing.assert_allclose(closed, numeric, rtol=1e-7, atol=1e-7)


def test_spectral_radius_special_cases():
    # beta = 0: plain gradient descent, radius |1 - lr*lam|
    assert theory.heavy_ball_spectral_radius(3.0, 0.5, 0.0) == pytest.approx(0.5)
    assert theory.heavy_ball_spectral_radius(3.0, 1.0, 0.0) == pytest.approx(2.0)
    # complex region: modulus sqrt(beta) whatever lam is
    for lam in (0.3, 1.0, 2.5):
        assert theory.heavy_ball_spectral_radius(lam, 1.0, 0.81) == pytest.approx(0.9)
    # lam = 0 (flat direction): one eigenvalue is exactly 1
    assert theory.heavy_ball_spectral_radius(0.0, 0.7, 0.6) == pytest.approx(1.0)
    assert isinstance(theory.heavy_ball_spectral_radius(1.0, 0.1, 0.5), float)


def test_stability_region_agrees_with_the_spectral_radius():
    lam = 1.0
    lrs, betas = np.meshgrid(np.linspace(0.0, 4.5, 181), np.linspace(0.0, 0.99, 100))
    stable = theory.heavy_ball_stable(lam, lrs, betas)
    radius = np.vectorize(radius_by_eigvals)(lam, lrs, betas)
    margin = np.abs(lrs * lam - (2 + 2 * betas)) > 1e-9
    assert stable.dtype == bool
    np.testing.assert_array_equal(stable[margin & (lrs > 0)], radius[margin & (lrs > 0)] < 1)


def test_stability_boundary_is_two_plus_two_beta():
    for beta in (0.0, 0.5, 0.9):
        edge = 2 + 2 * beta
        assert theory.heavy_ball_stable(1.0, edge - 1e-6, beta)
        assert not theory.heavy_ball_stable(1.0, edge + 1e-6, beta)
    assert not theory.heavy_ball_stable(1.0, 0.5, 1.0)     # no friction: never settles
    assert not theory.heavy_ball_stable(-1.0, 0.5, 0.5)    # negative curvature
    assert not theory.heavy_ball_stable(1.0, 0.0, 0.5)     # lr = 0 does not move


# -- heavy ball: optimal parameters and rate --------------------------------------------
def test_heavy_ball_optimal_known_values():
    lr, beta = theory.heavy_ball_optimal(1.0, 100.0)
    assert lr == pytest.approx(4 / 121)
    assert beta == pytest.approx((9 / 11) ** 2)
    lr, beta = theory.heavy_ball_optimal(2.0, 2.0)   # kappa = 1: one Newton-like step
    assert (lr, beta) == (pytest.approx(0.5), pytest.approx(0.0))


@pytest.mark.parametrize("mu, L", [(1.0, 10.0), (1.0, 100.0), (0.1, 2.0)])
def test_heavy_ball_optimal_puts_both_ends_at_critical_damping(mu, L):
    lr, beta = theory.heavy_ball_optimal(mu, L)
    assert lr * mu == pytest.approx((1 - math.sqrt(beta)) ** 2)
    assert lr * L == pytest.approx((1 + math.sqrt(beta)) ** 2)


@pytest.mark.parametrize("mu, L", [(1.0, 10.0), (1.0, 100.0)])
def test_heavy_ball_optimal_beats_every_point_of_a_grid(mu, L):
    lrs, betas = np.meshgrid(np.linspace(1e-3, 4.0 / L, 120), np.linspace(0.0, 0.99, 120))
    grid = np.maximum(np.vectorize(radius_by_eigvals)(mu, lrs, betas),
                      np.vectorize(radius_by_eigvals)(L, lrs, betas))
    best = theory.heavy_ball_rate(mu, L)
    assert best <= grid.min() + 1e-9
    assert grid.min() == pytest.approx(best, abs=0.02)   # the grid gets close to it


@pytest.mark.parametrize("kappa", [1.0, 10.0, 100.0, 1000.0])
def test_heavy_ball_rate_at_the_optimum(kappa):
    root = math.sqrt(kappa)
    assert theory.heavy_ball_rate(1.0, kappa) == pytest.approx((root - 1) / (root + 1),
                                                               rel=1e-14)
    at_optimum = theory.heavy_ball_rate(1.0, kappa, *theory.heavy_ball_optimal(1.0, kappa))
    assert at_optimum == pytest.approx((root - 1) / (root + 1), rel=1e-7)
    if kappa > 1:
        assert theory.heavy_ball_rate(1.0, kappa) < theory.gd_rate(1.0, kappa)


@pytest.mark.parametrize("lr, beta", [(0.05, 0.5), (0.02, 0.9), (0.035, 0.7), (0.01, 0.0)])
def test_heavy_ball_rate_is_the_worst_eigenvalue_of_the_interval(lr, beta):
    lam = np.linspace(1.0, 100.0, 4001)
    dense = max(radius_by_eigvals(x, lr, beta) for x in lam)
    assert theory.heavy_ball_rate(1.0, 100.0, lr, beta) == pytest.approx(dense, rel=1e-6)


def test_heavy_ball_rate_broadcasts():
    rates = theory.heavy_ball_rate(1.0, 100.0, np.array([0.01, 0.02]), np.array([[0.0], [0.5]]))
    assert rates.shape == (2, 2)
    assert rates[0, 0] == pytest.approx(0.99)


@pytest.mark.parametrize("kappa", [10.0, 100.0])
def test_heavy_ball_rate_matches_a_simulated_run(kappa):
    f = diagonal_quadratic(np.geomspace(1.0, kappa, 6))
    lr, beta = 0.8 * theory.heavy_ball_optimal(1.0, kappa)[0], 0.9   # off the optimum
    traj = gdlab.run(gdlab.Momentum(lr=lr, beta=beta), f, np.ones(6), 600)
    expected = theory.heavy_ball_rate(1.0, kappa, lr, beta)
    assert theory.measured_rate(traj) == pytest.approx(expected, rel=2e-3)


def test_optimal_heavy_ball_run_approaches_the_rate_like_one_over_t():
    # At the optimum the ends of the spectrum are double eigenvalues: error ~ t * rho^t.
    f = diagonal_quadratic([1.0, 100.0])
    lr, beta = theory.heavy_ball_optimal(1.0, 100.0)
    traj = gdlab.run(gdlab.Momentum(lr=lr, beta=beta), f, [1.0, 1.0], 1000)
    rho = theory.heavy_ball_rate(1.0, 100.0)
    window = 500
    polynomial_factor = (1000 / 500) ** (1 / window)   # (t ratio)^(1/window) from t * rho^t
    assert theory.measured_rate(traj) == pytest.approx(rho * polynomial_factor, rel=2e-4)
    assert theory.measured_rate(traj) > rho


# -- measured_rate ----------------------------------------------------------------------
def test_measured_rate_of_a_geometric_sequence():
    d = 3.0 * 0.9 ** np.arange(50)
    assert theory.measured_rate(d) == pytest.approx(0.9, rel=1e-12)
    assert theory.measured_rate(d, tail=0.1) == pytest.approx(0.9, rel=1e-12)


def test_measured_rate_ignores_the_transient_before_the_tail():
    t = np.arange(60)
    d = 0.95 ** t + 20.0 * 0.5 ** t           # a fast mode dominates at first
    assert theory.measured_rate(d, tail=1.0) < 0.94
    assert theory.measured_rate(d, tail=0.5) == pytest.approx(0.95, rel=1e-8)


def test_measured_rate_is_the_geometric_mean_for_a_steady_oscillation():
    t = np.arange(400)
    d = 0.8 ** t * (1.5 + np.cos(2.0 * t))
    assert theory.measured_rate(d) == pytest.approx(0.8, rel=2e-3)


def test_measured_rate_batches_over_leading_axes():
    t = np.arange(30)
    d = np.array([[0.5 ** t, 0.9 ** t], [1.1 ** t, 0.7 ** t]])
    np.testing.assert_allclose(theory.measured_rate(d), [[0.5, 0.9], [1.1, 0.7]], rtol=1e-12)


@pytest.mark.parametrize("bad, kwargs, words", [
    (5.0, {}, "scalar"),
    ([1.0], {}, "at least 2"),
    ([1.0, 0.5, 0.0, 0.0], {}, "> 0"),
    ([1.0, 0.5, np.inf, 1.0], {}, "> 0"),
    ([1.0, 0.5, 0.25], {"tail": 0.0}, "tail"),
    ([1.0, 0.5, 0.25], {"tail": 1.5}, "tail"),
])
def test_measured_rate_rejects_bad_input(bad, kwargs, words):
    with pytest.raises(ValueError, match=words):
        theory.measured_rate(bad, **kwargs)


# -- validation -------------------------------------------------------------------------
@pytest.mark.parametrize("call, name", [
    (lambda: theory.gd_optimal_lr(0.0, 1.0), "mu"),
    (lambda: theory.gd_optimal_lr(-1.0, 1.0), "mu"),
    (lambda: theory.gd_rate(2.0, 1.0), "L"),
    (lambda: theory.gd_rate(1.0, 2.0, lr=-0.1), "lr"),
    (lambda: theory.heavy_ball_optimal(1.0, float("nan")), "L"),
    (lambda: theory.heavy_ball_rate(1.0, 10.0, lr=0.1), "lr and beta"),
    (lambda: theory.heavy_ball_rate(1.0, 10.0, 0.1, 1.2), "beta"),
    (lambda: theory.heavy_ball_spectral_radius(1.0, -0.1, 0.5), "lr"),
    (lambda: theory.heavy_ball_spectral_radius(np.nan, 0.1, 0.5), "lam"),
    (lambda: theory.heavy_ball_spectral_radius("big", 0.1, 0.5), "lam"),
    (lambda: theory.heavy_ball_stable(1.0, 0.1, [0.5, -0.5]), "beta"),
    (lambda: theory.heavy_ball_matrix(1.0, 0.1, 2.0), "beta"),
])
def test_bad_arguments_raise_value_errors_naming_the_parameter(call, name):
    with pytest.raises(ValueError, match=name) as info:
        call()
    assert "must be" in str(info.value)


def test_error_message_gives_value_and_range():
    with pytest.raises(ValueError, match=r"beta must be in \[0, 1\], got 1.5"):
        theory.heavy_ball_spectral_radius(1.0, 0.1, 1.5)
    with pytest.raises(ValueError, match=r"L must be in \[mu, inf\) = \[2, inf\), got 1"):
        theory.gd_rate(2.0, 1.0)


# -- helpers: the method written out by hand --------------------------------------------


def one_d(lam):
    return gdlab.Quadratic(np.array([[lam]]), name="1-D")


CASES = [(1.0, 0.1, 0.9), (1.0, 0.5, 0.95), (2.0, 0.3, 0.5), (0.5, 2.0, 0.99), (1.0, 1.2, 0.3),
         (3.0, 0.2, 0.0), (1.0, 0.9, 1.0)]


# -- theory: effective momentum and the recursion ---------------------------------------
@pytest.mark.parametrize("lam, lr, beta", CASES)
def test_effective_momentum_is_the_momentum_of_the_simulated_recursion(lam, lr, beta):
    theta, _ = sutskever_run(lam, lr, beta, 1.0, 30)
    beta_eff = theory.nesterov_effective_momentum(lam, lr, beta)
    # theta_{t+1} - (1 - lr*lam) theta_t = beta_eff (theta_t - theta_{t-1}) for t >= 1
    lhs = theta[2:] - (1 - lr * lam) * theta[1:-1]
    rhs = beta_eff * (theta[1:-1] - theta[:-2])
    np.testing.assert_allclose(lhs, rhs, rtol=1e-10, atol=1e-12)


def test_effective_momentum_values_and_broadcasting():
    # beta (1 - lr lam): 0.9 * (1 - 0.45*0.1) = 0.8595 and 0.9 * (1 - 0.9) = 0.09
    np.testing.assert_allclose(theory.nesterov_effective_momentum(np.array([0.1, 2.0]), 0.45, 0.9),
                               [0.8595, 0.09])
    assert theory.nesterov_effective_momentum(1.0, 1.5, 0.8) == pytest.approx(-0.4)  # negative
    assert isinstance(theory.nesterov_effective_momentum(1.0, 0.1, 0.9), float)


@pytest.mark.parametrize("lam, lr, beta", CASES)
def test_iteration_matrix_propagates_gdlab_nesterov_stored_points(lam, lr, beta):
    stored = gdlab.run(gdlab.Nesterov(lr=lr, beta=beta), one_d(lam), [1.0], 25).xs[:, 0]
    N = theory.nesterov_iteration_matrix(lam, lr, beta)
    assert N.shape == (2, 2)
    for t in range(1, 24):   # from the second step on (the first starts with v = 0)
        np.testing.assert_allclose(N @ [stored[t], stored[t - 1]], [stored[t + 1], stored[t]],
                                   rtol=1e-10, atol=1e-12)


def test_iteration_matrix_also_propagates_sutskever_theta():
    theta, _ = sutskever_run(1.5, 0.3, 0.9, 2.0, 20)
    N = theory.nesterov_iteration_matrix(1.5, 0.3, 0.9)
    for t in range(1, 19):
        np.testing.assert_allclose(N @ [theta[t], theta[t - 1]], [theta[t + 1], theta[t]],
                                   rtol=1e-10, atol=1e-12)


# -- theory: spectral radius -----------------------------------------------------------
def test_spectral_radius_matches_numpy_eigenvalues():
    rng = np.random.default_rng(1)
    checked = 0
    for _ in range(400):
        lam, lr, beta = rng.uniform(0.01, 3.0), rng.uniform(0.0, 1.5), rng.uniform(0.0, 1.0)
        c = 1 - lr * lam
        if abs(((1 + beta) * c) ** 2 - 4 * beta * c) < 1e-6:
            continue   # near a double root numpy's eigenvalues lose half their digits
        N = np.array([[(1 + beta) * c, -beta * c], [1.0, 0.0]])   # written from the recursion
        expected = np.abs(np.linalg.eigvals(N)).max()
        assert theory.nesterov_spectral_radius(lam, lr, beta) == pytest.approx(expected, abs=1e-9)
        checked += 1
    assert checked > 300


@pytest.mark.parametrize("lam, lr, beta", [(1.0, 0.1, 0.9), (1.0, 0.5, 0.95), (2.0, 0.3, 0.5),
                                           (1.0, 1.2, 0.3), (1.0, 0.02, 0.5)])
def test_spectral_radius_is_the_measured_contraction(lam, lr, beta):
    theta, v = sutskever_run(lam, lr, beta, 1.0, 300)
    # the state (theta_t, theta_{t-1}) shrinks by rho per step in the long run
    state = np.hypot(theta[1:], theta[:-1])
    measured = (state[250] / state[150]) ** (1 / 100)
    assert measured == pytest.approx(theory.nesterov_spectral_radius(lam, lr, beta), rel=0.02)


def test_spectral_radius_special_values():
    assert theory.nesterov_spectral_radius(1.0, 1.0, 0.9) == 0.0       # lr*lam = 1: nilpotent
    # beta = 0 is gradient descent: |1 - lr*lam|
    np.testing.assert_allclose(theory.nesterov_spectral_radius(1.0, np.array([0.3, 1.7]), 0.0),
                               [0.7, 0.7])
    # complex roots: modulus sqrt(beta (1 - lr lam)); at lam=1, lr=0.5, beta=0.9: sqrt(0.45)
    assert theory.nesterov_spectral_radius(1.0, 0.5, 0.9) == pytest.approx(np.sqrt(0.45))


# -- theory: stability ------------------------------------------------------------------
@pytest.mark.parametrize("beta", [0.0, 0.3, 0.5, 0.9, 0.99, 1.0])
def test_stability_limit_separates_simulated_decay_from_growth(beta):
    limit = theory.nesterov_stability_limit(beta)
    # derived by hand: p(-1) = 1 + (1 + 2 beta) c > 0  <=>  lr*lam < (2 + 2 beta)/(1 + 2 beta)
    assert limit == pytest.approx((2 + 2 * beta) / (1 + 2 * beta))
    inside, _ = sutskever_run(1.0, 0.97 * limit, beta, 1.0, 2000)
    outside, _ = sutskever_run(1.0, 1.03 * limit, beta, 1.0, 2000)
    assert abs(inside[-1]) < 1e-6 and abs(outside[-1]) > 1e3
    assert theory.nesterov_stable(1.0, 0.97 * limit, beta)
    assert not theory.nesterov_stable(1.0, 1.03 * limit, beta)


def test_stability_limit_end_points_and_heavy_ball_comparison():
    assert theory.nesterov_stability_limit(0.0) == 2.0           # gradient descent
    assert theory.nesterov_stability_limit(1.0) == pytest.approx(4 / 3)
    betas = np.linspace(0.05, 0.99, 20)
    assert np.all(theory.nesterov_stability_limit(betas) < 2 + 2 * betas)


def test_stable_agrees_with_spectral_radius_below_one():
    lam = 1.0
    lr, beta = np.meshgrid(np.linspace(-0.0, 2.2, 111), np.linspace(0.0, 1.0, 51))
    stable = theory.nesterov_stable(lam, lr, beta)
    radius = theory.nesterov_spectral_radius(lam, lr, beta)
    margin = np.abs(radius - 1.0) > 1e-6            # skip points on the boundary itself
    assert np.array_equal(stable[margin], (radius < 1.0)[margin])
    assert not theory.nesterov_stable(1.0, 0.0, 0.9)   # no step, no convergence
    assert not theory.nesterov_stable(-1.0, 0.1, 0.9)  # negative curvature
    assert isinstance(theory.nesterov_stable(1.0, 0.1, 0.9), bool)


# -- theory: the rate over [mu, L] --------------------------------------------------------
@pytest.mark.parametrize("mu, L, lr, beta", [(1.0, 100.0, 0.01, 0.8), (0.1, 2.0, 0.45, 0.9),
                                             (1.0, 10.0, 0.15, 0.5), (0.5, 4.0, 0.3, 0.95)])
def test_rate_is_the_worst_radius_over_a_dense_spectrum(mu, L, lr, beta):
    lams = np.linspace(mu, L, 4001)
    dense = max(np.abs(np.linalg.eigvals(theory.nesterov_iteration_matrix(lam, lr, beta))).max()
                for lam in lams)
    assert theory.nesterov_rate(mu, L, lr, beta) == pytest.approx(dense, abs=1e-6)


@pytest.mark.parametrize("kappa", [4.0, 25.0, 100.0, 1e4])
def test_classic_tuning_gives_one_minus_one_over_root_kappa(kappa):
    s = np.sqrt(kappa)
    rate = theory.nesterov_rate(1.0, kappa, 1 / kappa, (s - 1) / (s + 1))
    assert rate == pytest.approx(1 - 1 / s, rel=1e-7)


def test_rate_matches_a_run_on_a_random_quadratic():
    q = gdlab.random_quadratic(kappa=30.0, dim=6, seed=3)
    mu, L = q.eigenvalues[0], q.eigenvalues[-1]
    lr, beta = 0.02, 0.8
    traj = gdlab.run(gdlab.Nesterov(lr=lr, beta=beta), q, np.ones(6), 600)
    d = traj.distances()
    measured = (d[600] / d[400]) ** (1 / 200)
    assert measured == pytest.approx(theory.nesterov_rate(mu, L, lr, beta), rel=0.01)


# -- theory: validation -------------------------------------------------------------------
@pytest.mark.parametrize("call, words", [
    (lambda: theory.nesterov_spectral_radius(1.0, -0.1, 0.9), ["lr", "-0.1", "[0, inf)"]),
    (lambda: theory.nesterov_spectral_radius(1.0, 0.1, 1.5), ["beta", "1.5", "[0, 1]"]),
    (lambda: theory.nesterov_effective_momentum(np.nan, 0.1, 0.5), ["lam", "nan"]),
    (lambda: theory.nesterov_stable(1.0, np.array([0.1, -2.0]), 0.5), ["lr", "-2", "[0, inf)"]),
    (lambda: theory.nesterov_stable(1.0, 0.1, np.array([0.5, 1.2])), ["beta", "1.2", "[0, 1]"]),
    (lambda: theory.nesterov_iteration_matrix(1.0, 0.1, -0.2), ["beta", "-0.2", "[0, 1]"]),
    (lambda: theory.nesterov_stability_limit(2.0), ["beta", "2", "[0, 1]"]),
    (lambda: theory.nesterov_rate(0.0, 1.0, 0.1, 0.9), ["mu", "0", "(0, inf)"]),
    (lambda: theory.nesterov_rate(2.0, 1.0, 0.1, 0.9), ["L", "1", "[2, inf)"]),
    (lambda: theory.nesterov_rate(1.0, 2.0, "fast", 0.9), ["lr", "fast"]),
])
def test_bad_inputs_name_parameter_value_and_range(call, words):
    with pytest.raises(ValueError) as info:
        call()
    for word in words:
        assert word in str(info.value)
