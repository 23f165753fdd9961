"""Tests for chapter 5 (AdaGrad, RMSProp, AdaDelta): the companion module
gdlab.chapters.adagrad_rmsprop_adadelta, its RMSProp exercise check and its explorer.

The check's expected answers and slips are compared with the rules written out by hand
below, independently of gdlab. The explorer is built with the notebook's compute step,
repeated here, and tested on the contract between that compute and the companion's drawing.
The widget-plot exercise (AdaGrad's α on |θ|) is tested last, against AdaGrad on |θ| written
out by hand: every gradient is ±1, so the t-th step is exactly α/√t.
"""

import inspect
import math
import warnings
from pathlib import Path

import nbformat
import numpy as np
import pytest
from explorer_checks import check_fast_frames
from matplotlib.figure import Figure

import gdlab
from gdlab.chapters import adagrad_rmsprop_adadelta
from gdlab.chapters.adagrad_rmsprop_adadelta import check_rmsprop_steps, explorer as make_explorer

PNG = b"\x89PNG\r\n\x1a\n"


def test_companion_exports_its_explorer_and_its_check():
    assert adagrad_rmsprop_adadelta.__all__ == ["ADAPTIVE_OPTIMIZERS", "explorer",
                                                "check_rmsprop_steps", "rmsprop_slips",
                                                "check_rmsprop_class", "lr_verdict",
                                                "lr_explorer"]
    assert adagrad_rmsprop_adadelta.ADAPTIVE_OPTIMIZERS == ("AdaGrad", "RMSProp", "AdaDelta")
    assert list(inspect.signature(make_explorer).parameters) == [
        "compute", "functions", "lrs", "decays", "optimizers", "start"]
    assert list(inspect.signature(check_rmsprop_steps).parameters) == [
        "answer", "grads", "lr", "beta", "eps", "theta0", "rtol"]


def test_companion_imports_the_library_only():
    source = inspect.getsource(adagrad_rmsprop_adadelta)
    assert "gdlab.chapters" not in source and "from ." not in source


# -- the RMSProp exercise check --------------------------------------------------------------
GRADS = [[2.0, 0.02], [-1.0, 0.02]]
ARGS = dict(grads=GRADS, lr=0.1, beta=0.9, eps=1e-3, theta0=[1.0, 1.0])


def by_hand(accumulate, denominator, sign=-1.0):
    """Two steps of an RMSProp-like rule, written out independently of gdlab."""
    theta, s, points = np.array([1.0, 1.0]), np.zeros(2), []
    for t, g in enumerate(np.array(GRADS), start=1):
        s = accumulate(s, g, t)
        theta = theta + sign * 0.1 * g / denominator(s, t)
        points.append(theta)
    return np.array(points)


RIGHT = by_hand(lambda s, g, t: 0.9 * s + 0.1 * g * g, lambda s, t: np.sqrt(s) + 1e-3)


def test_rmsprop_steps_accepts_the_right_answer_and_rounding():
    # first step by hand: s = 0.1 g^2 = (0.4, 4e-5); theta1 = 1 - 0.1 g / (sqrt(s) + 1e-3)
    assert RIGHT[0] == pytest.approx([1 - 0.2 / (math.sqrt(0.4) + 1e-3),
                                      1 - 0.002 / (math.sqrt(4e-5) + 1e-3)])
    assert check_rmsprop_steps(RIGHT, **ARGS)
    assert check_rmsprop_steps(np.round(RIGHT, 4), **ARGS)
    opt, x, torch_like = gdlab.RMSProp(lr=0.1, beta=0.9, eps=1e-3), np.array([1.0, 1.0]), []
    for g in GRADS:
        opt.update(x, np.array(g))
        torch_like.append(x.copy())
    np.testing.assert_allclose(torch_like, RIGHT, rtol=1e-12)


@pytest.mark.parametrize("slip, phrase", [
    (by_hand(lambda s, g, t: 0.9 * s + 0.1 * g * g, lambda s, t: np.sqrt(s + 1e-3)),
     "ε inside the square root"),
    (by_hand(lambda s, g, t: 0.9 * s + g * g, lambda s, t: np.sqrt(s) + 1e-3),
     "weight (1 − β)"),
    (by_hand(lambda s, g, t: 0.9 * s + 0.1 * g * g,
             lambda s, t: np.sqrt(s / (1 - 0.9 ** t)) + 1e-3), "bias correction"),
    (by_hand(lambda s, g, t: s + g * g, lambda s, t: np.sqrt(s) + 1e-3), "that is AdaGrad"),
    (by_hand(lambda s, g, t: 0.9 * s + 0.1 * g * g, lambda s, t: s + 1e-3),
     "root mean square"),
    (by_hand(lambda s, g, t: 0.9 * s + 0.1 * g * g, lambda s, t: np.sqrt(s) + 1e-3, sign=1.0),
     "uphill"),
])
def test_rmsprop_steps_names_the_slip(slip, phrase):
    feedback = check_rmsprop_steps(slip, **ARGS)
    assert not feedback
    assert phrase in feedback.message


def test_rmsprop_steps_points_at_the_first_wrong_value():
    wrong = RIGHT.copy()
    wrong[1, 1] += 0.05
    feedback = check_rmsprop_steps(wrong, **ARGS)
    assert not feedback
    assert "θ1 is right" in feedback.message and "θ2 is wrong" in feedback.message
    assert "Hint" not in feedback.message


def test_rmsprop_steps_one_coordinate_and_shapes():
    expected = by_hand(lambda s, g, t: 0.9 * s + 0.1 * g * g,
                       lambda s, t: np.sqrt(s) + 1e-3)[:, 0]
    args = dict(grads=[2.0, -1.0], lr=0.1, beta=0.9, eps=1e-3, theta0=1.0)
    assert check_rmsprop_steps(expected, **args)
    assert check_rmsprop_steps([1.0, 2.0, 3.0], **args).message == (
        "Your answer should have 2 numbers, θ1 and θ2; you gave 3.")
    # with a tiny eps inside and outside agree, so that is not called a slip
    close = check_rmsprop_steps([0.5], grads=[3.0], lr=0.1, beta=0.9, eps=1e-8)
    assert not close and "Hint" not in close.message
    with pytest.raises(ValueError, match="theta0 must be a number or have one entry"):
        check_rmsprop_steps(RIGHT, GRADS, 0.1, 0.9, 1e-3, theta0=[1.0, 1.0, 1.0])
    with pytest.raises(ValueError, match=r"beta must be in \[0, 1\)"):
        check_rmsprop_steps(RIGHT, GRADS, 0.1, 1.0, 1e-3)


# -- the explorer --------------------------------------------------------------------------
# The notebook's compute step, written out again: this is the test of the notebook's code
# (test_the_notebook_runs_this_compute checks that the two are the same).
landscapes = {"ravine": (gdlab.elongated_bowl, (-8.0, 2.0), 300),   # label: (f, x0, steps)
              "Rosenbrock": (gdlab.rosenbrock, (-1.5, 2.0), 600)}


def compute(optimizer, lr, function, decay=0.9):
    """Run one optimizer on one landscape and measure each coordinate's learning rate."""
    f, x0, steps = landscapes[function]
    opt = {"AdaGrad": gdlab.AdaGrad(lr=lr),              # no decay: s sums every g²
           "RMSProp": gdlab.RMSProp(lr=lr, beta=decay),
           "AdaDelta": gdlab.AdaDelta(lr=lr, rho=decay)}[optimizer]
    traj = gdlab.run(opt, f, x0, steps)
    # the step size each coordinate really got: -Δθ_i / g_i, at every step
    return {"trajectory": traj, "effective_lr": gdlab.theory.effective_learning_rates(traj, f)}


NOTEBOOK = Path(__file__).resolve().parents[2] / "chapters" / "05-adagrad-rmsprop-adadelta.ipynb"


@pytest.fixture(scope="module")
def explorer():
    return make_explorer(compute, landscapes)


def test_the_notebook_runs_this_compute():
    cells = [c for c in nbformat.read(NOTEBOOK, as_version=4).cells
             if c.cell_type == "code" and "def compute(" in c.source]
    assert len(cells) == 1 and "nbval-ignore-output" in cells[0].metadata.get("tags", [])
    source = cells[0].source
    assert inspect.getsource(compute) in source
    assert 'landscapes = {"ravine": (gdlab.elongated_bowl, (-8.0, 2.0), 300),' in source
    assert source.rstrip().endswith(
        "explorer = adagrad_rmsprop_adadelta.explorer(compute, landscapes)\nexplorer")


def test_frames_are_drawn_fast_and_equal_whole_draws(explorer):
    check_fast_frames(explorer)


def test_explorer_grid_and_start(explorer):
    assert explorer.controls == {"optimizer": ["AdaGrad", "RMSProp", "AdaDelta"],
                                 "lr": [0.01, 0.1, 0.3, 1.0],
                                 "function": ["ravine", "Rosenbrock"]}
    assert np.prod([len(v) for v in explorer.controls.values()]) == 24
    assert explorer.start == {"optimizer": "RMSProp", "lr": 0.1, "function": "ravine"}
    assert "decay β = ρ = 0.9" in explorer.title
    assert explorer.compute is compute   # passed straight through, not wrapped


def test_explorer_result_is_the_plain_run(explorer):
    result = explorer.result(optimizer="RMSProp", lr=0.1, function="Rosenbrock")
    direct = gdlab.run(gdlab.RMSProp(lr=0.1, beta=0.9), gdlab.rosenbrock, [-1.5, 2.0], 600)
    np.testing.assert_array_equal(result["trajectory"].xs, direct.xs)
    assert result["effective_lr"].shape == (600, 2)
    # first step of RMSProp from s = 0: lr / sqrt((1 - beta) g^2) in each coordinate
    g = gdlab.rosenbrock.grad([-1.5, 2.0])
    np.testing.assert_allclose(result["effective_lr"][0], 0.1 / (np.sqrt(0.1) * np.abs(g)),
                               rtol=1e-6)
    adadelta = explorer.result(optimizer="AdaDelta", lr=1.0, function="ravine")
    np.testing.assert_array_equal(
        adadelta["trajectory"].xs,
        gdlab.run(gdlab.AdaDelta(lr=1.0, rho=0.9), gdlab.elongated_bowl, [-8.0, 2.0], 300).xs)


def test_explorer_with_a_decay_control():
    e = make_explorer(compute, landscapes, lrs=[0.1, 1.0], decays=[0.9, 0.99])
    assert e.controls["decay"] == [0.9, 0.99] and e.start["decay"] == 0.9
    assert np.prod([len(v) for v in e.controls.values()]) == 24
    slow = e.result(optimizer="RMSProp", lr=0.1, decay=0.99, function="ravine")
    direct = gdlab.run(gdlab.RMSProp(lr=0.1, beta=0.99), gdlab.elongated_bowl, [-8.0, 2.0], 300)
    np.testing.assert_array_equal(slow["trajectory"].xs, direct.xs)
    # AdaGrad has no decay: both settings give the same run
    a = e.result(optimizer="AdaGrad", lr=1.0, decay=0.9)
    b = e.result(optimizer="AdaGrad", lr=1.0, decay=0.99)
    np.testing.assert_array_equal(a["trajectory"].xs, b["trajectory"].xs)
    assert e.render(optimizer="AdaDelta", decay=0.99).startswith(PNG)
    assert drawn(e, optimizer="AdaDelta", decay=0.99)[0].get_title().replace("\n", " ") == \
        "AdaDelta, lr = 0.1, ρ = 0.99"
    with pytest.raises(ValueError, match="controls give 48 combinations"):
        make_explorer(compute, landscapes, lrs=[0.01, 0.1, 0.3, 1.0], decays=[0.9, 0.99])


def test_explorer_adagrad_rates_never_grow(explorer):
    rates = explorer.result(optimizer="AdaGrad", lr=1.0)["effective_lr"]
    rates = rates[~np.isnan(rates).any(axis=1)]
    assert len(rates) > 100
    assert np.all(np.diff(rates, axis=0) <= 1e-15)   # s only accumulates


def test_explorer_rmsprop_settles_at_the_edge_of_stability(explorer):
    # on x^2/20 + y^2 (curvatures 0.1 and 2) RMSProp's measured rate climbs to 2/curvature
    rates = explorer.result(optimizer="RMSProp", lr=0.1)["effective_lr"]
    np.testing.assert_allclose(np.median(rates[-50:], axis=0), [20.0, 1.0], rtol=0.05)


def test_explorer_renders_png(explorer):
    assert explorer.render(optimizer="AdaDelta", lr=0.01, function="Rosenbrock").startswith(PNG)


def test_explorer_custom_functions_and_bad_input(monkeypatch):
    monkeypatch.setitem(landscapes, "bowl", (gdlab.elongated_bowl, (-8.0, 2.0), 20))
    small = make_explorer(compute, {"bowl": landscapes["bowl"]}, lrs=[0.5],
                          optimizers=["AdaGrad"])
    assert small.result()["trajectory"].steps == 20
    assert small.render().startswith(PNG)
    with pytest.raises(ValueError, match="optimizers must be chosen from"):
        make_explorer(compute, landscapes, optimizers=["Adam"])
    with pytest.raises(ValueError, match=r"functions\['bowl'\] must be a tuple"):
        make_explorer(compute, {"bowl": gdlab.elongated_bowl})
    with pytest.raises(ValueError, match="functions must be a non-empty dict"):
        make_explorer(compute, {})
    with pytest.raises(ValueError, match=r"steps of functions\['bowl'\]"):
        make_explorer(compute, {"bowl": (gdlab.elongated_bowl, (-8.0, 2.0), 0)})
    with pytest.raises(ValueError, match="decays must list at least one"):
        make_explorer(compute, landscapes, decays=[])

def test_bad_control_lists_are_refused_when_the_explorer_is_built():
    def never(**values):
        raise AssertionError("compute must not be called")

    for changes, message in [
            ({"decays": [1.0, 0.9]}, r"decays\[0\] must be in \[0, 1\), got 1"),
            ({"decays": [0.9, -0.1]}, r"decays\[1\] must be in \[0, 1\), got -0.1"),
            ({"lrs": [0.1, -1.0]}, r"lrs\[1\] must be in \(0, inf\), got -1"),
            ({"lrs": [0.0]}, r"lrs\[0\] must be in \(0, inf\), got 0"),
            ({"lrs": [float("inf")]}, r"lrs\[0\] must be a finite real number, got inf"),
            ({"lrs": ["0.1"]}, r"lrs\[0\] must be a finite real number, got '0.1'"),
            ({"lrs": []}, r"controls\['lr'\] must list at least one value, got none"),
            ({"optimizers": []}, r"controls\['optimizer'\] must list at least one value")]:
        with pytest.raises(ValueError, match=message):
            make_explorer(never, landscapes, **changes)


def test_a_compute_that_fails_fails_when_the_explorer_is_built():
    def three_d(optimizer, lr, function, decay=0.9):   # a start point of the wrong dimension
        f, _, steps = landscapes[function]
        return compute(optimizer, lr, function, decay) | {
            "trajectory": gdlab.run(gdlab.RMSProp(lr=lr), f, [1.0, 2.0, 3.0], steps)}

    with pytest.raises(ValueError, match=r"^compute\(optimizer='RMSProp', lr=0.1, "
                                         r"function='ravine'\) raised ValueError: x0 must "
                                         r"have shape \(2,\) for elongated bowl"):
        make_explorer(three_d, landscapes)


# -- the contract between compute and draw ---------------------------------------------------
def test_compute_gets_the_control_names_as_keywords():
    calls = []

    def recording(**values):
        calls.append(values)
        return compute(**values)

    e = make_explorer(recording, landscapes)
    e.render()
    assert calls == [{"optimizer": "RMSProp", "lr": 0.1, "function": "ravine"}]
    with_decay = make_explorer(recording, landscapes, lrs=[0.1, 1.0], decays=[0.9, 0.99])
    with_decay.result(decay=0.99)
    assert calls[-1] == {"optimizer": "RMSProp", "lr": 0.1, "function": "ravine",
                         "decay": 0.99}
    doc = make_explorer.__doc__
    assert all(f"``{name}``" in doc for name in ["optimizer", "lr", "function", "decay"])


def test_draw_reads_only_what_the_docstring_promises():
    class Recording(dict):
        def __getitem__(self, key):
            read.add(key)
            return super().__getitem__(key)

        def get(self, key, default=None):
            read.add(key)
            return super().get(key, default)

    read = set()
    e = make_explorer(lambda **values: Recording(compute(**values)), landscapes)
    assert e.render().startswith(PNG)
    assert read == {"trajectory", "effective_lr"}
    doc = " ".join(make_explorer.__doc__.split())
    assert '``"trajectory"``, the :class:`gdlab.Trajectory`' in doc
    assert '``"effective_lr"``' in doc and "shape (steps taken, d)" in doc


def test_a_result_of_the_wrong_shape_is_reported_clearly():
    def explorer_returning(make_result):
        return make_explorer(lambda **values: make_result(compute(**values)), landscapes)

    # reported when the explorer is built, from the result at the start values
    with pytest.raises(TypeError, match=r"compute must return a dict with 'trajectory' "
                                        r"\(a gdlab.Trajectory\).*got a Trajectory"):
        explorer_returning(lambda result: result["trajectory"])
    with pytest.raises(TypeError, match=r"got a dict with keys \['trajectory'\]"):
        explorer_returning(lambda result: {"trajectory": result["trajectory"]})
    with pytest.raises(ValueError, match=r"effective_lr must have one row per step and one "
                                         r"column per coordinate, shape \(300, 2\); got \(2, 300\)"):
        explorer_returning(lambda result: {**result, "effective_lr": result["effective_lr"].T})
    # and when a frame other than the start is drawn
    late = make_explorer(lambda **values: (compute(**values) if values["lr"] == 0.1
                                           else compute(**values)["trajectory"]), landscapes)
    with pytest.raises(TypeError, match=r"got a Trajectory"):
        late.render(lr=1.0)


def test_a_fixed_decay_must_be_the_default_of_compute():
    # with one decay compute is called without it: its default is the decay the titles print
    with pytest.raises(ValueError, match=r"with a single decay \(0.99\) compute is called "
                                         r"without decay, so its default decay must be 0.99; "
                                         r"it is 0.9"):
        make_explorer(compute, landscapes, decays=[0.99])

    def no_default(optimizer, lr, function, decay):
        return compute(optimizer, lr, function, decay)

    with pytest.raises(ValueError, match="its default decay must be 0.9; it is none"):
        make_explorer(no_default, landscapes)
    # a compute without a decay (AdaGrad only) needs none
    adagrad = make_explorer(lambda optimizer, lr, function: compute(optimizer, lr, function),
                            landscapes, optimizers=["AdaGrad"])
    assert adagrad.result(lr=1.0)["trajectory"].steps == 300


# -- the slips come from the library's optimizers ------------------------------------------
def test_slips_are_the_library_optimizers_with_their_flags():
    grads, theta0 = np.array(GRADS), np.array([1.0, 1.0])
    slips = [alternative for alternative, _ in
             adagrad_rmsprop_adadelta.rmsprop_slips(grads, 0.1, 0.9, 1e-3, theta0)]
    assert len(slips) == 6

    def replayed(optimizer, g=grads):
        return gdlab.replay(optimizer, g, theta0)[1:]

    np.testing.assert_array_equal(slips[0], replayed(gdlab.RMSProp(0.1, 0.9, 1e-3,
                                                                   eps_inside=True)))
    np.testing.assert_array_equal(slips[2], replayed(gdlab.Adam(0.1, beta1=0.0, beta2=0.9,
                                                                eps=1e-3)))
    np.testing.assert_array_equal(slips[3], replayed(gdlab.AdaGrad(0.1, eps=1e-3)))
    np.testing.assert_array_equal(slips[5], replayed(gdlab.RMSProp(0.1, 0.9, 1e-3), -grads))
    # ... and every one is the slip written out by hand (the order of the hints above)
    by_hands = [by_hand(lambda s, g, t: 0.9 * s + 0.1 * g * g, lambda s, t: np.sqrt(s + 1e-3)),
                by_hand(lambda s, g, t: 0.9 * s + g * g, lambda s, t: np.sqrt(s) + 1e-3),
                by_hand(lambda s, g, t: 0.9 * s + 0.1 * g * g,
                        lambda s, t: np.sqrt(s / (1 - 0.9 ** t)) + 1e-3),
                by_hand(lambda s, g, t: s + g * g, lambda s, t: np.sqrt(s) + 1e-3),
                by_hand(lambda s, g, t: 0.9 * s + 0.1 * g * g, lambda s, t: s + 1e-3),
                by_hand(lambda s, g, t: 0.9 * s + 0.1 * g * g, lambda s, t: np.sqrt(s) + 1e-3,
                        sign=1.0)]
    for slip, written_out in zip(slips, by_hands):
        np.testing.assert_allclose(slip, written_out, rtol=1e-12)


def test_a_slip_is_named_for_one_coordinate_too():
    # AdaGrad on g = 2, -1 from 1: s = 4, then 5
    theta1 = 1 - 0.1 * 2 / (2 + 1e-3)
    adagrad = [theta1, theta1 + 0.1 * 1 / (math.sqrt(5) + 1e-3)]
    feedback = check_rmsprop_steps(adagrad, grads=[2.0, -1.0], lr=0.1, beta=0.9, eps=1e-3,
                                   theta0=1.0)
    assert not feedback and "that is AdaGrad" in feedback.message
    assert feedback.message.startswith("θ1 should be 0.684271; you gave 0.90005.")


def test_a_slip_that_counts_as_right_is_not_offered_as_a_hint():
    # eps chosen so that eps inside the root changes theta_1 by about half the tolerance:
    # that variant is accepted as right, so it must not explain a wrong answer near it
    rtol, eps = 1e-3, 2.7e-4
    right = -0.1 / (math.sqrt(0.1) + eps)
    inside = -0.1 / math.sqrt(0.1 + eps)
    assert 0.3 * rtol < abs(inside / right - 1) < 0.7 * rtol
    assert check_rmsprop_steps([inside], grads=[1.0], lr=0.1, beta=0.9, eps=eps)
    near_inside = right + 1.2 * rtol * abs(right) * np.sign(inside - right)
    assert abs(near_inside - inside) <= rtol * abs(inside)
    feedback = check_rmsprop_steps([near_inside], grads=[1.0], lr=0.1, beta=0.9, eps=eps)
    assert not feedback and "Hint" not in feedback.message


@pytest.mark.parametrize("changes, message", [
    ({"eps": 0.0}, r"eps must be in \(0, inf\), got 0"),   # a zero gradient would give 0/0
    ({"eps": -1e-8}, r"eps must be in \(0, inf\), got -1e-08"),
    ({"lr": -0.1}, r"lr must be in \[0, inf\), got -0.1"),
    ({"beta": 1.0}, r"beta must be in \[0, 1\), got 1"),
    ({"grads": []}, r"grads must be a non-empty 1-D array"),
])
def test_check_rmsprop_steps_refuses_a_bad_setup(changes, message):
    args = dict(grads=[[0.0], [1.0]], lr=0.1, beta=0.9, eps=1e-3)
    with pytest.raises(ValueError, match=message):
        check_rmsprop_steps([[0.0], [0.5]], **{**args, **changes})


def test_a_zero_gradient_warns_about_nothing():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        feedback = check_rmsprop_steps([[0.0], [0.5]], grads=[[0.0], [1.0]], lr=0.1,
                                       beta=0.9, eps=1e-8)
    assert not feedback


# -- start values and the panels -----------------------------------------------------------
def test_start_overrides_the_preferred_values():
    e = make_explorer(compute, landscapes, start={"optimizer": "AdaGrad", "lr": 1.0})
    assert e.start == {"optimizer": "AdaGrad", "lr": 1.0, "function": "ravine"}
    np.testing.assert_array_equal(
        e.result()["trajectory"].xs,
        gdlab.run(gdlab.AdaGrad(lr=1.0), gdlab.elongated_bowl, [-8.0, 2.0], 300).xs)
    assert drawn(e)[0].get_title().replace("\n", " ") == "AdaGrad, lr = 1"   # the start is what is drawn first
    with_decay = make_explorer(compute, landscapes, lrs=[0.1, 1.0], decays=[0.9, 0.99],
                               start={"decay": 0.99})
    assert with_decay.start == {"optimizer": "RMSProp", "lr": 0.1, "function": "ravine",
                                "decay": 0.99}
    np.testing.assert_array_equal(
        with_decay.result()["trajectory"].xs,
        gdlab.run(gdlab.RMSProp(lr=0.1, beta=0.99), gdlab.elongated_bowl, [-8.0, 2.0], 300).xs)
    # without RMSProp or lr = 0.1 in the lists the preferred start is the first of each
    other = make_explorer(compute, landscapes, lrs=[0.5, 2.0],
                          optimizers=["AdaDelta", "AdaGrad"])
    assert other.start == {"optimizer": "AdaDelta", "lr": 0.5, "function": "ravine"}
    with pytest.raises(ValueError, match=r"start\['lr'\] must be one of"):
        make_explorer(compute, landscapes, start={"lr": 0.5})
    with pytest.raises(ValueError, match="not a control"):
        make_explorer(compute, landscapes, start={"decay": 0.9})   # a fixed decay is no control


def drawn(e, **values):
    fig = Figure(figsize=(10.5, 3.6))
    values = {**e.start, **values}
    e.draw_into(fig, e.result(**values), **values)
    return fig.axes


def test_the_three_panels_are_titled_and_labelled(explorer):
    ax_path, ax_loss, ax_rate = drawn(explorer)
    assert ax_path.get_title().replace("\n", " ") == "RMSProp, lr = 0.1, β = 0.9"
    assert ax_path.get_legend() is None   # the title names the optimizer
    assert ax_loss.get_title().replace("\n", " ").startswith("after 300 steps: gap ")
    assert ax_loss.get_yscale() == "log" and ax_loss.get_xlabel() == "step t"
    assert np.log10(ax_loss.get_ylim()) == pytest.approx((-12, 4))
    assert [t.get_text() for t in ax_loss.get_yticklabels()] == ["1e-12", "1e-8", "1e-4",
                                                                 "1", "1e4"]
    assert ax_rate.get_yscale() == "log" and "effective learning rate" in ax_rate.get_ylabel()
    assert np.log10(ax_rate.get_ylim()) == pytest.approx((-5, 3))
    # the line styles are named in the title, drawn once: no legend with each frame
    assert ax_rate.get_title().replace("\n", " ") == "−Δθ_i / g_i: x solid, y dashed"
    assert ax_rate.get_legend() is None
    assert [line.get_linestyle() for line in ax_rate.get_lines()] == ["-", "--"]
    assert drawn(explorer, optimizer="AdaGrad")[0].get_title().replace("\n", " ") == "AdaGrad, lr = 0.1"
    assert drawn(explorer, optimizer="AdaDelta", lr=1.0)[0].get_title().replace("\n", " ") == \
        "AdaDelta, lr = 1, ρ = 0.9"


# -- the widget-plot exercise: AdaGrad's α on |θ| --------------------------------------------
# The notebook's compute step, written out again (test_the_notebook_runs_this_exercise checks
# that the two are the same).
def abs_path(optimizer, steps=150):
    """θ_0..θ_steps of an optimizer on f(θ) = |θ| from θ_0 = 8: every gradient is sign(θ)."""
    theta, path = np.array([8.0]), [8.0]
    for _ in range(steps):
        optimizer.update(theta, np.sign(theta))
        path.append(theta[0])
    return np.array(path)


def compute_abs(lr):
    """The explorer's compute step: 150 steps of AdaGrad at learning rate lr."""
    return {"theta": abs_path(gdlab.AdaGrad(lr=lr))}


LRS = [0.1, 0.2, 0.3, 0.5, 1.0, 2.0, 3.0, 5.0]
EXERCISE = dict(target=100, tol=0.15, steps=150)


def adagrad_on_abs_by_hand(lr, steps=150):
    """AdaGrad on |θ| without gdlab: s_t = t, so θ_t = θ_{t-1} − sign(θ_{t-1}) lr/√t (+ ε)."""
    theta = [8.0]
    for t in range(1, steps + 1):
        theta.append(theta[-1] - math.copysign(lr / (math.sqrt(t) + 1e-10), theta[-1]))
    return np.array(theta)


@pytest.fixture(scope="module")
def lr_picker():
    """The exercise's explorer, as the notebook builds it."""
    return adagrad_rmsprop_adadelta.lr_explorer(compute_abs, lrs=LRS, **EXERCISE,
                                                start={"lr": 0.2})


def test_the_notebook_runs_this_exercise():
    cells = nbformat.read(NOTEBOOK, as_version=4).cells
    shown = [k for k, c in enumerate(cells)
             if c.cell_type == "code" and "def compute_abs(" in c.source]
    assert len(shown) == 1
    k = shown[0]
    assert "(on the widget plot)" in cells[k - 1].source
    assert ":label: ex-05-adagrad-rmsprop-adadelta-6" in cells[k - 1].source
    source = cells[k].source
    assert "nbval-ignore-output" in cells[k].metadata.get("tags", [])
    assert inspect.getsource(abs_path) in source and inspect.getsource(compute_abs) in source
    assert source.rstrip().endswith(
        "lr_picker = adagrad_rmsprop_adadelta.lr_explorer(\n"
        "    compute_abs, lrs=[0.1, 0.2, 0.3, 0.5, 1.0, 2.0, 3.0, 5.0], target=100, tol=0.15,\n"
        "    steps=150, start={\"lr\": 0.2})\nlr_picker")
    assert cells[k + 1].source.startswith("````{solution} ex-05-adagrad-rmsprop-adadelta-6")
    assert [c.metadata.get("tags", []) for c in cells[k + 2:k + 4]] == [
        ["solution"], ["remove-input", "solution"]]    # its code, inside the dropdown
    assert cells[k + 4].source.startswith("## Summary")


def test_the_exercise_runs_adagrad_as_written_out_by_hand():
    for lr in LRS + [0.42, 0.43, 1.5]:
        np.testing.assert_allclose(compute_abs(lr)["theta"], adagrad_on_abs_by_hand(lr),
                                   rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("lr, ok, verdict", [
    # 8 − 0.3·Σ_{k≤100} 1/√k = 8 − 0.3·18.5896 = 2.42: not there; 0.42 still 0.192 short
    (0.3, False, "too slow, raise α\n|θ_100| = 2.42: not there by step 100"),
    (0.42, False, "too slow, raise α\n|θ_100| = 0.192: not there by step 100"),
    (0.43, True, "on target\n|θ_t| ≤ 0.0363 from step 100 on"),
    (0.5, True, "on target\n|θ_t| ≤ 0.0371 from step 100 on"),
    (1.0, True, "on target\n|θ_t| ≤ 0.0995 from step 100 on"),    # 1/√101, below 0.15
    (1.5, True, "on target\n|θ_t| ≤ 0.149 from step 100 on"),     # 1.5/√101
    (2.0, False, "overshoots, lower α\nbounces to |θ| = 0.199 after step 100"),   # 2/√101
    (5.0, False, "overshoots, lower α\nbounces to |θ| = 0.495 after step 100"),   # 5/√102
])
def test_lr_verdict_for_each_case(lr, ok, verdict):
    assert f"{8 - 0.3 * sum(1 / math.sqrt(k) for k in range(1, 101)):.2f}" == "2.42"
    assert f"{8 - 0.42 * sum(1 / math.sqrt(k) for k in range(1, 101)):.3f}" == "0.192"
    assert adagrad_rmsprop_adadelta.lr_verdict(adagrad_on_abs_by_hand(lr), 100, 0.15) == \
        (ok, verdict)


@pytest.mark.parametrize("theta, target, ok, start", [
    ([8, 4, 1, 0.1, -0.05, 0.01], 3, True, "on target\n|θ_t| ≤ 0.1 from step 3 on"),
    ([8, 6, 5, 4.5, 4.2], 3, False, "too slow, raise α\n|θ_3| = 4.5"),
    ([8, 2, -1, 0.5, -0.3], 3, False, "overshoots, lower α\nbounces to |θ| = 0.5"),
    ([8, 0.1, 0.2, 0.3], 2, False, "overshoots"),   # came within tol, then left it
])
def test_lr_verdict_on_paths_made_by_hand(theta, target, ok, start):
    got_ok, verdict = adagrad_rmsprop_adadelta.lr_verdict(theta, target, 0.15)
    assert got_ok is ok and verdict.startswith(start), verdict


def test_the_predicted_range_is_on_target():
    """Arrive: by step 100 the steps add up to α Σ_{k≤100} 1/√k = 18.59 α, which must come
    within 0.15 of 8 (α ≥ 0.4223); settle: once across, |θ_t| < α/√t ≤ α/10 ≤ 0.15. So
    every α from 0.43 to 1.5 is on target, and 0.42 is not."""
    verdict = adagrad_rmsprop_adadelta.lr_verdict
    steps = sum(1 / math.sqrt(k) for k in range(1, 101))
    assert f"{steps:.2f}" == "18.59" and 0.42 * steps < 8 - 0.15 < 0.43 * steps
    assert all(verdict(adagrad_on_abs_by_hand(lr), 100, 0.15)[0]
               for lr in np.round(np.arange(0.43, 1.505, 0.01), 2))
    assert not verdict(adagrad_on_abs_by_hand(0.42), 100, 0.15)[0]
    for lr in LRS:   # the bounce is below the step length α/√t once across
        theta, t = adagrad_on_abs_by_hand(lr), np.arange(151)
        crossed = int(np.argmax(theta <= 0)) if np.any(theta <= 0) else len(theta)
        assert np.all(np.abs(theta[crossed:]) < lr / np.sqrt(t[crossed:]))


def test_lr_verdict_refuses_bad_input():
    verdict = adagrad_rmsprop_adadelta.lr_verdict
    theta = adagrad_on_abs_by_hand(0.5)
    for args, message in [
            ((theta, 0, 0.15), r"target must be a whole number >= 1, got 0"),
            ((theta, 100.0, 0.15), r"target must be a whole number >= 1, got 100.0"),
            ((theta, 100, 0.0), r"tol must be in \(0, inf\), got 0"),
            ((theta, 200, 0.15), r"theta must hold the iterates up to step target = 200 at "
                                 r"least, got 151 \(steps 0..150\)"),
            ((theta.reshape(1, -1), 100, 0.15), r"theta must be a 1-D array, got shape \(1, 151\)"),
            (([8.0, np.nan, 1.0], 1, 0.15), r"theta must contain only finite numbers, found nan"),
            (("eight", 1, 0.15), r"theta must be an array of real numbers, got 'eight'")]:
        with pytest.raises(ValueError, match=message):
            verdict(*args)


def test_lr_explorer_shows_the_attempt_against_the_target(lr_picker):
    assert lr_picker.controls == {"lr": LRS} and lr_picker.start == {"lr": 0.2}
    assert lr_picker.render(lr=0.5).startswith(PNG)
    fig = lr_picker.draw_into(Figure(figsize=(8.0, 3.6)), lr_picker.result(lr=0.5), lr=0.5)
    ax, = fig.axes
    assert ax.get_title() == "α = 0.5, on target\n|θ_t| ≤ 0.0371 from step 100 on"
    assert ax.get_yscale() == "log" and np.log10(ax.get_ylim()) == pytest.approx((-3, 1))
    assert ax.get_xlim() == (0, 150) and ax.get_xlabel() == "step t"
    theta = adagrad_on_abs_by_hand(0.5)
    goal, = [line for line in ax.get_lines() if line.get_linestyle() == "--"]
    points, = [line for line in ax.get_lines() if line.get_marker() == "o"]
    step, = [line for line in ax.get_lines() if line.get_linestyle() == ":"]
    # the attempt: |θ_t| as AdaGrad's dots (below 1e-3 drawn at 1e-3), its step α/√t dotted
    assert points.get_linestyle() == "None"
    assert points.get_color() == gdlab.plots.color_of("AdaGrad")
    np.testing.assert_allclose(points.get_ydata(), np.maximum(np.abs(theta), 1e-3), rtol=1e-9)
    np.testing.assert_allclose(step.get_ydata(), 0.5 / np.sqrt(np.arange(1, 151)))
    # the target: dashed from the top down to 0.15 at step 100, then along 0.15; shaded below
    assert list(goal.get_xdata()) == [100, 100, 150]
    assert list(goal.get_ydata()) == [10.0, 0.15, 0.15]
    shade = ax.collections[0].get_paths()[0].vertices
    assert (shade[:, 0].min(), shade[:, 0].max(), shade[:, 1].max()) == (100, 150, 0.15)
    legend, = fig.legends
    assert [t.get_text() for t in legend.get_texts()] == [
        "AdaGrad's |θ_t|", "its step α/√t", "target: |θ_t| ≤ 0.15 from step 100 on"]
    # every frame carries its verdict: what is off and which way to move
    for lr in LRS:
        title = lr_picker.draw_into(Figure(), lr_picker.result(lr=lr), lr=lr).axes[0].get_title()
        ok, verdict = adagrad_rmsprop_adadelta.lr_verdict(adagrad_on_abs_by_hand(lr), 100, 0.15)
        assert title == f"α = {lr:g}, {verdict}"
        way = "raise α" if lr < 0.5 else "on target" if lr <= 1 else "lower α"
        assert title.split("\n")[0].endswith(way) and ok is (way == "on target")


def test_lr_explorer_frames_are_fast_and_equal_whole_draws():
    check_fast_frames(adagrad_rmsprop_adadelta.lr_explorer(compute_abs, lrs=LRS, **EXERCISE,
                                                           start={"lr": 0.2}))


def test_lr_explorer_refuses_bad_input():
    def never(lr):
        raise AssertionError("compute must not be called")

    make = adagrad_rmsprop_adadelta.lr_explorer
    for changes, message in [
            ({"compute": "compute_abs"}, r"compute must be a function of lr, got 'compute_abs'"),
            ({"lrs": []}, r"lrs must list at least one learning rate, got none"),
            ({"lrs": [0.1, 0.0]}, r"lrs\[1\] must be in \(0, inf\), got 0"),
            ({"lrs": [float("nan")]}, r"lrs\[0\] must be a finite real number, got nan"),
            ({"target": 0}, r"target must be a whole number >= 1, got 0"),
            ({"target": 200}, r"target must be a step of the run, at most steps = 150; got 200"),
            ({"steps": 0}, r"steps must be a whole number >= 1, got 0"),
            ({"tol": 0.0}, r"tol must be in \(0.001, 10\), got 0"),
            ({"tol": 10}, r"tol must be in \(0.001, 10\), got 10"),
            ({"lrs": list(np.linspace(0.1, 2.0, 17))}, r"controls give 17 combinations; "
                                                       r"max_frames allows 16")]:
        args = {"compute": never, "lrs": LRS, **EXERCISE, **changes}
        with pytest.raises(ValueError, match=message):
            make(**args)


@pytest.mark.parametrize("compute, error, message", [
    (lambda lr: compute_abs(lr)["theta"], TypeError,
     r"compute must return a dict with 'theta' \(the iterates θ_0..θ_150, a 1-D array\); "
     r"got a ndarray"),
    (lambda lr: {"path": compute_abs(lr)["theta"]}, TypeError, r"got a dict with keys \['path'\]"),
    (lambda lr: {"theta": compute_abs(lr)["theta"][:101]}, ValueError,
     r"compute's result\['theta'\] must hold steps \+ 1 = 151 iterates \(θ_0..θ_150\); got 101"),
    (lambda lr: {"theta": np.full(151, np.inf)}, ValueError,
     r"compute's result\['theta'\] must contain only finite numbers, found inf"),
    (lambda lr: {"theta": abs_path(gdlab.AdaGrad(lr=-lr))}, ValueError,
     r"^compute\(lr=0.2\) raised ValueError: lr must be"),
])
def test_a_compute_returning_the_wrong_thing_is_refused_before_drawing(compute, error, message):
    with pytest.raises(error, match=message):
        adagrad_rmsprop_adadelta.lr_explorer(compute, lrs=LRS, **EXERCISE, start={"lr": 0.2})
    # and a frame other than the start is refused too, naming what compute returned
    late = adagrad_rmsprop_adadelta.lr_explorer(
        lambda lr: compute_abs(lr) if lr == 0.2 else compute(lr), lrs=LRS, **EXERCISE,
        start={"lr": 0.2})
    with pytest.raises(error, match=message.replace("lr=0.2", "lr=1")):
        late.render(lr=1.0)


# -- the RMSProp class the learner codes -----------------------------------------------------
class LearnersRMSProp:
    """RMSProp as a learner writes it ("Deep Learning from Scratch" style), with one slip
    switched on by name; written out independently of gdlab."""

    def __init__(self, lr, beta, eps, slip=None):
        self.lr, self.beta, self.eps, self.slip, self.s, self.t = lr, beta, eps, slip, None, 0

    def update(self, params, grads):
        if self.s is None:
            self.s = {key: np.zeros_like(value) for key, value in params.items()}
        self.t += 1
        for key in params:
            g, s = grads[key], self.s[key]
            if self.slip == "sum":
                s += g * g
            elif self.slip == "no 1 - beta":
                s *= self.beta; s += g * g
            else:
                s *= self.beta; s += (1 - self.beta) * g * g
            if self.slip == "bias":
                s_used = s / (1 - self.beta ** self.t)
                params[key] -= self.lr * g / (np.sqrt(s_used) + self.eps)
            elif self.slip == "eps inside":
                params[key] -= self.lr * g / np.sqrt(s + self.eps)
            else:
                params[key] -= self.lr * g / (np.sqrt(s) + self.eps)


def learners(slip=None):
    return lambda lr, beta, eps: LearnersRMSProp(lr, beta, eps, slip)


def test_rmsprop_class_passes_the_right_class_and_the_library():
    check = adagrad_rmsprop_adadelta.check_rmsprop_class
    right = check(learners())
    assert right and right.message.startswith("All match: θ_1 = (-7.68502, 1.68402)")
    assert check(gdlab.RMSProp)


@pytest.mark.parametrize("slip, phrase", [("eps inside", "inside the square root"),
                                          ("no 1 - beta", "weight (1 − β)"),
                                          ("sum", "that is AdaGrad"),
                                          ("bias", "bias correction")])
def test_rmsprop_class_names_each_slip(slip, phrase):
    result = adagrad_rmsprop_adadelta.check_rmsprop_class(learners(slip))
    assert not result and "θ_1 is wrong" in result.message and phrase in result.message
    assert result.message.count("Hint:") == 1


def test_rmsprop_class_names_the_wrong_step_without_a_hint_for_an_unknown_slip():
    class Forgetful(LearnersRMSProp):   # s starts again from 0 at every update
        def update(self, params, grads):
            self.s = None
            super().update(params, grads)

    result = adagrad_rmsprop_adadelta.check_rmsprop_class(
        lambda lr, beta, eps: Forgetful(lr, beta, eps))
    assert not result and "θ_2 is wrong" in result.message and "Hint" not in result.message


def test_rmsprop_class_that_raises_is_reported():
    class NoDict:
        def __init__(self, lr, beta, eps):
            self.lr = lr

        def update(self, params, grads):
            params["theta"] -= self.lr * grads["W1"]

    result = adagrad_rmsprop_adadelta.check_rmsprop_class(NoDict)
    assert not result and result.message == "Your optimizer raised KeyError in update 1: 'W1'"
    wrong_signature = adagrad_rmsprop_adadelta.check_rmsprop_class(lambda lr: None)
    assert not wrong_signature and "when it was made" in wrong_signature.message
