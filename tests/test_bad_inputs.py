"""Bad input raises ValueError naming the parameter, the value and what is allowed."""

import math

import numpy as np
import pytest

import gdlab
from gdlab import schedules

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
     r"params must be a float numpy array \(it is updated in place\), got ndarray of dtype int"),
    ("list params", lambda: gdlab.SGD().update([0.0, 1.0], [1.0, 1.0]),
     r"params must be a float numpy array .*got list"),
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
    ("unknown colour", lambda: gdlab.plots.color_of("Adamax9"),
     r"optimizer must be one of .*; got 'Adamax9'"),
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
