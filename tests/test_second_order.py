"""gdlab.second_order: Newton's step and its damped and saddle-free variants, Newton paths,
the Hessian's memory and finite-difference Hessian-vector products. Expected values come
from hand computation, from the exact Hessians in gdlab.functions or from SciPy's exact
Hessian-vector product of the n-D Rosenbrock function, not from the functions under test."""

import numpy as np
import pytest
from landscapes import SoftAbs
from scipy.optimize import rosen_der, rosen_hess, rosen_hess_prod

import gdlab
from gdlab import second_order as so


# -- the three steps ---------------------------------------------------------------------------
def test_newton_step_on_a_quadratic_lands_on_the_minimum():
    f = gdlab.random_quadratic(kappa=1e4, dim=6, seed=3)
    x = np.arange(6.0)
    x1 = x + so.newton_step(f.grad(x), f.hessian(x))
    np.testing.assert_allclose(x1, f.minimum, atol=1e-9)
    # by hand: H = diag(2, 4), g = (2, -4) -> p = (-1, 1)
    np.testing.assert_allclose(so.newton_step([2.0, -4.0], np.diag([2.0, 4.0])), [-1.0, 1.0])


def test_damped_step_interpolates_newton_and_gradient_descent():
    g, H = np.array([2.0, -4.0]), np.diag([2.0, 4.0])
    np.testing.assert_allclose(so.damped_newton_step(g, H, 0.0), [-1.0, 1.0])
    np.testing.assert_allclose(so.damped_newton_step(g, H, 2.0), [-0.5, 4 / 6])   # g/(h + 2)
    big = so.damped_newton_step(g, H, 1e8)
    np.testing.assert_allclose(big * 1e8, -g, rtol=1e-6)                            # -g/λ


def test_saddle_free_step_goes_downhill_on_a_saddle():
    g, H = np.array([2.0, -0.2]), gdlab.saddle.hessian([1.0, 0.1])       # at (1, 0.1)
    newton = so.newton_step(g, H)
    np.testing.assert_allclose(newton, [-1.0, -0.1])                     # straight to (0, 0)
    free = so.saddle_free_step(g, H)
    np.testing.assert_allclose(free, [-1.0, 0.1])                        # y doubles
    assert g @ free < 0
    np.testing.assert_allclose(so.absolute_hessian([[0.0, 3.0], [3.0, 0.0]]), 3 * np.eye(2),
                               atol=1e-12)
    np.testing.assert_allclose(so.saddle_free_step(g, H, 2.0), [-0.5, 0.05])


@pytest.mark.parametrize("call, words", [
    (lambda: so.newton_step([1.0, 2.0], np.eye(3)), "H must have shape (2, 2)"),
    (lambda: so.newton_step([1.0, 2.0], [[1.0, 2.0], [0.0, 1.0]]), "H must be symmetric"),
    (lambda: so.newton_step([1.0, 2.0], np.zeros((2, 2))), "H is singular"),
    (lambda: so.newton_step([1.0, np.nan], np.eye(2)), "g must contain only finite"),
    (lambda: so.damped_newton_step([1.0], [[1.0]], -1.0), "damping must be in [0, inf)"),
    (lambda: so.damped_newton_step([1.0], [[-2.0]], 2.0), "H + 2 I is singular"),
    (lambda: so.saddle_free_step([1.0], [[1.0]], -0.5), "damping must be in"),
    (lambda: so.absolute_hessian(np.ones((2, 3))), "symmetric square matrix"),
])
def test_steps_refuse_bad_input(call, words):
    with pytest.raises(ValueError) as error:
        call()
    assert words in str(error.value), str(error.value)


# -- paths -------------------------------------------------------------------------------------
def test_newton_on_rosenbrock_converges_quadratically():
    traj = so.newton_path(gdlab.rosenbrock, [-1.2, 1.0], 10)
    assert traj.optimizer == "Newton" and not traj.diverged
    assert traj.status == "newton: stopped: the gradient is exactly zero"
    errors = traj.distances()
    assert errors[-1] == 0 and len(errors) <= 9
    e = errors[(errors > 0) & (errors < 0.1)]
    assert len(e) >= 2 and np.all(e[1:] <= 10 * e[:-1] ** 2)   # e_{k+1} <= C e_k², C = 10


def test_newton_first_step_matches_a_hand_solve():
    f, x0 = gdlab.rosenbrock, np.array([-1.2, 1.0])
    traj = so.newton_path(f, x0, 1)
    np.testing.assert_allclose(traj.xs[1], x0 - np.linalg.solve(f.hessian(x0), f.grad(x0)))


def test_newton_runs_into_the_saddle_and_saddle_free_leaves_it():
    to_saddle = so.newton_path(gdlab.saddle, [1.0, 0.1], 3)
    np.testing.assert_allclose(to_saddle.xs[1], [0.0, 0.0])
    assert to_saddle.steps == 1 and "gradient is exactly zero" in to_saddle.status
    away = so.newton_path(gdlab.saddle, [1.0, 0.1], 4, variant="saddle-free")
    np.testing.assert_allclose(away.xs[:, 1], 0.1 * 2.0 ** np.arange(5))
    # on the double well from beside the saddle: the minimum to the left
    well = gdlab.double_well
    start = well.saddle_point + [-0.05, 0.5]
    newton = so.newton_path(well, start, 30)
    np.testing.assert_allclose(newton.xs[-1], well.saddle_point, atol=1e-10)
    free = so.newton_path(well, start, 30, variant="saddle-free")
    np.testing.assert_allclose(free.xs[-1], well.minimum, atol=1e-10)


def test_line_search_keeps_newton_from_diverging_on_a_soft_absolute_value():
    f = SoftAbs()                           # sqrt(1 + x²): Newton maps x to -x³
    pure = so.newton_path(f, [1.1], 10)
    np.testing.assert_allclose(pure.xs[:3, 0], [1.1, -1.331, 1.331 ** 3], rtol=1e-12)
    assert pure.diverged and pure.status.startswith("newton: diverged")
    searched = so.newton_path(f, [1.1], 10, line_search=True)
    assert not searched.diverged and np.all(np.diff(searched.losses) <= 0)
    assert abs(searched.xs[-1, 0]) < 1e-12
    damped = so.newton_path(f, [1.1], 60, variant="damped", damping=1.0)
    assert abs(damped.xs[-1, 0]) < 1e-6 and np.all(np.diff(damped.losses) <= 0)


@pytest.mark.parametrize("kwargs, words", [
    (dict(variant="Newton"), "variant must be one of 'newton', 'damped', 'saddle-free'"),
    (dict(damping=-1.0, variant="damped"), "damping must be in [0, inf)"),
    (dict(damping=1.0), "damping must be 0 for variant 'newton'"),
    (dict(line_search="yes"), "line_search must be True or False"),
    (dict(steps=-1), "steps must be a whole number >= 0"),
    (dict(x0=[1.0, 2.0, 3.0]), "x0 must have shape (2,)"),
])
def test_newton_path_refuses_bad_input(kwargs, words):
    settings = dict(f=gdlab.rosenbrock, x0=[0.0, 0.0], steps=3)
    settings.update(kwargs)
    with pytest.raises(ValueError) as error:
        so.newton_path(**settings)
    assert words in str(error.value), str(error.value)


def test_newton_path_stops_on_a_singular_hessian():
    flat = gdlab.Quadratic(np.diag([1.0, 0.0]), name="flat along y")   # H singular everywhere
    traj = so.newton_path(flat, [1.0, 1.0], 5)
    assert traj.diverged and traj.steps == 0
    assert traj.status == ("newton: diverged: H is singular: the quadratic model has no "
                           "unique stationary point (add damping)")
    damped = so.newton_path(flat, [1.0, 1.0], 5, variant="damped", damping=1.0)
    np.testing.assert_allclose(damped.xs[1], [0.5, 1.0])                # x / (1 + 1)


# -- memory and Hessian-vector products ----------------------------------------------------------
def test_hessian_bytes_by_hand():
    assert so.hessian_bytes(1000) == 8_000_000
    assert so.hessian_bytes(1000, "float32") == 4_000_000
    assert so.hessian_bytes(10 ** 8, np.float32) == 4 * 10 ** 16
    assert so.hessian_bytes(3, symmetric=True) == 6 * 8
    assert so.hessian_bytes(2410) == 2410 ** 2 * 8 == 46_464_800
    with pytest.raises(ValueError, match="n_params must be a whole number >= 1"):
        so.hessian_bytes(0)
    with pytest.raises(ValueError, match="dtype must be one of"):
        so.hessian_bytes(10, "int8")


@pytest.mark.parametrize("count, text", [(0, "0 B"), (999, "999 B"), (1000, "1 kB"),
                                         (46_464_800, "46.5 MB"), (4 * 10 ** 16, "40 PB"),
                                         (8e16, "80 PB"), (1.2e24, "1.2e+03 ZB")])
def test_format_bytes(count, text):
    assert so.format_bytes(count) == text


def test_hvp_matches_the_exact_hessian():
    x = np.array([-1.2, 1.0, 0.5, 2.0, -0.3])
    v = np.array([1.0, -2.0, 0.5, 0.0, 3.0])
    hvp = so.hessian_vector_product(rosen_der, x, v)
    np.testing.assert_allclose(hvp, rosen_hess_prod(x, v), rtol=1e-8)
    np.testing.assert_allclose(hvp, rosen_hess(x) @ v, rtol=1e-8)
    f = gdlab.random_quadratic(kappa=100.0, dim=5, seed=0)     # linear gradient: exact
    np.testing.assert_allclose(so.hessian_vector_product(f.grad, x, v), f.A @ v, rtol=1e-9,
                               atol=1e-9)
    assert np.all(so.hessian_vector_product(rosen_der, x, np.zeros(5)) == 0)
    calls = []
    so.hessian_vector_product(lambda z: calls.append(z) or rosen_der(z), x, v)
    assert len(calls) == 2                                    # two gradients, no more


def test_hvp_refuses_bad_input():
    with pytest.raises(ValueError, match="grad must be a function"):
        so.hessian_vector_product(3, [1.0], [1.0])
    with pytest.raises(ValueError, match=r"v must have the shape of x, \(2,\)"):
        so.hessian_vector_product(rosen_der, [1.0, 2.0], [1.0])
    with pytest.raises(ValueError, match=r"h must be in \(0, inf\)"):
        so.hessian_vector_product(rosen_der, [1.0, 2.0], [1.0, 0.0], h=0.0)
