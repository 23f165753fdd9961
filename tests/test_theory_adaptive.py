"""gdlab.theory.adaptive: the closed forms of chapters 5 to 7 (AdaGrad's, RMSProp's and
AdaDelta's steps on a constant slope, ε placement, Adam's step bound, bias correction).
Expected values come from brute force or from running the optimizers, not from the
formulas under test."""

import math

import numpy as np
import pytest

import gdlab
from gdlab import theory

PNG = b"\x89PNG\r\n\x1a\n"


def constant_gradient_steps(optimizer, g, steps):
    """Sizes of the steps ``optimizer`` takes when fed the gradient ``g`` every time."""
    x, sizes = np.zeros(1), []
    for _ in range(steps):
        before = x.copy()
        optimizer.update(x, np.array([g]))
        sizes.append(abs(x[0] - before[0]))
    return np.array(sizes)


# -- closed forms --------------------------------------------------------------------------
def test_adagrad_step_on_a_constant_slope_is_lr_over_root_t():
    assert theory.adagrad_constant_gradient_step(1.0, 4) == pytest.approx(0.5)
    assert theory.adagrad_constant_gradient_step(0.3, 100, g=-7.0) == pytest.approx(0.03)
    t = np.arange(1, 201)
    for g, eps in [(0.01, 0.0), (5.0, 1e-10), (1e-3, 1e-4)]:
        measured = constant_gradient_steps(gdlab.AdaGrad(lr=0.2, eps=eps), g, 200)
        np.testing.assert_allclose(measured,
                                   theory.adagrad_constant_gradient_step(0.2, t, g, eps),
                                   rtol=1e-10)


def test_adagrad_travel_bound_holds_for_shrinking_gradients_and_is_nearly_tight():
    # constant gradient: the travel is lr * sum 1/sqrt(k), just under lr (2 sqrt t - 1)
    t = 10_000
    traveled = constant_gradient_steps(gdlab.AdaGrad(lr=0.5, eps=0.0), 3.0, t).sum()
    bound = theory.adagrad_travel_bound(0.5, t)
    assert traveled <= bound and traveled > 0.99 * bound
    assert theory.adagrad_travel_bound(2.0, 1) == pytest.approx(2.0)
    # sliding down x^2/20 from -80: the gradient only shrinks, so the bound must hold
    bowl = gdlab.Quadratic(np.array([[0.1]]))
    traj = gdlab.run(gdlab.AdaGrad(lr=0.5), bowl, [-80.0], 3000)
    moved = np.abs(np.diff(traj.xs[:, 0])).sum()
    assert moved <= theory.adagrad_travel_bound(0.5, 3000)
    assert moved > 0.8 * theory.adagrad_travel_bound(0.5, 3000)   # and it binds: a stall


def test_rmsprop_step_on_a_constant_slope():
    assert theory.rmsprop_constant_gradient_step(1.0, 0.99, 1) == pytest.approx(10.0)
    assert theory.rmsprop_constant_gradient_step(1.0, 0.9, 1) == pytest.approx(math.sqrt(10))
    assert theory.rmsprop_constant_gradient_step(0.1, 0.9, 10_000) == pytest.approx(0.1)
    t = np.arange(1, 301)
    for g, eps, inside in [(2.0, 1e-8, False), (1e-4, 1e-3, False), (1e-4, 1e-3, True),
                           (1e-4, 1e-8, True)]:
        measured = constant_gradient_steps(
            gdlab.RMSProp(lr=0.01, beta=0.95, eps=eps, eps_inside=inside), g, 300)
        np.testing.assert_allclose(
            measured, theory.rmsprop_constant_gradient_step(0.01, 0.95, t, g, eps, inside),
            rtol=1e-10)


def test_adadelta_first_step_and_slow_growth_on_a_slope():
    for g in (1e-4, 0.3, 1e3):
        first = constant_gradient_steps(gdlab.AdaDelta(lr=1.0, rho=0.9, eps=1e-6), g, 1)[0]
        assert first == pytest.approx(theory.adadelta_first_step(g, 0.9, 1e-6), rel=1e-12)
    # a large gradient: the first step is sqrt(eps / (1 - rho)), the size of g drops out
    assert theory.adadelta_first_step(1e3, 0.9, 1e-6) == pytest.approx(math.sqrt(1e-5), rel=1e-6)
    sizes = constant_gradient_steps(gdlab.AdaDelta(lr=1.0, rho=0.9, eps=1e-6), 50.0, 20_000)
    assert sizes[-1] == pytest.approx(theory.adadelta_slope_step(20_000, 0.9, 1e-6), rel=0.01)
    assert theory.adadelta_slope_step(10, 0.5, 1e-2, lr=2.0) == pytest.approx(2 * math.sqrt(0.05))


def test_eps_placement_ratio_matches_the_two_rmsprop_forms():
    assert theory.eps_placement_ratio(1e-8, 1e-8) == pytest.approx(math.sqrt(2) / (1 + 1e-4))
    assert theory.eps_placement_ratio(0.0, 1e-6) == pytest.approx(1e3)
    assert theory.eps_placement_ratio(1.0, 0.01) < 1.0 < theory.eps_placement_ratio(1e-4, 0.01)
    g, eps = 3e-4, 1e-7
    outside = constant_gradient_steps(gdlab.RMSProp(lr=1.0, beta=0.0, eps=eps), g, 1)[0]
    inside = constant_gradient_steps(gdlab.RMSProp(lr=1.0, beta=0.0, eps=eps, eps_inside=True),
                                     g, 1)[0]
    assert outside / inside == pytest.approx(theory.eps_placement_ratio(g * g, eps), rel=1e-12)


def test_keras_docstring_example_for_eps_inside():
    # keras.optimizers.RMSprop(learning_rate=0.1): var 10, loss var^2/2 -> 9.683772 after
    # one step (rho 0.9, epsilon 1e-7 inside the root).
    x = np.array([10.0])
    gdlab.RMSProp(lr=0.1, beta=0.9, eps=1e-7, eps_inside=True).update(x, x.copy())
    assert x[0] == pytest.approx(9.683772, abs=1e-6)


def test_effective_learning_rates():
    f = gdlab.elongated_bowl
    sgd = gdlab.run(gdlab.SGD(lr=0.3), f, [-8.0, 2.0], 20)
    np.testing.assert_allclose(theory.effective_learning_rates(sgd, f), 0.3, rtol=1e-9)
    # AdaGrad, by an independent loop that keeps its own sum of squares
    traj = gdlab.run(gdlab.AdaGrad(lr=0.5), f, [-8.0, 2.0], 30)
    x, s, expected = np.array([-8.0, 2.0]), np.zeros(2), []
    for _ in range(30):
        g = f.grad(x)
        s += g * g
        expected.append(0.5 / (np.sqrt(s) + 1e-10))
        x = x - expected[-1] * g
    np.testing.assert_allclose(theory.effective_learning_rates(traj, f), expected, rtol=1e-8)
    # a zero gradient (the start at the minimum) gives NaN, not a warning or inf
    still = gdlab.run(gdlab.AdaGrad(lr=0.5), f, [0.0, 0.0], 3)
    assert np.isnan(theory.effective_learning_rates(still, f)).all()


@pytest.mark.parametrize("call, pattern", [
    (lambda: theory.adagrad_constant_gradient_step(-1.0, 3), r"lr must be in \[0, inf\)"),
    (lambda: theory.adagrad_constant_gradient_step(1.0, 0), "t must be a whole number >= 1, got 0"),
    (lambda: theory.adagrad_constant_gradient_step(1.0, 2.5), "t must be a whole number >= 1, got 2.5"),
    (lambda: theory.adagrad_constant_gradient_step(1.0, 3, g=0.0), "g and eps must not both"),
    (lambda: theory.rmsprop_constant_gradient_step(0.1, 1.0, 3), r"beta must be in \[0, 1\)"),
    (lambda: theory.adadelta_first_step(1.0, 0.9, 0.0), r"eps must be in \(0, inf\)"),
    (lambda: theory.adadelta_slope_step(5, -0.1, 1e-6), r"rho must be in \[0, 1\)"),
    (lambda: theory.eps_placement_ratio(-1.0, 1e-8), r"s must be in \[0, inf\), got -1"),
    (lambda: theory.adagrad_travel_bound(0.1, [1, 0]), "t must be a whole number >= 1, got 0"),
])
def test_closed_forms_reject_bad_input(call, pattern):
    with pytest.raises(ValueError, match=pattern):
        call()


RNG = np.random.default_rng(6)


# -- theory: how big can one Adam step be ---------------------------------------------
def adam_ratio_at_last_step(grads, beta1=0.9, beta2=0.999):
    """|m_hat_t| / sqrt(v_hat_t) at the last step, straight from the definitions."""
    t = len(grads)
    ages = np.arange(t)[::-1]                  # age of g_1 ... g_t
    m = (1 - beta1) * np.sum(beta1**ages * grads) / (1 - beta1**t)
    v = (1 - beta2) * np.sum(beta2**ages * grads**2) / (1 - beta2**t)
    return abs(m) / math.sqrt(v)


def test_step_bound_is_one_at_the_first_step_and_for_equal_betas():
    assert theory.adam_step_ratio_bound(0.9, 0.999, 1) == pytest.approx(1.0)
    np.testing.assert_allclose(theory.adam_step_ratio_bound(0.8, 0.8, [1, 5, 50, 500]), 1.0)


@pytest.mark.parametrize("beta1, beta2, t", [(0.9, 0.999, 1), (0.9, 0.999, 30),
                                             (0.9, 0.999, 1000), (0.5, 0.9, 12),
                                             (0.0, 0.99, 40)])
def test_worst_case_gradients_reach_the_bound_and_random_ones_do_not_exceed_it(beta1, beta2, t):
    bound = theory.adam_step_ratio_bound(beta1, beta2, t)
    worst = theory.adam_worst_case_gradients(beta1, beta2, t)
    assert adam_ratio_at_last_step(worst, beta1, beta2) == pytest.approx(bound, rel=1e-10)
    for _ in range(200):
        g = RNG.standard_normal(t) * np.exp(RNG.standard_normal(t))
        assert adam_ratio_at_last_step(g, beta1, beta2) <= bound * (1 + 1e-12)


def test_worst_case_step_of_gdlab_adam_equals_the_bound():
    worst = theory.adam_worst_case_gradients(0.9, 0.999, 200)
    step = np.diff(gdlab.replay(gdlab.Adam(lr=1.0, eps=0.0), worst), axis=0)[-1, 0]
    assert -step == pytest.approx(theory.adam_step_ratio_bound(0.9, 0.999, 200), rel=1e-10)


def test_limits_of_the_bounds():
    b1, b2 = 0.9, 0.999
    assert theory.adam_step_ratio_bound(b1, b2) == pytest.approx(
        (1 - b1) / math.sqrt((1 - b2) * (1 - b1**2 / b2)))
    assert theory.adam_step_ratio_bound(b1, b2) == pytest.approx(7.2703, abs=1e-4)
    assert theory.adam_step_ratio_bound(b1, b2, 10**6) == pytest.approx(
        theory.adam_step_ratio_bound(b1, b2))
    assert theory.adam_sparse_step_ratio(b1, b2) == pytest.approx(0.1 / math.sqrt(0.001))
    assert theory.adam_step_ratio_bound(0.99, 0.9) == math.inf     # beta1^2 >= beta2
    assert theory.adam_step_ratio_bound(0.0, 0.999) == pytest.approx(1 / math.sqrt(0.001))


def test_sparse_ratio_is_one_gradient_after_zeros():
    for t in [1, 2, 10, 300]:
        g = np.zeros(t)
        g[-1] = 5.0
        assert theory.adam_sparse_step_ratio(0.9, 0.999, t) == pytest.approx(
            adam_ratio_at_last_step(g), rel=1e-12)


@pytest.mark.parametrize("call, pattern", [
    (lambda: theory.adam_step_ratio_bound(0.9, 0.999, 0), r"t must be a whole number >= 1, got 0"),
    (lambda: theory.adam_step_ratio_bound(0.9, 0.999, 2.5), r"t must be a whole number"),
    (lambda: theory.adam_sparse_step_ratio(1.0, 0.999), r"beta1 must be in \[0, 1\)"),
    (lambda: theory.adam_sparse_step_ratio(0.9, 0.0), r"beta2 must be in \(0, 1\)"),
    (lambda: theory.adam_worst_case_gradients(0.9, 0.999, 0), r"t must be a whole number >= 1")])
def test_theory_bad_inputs(call, pattern):
    with pytest.raises(ValueError, match=pattern):
        call()


# -- steps_until_unbiased -------------------------------------------------------------------
def first_step_by_counting(beta, tol):
    t = 1
    while 1.0 / (1.0 - beta ** t) > 1.0 + tol:
        t += 1
    return t


@pytest.mark.parametrize("beta", [0.3, 0.5, 0.9, 0.95, 0.99, 0.999])
@pytest.mark.parametrize("tol", [0.001, 0.01, 0.1, 1.0])
def test_steps_until_unbiased_matches_counting(beta, tol):
    assert theory.steps_until_unbiased(beta, tol) == first_step_by_counting(beta, tol)


def test_steps_until_unbiased_book_values_and_the_step_before():
    for beta, steps in [(0.9, 44), (0.99, 460), (0.999, 4613)]:
        t = theory.steps_until_unbiased(beta)
        assert t == steps
        assert 1.0 / (1.0 - beta ** t) <= 1.01 < 1.0 / (1.0 - beta ** (t - 1))


def test_steps_until_unbiased_edge_cases():
    assert theory.steps_until_unbiased(0.0) == 1          # nothing to correct
    assert theory.steps_until_unbiased(0.5, tol=100.0) == 1
    assert isinstance(theory.steps_until_unbiased(0.9), int)


@pytest.mark.parametrize("kwargs, words", [
    (dict(beta=1.0), ["beta", "[0, 1)", "1"]),
    (dict(beta=-0.1), ["beta", "-0.1"]),
    (dict(beta=0.9, tol=0.0), ["tol", "(0, inf)", "0"]),
    (dict(beta=0.9, tol=float("nan")), ["tol"]),
])
def test_steps_until_unbiased_rejects_bad_input(kwargs, words):
    with pytest.raises(ValueError) as error:
        theory.steps_until_unbiased(**kwargs)
    for word in words:
        assert word in str(error.value)


# -- adam_uncorrected_step_ratio ------------------------------------------------------------
def adam_increments(grads, **kwargs):
    """The update of each step for a sequence of injected (x-independent) gradients."""
    opt, x, steps = gdlab.Adam(**kwargs), np.zeros(len(grads[0])), []
    for g in grads:
        before = x.copy()
        opt.update(x, np.asarray(g, dtype=float))
        steps.append(x - before)
    return np.array(steps)


@pytest.mark.parametrize("beta1, beta2", [(0.9, 0.999), (0.9, 0.9), (0.5, 0.99), (0.0, 0.999)])
def test_step_ratio_equals_the_ratio_of_real_adam_steps(beta1, beta2):
    grads = np.random.default_rng(3).normal(size=(60, 3)) + np.array([1.0, -2.0, 0.1])
    common = dict(lr=0.1, beta1=beta1, beta2=beta2, eps=0.0)
    plain = adam_increments(grads, bias_correction=False, **common)
    corrected = adam_increments(grads, bias_correction=True, **common)
    t = np.arange(1, len(grads) + 1)
    expected = theory.adam_uncorrected_step_ratio(beta1, beta2, t)
    np.testing.assert_allclose(plain / corrected, np.repeat(expected[:, None], 3, axis=1),
                               rtol=1e-10)


def test_step_ratio_book_values():
    r = theory.adam_uncorrected_step_ratio
    assert r(0.9, 0.999, 1) == pytest.approx(math.sqrt(10.0))           # 0.1/sqrt(0.001)
    assert r(0.9, 0.999, 2) == pytest.approx(0.19 / math.sqrt(1 - 0.999 ** 2))
    assert r(0.9, 0.9, 1) == pytest.approx(math.sqrt(0.1))              # sqrt(1 - 0.9)
    assert r(0.9, 0.999, 1, uncorrected="m") == pytest.approx(0.1)
    assert r(0.9, 0.999, 1, uncorrected="v") == pytest.approx(1 / math.sqrt(0.001))
    t = np.arange(1, 5001)
    ratios = r(0.9, 0.999, t)
    assert t[np.argmax(ratios)] == 12 and ratios.max() == pytest.approx(6.5685, abs=1e-4)
    assert ratios[-1] == pytest.approx(1.0, abs=0.01) and np.all(ratios > 1.0)
    assert isinstance(r(0.9, 0.999, 3), float)
    assert r(0.9, 0.999, np.int64(3)) == r(0.9, 0.999, 3.0)


def test_uncorrected_adam_is_corrected_adam_with_a_hidden_schedule():
    ratio = theory.adam_uncorrected_step_ratio

    def hidden(t):
        return 0.05 * ratio(0.9, 0.999, t)

    a = gdlab.run(gdlab.Adam(lr=0.05, eps=0.0, bias_correction=False), gdlab.rosenbrock,
                  [-1.5, 2.0], 300)
    b = gdlab.run(gdlab.Adam(lr=hidden, eps=0.0), gdlab.rosenbrock, [-1.5, 2.0], 300)
    np.testing.assert_allclose(a.xs, b.xs, atol=1e-12)


@pytest.mark.parametrize("args, kwargs, words", [
    ((1.0, 0.999, 1), {}, ["beta1", "[0, 1)"]),
    ((0.9, 1.5, 1), {}, ["beta2", "1.5"]),
    ((0.9, 0.999, 0), {}, ["t", ">= 1", "0"]),
    ((0.9, 0.999, 1.5), {}, ["t", "1.5"]),
    ((0.9, 0.999, [1, 2, -3]), {}, ["t", "-3"]),
    ((0.9, 0.999, True), {}, ["t"]),
    ((0.9, 0.999, 1), {"uncorrected": "x"}, ["uncorrected", "'both'", "'x'"]),
])
def test_step_ratio_rejects_bad_input(args, kwargs, words):
    with pytest.raises(ValueError) as error:
        theory.adam_uncorrected_step_ratio(*args, **kwargs)
    for word in words:
        assert word in str(error.value)


# -- ewma_noise_variance --------------------------------------------------------------------
def weights_of(beta, t, **ewma_kwargs):
    """The weight of each point in the average at step t, found by averaging unit pulses
    (the EWMA is linear)."""
    pulses = np.eye(t)
    return gdlab.ewma(pulses, beta, **ewma_kwargs)[-1]


@pytest.mark.parametrize("beta", [0.0, 0.5, 0.9, 0.99])
@pytest.mark.parametrize("t", [1, 2, 7, 40])
def test_noise_variance_is_the_sum_of_squared_weights(beta, t):
    raw = weights_of(beta, t)
    corrected = weights_of(beta, t, bias_correction=True)
    # started at the first point: V_0 = theta_1 adds beta^t on point 1
    first = raw.copy()
    first[0] += beta ** t
    assert first.sum() == pytest.approx(1.0) and corrected.sum() == pytest.approx(1.0)
    for kind, w in [("raw", raw), ("corrected", corrected), ("first", first)]:
        assert theory.ewma_noise_variance(beta, t, kind) == pytest.approx(np.sum(w ** 2))


def test_noise_variance_by_simulation_and_limits():
    rng = np.random.default_rng(0)
    noise = rng.standard_normal((30, 20000))
    corrected = gdlab.ewma(noise, 0.9, bias_correction=True)[-1]
    first = gdlab.ewma(noise, 0.9, initial=0.0)[-1] + 0.9 ** 30 * noise[0]
    assert np.var(corrected) == pytest.approx(theory.ewma_noise_variance(0.9, 30), rel=0.05)
    assert np.var(first) == pytest.approx(theory.ewma_noise_variance(0.9, 30, "first"),
                                          rel=0.05)
    for kind in ("raw", "corrected", "first"):
        assert theory.ewma_noise_variance(0.9, 2000, kind) == pytest.approx(0.1 / 1.9)
    t = np.array([1, 10, 100])
    assert theory.ewma_noise_variance(0.999, t).shape == (3,)
    # early on the corrected average is nearly the plain mean: variance close to 1/t
    assert theory.ewma_noise_variance(0.999, 100) == pytest.approx(0.01, rel=0.01)


def test_noise_variance_rejects_bad_input():
    with pytest.raises(ValueError, match="kind"):
        theory.ewma_noise_variance(0.9, 3, kind="zero")
    with pytest.raises(ValueError, match="beta"):
        theory.ewma_noise_variance(1.0, 3)
    with pytest.raises(ValueError, match="t must"):
        theory.ewma_noise_variance(0.9, 0)
