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


# -- chapter 5: a regression with one rare feature -----------------------------------------
from .problems import LeastSquares  # noqa: E402  (kept in this section: others edit the header)

__all__ += ["sparse_regression"]


def sparse_regression(n: int = 2000, dense: int = 20, rare_count: int = 10,
                      rare_weight: float = 2.0, noise: float = 0.1,
                      seed: int = 0) -> LeastSquares:
    r"""Linear regression where one feature is almost always zero, as a
    :class:`gdlab.problems.LeastSquares`.

    Each example has ``dense`` features drawn from :math:`N(0, 1)` and one *rare* binary
    feature (think of a rare word in a text) that is 1 in exactly ``rare_count`` of the ``n``
    examples, chosen at random, and 0 elsewhere. The targets are
    :math:`y_i = x_i^\top w + \sigma\varepsilon_i` with dense weights drawn uniformly from
    :math:`[-1, 1]`, the rare weight ``rare_weight`` and :math:`\varepsilon_i \sim N(0, 1)`; all
    draws come from one generator seeded with ``seed``.

    The rare feature is the last coordinate (``problem.rare_index``); ``problem.rare_rows``
    lists the examples that have it and ``problem.true_w`` holds the weights used. Its
    curvature :math:`\text{rare\_count}/n` is tiny next to the dense ones (about 1), and a
    minibatch gradient touches it only when a rare row is in the batch.
    """
    n = check_positive_int("n", n, minimum=2)
    dense = check_positive_int("dense", dense)
    rare_count = check_positive_int("rare_count", rare_count)
    if rare_count > n:
        raise ValueError(f"rare_count must be in [1, n] = [1, {n}], got {rare_count}")
    rare_weight = check_real("rare_weight", rare_weight)
    noise = check_in_range("noise", noise, 0.0)
    rng = np.random.default_rng(seed)
    X = np.zeros((n, dense + 1))
    X[:, :dense] = rng.standard_normal((n, dense))
    rare_rows = np.sort(rng.choice(n, size=rare_count, replace=False))
    X[rare_rows, dense] = 1.0
    w = np.append(rng.uniform(-1.0, 1.0, dense), rare_weight)
    y = X @ w + noise * rng.standard_normal(n)
    problem = LeastSquares(X, y, name=f"sparse regression ({n} examples, {dense} dense "
                                      f"features, 1 rare feature in {rare_count})")
    problem.true_w = w
    problem.rare_index = dense
    problem.rare_rows = rare_rows
    return problem
