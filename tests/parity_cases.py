"""The cases on which gdlab's optimizers are compared with ``torch.optim``.

Shared by ``tests/test_parity.py`` and ``scripts/record_torch_reference.py`` (which stores
torch's trajectories in ``tests/data/torch_reference.npz`` so parity is still checked on
machines without torch).
"""

from __future__ import annotations

import numpy as np

import gdlab

STEPS = 150

#: name -> (gdlab constructor kwargs, torch class name, torch kwargs), for Rosenbrock
HYPER = {
    "SGD": ({"lr": 1e-3}, "SGD", {"lr": 1e-3}),
    "Momentum": ({"lr": 1e-3, "beta": 0.9}, "SGD", {"lr": 1e-3, "momentum": 0.9}),
    "Nesterov": ({"lr": 1e-3, "beta": 0.9}, "SGD", {"lr": 1e-3, "momentum": 0.9, "nesterov": True}),
    "AdaGrad": ({"lr": 0.1, "eps": 1e-10}, "Adagrad", {"lr": 0.1, "eps": 1e-10}),
    "RMSProp": ({"lr": 1e-2, "beta": 0.99, "eps": 1e-8}, "RMSprop",
                {"lr": 1e-2, "alpha": 0.99, "eps": 1e-8}),
    "AdaDelta": ({"lr": 1.0, "rho": 0.9, "eps": 1e-6}, "Adadelta",
                 {"lr": 1.0, "rho": 0.9, "eps": 1e-6}),
    "Adam": ({"lr": 1e-2, "beta1": 0.9, "beta2": 0.999, "eps": 1e-8}, "Adam",
             {"lr": 1e-2, "betas": (0.9, 0.999), "eps": 1e-8}),
    "AdamW": ({"lr": 1e-2, "beta1": 0.9, "beta2": 0.999, "eps": 1e-8, "weight_decay": 0.1},
              "AdamW", {"lr": 1e-2, "betas": (0.9, 0.999), "eps": 1e-8, "weight_decay": 0.1}),
    # chapter 6: Adam's relatives
    "AdaMax": ({"lr": 1e-2, "beta1": 0.9, "beta2": 0.999, "eps": 1e-8}, "Adamax",
               {"lr": 1e-2, "betas": (0.9, 0.999), "eps": 1e-8}),
    "AMSGrad": ({"lr": 1e-2, "beta1": 0.9, "beta2": 0.999, "eps": 1e-8}, "Adam",
                {"lr": 1e-2, "betas": (0.9, 0.999), "eps": 1e-8, "amsgrad": True}),
}


def quadratic():
    """A random 10-D quadratic with condition number 100."""
    return gdlab.random_quadratic(kappa=100.0, dim=10, seed=7)


def problems():
    """name -> (function, start point)."""
    return {"rosenbrock": (gdlab.rosenbrock, np.array([-1.5, 2.0])),
            "quadratic": (quadratic(), np.linspace(-1.0, 1.0, 10))}


def injected_gradients(steps: int = STEPS, shape=(3, 4), seed: int = 3):
    """A fixed sequence of random gradients, fed to both libraries (open loop)."""
    rng = np.random.default_rng(seed)
    return rng.standard_normal((steps, *shape)) * np.geomspace(1e-3, 1e2, shape[1])


def gdlab_trajectory(name, f, x0, steps=STEPS):
    kwargs = HYPER[name][0]
    return gdlab.run(gdlab.OPTIMIZERS[name](**kwargs), f, x0, steps).xs


def gdlab_injected(name, grads):
    """Parameters after each injected gradient, for a dict of two parameters."""
    opt = gdlab.OPTIMIZERS[name](**HYPER[name][0])
    params = {"W": np.ones(grads.shape[1:]), "b": np.full(grads.shape[2], 0.5)}
    out = []
    for g in grads:
        opt.update(params, {"W": g, "b": g[0]})
        out.append(np.concatenate([params["W"].ravel(), params["b"]]))
    return np.array(out)


def torch_trajectory(name, f, x0, steps=STEPS):
    """The same run with ``torch.optim`` in float64 (gradients from ``f.grad``)."""
    import torch

    _, cls, kwargs = HYPER[name]
    x = torch.tensor(x0, dtype=torch.float64, requires_grad=True)
    opt = getattr(torch.optim, cls)([x], **kwargs)
    xs = [x.detach().numpy().copy()]
    for _ in range(steps):
        opt.zero_grad()
        x.grad = torch.tensor(f.grad(x.detach().numpy()), dtype=torch.float64)
        opt.step()
        xs.append(x.detach().numpy().copy())
    return np.array(xs)


def torch_injected(name, grads):
    import torch

    _, cls, kwargs = HYPER[name]
    W = torch.ones(grads.shape[1:], dtype=torch.float64, requires_grad=True)
    b = torch.full((grads.shape[2],), 0.5, dtype=torch.float64, requires_grad=True)
    opt = getattr(torch.optim, cls)([W, b], **kwargs)
    out = []
    for g in grads:
        W.grad = torch.tensor(g, dtype=torch.float64)
        b.grad = torch.tensor(g[0], dtype=torch.float64)
        opt.step()
        out.append(np.concatenate([W.detach().numpy().ravel(), b.detach().numpy()]))
    return np.array(out)


def max_relative_difference(a, b) -> float:
    """max over steps of |a_t - b_t| / max(|b_t|, 1e-300) (Euclidean norms)."""
    a, b = np.asarray(a), np.asarray(b)
    num = np.linalg.norm((a - b).reshape(len(a), -1), axis=1)
    den = np.maximum(np.linalg.norm(b.reshape(len(b), -1), axis=1), 1e-300)
    return float(np.max(num / den))
