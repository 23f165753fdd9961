"""Tests for the chapter 1 additions: numerical gradients, the double well, least-squares
problems with minibatches, and the chapter's self-checks."""

import numpy as np
import pytest

import gdlab
from gdlab import checks
from gdlab.functions import DoubleWell, numerical_gradient, relative_error
from gdlab.problems import LeastSquares, Minibatched, linear_regression


# -- checks ---------------------------------------------------------------------------------
def test_stable_learning_rate_check():
    A = [[3.0, 1.0], [1.0, 3.0]]                 # eigenvalues 2 and 4: 2/L = 0.5
    assert checks.stable_learning_rate(0.5, A)
    wrong = checks.stable_learning_rate(2 / 3, A)
    assert not wrong and "eigenvalues" in wrong.message
    assert "1/L" in checks.stable_learning_rate(0.25, A).message
    assert "smallest" in checks.stable_learning_rate(1.0, A).message
    assert "best" in checks.stable_learning_rate(1 / 3, A).message
    assert checks.stable_learning_rate(1.0, np.diag([0.1, 2.0]))   # the elongated bowl
    with pytest.raises(ValueError, match="positive definite"):
        checks.stable_learning_rate(1.0, [[1.0, 0.0], [0.0, -1.0]])


def _central(f, x, h):
    g = np.zeros_like(x)
    for i in range(len(x)):
        e = np.zeros_like(x)
        e[i] = h
        g[i] = (f(x + e) - f(x - e)) / (2 * h)
    return g


def test_central_difference_check_accepts_a_correct_implementation():
    assert checks.central_difference(_central)


def test_central_difference_check_names_the_usual_slips():
    def forward(f, x, h):
        return np.array([(f(x + h * e) - f(x)) / h for e in np.eye(len(x))])

    def over_h(f, x, h):
        return 2 * _central(f, x, h)

    def flipped(f, x, h):
        return -_central(f, x, h)

    def in_place(f, x, h):
        g = np.zeros_like(x)
        for i in range(len(x)):
            x[i] += h
            up = f(x)
            x[i] -= 2 * h
            g[i] = (up - f(x)) / (2 * h)
        return g

    def crashes(f, x, h):
        raise RuntimeError("oops")

    def scalar(f, x, h):
        return 1.0

    for fn, word in [(forward, "forward"), (over_h, "2h"), (flipped, "sign"),
                     (in_place, "in place"), (crashes, "RuntimeError"), (scalar, "shape")]:
        feedback = checks.central_difference(fn)
        assert not feedback and word in feedback.message, (fn.__name__, feedback.message)


def test_learning_rate_explorer_keeps_the_loss_axis_fixed_across_frames():
    """The loss panel spans every run, so the frames can be compared by eye."""
    x0, lrs = [-8.0, 2.0], [0.1, 0.9, 1.05]
    e = gdlab.widgets.learning_rate_explorer(gdlab.elongated_bowl, x0, lrs, steps=20)
    limits = []
    for lr in lrs:
        assert e.render(lr=lr).startswith(b"\x89PNG")
        limits.append(e.figure.axes[1].get_ylim())
    assert limits[0] == limits[1] == limits[2]
    gaps = np.concatenate([gdlab.run(gdlab.SGD(lr=lr), gdlab.elongated_bowl, x0, 20).gaps()
                           for lr in lrs])
    low, high = limits[0]
    assert low < gaps.min() and gaps.max() < high


def test_gd_steps_and_the_uphill_hint():
    f, x0, lr = gdlab.elongated_bowl, [-8.0, 2.0], 0.5
    # by hand: grad = (x/10, 2y); x1 = (-8 + 0.4, 2 - 2) = (-7.6, 0); x2 = (-7.22, 0)
    assert checks.gd_steps([(-7.6, 0.0), (-7.22, 0.0)], f, x0, lr, 2)
    uphill = checks.gd_steps([(-8.4, 4.0), (-8.82, 8.0)], f, x0, lr, 2)
    assert not uphill and "gradient descent subtracts it" in uphill.message


def test_gradient_check_and_sign_hint():
    f = gdlab.elongated_bowl
    assert checks.gradient([-0.8, 4.0], f, [-8.0, 2.0])
    minus = checks.gradient([0.8, -4.0], f, [-8.0, 2.0])
    assert not minus and "minus the gradient" in minus.message
    assert "Later points" not in minus.message


def test_learning_rate_explorer_runs_gradient_descent():
    e = gdlab.widgets.learning_rate_explorer(gdlab.elongated_bowl, [-8.0, 2.0],
                                             [0.1, 0.5, 1.05], steps=20, default=0.5)
    traj = e.result()
    expected = gdlab.run(gdlab.SGD(lr=0.5), gdlab.elongated_bowl, [-8.0, 2.0], 20)
    np.testing.assert_array_equal(traj.xs, expected.xs)
    assert e.result(lr=1.05).diverged is False or e.result(lr=1.05).losses[-1] > traj.losses[-1]
    assert e.render(lr=1.05).startswith(PNG)
