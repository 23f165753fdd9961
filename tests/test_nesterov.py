"""Tests for chapter 4 (Nesterov): gdlab.theory, gdlab.checks and gdlab.widgets additions.

The checks here are independent of the code under test: closed forms are compared with
simulations of the method written out by hand, with numpy's eigenvalue solver, or with
values derived on paper in the comments.
"""

import numpy as np
import pytest

import gdlab
from gdlab import theory
from gdlab.checks import nesterov_steps


# -- helpers: the method written out by hand --------------------------------------------
def sutskever_run(lam, lr, beta, theta0, steps):
    """Sutskever's form on f = lam*theta^2/2: v <- beta v - lr f'(theta + beta v); theta += v."""
    theta, v, thetas, vs = float(theta0), 0.0, [float(theta0)], [0.0]
    for _ in range(steps):
        v = beta * v - lr * lam * (theta + beta * v)
        theta += v
        thetas.append(theta)
        vs.append(v)
    return np.array(thetas), np.array(vs)


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


def test_names_are_exported():
    for name in ["nesterov_effective_momentum", "nesterov_iteration_matrix",
                 "nesterov_spectral_radius", "nesterov_stability_limit", "nesterov_stable",
                 "nesterov_rate"]:
        assert name in theory.__all__
    assert "nesterov_steps" in gdlab.checks.__all__
    assert "nesterov_explorer" in gdlab.widgets.__all__


# -- checks.nesterov_steps ----------------------------------------------------------------
BOWL = gdlab.Quadratic(np.diag([1.0, 4.0]))
ARGS = dict(f=BOWL, x0=[2.0, 1.0], lr=0.25, beta=0.5, steps=2)
# By hand (gradient (x, 4y)):
#   Nesterov (PyTorch form): x1 = (1.25, -0.5), x2 = (0.65625, 0)
#   heavy ball:              x1 = (1.5, 0),     x2 = (0.875, -0.5)
#   Sutskever's theta:       x1 = (1.5, 0),     x2 = (0.9375, 0)
#   DLfS, v renewed first:   x1 = (1.125, -0.75), x2 = (0.5703125, 0.4375)


def test_check_accepts_the_hand_computed_answer():
    feedback = nesterov_steps([(1.25, -0.5), (0.65625, 0.0)], **ARGS)
    assert feedback and "Correct" in repr(feedback)


@pytest.mark.parametrize("answer, phrase", [
    ([(1.5, 0.0), (0.875, -0.5)], "heavy-ball"),
    ([(1.5, 0.0), (0.9375, 0.0)], "Sutskever"),
    ([(1.125, -0.75), (0.5703125, 0.4375)], "velocity from before this step"),
    ([(2.75, 2.5), (3.90625, 6.5)], "uphill"),
])
def test_check_diagnoses_the_usual_slips(answer, phrase):
    feedback = nesterov_steps(answer, **ARGS)
    assert not feedback
    assert phrase in feedback.message


def test_ascent_answer_is_independently_derived():
    # gradient ascent version by hand: g0 = (2, 4), b1 = (2, 4), x1 = (2,1) + 0.25*(3, 6)
    # = (2.75, 2.5); g1 = (2.75, 10), b2 = (1, 2) + (2.75, 10) = (3.75, 12),
    # x2 = (2.75, 2.5) + 0.25*((2.75, 10) + 0.5*(3.75, 12)) = (2.75, 2.5) + (1.15625, 4)
    assert "uphill" in nesterov_steps([(2.75, 2.5), (3.90625, 6.5)], **ARGS).message


def test_check_names_the_first_wrong_point_and_shape_problems():
    feedback = nesterov_steps([(1.25, -0.5), (0.6, 0.0)], **ARGS)
    assert not feedback and "x1 is right" in feedback.message and "x2" in feedback.message
    assert "shape" in nesterov_steps([(1.25, -0.5)], **ARGS).message


def test_check_validates_its_arguments():
    with pytest.raises(ValueError, match="beta"):
        nesterov_steps([(0, 0)], BOWL, [2.0, 1.0], 0.25, 1.5, 1)
    with pytest.raises(ValueError, match="lr"):
        nesterov_steps([(0, 0)], BOWL, [2.0, 1.0], -0.25, 0.5, 1)
    with pytest.raises(ValueError, match="x0"):
        nesterov_steps([(0, 0)], BOWL, [2.0, 1.0, 3.0], 0.25, 0.5, 1)


# -- widgets.nesterov_explorer ------------------------------------------------------------
def make_explorer():
    return gdlab.widgets.nesterov_explorer(gdlab.elongated_bowl, x0=[-8.0, 2.0],
                                           lrs=[0.05, 0.45, 0.8], betas=[0.5, 0.9], steps=40,
                                           default_lr=0.45, default_beta=0.9)


def test_explorer_result_runs_both_methods_with_the_same_settings():
    ex = make_explorer()
    result = ex.result()
    assert set(result) == {"Momentum", "Nesterov"}
    # Nesterov's path equals Sutskever's form mapped by theta + beta v, coordinate by coordinate
    for k, lam in enumerate([0.1, 2.0]):
        theta, v = sutskever_run(lam, 0.45, 0.9, [-8.0, 2.0][k], 40)
        np.testing.assert_allclose(result["Nesterov"].xs[:, k], theta + 0.9 * v, atol=1e-12)
    # heavy ball written out by hand
    x, v = np.array([-8.0, 2.0]), np.zeros(2)
    for t in range(40):
        v = 0.9 * v + gdlab.elongated_bowl.grad(x)
        x = x - 0.45 * v
    np.testing.assert_allclose(result["Momentum"].xs[-1], x, atol=1e-12)


def test_explorer_shows_the_stability_trade_off():
    # lr = 0.8 on the steep axis (lam = 2): lr*lam = 1.6, outside NAG's 1.357, inside 3.8
    result = make_explorer().result(lr=0.8, beta=0.9)
    assert result["Nesterov"].gaps()[-1] > result["Nesterov"].gaps()[0]
    assert result["Momentum"].gaps()[-1] < result["Momentum"].gaps()[0]


def test_explorer_verdict_names_unstable_runs_that_have_not_blown_up_yet():
    from gdlab.widgets import _nesterov_verdict
    # beta = 0.5: NAG's limit is 1.5 < lr*lam = 1.6, so the run grows, but too slowly to pass
    # the divergence threshold within 40 steps (radius about 1.16 per step)
    result = make_explorer().result(lr=0.8, beta=0.5)
    nag, hb = result["Nesterov"], result["Momentum"]
    assert not nag.diverged and nag.gaps()[-1] > nag.gaps()[0]
    assert _nesterov_verdict(nag).startswith("growing")
    assert _nesterov_verdict(hb) == f"gap {hb.gaps()[-1]:.1e}"
    blown_up = gdlab.run(gdlab.Nesterov(lr=0.8, beta=0.9), gdlab.elongated_bowl, [-8.0, 2.0], 400)
    assert blown_up.diverged and _nesterov_verdict(blown_up) == "diverged"


def test_explorer_renders_png_and_limits_frames():
    ex = make_explorer()
    png = ex.render(lr=0.8, beta=0.5)
    assert png[:8] == b"\x89PNG\r\n\x1a\n"
    assert "<img" in ex.to_html()
    with pytest.raises(ValueError, match="max_frames"):
        gdlab.widgets.nesterov_explorer(gdlab.elongated_bowl, [-8.0, 2.0],
                                        lrs=list(np.linspace(0.1, 0.5, 9)),
                                        betas=[0.5, 0.6, 0.7, 0.8, 0.9])
    with pytest.raises(ValueError, match="steps"):
        gdlab.widgets.nesterov_explorer(gdlab.elongated_bowl, [-8.0, 2.0], [0.1], [0.9], steps=0)
