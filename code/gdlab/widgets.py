"""Explorers: interactive figures that work in Jupyter *and* on the static website.

An :class:`Explorer` has named controls, each a short list of values, a ``compute`` function
that turns control values into a result (this is what the tests check) and a ``draw``
function that turns the result into a figure. Shown in a notebook it offers two faces:

* in Jupyter (a live kernel) the ipywidgets sliders, re-computing and re-drawing on change;
* on the website (no kernel) a self-contained HTML scrubber: every combination of values is
  drawn in advance and the sliders swap the pictures with a few lines of JavaScript.

Both faces walk the same grid of values, so the website shows exactly what Jupyter would.
JupyterLab and VS Code prefer the live widget; the book's ``_config.yml`` tells the website
to prefer ``text/html``.
"""

from __future__ import annotations

import base64
import hashlib
import html
import io
import itertools
import json
from typing import Callable, Sequence

import matplotlib as mpl
import numpy as np
from matplotlib.figure import Figure
from PIL import Image

from . import plots
from .ewma import ewma
from .functions import Function
from .optimizers import SGD
from .run import run
from .validation import check_choice, check_positive_int

__all__ = ["Explorer", "learning_rate_explorer", "ewma_explorer"]


def _label(value) -> str:
    if isinstance(value, (bool, np.bool_)):
        return "on" if value else "off"
    return f"{value:g}" if isinstance(value, (float, int, np.floating)) else str(value)


def _palette_png(png: bytes, colors: int = 128) -> bytes:
    """Re-encode a PNG with a palette of ``colors`` colours: line plots look the same and
    take about a third of the bytes, which keeps notebooks and web pages small."""
    image = Image.open(io.BytesIO(png)).convert("RGB")
    buffer = io.BytesIO()
    image.quantize(colors=colors, method=Image.Quantize.MEDIANCUT).save(
        buffer, format="PNG", optimize=True)
    return buffer.getvalue()


class Explorer:
    """Controls -> ``compute`` -> ``draw``, live in Jupyter, pre-rendered on the website.

    Parameters
    ----------
    controls : dict mapping a control's name to the list of values it can take.
    compute : ``compute(**values) -> result``; pure, cheap and tested.
    draw : ``draw(fig, result, **values)``; draws onto an empty matplotlib Figure.
    defaults : the starting value of each control (each must be in its list); a control
        left out, or given as None, starts at the middle of its list.
    title : a heading shown above the controls.
    max_frames : the most pictures the website version may hold (the product of the
        list lengths); it keeps notebooks small.
    layout : ``"constrained"`` lays the first picture out automatically and reuses those
        axes positions for every other picture (so the scrubber does not jitter); ``None``
        keeps the positions ``draw`` sets itself.
    """

    def __init__(self, controls: dict[str, Sequence], compute: Callable, draw: Callable,
                 defaults: dict | None = None, title: str = "", figsize=(9.0, 3.6),
                 dpi: int = 80, max_frames: int = 60, layout: str | None = "constrained"):
        if not controls:
            raise ValueError("controls must name at least one control, got none")
        self.controls = {name: list(values) for name, values in controls.items()}
        for name, values in self.controls.items():
            if len(values) == 0:
                raise ValueError(f"controls[{name!r}] must list at least one value, got none")
        frames = int(np.prod([len(v) for v in self.controls.values()]))
        max_frames = check_positive_int("max_frames", max_frames)
        if frames > max_frames:
            raise ValueError(f"controls give {frames} combinations; max_frames allows "
                             f"{max_frames} (use shorter lists or raise max_frames)")
        self.defaults = {name: values[len(values) // 2] for name, values in self.controls.items()}
        for name, value in (defaults or {}).items():
            if value is None:   # None: keep the middle value
                continue
            if name not in self.controls:
                raise ValueError(f"defaults has {name!r}, which is not a control; "
                                 f"controls are {', '.join(self.controls)}")
            if value not in self.controls[name]:
                raise ValueError(f"defaults[{name!r}] must be one of {self.controls[name]}, "
                                 f"got {value!r}")
            self.defaults[name] = value
        self.compute, self.draw, self.title = compute, draw, title
        self.figure = Figure(figsize=figsize, dpi=dpi, layout="none")   # ignore rcParams
        self.dpi = dpi
        self._positions = None   # axes positions found by the first (laid-out) render
        self.layout = check_choice("layout", layout, ("constrained", None))
        self._cache = {}         # PNG bytes per combination of control values

    # -- the pieces, each testable on its own -----------------------------------------
    def result(self, **values):
        """``compute`` at the given control values (missing ones take their defaults)."""
        return self.compute(**self._complete(values))

    def render(self, **values) -> bytes:
        """The figure for the given control values, as PNG bytes (drawn once, then cached)."""
        values = self._complete(values)
        key = tuple(values[name] for name in self.controls)
        if key not in self._cache:
            self._cache[key] = self._draw_png(values)
        return self._cache[key]

    def _draw_png(self, values: dict) -> bytes:
        self.figure.clear()
        self.draw(self.figure, self.compute(**values), **values)
        if self.layout == "constrained":
            self._lay_out()
        buffer = io.BytesIO()
        # The book style turns constrained layout on in rcParams, and savefig may consult
        # rcParams again; the explorer decides the layout itself, so switch it off here.
        with mpl.rc_context({"figure.constrained_layout.use": False, "figure.autolayout": False}):
            self.figure.set_layout_engine(None)
            self.figure.savefig(buffer, format="png", dpi=self.dpi)
        return _palette_png(buffer.getvalue())

    def _lay_out(self) -> None:
        """Constrained layout for the first picture; the same axes positions afterwards."""
        if self._positions is None:
            if not all(ax.get_subplotspec() for ax in self.figure.axes):
                self._positions = []   # axes placed with add_axes keep their own positions
                return
            self.figure.set_layout_engine("constrained")
            self.figure.draw_without_rendering()
            self._positions = [ax.get_position() for ax in self.figure.axes]
            self.figure.set_layout_engine("none")
        elif self._positions and len(self._positions) == len(self.figure.axes):
            for ax, position in zip(self.figure.axes, self._positions):
                ax.set_position(position)

    def _complete(self, values: dict) -> dict:
        for name, value in values.items():
            if name not in self.controls:
                raise ValueError(f"{name!r} is not a control; controls are "
                                 f"{', '.join(self.controls)}")
        return {**self.defaults, **values}

    # -- face 1: the live widget ------------------------------------------------------
    def widget(self):
        """An ipywidgets box: one slider per control above the picture."""
        import ipywidgets as w

        sliders = {name: w.SelectionSlider(options=[(_label(v), v) for v in values],
                                           value=self.defaults[name], description=name,
                                           continuous_update=False,
                                           layout=w.Layout(width="420px"))
                   for name, values in self.controls.items()}
        image = w.Image(value=self.render(**self.defaults), format="png")

        def redraw(_change=None):
            image.value = self.render(**{n: s.value for n, s in sliders.items()})

        for slider in sliders.values():
            slider.observe(redraw, names="value")
        header = [w.HTML(f"<b>{html.escape(self.title)}</b>")] if self.title else []
        return w.VBox(header + list(sliders.values()) + [image])

    # -- face 2: the static scrubber --------------------------------------------------
    def to_html(self) -> str:
        """A self-contained HTML scrubber over every combination of control values."""
        names = list(self.controls)
        frames = [base64.b64encode(self.render(**dict(zip(names, combo)))).decode("ascii")
                  for combo in itertools.product(*self.controls.values())]
        uid = "gdlab-" + hashlib.sha1(
            (self.title + repr(self.controls)).encode()).hexdigest()[:10]
        rows = []
        for k, name in enumerate(names):
            values = self.controls[name]
            start = values.index(self.defaults[name])
            rows.append(
                f'<div style="margin:2px 0"><label style="display:inline-block;min-width:7em">'
                f'{html.escape(name)}</label><input type="range" min="0" max="{len(values) - 1}"'
                f' step="1" value="{start}" data-k="{k}" style="width:260px;vertical-align:middle"'
                f' aria-label="{html.escape(name)}"> <output>{html.escape(_label(self.defaults[name]))}'
                f'</output></div>')
        labels = json.dumps([[_label(v) for v in self.controls[n]] for n in names])
        sizes = json.dumps([len(self.controls[n]) for n in names])
        title = f"<b>{html.escape(self.title)}</b>" if self.title else ""
        first = frames[self._frame_index([self.controls[n].index(self.defaults[n]) for n in names])]
        return f"""<div id="{uid}" class="gdlab-explorer" style="font-family:sans-serif;font-size:14px">
{title}{''.join(rows)}
<img style="max-width:100%" alt="{html.escape(self.title or 'explorer')}" src="data:image/png;base64,{first}">
<script>(function(){{
var root=document.getElementById("{uid}"),frames={json.dumps(frames)},labels={labels},sizes={sizes};
var inputs=root.querySelectorAll("input[type=range]"),img=root.querySelector("img");
function show(){{var idx=0;for(var k=0;k<inputs.length;k++){{var i=+inputs[k].value;idx=idx*sizes[k]+i;
inputs[k].nextElementSibling.textContent=labels[k][i];}}img.src="data:image/png;base64,"+frames[idx];}}
for(var k=0;k<inputs.length;k++){{inputs[k].addEventListener("input",show);}}
}})();</script>
<div style="color:#666;font-size:12px">Pre-computed for the website: run the notebook for the live version.</div>
</div>"""

    def _frame_index(self, positions) -> int:
        index = 0
        for size, position in zip((len(v) for v in self.controls.values()), positions):
            index = index * size + position
        return index

    def _repr_mimebundle_(self, include=None, exclude=None):
        page = self.to_html()   # draws every frame; the live widget then reuses them
        bundle = self.widget()._repr_mimebundle_(include=include, exclude=exclude)
        bundle["text/html"] = page
        return bundle


# -- chapter 1: gradient descent ----------------------------------------------------------
def learning_rate_explorer(f: Function, x0, lrs: Sequence[float], steps: int = 30,
                           default: float | None = None) -> Explorer:
    """Gradient descent on ``f`` from ``x0`` with each learning rate in ``lrs``: the path on
    the contour plot and the loss curve. The loss axis has the same limits in every frame
    (spanning all the runs), so moving the slider compares the curves."""

    def compute(lr):
        return run(SGD(lr=lr), f, x0, steps)

    gap_limits = []   # filled on the first draw: the smallest and largest gap over all runs

    def draw(fig, traj, lr):
        if not gap_limits:
            every_gap = np.concatenate([compute(value).gaps() for value in lrs])
            every_gap = np.maximum(every_gap[np.isfinite(every_gap)], 1e-16)
            gap_limits.extend([every_gap.min() / 3, every_gap.max() * 3])
        ax_path, ax_loss = fig.subplots(1, 2, width_ratios=[1.3, 1])
        plots.plot_contours(ax_path, f)
        plots.plot_trajectory(ax_path, traj, label=f"GD, lr = {lr:g}")
        ax_path.legend(loc="upper right", fontsize=8)
        ax_path.set_title(f"Gradient descent on {f.name}")
        gaps = traj.gaps()
        ax_loss.semilogy(np.arange(len(gaps)), np.maximum(gaps, 1e-16), color=plots.COLORS["SGD"])
        ax_loss.set_xlim(0, steps)
        ax_loss.set_ylim(*gap_limits)
        ax_loss.yaxis.set_minor_locator(mpl.ticker.NullLocator())   # a quarter of the drawing time
        ax_loss.set_xlabel("step $t$")
        ax_loss.set_ylabel("$f(x_t) - f^*$ (log scale)")
        verdict = traj.status if traj.diverged else f"final gap {gaps[-1]:.2e}"
        ax_loss.set_title(f"lr = {lr:g}: {verdict}", fontsize=10)

    defaults = {"lr": default}
    return Explorer({"lr": list(lrs)}, compute, draw, defaults,
                    title="Learning rate explorer")


# -- chapter 2: EWMA ----------------------------------------------------------------------
def ewma_explorer(series, betas: Sequence[float], default: float | None = None,
                  truth=None, zoom: int = 60) -> Explorer:
    """The EWMA of ``series`` for each β in ``betas``, plain or bias-corrected.

    Three panels: the whole series with its average (and the noise-free ``truth``, if
    given, with the average's RMS error against it); the weights the average puts on
    past points, with the window 1/(1−β); and the first ``zoom`` points, where the
    start-up bias of a zero-started average shows. ``result(beta=..., bias_correction=...)``
    is the average shown, ``gdlab.ewma(series, beta, bias_correction)``.
    """
    from .validation import check_finite_array

    series = check_finite_array("series", series, ndim=1)
    if truth is not None:
        truth = check_finite_array("truth", truth, ndim=1)
        if truth.shape != series.shape:
            raise ValueError(f"truth must have the shape of series {series.shape}, "
                             f"got {truth.shape}")
    zoom = min(check_positive_int("zoom", zoom, minimum=2), len(series))
    t = np.arange(1, len(series) + 1)
    low, high = series.min(), series.max()
    pad = 0.05 * (high - low + 1e-12)

    def compute(beta, bias_correction):
        return ewma(series, beta, bias_correction=bias_correction)

    def draw(fig, average, beta, bias_correction):
        other = ewma(series, beta, bias_correction=not bias_correction)
        window = 1.0 / (1.0 - beta)
        # Fixed margins: every frame gets the same layout, so the scrubber does not jitter.
        grid = fig.add_gridspec(2, 2, height_ratios=[1.25, 1], left=0.085, right=0.985,
                                top=0.94, bottom=0.085, hspace=0.42, wspace=0.2)
        ax_year = fig.add_subplot(grid[0, :])
        ax_weights = fig.add_subplot(grid[1, 0])
        ax_start = fig.add_subplot(grid[1, 1])
        kind = "bias-corrected" if bias_correction else "plain"
        other_kind = "plain" if bias_correction else "bias-corrected"
        main_color, other_color = plots.AVERAGE_COLORS[0], plots.AVERAGE_COLORS[1]

        ax_year.plot(t, series, ".", color=plots.DATA_COLOR, markersize=2.5,
                     label="data $\\theta_t$")
        if truth is not None:
            ax_year.plot(t, truth, "--", color="black", linewidth=1.0, label="true curve")
        ax_year.plot(t, average, color=main_color, linewidth=1.8,
                     label=f"EWMA ({kind})")
        ax_year.set_ylim(low - pad, high + pad)
        ax_year.set_xlim(0, len(series) + 1)
        ax_year.set_xlabel("$t$")
        ax_year.set_ylabel("value")
        heading = f"β = {beta:g}: window ≈ 1/(1−β) = {window:.3g} points"
        if truth is not None:
            heading += f"; RMS error vs true curve {np.sqrt(np.mean((average - truth) ** 2)):.2f}"
        ax_year.set_title(heading)
        ax_year.legend(loc="upper left", ncol=3)

        ages = np.arange(0, 121)
        ax_weights.fill_between(ages, (1 - beta) * beta ** ages, step="mid", color=main_color,
                                alpha=0.8, linewidth=0)
        if window <= ages[-1]:
            ax_weights.axvline(window, color="black", linestyle="--", linewidth=1,
                               label=f"1/(1−β) = {window:.3g}")
            ax_weights.legend(loc="upper right")
        ax_weights.set_xlim(-1, ages[-1] + 1)
        ax_weights.set_ylim(0, None)
        ax_weights.set_xlabel("age of the point, $t - i$")
        ax_weights.set_ylabel("weight $(1-β)β^{t-i}$")
        ax_weights.set_title("Weight on each past point")

        first = slice(0, zoom)
        ax_start.plot(t[first], series[first], ".", color=plots.DATA_COLOR, markersize=4,
                      label="data")
        if truth is not None:
            ax_start.plot(t[first], truth[first], "--", color="black", linewidth=1.0)
        ax_start.plot(t[first], other[first], color=other_color, linewidth=1.2, alpha=0.5,
                      label=other_kind)
        ax_start.plot(t[first], average[first], color=main_color, linewidth=1.8,
                      label=kind)
        ax_start.set_ylim(min(series[first].min(), 0.0) - pad, series[first].max() + pad)
        ax_start.set_xlabel("$t$")
        ax_start.set_ylabel("value")
        ax_start.set_title(f"The first {zoom} points: start-up")
        ax_start.legend(loc="lower right", ncol=3)

    defaults = {"bias_correction": False, "beta": default}
    return Explorer({"beta": list(betas), "bias_correction": [False, True]}, compute, draw,
                    defaults, title="EWMA explorer", figsize=(9.0, 5.6), layout=None)


# -- chapter 3: momentum -------------------------------------------------------------------

# Imports used only here live in this section: other chapters edit the module header.
from matplotlib import ticker  # noqa: E402

from . import theory  # noqa: E402
from .optimizers import Momentum  # noqa: E402

__all__ += ["momentum_explorer"]


def momentum_explorer(f: Function, x0, lrs: Sequence[float], betas: Sequence[float],
                      steps: int = 80, tol: float = 1e-6, default_lr: float | None = None,
                      default_beta: float | None = None) -> Explorer:
    r"""Heavy-ball momentum on ``f`` from ``x0`` for each learning rate and β, beside plain
    gradient descent with the same learning rate: the two paths on the contour plot and the
    two loss curves. β = 0 is gradient descent itself.

    ``compute(lr, beta)`` returns a dict with the two trajectories (``"momentum"``, ``"gd"``),
    the steps each needs to stay within ``tol`` of the minimum (``None`` if it never does
    within ``steps``) and, when ``f`` is a quadratic with curvatures in :math:`[\mu, L]`, the
    theoretical rate of heavy-ball (``"rate"``, else ``None``).
    """
    steps = check_positive_int("steps", steps)
    eigenvalues = getattr(f, "eigenvalues", None)
    convex_quadratic = eigenvalues is not None and eigenvalues[0] > 0

    def compute(lr, beta):
        momentum = run(Momentum(lr=lr, beta=beta), f, x0, steps)
        gd = run(SGD(lr=lr), f, x0, steps)
        rate = (theory.heavy_ball_rate(eigenvalues[0], eigenvalues[-1], lr, beta)
                if convex_quadratic else None)
        return {"momentum": momentum, "gd": gd, "rate": rate,
                "steps_momentum": momentum.steps_to(tol), "steps_gd": gd.steps_to(tol)}

    def draw(fig, result, lr, beta):
        ax_path, ax_loss = fig.subplots(1, 2, width_ratios=[1.4, 1])
        plots.plot_contours(ax_path, f, levels=15, resolution=150)
        plots.plot_trajectory(ax_path, result["gd"], label=f"GD, lr = {lr:g}",
                              markersize=2.0)
        for line in ax_path.lines[-2:]:   # the GD path and its start marker, faded
            line.set_alpha(0.45)
        plots.plot_trajectory(ax_path, result["momentum"],
                              label=f"momentum, lr = {lr:g}, β = {beta:g}")
        ax_path.legend(loc="upper right", fontsize=8)
        ax_path.set_title(f"Paths on {f.name}", fontsize=10)
        for key, name in (("gd", "GD"), ("momentum", "momentum")):
            gaps = np.maximum(result[key].gaps(), 1e-300)
            ax_loss.semilogy(np.arange(len(gaps)), gaps, label=name,
                             color=plots.COLORS["SGD" if key == "gd" else "Momentum"],
                             alpha=0.6 if key == "gd" else 1.0)
        ax_loss.set_xlim(0, steps)
        ax_loss.set_ylim(1e-14, 1e4)
        # plain-text tick labels: mathtext "10^k" labels would be re-parsed every frame
        ax_loss.yaxis.set_major_locator(ticker.LogLocator(numticks=7))
        ax_loss.yaxis.set_major_formatter(ticker.LogFormatter())
        ax_loss.yaxis.set_minor_formatter(ticker.NullFormatter())
        ax_loss.set_xlabel("step t")
        ax_loss.set_ylabel("f(x) − f* (log scale)")
        ax_loss.legend(loc="lower left")
        ax_loss.set_title("Loss curves", fontsize=10)
        ax_loss.text(0.97, 0.97, _momentum_verdict(result, tol), transform=ax_loss.transAxes,
                     ha="right", va="top", fontsize=7.5,
                     bbox=dict(boxstyle="round", facecolor="white", alpha=0.9, linewidth=0.5))

    defaults = {"lr": default_lr, "beta": default_beta}
    return Explorer({"lr": list(lrs), "beta": list(betas)}, compute, draw, defaults,
                    title="Momentum explorer: learning rate and β", figsize=(9.6, 3.8),
                    max_frames=40)


def _momentum_verdict(result, tol) -> str:
    """One line per method: diverged, or the steps to reach ``tol``; plus the theory rate."""
    lines = []
    for key, name in (("momentum", "momentum"), ("gd", "GD")):
        traj, needed = result[key], result[f"steps_{key}"]
        if traj.diverged:
            lines.append(f"{name}: diverged")
        elif needed is None:
            lines.append(f"{name}: not within {tol:g} in {traj.steps} steps")
        else:
            lines.append(f"{name}: within {tol:g} after {needed} steps")
    rate = result["rate"]
    if rate is not None:
        change = "shrinks" if rate < 1 else "grows (unstable)"
        lines.append(f"theory: momentum's error {change} ×{rate:.3f} per step")
    return "\n".join(lines)



# -- chapter 4: Nesterov -------------------------------------------------------------------
__all__ += ["nesterov_explorer"]


def nesterov_explorer(f: Function, x0, lrs: Sequence[float], betas: Sequence[float],
                      steps: int = 60, default_lr: float | None = None,
                      default_beta: float | None = None) -> Explorer:
    """Heavy-ball momentum and Nesterov with the same ``lr`` and ``beta`` on ``f`` from ``x0``:
    both paths on one contour plot, both loss curves beside it.

    ``result(lr=..., beta=...)`` is a dict ``{"Momentum": Trajectory, "Nesterov": Trajectory}``.
    For a quadratic the path panel also names NAG's effective momentum
    :math:`\\beta(1-\\alpha\\lambda)` along the flattest and the steepest direction.
    """
    from .optimizers import Momentum, Nesterov

    steps = check_positive_int("steps", steps)

    def compute(lr, beta):
        return {"Momentum": run(Momentum(lr=lr, beta=beta), f, x0, steps),
                "Nesterov": run(Nesterov(lr=lr, beta=beta), f, x0, steps)}

    def draw(fig, trajs, lr, beta):
        ax_path, ax_loss = fig.subplots(1, 2, width_ratios=[1.3, 1])
        plots.plot_contours(ax_path, f, levels=20, resolution=120)
        for name, traj in trajs.items():
            plots.plot_trajectory(ax_path, traj, label=name if name == "Nesterov"
                                  else "Momentum (heavy ball)", markersize=2.5)
        ax_path.legend(loc="upper right", fontsize=8)
        title = f"lr = {lr:g}, β = {beta:g}"
        eigenvalues = getattr(f, "eigenvalues", None)
        if eigenvalues is not None and len(eigenvalues) > 1:
            flat, steep = (beta * (1.0 - lr * lam) for lam in (eigenvalues[0], eigenvalues[-1]))
            title += f"\nNAG's effective momentum: {flat:.2f} (flat), {steep:.2f} (steep)"
        ax_path.set_title(title, fontsize=10)
        first_gap = None
        verdicts = []
        for name, traj in trajs.items():
            gaps = traj.gaps()
            first_gap = gaps[0]
            ax_loss.semilogy(np.arange(len(gaps)), np.maximum(gaps, 1e-16),
                             color=plots.color_of(name), label=name)
            verdicts.append(f"{name}: {_nesterov_verdict(traj)}")
        ax_loss.set_xlim(0, steps)
        ax_loss.set_ylim(1e-10, 1e2 * max(first_gap, 1e-10))
        ax_loss.set_xlabel("step $t$")
        ax_loss.set_ylabel("$f(x_t) - f^*$ (log scale)")
        ax_loss.set_title(f"After {steps} steps\n" + ", ".join(verdicts), fontsize=10)
        ax_loss.legend(loc="lower left")

    defaults = {"lr": default_lr, "beta": default_beta}
    return Explorer({"lr": list(lrs), "beta": list(betas)}, compute, draw, defaults,
                    title="Momentum vs Nesterov", figsize=(9.0, 4.0), max_frames=40)


def _nesterov_verdict(traj) -> str:
    """How a run ended, in a few words: diverged (stopped early), growing (the loss gap ended
    above where it started, an unstable run that has not blown up yet) or the final gap."""
    if traj.diverged:
        return "diverged"
    gaps = traj.gaps()
    if gaps[-1] > gaps[0]:
        return f"growing, gap {gaps[-1]:.1e}"
    return f"gap {gaps[-1]:.1e}"


# -- chapter 5: AdaGrad, RMSProp, AdaDelta -------------------------------------------------
__all__ += ["adaptive_explorer"]

ADAPTIVE_OPTIMIZERS = ("AdaGrad", "RMSProp", "AdaDelta")


def _adaptive_optimizer(name: str, lr: float, decay: float):
    """AdaGrad (``decay`` unused), RMSProp (β = ``decay``) or AdaDelta (ρ = ``decay``), with
    the library default ε."""
    from .optimizers import AdaDelta, AdaGrad, RMSProp

    if name == "AdaGrad":
        return AdaGrad(lr=lr)
    if name == "RMSProp":
        return RMSProp(lr=lr, beta=decay)
    if name == "AdaDelta":
        return AdaDelta(lr=lr, rho=decay)
    raise ValueError(f"optimizer must be one of {', '.join(ADAPTIVE_OPTIMIZERS)}; got {name!r}")


def _plain_log_ticks(ax, low: int, high: int, every: int) -> None:
    """Limits 10^low..10^high, a labelled tick at every ``every``-th power, no minor ticks.

    Plain-text labels ("1e-4") instead of matplotlib's mathtext ones draw several times
    faster, which matters when an explorer pre-renders dozens of frames."""
    from matplotlib.ticker import NullLocator

    powers = list(range(low, high + 1, every))
    ax.set_ylim(10.0 ** low, 10.0 ** high)
    ax.set_yticks([10.0 ** k for k in powers], [f"1e{k}" if k else "1" for k in powers])
    ax.yaxis.set_minor_locator(NullLocator())


def adaptive_explorer(functions: dict | None = None,
                      lrs: Sequence[float] = (0.01, 0.1, 0.3, 1.0),
                      decays: Sequence[float] = (0.9,),
                      optimizers: Sequence[str] = ADAPTIVE_OPTIMIZERS,
                      defaults: dict | None = None) -> Explorer:
    r"""AdaGrad, RMSProp or AdaDelta on a choice of landscapes: the path on the contour plot,
    the loss curve, and the learning rate each coordinate really gets at every step.

    ``functions`` maps a label to ``(f, x0, steps)``; the default is the ravine
    (``elongated_bowl`` from (−8, 2), 300 steps) and Rosenbrock (from (−1.5, 2), 600 steps).
    The decay is RMSProp's β and AdaDelta's ρ (AdaGrad has none and ignores it); ε is each
    optimizer's default. With a single value in ``decays`` the decay is fixed and gets no
    slider (a control that cannot move would look live but do nothing); with several it is a
    control. ``result(optimizer=..., lr=..., function=...)`` (plus ``decay=...`` when it is a
    control) returns a dict with the ``trajectory`` and the measured ``effective_lr`` per
    step and coordinate (:func:`gdlab.theory.effective_learning_rates`).
    """
    from .functions import elongated_bowl, rosenbrock
    from .theory import effective_learning_rates

    if functions is None:
        functions = {"ravine": (elongated_bowl, (-8.0, 2.0), 300),
                     "Rosenbrock": (rosenbrock, (-1.5, 2.0), 600)}
    if not isinstance(functions, dict) or not functions:
        raise ValueError(f"functions must be a non-empty dict label -> (f, x0, steps), "
                         f"got {functions!r}")
    for label, entry in functions.items():
        if not (isinstance(entry, tuple) and len(entry) == 3):
            raise ValueError(f"functions[{label!r}] must be a tuple (f, x0, steps), got {entry!r}")
        check_positive_int(f"steps of functions[{label!r}]", entry[2])
    for name in optimizers:
        if name not in ADAPTIVE_OPTIMIZERS:
            raise ValueError(f"optimizers must be chosen from {', '.join(ADAPTIVE_OPTIMIZERS)}; "
                             f"got {name!r}")
    decays = list(decays)
    if not decays:
        raise ValueError("decays must list at least one decay rate, got none")
    fixed_decay = decays[0] if len(decays) == 1 else None

    def compute(optimizer, lr, function, decay=fixed_decay):
        f, x0, steps = functions[function]
        traj = run(_adaptive_optimizer(optimizer, lr, decay), f, x0, steps)
        rates = (effective_learning_rates(traj, f) if traj.steps > 0
                 else np.empty((0, f.dim)))
        return {"trajectory": traj, "effective_lr": rates}

    def draw(fig, result, optimizer, lr, function, decay=fixed_decay):
        f, _, steps = functions[function]
        traj, rates = result["trajectory"], result["effective_lr"]
        # Fixed axes rectangles: every frame lines up exactly while scrubbing (and no layout
        # engine, which the book style would otherwise switch on).
        fig.set_layout_engine("none")
        ax_path = fig.add_axes((0.065, 0.14, 0.29, 0.72))
        ax_loss = fig.add_axes((0.43, 0.14, 0.22, 0.72))
        ax_rate = fig.add_axes((0.76, 0.14, 0.22, 0.72))
        plots.plot_contours(ax_path, f, levels=20, resolution=120)
        color = plots.color_of(optimizer)
        plots.plot_trajectory(ax_path, traj, label=optimizer, markersize=2.0)
        ax_path.legend(loc="upper right", fontsize=8)
        knob = "" if optimizer == "AdaGrad" else (
            f", β = {decay:g}" if optimizer == "RMSProp" else f", ρ = {decay:g}")
        ax_path.set_title(f"{optimizer}, lr = {lr:g}{knob}", fontsize=10)

        gaps = np.maximum(traj.gaps(), 1e-16)
        ax_loss.semilogy(np.arange(len(gaps)), gaps, color=color)
        ax_loss.set_xlim(0, steps)
        _plain_log_ticks(ax_loss, -12, 4, 4)
        ax_loss.set_xlabel("step t")
        ax_loss.set_ylabel("f(x_t) − f* (log scale)")
        verdict = (traj.status if traj.diverged else
                   f"after {traj.steps} steps: gap {gaps[-1]:.1e},\n"
                   f"distance {traj.distances()[-1]:.2g}")
        ax_loss.set_title(verdict, fontsize=9)

        t = np.arange(1, len(rates) + 1)
        for i, (style, axis) in enumerate((("-", "x"), ("--", "y"))[:rates.shape[1]]):
            ax_rate.semilogy(t, rates[:, i], style, color=color, label=f"{axis} coordinate")
        ax_rate.set_xlim(0, steps)
        _plain_log_ticks(ax_rate, -5, 3, 1)
        ax_rate.set_xlabel("step t")
        ax_rate.set_ylabel("effective learning rate (log scale)")
        ax_rate.set_title("−Δθ_i / g_i for each coordinate", fontsize=10)
        ax_rate.legend(loc="lower right", fontsize=8)

    controls = {"optimizer": list(optimizers), "lr": list(lrs), "function": list(functions)}
    start = {"optimizer": "RMSProp" if "RMSProp" in optimizers else list(optimizers)[0],
             "lr": 0.1 if 0.1 in lrs else list(lrs)[0], "function": list(functions)[0]}
    if fixed_decay is None:
        controls["decay"] = decays
        start["decay"] = decays[0]
    start.update(defaults or {})
    title = "Adaptive step sizes: optimizer, learning rate, landscape"
    title += ", decay" if fixed_decay is None else f" (decay β = ρ = {fixed_decay:g})"
    return Explorer(controls, compute, draw, start, title=title, figsize=(10.5, 3.6),
                    max_frames=40, layout=None)


# -- chapter 6: Adam -----------------------------------------------------------------------
__all__ += ["adam_explorer"]


def adam_explorer(f: Function, x0, lrs: Sequence[float], beta1s: Sequence[float],
                  beta2s: Sequence[float], steps: int = 200, tol: float = 1e-6,
                  defaults: dict | None = None) -> Explorer:
    r"""Adam on ``f`` from ``x0`` for each learning rate :math:`\alpha` (``lr``) and decay
    rates ``beta1``, ``beta2``: the path on the contour plot and the loss curve.

    ``compute(lr, beta1, beta2)`` returns a dict with the ``trajectory``, ``steps_to_tol``
    (the step from which the gap :math:`f - f^*` stays below ``tol``; ``None`` if it never
    does), the ``final_gap``, and ``largest_step``, the largest
    :math:`|\Delta\theta_i|/\alpha` of the run (about 1 or less: Adam's step is measured in
    units of :math:`\alpha`). ``defaults`` may name a starting value for each control.
    """
    from matplotlib.ticker import FuncFormatter, LogLocator, NullFormatter

    from .optimizers import Adam

    steps = check_positive_int("steps", steps)
    tol = float(tol)

    def compute(lr, beta1, beta2):
        traj = run(Adam(lr=lr, beta1=beta1, beta2=beta2), f, x0, steps)
        moves = np.abs(np.diff(traj.xs, axis=0))
        gaps = traj.gaps()
        return {"trajectory": traj, "steps_to_tol": traj.steps_to(tol, "gap"),
                "final_gap": float(gaps[-1]),
                "largest_step": float(moves.max() / lr) if len(moves) and lr > 0 else 0.0}

    def draw(fig, result, lr, beta1, beta2):
        # Fixed axes rectangles: every frame lines up, so the scrubber does not jitter.
        ax_path = fig.add_axes((0.07, 0.13, 0.50, 0.74))
        ax_loss = fig.add_axes((0.67, 0.13, 0.31, 0.74))
        traj = result["trajectory"]
        plots.plot_contours(ax_path, f, levels=12, resolution=100)
        plots.plot_trajectory(ax_path, traj, label=f"Adam, α = {lr:g}", markersize=1.5)
        ax_path.legend(loc="upper right", fontsize=8)
        ax_path.set_title(f"α = {lr:g}, β1 = {beta1:g} (window ≈ {1 / (1 - beta1):.0f}), "
                          f"β2 = {beta2:g} (window ≈ {1 / (1 - beta2):.0f})", fontsize=9)
        gaps = np.maximum(traj.gaps(), 1e-300)
        ax_loss.semilogy(np.arange(len(gaps)), gaps, color=plots.COLORS["Adam"], label="Adam")
        ax_loss.set_xlim(0, steps)
        ax_loss.set_ylim(1e-12, 1e2 * max(gaps[0], 1e-10))
        # plain-text tick labels: mathtext ones cost more time than the rest of the frame
        ax_loss.yaxis.set_major_locator(LogLocator(numticks=8))
        ax_loss.yaxis.set_major_formatter(FuncFormatter(lambda y, _: f"1e{np.log10(y):.0f}"))
        ax_loss.yaxis.set_minor_formatter(NullFormatter())
        ax_loss.set_xlabel("step t")
        ax_loss.set_ylabel("gap f(x_t) − f* (log scale)")
        ax_loss.set_title(f"Loss on {f.name}", fontsize=10)
        if traj.diverged:
            verdict = "diverged"
        elif result["steps_to_tol"] is None:
            verdict = f"gap {result['final_gap']:.1e} after {traj.steps} steps"
        else:
            verdict = f"gap < {tol:g} from step {result['steps_to_tol']}"
        verdict += f"\nlargest step: {result['largest_step']:.2f} α"
        ax_loss.text(0.97, 0.97, verdict, transform=ax_loss.transAxes, ha="right", va="top",
                     fontsize=8, bbox=dict(boxstyle="round", facecolor="white", alpha=0.9,
                                           linewidth=0.5))

    return Explorer({"lr": list(lrs), "beta1": list(beta1s), "beta2": list(beta2s)}, compute,
                    draw, defaults, title="Adam explorer: α, β1 and β2", figsize=(10.0, 4.0),
                    dpi=72, max_frames=40, layout=None)



# -- chapter 7: bias correction ------------------------------------------------------------
__all__ += ["bias_correction_explorer"]


def bias_correction_explorer(betas: Sequence[float] = (0.5, 0.9, 0.99, 0.999),
                             ts: Sequence[int] = (1, 2, 5, 10, 30, 100, 1000),
                             mean: float = 1.0, noise: float = 0.5, seed: int = 0,
                             default_beta: float | None = None,
                             default_t: int | None = None) -> Explorer:
    r"""A zero-started EWMA at step ``t`` for each β: the weights it puts on the points so far,
    and the raw vs the bias-corrected average of a noisy constant series.

    The series is ``mean`` plus Gaussian noise of standard deviation ``noise`` (seeded). Left
    panel: the weights :math:`(1-\beta)\beta^{t-i}`, :math:`i = 1..t`, whose sum is
    :math:`1-\beta^t`, and the corrected weights, divided by that sum. Right panel: the data,
    the raw average :math:`m_t` and the corrected :math:`\hat m_t = m_t/(1-\beta^t)` up to
    step ``t`` (log-scaled time axis). ``result(beta=..., t=...)`` returns a dict with the
    ``weights``, their ``weight_sum``, the ``factor`` :math:`1/(1-\beta^t)`, the ``data`` up to
    ``t``, the ``raw`` and ``corrected`` averages (arrays over steps 1..t) and the plain
    ``running_mean`` of the data up to ``t``. The explorer starts at ``default_beta`` and
    ``default_t`` (if not given: 0.9 and 10 when listed, else the middle values).
    """
    from .ewma import ewma_weights
    from .validation import check_in_range, check_real

    betas = [check_in_range(f"betas[{k}]", b, 0.0, 1.0, high_open=True)
             for k, b in enumerate(betas)]
    ts = [check_positive_int(f"ts[{k}]", t) for k, t in enumerate(ts)]
    mean = check_real("mean", mean)
    noise = check_in_range("noise", noise, 0.0)
    seed = check_positive_int("seed", seed, minimum=0)
    horizon = max(ts)
    series = mean + noise * np.random.default_rng(seed).standard_normal(horizon)
    spread = max(3.0 * noise, 0.5 * abs(mean), 1e-3)
    y_low, y_high = min(0.0, mean - spread) - 0.05 * spread, mean + 1.6 * spread

    def compute(beta, t):
        data = series[:t]
        weights = ewma_weights(beta, t)
        return {"weights": weights, "weight_sum": float(weights.sum()),
                "factor": 1.0 / (1.0 - beta ** t) if beta > 0 else 1.0,
                "data": data, "raw": ewma(data, beta),
                "corrected": ewma(data, beta, bias_correction=True),
                "running_mean": float(data.mean())}

    def draw(fig, result, beta, t):
        from matplotlib.ticker import FuncFormatter, MaxNLocator, NullLocator

        import matplotlib

        # Fixed axes rectangles: every frame lines up, so the scrubber does not jitter. No
        # layout engine at all (savefig can switch one on from the book style's rcParams,
        # which warns about these axes and costs a second draw per frame).
        with matplotlib.rc_context({"figure.constrained_layout.use": False,
                                    "figure.autolayout": False}):
            fig.set_layout_engine(None)
        ax_w = fig.add_axes((0.1, 0.14, 0.34, 0.70))
        ax_avg = fig.add_axes((0.55, 0.14, 0.435, 0.70))
        raw_color, corrected_color = plots.AVERAGE_COLORS[0], plots.AVERAGE_COLORS[1]
        i = np.arange(1, t + 1)
        weights = result["weights"]
        corrected_weights = weights / result["weight_sum"]
        raw_label = f"raw $(1-β)β^{{t-i}}$, sum {result['weight_sum']:.3f}"
        if t <= 30:
            ax_w.vlines(i, 0.0, weights, color=raw_color, linewidth=3.0, label=raw_label)
            ax_w.plot(i, corrected_weights, "o", color=corrected_color, markersize=4,
                      label="corrected, sum 1")
        else:
            ax_w.fill_between(i, weights, step="mid", color=raw_color, alpha=0.8,
                              linewidth=0, label=raw_label)
            ax_w.plot(i, corrected_weights, "-", color=corrected_color,
                      label="corrected, sum 1")
        ax_w.set_xlim(0.5 - 0.02 * t, t + 0.5 + 0.02 * t)
        if t <= 10:
            ax_w.set_xticks(i)
        else:
            ax_w.xaxis.set_major_locator(MaxNLocator(integer=True))
        ax_w.set_ylim(0.0, 1.25 * max(corrected_weights.max(), 1e-12))
        ax_w.set_xlabel("point $i$")
        ax_w.set_ylabel("weight of $g_i$ in the average")
        ax_w.set_title(f"β = {beta:g}, t = {t}: the weights sum to $1-β^t$ = "
                       f"{result['weight_sum']:.3f}", fontsize=10)
        ax_w.legend(loc="upper left", fontsize=8, ncol=2)

        marker = "o" if t <= 5 else None
        ax_avg.axhline(mean, color="black", linestyle="--", linewidth=1.0,
                       label=f"true mean {mean:g}")
        ax_avg.plot(i, result["data"], ".", color=plots.DATA_COLOR, markersize=3,
                    label="data $g_i$", zorder=3)
        ax_avg.plot(i, result["raw"], color=raw_color, linewidth=1.8, marker=marker,
                    markersize=4, label="raw $m_t$")
        ax_avg.plot(i, result["corrected"], color=corrected_color, linewidth=1.8,
                    marker=marker, markersize=4, label="corrected $\\hat m_t$")
        ax_avg.set_xscale("log")
        ax_avg.xaxis.set_minor_locator(NullLocator())   # fewer, plain ticks: faster frames
        ax_avg.xaxis.set_major_formatter(FuncFormatter(lambda x, _: f"{x:g}"))
        ax_avg.set_xlim(0.8, horizon * 1.25)
        ax_avg.set_ylim(y_low, y_high)
        ax_avg.set_xlabel("step $t$ (log scale)")
        ax_avg.set_ylabel("value")
        ax_avg.set_title(f"At t = {t}: raw {result['raw'][-1]:.3f}, corrected "
                         f"{result['corrected'][-1]:.3f} (×{result['factor']:.3g})",
                         fontsize=10)
        ax_avg.legend(loc="upper left", fontsize=8, ncol=4, handlelength=1.5,
                      columnspacing=1.0)

    if default_beta is None and 0.9 in betas:
        default_beta = 0.9
    if default_t is None and 10 in ts:
        default_t = 10
    defaults = {name: value for name, value in (("beta", default_beta), ("t", default_t))
                if value is not None}
    return Explorer({"beta": betas, "t": ts}, compute, draw, defaults,
                    title="Bias correction explorer: the weights and the averages at step t",
                    figsize=(9.5, 3.8), max_frames=40, layout=None)
