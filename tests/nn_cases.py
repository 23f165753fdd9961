"""The network the parity tests compare with PyTorch: gdlab.nn's MLP on a batch of digits,
and the same computation written with torch.nn.functional (torch only at test time)."""

import numpy as np

import gdlab

SIZES = [64, 16, 12, 10]   # two hidden layers, so backprop goes through a ReLU twice


def case():
    """(model, X, y): an MLP with trained-looking weights and a batch of 40 digits."""
    X_train, y_train, _, _ = gdlab.data.digits()
    model = gdlab.nn.MLP(SIZES, seed=3)
    rng = np.random.default_rng(7)
    for key, p in model.params.items():   # non-zero biases, so their gradients are tested
        if key.startswith("b"):
            p += 0.1 * rng.standard_normal(p.shape)
    return model, X_train[:40], y_train[:40]


def torch_loss_and_grads(params: dict, X, y):
    """The mean cross-entropy of the same network and its gradients, by torch autograd."""
    import torch
    import torch.nn.functional as F
    weights = {k: torch.tensor(v, dtype=torch.float64, requires_grad=True)
               for k, v in params.items()}
    layers = len(params) // 2
    a = torch.tensor(X, dtype=torch.float64)
    for l in range(1, layers + 1):
        a = a @ weights[f"W{l}"] + weights[f"b{l}"]
        if l < layers:
            a = F.relu(a)
    loss = F.cross_entropy(a, torch.tensor(y, dtype=torch.long))
    loss.backward()
    return loss.item(), {k: w.grad.numpy() for k, w in weights.items()}
