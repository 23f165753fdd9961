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
def ewma_explorer(series, betas: Sequence[float], default: float | None = None) -> Explorer:
    """The EWMA of ``series`` for each β, with and without bias correction, beside the
    weights it puts on past points."""
    series = np.asarray(series, dtype=float)

    def compute(beta, bias_correction):
        return ewma(series, beta, bias_correction=bias_correction)

    def draw(fig, average, beta, bias_correction):
        ax_series, ax_weights = fig.subplots(1, 2, width_ratios=[2, 1])
        label = f"EWMA, β = {beta:g}" + (" (bias-corrected)" if bias_correction else "")
        plots.plot_ewma(ax_series, series, {label: average},
                        title=f"Window ≈ 1/(1−β) = {1 / (1 - beta):.3g} points")
        ax_series.set_ylim(series.min() - 0.5, series.max() + 0.5)
        lags = np.arange(0, 60)
        ax_weights.bar(lags, (1 - beta) * beta ** lags, color=plots.AVERAGE_COLORS[0], width=0.8)
        ax_weights.axvline(1 / (1 - beta), color="black", linestyle="--", linewidth=1,
                           label="1/(1−β)")
        ax_weights.set_xlabel("age of the point, $t - i$")
        ax_weights.set_ylabel("weight $(1-β)β^{t-i}$")
        ax_weights.set_title("Weights on past points")
        ax_weights.legend()

    defaults = {"bias_correction": False}
    if default is not None:
        defaults["beta"] = default
    return Explorer({"beta": list(betas), "bias_correction": [False, True]}, compute, draw,
                    defaults, title="EWMA explorer")


# -- chapter 3: momentum -------------------------------------------------------------------


# -- chapter 4: Nesterov -------------------------------------------------------------------
