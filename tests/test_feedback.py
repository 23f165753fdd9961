"""The feedback engine: comparers, the hint matcher, the wording of verdicts."""

from gdlab.feedback import Feedback, check_number


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
