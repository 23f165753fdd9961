"""Chapter 9 (saddle points and plateaus): the companion ``gdlab.chapters.saddle_points``,
its three explorers, its verdicts and the check of the by-hand exercise. Expected values
come from hand computation (powers of 1.2 and 1.1) or from running the optimizers, not from
the functions under test."""

import math
import warnings

import matplotlib
import numpy as np
import pytest
from explorer_checks import check_fast_frames
from matplotlib.figure import Figure

import gdlab
from gdlab.chapters import saddle_points

PNG = b"\x89PNG\r\n\x1a\n"


def drawn(explorer, **values):
    """The figure of one whole frame (a rendered frame keeps only the static parts)."""
    values = {**explorer.start, **values}
    return explorer.draw_into(Figure(), explorer.result(**values), **values)


def gd_run(lr=0.1, y0=1e-6, steps=120, x0=1.0):
    return gdlab.run(gdlab.SGD(lr=lr), gdlab.saddle, [x0, y0], steps)


# -- escape_step ------------------------------------------------------------------------------
def test_escape_step_is_the_first_step_at_or_beyond_the_radius():
    # by hand: y_t = 1.2^t * 1e-6 reaches 1 first at t = 76 (1.2^75 = 8.5e5 < 1e6 < 1.2^76)
    assert saddle_points.escape_step(gd_run()) == 76
    assert saddle_points.escape_step(gd_run(), radius=1.2 ** 10 * 1e-6 * 1.0001) == 11
    assert saddle_points.escape_step(gd_run(y0=0.0)) is None
    assert saddle_points.escape_step(gd_run(y0=2.0)) == 0                 # already outside
    # along x (coordinate 0) from x0 = 3: |x| shrinks, so it is "outside" radius 1 at once
    assert saddle_points.escape_step(gd_run(x0=3.0), coordinate=0) == 0


def test_escape_step_refuses_bad_input():
    with pytest.raises(ValueError, match="radius must be in"):
        saddle_points.escape_step(gd_run(), radius=0.0)
    with pytest.raises(ValueError, match="traj must be a gdlab.Trajectory"):
        saddle_points.escape_step(np.zeros((3, 2)))


# -- explorer 1: offset and optimizer -------------------------------------------------------
OPTIMIZERS = {"GD": lambda: gdlab.SGD(lr=0.1), "Adam": lambda: gdlab.Adam(lr=0.1),
              "Momentum": lambda: gdlab.Momentum(lr=0.1, beta=0.9)}


def escape_compute(offset, optimizer):
    """The notebook's compute step (without the noisy variant)."""
    return {"trajectory": gdlab.run(OPTIMIZERS[optimizer](), gdlab.saddle, [1.0, offset], 120)}


def main_explorer(compute=escape_compute, **kwargs):
    settings = dict(offsets=[1e-2, 1e-6, 0.0], optimizers=list(OPTIMIZERS), steps=120, lr=0.1)
    settings.update(kwargs)
    return saddle_points.explorer(compute, **settings)


def test_explorer_results_and_verdicts():
    e = main_explorer()
    assert len(e.controls["offset"]) * len(e.controls["optimizer"]) <= 24
    assert e.start == {"offset": 1e-6, "optimizer": "Adam"}     # the middles of the lists
    traj = e.result(offset=1e-2, optimizer="GD")["trajectory"]
    np.testing.assert_allclose(traj.xs[:5, 1], 1e-2 * 1.2 ** np.arange(5))   # y_t = 1.2^t δ
    np.testing.assert_allclose(traj.xs[:5, 0], 0.8 ** np.arange(5))          # x_t = 0.8^t
    verdict = saddle_points.escape_verdict
    # 1.2^25 = 95.4 < 100 <= 1.2^26 = 114.5
    assert verdict(traj, 1.0) == "escaped at step 26\n(|y| ≥ 1)"
    stuck = e.result(offset=0.0, optimizer="Adam")["trajectory"]
    assert verdict(stuck, 1.0).startswith("stuck at the saddle: y = 0 at every step")
    assert "after 120 steps" in verdict(stuck, 1.0)
    slow = gd_run(y0=1e-6, steps=50)                    # 1.2^50 * 1e-6 = 9.1e-3
    assert verdict(slow, 1.0) == "not escaped after 50 steps:\n|y| = 9.1e-03"


def test_explorer_draws_both_panels_with_the_law_and_the_verdict():
    e = main_explorer()
    assert e.render(offset=1e-2, optimizer="GD").startswith(PNG)
    ax_path, ax_y = drawn(e, offset=1e-2, optimizer="GD").axes
    assert ax_path.get_title().replace("\n", " ") == "GD from (1, 0.01)"
    assert ax_y.get_yscale() == "log" and ax_y.get_ylim() == pytest.approx((1e-12, 1e2))
    labels = [line.get_label() for line in ax_y.get_lines()]
    assert "GD's law (1 + 0.1·2)^t δ" in labels
    law = next(line for line in ax_y.get_lines() if line.get_label().startswith("GD's law"))
    np.testing.assert_allclose(law.get_ydata()[:3], [1e-2, 1.2e-2, 1.44e-2])
    texts = [t.get_text() for t in ax_y.texts]
    assert texts == ["escaped at step 26\n(|y| ≥ 1)"]
    ax_path, ax_y = drawn(e, offset=0.0, optimizer="GD").axes   # no law for δ = 0, 0 at 1e-12
    assert not any(line.get_label().startswith("GD's law") for line in ax_y.get_lines())
    assert ax_y.get_lines()[0].get_ydata().min() == 1e-12


def test_explorer_renders_without_warnings_in_the_book_style():
    with matplotlib.rc_context(), warnings.catch_warnings():
        warnings.simplefilter("error")
        gdlab.plots.use_book_style()
        e = main_explorer(offsets=[1e-6, 0.0], optimizers=["GD", "Momentum"])
        assert e.to_html().count("iVBOR") >= 4


@pytest.mark.parametrize("kwargs, words", [
    (dict(offsets=[1e-2, -1.0]), ["offsets[1]", "[0, inf)"]),
    (dict(steps=0), ["steps must be a whole number >= 1"]),
    (dict(lr=0.0), ["lr must be in (0, inf)"]),
    (dict(radius=-1.0), ["radius"]),
    (dict(b=0.0), ["b must be in (0, inf)"]),
    (dict(start={"offset": 0.5}), ["start['offset']"]),
    (dict(offsets=[1e-1, 1e-2, 1e-3, 1e-4, 1e-5, 1e-6, 1e-7, 0.0],
          optimizers=["GD", "Adam", "Momentum", "GD"]), ["max_frames"]),
    (dict(compute="run"), ["compute must be a function"]),
    (dict(compute=lambda offset, optimizer: [1, 2]), ["must return a dict with 'trajectory'"]),
    (dict(compute=lambda offset, optimizer: {"trajectory": np.zeros((3, 2))}),
     ["must be a gdlab.Trajectory"]),
    (dict(compute=lambda offset, optimizer: {"trajectory": gd_run(steps=10)}),
     ["compute ran 10 steps", "steps=120"]),
])
def test_explorer_refuses_bad_input(kwargs, words):
    with pytest.raises(ValueError) as error:
        main_explorer(**kwargs)
    for word in words:
        assert word in str(error.value), str(error.value)


# -- explorer 2: the race -------------------------------------------------------------------
LANDSCAPES = {"saddle": gdlab.saddle, "Beale": (gdlab.beale, ((-0.5, 5.0), (-1.5, 2.0)))}
STARTS = {"saddle": [1.0, 1e-3], "Beale": [0.7, 1.4]}
RACE = {title: {name: gdlab.run(gdlab.OPTIMIZERS[name](lr=0.01), f if title == "saddle"
                                else f[0], STARTS[title], 40)
                for name in ("SGD", "Momentum", "Adam")}
        for title, f in LANDSCAPES.items()}


def race_compute(step):
    return {title: {name: gdlab.Trajectory(t.xs[:step + 1], t.losses[:step + 1], t.optimizer)
                    for name, t in runs.items()} for title, runs in RACE.items()}


def test_race_explorer_draws_each_run_up_to_the_step_in_its_color():
    e = saddle_points.race_explorer(race_compute, steps=[0, 10, 40], landscapes=LANDSCAPES)
    assert e.start == {"step": 10}
    assert e.render(step=40).startswith(PNG)
    fig = drawn(e, step=40)
    saddle_ax, beale_ax = fig.axes
    assert saddle_ax.get_title().replace("\n", " ") == "saddle, step 40" and beale_ax.get_title().replace("\n", " ") == "Beale, step 40"
    assert beale_ax.get_xlim() == pytest.approx((-0.5, 5.0))
    paths = [line for line in saddle_ax.get_lines() if line.get_label() in ("SGD", "Adam")]
    assert {line.get_color() for line in paths} == {gdlab.plots.color_of("SGD"),
                                                    gdlab.plots.color_of("Adam")}
    sgd = next(line for line in saddle_ax.get_lines() if line.get_label() == "SGD")
    assert len(sgd.get_xdata()) == 41                      # steps 0..40
    legend = fig.legends[0]
    assert [t.get_text() for t in legend.get_texts()][:3] == ["SGD", "Momentum", "Adam"]
    assert len(next(line for line in drawn(e, step=0).axes[0].get_lines()
                    if line.get_label() == "SGD").get_xdata()) == 1


@pytest.mark.parametrize("kwargs, words", [
    (dict(compute=lambda step: {"saddle": {}}), ["keys saddle, Beale"]),
    (dict(compute=lambda step: {"saddle": {"x": 1}, "Beale": {"x": 2}}),
     ["result['saddle'] must map labels to gdlab.Trajectory"]),
    (dict(steps=[0, -1]), ["steps[1]", ">= 0"]),
    (dict(landscapes={}), ["one or two titles"]),
    (dict(compute=3), ["compute must be a function of step"]),
])
def test_race_explorer_refuses_bad_input(kwargs, words):
    settings = dict(compute=race_compute, steps=[0, 10], landscapes=LANDSCAPES)
    settings.update(kwargs)
    with pytest.raises(ValueError) as error:
        saddle_points.race_explorer(**settings)
    for word in words:
        assert word in str(error.value), str(error.value)


def test_race_explorer_needs_the_same_runs_at_every_step():
    def fewer_later(step):   # Adam drops out after the start: the legend, drawn once, would lie
        result = race_compute(step)
        if step:
            del result["saddle"]["Adam"]
        return result

    e = saddle_points.race_explorer(fewer_later, steps=[0, 10], landscapes=LANDSCAPES,
                                    start={"step": 0})
    with pytest.raises(ValueError, match=r"compute\(step=10\) returned other runs on 'saddle' "
                                         r".*: SGD, Momentum instead of SGD, Momentum, Adam"):
        e.render(step=10)


# -- explorer 3: the widget-plot exercise ----------------------------------------------------
def lr_compute(lr):
    return {"trajectory": gd_run(lr=lr, steps=60)}


@pytest.mark.parametrize("lr, ok, start", [
    (0.1, False, "too slow: not out after 60 steps,\ntarget ≤ 30: raise α"),   # 1.2^60 δ = 0.56
    (0.2, False, "too slow: escapes at step 42,\ntarget ≤ 30: raise α"),  # 1.4^41 < 1e6
    (0.3, True, "on target: escapes at step 30 ≤ 30\nand x settles"),     # 1.6^29 < 1e6 < 1.6^30
    (0.5, True, "on target: escapes at step 20 ≤ 30\nand x settles"),     # 2^19 < 1e6 < 2^20
    (1.0, False, "x does not shrink"),                                    # x = ±1 for ever
    (1.2, False, "x grows"),                                              # x grows by 1.4
])
def test_lr_verdict_for_each_case(lr, ok, start):
    assert 1.6 ** 29 < 1e6 < 1.6 ** 30 and 1.4 ** 41 < 1e6 < 1.4 ** 42
    got_ok, verdict = saddle_points.lr_verdict(lr_compute(lr)["trajectory"], 30, 1.0)
    assert got_ok is ok and verdict.startswith(start), verdict
    if not ok and start.startswith("x"):
        assert verdict.endswith("Too large: lower α")


def test_lr_explorer_shows_the_attempt_against_the_target():
    e = saddle_points.lr_explorer(lr_compute, lrs=[0.1, 0.3, 1.2], target=30, steps=60,
                                  start={"lr": 0.3})
    assert e.render().startswith(PNG)
    ax, = drawn(e).axes
    assert ax.get_title().replace("\n", " ") == "Gradient descent with α = 0.3 from (1, 1e-06)"
    assert [t.get_text() for t in ax.texts] == [
        "on target: escapes at step 30 ≤ 30\nand x settles"]
    target_lines = [line for line in ax.get_lines() if list(line.get_xdata()) == [30, 30]]
    assert target_lines, "the target step is drawn as a vertical line"
    labels = [line.get_label() for line in ax.get_lines()]
    assert "|y_t| (escaping)" in labels and "|x_t| (attracting)" in labels
    assert e.render(lr=1.2).startswith(PNG)           # diverged run: stopped early, still drawn
    assert e.result(lr=1.2)["trajectory"].diverged
    assert drawn(e, lr=1.2).axes[0].texts[0].get_text().startswith("x grows")


def test_lr_explorer_refuses_bad_input():
    with pytest.raises(ValueError, match=r"lrs\[1\] must be in \(0, inf\)"):
        saddle_points.lr_explorer(lr_compute, lrs=[0.1, 0.0], target=30, steps=60)
    with pytest.raises(ValueError, match="target must be a whole number >= 1"):
        saddle_points.lr_explorer(lr_compute, lrs=[0.1], target=0, steps=60)
    with pytest.raises(ValueError, match="compute ran 60 steps"):
        saddle_points.lr_explorer(lr_compute, lrs=[0.1], target=30, steps=50)
    with pytest.raises(ValueError, match="max_frames"):
        saddle_points.lr_explorer(lr_compute, lrs=list(np.linspace(0.05, 0.9, 17)),
                                  target=30, steps=60)


# -- all three: fast frames ---------------------------------------------------------------------
@pytest.fixture(params=["explorer", "race_explorer", "lr_explorer"])
def explorer(request):
    """Each of the chapter's explorers, as the tests above build it."""
    return {"explorer": main_explorer,
            "race_explorer": lambda: saddle_points.race_explorer(
                race_compute, steps=[0, 10, 20, 40], landscapes=LANDSCAPES),
            "lr_explorer": lambda: saddle_points.lr_explorer(
                lr_compute, lrs=[0.1, 0.2, 0.3, 0.5, 1.0, 1.2], target=30, steps=60,
                start={"lr": 0.1})}[request.param]()


def test_frames_are_drawn_fast_and_equal_whole_draws(explorer):
    check_fast_frames(explorer)


# -- check_escape_steps -------------------------------------------------------------------------
check = saddle_points.check_escape_steps


def test_check_accepts_the_right_count():
    # by hand: 1.1^120 = 9.27e4 < 1e5 <= 1.1^121 = 1.02e5
    assert 1.1 ** 120 < 1e5 <= 1.1 ** 121
    feedback = check(121, delta=1e-5, lr=0.05)
    assert feedback and str(feedback) == "✔ Correct. The number of steps = 121."
    assert check(51)                 # the defaults: δ = 1e-4, α = 0.1 (1.2^50 < 1e4 < 1.2^51)
    assert check(76, delta=1e-6)


@pytest.mark.parametrize("answer, words", [
    (116, ["expected 121", "ln(1 + 2α) is not 2α", "ln(1.1) = 0.0953"]),   # ⌈11.513/0.1⌉
    (236, ["1 + 2α = 1.1", "not 1 + α = 1.05"]),                         # ⌈11.513/0.04879⌉
    (120, ["rounded down"]),
    (110, ["attracting direction"]),                                      # 0.9^110 < 1e-5
    (130, ["expected 121"]),
])
def test_check_names_each_slip(answer, words):
    feedback = check(answer, delta=1e-5, lr=0.05)
    assert not feedback
    for word in words:
        assert word in feedback.message, feedback.message
    if answer == 130:
        assert "Hint" not in feedback.message


def test_the_slips_are_what_the_hand_computations_give():
    assert math.ceil(math.log(1e5) / 0.1) == 116
    assert math.ceil(math.log(1e5) / math.log(1.05)) == 236
    assert 0.9 ** 109 > 1e-5 >= 0.9 ** 110


def test_the_notebooks_first_message_is_unchanged():
    assert str(check(116, delta=1e-5, lr=0.05)) == (
        "✘ Not yet. The number of steps: you gave 116, expected 121. Hint: ln(1 + 2α) is not "
        "2α:\n"
        "ln(1.1) = 0.0953, not 0.1; the approximation is good only for small α.")


def test_check_refuses_bad_setup_and_odd_answers():
    assert "should be a number" in str(check("many"))
    assert "a truth value" in str(check(True))
    with pytest.raises(ValueError, match="delta must be in"):
        check(10, delta=0.0)
    with pytest.raises(ValueError, match="delta must be in"):
        check(10, delta=2.0)
    with pytest.raises(ValueError, match=r"lr must be in \(0, 0.5\)"):
        check(10, lr=0.5)
    with pytest.raises(ValueError, match="radius"):
        check(10, radius=-1.0)
