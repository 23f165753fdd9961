"""Optimizer behaviour beyond torch parity: conventions, options, dicts and state."""

import numpy as np
import pytest

import gdlab

RNG = np.random.default_rng(1)


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
