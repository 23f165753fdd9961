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

import numpy as np
from matplotlib.figure import Figure

from . import plots
from .ewma import ewma
from .functions import Function
from .optimizers import SGD
from .run import run
from .validation import check_positive_int

__all__ = ["Explorer", "learning_rate_explorer", "ewma_explorer"]


def _label(value) -> str:
    return f"{value:g}" if isinstance(value, (float, int, np.floating)) else str(value)


class Explorer:
    """Controls -> ``compute`` -> ``draw``, live in Jupyter, pre-rendered on the website.

    Parameters
    ----------
    controls : dict mapping a control's name to the list of values it can take.
    compute : ``compute(**values) -> result``; pure, cheap and tested.
    draw : ``draw(fig, result, **values)``; draws onto an empty matplotlib Figure.
    defaults : the starting value of each control (each must be in its list).
    title : a heading shown above the controls.
    max_frames : the most pictures the website version may hold (the product of the
        list lengths); it keeps notebooks small.
    """

    def __init__(self, controls: dict[str, Sequence], compute: Callable, draw: Callable,
                 defaults: dict | None = None, title: str = "", figsize=(9.0, 3.6),
                 dpi: int = 80, max_frames: int = 60):
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
            if name not in self.controls:
                raise ValueError(f"defaults has {name!r}, which is not a control; "
                                 f"controls are {', '.join(self.controls)}")
            if value not in self.controls[name]:
                raise ValueError(f"defaults[{name!r}] must be one of {self.controls[name]}, "
                                 f"got {value!r}")
            self.defaults[name] = value
        self.compute, self.draw, self.title = compute, draw, title
        self.figure = Figure(figsize=figsize, dpi=dpi)
        self.dpi = dpi
        self._positions = None   # axes positions found by the first (laid-out) render
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
        if self._positions is None:   # the first picture lays the figure out ...
            self.figure.set_layout_engine("constrained")
            self.figure.canvas.draw()
            self._positions = [ax.get_position() for ax in self.figure.axes]
            self.figure.set_layout_engine("none")
        elif len(self._positions) == len(self.figure.axes):   # ... later ones reuse it
            for ax, position in zip(self.figure.axes, self._positions):
                ax.set_position(position)
        buffer = io.BytesIO()
        self.figure.savefig(buffer, format="png", dpi=self.dpi)
        return buffer.getvalue()

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
    the contour plot and the loss curve."""

    def compute(lr):
        return run(SGD(lr=lr), f, x0, steps)

    def draw(fig, traj, lr):
        ax_path, ax_loss = fig.subplots(1, 2, width_ratios=[1.3, 1])
        plots.plot_contours(ax_path, f)
        plots.plot_trajectory(ax_path, traj, label=f"GD, lr = {lr:g}")
        ax_path.legend(loc="upper right", fontsize=8)
        ax_path.set_title(f"Gradient descent on {f.name}")
        gaps = traj.gaps()
        ax_loss.semilogy(np.arange(len(gaps)), np.maximum(gaps, 1e-16), color=plots.COLORS["SGD"])
        ax_loss.set_xlim(0, steps)
        ax_loss.set_xlabel("step $t$")
        ax_loss.set_ylabel("$f(x_t) - f^*$ (log scale)")
        verdict = traj.status if traj.diverged else f"final gap {gaps[-1]:.2e}"
        ax_loss.set_title(f"lr = {lr:g}: {verdict}", fontsize=10)

    defaults = None if default is None else {"lr": default}
    return Explorer({"lr": list(lrs)}, compute, draw, defaults,
                    title="Learning rate explorer")


# -- chapter 2: EWMA ----------------------------------------------------------------------
def ewma_explorer(series, betas: Sequence[float], default: float | None = None,
                  truth=None, zoom: int = 60) -> Explorer:
    """The EWMA of ``series`` for each β in ``betas``, plain or bias-corrected.

    Three panels: the whole series with its average (and the noise-free ``truth``, if
    given, with the average's RMS error against it); the weights the average puts on
    past points, with the window 1/(1−β); and the first ``zoom`` points, where the
    start-up bias of a zero-started average shows. ``compute`` returns a dict with the
    ``average`` shown, the ``plain`` and ``corrected`` averages, the ``window`` and the
    ``rms_error`` against ``truth`` (None without it).
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
        plain = ewma(series, beta)
        corrected = ewma(series, beta, bias_correction=True)
        average = corrected if bias_correction else plain
        error = None if truth is None else float(np.sqrt(np.mean((average - truth) ** 2)))
        return {"average": average, "plain": plain, "corrected": corrected,
                "window": 1.0 / (1.0 - beta), "rms_error": error}

    def draw(fig, result, beta, bias_correction):
        # Fixed margins: every frame gets the same layout, so the scrubber does not jitter.
        grid = fig.add_gridspec(2, 2, height_ratios=[1.25, 1], left=0.085, right=0.985,
                                top=0.94, bottom=0.085, hspace=0.42, wspace=0.2)
        ax_year = fig.add_subplot(grid[0, :])
        ax_weights = fig.add_subplot(grid[1, 0])
        ax_start = fig.add_subplot(grid[1, 1])
        kind = "bias-corrected" if bias_correction else "plain"
        other_kind = "plain" if bias_correction else "bias-corrected"
        other = result["plain"] if bias_correction else result["corrected"]
        main_color, other_color = plots.AVERAGE_COLORS[0], plots.AVERAGE_COLORS[1]

        ax_year.plot(t, series, ".", color=plots.DATA_COLOR, markersize=2.5,
                     label="data $\\theta_t$")
        if truth is not None:
            ax_year.plot(t, truth, "--", color="black", linewidth=1.0, label="true curve")
        ax_year.plot(t, result["average"], color=main_color, linewidth=1.8,
                     label=f"EWMA ({kind})")
        ax_year.set_ylim(low - pad, high + pad)
        ax_year.set_xlim(0, len(series) + 1)
        ax_year.set_xlabel("$t$")
        ax_year.set_ylabel("value")
        heading = f"β = {beta:g}: window ≈ 1/(1−β) = {result['window']:.3g} points"
        if result["rms_error"] is not None:
            heading += f"; RMS error vs true curve {result['rms_error']:.2f}"
        ax_year.set_title(heading)
        ax_year.legend(loc="upper left", ncol=3)

        ages = np.arange(0, 121)
        ax_weights.fill_between(ages, (1 - beta) * beta ** ages, step="mid", color=main_color,
                                alpha=0.8, linewidth=0)
        if result["window"] <= ages[-1]:
            ax_weights.axvline(result["window"], color="black", linestyle="--", linewidth=1,
                               label=f"1/(1−β) = {result['window']:.3g}")
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
        ax_start.plot(t[first], result["average"][first], color=main_color, linewidth=1.8,
                      label=kind)
        ax_start.set_ylim(min(series[first].min(), 0.0) - pad, series[first].max() + pad)
        ax_start.set_xlabel("$t$")
        ax_start.set_ylabel("value")
        ax_start.set_title(f"The first {zoom} points: start-up")
        ax_start.legend(loc="lower right", ncol=3)

    defaults = {"bias_correction": False}
    if default is not None:
        defaults["beta"] = default
    return Explorer({"beta": list(betas), "bias_correction": [False, True]}, compute, draw,
                    defaults, title="EWMA explorer", figsize=(9.0, 5.6))


# -- chapter 3: momentum -------------------------------------------------------------------


# -- chapter 4: Nesterov -------------------------------------------------------------------
