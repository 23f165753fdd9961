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
- **eps = 0** is allowed where the papers analyse it (AdaGrad, RMSProp, Adam, AdamW, AdaMax,
  AMSGrad), but an update that would divide by an exact 0 (a zero gradient where the
  accumulator is still 0) raises ``ValueError`` instead of writing NaN. AdaDelta needs
  ``eps > 0``.

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
    """Base class. Subclasses set ``hyperparameters``, ``state_names`` and ``step`` (and
    ``zero_denominator`` if they divide by an accumulator)."""

    name = "Optimizer"
    hyperparameters: tuple[str, ...] = ("lr",)
    state_names: tuple[str, ...] = ()   # per-parameter arrays, each started at zero

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
            self.step(param, grad, states[key], lr)

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
        """Fresh state for one parameter: a zero array of its shape per ``state_names``."""
        return {name: np.zeros_like(param) for name in self.state_names}

    def step(self, param: np.ndarray, grad: np.ndarray, state: dict, lr: float) -> None:
        raise NotImplementedError

    def zero_denominator(self, state: dict, grad: np.ndarray):
        """Where this update would divide by 0 (a mask, or False): none for plain steps."""
        return False

    # -- the checks -------------------------------------------------------------------
    def _lr_at(self, t: int) -> float:
        """The learning rate of update ``t``: ``lr``, or the schedule's ``lr(t)``, checked."""
        if not callable(self.lr):
            return self.lr
        return check_in_range(f"lr({t}) from the schedule", self.lr(t), 0.0)

    def _check_denominators(self, pairs, states, t) -> None:
        """Refuse an update that would divide by an exact 0 (possible only with eps = 0)."""
        for key, _, grad in pairs:
            if np.any(self.zero_denominator(states[key], grad)):
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
        return [(key, *_check_pair(f"params[{key!r}]", f"grads[{key!r}]", params[key], grads[key]))
                for key in params]
    if isinstance(grads, dict):
        raise ValueError("grads must be an array like params (a lone array), got a dict; "
                         "to update several arrays pass params as a dict with the same keys")
    return [(None, *_check_pair("params", "grads", params, grads))]


def _check_pair(pname, gname, param, grad):
    """One parameter and its gradient, checked; the gradient cast to the parameter's dtype."""
    if not isinstance(param, np.ndarray) or param.dtype not in _PARAM_DTYPES:
        raise ValueError(f"{pname} must be a float32 or float64 numpy array (it is updated in "
                         f"place), got {type(param).__name__}"
                         + (f" of dtype {param.dtype}" if isinstance(param, np.ndarray) else ""))
    if not param.flags.writeable:
        raise ValueError(f"{pname} must be a writeable array (it is updated in place), "
                         f"got a read-only one")
    _check_finite(pname, param, "it has probably diverged; start again from finite values")
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
    _check_finite(gname, grad, "the run has probably diverged (try a smaller lr)")
    return param, grad


def _check_finite(name, array, hint) -> None:
    if not np.all(np.isfinite(array)):
        bad = array[~np.isfinite(array)].ravel()[0]
        raise ValueError(f"{name} must be finite, found {bad}; {hint}")


class SGD(Optimizer):
    r"""Plain (stochastic) gradient descent.

    .. math:: \theta \leftarrow \theta - \alpha g_t

    Equals ``torch.optim.SGD(params, lr=lr)`` (default ``lr=1e-3``, as in PyTorch).
    """

    name = "SGD"

    def __init__(self, lr=1e-3):
        super().__init__(lr)

    def step(self, param, grad, state, lr):
        param -= lr * grad


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

    def __init__(self, lr=1e-3, beta=0.9, ewma=False):
        super().__init__(lr)
        self.beta = check_in_range("beta", beta, 0.0, 1.0)
        self.ewma = check_flag("ewma", ewma)
        if self.ewma and self.beta == 1.0:
            raise ValueError("beta must be < 1 with ewma=True (v <- 1*v + 0*g stays 0, so "
                             "the point never moves), got 1")

    def step(self, param, grad, state, lr):
        v = state["v"]
        v *= self.beta
        v += (1.0 - self.beta) * grad if self.ewma else grad
        param -= lr * v


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

    def __init__(self, lr=1e-3, beta=0.9):
        super().__init__(lr)
        self.beta = check_in_range("beta", beta, 0.0, 1.0)

    def step(self, param, grad, state, lr):
        v = state["v"]
        v *= self.beta
        v += grad
        param -= lr * (grad + self.beta * v)


class AdaGrad(Optimizer):
    r"""AdaGrad (Duchi, Hazan & Singer, 2011): divide by the root of all past squares.

    .. math::
        s \leftarrow s + g_t^2, \qquad \theta \leftarrow \theta - \alpha\, g_t / (\sqrt{s} + \epsilon)

    Equals ``torch.optim.Adagrad(params, lr=lr, eps=eps)`` (defaults ``lr=0.01``,
    ``eps=1e-10``). With ``eps=0`` an update where :math:`s + g_t^2 = 0` raises ``ValueError``.
    """

    name = "AdaGrad"
    hyperparameters = ("lr", "eps")
    state_names = ("s",)

    def __init__(self, lr=0.01, eps=1e-10):
        super().__init__(lr)
        self.eps = check_in_range("eps", eps, 0.0)

    def step(self, param, grad, state, lr):
        s = state["s"]
        s += grad * grad
        param -= lr * grad / (np.sqrt(s) + self.eps)

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

    def __init__(self, lr=0.01, beta=0.99, eps=1e-8, eps_inside=False):
        super().__init__(lr)
        self.beta = check_in_range("beta", beta, 0.0, 1.0, high_open=True)
        self.eps = check_in_range("eps", eps, 0.0)
        self.eps_inside = check_flag("eps_inside", eps_inside)

    def step(self, param, grad, state, lr):
        s = state["s"]
        s *= self.beta
        s += (1.0 - self.beta) * grad * grad
        denom = np.sqrt(s + self.eps) if self.eps_inside else np.sqrt(s) + self.eps
        param -= lr * grad / denom

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

    def __init__(self, lr=1.0, rho=0.9, eps=1e-6):
        super().__init__(lr)
        self.rho = check_in_range("rho", rho, 0.0, 1.0, high_open=True)
        self.eps = check_in_range("eps", eps, 0.0, low_open=True)

    def step(self, param, grad, state, lr):
        s, u = state["s"], state["u"]
        s *= self.rho
        s += (1.0 - self.rho) * grad * grad
        delta = np.sqrt(u + self.eps) / np.sqrt(s + self.eps) * grad
        u *= self.rho
        u += (1.0 - self.rho) * delta * delta
        param -= lr * delta


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

    def __init__(self, lr=1e-3, beta1=0.9, beta2=0.999, eps=1e-8, bias_correction=True):
        super().__init__(lr)
        self.beta1 = check_in_range("beta1", beta1, 0.0, 1.0, high_open=True)
        self.beta2 = check_in_range("beta2", beta2, 0.0, 1.0, high_open=True)
        self.eps = check_in_range("eps", eps, 0.0)
        self.bias_correction = check_flag("bias_correction", bias_correction)

    def step(self, param, grad, state, lr):
        m, v = state["m"], state["v"]
        m *= self.beta1
        m += (1.0 - self.beta1) * grad
        v *= self.beta2
        v += (1.0 - self.beta2) * grad * grad
        if self.bias_correction:
            # The docstring's m_hat = m/(1 - beta1^t) and v_hat = v/(1 - beta2^t), folded into
            # scalars:  lr * m_hat / (sqrt(v_hat) + eps)
            #         = [lr / (1 - beta1^t)] * m / (sqrt(v) / sqrt(1 - beta2^t) + eps),
            # the same number (eps is still added to sqrt(v_hat)), computed the way
            # torch.optim.Adam does, without two more arrays the size of the parameters.
            step_size = lr / (1.0 - self.beta1 ** self.t)
            denom = np.sqrt(v) / math.sqrt(1.0 - self.beta2 ** self.t) + self.eps
        else:
            step_size, denom = lr, np.sqrt(v) + self.eps
        param -= step_size * (m / denom)

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
        param *= 1.0 - lr * self.weight_decay
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
        m, u = state["m"], state["u"]
        m *= self.beta1
        m += (1.0 - self.beta1) * grad
        np.maximum(self.beta2 * u, np.abs(grad) + self.eps, out=u)
        param -= lr / (1.0 - self.beta1 ** self.t) * (m / u)

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
        m, v, v_max = state["m"], state["v"], state["v_max"]
        m *= self.beta1
        m += (1.0 - self.beta1) * grad
        v *= self.beta2
        v += (1.0 - self.beta2) * grad * grad
        np.maximum(v_max, v, out=v_max)
        step_size = lr / (1.0 - self.beta1 ** self.t)
        denom = np.sqrt(v_max) / math.sqrt(1.0 - self.beta2 ** self.t) + self.eps
        param -= step_size * (m / denom)

    def zero_denominator(self, state, grad):
        """eps = 0 and the new v_max = max(v_max, v) is 0."""
        return self.eps == 0 and np.maximum(state["v_max"], self._new_v(state, grad)) == 0


OPTIMIZERS = {cls.name: cls for cls in (SGD, Momentum, Nesterov, AdaGrad, RMSProp, AdaDelta,
                                         Adam, AdamW, AdaMax, AMSGrad)}
