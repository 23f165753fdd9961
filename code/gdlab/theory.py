r"""Closed-form results the chapters check by experiment.

Chapter 3 (momentum): heavy-ball on quadratics with curvatures in :math:`[\mu, L]`.
Chapter 4 (Nesterov): the effective momentum of NAG on a quadratic.
"""

from __future__ import annotations

import numpy as np

from .validation import check_in_range

__all__: list[str] = []

# -- chapter 3: gradient descent and heavy-ball momentum on quadratics ------------------

# -- chapter 4: Nesterov ------------------------------------------------------------------
