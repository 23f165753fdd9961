"""Compare the text outputs of chapter notebooks with those committed at a git revision.

    python scripts/compare_outputs.py                 # every chapter, against HEAD
    python scripts/compare_outputs.py HEAD~1 chapters/03-momentum.ipynb

A refactoring of gdlab must leave what the reader sees unchanged: every printed line and
every text result. Cells are not matched by position (a new cell without output, such as an
``assert``, shifts nothing): the text outputs of each notebook are compared as one sequence,
in order, skipping the explorer cells (tagged ``nbval-ignore-output``) and images. Exits 1
and prints a diff if anything differs.
"""

from __future__ import annotations

import difflib
import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def text_outputs(notebook: dict) -> list[str]:
    """Every stream and text/plain output of the code cells, in order, one line an item."""
    lines = []
    for cell in notebook["cells"]:
        if cell["cell_type"] != "code":
            continue
        if "nbval-ignore-output" in cell.get("metadata", {}).get("tags", []):
            continue
        pieces = []   # a kernel may split one print into several stream outputs: join them
        for output in cell.get("outputs", []):
            if output["output_type"] == "stream":
                pieces.append(_text(output["text"]))
            elif "text/plain" in output.get("data", {}):
                pieces.append(_text(output["data"]["text/plain"]) + "\n")
        lines += "".join(pieces).splitlines()
    return lines


def _text(value) -> str:
    return "".join(value) if isinstance(value, list) else value


def committed(path: Path, revision: str) -> dict:
    relative = path.resolve().relative_to(ROOT).as_posix()
    shown = subprocess.run(["git", "show", f"{revision}:{relative}"], cwd=ROOT,
                           capture_output=True, text=True, check=True)
    return json.loads(shown.stdout)


def main(argv: list[str]) -> int:
    revision = argv[0] if argv and not argv[0].endswith(".ipynb") else "HEAD"
    paths = [Path(a) for a in argv if a.endswith(".ipynb")] or sorted(
        (ROOT / "chapters").glob("*.ipynb"))
    changed = 0
    for path in paths:
        before = text_outputs(committed(path, revision))
        after = text_outputs(json.loads(path.read_text(encoding="utf-8")))
        if before == after:
            print(f"{path.name}: {len(after)} lines of text output, unchanged")
            continue
        changed += 1
        print(f"{path.name}: text output differs from {revision}")
        sys.stdout.writelines(difflib.unified_diff(
            [line + "\n" for line in before], [line + "\n" for line in after],
            f"{revision}:{path.name}", path.name))
    return 1 if changed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
