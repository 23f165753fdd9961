"""Record torch.optim's trajectories on the parity cases into tests/data/torch_reference.npz,
and torch's loss and gradients of the network case (tests/nn_cases.py) into
tests/data/torch_mlp.npz.

    pip install torch==2.13.0 && python scripts/record_torch_reference.py

Run it again only when the cases in tests/parity_cases.py change; the tests compare gdlab
with these recordings when torch is absent, and with live torch when it is present.
"""

import importlib.util
from pathlib import Path

import numpy as np
import torch

ROOT = Path(__file__).resolve().parent.parent
_spec = importlib.util.spec_from_file_location("parity_cases", ROOT / "tests" / "parity_cases.py")
cases = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(cases)
_spec = importlib.util.spec_from_file_location("nn_cases", ROOT / "tests" / "nn_cases.py")
nn_cases = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(nn_cases)

arrays = {}
for name in cases.HYPER:
    for problem, (f, x0) in cases.problems().items():
        arrays[f"{name}/{problem}"] = cases.torch_trajectory(name, f, x0)
    arrays[f"{name}/injected"] = cases.torch_injected(name, cases.injected_gradients())
np.savez_compressed(ROOT / "tests" / "data" / "torch_reference.npz",
                    torch_version=np.array(torch.__version__), **arrays)
print(f"recorded {len(arrays)} trajectories with torch {torch.__version__}")

model, X, y = nn_cases.case()
loss, grads = nn_cases.torch_loss_and_grads(model.params, X, y)
np.savez_compressed(ROOT / "tests" / "data" / "torch_mlp.npz",
                    torch_version=np.array(torch.__version__), loss=np.array(loss), **grads)
print(f"recorded the network's loss and {len(grads)} gradients")
