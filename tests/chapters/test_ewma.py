"""Tests for what chapter 2 (EWMA) added to gdlab: ``data.seasonal_trend`` and the reworked
``data.seasonal_series``, ``widgets.ewma_explorer``, and the checks
``ewma_beta_for_window`` and ``bias_warmup_steps``."""

import math

import numpy as np
import pytest

import gdlab
from gdlab import checks, data, widgets


# -- widgets.ewma_explorer ------------------------------------------------------------------
def _recursion(series, beta):
    v, out = 0.0, []
    for theta in series:
        v = beta * v + (1 - beta) * theta
        out.append(v)
    return np.array(out)


@pytest.fixture(scope="module")
def explorer():
    series = data.seasonal_series(120)
    truth = data.seasonal_trend(120)
    return widgets.ewma_explorer(series, [0.5, 0.9, 0.98], default=0.9, truth=truth,
                                 zoom=30), series, truth


def test_explorer_result_is_the_recursion(explorer):
    ex, series, truth = explorer
    assert np.allclose(ex.result(), _recursion(series, 0.9))          # the default β
    assert np.allclose(ex.result(beta=0.5, bias_correction=False), _recursion(series, 0.5))
    corrected = ex.result(beta=0.98, bias_correction=True)
    t = np.arange(1, len(series) + 1)
    assert np.allclose(corrected, _recursion(series, 0.98) / (1 - 0.98 ** t))
    assert corrected[0] == pytest.approx(series[0])   # V̂_1 = θ_1


def test_explorer_title_reports_rms_error_against_truth(explorer):
    ex, series, truth = explorer
    texts = []
    original = ex.draw

    def spy(fig, average, **values):
        original(fig, average, **values)
        texts.extend(ax.get_title() for ax in fig.axes)

    ex.draw = spy
    try:
        ex.render(beta=0.5, bias_correction=False)
    finally:
        ex.draw = original
    expected = np.sqrt(np.mean((_recursion(series, 0.5) - truth) ** 2))
    assert any(f"RMS error vs true curve {expected:.2f}" in text for text in texts)
    assert any("window ≈ 1/(1−β) = 2 points" in text for text in texts)


def test_explorer_defaults_and_no_truth():
    ex = widgets.ewma_explorer([1.0, 2.0, 3.0], [0.2, 0.4])
    assert ex.defaults == {"beta": 0.4, "bias_correction": False}   # middle of the list
    assert np.allclose(ex.result(), _recursion([1.0, 2.0, 3.0], 0.4))
    assert ex.render().startswith(b"\x89PNG")


def test_explorer_renders_png_and_html(explorer):
    ex, _, _ = explorer
    png = ex.render(beta=0.98, bias_correction=True)
    assert png.startswith(b"\x89PNG")
    page = ex.to_html()
    assert page.count("iVBOR") >= 6          # base64 PNGs: 3 betas x 2 switch positions
    assert "bias_correction" in page


def test_explorer_rejects_bad_input():
    with pytest.raises(ValueError, match="truth"):
        widgets.ewma_explorer([1.0, 2.0, 3.0], [0.5], truth=[1.0, 2.0])
    with pytest.raises(ValueError, match="series"):
        widgets.ewma_explorer(np.ones((3, 2)), [0.5])
    with pytest.raises(ValueError, match="beta"):
        widgets.ewma_explorer([1.0, 2.0], [1.5]).result(beta=1.5)
    with pytest.raises(ValueError, match="combinations"):
        widgets.ewma_explorer([1.0, 2.0], list(np.linspace(0, 0.99, 31)))


# -- checks ----------------------------------------------------------------------------------
@pytest.mark.parametrize("window, beta", [(20, 0.95), (10, 0.9), (2, 0.5), (1, 0.0)])
def test_beta_for_window_accepts_the_rule_of_thumb(window, beta):
    feedback = checks.ewma_beta_for_window(beta, window)
    assert feedback
    assert gdlab.effective_window(beta) == pytest.approx(window)


def test_beta_for_window_explains_typical_slips():
    one_minus = checks.ewma_beta_for_window(0.05, 20)
    assert not one_minus and "1 − β" in one_minus.message
    span = checks.ewma_beta_for_window(1 - 2 / 21, 20)
    assert not span and "span" in span.message
    assert not checks.ewma_beta_for_window("0.95?", 20)
    with pytest.raises(ValueError, match="window"):
        checks.ewma_beta_for_window(0.5, 0.5)


def _first_step_within(beta, tolerance):
    t = 1
    while 1 / (1 - beta ** t) > 1 + tolerance:
        t += 1
    return t


@pytest.mark.parametrize("beta, tolerance", [(0.999, 0.01), (0.9, 0.01), (0.98, 0.05),
                                             (0.5, 0.5), (0.5, 2.0)])
def test_bias_warmup_steps_matches_brute_force(beta, tolerance):
    expected = _first_step_within(beta, tolerance)
    assert checks.bias_warmup_steps(expected, beta, tolerance)
    if expected > 1:
        too_early = checks.bias_warmup_steps(expected - 1, beta, tolerance)
        assert not too_early and "round up" in too_early.message
    assert not checks.bias_warmup_steps(expected + 5, beta, tolerance)


def test_bias_warmup_steps_hints():
    assert _first_step_within(0.999, 0.01) == 4613      # the chapter's exercise
    rough = checks.bias_warmup_steps(round(math.log(0.01) / math.log(0.999)), 0.999, 0.01)
    assert not rough and "β^t ≤ 0.01" in rough.message
    window = checks.bias_warmup_steps(1000, 0.999, 0.01)
    assert not window and "1.58" in window.message
    assert not checks.bias_warmup_steps("many", 0.999)
    with pytest.raises(ValueError, match="beta"):
        checks.bias_warmup_steps(10, 1.0)
    with pytest.raises(ValueError, match="tolerance"):
        checks.bias_warmup_steps(10, 0.9, tolerance=0.0)


def test_bias_warmup_steps_rejects_steps_before_the_first():
    """t counts updates from 1; an answer below 1 gets a message, not a crash (β^0 = 1 would
    divide by zero)."""
    for answer in (0, 0.5, -3, float("nan")):
        feedback = checks.bias_warmup_steps(answer, beta=0.001, tolerance=0.01)
        assert not feedback and "counted from t = 1" in feedback.message
    assert checks.bias_warmup_steps(1, beta=0.001, tolerance=0.01)


def test_ewma_values_and_hints():
    series = [4.0, 8.0, 2.0]
    assert checks.ewma_values([2.0, 5.0, 3.5], series, 0.5)
    corrected = checks.ewma_values([4.0, 5.0 / 0.75, 3.5 / 0.875], series, 0.5)
    assert not corrected and "bias-corrected" in corrected.message
    undamped = checks.ewma_values([4.0, 10.0, 7.0], series, 0.5)
    assert not undamped and "(1 − β)" in undamped.message


def test_ewma_explorer_averages_the_series():
    series = gdlab.data.seasonal_series(100, seed=1)
    e = gdlab.widgets.ewma_explorer(series, [0.5, 0.9, 0.98], default=0.9)
    np.testing.assert_array_equal(e.result(), gdlab.ewma(series, 0.9))
    np.testing.assert_array_equal(e.result(beta=0.98, bias_correction=True),
                                  gdlab.ewma(series, 0.98, bias_correction=True))
    assert e.render(beta=0.5, bias_correction=True).startswith(PNG)
