r"""A small multilayer perceptron in NumPy with hand-written backprop, and a training loop.

>>> import gdlab
>>> data = gdlab.data.digits()
>>> model = gdlab.nn.MLP([64, 32, 10], seed=0)
>>> history = gdlab.nn.train(model, gdlab.Adam(lr=1e-3), data, epochs=10, batch_size=64)

The layout is that of "Deep Learning from Scratch": the weights live in ``model.params``, a
dict ``W1, b1, W2, b2, ...`` with ``W`` of shape (n_in, n_out), the forward pass is
``X @ W + b``, and ``model.loss_and_grads`` returns gradients in a dict with the same keys,
so any gdlab optimizer updates the model with ``optimizer.update(model.params, grads)``.
The loss is the mean softmax cross-entropy over the batch, PyTorch's ``cross_entropy``
default (``reduction="mean"``).
"""

from __future__ import annotations

import sys
from dataclasses import dataclass, field
from numbers import Integral

import numpy as np
from threadpoolctl import threadpool_limits

from .validation import check_finite_array, check_in_range, check_positive_int

__all__ = ["MLP", "History", "train", "cross_entropy"]


class MLP:
    r"""Fully connected layers with ReLU between them and logits out.

    For layer :math:`l = 1, \dots, L`: :math:`Z_l = A_{l-1} W_l + b_l`, with
    :math:`A_0 = X` and :math:`A_l = \max(Z_l, 0)` for the hidden layers; the last
    :math:`Z_L` are the logits. ``sizes = [64, 32, 10]`` has one hidden layer of 32 units.

    Weights start from He's normal initialization, :math:`W_l \sim N(0, 2/n_{l-1})`
    (the right scale for ReLU), from ``np.random.default_rng(seed)``; biases start at 0.
    """

    def __init__(self, sizes, seed: int = 0):
        self.sizes = _check_sizes(sizes)
        seed = check_positive_int("seed", seed, minimum=0)
        rng = np.random.default_rng(seed)
        self.params = {}
        for l, (n_in, n_out) in enumerate(zip(self.sizes[:-1], self.sizes[1:]), start=1):
            self.params[f"W{l}"] = rng.standard_normal((n_in, n_out)) * np.sqrt(2.0 / n_in)
            self.params[f"b{l}"] = np.zeros(n_out)

    @property
    def layers(self) -> int:
        """The number of weight layers :math:`L` (``len(sizes) - 1``)."""
        return len(self.sizes) - 1

    @property
    def n_params(self) -> int:
        r"""How many numbers the model learns: :math:`\sum_l (n_{l-1} + 1)\, n_l`."""
        return sum(p.size for p in self.params.values())

    def logits(self, X) -> np.ndarray:
        """The outputs :math:`Z_L` before the softmax, one row per example."""
        return self._forward(self._check_X(X))[-1]

    def predict(self, X) -> np.ndarray:
        """The predicted class of each row of ``X``: the index of its largest logit."""
        return np.argmax(self.logits(X), axis=1)

    def accuracy(self, X, y) -> float:
        """The fraction of rows of ``X`` whose predicted class is the label in ``y``."""
        X, y = self._check_X(X), self._check_y(y, len(X))
        return float(np.mean(self.predict(X) == y))

    def loss(self, X, y) -> float:
        """The mean softmax cross-entropy of the batch (no gradients)."""
        X, y = self._check_X(X), self._check_y(y, len(X))
        return cross_entropy(self._forward(X)[-1], y)[0]

    def loss_and_grads(self, X, y):
        r"""The batch loss and its gradient with respect to every parameter, by backprop.

        With :math:`P = \mathrm{softmax}(Z_L)` and :math:`Y` the one-hot labels of a batch of
        :math:`n`, the loss :math:`\frac1n\sum_i -\log P_{i, y_i}` has
        :math:`\partial/\partial Z_L = (P - Y)/n`. Going back through layer :math:`l`:
        :math:`\nabla W_l = A_{l-1}^\top \delta_l`, :math:`\nabla b_l = \sum_i \delta_{l,i}`,
        and :math:`\delta_{l-1} = (\delta_l W_l^\top) \odot [Z_{l-1} > 0]`.

        Returns ``(loss, grads)``, ``grads`` a dict with the keys of ``params``.
        """
        X, y = self._check_X(X), self._check_y(y, len(X))
        activations = self._forward(X)
        loss, delta = cross_entropy(activations[-1], y)
        grads = {}
        for l in range(self.layers, 0, -1):
            A_prev = activations[l - 1]
            grads[f"W{l}"] = A_prev.T @ delta
            grads[f"b{l}"] = delta.sum(axis=0)
            if l > 1:   # A_prev = relu(Z_prev), so A_prev > 0 exactly where Z_prev > 0
                delta = (delta @ self.params[f"W{l}"].T) * (A_prev > 0)
        return loss, {key: grads[key] for key in self.params}

    def _forward(self, X) -> list:
        """``[A_0 = X, A_1, ..., A_{L-1}, Z_L]``: what backprop needs of the forward pass."""
        activations = [X]
        for l in range(1, self.layers + 1):
            Z = activations[-1] @ self.params[f"W{l}"] + self.params[f"b{l}"]
            activations.append(np.maximum(Z, 0.0) if l < self.layers else Z)
        return activations

    def _check_X(self, X) -> np.ndarray:
        X = check_finite_array("X", X, ndim=2)
        if X.shape[1] != self.sizes[0] or X.shape[0] == 0:
            raise ValueError(f"X must have shape (n, {self.sizes[0]}) with n >= 1 for an MLP "
                             f"with sizes {self.sizes}, got {X.shape}")
        return X

    def _check_y(self, y, n: int) -> np.ndarray:
        y = np.asarray(y)
        classes = self.sizes[-1]
        if y.shape != (n,) or not np.issubdtype(y.dtype, np.integer):
            raise ValueError(f"y must be {n} integer class labels (shape ({n},)), one per row "
                             f"of X, got shape {y.shape} of {y.dtype}")
        if n and (y.min() < 0 or y.max() >= classes):
            bad = y[(y < 0) | (y >= classes)][0]
            raise ValueError(f"y must hold labels in 0..{classes - 1} (the model has {classes} "
                             f"outputs), got {bad}")
        return y.astype(np.intp)

    def __repr__(self) -> str:
        return f"MLP({self.sizes}: {self.n_params:,} parameters)"


def cross_entropy(logits: np.ndarray, y: np.ndarray):
    r"""The mean softmax cross-entropy :math:`\frac1n\sum_i \big(\log\sum_k e^{z_{ik}} -
    z_{i y_i}\big)` and its gradient :math:`(\mathrm{softmax}(Z) - Y)/n` with respect to the
    logits. The largest logit of each row is subtracted first, so no exponential overflows.
    """
    n = len(y)
    shifted = logits - logits.max(axis=1, keepdims=True)
    exp = np.exp(shifted)
    total = exp.sum(axis=1, keepdims=True)
    rows = np.arange(n)
    loss = float(np.mean(np.log(total[:, 0]) - shifted[rows, y]))
    delta = exp / total
    delta[rows, y] -= 1.0
    return loss, delta / n


@dataclass
class History:
    """What :func:`train` measured, one entry per epoch ``0, 1, ..., epochs`` (0 is the
    model before training): full-data losses and the test accuracy, and per weight matrix
    the mean over the epoch's updates of :math:`\\lVert\\Delta W\\rVert / \\lVert W\\rVert`.
    A run that diverged stops early: its arrays end at the last finite epoch and
    ``status`` says why."""

    train_loss: np.ndarray
    test_loss: np.ndarray
    test_accuracy: np.ndarray
    update_ratio: dict = field(default_factory=dict)
    steps_per_epoch: int = 0
    status: str = "finished"

    @property
    def diverged(self) -> bool:
        return self.status != "finished"

    @property
    def epochs(self) -> int:
        """Epochs completed (fewer than asked if the run diverged)."""
        return len(self.train_loss) - 1


def train(model: MLP, optimizer, data, epochs: int, batch_size: int, seed: int = 0,
          progress: bool | None = None, growth: float = 100.0) -> History:
    r"""Train ``model`` with ``optimizer`` on ``data = (X_train, y_train, X_test, y_test)``.

    Each epoch shuffles the training rows (``np.random.default_rng(seed)``, one stream for
    the whole run), cuts them into minibatches of ``batch_size`` (the last one may be
    smaller, like PyTorch's ``DataLoader``), and takes one ``optimizer.update`` per batch.
    After each epoch the loss is measured on all the training and test rows.

    The run *diverges*, and stops, when a minibatch loss or gradient is not finite or an
    epoch's training loss exceeds ``growth`` times its starting value (a model with
    softmax outputs starts near :math:`\ln K`). ``progress`` shows a tqdm bar; by default
    only when the output is a terminal, so notebooks stay quiet and their outputs
    deterministic. The optimizer is used as given: pass a fresh one per run.

    The loop runs the linear algebra on one thread (``threadpoolctl``): on matrices this
    small, threads cost more than they save, and a sum split over a machine's cores rounds
    differently on each machine, which training then amplifies. One thread gives the same
    numbers everywhere.
    """
    if not isinstance(model, MLP):
        raise ValueError(f"model must be a gdlab.nn.MLP, got {model!r}")
    data = X_train, y_train, X_test, y_test = _check_data(model, data)
    epochs = check_positive_int("epochs", epochs, minimum=0)
    batch_size = check_positive_int("batch_size", batch_size)
    seed = check_positive_int("seed", seed, minimum=0)
    growth = check_in_range("growth", growth, 1.0, low_open=True)
    if progress is None:
        progress = sys.stderr.isatty()
    rng = np.random.default_rng(seed)
    weights = [key for key in model.params if key.startswith("W")]
    n = len(X_train)
    history = History(*(np.empty(epochs + 1) for _ in range(3)),
                      update_ratio={key: np.full(epochs + 1, np.nan) for key in weights},
                      steps_per_epoch=-(-n // batch_size))
    _measure(model, data, history, 0)
    limit = growth * history.train_loss[0]
    with (np.errstate(over="ignore", invalid="ignore"), _bar(epochs, progress) as bar,
          threadpool_limits(limits=1, user_api="blas")):
        for epoch in range(1, epochs + 1):
            order = rng.permutation(n)
            ratios = {key: 0.0 for key in weights}
            for start in range(0, n, batch_size):
                batch = order[start:start + batch_size]
                loss, grads = model.loss_and_grads(X_train[batch], y_train[batch])
                if not (np.isfinite(loss) and all(np.all(np.isfinite(g)) for g in grads.values())):
                    return _stopped(history, epoch, "the minibatch loss or gradient is not finite")
                before = {key: model.params[key].copy() for key in weights}
                optimizer.update(model.params, grads)
                for key in weights:
                    ratios[key] += (np.linalg.norm(model.params[key] - before[key])
                                    / np.linalg.norm(before[key]))
            for key in weights:
                history.update_ratio[key][epoch] = ratios[key] / history.steps_per_epoch
            _measure(model, data, history, epoch)
            if not np.isfinite(history.train_loss[epoch]):
                return _stopped(history, epoch, "the training loss is not finite")
            if history.train_loss[epoch] > limit:
                return _stopped(history, epoch, f"the training loss rose above {growth:g} × "
                                f"its start ({history.train_loss[0]:.3g})")
            bar.update(1)
            bar.set_postfix(loss=f"{history.train_loss[epoch]:.4f}")
    return history


def _measure(model, data, history, epoch) -> None:
    X_train, y_train, X_test, y_test = data
    history.train_loss[epoch] = model.loss(X_train, y_train)
    history.test_loss[epoch] = model.loss(X_test, y_test)
    history.test_accuracy[epoch] = model.accuracy(X_test, y_test)


def _stopped(history: History, epoch: int, why: str) -> History:
    """Cut ``history`` to epochs ``0 .. epoch - 1`` and say why the run stopped at ``epoch``."""
    history.train_loss = history.train_loss[:epoch]
    history.test_loss = history.test_loss[:epoch]
    history.test_accuracy = history.test_accuracy[:epoch]
    history.update_ratio = {key: r[:epoch] for key, r in history.update_ratio.items()}
    history.status = f"diverged in epoch {epoch}: {why}"
    return history


def _bar(epochs: int, show: bool):
    from tqdm.auto import tqdm
    return tqdm(total=epochs, disable=not show, leave=False, unit="epoch")


def _check_data(model: MLP, data):
    if not isinstance(data, (tuple, list)) or len(data) != 4:
        raise ValueError("data must be (X_train, y_train, X_test, y_test), as "
                         f"gdlab.data.digits() returns, got {type(data).__name__}"
                         + (f" of length {len(data)}" if hasattr(data, "__len__") else ""))
    X_train, y_train, X_test, y_test = data
    X_train, X_test = model._check_X(X_train), model._check_X(X_test)
    return X_train, model._check_y(y_train, len(X_train)), X_test, model._check_y(
        y_test, len(X_test))


def _check_sizes(sizes) -> list:
    if (isinstance(sizes, (str, bytes)) or not hasattr(sizes, "__len__") or len(sizes) < 2
            or not all(isinstance(s, Integral) and not isinstance(s, bool) and s >= 1
                       for s in sizes)):
        raise ValueError(f"sizes must be a list of at least two whole layer widths >= 1, "
                         f"input first and classes last, such as [64, 32, 10], got {sizes!r}")
    if sizes[-1] < 2:
        raise ValueError(f"sizes must end with at least 2 classes, got {sizes!r}")
    return [int(s) for s in sizes]
