"""Plotting helpers: Axes in, Axes out; one color and one dash pattern per optimizer across
the whole book.

Thirteen colors cannot all be told apart by hue, least of all by color-blind readers or in
grayscale, so an optimizer's lines also have a dash pattern (:data:`LINESTYLES`). Two
optimizers with the same pattern differ by a CAM02-UCS color difference of at least 12 in
normal vision, in simulated deuteranopia, protanopia and tritanopia, and in lightness alone
(``tests/test_plots.py`` checks it). Draw an optimizer's lines with :func:`style_of`; its
markers, bars and fills with :func:`color_of`.
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np

__all__ = ["COLORS", "color_of", "LINESTYLES", "style_of", "plot_contours", "plot_trajectory",
           "plot_losses", "use_book_style", "plot_series", "plot_averages", "plot_ewma"]

#: The color of each optimizer, everywhere in the book.
COLORS = {
    "SGD": "#4D4D4D",        # gray-black: plain gradient descent
    "GD": "#4D4D4D",
    "Momentum": "#0072B2",   # blue
    "Nesterov": "#56B4E9",   # sky blue
    "AdaGrad": "#009E73",    # green
    "RMSProp": "#E69F00",    # orange
    "AdaDelta": "#975F54",   # brown
    "Adam": "#D55E00",       # vermillion
    "AdamW": "#CC79A7",      # pink
    "AdaMax": "#882255",     # wine
    "AMSGrad": "#44AA99",    # teal
    "Newton": "#7B3294",     # purple
    "L-BFGS": "#117733",     # dark green
}
#: Colors for things that are not optimizers (data, averages, reference lines).
DATA_COLOR = "#9E9E9E"
AVERAGE_COLORS = ("#0072B2", "#D55E00", "#009E73", "#CC79A7")
#: The dash pattern of each optimizer's lines. Solid lines are the four methods drawn most
#: (their colors differ enough on their own); within each other pattern, too, the colors
#: differ in lightness and under color blindness.
LINESTYLES = {
    "SGD": "-", "GD": "-", "Momentum": "-", "RMSProp": "-", "Adam": "-",
    "AdamW": "--", "AdaMax": "--", "AdaDelta": "--",
    "AMSGrad": ":", "L-BFGS": ":",
    "Nesterov": "-.", "AdaGrad": "-.", "Newton": "-.",
}


def _name_of(optimizer) -> str:
    """An optimizer's name, given an instance, a class or a name; a ValueError if the book
    has no color for it."""
    name = optimizer if isinstance(optimizer, str) else getattr(optimizer, "name", "")
    if name not in COLORS:
        raise ValueError(f"optimizer must be one of {', '.join(COLORS)}; got {name!r}")
    return name


def color_of(optimizer) -> str:
    """The book's color for an optimizer, given an instance, a class or a name."""
    return COLORS[_name_of(optimizer)]


def style_of(optimizer) -> dict:
    """The book's line style for an optimizer (an instance, a class or a name):
    ``{"color": ..., "linestyle": ...}``, for ``ax.plot(x, y, **style_of("Adam"))``."""
    name = _name_of(optimizer)
    return {"color": COLORS[name], "linestyle": LINESTYLES[name]}


def plot_contours(ax, f, window=None, levels: int = 25, resolution: int = 200,
                  log: bool | None = None):
    """Contour lines of a 2-D function ``f`` over ``window`` (default ``f.window``).

    With ``log=True`` the levels are spaced geometrically above the minimum value, which
    shows both the steep walls and the flat valley floor; the default is log spacing for
    functions with a known minimum and even spacing for the others (saddles). The minimum,
    if any, is a star.
    """
    window = tuple(map(tuple, window or f.window))
    (x_lo, x_hi), (y_lo, y_hi) = window
    X, Y, Z = _grid(f, window, resolution)
    if log is None:
        log = f.min_value is not None
    if log:
        floor = f.min_value if f.min_value is not None else Z.min()
        span = Z.max() - floor
        level_values = floor + np.geomspace(span * 1e-4, span, levels)
    else:
        level_values = np.linspace(Z.min(), Z.max(), levels)
    ax.contour(X, Y, Z, levels=level_values, cmap="Greys_r", linewidths=0.7, alpha=0.7)
    if f.minimum is not None:
        ax.plot(*f.minimum, marker="*", color="black", markersize=12, linestyle="none",
                label="minimum")
    ax.set_xlim(x_lo, x_hi)
    ax.set_ylim(y_lo, y_hi)
    ax.set_xlabel("$x$")
    ax.set_ylabel("$y$")
    ax.set_title(f.name)
    return ax


@lru_cache(maxsize=32)
def _grid(f, window, resolution):
    """f on a resolution x resolution grid over window; cached, since explorers redraw the
    same landscape for every frame."""
    (x_lo, x_hi), (y_lo, y_hi) = window
    X, Y = np.meshgrid(np.linspace(x_lo, x_hi, resolution), np.linspace(y_lo, y_hi, resolution))
    return X, Y, f(np.array([X, Y]))


def plot_trajectory(ax, traj, label: str | None = None, color: str | None = None,
                    markersize: float = 3.0):
    """Draw a run's path on a contour plot: a line with dots in the optimizer's style (in
    ``color`` if given), a circle at the start."""
    color = color or color_of(traj.optimizer)
    xs = traj.xs
    ax.plot(xs[:, 0], xs[:, 1], marker="o", color=color,
            linestyle=LINESTYLES.get(traj.optimizer, "-"), markersize=markersize,
            linewidth=1.2, label=label or traj.optimizer)
    ax.plot(*xs[0], "o", markerfacecolor="white", markeredgecolor=color, markersize=7)
    return ax


def plot_losses(ax, trajs, labels=None, gap: bool = True, log: bool = True):
    """Loss (or gap ``f - f*``) against the step, for one or several trajectories."""
    labels = labels or [t.optimizer for t in trajs]
    for traj, label in zip(trajs, labels):
        values = traj.gaps() if gap and traj.min_value is not None else traj.losses
        style = style_of(traj.optimizer) if traj.optimizer in COLORS else {}
        ax.plot(np.arange(len(values)), values, **style, label=label)
    if log:
        ax.set_yscale("log")
    ax.set_xlabel("step $t$")
    ax.set_ylabel("$f(x_t) - f^*$" if gap else "$f(x_t)$")
    ax.legend()
    return ax


def plot_series(ax, series, markersize: float = 3.0, title: str = ""):
    """A noisy series as gray dots against t = 1, 2, ..., with the axes labeled."""
    t = np.arange(1, len(series) + 1)
    ax.plot(t, series, ".", color=DATA_COLOR, markersize=markersize, label="data $\\theta_t$")
    ax.set_xlabel("$t$")
    ax.set_ylabel("value")
    ax.set_title(title)
    return ax


def plot_averages(ax, averages: dict):
    """One line per average (label -> array over t = 1, 2, ...), in the book's colors for
    averages."""
    for (label, values), color in zip(averages.items(), AVERAGE_COLORS * 3):
        ax.plot(np.arange(1, len(values) + 1), values, color=color, linewidth=1.8, label=label)
    return ax


def plot_ewma(ax, series, averages: dict, title: str = "Exponentially weighted averages"):
    """A noisy series as gray dots and its averages as lines; ``averages`` maps label -> array."""
    plot_series(ax, series, title=title)
    plot_averages(ax, averages)
    ax.legend()
    return ax


def use_book_style() -> None:
    """The book's matplotlib look: readable sizes, light grid, no top/right spines; in
    IPython, figures are shown through :func:`gdlab.renditions.book_png`, which draws each
    for a laptop's text column and for a phone's."""
    import matplotlib as mpl

    mpl.rcParams.update({
        "figure.figsize": (7.6, 3.6), "figure.dpi": 90, "savefig.dpi": 90,
        "figure.constrained_layout.use": True,
        "axes.grid": True, "grid.alpha": 0.3, "axes.spines.top": False,
        "axes.spines.right": False, "axes.titlesize": 11, "axes.labelsize": 10,
        "legend.fontsize": 9, "legend.framealpha": 0.9,
    })
    _show_figures_in_renditions()


def _show_figures_in_renditions() -> None:
    """Make IPython's PNG output of a matplotlib figure the book's two renditions (a no-op
    outside IPython). The inline backend installs its own formatter when it loads, so it is
    loaded first."""
    try:
        from IPython import get_ipython
    except ImportError:
        return
    shell = get_ipython()
    if shell is None or not hasattr(shell, "display_formatter"):
        return
    import matplotlib.pyplot as plt
    from matplotlib.figure import Figure

    from .renditions import book_png

    plt.close(plt.figure())   # the first figure loads the backend, which registers its own
    shell.display_formatter.formatters["image/png"].for_type(Figure, book_png)
