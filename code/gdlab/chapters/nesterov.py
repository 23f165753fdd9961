r"""Chapter 4, Nesterov accelerated gradient: its explorers' pictures and its exercise check.

* :func:`explorer` draws heavy-ball momentum and Nesterov side by side on one landscape, the
  two runs that the notebook's ``compute`` step makes for each learning rate and β;
* :func:`lr_explorer` is the widget-plot exercise: the largest learning rate at which heavy
  ball or Nesterov still settles in time on a quadratic, judged by :func:`lr_verdict` from the
  stability limits and spectral radii of :mod:`gdlab.theory`;
* :func:`check_steps` checks two (or more) Nesterov steps computed by hand and recognises
  the usual slips: heavy-ball steps, Sutskever's :math:`\theta_t` instead of the stored
  point, the "Deep Learning from Scratch" update with the velocity renewed too early, and
  gradient ascent;
* :func:`check_nesterov_class` checks a Nesterov optimizer class the learner writes, against
  ``gdlab.Nesterov`` (``torch.optim.SGD(nesterov=True)``), with the same slips as hints.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Callable, Sequence

import numpy as np
from matplotlib.lines import Line2D

from gdlab import plots, theory
from gdlab.explorer import Explorer
from gdlab.feedback import Feedback, Uphill, check_points, check_update_rule
from gdlab.functions import Function, elongated_bowl
from gdlab.optimizers import Momentum, Nesterov
from gdlab.panels import contour_axes, log_ticks, loss_axes, loss_curves, paths, verdict_box
from gdlab.run import Trajectory, run, settles_below
from gdlab.validation import check_choice, check_in_range, check_positive_int

__all__ = ["explorer", "lr_explorer", "lr_verdict", "check_steps", "check_nesterov_class"]

# the keys of the dict the explorer's compute returns: the names (and colours) of the two runs
_RUNS = ("Momentum", "Nesterov")
_LABELS = {"Momentum": "Momentum (heavy ball)", "Nesterov": "Nesterov"}   # in the legend


# -- the explorer -------------------------------------------------------------------------
def explorer(compute: Callable, lrs: Sequence[float], betas: Sequence[float], f: Function,
             steps: int = 60, start: dict | None = None) -> Explorer:
    r"""Sliders for the learning rate (``lrs``, each > 0) and β (``betas``, each in [0, 1))
    over the notebook's ``compute``, drawn as two panels: both paths on the contour lines of
    ``f`` and both loss curves over ``steps`` steps, titled with how each run ended.

    ``compute(lr=..., beta=...)`` is called with one value of each list and must return
    ``{"Momentum": Trajectory, "Nesterov": Trajectory}``: heavy-ball momentum and Nesterov
    with that ``lr`` and ``beta``, each a :class:`~gdlab.Trajectory` of ``gdlab.run`` on
    ``f`` with at most ``steps`` steps (fewer if it diverged). Their paths ``xs``,
    ``gaps()`` and ``diverged`` are drawn; drawing another result raises a TypeError (not
    that dict) or a ValueError (a run of another optimizer, on another function, or longer
    than ``steps``) that names the contract.

    For a quadratic ``f`` the path panel also names NAG's effective momentum
    :math:`\beta(1-\alpha\lambda)` along the flattest and the steepest direction.
    ``result(lr=..., beta=...)`` returns what ``compute`` returned;
    ``start={"lr": ..., "beta": ...}`` picks the first picture.
    """
    if not callable(compute):
        raise TypeError(f"compute must be a function compute(lr, beta) -> dict, got {compute!r}")
    lrs, betas = list(lrs), list(betas)
    for i, lr in enumerate(lrs):
        check_in_range(f"lrs[{i}]", lr, 0.0, low_open=True)
    for i, beta in enumerate(betas):
        check_in_range(f"betas[{i}]", beta, 0.0, 1.0, high_open=True)
    steps = check_positive_int("steps", steps)

    def setup(fig):
        ax_path, ax_loss = fig.subplots(1, 2, width_ratios=[1.3, 1])
        contour_axes(ax_path, f)   # the title names lr and β: draw sets it
        # the start's runs fix the loss axis: the notebook's runs all start at one point
        loss_axes(ax_loss, steps, low=-10, high=_loss_top(shown.result()))
        # one legend for both panels, below them: drawn once, with the background
        fig.legend(handles=[Line2D([], [], marker="o", markersize=2.5, **plots.style_of(name),
                                   label=label) for name, label in _LABELS.items()]
                   + ax_path.get_lines(),   # the minimum's star
                   loc="outside lower center", fontsize=8, ncol=2, frameon=False)
        return ax_path, ax_loss

    def draw(axes, trajs, lr, beta):
        _check_result(trajs, f, steps, f"compute(lr={lr:g}, beta={beta:g})")
        ax_path, ax_loss = axes
        paths(ax_path, {_LABELS[name]: trajs[name] for name in _RUNS}, legend=None)
        ax_path.set_title(_path_title(f, lr, beta), fontsize=10)
        top = _loss_top(trajs)
        if ax_loss.get_ylim()[1] != 10.0 ** top:   # runs from another start: a whole frame
            log_ticks(ax_loss, -10, top, every=2)
        loss_curves(ax_loss, {name: (trajs[name].gaps(), plots.style_of(name))
                              for name in _RUNS}, low=-10, legend=None)
        verdicts = ", ".join(f"{name}: {_verdict(trajs[name])}" for name in _RUNS)
        ax_loss.set_title(f"After {steps} steps\n{verdicts}", fontsize=10)

    shown = Explorer({"lr": lrs, "beta": betas}, compute, draw, start, setup=setup,
                     title="Momentum vs Nesterov", figsize=(9.0, 4.0), max_frames=40)
    return shown


def _check_result(trajs, f: Function, steps: int, call: str) -> None:
    """Raise an error naming the contract of :func:`explorer` if ``trajs``, what ``call``
    returned, is not a Momentum and a Nesterov run on ``f`` of at most ``steps`` steps."""
    contract = '{"Momentum": Trajectory, "Nesterov": Trajectory}'
    if not isinstance(trajs, Mapping) or sorted(trajs) != sorted(_RUNS):
        raise TypeError(f"{call} must return {contract}, got {trajs!r:.80}")
    for name in _RUNS:
        traj = trajs[name]
        if not isinstance(traj, Trajectory):
            raise TypeError(f"{call} must return {contract}; its {name!r} is {traj!r:.60}")
        wrong = (f"a run of {traj.optimizer}" if traj.optimizer != name else
                 f"a run on {traj.function}" if traj.function != f.name else
                 f"{traj.steps} steps long" if traj.steps > steps else "")
        if wrong:
            raise ValueError(f"{call}[{name!r}] is {wrong}; the explorer draws a {name} run "
                             f"on {f.name} of at most {steps} steps")


def _path_title(f: Function, lr: float, beta: float) -> str:
    r"""``lr`` and ``beta``; for a quadratic also NAG's effective momentum
    :math:`\beta(1-\alpha\lambda)` at the smallest and the largest curvature."""
    title = f"lr = {lr:g}, β = {beta:g}"
    eigenvalues = getattr(f, "eigenvalues", None)
    if eigenvalues is not None and len(eigenvalues) > 1:
        flat, steep = theory.nesterov_effective_momentum(
            np.array([eigenvalues[0], eigenvalues[-1]]), lr, beta)
        title += f"\nNAG's effective momentum: {flat:.2f} (flat), {steep:.2f} (steep)"
    return title


def _top_power(first_gap: float) -> int:
    """The loss axis reaches two powers of ten above the starting gap."""
    return int(np.ceil(np.log10(max(first_gap, 1e-10)))) + 2


def _loss_top(trajs) -> int:
    """The top power of the loss axis for the runs ``trajs``, from their larger starting
    gap; 3 if ``trajs`` are not the two runs (draw then says what is wrong)."""
    try:
        return _top_power(max(trajs[name].gaps()[0] for name in _RUNS))
    except (TypeError, KeyError, AttributeError, IndexError):
        return 3


def _verdict(traj) -> str:
    """How a run ended, in a few words: diverged (``gdlab.run`` stopped it, a slowly growing
    run included: its gap passed a million times the start) or the final gap."""
    return "diverged" if traj.diverged else f"gap {traj.gaps()[-1]:.1e}"


# -- explorer 2: the widget-plot exercise ---------------------------------------------------
# the drop-down's names of the two methods -> the optimizer names of their runs (and colours)
_METHODS = {"Nesterov": "Nesterov", "heavy ball": "Momentum"}


def _stability_limit(method: str, beta: float) -> tuple[float, str]:
    r"""The largest stable :math:`\alpha\lambda` of ``method`` at momentum β, and the formula:
    :math:`(2+2\beta)/(1+2\beta)` for Nesterov, :math:`2+2\beta` for heavy ball."""
    if method == "Nesterov":
        return theory.nesterov_stability_limit(beta), "(2 + 2β)/(1 + 2β)"
    return 2.0 + 2.0 * beta, "2 + 2β"


def lr_verdict(traj: Trajectory, lr: float, beta: float, f: Function, target: int,
               tol: float) -> tuple[bool, str]:
    r"""(on target?, verdict) for a run of heavy ball or Nesterov (``traj.optimizer``) with
    learning rate ``lr`` and momentum ``beta`` on the quadratic ``f``, curvatures
    :math:`\mu..L` (``f.eigenvalues``): on target if the distance to the minimum stays
    below ``tol`` from step ``target`` on. Otherwise either :math:`\alpha L` is at or past the
    method's stability limit (lower α), or the run is too slow: the end of the spectrum with
    the larger spectral radius says which way to move, the flat one (raise α) or the steep
    one (lower α)."""
    method = "Nesterov" if traj.optimizer == "Nesterov" else "heavy ball"
    reached = settles_below(traj.distances(), tol)
    if reached is not None and reached <= target:
        return True, f"on target: within {tol:g} from step {reached} ≤ {target}"
    mu, L = f.eigenvalues[0], f.eigenvalues[-1]
    limit, formula = _stability_limit(method, beta)
    if lr * L >= limit:
        how = (traj.status.split(":")[0] if traj.diverged
               else f"does not settle in {traj.steps} steps")
        return False, (f"{how}: αL = {lr * L:g} ≥ {limit:.3g},\n{method}'s limit {formula}\n"
                       f"at β = {beta:g}: lower α")
    radius = (theory.nesterov_spectral_radius if method == "Nesterov"
              else theory.heavy_ball_spectral_radius)
    flat, steep = radius(mu, lr, beta), radius(L, lr, beta)
    end, lam, move = ("flat", mu, "raise α") if flat >= steep else ("steep", L, "lower α")
    when = (f"not within {tol:g} by step {traj.steps}" if reached is None
            else f"within {tol:g} from step {reached}")
    return False, (f"too slow: {when},\ntarget ≤ {target}; slowest: the {end} direction\n"
                   f"(λ = {lam:g}), × {max(flat, steep):.3f} per step: {move}")


def lr_explorer(compute: Callable, lrs: Sequence[float], methods: Sequence[str], f: Function,
                beta: float, target: int, tol: float, steps: int,
                start: dict | None = None) -> Explorer:
    r"""The widget-plot exercise: a slider over the learning rate (``lrs``, each > 0) and a
    drop-down over the method (``methods``, from "Nesterov" and "heavy ball").
    ``compute(lr=..., method=...)`` returns ``{"trajectory": Trajectory}``, that method with
    momentum ``beta`` on the quadratic ``f`` for ``steps`` steps (fewer if it diverged). The
    frame shows the distance to the minimum on a log scale, the target (below ``tol`` from
    step ``target`` on) dashed, and the verdict of :func:`lr_verdict`."""
    if not callable(compute):
        raise TypeError(f"compute must be a function compute(lr, method) -> dict, got {compute!r}")
    lrs, methods = list(lrs), list(methods)
    if not lrs or not methods:
        raise ValueError(f"lrs and methods must each list at least one value, got lrs={lrs}, "
                         f"methods={methods}")
    lrs = [check_in_range(f"lrs[{i}]", lr, 0.0, low_open=True) for i, lr in enumerate(lrs)]
    methods = [check_choice(f"methods[{i}]", m, list(_METHODS)) for i, m in enumerate(methods)]
    if getattr(f, "eigenvalues", None) is None or f.eigenvalues[0] <= 0:
        raise ValueError(f"f must be a gdlab.Quadratic with a minimum (the verdict needs its "
                         f"curvatures), got {getattr(f, 'name', f)!r}")
    beta = check_in_range("beta", beta, 0.0, 1.0, high_open=True)
    steps = check_positive_int("steps", steps)
    target = check_positive_int("target", target)
    if target > steps:
        raise ValueError(f"target must be at most steps = {steps}, got {target}")
    tol = check_in_range("tol", tol, 0.0, low_open=True)
    low, high = -10, 4   # the distance axis, 1e-10..1e4 (gdlab.run stops a run that diverges)

    def setup(fig):
        ax = fig.subplots()
        ax.plot([target, target, steps], [10.0 ** high, tol, tol], "--", color="black",
                linewidth=1, label=f"target: < {tol:g} from step {target}")
        log_ticks(ax, low, high, 2)
        ax.set_xlim(0, steps)
        ax.set_xlabel("step t")
        ax.set_ylabel("distance to the minimum")
        return ax

    def draw(ax, result, lr, method):
        traj = _attempt(result, f, steps, f"compute(lr={lr:g}, method={method!r})", method)
        ok, verdict = lr_verdict(traj, lr, beta, f, target, tol)
        ax.axvspan(target, steps, ymax=(np.log10(tol) - low) / (high - low),
                   color="#009E73" if ok else "#D55E00", alpha=0.12)
        distance = np.maximum(traj.distances(), 10.0 ** low)
        ax.plot(np.arange(len(distance)), distance, **plots.style_of(traj.optimizer),
                label=method)
        ax.set_title(f"{method.capitalize()}, α = {lr:g}, β = {beta:g} "
                     f"(αL = {lr * f.eigenvalues[-1]:g})", fontsize=10)
        ax.legend(loc="lower left", fontsize=8)
        verdict_box(ax, verdict, fontsize=9)

    shown = Explorer({"lr": lrs, "method": methods}, compute, draw, start, setup=setup,
                     title="Exercise: the largest α that still settles in time",
                     figsize=(8.0, 3.6), dpi=72, max_frames=16)
    first = shown.start
    _attempt(shown.result(), f, steps,
             f"compute(lr={first['lr']:g}, method={first['method']!r})", first["method"])
    return shown


def _attempt(result, f: Function, steps: int, call: str, method: str) -> Trajectory:
    """``result["trajectory"]``, checked: a dict with a run of ``method`` on ``f`` of
    ``steps`` steps (fewer if it diverged); else an error naming ``call`` and the contract."""
    if not isinstance(result, Mapping) or not isinstance(result.get("trajectory"), Trajectory):
        raise TypeError(f'{call} must return {{"trajectory": Trajectory}}, got {result!r:.80}')
    traj = result["trajectory"]
    wrong = (f"a run of {traj.optimizer}" if traj.optimizer != _METHODS[method] else
             f"a run on {traj.function}" if traj.function != f.name else
             f"{traj.steps} steps long" if traj.steps != steps and not traj.diverged else "")
    if wrong:
        raise ValueError(f"{call}['trajectory'] is {wrong}; the explorer draws a "
                         f"{_METHODS[method]} run on {f.name} of {steps} steps")
    return traj


# -- the exercise check -------------------------------------------------------------------
def check_steps(answer, f: Function, x0, lr: float, beta: float, steps: int = 2) -> Feedback:
    r"""Check ``steps`` hand-computed Nesterov iterates x1, x2, ... from ``x0`` (velocity 0).

    The iterates are the points NAG stores and takes gradients at (Bengio's form, as in
    ``gdlab.Nesterov`` and ``torch.optim.SGD(nesterov=True)``):

    .. math:: g = \nabla f(x), \quad v \leftarrow \beta v + g, \quad x \leftarrow x - \alpha(g + \beta v).

    Recognised slips: heavy-ball steps (no look-ahead), Sutskever's :math:`\theta_t` instead of
    the stored point :math:`\theta_t + \beta v_t`, the "Deep Learning from Scratch" update with
    the velocity renewed *before* :math:`x \leftarrow x + \beta^2 v - (1+\beta)\alpha g`, and
    a flipped sign (gradient ascent).
    """
    lr = check_in_range("lr", lr, 0.0)   # a number: the Sutskever hint needs lr itself
    steps = check_positive_int("steps", steps)

    def points(optimizer, landscape=f):
        """x0, x1, ..., x_steps; followed however far they go, as a hand computation would."""
        huge = np.finfo(float).max
        return run(optimizer, landscape, x0, steps, max_norm=huge, growth=huge).xs

    stored = points(Nesterov(lr=lr, beta=beta))   # checks beta and x0 too
    hints = [
        (points(Momentum(lr=lr, beta=beta))[1:],
         "these are heavy-ball momentum steps, x ← x − lr·v. Nesterov's step is "
         "x ← x − lr·(g + β·v), with the v just updated: the look-ahead counts the "
         "gradient once more."),
        (_sutskever_points(f, stored, lr),
         "these are Sutskever's θ_t. The exercise asks for the points NAG stores and takes "
         "gradients at, θ_t + β·v_t (Bengio's form, PyTorch's nesterov=True)."),
        (points(_VelocityRenewedFirst(lr=lr, beta=beta))[1:],
         "you renewed the velocity v ← βv − lr·g before x ← x + β²v − (1+β)·lr·g; that "
         "formula needs the velocity from before this step (equivalently x ← x + βv − lr·g "
         "with the new v)."),
        (points(Nesterov(lr=lr, beta=beta), Uphill(f))[1:],
         "every step went uphill: the gradient enters with a minus sign, x ← x − lr·(g + βv)."),
    ]
    names = [f"x{t}" for t in range(1, steps + 1)]
    return check_points(answer, stored[1:], names, hints=hints)


def _sutskever_points(f: Function, stored, lr: float) -> np.ndarray:
    r"""Slip: Sutskever's :math:`\theta_1, \theta_2, \dots` instead of NAG's stored points.

    With :math:`\theta_t = \tilde\theta_t - \beta v_t` and
    :math:`\tilde\theta_t = \tilde\theta_{t-1} + \beta v_t - \alpha g_t` each is a plain
    gradient step from the stored point before it,
    :math:`\theta_t = \tilde\theta_{t-1} - \alpha\nabla f(\tilde\theta_{t-1})`."""
    return np.array([x - lr * f.grad(x) for x in stored[:-1]])


class _VelocityRenewedFirst(Nesterov):
    r"""Slip of the source notes: :math:`v \leftarrow \beta v - \alpha g` first, then
    :math:`x \leftarrow x + \beta^2 v - (1+\beta)\alpha g` with that *new* :math:`v` (the
    formula wants the old one). Here ``v`` is a displacement, not PyTorch's buffer."""

    def step(self, param, grad, state, lr):
        v = state["v"]
        v *= self.beta
        v -= lr * grad
        param += self.beta ** 2 * v - (1.0 + self.beta) * lr * grad


class _Ascent(Nesterov):
    """Slip: Nesterov's update with the gradient's sign flipped (it climbs)."""

    def step(self, param, grad, state, lr):
        super().step(param, -grad, state, lr)


# the problem of the exercise ex-nesterov-class: the ravine, its start, the chapter's α and β
CLASS_LR, CLASS_BETA, CLASS_X0, CLASS_STEPS = 0.3, 0.9, (-8.0, 2.0), 5


def check_nesterov_class(attempt) -> Feedback:
    r"""Check a Nesterov optimizer class written in the style of "Deep Learning from
    Scratch": ``attempt(lr=0.3, beta=0.9)`` makes it, and its ``update(params, grads)``
    changes the dict ``params`` in place. It takes 5 steps on the ravine
    :math:`x^2/20 + y^2` from (-8, 2) beside ``gdlab.Nesterov`` (PyTorch's
    ``SGD(momentum=β, nesterov=True)``):

    .. math:: b \leftarrow \beta b + g, \qquad \theta \leftarrow \theta - \alpha(g + \beta b),

    and the first step that differs is named (any bookkeeping with the same iterates passes,
    the velocity form of Bengio's included). Recognised slips: heavy ball (the parameter line
    uses the buffer from before this step's gradient), the "Deep Learning from Scratch"
    class (velocity renewed before the line that needs the old one), and a flipped sign.
    """
    def make(cls):
        return lambda: cls(lr=CLASS_LR, beta=CLASS_BETA)

    hints = [
        (make(Momentum),
         "that is heavy ball: θ moved with the buffer from before this step's gradient was "
         "added (or by −lr·b alone). Nesterov renews b first, then moves by −lr·(g + β·b)."),
        (make(_VelocityRenewedFirst),
         "that is the \"Deep Learning from Scratch\" class: it renews v ← βv − lr·g before "
         "θ ← θ + β²v − (1+β)·lr·g, which needs the old v. Swap the two lines, or write "
         "PyTorch's form b ← βb + g, θ ← θ − lr·(g + βb)."),
        (make(_Ascent), "every step went uphill: θ ← θ − lr·(g + β·b), with a minus sign."),
    ]
    return check_update_rule(make(attempt), make(Nesterov), elongated_bowl, CLASS_X0,
                             steps=CLASS_STEPS, hints=hints)

