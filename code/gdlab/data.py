"""Small data sets made on the spot (seeded) or shipped with a dependency: nothing is
downloaded.

``seasonal_series`` is a year of made-up daily temperatures, the kind of series Andrew Ng
smooths with an EWMA: a seasonal wave plus day-to-day noise.
"""

from __future__ import annotations

import numpy as np

from .validation import check_in_range, check_positive_int

__all__ = ["seasonal_series"]


def seasonal_series(days: int = 365, seed: int = 0, mean: float = 12.0,
                    amplitude: float = 9.0, noise: float = 3.0) -> np.ndarray:
    r"""Daily "temperatures" :math:`\theta_t = m - a\cos(2\pi t/365) + \sigma\xi_t`,
    :math:`\xi_t \sim N(0, 1)` seeded, for :math:`t = 1, \dots,` ``days``."""
    days = check_positive_int("days", days)
    noise = check_in_range("noise", noise, 0.0)
    t = np.arange(1, days + 1)
    rng = np.random.default_rng(seed)
    return mean - amplitude * np.cos(2 * np.pi * t / 365) + noise * rng.standard_normal(days)
