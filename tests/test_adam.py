"""Chapter 6 (Adam): AdaMax, AMSGrad, the step-size bounds in gdlab.theory, the
adam_steps self-check and the Adam explorer."""

import math

import numpy as np
import pytest

import gdlab
from gdlab import checks, theory

PNG = b"\x89PNG\r\n\x1a\n"
RNG = np.random.default_rng(6)


def steps_of(optimizer, grads):
    """The changes theta_t - theta_{t-1} of one parameter array fed ``grads`` (rows)."""
    grads = np.asarray(grads, dtype=float)
    theta = np.zeros(grads.shape[1:])
    out = []
    for g in grads:
        before = theta.copy()
        optimizer.update(theta, g)
        out.append(theta - before)
    return np.array(out)


# -- AdaMax ----------------------------------------------------------------------------
def test_adamax_first_step_is_lr_times_g_over_abs_g_plus_eps():
    # m_1 = (1 - b1) g, bias-corrected to g; u_1 = max(0, |g| + eps) = |g| + eps
    g = np.array([[3.0, -1e-9, 1e4]])
    step = steps_of(gdlab.AdaMax(lr=0.02), g)[0]
    np.testing.assert_allclose(step, -0.02 * g[0] / (np.abs(g[0]) + 1e-8), rtol=1e-12)


def test_adamax_puts_eps_inside_the_max_like_torch():
    # paper (eps = 0): a gradient of 1e-9 still gives a full step lr;
    # torch (eps inside the max): lr * 1e-9 / (1e-9 + 1e-8) = lr / 11
    g = np.array([[1e-9]])
    assert steps_of(gdlab.AdaMax(lr=1.0, eps=0.0), g)[0, 0] == pytest.approx(-1.0)
    assert steps_of(gdlab.AdaMax(lr=1.0), g)[0, 0] == pytest.approx(-1.0 / 11.0)


def test_adamax_u_is_a_decaying_maximum():
    opt = gdlab.AdaMax(lr=0.1, beta2=0.9, eps=0.0)
    steps_of(opt, [[10.0], [0.0], [0.0], [2.0]])
    # u: 10 -> 9 -> 8.1 -> max(7.29, 2) = 7.29
    assert opt.state[None]["u"][0] == pytest.approx(10 * 0.9**3)
    opt = gdlab.AdaMax(lr=0.1, beta2=0.5, eps=0.0)
    steps_of(opt, [[10.0], [0.0], [0.0], [2.0]])
    # u: 10 -> 5 -> 2.5 -> max(1.25, 2) = 2
    assert opt.state[None]["u"][0] == pytest.approx(2.0)


def test_adamax_matches_the_papers_algorithm_2_by_hand():
    grads = RNG.standard_normal((40, 3)) * np.array([1e-3, 1.0, 1e3])
    lr, b1, b2, eps = 0.01, 0.8, 0.95, 1e-8
    m = np.zeros(3)
    u = np.zeros(3)
    expected = []
    for t, g in enumerate(grads, start=1):
        m = b1 * m + (1 - b1) * g
        u = np.maximum(b2 * u, np.abs(g) + eps)
        expected.append(-lr / (1 - b1**t) * m / u)
    np.testing.assert_allclose(steps_of(gdlab.AdaMax(lr, b1, b2, eps), grads), expected,
                               rtol=1e-12)


def test_adamax_steps_stay_within_its_bound():
    # |m_t| / u_t <= (1 - b1) sum_k (b1 / b2)^k / (1 - b1^t): about 1.009 for the defaults
    grads = RNG.standard_normal((500, 200)) * 10.0 ** RNG.uniform(-3, 3, 200)
    moves = np.abs(steps_of(gdlab.AdaMax(lr=1.0, eps=0.0), grads))
    limit = 0.1 / (1 - 0.9 / 0.999)
    assert moves.max() <= limit + 1e-12
    assert limit == pytest.approx(1.009, abs=1e-3)


# -- AMSGrad ---------------------------------------------------------------------------
def test_amsgrad_equals_adam_while_v_keeps_growing():
    # a constant gradient makes v_t = (1 - b2^t) g^2 increase, so max(v_max, v) = v
    grads = np.tile([[0.5, -2.0, 1e-3]], (60, 1))
    np.testing.assert_array_equal(steps_of(gdlab.AMSGrad(lr=0.01), grads),
                                  steps_of(gdlab.Adam(lr=0.01), grads))


def test_amsgrad_keeps_the_raw_maximum_and_divides_by_the_current_correction():
    grads = np.array([[10.0]] + [[0.5]] * 30 + [[-3.0]])
    lr, b1, b2, eps = 0.1, 0.9, 0.99, 1e-8
    m = v = v_max = 0.0
    expected = []
    for t, (g,) in enumerate(grads, start=1):
        m = b1 * m + (1 - b1) * g
        v = b2 * v + (1 - b2) * g * g
        v_max = max(v_max, v)
        expected.append(-lr / (1 - b1**t) * m / (math.sqrt(v_max / (1 - b2**t)) + eps))
    got = steps_of(gdlab.AMSGrad(lr, b1, b2, eps), grads)[:, 0]
    np.testing.assert_allclose(got, expected, rtol=1e-12)
    # and it is not Adam: after the big gradient Adam's denominator shrinks, AMSGrad's not
    adam = steps_of(gdlab.Adam(lr, b1, b2, eps), grads)[:, 0]
    assert np.all(np.abs(got[10:]) < np.abs(adam[10:]))


def test_amsgrad_effective_step_never_grows():
    opt = gdlab.AMSGrad(lr=1.0)
    theta = np.zeros(1)
    previous = np.inf
    for g in [100.0, 1.0, 1.0, 50.0, 0.1, 0.1, 0.1]:
        opt.update(theta, np.array([g]))
        effective = 1.0 / math.sqrt(opt.state[None]["v_max"][0])
        assert effective <= previous
        previous = effective


# -- both ------------------------------------------------------------------------------
@pytest.mark.parametrize("cls, defaults", [
    (gdlab.AdaMax, {"lr": 2e-3, "beta1": 0.9, "beta2": 0.999, "eps": 1e-8}),
    (gdlab.AMSGrad, {"lr": 1e-3, "beta1": 0.9, "beta2": 0.999, "eps": 1e-8})])
def test_defaults_are_the_papers_and_pytorchs(cls, defaults):
    opt = cls()
    for key, value in defaults.items():
        assert getattr(opt, key) == value


def test_registered_exported_and_coloured():
    assert gdlab.OPTIMIZERS["AdaMax"] is gdlab.AdaMax
    assert gdlab.OPTIMIZERS["AMSGrad"] is gdlab.AMSGrad
    assert gdlab.plots.color_of(gdlab.AdaMax()) == gdlab.plots.COLORS["AdaMax"]
    assert repr(gdlab.AMSGrad(lr=0.1)) == "AMSGrad(lr=0.1, beta1=0.9, beta2=0.999, eps=1e-08)"


@pytest.mark.parametrize("cls", [gdlab.AdaMax, gdlab.AMSGrad])
@pytest.mark.parametrize("kwargs, pattern", [
    ({"lr": -1.0}, r"lr must be in \[0, inf\), got -1"),
    ({"beta1": 1.0}, r"beta1 must be in \[0, 1\), got 1"),
    ({"beta2": -0.1}, r"beta2 must be in \[0, 1\), got -0.1"),
    ({"eps": -1e-8}, r"eps must be in \[0, inf\), got -1e-08")])
def test_bad_hyperparameters_are_explained(cls, kwargs, pattern):
    with pytest.raises(ValueError, match=pattern):
        cls(**kwargs)


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
    step = steps_of(gdlab.Adam(lr=1.0, eps=0.0), worst[:, None])[-1, 0]
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


# -- checks.adam_steps -----------------------------------------------------------------
GRADS = [[4.0, 1e-8], [-2.0, 3e-8]]


def by_hand(grads, lr=0.1, b1=0.9, b2=0.999, eps=1e-8, correct=True, eps_inside=False):
    g = np.asarray(grads, dtype=float)
    m = v = np.zeros(g.shape[1])
    out = []
    for t, gt in enumerate(g, start=1):
        m = b1 * m + (1 - b1) * gt
        v = b2 * v + (1 - b2) * gt**2
        m_hat = m / (1 - b1**t) if correct else m
        v_hat = v / (1 - b2**t) if correct else v
        denom = np.sqrt(v_hat + eps) if eps_inside else np.sqrt(v_hat) + eps
        out.append(-lr * m_hat / denom)
    return np.array(out)


def test_adam_steps_accepts_the_right_answer_and_rounding():
    assert checks.adam_steps(by_hand(GRADS), GRADS, lr=0.1)
    assert checks.adam_steps(np.round(by_hand(GRADS), 6), GRADS, lr=0.1)
    # the first step is exactly -lr * g / (|g| + eps)
    np.testing.assert_allclose(by_hand(GRADS)[0], [-0.1, -0.05])


def test_adam_steps_accepts_four_significant_digits_and_still_names_the_slip():
    # hand computations keep about four digits: that must be enough, for the right answer
    # and for recognising a typical slip (here: no bias correction)
    right = [[-0.1, -0.05], [-0.02663, -0.06342]]
    assert checks.adam_steps(right, GRADS, lr=0.1)
    no_correction = [[-0.3162, -0.009693], [-0.1132, -0.03545]]
    feedback = checks.adam_steps(no_correction, GRADS, lr=0.1)
    assert not feedback and "without bias correction" in str(feedback)
    assert not checks.adam_steps(right, GRADS, lr=0.1, rtol=1e-5)
    with pytest.raises(ValueError, match="rtol"):
        checks.adam_steps(right, GRADS, lr=0.1, rtol=0.0)


def test_adam_steps_for_a_single_parameter_takes_a_flat_list():
    grads = [1.0, 2.0, -1.0]
    assert checks.adam_steps(by_hand(np.reshape(grads, (3, 1)), lr=1e-3).ravel(), grads)


@pytest.mark.parametrize("answer, hint", [
    (by_hand(GRADS, correct=False), "without bias correction"),
    (by_hand(GRADS, eps_inside=True), "inside the square root"),
    (-by_hand(GRADS), "uphill"),
    (np.cumsum(by_hand(GRADS), axis=0), "parameters θ_t"),
])
def test_adam_steps_names_the_slip(answer, hint):
    feedback = checks.adam_steps(answer, GRADS, lr=0.1)
    assert not feedback
    assert hint in str(feedback)


def test_adam_steps_recognises_rmsprop_and_a_missing_root():
    g = np.asarray(GRADS)
    v = np.zeros(2)
    rms, no_root = [], []
    m = np.zeros(2)
    for t, gt in enumerate(g, start=1):
        m = 0.9 * m + 0.1 * gt
        v = 0.999 * v + 0.001 * gt**2
        v_hat = v / (1 - 0.999**t)
        rms.append(-0.1 * gt / (np.sqrt(v_hat) + 1e-8))
        no_root.append(-0.1 * m / (1 - 0.9**t) / (v_hat + 1e-8))
    assert "RMSProp" in str(checks.adam_steps(rms, GRADS, lr=0.1))
    assert "square root" in str(checks.adam_steps(no_root, GRADS, lr=0.1))


def test_adam_steps_explains_a_wrong_shape_and_rejects_bad_grads():
    assert "shape (2, 2)" in str(checks.adam_steps([1.0, 2.0, 3.0], GRADS, lr=0.1))
    with pytest.raises(ValueError, match="grads must contain only finite numbers"):
        checks.adam_steps([0.0], [np.nan])
    with pytest.raises(ValueError, match=r"beta2 must be in \[0, 1\)"):
        checks.adam_steps([0.0], [1.0], beta2=1.0)


# -- the explorer ----------------------------------------------------------------------
def small_explorer():
    return gdlab.widgets.adam_explorer(gdlab.rosenbrock, [-1.5, 2.0], lrs=[0.01, 0.1],
                                       beta1s=[0.0, 0.9], beta2s=[0.99, 0.999], steps=60,
                                       defaults={"lr": 0.1, "beta1": 0.9, "beta2": 0.999})


def test_explorer_result_is_an_adam_run():
    e = small_explorer()
    result = e.result(lr=0.01, beta1=0.0)
    direct = gdlab.run(gdlab.Adam(lr=0.01, beta1=0.0, beta2=0.999), gdlab.rosenbrock,
                       [-1.5, 2.0], 60)
    np.testing.assert_array_equal(result["trajectory"].xs, direct.xs)
    assert result["final_gap"] == pytest.approx(direct.gaps()[-1])
    assert result["steps_to_tol"] == direct.steps_to(1e-6, "gap")
    moves = np.abs(np.diff(direct.xs, axis=0))
    assert result["largest_step"] == pytest.approx(moves.max() / 0.01)


def test_explorer_largest_step_is_alpha_with_default_betas():
    # the first step is exactly alpha * |g| / (|g| + eps); later ones are shorter here
    result = small_explorer().result()
    assert result["largest_step"] == pytest.approx(1.0, abs=1e-6)


def test_explorer_renders_png_and_limits_frames():
    e = small_explorer()
    assert e.render().startswith(PNG)
    assert e.render(beta1=0.0) != e.render()
    with pytest.raises(ValueError, match="max_frames"):
        gdlab.widgets.adam_explorer(gdlab.rosenbrock, [-1.5, 2.0], lrs=[0.1] * 5,
                                    beta1s=[0.9] * 3, beta2s=[0.99] * 3)
