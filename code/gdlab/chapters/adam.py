"""Companion of chapter 6, *Adam* (``chapters/06-adam.ipynb``).

It holds the drawing of the chapter's explorer, Adam on a landscape for a grid of α, β1 and
β2 (:func:`explorer`; the compute step, one Adam run and its largest step in units of α, is
written in the notebook), the widget-plot exercise (:func:`hover_explorer` and its verdict
:func:`hover_verdict`: pick α so that Adam on a noisy landscape gets close to the minimum and
stays close), and the checks of its first two exercises, Adam's first steps by hand
(:func:`check_adam_steps`) and an AdamW class the learner writes
(:func:`check_adamw_class`).
"""

from __future__ import annotations

from numbers import Real
from typing import Callable, Mapping, Sequence

import numpy as np
from matplotlib.lines import Line2D

from gdlab import plots
from gdlab.ewma import effective_window, ewma
from gdlab.explorer import Explorer
from gdlab.feedback import Feedback, check_points, check_update_rule
from gdlab.functions import Function, rosenbrock
from gdlab.optimizers import Adam, AdamW
from gdlab.panels import contour_axes, log_ticks, loss_axes, loss_curves, paths, verdict_box
from gdlab.regularization import l2_gradient
from gdlab.run import Trajectory, replay
from gdlab.validation import check_finite_array, check_in_range, check_positive_int

__all__ = ["explorer", "hover_explorer", "hover_verdict", "check_adam_steps", "check_adamw_class"]


# -- the explorer -------------------------------------------------------------------------
def explorer(compute: Callable, lrs: Sequence[float], beta1s: Sequence[float],
             beta2s: Sequence[float], f: Function, steps: int, tol: float = 1e-6,
             start: dict | None = None) -> Explorer:
    r"""The explorer of Adam's hyperparameters: for each learning rate :math:`\alpha` in
    ``lrs`` and decay rates in ``beta1s``, ``beta2s``, the path of the run on the contour
    plot of ``f`` and its loss curve over ``steps`` steps.

    ``compute(lr=..., beta1=..., beta2=...)`` makes the run and returns a dict with
    ``"trajectory"`` (the :class:`gdlab.Trajectory` of ``steps`` steps of Adam on ``f``;
    a diverged run may stop earlier), ``"final_gap"`` (a number, :math:`f(x_T) - f^*`) and
    ``"largest_step"`` (a number, the largest :math:`|\Delta\theta_i|/\alpha` of the run);
    further keys are allowed and ignored. ``result(...)`` returns that dict as it is; a
    result of another shape is reported when the explorer is built (from the result at the
    start values) or when the picture is drawn. The verdict box adds the
    step from which the gap stays below ``tol``. ``start={"lr": ..., "beta1": ...,
    "beta2": ...}`` picks the first picture.
    """
    if not callable(compute):
        raise ValueError(f"compute must be a function of lr, beta1 and beta2, got {compute!r}")
    controls = {"lr": [check_in_range(f"lrs[{i}]", lr, 0.0, low_open=True)
                       for i, lr in enumerate(lrs)],
                "beta1": _decay_rates("beta1s", beta1s), "beta2": _decay_rates("beta2s", beta2s)}
    steps = check_positive_int("steps", steps)
    tol = check_in_range("tol", tol, 0.0, low_open=True)

    def setup(fig):
        ax_path, ax_loss = fig.subplots(1, 2, width_ratios=[1.6, 1])
        contour_axes(ax_path, f, levels=12, resolution=100)
        loss_axes(ax_loss, steps, ylabel="gap f(x_t) − f* (log scale)",
                  title=f"Loss on {f.name}")
        return ax_path, ax_loss

    def draw(axes, result, lr, beta1, beta2):
        traj = _checked(result, steps)["trajectory"]
        ax_path, ax_loss = axes
        paths(ax_path, {f"Adam, α = {lr:g}": traj}, markersize=1.5)
        ax_path.set_title(_knobs(lr, beta1, beta2), fontsize=10)
        loss_curves(ax_loss, {"Adam": (traj.gaps(), plots.style_of("Adam"))}, legend=None)
        verdict_box(ax_loss, _verdict(result, tol))

    shown = Explorer(controls, compute, draw, start=start, setup=setup,
                     title="Adam explorer: α, β1 and β2", figsize=(10.0, 4.0), dpi=72,
                     max_frames=40)
    _checked(shown.result(), steps)   # a broken compute fails here, not in draw
    return shown


def _knobs(lr: float, beta1: float, beta2: float) -> str:
    """The title of the path panel: the three hyperparameters and each average's window."""
    return (f"α = {lr:g}, β1 = {beta1:g} (window ≈ {effective_window(beta1):.0f}), "
            f"β2 = {beta2:g} (window ≈ {effective_window(beta2):.0f})")


def _decay_rates(name: str, values) -> list[float]:
    """``values`` as a list of decay rates, each in [0, 1)."""
    return [check_in_range(f"{name}[{i}]", beta, 0.0, 1.0, high_open=True)
            for i, beta in enumerate(values)]


def _checked(result, steps: int) -> dict:
    """``result`` if it has the shape :func:`explorer` documents for ``compute``, else a
    ValueError that says what is wrong."""
    if not isinstance(result, dict):
        raise ValueError(f"compute must return a dict with 'trajectory', 'final_gap' and "
                         f"'largest_step', got {type(result).__name__}")
    missing = [key for key in ("trajectory", "final_gap", "largest_step") if key not in result]
    if missing:
        raise ValueError(f"compute's result lacks {', '.join(map(repr, missing))} (it has "
                         f"{', '.join(map(repr, result)) or 'no keys'})")
    traj = result["trajectory"]
    if not isinstance(traj, Trajectory):
        raise ValueError(f"compute's result['trajectory'] must be a gdlab.Trajectory "
                         f"(what gdlab.run returns), got {type(traj).__name__}")
    if not traj.diverged and traj.steps != steps:
        raise ValueError(f"compute ran {traj.steps} steps, but the explorer was given "
                         f"steps={steps}")
    for key in ("final_gap", "largest_step"):
        if isinstance(result[key], bool) or not isinstance(result[key], Real):
            raise ValueError(f"compute's result[{key!r}] must be a number, "
                             f"got {result[key]!r}")
    return result


def _verdict(result: dict, tol: float) -> str:
    """The explorer's verdict box: diverged, the step from which the gap stays below
    ``tol``, or the final gap; then the largest step in units of α."""
    traj = result["trajectory"]
    needed = traj.steps_to(tol, "gap")
    if traj.diverged:
        verdict = "diverged"
    elif needed is None:
        verdict = f"gap {result['final_gap']:.1e} after {traj.steps} steps"
    else:
        verdict = f"gap < {tol:g} from step {needed}"
    return verdict + f"\nlargest step: {result['largest_step']:.2f} α"


# -- explorer 2: the widget-plot exercise ---------------------------------------------------
def hover_verdict(traj: Trajectory, radius: float, last: int) -> tuple[bool, str]:
    r"""(on target?, verdict) for a run of T = ``traj.steps`` steps: is
    :math:`\|\theta_t - \theta^*\| \le` ``radius`` at every step t from T − ``last`` to T?
    If not, the run is too slow (first within ``radius`` after step T − ``last``, or never:
    raise α) or hovers too widely (there in time, out again later: lower α)."""
    radius = check_in_range("radius", radius, 0.0, low_open=True)
    last = check_positive_int("last", last)
    if traj.diverged:
        return False, f"diverged after {traj.steps} steps:\nlower α"
    if last >= traj.steps:
        raise ValueError(f"last must be a whole number below the run's {traj.steps} steps, "
                         f"got {last}")
    start = traj.steps - last
    distance = traj.distances()
    inside = np.nonzero(distance <= radius)[0]
    if len(inside) == 0 or inside[0] > start:
        when = (f"never within {radius:g}" if len(inside) == 0
                else f"first within {radius:g} at step {inside[0]}")
        return False, f"too slow: {when},\ntarget: by step {start}: raise α"
    widest = distance[start:].max()
    if widest > radius:
        return False, (f"hovers too widely: up to {widest:.2f} away\nfrom step {start} on "
                       f"(target ≤ {radius:g}): lower α")
    return True, (f"on target: first within {radius:g} at step {inside[0]},\n"
                  f"at most {widest:.2f} away from step {start} on")


def hover_explorer(compute: Callable, lrs: Sequence[float], steps: int, last: int,
                   radius: float, start: dict | None = None) -> Explorer:
    r"""The widget-plot exercise: for each learning rate in ``lrs``, ``compute(lr=α)``
    returns a dict with ``"trajectory"``, a run of Adam of ``steps`` steps on a landscape
    with a known minimum (usually a :class:`gdlab.Noisy` one). The frame shows the distance
    to the minimum on a log scale, the target (within ``radius`` at every step of the last
    ``last``) as a dashed box, and the verdict of :func:`hover_verdict`."""
    if not callable(compute):
        raise ValueError(f"compute must be a function of lr, got {compute!r}")
    if len(lrs) == 0:
        raise ValueError("lrs must list at least one learning rate, got none")
    lrs = [check_in_range(f"lrs[{i}]", lr, 0.0, low_open=True) for i, lr in enumerate(lrs)]
    steps = check_positive_int("steps", steps, minimum=2)
    last = check_positive_int("last", last)
    if last >= steps:
        raise ValueError(f"last must be a whole number below steps={steps}, got {last}")
    radius = check_in_range("radius", radius, 0.0, low_open=True)
    window, floor = [steps - last, steps], 1e-2   # the axis' floor: closer is drawn at it

    def setup(fig):
        ax = fig.subplots()
        log_ticks(ax, -2, 2)   # 10^-2 (the floor) to 10^2
        ax.set_xlim(0, steps)
        ax.set_xlabel("step t")
        ax.set_ylabel("distance to the minimum")
        ax.fill_between(window, floor, radius, color="#009E73", alpha=0.12, linewidth=0)
        target, = ax.plot(window, [radius, radius], "--", color="black", linewidth=1,
                          label=f"target: ≤ {radius:g} from step {window[0]}")
        ax.plot([window[0]] * 2, [floor, radius], "--", color="black", linewidth=1)
        run_line = Line2D([], [], **plots.style_of("Adam"), label="Adam")
        legend = ax.legend(handles=[run_line, target], loc="lower left", fontsize=8)
        legend.set_zorder(1.5)   # below the run's line, as in a frame drawn on this background
        return ax

    def draw(ax, result, lr):
        traj = _hover_run(result, steps)
        ax.plot(np.arange(traj.steps + 1), np.maximum(traj.distances(), floor),
                **plots.style_of("Adam"))
        ax.set_title(f"Adam with α = {lr:g}", fontsize=10)
        verdict_box(ax, hover_verdict(traj, radius, last)[1], fontsize=9)

    shown = Explorer({"lr": lrs}, compute, draw, setup=setup, start=start,
                     title="Exercise: pick α so that Adam gets close and stays close",
                     figsize=(8.0, 3.6), dpi=72, max_frames=16)
    _hover_run(shown.result(), steps)   # a broken compute fails here, not in draw
    return shown


def _hover_run(result, steps: int) -> Trajectory:
    """``result["trajectory"]``, checked: a dict with a Trajectory of ``steps`` steps (fewer
    if it diverged) on a landscape whose minimum is known."""
    if not isinstance(result, Mapping) or "trajectory" not in result:
        raise ValueError(f"compute must return a dict with 'trajectory' (a gdlab.Trajectory), "
                         f"got {type(result).__name__}"
                         + (f" with keys {', '.join(map(repr, result)) or 'none'}"
                            if isinstance(result, Mapping) else ""))
    traj = result["trajectory"]
    if not isinstance(traj, Trajectory):
        raise ValueError(f"compute's result['trajectory'] must be a gdlab.Trajectory, "
                         f"got {type(traj).__name__}")
    if not traj.diverged and traj.steps != steps:
        raise ValueError(f"compute ran {traj.steps} steps, but the explorer was given "
                         f"steps={steps}")
    if traj.minimum is None:
        raise ValueError(f"compute's run is on {traj.function!r}, whose minimum is unknown: "
                         f"the verdict needs the distance to it")
    return traj


# -- exercise 1: Adam's steps by hand -----------------------------------------------------
def check_adam_steps(answer, grads, lr: float = 1e-3, beta1: float = 0.9, beta2: float = 0.999,
                     eps: float = 1e-8, rtol: float = 1e-3) -> Feedback:
    r"""Check hand-computed Adam steps :math:`\Delta\theta_t = \theta_t - \theta_{t-1}` for the
    gradients ``grads`` (one row per step, one column per parameter; a flat list is a single
    parameter), starting from :math:`m_0 = v_0 = 0`:

    .. math::
        m_t = \beta_1 m_{t-1} + (1-\beta_1) g_t, \quad v_t = \beta_2 v_{t-1} + (1-\beta_2) g_t^2,
        \quad \Delta\theta_t = -\alpha\, \frac{m_t/(1-\beta_1^t)}{\sqrt{v_t/(1-\beta_2^t)} + \epsilon}.

    The expected steps are those of :class:`gdlab.Adam` fed ``grads``. Agreement to a
    relative ``rtol`` (default 0.1%, so four significant digits are enough) counts as right.
    Recognised slips: no bias correction, bias correction of only :math:`m` or only
    :math:`v`, :math:`\epsilon` inside the square root, no square root, the
    :math:`(1-\beta)` factors left out, :math:`g_t` used instead of :math:`m_t` (that is
    RMSProp), a step uphill, and the parameters :math:`\theta_t` (from :math:`\theta_0 = 0`)
    given instead of the steps.
    """
    lr = check_in_range("lr", lr, 0.0)
    beta1 = check_in_range("beta1", beta1, 0.0, 1.0, high_open=True)
    beta2 = check_in_range("beta2", beta2, 0.0, 1.0, high_open=True)
    eps = check_in_range("eps", eps, 0.0, low_open=True)
    rtol = check_in_range("rtol", rtol, 0.0, low_open=True)
    grads = check_finite_array("grads", grads)
    if grads.ndim == 1:
        grads = grads[:, None]
    if grads.ndim != 2 or grads.shape[0] == 0:
        raise ValueError(f"grads must be a list of gradients, one per step (shape (T,) or "
                         f"(T, d)), got shape {grads.shape}")
    thetas = replay(Adam(lr=lr, beta1=beta1, beta2=beta2, eps=eps), grads)
    expected = np.diff(thetas, axis=0)
    hints = [(alternative, explanation)
             for alternative, explanation in _slips(grads, lr, beta1, beta2, eps)
             if not np.allclose(alternative, expected, rtol=rtol, atol=1e-12)]
    hints.append((thetas[1:],
                  "these look like the parameters θ_t, starting from θ_0 = 0; the exercise "
                  "asks for the steps Δθ_t = θ_t − θ_{t−1}."))
    names = [f"Δθ{t}" for t in range(1, len(grads) + 1)]
    given = answer
    if np.size(answer) == grads.size:
        given = np.reshape(np.asarray(answer, dtype=float), grads.shape)
    axes = [f"coordinate {k}" for k in range(1, expected.shape[1] + 1)]
    return check_points(given, expected, names, hints=hints, rtol=rtol, atol=1e-12, axes=axes)


def _steps(optimizer, grads) -> np.ndarray:
    """The steps :math:`\\Delta\\theta_t` of ``optimizer`` fed ``grads``, from θ_0 = 0."""
    return np.diff(replay(optimizer, grads), axis=0)


def _slips(grads, lr, beta1, beta2, eps) -> list:
    """The usual slips of exercise 1 as ``(steps, explanation)``, in the order they are
    tried: those a library flag expresses run :class:`gdlab.Adam`, the others are Adam's
    last line written wrongly on the library's averages :math:`m_t, \\hat m_t, v_t, \\hat v_t`."""
    m, m_hat = ewma(grads, beta1), ewma(grads, beta1, bias_correction=True)
    v, v_hat = ewma(grads ** 2, beta2), ewma(grads ** 2, beta2, bias_correction=True)
    with np.errstate(divide="ignore", invalid="ignore"):   # non-finite slips never match
        only_m_corrected = -lr * m_hat / (np.sqrt(v) + eps)
        only_v_corrected = -lr * m / (np.sqrt(v_hat) + eps)
        eps_inside = -lr * m_hat / np.sqrt(v_hat + eps)
        no_root = -lr * m_hat / (v_hat + eps)
        # no (1 − β) factors: m ← β1·m + g sums to m/(1 − β1), v ← β2·v + g² to v/(1 − β2)
        undamped = -lr * (m_hat / (1.0 - beta1)) / (np.sqrt(v_hat / (1.0 - beta2)) + eps)
    return [
        (_steps(Adam(lr, beta1, beta2, eps, bias_correction=False), grads),
         "these are the steps without bias correction. Divide m by 1 − β1^t and v by "
         "1 − β2^t before taking the step: at t = 1 that makes m̂ = g and v̂ = g²."),
        (only_m_corrected,
         "you corrected m but not v: divide v by 1 − β2^t too (at t = 1 that is 0.001, "
         "which changes √v̂ by a factor of about 31.6)."),
        (only_v_corrected,
         "you corrected v but not m: divide m by 1 − β1^t too."),
        (eps_inside,
         "you put ε inside the square root, √(v̂ + ε). Adam (the paper, PyTorch) adds it "
         "outside, √v̂ + ε; inside, ε = 1e-8 acts like 1e-4 when v̂ is tiny."),
        (no_root,
         "you divided by v̂ (+ ε) instead of √v̂ + ε: the step needs the square root, so "
         "that it has the units of θ and not of 1/g."),
        (undamped,
         "you left out the (1 − β) factors: m ← β1·m + (1 − β1)·g and "
         "v ← β2·v + (1 − β2)·g²."),
        (_steps(Adam(lr, 0.0, beta2, eps), grads),   # m_t = g_t: RMSProp, bias-corrected
         "you used the gradient g_t in the numerator instead of the average m̂_t: that is "
         "RMSProp with bias correction, not Adam."),
        (_steps(Adam(lr, beta1, beta2, eps), -grads),   # a descent method on −f climbs f
         "every step went uphill: Adam subtracts α·m̂/(√v̂ + ε)."),
    ]


# -- exercise 2: an AdamW class -------------------------------------------------------------
_SETTINGS = dict(lr=0.1, beta1=0.9, beta2=0.999, eps=1e-8, weight_decay=0.1)
_ADAM = {key: value for key, value in _SETTINGS.items() if key != "weight_decay"}
# Rosenbrock from (−1.5, 2): the decay αλθ = (−0.015, 0.02) is up to a fifth of a step α; it
# pulls towards 0, the loss towards (1, 1). (On an axis-aligned bowl centred at 0, g + λθ
# only rescales each coordinate of g = Aθ, which Adam undoes: L2 would not show.)
_START = [-1.5, 2.0]


class _Decayed(Adam):
    """:class:`gdlab.Adam` with the weight decay where a slip puts it: ``"gradient"`` adds
    λθ to g (Adam with an L2 term in the loss), ``"after"`` shrinks θ after the step."""

    def __init__(self, where: str, weight_decay: float, **adam):
        super().__init__(**adam)
        self.where, self.weight_decay = where, weight_decay

    def update(self, params, grads):
        if self.where == "gradient":
            grads = {key: g + l2_gradient(params[key], self.weight_decay)
                     for key, g in grads.items()}
        super().update(params, grads)
        if self.where == "after":
            for param in params.values():
                param *= 1.0 - self.current_lr() * self.weight_decay


class _Uncorrected(AdamW):
    """:class:`gdlab.AdamW` without bias correction (Adam's flag, which AdamW does not take)."""

    def __init__(self, **settings):
        super().__init__(**settings)
        self.bias_correction = False


_LAM = _SETTINGS["weight_decay"]
_CLASS_HINTS = [
    (lambda: _Decayed("gradient", _LAM, **_ADAM),
     "you added the decay to the gradient, g + λθ: that is Adam with an L2 term in the loss, "
     "whose decay Adam divides by √v̂ with the rest. AdamW shrinks θ outside the step: "
     "θ ← (1 − αλ)θ, then Adam's step on g alone."),
    (lambda: AdamW(**dict(_SETTINGS, weight_decay=_LAM / _SETTINGS["lr"])),
     "your decay is θ ← θ − λθ; AdamW scales it by the learning rate: θ ← (1 − αλ)θ."),
    (lambda: _Uncorrected(**_SETTINGS),
     "these are the steps without bias correction: divide m by 1 − β1^t and v by 1 − β2^t."),
    (lambda: _Decayed("after", _LAM, **_ADAM),
     "you shrank θ after Adam's step; AdamW (like PyTorch) shrinks it first, then steps."),
    (lambda: Adam(**_ADAM),
     "these are Adam's steps, without any decay: shrink θ by 1 − αλ at every update."),
]


def check_adamw_class(attempt) -> Feedback:
    r"""Check an AdamW class the learner wrote in the style of "Deep Learning from Scratch":
    ``attempt(lr=0.1, beta1=0.9, beta2=0.999, eps=1e-8, weight_decay=0.1)`` makes one, and
    its ``update(params, grads)`` changes the dict ``params`` in place. It takes five steps
    from :math:`(-1.5, 2)` on ``gdlab.rosenbrock``, where the decay
    :math:`\alpha\lambda\theta` is up to a fifth of Adam's step :math:`\alpha`, beside
    :class:`gdlab.AdamW` (:func:`gdlab.feedback.check_update_rule`), and the first wrong
    :math:`\theta_t` is named. Recognised slips: the decay added to the gradient (Adam with
    an L2 term in the loss), the decay not scaled by the learning rate
    (:math:`\theta \leftarrow \theta - \lambda\theta`), no bias correction, the decay
    applied after Adam's step instead of before, and no decay at all (Adam).
    """
    return check_update_rule(lambda: attempt(**_SETTINGS), lambda: AdamW(**_SETTINGS),
                             rosenbrock, _START, steps=5, hints=_CLASS_HINTS,
                             axes=["x", "y"])
