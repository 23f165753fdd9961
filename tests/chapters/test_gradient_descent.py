"""Tests for chapter 1's companion, gdlab.chapters.gradient_descent: the learning-rate
explorer and the self-checks of the exercises."""

import numpy as np
import pytest

import gdlab
from gdlab.chapters import gradient_descent

PNG = b"\x89PNG"


# -- checks ---------------------------------------------------------------------------------
def test_stable_learning_rate_check():
    A = [[3.0, 1.0], [1.0, 3.0]]                 # eigenvalues 2 and 4: 2/L = 0.5
    check = gradient_descent.check_stable_learning_rate
    assert check(0.5, A)
    wrong = check(2 / 3, A)
    assert not wrong and "eigenvalues" in wrong.message
    assert "1/L" in check(0.25, A).message
    assert "smallest" in check(1.0, A).message
    assert "best" in check(1 / 3, A).message
    assert check(1.0, np.diag([0.1, 2.0]))       # the elongated bowl
    with pytest.raises(ValueError, match="positive definite"):
        check(1.0, [[1.0, 0.0], [0.0, -1.0]])
    with pytest.raises(ValueError, match="symmetric"):
        check(1.0, [[1.0, 2.0], [0.0, 1.0]])


def test_stable_learning_rate_best_rate_hint_is_the_library_optimum():
    """The "best constant rate" slip is gdlab.theory.gd_optimal_lr, on any quadratic."""
    A = np.diag([0.5, 4.0])
    best = gdlab.theory.gd_optimal_lr(0.5, 4.0)
    assert np.isclose(best, 2 / 4.5)
    assert "*best* constant rate" in gradient_descent.check_stable_learning_rate(best, A).message
    # a diagonal A has no "diagonal entries" slip: 2/max(diag) is the right answer there
    assert "diagonal" not in gradient_descent.check_stable_learning_rate(0.4, A).message


def test_stable_learning_rate_messages_are_unchanged():
    """The notebook prints these; nbval compares them byte for byte."""
    A = np.array([[3.0, 1.0], [1.0, 3.0]])
    assert str(gradient_descent.check_stable_learning_rate(2 / 3, A)) == (
        "✘ Not yet. The largest stable learning rate: you gave 0.666667, expected 0.5. Hint: the\n"
        "curvatures are the eigenvalues of A, not its diagonal entries (they coincide only when A\n"
        "is diagonal).")
    assert str(gradient_descent.check_stable_learning_rate(0.5, A)) == (
        "✔ Correct. The largest stable learning rate = 0.5.")


def _central(f, x, h):
    g = np.zeros_like(x)
    for i in range(len(x)):
        e = np.zeros_like(x)
        e[i] = h
        g[i] = (f(x + e) - f(x - e)) / (2 * h)
    return g


def test_central_difference_check_accepts_a_correct_implementation():
    feedback = gradient_descent.check_central_difference(_central)
    assert feedback
    assert str(feedback) == (
        "✔ Correct. Your central differences match on Rosenbrock, Beale and a 3-D quadratic;\n"
        "relative errors to the analytic gradients: 4e-10, 8e-09, < 1e-12.")


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

    def not_numbers(f, x, h):
        return ["a", "b"]

    for fn, word in [(forward, "forward"), (over_h, "2h"), (flipped, "sign"),
                     (in_place, "in place"), (crashes, "RuntimeError"), (scalar, "shape"),
                     (not_numbers, "not an array of numbers")]:
        feedback = gradient_descent.check_central_difference(fn)
        assert not feedback and word in feedback.message, (fn.__name__, feedback.message)


def test_central_difference_forward_slip_message_is_unchanged():
    def forward(f, x, h):
        grad = np.zeros_like(x)
        for i in range(len(x)):
            x_plus = x.copy()
            x_plus[i] += h
            grad[i] = (f(x_plus) - f(x)) / h
        return grad

    assert str(gradient_descent.check_central_difference(forward)) == (
        "✘ Not yet. On Rosenbrock at x = (-1.5, 2) with h = 1e-05 you gave (-154.99, -49.999),\n"
        "expected (-155, -50). Hint: these are forward differences (f(x + h) − f(x))/h; subtract\n"
        "f(x − h) instead, which cancels the O(h) error.")


def test_central_difference_wrong_without_a_known_slip_has_no_hint():
    def off_by_one(f, x, h):
        return _central(f, x, h) + 1.0

    feedback = gradient_descent.check_central_difference(off_by_one)
    assert not feedback and "Rosenbrock" in feedback.message and "Hint" not in feedback.message


def test_central_difference_check_does_not_see_an_x_restored_in_place():
    """Perturbing x in place and putting it back is a correct implementation."""
    def restores(f, x, h):
        g = np.zeros_like(x)
        for i in range(len(x)):
            old = x[i]
            x[i] = old + h
            up = f(x)
            x[i] = old - h
            g[i] = (up - f(x)) / (2 * h)
            x[i] = old
        return g

    assert gradient_descent.check_central_difference(restores)


def test_gd_steps_and_the_uphill_hint():
    f, x0, lr = gdlab.elongated_bowl, [-8.0, 2.0], 0.5
    # by hand: grad = (x/10, 2y); x1 = (-8 + 0.4, 2 - 2) = (-7.6, 0); x2 = (-7.22, 0)
    assert gradient_descent.check_gd_steps([(-7.6, 0.0), (-7.22, 0.0)], f, x0, lr, 2)
    uphill = gradient_descent.check_gd_steps([(-8.4, 4.0), (-8.82, 8.0)], f, x0, lr, 2)
    assert not uphill and "gradient descent subtracts it" in uphill.message


def test_gd_steps_uphill_hint_is_sgd_on_minus_f():
    """The ascent slip comes from the library: SGD run on feedback.Uphill(f)."""
    f, x0, lr = gdlab.rosenbrock, [-1.5, 2.0], 1e-4
    ascent = gdlab.run(gdlab.SGD(lr=lr), gdlab.feedback.Uphill(f), x0, 3).xs[1:]
    by_hand = [np.array(x0)]
    for _ in range(3):
        by_hand.append(by_hand[-1] + lr * f.grad(by_hand[-1]))
    np.testing.assert_allclose(ascent, by_hand[1:])
    feedback = gradient_descent.check_gd_steps(ascent, f, x0, lr, 3)
    assert not feedback and "Hint: you added lr·∇f" in feedback.message
    assert "Hint" not in gradient_descent.check_gd_steps(ascent + 1.0, f, x0, lr, 3).message


def test_gd_steps_messages_are_unchanged():
    f, x0 = gdlab.elongated_bowl, [-8.0, 2.0]
    assert str(gradient_descent.check_gd_steps([(-7.8, 0.0), (-7.61, 0.0)], f, x0, lr=0.5,
                                               steps=2)) == (
        "✘ Not yet. x1 is wrong: x should be -7.6 (you gave -7.8). (Later points follow from it,\n"
        "so fix this one first.)")
    assert str(gradient_descent.check_gd_steps([(-7.6, 0.0), (-7.22, 0.0)], f, x0, lr=0.5,
                                               steps=2)) == (
        "✔ Correct. All match: x1 = (-7.6, 0), x2 = (-7.22, 0).")
    wrong_second = gradient_descent.check_gd_steps([(-7.6, 0.0), (-7.3, 0.0)], f, x0, 0.5, 2)
    assert "x1 is right. x2 is wrong" in wrong_second.message


def test_gradient_check_and_sign_hint():
    f = gdlab.elongated_bowl
    assert gradient_descent.check_gradient([-0.8, 4.0], f, [-8.0, 2.0])
    minus = gradient_descent.check_gradient([0.8, -4.0], f, [-8.0, 2.0])
    assert not minus and "minus the gradient" in minus.message
    assert "Later points" not in minus.message


def test_gradient_check_swapped_partials_and_messages():
    f = gdlab.elongated_bowl
    swapped = gradient_descent.check_gradient([4.0, -0.8], f, [-8.0, 2.0])
    assert not swapped and "swapped" in swapped.message
    assert str(gradient_descent.check_gradient([-0.4, 4.0], f, [-8.0, 2.0])) == (
        "✘ Not yet. ∂f/∂x should be -0.8; you gave -0.4.")
    assert str(gradient_descent.check_gradient([-0.8, 4.0], f, [-8.0, 2.0])) == (
        "✔ Correct. All match: ∂f/∂x = -0.8, ∂f/∂y = 4.")
    wrong_shape = gradient_descent.check_gradient([-0.8, 4.0, 1.0], f, [-8.0, 2.0])
    assert not wrong_shape and "shape" in wrong_shape.message


# -- the explorer ---------------------------------------------------------------------------
def test_explorer_keeps_the_loss_axis_fixed_across_frames():
    """The loss panel spans every run, so the frames can be compared by eye."""
    x0, lrs = [-8.0, 2.0], [0.1, 0.9, 1.05]
    e = gradient_descent.explorer(gdlab.elongated_bowl, x0, lrs, steps=20)
    limits = []
    for lr in lrs:
        assert e.render(lr=lr).startswith(PNG)
        limits.append(e.figure.axes[1].get_ylim())
    assert limits[0] == limits[1] == limits[2]
    gaps = np.concatenate([gdlab.run(gdlab.SGD(lr=lr), gdlab.elongated_bowl, x0, 20).gaps()
                           for lr in lrs])
    low, high = limits[0]
    assert low < gaps.min() and gaps.max() < high


def test_explorer_runs_gradient_descent():
    e = gradient_descent.explorer(gdlab.elongated_bowl, [-8.0, 2.0], [0.1, 0.5, 1.05],
                                  steps=20, start={"lr": 0.5})
    traj = e.result()
    expected = gdlab.run(gdlab.SGD(lr=0.5), gdlab.elongated_bowl, [-8.0, 2.0], 20)
    np.testing.assert_array_equal(traj.xs, expected.xs)
    assert e.result(lr=1.05).losses[-1] > traj.losses[-1]   # too large: it climbs
    assert e.render(lr=1.05).startswith(PNG)


def test_explorer_start_picks_the_first_frame():
    lrs = [0.1, 0.3, 0.5, 0.9]
    bowl, x0 = gdlab.elongated_bowl, [-8.0, 2.0]
    assert gradient_descent.explorer(bowl, x0, lrs, steps=5).start == {"lr": 0.5}   # middle
    assert gradient_descent.explorer(bowl, x0, lrs, steps=5, start={"lr": None}).start == {
        "lr": 0.5}
    e = gradient_descent.explorer(bowl, x0, lrs, steps=5, start={"lr": 0.1})
    assert e.start == {"lr": 0.1}
    np.testing.assert_array_equal(e.result().xs,
                                  gdlab.run(gdlab.SGD(lr=0.1), bowl, x0, 5).xs)
    with pytest.raises(ValueError, match="must be one of"):
        gradient_descent.explorer(bowl, x0, lrs, steps=5, start={"lr": 0.2})
    with pytest.raises(TypeError):
        gradient_descent.explorer(bowl, x0, lrs, steps=5, default=0.1)   # the old keyword


def test_explorer_loss_panel_is_labelled_and_the_title_says_the_verdict():
    e = gradient_descent.explorer(gdlab.elongated_bowl, [-8.0, 2.0], [0.5, 1.05], steps=300)
    e.render(lr=1.05)
    ax_path, ax_loss = e.figure.axes
    assert "diverged at step" in ax_loss.get_title()
    assert ax_loss.get_yscale() == "log" and ax_loss.get_xlabel() == "step t"
    assert ax_path.get_title() == "Gradient descent on elongated bowl x²/20 + y²"
    e.render(lr=0.5)
    assert e.figure.axes[1].get_title().startswith("lr = 0.5: final gap ")
