"""Tests for chapter 4 (Nesterov): the companion module gdlab.chapters.nesterov.

The checks here are independent of the code under test: iterates are compared with the
methods written out by hand, or with values derived on paper in the comments.
"""

import inspect
from pathlib import Path

import nbformat
import numpy as np
import pytest
from matplotlib.figure import Figure

import gdlab
from by_hand import sutskever_run
from explorer_checks import check_fast_frames
from gdlab.chapters import nesterov
from gdlab.chapters.nesterov import check_steps

ROOT = Path(__file__).resolve().parents[2]


def test_companion_exports_its_explorers_the_verdict_and_its_check():
    assert nesterov.__all__ == ["explorer", "lr_explorer", "lr_verdict", "check_steps",
                                "check_nesterov_class"]


# -- helpers: the methods written out by hand ---------------------------------------------


def sutskever_thetas(f, x0, lr, beta, steps):
    """Sutskever's form on any f; theta_1 .. theta_steps."""
    theta, v, points = np.array(x0, dtype=float), np.zeros(len(x0)), []
    for _ in range(steps):
        v = beta * v - lr * f.grad(theta + beta * v)
        theta = theta + v
        points.append(theta)
    return np.array(points)


def renewed_velocity_first(f, x0, lr, beta, steps):
    """The slip: v <- beta v - lr g, then x <- x + beta^2 v - (1 + beta) lr g (new v)."""
    x, v, points = np.array(x0, dtype=float), np.zeros(len(x0)), []
    for _ in range(steps):
        g = f.grad(x)
        v = beta * v - lr * g
        x = x + beta * beta * v - (1.0 + beta) * lr * g
        points.append(x)
    return np.array(points)


# -- check_nesterov_class: an optimizer class the learner writes ---------------------------
class LearnersNesterov:
    """Written as a learner would, with a dict of buffers: PyTorch's form by default, and
    the exercise's slips by flag (the parameter line before the buffer's: heavy ball; the
    "Deep Learning from Scratch" class; the sign flipped)."""

    def __init__(self, lr=0.01, beta=0.9, slip=None):
        self.lr, self.beta, self.slip, self.b = lr, beta, slip, None

    def update(self, params, grads):
        if self.b is None:
            self.b = {k: np.zeros_like(p) for k, p in params.items()}
        for k in params:
            g = -grads[k] if self.slip == "sign" else grads[k]
            if self.slip == "heavy ball":   # the parameter line first, with the old buffer
                params[k] -= self.lr * (g + self.beta * self.b[k])
                self.b[k] = self.beta * self.b[k] + g
            elif self.slip == "dlfs":       # the book's class: v = -lr b renewed, then used
                v = self.beta * (-self.lr * self.b[k]) - self.lr * g
                self.b[k] = -v / self.lr
                params[k] += self.beta ** 2 * v - (1 + self.beta) * self.lr * g
            else:
                self.b[k] = self.beta * self.b[k] + g
                params[k] -= self.lr * (g + self.beta * self.b[k])


def learners(slip=None):
    return lambda lr, beta: LearnersNesterov(lr, beta, slip)


def test_check_nesterov_class_passes_the_right_class_in_either_bookkeeping():
    right = nesterov.check_nesterov_class(LearnersNesterov)
    # by hand, g1 = (x/10, 2y) = (-0.8, 4) at (-8, 2): θ1 = (-8, 2) - 0.3 (1.9 g1) = (-7.544, -0.28)
    assert right and right.message.startswith("All match: θ_1 = (-7.544, -0.28)")
    assert "θ_5" in right.message

    class VelocityForm:   # Bengio's form with the displacement v and the OLD v: same iterates
        def __init__(self, lr, beta):
            self.lr, self.beta, self.v = lr, beta, None

        def update(self, params, grads):
            if self.v is None:
                self.v = {k: np.zeros_like(p) for k, p in params.items()}
            for k in params:
                params[k] += self.beta ** 2 * self.v[k] - (1 + self.beta) * self.lr * grads[k]
                self.v[k] = self.beta * self.v[k] - self.lr * grads[k]

    assert nesterov.check_nesterov_class(VelocityForm)


@pytest.mark.parametrize("slip, first, phrase", [
    # heavy ball: θ1 = (-8, 2) - 0.3 g1 = (-7.76, 0.8); DLfS: + 0.81 * (-0.3 g1) more
    ("heavy ball", "you gave -7.76", "that is heavy ball"),
    ("dlfs", "you gave -7.3496", 'that is the "Deep Learning from Scratch" class'),
    ("sign", "you gave -8.456", "every step went uphill"),
])
def test_check_nesterov_class_names_each_slip_at_the_first_step(slip, first, phrase):
    feedback = nesterov.check_nesterov_class(learners(slip))
    assert not feedback and feedback.message.startswith("θ_1 is wrong")
    assert first in feedback.message and "Hint: " + phrase in feedback.message


def test_check_nesterov_class_reports_a_class_that_raises_or_breaks_params():
    class Typo(LearnersNesterov):   # the source notes' copy: sefl.v
        def update(self, params, grads):
            raise NameError("name 'sefl' is not defined")

    feedback = nesterov.check_nesterov_class(Typo)
    assert not feedback
    assert feedback.message == ("Your optimizer raised NameError in update 1: "
                                "name 'sefl' is not defined")
    no_keywords = nesterov.check_nesterov_class(lambda: None)   # takes no lr, beta
    assert not no_keywords and "raised TypeError when it was made" in no_keywords.message

    other_beta = nesterov.check_nesterov_class(lambda lr, beta: LearnersNesterov(lr, 0.5))
    assert not other_beta and "Hint" not in other_beta.message


# -- check_steps ---------------------------------------------------------------------------
BOWL = gdlab.Quadratic(np.diag([1.0, 4.0]))
ARGS = dict(f=BOWL, x0=[2.0, 1.0], lr=0.25, beta=0.5, steps=2)
# By hand (gradient (x, 4y)):
#   Nesterov (PyTorch form): x1 = (1.25, -0.5), x2 = (0.65625, 0)
#   heavy ball:              x1 = (1.5, 0),     x2 = (0.875, -0.5)
#   Sutskever's theta:       x1 = (1.5, 0),     x2 = (0.9375, 0)
#   DLfS, v renewed first:   x1 = (1.125, -0.75), x2 = (0.5703125, 0.4375)


def test_check_accepts_the_hand_computed_answer():
    feedback = check_steps([(1.25, -0.5), (0.65625, 0.0)], **ARGS)
    assert feedback and "Correct" in repr(feedback)
    assert repr(feedback) == "✔ Correct. All match: x1 = (1.25, -0.5), x2 = (0.65625, 0)."


@pytest.mark.parametrize("answer, phrase", [
    ([(1.5, 0.0), (0.875, -0.5)], "heavy-ball"),
    ([(1.5, 0.0), (0.9375, 0.0)], "Sutskever"),
    ([(1.125, -0.75), (0.5703125, 0.4375)], "velocity from before this step"),
    ([(2.75, 2.5), (3.90625, 6.5)], "uphill"),
])
def test_check_diagnoses_the_usual_slips(answer, phrase):
    feedback = check_steps(answer, **ARGS)
    assert not feedback
    assert phrase in feedback.message


def test_check_feedback_printed_by_the_chapter_is_unchanged():
    # the wrong attempt of the exercise cell, as the notebook prints it
    feedback = check_steps([(1.5, 0.0), (0.875, -0.5)], gdlab.Quadratic(np.diag([1.0, 4.0]),
                           name="(x² + 4y²)/2"), x0=[2.0, 1.0], lr=0.25, beta=0.5, steps=2)
    assert repr(feedback) == (
        "✘ Not yet. x1 is wrong: x should be 1.25 (you gave 1.5); y should be -0.5 (you gave 0).\n"
        "(Later points follow from it, so fix this one first.) Hint: these are heavy-ball\n"
        "momentum steps, x ← x − lr·v. Nesterov's step is x ← x − lr·(g + β·v), with the v just\n"
        "updated: the look-ahead counts the gradient once more.")


def test_ascent_answer_is_independently_derived():
    # gradient ascent version by hand: g0 = (2, 4), b1 = (2, 4), x1 = (2,1) + 0.25*(3, 6)
    # = (2.75, 2.5); g1 = (2.75, 10), b2 = (1, 2) + (2.75, 10) = (3.75, 12),
    # x2 = (2.75, 2.5) + 0.25*((2.75, 10) + 0.5*(3.75, 12)) = (2.75, 2.5) + (1.15625, 4)
    assert "uphill" in check_steps([(2.75, 2.5), (3.90625, 6.5)], **ARGS).message


@pytest.mark.parametrize("lr, beta, steps", [(1e-3, 0.9, 6), (2e-4, 0.5, 3), (5e-4, 0.99, 8)])
def test_slips_on_a_curved_valley_match_the_methods_written_out(lr, beta, steps):
    # Rosenbrock is far from quadratic: any slip in the algebra of the hints would show
    f, x0 = gdlab.rosenbrock, [-1.5, 2.0]
    for answer, phrase in [(sutskever_thetas(f, x0, lr, beta, steps), "Sutskever"),
                           (renewed_velocity_first(f, x0, lr, beta, steps), "velocity from before")]:
        feedback = check_steps(answer, f, x0, lr, beta, steps)
        assert not feedback and phrase in feedback.message
    hand = gdlab.run(gdlab.Nesterov(lr=lr, beta=beta), f, x0, steps).xs[1:]
    assert check_steps(hand, f, x0, lr, beta, steps)


def test_sutskever_points_are_a_gradient_step_from_the_stored_point_before():
    # theta_t = stored_t - beta*v_t, checked against Sutskever's form for 40 steps in 1-D
    lam, lr, beta, steps = 1.5, 0.3, 0.9, 40
    theta, _ = sutskever_run(lam, lr, beta, 1.0, steps)
    line = gdlab.Quadratic(np.array([[lam]]))
    stored = gdlab.run(gdlab.Nesterov(lr=lr, beta=beta), line, [1.0], steps).xs
    np.testing.assert_allclose(nesterov._sutskever_points(line, stored, lr)[:, 0], theta[1:],
                               atol=1e-12)


def test_velocity_renewed_first_is_a_run_of_the_slip_optimizer():
    f, x0 = gdlab.elongated_bowl, [-8.0, 2.0]
    slip = gdlab.run(nesterov._VelocityRenewedFirst(lr=0.3, beta=0.9), f, x0, 50).xs[1:]
    np.testing.assert_allclose(slip, renewed_velocity_first(f, x0, 0.3, 0.9, 50), atol=1e-12)
    # and it is not Nesterov: the first step already differs by beta^2 * lr * |g1| = 0.99
    correct = gdlab.run(gdlab.Nesterov(lr=0.3, beta=0.9), f, x0, 1).xs[1]
    assert round(float(np.linalg.norm(slip[0] - correct)), 2) == 0.99


def test_check_follows_a_hand_computation_however_far_it_goes():
    # on Rosenbrock at lr = 0.1 the third iterate is beyond gdlab.run's usual max_norm 1e10;
    # a hand computation still has three points, and so does the check
    f, x0 = gdlab.rosenbrock, [0.5, -0.7]
    assert gdlab.run(gdlab.Nesterov(lr=0.1, beta=0.9), f, x0, 3).diverged
    feedback = check_steps(np.zeros((3, 2)), f, x0, 0.1, 0.9, 3)
    assert "x1 is wrong: x should be -35.41" in feedback.message
    assert "shape" not in feedback.message


def test_check_follows_a_hand_computation_whose_loss_grows_a_millionfold():
    # f = x²/2, lr = 30: x1 = 1 - 30 (1 + 0.9) = -56 and the gap grows more than a
    # million-fold by step 2, where gdlab.run stops; the check still has all three points
    f = gdlab.Quadratic(np.array([[1.0]]))
    assert gdlab.run(gdlab.Nesterov(lr=30.0, beta=0.9), f, [1.0], 3).steps == 1
    feedback = check_steps(np.zeros((3, 1)), f, [1.0], 30.0, 0.9, 3)
    assert "x1 should be -56" in feedback.message
    assert "shape" not in feedback.message


def test_check_names_the_first_wrong_point_and_shape_problems():
    feedback = check_steps([(1.25, -0.5), (0.6, 0.0)], **ARGS)
    assert not feedback and "x1 is right" in feedback.message and "x2" in feedback.message
    assert "shape" in check_steps([(1.25, -0.5)], **ARGS).message
    three = check_steps([(1.25, -0.5), (0.65625, 0.0), (0.0, 0.0)], **{**ARGS, "steps": 3})
    assert "x1 and x2 are right" in three.message


def test_check_validates_its_arguments():
    with pytest.raises(ValueError, match="beta"):
        check_steps([(0, 0)], BOWL, [2.0, 1.0], 0.25, 1.5, 1)
    with pytest.raises(ValueError, match="lr"):
        check_steps([(0, 0)], BOWL, [2.0, 1.0], -0.25, 0.5, 1)
    with pytest.raises(ValueError, match="x0"):
        check_steps([(0, 0)], BOWL, [2.0, 1.0, 3.0], 0.25, 0.5, 1)
    with pytest.raises(ValueError, match="steps"):
        check_steps([(0, 0)], BOWL, [2.0, 1.0], 0.25, 0.5, 0)


# -- explorer ------------------------------------------------------------------------------
def compute(lr, beta):
    """Heavy ball and Nesterov with the same lr and beta: 80 steps on the ravine from (-8, 2)."""
    f, x0, steps = gdlab.elongated_bowl, [-8.0, 2.0], 80
    heavy_ball = gdlab.Momentum(lr=lr, beta=beta)   # gradient at the current point
    nag = gdlab.Nesterov(lr=lr, beta=beta)          # gradient at the look-ahead point
    return {"Momentum": gdlab.run(heavy_ball, f, x0, steps),
            "Nesterov": gdlab.run(nag, f, x0, steps)}


def make_explorer(compute=compute, **start):
    return nesterov.explorer(compute, lrs=[0.05, 0.45, 0.8], betas=[0.5, 0.9],
                             f=gdlab.elongated_bowl, steps=80,
                             start=start or {"lr": 0.45, "beta": 0.9})


@pytest.fixture(scope="module")
def explorer():
    """The notebook's explorer: four learning rates, five β."""
    return nesterov.explorer(compute, lrs=[0.05, 0.2, 0.45, 0.8],
                             betas=[0.5, 0.8, 0.9, 0.95, 0.99], f=gdlab.elongated_bowl,
                             steps=80, start={"lr": 0.45, "beta": 0.9})


def test_frames_are_drawn_fast_and_equal_whole_draws(explorer):
    check_fast_frames(explorer)


def test_a_run_from_another_start_gets_its_own_loss_axis():
    """The loss axis is fixed from the start's runs; a frame whose runs start elsewhere (a
    larger first gap) moves its top, drawn whole."""
    def from_far_away(lr, beta):
        x0 = [-8.0, 2.0] if lr == 0.45 else [-80.0, 20.0]   # first gap 7.2, then 720
        return {"Momentum": gdlab.run(gdlab.Momentum(lr=lr, beta=beta), gdlab.elongated_bowl,
                                      x0, 80),
                "Nesterov": gdlab.run(gdlab.Nesterov(lr=lr, beta=beta), gdlab.elongated_bowl,
                                      x0, 80)}

    ex = make_explorer(from_far_away)
    assert draw(ex, ex.result(), **ex.start)[1].get_ylim() == pytest.approx((1e-10, 1e3))
    far = draw(ex, ex.result(lr=0.05), lr=0.05, beta=0.9)[1]
    assert far.get_ylim() == pytest.approx((1e-10, 1e5))
    assert [t.get_text() for t in far.get_yticklabels()][-1] == "1e4"   # every 2nd power
    assert ex.render().startswith(b"\x89PNG") and ex.slow_frames == 0
    assert ex.render(lr=0.05).startswith(b"\x89PNG") and ex.slow_frames == 1


def test_the_compute_tested_here_is_the_notebooks():
    # the repetition is intended: these tests test the notebook's compute step
    notebook = nbformat.read(ROOT / "chapters" / "04-nesterov.ipynb", as_version=4)
    cells = [c.source for c in notebook.cells
             if c.cell_type == "code" and "nesterov.explorer(compute" in c.source]
    assert len(cells) == 1
    assert cells[0].startswith(inspect.getsource(compute))
    assert "f=gdlab.elongated_bowl, steps=80" in cells[0]   # what draw is told matches compute


def test_explorer_start_values():
    assert make_explorer().start == {"lr": 0.45, "beta": 0.9}
    assert make_explorer(lr=0.8).start == {"lr": 0.8, "beta": 0.9}   # beta: the middle of [0.5, 0.9]
    assert make_explorer(lr=0.8, beta=None).start == {"lr": 0.8, "beta": 0.9}
    middle = nesterov.explorer(compute, [0.05, 0.2, 0.45, 0.8], [0.5, 0.8, 0.9, 0.95, 0.99],
                               gdlab.elongated_bowl)
    assert middle.start == {"lr": 0.45, "beta": 0.9}
    with pytest.raises(ValueError, match="start"):
        make_explorer(lr=0.3)
    with pytest.raises(ValueError, match="not a control"):
        make_explorer(alpha=0.45)


def test_explorer_start_picks_the_first_picture_and_the_default_result():
    ex = make_explorer(lr=0.8, beta=0.5)
    assert ex.result()["Nesterov"].diverged                 # the unstable setting below
    assert ex.render() == ex.render(lr=0.8, beta=0.5)
    assert "<img" in ex.to_html() and 'value="2"' in ex.to_html()   # lr slider at 0.8


def test_explorer_result_is_what_compute_returned_at_the_control_values():
    calls = []

    def recording(**values):
        calls.append(values)
        return compute(**values)

    ex = make_explorer(recording)
    result = ex.result(beta=0.5)
    # the contract: keyword arguments lr, beta (the first call, at the start values, is the
    # explorer's own, made when it is built)
    assert calls == [{"lr": 0.45, "beta": 0.9}, {"lr": 0.45, "beta": 0.5}]
    assert set(result) == {"Momentum", "Nesterov"}
    assert all(isinstance(t, gdlab.Trajectory) for t in result.values())


def test_explorer_result_runs_both_methods_with_the_same_settings():
    ex = make_explorer()
    result = ex.result()
    assert set(result) == {"Momentum", "Nesterov"}
    # Nesterov's path equals Sutskever's form mapped by theta + beta v, coordinate by coordinate
    for k, lam in enumerate([0.1, 2.0]):
        theta, v = sutskever_run(lam, 0.45, 0.9, [-8.0, 2.0][k], 80)
        np.testing.assert_allclose(result["Nesterov"].xs[:, k], theta + 0.9 * v, atol=1e-12)
    # heavy ball written out by hand
    x, v = np.array([-8.0, 2.0]), np.zeros(2)
    for t in range(80):
        v = 0.9 * v + gdlab.elongated_bowl.grad(x)
        x = x - 0.45 * v
    np.testing.assert_allclose(result["Momentum"].xs[-1], x, atol=1e-12)


def test_explorer_shows_the_stability_trade_off():
    # lr = 0.8 on the steep axis (lam = 2): lr*lam = 1.6, outside NAG's 1.357, inside 3.8
    result = make_explorer().result(lr=0.8, beta=0.9)
    assert result["Nesterov"].gaps()[-1] > result["Nesterov"].gaps()[0]
    assert result["Nesterov"].diverged and result["Nesterov"].steps == 17
    assert result["Momentum"].gaps()[-1] < result["Momentum"].gaps()[0]


def test_explorer_verdict_calls_a_slowly_growing_run_diverged():
    # beta = 0.5: NAG's limit is 1.5 < lr*lam = 1.6, so the run grows slowly (radius about
    # 1.16 per step): |x| stays far below 1e10 in 80 steps, but gdlab.run stops it when its
    # gap passes a million times the start, and the verdict says so
    result = make_explorer().result(lr=0.8, beta=0.5)
    nag, hb = result["Nesterov"], result["Momentum"]
    assert nag.diverged and nag.status.startswith("diverged at step 48: the loss gap")
    assert np.abs(nag.xs).max() < 1e5
    assert nesterov._verdict(nag) == "diverged"
    assert nesterov._verdict(hb) == f"gap {hb.gaps()[-1]:.1e}"
    blown_up = gdlab.run(gdlab.Nesterov(lr=0.8, beta=0.9), gdlab.elongated_bowl, [-8.0, 2.0], 400)
    assert blown_up.diverged and nesterov._verdict(blown_up) == "diverged"


def test_explorer_title_names_nags_effective_momentum():
    # beta (1 - lr lam) by hand: 0.9 * (1 - 0.045) = 0.8595 and 0.9 * (1 - 0.9) = 0.09
    title = nesterov._path_title(gdlab.elongated_bowl, 0.45, 0.9)
    assert title == "lr = 0.45, β = 0.9\nNAG's effective momentum: 0.86 (flat), 0.09 (steep)"
    # lr*lam = 1.6 > 1 along the steep axis: negative momentum, 0.9 * (1 - 1.6) = -0.54
    assert "-0.54 (steep)" in nesterov._path_title(gdlab.elongated_bowl, 0.8, 0.9)
    assert nesterov._path_title(gdlab.rosenbrock, 1e-3, 0.9) == "lr = 0.001, β = 0.9"


def draw(ex, result, **values):
    fig = Figure()
    ex.draw_into(fig, result, **values)
    return fig.axes


def test_explorer_draws_both_panels_with_titles_labels_and_legends():
    ex = make_explorer()
    ax_path, ax_loss = draw(ex, ex.result(lr=0.8, beta=0.5), lr=0.8, beta=0.5)
    # one legend for both panels, below them (drawn once by setup, not with each frame)
    legend, = ax_path.figure.legends
    assert [t.get_text() for t in legend.get_texts()] == [
        "Momentum (heavy ball)", "Nesterov", "minimum"]
    assert ax_path.get_legend() is None and ax_loss.get_legend() is None
    assert ax_path.get_title().replace("\n", " ").startswith("lr = 0.8, β = 0.5 NAG's effective momentum")
    assert ax_loss.get_title().replace("\n", " ").startswith("After 80 steps Momentum: gap ")
    assert "Nesterov: diverged" in ax_loss.get_title().replace("\n", " ")
    assert [line.get_label() for line in ax_loss.get_lines()] == ["Momentum", "Nesterov"]
    assert ax_loss.get_xlabel() == "step t" and "log scale" in ax_loss.get_ylabel()
    # the starting gap is 7.2 = 64/20 + 4: the axis runs from 1e-10 to two powers above it
    assert ax_loss.get_ylim() == pytest.approx((1e-10, 1e3))
    assert ax_loss.get_xlim() == (0, 80)
    # a run that diverged early (Nesterov stops after 17 steps) is drawn as far as it went
    _, ax_loss = draw(ex, ex.result(lr=0.8, beta=0.9), lr=0.8, beta=0.9)
    assert "Nesterov: diverged" in ax_loss.get_title().replace("\n", " ")
    assert [len(line.get_xdata()) for line in ax_loss.get_lines()] == [81, 18]


def test_draw_uses_only_the_contract_of_the_docstring():
    doc = nesterov.explorer.__doc__
    assert "compute(lr=..., beta=...)" in doc
    assert '{"Momentum": Trajectory, "Nesterov": Trajectory}' in doc
    assert "``xs``" in doc and "``gaps()``" in doc and "``diverged``" in doc
    ex = make_explorer()

    def by_hand(name, xs):
        # a Trajectory with only what the docstring names: points, losses (for gaps) and the run
        xs = np.array(xs)
        return gdlab.Trajectory(xs, np.array([gdlab.elongated_bowl(x) for x in xs]), name,
                                gdlab.elongated_bowl.name, min_value=0.0)

    # the keys in the other order: the panels still list heavy ball first
    result = {"Nesterov": by_hand("Nesterov", [[-8.0, 2.0], [-4.0, 1.0], [-2.0, 0.0]]),
              "Momentum": by_hand("Momentum", [[-8.0, 2.0], [-6.0, -1.0]])}
    ax_path, ax_loss = draw(ex, result, lr=0.45, beta=0.9)
    assert [line.get_label() for line in ax_loss.get_lines()] == ["Momentum", "Nesterov"]
    # the last gaps by hand, f = x²/20 + y²: 36/20 + 1 = 2.8 and 4/20 = 0.2
    assert "Momentum: gap 2.8e+00, Nesterov: gap 2.0e-01" in ax_loss.get_title().replace("\n", " ")
    np.testing.assert_allclose(ax_path.get_lines()[-2].get_xydata(), result["Nesterov"].xs)


@pytest.mark.parametrize("wrong, error, phrase", [
    (lambda r: r["Nesterov"], TypeError, "must return"),                     # one run only
    (lambda r: (r["Momentum"], r["Nesterov"]), TypeError, "must return"),   # a tuple
    (lambda r: {"Momentum": r["Momentum"]}, TypeError, "must return"),     # a key missing
    (lambda r: {**r, "GD": r["Momentum"]}, TypeError, "must return"),      # a key too many
    (lambda r: {"momentum": r["Momentum"], "nesterov": r["Nesterov"]}, TypeError, "must return"),
    (lambda r: {**r, "Nesterov": r["Nesterov"].xs}, TypeError, "its 'Nesterov' is array"),
    (lambda r: {"Momentum": r["Nesterov"], "Nesterov": r["Momentum"]}, ValueError,
     r"\['Momentum'\] is a run of Nesterov"),
], ids=["one run", "a tuple", "a key missing", "a key too many", "lower-case keys", "an array",
        "keys swapped"])
def test_a_result_of_another_shape_is_reported_with_the_contract(wrong, error, phrase):
    ex = make_explorer(lambda lr, beta: wrong(compute(lr, beta)))
    with pytest.raises(error, match=phrase) as raised:
        ex.render(lr=0.05)
    assert "compute(lr=0.05, beta=0.9)" in str(raised.value)
    assert "Momentum" in str(raised.value) and "Nesterov" in str(raised.value)


def test_runs_that_do_not_match_what_draw_is_told_are_reported():
    def on_rosenbrock(lr, beta):
        return {name: gdlab.run(cls(lr=1e-4, beta=beta), gdlab.rosenbrock, [-1.5, 2.0], 80)
                for name, cls in [("Momentum", gdlab.Momentum), ("Nesterov", gdlab.Nesterov)]}

    with pytest.raises(ValueError, match="is a run on Rosenbrock.*on elongated bowl"):
        make_explorer(on_rosenbrock).render()
    too_long = nesterov.explorer(compute, [0.45], [0.9], gdlab.elongated_bowl, steps=40)
    with pytest.raises(ValueError, match="80 steps long.*at most 40 steps"):
        too_long.render()


def test_explorer_renders_png_and_limits_frames():
    ex = make_explorer()
    png = ex.render(lr=0.8, beta=0.5)
    assert png[:8] == b"\x89PNG\r\n\x1a\n"
    assert "<img" in ex.to_html()
    with pytest.raises(ValueError, match="max_frames"):
        nesterov.explorer(compute, lrs=list(np.linspace(0.1, 0.5, 9)),
                          betas=[0.5, 0.6, 0.7, 0.8, 0.9], f=gdlab.elongated_bowl)


def test_explorer_validates_its_arguments_before_anything_is_computed():
    def never(lr, beta):
        raise AssertionError("compute must not be called")

    def build(**changes):
        args = dict(compute=never, lrs=[0.1, 0.45], betas=[0.9], f=gdlab.elongated_bowl)
        return nesterov.explorer(**{**args, **changes})

    with pytest.raises(ValueError, match="steps"):
        build(steps=0)
    with pytest.raises(ValueError, match=r"lrs\[1\] must be in \(0, inf\)"):
        build(lrs=[0.1, 0.0])
    with pytest.raises(ValueError, match=r"lrs\[0\] must be a finite real number"):
        build(lrs=["0.1"])
    with pytest.raises(ValueError, match=r"betas\[0\] must be in \[0, 1\)"):
        build(betas=[1.0])
    with pytest.raises(ValueError, match="at least one value"):
        build(betas=[])
    with pytest.raises(TypeError, match="compute must be a function"):
        build(compute={"Momentum": None})
    # every argument above was refused before compute ran; valid ones reach compute, which
    # the explorer calls once at the start values when it is built
    with pytest.raises(ValueError, match=r"compute\(lr=0\.45, beta=0\.9\) raised AssertionError"):
        build()


# -- the widget-plot exercise: the largest α that still settles in time -------------------
# The ravine x²/20 + y² (μ = 0.1, L = 2) with β = 0.5. Limits on αL, by hand: Nesterov
# (2 + 1)/(1 + 1) = 1.5, so α < 0.75; heavy ball 2 + 1 = 3, so α < 1.5.
LRS = [0.3, 0.5, 0.6, 0.7, 0.8, 1.0, 1.4, 1.6]
PNG = b"\x89PNG\r\n\x1a\n"
OPTIMIZERS = {"heavy ball": gdlab.Momentum, "Nesterov": gdlab.Nesterov}


def lr_compute(lr, method):
    """The notebook's compute: 160 steps with β = 0.5 on the ravine from (-8, 2)."""
    return {"trajectory": gdlab.run(OPTIMIZERS[method](lr=lr, beta=0.5), gdlab.elongated_bowl,
                                    [-8.0, 2.0], 160)}


def lr_picker(compute=lr_compute, **changes):
    args = dict(lrs=LRS, methods=["Nesterov", "heavy ball"], f=gdlab.elongated_bowl, beta=0.5,
                target=120, tol=1e-6, steps=160, start={"lr": 0.3, "method": "Nesterov"})
    return nesterov.lr_explorer(compute, **{**args, **changes})


def picker_verdict(lr, method):
    traj = lr_compute(lr, method)["trajectory"]
    return nesterov.lr_verdict(traj, lr, 0.5, gdlab.elongated_bowl, 120, 1e-6)


@pytest.mark.parametrize("lr, method, ok, start, end", [
    (0.7, "Nesterov", True, "on target: within 1e-06 from step 95 ≤ 120", ""),
    (1.4, "heavy ball", True, "on target: within 1e-06 from step 47 ≤ 120", ""),
    # flat axis: c = 0.95, z² - 1.425 z + 0.475 has real roots, the larger
    # (1.425 + √0.130625)/2 = 0.893; the steep axis has αλ = 1, radius 0: raise α
    (0.5, "Nesterov", False, "too slow: within 1e-06 from step 142,",
     "(λ = 0.1), × 0.893 per step: raise α"),
    (0.3, "heavy ball", False, "too slow: not within 1e-06 by step 160,", "raise α"),
    # just under the limit the steep axis is the slow one: c = -0.48, the root of
    # z² + 0.72 z - 0.24 of modulus (0.72 + √1.4784)/2 = 0.968: lower α
    (0.74, "Nesterov", False, "too slow: not within 1e-06 by step 160,\ntarget ≤ 120; "
     "slowest: the steep direction", "(λ = 2), × 0.968 per step: lower α"),
    (0.8, "Nesterov", False, "diverged at step 48: αL = 1.6 ≥ 1.5,\nNesterov's limit "
     "(2 + 2β)/(1 + 2β)", "lower α"),
    (1.6, "heavy ball", False, "diverged at step 24: αL = 3.2 ≥ 3,\nheavy ball's limit 2 + 2β",
     "lower α"),
    # exactly on Nesterov's limit: a root at -1, the run neither settles nor blows up
    (0.75, "Nesterov", False, "does not settle in 160 steps: αL = 1.5 ≥ 1.5", "lower α"),
], ids=["nag on target", "hb on target", "too slow, flat", "too slow, never", "too slow, steep",
        "nag diverges", "hb diverges", "on the limit"])
def test_lr_verdict_for_each_case(lr, method, ok, start, end):
    assert (1.425 ** 2 - 4 * 0.475) > 0 and round((1.425 + np.sqrt(0.130625)) / 2, 3) == 0.893
    assert round((0.72 + np.sqrt(0.72 ** 2 + 4 * 0.24)) / 2, 3) == 0.968
    got_ok, verdict = picker_verdict(lr, method)
    assert got_ok is ok and verdict.startswith(start) and verdict.endswith(end), verdict


def test_lr_verdict_meets_the_target_where_the_limits_say():
    # on target: stable (α below 0.75 or 1.5) and fast enough (α ≥ 0.6 on this slider)
    on_target = {method: [lr for lr in LRS if picker_verdict(lr, method)[0]]
                 for method in ["Nesterov", "heavy ball"]}
    assert on_target == {"Nesterov": [0.6, 0.7], "heavy ball": [0.6, 0.7, 0.8, 1.0, 1.4]}


def test_lr_explorer_shows_the_attempt_against_the_target():
    e = lr_picker(start={"lr": 0.7, "method": "Nesterov"})
    assert e.render().startswith(PNG)
    ax, = draw(e, e.result(), **e.start)
    assert ax.get_title() == "Nesterov, α = 0.7, β = 0.5 (αL = 1.4)"
    assert [t.get_text() for t in ax.texts] == ["on target: within 1e-06 from step 95 ≤ 120"]
    attempt, = [line for line in ax.get_lines() if line.get_label() == "Nesterov"]
    assert attempt.get_color() == gdlab.plots.color_of("Nesterov")
    assert attempt.get_linestyle() == gdlab.plots.style_of("Nesterov")["linestyle"]
    np.testing.assert_allclose(attempt.get_ydata()[:96],
                               e.result()["trajectory"].distances()[:96])
    target, = [line for line in ax.get_lines() if line.get_label().startswith("target")]
    assert list(target.get_xdata()) == [120, 120, 160] and target.get_ydata()[-1] == 1e-6
    assert [t.get_text() for t in ax.get_legend().get_texts()] == [
        "target: < 1e-06 from step 120", "Nesterov"]
    # a diverged run of the other method: stopped early, drawn as far as it went, in its style
    ax, = draw(e, e.result(lr=1.6, method="heavy ball"), lr=1.6, method="heavy ball")
    assert ax.get_title().startswith("Heavy ball, α = 1.6")
    assert ax.texts[0].get_text().startswith("diverged at step 24")
    attempt, = [line for line in ax.get_lines() if line.get_label() == "heavy ball"]
    assert len(attempt.get_xdata()) == 24
    assert attempt.get_color() == gdlab.plots.color_of("Momentum")
    assert e.render(lr=1.6, method="heavy ball").startswith(PNG) and e.slow_frames == 0


def test_lr_explorer_refuses_bad_input():
    def never(lr, method):
        raise AssertionError("compute must not be called")

    for changes, error, words in [
        (dict(lrs=[]), ValueError, r"lrs and methods must each list at least one value, "
                                   r"got lrs=\[\]"),
        (dict(methods=[]), ValueError, r"methods=\[\]"),
        (dict(lrs=[0.3, 0.0]), ValueError, r"lrs\[1\] must be in \(0, inf\), got 0"),
        (dict(methods=["Nesterov", "Adam"]), ValueError,
         r"methods\[1\] must be one of 'Nesterov', 'heavy ball'; got 'Adam'"),
        (dict(f=gdlab.rosenbrock), ValueError, "f must be a gdlab.Quadratic.*'Rosenbrock'"),
        (dict(beta=1.0), ValueError, r"beta must be in \[0, 1\), got 1"),
        (dict(target=200), ValueError, "target must be at most steps = 160, got 200"),
        (dict(tol=0.0), ValueError, r"tol must be in \(0, inf\), got 0"),
        (dict(lrs=list(np.linspace(0.1, 0.9, 9))), ValueError, "max_frames allows 16"),
    ]:
        with pytest.raises(error, match=words):
            lr_picker(never, **changes)
    with pytest.raises(TypeError, match="compute must be a function compute"):
        lr_picker({"trajectory": None})


@pytest.mark.parametrize("wrong, error, words", [
    (lambda lr, method: lr_compute(lr, method)["trajectory"], TypeError,
     r'compute\(lr=0.3, method=\'Nesterov\'\) must return \{"trajectory": Trajectory\}'),
    (lambda lr, method: lr_compute(lr, "heavy ball"), ValueError,
     r"\['trajectory'\] is a run of Momentum; the explorer draws a Nesterov run"),
    (lambda lr, method: {"trajectory": gdlab.run(OPTIMIZERS[method](lr=lr, beta=0.5),
                                                 gdlab.elongated_bowl, [-8.0, 2.0], 100)},
     ValueError, "is 100 steps long.* of 160 steps"),
    (lambda lr, method: {"trajectory": gdlab.run(OPTIMIZERS[method](lr=1e-4, beta=0.5),
                                                 gdlab.rosenbrock, [-1.5, 2.0], 160)},
     ValueError, "is a run on Rosenbrock"),
], ids=["no dict", "method ignored", "too short", "another landscape"])
def test_lr_explorer_refuses_a_compute_returning_the_wrong_thing(wrong, error, words):
    # caught when the explorer is built, from the start's result, before anything is drawn
    with pytest.raises(error, match=words):
        lr_picker(wrong)


def test_lr_explorer_checks_every_frames_result_before_drawing_it():
    def wrong_later(lr, method):
        return lr_compute(lr, "Nesterov" if lr == 0.3 else "heavy ball")

    e = lr_picker(wrong_later)
    with pytest.raises(ValueError, match=r"compute\(lr=0.5, method='Nesterov'\)\['trajectory'\]"):
        e.render(lr=0.5)


def test_lr_explorer_frames_are_drawn_fast_and_equal_whole_draws():
    check_fast_frames(lr_picker(), count=16)   # every frame, the diverged runs included
