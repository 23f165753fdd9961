"""Performance targets of the book, measured (never asserted in unit tests).

    python benchmarks/run_benchmarks.py            # every chapter
    python benchmarks/run_benchmarks.py 03 06      # chapters whose file names start so

For each chapter notebook (executed on a temporary copy, the committed file is untouched):
  * execution time, target <= 15 s per notebook and <= 90 s for the whole book;
  * for each explorer in it: the median time the live widget takes to show a new control
    value (target <= 50 ms), and, for information, the median time to draw a frame that is
    not cached yet.
Exits 1 if a target is missed. Timings depend on the machine (targets are for 2 cores).
"""

from __future__ import annotations

import json
import shutil
import sys
import tempfile
import time
from pathlib import Path

import nbformat
from jupyter_client.manager import KernelManager
from nbclient import NotebookClient
from nbval.kernel import CURRENT_ENV_KERNEL_NAME, NbvalKernelspecManager

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOK_TARGET, BOOK_TARGET, RESPONSE_TARGET = 15.0, 90.0, 0.050

# Run inside the kernel after the notebook: time every Explorer it displayed.
PROBE = r'''
import json as _json, statistics as _st, time as _time, itertools as _it
import ipywidgets as _w
from gdlab.explorer import Explorer as _Explorer
_found = [v for v in list(Out.values()) + list(globals().values()) if isinstance(v, _Explorer)]
_seen, _report = set(), []
for _e in _found:
    if id(_e) in _seen:
        continue
    _seen.add(id(_e))
    _box = _e.widget()
    _sliders = [c for c in _box.children if isinstance(c, (_w.SelectionSlider, _w.ToggleButtons))]
    _image = _box.children[-1]
    _combos = list(_it.product(*_e.controls.values()))[:40]
    _live = []
    for _combo in _combos:                       # what a reader's slider move costs
        _start = _time.perf_counter()
        for _s, _v in zip(_sliders, _combo):
            _s.value = _v
        _live.append(_time.perf_counter() - _start)
    _e._cache.clear()
    _draw = []
    for _combo in _combos[:6]:                   # drawing a frame from scratch
        _start = _time.perf_counter()
        _e.render(**dict(zip(_e.controls, _combo)))
        _draw.append(_time.perf_counter() - _start)
    _report.append({"title": _e.title, "frames": len(_combos),
                    "live_median_s": _st.median(_live), "draw_median_s": _st.median(_draw)})
print("BENCH" + _json.dumps(_report))
'''


def run_notebook(path: Path) -> tuple[float, list[dict]]:
    with tempfile.TemporaryDirectory() as tmp:
        copy = Path(tmp) / path.name
        shutil.copy(path, copy)
        notebook = nbformat.read(copy, as_version=4)
        manager = KernelManager(kernel_name=CURRENT_ENV_KERNEL_NAME,
                                kernel_spec_manager=NbvalKernelspecManager())
        client = NotebookClient(notebook, km=manager, timeout=600, record_timing=False,
                                resources={"metadata": {"path": str(path.parent)}})
        with client.setup_kernel():
            start = time.perf_counter()
            for index, cell in enumerate(notebook.cells):
                client.execute_cell(cell, index)
            seconds = time.perf_counter() - start
            probe = nbformat.v4.new_code_cell(PROBE)
            notebook.cells.append(probe)
            client.execute_cell(probe, len(notebook.cells) - 1)
        text = "".join(o.get("text", "") for o in probe.outputs)
        explorers = json.loads(text.split("BENCH", 1)[1]) if "BENCH" in text else []
    return seconds, explorers


def main(prefixes: list[str]) -> int:
    paths = sorted((ROOT / "chapters").glob("*.ipynb"))
    if prefixes:
        paths = [p for p in paths if any(p.name.startswith(x) for x in prefixes)]
    failed, total = False, 0.0
    print(f"{'notebook':40} {'run (s)':>8}  explorer: live median / fresh frame (ms)")
    for path in paths:
        seconds, explorers = run_notebook(path)
        total += seconds
        flag = "" if seconds <= NOTEBOOK_TARGET else "  <-- over 15 s"
        failed |= bool(flag)
        print(f"{path.stem:40} {seconds:8.1f}{flag}")
        for e in explorers:
            slow = e["live_median_s"] > RESPONSE_TARGET
            failed |= slow
            print(f"{'':51}{e['title'][:40]:40} {1000 * e['live_median_s']:6.2f} / "
                  f"{1000 * e['draw_median_s']:5.0f}  ({e['frames']} frames)"
                  + ("  <-- over 50 ms" if slow else ""))
    if not prefixes:
        flag = "" if total <= BOOK_TARGET else "  <-- over 90 s"
        failed |= bool(flag)
        print(f"{'whole book':40} {total:8.1f}{flag}")
    print("targets missed" if failed else "all targets met")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
