r"""Companion of chapter 5, ``chapters/05-adagrad-rmsprop-adadelta.ipynb``: per-coordinate
step sizes.

It holds the drawing side of the chapter's explorer, :func:`explorer` (AdaGrad, RMSProp or
AdaDelta on the ravine or Rosenbrock's valley, with the measured effective learning rate of
each coordinate; the compute step that runs them is written in the notebook and passed in),
its exercise check, :func:`check_rmsprop_steps` (two RMSProp steps by
hand, in PyTorch's form :math:`\theta \leftarrow \theta - \alpha g/(\sqrt s + \epsilon)`),
the check of the RMSProp class the learner codes, :func:`check_rmsprop_class`,
and the widget-plot exercise, :func:`lr_explorer` with :func:`lr_verdict` (pick AdaGrad's
:math:`\alpha` on :math:`|\theta|`: large enough to get there, small enough to settle).
"""

from __future__ import annotations

import inspect
from typing import Callable, Sequence

import numpy as np
from matplotlib.lines import Line2D

import gdlab
from gdlab import feedback
from gdlab.explorer import Explorer
from gdlab.panels import contour_axes, log_ticks, loss_axes, loss_curves, paths
from gdlab.validation import check_finite_array, check_in_range, check_positive_int

__all__ = ["ADAPTIVE_OPTIMIZERS", "explorer", "check_rmsprop_steps", "rmsprop_slips",
           "check_rmsprop_class", "lr_verdict", "lr_explorer"]

ADAPTIVE_OPTIMIZERS = ("AdaGrad", "RMSProp", "AdaDelta")
_DECAY_SYMBOL = {"RMSProp": "β", "AdaDelta": "ρ"}   # AdaGrad has no decay rate


# -- the explorer ---------------------------------------------------------------------------
def explorer(compute: Callable, functions: dict,
             lrs: Sequence[float] = (0.01, 0.1, 0.3, 1.0),
             decays: Sequence[float] = (0.9,),
             optimizers: Sequence[str] = ADAPTIVE_OPTIMIZERS,
             start: dict | None = None) -> Explorer:
    r"""AdaGrad, RMSProp or AdaDelta on a choice of landscapes: the path on the contour plot,
    the loss curve, and the learning rate each coordinate really gets at every step.

    ``compute`` is the chapter's compute step (written in the notebook). It is called with
    the keyword arguments ``optimizer`` (a name from ``optimizers``), ``lr`` (from ``lrs``),
    ``function`` (a label of ``functions``) and, only when ``decays`` lists several values,
    ``decay``; with a single value the decay is fixed and gets no slider (a control that
    cannot move would look live but do nothing), so ``compute`` runs at its own default
    ``decay``, which must be that value. The decay is RMSProp's β and AdaDelta's ρ (AdaGrad
    has none). ``compute`` must return a dict with ``"trajectory"``, the
    :class:`gdlab.Trajectory` of the run, and ``"effective_lr"``, the measured
    :math:`-\Delta\theta_{t,i}/g_{t,i}` as an array of shape (steps taken, d)
    (:func:`gdlab.theory.effective_learning_rates`); drawing reads nothing else and reports
    any other result clearly, first when the explorer is built (from the result at the start
    values). Each learning rate must be finite and > 0, each decay in [0, 1).

    ``functions`` maps a label to ``(f, x0, steps)``; the picture uses ``f`` (contour lines)
    and ``steps`` (the length of the time axes). ``start`` overrides the preferred start
    (RMSProp, lr 0.1, the first landscape, the first decay).
    """
    _check_functions(functions)
    for name in optimizers:
        if name not in ADAPTIVE_OPTIMIZERS:
            raise ValueError(f"optimizers must be chosen from {', '.join(ADAPTIVE_OPTIMIZERS)}; "
                             f"got {name!r}")
    lrs = [check_in_range(f"lrs[{i}]", lr, 0.0, low_open=True) for i, lr in enumerate(lrs)]
    decays = [check_in_range(f"decays[{i}]", decay, 0.0, 1.0, high_open=True)
              for i, decay in enumerate(decays)]
    if not decays:
        raise ValueError("decays must list at least one decay rate, got none")
    fixed_decay = decays[0] if len(decays) == 1 else None
    if fixed_decay is not None:
        _check_default_decay(compute, fixed_decay)

    def setup(fig, function):
        return _adaptive_axes(fig, functions[function])

    def draw(axes, result, optimizer, lr, function, decay=fixed_decay):
        _check_result(result)
        _draw_adaptive_run(axes, result, optimizer, lr, decay)

    controls = {"optimizer": list(optimizers), "lr": lrs, "function": list(functions)}
    first = next(iter(optimizers), None)   # None for an empty list: the Explorer reports it
    preferred = {"optimizer": "RMSProp" if "RMSProp" in optimizers else first,
                 "lr": 0.1 if 0.1 in lrs else next(iter(lrs), None),
                 "function": list(functions)[0]}
    if fixed_decay is None:
        controls["decay"] = decays
        preferred["decay"] = decays[0]
    title = "Adaptive step sizes: optimizer, learning rate, landscape"
    title += ", decay" if fixed_decay is None else f" (decay β = ρ = {fixed_decay:g})"
    shown = Explorer(controls, compute, draw, start={**preferred, **(start or {})},
                     title=title, figsize=(9.0, 3.8), dpi=76, max_frames=40,
                     setup=setup, static=["function"])
    _check_result(shown.result())   # a broken compute fails here, not in draw
    return shown


def _check_default_decay(compute, decay: float) -> None:
    """With one decay there is no decay control, so ``compute`` is called without ``decay``:
    its own default must be the decay the titles print."""
    parameter = inspect.signature(compute).parameters.get("decay")
    if parameter is not None and parameter.default != decay:
        default = ("none" if parameter.default is inspect.Parameter.empty
                   else f"{parameter.default!r}")
        raise ValueError(f"with a single decay ({decay:g}) compute is called without decay, so "
                         f"its default decay must be {decay:g}; it is {default}")


def _check_result(result) -> None:
    """``compute`` must return what the picture reads: ``{"trajectory": Trajectory,
    "effective_lr": array (steps, d)}``."""
    if not (isinstance(result, dict) and isinstance(result.get("trajectory"), gdlab.Trajectory)
            and "effective_lr" in result):
        got = (f"a dict with keys {list(result)}" if isinstance(result, dict)
               else f"a {type(result).__name__}")
        raise TypeError(f"compute must return a dict with 'trajectory' (a gdlab.Trajectory) and "
                        f"'effective_lr' (an array (steps, d)); got {got}")
    traj, rates = result["trajectory"], np.shape(result["effective_lr"])
    if rates != (traj.steps, traj.xs.shape[1]):
        raise ValueError(f"compute's effective_lr must have one row per step and one column per "
                         f"coordinate, shape {(traj.steps, traj.xs.shape[1])}; got {rates}")


def _check_functions(functions) -> None:
    """``functions`` must map each label to a tuple ``(f, x0, steps)``."""
    if not isinstance(functions, dict) or not functions:
        raise ValueError(f"functions must be a non-empty dict label -> (f, x0, steps), "
                         f"got {functions!r}")
    for label, entry in functions.items():
        if not (isinstance(entry, tuple) and len(entry) == 3):
            raise ValueError(f"functions[{label!r}] must be a tuple (f, x0, steps), got {entry!r}")
        check_positive_int(f"steps of functions[{label!r}]", entry[2])


def _adaptive_axes(fig, landscape) -> tuple:
    """The unchanging half of the picture, for one landscape: three panels side by side, the
    contour lines, a log axis for the loss gap and one for each coordinate's effective
    learning rate, over the landscape's steps."""
    f, _, steps = landscape
    # The explorer lays the first picture out and keeps those places for every frame.
    ax_path, ax_loss, ax_rate = fig.subplots(1, 3, width_ratios=[1.3, 1, 1])
    contour_axes(ax_path, f)
    loss_axes(ax_loss, steps, low=-12, high=4, every=4)
    log_ticks(ax_rate, -5, 3, 1)
    ax_rate.set_xlim(0, steps)
    ax_rate.set_xlabel("step t")
    ax_rate.set_ylabel("effective learning rate (log scale)")
    # the line styles in the title, drawn once (a legend drawn each frame is a third of it)
    ax_rate.set_title("−Δθ_i / g_i: x solid, y dashed", fontsize=10)
    return ax_path, ax_loss, ax_rate


def _draw_adaptive_run(axes, result, optimizer, lr, decay) -> None:
    """The changing half: the path, the loss gap with its verdict and each coordinate's
    effective learning rate."""
    ax_path, ax_loss, ax_rate = axes
    traj, rates = result["trajectory"], np.asarray(result["effective_lr"])
    color = gdlab.plots.color_of(optimizer)
    knob = f", {_DECAY_SYMBOL[optimizer]} = {decay:g}" if optimizer in _DECAY_SYMBOL else ""
    paths(ax_path, {optimizer: traj}, markersize=2.0, legend=None)   # the title names it
    ax_path.set_title(f"{optimizer}, lr = {lr:g}{knob}", fontsize=10)

    gaps = traj.gaps()
    loss_curves(ax_loss, {optimizer: (gaps, gdlab.plots.style_of(optimizer))}, low=-12,
                legend=None)
    verdict = (traj.status if traj.diverged else
               f"after {traj.steps} steps: gap {max(gaps[-1], 1e-16):.1e},\n"
               f"distance {traj.distances()[-1]:.2g}")
    ax_loss.set_title(verdict, fontsize=9)

    t = np.arange(1, len(rates) + 1)
    for i, (style, axis) in enumerate((("-", "x"), ("--", "y"))[:rates.shape[1]]):
        ax_rate.plot(t, rates[:, i], style, color=color, label=f"{axis} coordinate")


# -- the exercise check ---------------------------------------------------------------------
def check_rmsprop_steps(answer, grads, lr: float, beta: float, eps: float, theta0=0.0,
                        rtol: float = 1e-3) -> feedback.Feedback:
    r"""Check hand-computed RMSProp iterates :math:`\theta_1, \dots, \theta_T` for the given
    gradients :math:`g_1, \dots, g_T` (one per row of ``grads``), from ``theta0`` with
    :math:`s_0 = 0`, in the book's (and PyTorch's) form:

    .. math:: s_t = \beta s_{t-1} + (1-\beta) g_t^2, \qquad
              \theta_t = \theta_{t-1} - \alpha\, g_t / (\sqrt{s_t} + \epsilon).

    Recognised slips (:func:`rmsprop_slips`): :math:`\epsilon` inside the root (Keras,
    Andrew Ng's course), a forgotten :math:`(1-\beta)`, a bias-corrected
    :math:`s_t/(1-\beta^t)` (that is Adam's second moment), AdaGrad's sum
    :math:`s_t = s_{t-1} + g_t^2`, no square root, and a step uphill. Answers count as right
    to a relative tolerance ``rtol`` (default 0.1%).
    """
    lr = check_in_range("lr", lr, 0.0)
    beta = check_in_range("beta", beta, 0.0, 1.0, high_open=True)
    eps = check_in_range("eps", eps, 0.0, low_open=True)
    rtol = check_in_range("rtol", rtol, 0.0, low_open=True)
    grads = check_finite_array("grads", grads)
    if grads.ndim not in (1, 2) or len(grads) == 0:
        raise ValueError(f"grads must be a non-empty 1-D array (one number per step) or 2-D "
                         f"(one row per step), got shape {grads.shape}")
    scalar = grads.ndim == 1
    grads = grads.reshape(len(grads), -1)
    theta0 = check_finite_array("theta0", theta0)
    if theta0.ndim > 1 or (theta0.ndim == 1 and theta0.shape[0] != grads.shape[1]):
        raise ValueError(f"theta0 must be a number or have one entry per coordinate "
                         f"({grads.shape[1]}), got shape {theta0.shape}")
    theta0 = np.broadcast_to(theta0, grads.shape[1:]).astype(float)

    expected = gdlab.replay(gdlab.RMSProp(lr=lr, beta=beta, eps=eps), grads, theta0)[1:]
    hints = [(alternative, text)
             for alternative, text in rmsprop_slips(grads, lr, beta, eps, theta0)
             if not np.allclose(alternative, expected, rtol=rtol, atol=1e-12)]
    if scalar:
        answer = feedback.as_column(answer, len(expected))
    names = [f"θ{t}" for t in range(1, len(expected) + 1)]
    axes = [f"coordinate {k}" for k in range(1, expected.shape[1] + 1)]
    return feedback.check_points(answer, expected, names, hints=hints, rtol=rtol, atol=1e-12,
                                 axes=axes)


def rmsprop_slips(grads, lr: float, beta: float, eps: float, theta0) -> list:
    r"""The usual slips in RMSProp steps by hand, each as ``(iterates θ_1..θ_T, explanation)``
    for the gradients ``grads`` (shape (T, d)) from ``theta0`` (shape (d,)).

    Four are library optimizers replayed on the gradients: ε inside the root is
    ``RMSProp(eps_inside=True)``, the bias-corrected :math:`s_t/(1-\beta^t)` is
    ``Adam(beta1=0)``, the sum is ``AdaGrad`` and uphill is RMSProp fed :math:`-g_t`. The two
    that no optimizer expresses are written out, as
    :math:`\theta_t = \theta_0 - \alpha\sum_{k \le t} g_k / d_k` with the slipped denominator
    :math:`d_k`.
    """
    def replayed(optimizer, gradients=grads):
        return gdlab.replay(optimizer, gradients, theta0)[1:]

    s = gdlab.ewma(grads * grads, beta)   # RMSProp's s_1..s_T: open loop, s needs no θ
    return [
        (replayed(gdlab.RMSProp(lr=lr, beta=beta, eps=eps, eps_inside=True)),
         "you put ε inside the square root, g/√(s + ε), as Keras and Andrew Ng's course do. "
         "This exercise uses PyTorch's form g/(√s + ε); with small gradients the two differ "
         "a lot."),
        # slip: s ← βs + g², the average without its weight (1 − β), which is s/(1 − β)
        (theta0 - lr * np.cumsum(grads / (np.sqrt(s / (1.0 - beta)) + eps), axis=0),
         "the new squared gradient enters with weight (1 − β): s ← βs + (1 − β)g², not "
         "βs + g²."),
        (replayed(gdlab.Adam(lr=lr, beta1=0.0, beta2=beta, eps=eps)),
         "you divided s by (1 − β^t). That bias correction belongs to Adam (chapter 7); "
         "RMSProp uses s as it is."),
        (replayed(gdlab.AdaGrad(lr=lr, eps=eps)),
         "you added the squares up, s ← s + g²: that is AdaGrad. RMSProp keeps an "
         "exponentially weighted average, s ← βs + (1 − β)g²."),
        # slip: no square root, θ ← θ − lr·g/(s + ε)
        (theta0 - lr * np.cumsum(grads / (s + eps), axis=0),
         "you divided by s + ε; RMSProp divides by the root mean square, √s + ε."),
        (replayed(gdlab.RMSProp(lr=lr, beta=beta, eps=eps), -grads),
         "every step went uphill: θ ← θ − lr·g/(√s + ε) subtracts."),
    ]


def check_rmsprop_class(attempt) -> feedback.Feedback:
    r"""Check an RMSProp class the learner wrote, in the style of "Deep Learning from
    Scratch": ``attempt(lr=0.1, beta=0.9, eps=1e-3)`` makes it and ``update(params, grads)``
    changes the dict ``params`` in place. It takes 5 steps on the ravine
    :math:`x^2/20 + y^2` from :math:`(-8, 2)` beside :class:`gdlab.RMSProp` with the same
    hyperparameters (:func:`gdlab.feedback.check_update_rule`). Recognised slips: ε inside
    the root (``RMSProp(eps_inside=True)``), :math:`s \leftarrow \beta s + g^2` without its
    :math:`(1-\beta)` (that is RMSProp with α and ε times :math:`\sqrt{1-\beta}`, since
    :math:`s` is :math:`1/(1-\beta)` times larger), AdaGrad's sum and Adam's bias correction.
    """
    lr, beta, eps = 0.1, 0.9, 1e-3
    root = np.sqrt(1.0 - beta)
    hints = [
        (lambda: gdlab.RMSProp(lr=lr, beta=beta, eps=eps, eps_inside=True),
         "ε went inside the square root, g/√(s + ε) (Keras, Andrew Ng's course); this "
         "RMSProp is PyTorch's, g/(√s + ε)."),
        (lambda: gdlab.RMSProp(lr=lr * root, beta=beta, eps=eps * root),
         "the new g² enters with weight (1 − β): s ← βs + (1 − β)g², not βs + g²."),
        (lambda: gdlab.AdaGrad(lr=lr, eps=eps),
         "you added the squares up, s ← s + g²: that is AdaGrad. RMSProp averages, "
         "s ← βs + (1 − β)g²."),
        (lambda: gdlab.Adam(lr=lr, beta1=0.0, beta2=beta, eps=eps),
         "you divided s by (1 − β^t): that bias correction is Adam's (chapter 7)."),
    ]
    return feedback.check_update_rule(lambda: attempt(lr=lr, beta=beta, eps=eps),
                                      lambda: gdlab.RMSProp(lr=lr, beta=beta, eps=eps),
                                      gdlab.elongated_bowl, [-8.0, 2.0], steps=5, hints=hints,
                                      axes=["x", "y"])


# -- explorer 2: the widget-plot exercise ---------------------------------------------------
_FLOOR, _CEILING = -3, 1   # the exercise's log axis, 1e-3..10: |θ| below 1e-3 is drawn at 1e-3


def lr_verdict(theta, target: int, tol: float) -> tuple[bool, str]:
    r"""(on target?, verdict) for AdaGrad's iterates ``theta`` (:math:`\theta_0, \dots,
    \theta_T`) on :math:`f(\theta) = |\theta|`: on target if :math:`|\theta_t| \le` ``tol`` at
    every step :math:`t \ge` ``target``. A run that by step ``target`` has neither crossed the
    minimum nor come within ``tol`` is too slow (its steps :math:`\alpha/\sqrt t` add up to at
    most :math:`\alpha(2\sqrt t - 1)`: raise α); one that got there but bounces farther than
    ``tol`` overshoots (each bounce is a step :math:`\alpha/\sqrt t`: lower α)."""
    target = check_positive_int("target", target)
    tol = check_in_range("tol", tol, 0.0, low_open=True)
    theta = check_finite_array("theta", theta, ndim=1)
    if len(theta) <= target:
        raise ValueError(f"theta must hold the iterates up to step target = {target} at least, "
                         f"got {len(theta)} (steps 0..{len(theta) - 1})")
    distance = np.abs(theta)
    worst = distance[target:].max()
    if worst <= tol:
        return True, f"on target\n|θ_t| ≤ {worst:.3g} from step {target} on"
    crossed = np.any(np.sign(theta[1:target + 1]) != np.sign(theta[0]))
    if not (crossed or np.any(distance[:target + 1] <= tol)):
        return False, (f"too slow, raise α\n|θ_{target}| = {distance[target]:.3g}: "
                       f"not there by step {target}")
    return False, f"overshoots, lower α\nbounces to |θ| = {worst:.3g} after step {target}"


def _path(result, steps: int) -> np.ndarray:
    """``result["theta"]``, checked: a dict with the 1-D iterates θ_0..θ_steps."""
    if not isinstance(result, dict) or "theta" not in result:
        got = (f"a dict with keys {list(result)}" if isinstance(result, dict)
               else f"a {type(result).__name__}")
        raise TypeError(f"compute must return a dict with 'theta' (the iterates θ_0..θ_{steps}, "
                        f"a 1-D array); got {got}")
    theta = check_finite_array("compute's result['theta']", result["theta"], ndim=1)
    if len(theta) != steps + 1:
        raise ValueError(f"compute's result['theta'] must hold steps + 1 = {steps + 1} iterates "
                         f"(θ_0..θ_{steps}); got {len(theta)}")
    return theta


def lr_explorer(compute: Callable, lrs: Sequence[float], target: int, tol: float,
                steps: int, start: dict | None = None) -> Explorer:
    r"""The widget-plot exercise: for each learning rate in ``lrs``, ``compute(lr=α)``
    returns a dict with ``"theta"``, AdaGrad's iterates :math:`\theta_0..\theta_{steps}` on
    :math:`f(\theta) = |\theta|`. The frame shows :math:`|\theta_t|` on a log scale with the
    step length :math:`\alpha/\sqrt t` dotted, the target (within ``tol`` from step
    ``target`` on) dashed and shaded, and the verdict of :func:`lr_verdict` as its title."""
    if not callable(compute):
        raise ValueError(f"compute must be a function of lr, got {compute!r}")
    lrs = [check_in_range(f"lrs[{i}]", lr, 0.0, low_open=True) for i, lr in enumerate(lrs)]
    if not lrs:
        raise ValueError("lrs must list at least one learning rate, got none")
    target, steps = check_positive_int("target", target), check_positive_int("steps", steps)
    if target > steps:
        raise ValueError(f"target must be a step of the run, at most steps = {steps}; "
                         f"got {target}")
    tol = check_in_range("tol", tol, 10.0 ** _FLOOR, 10.0 ** _CEILING, low_open=True,
                         high_open=True)
    color = gdlab.plots.color_of("AdaGrad")

    def setup(fig):
        ax = fig.subplots()
        log_ticks(ax, _FLOOR, _CEILING, 1)
        ax.set_xlim(0, steps)
        ax.set_xlabel("step t")
        ax.set_ylabel("|θ_t| (log scale)")
        ax.fill_between([target, steps], 10.0 ** _FLOOR, tol, color="grey", alpha=0.15,
                        linewidth=0)
        goal, = ax.plot([target, target, steps], [10.0 ** _CEILING, tol, tol], "--",
                        color="black", linewidth=1,
                        label=f"target: |θ_t| ≤ {tol:g} from step {target} on")
        # one legend, drawn once, below the panel: inside it would hide a run's points
        fig.legend(handles=[Line2D([], [], marker="o", markersize=2.5, linestyle="none",
                                   color=color, label="AdaGrad's |θ_t|"),
                            Line2D([], [], linestyle=":", color="grey", label="its step α/√t"),
                            goal], loc="outside lower center", ncol=2, fontsize=8, frameon=False)
        return ax

    def draw(ax, result, lr):
        theta = _path(result, steps)
        t = np.arange(steps + 1)
        ax.plot(t, np.maximum(np.abs(theta), 10.0 ** _FLOOR), "o", markersize=2.5, color=color)
        ax.plot(t[1:], lr / np.sqrt(t[1:]), ":", color="grey")
        ax.set_title(f"α = {lr:g}, {lr_verdict(theta, target, tol)[1]}", fontsize=10)

    shown = Explorer({"lr": lrs}, compute, draw, setup=setup, start=start,
                     title="Exercise: pick AdaGrad's α so that it gets there and settles",
                     figsize=(8.0, 3.6), dpi=72, max_frames=16)
    _path(shown.result(), steps)   # a broken compute fails here, not in draw
    return shown
