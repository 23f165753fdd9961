"""Small data sets made on the spot (seeded) or shipped with a dependency: nothing is
downloaded.

``seasonal_series`` is a year of made-up daily temperatures, the kind of series Andrew Ng
smooths with an EWMA: a seasonal wave plus day-to-day noise. ``seasonal_trend`` is the wave
alone, so a chapter can measure how much noise an average leaves and how far it lags.
``digits`` is the 8×8 handwritten digits that scikit-learn ships inside its package, split
for training a small network.
"""

from __future__ import annotations

import numpy as np

from .validation import check_in_range, check_positive_int, check_real

__all__ = ["digits", "seasonal_series", "seasonal_trend"]


def seasonal_trend(days: int = 365, mean: float = 12.0, amplitude: float = 9.0) -> np.ndarray:
    r"""The noise-free seasonal curve :math:`m - a\cos(2\pi t/365)`, :math:`t = 1, \dots,`
    ``days``: cold at the turn of the year (:math:`m - a`), warm at mid-year (:math:`m + a`).

    It repeats every 365 days, so a longer series simply continues it year after year.
    """
    days = check_positive_int("days", days)
    mean = check_real("mean", mean)
    amplitude = check_real("amplitude", amplitude)
    t = np.arange(1, days + 1)
    return mean - amplitude * np.cos(2 * np.pi * t / 365)


def seasonal_series(days: int = 365, seed: int = 0, mean: float = 12.0,
                    amplitude: float = 9.0, noise: float = 3.0) -> np.ndarray:
    r"""Daily "temperatures" :math:`\theta_t = m - a\cos(2\pi t/365) + \sigma\xi_t`,
    :math:`\xi_t \sim N(0, 1)` seeded, for :math:`t = 1, \dots,` ``days``.

    ``seasonal_series(...) - seasonal_trend(...)`` (same ``days``, ``mean``, ``amplitude``)
    is the noise alone. The noise comes from one seeded stream, so a longer series starts
    with exactly the values of a shorter one with the same seed.
    """
    days = check_positive_int("days", days)
    noise = check_in_range("noise", noise, 0.0)
    rng = np.random.default_rng(seed)
    return seasonal_trend(days, mean, amplitude) + noise * rng.standard_normal(days)


def digits(seed: int = 0, test_fraction: float = 0.25):
    r"""The 1,797 handwritten digits of scikit-learn (UCI's optdigits test set: 8×8 images of
    0-9 written by 43 people, each pixel a count 0-16), split for training.

    Returns ``(X_train, y_train, X_test, y_test)``: rows of 64 pixels scaled to [0, 1]
    (divided by 16) in float64, integer labels 0-9. The split is stratified (each digit keeps
    its share in both parts) and seeded, so ``seed`` picks one split and always the same one;
    ``test_fraction`` of the images, rounded up, go to the test part. The data ship inside
    scikit-learn's package: nothing is downloaded.
    """
    from sklearn.datasets import load_digits
    from sklearn.model_selection import train_test_split

    seed = check_positive_int("seed", seed, minimum=0)
    images = load_digits()
    n, classes = len(images.target), len(images.target_names)
    # a stratified split needs every digit on both sides: at least 10 images in each part
    low, high = classes / n, 1 - classes / n
    test_fraction = check_in_range("test_fraction", test_fraction, low, high)
    X = images.data / 16.0
    # np.intp: int64 on 64-bit machines, int32 in Pyodide (wasm32), where np.bincount and
    # indexing want it
    y = images.target.astype(np.intp)
    X_train, X_test, y_train, y_test = train_test_split(
        X, y, test_size=test_fraction, stratify=y, random_state=seed)
    return X_train, y_train, X_test, y_test
