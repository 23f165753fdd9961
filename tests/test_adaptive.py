"""Chapter 5 (AdaGrad, RMSProp, AdaDelta): closed forms, the sparse data set, the RMSProp
exercise check and the adaptive explorer."""

import math

import numpy as np
import pytest

import gdlab
from gdlab import checks, theory
from gdlab.problems import LeastSquares
from gdlab.widgets import adaptive_explorer

PNG = b"\x89PNG\r\n\x1a\n"


def constant_gradient_steps(optimizer, g, steps):
    """Sizes of the steps ``optimizer`` takes when fed the gradient ``g`` every time."""
    x, sizes = np.zeros(1), []
    for _ in range(steps):
        before = x.copy()
        optimizer.update(x, np.array([g]))
        sizes.append(abs(x[0] - before[0]))
    return np.array(sizes)


# -- closed forms --------------------------------------------------------------------------
def test_adagrad_step_on_a_constant_slope_is_lr_over_root_t():
    assert theory.adagrad_constant_gradient_step(1.0, 4) == pytest.approx(0.5)
    assert theory.adagrad_constant_gradient_step(0.3, 100, g=-7.0) == pytest.approx(0.03)
    t = np.arange(1, 201)
    for g, eps in [(0.01, 0.0), (5.0, 1e-10), (1e-3, 1e-4)]:
        measured = constant_gradient_steps(gdlab.AdaGrad(lr=0.2, eps=eps), g, 200)
        np.testing.assert_allclose(measured,
                                   theory.adagrad_constant_gradient_step(0.2, t, g, eps),
                                   rtol=1e-10)


def test_adagrad_travel_bound_holds_for_shrinking_gradients_and_is_nearly_tight():
    # constant gradient: the travel is lr * sum 1/sqrt(k), just under lr (2 sqrt t - 1)
    t = 10_000
    travelled = constant_gradient_steps(gdlab.AdaGrad(lr=0.5, eps=0.0), 3.0, t).sum()
    bound = theory.adagrad_travel_bound(0.5, t)
    assert travelled <= bound and travelled > 0.99 * bound
    assert theory.adagrad_travel_bound(2.0, 1) == pytest.approx(2.0)
    # sliding down x^2/20 from -80: the gradient only shrinks, so the bound must hold
    bowl = gdlab.Quadratic(np.array([[0.1]]))
    traj = gdlab.run(gdlab.AdaGrad(lr=0.5), bowl, [-80.0], 3000)
    moved = np.abs(np.diff(traj.xs[:, 0])).sum()
    assert moved <= theory.adagrad_travel_bound(0.5, 3000)
    assert moved > 0.8 * theory.adagrad_travel_bound(0.5, 3000)   # and it binds: a stall


def test_rmsprop_step_on_a_constant_slope():
    assert theory.rmsprop_constant_gradient_step(1.0, 0.99, 1) == pytest.approx(10.0)
    assert theory.rmsprop_constant_gradient_step(1.0, 0.9, 1) == pytest.approx(math.sqrt(10))
    assert theory.rmsprop_constant_gradient_step(0.1, 0.9, 10_000) == pytest.approx(0.1)
    t = np.arange(1, 301)
    for g, eps, inside in [(2.0, 1e-8, False), (1e-4, 1e-3, False), (1e-4, 1e-3, True),
                           (1e-4, 1e-8, True)]:
        measured = constant_gradient_steps(
            gdlab.RMSProp(lr=0.01, beta=0.95, eps=eps, eps_inside=inside), g, 300)
        np.testing.assert_allclose(
            measured, theory.rmsprop_constant_gradient_step(0.01, 0.95, t, g, eps, inside),
            rtol=1e-10)


def test_adadelta_first_step_and_slow_growth_on_a_slope():
    for g in (1e-4, 0.3, 1e3):
        first = constant_gradient_steps(gdlab.AdaDelta(lr=1.0, rho=0.9, eps=1e-6), g, 1)[0]
        assert first == pytest.approx(theory.adadelta_first_step(g, 0.9, 1e-6), rel=1e-12)
    # a large gradient: the first step is sqrt(eps / (1 - rho)), the size of g drops out
    assert theory.adadelta_first_step(1e3, 0.9, 1e-6) == pytest.approx(math.sqrt(1e-5), rel=1e-6)
    sizes = constant_gradient_steps(gdlab.AdaDelta(lr=1.0, rho=0.9, eps=1e-6), 50.0, 20_000)
    assert sizes[-1] == pytest.approx(theory.adadelta_slope_step(20_000, 0.9, 1e-6), rel=0.01)
    assert theory.adadelta_slope_step(10, 0.5, 1e-2, lr=2.0) == pytest.approx(2 * math.sqrt(0.05))


def test_eps_placement_ratio_matches_the_two_rmsprop_forms():
    assert theory.eps_placement_ratio(1e-8, 1e-8) == pytest.approx(math.sqrt(2) / (1 + 1e-4))
    assert theory.eps_placement_ratio(0.0, 1e-6) == pytest.approx(1e3)
    assert theory.eps_placement_ratio(1.0, 0.01) < 1.0 < theory.eps_placement_ratio(1e-4, 0.01)
    g, eps = 3e-4, 1e-7
    outside = constant_gradient_steps(gdlab.RMSProp(lr=1.0, beta=0.0, eps=eps), g, 1)[0]
    inside = constant_gradient_steps(gdlab.RMSProp(lr=1.0, beta=0.0, eps=eps, eps_inside=True),
                                     g, 1)[0]
    assert outside / inside == pytest.approx(theory.eps_placement_ratio(g * g, eps), rel=1e-12)


def test_keras_docstring_example_for_eps_inside():
    # keras.optimizers.RMSprop(learning_rate=0.1): var 10, loss var^2/2 -> 9.683772 after
    # one step (rho 0.9, epsilon 1e-7 inside the root).
    x = np.array([10.0])
    gdlab.RMSProp(lr=0.1, beta=0.9, eps=1e-7, eps_inside=True).update(x, x.copy())
    assert x[0] == pytest.approx(9.683772, abs=1e-6)


def test_effective_learning_rates():
    f = gdlab.elongated_bowl
    sgd = gdlab.run(gdlab.SGD(lr=0.3), f, [-8.0, 2.0], 20)
    np.testing.assert_allclose(theory.effective_learning_rates(sgd, f), 0.3, rtol=1e-9)
    # AdaGrad, by an independent loop that keeps its own sum of squares
    traj = gdlab.run(gdlab.AdaGrad(lr=0.5), f, [-8.0, 2.0], 30)
    x, s, expected = np.array([-8.0, 2.0]), np.zeros(2), []
    for _ in range(30):
        g = f.grad(x)
        s += g * g
        expected.append(0.5 / (np.sqrt(s) + 1e-10))
        x = x - expected[-1] * g
    np.testing.assert_allclose(theory.effective_learning_rates(traj, f), expected, rtol=1e-8)
    # a zero gradient (the start at the minimum) gives NaN, not a warning or inf
    still = gdlab.run(gdlab.AdaGrad(lr=0.5), f, [0.0, 0.0], 3)
    assert np.isnan(theory.effective_learning_rates(still, f)).all()


@pytest.mark.parametrize("call, pattern", [
    (lambda: theory.adagrad_constant_gradient_step(-1.0, 3), r"lr must be in \[0, inf\)"),
    (lambda: theory.adagrad_constant_gradient_step(1.0, 0), r"t must be finite and in \[1"),
    (lambda: theory.adagrad_constant_gradient_step(1.0, 2.5), "t must be whole step numbers"),
    (lambda: theory.adagrad_constant_gradient_step(1.0, 3, g=0.0), "g and eps must not both"),
    (lambda: theory.rmsprop_constant_gradient_step(0.1, 1.0, 3), r"beta must be in \[0, 1\)"),
    (lambda: theory.adadelta_first_step(1.0, 0.9, 0.0), r"eps must be in \(0, inf\)"),
    (lambda: theory.adadelta_slope_step(5, -0.1, 1e-6), r"rho must be in \[0, 1\)"),
    (lambda: theory.eps_placement_ratio(-1.0, 1e-8), r"s must be finite and in \[0"),
    (lambda: theory.adagrad_travel_bound(0.1, [1, 0]), r"t must be finite and in \[1"),
])
def test_closed_forms_reject_bad_input(call, pattern):
    with pytest.raises(ValueError, match=pattern):
        call()


# -- the sparse regression -----------------------------------------------------------------
def test_sparse_regression_has_one_rare_feature():
    problem = gdlab.data.sparse_regression(n=500, dense=4, rare_count=7, seed=3)
    assert isinstance(problem, LeastSquares)
    assert problem.X.shape == (500, 5) and problem.rare_index == 4
    rare = problem.X[:, 4]
    assert set(np.unique(rare)) == {0.0, 1.0} and rare.sum() == 7
    np.testing.assert_array_equal(np.flatnonzero(rare), problem.rare_rows)
    # its curvature is the fraction of rows that have it
    assert problem.A[4, 4] == pytest.approx(7 / 500)
    # the least-squares fit recovers the weights (noise 0.1)
    np.testing.assert_allclose(problem.minimum, problem.true_w, atol=0.1)
    assert problem.true_w[4] == 2.0 and np.all(np.abs(problem.true_w[:4]) <= 1.0)
    again = gdlab.data.sparse_regression(n=500, dense=4, rare_count=7, seed=3)
    np.testing.assert_array_equal(again.X, problem.X)
    np.testing.assert_array_equal(again.y, problem.y)
    other = gdlab.data.sparse_regression(n=500, dense=4, rare_count=7, seed=4)
    assert not np.array_equal(other.rare_rows, problem.rare_rows)


def test_sparse_regression_gradient_on_the_rare_weight_is_zero_without_rare_rows():
    problem = gdlab.data.sparse_regression(n=300, dense=3, rare_count=5, seed=0)
    common = np.setdiff1d(np.arange(300), problem.rare_rows)[:10]
    w = np.ones(4)
    assert problem.batch_grad(w, common)[3] == 0.0
    assert problem.batch_grad(w, problem.rare_rows[:1])[3] != 0.0


@pytest.mark.parametrize("kwargs, pattern", [
    ({"rare_count": 0}, r"rare_count must be a whole number >= 1"),
    ({"n": 5, "rare_count": 6}, r"rare_count must be in \[1, n\] = \[1, 5\], got 6"),
    ({"dense": 0}, r"dense must be a whole number >= 1"),
    ({"noise": -1.0}, r"noise must be in \[0, inf\)"),
])
def test_sparse_regression_rejects_bad_input(kwargs, pattern):
    with pytest.raises(ValueError, match=pattern):
        gdlab.data.sparse_regression(**kwargs)


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
