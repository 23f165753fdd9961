"""Panels that several explorers draw, each in two halves: the part no control changes and
the part every frame redraws.

An explorer draws its unchanging part once (in its ``setup``) and only the changing part
per frame (in its ``draw``; see :class:`gdlab.explorer.Explorer`), so the panels come in
pairs, and the one-call version is the pair in a row:

=======================  ============================  ==================================
panel                    drawn once                    drawn per frame
=======================  ============================  ==================================
a path on contour lines  :func:`contour_axes`           :func:`paths`
a loss curve, log scale  :func:`loss_axes`              :func:`loss_curves`
=======================  ============================  ==================================

:func:`path_panel` and :func:`loss_panel` draw both halves at once (for a figure drawn only
once); :func:`log_ticks` and :func:`verdict_box` are small pieces the others share.
"""

from __future__ import annotations

from typing import Sequence

import numpy as np
from matplotlib.ticker import NullLocator

from . import plots

__all__ = ["contour_axes", "paths", "path_panel", "loss_axes", "loss_curves", "loss_panel",
           "log_ticks", "verdict_box"]


def log_ticks(ax, low: int, high: int, every: int = 1) -> None:
    """Limits 10^low..10^high on the y axis, a labeled tick at every ``every``-th power, no
    minor ticks.

    Plain-text labels ("1e-4") instead of matplotlib's mathtext ones draw several times
    faster."""
    powers = list(range(low, high + 1, every))
    ax.set_yscale("log")
    ax.set_ylim(10.0 ** low, 10.0 ** high)
    ax.set_yticks([10.0 ** k for k in powers], [f"1e{k}" if k else "1" for k in powers])
    ax.yaxis.set_minor_locator(NullLocator())


# -- a path on contour lines ----------------------------------------------------------------
def contour_axes(ax, f, title: str = "", levels: int = 20, resolution: int = 120):
    """The unchanging half of a path panel: contour lines of ``f`` over its window, its
    minimum (if known) as a star, and a title (``f``'s name unless given)."""
    plots.plot_contours(ax, f, levels=levels, resolution=resolution)
    if title:
        ax.set_title(title, fontsize=10)
    return ax


def paths(ax, trajectories: dict, markersize: float = 2.5, faded: Sequence[str] = (),
          legend: str | None = "upper right"):
    """The changing half of a path panel: one path per entry of ``trajectories`` (label ->
    Trajectory) in the book's style of its optimizer, and a legend; labels in ``faded``
    are drawn half transparent (a baseline to compare with)."""
    for label, traj in trajectories.items():
        plots.plot_trajectory(ax, traj, label=label, markersize=markersize)
        if label in faded:
            for line in ax.lines[-2:]:   # the path and its start marker
                line.set_alpha(0.45)
    if legend:
        ax.legend(loc=legend, fontsize=8)
    return ax


def path_panel(ax, f, trajectories: dict, title: str = "", levels: int = 20,
               resolution: int = 120, markersize: float = 2.5, faded: Sequence[str] = ()):
    """Both halves at once: :func:`contour_axes`, then :func:`paths`."""
    contour_axes(ax, f, title=title, levels=levels, resolution=resolution)
    return paths(ax, trajectories, markersize=markersize, faded=faded)


# -- a loss curve on a log scale ------------------------------------------------------------
def loss_axes(ax, steps: int, low: int = -12, high: int = 4, every: int = 2,
              ylabel: str = "f(x_t) − f* (log scale)", title: str = ""):
    """The unchanging half of a loss panel: a log axis 10^low..10^high over steps 0..steps,
    labeled."""
    log_ticks(ax, low, high, every)
    ax.set_xlim(0, steps)
    ax.set_xlabel("step t")
    ax.set_ylabel(ylabel)
    if title:
        ax.set_title(title, fontsize=10)
    return ax


def loss_curves(ax, curves: dict, low: int = -12, legend: str | None = "lower left"):
    """The changing half of a loss panel: ``curves`` maps a label to ``(values, style)``, or
    to ``(values, style, alpha)``, where ``style`` is a color or a dict of line properties
    (an optimizer's :func:`gdlab.plots.style_of`). Values below 10^low are drawn at 10^low
    (a run that reaches the minimum exactly would otherwise leave the plot)."""
    for label, (values, style, *alpha) in curves.items():
        style = style if isinstance(style, dict) else {"color": style}
        values = np.maximum(np.asarray(values, dtype=float), 10.0 ** low)
        ax.plot(np.arange(len(values)), values, **style, label=label,
                alpha=alpha[0] if alpha else 1.0)
    if legend:
        ax.legend(loc=legend, fontsize=8)
    return ax


def loss_panel(ax, curves: dict, steps: int, low: int = -12, high: int = 4, every: int = 2,
               ylabel: str = "f(x_t) − f* (log scale)", title: str = "",
               legend: str | None = "lower left"):
    """Both halves at once: :func:`loss_axes`, then :func:`loss_curves`."""
    loss_axes(ax, steps, low, high, every, ylabel=ylabel, title=title)
    return loss_curves(ax, curves, low=low, legend=legend)


def verdict_box(ax, text: str, fontsize: float = 8.0):
    """A short verdict on a run in a white box in the top-right corner of ``ax``."""
    return ax.text(0.97, 0.97, text, transform=ax.transAxes, ha="right", va="top",
                   fontsize=fontsize, bbox=dict(boxstyle="round", facecolor="white",
                                                alpha=0.9, linewidth=0.5))
