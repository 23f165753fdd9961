"""gdlab's optimizers equal torch.optim's, in float64, to a relative 1e-10.

Three cases per optimizer, 150 steps each: Rosenbrock and a random 10-D quadratic with
condition number 100 (closed loop: each library takes gradients at its own iterates), and a
dict of two parameters fed the same random gradients spanning five orders of magnitude
(open loop). With torch installed the comparison is live; without it, against the
trajectories torch 2.13.0 recorded in tests/data/torch_reference.npz.
"""

from pathlib import Path

import numpy as np
import pytest

import parity_cases as cases

TOLERANCE = 1e-10
REFERENCE = np.load(Path(__file__).parent / "data" / "torch_reference.npz")
NAMES = list(cases.HYPER)

try:
    import torch  # noqa: F401
    HAVE_TORCH = True
except ImportError:
    HAVE_TORCH = False


def test_every_optimizer_is_covered():
    import gdlab
    assert set(NAMES) == set(gdlab.OPTIMIZERS)


@pytest.mark.parametrize("problem", ["rosenbrock", "quadratic"])
@pytest.mark.parametrize("name", NAMES)
def test_matches_recorded_torch(name, problem):
    f, x0 = cases.problems()[problem]
    ours = cases.gdlab_trajectory(name, f, x0)
    theirs = REFERENCE[f"{name}/{problem}"]
    assert ours.shape == theirs.shape == (cases.STEPS + 1, len(x0))
    assert cases.max_relative_difference(ours, theirs) <= TOLERANCE
    # the runs must actually move, or the comparison proves nothing
    assert np.linalg.norm(ours[-1] - ours[0]) > 1e-3


@pytest.mark.parametrize("name", NAMES)
def test_matches_recorded_torch_with_injected_gradients(name):
    ours = cases.gdlab_injected(name, cases.injected_gradients())
    assert cases.max_relative_difference(ours, REFERENCE[f"{name}/injected"]) <= TOLERANCE


@pytest.mark.skipif(not HAVE_TORCH, reason="torch is not installed (recorded references "
                                           "are checked instead)")
@pytest.mark.parametrize("problem", ["rosenbrock", "quadratic"])
@pytest.mark.parametrize("name", NAMES)
def test_matches_live_torch(name, problem):
    f, x0 = cases.problems()[problem]
    ours = cases.gdlab_trajectory(name, f, x0)
    theirs = cases.torch_trajectory(name, f, x0)
    assert cases.max_relative_difference(ours, theirs) <= TOLERANCE


@pytest.mark.skipif(not HAVE_TORCH, reason="torch is not installed")
@pytest.mark.parametrize("name", NAMES)
def test_matches_live_torch_with_injected_gradients(name):
    grads = cases.injected_gradients()
    ours = cases.gdlab_injected(name, grads)
    assert cases.max_relative_difference(ours, cases.torch_injected(name, grads)) <= TOLERANCE


@pytest.mark.skipif(not HAVE_TORCH, reason="torch is not installed")
def test_recording_is_current():
    """The recorded file was made from the same cases (catches a stale recording)."""
    f, x0 = cases.problems()["rosenbrock"]
    assert np.array_equal(cases.torch_trajectory("Adam", f, x0), REFERENCE["Adam/rosenbrock"])


def test_a_wrong_formula_would_be_caught():
    """Guard against a vacuous comparison: a slightly different Adam fails the tolerance."""
    import gdlab
    f, x0 = cases.problems()["rosenbrock"]
    wrong = gdlab.run(gdlab.Adam(lr=1e-2, eps=1e-7), f, x0, cases.STEPS).xs
    assert cases.max_relative_difference(wrong, REFERENCE["Adam/rosenbrock"]) > TOLERANCE
