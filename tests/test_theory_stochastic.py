"""gdlab.theory.stochastic: SGD with noisy gradients in closed form (chapter 8). Expected
values come from Monte Carlo runs of the library's SGD, from iterating the recursions by
brute force, from full-batch runs, or from torch.optim.RAdam, not from the formulas under
test."""

import math

import numpy as np
import pytest

import gdlab
from gdlab import schedules as s
from gdlab import theory

try:
    import torch
    HAVE_TORCH = True
except ImportError:
    HAVE_TORCH = False


def sgd_chains(lrs, curvature, sigma, x0, chains, seed=0):
    """Many independent runs of gdlab.SGD on the noisy 1-D quadratic, as one vector:
    the squared errors e_t^2 of every chain, t = 0..T."""
    rng = np.random.default_rng(seed)
    x = np.full(chains, float(x0))
    optimizer = gdlab.SGD(lr=lambda t: lrs[t - 1])
    squares = [x * x]
    for _ in lrs:
        optimizer.update(x, curvature * x + sigma * rng.standard_normal(chains))
        squares.append(x * x)
    return np.array(squares)


# -- the stationary spread ----------------------------------------------------------------------
def test_stationary_variance_is_the_fixed_point_of_iterating_the_variance():
    for lr, lam, sigma in [(0.1, 1.0, 1.0), (0.8, 2.0, 0.5), (1.9, 1.0, 3.0)]:
        v = 0.0
        for _ in range(20_000):          # brute force: Var[(1 - αλ)e - ασξ], repeated
            v = (1 - lr * lam) ** 2 * v + (lr * sigma) ** 2
        assert theory.sgd_stationary_variance(lr, lam, sigma) == pytest.approx(v, rel=1e-10)


def test_stationary_variance_matches_many_sgd_runs():
    lr, lam, sigma = 0.5, 1.0, 2.0
    squares = sgd_chains(np.full(300, lr), lam, sigma, 0.0, chains=20_000)
    measured = squares[100:].mean()
    assert measured == pytest.approx(0.5 * 4 / (1 * 1.5), rel=0.02)
    assert theory.sgd_stationary_variance(lr, lam, sigma) == pytest.approx(measured, rel=0.02)


def test_stationary_variance_broadcasts_and_has_the_small_rate_limit():
    lrs = np.array([1e-4, 0.05, 0.2])
    values = theory.sgd_stationary_variance(lrs, 1.0, 1.0)
    assert values.shape == (3,)
    assert values[0] == pytest.approx(1e-4 / 2, rel=1e-4)       # ασ²/(2λ) for small α
    assert isinstance(theory.sgd_stationary_variance(0.1, 1.0, 1.0), float)


@pytest.mark.parametrize("args, message", [
    ((2.0, 1.0, 1.0), r"lr must be in \(0, 2/curvature\) = \(0, 2\) .* got 2"),
    ((0.0, 1.0, 1.0), r"lr must be in \(0, 2/curvature\) = \(0, 2\) .* got 0"),
    ((-0.1, 1.0, 1.0), r"lr must be in \(0, 2/curvature\) = \(0, 2\) .* got -0.1"),
    ((float("nan"), 1.0, 1.0), r"lr must be a finite real number, got nan"),
    ((0.1, 0.0, 1.0), r"curvature must be in \(0, inf\), got 0"),
    ((0.1, 1.0, -1.0), r"sigma must be in \[0, inf\), got -1"),
    (([0.1, 2.5], 1.0, 1.0), r"lr must be in \(0, 2/curvature\) = \(0, 2\) .* got 2.5"),
    (([0.1, 1.5], 2.0, 1.0), r"lr must be in \(0, 2/curvature\) = \(0, 1\) .* got 1.5"),
])
def test_stationary_variance_refuses_bad_input(args, message):
    with pytest.raises(ValueError, match=message):
        theory.sgd_stationary_variance(*args)


# -- any schedule ------------------------------------------------------------------------------
def test_mean_square_error_matches_many_runs_with_a_schedule():
    schedule = s.InverseTimeDecay(0.8, 0.05)
    lrs = np.array([schedule(t) for t in range(1, 201)])
    squares = sgd_chains(lrs, 1.0, 1.0, 3.0, chains=20_000, seed=1)
    exact = theory.sgd_mean_square_error(lrs, 1.0, 1.0, 3.0)
    assert exact.shape == (201,) and exact[0] == 9.0
    # 20 000 chains: the standard error of a mean of e² is about 1% of it
    np.testing.assert_allclose(squares.mean(axis=1)[1:], exact[1:], rtol=0.04)


def test_mean_square_error_without_noise_is_full_batch_descent():
    lrs = np.array([s.CosineDecay(0.3, 50)(t) for t in range(1, 51)])
    exact = theory.sgd_mean_square_error(lrs, np.array([0.5, 2.0]), 0.0, np.array([1.0, -2.0]))
    f = gdlab.Quadratic(np.diag([0.5, 2.0]))
    path = gdlab.run(gdlab.SGD(lr=s.CosineDecay(0.3, 50)), f, [1.0, -2.0], 50).xs
    np.testing.assert_allclose(exact, path ** 2, rtol=1e-12, atol=1e-300)


def test_expected_gap_in_a_rotated_basis_matches_runs():
    f = gdlab.random_quadratic(kappa=10.0, dim=3, seed=2)
    lrs = np.array([s.ExponentialDecay(0.15, 0.99)(t) for t in range(1, 121)])
    e0 = np.array([1.0, -1.0, 2.0])
    rng = np.random.default_rng(5)
    X = np.tile(e0, (8000, 1))                  # 8000 runs, minimum at 0
    gaps = [0.5 * np.einsum("ki,ij,kj->k", X, f.A, X).mean()]
    for lr in lrs:
        X -= lr * (X @ f.A + 0.7 * rng.standard_normal(X.shape))
        gaps.append(0.5 * np.einsum("ki,ij,kj->k", X, f.A, X).mean())
    exact = theory.sgd_expected_gap(lrs, f.A, 0.7, e0)
    np.testing.assert_allclose(gaps, exact, rtol=0.05)
    noiseless = gdlab.run(gdlab.SGD(lr=s.ExponentialDecay(0.15, 0.99)), f, e0, 120).gaps()
    np.testing.assert_allclose(theory.sgd_expected_gap(lrs, f.A, 0.0, e0), noiseless,
                               rtol=1e-9, atol=1e-15)


@pytest.mark.parametrize("call, message", [
    (lambda: theory.sgd_mean_square_error([], 1.0, 1.0, 1.0),
     r"lrs must hold the rates α_1, ..., α_T, T >= 1, each >= 0, got 0 rates"),
    (lambda: theory.sgd_mean_square_error([0.1, -0.1], 1.0, 1.0, 1.0),
     r"lrs must hold .* got 2 rates with min -0.1"),
    (lambda: theory.sgd_mean_square_error([0.1], [1.0, 2.0], 1.0, 1.0),
     r"error0 must have the shape of curvature, \(2,\), got \(\)"),
    (lambda: theory.sgd_mean_square_error([0.1], -1.0, 1.0, 1.0),
     r"curvature must be in \[0, inf\), got -1"),
    (lambda: theory.sgd_expected_gap([0.1], np.diag([1.0, -1.0]), 1.0, [1.0, 1.0]),
     r"hessian must be positive semi-definite, its smallest eigenvalue is -1"),
    (lambda: theory.sgd_expected_gap([0.1], [[1.0, 2.0], [0.0, 1.0]], 1.0, [1.0, 1.0]),
     r"hessian must be a symmetric square matrix"),
    (lambda: theory.sgd_expected_gap([0.1], np.eye(2), 1.0, [1.0, 1.0, 1.0]),
     r"error0 must have shape \(2,\), got \(3,\)"),
])
def test_schedule_formulas_refuse_bad_input(call, message):
    with pytest.raises(ValueError, match=message):
        call()


# -- Robbins–Monro and the 1/t rate ----------------------------------------------------------------
def test_robbins_monro_sums_of_one_over_t():
    lrs = 1.0 / np.arange(1, 100_001)
    total, squares = theory.robbins_monro_sums(lrs)
    assert total[-1] == pytest.approx(math.log(100_000) + 0.5772156649, abs=1e-4)
    assert squares[-1] == pytest.approx(math.pi ** 2 / 6, abs=2e-5)
    assert total[0] == squares[0] == 1.0


def test_inverse_time_asymptote_is_where_the_recursion_goes():
    for a, lam, sigma in [(1.0, 1.0, 1.0), (3.0, 0.5, 2.0), (1.0, 2.0, 0.5)]:
        v, t_end = 4.0, 200_000
        for t in range(1, t_end + 1):       # brute force, with α_t = a/t
            v = (1 - a * lam / t) ** 2 * v + (a * sigma / t) ** 2
        assert theory.inverse_time_asymptote(a, lam, sigma, t_end) == pytest.approx(v, rel=0.02)


def test_inverse_time_slope_is_measured_on_the_recursion():
    t = np.arange(1, 100_001)
    for a, expected in [(1.0, -1.0), (0.25, -0.5), (0.1, -0.2)]:
        mse = theory.sgd_mean_square_error(a / t, 1.0, 1.0, 2.0)
        measured = np.log(mse[100_000] / mse[10_000]) / np.log(10.0)
        assert theory.inverse_time_slope(a, 1.0) == expected
        assert measured == pytest.approx(expected, abs=0.03)


def test_inverse_time_formulas_refuse_bad_input():
    with pytest.raises(ValueError, match=r"a \* curvature must be > 1/2 for the 1/t rate, "
                                         r"got 0.5 \(a = 0.5, curvature = 1\)"):
        theory.inverse_time_asymptote(0.5, 1.0, 1.0, 100)
    with pytest.raises(ValueError, match=r"a must be in \(0, inf\), got 0"):
        theory.inverse_time_slope(0.0, 1.0)
    with pytest.raises(ValueError, match=r"t must be a whole number >= 1, got 0.5"):
        theory.inverse_time_asymptote(1.0, 1.0, 1.0, 0.5)


# -- RAdam ----------------------------------------------------------------------------------------
def test_rho_starts_at_one_and_rises_to_rho_infinity():
    assert theory.radam_rho(0.999, 1) == pytest.approx(1.0, abs=1e-9)
    assert theory.radam_rho(0.999) == pytest.approx(1999.0)
    rho = theory.radam_rho(0.999, np.arange(1, 50_001))
    assert np.all(np.diff(rho[:10_000]) > 0) and np.all(np.diff(rho) >= 0) and rho[-1] == pytest.approx(1999.0, rel=1e-6)


def test_first_rectified_step_by_brute_force():
    for beta2 in (0.9, 0.99, 0.999):
        for threshold in (4.0, 5.0):
            t = 1
            while 2 / (1 - beta2) - 1 - 2 * t * beta2 ** t / (1 - beta2 ** t) <= threshold:
                t += 1
            assert theory.radam_first_rectified_step(beta2, threshold) == t
    assert theory.radam_first_rectified_step(0.999) == 5
    assert theory.radam_first_rectified_step(0.999, 5.0) == 6


def test_rectification_is_nan_before_and_below_one_after():
    r = theory.radam_rectification(0.999, np.arange(1, 20_001))
    assert np.all(np.isnan(r[:4])) and not np.isnan(r[4])
    assert np.all(np.diff(r[4:]) > 0) and 0.99 < r[-1] < 1.0


@pytest.mark.skipif(not HAVE_TORCH, reason="torch is not installed")
def test_rectification_equals_torch_radam():
    """With a constant gradient 1, torch's RAdam step is lr * r_t once rho_t > 5, else lr."""
    p = torch.zeros(1, dtype=torch.float64, requires_grad=True)
    opt = torch.optim.RAdam([p], lr=0.01, betas=(0.9, 0.999), eps=0.0)
    steps = []
    for _ in range(300):
        before = p.detach().clone()
        p.grad = torch.ones(1, dtype=torch.float64)
        opt.step()
        steps.append(float(before - p.detach()))
    r = theory.radam_rectification(0.999, np.arange(1, 301), threshold=5.0)
    expected = np.where(np.isnan(r), 0.01, 0.01 * np.nan_to_num(r))
    np.testing.assert_allclose(steps, expected, rtol=1e-10)


def test_log_step_spread_matches_monte_carlo_and_is_exact_at_t_1():
    assert theory.radam_log_step_spread(0.999, 1) == pytest.approx(math.pi / (2 * math.sqrt(2)))
    rng = np.random.default_rng(3)
    g = rng.standard_normal((30, 40_000))
    psi = 1 / np.sqrt(gdlab.ewma(g * g, 0.999, bias_correction=True))
    for t in (1, 3, 10, 30):
        measured = np.log(psi[t - 1]).std()
        assert theory.radam_log_step_spread(0.999, t) == pytest.approx(measured, rel=0.03)


def test_log_step_spread_tends_to_its_large_rho_limit():
    # trigamma(x) ~ 1/x for large x, so the spread tends to 1/sqrt(2 rho_inf)
    rho_inf = theory.radam_rho(0.9)
    assert theory.radam_log_step_spread(0.9, 10_000) == pytest.approx(
        1 / math.sqrt(2 * rho_inf), rel=0.03)


@pytest.mark.parametrize("call, message", [
    (lambda: theory.radam_rho(1.0), r"beta2 must be in \(0, 1\), got 1"),
    (lambda: theory.radam_rho(0.999, 0), r"t must be a whole number >= 1, got 0"),
    (lambda: theory.radam_rectification(0.999, 10, threshold=3.0),
     r"threshold must be in \[4, inf\), got 3"),
    (lambda: theory.radam_first_rectified_step(0.5),
     r"beta2 must give rho_inf = 2/\(1 - beta2\) - 1 > threshold = 4, got rho_inf = 3"),
])
def test_radam_formulas_refuse_bad_input(call, message):
    with pytest.raises(ValueError, match=message):
        call()
