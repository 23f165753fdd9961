"""Chapter 7 (bias correction): the closed forms in gdlab.theory, the exercise check and the
explorer. Expected values come from brute force or from running the optimizers, not from the
formulas under test."""

import math

import numpy as np
import pytest

import gdlab
from gdlab import checks, theory

PNG = b"\x89PNG\r\n\x1a\n"


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


# -- checks.bias_corrected_averages ---------------------------------------------------------
GRADS = [2.0, 1.0, 3.0]
# By hand: m1 = 0.2, m2 = 0.9*0.2 + 0.1*1 = 0.28, m3 = 0.9*0.28 + 0.1*3 = 0.552;
# divided by 1 - 0.9^t = 0.1, 0.19, 0.271.
RIGHT = [2.0, 0.28 / 0.19, 0.552 / 0.271]


def test_check_accepts_the_right_answer_rounded():
    feedback = checks.bias_corrected_averages([2, 1.474, 2.037], GRADS)
    assert feedback and "m̂3 = 2.037" in str(feedback)
    assert checks.bias_corrected_averages(np.array(RIGHT), GRADS, beta=0.9)


@pytest.mark.parametrize("answer, words", [
    ([0.2, 0.28, 0.552], ["m̂1 should be 2", "raw averages"]),
    ([float("inf"), 0.28 / 0.1, 0.552 / 0.19], ["1 − β^(t−1)"]),
    ([0.0, 0.28 / 0.1, 0.552 / 0.19], ["1 − β^(t−1)"]),
    ([0.2 / 0.19, 0.28 / 0.271, 0.552 / 0.3439], ["1 − β^(t+1)"]),
    ([2.0, 10.0, (0.9 * 10.0 + 0.3) / 0.271], ["m̂1 is right", "fed the corrected value"]),
    # no (1 - beta) on g: m = 2, 0.9*2 + 1 = 2.8, 0.9*2.8 + 3 = 5.52 before correcting
    ([2.0 / 0.1, 2.8 / 0.19, 5.52 / 0.271], ["weighted by (1 − β)"]),
    ([2.0, 1.474, 2.5], ["m̂1 and m̂2 are right", "m̂3 should be 2.037"]),
])
def test_check_diagnoses_the_usual_slips(answer, words):
    feedback = checks.bias_corrected_averages(answer, GRADS)
    assert not feedback
    for word in words:
        assert word in feedback.message, feedback.message


def test_check_reports_shape_problems_and_rejects_bad_setup():
    assert "3 numbers" in str(checks.bias_corrected_averages([2.0, 1.47], GRADS))
    assert "3 numbers" in str(checks.bias_corrected_averages("two", GRADS))
    with pytest.raises(ValueError, match="beta"):
        checks.bias_corrected_averages(RIGHT, GRADS, beta=1.0)
    with pytest.raises(ValueError, match="grads"):
        checks.bias_corrected_averages([], [])


# -- the explorer -----------------------------------------------------------------------------
def test_explorer_result_is_the_zero_started_ewma():
    e = gdlab.widgets.bias_correction_explorer(seed=1)
    assert e.defaults == {"beta": 0.9, "t": 10}
    assert len(e.controls["beta"]) * len(e.controls["t"]) <= 40
    r = e.result(beta=0.9, t=10)
    assert r["weight_sum"] == pytest.approx(1 - 0.9 ** 10)
    assert r["factor"] == pytest.approx(1 / (1 - 0.9 ** 10))
    assert len(r["weights"]) == 10 and r["weights"][-1] == pytest.approx(0.1)
    # the raw average is the weighted sum of the data, step by step
    v = 0.0
    for k, g in enumerate(r["data"], start=1):
        v = 0.9 * v + 0.1 * g
        assert r["raw"][k - 1] == pytest.approx(v)
        assert r["corrected"][k - 1] == pytest.approx(v / (1 - 0.9 ** k))
    assert r["raw"][-1] == pytest.approx(np.dot(r["weights"], r["data"]))
    assert r["running_mean"] == pytest.approx(np.mean(r["data"]))
    first = e.result(beta=0.999, t=1)
    assert first["corrected"][0] == pytest.approx(first["data"][0])   # exact at t = 1
    # the same seed gives the same data, whatever t
    assert np.array_equal(e.result(t=1000)["data"][:10], r["data"])


def test_explorer_with_noise_free_data_is_exact_after_correction():
    e = gdlab.widgets.bias_correction_explorer(mean=2.5, noise=0.0)
    for beta in e.controls["beta"]:
        r = e.result(beta=beta, t=30)
        np.testing.assert_allclose(r["corrected"], 2.5)
        assert r["raw"][-1] == pytest.approx(2.5 * (1 - beta ** 30))


def test_explorer_renders_png_frames_without_warnings_in_the_book_style():
    import warnings

    import matplotlib

    with matplotlib.rc_context(), warnings.catch_warnings():
        warnings.simplefilter("error")          # e.g. a layout engine switched on by savefig
        gdlab.plots.use_book_style()            # constrained layout in the rcParams
        e = gdlab.widgets.bias_correction_explorer(betas=(0.9, 0.999), ts=(1, 50))
        assert e.render(beta=0.9, t=1).startswith(PNG)
        assert e.render(beta=0.999, t=50).startswith(PNG)
        assert e.to_html().count("iVBOR") >= 4


@pytest.mark.parametrize("kwargs, words", [
    (dict(betas=(0.9, 1.0)), ["betas[1]", "[0, 1)"]),
    (dict(ts=(1, 0)), ["ts[1]", ">= 1"]),
    (dict(noise=-1.0), ["noise"]),
    (dict(default_t=7), ["defaults", "'t'"]),
    (dict(betas=(0.1, 0.2, 0.3, 0.4, 0.5, 0.6), ts=tuple(range(1, 9))), ["max_frames"]),
])
def test_explorer_rejects_bad_input(kwargs, words):
    with pytest.raises(ValueError) as error:
        gdlab.widgets.bias_correction_explorer(**kwargs)
    for word in words:
        assert word in str(error.value)
