"""Plot helpers return their Axes, label them, and keep one color and one dash pattern per
optimizer, told apart by color-blind readers too."""

import itertools

import colorspacious
import matplotlib.pyplot as plt
import numpy as np
import pytest

import gdlab
from gdlab import panels, plots


def test_every_optimizer_has_a_distinct_color():
    names = list(gdlab.OPTIMIZERS)
    colors = [plots.color_of(n) for n in names]
    assert len(set(colors)) == len(names)
    assert plots.color_of(gdlab.Adam()) == plots.COLORS["Adam"]


def test_contour_and_trajectory_and_losses():
    fig, (a, b) = plt.subplots(1, 2)
    traj = gdlab.run(gdlab.Adam(lr=0.1), gdlab.rosenbrock, [-1.5, 2.0], 50)
    assert plots.plot_contours(a, gdlab.rosenbrock) is a
    assert plots.plot_trajectory(a, traj) is a
    assert a.get_title() == "Rosenbrock" and a.get_xlabel() == "$x$"
    line = [l for l in a.get_lines() if l.get_label() == "Adam"][0]
    assert line.get_color() == plots.COLORS["Adam"]
    np.testing.assert_array_equal(line.get_xdata(), traj.xs[:, 0])
    assert plots.plot_losses(b, [traj]) is b
    assert b.get_yscale() == "log" and b.get_legend() is not None
    plt.close(fig)


def test_contours_of_a_function_without_minimum():
    fig, ax = plt.subplots()
    plots.plot_contours(ax, gdlab.saddle)
    assert not [l for l in ax.get_lines() if l.get_label() == "minimum"]
    plt.close(fig)


def test_ewma_plot_has_data_and_averages():
    fig, ax = plt.subplots()
    s = gdlab.data.seasonal_series(50)
    plots.plot_ewma(ax, s, {"β = 0.9": gdlab.ewma(s, 0.9)})
    assert [l.get_label() for l in ax.get_lines()] == ["data $\\theta_t$", "β = 0.9"]
    plt.close(fig)


# -- every pair of optimizers can be told apart --------------------------------------------
#: The smallest CAM02-UCS color difference (ΔE) at which two lines of the same dash pattern
#: count as distinguishable. A ΔE of 1 is about the smallest difference visible between two
#: large patches side by side; thin lines in a legend need many times that. 12 is what the
#: anchors of the palette allow: SGD's gray-black, Momentum's blue and Adam's vermilion, all
#: solid, are 12.0 and 12.5 apart in lightness.
THRESHOLD = 12.0
#: How a reader may see the figure: a colorspacious CVD simulation at severity 100 (a
#: dichromat), or None; "grayscale" keeps only the lightness J'.
VIEWS = {"normal vision": None, "deuteranopia": "deuteranomaly",
         "protanopia": "protanomaly", "tritanopia": "tritanomaly", "grayscale": None}
#: Names for one optimizer: plain gradient descent is "SGD" and "GD".
SAME = {frozenset({"SGD", "GD"})}
#: The palette as it was before the dash patterns (every line solid), for the check's own
#: test.
OLD_COLORS = {"SGD": "#4D4D4D", "Momentum": "#0072B2", "Nesterov": "#56B4E9",
              "AdaGrad": "#009E73", "RMSProp": "#E69F00", "AdaDelta": "#8C564B",
              "Adam": "#D55E00", "AdamW": "#CC79A7", "AdaMax": "#882255",
              "AMSGrad": "#44AA99", "Newton": "#7B3294", "L-BFGS": "#117733"}


def appearance(color: str, view: str) -> np.ndarray:
    """A color (hex) as a reader in ``view`` sees it, in CAM02-UCS (J', a', b')."""
    rgb = np.array([int(color[k:k + 2], 16) / 255 for k in (1, 3, 5)])
    if VIEWS[view]:
        cvd = {"name": "sRGB1+CVD", "cvd_type": VIEWS[view], "severity": 100}
        rgb = np.clip(colorspacious.cspace_convert(rgb, cvd, "sRGB1"), 0.0, 1.0)
    jab = colorspacious.cspace_convert(rgb, "sRGB1", "CAM02-UCS")
    return jab * [1, 0, 0] if view == "grayscale" else jab


def color_difference(a: str, b: str, view: str) -> float:
    """CAM02-UCS ΔE between two colors, both seen in ``view``."""
    return float(np.linalg.norm(appearance(a, view) - appearance(b, view)))


def confusable(styles: dict) -> list:
    """(name, name, view, ΔE) for every pair of optimizers (name -> dict(color=...,
    linestyle=...)) with the same dash pattern whose colors differ by less than THRESHOLD
    in some view: the pairs a reader could mistake for each other."""
    found = []
    for a, b in itertools.combinations(styles, 2):
        if frozenset({a, b}) in SAME or styles[a]["linestyle"] != styles[b]["linestyle"]:
            continue
        for view in VIEWS:
            difference = color_difference(styles[a]["color"], styles[b]["color"], view)
            if difference < THRESHOLD:
                found.append((a, b, view, round(difference, 1)))
    return found


def test_every_optimizer_has_a_dash_pattern():
    assert set(plots.LINESTYLES) == set(plots.COLORS)
    assert plots.style_of(gdlab.Nesterov()) == {"color": plots.COLORS["Nesterov"],
                                                "linestyle": plots.LINESTYLES["Nesterov"]}
    assert plots.style_of("GD") == plots.style_of("SGD") == plots.style_of(gdlab.SGD)
    with pytest.raises(ValueError, match="Adamax9"):
        plots.style_of("Adamax9")


def test_any_two_optimizers_differ_in_dash_pattern_or_clearly_in_color():
    styles = {name: plots.style_of(name) for name in plots.COLORS}
    assert confusable(styles) == []


def test_the_check_catches_the_old_palette_drawn_solid():
    old = {name: {"color": color, "linestyle": "-"} for name, color in OLD_COLORS.items()}
    found = {(a, b, view): d for a, b, view, d in confusable(old)}
    # the pairs measured before the dash patterns came in
    assert found[("SGD", "AdaMax", "deuteranopia")] == 2.2
    assert found[("AdamW", "AMSGrad", "deuteranopia")] == 3.6
    assert found[("AdaGrad", "AMSGrad", "tritanopia")] == 5.4
    assert found[("AdaGrad", "AMSGrad", "normal vision")] == 9.9
    assert found[("AdaGrad", "Adam", "grayscale")] == 0.5


def test_line_helpers_draw_the_optimizers_dash_pattern():
    fig, (a, b) = plt.subplots(1, 2)
    runs = [gdlab.run(cls(lr=0.01), gdlab.rosenbrock, [-1.5, 2.0], 5)
            for cls in (gdlab.Adam, gdlab.Nesterov, gdlab.AMSGrad)]
    panels.paths(a, {t.optimizer: t for t in runs})
    plots.plot_losses(b, runs)
    panels.loss_curves(b, {"as a dict": (runs[0].gaps(), plots.style_of("AdamW"))}, legend=None)
    for ax in (a, b):
        lines = {line.get_label(): line for line in ax.get_lines()}
        for traj in runs:
            assert lines[traj.optimizer].get_linestyle() == plots.LINESTYLES[traj.optimizer]
            assert lines[traj.optimizer].get_color() == plots.COLORS[traj.optimizer]
    assert lines["as a dict"].get_linestyle() == "--"
    assert lines["as a dict"].get_color() == plots.COLORS["AdamW"]
    plt.close(fig)
