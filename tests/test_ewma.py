"""EWMA: the recursion, its unrolled form, bias correction and the window rules."""

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import gdlab

betas = st.floats(min_value=0.0, max_value=0.999)
values = st.floats(min_value=-1e6, max_value=1e6, allow_nan=False)


@settings(max_examples=200, deadline=None)
@given(c=values, beta=betas, n=st.integers(1, 300))
def test_bias_corrected_ewma_of_a_constant_is_the_constant(c, beta, n):
    out = gdlab.ewma(np.full(n, c), beta, bias_correction=True)
    np.testing.assert_allclose(out, c, rtol=1e-9, atol=1e-9 * abs(c) + 1e-300)


@settings(max_examples=200, deadline=None)
@given(c=st.floats(min_value=0.1, max_value=1e3), beta=st.floats(0.01, 0.999),
       n=st.integers(1, 200))
def test_uncorrected_ewma_of_a_constant_is_biased_by_one_minus_beta_to_the_t(c, beta, n):
    out = gdlab.ewma(np.full(n, c), beta)
    t = np.arange(1, n + 1)
    np.testing.assert_allclose(out, c * (1 - beta ** t), rtol=1e-9)
    assert np.all(out <= c * (1 + 1e-12))


@settings(max_examples=100, deadline=None)
@given(series=st.lists(values, min_size=1, max_size=60), beta=betas)
def test_recursion_equals_the_unrolled_weighted_sum(series, beta):
    series = np.array(series)
    t = len(series)
    expected = np.dot(gdlab.ewma_weights(beta, t), series)
    assert gdlab.ewma(series, beta)[-1] == pytest.approx(expected, rel=1e-9, abs=1e-6)


@settings(max_examples=100, deadline=None)
@given(beta=betas, t=st.integers(1, 500))
def test_weights_sum_to_one_minus_beta_to_the_t(beta, t):
    assert gdlab.ewma_weights(beta, t).sum() == pytest.approx(1 - beta ** t, rel=1e-9)


@settings(max_examples=100, deadline=None)
@given(series=st.lists(values, min_size=1, max_size=50), beta=betas)
def test_ewma_stays_within_the_range_of_zero_and_the_data(series, beta):
    out = gdlab.ewma(np.array(series), beta)
    lo, hi = min(0.0, min(series)), max(0.0, max(series))
    assert np.all(out >= lo - 1e-6) and np.all(out <= hi + 1e-6)


def test_beta_zero_copies_the_series_and_small_example_by_hand():
    series = np.array([4.0, 8.0, 2.0])
    np.testing.assert_array_equal(gdlab.ewma(series, 0.0), series)
    # beta = 0.5: V1 = 2, V2 = 0.5*2 + 4 = 5, V3 = 2.5 + 1 = 3.5
    np.testing.assert_allclose(gdlab.ewma(series, 0.5), [2.0, 5.0, 3.5])
    # corrected: divide by 0.5, 0.75, 0.875
    np.testing.assert_allclose(gdlab.ewma(series, 0.5, bias_correction=True),
                               [4.0, 5.0 / 0.75, 3.5 / 0.875])


def test_ewma_works_along_axis_zero_of_arrays():
    series = np.arange(12.0).reshape(6, 2)
    out = gdlab.ewma(series, 0.9)
    np.testing.assert_allclose(out[:, 0], gdlab.ewma(series[:, 0], 0.9))
    np.testing.assert_allclose(out[:, 1], gdlab.ewma(series[:, 1], 0.9))


def test_initial_value_is_used():
    np.testing.assert_allclose(gdlab.ewma([1.0, 1.0], 0.5, initial=1.0), [1.0, 1.0])


@pytest.mark.parametrize("beta, window", [(0.5, 2), (0.9, 10), (0.98, 50)])
def test_effective_window(beta, window):
    assert gdlab.effective_window(beta) == pytest.approx(window)


def test_weight_after_window_tends_to_one_over_e():
    assert gdlab.weight_after_window(0.9) == pytest.approx(0.9 ** 10)
    assert gdlab.weight_after_window(0.999999) == pytest.approx(1 / math.e, rel=1e-5)
    values = [gdlab.weight_after_window(b) for b in (0.5, 0.9, 0.99, 0.999)]
    assert values == sorted(values)  # increases towards 1/e from below


def test_window_mass():
    assert gdlab.window_mass(0.9, 10) == pytest.approx(1 - 0.9 ** 10)
    assert gdlab.window_mass(0.999999) == pytest.approx(1 - 1 / math.e, rel=1e-5)


def test_bias_correction_factor():
    assert gdlab.bias_correction_factor(0.9, 1) == pytest.approx(10.0)
    assert gdlab.bias_correction_factor(0.999, 1) == pytest.approx(1000.0)
    assert gdlab.bias_correction_factor(0.9, 1000) == pytest.approx(1.0)
    assert gdlab.bias_correction_factor(0.0, 3) == 1.0


@pytest.mark.parametrize("initial, shown", [
    (math.nan, "nan"), (math.inf, "inf"), (-math.inf, "-inf"), ("0", "'0'"), (None, "None"),
    (True, "True"),
])
def test_initial_must_be_a_finite_real_number(initial, shown):
    # initial=nan used to give an all-NaN result
    with pytest.raises(ValueError, match=rf"initial must be a finite real number, got {shown}$"):
        gdlab.ewma([1.0, 2.0], 0.5, initial=initial)


@pytest.mark.parametrize("flag", ["no", "False", 1, 0, None])
def test_bias_correction_is_a_flag(flag):
    # bias_correction="no" used to count as True
    with pytest.raises(ValueError, match=rf"bias_correction must be True or False, got {flag!r}$"):
        gdlab.ewma([1.0, 2.0], 0.5, bias_correction=flag)


def test_initial_and_flag_of_numpy_types_are_accepted():
    np.testing.assert_allclose(gdlab.ewma([1.0], 0.5, initial=np.float32(3.0)), [2.0])
    np.testing.assert_allclose(gdlab.ewma([1.0], 0.5, bias_correction=np.bool_(True)), [1.0])


def test_bias_correction_factor_broadcasts_over_steps():
    factors = gdlab.bias_correction_factor(0.9, np.arange(1, 4))
    np.testing.assert_allclose(factors, [1 / 0.1, 1 / 0.19, 1 / 0.271])
    np.testing.assert_array_equal(gdlab.bias_correction_factor(0.0, [1, 2]), [1.0, 1.0])
    assert isinstance(gdlab.bias_correction_factor(0.9, 2), float)
    with pytest.raises(ValueError, match="t must be a whole number >= 1, got 2.5"):
        gdlab.bias_correction_factor(0.9, [1, 2.5])
