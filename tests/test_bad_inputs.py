"""Bad input raises ValueError naming the parameter, the value and what is allowed."""

import math

import numpy as np
import pytest

import gdlab
from gdlab import schedules


def used_once(optimizer, params, grads):
    """``optimizer`` after one update of ``params`` with ``grads`` (its state now bound)."""
    optimizer.update(params, grads)
    return optimizer


def read_only(array):
    array = np.array(array, dtype=float)
    array.flags.writeable = False
    return array


def update_twice(optimizer, first, second):
    """Two updates of one array: ``first`` then ``second`` as gradients."""
    x = np.zeros(len(first))
    optimizer.update(x, np.array(first, dtype=float))
    optimizer.update(x, np.array(second, dtype=float))


AGAIN = r"; call reset\(\) or make a fresh optimizer"
ZERO = r"would divide by 0 \(the accumulator in its denominator is 0, .* and eps = 0\); use eps > 0"

CASES = [
    # (description, call, pattern the message must match)
    ("negative lr", lambda: gdlab.SGD(lr=-0.1), r"lr must be in \[0, inf\), got -0\.1"),
    ("infinite lr", lambda: gdlab.Adam(lr=math.inf), r"lr must be a finite real number, got inf"),
    ("NaN lr", lambda: gdlab.RMSProp(lr=float("nan")), r"lr must be a finite real number, got nan"),
    ("string lr", lambda: gdlab.SGD(lr="0.1"), r"lr must be a finite real number, got '0\.1'"),
    ("momentum beta > 1", lambda: gdlab.Momentum(beta=1.5), r"beta must be in \[0, 1\], got 1\.5"),
    ("nesterov beta < 0", lambda: gdlab.Nesterov(beta=-0.1), r"beta must be in \[0, 1\], got -0\.1"),
    ("rmsprop beta = 1", lambda: gdlab.RMSProp(beta=1.0), r"beta must be in \[0, 1\), got 1"),
    ("adam beta1 = 1", lambda: gdlab.Adam(beta1=1.0), r"beta1 must be in \[0, 1\), got 1"),
    ("adam beta2 > 1", lambda: gdlab.Adam(beta2=1.2), r"beta2 must be in \[0, 1\), got 1\.2"),
    ("adadelta rho = 1", lambda: gdlab.AdaDelta(rho=1.0), r"rho must be in \[0, 1\), got 1"),
    ("negative eps", lambda: gdlab.AdaGrad(eps=-1e-8), r"eps must be in \[0, inf\), got -1e-08"),
    ("negative weight decay", lambda: gdlab.AdamW(weight_decay=-0.01),
     r"weight_decay must be in \[0, inf\), got -0\.01"),
    ("mismatched shapes", lambda: gdlab.SGD().update(np.zeros(3), np.zeros(2)),
     r"grads must have the shape of params, \(3,\), got \(2,\)"),
    ("mismatched keys", lambda: gdlab.SGD().update({"W": np.zeros(2)}, {"b": np.zeros(2)}),
     r"grads must have the same keys as params; missing \['W'\], unexpected \['b'\]"),
    ("grads not a dict", lambda: gdlab.Adam().update({"W": np.zeros(2)}, np.zeros(2)),
     r"grads must be a dict like params, got ndarray"),
    ("NaN gradient", lambda: gdlab.Adam().update(np.zeros(2), np.array([0.0, np.nan])),
     r"grads must be finite, found nan"),
    ("infinite gradient in a dict", lambda: gdlab.SGD().update({"W": np.zeros(1)},
                                                               {"W": np.array([np.inf])}),
     r"grads\['W'\] must be finite, found inf"),
    ("integer params", lambda: gdlab.SGD().update(np.zeros(2, dtype=int), np.zeros(2)),
     r"params must be a float32 or float64 numpy array \(it is updated in place\), "
     r"got ndarray of dtype int64"),
    ("list params", lambda: gdlab.SGD().update([0.0, 1.0], [1.0, 1.0]),
     r"params must be a float32 or float64 numpy array .*got list"),
    ("unknown function name", lambda: gdlab.get_function("rosenbrok"),
     r"name must be one of .*rosenbrock.*; got 'rosenbrok'"),
    ("wrong x0 dimension", lambda: gdlab.run(gdlab.SGD(), gdlab.rosenbrock, [1.0, 2.0, 3.0], 5),
     r"x0 must have shape \(2,\) for Rosenbrock, got \(3,\)"),
    ("NaN x0", lambda: gdlab.run(gdlab.SGD(), gdlab.rosenbrock, [np.nan, 0.0], 5),
     r"x0 must contain only finite numbers, found nan"),
    ("negative steps", lambda: gdlab.run(gdlab.SGD(), gdlab.rosenbrock, [0.0, 0.0], -1),
     r"steps must be a whole number >= 0, got -1"),
    ("fractional steps", lambda: gdlab.run(gdlab.SGD(), gdlab.rosenbrock, [0.0, 0.0], 2.5),
     r"steps must be a whole number >= 0, got 2\.5"),
    ("ewma beta = 1", lambda: gdlab.ewma([1.0, 2.0], 1.0), r"beta must be in \[0, 1\), got 1"),
    ("ewma NaN data", lambda: gdlab.ewma([1.0, np.nan], 0.9),
     r"series must contain only finite numbers, found nan"),
    ("ewma initial with correction", lambda: gdlab.ewma([1.0], 0.9, True, initial=1.0),
     r"initial must be 0 with bias_correction=True, got 1"),
    ("schedule step 0", lambda: schedules.CosineDecay(0.1, 100)(0),
     r"t must be a whole number >= 1, got 0"),
    ("schedule negative decay", lambda: schedules.InverseTimeDecay(0.1, -1.0),
     r"decay_rate must be in \[0, inf\), got -1"),
    ("schedule gamma > 1", lambda: schedules.ExponentialDecay(0.1, 1.5),
     r"gamma must be in \(0, 1\], got 1\.5"),
    ("piecewise lengths", lambda: schedules.PiecewiseConstant([10], [0.1]),
     r"values must have len\(boundaries\) \+ 1 = 2 entries, got 1"),
    ("schedule returning negative lr", lambda: gdlab.SGD(lr=lambda t: -1.0).update(
        np.zeros(1), np.ones(1)), r"lr\(1\) from the schedule must be in \[0, inf\), got -1"),
    ("non-symmetric quadratic", lambda: gdlab.Quadratic([[1.0, 2.0], [0.0, 1.0]]),
     r"A must be a symmetric square matrix, got shape \(2, 2\)"),
    ("noisy negative sigma", lambda: gdlab.Noisy(gdlab.rosenbrock, sigma=-1.0),
     r"sigma must be in \[0, inf\), got -1"),
    ("point of wrong shape", lambda: gdlab.rosenbrock.grad([1.0, 2.0, 3.0]),
     r"x must have shape \(2,\) for Rosenbrock, got \(3,\)"),
    ("unknown color", lambda: gdlab.plots.color_of("Adamax9"),
     r"optimizer must be one of .*; got 'Adamax9'"),
    # -- the optimizers' contract (issue 8) ------------------------------------------------
    ("momentum on a second array", lambda: used_once(gdlab.Momentum(lr=0.1), np.zeros(2),
                                                     np.ones(2)).update(np.zeros(2), np.ones(2)),
     r"params is another array than the one this Momentum's state \(t = 1\) was made for"
     + AGAIN),
    ("one optimizer for two runs", lambda: [gdlab.run(opt, gdlab.rosenbrock, [0.0, 0.0], 2)
                                            for opt in [gdlab.Adam()] * 2],
     r"params is another array than the one this Adam's state \(t = 2\) was made for" + AGAIN),
    ("another shape", lambda: used_once(gdlab.SGD(), np.zeros(2), np.ones(2)).update(
        np.zeros(3), np.ones(3)),
     r"params has shape \(3,\), but this SGD's state was made for shape \(2,\)" + AGAIN),
    ("another dtype", lambda: used_once(gdlab.RMSProp(), np.zeros(2), np.ones(2)).update(
        np.zeros(2, dtype=np.float32), np.ones(2)),
     r"params has dtype float32, but this RMSProp's state was made for dtype float64" + AGAIN),
    ("another dict entry", lambda: used_once(gdlab.Adam(), {"W": np.zeros(2)},
                                             {"W": np.ones(2)}).update({"W": np.zeros(2)},
                                                                       {"W": np.ones(2)}),
     r"params\['W'\] is another array than the one this Adam's state \(t = 1\) was made for"),
    ("a lone array after a dict", lambda: used_once(gdlab.Adam(), {"W": np.zeros(2)},
                                                    {"W": np.ones(2)}).update(np.zeros(2),
                                                                              np.ones(2)),
     r"params must be a dict with keys \['W'\] as in the first update of this Adam, "
     r"got a lone array" + AGAIN),
    ("other dict keys", lambda: used_once(gdlab.AdaGrad(), {"W": np.zeros(2)},
                                          {"W": np.ones(2)}).update({"b": np.zeros(1)},
                                                                    {"b": np.ones(1)}),
     r"params must be a dict with keys \['W'\] as in the first update of this AdaGrad, "
     r"got a dict with keys \['b'\]" + AGAIN),
    ("float16 params", lambda: gdlab.Adam().update(np.zeros(2, dtype=np.float16), np.ones(2)),
     r"params must be a float32 or float64 numpy array .*got ndarray of dtype float16"),
    ("long double params", lambda: gdlab.SGD().update(np.zeros(2, dtype=np.longdouble),
                                                      np.ones(2)),
     r"params must be a float32 or float64 numpy array .*got ndarray of dtype float128"),
    ("complex gradient", lambda: gdlab.SGD().update(np.zeros(2), np.array([1 + 2j, 0])),
     r"grads must be an array of real numbers, got dtype complex128 "
     r"\(its imaginary part would be dropped\)"),
    ("string gradient", lambda: gdlab.SGD().update(np.zeros(1), ["1.0"]),
     r"grads must be an array of real numbers, got dtype <U3"),
    ("ragged gradient", lambda: gdlab.SGD().update(np.zeros(2), [[1.0], [1.0, 2.0]]),
     r"grads must be an array of real numbers, got \[\[1\.0\], \[1\.0, 2\.0\]\]"),
    ("NaN already in params", lambda: gdlab.Adam().update(np.array([np.nan, 0.0]), np.ones(2)),
     r"params must be finite, found nan; it has probably diverged"),
    ("inf already in a dict entry", lambda: gdlab.SGD().update({"W": np.array([np.inf])},
                                                               {"W": np.ones(1)}),
     r"params\['W'\] must be finite, found inf"),
    ("read-only params", lambda: gdlab.SGD().update(read_only([1.0]), np.ones(1)),
     r"params must be a writeable array \(it is updated in place\), got a read-only one"),
    ("array params, dict grads", lambda: gdlab.SGD().update(np.zeros(2), {"W": np.ones(2)}),
     r"grads must be an array like params \(a lone array\), got a dict"),
    ("ewma flag as a string", lambda: gdlab.Momentum(ewma="False"),
     r"ewma must be True or False, got 'False'"),
    ("ewma flag as 1", lambda: gdlab.Momentum(ewma=1), r"ewma must be True or False, got 1"),
    ("bias_correction as a string", lambda: gdlab.Adam(bias_correction="no"),
     r"bias_correction must be True or False, got 'no'"),
    ("eps_inside as a string", lambda: gdlab.RMSProp(eps_inside="False"),
     r"eps_inside must be True or False, got 'False'"),
    ("ewma momentum with beta = 1", lambda: gdlab.Momentum(beta=1.0, ewma=True),
     r"beta must be < 1 with ewma=True \(v <- 1\*v \+ 0\*g stays 0, so the point never "
     r"moves\), got 1"),
    ("adadelta eps = 0", lambda: gdlab.AdaDelta(eps=0.0), r"eps must be in \(0, inf\), got 0"),
    ("adagrad eps = 0, zero gradient", lambda: gdlab.AdaGrad(eps=0.0).update(np.zeros(2),
                                                                            np.zeros(2)),
     r"AdaGrad: the update of params at step t = 1 " + ZERO),
    ("rmsprop eps = 0, zero gradient", lambda: gdlab.RMSProp(eps=0.0).update(
        {"w": np.zeros(1)}, {"w": np.zeros(1)}),
     r"RMSProp: the update of params\['w'\] at step t = 1 " + ZERO),
    ("rmsprop eps = 0 inside, zero gradient", lambda: gdlab.RMSProp(
        eps=0.0, eps_inside=True).update(np.zeros(2), np.array([1.0, 0.0])),
     r"RMSProp: the update of params at step t = 1 " + ZERO),
    ("adam eps = 0, zero gradient in a second entry", lambda: gdlab.Adam(eps=0.0).update(
        {"W": np.zeros(2), "b": np.zeros(1)}, {"W": np.ones(2), "b": np.zeros(1)}),
     r"Adam: the update of params\['b'\] at step t = 1 " + ZERO),
    ("adam eps = 0 without correction", lambda: gdlab.Adam(eps=0.0, bias_correction=False)
     .update(np.zeros(1), np.zeros(1)), r"Adam: the update of params at step t = 1 " + ZERO),
    ("adam eps = 0, beta2 = 0, m still nonzero", lambda: update_twice(
        gdlab.Adam(beta2=0.0, eps=0.0), [1.0], [0.0]),
     r"Adam: the update of params at step t = 2 " + ZERO),
    ("adamw eps = 0, zero gradient", lambda: gdlab.AdamW(eps=0.0).update(np.ones(1),
                                                                        np.zeros(1)),
     r"AdamW: the update of params at step t = 1 " + ZERO),
    ("adamax eps = 0, zero gradient", lambda: gdlab.AdaMax(eps=0.0).update(np.ones(1),
                                                                          np.zeros(1)),
     r"AdaMax: the update of params at step t = 1 " + ZERO),
    ("amsgrad eps = 0, zero gradient", lambda: gdlab.AMSGrad(eps=0.0).update(np.ones(1),
                                                                            np.zeros(1)),
     r"AMSGrad: the update of params at step t = 1 " + ZERO),
    ("schedule without t", lambda: gdlab.SGD(lr=lambda: 0.1),
     r"lr must be a number >= 0 or a schedule called as lr\(t\) with the step number "
     r"t = 1, 2, \.\.\.; got <function .*>, which cannot be called with one argument"),
    ("schedule of two arguments", lambda: gdlab.Adam(lr=lambda t, n: 0.1 / t),
     r"lr must be a number >= 0 or a schedule called as lr\(t\)"),
]


@pytest.mark.parametrize("description, call, pattern", CASES, ids=[c[0] for c in CASES])
def test_bad_input_is_explained(description, call, pattern):
    with pytest.raises(ValueError, match=pattern):
        call()


def test_there_are_many_distinct_cases():
    assert len({pattern for _, _, pattern in CASES}) >= 10


def test_a_failed_update_leaves_params_and_state_untouched():
    x = np.array([1.0, 2.0])
    opt = gdlab.Adam(lr=0.1)
    with pytest.raises(ValueError):
        opt.update(x, np.array([np.nan, 1.0]))
    np.testing.assert_array_equal(x, [1.0, 2.0])
    assert opt.t == 0 and opt.state == {}


def snapshot(optimizer, params):
    """Copies of t, the state and the params, to compare after a failed update."""
    state = {key: {name: a.copy() for name, a in s.items()} for key, s in optimizer.state.items()}
    return optimizer.t, state, {key: p.copy() for key, p in params.items()}


def assert_same(before, after):
    assert before[0] == after[0]
    assert before[1].keys() == after[1].keys()
    for key in before[1]:
        for name in before[1][key]:
            np.testing.assert_array_equal(before[1][key][name], after[1][key][name])
    for key in before[2]:
        np.testing.assert_array_equal(before[2][key], after[2][key])


ATOMIC = [
    # (optimizer, second update's b or its gradient, pattern): W is fine, b fails
    (lambda: gdlab.Adam(lr=0.1), {"b": read_only([1.0])}, {},
     r"params\['b'\] must be a writeable array"),
    (lambda: gdlab.Momentum(lr=0.1), {}, {"b": np.array([np.nan])},
     r"grads\['b'\] must be finite, found nan"),
    (lambda: gdlab.AdaGrad(lr=0.1), {"b": np.array([np.inf])}, {},
     r"params\['b'\] must be finite, found inf"),
    (lambda: gdlab.AdaMax(lr=0.1, beta2=0.0, eps=0.0), {}, {"b": np.zeros(1)},
     r"AdaMax: the update of params\['b'\] at step t = 2 would divide by 0"),
    (lambda: gdlab.RMSProp(lr=0.1), {"b": np.zeros(1)}, {},
     r"params\['b'\] is another array than the one this RMSProp's state \(t = 1\)"),
    (lambda: gdlab.SGD(lr=lambda t: 0.1 if t == 1 else -1.0), {}, {},
     r"lr\(2\) from the schedule must be in \[0, inf\), got -1"),
]


@pytest.mark.parametrize("make, new_params, new_grads, pattern", ATOMIC)
def test_a_failed_dict_update_changes_nothing(make, new_params, new_grads, pattern):
    """One good update, then one that fails on its second entry: t, the state and both
    params are as they were, and the optimizer still accepts the good arrays."""
    optimizer = make()
    params = {"W": np.array([1.0, -2.0]), "b": np.array([0.5])}
    optimizer.update(params, {"W": np.array([1.0, 1.0]), "b": np.array([1.0])})
    before = snapshot(optimizer, params)
    with pytest.raises(ValueError, match=pattern):
        optimizer.update({**params, **new_params},
                         {"W": np.array([1.0, 1.0]), "b": np.array([1.0]), **new_grads})
    assert_same(before, snapshot(optimizer, params))
    if not callable(optimizer.lr):
        optimizer.update(params, {"W": np.array([1.0, 1.0]), "b": np.array([1.0])})
        assert optimizer.t == 2


def test_the_atomic_table_covers_distinct_failures():
    assert len({pattern for *_, pattern in ATOMIC}) == len(ATOMIC)
