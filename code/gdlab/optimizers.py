r"""First-order optimizers, one small class each.

Every optimizer has the interface of "Deep Learning from Scratch"::

    opt = Adam(lr=0.1)
    opt.update(params, grads)   # params: an array, or a dict of arrays; changed in place

``params`` is a float32 or float64 ``numpy.ndarray`` or a ``dict`` of them (a network's
weights); ``grads`` has the same structure and shapes, real and finite. ``lr`` is a float or
a schedule, a callable ``lr(t)`` of the step number ``t = 1, 2, ...`` (see
:mod:`gdlab.schedules`).

The contract, as in ``torch.optim``:

- **State is bound to arrays.** The first update creates the state (velocities, running
  averages) and binds it to those very arrays (their identity, shape and dtype, and a
  dict's keys). An update with other arrays raises ``ValueError``; call ``reset()`` or make
  a fresh optimizer.
- **An update is atomic.** Everything is checked first (structure, dtype, shape, finite
  params and grads, writeable params, the binding, zero denominators); a failing update
  changes neither ``t``, nor the state, nor the params.
- **eps = 0** is allowed where the papers analyze it (AdaGrad, RMSProp, Adam, AdamW, AdaMax,
  AMSGrad), but an update that would divide by an exact 0 (a zero gradient where the
  accumulator is still 0) raises ``ValueError`` instead of writing NaN. AdaDelta needs
  ``eps > 0``.

**In place, in cache.** A step changes its arrays in place and writes every intermediate
result into scratch buffers (``out=``) kept in the state beside them (``scratch_names``), so
an update allocates nothing; the plain formula stands beside the in-place lines, and the
numbers are the plain formula's, bit for bit. A step works coordinate by coordinate, so
``update`` hands a large parameter to ``step`` in blocks of 256 KiB of each array: the dozen
passes of a step then run in cache, and memory is read and written about once. Checking
that params and grads are finite takes one more pass over both (their dot product), with no
array of booleans.

Notation in the docstrings: :math:`\theta` parameters, :math:`g_t` the gradient at step
:math:`t`, :math:`\alpha` the learning rate, products and powers elementwise.

.. warning::
   The same name means different formulas in different libraries. Each class states which
   ``torch.optim`` configuration it equals; the book's tests check that equality to
   about 1e-12 in float64.
"""

from __future__ import annotations

import inspect
import math

import numpy as np

from .validation import check_flag, check_in_range

__all__ = ["Optimizer", "SGD", "Momentum", "Nesterov", "AdaGrad", "RMSProp", "AdaDelta",
           "Adam", "AdamW", "AdaMax", "AMSGrad", "OPTIMIZERS"]


_PARAM_DTYPES = (np.float32, np.float64)   # float16 would round eps to 0
_BLOCK_BYTES = 2 ** 18   # 256 KiB of each array: a block of params, grads, state, scratch fits L2


def check_lr(lr):
    """A learning rate is a finite float >= 0 or a schedule, called as ``lr(t)``."""
    if not callable(lr):
        return check_in_range("lr", lr, 0.0)
    try:
        signature = inspect.signature(lr)
    except (TypeError, ValueError):   # no signature to read (some built-ins): trust it
        return lr
    try:
        signature.bind(1)
    except TypeError:
        raise ValueError(f"lr must be a number >= 0 or a schedule called as lr(t) with the "
                         f"step number t = 1, 2, ...; got {lr!r}, which cannot be called "
                         f"with one argument") from None
    return lr


class Optimizer:
    """Base class. Subclasses set ``hyperparameters``, ``state_names``, ``scratch_names``
    and ``step`` (and ``zero_denominator`` if they divide by an accumulator).

    ``step`` must work coordinate by coordinate: ``update`` may call it on matching blocks
    (1-D views) of the parameter, the gradient, the state and the scratch. A subclass whose
    step mixes coordinates (a norm, a matrix product) sets ``elementwise = False``."""

    name = "Optimizer"
    hyperparameters: tuple[str, ...] = ("lr",)
    state_names: tuple[str, ...] = ()     # per-parameter arrays, each started at zero
    scratch_names: tuple[str, ...] = ()   # per-parameter buffers for intermediate results
    elementwise = True

    def __init__(self, lr):
        self.lr = check_lr(lr)
        self.reset()

    # -- the public interface ---------------------------------------------------------
    def update(self, params, grads) -> None:
        """Apply one step to ``params`` in place, using ``grads``. Everything is checked
        first: a failing update changes neither ``t``, nor the state, nor the params."""
        pairs = _match(params, grads)
        self._check_binding(pairs)
        t = self.t + 1
        lr = self._lr_at(t)
        states = {key: self.state[key] if key in self.state else self.init_state(param)
                  for key, param, _ in pairs}
        self._check_denominators(pairs, states, t)
        if not self._bound:
            self._bound = {key: (param, param.shape, param.dtype) for key, param, _ in pairs}
        self.t = t
        self.state.update(states)
        for key, param, grad in pairs:
            self._step_in_blocks(param, grad, states[key], lr)

    def current_lr(self) -> float:
        """The learning rate used by update number ``self.t`` (a schedule is called here)."""
        return self._lr_at(max(self.t, 1))

    def reset(self) -> None:
        """Forget all state and the arrays it was bound to, as if freshly constructed."""
        self.t = 0          # number of updates done so far
        self.state = {}     # per-parameter state, keyed like params (None for a lone array)
        self._bound = {}    # key -> (array, shape, dtype) the state was made for

    # -- what a subclass writes -------------------------------------------------------
    def init_state(self, param: np.ndarray) -> dict:
        """Fresh state for one parameter: a zero array of its shape per ``state_names``, and
        a scratch buffer of its dtype per ``scratch_names``, one block long (or its shape)."""
        state = {name: np.zeros_like(param) for name in self.state_names}
        shape = (_block_length(param),) if self._in_blocks(param) else param.shape
        state.update({name: np.zeros(shape, param.dtype) for name in self.scratch_names})
        return state

    def step(self, param: np.ndarray, grad: np.ndarray, state: dict, lr: float) -> None:
        raise NotImplementedError

    def zero_denominator(self, state: dict, grad: np.ndarray):
        """Where this update would divide by 0 (a mask, or False): none for plain steps."""
        return False

    # -- blocks -----------------------------------------------------------------------
    def _in_blocks(self, param) -> bool:
        """Whether ``update`` steps ``param`` block by block (then the scratch is a block)."""
        return (self.elementwise and param.flags.c_contiguous
                and param.size > _block_length(param))

    def _step_in_blocks(self, param, grad, state, lr) -> None:
        """``step`` on the whole arrays, or on blocks of them: a block of each array is in
        cache for all the passes a step makes over it."""
        if not self._in_blocks(param):
            self.step(param, grad, state, lr)
            return
        n, size = _block_length(param), param.size
        scratch = {name: state[name] for name in self.scratch_names}
        flat = {name: _flat(a) for name, a in state.items() if name not in scratch}
        param, grad = _flat(param), np.ascontiguousarray(grad).reshape(-1)
        for start in range(0, size, n):
            stop = min(start + n, size)
            block = {name: a[start:stop] for name, a in flat.items()}
            block.update((name, a[:stop - start]) for name, a in scratch.items())
            self.step(param[start:stop], grad[start:stop], block, lr)

    # -- the checks -------------------------------------------------------------------
    def _lr_at(self, t: int) -> float:
        """The learning rate of update ``t``: ``lr``, or the schedule's ``lr(t)``, checked."""
        if not callable(self.lr):
            return self.lr
        return check_in_range(f"lr({t}) from the schedule", self.lr(t), 0.0)

    def _check_denominators(self, pairs, states, t) -> None:
        """Refuse an update that would divide by an exact 0 (possible only with eps = 0)."""
        for key, _, grad in pairs:
            zero = self.zero_denominator(states[key], grad)
            if zero is not False and np.any(zero):   # (np.any(False) alone costs microseconds)
                raise ValueError(f"{self.name}: the update of {_param_name(key)} at step "
                                 f"t = {t} would divide by 0 (the accumulator in its "
                                 f"denominator is 0, as for a zero gradient before any nonzero "
                                 f"one, and eps = 0); use eps > 0")

    def _check_binding(self, pairs) -> None:
        """Refuse arrays other than those the state was made for (identity, shape, dtype)."""
        if not self._bound:
            return
        advice = "; call reset() or make a fresh optimizer"
        keys = [key for key, _, _ in pairs]
        if set(keys) != set(self._bound):
            raise ValueError(f"params must be {_describe(self._bound)} as in the first update "
                             f"of this {self.name}, got {_describe(keys)}" + advice)
        for key, param, _ in pairs:
            array, shape, dtype = self._bound[key]
            name = _param_name(key)
            if param.shape != shape:
                raise ValueError(f"{name} has shape {param.shape}, but this {self.name}'s "
                                 f"state was made for shape {shape}" + advice)
            if param.dtype != dtype:
                raise ValueError(f"{name} has dtype {param.dtype}, but this {self.name}'s "
                                 f"state was made for dtype {dtype}" + advice)
            if param is not array:
                raise ValueError(f"{name} is another array than the one this {self.name}'s "
                                 f"state (t = {self.t}) was made for" + advice)

    def __repr__(self) -> str:
        args = ", ".join(f"{h}={getattr(self, h)!r}" for h in self.hyperparameters)
        return f"{type(self).__name__}({args})"


def _block_length(array) -> int:
    """Entries of ``array`` in one block of ``_BLOCK_BYTES``."""
    return _BLOCK_BYTES // array.itemsize


def _flat(array):
    """A 1-D view of a C-contiguous array: never a copy, since the step writes through it."""
    if not array.flags.c_contiguous:
        raise ValueError("with elementwise = True, state arrays must be C-contiguous like "
                         "their parameter (np.zeros_like makes them so)")
    return array.reshape(-1)


def _param_name(key) -> str:
    return "params" if key is None else f"params[{key!r}]"


def _describe(keys) -> str:
    """How params looked: a lone array (key None) or a dict with these keys."""
    if list(keys) == [None]:
        return "a lone array"
    return f"a dict with keys {sorted(map(str, keys))}"


def _match(params, grads):
    """Pair parameters with gradients, checking structure, dtype, shape and finiteness."""
    if isinstance(params, dict):
        if not isinstance(grads, dict):
            raise ValueError(f"grads must be a dict like params, got {type(grads).__name__}")
        if set(params) != set(grads):
            missing = sorted(map(str, set(params) - set(grads)))
            extra = sorted(map(str, set(grads) - set(params)))
            raise ValueError(f"grads must have the same keys as params; "
                             f"missing {missing}, unexpected {extra}")
        return [(key, *_check_pair(f"params[{key!r}]", f"grads[{key!r}]", params[key],
                                   grads[key]))
                for key in params]
    if isinstance(grads, dict):
        raise ValueError("grads must be an array like params (a lone array), got a dict; "
                         "to update several arrays pass params as a dict with the same keys")
    return [(None, *_check_pair("params", "grads", params, grads))]


_PARAM_HINT = "it has probably diverged; start again from finite values"
_GRAD_HINT = "the run has probably diverged (try a smaller lr)"


def _check_pair(pname, gname, param, grad):
    """One parameter and its gradient, checked; the gradient cast to the parameter's dtype."""
    if not isinstance(param, np.ndarray) or param.dtype not in _PARAM_DTYPES:
        raise ValueError(f"{pname} must be a float32 or float64 numpy array (it is updated in "
                         f"place), got {type(param).__name__}"
                         + (f" of dtype {param.dtype}" if isinstance(param, np.ndarray) else ""))
    if not param.flags.writeable:
        raise ValueError(f"{pname} must be a writeable array (it is updated in place), "
                         f"got a read-only one")
    try:
        grad = _as_grad(pname, gname, param, grad)
    except ValueError:
        _check_finite(pname, param, _PARAM_HINT)   # a bad param is reported first
        raise
    if not _both_finite(param, grad):               # then say which, exactly:
        _check_finite(pname, param, _PARAM_HINT)
        _check_finite(gname, grad, _GRAD_HINT)      # (or both are finite: a false alarm)
    return param, grad


def _as_grad(pname, gname, param, grad):
    """``grad`` as an array of ``param``'s dtype and shape, or ValueError."""
    try:
        grad = np.asarray(grad)
    except (TypeError, ValueError):   # e.g. a ragged list
        raise ValueError(f"{gname} must be an array of real numbers, got {grad!r}") from None
    if grad.dtype.kind not in "iuf":
        raise ValueError(f"{gname} must be an array of real numbers, got dtype {grad.dtype}"
                         + (" (its imaginary part would be dropped)"
                            if grad.dtype.kind == "c" else ""))
    grad = grad.astype(param.dtype, copy=False)
    if grad.shape != param.shape:
        raise ValueError(f"{gname} must have the shape of {pname}, {param.shape}, got {grad.shape}")
    return grad


def _check_finite(name, array, hint) -> None:
    if not np.isfinite(array).all():
        bad = array[~np.isfinite(array)].ravel()[0]
        raise ValueError(f"{name} must be finite, found {bad}; {hint}")


def _both_finite(param, grad) -> bool:
    """True if every entry of ``param`` and ``grad`` is finite; False if one is not, and
    (rarely) if their dot product overflows. For a large array, one pass over both with no
    temporary array: a NaN or an infinity in either makes the dot product NaN or infinite
    (inf · 0 and inf − inf are NaN), so a finite dot product proves both finite; the caller
    checks a non-finite one entry by entry. (BLAS's dot is some four times faster than two
    sums; its rounding cannot matter, only whether the result is finite.)"""
    if param.size <= _SMALL:   # for a few entries, the call's overhead outweighs a temporary
        return bool(np.isfinite(param).all() and np.isfinite(grad).all())
    with np.errstate(over="ignore", invalid="ignore"):
        return bool(np.isfinite(np.vdot(param, grad)))


_SMALL = 512   # entries; an array of booleans this long is a negligible temporary


class SGD(Optimizer):
    r"""Plain (stochastic) gradient descent.

    .. math:: \theta \leftarrow \theta - \alpha g_t

    Equals ``torch.optim.SGD(params, lr=lr)`` (default ``lr=1e-3``, as in PyTorch).
    """

    name = "SGD"
    scratch_names = ("tmp",)

    def __init__(self, lr=1e-3):
        super().__init__(lr)

    def step(self, param, grad, state, lr):
        param -= np.multiply(lr, grad, out=state["tmp"])    # θ ← θ − α g


class Momentum(Optimizer):
    r"""Heavy-ball momentum (Polyak, 1964).

    .. math::
        v \leftarrow \beta v + g_t, \qquad \theta \leftarrow \theta - \alpha v

    Equals ``torch.optim.SGD(params, lr=lr, momentum=beta)``. The CS231n / "Deep Learning
    from Scratch" form :math:`v \leftarrow \beta v - \alpha g_t,\ \theta \leftarrow \theta + v`
    is the same trajectory for a constant ``lr``.

    With ``ewma=True`` it is Andrew Ng's form, an exponentially weighted average of the
    gradients, :math:`v \leftarrow \beta v + (1-\beta) g_t`; this is heavy-ball with
    learning rate :math:`\alpha(1-\beta)`. (It is *not* ``torch``'s ``dampening=beta``, which
    skips the :math:`1-\beta` factor on the first step.)

    ``beta`` may be 1 (no friction), as in a worked example of the book, but not with
    ``ewma=True``: there :math:`v \leftarrow 1\cdot v + 0\cdot g_t` stays 0 and nothing moves.
    """

    name = "Momentum"
    hyperparameters = ("lr", "beta", "ewma")
    state_names = ("v",)
    scratch_names = ("tmp",)

    def __init__(self, lr=1e-3, beta=0.9, ewma=False):
        super().__init__(lr)
        self.beta = check_in_range("beta", beta, 0.0, 1.0)
        self.ewma = check_flag("ewma", ewma)
        if self.ewma and self.beta == 1.0:
            raise ValueError("beta must be < 1 with ewma=True (v <- 1*v + 0*g stays 0, so "
                             "the point never moves), got 1")

    def step(self, param, grad, state, lr):
        v, tmp = state["v"], state["tmp"]
        v *= self.beta                    # v ← β v + g, or with ewma v ← β v + (1 − β) g
        v += np.multiply(1.0 - self.beta, grad, out=tmp) if self.ewma else grad
        param -= np.multiply(lr, v, out=tmp)                 # θ ← θ − α v


class Nesterov(Optimizer):
    r"""Nesterov accelerated gradient in Bengio's form (Sutskever et al., 2013).

    .. math::
        v \leftarrow \beta v + g_t, \qquad \theta \leftarrow \theta - \alpha (g_t + \beta v)

    Equals ``torch.optim.SGD(params, lr=lr, momentum=beta, nesterov=True)``. The gradient is
    taken at the stored point, which is the look-ahead point of Sutskever's form
    :math:`v \leftarrow \beta v - \alpha\nabla f(\theta + \beta v)` after the change of
    variables :math:`\tilde\theta = \theta + \beta v` (chapter 4 derives it).
    """

    name = "Nesterov"
    hyperparameters = ("lr", "beta")
    state_names = ("v",)
    scratch_names = ("tmp",)

    def __init__(self, lr=1e-3, beta=0.9):
        super().__init__(lr)
        self.beta = check_in_range("beta", beta, 0.0, 1.0)

    def step(self, param, grad, state, lr):
        v, tmp = state["v"], state["tmp"]
        v *= self.beta; v += grad                           # v ← β v + g
        np.multiply(self.beta, v, out=tmp); tmp += grad     # tmp = g + β v
        param -= np.multiply(lr, tmp, out=tmp)              # θ ← θ − α (g + β v)


class AdaGrad(Optimizer):
    r"""AdaGrad (Duchi, Hazan & Singer, 2011): divide by the root of all past squares.

    .. math::
        s \leftarrow s + g_t^2, \qquad
        \theta \leftarrow \theta - \alpha\, g_t / (\sqrt{s} + \epsilon)

    Equals ``torch.optim.Adagrad(params, lr=lr, eps=eps)`` (defaults ``lr=0.01``,
    ``eps=1e-10``). With ``eps=0`` an update where :math:`s + g_t^2 = 0` raises ``ValueError``.
    """

    name = "AdaGrad"
    hyperparameters = ("lr", "eps")
    state_names = ("s",)
    scratch_names = ("tmp", "denom")

    def __init__(self, lr=0.01, eps=1e-10):
        super().__init__(lr)
        self.eps = check_in_range("eps", eps, 0.0)

    def step(self, param, grad, state, lr):
        s, tmp, denom = state["s"], state["tmp"], state["denom"]
        s += np.multiply(grad, grad, out=tmp)                # s ← s + g²
        np.sqrt(s, out=denom); denom += self.eps             # denom = √s + ε
        np.multiply(lr, grad, out=tmp); tmp /= denom         # tmp = α g / (√s + ε)
        param -= tmp                                         # θ ← θ − α g / (√s + ε)

    def zero_denominator(self, state, grad):
        """eps = 0 and s + g^2 = 0: the denominator sqrt(s) + eps would be 0."""
        return self.eps == 0 and state["s"] + grad * grad == 0


class RMSProp(Optimizer):
    r"""RMSProp (Tieleman & Hinton, 2012): divide by the root of an EWMA of squares.

    .. math::
        s \leftarrow \beta s + (1-\beta) g_t^2, \qquad
        \theta \leftarrow \theta - \alpha\, g_t / (\sqrt{s} + \epsilon)

    Equals ``torch.optim.RMSprop(params, lr=lr, alpha=beta, eps=eps)`` (torch calls the
    decay ``alpha``; defaults ``lr=0.01``, ``beta=0.99``, ``eps=1e-8``).

    .. warning::
       Keras and Andrew Ng's course put :math:`\epsilon` *inside* the root,
       :math:`g_t/\sqrt{s + \epsilon}`; select that with ``eps_inside=True``.

    With ``eps=0`` an update where :math:`\beta s + (1-\beta) g_t^2 = 0` raises ``ValueError``.
    """

    name = "RMSProp"
    hyperparameters = ("lr", "beta", "eps", "eps_inside")
    state_names = ("s",)
    scratch_names = ("tmp", "denom")

    def __init__(self, lr=0.01, beta=0.99, eps=1e-8, eps_inside=False):
        super().__init__(lr)
        self.beta = check_in_range("beta", beta, 0.0, 1.0, high_open=True)
        self.eps = check_in_range("eps", eps, 0.0)
        self.eps_inside = check_flag("eps_inside", eps_inside)

    def step(self, param, grad, state, lr):
        s, tmp, denom = state["s"], state["tmp"], state["denom"]
        np.multiply(1.0 - self.beta, grad, out=tmp); tmp *= grad   # tmp = (1 − β) g²
        s *= self.beta; s += tmp                                   # s ← β s + (1 − β) g²
        if self.eps_inside:
            np.add(s, self.eps, out=denom); np.sqrt(denom, out=denom)   # denom = √(s + ε)
        else:
            np.sqrt(s, out=denom); denom += self.eps                    # denom = √s + ε
        np.multiply(lr, grad, out=tmp); tmp /= denom         # tmp = α g / denom
        param -= tmp                                         # θ ← θ − α g / denom

    def zero_denominator(self, state, grad):
        """eps = 0 and the new s = beta s + (1 - beta) g^2 is 0 (either placement of eps)."""
        return self.eps == 0 and self.beta * state["s"] + (1.0 - self.beta) * grad * grad == 0


class AdaDelta(Optimizer):
    r"""AdaDelta (Zeiler, 2012): RMSProp whose step has the units of :math:`\theta`.

    .. math::
        s &\leftarrow \rho s + (1-\rho) g_t^2 \\
        \Delta &= \frac{\sqrt{u + \epsilon}}{\sqrt{s + \epsilon}}\, g_t \\
        u &\leftarrow \rho u + (1-\rho) \Delta^2 \\
        \theta &\leftarrow \theta - \alpha \Delta

    Equals ``torch.optim.Adadelta(params, lr=lr, rho=rho, eps=eps)`` (defaults ``lr=1.0``,
    ``rho=0.9``, ``eps=1e-6``). The paper has no :math:`\alpha` (it is 1). ``eps`` must be
    > 0: with 0 the first step :math:`\sqrt{0 + \epsilon}\cdots` is 0 and nothing ever moves.
    """

    name = "AdaDelta"
    hyperparameters = ("lr", "rho", "eps")
    state_names = ("s", "u")
    scratch_names = ("delta", "tmp")

    def __init__(self, lr=1.0, rho=0.9, eps=1e-6):
        super().__init__(lr)
        self.rho = check_in_range("rho", rho, 0.0, 1.0, high_open=True)
        self.eps = check_in_range("eps", eps, 0.0, low_open=True)

    def step(self, param, grad, state, lr):
        s, u, delta, tmp = state["s"], state["u"], state["delta"], state["tmp"]
        np.multiply(1.0 - self.rho, grad, out=tmp); tmp *= grad    # tmp = (1 − ρ) g²
        s *= self.rho; s += tmp                                    # s ← ρ s + (1 − ρ) g²
        np.add(u, self.eps, out=delta); np.sqrt(delta, out=delta)  # delta = √(u + ε)
        np.add(s, self.eps, out=tmp); np.sqrt(tmp, out=tmp)        # tmp = √(s + ε)
        delta /= tmp; delta *= grad                                # Δ = √(u + ε) / √(s + ε) g
        np.multiply(1.0 - self.rho, delta, out=tmp); tmp *= delta  # tmp = (1 − ρ) Δ²
        u *= self.rho; u += tmp                                    # u ← ρ u + (1 − ρ) Δ²
        param -= np.multiply(lr, delta, out=tmp)                   # θ ← θ − α Δ


class Adam(Optimizer):
    r"""Adam (Kingma & Ba, 2015, Algorithm 1): momentum plus RMSProp, bias-corrected.

    .. math::
        m &\leftarrow \beta_1 m + (1-\beta_1) g_t, \qquad
        v \leftarrow \beta_2 v + (1-\beta_2) g_t^2 \\
        \hat m &= m / (1-\beta_1^t), \qquad \hat v = v / (1-\beta_2^t) \\
        \theta &\leftarrow \theta - \alpha\, \hat m / (\sqrt{\hat v} + \epsilon)

    Equals ``torch.optim.Adam(params, lr=lr, betas=(beta1, beta2), eps=eps)`` and Keras'
    ``Adam(learning_rate=lr, beta_1=beta1, beta_2=beta2, epsilon=eps)`` up to where Keras
    adds :math:`\epsilon`. Defaults are the paper's: ``lr=1e-3, beta1=0.9, beta2=0.999,
    eps=1e-8``. ``bias_correction=False`` uses :math:`m, v` directly (chapter 7). With
    ``eps=0`` an update where the new :math:`v` is 0 raises ``ValueError``.
    """

    name = "Adam"
    hyperparameters = ("lr", "beta1", "beta2", "eps", "bias_correction")
    state_names = ("m", "v")
    scratch_names = ("tmp",)

    def __init__(self, lr=1e-3, beta1=0.9, beta2=0.999, eps=1e-8, bias_correction=True):
        super().__init__(lr)
        self.beta1 = check_in_range("beta1", beta1, 0.0, 1.0, high_open=True)
        self.beta2 = check_in_range("beta2", beta2, 0.0, 1.0, high_open=True)
        self.eps = check_in_range("eps", eps, 0.0)
        self.bias_correction = check_flag("bias_correction", bias_correction)

    def step(self, param, grad, state, lr):
        m, v, tmp = state["m"], state["v"], state["tmp"]
        m *= self.beta1                                             # m ← β1 m + (1 − β1) g
        m += np.multiply(1.0 - self.beta1, grad, out=tmp)
        np.multiply(1.0 - self.beta2, grad, out=tmp); tmp *= grad   # tmp = (1 − β2) g²
        v *= self.beta2; v += tmp                                   # v ← β2 v + (1 − β2) g²
        np.sqrt(v, out=tmp)                                         # tmp = √v
        step_size = lr
        if self.bias_correction:
            # The docstring's m_hat = m/(1 - beta1^t) and v_hat = v/(1 - beta2^t), folded into
            # scalars:  lr * m_hat / (sqrt(v_hat) + eps)
            #         = [lr / (1 - beta1^t)] * m / (sqrt(v) / sqrt(1 - beta2^t) + eps),
            # the same number (eps is still added to sqrt(v_hat)), computed the way
            # torch.optim.Adam does, without two more arrays the size of the parameters.
            step_size = lr / (1.0 - self.beta1 ** self.t)
            tmp /= math.sqrt(1.0 - self.beta2 ** self.t)            # tmp = √v̂
        tmp += self.eps; np.divide(m, tmp, out=tmp)                 # tmp = m / (√v̂ + ε)
        param -= np.multiply(step_size, tmp, out=tmp)               # θ ← θ − α m̂ / (√v̂ + ε)

    def zero_denominator(self, state, grad):
        """eps = 0 and the new v = beta2 v + (1 - beta2) g^2 is 0."""
        return self.eps == 0 and self._new_v(state, grad) == 0

    def _new_v(self, state, grad):
        """The second moment this update will hold, computed as ``step`` computes it."""
        return self.beta2 * state["v"] + (1.0 - self.beta2) * grad * grad


class AdamW(Adam):
    r"""AdamW (Loshchilov & Hutter, 2019): Adam with decoupled weight decay.

    .. math:: \theta \leftarrow \theta (1 - \alpha\lambda), \text{ then the Adam step.}

    Equals ``torch.optim.AdamW(params, lr=lr, betas=(beta1, beta2), eps=eps,
    weight_decay=weight_decay)`` (default ``weight_decay=0.01``). Unlike Adam with an L2 term
    in the loss, the decay is not divided by :math:`\sqrt{\hat v}`. With ``eps=0`` an
    update where the new :math:`v` is 0 raises ``ValueError`` (as Adam).
    """

    name = "AdamW"
    hyperparameters = ("lr", "beta1", "beta2", "eps", "weight_decay")

    def __init__(self, lr=1e-3, beta1=0.9, beta2=0.999, eps=1e-8, weight_decay=0.01):
        super().__init__(lr, beta1, beta2, eps)
        self.weight_decay = check_in_range("weight_decay", weight_decay, 0.0)

    def step(self, param, grad, state, lr):
        param *= 1.0 - lr * self.weight_decay                       # θ ← θ (1 − α λ)
        super().step(param, grad, state, lr)


# -- Adam's relatives (AdaMax, AMSGrad) ------------------------------------------------------
class AdaMax(Adam):
    r"""AdaMax (Kingma & Ba, 2015, Section 7.1 / Algorithm 2): Adam with the infinity norm.

    Adam scales by an EWMA of :math:`|g|^2`; letting the power 2 grow to :math:`\infty` turns
    the average into a decaying maximum, which needs no bias correction:

    .. math::
        m &\leftarrow \beta_1 m + (1-\beta_1) g_t, \qquad
        u \leftarrow \max(\beta_2 u,\ |g_t| + \epsilon) \\
        \theta &\leftarrow \theta - \frac{\alpha}{1-\beta_1^t}\, \frac{m}{u}

    Equals ``torch.optim.Adamax(params, lr=lr, betas=(beta1, beta2), eps=eps)`` (defaults
    ``lr=2e-3``, the paper's, ``betas=(0.9, 0.999)``, ``eps=1e-8``). The paper writes
    :math:`u \leftarrow \max(\beta_2 u, |g_t|)` with no :math:`\epsilon`; PyTorch adds
    :math:`\epsilon` to :math:`|g_t|` *inside* the max (so :math:`u > 0` and never divides
    by zero), and so does this class. With ``eps=0`` an update where the new :math:`u` is 0
    raises ``ValueError``.
    """

    name = "AdaMax"
    hyperparameters = ("lr", "beta1", "beta2", "eps")
    state_names = ("m", "u")

    def __init__(self, lr=2e-3, beta1=0.9, beta2=0.999, eps=1e-8):
        super().__init__(lr, beta1, beta2, eps)   # Adam's checks; no bias_correction option

    def step(self, param, grad, state, lr):
        m, u, tmp = state["m"], state["u"], state["tmp"]
        m *= self.beta1                                             # m ← β1 m + (1 − β1) g
        m += np.multiply(1.0 - self.beta1, grad, out=tmp)
        np.abs(grad, out=tmp); tmp += self.eps                      # tmp = |g| + ε
        u *= self.beta2; np.maximum(u, tmp, out=u)                  # u ← max(β2 u, |g| + ε)
        step_size = lr / (1.0 - self.beta1 ** self.t)
        np.divide(m, u, out=tmp)                                    # tmp = m / u
        param -= np.multiply(step_size, tmp, out=tmp)               # θ ← θ − α/(1 − β1ᵗ) m/u

    def zero_denominator(self, state, grad):
        """eps = 0 and the new u = max(beta2 u, |g| + eps) is 0."""
        return self.eps == 0 and np.maximum(self.beta2 * state["u"], np.abs(grad)) == 0


class AMSGrad(Adam):
    r"""AMSGrad (Reddi, Kale & Kumar, 2018): Adam whose denominator never shrinks.

    Adam forgets a rare large gradient after about :math:`1/(1-\beta_2)` steps, and its
    effective step :math:`\alpha/\sqrt{\hat v}` can grow again; AMSGrad divides by the largest
    second moment seen so far instead:

    .. math::
        m &\leftarrow \beta_1 m + (1-\beta_1) g_t, \qquad
        v \leftarrow \beta_2 v + (1-\beta_2) g_t^2, \qquad
        v_{\max} \leftarrow \max(v_{\max}, v) \\
        \theta &\leftarrow \theta - \frac{\alpha}{1-\beta_1^t}\,
            \frac{m}{\sqrt{v_{\max}}/\sqrt{1-\beta_2^t} + \epsilon}

    Equals ``torch.optim.Adam(params, lr=lr, betas=(beta1, beta2), eps=eps, amsgrad=True)``
    (defaults ``lr=1e-3, beta1=0.9, beta2=0.999, eps=1e-8``). Like PyTorch it keeps the
    maximum of the *raw* :math:`v` and divides it by the *current* :math:`1-\beta_2^t`; the
    paper's algorithm has no bias correction at all (:math:`\hat v_t = \max(\hat v_{t-1}, v_t)`,
    :math:`\theta \leftarrow \theta - \alpha_t m/\sqrt{\hat v_t}`). With ``eps=0`` an update
    where the new :math:`v_{\max}` is 0 raises ``ValueError``.
    """

    name = "AMSGrad"
    hyperparameters = ("lr", "beta1", "beta2", "eps")
    state_names = Adam.state_names + ("v_max",)

    def __init__(self, lr=1e-3, beta1=0.9, beta2=0.999, eps=1e-8):
        super().__init__(lr, beta1, beta2, eps)   # Adam's checks; no bias_correction option

    def step(self, param, grad, state, lr):
        m, v, v_max, tmp = state["m"], state["v"], state["v_max"], state["tmp"]
        m *= self.beta1                                             # m ← β1 m + (1 − β1) g
        m += np.multiply(1.0 - self.beta1, grad, out=tmp)
        np.multiply(1.0 - self.beta2, grad, out=tmp); tmp *= grad   # tmp = (1 − β2) g²
        v *= self.beta2; v += tmp                                   # v ← β2 v + (1 − β2) g²
        np.maximum(v_max, v, out=v_max)                             # v_max ← max(v_max, v)
        step_size = lr / (1.0 - self.beta1 ** self.t)
        np.sqrt(v_max, out=tmp)                                     # tmp = √v_max / √(1 − β2ᵗ)
        tmp /= math.sqrt(1.0 - self.beta2 ** self.t)
        tmp += self.eps; np.divide(m, tmp, out=tmp)                 # tmp = m / (tmp + ε)
        param -= np.multiply(step_size, tmp, out=tmp)               # θ ← θ − α/(1 − β1ᵗ) tmp

    def zero_denominator(self, state, grad):
        """eps = 0 and the new v_max = max(v_max, v) is 0."""
        return self.eps == 0 and np.maximum(state["v_max"], self._new_v(state, grad)) == 0


OPTIMIZERS = {cls.name: cls for cls in (SGD, Momentum, Nesterov, AdaGrad, RMSProp, AdaDelta,
                                         Adam, AdamW, AdaMax, AMSGrad)}
