"""Optimizer behavior beyond torch parity: conventions, options, dicts and state."""

import math

import numpy as np
import pytest

import gdlab
from by_hand import cs231n_by_hand, heavy_ball_by_hand

RNG = np.random.default_rng(1)


def steps_of(optimizer, grads):
    """The changes theta_t - theta_{t-1} of one parameter array fed ``grads`` (rows)."""
    grads = np.asarray(grads, dtype=float)
    theta = np.zeros(grads.shape[1:])
    out = []
    for g in grads:
        before = theta.copy()
        optimizer.update(theta, g)
        out.append(theta - before)
    return np.array(out)


def run_xs(opt, f=gdlab.rosenbrock, x0=(-1.2, 1.0), steps=50):
    return gdlab.run(opt, f, list(x0), steps).xs


def test_seed_note_example_momentum_on_xy():
    """The source notes: f(x, y) = xy, lr 1, momentum 1, from (1, 2)."""
    traj = gdlab.run(gdlab.Momentum(lr=1.0, beta=1.0), gdlab.xy, [1.0, 2.0], 3)
    np.testing.assert_array_equal(traj.xs[1:], [[-1, 1], [-4, 1], [-8, 5]])


def test_ng_momentum_is_heavy_ball_with_a_scaled_learning_rate():
    beta, lr = 0.9, 0.02
    ng = run_xs(gdlab.Momentum(lr=lr, beta=beta, ewma=True))
    heavy = run_xs(gdlab.Momentum(lr=lr * (1 - beta), beta=beta))
    np.testing.assert_allclose(ng, heavy, rtol=1e-12, atol=1e-12)


def test_cs231n_momentum_equals_heavy_ball_for_constant_lr():
    lr, mu = 1e-3, 0.9
    x, v = np.array([-1.2, 1.0]), np.zeros(2)
    ours = run_xs(gdlab.Momentum(lr=lr, beta=mu))
    for t in range(1, 51):
        v = mu * v - lr * gdlab.rosenbrock.grad(x)
        x = x + v
        np.testing.assert_allclose(x, ours[t], rtol=1e-12)


def test_nesterov_equals_sutskever_look_ahead_after_change_of_variables():
    lr, beta, f = 1e-3, 0.9, gdlab.rosenbrock
    theta, v = np.array([-1.2, 1.0]), np.zeros(2)     # Sutskever: gradient at theta + beta v
    ours = run_xs(gdlab.Nesterov(lr=lr, beta=beta))
    for t in range(1, 51):
        v = beta * v - lr * f.grad(theta + beta * v)
        theta = theta + v
        np.testing.assert_allclose(theta + beta * v, ours[t], rtol=1e-10)


def test_plain_momentum_with_beta_zero_is_sgd():
    np.testing.assert_array_equal(run_xs(gdlab.Momentum(lr=1e-3, beta=0.0)),
                                  run_xs(gdlab.SGD(lr=1e-3)))
    np.testing.assert_array_equal(run_xs(gdlab.Nesterov(lr=1e-3, beta=0.0)),
                                  run_xs(gdlab.SGD(lr=1e-3)))


def test_rmsprop_eps_inside_differs_as_predicted():
    g = np.array([1e-4])
    outside, inside = np.zeros(1), np.zeros(1)
    gdlab.RMSProp(lr=1.0, beta=0.0, eps=1e-8).update(outside, g)
    gdlab.RMSProp(lr=1.0, beta=0.0, eps=1e-8, eps_inside=True).update(inside, g)
    assert outside[0] == pytest.approx(-1e-4 / (1e-4 + 1e-8))
    assert inside[0] == pytest.approx(-1e-4 / np.sqrt(1e-8 + 1e-8))


def test_adam_first_step_has_size_lr_in_every_coordinate():
    x = np.zeros(3)
    gdlab.Adam(lr=0.1).update(x, np.array([1e-3, 1.0, -1e3]))
    np.testing.assert_allclose(x, [-0.1, -0.1, 0.1], rtol=1e-4)


def test_adam_without_bias_correction_takes_a_first_step_3_16_times_too_long():
    x = np.zeros(1)
    gdlab.Adam(lr=0.1, bias_correction=False).update(x, np.array([1.0]))
    # m = 0.1, v = 0.001: step = 0.1 * 0.1 / sqrt(0.001) = 0.316...
    assert x[0] == pytest.approx(-0.1 * 0.1 / np.sqrt(0.001), rel=1e-6)


def test_adamw_with_zero_decay_is_adam():
    np.testing.assert_array_equal(run_xs(gdlab.AdamW(lr=0.01, weight_decay=0.0)),
                                  run_xs(gdlab.Adam(lr=0.01)))


def test_adamw_decays_weights_even_with_zero_gradient():
    x = np.array([2.0])
    opt = gdlab.AdamW(lr=0.1, weight_decay=0.5)
    opt.update(x, np.array([0.0]))
    assert x[0] == pytest.approx(2.0 * (1 - 0.05))


def test_adagrad_effective_step_shrinks_like_one_over_sqrt_t():
    x = np.zeros(1)
    opt = gdlab.AdaGrad(lr=1.0, eps=0.0)
    steps = []
    for _ in range(100):
        before = x[0]
        opt.update(x, np.array([1.0]))
        steps.append(before - x[0])
    np.testing.assert_allclose(steps, 1 / np.sqrt(np.arange(1, 101)))


@pytest.mark.parametrize("name", list(gdlab.OPTIMIZERS))
def test_dict_params_equal_separate_arrays(name):
    """Each entry of a dict has its own state, exactly as if it were optimized alone."""
    grads = RNG.standard_normal((20, 5))
    params = {"W": np.ones(3), "b": np.ones(2)}
    W, b = np.ones(3), np.ones(2)
    opt, opt_W, opt_b = (gdlab.OPTIMIZERS[name](lr=0.01) for _ in range(3))
    for g in grads:
        opt.update(params, {"W": g[:3], "b": g[3:]})
        opt_W.update(W, g[:3])
        opt_b.update(b, g[3:])
    np.testing.assert_array_equal(params["W"], W)
    np.testing.assert_array_equal(params["b"], b)


@pytest.mark.parametrize("name", list(gdlab.OPTIMIZERS))
def test_every_optimizer_descends_a_bowl(name):
    opt = gdlab.OPTIMIZERS[name](lr=0.05 if name != "AdaDelta" else 1.0)
    traj = gdlab.run(opt, gdlab.elongated_bowl, [4.0, 1.0], 300)
    assert traj.losses[-1] < 0.5 * traj.losses[0]


def test_update_is_in_place_and_reset_forgets_state():
    x = np.array([1.0, 1.0])
    view = x
    opt = gdlab.Momentum(lr=0.1, beta=0.9)
    opt.update(x, np.array([1.0, 0.0]))
    assert view is x and x[0] == pytest.approx(0.9)
    assert opt.t == 1 and np.allclose(opt.state[None]["v"], [1.0, 0.0])
    opt.reset()
    assert opt.t == 0 and opt.state == {}


def test_repr_shows_hyperparameters():
    assert repr(gdlab.Adam(lr=0.1)) == ("Adam(lr=0.1, beta1=0.9, beta2=0.999, eps=1e-08, "
                                        "bias_correction=True)")
    assert repr(gdlab.Momentum()) == "Momentum(lr=0.001, beta=0.9, ewma=False)"


@pytest.mark.parametrize("cls, defaults", [
    (gdlab.SGD, {"lr": 1e-3}), (gdlab.AdaGrad, {"lr": 1e-2, "eps": 1e-10}),
    (gdlab.RMSProp, {"lr": 1e-2, "beta": 0.99, "eps": 1e-8}),
    (gdlab.AdaDelta, {"lr": 1.0, "rho": 0.9, "eps": 1e-6}),
    (gdlab.Adam, {"lr": 1e-3, "beta1": 0.9, "beta2": 0.999, "eps": 1e-8}),
    (gdlab.AdamW, {"lr": 1e-3, "weight_decay": 1e-2})])
def test_defaults_are_pytorchs(cls, defaults):
    opt = cls()
    for key, value in defaults.items():
        assert getattr(opt, key) == value


# -- AdaMax ----------------------------------------------------------------------------
def test_adamax_first_step_is_lr_times_g_over_abs_g_plus_eps():
    # m_1 = (1 - b1) g, bias-corrected to g; u_1 = max(0, |g| + eps) = |g| + eps
    g = np.array([[3.0, -1e-9, 1e4]])
    step = steps_of(gdlab.AdaMax(lr=0.02), g)[0]
    np.testing.assert_allclose(step, -0.02 * g[0] / (np.abs(g[0]) + 1e-8), rtol=1e-12)


def test_adamax_puts_eps_inside_the_max_like_torch():
    # paper (eps = 0): a gradient of 1e-9 still gives a full step lr;
    # torch (eps inside the max): lr * 1e-9 / (1e-9 + 1e-8) = lr / 11
    g = np.array([[1e-9]])
    assert steps_of(gdlab.AdaMax(lr=1.0, eps=0.0), g)[0, 0] == pytest.approx(-1.0)
    assert steps_of(gdlab.AdaMax(lr=1.0), g)[0, 0] == pytest.approx(-1.0 / 11.0)


def test_adamax_u_is_a_decaying_maximum():
    opt = gdlab.AdaMax(lr=0.1, beta2=0.9, eps=0.0)
    steps_of(opt, [[10.0], [0.0], [0.0], [2.0]])
    # u: 10 -> 9 -> 8.1 -> max(7.29, 2) = 7.29
    assert opt.state[None]["u"][0] == pytest.approx(10 * 0.9**3)
    opt = gdlab.AdaMax(lr=0.1, beta2=0.5, eps=0.0)
    steps_of(opt, [[10.0], [0.0], [0.0], [2.0]])
    # u: 10 -> 5 -> 2.5 -> max(1.25, 2) = 2
    assert opt.state[None]["u"][0] == pytest.approx(2.0)


def test_adamax_matches_the_papers_algorithm_2_by_hand():
    grads = RNG.standard_normal((40, 3)) * np.array([1e-3, 1.0, 1e3])
    lr, b1, b2, eps = 0.01, 0.8, 0.95, 1e-8
    m = np.zeros(3)
    u = np.zeros(3)
    expected = []
    for t, g in enumerate(grads, start=1):
        m = b1 * m + (1 - b1) * g
        u = np.maximum(b2 * u, np.abs(g) + eps)
        expected.append(-lr / (1 - b1**t) * m / u)
    np.testing.assert_allclose(steps_of(gdlab.AdaMax(lr, b1, b2, eps), grads), expected,
                               rtol=1e-12)


def test_adamax_steps_stay_within_its_bound():
    # |m_t| / u_t <= (1 - b1) sum_k (b1 / b2)^k / (1 - b1^t): about 1.009 for the defaults
    grads = RNG.standard_normal((500, 200)) * 10.0 ** RNG.uniform(-3, 3, 200)
    moves = np.abs(steps_of(gdlab.AdaMax(lr=1.0, eps=0.0), grads))
    limit = 0.1 / (1 - 0.9 / 0.999)
    assert moves.max() <= limit + 1e-12
    assert limit == pytest.approx(1.009, abs=1e-3)


# -- AMSGrad ---------------------------------------------------------------------------
def test_amsgrad_equals_adam_while_v_keeps_growing():
    # a constant gradient makes v_t = (1 - b2^t) g^2 increase, so max(v_max, v) = v
    grads = np.tile([[0.5, -2.0, 1e-3]], (60, 1))
    np.testing.assert_array_equal(steps_of(gdlab.AMSGrad(lr=0.01), grads),
                                  steps_of(gdlab.Adam(lr=0.01), grads))


def test_amsgrad_keeps_the_raw_maximum_and_divides_by_the_current_correction():
    grads = np.array([[10.0]] + [[0.5]] * 30 + [[-3.0]])
    lr, b1, b2, eps = 0.1, 0.9, 0.99, 1e-8
    m = v = v_max = 0.0
    expected = []
    for t, (g,) in enumerate(grads, start=1):
        m = b1 * m + (1 - b1) * g
        v = b2 * v + (1 - b2) * g * g
        v_max = max(v_max, v)
        expected.append(-lr / (1 - b1**t) * m / (math.sqrt(v_max / (1 - b2**t)) + eps))
    got = steps_of(gdlab.AMSGrad(lr, b1, b2, eps), grads)[:, 0]
    np.testing.assert_allclose(got, expected, rtol=1e-12)
    # and it is not Adam: after the big gradient Adam's denominator shrinks, AMSGrad's not
    adam = steps_of(gdlab.Adam(lr, b1, b2, eps), grads)[:, 0]
    assert np.all(np.abs(got[10:]) < np.abs(adam[10:]))


def test_amsgrad_effective_step_never_grows():
    opt = gdlab.AMSGrad(lr=1.0)
    theta = np.zeros(1)
    previous = np.inf
    for g in [100.0, 1.0, 1.0, 50.0, 0.1, 0.1, 0.1]:
        opt.update(theta, np.array([g]))
        effective = 1.0 / math.sqrt(opt.state[None]["v_max"][0])
        assert effective <= previous
        previous = effective


# -- both ------------------------------------------------------------------------------
@pytest.mark.parametrize("cls, defaults", [
    (gdlab.AdaMax, {"lr": 2e-3, "beta1": 0.9, "beta2": 0.999, "eps": 1e-8}),
    (gdlab.AMSGrad, {"lr": 1e-3, "beta1": 0.9, "beta2": 0.999, "eps": 1e-8})])
def test_defaults_are_the_papers_and_pytorchs(cls, defaults):
    opt = cls()
    for key, value in defaults.items():
        assert getattr(opt, key) == value


def test_registered_exported_and_colored():
    assert gdlab.OPTIMIZERS["AdaMax"] is gdlab.AdaMax
    assert gdlab.OPTIMIZERS["AMSGrad"] is gdlab.AMSGrad
    assert gdlab.plots.color_of(gdlab.AdaMax()) == gdlab.plots.COLORS["AdaMax"]
    assert repr(gdlab.AMSGrad(lr=0.1)) == "AMSGrad(lr=0.1, beta1=0.9, beta2=0.999, eps=1e-08)"


@pytest.mark.parametrize("cls", [gdlab.AdaMax, gdlab.AMSGrad])
@pytest.mark.parametrize("kwargs, pattern", [
    ({"lr": -1.0}, r"lr must be in \[0, inf\), got -1"),
    ({"beta1": 1.0}, r"beta1 must be in \[0, 1\), got 1"),
    ({"beta2": -0.1}, r"beta2 must be in \[0, 1\), got -0.1"),
    ({"eps": -1e-8}, r"eps must be in \[0, inf\), got -1e-08")])
def test_bad_hyperparameters_are_explained(cls, kwargs, pattern):
    with pytest.raises(ValueError, match=pattern):
        cls(**kwargs)


CONVENTION_X0 = [-9.0, 2.0]


# -- the three ways of writing momentum (chapter 3) --------------------------------------
@pytest.mark.parametrize("lr, beta", [(0.9, 0.5), (0.3, 0.9), (1.0, 0.99)])
def test_ng_form_is_heavy_ball_with_lr_times_one_minus_beta(lr, beta):
    ng = gdlab.run(gdlab.Momentum(lr=lr, beta=beta, ewma=True), gdlab.elongated_bowl,
                   CONVENTION_X0, 200)
    heavy = heavy_ball_by_hand(gdlab.elongated_bowl, CONVENTION_X0, lr * (1 - beta), beta, 200)
    np.testing.assert_allclose(ng.xs, heavy, rtol=0, atol=1e-12)


@pytest.mark.parametrize("lr, beta", [(0.9, 0.5), (0.3, 0.9)])
def test_cs231n_form_is_heavy_ball_for_a_constant_lr(lr, beta):
    heavy = gdlab.run(gdlab.Momentum(lr=lr, beta=beta), gdlab.elongated_bowl, CONVENTION_X0, 200)
    by_hand = cs231n_by_hand(gdlab.elongated_bowl, CONVENTION_X0, lr, beta, 200)
    np.testing.assert_allclose(heavy.xs, by_hand, rtol=0, atol=1e-12)


# -- the contract: state bound to arrays, dtypes, eps = 0, flags, schedules (issue 8) -----
def test_reset_frees_the_optimizer_for_another_array():
    """The issue's example: reused on y, Momentum would have moved y by -0.19, not -0.1."""
    opt = gdlab.Momentum(lr=0.1, beta=0.9)
    x, y = np.zeros(1), np.zeros(1)
    opt.update(x, np.ones(1))
    with pytest.raises(ValueError, match="call reset"):
        opt.update(y, np.ones(1))
    opt.reset()
    opt.update(y, np.ones(1))
    assert y[0] == pytest.approx(-0.1) and opt.t == 1


def test_the_bound_dict_may_come_back_in_another_order_and_as_a_new_dict():
    W, b = np.zeros(2), np.zeros(1)
    opt = gdlab.Adam(lr=0.1)
    opt.update({"W": W, "b": b}, {"W": np.ones(2), "b": np.ones(1)})
    opt.update({"b": b, "W": W}, {"b": np.ones(1), "W": np.ones(2)})
    assert opt.t == 2 and set(opt.state) == {"W", "b"}


@pytest.mark.parametrize("name", list(gdlab.OPTIMIZERS))
def test_float32_params_keep_float32_state_and_follow_float64(name):
    kwargs = {"lr": 0.01} if name != "AdaDelta" else {}
    grads = RNG.standard_normal((30, 4))
    single = steps_of(gdlab.OPTIMIZERS[name](**kwargs), grads)
    x = np.zeros(4, dtype=np.float32)
    opt = gdlab.OPTIMIZERS[name](**kwargs)
    for g in grads:
        opt.update(x, g)
    assert x.dtype == np.float32
    assert all(a.dtype == np.float32 for a in opt.state[None].values())
    np.testing.assert_allclose(x, single.sum(axis=0), rtol=1e-4, atol=1e-6)


def test_integer_gradients_are_cast_to_the_params_dtype():
    x = np.zeros(2)
    gdlab.SGD(lr=0.5).update(x, np.array([2, -4]))
    np.testing.assert_array_equal(x, [-1.0, 2.0])


ZERO_EPS = {"AdaGrad": {}, "RMSProp": {"beta": 0.5}, "Adam": {"beta2": 0.5},
            "AdamW": {"beta2": 0.0}, "AdaMax": {"beta2": 0.0}, "AMSGrad": {"beta2": 0.0}}


@pytest.mark.parametrize("name", list(ZERO_EPS))
def test_zero_denominator_is_exactly_where_the_step_would_not_be_finite(name):
    """The hook predicts, from the state and the gradient alone, the entries where the
    update with eps = 0 would write NaN (0/0) or inf (m/0, or g/0 when g*g underflows)."""
    opt = gdlab.OPTIMIZERS[name](lr=0.1, eps=0.0, **ZERO_EPS[name])
    opt.t = 1
    grad = np.array([0.0, 1e-200, 0.0, 1.0, 0.0, 0.0])
    accumulated = np.array([0.0, 0.0, 1e-300, 0.0, 1.0, 5e-324])
    state = {**opt.init_state(grad), **{n: accumulated.copy() for n in opt.state_names}}
    mask = np.broadcast_to(opt.zero_denominator(state, grad), grad.shape)
    trial = np.ones(6)
    with np.errstate(divide="ignore", invalid="ignore"):
        opt.step(trial, grad, state, 0.1)
    np.testing.assert_array_equal(mask, ~np.isfinite(trial))
    assert mask[0] and not mask[3]      # some entries fail, some do not: not vacuous


def test_zero_denominator_checks_only_with_eps_zero():
    for name in ZERO_EPS:
        opt = gdlab.OPTIMIZERS[name]()
        assert not np.any(opt.zero_denominator(opt.init_state(np.zeros(2)), np.zeros(2)))
        opt.update(np.zeros(2), np.zeros(2))                  # eps > 0: a zero step
    assert not gdlab.SGD().zero_denominator({}, np.zeros(2))


def test_flags_accept_numpy_bools_and_heavy_ball_keeps_beta_one():
    assert gdlab.Momentum(ewma=np.True_).ewma is True
    assert gdlab.Adam(bias_correction=np.False_).bias_correction is False
    assert gdlab.Momentum(beta=1.0).beta == 1.0
    assert gdlab.Momentum(beta=0.99, ewma=True).ewma is True


@pytest.mark.parametrize("lr", [lambda t: 0.1 / t, lambda t, k=2: 0.1, lambda *args: 0.1,
                                gdlab.schedules.Constant(0.1)])
def test_schedules_called_as_lr_t_are_accepted(lr):
    x = np.zeros(1)
    gdlab.SGD(lr=lr).update(x, np.ones(1))
    assert x[0] == pytest.approx(-0.1)


# -- in place and in blocks (issue 12): the same numbers as the plain formulas ----------------
def plain_step(opt, theta, g, state, lr):
    """One step of ``opt`` written as its docstring's formulas, with fresh arrays."""
    name, t = opt.name, opt.t
    b1, b2 = getattr(opt, "beta1", None), getattr(opt, "beta2", None)
    if name == "SGD":
        return theta - lr * g
    if name == "Momentum":
        state["v"] = opt.beta * state["v"] + ((1.0 - opt.beta) * g if opt.ewma else g)
        return theta - lr * state["v"]
    if name == "Nesterov":
        state["v"] = opt.beta * state["v"] + g
        return theta - lr * (g + opt.beta * state["v"])
    if name == "AdaGrad":
        state["s"] = state["s"] + g * g
        return theta - lr * g / (np.sqrt(state["s"]) + opt.eps)
    if name == "RMSProp":
        s = state["s"] = opt.beta * state["s"] + (1.0 - opt.beta) * g * g
        return theta - lr * g / (np.sqrt(s + opt.eps) if opt.eps_inside else np.sqrt(s) + opt.eps)
    if name == "AdaDelta":
        state["s"] = opt.rho * state["s"] + (1.0 - opt.rho) * g * g
        delta = np.sqrt(state["u"] + opt.eps) / np.sqrt(state["s"] + opt.eps) * g
        state["u"] = opt.rho * state["u"] + (1.0 - opt.rho) * delta * delta
        return theta - lr * delta
    if name == "AdamW":
        theta = theta * (1.0 - lr * opt.weight_decay)
    state["m"] = b1 * state["m"] + (1.0 - b1) * g
    if name == "AdaMax":
        state["u"] = np.maximum(b2 * state["u"], np.abs(g) + opt.eps)
        return theta - lr / (1.0 - b1 ** t) * (state["m"] / state["u"])
    state["v"] = b2 * state["v"] + (1.0 - b2) * g * g
    root = np.sqrt(state["v"])
    if name == "AMSGrad":
        state["v_max"] = np.maximum(state["v_max"], state["v"])
        root = np.sqrt(state["v_max"])
    if name == "Adam" and not opt.bias_correction:
        return theta - lr * (state["m"] / (root + opt.eps))
    step_size = lr / (1.0 - b1 ** t)
    return theta - step_size * (state["m"] / (root / math.sqrt(1.0 - b2 ** t) + opt.eps))


BLOCK = 2 ** 18 // 8   # entries of float64 in one block of the optimizers' step
VARIANTS = [(name, {}) for name in gdlab.OPTIMIZERS] + [
    ("Momentum", {"ewma": True}), ("RMSProp", {"eps_inside": True}),
    ("Adam", {"bias_correction": False}), ("Adam", {"eps": 0.0}),
    ("AdamW", {"weight_decay": 0.3}), ("SGD", {"lr": lambda t: 0.1 / t})]


def variant_id(value) -> str:
    """A test id that is the same in every process (no function addresses)."""
    if isinstance(value, dict):
        return ",".join(f"{k}={'schedule' if callable(v) else v}" for k, v in value.items())
    return str(value)


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("name, options", VARIANTS, ids=variant_id)
def test_in_place_steps_equal_the_plain_formulas_bit_for_bit(name, options, dtype):
    """Scratch buffers, out= and blocks change no rounding: over several steps the library
    equals the docstring formula exactly, for arrays below, at and across a block, a 2-D
    array and a strided view (dicts: test_dict_params_equal_separate_arrays)."""
    options = {"lr": 0.01 if name != "AdaDelta" else 1.0, **options}
    rng = np.random.default_rng(5)
    big = rng.standard_normal((400, 2 * BLOCK // 400 + 10)).astype(dtype)
    for shape in [(3,), (BLOCK,), (BLOCK + 1,), (2 * BLOCK + 17,), (700, 500), "view"]:
        x = big[:, ::2] if shape == "view" else rng.standard_normal(shape).astype(dtype)
        plain, opt = x.copy(), gdlab.OPTIMIZERS[name](**options)
        state = {n: np.zeros_like(x) for n in opt.state_names}
        for _ in range(4):
            g = (rng.standard_normal(x.shape) * 10.0 ** rng.uniform(-3, 3, x.shape)).astype(dtype)
            opt.update(x, g)
            plain = plain_step(opt, plain, g, state, opt.current_lr())
            np.testing.assert_array_equal(x, plain)
        for n in opt.state_names:
            np.testing.assert_array_equal(opt.state[None][n], state[n])
            assert opt.state[None][n].dtype == dtype


@pytest.mark.parametrize("name", list(gdlab.OPTIMIZERS))
def test_an_update_allocates_no_array_the_size_of_the_parameters(name):
    import tracemalloc
    x, g = np.ones(40 * BLOCK), np.full(40 * BLOCK, 0.5)     # 10 MB each, 40 blocks
    opt = gdlab.OPTIMIZERS[name](**({"lr": 0.01} if name != "AdaDelta" else {}))
    opt.update(x, g)                                          # makes the state
    tracemalloc.start()
    try:
        opt.update(x, g)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 64 * 1024, f"{name} allocated {peak} bytes in one update"


def test_scratch_lives_beside_the_state_and_is_not_state():
    opt = gdlab.Adam(lr=0.1)
    x = np.zeros(3 * BLOCK, dtype=np.float32)
    opt.update({"W": x, "b": np.zeros(2)}, {"W": np.ones(3 * BLOCK), "b": np.ones(2)})
    assert set(opt.state["W"]) == {"m", "v", "tmp"} and opt.state_names == ("m", "v")
    assert opt.state["W"]["tmp"].shape == (2 * BLOCK,)    # one block of 256 KiB of float32
    assert opt.state["W"]["tmp"].dtype == np.float32
    assert opt.state["b"]["tmp"].shape == (2,)            # small: the parameter's shape
    assert not set(gdlab.AdaMax.scratch_names) & set(gdlab.AdaMax.state_names)
    for cls in gdlab.OPTIMIZERS.values():
        assert not set(cls.scratch_names) & set(cls.state_names), cls.name
    opt.reset()
    assert opt.state == {}


def test_a_step_that_mixes_coordinates_gets_the_whole_array():
    class Normalized(gdlab.SGD):
        """theta <- theta - lr g / |g|: not elementwise."""
        elementwise = False

        def step(self, param, grad, state, lr):
            param -= lr * grad / np.linalg.norm(grad)

    x, g = np.zeros(3 * BLOCK), np.ones(3 * BLOCK)
    Normalized(lr=1.0).update(x, g)
    assert np.linalg.norm(x) == pytest.approx(1.0)


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("where", [0, BLOCK - 1, BLOCK, 3 * BLOCK + 4])
@pytest.mark.parametrize("bad", [np.nan, np.inf, -np.inf])
def test_a_large_nonfinite_gradient_or_param_is_found_anywhere_and_changes_nothing(
        bad, where, dtype):
    huge = np.full(3 * BLOCK + 5, np.finfo(dtype).max, dtype=dtype)
    gdlab.SGD(lr=0.0).update(huge, -huge)           # no false alarm from huge values
    x, g = np.full_like(huge, 0.5), np.full_like(huge, 2.0)
    opt = gdlab.Adam(lr=0.1)
    opt.update(x, g)
    before = {n: a.copy() for n, a in opt.state[None].items()}, x.copy()
    g[where] = bad
    with pytest.raises(ValueError, match=f"grads must be finite, found {bad}"):
        opt.update(x, g)
    x_bad = x.copy()
    x_bad[where] = bad
    with pytest.raises(ValueError, match=f"params must be finite, found {bad}"):
        gdlab.SGD().update(x_bad, np.zeros_like(x_bad))
    assert opt.t == 1
    np.testing.assert_array_equal(x, before[1])
    for n, a in before[0].items():
        np.testing.assert_array_equal(opt.state[None][n], a)
