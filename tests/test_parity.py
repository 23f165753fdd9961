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


def test_the_largest_difference_is_the_one_the_conventions_appendix_states():
    """appendix/conventions.md: "The largest difference it measures is below 10^-13"."""
    worst = 0.0
    for name in NAMES:
        for problem, (f, x0) in cases.problems().items():
            worst = max(worst, cases.max_relative_difference(
                cases.gdlab_trajectory(name, f, x0), REFERENCE[f"{name}/{problem}"]))
        worst = max(worst, cases.max_relative_difference(
            cases.gdlab_injected(name, cases.injected_gradients()), REFERENCE[f"{name}/injected"]))
    assert 0 < worst < 1e-13
    text = (Path(__file__).parent.parent / "appendix" / "conventions.md").read_text()
    assert "The largest difference it\nmeasures is below $10^{-13}$" in text


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


# gdlab name -> (torch class, {gdlab hyper-parameter: torch keyword or (keyword, index)})
DEFAULTS = {
    "SGD": ("SGD", {"lr": "lr"}),
    "AdaGrad": ("Adagrad", {"lr": "lr", "eps": "eps"}),
    "RMSProp": ("RMSprop", {"lr": "lr", "beta": "alpha", "eps": "eps"}),
    "AdaDelta": ("Adadelta", {"lr": "lr", "rho": "rho", "eps": "eps"}),
    "Adam": ("Adam", {"lr": "lr", "beta1": ("betas", 0), "beta2": ("betas", 1), "eps": "eps"}),
    "AdamW": ("AdamW", {"lr": "lr", "beta1": ("betas", 0), "beta2": ("betas", 1),
                        "eps": "eps", "weight_decay": "weight_decay"}),
    "AdaMax": ("Adamax", {"lr": "lr", "beta1": ("betas", 0), "beta2": ("betas", 1),
                          "eps": "eps"}),
}


@pytest.mark.skipif(not HAVE_TORCH, reason="torch is not installed")
@pytest.mark.parametrize("name", list(DEFAULTS))
def test_defaults_equal_torchs(name):
    """Each default hyper-parameter is the one in torch.optim's signature."""
    import inspect

    import gdlab
    import torch

    cls, mapping = DEFAULTS[name]
    torch_defaults = {k: p.default for k, p in
                      inspect.signature(getattr(torch.optim, cls)).parameters.items()}
    ours = gdlab.OPTIMIZERS[name]()
    for attribute, keyword in mapping.items():
        theirs = (torch_defaults[keyword[0]][keyword[1]] if isinstance(keyword, tuple)
                  else torch_defaults[keyword])
        assert getattr(ours, attribute) == float(theirs), (name, attribute)
