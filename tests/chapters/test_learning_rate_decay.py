"""Chapter 8 (learning-rate decay): the companion ``gdlab.chapters.learning_rate_decay``, its
verdicts, its two explorers and its exercise checks. Expected values come from runs of the
library's SGD, from Monte Carlo, or by hand, not from the formulas under test."""

import numpy as np
import pytest
from explorer_checks import check_fast_frames
from matplotlib.figure import Figure

import gdlab
from gdlab import schedules as s
from gdlab.chapters import learning_rate_decay as lrd

PNG = b"\x89PNG\r\n\x1a\n"
BOWL = gdlab.Noisy(gdlab.elongated_bowl, sigma=1.0, seed=7)
X0 = np.array([-8.0, 2.5])
STEPS = 300


def rates(schedule, steps=STEPS):
    return np.array([schedule(t) for t in range(1, steps + 1)])


# -- verdict ----------------------------------------------------------------------------------
@pytest.mark.parametrize("schedule, kind, words", [
    (s.Constant(0.5), "too noisy", ["too noisy: decay more", "0.378 > 0.04"]),
    (s.InverseTimeDecay(0.5, 99 / 299), "frozen", ["decayed too early: frozen", "decay later"]),
    (s.Constant(0.02), "too slow", ["too slow: still descending", "raise lr0"]),
    (s.CosineDecay(0.5, STEPS), "on target", ["on target", "≤ 0.04"]),
    (s.Constant(1.05), "diverged", ["diverged: lower lr0"]),
])
def test_verdict_names_each_way_to_miss(schedule, kind, words):
    judged = lrd.verdict(rates(schedule), BOWL, X0, 0.04)
    assert judged.kind == kind
    for word in words:
        assert word in judged.text, judged.text


def test_verdict_bias_part_is_the_full_batch_run_and_the_total_matches_many_runs():
    schedule = s.ExponentialDecay(0.5, 0.01 ** (1 / 299))
    judged = lrd.verdict(rates(schedule), BOWL, X0, 0.04)
    exact_run = gdlab.run(gdlab.SGD(lr=schedule), gdlab.elongated_bowl, X0, STEPS)
    assert judged.bias == pytest.approx(exact_run.gaps()[-1], rel=1e-9, abs=1e-15)
    assert judged.bias + judged.noise == pytest.approx(judged.expected)
    rng = np.random.default_rng(0)                      # 4000 noisy runs, by hand
    X = np.tile(X0, (4000, 1))
    curvatures = np.array([0.1, 2.0])
    for lr in rates(schedule):
        X -= lr * (X * curvatures + rng.standard_normal(X.shape))
    measured = 0.5 * np.mean(np.sum(curvatures * X * X, axis=1))
    assert judged.expected == pytest.approx(measured, rel=0.05)
    assert judged.kind == "on target" and round(judged.expected, 4) == 0.0271


def test_constant_rate_floor_is_the_stationary_gap():
    judged = lrd.verdict(np.full(2000, 0.2), BOWL, X0, 0.04)
    # by hand: Σ α σ² / (2 (2 − α λ)) over λ = 0.1 and 2
    assert judged.expected == pytest.approx(0.2 / (2 * 1.98) + 0.2 / (2 * 1.6), rel=1e-9)


@pytest.mark.parametrize("call, message", [
    (lambda: lrd.verdict([0.1], gdlab.elongated_bowl, X0, 0.04),
     r"f must be a gdlab.Noisy wrapping a gdlab.Quadratic with a minimum"),
    (lambda: lrd.verdict([0.1], gdlab.Noisy(gdlab.rosenbrock), X0, 0.04),
     r"f must be a gdlab.Noisy wrapping a gdlab.Quadratic"),
    (lambda: lrd.verdict([], BOWL, X0, 0.04), r"lrs must hold the rates .* got 0 rates"),
    (lambda: lrd.verdict([0.1, -0.1], BOWL, X0, 0.04), r"lrs must hold the rates"),
    (lambda: lrd.verdict([0.1], BOWL, [1.0], 0.04), r"x0 must have shape \(2,\)"),
    (lambda: lrd.verdict([0.1], BOWL, X0, 0.0), r"target must be in \(0, inf\), got 0"),
])
def test_verdict_refuses_bad_input(call, message):
    with pytest.raises(ValueError, match=message):
        call()


# -- the explorer -----------------------------------------------------------------------------
def compute(schedule, lr0):
    lr = {"constant": s.Constant(lr0), "cosine": s.CosineDecay(lr0, STEPS)}[schedule]
    BOWL.reset()
    return {"lrs": rates(lr), "run": gdlab.run(gdlab.SGD(lr=lr), BOWL, X0, STEPS)}


def test_explorer_computes_draws_and_starts_where_asked():
    shown = lrd.explorer(compute, ["constant", "cosine"], (0.2, 0.5), BOWL, X0, STEPS, 0.04,
                         start={"schedule": "cosine", "lr0": 0.5})
    assert shown.start == {"schedule": "cosine", "lr0": 0.5}
    assert shown.controls == {"schedule": ["constant", "cosine"], "lr0": [0.2, 0.5]}
    result = shown.result(schedule="constant", lr0=0.2)
    assert np.all(result["lrs"] == 0.2) and result["run"].steps == STEPS
    assert shown.render(schedule="constant", lr0=0.2).startswith(PNG)
    assert 'class="gdlab-explorer"' in shown.to_html()


def test_explorer_allows_at_most_24_frames():
    with pytest.raises(ValueError, match=r"controls give 25 combinations; max_frames allows 24"):
        lrd.explorer(compute, ["constant"] * 5, (0.1, 0.2, 0.3, 0.4, 0.5), BOWL, X0, STEPS, 0.04)


@pytest.mark.parametrize("bad, message", [
    (lambda schedule, lr0: [1, 2], r"compute\(schedule='constant', lr0=0.5\) must return a dict "
                                   r"with 'lrs'"),
    (lambda schedule, lr0: {"lrs": np.ones(3), "run": None},
     r"\['lrs'\] must hold steps = 300 rates, got 3"),
    (lambda schedule, lr0: {"lrs": np.ones(STEPS), "run": 1.0},
     r"\['run'\] must be a gdlab.Trajectory, got float"),
])
def test_explorer_says_what_a_broken_compute_returns(bad, message):
    with pytest.raises(ValueError, match=message):
        lrd.explorer(bad, ["constant"], (0.5,), BOWL, X0, STEPS, 0.04)


def test_explorer_refuses_bad_settings():
    with pytest.raises(ValueError, match=r"compute must be a function"):
        lrd.explorer("compute", ["constant"], (0.5,), BOWL, X0, STEPS, 0.04)
    with pytest.raises(ValueError, match=r"lr0s\[1\] must be in \(0, inf\), got 0"):
        lrd.explorer(compute, ["constant"], (0.5, 0.0), BOWL, X0, STEPS, 0.04)
    with pytest.raises(ValueError, match=r"target must be in \(0, inf\)"):
        lrd.explorer(compute, ["constant"], (0.5,), BOWL, X0, STEPS, -1.0)


# -- explorer 2: the widget-plot exercise ------------------------------------------------------
def decay_compute(decay_rate):
    lr = s.InverseTimeDecay(0.5, decay_rate)
    BOWL.reset()
    return {"lrs": rates(lr), "run": gdlab.run(gdlab.SGD(lr=lr), BOWL, X0, STEPS)}


def drawn(explorer, **values):
    """The figure of one whole frame (a rendered frame keeps only the static parts)."""
    values = {**explorer.start, **values}
    return explorer.draw_into(Figure(), explorer.result(**values), **values)


def noisy_runs_mean_gap(decay_rate, runs=8000):
    """The mean final gap of ``runs`` noisy runs with α_t = 0.5/(1 + r(t − 1)), by hand."""
    rng = np.random.default_rng(1)
    X = np.tile(X0, (runs, 1))
    curvatures = np.array([0.1, 2.0])
    for t in range(1, STEPS + 1):
        X -= 0.5 / (1 + decay_rate * (t - 1)) * (X * curvatures + rng.standard_normal(X.shape))
    return 0.5 * np.mean(np.sum(curvatures * X * X, axis=1))


@pytest.mark.parametrize("decay_rate, ok, words", [
    (0.0, False, ["too noisy: α_T = 0.5\n", "expected 0.378 > 0.04", "raise r (decay faster)"]),
    (0.01, False, ["too noisy: α_T = 0.125\n", "expected 0.0709 > 0.04", "raise r"]),
    (0.03, True, ["on target\nexpected 0.0325 ≤ 0.04"]),
    (0.05, True, ["on target\nexpected 0.0344 ≤ 0.04"]),
    (0.1, False, ["frozen: Σα_t = 17.4\n", "expected 0.114 > 0.04", "lower r (decay slower)"]),
    (1.0, False, ["frozen: Σα_t = 3.14\n", "lower r"]),
])
def test_decay_verdict_for_each_case(decay_rate, ok, words):
    got_ok, text = lrd.decay_verdict(rates(s.InverseTimeDecay(0.5, decay_rate)), BOWL, X0, 0.04)
    assert got_ok is ok
    for word in words:
        assert word in text, text


def test_decay_verdict_agrees_with_noisy_runs_and_names_the_larger_part():
    measured = {r: noisy_runs_mean_gap(r) for r in (0.01, 0.03, 0.05, 0.1)}
    assert measured[0.03] < 0.04 and measured[0.05] < 0.04            # on target
    assert measured[0.01] > 0.06 and measured[0.1] > 0.1               # the two misses
    assert measured[0.03] == pytest.approx(0.0325, rel=0.05)
    # the bias part is the full-batch run: negligible at r = 0.01 (a noise miss), over the
    # target on its own at r = 0.1 (frozen)
    exact = {r: gdlab.run(gdlab.SGD(lr=s.InverseTimeDecay(0.5, r)), gdlab.elongated_bowl, X0,
                          STEPS).gaps()[-1] for r in (0.01, 0.1)}
    assert exact[0.01] < 1e-5 and exact[0.1] > 0.09
    # the frozen verdict's Σα_t at r = 0.1, by hand
    assert sum(0.5 / (1 + 0.1 * k) for k in range(STEPS)) == pytest.approx(17.42, abs=0.01)


def test_decay_verdict_of_a_diverging_run():
    ok, text = lrd.decay_verdict(rates(s.InverseTimeDecay(1.05, 0.0)), BOWL, X0, 0.04)
    assert not ok and text == "diverged: lower lr0"


def test_decay_explorer_shows_the_attempt_against_the_target():
    e = lrd.decay_explorer(decay_compute, [0.01, 0.03, 0.1], BOWL, X0, STEPS, 0.04,
                           start={"decay_rate": 0.03})
    assert e.controls == {"decay_rate": [0.01, 0.03, 0.1]} and e.start == {"decay_rate": 0.03}
    assert e.render().startswith(PNG)
    ax, = drawn(e).axes
    assert ax.get_title() == "SGD, α_t = 0.5/(1 + 0.03(t − 1))"
    assert [t.get_text() for t in ax.texts] == ["on target\nexpected 0.0325 ≤ 0.04"]
    lines = {line.get_label(): line for line in ax.get_lines()}
    assert list(lines) == ["this run", "expected", "bias part", "noise part", "target 0.04"]
    assert list(lines["target 0.04"].get_ydata()) == [0.04, 0.04]
    run = e.result()["run"]
    assert np.allclose(lines["this run"].get_ydata(), np.maximum(run.gaps(), 1e-4))
    assert lines["expected"].get_ydata()[-1] == pytest.approx(0.0325, abs=5e-5)
    assert lines["bias part"].get_ydata()[-1] + lines["noise part"].get_ydata()[-1] == (
        pytest.approx(0.0325, abs=5e-5))
    legend, = ax.figure.legends              # below the panel, drawn once by setup
    assert [t.get_text() for t in legend.get_texts()] == list(lines)
    assert len(ax.patches) == 1                                   # the target band
    assert "raise r" in drawn(e, decay_rate=0.01).axes[0].texts[0].get_text()
    assert "lower r" in drawn(e, decay_rate=0.1).axes[0].texts[0].get_text()


@pytest.mark.parametrize("kwargs, message", [
    ({"compute": "compute"}, r"compute must be a function compute\(decay_rate\)"),
    ({"decay_rates": []}, r"decay_rates must list at least one decay rate r >= 0, got none"),
    ({"decay_rates": [0.01, -0.1]}, r"decay_rates\[1\] must be in \[0, inf\), got -0.1"),
    ({"decay_rates": ["fast"]}, r"decay_rates\[0\] must be a finite real number, got 'fast'"),
    ({"decay_rates": list(np.linspace(0, 0.16, 17))}, r"17 combinations; max_frames allows 16"),
    ({"steps": 0}, r"steps must be a whole number >= 1, got 0"),
    ({"target": 0.0}, r"target must be in \(0, inf\), got 0"),
    ({"f": gdlab.elongated_bowl}, r"f must be a gdlab.Noisy wrapping a gdlab.Quadratic"),
    ({"start": {"decay_rate": 0.02}}, r"start\['decay_rate'\] must be one of"),
    ({"compute": lambda decay_rate: {**decay_compute(decay_rate), "lrs": np.full(STEPS, 0.5)}},
     r"compute\(decay_rate=0.01\)\['lrs'\] must be the rates α0/\(1 \+ r\(t − 1\)\) with "
     r"r = 0.01 .*; at t = 2 it holds 0.5, not 0.495"),
    ({"compute": lambda decay_rate: [1, 2]},
     r"compute\(decay_rate=0.01\) must return a dict with 'lrs' \(the rates\) and 'run'"),
    ({"compute": lambda decay_rate: {"lrs": np.ones(3), "run": None}},
     r"compute\(decay_rate=0.01\)\['lrs'\] must hold steps = 300 rates, got 3"),
    ({"compute": lambda decay_rate: {**decay_compute(decay_rate), "run": 1.0}},
     r"\['run'\] must be a gdlab.Trajectory, got float"),
])
def test_decay_explorer_refuses_bad_input(kwargs, message):
    args = {"compute": decay_compute, "decay_rates": [0.01, 0.03], "f": BOWL, "x0": X0,
            "steps": STEPS, "target": 0.04, "start": {"decay_rate": 0.01}, **kwargs}
    with pytest.raises(ValueError, match=message):
        lrd.decay_explorer(**args)


# -- both explorers: fast frames ---------------------------------------------------------------
@pytest.fixture(params=["explorer", "decay_explorer"])
def explorer(request):
    """Each of the chapter's explorers, as the tests above build them."""
    return {"explorer": lambda: lrd.explorer(compute, ["constant", "cosine"], (0.2, 0.5, 0.9),
                                             BOWL, X0, STEPS, 0.04,
                                             start={"schedule": "constant", "lr0": 0.5}),
            "decay_explorer": lambda: lrd.decay_explorer(
                decay_compute, [0.0, 0.003, 0.01, 0.03, 0.05, 0.1, 0.33, 1.0], BOWL, X0, STEPS,
                0.04, start={"decay_rate": 0.01})}[request.param]()


def test_frames_are_drawn_fast_and_equal_whole_draws(explorer):
    check_fast_frames(explorer)


# -- check_stationary_variance ------------------------------------------------------------------
check_v = lrd.check_stationary_variance


def test_stationary_check_accepts_the_right_answer():
    # by hand: 0.3 * 2² / (2 * (2 - 0.6)) = 1.2 / 2.8
    feedback = check_v(1.2 / 2.8, lr=0.3, curvature=2.0, sigma=2.0)
    assert feedback and "0.428571" in str(feedback)
    assert check_v(0.4286, lr=0.3, curvature=2.0, sigma=2.0)


@pytest.mark.parametrize("answer, words", [
    (0.3, "small-rate approximation"),                 # 0.3 * 4 / (2 * 2)
    (np.sqrt(1.2 / 2.8), "standard deviation"),
    (0.6, "variance gets its square"),                 # α σ² / λ
    (1.2 / (2 * 2.6), "check the sign"),
])
def test_stationary_check_names_each_slip(answer, words):
    feedback = check_v(answer, lr=0.3, curvature=2.0, sigma=2.0)
    assert not feedback and words in feedback.message, feedback.message


def test_stationary_check_names_the_expected_loss_when_it_differs():
    # λ = 1: the expected loss (λ/2) v is half the variance 0.1 / 1.9
    feedback = check_v(0.5 * 0.1 / 1.9, lr=0.1, curvature=1.0, sigma=1.0)
    assert not feedback and "expected loss above the minimum" in feedback.message


def test_the_notebooks_stationary_message():
    # exercise 1: λ = 1, σ = 2, α = 0.3; the attempt 0.6 = 0.3 * 4 / 2, the exact 1.2 / 1.7
    assert str(check_v(0.6, lr=0.3, curvature=1.0, sigma=2.0)) == (
        "✘ Not yet. The stationary variance: you gave 0.6, expected 0.705882. Hint: that is the\n"
        "small-rate approximation ασ²/(2λ); keep the exact factor 1/(2 − αλ), which matters when\n"
        "αλ is not small.")


def test_stationary_check_refuses_an_unstable_rate():
    with pytest.raises(ValueError, match=r"lr must be in \(0, 2/curvature\) = \(0, 1\)"):
        check_v(1.0, lr=1.0, curvature=2.0, sigma=1.0)


# -- check_ng_rates ----------------------------------------------------------------------------
check_ng = lrd.check_ng_rates
SLIDE = [0.1, 0.2 / 3, 0.05, 0.04]        # Ng's slide: 0.2 / (1 + n), n = 1..4


def test_ng_check_accepts_the_slide():
    assert check_ng(SLIDE, lr0=0.2, decay_rate=1.0)
    assert check_ng([0.1, 0.0667, 0.05, 0.04], lr0=0.2, decay_rate=1.0)
    assert check_ng([0.5 / 1.5, 0.5 / 2, 0.5 / 2.5], lr0=0.5, decay_rate=0.5, epochs=3)


@pytest.mark.parametrize("answer, words", [
    ([0.2, 0.1, 0.0667, 0.05], ["epoch 1 should be 0.1", "counted epochs from 0"]),
    ([0.2 * 0.95, 0.2 * 0.95 ** 2, 0.2 * 0.95 ** 3, 0.2 * 0.95 ** 4], ["0.95ⁿ·α0"]),
    ([0.4, 0.6, 0.8, 1.0], ["divide α0 by 1 + r·n"]),
    ([0.1, 0.0667, 0.05, 0.05], ["epoch 4 should be 0.04"]),
])
def test_ng_check_names_each_slip(answer, words):
    feedback = check_ng(answer, lr0=0.2, decay_rate=1.0)
    assert not feedback
    for word in words:
        assert word in feedback.message, feedback.message


def test_ng_check_counts_the_numbers_and_refuses_bad_settings():
    assert "you gave 3" in check_ng([0.1, 0.0667, 0.05], 0.2, 1.0).message
    assert not check_ng("abc", 0.2, 1.0)
    with pytest.raises(ValueError, match=r"decay_rate must be in \(0, inf\), got 0"):
        check_ng(SLIDE, 0.2, 0.0)
    with pytest.raises(ValueError, match=r"epochs must be a whole number >= 1, got 0"):
        check_ng(SLIDE, 0.2, 1.0, epochs=0)


def test_the_notebooks_ng_message_is_unchanged():
    assert str(check_ng([0.2, 0.1, 0.0667, 0.05], lr0=0.2, decay_rate=1.0)) == (
        "✘ Not yet. epoch 1 should be 0.1; you gave 0.2. Hint: you counted epochs from 0, so "
        "your\nfirst rate is α0 = 0.2; on the slide the first epoch is n = 1: α0/(1 + r) = 0.1.")


def test_schedule_colors_cover_every_schedule_the_chapter_draws():
    for name in ["constant", "1/(1+rn)", "exponential", "step", "inverse sqrt", "cosine",
                 "linear", "warm-up + cosine", "manual", "SGDR", "k/√n", "0.95ⁿ",
                 "linear warm-up"]:
        assert lrd.SCHEDULE_COLORS[name].startswith("#")
