"""The feedback engine: comparers, the hint matcher, the wording of verdicts."""

import numpy as np
import pytest

from gdlab.feedback import Feedback, check_number, check_points


def test_check_number():
    assert check_number(10.0, 10.004, "window")
    wrong = check_number(9.0, 10.0, "window", hints=[(9.0, "count again")])
    assert not wrong and "you gave 9" in wrong.message and "count again" in wrong.message
    assert "should be a number" in check_number("ten", 10.0).message


def test_feedback_is_wrapped_for_reading():
    long = Feedback(False, "word " * 60)
    lines = str(long).splitlines()
    assert len(lines) > 1 and max(map(len, lines)) <= 88
    assert " ".join(str(long).split()) == ("✘ Not yet. " + "word " * 60).strip()


def test_feedback_shows_as_a_colored_box_in_html():
    right, wrong = Feedback(True, "x1 is right."), Feedback(False, "y should be 4 <not 5>.")
    assert right._repr_html_().endswith(">✔ Correct. x1 is right.</div>")
    assert "#2e7d32" in right._repr_html_() and "#b3261e" in wrong._repr_html_()
    assert "y should be 4 &lt;not 5&gt;." in wrong._repr_html_()    # escaped, unwrapped


def test_check_number_marks_a_truth_value_wrong():
    # True == 1.0 in Python, but a truth value is not an answer to "which number?"
    for answer in (True, np.True_, False):
        feedback = check_number(answer, float(answer))
        assert not feedback
        assert feedback.message == (f"Your answer should be a number; got {answer!r}, "
                                    "a truth value.")


@pytest.mark.parametrize("args, message", [
    ((1.0, float("nan")), "expected must be a finite real number, got nan"),
    ((1.0, "1.0"), "expected must be a finite real number, got '1.0'"),
    ((1.0, 1.0, "x", -1e-3), r"rtol must be in \[0, inf\), got -0.001"),
])
def test_check_number_refuses_a_bad_setup(args, message):
    with pytest.raises(ValueError, match=message):
        check_number(*args)


def test_check_points_counts_numbers_for_a_list_of_numbers():
    expected = [[1.0], [2.0]]
    assert check_points([1, 2, 3], expected, names=["a", "b"]).message == (
        "Your answer should have 2 numbers, a and b; you gave 3.")
    assert check_points([1, 2], expected, names=["a", "b"])   # a flat list is a column
    assert check_points(7, [[7.0]], names=["a"])
    assert check_points([7, 8], [[7.0]], names=["a"]).message == (
        "Your answer should have 1 number, a; you gave 2.")
    assert check_points([[1, 2]], expected, names=["a", "b"]).message == (
        "Your answer should be a list of 2 numbers, a and b; yours has shape (1, 2).")
    assert check_points("one, two", expected, names=["a", "b"]).message == (
        "Your answer should be 2 numbers, a and b; got 'one, two'.")
    assert check_points([(1, 2)], [(1, 2), (3, 4)]).message == (
        "Your answer should have 2 points of 2 numbers each (shape (2, 2)); yours has "
        "shape (1, 2).")


@pytest.mark.parametrize("kwargs, message", [
    (dict(expected=np.zeros((0, 2))), r"expected must hold at least one point .*got shape \(0, 2\)"),
    (dict(expected=[1.0, 2.0]), r"expected must be a 2-D array, got shape \(2,\)"),
    (dict(expected=[[1.0, np.nan]]), "expected must contain only finite numbers, found nan"),
    (dict(expected=[[1.0], [2.0]], names=["a"]),
     "names must name each of the 2 expected points, got 1 names"),
    (dict(expected=[[1.0]], rtol=-1.0), r"rtol must be in \[0, inf\), got -1"),
    (dict(expected=[[1.0]], atol=np.inf), "atol must be a finite real number, got inf"),
])
def test_check_points_refuses_a_bad_setup(kwargs, message):
    with pytest.raises(ValueError, match=message):
        check_points([[1.0]], **kwargs)


def test_check_points_names_coordinates_as_the_chapter_writes_them():
    default = check_points([[1.0, 5.0]], [[1.0, 2.0]])
    assert "y should be 2 (you gave 5)" in default.message
    named = check_points([[1.0, 5.0]], [[1.0, 2.0]], axes=["θ₁", "θ₂"])
    assert "θ₂ should be 2 (you gave 5)" in named.message and " y " not in named.message
    many = check_points([[0.0] * 5], [[0.0] * 4 + [1.0]])
    assert "coordinate 4 should be 1" in many.message
    for bad in (["a"], "xy"):
        with pytest.raises(ValueError, match="axes must name each of the 2 coordinates"):
            check_points([[1.0, 5.0]], [[1.0, 2.0]], axes=bad)


class _LearnersMomentum:
    """Heavy-ball momentum as a learner writes it ("Deep Learning from Scratch" style)."""

    def __init__(self, lr, beta, ewma=False, theta_first=False):
        self.lr, self.beta, self.ewma, self.theta_first, self.v = lr, beta, ewma, theta_first, None

    def update(self, params, grads):
        for key in params:
            if self.v is None:
                self.v = np.zeros_like(params[key])
            if self.theta_first:            # slip: steps with the old velocity
                params[key] -= self.lr * self.v
            self.v = self.beta * self.v + (1 - self.beta if self.ewma else 1) * grads[key]
            if not self.theta_first:
                params[key] = params[key] - self.lr * self.v   # rebinding is fine too


def _momentum_check(attempt):
    import gdlab
    from gdlab.feedback import check_update_rule
    hints = [(lambda: _LearnersMomentum(0.1, 0.9, ewma=True), "that is the EWMA form."),
             (lambda: _LearnersMomentum(0.1, 0.9, theta_first=True), "θ moved before v.")]
    return check_update_rule(attempt, lambda: gdlab.Momentum(lr=0.1, beta=0.9),
                             gdlab.elongated_bowl, [-8.0, 2.0], steps=4, hints=hints)


def test_check_update_rule_passes_a_right_optimizer_and_names_each_slip():
    right = _momentum_check(lambda: _LearnersMomentum(0.1, 0.9))
    assert right and right.message.startswith("All match: θ_1 = (-7.92, 1.6)")
    ewma = _momentum_check(lambda: _LearnersMomentum(0.1, 0.9, ewma=True))
    assert not ewma and "θ_1 is wrong" in ewma.message and "Hint: that is the EWMA form." in ewma.message
    late = _momentum_check(lambda: _LearnersMomentum(0.1, 0.9, theta_first=True))
    assert "θ_1 is wrong" in late.message and "Hint: θ moved before v." in late.message
    other = _momentum_check(lambda: _LearnersMomentum(0.1, 0.5))
    assert "θ_2 is wrong" in other.message and "θ_1" in other.message.split("θ_2")[0]
    assert "Hint" not in other.message


def test_check_update_rule_reports_the_learners_errors_without_crashing():
    class Broken:
        def update(self, params, grads):
            raise KeyError("W1")

    class Empty:
        def update(self, params, grads):
            params["theta"] = None

    raised = _momentum_check(Broken)
    assert not raised and raised.message == "Your optimizer raised KeyError in update 1: 'W1'"
    assert "when it was made" in _momentum_check(lambda: 1 / 0).message
    assert "After update 1, params['theta'] is None" in _momentum_check(Empty).message


def test_check_update_rule_refuses_bad_arguments():
    import gdlab
    from gdlab.feedback import check_update_rule
    reference = lambda: gdlab.SGD(lr=0.1)
    with pytest.raises(ValueError, match="steps"):
        check_update_rule(reference, reference, gdlab.elongated_bowl, [1.0, 1.0], steps=0)
    with pytest.raises(ValueError, match="x0"):
        check_update_rule(reference, reference, gdlab.elongated_bowl, [np.nan, 1.0])
    with pytest.raises(ValueError, match="the reference optimizer failed"):
        check_update_rule(reference, lambda: 1 / 0, gdlab.elongated_bowl, [1.0, 1.0])
