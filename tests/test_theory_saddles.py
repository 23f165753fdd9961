"""gdlab.theory.saddles: the second-order test, escape from a saddle, and the GOE
probabilities of chapter 9. Expected values come from running the optimizers, from brute
force (eigenvalues, big Monte Carlo, numerical integration) or from hand computation, not
from the formulas under test."""

import math

import numpy as np
import pytest

import gdlab
from gdlab import theory


# -- the second-order test -------------------------------------------------------------------
@pytest.mark.parametrize("hessian, kind", [
    (np.diag([2.0, 2.0]), "minimum"),
    (np.diag([-2.0, -0.5]), "maximum"),
    (gdlab.saddle.hessian([0.0, 0.0]), "saddle"),
    (gdlab.xy.hessian([0.3, -1.0]), "saddle"),                 # eigenvalues ±1
    (gdlab.monkey_saddle.hessian([0.0, 0.0]), "degenerate"),   # the zero matrix
    (np.diag([2.0, 0.0]), "degenerate"),                       # x² + y⁴ or x² − y⁴: silent
    (np.diag([2.0, 0.0, -1.0]), "saddle"),                     # one up, one down: a saddle anyway
    (np.diag([-1.0, 1e-12]), "degenerate"),                    # within tol of 0
    (np.array([[3.0]]), "minimum"),
])
def test_classify_critical_point(hessian, kind):
    assert theory.classify_critical_point(hessian) == kind


def test_classify_uses_the_eigenvalues_not_the_diagonal():
    # positive diagonal, but det = 1 - 4 < 0: eigenvalues 3 and -1
    assert theory.classify_critical_point([[1.0, 2.0], [2.0, 1.0]]) == "saddle"
    assert theory.classify_critical_point([[2.0, 1.0], [1.0, 2.0]]) == "minimum"
    assert theory.classify_critical_point(np.diag([-1.0, 1e-6]), tol=1e-5) == "degenerate"
    assert theory.classify_critical_point(np.diag([-1.0, 1e-6]), tol=1e-7) == "saddle"


def test_the_double_well_critical_points_by_their_hessians():
    well = gdlab.double_well
    kinds = [theory.classify_critical_point(well.hessian(p))
             for p in (well.minimum, well.saddle_point, well.local_minimum)]
    assert kinds == ["minimum", "saddle", "minimum"]


def test_hessian_index_counts_downhill_directions():
    assert theory.hessian_index(np.diag([1.0, -2.0, -3.0])) == 2
    assert theory.hessian_index(np.diag([1.0, 2.0])) == 0
    assert theory.hessian_index(np.diag([-1e-3, 2.0]), tol=1e-2) == 0
    stack = np.array([np.diag([1.0, -1.0]), np.diag([-1.0, -1.0]), np.eye(2)])
    np.testing.assert_array_equal(theory.hessian_index(stack), [1, 2, 0])
    # against the eigenvalues of random symmetric matrices, one by one
    H = theory.goe_matrices(5, 50, seed=3)
    by_hand = [sum(lam < 0 for lam in np.linalg.eigvalsh(h)) for h in H]
    np.testing.assert_array_equal(theory.hessian_index(H), by_hand)


@pytest.mark.parametrize("hessian, words", [
    ([[1.0, 2.0], [0.0, 1.0]], ["symmetric"]),
    ([[1.0, 2.0, 3.0]], ["square", "(1, 3)"]),
    ([1.0, 2.0], ["square", "(2,)"]),
    ([[np.nan, 0.0], [0.0, 1.0]], ["hessian", "finite"]),
])
def test_bad_hessians_are_refused(hessian, words):
    for function in (theory.classify_critical_point, theory.hessian_index):
        with pytest.raises(ValueError) as error:
            function(hessian)
        for word in words:
            assert word in str(error.value)
    with pytest.raises(ValueError, match="tol must be in"):
        theory.classify_critical_point(np.eye(2), tol=-1.0)
    with pytest.raises(ValueError, match="one square matrix"):
        theory.classify_critical_point(np.array([np.eye(2), np.eye(2)]))


# -- escaping a saddle ------------------------------------------------------------------------
def measured_escape(optimizer, f, y0, radius=1.0, steps=2000):
    traj = gdlab.run(optimizer, f, [1.0, y0], steps)
    hits = np.nonzero(np.abs(traj.xs[:, 1]) >= radius)[0]
    return int(hits[0]) if len(hits) else math.inf


@pytest.mark.parametrize("delta", [0.3, 1e-2, 3e-4, 1e-6, 2e-9, 5e-13])
@pytest.mark.parametrize("lr", [0.05, 0.1, 0.37])
def test_gd_escape_steps_match_runs_on_x2_minus_y2(delta, lr):
    assert theory.saddle_escape_steps(delta, lr) == measured_escape(
        gdlab.SGD(lr=lr), gdlab.saddle, delta)


def test_escape_steps_for_another_curvature_radius_and_sign():
    f = gdlab.Quadratic(np.diag([1.0, -0.5]))        # ½(x² − 0.5 y²): b = 0.5
    for delta in [1e-2, 1e-5]:
        assert theory.saddle_escape_steps(delta, 0.2, b=0.5, radius=3.0) == measured_escape(
            gdlab.SGD(lr=0.2), f, delta, radius=3.0)
        assert theory.saddle_escape_steps(-delta, 0.2, b=0.5, radius=3.0) == measured_escape(
            gdlab.SGD(lr=0.2), f, -delta, radius=3.0)
    # by hand: 1.2^t >= 10^6 first at t = 76 (1.2^75 = 8.5e5, 1.2^76 = 1.02e6)
    assert 1.2 ** 75 < 1e6 < 1.2 ** 76 and theory.saddle_escape_steps(1e-6, 0.1) == 76


def test_escape_steps_edge_cases_and_broadcasting():
    assert theory.saddle_escape_steps(0.0, 0.1) == math.inf
    assert measured_escape(gdlab.SGD(lr=0.1), gdlab.saddle, 0.0, steps=300) == math.inf
    assert theory.saddle_escape_steps(1.0, 0.1) == 0 and theory.saddle_escape_steps(5.0, 0.1) == 0
    got = theory.saddle_escape_steps(np.array([1e-1, 1e-3, 0.0, 2.0]), 0.1)
    np.testing.assert_array_equal(got, [13, 38, np.inf, 0])
    assert isinstance(theory.saddle_escape_steps(1e-3, 0.1), int)


@pytest.mark.parametrize("kwargs, words", [
    (dict(delta=1e-3, lr=0.0), ["lr", "(0, inf)"]),
    (dict(delta=1e-3, lr=0.1, b=-2.0), ["b must be in (0, inf)", "-2"]),
    (dict(delta=1e-3, lr=0.1, radius=0.0), ["radius"]),
    (dict(delta=np.nan, lr=0.1), ["delta", "finite"]),
])
def test_escape_steps_refuse_bad_input(kwargs, words):
    with pytest.raises(ValueError) as error:
        theory.saddle_escape_steps(**kwargs)
    for word in words:
        assert word in str(error.value)


def test_momentum_escape_rate_is_the_growth_of_a_heavy_ball_run():
    assert theory.momentum_escape_rate(0.1, 0.9) == pytest.approx(1.5)   # z² − 2.1z + 0.9
    assert theory.momentum_escape_rate(0.1, 0.0) == pytest.approx(1.2)   # plain GD
    for lr, beta, b in [(0.1, 0.9, 2.0), (0.01, 0.9, 2.0), (0.05, 0.5, 1.0)]:
        f = gdlab.Quadratic(np.diag([1.0, -b]))
        traj = gdlab.run(gdlab.Momentum(lr=lr, beta=beta), f, [0.0, 1e-12], 300,
                         max_norm=1e300)
        y = traj.xs[:, 1]
        measured = y[-1] / y[-2]          # the growing mode has taken over
        assert measured == pytest.approx(theory.momentum_escape_rate(lr, beta, b), rel=1e-6)
    with pytest.raises(ValueError, match="beta must be in"):
        theory.momentum_escape_rate(0.1, 1.5)


# -- the GOE ----------------------------------------------------------------------------------
def test_goe_matrices_have_the_goe_variances_and_are_seeded():
    H = theory.goe_matrices(4, 40_000, seed=0)
    assert H.shape == (40_000, 4, 4)
    np.testing.assert_array_equal(H, np.swapaxes(H, 1, 2))
    diagonal = H[:, np.arange(4), np.arange(4)]
    off = H[:, 0, 1:]
    assert diagonal.var() == pytest.approx(1.0, rel=0.02)
    assert off.var() == pytest.approx(0.5, rel=0.02)
    np.testing.assert_array_equal(theory.goe_matrices(3, 5, seed=7),
                                  theory.goe_matrices(3, 5, seed=7))
    with pytest.raises(ValueError, match="n must be a whole number >= 1"):
        theory.goe_matrices(0, 5)


def test_exact_probabilities_by_integration_and_against_eigenvalues():
    assert theory.goe_positive_definite_exact(1) == 0.5
    # (2 − √2)/4, integrated numerically: ∫_0^∞ φ(u) (1 − exp(−u²/2)) du
    u = np.linspace(0.0, 12.0, 200_001)
    integrand = np.exp(-u ** 2 / 2) / math.sqrt(2 * math.pi) * (1 - np.exp(-u ** 2 / 2))
    integral = np.sum((integrand[1:] + integrand[:-1]) / 2 * np.diff(u))
    assert theory.goe_positive_definite_exact(2) == pytest.approx(integral, rel=1e-9)
    assert theory.goe_positive_definite_exact(2) == pytest.approx(0.146447, abs=1e-6)
    # and a big brute-force Monte Carlo with eigenvalues: within 4 standard errors
    H = theory.goe_matrices(2, 400_000, seed=11)
    p = np.mean(np.linalg.eigvalsh(H)[:, 0] > 0)
    assert abs(p - theory.goe_positive_definite_exact(2)) < 4 * math.sqrt(0.15 * 0.85 / 4e5)
    with pytest.raises(ValueError, match="n must be 1 or 2"):
        theory.goe_positive_definite_exact(3)


def test_large_n_law():
    assert theory.GOE_THETA == pytest.approx(0.274653, abs=1e-6)
    assert theory.goe_positive_definite_law(2) == pytest.approx(1 / 3)     # exp(−ln 3)
    np.testing.assert_allclose(theory.goe_positive_definite_law(np.array([0, 4])),
                               [1.0, 3.0 ** -4])
    with pytest.raises(ValueError, match="n must be"):
        theory.goe_positive_definite_law(-1)


def test_monte_carlo_agrees_with_exact_values_and_with_eigenvalues():
    estimates = theory.goe_positive_definite_fraction(4, 400_000, seed=5)
    assert [e.n for e in estimates] == [1, 2, 3, 4]
    assert all(e.samples == 400_000 for e in estimates)
    counts = [e.count for e in estimates]
    assert counts == sorted(counts, reverse=True)          # nested: PD at n implies at n − 1
    for e in estimates[:2]:
        assert abs(e.fraction - theory.goe_positive_definite_exact(e.n)) < 4 * e.stderr
    # n = 3 and 4 against brute force: eigenvalues of independent GOE matrices
    for n in (3, 4):
        H = theory.goe_matrices(n, 200_000, seed=n)
        brute = np.mean(np.linalg.eigvalsh(H)[:, 0] > 0)
        spread = math.hypot(estimates[n - 1].stderr, math.sqrt(brute * (1 - brute) / 2e5))
        assert abs(estimates[n - 1].fraction - brute) < 4 * spread


def test_fraction_estimate_statistics():
    e = theory.FractionEstimate(n=3, count=25, samples=1000)
    assert e.fraction == 0.025 and e.upper_bound is None
    assert e.stderr == pytest.approx(math.sqrt(0.025 * 0.975 / 1000))
    zero = theory.FractionEstimate(n=9, count=0, samples=2_000_000)
    assert zero.stderr == 0.0 and zero.upper_bound == pytest.approx(1.5e-6)
    # the rule of three: (1 − 3/N)^N ≈ e^−3 ≈ 0.05
    assert (1 - 3 / 2e6) ** 2e6 == pytest.approx(math.exp(-3), rel=1e-5)


def test_monte_carlo_is_seeded_and_refuses_bad_input():
    a = theory.goe_positive_definite_fraction(6, 20_000, seed=1)
    b = theory.goe_positive_definite_fraction(6, 20_000, seed=1)
    assert a == b
    assert a != theory.goe_positive_definite_fraction(6, 20_000, seed=2)
    tiny = theory.goe_positive_definite_fraction(8, 10, seed=0)   # survivors run out
    assert tiny[-1].count == 0 and len(tiny) == 8
    with pytest.raises(ValueError, match="samples must be a whole number >= 1"):
        theory.goe_positive_definite_fraction(3, 0)
    with pytest.raises(ValueError, match="n_max"):
        theory.goe_positive_definite_fraction(2.5, 10)
