"""Tests for chapter 4 (Nesterov): gdlab.theory, gdlab.checks and gdlab.widgets additions.

The checks here are independent of the code under test: closed forms are compared with
simulations of the method written out by hand, with numpy's eigenvalue solver, or with
values derived on paper in the comments.
"""

import numpy as np
import pytest

import gdlab
from gdlab import theory
from gdlab.checks import nesterov_steps


# -- checks.nesterov_steps ----------------------------------------------------------------
BOWL = gdlab.Quadratic(np.diag([1.0, 4.0]))
ARGS = dict(f=BOWL, x0=[2.0, 1.0], lr=0.25, beta=0.5, steps=2)
# By hand (gradient (x, 4y)):
#   Nesterov (PyTorch form): x1 = (1.25, -0.5), x2 = (0.65625, 0)
#   heavy ball:              x1 = (1.5, 0),     x2 = (0.875, -0.5)
#   Sutskever's theta:       x1 = (1.5, 0),     x2 = (0.9375, 0)
#   DLfS, v renewed first:   x1 = (1.125, -0.75), x2 = (0.5703125, 0.4375)


def test_check_accepts_the_hand_computed_answer():
    feedback = nesterov_steps([(1.25, -0.5), (0.65625, 0.0)], **ARGS)
    assert feedback and "Correct" in repr(feedback)


@pytest.mark.parametrize("answer, phrase", [
    ([(1.5, 0.0), (0.875, -0.5)], "heavy-ball"),
    ([(1.5, 0.0), (0.9375, 0.0)], "Sutskever"),
    ([(1.125, -0.75), (0.5703125, 0.4375)], "velocity from before this step"),
    ([(2.75, 2.5), (3.90625, 6.5)], "uphill"),
])
def test_check_diagnoses_the_usual_slips(answer, phrase):
    feedback = nesterov_steps(answer, **ARGS)
    assert not feedback
    assert phrase in feedback.message


def test_ascent_answer_is_independently_derived():
    # gradient ascent version by hand: g0 = (2, 4), b1 = (2, 4), x1 = (2,1) + 0.25*(3, 6)
    # = (2.75, 2.5); g1 = (2.75, 10), b2 = (1, 2) + (2.75, 10) = (3.75, 12),
    # x2 = (2.75, 2.5) + 0.25*((2.75, 10) + 0.5*(3.75, 12)) = (2.75, 2.5) + (1.15625, 4)
    assert "uphill" in nesterov_steps([(2.75, 2.5), (3.90625, 6.5)], **ARGS).message


def test_check_names_the_first_wrong_point_and_shape_problems():
    feedback = nesterov_steps([(1.25, -0.5), (0.6, 0.0)], **ARGS)
    assert not feedback and "x1 is right" in feedback.message and "x2" in feedback.message
    assert "shape" in nesterov_steps([(1.25, -0.5)], **ARGS).message


def test_check_validates_its_arguments():
    with pytest.raises(ValueError, match="beta"):
        nesterov_steps([(0, 0)], BOWL, [2.0, 1.0], 0.25, 1.5, 1)
    with pytest.raises(ValueError, match="lr"):
        nesterov_steps([(0, 0)], BOWL, [2.0, 1.0], -0.25, 0.5, 1)
    with pytest.raises(ValueError, match="x0"):
        nesterov_steps([(0, 0)], BOWL, [2.0, 1.0, 3.0], 0.25, 0.5, 1)


# -- widgets.nesterov_explorer ------------------------------------------------------------
def make_explorer():
    return gdlab.widgets.nesterov_explorer(gdlab.elongated_bowl, x0=[-8.0, 2.0],
                                           lrs=[0.05, 0.45, 0.8], betas=[0.5, 0.9], steps=40,
                                           default_lr=0.45, default_beta=0.9)


def test_explorer_result_runs_both_methods_with_the_same_settings():
    ex = make_explorer()
    result = ex.result()
    assert set(result) == {"Momentum", "Nesterov"}
    # Nesterov's path equals Sutskever's form mapped by theta + beta v, coordinate by coordinate
    for k, lam in enumerate([0.1, 2.0]):
        theta, v = sutskever_run(lam, 0.45, 0.9, [-8.0, 2.0][k], 40)
        np.testing.assert_allclose(result["Nesterov"].xs[:, k], theta + 0.9 * v, atol=1e-12)
    # heavy ball written out by hand
    x, v = np.array([-8.0, 2.0]), np.zeros(2)
    for t in range(40):
        v = 0.9 * v + gdlab.elongated_bowl.grad(x)
        x = x - 0.45 * v
    np.testing.assert_allclose(result["Momentum"].xs[-1], x, atol=1e-12)


def test_explorer_shows_the_stability_trade_off():
    # lr = 0.8 on the steep axis (lam = 2): lr*lam = 1.6, outside NAG's 1.357, inside 3.8
    result = make_explorer().result(lr=0.8, beta=0.9)
    assert result["Nesterov"].gaps()[-1] > result["Nesterov"].gaps()[0]
    assert result["Momentum"].gaps()[-1] < result["Momentum"].gaps()[0]


def test_explorer_verdict_names_unstable_runs_that_have_not_blown_up_yet():
    from gdlab.widgets import _nesterov_verdict
    # beta = 0.5: NAG's limit is 1.5 < lr*lam = 1.6, so the run grows, but too slowly to pass
    # the divergence threshold within 40 steps (radius about 1.16 per step)
    result = make_explorer().result(lr=0.8, beta=0.5)
    nag, hb = result["Nesterov"], result["Momentum"]
    assert not nag.diverged and nag.gaps()[-1] > nag.gaps()[0]
    assert _nesterov_verdict(nag).startswith("growing")
    assert _nesterov_verdict(hb) == f"gap {hb.gaps()[-1]:.1e}"
    blown_up = gdlab.run(gdlab.Nesterov(lr=0.8, beta=0.9), gdlab.elongated_bowl, [-8.0, 2.0], 400)
    assert blown_up.diverged and _nesterov_verdict(blown_up) == "diverged"


def test_explorer_renders_png_and_limits_frames():
    ex = make_explorer()
    png = ex.render(lr=0.8, beta=0.5)
    assert png[:8] == b"\x89PNG\r\n\x1a\n"
    assert "<img" in ex.to_html()
    with pytest.raises(ValueError, match="max_frames"):
        gdlab.widgets.nesterov_explorer(gdlab.elongated_bowl, [-8.0, 2.0],
                                        lrs=list(np.linspace(0.1, 0.5, 9)),
                                        betas=[0.5, 0.6, 0.7, 0.8, 0.9])
    with pytest.raises(ValueError, match="steps"):
        gdlab.widgets.nesterov_explorer(gdlab.elongated_bowl, [-8.0, 2.0], [0.1], [0.9], steps=0)
