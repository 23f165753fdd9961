"""Chapter 7 (bias correction): the companion ``gdlab.chapters.bias_correction``, its
exercise check, its explorer and the widget-plot exercise's explorer and verdict. Expected
values come from brute force or from running the optimizers, not from the formulas under
test."""

import warnings

import matplotlib
import numpy as np
import pytest
from explorer_checks import check_fast_frames
from matplotlib.figure import Figure

import gdlab
from gdlab.chapters import bias_correction

PNG = b"\x89PNG\r\n\x1a\n"


# -- check_corrected_averages ---------------------------------------------------------------
GRADS = [2.0, 1.0, 3.0]
# By hand: m1 = 0.2, m2 = 0.9*0.2 + 0.1*1 = 0.28, m3 = 0.9*0.28 + 0.1*3 = 0.552;
# divided by 1 - 0.9^t = 0.1, 0.19, 0.271.
RIGHT = [2.0, 0.28 / 0.19, 0.552 / 0.271]
check = bias_correction.check_corrected_averages


def test_check_accepts_the_right_answer_rounded():
    feedback = check([2, 1.474, 2.037], GRADS)
    assert feedback and "m̂3 = 2.037" in str(feedback)
    assert check(np.array(RIGHT), GRADS, beta=0.9)


def test_the_notebooks_two_messages_are_unchanged():
    """The chapter prints these; nbval compares them byte for byte."""
    assert str(check([0.2, 0.28, 0.552], grads=GRADS, beta=0.9)) == (
        "✘ Not yet. m̂1 should be 2; you gave 0.2. Hint: these are the raw averages m_t: "
        "divide\neach by 1 − β^t (at t = 1 that is 1 − 0.9 = 0.1), because the weights of a "
        "zero-started\naverage sum to 1 − β^t, not 1.")
    assert str(check([2, 1.474, 2.037], grads=GRADS, beta=0.9)) == (
        "✔ Correct. All match: m̂1 = 2, m̂2 = 1.474, m̂3 = 2.037. (The raw averages m_t were "
        "0.2,\n0.28, 0.552; the correction multiplied them by 10, 5.263, 3.69.)")


@pytest.mark.parametrize("answer, words", [
    ([0.2, 0.28, 0.552], ["m̂1 should be 2", "raw averages"]),
    ([float("inf"), 0.28 / 0.1, 0.552 / 0.19], ["1 − β^(t−1)"]),
    ([0.0, 0.28 / 0.1, 0.552 / 0.19], ["1 − β^(t−1)"]),
    ([0.2 / 0.19, 0.28 / 0.271, 0.552 / 0.3439], ["1 − β^(t+1)"]),
    ([2.0, 10.0, (0.9 * 10.0 + 0.3) / 0.271], ["m̂1 is right", "fed the corrected value"]),
    # no (1 - beta) on g: m = 2, 0.9*2 + 1 = 2.8, 0.9*2.8 + 3 = 5.52 before correcting
    ([2.0 / 0.1, 2.8 / 0.19, 5.52 / 0.271], ["weighted by (1 − β)"]),
    ([2.0, 1.474, 2.5], ["m̂1 and m̂2 are right", "m̂3 should be 2.037"]),
])
def test_check_diagnoses_the_usual_slips(answer, words):
    feedback = check(answer, GRADS)
    assert not feedback
    for word in words:
        assert word in feedback.message, feedback.message


def test_a_hint_replaces_the_note_about_later_values():
    hinted = check([0.2, 0.28, 0.552], GRADS).message
    assert "Hint:" in hinted and "Later values" not in hinted
    plain = check([2.0, 1.0, 1.0], GRADS).message
    assert plain == ("m̂1 is right. m̂2 should be 1.474; you gave 1. "
                     "(Later values follow from it, so fix this one first.)")
    last = check([2.0, 1.474, 2.5], GRADS).message    # the last value: nothing follows from it
    assert "Hint" not in last and "Later" not in last


def test_the_one_power_short_hint_ignores_t_1_and_needs_two_values():
    shifted = [0.28 / 0.1, 0.552 / 0.19]
    for anything in [-7.0, 2.0 / 0.19, float("nan")]:      # m̂1 is not held against it
        assert "1 − β^(t−1)" in check([anything] + shifted, GRADS).message
    assert "1 − β^(t−1)" not in check([0.0, shifted[0], 1.0], GRADS).message
    # one gradient: nothing from t = 2 on to compare, so no hint (an empty match would give one)
    assert check([5.0], [2.0]).message == "m̂1 should be 2; you gave 5."


def test_the_undamped_slip_is_heavy_ball_momentum_and_the_answer_its_ewma_form():
    """The wrong variant is gdlab.Momentum's velocity (v = βv + g), the right one the
    velocity of Momentum(ewma=True) (v = βv + (1 − β)g), each divided by 1 − β^t."""
    grads = [0.5, -1.5, 2.0, 4.0]
    t = np.arange(1, 5)

    def corrected_velocities(**flags):
        velocities = -np.diff(gdlab.replay(gdlab.Momentum(lr=1.0, beta=0.8, **flags), grads),
                              axis=0)[:, 0]
        return velocities / (1 - 0.8 ** t)

    assert check(corrected_velocities(ewma=True), grads, beta=0.8)
    feedback = check(corrected_velocities(), grads, beta=0.8)
    assert not feedback and "weighted by (1 − β), not 1" in feedback.message


def test_the_success_message_shows_the_library_factors():
    message = check(RIGHT, GRADS).message
    factors = ", ".join(f"{gdlab.bias_correction_factor(0.9, t):.4g}" for t in (1, 2, 3))
    assert message.endswith(f"the correction multiplied them by {factors}.)")
    # β = 0: no averaging, the factor is 1 and the average is the gradient itself
    assert check(GRADS, GRADS, beta=0.0).message.endswith("multiplied them by 1, 1, 1.)")


def test_check_reports_shape_problems_and_rejects_bad_setup():
    assert "3 numbers" in str(check([2.0, 1.47], GRADS))
    assert "3 numbers" in str(check("two", GRADS))
    with pytest.raises(ValueError, match="beta"):
        check(RIGHT, GRADS, beta=1.0)
    with pytest.raises(ValueError, match="grads"):
        check([], [])


# -- the explorer -----------------------------------------------------------------------------
def noisy_constant_compute(mean=1.0, noise=0.5, seed=0, horizon=1000):
    """The notebook's compute step (the same lines, on a series of the given kind)."""
    series = mean + noise * np.random.default_rng(seed).standard_normal(horizon)

    def compute(beta, t):
        weights = gdlab.ewma_weights(beta, t)
        return {"weights": weights,
                "weight_sum": weights.sum(),
                "factor": gdlab.bias_correction_factor(beta, t),
                "data": series[:t],
                "raw": gdlab.ewma(series[:t], beta),
                "corrected": gdlab.ewma(series[:t], beta, bias_correction=True)}
    return compute


def explorer(compute=None, **kwargs):
    return bias_correction.explorer(compute or noisy_constant_compute(), **kwargs)


def drawn(e, **values):
    """The axes of the whole picture ``e`` draws at ``values`` (a rendered frame keeps only
    its unchanging parts in ``e.figure``: the titles go back to setup's)."""
    values = {**e.start, **values}
    return e.draw_into(Figure(), e.result(**values), **values).axes


def test_frames_are_drawn_fast_and_equal_whole_draws():
    check_fast_frames(explorer())


def test_explorer_result_is_the_zero_started_ewma():
    e = explorer(noisy_constant_compute(seed=1))
    assert e.start == {"beta": 0.9, "t": 10}
    assert len(e.controls["beta"]) * len(e.controls["t"]) <= 40
    r = e.result(beta=0.9, t=10)
    assert r["weight_sum"] == pytest.approx(1 - 0.9 ** 10)
    assert r["factor"] == pytest.approx(1 / (1 - 0.9 ** 10))
    assert len(r["weights"]) == 10 and r["weights"][-1] == pytest.approx(0.1)
    # the raw average is the weighted sum of the data, step by step
    v = 0.0
    for k, g in enumerate(r["data"], start=1):
        v = 0.9 * v + 0.1 * g
        assert r["raw"][k - 1] == pytest.approx(v)
        assert r["corrected"][k - 1] == pytest.approx(v / (1 - 0.9 ** k))
    assert r["raw"][-1] == pytest.approx(np.dot(r["weights"], r["data"]))
    # the corrected average is the data's weighted mean: with β = 0.999 at t = 30 almost the
    # plain running mean (the notebook's "honest running mean"; was a result key before)
    early = e.result(beta=0.999, t=30)
    assert early["corrected"][-1] == pytest.approx(np.mean(early["data"]), abs=0.02)
    first = e.result(beta=0.999, t=1)
    assert first["corrected"][0] == pytest.approx(first["data"][0])   # exact at t = 1
    # the same seed gives the same data, whatever t
    assert np.array_equal(e.result(t=1000)["data"][:10], r["data"])


def test_the_notebooks_compute_gives_the_old_explorers_results():
    """The old companion drew 1 + 0.5·N(0, 1) with seed 0 for max(ts) = 1000 steps; the
    notebook's series is that one, so the chapter's numbers stay."""
    e = explorer()
    old_series = 1.0 + 0.5 * np.random.default_rng(0).standard_normal(1000)
    for beta, t in [(0.999, 1000), (0.5, 10), (0.9, 1)]:
        r = e.result(beta=beta, t=t)
        np.testing.assert_array_equal(r["data"], old_series[:t])
        np.testing.assert_array_equal(r["corrected"],
                                      gdlab.ewma(old_series[:t], beta, bias_correction=True))
    assert round(e.result(beta=0.999, t=1000)["weight_sum"], 3) == 0.632
    assert round(e.result(beta=0.5, t=10)["weight_sum"], 3) == 0.999


def test_explorer_factor_is_the_library_factor_even_at_beta_0():
    e = explorer(betas=(0.0, 0.5, 0.9), ts=(1, 3, 10))
    for beta in e.controls["beta"]:
        for t in e.controls["t"]:
            r = e.result(beta=beta, t=t)
            assert r["factor"] == gdlab.bias_correction_factor(beta, t)
            assert r["factor"] * r["weight_sum"] == pytest.approx(1.0)
    assert e.result(beta=0.0, t=3)["factor"] == 1.0


def test_explorer_start():
    assert explorer(start={"t": 100}).start == {"beta": 0.9, "t": 100}
    assert explorer(start={"beta": 0.5, "t": 1}).start == {"beta": 0.5, "t": 1}
    assert explorer(start={"beta": None}).start == {"beta": 0.99, "t": 10}   # None: middle
    # the preferred 0.9 and 10, wherever they stand in the lists (the middle is 0.99 and 100)
    preferred = explorer(ts=(1, 10, 100, 1000, 3000),
                         compute=noisy_constant_compute(horizon=3000))
    assert preferred.start == {"beta": 0.9, "t": 10}
    # 0.9 and 10 not listed: the middle values
    e = explorer(betas=(0.5, 0.99, 0.999), ts=(1, 2, 5, 30))
    assert e.start == {"beta": 0.99, "t": 5}
    assert e.result()["weight_sum"] == pytest.approx(1 - 0.99 ** 5)
    # the first picture is drawn at the start values
    started = explorer(betas=(0.5, 0.9), ts=(1, 30), start={"beta": 0.5, "t": 30})
    assert started.render().startswith(PNG)
    assert drawn(started)[0].get_title().replace("\n", " ").startswith("β = 0.5, t = 30:")


def test_explorer_with_noise_free_data_is_exact_after_correction():
    e = explorer(noisy_constant_compute(mean=2.5, noise=0.0), mean=2.5)
    for beta in e.controls["beta"]:
        r = e.result(beta=beta, t=30)
        np.testing.assert_allclose(r["corrected"], 2.5)
        assert r["raw"][-1] == pytest.approx(2.5 * (1 - beta ** 30))
    e.render(beta=0.9, t=30)
    averages = e.figure.axes[1]
    assert averages.get_ylim() == pytest.approx((-0.0625, 2.5 + 1.6 * 1.25))   # 0.5·|mean|


def test_explorer_renders_png_frames_without_warnings_in_the_book_style():
    with matplotlib.rc_context(), warnings.catch_warnings():
        warnings.simplefilter("error")          # e.g. a layout engine switched on by savefig
        gdlab.plots.use_book_style()            # constrained layout in the rcParams
        e = explorer(betas=(0.9, 0.999), ts=(1, 50))
        assert e.render(beta=0.9, t=1).startswith(PNG)
        assert e.render(beta=0.999, t=50).startswith(PNG)
        assert e.to_html().count("iVBOR") >= 4


def test_explorer_frames_keep_their_titles_and_fixed_axes():
    e = explorer(betas=(0.9,), ts=(5, 1000))
    y_ranges, places = set(), set()
    for t in (5, 1000):
        assert e.render(t=t).startswith(PNG)
        weights, averages = drawn(e, t=t)
        assert weights.get_title().replace("\n", " ").startswith(f"β = 0.9, t = {t}: the weights sum to")
        assert averages.get_title().replace("\n", " ").startswith(f"At t = {t}: raw ")
        assert averages.get_xscale() == "log" and weights.get_xlabel() == "point $i$"
        places.add(tuple(np.round(e.figure.axes[0].get_position().bounds, 3)))
        y_ranges.add(averages.get_ylim())
    # one y range for all frames, from the data at the largest t: about 3 std around the mean
    (low, high), = y_ranges
    assert len(places) == 1   # the same axes places for every t: the scrubber does not jitter
    spread = 3 * np.std(e.result(t=1000)["data"])
    assert spread == pytest.approx(1.5, rel=0.05)
    assert (low, high) == pytest.approx((1.0 - spread - 0.05 * spread, 1.0 + 1.6 * spread))


class Recording(dict):
    """A result dict that remembers which keys were read."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.read = set()

    def __getitem__(self, key):
        self.read.add(key)
        return super().__getitem__(key)


def test_the_docstrings_contract_is_what_draw_reads():
    """compute gets exactly the keywords beta and t; draw reads exactly the keys the
    docstring lists, and nothing a result has beyond them."""
    calls, results = [], []
    compute = noisy_constant_compute()

    def recording_compute(**values):
        calls.append(values)
        results.append(Recording(compute(**values), extra="never read"))
        return results[-1]

    e = explorer(recording_compute, betas=(0.5, 0.9), ts=(3, 30))
    assert calls == [{"beta": 0.9, "t": 30},     # the start values, when built,
                     {"beta": 0.5, "t": 30}]     # and the check at the largest t
    e.render(beta=0.9, t=3)
    assert calls[-1] == {"beta": 0.9, "t": 3}
    assert all(set(call) == {"beta", "t"} for call in calls)
    assert isinstance(calls[-1]["beta"], float) and isinstance(calls[-1]["t"], int)
    keys = set(bias_correction.RESULT_ARRAYS + bias_correction.RESULT_NUMBERS)
    assert results[-1].read == keys
    documented = {key for key in keys if f"* ``{key}``" in bias_correction.explorer.__doc__
                  or f"``{key}``:" in bias_correction.explorer.__doc__}
    assert documented == keys == {"weights", "weight_sum", "factor", "data", "raw",
                                  "corrected"}
    # a compute that returns exactly the documented keys (plain lists and floats) is enough
    minimal = explorer(lambda beta, t: {"weights": [0.5] * t, "weight_sum": 0.5 * t,
                                        "factor": 2.0 / t, "data": [1.0] * t,
                                        "raw": [0.5] * t, "corrected": [1.0] * t},
                       betas=(0.5,), ts=(1, 2))
    assert minimal.render(t=2).startswith(PNG)


@pytest.mark.parametrize("result, words", [
    (lambda beta, t: [1.0] * t, ["must return a dict", "weights", "got list"]),
    (lambda beta, t: {"weights": np.ones(t), "data": np.ones(t)},
     ["lacks raw, corrected, weight_sum, factor"]),
    (lambda beta, t: {**noisy_constant_compute()(beta, t), "data": np.ones(t - 1)},
     ["result['data']", "t = 1000 values", "got 999"]),
    (lambda beta, t: {**noisy_constant_compute()(beta, t), "raw": np.ones((t, 2))},
     ["result['raw']", "1-D"]),
    (lambda beta, t: {**noisy_constant_compute()(beta, t), "factor": np.ones(t)},
     ["result['factor']", "real number"]),
    (lambda beta, t: {**noisy_constant_compute()(beta, t), "corrected": np.full(t, np.nan)},
     ["result['corrected']", "finite"]),
])
def test_a_compute_with_the_wrong_result_is_reported_when_the_explorer_is_built(result, words):
    with pytest.raises(ValueError) as error:
        explorer(result)
    for word in words:
        assert word in str(error.value), str(error.value)


def test_a_wrong_result_at_a_smaller_t_is_reported_when_that_frame_is_drawn():
    full = noisy_constant_compute()

    def short_at_t_5(beta, t):       # right at the largest t, one point short at t = 5
        r = full(beta, t)
        return r if t != 5 else {**r, "weights": r["weights"][:-1]}

    e = explorer(short_at_t_5, betas=(0.9,), ts=(1, 5, 10))
    assert e.render(t=1).startswith(PNG)
    with pytest.raises(ValueError, match=r"result\['weights'\] must hold t = 5 values"):
        e.render(t=5)
    # too short a series for the lists: caught at once, naming the largest t
    with pytest.raises(ValueError, match="t = 3000 values"):
        explorer(ts=(1, 3000))


@pytest.mark.parametrize("kwargs, words", [
    (dict(betas=(0.9, 1.0)), ["betas[1]", "[0, 1)"]),
    (dict(ts=(1, 0)), ["ts[1]", ">= 1"]),
    (dict(ts=()), ["controls['t']", "at least one value"]),
    (dict(betas=()), ["controls['beta']", "at least one value"]),
    (dict(betas=(0.9, float("nan"))), ["betas[1]", "finite real number", "nan"]),
    (dict(ts=(1, 2.5)), ["ts[1]", "whole number >= 1", "2.5"]),
    (dict(mean=float("nan")), ["mean"]),
    (dict(start={"t": 7}), ["start['t']", "[1, 2, 5, 10, 30, 100, 1000]"]),
    (dict(start={"lr": 0.1}), ["'lr'", "not a control"]),
    (dict(betas=(0.1, 0.2, 0.3, 0.4, 0.5, 0.6), ts=tuple(range(1, 9))), ["max_frames"]),
    (dict(compute="average"), ["compute must be a function", "'average'"]),
])
def test_explorer_rejects_bad_input(kwargs, words):
    compute = kwargs.pop("compute", noisy_constant_compute())
    with pytest.raises(ValueError) as error:
        bias_correction.explorer(compute, **kwargs)
    for word in words:
        assert word in str(error.value)


def test_bad_lists_are_rejected_before_compute_runs():
    def never(beta, t):
        raise AssertionError("compute ran")

    for kwargs in [dict(betas=(1.5,)), dict(ts=(0,)), dict(ts=()), dict(mean="one")]:
        with pytest.raises(ValueError):
            bias_correction.explorer(never, **kwargs)


# -- explorer 2: the widget-plot exercise -------------------------------------------------------
GRADS_10 = 1.0 + 0.5 * np.random.default_rng(0).standard_normal(10)   # the notebook's grads
MULTIPLIERS = [0.1, 0.15, 0.2, 0.25, 0.3, 0.316, 0.5, 1.0]


def step_compute(c, steps=10):
    """The notebook's compute: step lengths of Adam (α = 0.1) and uncorrected Adam (c·α)."""
    grads = GRADS_10[:steps]
    corrected = gdlab.replay(gdlab.Adam(lr=0.1), grads)
    uncorrected = gdlab.replay(gdlab.Adam(lr=0.1 * c, bias_correction=False), grads)
    return {"corrected": np.abs(np.diff(corrected[:, 0])),
            "uncorrected": np.abs(np.diff(uncorrected[:, 0]))}


def by_hand_ratio(t):
    """(1 − 0.9^t)/√(1 − 0.999^t), written out: the uncorrected step over the corrected."""
    return (1 - 0.9 ** t) / (1 - 0.999 ** t) ** 0.5


def step_explorer(compute=step_compute, multipliers=MULTIPLIERS, **kwargs):
    return bias_correction.step_explorer(compute, multipliers, **kwargs)


@pytest.mark.parametrize("ratios, band, ok, verdict", [
    ([0.4, 1.0, 1.5], 2.0, False,
     "too small: step 1 is 0.40×\nthe corrected step (< 0.5×): raise c"),
    ([1.0, 2.5, 1.5], 2.0, False,
     "too large: step 2 is 2.50×\nthe corrected step (> 2×): lower c"),
    ([0.5, 2.0, 1.0], 2.0, True,           # the band's edges count as on target
     "on target: 0.50× (step 1) to\n2.00× (step 2) the corrected step"),
    ([0.7, 1.0, 1.5], 1.25, False,
     "no c fits: step 1 is 0.70× (< 0.8×),\nstep 3 is 1.50× (> 1.25×)"),
])
def test_step_verdict_for_each_case(ratios, band, ok, verdict):
    """On target, too small, too large, and both at once (no single c can fix that)."""
    corrected = [0.1, 0.2, 0.3]
    result = {"corrected": corrected, "uncorrected": np.multiply(ratios, corrected)}
    assert bias_correction.step_verdict(result, band) == (ok, verdict)


@pytest.mark.parametrize("c, ok, start", [
    (0.15, False, "too small: step 1 is 0.47×"),   # 0.15·√10 = 0.474 < 0.5
    (0.2, True, "on target: 0.63× (step 1)"),      # 0.2·√10 = 0.632
    (0.3, True, "on target: 0.95× (step 1) to\n1.96× (step 10)"),   # 0.3·6.528 = 1.958
    (0.316, False, "too large: step 10 is 2.06×"),  # step 1 right, 0.316·6.528 = 2.063
    (1.0, False, "too large: step 10 is 6.53×"),
])
def test_step_verdict_on_the_notebooks_runs(c, ok, start):
    assert round(0.15 * 10 ** 0.5, 3) == 0.474 and round(0.316 * by_hand_ratio(10), 3) == 2.063
    got_ok, verdict = bias_correction.step_verdict(step_compute(c))
    assert got_ok is ok and verdict.startswith(start), verdict
    r = step_compute(c)
    np.testing.assert_allclose(r["uncorrected"] / r["corrected"],
                               c * by_hand_ratio(np.arange(1, 11)), rtol=1e-5)


def test_step_explorer_shows_the_attempt_against_the_target():
    e = step_explorer(start={"c": 0.25})
    assert e.render().startswith(PNG)
    ax, = drawn(e)
    assert ax.get_title() == "Adam's first steps, uncorrected at c = 0.25"
    verdict, = ax.texts
    assert verdict.get_text() == "on target: 0.79× (step 1) to\n1.63× (step 10) the corrected step"
    green = matplotlib.colors.to_rgba("#009E73")
    assert verdict.get_bbox_patch().get_edgecolor()[:3] == pytest.approx(green[:3])
    r = e.result()
    corrected, uncorrected = ax.get_lines()   # the attempt in black, the corrected in Adam's
    np.testing.assert_array_equal(corrected.get_ydata(), r["corrected"])
    np.testing.assert_array_equal(uncorrected.get_ydata(), r["uncorrected"])
    assert corrected.get_color() == gdlab.plots.color_of("Adam")
    assert uncorrected.get_color() == "black"
    band, = ax.collections                    # the target: corrected / 2 to corrected * 2
    ys = band.get_paths()[0].vertices[:, 1]
    assert ys.min() == pytest.approx(r["corrected"].min() / 2)
    assert ys.max() == pytest.approx(r["corrected"].max() * 2)
    assert [t.get_text() for t in ax.get_legend().texts] == [
        "target: 0.5× to 2×", "corrected Adam, α", "uncorrected Adam, c·α"]
    missed, = drawn(e, c=1.0)                 # a miss: the verdict says which way, boxed black
    assert missed.get_title().endswith("c = 1")
    assert missed.texts[0].get_text().endswith("lower c")
    assert missed.texts[0].get_bbox_patch().get_edgecolor()[:3] == pytest.approx((0, 0, 0))
    assert e.render(c=0.1).startswith(PNG)


@pytest.mark.parametrize("kwargs, words", [
    (dict(multipliers=[]), "multipliers must list at least one value, got none"),
    (dict(multipliers=[0.1, 0.0]), r"multipliers\[1\] must be in \(0, inf\), got 0"),
    (dict(multipliers=[0.1, float("nan")]), r"multipliers\[1\] must be a finite real number"),
    (dict(band=1.0), r"band must be in \(1, inf\), got 1"),
    (dict(compute="Adam"), "compute must be a function of c, got 'Adam'"),
    (dict(multipliers=list(np.linspace(0.1, 1.0, 17))), "max_frames"),
    (dict(compute=lambda c: [0.1, 0.2]), "compute must return a dict with 'corrected' and "
                                         "'uncorrected'.*got list"),
    (dict(compute=lambda c: {"corrected": [0.1]}), "got dict with keys 'corrected'"),
    (dict(compute=lambda c: {"corrected": [0.1, 0.1], "uncorrected": [0.1]}),
     "the same number .* got 2 and 1"),
    (dict(compute=lambda c: {"corrected": [], "uncorrected": []}), "got 0 and 0"),
    (dict(compute=lambda c: {"corrected": [0.1, 0.0], "uncorrected": [0.1, 0.1]}),
     r"step lengths must be positive \(they are drawn on a log scale\), got 0"),
    (dict(compute=lambda c: {"corrected": [0.1, 0.1], "uncorrected": [0.1, -0.1]}),
     "step lengths must be positive .*got -0.1"),
    (dict(compute=lambda c: {"corrected": [[0.1]], "uncorrected": [[0.1]]}),
     r"result\['corrected'\] must be a 1-D array"),
])
def test_step_explorer_refuses_bad_input(kwargs, words):
    with pytest.raises(ValueError, match=words):
        step_explorer(**kwargs)


def test_step_explorer_refuses_bad_lists_before_compute_runs_and_odd_frames_when_drawn():
    def never(c):
        raise AssertionError("compute ran")

    for kwargs in [dict(multipliers=[]), dict(multipliers=[-1.0]), dict(band=0.5)]:
        with pytest.raises(ValueError):
            step_explorer(never, **kwargs)
    # 10 steps at the start, 5 at c = 0.5: caught when that frame is drawn, before drawing
    e = step_explorer(lambda c: step_compute(c, steps=5 if c == 0.5 else 10),
                      multipliers=[0.25, 0.5], start={"c": 0.25})
    with pytest.raises(ValueError, match="compute returned 5 steps here but 10 at the start"):
        e.render(c=0.5)
    with pytest.raises(ValueError, match=r"band must be in \(1, inf\)"):
        bias_correction.step_verdict(step_compute(0.25), band=1.0)


def test_step_explorer_frames_are_drawn_fast_and_equal_whole_draws():
    check_fast_frames(step_explorer(start={"c": 1.0}))


# -- check_adam_corrections: exercise 7, the corrections in an Adam class -------------------------
class LearnersAdam:
    """Adam as a learner writes it ("Deep Learning from Scratch" style), with switchable slips:
    ``fix`` names the averages corrected, ``write_back`` stores m̂, v̂ in m, v, ``t_from_0``
    corrects with the step count before adding 1."""

    def __init__(self, lr, beta1, beta2, eps, fix="mv", write_back=False, t_from_0=False):
        self.lr, self.beta1, self.beta2, self.eps = lr, beta1, beta2, eps
        self.fix, self.write_back, self.t_from_0 = fix, write_back, t_from_0
        self.m, self.v, self.t = {}, {}, 0

    def update(self, params, grads):
        self.t += 0 if self.t_from_0 else 1
        for key in params:
            g = grads[key]
            self.m[key] = self.beta1 * self.m.get(key, 0.0) + (1 - self.beta1) * g
            self.v[key] = self.beta2 * self.v.get(key, 0.0) + (1 - self.beta2) * g * g
            m_hat = self.m[key] / (1 - self.beta1 ** self.t) if "m" in self.fix else self.m[key]
            v_hat = self.v[key] / (1 - self.beta2 ** self.t) if "v" in self.fix else self.v[key]
            if self.write_back:
                self.m[key], self.v[key] = m_hat, v_hat
            params[key] -= self.lr * m_hat / (np.sqrt(v_hat) + self.eps)
        self.t += 1 if self.t_from_0 else 0


def learner(**slip):
    return lambda **hyperparameters: LearnersAdam(**hyperparameters, **slip)


def test_check_adam_corrections_passes_the_right_class():
    feedback = bias_correction.check_adam_corrections(learner())
    assert feedback and feedback.message.startswith("All match: θ_1 = (-1.4, 2.1)")
    # by hand: the first corrected step is α·sign(g_1) per coordinate, g_1 = (−155, −50)
    np.testing.assert_allclose(gdlab.rosenbrock.grad(np.array([-1.5, 2.0])), [-155.0, -50.0])


@pytest.mark.parametrize("slip, wrong, words", [
    (dict(write_back=True), "θ_2", "the correction compounds"),
    (dict(fix=""), "θ_1", "no correction at all"),
    (dict(fix="m"), "θ_1", "only m is corrected"),
    (dict(fix="v"), "θ_1", "only v is corrected"),
    (dict(t_from_0=True), "After update 1", "count t from 1"),
])
def test_check_adam_corrections_names_each_slip(slip, wrong, words):
    with warnings.catch_warnings():
        warnings.simplefilter("error")        # the t = 0 slip divides by 0 without a warning
        feedback = bias_correction.check_adam_corrections(learner(**slip))
    assert not feedback and wrong in feedback.message and words in feedback.message, feedback
    assert feedback.message.count("Hint:") == 1


def test_the_write_back_slip_is_right_at_the_first_step_and_compounds_after():
    feedback = bias_correction.check_adam_corrections(learner(write_back=True))
    assert "θ_1 is right. θ_2 is wrong" in feedback.message
    # by hand, one coordinate: after step 1 the slip stores m̂_1 = g_1, not m_1 = 0.1·g_1
    slip = LearnersAdam(0.1, 0.9, 0.999, 1e-8, write_back=True)
    slip.update({"theta": np.array([0.0])}, {"theta": np.array([2.0])})
    assert slip.m["theta"][0] == pytest.approx(2.0) and slip.v["theta"][0] == pytest.approx(4.0)


def test_check_adam_corrections_reports_a_class_that_raises_or_cannot_be_made():
    class Broken:
        def __init__(self, lr, beta1, beta2, eps):
            pass

        def update(self, params, grads):
            raise KeyError("m")

    raised = bias_correction.check_adam_corrections(Broken)
    assert not raised and raised.message == "Your optimizer raised KeyError in update 1: 'm'"
    made = bias_correction.check_adam_corrections(lambda lr: None)   # lacks beta1, ...
    assert not made and "raised TypeError when it was made" in made.message
