"""Plot helpers return their Axes, label them, and keep one colour per optimizer."""

import matplotlib.pyplot as plt
import numpy as np

import gdlab
from gdlab import plots


def test_every_optimizer_has_a_distinct_colour():
    names = list(gdlab.OPTIMIZERS)
    colours = [plots.color_of(n) for n in names]
    assert len(set(colours)) == len(names)
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
