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


def test_feedback_shows_as_a_coloured_box_in_html():
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
