"""Chapter 7 (bias correction): the closed forms in gdlab.theory, the exercise check and the
explorer. Expected values come from brute force or from running the optimizers, not from the
formulas under test."""

import math

import numpy as np
import pytest

import gdlab
from gdlab import checks, theory

PNG = b"\x89PNG\r\n\x1a\n"


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
