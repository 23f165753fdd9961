"""Re-execute the chapter notebooks in place, saving outputs and widget state.

    python scripts/execute_notebooks.py                  # every chapters/*.ipynb
    python scripts/execute_notebooks.py chapters/01-gradient-descent.ipynb

The kernel is this Python (the one running the script), never a kernelspec found
elsewhere on the machine, and it draws the website's pictures: every figure and explorer
frame also for a phone (``GDLAB_WEBSITE=1``, see ``gdlab.renditions``). Execution counts come out as 1, 2, 3, ...; timing metadata is
not recorded, so re-running an unchanged notebook changes nothing but its images.
"""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path

import nbformat
from jupyter_client.manager import KernelManager
from nbclient import NotebookClient
from nbval.kernel import CURRENT_ENV_KERNEL_NAME, NbvalKernelspecManager

from gdlab import renditions

ROOT = Path(__file__).resolve().parent.parent


def execute(path: Path, timeout: int = 300) -> float:
    """Run one notebook top to bottom in its own folder and save it; return seconds taken."""
    notebook = nbformat.read(path, as_version=4)
    manager = KernelManager(kernel_name=CURRENT_ENV_KERNEL_NAME,
                            kernel_spec_manager=NbvalKernelspecManager())
    client = NotebookClient(notebook, km=manager, timeout=timeout, allow_errors=False,
                            store_widget_state=True, record_timing=False,
                            resources={"metadata": {"path": str(path.parent)}})
    start = time.perf_counter()
    client.execute(env={**os.environ, renditions.WEBSITE: "1"})
    seconds = time.perf_counter() - start
    if not _has_widgets(notebook):
        notebook.metadata.pop("widgets", None)
    nbformat.write(notebook, path)
    return seconds


def _has_widgets(notebook) -> bool:
    state = notebook.metadata.get("widgets", {}).get(
        "application/vnd.jupyter.widget-state+json", {})
    return bool(state.get("state"))


def main(argv: list[str]) -> int:
    paths = [Path(a).resolve() for a in argv] or sorted((ROOT / "chapters").glob("*.ipynb"))
    total = 0.0
    for path in paths:
        seconds = execute(path)
        total += seconds
        print(f"{path.name}: {seconds:.1f} s")
    print(f"{len(paths)} notebook(s) in {total:.1f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
