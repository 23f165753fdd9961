r"""Training problems built from data: a cost that is the mean of per-example losses.

``LeastSquares(X, y)`` is linear regression with the cost

.. math:: J(w) = \frac1n \sum_{i=1}^n \ell_i(w), \qquad \ell_i(w) = \tfrac12 (x_i^\top w - y_i)^2,

which is a quadratic, so it is a :class:`gdlab.functions.Quadratic` (contour plots, the known
minimum and the Hessian come for free). On top it has the per-example losses and gradients
and the gradient of a minibatch. ``Minibatched(problem, batch_size)`` turns it into a
landscape whose ``grad`` is the gradient of the next minibatch of a shuffled epoch, so
``gdlab.run(gdlab.SGD(lr), Minibatched(problem, 32), w0, steps)`` is minibatch SGD.
``linear_regression`` and ``sparse_regression`` (one feature that is almost always zero)
make seeded data sets.
"""

from __future__ import annotations

import numpy as np

from .functions import Function, Quadratic
from .validation import check_finite_array, check_in_range, check_positive_int, check_real

__all__ = ["LeastSquares", "Minibatched", "linear_regression", "sparse_regression"]


class LeastSquares(Quadratic):
    r"""Linear least squares :math:`J(w) = \frac1{2n}\lVert Xw - y\rVert^2`.

    As a quadratic :math:`\tfrac12 w^\top A w - b^\top w + c` it has :math:`A = X^\top X/n`,
    :math:`b = X^\top y/n`, :math:`c = y^\top y/(2n)`. The gradient of example :math:`i` is
    :math:`x_i(x_i^\top w - y_i)`; the full gradient (``grad``) is their mean.
    """

    def __init__(self, X, y, name: str = "least squares", window=None):
        X = check_finite_array("X", X, ndim=2)
        y = check_finite_array("y", y, ndim=1)
        if X.shape[0] != y.shape[0]:
            raise ValueError(f"y must have one entry per row of X ({X.shape[0]}), got {y.shape[0]}")
        n = X.shape[0]
        self.X, self.y, self.n = X, y, n
        A = X.T @ X / n
        super().__init__(0.5 * (A + A.T), X.T @ y / n, y @ y / (2 * n), name=name, window=window)

    def value(self, x):
        """The cost; at a single point from the residuals (no cancellation near the
        minimum), on a grid ``(d, ...)`` from the quadratic form (cheap)."""
        if np.ndim(x) == 1:
            return 0.5 * np.mean((self.X @ x - self.y) ** 2)
        return super().value(x)

    def residuals(self, w) -> np.ndarray:
        """:math:`x_i^\\top w - y_i` for every example, shape ``(n,)``."""
        return self.X @ self._point(w) - self.y

    def example_losses(self, w) -> np.ndarray:
        """The per-example losses :math:`\\ell_i(w)`, shape ``(n,)``; their mean is the cost."""
        return 0.5 * self.residuals(w) ** 2

    def example_grads(self, w) -> np.ndarray:
        """The per-example gradients :math:`\\nabla\\ell_i(w)`, shape ``(n, d)``."""
        return self.X * self.residuals(w)[:, None]

    def batch_grad(self, w, batch) -> np.ndarray:
        r"""The minibatch gradient :math:`\frac1{|B|}\sum_{i\in B}\nabla\ell_i(w)` for the
        example indices ``batch``: one matrix product, which is why batches parallelise."""
        w = self._point(w)
        batch = np.asarray(batch)
        if batch.ndim != 1 or batch.size == 0 or not np.issubdtype(batch.dtype, np.integer):
            raise ValueError(f"batch must be a non-empty 1-D array of example indices, "
                             f"got {batch!r}")
        if batch.min() < 0 or batch.max() >= self.n:
            raise ValueError(f"batch indices must be in [0, {self.n - 1}], got "
                             f"{batch.min()}..{batch.max()}")
        Xb = self.X[batch]
        return Xb.T @ (Xb @ w - self.y[batch]) / len(batch)

    def gradient_covariance(self, w) -> np.ndarray:
        r"""The covariance :math:`\Sigma` of the per-example gradients at ``w`` (divided by
        ``n``). A minibatch of ``B`` examples drawn without replacement has gradient
        covariance :math:`\frac{\Sigma}{B}\,\frac{n - B}{n - 1}`."""
        g = self.example_grads(w)
        centered = g - g.mean(axis=0)
        return centered.T @ centered / self.n

    def minibatch_variance(self, w, batch_size: int) -> float:
        r"""Theory for the total variance :math:`\mathbb E\lVert g_B - \nabla J\rVert^2` of a
        minibatch gradient (``B`` examples without replacement):
        :math:`\operatorname{tr}\Sigma / B \cdot (n - B)/(n - 1)`."""
        batch_size = check_positive_int("batch_size", batch_size)
        if batch_size > self.n:
            raise ValueError(f"batch_size must be in [1, {self.n}], got {batch_size}")
        correction = (self.n - batch_size) / (self.n - 1) if self.n > 1 else 0.0
        return float(np.trace(self.gradient_covariance(w)) / batch_size * correction)


class Minibatched(Function):
    """``problem`` seen through minibatches: ``grad`` is the gradient of the next minibatch.

    Each epoch visits the examples once in a fresh random order (seeded), in batches of
    ``batch_size``; the last batch of an epoch is smaller when ``batch_size`` does not divide
    ``n`` (like PyTorch's ``DataLoader`` with ``drop_last=False``). The value ``f(w)`` is the
    exact full cost, so a :class:`gdlab.run.Trajectory` records the true loss. ``reset()``
    rewinds the data order; ``examples_seen`` and ``updates`` count the work done.
    """

    def __init__(self, problem: LeastSquares, batch_size: int, seed: int = 0):
        batch_size = check_positive_int("batch_size", batch_size)
        if batch_size > problem.n:
            raise ValueError(f"batch_size must be in [1, {problem.n}], got {batch_size}")
        self.problem, self.batch_size, self.seed = problem, batch_size, seed
        self.dim, self.minimum, self.min_value = problem.dim, problem.minimum, problem.min_value
        self.window = problem.window
        self.batches_per_epoch = -(-problem.n // batch_size)
        self.name = f"{problem.name}, minibatch {batch_size}"
        self.reset()

    def reset(self) -> None:
        self.rng = np.random.default_rng(self.seed)
        self._queue: list[np.ndarray] = []
        self.examples_seen = 0
        self.updates = 0

    def next_batch(self) -> np.ndarray:
        """The indices of the next minibatch (a new shuffled epoch starts when one ends)."""
        if not self._queue:
            order = self.rng.permutation(self.problem.n)
            self._queue = [order[i:i + self.batch_size]
                           for i in range(0, self.problem.n, self.batch_size)][::-1]
        return self._queue.pop()

    def value(self, x):
        return self.problem.value(x)

    def gradient(self, x):
        batch = self.next_batch()
        self.examples_seen += len(batch)
        self.updates += 1
        return self.problem.batch_grad(x, batch)

    def hess(self, x):
        return self.problem.hess(x)


def linear_regression(n: int = 1000, intercept: float = -1.0, slope: float = 2.0,
                      noise: float = 1.0, x_mean: float = 1.0, x_std: float = 1.0,
                      seed: int = 0) -> LeastSquares:
    r"""Seeded data :math:`y_i = w_1 + w_2 u_i + \sigma\varepsilon_i` with
    :math:`u_i \sim N(m, s^2)`, :math:`\varepsilon_i \sim N(0, 1)`, as a :class:`LeastSquares`
    over :math:`w = (w_1, w_2)` (intercept, slope) with features :math:`x_i = (1, u_i)`.

    With :math:`m \ne 0` the intercept and the slope are correlated, which tilts and
    stretches the contours of the cost: the Hessian is :math:`\begin{pmatrix}1 & \bar u\\
    \bar u & \overline{u^2}\end{pmatrix}`.
    """
    n = check_positive_int("n", n, minimum=2)
    noise = check_in_range("noise", noise, 0.0)
    x_std = check_in_range("x_std", x_std, 0.0, low_open=True)
    rng = np.random.default_rng(seed)
    u = x_mean + x_std * rng.standard_normal(n)
    y = intercept + slope * u + noise * rng.standard_normal(n)
    X = np.column_stack([np.ones(n), u])
    problem = LeastSquares(X, y, name=f"least squares ({n} points)")
    w_star = problem.minimum
    problem.window = ((w_star[0] - 4.0, w_star[0] + 4.0), (w_star[1] - 3.0, w_star[1] + 3.0))
    problem.true_w = np.array([intercept, slope])
    return problem


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
