"""Chapter 10 (training a network): the companion ``gdlab.chapters.training_a_network``, its
two explorers, their verdicts and the check of the parameter count. Verdicts are tested on
hand-made histories whose numbers decide the case; the explorers on short real runs; the
expected counts are worked out by hand in the tests."""

import math
import warnings

import matplotlib
import numpy as np
import pytest
from explorer_checks import check_fast_frames
from matplotlib.figure import Figure

import gdlab
from gdlab.chapters import training_a_network as chapter
from gdlab.nn import History

PNG = b"\x89PNG\r\n\x1a\n"
EPOCHS = 2
DATA = gdlab.data.digits()


def history(train_loss, status="finished"):
    """A hand-made History: the given training losses, test losses 0.1 above them."""
    train_loss = np.asarray(train_loss, dtype=float)
    return History(train_loss, train_loss + 0.1, np.full(len(train_loss), 0.5),
                   {"W1": np.full(len(train_loss), 1e-3)}, steps_per_epoch=11, status=status)


def trained(optimizer, epochs=EPOCHS):
    return gdlab.nn.train(gdlab.nn.MLP([64, 32, 10], seed=0), optimizer, DATA, epochs, 128)


RUNS = {("SGD", 0.3): trained(gdlab.SGD(lr=0.3)), ("SGD", 3.0): trained(gdlab.SGD(lr=3.0)),
        ("Adam", 0.3): trained(gdlab.Adam(lr=0.3)), ("Adam", 3.0): trained(gdlab.Adam(lr=3.0))}
DIVERGED = trained(gdlab.RMSProp(lr=10.0))


def compute(optimizer, lr):
    return {"history": RUNS[optimizer, lr]}


def drawn(explorer, **values):
    """The figure of one whole frame (a rendered frame keeps only the static parts)."""
    values = {**explorer.start, **values}
    return explorer.draw_into(Figure(), explorer.result(**values), **values)


def picker(**kwargs):
    settings = dict(lrs=[0.3, 3.0], target=1.5, best=RUNS["SGD", 0.3], best_lr=0.3,
                    epochs=EPOCHS, start={"lr": 0.3})
    settings.update(kwargs)
    return chapter.lr_picker(lambda lr: {"history": RUNS["SGD", lr]}, **settings)


# -- the verdicts -----------------------------------------------------------------------------
def test_the_real_runs_are_the_cases_the_verdicts_name():
    # a step of 3 kills the network: the loss rises above its start in the first epoch
    assert RUNS["SGD", 3.0].train_loss[1] > RUNS["SGD", 3.0].train_loss[0]
    assert RUNS["SGD", 0.3].train_loss[-1] < 0.9 * RUNS["SGD", 0.3].train_loss[0]
    assert DIVERGED.status.startswith("diverged in epoch 1") and DIVERGED.epochs == 0


@pytest.mark.parametrize("losses, status, expected", [
    ([2.3, 1.2, 0.5], "finished",
     "final training loss 0.500\ntest accuracy 50.0%"),
    ([2.3, 2.5, 2.2], "finished",                        # 2.2 > 0.9 * 2.3 = 2.07, and it rose
     "final training loss 2.200\ntest accuracy 50.0%\njumped up, then stuck near chance:\ntoo high"),
    ([2.3, 2.25, 2.2], "finished",                       # never above 2.3: only slow
     "final training loss 2.200\ntest accuracy 50.0%\nhas hardly moved: too low"),
    ([2.3, 2.0, 2.06], "finished",                       # 2.06 < 2.07: it has moved
     "final training loss 2.060\ntest accuracy 50.0%"),
    ([2.3], "diverged in epoch 1: the training loss rose above 100 × its start (2.3)",
     "diverged in epoch 1:\nthe learning rate is too high"),
])
def test_run_verdict(losses, status, expected):
    assert chapter.run_verdict(history(losses, status)) == expected


@pytest.mark.parametrize("losses, status, ok, words", [
    ([2.3, 1.0, 0.4], "finished", True, ["on target: final loss 0.400 ≤ 0.5"]),
    ([2.3, 1.0, 0.5], "finished", True, ["on target"]),                       # ≤ is on target
    ([2.3, 1.0, 0.6], "finished", False, ["0.600 > 0.5", "too low, raise α"]),
    ([2.3, 2.4, 0.6], "finished", False, ["rose\nabove its start (2.30)", "too high, lower α"]),
    ([2.3, 2.4, 0.3], "finished", True, ["on target"]),    # a jump on the way, but on target
    ([2.3], "diverged in epoch 1: the minibatch loss or gradient is not finite", False,
     ["diverged in epoch 1:\ntoo high, lower α"]),
])
def test_lr_verdict(losses, status, ok, words):
    got_ok, verdict = chapter.lr_verdict(history(losses, status), 0.5)
    assert got_ok is ok
    for word in words:
        assert word in verdict, verdict


def test_rose_above_start():
    assert chapter.rose_above_start(history([2.3, 2.31, 1.0]))
    assert not chapter.rose_above_start(history([2.3, 2.3, 1.0]))
    assert not chapter.rose_above_start(history([2.3]))


# -- explorer 1: optimizer x learning rate ----------------------------------------------------
def full_explorer():
    return chapter.explorer(compute, optimizers=["SGD", "Adam"], lrs=[0.3, 3.0], epochs=EPOCHS,
                            start={"optimizer": "SGD", "lr": 3.0})


def test_explorer_draws_both_losses_in_the_optimizers_color_with_the_verdict():
    e = full_explorer()
    assert e.start == {"optimizer": "SGD", "lr": 3.0}
    assert e.render().startswith(PNG)
    ax, = drawn(e, optimizer="Adam", lr=0.3).axes
    assert ax.get_title().replace("\n", " ") == "Adam, α = 0.3: loss per epoch"
    assert ax.get_yscale() == "log" and ax.get_ylim() == pytest.approx((1e-2, 1e1))
    assert ax.get_xlim() == (0, EPOCHS)
    lines = {line.get_label(): line for line in ax.get_lines()}
    assert set(lines) >= {"training loss", "test loss", "chance: ln 10 = 2.30"}
    assert lines["training loss"].get_color() == gdlab.plots.color_of("Adam")
    np.testing.assert_allclose(lines["training loss"].get_ydata(), RUNS["Adam", 0.3].train_loss)
    np.testing.assert_allclose(lines["test loss"].get_ydata(), RUNS["Adam", 0.3].test_loss)
    assert lines["chance: ln 10 = 2.30"].get_ydata()[0] == pytest.approx(math.log(10))
    assert [t.get_text() for t in ax.texts] == [chapter.run_verdict(RUNS["Adam", 0.3])]


def test_explorer_clips_a_diverged_run_into_the_axes():
    e = chapter.explorer(lambda optimizer, lr: {"history": history([2.3, 50.0, 1e-5])},
                         optimizers=["RMSProp"], lrs=[10.0], epochs=EPOCHS)
    ax, = drawn(e).axes
    train = next(line for line in ax.get_lines() if line.get_label() == "training loss")
    np.testing.assert_allclose(train.get_ydata(), [2.3, 10.0, 0.01])
    diverged = chapter.explorer(lambda optimizer, lr: {"history": DIVERGED},
                                optimizers=["RMSProp"], lrs=[10.0], epochs=EPOCHS)
    assert drawn(diverged).axes[0].texts[0].get_text().startswith("diverged in epoch 1")


def test_explorer_renders_without_warnings_in_the_book_style():
    with matplotlib.rc_context(), warnings.catch_warnings():
        warnings.simplefilter("error")
        gdlab.plots.use_book_style()
        assert full_explorer().to_html().count("iVBOR") >= 4


@pytest.mark.parametrize("kwargs, words", [
    (dict(compute="sweep"), ["compute must be a function of optimizer and lr"]),
    (dict(compute=lambda optimizer, lr: [1]), ["must return a dict with 'history'"]),
    (dict(compute=lambda optimizer, lr: {"history": [2.3, 1.0]}),
     ["must be a gdlab.nn.History"]),
    (dict(epochs=5), ["has 2 epochs", "epochs=5"]),
    (dict(epochs=0), ["epochs must be a whole number >= 1"]),
    (dict(optimizers=["SGD", "Adamax"]), ["optimizer must be one of"]),
    (dict(lrs=[0.3, -1.0]), ["lrs[1]", "(0, inf)"]),
    (dict(classes=1), ["classes must be a whole number >= 2"]),
    (dict(lrs=list(np.geomspace(1e-3, 1, 13))), ["max_frames"]),
    (dict(start={"lr": 0.5}), ["start['lr']"]),
])
def test_explorer_refuses_bad_input(kwargs, words):
    settings = dict(compute=compute, optimizers=["SGD", "Adam"], lrs=[0.3], epochs=EPOCHS)
    settings.update(kwargs)
    with pytest.raises(ValueError) as error:
        chapter.explorer(**settings)
    for word in words:
        assert word in str(error.value), str(error.value)


# -- explorer 2: the widget-plot exercise -----------------------------------------------------
def test_picker_shows_the_attempt_against_the_target_and_the_best_run():
    e = picker()
    assert e.render().startswith(PNG)
    ax, = drawn(e, lr=3.0).axes
    assert ax.get_title().replace("\n", " ") == "SGD with α = 3: training loss per epoch"
    labels = [line.get_label() for line in ax.get_lines()]
    assert "best on the grid, α = 0.3" in labels and "your run, α = 3" in labels
    best = next(line for line in ax.get_lines() if line.get_label().startswith("best"))
    np.testing.assert_allclose(best.get_ydata(), RUNS["SGD", 0.3].train_loss)
    assert best.get_alpha() == pytest.approx(0.35)
    band = [p for p in ax.patches if p.get_label() == "target: final loss ≤ 1.5"]
    assert band, "the target band is shaded"
    target_lines = [line for line in ax.get_lines() if list(line.get_ydata()) == [1.5, 1.5]]
    assert target_lines, "the target is drawn as a dashed line"
    verdict = ax.texts[0].get_text()
    assert verdict.startswith("✘ final loss") and "lower α" in verdict
    assert drawn(e, lr=0.3).axes[0].texts[0].get_text().startswith("✔ on target")


@pytest.mark.parametrize("kwargs, words", [
    (dict(target=0.0), ["target must be in [0.01, 10]"]),
    (dict(target=20.0), ["target must be in [0.01, 10]"]),
    (dict(best=[2.3, 1.0]), ["must be a gdlab.nn.History"]),
    (dict(best=trained(gdlab.SGD(lr=0.3), epochs=1)), ["has 1 epochs", "epochs=2"]),
    (dict(lrs=[0.0]), ["lrs[0] must be in (0, inf)"]),
    (dict(optimizer="Newtonish"), ["optimizer must be one of"]),
    (dict(lrs=list(np.geomspace(1e-3, 1, 17)), start=None), ["max_frames"]),
])
def test_picker_refuses_bad_input(kwargs, words):
    with pytest.raises(ValueError) as error:
        picker(**kwargs)
    for word in words:
        assert word in str(error.value), str(error.value)
    with pytest.raises(ValueError, match="compute must be a function of lr"):
        chapter.lr_picker(None, lrs=[0.3], target=1.0, best=RUNS["SGD", 0.3], best_lr=0.3,
                          epochs=EPOCHS)


# -- both: fast frames --------------------------------------------------------------------------
@pytest.fixture(params=["explorer", "lr_picker"])
def explorer(request):
    return {"explorer": full_explorer, "lr_picker": picker}[request.param]()


def test_frames_are_drawn_fast_and_equal_whole_draws(explorer):
    check_fast_frames(explorer)


# -- check_param_count ------------------------------------------------------------------------
check = chapter.check_param_count


def test_check_accepts_the_right_count():
    # by hand: 785·128 + 129·64 + 65·10 = 100480 + 8256 + 650
    feedback = check(109_386, sizes=[784, 128, 64, 10])
    assert feedback and str(feedback) == "✔ Correct. The number of parameters = 109386."
    assert check(109_386)                                  # the default sizes
    assert check(39_760, sizes=[784, 50, 10])              # the notes' network: 785·50 + 51·10
    assert check(2_410, sizes=[64, 32, 10])                # 65·32 + 33·10


@pytest.mark.parametrize("answer, words", [
    (109_184, ["expected 109386", "weights but not the biases", "(202 in all)"]),
    (100_480, ["first layer only"]),                       # 785·128
    (110_160, ["receiving unit"]),                         # 784·129 + 128·65 + 64·11
    (110_170, ["input layer has no biases"]),              # 109386 + 784
    (986, ["counts the units"]),                           # 784 + 128 + 64 + 10
    (64_225_280, ["multiplying all the widths"]),          # 784·128·64·10
    (109_000, ["expected 109386"]),
])
def test_check_names_each_slip(answer, words):
    feedback = check(answer, sizes=[784, 128, 64, 10])
    assert not feedback
    for word in words:
        assert word in feedback.message, feedback.message
    if answer == 109_000:
        assert "Hint" not in feedback.message


def test_the_slips_are_what_the_hand_computations_give():
    assert 784 * 128 + 128 * 64 + 64 * 10 == 109_184 and 109_386 - 109_184 == 202
    assert 784 * 129 + 128 * 65 + 64 * 11 == 110_160 and 784 * 128 * 64 * 10 == 64_225_280


def test_the_notebooks_first_message_is_unchanged():
    assert str(check(109_184, sizes=[784, 128, 64, 10])) == (
        "✘ Not yet. The number of parameters: you gave 109184, expected 109386. Hint: you counted\n"
        "the 109,184 weights but not the biases: each unit of layers 1..3 has one bias too (202\n"
        "in all).")


def test_check_refuses_bad_setup_and_odd_answers():
    assert "should be a number" in str(check("lots"))
    assert "a truth value" in str(check(True))
    assert not check(109_386.5, sizes=[784, 128, 64, 10])
    with pytest.raises(ValueError, match="sizes must be a list"):
        check(10, sizes=[784])
    with pytest.raises(ValueError, match="widths >= 1"):
        check(10, sizes=[784, 0, 10])
