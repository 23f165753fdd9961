"""Reading the book in JupyterLab, as README's "Reading the notebooks locally" sets it up
(``requirements-lab.txt``: JupyterLab and jupyterlab-myst): a chapter opened in a real
JupyterLab server, in headless Chromium, renders its exercises, solutions, equations and
citations as boxes and formulas rather than raw markup, and an explorer's slider redraws
its figure through the live kernel.

The server runs on 127.0.0.1 with a random token over a copy of the notebooks (JupyterLab
saves what it runs). Needs Chromium and is skipped where it is absent.
"""

from __future__ import annotations

import importlib.util
import re
import shutil
from pathlib import Path

import nbformat
import pytest

from lab_checks import (PROBLEMS, RAW_MARKUP, JupyterLab, move_a_slider, open_notebook,
                        run_all_cells)
from site_checks import CHROMIUM, LAPTOP, chromium

ROOT = Path(__file__).resolve().parent.parent
CHAPTER = ROOT / "chapters" / "03-momentum.ipynb"
MISSING = [name for name in ("jupyterlab", "jupyterlab_myst", "ipywidgets")
           if importlib.util.find_spec(name) is None]

pytestmark = [
    pytest.mark.skipif(CHROMIUM is None, reason="Chromium is not installed"),
    pytest.mark.skipif(bool(MISSING), reason=f"{MISSING} missing: pip install -r requirements-lab.txt"),
]

# A notebook written the way JupyterLab cannot show: the check must name each slip.
CONTROL = ["# Control\n\nAs {cite:p}`polyak1964some` says, see {eq}`eq-elsewhere`.\n\n"
           "```{exercise} A title\n:label: ex-c\n\nDo it.\n```\n\n"
           "````{solution-start} ex-c\n:class: dropdown\n````",
           "````{solution-end}\n````\n\n```{no-such-directive}\nx\n```"]


@pytest.fixture(scope="module")
def lab(tmp_path_factory):
    notebooks = tmp_path_factory.mktemp("notebooks")
    shutil.copy(CHAPTER, notebooks / CHAPTER.name)
    control = nbformat.v4.new_notebook(metadata={"kernelspec": {
        "name": "python3", "display_name": "Python 3", "language": "python"}})
    control.cells = [nbformat.v4.new_markdown_cell(CONTROL[0]),
                     nbformat.v4.new_code_cell("print(1)"),
                     nbformat.v4.new_markdown_cell(CONTROL[1])]
    nbformat.write(control, notebooks / "control.ipynb")
    with JupyterLab(tmp_path_factory.mktemp("lab"), root=notebooks) as server:
        yield server


@pytest.fixture(scope="module")
def browser():
    launched = chromium()
    yield launched
    launched.close()


@pytest.fixture
def page(browser, lab):
    context = browser.new_context(viewport=LAPTOP)
    page = context.new_page()
    page.outside = []
    page.on("request", lambda r: r.url.startswith((lab.origin, "data:", "blob:"))
            or page.outside.append(r.url))
    yield page
    context.close()


def expected_boxes(path: Path) -> dict:
    cells = nbformat.read(path, as_version=4).cells
    text = "\n".join(c.source for c in cells if c.cell_type == "markdown")
    return {"exercises": len(re.findall(r"```\{exercise\}", text)),
            "solutions": len(re.findall(r"`{3,}\{solution\}", text)),
            "collapsed": sum("solution" in c.metadata.get("tags", []) for c in cells)}


SHOWN = """() => {
  const boxes = [...document.querySelectorAll(".jp-MarkdownCell .myst")];
  const exercises = boxes.flatMap(b => [...b.querySelectorAll("aside.myst-exercise")]);
  const solutions = boxes.flatMap(b => [...b.querySelectorAll("details.myst-exercise")]);
  return {
    exercises: exercises.length,
    titled: exercises.filter(e => /^Exercise \\d+/.test(e.querySelector(".myst-exercise-title").textContent)).length,
    solutions: solutions.length,
    closed: solutions.filter(d => !d.open && /^Solution to Exercise/.test(d.querySelector("summary").textContent.replace(/\\s+/g, " "))).length,
    empty: solutions.filter(d => !d.querySelector(".details-body").textContent.trim()).length,
    collapsed: document.querySelectorAll(".jp-Cell .jp-InputPlaceholder").length,
    formulas: document.querySelectorAll(".jp-MarkdownCell .katex").length,
    citations: [...document.querySelectorAll(".jp-MarkdownCell a[href='#polyak1964some']")].map(a => a.textContent),
  };
}"""


def test_a_chapter_reads_in_jupyterlab_as_on_the_website(page, lab):
    open_notebook(page, lab, CHAPTER.name)
    assert page.evaluate(PROBLEMS, RAW_MARKUP) == []
    shown, expected = page.evaluate(SHOWN), expected_boxes(CHAPTER)
    assert shown["exercises"] == shown["titled"] == expected["exercises"] >= 3
    assert shown["solutions"] == shown["closed"] == expected["solutions"]
    assert shown["empty"] == 0, "a solution's dropdown with nothing in it"
    assert shown["collapsed"] == expected["collapsed"] >= 1, "the code of a solution, collapsed"
    assert shown["formulas"] > 50
    assert "[Polyak, 1964]" in shown["citations"]          # parenthetical
    assert set(shown["citations"]) == {"[Polyak, 1964]", "Polyak [1964]"}   # and textual
    assert page.outside == []


def test_the_check_names_markup_jupyterlab_cannot_show(page, lab):
    open_notebook(page, lab, "control.ipynb")
    found = " | ".join(page.evaluate(PROBLEMS, RAW_MARKUP))
    for slip in ("Citation Not Found: polyak1964some", "Cross Reference Not Found: eq-elsewhere",
                 "Start of Solution", "Unknown Directive"):
        assert slip in found


def test_an_explorer_slider_redraws_through_the_live_kernel(page, lab):
    open_notebook(page, lab, CHAPTER.name)
    run_all_cells(page)
    errors = page.evaluate("""() => [...document.querySelectorAll(
        ".jp-OutputArea-output[data-mime-type='application/vnd.jupyter.stderr']")]
        .map(e => e.textContent.slice(0, 200))""")
    assert errors == []
    before, after = move_a_slider(page)
    assert after != before
    assert page.outside == []
