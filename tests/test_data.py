"""The small seeded data sets of gdlab.data."""

import math

import numpy as np
import pytest

from gdlab import data


# -- data -------------------------------------------------------------------------------------
def test_seasonal_trend_follows_the_formula():
    trend = data.seasonal_trend(365, mean=10.0, amplitude=4.0)
    assert trend.shape == (365,)
    # t = 365: cos(2π) = 1, the coldest day; t = 365/4 would be the mean (cos = 0)
    assert trend[-1] == pytest.approx(10.0 - 4.0)
    assert trend.min() == pytest.approx(6.0, abs=1e-3)
    assert trend.max() == pytest.approx(14.0, abs=1e-3)
    assert trend[0] == pytest.approx(10.0 - 4.0 * math.cos(2 * math.pi / 365))


def test_seasonal_trend_repeats_every_year():
    three_years = data.seasonal_trend(3 * 365)
    one_year = data.seasonal_trend(365)
    assert np.allclose(three_years[365:730], one_year)
    assert np.allclose(three_years[730:], one_year)


def test_seasonal_series_is_trend_plus_seeded_noise():
    assert np.allclose(data.seasonal_series(200, noise=0.0), data.seasonal_trend(200))
    a, b = data.seasonal_series(seed=5), data.seasonal_series(seed=5)
    assert np.array_equal(a, b)
    assert not np.allclose(a, data.seasonal_series(seed=6))
    noise = data.seasonal_series(20000, noise=2.0) - data.seasonal_trend(20000)
    assert noise.mean() == pytest.approx(0.0, abs=0.05)
    assert noise.std() == pytest.approx(2.0, rel=0.03)


def test_longer_series_starts_with_the_shorter_one():
    assert np.array_equal(data.seasonal_series(3 * 365)[:365], data.seasonal_series(365))


@pytest.mark.parametrize("kwargs, name", [({"days": 0}, "days"), ({"days": 2.5}, "days"),
                                          ({"mean": float("nan")}, "mean"),
                                          ({"amplitude": "big"}, "amplitude")])
def test_seasonal_trend_rejects_bad_arguments(kwargs, name):
    with pytest.raises(ValueError, match=name):
        data.seasonal_trend(**kwargs)


def test_seasonal_series_rejects_negative_noise():
    with pytest.raises(ValueError, match="noise"):
        data.seasonal_series(noise=-1.0)


# -- digits -----------------------------------------------------------------------------------
def test_digits_are_scikit_learns_scaled_and_split_stratified():
    from sklearn.datasets import load_digits
    X_train, y_train, X_test, y_test = data.digits()
    assert X_train.shape == (1347, 64) and X_test.shape == (450, 64)
    assert y_train.shape == (1347,) and y_test.shape == (450,)
    assert X_train.dtype == np.float64 and np.issubdtype(y_train.dtype, np.integer)
    assert X_train.min() == 0.0 and X_train.max() == 1.0
    everything = np.vstack([X_train, X_test]) * 16
    original = load_digits()
    # the same images, every one exactly once, each with its own label
    order = np.lexsort(everything.T)
    assert np.array_equal(everything[order], original.data[np.lexsort(original.data.T)])
    shares = np.bincount(y_test, minlength=10) / np.bincount(original.target)
    assert np.all(np.abs(shares - 0.25) < 0.02)   # stratified: every digit keeps its share


def test_digits_split_is_seeded():
    a, b, c = data.digits(seed=0), data.digits(seed=0), data.digits(seed=1)
    assert all(np.array_equal(x, y) for x, y in zip(a, b))
    assert not np.array_equal(a[0], c[0])
    assert len(data.digits(test_fraction=0.5)[2]) == 899   # ceil(0.5 · 1797)


@pytest.mark.parametrize("kwargs, message", [
    ({"test_fraction": 0}, "test_fraction must be in"),
    ({"test_fraction": 1.0}, "test_fraction must be in"),
    ({"test_fraction": 0.001}, "test_fraction must be in"),
    ({"test_fraction": "0.25"}, "test_fraction must be a finite real number"),
    ({"seed": -1}, "seed must be a whole number >= 0"),
    ({"seed": 0.5}, "seed must be a whole number >= 0"),
])
def test_digits_refuse_bad_arguments(kwargs, message):
    with pytest.raises(ValueError, match=message):
        data.digits(**kwargs)
