"""Tests for chapter 2's companion, ``gdlab.chapters.ewma``: the explorer, the widget-plot
exercise (``lag_explorer``, ``lag_verdict``) and the checks
``check_ewma_values`` and ``check_beta_for_window``."""

import base64
import inspect
from pathlib import Path

import nbformat
import numpy as np
import pytest
from matplotlib.figure import Figure

import gdlab
from explorer_checks import check_fast_frames
from gdlab import data
from gdlab.chapters import ewma

PNG = b"\x89PNG"
ROOT = Path(__file__).resolve().parents[2]


def _recursion(series, beta):
    v, out = 0.0, []
    for theta in series:
        v = beta * v + (1 - beta) * theta
        out.append(v)
    return np.array(out)


def _no_damping(series, beta):
    """The old check's own loop for the slip V_t = βV_{t−1} + θ_t."""
    v, out = 0.0, []
    for theta in series:
        v = beta * v + theta
        out.append(v)
    return np.array(out)


# -- the explorer ---------------------------------------------------------------------------
def notebook_compute(temps, truth):
    """The notebook's compute step (the explorer cell of chapter 2), over ``temps``/``truth``:
    the same lines on purpose, so that these tests test the notebook's code."""
    def compute(beta, bias_correction):
        """The EWMA of the year for one setting, and its RMS error against the true curve."""
        average = gdlab.ewma(temps, beta, bias_correction=bias_correction)
        # One number for both faults: noise left (small β) and lag behind the seasons (large β).
        rms_error = np.sqrt(np.mean((average - truth) ** 2))
        return {"average": average, "rms_error": rms_error}
    return compute


def averaging(series):
    """A compute without a true curve: only the key ``"average"``."""
    return lambda beta, bias_correction: {
        "average": gdlab.ewma(series, beta, bias_correction=bias_correction)}


@pytest.fixture(scope="module")
def explorer():
    series = data.seasonal_series(120)
    truth = data.seasonal_trend(120)
    return ewma.explorer(notebook_compute(series, truth), [0.5, 0.9, 0.98], series,
                         truth=truth, zoom=30, start={"beta": 0.9}), series, truth


def _drawn(ex, **values):
    """The figure ``ex`` draws for ``values`` (drawn afresh: ``render`` caches its PNGs)."""
    values = {**ex.start, **values}
    figure = Figure(figsize=(9.0, 5.6))
    ex.draw_into(figure, ex.result(**values), **values)
    return figure


def test_frames_are_drawn_fast_and_equal_whole_draws(explorer):
    ex, _, _ = explorer
    check_fast_frames(ex)


def test_explorer_result_is_the_recursion(explorer):
    ex, series, truth = explorer
    assert np.allclose(ex.result()["average"], _recursion(series, 0.9))          # the start β
    assert np.allclose(ex.result(beta=0.5, bias_correction=False)["average"],
                       _recursion(series, 0.5))
    corrected = ex.result(beta=0.98, bias_correction=True)["average"]
    t = np.arange(1, len(series) + 1)
    assert np.allclose(corrected, _recursion(series, 0.98) / (1 - 0.98 ** t))
    assert corrected[0] == pytest.approx(series[0])   # V̂_1 = θ_1
    expected = np.sqrt(np.mean((_recursion(series, 0.5) - truth) ** 2))
    assert ex.result(beta=0.5, bias_correction=False)["rms_error"] == pytest.approx(expected)


def test_explorer_title_reports_rms_error_against_truth(explorer):
    ex, series, truth = explorer
    titles = [ax.get_title().replace("\n", " ") for ax in _drawn(ex, beta=0.5, bias_correction=False).axes]
    expected = np.sqrt(np.mean((_recursion(series, 0.5) - truth) ** 2))
    assert any(f"RMS error vs true curve {expected:.2f}" in text for text in titles)
    assert any("window ≈ 1/(1−β) = 2 points" in text for text in titles)
    assert "The first 30 points: start-up" in titles


def test_explorer_panels_are_labeled(explorer):
    ex, series, truth = explorer
    year, weights, start_up = _drawn(ex, beta=0.9, bias_correction=True).axes
    labels = [t.get_text() for t in year.get_legend().get_texts()]
    assert labels == ["data $\\theta_t$", "EWMA (bias-corrected)", "true curve"]
    assert [t.get_text() for t in weights.get_legend().get_texts()] == ["1/(1−β) = 10"]
    assert [t.get_text() for t in start_up.get_legend().get_texts()] == [
        "data $\\theta_t$", "bias-corrected", "plain"]
    for ax in (year, weights, start_up):
        assert ax.get_xlabel() and ax.get_ylabel()
    faded = start_up.lines[2]                 # the other average, behind the one shown
    assert faded.get_alpha() == 0.5
    np.testing.assert_allclose(faded.get_ydata(), gdlab.ewma(series, 0.9)[:30])


def test_explorer_weights_panel_shows_the_library_weights(explorer):
    ex, _, _ = explorer
    weights = _drawn(ex, beta=0.5, bias_correction=False).axes[1]
    drawn = weights.collections[0].get_paths()[0].vertices[:, 1].max()
    assert drawn == pytest.approx(gdlab.ewma_weights(0.5, 1)[0])   # the newest point: 1 − β
    lines = [line for line in weights.lines if line.get_linestyle() == "--"]
    assert lines[0].get_xdata()[0] == pytest.approx(gdlab.effective_window(0.5))


def test_explorer_start_defaults_and_no_truth():
    ex = ewma.explorer(averaging([1.0, 2.0, 3.0]), [0.2, 0.4], [1.0, 2.0, 3.0])
    assert ex.start == {"beta": 0.4, "bias_correction": False}   # middle of the list, off
    assert np.allclose(ex.result()["average"], _recursion([1.0, 2.0, 3.0], 0.4))
    assert ex.render().startswith(PNG)
    titles = [ax.get_title().replace("\n", " ") for ax in _drawn(ex).axes]
    assert not any("RMS" in text for text in titles)   # no "rms_error", no error in the title


def test_explorer_start_picks_the_first_picture():
    betas, series = [0.2, 0.4, 0.6], [1.0, 2.0]
    compute = averaging(series)
    assert ewma.explorer(compute, betas, series, start={"beta": 0.6}).start == {
        "beta": 0.6, "bias_correction": False}
    on = ewma.explorer(compute, betas, series, start={"bias_correction": True})
    assert on.start == {"beta": 0.4, "bias_correction": True}
    np.testing.assert_allclose(on.result()["average"], [1.0, 1.44 / 0.84])   # V̂_1 = θ_1, V̂_2
    assert ewma.explorer(compute, betas, series, start={"beta": None}).start["beta"] == 0.4
    with pytest.raises(ValueError, match="start"):
        ewma.explorer(compute, betas, series, start={"beta": 0.5})
    with pytest.raises(ValueError, match="not a control"):
        ewma.explorer(compute, betas, series, start={"lr": 0.1})


def test_explorer_start_is_the_first_picture_drawn():
    """``start`` picks the frame the explorer shows first, in Jupyter and on the website."""
    series = data.seasonal_series(60)
    ex = ewma.explorer(averaging(series), [0.5, 0.9], series,
                       start={"beta": 0.5, "bias_correction": True})
    assert ex.render() == ex.render(beta=0.5, bias_correction=True)
    assert ex.render() != ex.render(beta=0.9, bias_correction=False)
    page = ex.to_html()
    first = page.split('src="data:image/png;base64,', 1)[1].split('"', 1)[0]
    assert base64.b64decode(first) == ex.render(beta=0.5, bias_correction=True)


def test_explorer_renders_png_and_html(explorer):
    ex, _, _ = explorer
    png = ex.render(beta=0.98, bias_correction=True)
    assert png.startswith(PNG)
    page = ex.to_html()
    assert page.count("iVBOR") >= 6          # base64 PNGs: 3 betas x 2 switch positions
    assert "bias_correction" in page


def test_explorer_rejects_bad_input():
    compute = averaging([1.0, 2.0, 3.0])
    with pytest.raises(ValueError, match="truth"):
        ewma.explorer(compute, [0.5], [1.0, 2.0, 3.0], truth=[1.0, 2.0])
    with pytest.raises(ValueError, match="series"):
        ewma.explorer(compute, [0.5], np.ones((3, 2)))
    with pytest.raises(ValueError, match=r"betas\[1\] must be in \[0, 1\), got 1.5"):
        ewma.explorer(compute, [0.5, 1.5], [1.0, 2.0, 3.0])   # before compute ever sees it
    with pytest.raises(ValueError, match=r"betas\[0\] must be a finite real number, got nan"):
        ewma.explorer(compute, [np.nan], [1.0, 2.0, 3.0])
    with pytest.raises(ValueError, match=r"controls\['beta'\] must list at least one value"):
        ewma.explorer(compute, [], [1.0, 2.0, 3.0])
    with pytest.raises(ValueError, match=r"^compute\(beta=0.5, bias_correction=False\) raised "
                                         r"ZeroDivisionError: division by zero"):
        ewma.explorer(lambda beta, bias_correction: 1 / 0, [0.5], [1.0, 2.0, 3.0])
    with pytest.raises(ValueError, match="combinations"):
        ewma.explorer(compute, list(np.linspace(0, 0.99, 31)), [1.0, 2.0, 3.0])
    with pytest.raises(ValueError, match="zoom"):
        ewma.explorer(compute, [0.5], [1.0, 2.0, 3.0], zoom=1)
    with pytest.raises(TypeError, match="compute must be a function"):
        ewma.explorer([1.0, 2.0, 3.0], [0.5], compute)          # the old order of arguments


def test_explorer_averages_the_series():
    series = gdlab.data.seasonal_series(100, seed=1)
    e = ewma.explorer(averaging(series), [0.5, 0.9, 0.98], series, start={"beta": 0.9})
    np.testing.assert_array_equal(e.result()["average"], gdlab.ewma(series, 0.9))
    np.testing.assert_array_equal(e.result(beta=0.98, bias_correction=True)["average"],
                                  gdlab.ewma(series, 0.98, bias_correction=True))
    assert e.render(beta=0.5, bias_correction=True).startswith(PNG)


@pytest.mark.parametrize("result, error, message", [
    (np.zeros(3), TypeError, "must return a dict with the key 'average'.*got ndarray"),
    ({"rms_error": 1.0}, ValueError, r"key 'average'.*got the keys \['rms_error'\]"),
    ({"average": np.zeros(3), "rms": 1.0}, ValueError, r"got the keys \['average', 'rms'\]"),
    ({"average": np.zeros(2)}, ValueError, r"one value per point of series, shape \(3,\), "
                                           r"got shape \(2,\)"),
    ({"average": np.zeros((3, 1))}, ValueError, "'average' must be a 1-D array"),
    ({"average": [0.0, np.nan, 1.0]}, ValueError, "'average' must contain only finite"),
    ({"average": np.zeros(3), "rms_error": "small"}, ValueError,
     "'rms_error' must be a finite real number"),
])
def test_explorer_reports_a_compute_that_breaks_the_contract(result, error, message):
    """A wrong result is reported when the explorer is built, before anything is drawn."""
    with pytest.raises(error, match=message):
        ewma.explorer(lambda beta, bias_correction: result, [0.5], [1.0, 2.0, 3.0])


def test_explorer_draws_what_the_contract_says():
    """``compute`` gets the control names as keyword arguments; draw shows ``"average"`` in
    the top panel and in the start-up panel, ``compute``'s average for the other switch
    position faded behind it, and ``"rms_error"`` in the title, as the docstring says."""
    calls = []

    def compute(*, beta, bias_correction):    # keyword arguments only, as the contract says
        calls.append((beta, bias_correction))
        level = 2.0 if bias_correction else 1.0
        return {"average": np.full(5, level), "rms_error": 1.234 if bias_correction else None}

    series = [1.0, 2.0, 3.0, 4.0, 5.0]
    ex = ewma.explorer(compute, [0.5, 0.9], series, truth=series, zoom=3)
    assert calls == [(0.9, False), (0.9, True)]            # the checks at the start β
    year, _, start_up = _drawn(ex, beta=0.5, bias_correction=True).axes
    assert calls[2:] == [(0.5, True), (0.5, False)]        # the one shown, then the other
    np.testing.assert_array_equal(year.lines[1].get_ydata(), np.full(5, 2.0))
    np.testing.assert_array_equal(start_up.lines[1].get_ydata(), np.full(3, 2.0))
    np.testing.assert_array_equal(start_up.lines[2].get_ydata(), np.full(3, 1.0))
    assert year.get_title().replace("\n", " ").endswith("; RMS error vs true curve 1.23")
    assert "RMS" not in _drawn(ex, beta=0.5, bias_correction=False).axes[0].get_title().replace("\n", " ")
    doc = ewma.explorer.__doc__
    for name in list(ex.controls) + ['"average"', '"rms_error"']:
        assert name in doc


def test_explorer_compute_is_the_notebooks():
    """The compute step above is the one in the notebook's explorer cell, line for line."""
    notebook = nbformat.read(ROOT / "chapters" / "02-ewma.ipynb", as_version=4)
    cell = next(c.source for c in notebook.cells if c.cell_type == "code"
                and "ewma.explorer(compute" in c.source)
    in_notebook = cell.split("\n\n", 1)[0].splitlines()
    here = inspect.getsource(notebook_compute).splitlines()[3:]
    assert [line.strip() for line in in_notebook] == [line.strip() for line in here[:-1]]


# -- explorer 2: the widget-plot exercise --------------------------------------------------
RISING = np.arange(1.0, 121.0)                                   # the trend s_t = t
READINGS = RISING + (data.seasonal_series() - data.seasonal_trend())[:120]
LAG_BETAS = [0.5, 0.7, 0.78, 0.82, 0.85, 0.88, 0.9, 0.95]


def lag_compute(beta):
    """The EWMA of the readings, and how far the EWMA of the trend alone trails the trend
    (in days, as it rises by 1 a day); by linearity the noise adds nothing to the lag."""
    return {"average": gdlab.ewma(READINGS, beta), "lag": RISING - gdlab.ewma(RISING, beta)}


def lag_explorer(**changes):
    """The notebook's explorer (or one with ``changes`` to its arguments)."""
    args = dict(compute=lag_compute, betas=LAG_BETAS, series=READINGS, trend=RISING,
                target=5, tolerance=1, start={"beta": 0.5})
    return ewma.lag_explorer(**{**args, **changes})


def test_lag_is_the_straight_line_law():
    """On the line s_t = t, from V_0 = 0 = s_0, the lag is β(1 − β^t)/(1 − β): β on day 1,
    β/(1 − β) in the end; and the noise adds nothing to it (the EWMA is linear)."""
    t = np.arange(1, 121)
    for beta in (0.5, 0.85, 0.95):
        result = lag_compute(beta)
        np.testing.assert_allclose(result["lag"], beta * (1 - beta ** t) / (1 - beta),
                                   rtol=1e-12)
        noise_part = gdlab.ewma(READINGS - RISING, beta)
        np.testing.assert_allclose(RISING - (result["average"] - noise_part), result["lag"],
                                   atol=1e-9)


@pytest.mark.parametrize("beta, ok, verdict", [
    (0.5, False, "too little lag: 1.0 days (target 4 to 6),\nit smooths less than it may: "
                 "raise β"),
    (0.78, False, "too little lag: 3.5 days (target 4 to 6),"),          # 0.78/0.22 = 3.55
    (0.82, True, "on target: lags 4.6 days\n(target 4 to 6)"),           # 0.82/0.18 = 4.56
    (0.85, True, "on target: lags 5.7 days\n(target 4 to 6)"),           # 0.85/0.15 = 5.67
    (0.88, False, "too much lag: 7.3 days (target 4 to 6),\nit reports too late: lower β"),
    (0.95, False, "too much lag: 19.0 days (target 4 to 6),"),           # 19(1 − 0.95^120)
])
def test_lag_verdict_for_each_case(beta, ok, verdict):
    got_ok, got = ewma.lag_verdict(lag_compute(beta), target=5, tolerance=1)
    assert got_ok is ok and got.startswith(verdict), got


def test_lag_verdict_counts_the_band_edges_as_on_target():
    for lag, ok in [(3.99, False), (4.0, True), (6.0, True), (6.01, False)]:
        result = {"average": READINGS, "lag": np.full(120, lag)}
        assert ewma.lag_verdict(result, 5, 1)[0] is ok, lag
    assert ewma.lag_verdict({"average": READINGS, "lag": np.full(120, 8.0)}, 10, 3)[0]
    with pytest.raises(ValueError, match=r"tolerance must be in \(0, 5\), got 5"):
        ewma.lag_verdict(lag_compute(0.85), 5, 5)
    with pytest.raises(ValueError, match=r"'average' must hold .* \(one or more\)"):
        ewma.lag_verdict({"average": [], "lag": []})


def _lag_drawn(e, **values):
    """The figure of one whole frame of ``e`` (a rendered frame keeps only the static parts)."""
    values = {**e.start, **values}
    return e.draw_into(Figure(figsize=(8.0, 3.6)), e.result(**values), **values)


def test_lag_explorer_shows_the_attempt_against_the_target():
    e = lag_explorer(start={"beta": 0.85})
    assert e.render().startswith(PNG)
    data_ax, lag_ax = _lag_drawn(e).axes
    # the attempt: the EWMA of the readings (left), its lag at every step (right)
    np.testing.assert_allclose(data_ax.get_lines()[-1].get_ydata(), gdlab.ewma(READINGS, 0.85))
    np.testing.assert_allclose(lag_ax.get_lines()[-1].get_ydata(), lag_compute(0.85)["lag"])
    # the target: the trend 4 to 6 days late (left), the band 4..6 with 5 dashed (right)
    band = data_ax.collections[0].get_paths()[0].vertices[:, 1]
    assert band.min() == pytest.approx(RISING[0]) and band.max() == pytest.approx(RISING[-1] - 4)
    span, = lag_ax.patches
    assert (span.get_y(), span.get_y() + span.get_height()) == (4, 6)
    assert list(lag_ax.get_lines()[0].get_ydata()) == [5, 5]
    assert [t.get_text() for t in data_ax.get_legend().get_texts()] == [
        "data $\\theta_t$", "trend", "target: 4–6 days late", "EWMA"]
    # the verdict, and the titles
    assert [t.get_text() for t in lag_ax.texts] == ["on target: lags 5.7 days\n(target 4 to 6)"]
    assert lag_ax.get_title() == "Lag of the EWMA, β = 0.85"
    assert data_ax.get_title() == "The last 30 days" and data_ax.get_xlim() == (90.5, 120.5)
    too_late = _lag_drawn(e, beta=0.95).axes[1]
    assert too_late.texts[0].get_text().endswith("lower β")
    assert max(too_late.get_lines()[-1].get_ydata()) < too_late.get_ylim()[1] / 1.3


def test_lag_explorer_target_band_follows_any_rising_trend():
    """The band is the trend ``target`` ± ``tolerance`` days late, read off the trend."""
    trend = 0.01 * RISING ** 2
    e = lag_explorer(series=trend, trend=trend,
                     compute=lambda beta: {"average": trend, "lag": np.full(120, 5.0)})
    band = _lag_drawn(e).axes[0].collections[0].get_paths()[0].vertices[:, 1]
    assert band.max() == pytest.approx(0.01 * 116 ** 2)


@pytest.mark.parametrize("changes, error, message", [
    ({"betas": []}, ValueError, "betas must list at least one β, got none"),
    ({"betas": [0.5, 1.0]}, ValueError, r"betas\[1\] must be in \[0, 1\), got 1"),
    ({"betas": list(np.linspace(0.5, 0.95, 17))}, ValueError, "max_frames allows 16"),
    ({"series": READINGS[:, None]}, ValueError, r"series must be a 1-D array, got shape"),
    ({"trend": RISING[:-1]}, ValueError, r"series and trend must hold the same number of "
                                         r"points, 2 or more, got shapes \(120,\) and \(119,\)"),
    ({"series": [], "trend": []}, ValueError, r"2 or more, got shapes \(0,\) and \(0,\)"),
    ({"trend": RISING * np.nan}, ValueError, "trend must contain only finite numbers"),
    ({"target": 0}, ValueError, r"target must be in \(0, inf\), got 0"),
    ({"tolerance": 6}, ValueError, r"tolerance must be in \(0, 5\), got 6"),
    ({"zoom": 1}, ValueError, "zoom must be a whole number >= 2, got 1"),
    ({"compute": "lag_compute"}, TypeError, r"compute must be a function compute\(beta\)"),
    ({"compute": lambda beta: gdlab.ewma(READINGS, beta)}, TypeError,
     "compute must return a dict with the keys 'average' and 'lag'.*got ndarray"),
    ({"compute": lambda beta: {"average": READINGS}}, ValueError,
     r"got the keys \['average'\]"),
    ({"compute": lambda beta: {"average": READINGS, "lag": RISING[:-1]}}, ValueError,
     r"compute's 'lag' must hold one value per point of the series \(one or more\), "
     r"shape \(120,\), got shape \(119,\)"),
    ({"compute": lambda beta: {"average": READINGS * np.nan, "lag": RISING}}, ValueError,
     "compute's 'average' must contain only finite numbers, found nan"),
    ({"compute": lambda beta: 1 / 0}, ValueError,
     r"^compute\(beta=0.5\) raised ZeroDivisionError"),
])
def test_lag_explorer_refuses_bad_input(changes, error, message):
    """Bad arguments, and a compute that breaks the contract, fail when the explorer is
    built, before anything is drawn."""
    with pytest.raises(error, match=message):
        lag_explorer(**changes)


def test_lag_frames_are_drawn_fast_and_equal_whole_draws():
    check_fast_frames(lag_explorer())


def test_lag_compute_is_the_notebooks():
    """The compute step above is the notebook's (with its names), line for line, and so are
    the slider's values."""
    notebook = nbformat.read(ROOT / "chapters" / "02-ewma.ipynb", as_version=4)
    cell = next(c.source for c in notebook.cells if c.cell_type == "code"
                and "ewma.lag_explorer(compute" in c.source)
    in_notebook = cell.split("def compute", 1)[1].split("\n\n", 1)[0].splitlines()[1:]
    here = inspect.getsource(lag_compute).replace("READINGS", "readings").replace(
        "RISING", "rising").splitlines()[1:]
    assert [line.strip() for line in in_notebook] == [line.strip() for line in here]
    assert f"ewma.lag_explorer(compute, {LAG_BETAS}," in cell


# -- check_beta_for_window ------------------------------------------------------------------
@pytest.mark.parametrize("window, beta", [(20, 0.95), (10, 0.9), (2, 0.5), (1, 0.0)])
def test_beta_for_window_accepts_the_rule_of_thumb(window, beta):
    feedback = ewma.check_beta_for_window(beta, window)
    assert feedback
    assert gdlab.effective_window(beta) == pytest.approx(window)


def test_beta_for_window_explains_typical_slips():
    one_minus = ewma.check_beta_for_window(0.05, 20)
    assert not one_minus and "1 − β" in one_minus.message
    span = ewma.check_beta_for_window(1 - 2 / 21, 20)
    assert not span and "span" in span.message
    off_by_one = ewma.check_beta_for_window(1 - 1 / 21, 20)
    assert not off_by_one and "one point too many" in off_by_one.message
    assert not ewma.check_beta_for_window("0.95?", 20)
    with pytest.raises(ValueError, match="window"):
        ewma.check_beta_for_window(0.5, 0.5)


def test_beta_for_window_message_is_the_notebooks():
    assert str(ewma.check_beta_for_window(0.05, window=20)) == (
        "✘ Not yet. β for a window of 20 points: you gave 0.05, expected 0.95. Hint: that is 1 −"
        "\nβ, the weight of the newest point; β is 1 minus it.")
    assert str(ewma.check_beta_for_window(0.95, window=20)) == (
        "✔ Correct. β for a window of 20 points = 0.95.")


# -- check_ewma_values ----------------------------------------------------------------------
def test_ewma_values_and_hints():
    series = [4.0, 8.0, 2.0]
    assert ewma.check_ewma_values([2.0, 5.0, 3.5], series, 0.5)
    corrected = ewma.check_ewma_values([4.0, 5.0 / 0.75, 3.5 / 0.875], series, 0.5)
    assert not corrected and "bias-corrected" in corrected.message
    undamped = ewma.check_ewma_values([4.0, 10.0, 7.0], series, 0.5)
    assert not undamped and "(1 − β)" in undamped.message


def test_ewma_values_bias_corrected_and_its_hint():
    series = [2.0, 4.0, 8.0]
    assert ewma.check_ewma_values([2, 10 / 3, 6], series, 0.5, bias_correction=True)
    plain = ewma.check_ewma_values([1, 2.5, 5.25], series, 0.5, bias_correction=True)
    assert not plain and "uncorrected" in plain.message
    assert "V_t / (1 − β^t)" in plain.message
    flat = ewma.check_ewma_values(np.array([[2.0], [10 / 3], [6.0]]), series, 0.5,
                                  bias_correction=True)
    assert flat                                       # a column is accepted as well
    short = ewma.check_ewma_values([1, 2.5], series, 0.5)
    assert not short and short.message == (
        "Your answer should have 3 numbers, V1, V2 and V3; you gave 2.")


@pytest.mark.parametrize("changes, message", [
    ({"series": []}, "series must hold at least one point, got none"),
    ({"series": [1.0, np.inf]}, "series must contain only finite numbers, found inf"),
    ({"series": [[1.0, 2.0]]}, r"series must be a 1-D array, got shape \(1, 2\)"),
    ({"beta": 1.0}, r"beta must be in \[0, 1\), got 1"),
    ({"bias_correction": "no"}, "bias_correction must be True or False, got 'no'"),
])
def test_ewma_values_refuses_a_bad_setup(changes, message):
    args = dict(series=[2.0, 4.0, 8.0], beta=0.5, bias_correction=False)
    with pytest.raises(ValueError, match=message):
        ewma.check_ewma_values([1, 2.5, 5.25], **{**args, **changes})


def test_ewma_values_message_is_the_notebooks():
    assert str(ewma.check_ewma_values([2, 5, 10.5], [2, 4, 8], 0.5)) == (
        "✘ Not yet. V1 should be 1; you gave 2. (Later points follow from it, so fix this one"
        "\nfirst.) Hint: the new point is weighted by (1 − β), not 1.")


@pytest.mark.parametrize("beta", [0.0, 0.5, 0.9, 0.99])
def test_no_damping_slip_is_the_heavy_ball_velocity(beta):
    """The slip 'no factor 1 − β' comes from ``gdlab.Momentum`` (heavy ball, v ← βv + g),
    and its hint fires on random series, not only on the chapter's."""
    series = np.random.default_rng(int(100 * beta)).normal(3.0, 2.0, 6)
    np.testing.assert_allclose(ewma._heavy_ball_velocity(series, beta),
                               _no_damping(series, beta), rtol=1e-12, atol=1e-12)
    ng = gdlab.replay(gdlab.Momentum(lr=1.0, beta=beta, ewma=True), series)
    np.testing.assert_allclose(-np.diff(ng[:, 0]), gdlab.ewma(series, beta))
    feedback = ewma.check_ewma_values(_no_damping(series, beta), series, beta)
    if beta == 0:                             # 1 − β = 1: the slip is no slip
        assert feedback
    else:
        assert not feedback and "weighted by (1 − β), not 1" in feedback.message
