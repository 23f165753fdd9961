"""Record torch.optim's trajectories on the parity cases into tests/data/torch_reference.npz.

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

arrays = {}
for name in cases.HYPER:
    for problem, (f, x0) in cases.problems().items():
        arrays[f"{name}/{problem}"] = cases.torch_trajectory(name, f, x0)
    arrays[f"{name}/injected"] = cases.torch_injected(name, cases.injected_gradients())
np.savez_compressed(ROOT / "tests" / "data" / "torch_reference.npz",
                    torch_version=np.array(torch.__version__), **arrays)
print(f"recorded {len(arrays)} trajectories with torch {torch.__version__}")
