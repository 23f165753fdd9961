"""Record torch.optim.lr_scheduler's rates on the schedule cases into tests/data/torch_schedules.npz.

    pip install torch==2.13.0 && python scripts/record_torch_schedules.py

Run it again only when CASES in tests/test_schedules.py change; the tests compare gdlab's
schedules with these recordings when torch is absent, and with live torch when it is present.
"""

import importlib.util
from pathlib import Path

import numpy as np
import torch

ROOT = Path(__file__).resolve().parent.parent
_spec = importlib.util.spec_from_file_location("test_schedules",
                                               ROOT / "tests" / "test_schedules.py")
cases = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(cases)

rates = {case: cases.torch_rates(case) for case in cases.CASES}
np.savez_compressed(cases.REFERENCE_FILE, torch_version=np.array(torch.__version__), **rates)
print(f"recorded {len(rates)} schedules over {cases.UPDATES} updates with torch {torch.__version__}")
