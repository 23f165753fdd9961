"""Chapter 5 (AdaGrad, RMSProp, AdaDelta): closed forms, the sparse data set, the RMSProp
exercise check and the adaptive explorer."""

import math

import numpy as np
import pytest

import gdlab
from gdlab import checks, theory
from gdlab.problems import LeastSquares
from gdlab.widgets import adaptive_explorer


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
    assert checks.rmsprop_steps(RIGHT, **ARGS)
    assert checks.rmsprop_steps(np.round(RIGHT, 4), **ARGS)
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
    feedback = checks.rmsprop_steps(slip, **ARGS)
    assert not feedback
    assert phrase in feedback.message


def test_rmsprop_steps_points_at_the_first_wrong_value():
    wrong = RIGHT.copy()
    wrong[1, 1] += 0.05
    feedback = checks.rmsprop_steps(wrong, **ARGS)
    assert not feedback and "θ1 is right" in feedback.message and "θ2 is wrong" in feedback.message
    assert "Hint" not in feedback.message


def test_rmsprop_steps_one_coordinate_and_shapes():
    expected = by_hand(lambda s, g, t: 0.9 * s + 0.1 * g * g,
                       lambda s, t: np.sqrt(s) + 1e-3)[:, 0]
    args = dict(grads=[2.0, -1.0], lr=0.1, beta=0.9, eps=1e-3, theta0=1.0)
    assert checks.rmsprop_steps(expected, **args)
    assert "shape (2, 1)" in checks.rmsprop_steps([1.0, 2.0, 3.0], **args).message
    # with a tiny eps inside and outside agree, so that is not called a slip
    close = checks.rmsprop_steps([0.5], grads=[3.0], lr=0.1, beta=0.9, eps=1e-8)
    assert not close and "Hint" not in close.message
    with pytest.raises(ValueError, match="theta0 must be a number or have one entry"):
        checks.rmsprop_steps(RIGHT, GRADS, 0.1, 0.9, 1e-3, theta0=[1.0, 1.0, 1.0])
    with pytest.raises(ValueError, match=r"beta must be in \[0, 1\)"):
        checks.rmsprop_steps(RIGHT, GRADS, 0.1, 1.0, 1e-3)


# -- the explorer --------------------------------------------------------------------------
@pytest.fixture(scope="module")
def explorer():
    return adaptive_explorer()


def test_explorer_grid_and_defaults(explorer):
    assert explorer.controls == {"optimizer": ["AdaGrad", "RMSProp", "AdaDelta"],
                                 "lr": [0.01, 0.1, 0.3, 1.0],
                                 "function": ["ravine", "Rosenbrock"]}
    assert np.prod([len(v) for v in explorer.controls.values()]) == 24
    assert explorer.defaults == {"optimizer": "RMSProp", "lr": 0.1, "function": "ravine"}
    assert "decay β = ρ = 0.9" in explorer.title


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
    e = adaptive_explorer(lrs=[0.1, 1.0], decays=[0.9, 0.99])
    assert e.controls["decay"] == [0.9, 0.99] and e.defaults["decay"] == 0.9
    assert np.prod([len(v) for v in e.controls.values()]) == 24
    slow = e.result(optimizer="RMSProp", lr=0.1, decay=0.99, function="ravine")
    direct = gdlab.run(gdlab.RMSProp(lr=0.1, beta=0.99), gdlab.elongated_bowl, [-8.0, 2.0], 300)
    np.testing.assert_array_equal(slow["trajectory"].xs, direct.xs)
    # AdaGrad has no decay: both settings give the same run
    a = e.result(optimizer="AdaGrad", lr=1.0, decay=0.9)
    b = e.result(optimizer="AdaGrad", lr=1.0, decay=0.99)
    np.testing.assert_array_equal(a["trajectory"].xs, b["trajectory"].xs)
    assert e.render(optimizer="AdaDelta", decay=0.99).startswith(PNG)
    with pytest.raises(ValueError, match="controls give 48 combinations"):
        adaptive_explorer(lrs=[0.01, 0.1, 0.3, 1.0], decays=[0.9, 0.99])


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


def test_explorer_custom_functions_and_bad_input():
    small = adaptive_explorer({"bowl": (gdlab.elongated_bowl, (-8.0, 2.0), 20)},
                              lrs=[0.5], optimizers=["AdaGrad"])
    assert small.result()["trajectory"].steps == 20
    assert small.render().startswith(PNG)
    with pytest.raises(ValueError, match="optimizers must be chosen from"):
        adaptive_explorer(optimizers=["Adam"])
    with pytest.raises(ValueError, match=r"functions\['bowl'\] must be a tuple"):
        adaptive_explorer({"bowl": gdlab.elongated_bowl})
    with pytest.raises(ValueError, match="functions must be a non-empty dict"):
        adaptive_explorer({})
    with pytest.raises(ValueError, match="decays must list at least one"):
        adaptive_explorer(decays=[])
    with pytest.raises(ValueError, match=r"beta must be in \[0, 1\)"):
        adaptive_explorer(decays=[1.0]).result(optimizer="RMSProp")
