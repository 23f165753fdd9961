"""Small data sets made on the spot (seeded) or shipped with a dependency: nothing is
downloaded.

``seasonal_series`` is a year of made-up daily temperatures, the kind of series Andrew Ng
smooths with an EWMA: a seasonal wave plus day-to-day noise. ``seasonal_trend`` is the wave
alone, so a chapter can measure how much noise an average leaves and how far it lags.
"""

from __future__ import annotations

import numpy as np

from .validation import check_in_range, check_positive_int, check_real

__all__ = ["seasonal_series", "seasonal_trend"]


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
