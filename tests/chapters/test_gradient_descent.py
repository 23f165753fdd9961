"""Tests for chapter 1's companion, gdlab.chapters.gradient_descent: the learning-rate
explorer, the widget-plot exercise (its explorer and verdicts) and the self-checks of the
exercises."""

from types import SimpleNamespace

import numpy as np
import pytest
from matplotlib.figure import Figure

import gdlab
from explorer_checks import check_fast_frames
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


def test_central_difference_restored_by_arithmetic_is_judged_on_its_result():
    """x[i] += h; x[i] -= 2h; x[i] += h leaves a rounding error in x: the check must not call
    that "changed x in place", and must still name the real slip (here a missing 2)."""
    def arithmetic(f, x, h, two=2):
        g = np.zeros_like(x)
        for i in range(len(x)):
            x[i] += h
            up = f(x)
            x[i] -= 2 * h
            down = f(x)
            x[i] += h
            g[i] = (up - down) / (two * h)
        return g

    x = np.array([-1.5, 2.0])
    arithmetic(gdlab.rosenbrock, x, 1e-5)
    assert not np.array_equal(x, [-1.5, 2.0])        # the premise: x did come back changed
    assert gradient_descent.check_central_difference(arithmetic)
    slip = gradient_descent.check_central_difference(lambda f, x, h: arithmetic(f, x, h, two=1))
    assert not slip and "divided by h instead of 2h" in slip.message
    assert "in place" not in slip.message


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
    # an answer of the wrong size is the learner's: feedback that counts, not an exception
    wrong_shape = gradient_descent.check_gradient([-0.8, 4.0, 1.0], f, [-8.0, 2.0])
    assert not wrong_shape and wrong_shape.message == (
        "Your answer should have 2 numbers, ∂f/∂x and ∂f/∂y; you gave 3.")
    assert gradient_descent.check_gradient(-0.8, f, [-8.0, 2.0]).message == (
        "Your answer should have 2 numbers, ∂f/∂x and ∂f/∂y; you gave 1.")
    assert gradient_descent.check_gradient("-0.8, 4", f, [-8.0, 2.0]).message == (
        "Your answer should be 2 numbers, ∂f/∂x and ∂f/∂y; got '-0.8, 4'.")
    assert gradient_descent.check_gradient([[-0.8, 4.0], [1.0, 2.0]], f, [-8.0, 2.0]).message == (
        "Your answer should be a list of 2 numbers, ∂f/∂x and ∂f/∂y; yours has shape (2, 2).")


@pytest.mark.parametrize("args, message", [
    (([-8.0, 2.0, 1.0],), r"x must have shape \(2,\) for elongated bowl .*, got \(3,\)"),
    (([-8.0],), r"x must have shape \(2,\) for elongated bowl .*, got \(1,\)"),
    (([-8.0, np.nan],), "x must contain only finite numbers, found nan"),
    (([[-8.0, 2.0]],), r"x must be a 1-D array, got shape \(1, 2\)"),
    (("bowl",), r"x must be an array of real numbers, got 'bowl'"),
])
def test_gradient_check_refuses_a_bad_point(args, message):
    with pytest.raises(ValueError, match=message):
        gradient_descent.check_gradient([-0.8, 4.0], gdlab.elongated_bowl, *args)


@pytest.mark.parametrize("changes, message", [
    ({"steps": 0}, "steps must be a whole number >= 1, got 0"),
    ({"steps": -1}, "steps must be a whole number >= 1, got -1"),
    ({"steps": 1.5}, "steps must be a whole number >= 1, got 1.5"),
    ({"steps": True}, "steps must be a whole number >= 1, got True"),
    ({"lr": -0.5}, r"lr must be in \[0, inf\), got -0.5"),
    ({"lr": float("nan")}, "lr must be a finite real number, got nan"),
    ({"x0": [-8.0, 2.0, 1.0]}, r"x0 must have shape \(2,\) for elongated bowl .*got \(3,\)"),
    ({"x0": [-8.0, np.inf]}, "x0 must contain only finite numbers, found inf"),
    ({"f": "bowl"}, "f must be a gdlab Function .*got 'bowl'"),
    ({"lr": 1e9, "steps": 3}, r"with lr = 1e\+09 gradient descent on elongated bowl .* from "
                              r"\(-8, 2\) diverged at step \d+.*: choose a smaller lr or "
                              r"fewer steps than 3"),
])
def test_gd_steps_check_refuses_a_bad_setup(changes, message):
    args = dict(f=gdlab.elongated_bowl, x0=[-8.0, 2.0], lr=0.5, steps=2)
    with pytest.raises(ValueError, match=message):
        gradient_descent.check_gd_steps([(-7.6, 0.0), (-7.22, 0.0)], **{**args, **changes})


def test_gd_steps_check_gives_feedback_on_an_answer_of_the_wrong_shape():
    args = dict(f=gdlab.elongated_bowl, x0=[-8.0, 2.0], lr=0.5, steps=2)
    assert gradient_descent.check_gd_steps([(-7.6, 0.0)], **args).message == (
        "Your answer should have 2 points of 2 numbers each (shape (2, 2)); yours has "
        "shape (1, 2).")


# -- the explorer ---------------------------------------------------------------------------
def descent_on(f, x0, steps):
    """The notebook's compute step (chapter 1, "Explore it yourself"), for any landscape,
    start and number of steps: repeated here on purpose, it is what these tests test."""
    def compute(lr):
        descent = gdlab.SGD(lr=lr)
        return gdlab.run(descent, f, x0, steps=steps)
    return compute


BOWL, X0 = gdlab.elongated_bowl, [-8.0, 2.0]


def drawn(explorer, **values):
    """The axes of the whole picture ``explorer`` draws at ``values`` (a rendered frame keeps
    only its unchanging parts in ``explorer.figure``: the titles go back to setup's)."""
    values = {**explorer.start, **values}
    return explorer.draw_into(Figure(), explorer.result(**values), **values).axes


@pytest.fixture(scope="module")
def explorer():
    """The notebook's explorer: forty steps on the elongated bowl for each learning rate."""
    lrs = [0.05, 0.1, 0.3, 0.5, 0.6, 0.7, 0.8, 0.9, 0.95, 0.99, 1.0, 1.01, 1.05]
    return gradient_descent.explorer(descent_on(BOWL, X0, 40), lrs, BOWL, start={"lr": 0.5})


def test_frames_are_drawn_fast_and_equal_whole_draws(explorer):
    check_fast_frames(explorer)


def test_explorer_keeps_the_loss_axis_fixed_across_frames():
    """The loss panel spans every run, so the frames can be compared by eye."""
    lrs = [0.1, 0.9, 1.05]
    e = gradient_descent.explorer(descent_on(BOWL, X0, 20), lrs, BOWL)
    limits = []
    for lr in lrs:
        assert e.render(lr=lr).startswith(PNG)
        limits.append(e.figure.axes[1].get_ylim())
    assert limits[0] == limits[1] == limits[2]
    gaps = np.concatenate([gdlab.run(gdlab.SGD(lr=lr), BOWL, X0, 20).gaps() for lr in lrs])
    low, high = limits[0]
    assert low < gaps.min() and gaps.max() < high


def test_explorer_runs_the_compute_it_is_given():
    e = gradient_descent.explorer(descent_on(BOWL, X0, 20), [0.1, 0.5, 1.05], BOWL,
                                  start={"lr": 0.5})
    traj = e.result()
    expected = gdlab.run(gdlab.SGD(lr=0.5), BOWL, X0, 20)
    np.testing.assert_array_equal(traj.xs, expected.xs)
    assert e.result(lr=1.05).losses[-1] > traj.losses[-1]   # too large: it climbs
    assert e.render(lr=1.05).startswith(PNG)
    # passed straight to Explorer: result() is whatever compute returns, with keyword lr
    calls = []

    def recording(lr):
        calls.append(lr)
        return expected

    e = gradient_descent.explorer(recording, [0.1, 0.5], BOWL)
    assert calls == [0.5, 0.1]                       # every run once (the start first),
    e.render(lr=0.5)                                 # before any drawing; the start's
    assert calls == [0.5, 0.1]                       # result is kept for its picture
    assert e.compute is recording and e.result(lr=0.1) is expected and calls[-1] == 0.1


def test_explorer_start_picks_the_first_frame():
    lrs = [0.1, 0.3, 0.5, 0.9]
    compute = descent_on(BOWL, X0, 5)
    assert gradient_descent.explorer(compute, lrs, BOWL).start == {"lr": 0.5}   # middle
    assert gradient_descent.explorer(compute, lrs, BOWL, start={"lr": None}).start == {
        "lr": 0.5}
    e = gradient_descent.explorer(compute, lrs, BOWL, start={"lr": 0.1})
    assert e.start == {"lr": 0.1}
    np.testing.assert_array_equal(e.result().xs, gdlab.run(gdlab.SGD(lr=0.1), BOWL, X0, 5).xs)
    assert 'value="0"' in e.to_html()                # the website's first frame, too
    with pytest.raises(ValueError, match="must be one of"):
        gradient_descent.explorer(compute, lrs, BOWL, start={"lr": 0.2})
    with pytest.raises(TypeError):
        gradient_descent.explorer(compute, lrs, BOWL, default=0.1)   # an old keyword
    with pytest.raises(TypeError):
        gradient_descent.explorer(compute, lrs, BOWL, steps=5)       # compute says the steps


def test_explorer_loss_panel_is_labeled_and_the_title_says_the_verdict():
    e = gradient_descent.explorer(descent_on(BOWL, X0, 300), [0.5, 1.05], BOWL)
    assert e.render(lr=1.05).startswith(PNG)
    ax_path, ax_loss = drawn(e, lr=1.05)
    assert "diverged at step" in ax_loss.get_title().replace("\n", " ")
    assert ax_loss.get_yscale() == "log" and ax_loss.get_xlabel() == "step t"
    assert ax_path.get_title().replace("\n", " ") == "Gradient descent on elongated bowl x²/20 + y²"
    assert ax_loss.get_xlim() == (0, 300)   # the longest run, not the diverged one (234 steps)
    assert drawn(e, lr=0.5)[1].get_title().replace("\n", " ").startswith("lr = 0.5: final gap ")


def test_explorer_step_axis_is_the_longest_run():
    e = gradient_descent.explorer(descent_on(BOWL, X0, 40), [0.5, 0.9], BOWL)
    e.render(lr=0.5)
    assert e.figure.axes[1].get_xlim() == (0, 40)
    every_one_diverges = gradient_descent.explorer(descent_on(BOWL, X0, 500), [1.05, 1.2], BOWL)
    every_one_diverges.render(lr=1.2)
    longest = gdlab.run(gdlab.SGD(lr=1.05), BOWL, X0, 500).steps
    assert longest < 500 and every_one_diverges.figure.axes[1].get_xlim() == (0, longest)


DOCUMENTED = ("xs", "optimizer", "gaps()", "diverged", "status", "steps")   # the docstring's


def test_the_docstring_contract_is_what_draw_uses():
    """The attributes the docstring names are enough to draw a frame (a result holding only
    them renders: draw reads nothing else), and each of them is needed."""
    doc = " ".join(gradient_descent.explorer.__doc__.split())
    assert "one keyword argument, ``lr``" in doc and "``gdlab.Trajectory``" in doc
    for name in DOCUMENTED:
        assert f"``{name}``" in doc, name
    run = gdlab.run(gdlab.SGD(lr=0.5), BOWL, X0, 20)
    fields = {"xs": run.xs, "optimizer": run.optimizer, "gaps": run.gaps,
              "diverged": run.diverged, "status": run.status, "steps": run.steps}
    assert set(fields) == {name.rstrip("()") for name in DOCUMENTED}
    only_these = SimpleNamespace(**fields)
    e = gradient_descent.explorer(lambda lr: only_these, [0.5], BOWL)
    assert e.render().startswith(PNG)
    assert drawn(e)[1].get_title().replace("\n", " ") == f"lr = 0.5: final gap {run.gaps()[-1]:.2e}"
    for name in fields:
        fewer = SimpleNamespace(**{k: v for k, v in fields.items() if k != name})
        with pytest.raises(TypeError, match=f"no {name}"):
            gradient_descent.explorer(lambda lr: fewer, [0.5], BOWL)


def test_a_compute_with_the_wrong_result_is_reported_before_drawing():
    def returns_the_points(lr):
        return gdlab.run(gdlab.SGD(lr=lr), BOWL, X0, 5).xs

    def returns_a_dict(lr):
        return {"path": gdlab.run(gdlab.SGD(lr=lr), BOWL, X0, 5)}

    with pytest.raises(TypeError) as error:
        gradient_descent.explorer(returns_a_dict, [0.1, 0.5], BOWL)
    assert str(error.value) == (
        "compute(lr=0.1) returned dict, which has no xs, optimizer, steps, gaps, diverged and "
        "status: return the run's gdlab.Trajectory, e.g. gdlab.run(gdlab.SGD(lr=lr), f, x0, "
        "steps)")
    with pytest.raises(TypeError, match="returned ndarray.*gdlab.Trajectory"):
        gradient_descent.explorer(returns_the_points, [0.1, 0.5], BOWL)

    def alpha_not_lr(alpha):   # the control is called lr: Python names the keyword
        return gdlab.run(gdlab.SGD(lr=alpha), BOWL, X0, 5)

    with pytest.raises(ValueError, match=r"^compute\(lr=0.1\) raised TypeError: .*unexpected "
                                         r"keyword argument 'lr'"):
        gradient_descent.explorer(alpha_not_lr, [0.1], BOWL)


def test_a_compute_that_fails_fails_when_the_explorer_is_built():
    def three_d(lr):   # the notebook's compute with a start point of the wrong dimension
        return gdlab.run(gdlab.SGD(lr=lr), BOWL, [-8.0, 2.0, 1.0], 40)

    with pytest.raises(ValueError, match=r"^compute\(lr=0.5\) raised ValueError: x0 must "
                                         r"have shape \(2,\) for elongated bowl .*got \(3,\)"):
        gradient_descent.explorer(three_d, [0.1, 0.5, 0.9], BOWL)


def test_explorer_checks_its_arguments():
    compute = descent_on(BOWL, X0, 5)
    with pytest.raises(TypeError, match="compute must be a function"):
        gradient_descent.explorer([0.1, 0.5], BOWL, compute)   # the arguments swapped
    with pytest.raises(ValueError, match=r"controls\['lr'\] must list at least one value"):
        gradient_descent.explorer(compute, [], BOWL)
    with pytest.raises(ValueError, match=r"lrs\[1\] must be in \(0, inf\), got -0.5"):
        gradient_descent.explorer(compute, [0.1, -0.5], BOWL)
    with pytest.raises(ValueError, match=r"lrs\[1\] must be a finite real number, got 'fast'"):
        gradient_descent.explorer(compute, [0.1, "fast"], BOWL)
    with pytest.raises(ValueError, match=r"lrs\[0\] must be a finite real number, got inf"):
        gradient_descent.explorer(compute, [float("inf")], BOWL)
    with pytest.raises(ValueError, match=r"f must be a gdlab Function .*got \[-8.0, 2.0\]"):
        gradient_descent.explorer(compute, [0.1], [-8.0, 2.0])   # x0 given for f
    with pytest.raises(ValueError, match="has no minimum value"):   # the loss panel needs f*
        gradient_descent.explorer(descent_on(gdlab.saddle, [1.0, 0.1], 5), [0.1], gdlab.saddle)


# -- explorer 2: the widget-plot exercise ----------------------------------------------------
# x_t = (1 - 0.1α)^t·(-8) and y_t = (1 - 2α)^t·2: the target (both below 1e-3 by step 100)
# needs 1 - 0.1α < (1e-3/8)^(1/100) = 0.914 and |1 - 2α| < (1e-3/2)^(1/100) = 0.927.
RATE_LRS = [0.1, 0.3, 0.5, 0.7, 0.85, 0.9, 0.95, 0.97, 0.99, 1.0, 1.05]


def rate_compute(lr):
    """The notebook's compute step for the exercise: 150 steps from (-8, 2)."""
    return gdlab.run(gdlab.SGD(lr=lr), BOWL, X0, steps=150)


def rate_picker(lrs=RATE_LRS, compute=rate_compute, **changes):
    args = dict(target=100, tol=1e-3, steps=150, start={"lr": 0.5})
    return gradient_descent.rate_explorer(compute, lrs, **{**args, **changes})


@pytest.mark.parametrize("lr, ok, verdict", [
    (0.5, False, f"too slow: |x_100| = {8 * 0.95 ** 100:.2g}\n"         # x creeps: factor 0.95
                 "factor 1 − αλ = 0.95 > 0:\nraise α"),
    (0.85, False, f"too slow: |x_100| = {8 * 0.915 ** 100:.2g}\n"       # 0.915 > 0.914, just
                  "factor 1 − αλ = 0.915 > 0:\nraise α"),
    (0.9, True, "on target: both < 0.001\nfrom step 96 (≤ 100)"),        # 8·0.91^96 < 1e-3
    (0.95, True, "on target: both < 0.001\nfrom step 91 (≤ 100)"),       # 8·0.905^91 < 1e-3
    (0.97, False, f"too slow: |y_100| = {2 * 0.94 ** 100:.2g}\n"        # y flips: 1 - 1.94
                  "factor 1 − αλ = -0.94 < 0:\nlower α"),
    (1.0, False, "unstable: |1 − αλ| ≥ 1\nfor y (factor -1):\nlower α"),     # y = ±2 always
    (1.05, False, "unstable: |1 − αλ| ≥ 1\nfor y (factor -1.1):\nlower α"),  # diverges
])
def test_rate_verdict_for_each_case(lr, ok, verdict):
    assert 8 * 0.91 ** 95 > 1e-3 > 8 * 0.91 ** 96 and 8 * 0.905 ** 90 > 1e-3 > 8 * 0.905 ** 91
    assert 8 * 0.915 ** 100 > 1e-3 and 2 * 0.94 ** 100 > 1e-3
    got_ok, got = gradient_descent.rate_verdict(rate_compute(lr), 100, 1e-3)
    assert got_ok is ok and got == verdict


def test_rate_verdict_of_runs_that_stop_early_or_end_at_the_minimum():
    first = gdlab.run(gdlab.SGD(lr=1e4), BOWL, X0, steps=150)   # |1 - 2e4| blows up at once
    assert first.diverged and first.steps == 0
    assert gradient_descent.rate_verdict(first, 100, 1e-3) == (
        False, "unstable: |1 − αλ| ≥ 1\nat the first step:\nlower α")
    halfway = gdlab.run(gdlab.SGD(lr=1.05), BOWL, X0, steps=150)   # stops at step 75 < 100
    assert halfway.steps == 75 and "factor -1.1" in gradient_descent.rate_verdict(
        halfway, 100, 1e-3)[1]
    # α = 1/L puts y exactly at 0 in one step: no 0/0, y's factor counts as 0
    with np.errstate(all="raise"):
        ok, verdict = gradient_descent.rate_verdict(rate_compute(0.5), 100, 1e-3)
    assert not ok and verdict.startswith("too slow: |x_100|")


def test_every_slider_value_has_the_verdict_the_math_predicts():
    """On target exactly where 0.1α > 1 - 0.914 and |1 - 2α| < 0.927; below, raise α;
    above, lower α."""
    e = rate_picker()
    for lr in RATE_LRS:
        ok, verdict = gradient_descent.rate_verdict(e.result(lr=lr), 100, 1e-3)
        predicted = 8 * (1 - 0.1 * lr) ** 100 < 1e-3 and 2 * abs(1 - 2 * lr) ** 100 < 1e-3
        assert ok is predicted, lr
        if not ok:
            assert verdict.endswith("raise α" if lr < 0.9 else "lower α"), lr


def test_rate_explorer_shows_the_attempt_against_the_target():
    e = rate_picker(start={"lr": 0.97})
    assert e.render().startswith(PNG) and e.slow_frames == 0
    ax, = drawn(e)
    assert ax.get_title().replace("\n", " ") == "Gradient descent with α = 0.97"
    assert [t.get_text() for t in ax.texts] == [
        "target: < 0.001\nfrom step 100",
        "too slow: |y_100| = 0.0041\nfactor 1 − αλ = -0.94 < 0:\nlower α"]
    run = rate_compute(0.97)
    target, x_line, y_line = ax.get_lines()   # the target is drawn once, the run per frame
    np.testing.assert_allclose(x_line.get_ydata(), np.abs(run.xs[:, 0]))   # the attempt
    np.testing.assert_allclose(y_line.get_ydata(), np.abs(run.xs[:, 1]))
    assert list(target.get_xdata()) == [100, 100, 150] and list(target.get_ydata())[1:] == [
        1e-3, 1e-3]                                                          # the target
    assert target.get_linestyle() == "--"
    assert [t.get_text() for t in ax.figure.legends[0].get_texts()] == ["|x_t| (flat)",
                                                                   "|y_t| (steep)"]
    assert ax.get_yscale() == "log" and ax.get_xlim() == (0, 150)
    on = drawn(e, lr=0.9)[0]
    assert on.texts[-1].get_text() == "on target: both < 0.001\nfrom step 96 (≤ 100)"
    # α = 0.5: y is exactly 0 from step 1, left off the log axis rather than drawn at 0
    y = drawn(e, lr=0.5)[0].get_lines()[2].get_ydata()
    assert y[0] == 2.0 and np.all(np.isnan(y[1:]))


def test_rate_explorer_draws_a_diverged_run_up_to_where_it_stopped():
    e = rate_picker()
    assert e.render(lr=1.05).startswith(PNG)
    ax, = drawn(e, lr=1.05)
    assert len(ax.get_lines()[1].get_xdata()) == 76 and ax.get_xlim() == (0, 150)
    assert ax.texts[-1].get_text().startswith("unstable")


def test_rate_explorer_refuses_bad_input():
    with pytest.raises(TypeError, match="compute must be a function"):
        gradient_descent.rate_explorer(RATE_LRS, rate_compute, target=100, tol=1e-3, steps=150)
    with pytest.raises(ValueError, match=r"controls\['lr'\] must list at least one value"):
        rate_picker(lrs=[], start=None)
    with pytest.raises(ValueError, match=r"lrs\[1\] must be in \(0, inf\), got 0"):
        rate_picker(lrs=[0.1, 0.0], start=None)
    with pytest.raises(ValueError, match=r"lrs\[0\] must be a finite real number, got 'fast'"):
        rate_picker(lrs=["fast"], start=None)
    with pytest.raises(ValueError, match="target must be a whole number >= 1, got 0"):
        rate_picker(target=0)
    with pytest.raises(ValueError, match="target must be at most steps = 150 .*got 200"):
        rate_picker(target=200)
    with pytest.raises(ValueError, match=r"tol must be in \(1e-08, 1e\+06\), got 0"):
        rate_picker(tol=0.0)
    with pytest.raises(ValueError, match=r"tol must be in \(1e-08, 1e\+06\), got 1e\+07"):
        rate_picker(tol=1e7)
    with pytest.raises(ValueError, match="max_frames"):
        rate_picker(lrs=list(np.linspace(0.05, 1.0, 17)), start=None)


def test_rate_explorer_refuses_a_compute_with_the_wrong_result_before_drawing():
    with pytest.raises(TypeError, match="compute must return a gdlab.Trajectory .*got ndarray"):
        rate_picker(compute=lambda lr: rate_compute(lr).xs)
    with pytest.raises(ValueError, match="compute ran 40 steps, but the explorer was given "
                                         "steps=150"):
        rate_picker(compute=lambda lr: gdlab.run(gdlab.SGD(lr=lr), BOWL, X0, steps=40))
    with pytest.raises(ValueError, match="2-D landscape with a known minimum .*got a 2-D run "
                                         "on saddle.* with no known minimum"):
        rate_picker(compute=lambda lr: gdlab.run(gdlab.SGD(lr=lr), gdlab.saddle, [1.0, 0.1],
                                                 steps=150))
    three_d = gdlab.Quadratic(np.diag([0.1, 2.0, 1.0]))
    with pytest.raises(ValueError, match="got a 3-D run"):
        rate_picker(compute=lambda lr: gdlab.run(gdlab.SGD(lr=lr), three_d, [-8.0, 2.0, 1.0],
                                                 steps=150))


def test_rate_explorer_frames_are_drawn_fast_and_equal_whole_draws():
    check_fast_frames(rate_picker())
