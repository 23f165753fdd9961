r"""Test landscapes: small functions whose minima, gradients and shapes are known.

Each landscape is an object ``f`` with

* ``f(x)``: the value. ``x`` has shape ``(d,)``, or ``(d, ...)`` to evaluate a whole grid
  at once, e.g. ``f(np.array([X, Y]))`` for a contour plot;
* ``f.grad(x)``: the gradient, shape ``(d,)``; ``f.hessian(x)`` where it is cheap;
* ``f.minimum`` (a point, or ``None`` when there is no minimum) and ``f.min_value``;
* ``f.window``: ``((x_lo, x_hi), (y_lo, y_hi))``, a sensible plot window for 2-D functions.

Ready-made instances: ``elongated_bowl`` (:math:`x^2/20 + y^2`), ``rosenbrock``, ``beale``,
``saddle`` (:math:`x^2 - y^2`), ``monkey_saddle`` (:math:`x^3 - 3xy^2`), ``xy``
(:math:`xy`). ``Quadratic`` builds any :math:`\tfrac12 x^\top A x - b^\top x`,
``random_quadratic`` an ill-conditioned one, and ``Noisy`` turns any of them into a
seeded stochastic gradient.
"""

from __future__ import annotations

import numpy as np

from .validation import check_finite_array, check_in_range, check_positive_int, check_real

__all__ = ["Function", "Quadratic", "Rosenbrock", "Beale", "Saddle", "MonkeySaddle", "XY",
           "Noisy", "Scaled", "random_quadratic", "get_function", "elongated_bowl", "rosenbrock",
           "beale", "saddle", "monkey_saddle", "xy", "FUNCTIONS", "DoubleWell", "double_well",
           "Plateau", "plateau", "numerical_gradient", "relative_error"]


class Function:
    """Base class for a landscape; subclasses write ``value``, ``gradient`` (and ``hess``)."""

    name = "function"
    dim = 2
    minimum: np.ndarray | None = None
    min_value: float | None = None
    window = ((-2.0, 2.0), (-2.0, 2.0))

    def __call__(self, x) -> np.ndarray | float:
        x = self._point(x, grid_ok=True)
        value = self.value(x)
        return float(value) if np.ndim(value) == 0 else value

    def grad(self, x) -> np.ndarray:
        """The gradient at a single point ``x`` of shape ``(d,)``."""
        return np.asarray(self.gradient(self._point(x)), dtype=float)

    def hessian(self, x) -> np.ndarray:
        """The Hessian at a single point, shape ``(d, d)``."""
        return np.asarray(self.hess(self._point(x)), dtype=float)

    def value(self, x):  # pragma: no cover - abstract
        raise NotImplementedError

    def gradient(self, x):  # pragma: no cover - abstract
        raise NotImplementedError

    def hess(self, x):
        raise NotImplementedError(f"{self.name} has no Hessian in gdlab")

    def _point(self, x, grid_ok=False) -> np.ndarray:
        x = np.asarray(x, dtype=float)
        if x.ndim == 0 or x.shape[0] != self.dim or (x.ndim > 1 and not grid_ok):
            expected = f"({self.dim},)" + (f" or ({self.dim}, ...)" if grid_ok else "")
            raise ValueError(f"x must have shape {expected} for {self.name}, got {x.shape}")
        return x

    def __repr__(self) -> str:
        return f"<{self.name}>"


class Quadratic(Function):
    r""":math:`f(x) = \tfrac12 x^\top A x - b^\top x + c` with a symmetric matrix ``A``.

    Its gradient is :math:`Ax - b` and its Hessian ``A``; if ``A`` is positive definite the
    minimum is :math:`A^{-1}b`. The eigenvalues of ``A`` (``f.eigenvalues``) are the
    curvatures along the principal axes; their ratio :math:`\kappa = L/\mu` is the condition
    number that makes gradient descent slow.
    """

    def __init__(self, A, b=None, c=0.0, name="quadratic", window=None):
        A = _symmetric_matrix(A)
        self.A = A
        self.dim = A.shape[0]
        self.b = np.zeros(self.dim) if b is None else check_finite_array("b", b, ndim=1)
        if self.b.shape != (self.dim,):
            raise ValueError(f"b must have shape ({self.dim},), got {self.b.shape}")
        self.c = check_real("c", c)
        self.name = name
        self.eigenvalues = np.linalg.eigvalsh(A)
        if self.eigenvalues[0] > 0:
            self.minimum = np.linalg.solve(A, self.b)
            self.min_value = float(self.value(self.minimum))   # (min_value is None until here)
        if window is not None:
            self.window = window

    @property
    def condition_number(self) -> float:
        """:math:`\\kappa = \\lambda_{max}/\\lambda_{min}` (inf if not positive definite)."""
        lo, hi = self.eigenvalues[0], self.eigenvalues[-1]
        return float(hi / lo) if lo > 0 else float("inf")

    def value(self, x):
        A_times = (self.A.__matmul__ if x.ndim == 1   # one point: quicker, the same numbers
                   else lambda grid: np.tensordot(self.A, grid, axes=1))
        if self.min_value is not None:   # ½(x-x*)ᵀA(x-x*) + f*: exact near the minimum
            d = x - self.minimum.reshape((-1,) + (1,) * (x.ndim - 1))
            return 0.5 * (d * A_times(d)).sum(axis=0) + self.min_value
        return 0.5 * (x * A_times(x)).sum(axis=0) - np.tensordot(self.b, x, axes=1) + self.c

    def gradient(self, x):
        return self.A @ x - self.b

    def hess(self, x):
        return self.A.copy()


def _symmetric_matrix(A) -> np.ndarray:
    """``A`` as a float array if it is a finite, non-empty, square and symmetric (to
    ``np.allclose``) matrix; else raise naming what is wrong."""
    A = check_finite_array("A", A, ndim=2)
    if A.shape[0] != A.shape[1] or A.size == 0:
        raise ValueError(f"A must be a symmetric square matrix with at least one row, got "
                         f"shape {A.shape}")
    if not np.allclose(A, A.T):
        i, j = np.unravel_index(np.argmax(np.abs(A - A.T)), A.shape)
        raise ValueError(f"A must be a symmetric square matrix, got shape {A.shape} with "
                         f"A[{i}, {j}] = {A[i, j]:g} but A[{j}, {i}] = {A[j, i]:g}")
    return A


def random_quadratic(kappa: float = 100.0, dim: int = 10, seed: int = 0) -> Quadratic:
    """A quadratic with minimum at 0 whose eigenvalues run log-evenly from 1 to ``kappa``,
    in a random (seeded) orthonormal basis."""
    kappa = check_in_range("kappa", kappa, 1.0)
    dim = check_positive_int("dim", dim, minimum=2)
    rng = np.random.default_rng(seed)
    q, _ = np.linalg.qr(rng.standard_normal((dim, dim)))
    eigenvalues = np.geomspace(1.0, kappa, dim)
    A = q @ np.diag(eigenvalues) @ q.T
    return Quadratic(0.5 * (A + A.T), name=f"random quadratic (kappa={kappa:g}, d={dim})")


class Rosenbrock(Function):
    r"""Rosenbrock's banana :math:`f(x, y) = (a - x)^2 + b\,(y - x^2)^2`, minimum at
    :math:`(a, a^2)`: a curved, flat-bottomed valley."""

    window = ((-2.0, 2.0), (-1.0, 3.0))

    def __init__(self, a=1.0, b=100.0):
        self.a, self.b = float(a), float(b)
        self.name = "Rosenbrock" if (a, b) == (1.0, 100.0) else f"Rosenbrock(a={a:g}, b={b:g})"
        self.minimum = np.array([self.a, self.a ** 2])
        self.min_value = 0.0

    def value(self, x):
        return (self.a - x[0]) ** 2 + self.b * (x[1] - x[0] ** 2) ** 2

    def gradient(self, x):
        r = x[1] - x[0] ** 2
        return np.array([-2 * (self.a - x[0]) - 4 * self.b * x[0] * r, 2 * self.b * r])

    def hess(self, x):
        return np.array([[2 - 4 * self.b * (x[1] - 3 * x[0] ** 2), -4 * self.b * x[0]],
                         [-4 * self.b * x[0], 2 * self.b]])


class Beale(Function):
    r"""Beale's function :math:`(1.5 - x + xy)^2 + (2.25 - x + xy^2)^2 + (2.625 - x + xy^3)^2`,
    minimum 0 at :math:`(3, 0.5)`, with steep walls and flat plateaus."""

    name = "Beale"
    minimum = np.array([3.0, 0.5])
    min_value = 0.0
    window = ((-4.5, 4.5), (-4.5, 4.5))
    _c = (1.5, 2.25, 2.625)

    def value(self, x):
        return sum((c - x[0] + x[0] * x[1] ** k) ** 2 for k, c in enumerate(self._c, start=1))

    def gradient(self, x):
        gx = gy = 0.0
        for k, c in enumerate(self._c, start=1):
            r = c - x[0] + x[0] * x[1] ** k
            gx += 2 * r * (x[1] ** k - 1)
            gy += 2 * r * k * x[0] * x[1] ** (k - 1)
        return np.array([gx, gy])


class Saddle(Function):
    r""":math:`f(x, y) = x^2 - y^2`: a saddle point at the origin, no minimum."""

    name = "saddle x² − y²"
    window = ((-2.0, 2.0), (-2.0, 2.0))

    def value(self, x):
        return x[0] ** 2 - x[1] ** 2

    def gradient(self, x):
        return np.array([2 * x[0], -2 * x[1]])

    def hess(self, x):
        return np.array([[2.0, 0.0], [0.0, -2.0]])


class MonkeySaddle(Function):
    r""":math:`f(x, y) = x^3 - 3xy^2`: a flat saddle (zero Hessian) at the origin, with three
    downhill valleys; no minimum."""

    name = "monkey saddle"

    def value(self, x):
        return x[0] ** 3 - 3 * x[0] * x[1] ** 2

    def gradient(self, x):
        return np.array([3 * x[0] ** 2 - 3 * x[1] ** 2, -6 * x[0] * x[1]])

    def hess(self, x):
        return np.array([[6 * x[0], -6 * x[1]], [-6 * x[1], -6 * x[0]]])


class XY(Function):
    r""":math:`f(x, y) = xy`: the simplest saddle, gradient :math:`(y, x)`, no minimum."""

    name = "xy"

    def value(self, x):
        return x[0] * x[1]

    def gradient(self, x):
        return np.array([x[1], x[0]])

    def hess(self, x):
        return np.array([[0.0, 1.0], [1.0, 0.0]])


class Scaled(Function):
    r""":math:`c\,f`: the same landscape with every value and gradient multiplied by ``c``.

    The minimum point is unchanged, the minimum value is :math:`c f^*`. Chapter 6 uses it to
    show that Adam's steps do not depend on the scale of the loss while SGD's do.
    """

    def __init__(self, f: Function, c: float):
        self.f, self.c = f, check_in_range("c", c, 0.0, low_open=True)
        self.dim, self.window, self.minimum = f.dim, f.window, f.minimum
        self.min_value = None if f.min_value is None else self.c * f.min_value
        self.name = f"{self.c:g} × {f.name}"

    def value(self, x):
        return self.c * self.f.value(x)

    def gradient(self, x):
        return self.c * self.f.gradient(x)

    def hess(self, x):
        return self.c * self.f.hess(x)


class Noisy(Function):
    r"""``f`` with a stochastic gradient: :math:`\tilde g = \nabla f(x) + \sigma \xi`,
    :math:`\xi \sim N(0, I)`, drawn from a generator seeded with ``seed``.

    The value is exact; only ``grad`` is noisy. ``reset()`` rewinds the noise, so two runs
    from a reset see the same gradients.
    """

    def __init__(self, f: Function, sigma: float = 1.0, seed: int = 0):
        self.f = f
        self.sigma = check_in_range("sigma", sigma, 0.0)
        self.seed = seed
        self.dim, self.minimum, self.min_value, self.window = f.dim, f.minimum, f.min_value, f.window
        self.name = f"noisy {f.name} (sigma={self.sigma:g})"
        self.reset()

    def reset(self) -> None:
        self.rng = np.random.default_rng(self.seed)

    def value(self, x):
        return self.f.value(x)

    def gradient(self, x):
        return self.f.gradient(x) + self.sigma * self.rng.standard_normal(self.dim)

    def hess(self, x):
        return self.f.hess(x)


elongated_bowl = Quadratic(np.diag([0.1, 2.0]), name="elongated bowl x²/20 + y²",
                           window=((-10.0, 10.0), (-3.0, 3.0)))
rosenbrock = Rosenbrock()
beale = Beale()
saddle = Saddle()
monkey_saddle = MonkeySaddle()
xy = XY()

FUNCTIONS = {"elongated_bowl": elongated_bowl, "rosenbrock": rosenbrock, "beale": beale,
             "saddle": saddle, "monkey_saddle": monkey_saddle, "xy": xy}


def get_function(name: str) -> Function:
    """Look a ready-made landscape up by name, e.g. ``get_function("rosenbrock")``."""
    if name not in FUNCTIONS:
        raise ValueError(f"name must be one of {', '.join(sorted(FUNCTIONS))}; got {name!r}")
    return FUNCTIONS[name]


# -- a landscape with two minima, and numerical gradients ---------------------------------
class DoubleWell(Function):
    r"""A tilted double well :math:`f(x, y) = (x^2 - 1)^2 + t\,x + y^2`.

    Along :math:`x` it has two valleys separated by a hump; the tilt :math:`t` makes the left
    one deeper, so for :math:`0 < t < 8/(3\sqrt3)` there is a global minimum (left), a local
    minimum (right) and a saddle between them, all on :math:`y = 0` at the roots of
    :math:`4x^3 - 4x + t = 0`. Which valley gradient descent ends in depends on where it starts.
    """

    window = ((-2.0, 2.0), (-1.5, 1.5))

    def __init__(self, tilt: float = 0.5):
        limit = 8 / (3 * np.sqrt(3))
        self.tilt = check_in_range("tilt", tilt, 0.0, limit, low_open=True, high_open=True)
        self.name = f"double well (tilt {self.tilt:g})"
        roots = np.sort(np.roots([4.0, 0.0, -4.0, self.tilt]).real)
        self.minimum = np.array([roots[0], 0.0])
        self.saddle_point = np.array([roots[1], 0.0])
        self.local_minimum = np.array([roots[2], 0.0])
        self.min_value = float(self.value(self.minimum))

    def value(self, x):
        return (x[0] ** 2 - 1) ** 2 + self.tilt * x[0] + x[1] ** 2

    def gradient(self, x):
        return np.array([4 * x[0] * (x[0] ** 2 - 1) + self.tilt, 2 * x[1]])

    def hess(self, x):
        return np.array([[12 * x[0] ** 2 - 4, 0.0], [0.0, 2.0]])


double_well = DoubleWell()


class Plateau(Function):
    r"""A round hole in a plateau, :math:`f(x, y) = 1 - e^{-(x^2 + y^2)}`: minimum 0 at the
    origin; around it the gradient :math:`2r e^{-r^2}` is below 1e-3 from r = 3 on."""

    name = "plateau 1 − exp(−x² − y²)"
    minimum, min_value, window = np.zeros(2), 0.0, ((-4.0, 4.0), (-4.0, 4.0))

    def value(self, x):
        return 1.0 - np.exp(-(x[0] ** 2 + x[1] ** 2))

    def gradient(self, x):
        return 2.0 * x * np.exp(-(x @ x))

    def hess(self, x):
        return 2.0 * np.exp(-(x @ x)) * (np.eye(2) - 2.0 * np.outer(x, x))


plateau = Plateau()


def numerical_gradient(f, x, h: float = 1e-5, method: str = "central") -> np.ndarray:
    r"""The gradient of a scalar function ``f`` at ``x`` by finite differences.

    .. math::
        \text{central: } \frac{f(x + h e_i) - f(x - h e_i)}{2h}, \qquad
        \text{forward: } \frac{f(x + h e_i) - f(x)}{h}

    Central differences have error :math:`O(h^2)`, forward ones :math:`O(h)`; both cost
    about one (forward) or two (central) evaluations of ``f`` per coordinate, so use them to
    *check* an analytic gradient, not to train. ``x`` is not modified.
    """
    h = check_in_range("h", h, 0.0, low_open=True)
    if method not in ("central", "forward"):
        raise ValueError(f"method must be 'central' or 'forward'; got {method!r}")
    x = check_finite_array("x", x, ndim=1)
    point = x.copy()
    f_x = float(f(point)) if method == "forward" else None
    grad = np.empty_like(x)
    for i in range(len(x)):
        point[i] = x[i] + h
        f_plus = float(f(point))
        if method == "central":
            point[i] = x[i] - h
            grad[i] = (f_plus - float(f(point))) / (2 * h)
        else:
            grad[i] = (f_plus - f_x) / h
        point[i] = x[i]
    return grad


def relative_error(a, b) -> float:
    r""":math:`\lVert a - b\rVert / \max(\lVert a\rVert, \lVert b\rVert)`, the usual score of a
    gradient check (0 when both are zero). Around 1e-7 or below means the gradients agree."""
    a, b = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
    if a.shape != b.shape:
        raise ValueError(f"a and b must have the same shape, got {a.shape} and {b.shape}")
    scale = max(np.linalg.norm(a), np.linalg.norm(b))
    return 0.0 if scale == 0 else float(np.linalg.norm(a - b) / scale)
