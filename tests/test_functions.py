"""Landscapes: values, gradients and Hessians agree with each other and with the math."""

import numpy as np
import pytest

import gdlab
from gdlab.functions import FUNCTIONS, DoubleWell, numerical_gradient, relative_error

ALL = list(FUNCTIONS.values()) + [gdlab.random_quadratic(50.0, 5, seed=1),
                                 gdlab.Rosenbrock(a=2.0, b=10.0)]
RNG = np.random.default_rng(0)


def central_difference(fun, x, h=1e-6):
    return np.array([(fun(x + h * e) - fun(x - h * e)) / (2 * h) for e in np.eye(len(x))])


@pytest.mark.parametrize("f", ALL, ids=lambda f: f.name)
def test_gradient_matches_finite_differences(f):
    for _ in range(5):
        x = RNG.uniform(-1.5, 1.5, f.dim)
        np.testing.assert_allclose(f.grad(x), central_difference(f, x), rtol=1e-6, atol=1e-6)


@pytest.mark.parametrize("f", [f for f in ALL if f.name != "Beale"], ids=lambda f: f.name)
def test_hessian_matches_finite_differences_of_the_gradient(f):
    x = RNG.uniform(-1.0, 1.0, f.dim)
    numeric = np.array([(f.grad(x + 1e-6 * e) - f.grad(x - 1e-6 * e)) / 2e-6
                        for e in np.eye(f.dim)])
    np.testing.assert_allclose(f.hessian(x), numeric, rtol=1e-5, atol=1e-5)


@pytest.mark.parametrize("f", [f for f in ALL if f.minimum is not None], ids=lambda f: f.name)
def test_minimum_is_stationary_with_the_stated_value(f):
    np.testing.assert_allclose(f.grad(f.minimum), 0.0, atol=1e-12)
    assert f(f.minimum) == pytest.approx(f.min_value, abs=1e-12)
    for _ in range(20):  # and nothing nearby is lower
        assert f(f.minimum + RNG.normal(scale=1e-2, size=f.dim)) >= f.min_value


@pytest.mark.parametrize("f", [f for f in ALL if f.dim == 2], ids=lambda f: f.name)
def test_grid_evaluation_equals_pointwise(f):
    X, Y = np.meshgrid(np.linspace(-1, 1, 4), np.linspace(-2, 2, 3))
    grid = f(np.array([X, Y]))
    assert grid.shape == X.shape
    for i in range(X.shape[0]):
        for j in range(X.shape[1]):
            assert grid[i, j] == pytest.approx(f([X[i, j], Y[i, j]]))


def test_known_values():
    assert gdlab.elongated_bowl([10.0, 1.0]) == pytest.approx(100 / 20 + 1)
    assert gdlab.rosenbrock([0.0, 0.0]) == 1.0
    assert gdlab.beale([0.0, 0.0]) == pytest.approx(1.5**2 + 2.25**2 + 2.625**2)
    assert gdlab.saddle([1.0, 2.0]) == -3.0
    assert gdlab.monkey_saddle([1.0, 1.0]) == -2.0
    assert gdlab.xy([3.0, -2.0]) == -6.0
    np.testing.assert_array_equal(gdlab.xy.grad([1.0, 2.0]), [2.0, 1.0])


def test_functions_without_minimum_say_so():
    for f in (gdlab.saddle, gdlab.monkey_saddle, gdlab.xy):
        assert f.minimum is None and f.min_value is None


def test_quadratic_minimum_and_condition_number():
    A = np.array([[3.0, 1.0], [1.0, 2.0]])
    q = gdlab.Quadratic(A, b=[1.0, -1.0])
    np.testing.assert_allclose(q.minimum, np.linalg.solve(A, [1.0, -1.0]))
    lo, hi = (5 - np.sqrt(5)) / 2, (5 + np.sqrt(5)) / 2   # roots of l^2 - 5l + 5
    assert q.condition_number == pytest.approx(hi / lo)
    assert gdlab.elongated_bowl.condition_number == pytest.approx(20.0)


def test_random_quadratic_has_the_requested_spectrum():
    q = gdlab.random_quadratic(kappa=1000.0, dim=6, seed=4)
    np.testing.assert_allclose(q.eigenvalues, np.geomspace(1, 1000, 6), rtol=1e-10)
    assert q.condition_number == pytest.approx(1000.0)
    np.testing.assert_allclose(q.minimum, 0.0, atol=1e-12)
    # seeded: same seed, same matrix; another seed, another basis
    np.testing.assert_array_equal(q.A, gdlab.random_quadratic(1000.0, 6, seed=4).A)
    assert not np.allclose(q.A, gdlab.random_quadratic(1000.0, 6, seed=5).A)


def test_noisy_gradient_is_unbiased_seeded_and_resettable():
    noisy = gdlab.Noisy(gdlab.rosenbrock, sigma=0.5, seed=11)
    x = np.array([0.3, -0.2])
    draws = np.array([noisy.grad(x) for _ in range(4000)])
    np.testing.assert_allclose(draws.mean(axis=0), gdlab.rosenbrock.grad(x), atol=0.05)
    np.testing.assert_allclose(draws.std(axis=0), 0.5, rtol=0.05)
    noisy.reset()
    np.testing.assert_array_equal(noisy.grad(x), draws[0])
    assert noisy(x) == gdlab.rosenbrock(x)          # values are exact
    assert noisy.minimum is gdlab.rosenbrock.minimum


def test_get_function_by_name():
    assert gdlab.get_function("rosenbrock") is gdlab.rosenbrock
    assert set(FUNCTIONS) == {"elongated_bowl", "rosenbrock", "beale", "saddle",
                              "monkey_saddle", "xy"}


def test_scaled_multiplies_values_gradients_and_hessians():
    s = gdlab.Scaled(gdlab.rosenbrock, 1e3)
    x = np.array([0.3, -0.2])
    assert s(x) == pytest.approx(1e3 * gdlab.rosenbrock(x))
    np.testing.assert_allclose(s.grad(x), 1e3 * gdlab.rosenbrock.grad(x))
    np.testing.assert_allclose(s.hessian(x), 1e3 * gdlab.rosenbrock.hessian(x))
    assert s.minimum is gdlab.rosenbrock.minimum and s.min_value == 0.0
    assert s.name == "1000 × Rosenbrock"
    assert gdlab.Scaled(gdlab.saddle, 2.0).min_value is None
    with pytest.raises(ValueError, match=r"c must be in \(0, inf\), got -1"):
        gdlab.Scaled(gdlab.rosenbrock, -1.0)


# -- numerical_gradient ---------------------------------------------------------------------
QUADRATIC = gdlab.Quadratic(np.array([[3.0, 1.0], [1.0, 2.0]]), b=np.array([1.0, -2.0]))


def test_central_difference_is_exact_on_a_quadratic():
    # f(x + h e) - f(x - h e) = 2h (A x - b)_i exactly: no h^2 term because f''' = 0.
    x = np.array([0.7, -1.3])
    g = numerical_gradient(QUADRATIC, x, h=1e-3)
    assert np.allclose(g, QUADRATIC.A @ x - QUADRATIC.b, rtol=0, atol=1e-10)


def test_forward_difference_error_is_h_times_half_the_curvature():
    # (f(x + h e_i) - f(x)) / h = g_i + h A_ii / 2 for a quadratic.
    x, h = np.array([0.7, -1.3]), 1e-3
    g = numerical_gradient(QUADRATIC, x, h=h, method="forward")
    exact = QUADRATIC.A @ x - QUADRATIC.b
    assert np.allclose(g - exact, h * np.diag(QUADRATIC.A) / 2, rtol=1e-5, atol=1e-10)


def test_central_difference_error_on_a_cubic_is_h_squared():
    # ((x+h)^3 - (x-h)^3) / (2h) = 3x^2 + h^2.
    def cube(x):
        return x[0] ** 3

    for h in (1e-1, 1e-2):
        g = numerical_gradient(cube, np.array([2.0]), h=h)
        assert g[0] - 12.0 == pytest.approx(h ** 2, rel=1e-6)


def test_numerical_gradient_agrees_with_analytic_gradients_of_the_landscapes():
    for f, x in [(gdlab.rosenbrock, [-1.5, 2.0]), (gdlab.beale, [1.0, 1.5]),
                 (gdlab.double_well, [0.3, -0.4]), (gdlab.monkey_saddle, [0.5, 0.2])]:
        x = np.array(x)
        assert relative_error(numerical_gradient(f, x), f.grad(x)) < 1e-8


def test_numerical_gradient_leaves_x_unchanged():
    x = np.array([-1.5, 2.0])
    numerical_gradient(gdlab.rosenbrock, x, h=0.1)
    numerical_gradient(gdlab.rosenbrock, x, h=0.1, method="forward")
    assert np.array_equal(x, [-1.5, 2.0])


@pytest.mark.parametrize("kwargs, word", [({"h": 0.0}, "h"), ({"h": -1e-5}, "h"),
                                          ({"method": "backward"}, "method")])
def test_numerical_gradient_rejects_bad_arguments(kwargs, word):
    with pytest.raises(ValueError, match=word):
        numerical_gradient(gdlab.rosenbrock, [1.0, 1.0], **kwargs)


def test_numerical_gradient_rejects_a_non_finite_point():
    with pytest.raises(ValueError, match="x"):
        numerical_gradient(gdlab.rosenbrock, [np.nan, 1.0])


def test_relative_error():
    assert relative_error([3.0, 4.0], [3.0, 4.0]) == 0.0
    assert relative_error([0.0, 0.0], [0.0, 0.0]) == 0.0
    # |(1, 0) - (0, 0)| / max(1, 0) = 1; |(3,4) - (3,0)| / 5 = 0.8
    assert relative_error([1.0, 0.0], [0.0, 0.0]) == 1.0
    assert relative_error([3.0, 4.0], [3.0, 0.0]) == pytest.approx(0.8)
    with pytest.raises(ValueError, match="shape"):
        relative_error([1.0, 2.0], [1.0, 2.0, 3.0])


# -- DoubleWell -----------------------------------------------------------------------------
def test_double_well_stationary_points():
    f = DoubleWell(tilt=0.5)
    for point in (f.minimum, f.local_minimum, f.saddle_point):
        assert np.allclose(f.grad(point), 0.0, atol=1e-12)
    assert f.minimum[0] < f.saddle_point[0] < f.local_minimum[0]
    # the left valley is the deeper one: the tilt t*x lowers negative x
    assert f(f.minimum) < f(f.local_minimum) < f(f.saddle_point)
    assert f.min_value == pytest.approx(f(f.minimum))
    assert f.hessian(f.minimum)[0, 0] > 0 and f.hessian(f.local_minimum)[0, 0] > 0
    assert f.hessian(f.saddle_point)[0, 0] < 0


def test_double_well_without_tilt_is_symmetric():
    f = DoubleWell(tilt=1e-12)
    assert np.allclose([f.minimum[0], f.local_minimum[0]], [-1.0, 1.0], atol=1e-9)


def test_double_well_gradient_and_hessian_match_finite_differences():
    f = gdlab.double_well
    x = np.array([0.4, -0.7])
    assert relative_error(f.grad(x), numerical_gradient(f, x)) < 1e-9
    columns = [numerical_gradient(lambda p: f.grad(p)[k], x) for k in range(2)]
    assert np.allclose(np.array(columns), f.hessian(x), atol=1e-6)


@pytest.mark.parametrize("tilt", [0.0, -0.1, 2.0, np.nan])
def test_double_well_rejects_a_tilt_without_two_minima(tilt):
    with pytest.raises(ValueError, match="tilt"):
        DoubleWell(tilt=tilt)


def test_gradient_descent_ends_in_the_valley_it_starts_in():
    f = gdlab.double_well
    left = gdlab.run(gdlab.SGD(lr=0.05), f, [f.saddle_point[0] - 0.05, 0.5], 500)
    right = gdlab.run(gdlab.SGD(lr=0.05), f, [f.saddle_point[0] + 0.05, 0.5], 500)
    assert np.allclose(left.final, f.minimum, atol=1e-6)
    assert np.allclose(right.final, f.local_minimum, atol=1e-6)


@pytest.mark.parametrize("A, message", [
    (np.zeros((0, 0)), r"A must be a symmetric square matrix with at least one row, got shape \(0, 0\)$"),
    (np.ones((2, 3)), r"A must be a symmetric square matrix with at least one row, got shape \(2, 3\)$"),
    (np.zeros((0, 2)), r"A must be a symmetric square matrix with at least one row, got shape \(0, 2\)$"),
    ([[1.0, 2.0], [0.0, 1.0]], r"A must be a symmetric square matrix, got shape \(2, 2\) with "
                               r"A\[0, 1\] = 2 but A\[1, 0\] = 0$"),
    ([[1.0, 0.0, 0.0], [0.0, 1.0, 5.0], [0.0, -5.0, 1.0]],
     r"with A\[1, 2\] = 5 but A\[2, 1\] = -5$"),
    ([[np.nan]], r"A must contain only finite numbers, found nan$"),
    ([[1.0, np.inf], [np.inf, 1.0]], r"A must contain only finite numbers, found inf$"),
    ([1.0, 2.0], r"A must be a 2-D array, got shape \(2,\)$"),
])
def test_quadratic_needs_a_finite_non_empty_symmetric_matrix(A, message):
    with pytest.raises(ValueError, match=message):
        gdlab.Quadratic(A)


@pytest.mark.parametrize("c, shown", [(np.nan, "nan"), ("1", "'1'"), (None, "None")])
def test_quadratic_constant_must_be_a_finite_real_number(c, shown):
    with pytest.raises(ValueError, match=rf"c must be a finite real number, got {shown}$"):
        gdlab.Quadratic(np.eye(2), c=c)


def test_a_one_by_one_quadratic_is_fine():
    line = gdlab.Quadratic([[2.0]], c=np.float64(1.0))
    assert line.dim == 1 and line.min_value == 1.0 and line([3.0]) == 10.0   # ½·2·3² + 1


# -- Plateau --------------------------------------------------------------------------------
def test_plateau_gradient_and_hessian_match_numerical_derivatives():
    f = gdlab.plateau
    for x in ([0.3, -0.7], [2.0, 1.0], [-2.5, 0.4]):
        x = np.array(x)
        assert relative_error(numerical_gradient(f, x), f.grad(x)) < 1e-7
        numeric = np.array([numerical_gradient(lambda z: f.grad(z)[i], x) for i in range(2)])
        np.testing.assert_allclose(f.hessian(x), numeric, rtol=1e-6, atol=1e-9)


def test_plateau_is_a_hole_in_a_flat_region():
    f = gdlab.Plateau()
    assert f(f.minimum) == 0.0 and f.min_value == 0.0 and np.allclose(f.grad([0.0, 0.0]), 0)
    np.testing.assert_allclose(f.hessian([0.0, 0.0]), 2 * np.eye(2))   # 1 − e^{−r²} ≈ r²
    # |∇f| = 2r e^{−r²}: below 1e-3 from r = 3 on (7.4e-4 there), above it at r = 2.9
    for r, below in [(3.0, True), (3.5, True), (2.9, False)]:
        g = np.linalg.norm(f.grad([r / np.sqrt(2), r / np.sqrt(2)]))
        assert g == pytest.approx(2 * r * np.exp(-r * r)) and (g < 1e-3) == below
    assert f(np.array([[4.0], [0.0]])).shape == (1,)                    # grids work
    with pytest.raises(ValueError, match="shape"):
        f([1.0, 2.0, 3.0])
