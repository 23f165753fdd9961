"""Tests for chapter 3 (momentum): the momentum explorer and the chapter's claims about the
three ways of writing momentum."""

import numpy as np
import pytest

import gdlab
from gdlab.widgets import Explorer, momentum_explorer

BOWL = gdlab.elongated_bowl
X0 = [-9.0, 2.0]
LRS = [0.1, 0.4, 0.9, 1.2, 1.6]
BETAS = [0.0, 0.3, 0.5, 0.7, 0.9, 0.95]


def heavy_ball_by_hand(f, x0, lr, beta, steps):
    """v <- beta*v + grad, x <- x - lr*v, written out with plain arrays."""
    x, v, xs = np.array(x0, dtype=float), np.zeros(len(x0)), [np.array(x0, dtype=float)]
    for _ in range(steps):
        v = beta * v + f.grad(x)
        x = x - lr * v
        xs.append(x)
    return np.array(xs)


def cs231n_by_hand(f, x0, lr, mu, steps):
    """v <- mu*v - lr*grad, x <- x + v (CS231n, "Deep Learning from Scratch")."""
    x, v, xs = np.array(x0, dtype=float), np.zeros(len(x0)), [np.array(x0, dtype=float)]
    for _ in range(steps):
        v = mu * v - lr * f.grad(x)
        x = x + v
        xs.append(x)
    return np.array(xs)


@pytest.fixture(scope="module")
def explorer():
    return momentum_explorer(BOWL, X0, LRS, BETAS, steps=80, default_lr=0.9, default_beta=0.5)


def test_explorer_is_an_explorer_with_the_given_grid(explorer):
    assert isinstance(explorer, Explorer)
    assert explorer.controls == {"lr": LRS, "beta": BETAS}
    assert explorer.defaults == {"lr": 0.9, "beta": 0.5}


def test_result_matches_heavy_ball_written_by_hand(explorer):
    result = explorer.result(lr=0.4, beta=0.7)
    expected = heavy_ball_by_hand(BOWL, X0, 0.4, 0.7, 80)
    np.testing.assert_allclose(result["momentum"].xs, expected, rtol=1e-12, atol=1e-14)
    gd = heavy_ball_by_hand(BOWL, X0, 0.4, 0.0, 80)
    np.testing.assert_allclose(result["gd"].xs, gd, rtol=1e-12, atol=1e-14)


def test_beta_zero_is_gradient_descent(explorer):
    result = explorer.result(lr=0.9, beta=0.0)
    np.testing.assert_array_equal(result["momentum"].xs, result["gd"].xs)


def test_steps_to_tolerance_agree_with_the_distances(explorer):
    result = explorer.result()   # the defaults, lr = 0.9 and beta = 0.5
    needed = result["steps_momentum"]
    distances = np.linalg.norm(heavy_ball_by_hand(BOWL, X0, 0.9, 0.5, 80), axis=1)
    assert needed is not None
    assert np.all(distances[needed:] < 1e-6) and distances[needed - 1] >= 1e-6
    assert result["steps_gd"] is None          # GD at lr 0.9 needs about 170 steps


def test_rate_is_the_largest_eigenvalue_modulus(explorer):
    for lr, beta in [(0.9, 0.5), (0.4, 0.9), (1.6, 0.0)]:
        matrices = [np.array([[1 + beta - lr * lam, -beta], [1.0, 0.0]]) for lam in (0.1, 2.0)]
        expected = max(np.max(np.abs(np.linalg.eigvals(m))) for m in matrices)
        assert explorer.result(lr=lr, beta=beta)["rate"] == pytest.approx(expected)


def test_momentum_survives_a_learning_rate_that_breaks_gd(explorer):
    # lr = 1.6 puts lr*L = 3.2 above GD's limit 2 but below 2 + 2*0.7 = 3.4
    result = explorer.result(lr=1.6, beta=0.7)
    assert result["gd"].diverged and result["steps_gd"] is None
    assert not result["momentum"].diverged and result["rate"] < 1
    assert explorer.result(lr=1.6, beta=0.5)["momentum"].diverged   # 3.2 > 2 + 2*0.5


def test_render_returns_png_bytes(explorer):
    for values in ({}, {"lr": 1.6, "beta": 0.0}, {"lr": 0.1, "beta": 0.95}):
        png = explorer.render(**values)
        assert png[:8] == b"\x89PNG\r\n\x1a\n" and len(png) > 5000


def test_explorer_without_a_quadratic_has_no_theory_rate():
    small = momentum_explorer(gdlab.rosenbrock, [-1.0, 1.0], [1e-3], [0.9], steps=20)
    assert small.result()["rate"] is None
    assert small.render()[:4] == b"\x89PNG"


def test_explorer_limits_the_number_of_frames():
    with pytest.raises(ValueError, match="max_frames"):
        momentum_explorer(BOWL, X0, [0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7], BETAS)
    with pytest.raises(ValueError, match="steps"):
        momentum_explorer(BOWL, X0, LRS, BETAS, steps=0)


def test_momentum_xy_steps():
    right = checks.momentum_xy_steps([(-1, 1), (-4, 1), (-8, 5)])
    assert right and str(right).startswith("✔ Correct.")
    wrong = checks.momentum_xy_steps([(-1, 1), (-4, 1), (-8, 4)])
    assert not wrong
    assert str(wrong) == ("✘ Not yet. x1 and x2 are right. "
                          "x3 is wrong: y should be 5 (you gave 4).")


def test_momentum_xy_recognises_plain_gradient_descent():
    gd = [(-1, 1), (-2, 2), (-4, 4)]   # x <- x - (y, x) three times
    feedback = checks.momentum_xy_steps(gd)
    assert not feedback and "plain gradient-descent steps" in feedback.message


def test_shape_problems_are_explained():
    feedback = checks.momentum_xy_steps([(-1, 1), (-4, 1)])
    assert not feedback and "shape (3, 2)" in feedback.message and "(2, 2)" in feedback.message
    assert "should be 3 points" in checks.momentum_xy_steps("abc").message


def test_the_xy_worked_example_check():
    # f = xy, gradient (y, x); lr = 1, beta = 1 from (1, 2), computed by hand:
    # v1 = (2, 1) -> x1 = (-1, 1); v2 = (3, 0) -> x2 = (-4, 1); v3 = (4, -4) -> x3 = (-8, 5)
    assert gdlab.checks.momentum_xy_steps([(-1, 1), (-4, 1), (-8, 5)])
