"""Small landscapes that only the tests need (imported as ``landscapes``; pytest puts
tests/ on the path)."""

import numpy as np

import gdlab


class SoftAbs(gdlab.Function):
    r""":math:`\sqrt{1 + x^2}`: convex, minimum 1 at 0, and Newton's step maps x to
    :math:`-x^3`, so plain Newton diverges from any :math:`|x| > 1`."""

    dim, name, minimum, min_value = 1, "sqrt(1 + x²)", np.zeros(1), 1.0

    def value(self, x):
        return np.sqrt(1 + x[0] ** 2)

    def gradient(self, x):
        return x / np.sqrt(1 + x ** 2)

    def hess(self, x):
        return np.array([[(1 + x[0] ** 2) ** -1.5]])
