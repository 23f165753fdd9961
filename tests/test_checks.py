"""Exercise checks: right answers pass, wrong ones get specific feedback."""

import numpy as np

import gdlab
from gdlab import checks


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


def test_ewma_values_and_hints():
    series = [4.0, 8.0, 2.0]
    assert checks.ewma_values([2.0, 5.0, 3.5], series, 0.5)
    corrected = checks.ewma_values([4.0, 5.0 / 0.75, 3.5 / 0.875], series, 0.5)
    assert not corrected and "bias-corrected" in corrected.message
    undamped = checks.ewma_values([4.0, 10.0, 7.0], series, 0.5)
    assert not undamped and "(1 − β)" in undamped.message


def test_check_number():
    assert checks.check_number(10.0, 10.004, "window")
    wrong = checks.check_number(9.0, 10.0, "window", hints=[(9.0, "count again")])
    assert not wrong and "you gave 9" in wrong.message and "count again" in wrong.message
    assert "should be a number" in checks.check_number("ten", 10.0).message


def test_feedback_is_wrapped_for_reading():
    long = checks.Feedback(False, "word " * 60)
    lines = str(long).splitlines()
    assert len(lines) > 1 and max(map(len, lines)) <= 88
    assert " ".join(str(long).split()) == ("✘ Not yet. " + "word " * 60).strip()
