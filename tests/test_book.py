"""The book's structure: every chapter is listed, committed executed, and has the anatomy
DESIGN.md asks for (objectives, exercises with hidden solutions, a checked exercise, an
exercise solved on a widget plot, an explorer, summary, key terms with Korean; its
citations are checked in tests/test_markup.py)."""

import re
from pathlib import Path

import nbformat
import pytest
import yaml

ROOT = Path(__file__).resolve().parent.parent
TOC = yaml.safe_load((ROOT / "_toc.yml").read_text())
CHAPTERS = sorted((ROOT / "chapters").glob("*.ipynb"))
HANGUL = re.compile(r"[\uac00-\ud7a3]")


def toc_files():
    files = []
    for part in TOC["parts"]:
        files += [c["file"] for c in part["chapters"]]
    return files


def companion(path) -> str:
    """The companion module of a chapter: chapters/03-momentum.ipynb -> momentum."""
    return path.stem.split("-", 1)[1].replace("-", "_")


def markdown(nb):
    return "\n".join(c.source for c in nb.cells if c.cell_type == "markdown")


def test_every_notebook_is_in_the_toc_and_every_toc_entry_exists():
    listed = toc_files()
    assert sorted(f"chapters/{p.stem}" for p in CHAPTERS) == sorted(
        f for f in listed if f.startswith("chapters/"))
    for entry in listed:
        assert any((ROOT / f"{entry}{ext}").exists() for ext in (".ipynb", ".md")), entry


@pytest.mark.parametrize("path", CHAPTERS, ids=lambda p: p.stem)
def test_committed_executed_in_order_without_errors(path):
    nb = nbformat.read(path, as_version=4)
    code = [c for c in nb.cells if c.cell_type == "code"]
    assert [c.execution_count for c in code] == list(range(1, len(code) + 1))
    for cell in code:
        for out in cell.outputs:
            assert out.output_type != "error", cell.source[:80]
            assert not (out.output_type == "stream" and out.name == "stderr"), cell.source[:80]


@pytest.mark.parametrize("path", CHAPTERS, ids=lambda p: p.stem)
def test_chapter_anatomy(path):
    nb = nbformat.read(path, as_version=4)
    text = markdown(nb)
    code = "\n".join(c.source for c in nb.cells if c.cell_type == "code")
    assert re.search(r"^#+ .*learning objectives", text, re.I | re.M), "learning objectives"
    assert re.search(r"^#+ .*summary", text, re.I | re.M), "summary"
    assert re.search(r"^#+ .*key terms", text, re.I | re.M), "key terms"
    assert len(HANGUL.findall(text)) >= 20, "Korean terms beside the English ones"
    exercises = re.findall(r"```\{exercise\}.*?:label: (\S+)", text, re.S)
    assert len(exercises) >= 3, "at least three exercises"
    for label in exercises:   # each has a solution, collapsed
        match = re.search(r"`{3,4}\{solution(?:-start)?\} " + re.escape(label)
                          + r"\s*\n:class: dropdown", text)
        assert match, f"collapsed solution for {label}"
    solved = set(re.findall(r"`{3,4}\{solution(?:-start)?\} (\S+)", text))
    assert solved <= set(exercises), f"solutions without their exercise: {solved - set(exercises)}"
    assert re.search(r"^## Exercises$", text, re.M), "an Exercises section"
    module = companion(path)
    assert f"from gdlab.chapters import {module}" in code, "imports its companion module"
    assert f"{module}.check_" in code, "an exercise checked by its companion's checks"


WIDGET_EXERCISE = re.compile(r"```\{exercise\}[^\n]*\(on the widget plot\)")


@pytest.mark.parametrize("path", CHAPTERS + [ROOT / "appendix" / "regularization.ipynb"],
                         ids=lambda p: p.stem)
def test_an_exercise_is_solved_on_a_widget_plot(path):
    """An exercise titled "... (on the widget plot)" whose next code cell shows an explorer
    (tagged, as every explorer cell is: its frames carry the verdicts)."""
    cells = nbformat.read(path, as_version=4).cells
    posed = [i for i, c in enumerate(cells) if c.cell_type == "markdown"
             and WIDGET_EXERCISE.search(c.source)]
    assert posed, "an exercise solved on a widget plot"
    for i in posed:
        shown = next(c for c in cells[i + 1:] if c.cell_type == "code")
        assert "nbval-ignore-output" in shown.metadata.get("tags", []), shown.source[:80]


@pytest.mark.parametrize("path", CHAPTERS, ids=lambda p: p.stem)
def test_explorers_are_tagged_and_carry_a_static_version(path):
    nb = nbformat.read(path, as_version=4)
    explorers = 0
    for cell in nb.cells:
        if cell.cell_type != "code":
            continue
        html = [o for o in cell.outputs if "text/html" in o.get("data", {})
                and 'class="gdlab-explorer"' in o["data"]["text/html"]]
        tagged = "nbval-ignore-output" in cell.metadata.get("tags", [])
        if html:
            explorers += 1
            assert tagged, f"explorer cell not tagged: {cell.source[:60]}"
            assert "application/vnd.jupyter.widget-view+json" in html[0]["data"]
        else:
            assert not tagged, f"nbval-ignore-output on a non-explorer cell: {cell.source[:60]}"
    assert explorers >= 1, "at least one explorer"
    state = nb.metadata.get("widgets", {}).get("application/vnd.jupyter.widget-state+json", {})
    assert state.get("state"), "widget state saved (scripts/execute_notebooks.py)"


@pytest.mark.parametrize("path", CHAPTERS, ids=lambda p: p.stem)
def test_every_chapter_has_a_companion_and_its_tests(path):
    """Adding a chapter touches its notebook, its companion and its test file (plus _toc.yml
    and references.bib): the companion mirrors the notebook's name."""
    module = companion(path)
    assert (ROOT / "code" / "gdlab" / "chapters" / f"{module}.py").exists()
    assert (ROOT / "tests" / "chapters" / f"test_{module}.py").exists()


def test_glossary_is_generated_from_the_chapters():
    """appendix/glossary.md is what scripts/make_glossary.py makes from the Key terms tables."""
    import importlib.util
    spec = importlib.util.spec_from_file_location("make_glossary",
                                                  ROOT / "scripts" / "make_glossary.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    committed = (ROOT / "appendix" / "glossary.md").read_text(encoding="utf-8")
    assert committed == module.glossary(), "run: python scripts/make_glossary.py"
    assert committed.count("\n| ") >= 40
