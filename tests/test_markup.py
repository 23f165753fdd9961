"""The notebooks are written so that JupyterLab (with jupyterlab-myst) shows them as the
website does, and ``_ext/gdlab_markup.py`` turns that markup into what Sphinx needs.

jupyterlab-myst renders each notebook on its own and has no bibliography, so: citations are
links whose text is the website's (``tests/test_site.py`` compares the two); a solution
that runs code is a ``{solution}`` cell followed by cells tagged ``solution`` and collapsed;
every ``{doc}`` carries its text (JupyterLab would show the bare file name); and ``{eq}`` and
``{ref}`` name only labels of their own notebook.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import nbformat
import pytest
from site_checks import extension

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOKS = sorted((ROOT / "chapters").glob("*.ipynb")) + sorted((ROOT / "appendix").glob("*.ipynb"))
markup = extension("gdlab_markup")
KEYS = markup.bibliography_keys([ROOT / "references.bib"])

LABELS = re.compile(r"^:label: (\S+)|^\(([\w-]+)\)=|\$\$ *\(([\w-]+)\)", re.M)
REFERENCE = re.compile(r"\{(eq|ref|numref)\}`(?:[^`<]*<)?([^`>]+)>?`")


def cells_of(path):
    return nbformat.read(path, as_version=4).cells


def is_solution_part(cell) -> bool:
    return "solution" in cell.metadata.get("tags", [])


# -- the rewriting, on small cases ---------------------------------------------------------

def test_citation_links_become_roles():
    keys = {"polyak1964some", "goh2017momentum", "kingma2015adam"}
    text = ("mechanics [[Polyak, 1964]](#polyak1964some); as [Goh [2017]](#goh2017momentum) "
            "shows [[Goh, 2017, Kingma and Ba, 2015]](#goh2017momentum,kingma2015adam), "
            "see [the update](#eq-update) and [docs](https://example.org#x).")
    assert markup.citation_roles(text, keys) == (
        "mechanics {cite:p}`polyak1964some`; as {cite:t}`goh2017momentum` shows "
        "{cite:p}`goh2017momentum,kingma2015adam`, see [the update](#eq-update) and "
        "[docs](https://example.org#x).")


def test_a_link_citing_a_key_not_in_the_bibliography_stays_a_link():
    assert markup.citation_roles("[[X, 2020]](#polyak1964some,nokey)", {"polyak1964some"}) \
        == "[[X, 2020]](#polyak1964some,nokey)"


def md(source, **metadata):
    return {"cell_type": "markdown", "id": "m", "metadata": metadata, "source": source}


def code(source, tags=("solution",)):
    return {"cell_type": "code", "id": "c", "metadata": {"tags": list(tags)}, "source": source,
            "outputs": [], "execution_count": None}


def test_a_solution_with_code_becomes_the_gated_form():
    cells = [md("````{solution} ex-1\n:class: dropdown\n\nThe run:\n````"),
             code("print(1)"), md("So 1.", tags=["solution"]), code("after", tags=())]
    out = markup.gated_solutions(cells)
    assert [c["source"] for c in out] == [
        "````{solution-start} ex-1\n:class: dropdown\n````\n\nThe run:",
        "print(1)", "So 1.", "````{solution-end}\n````", "after"]


def test_a_solution_without_tagged_cells_is_left_alone():
    cells = [md("```{solution} ex-1\n:class: dropdown\n\nAll here.\n```"), code("x", tags=())]
    assert markup.gated_solutions(cells) == cells


# -- the notebooks as written --------------------------------------------------------------

@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_notebooks_use_the_markup_jupyterlab_renders(path):
    text = "\n".join(c.source for c in cells_of(path) if c.cell_type == "markdown")
    assert "{cite" not in text, "a citation is a link: [[Polyak, 1964]](#polyak1964some)"
    assert "{solution-start}" not in text and "{solution-end}" not in text, \
        "a solution with code is a {solution} cell and cells tagged solution"
    bare = re.findall(r"\{doc\}`[^`<]*`", text)
    assert not bare, f"{{doc}} without its text (JupyterLab shows the file name): {bare}"
    own = {next(g for g in m.groups() if g) for m in LABELS.finditer(text)}
    foreign = sorted({target for _, target in REFERENCE.findall(text)} - own)
    assert not foreign, f"labels of another notebook (JupyterLab cannot resolve them): {foreign}"
    cited = [m["keys"] for m in markup.CITATION.finditer(text)
             if set(m["keys"].split(",")) <= KEYS]
    assert cited, "citations from references.bib"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_solution_cells_follow_their_solution_and_are_collapsed(path):
    cells = cells_of(path)
    for i, cell in enumerate(cells):
        if cell.cell_type == "markdown" and (match := markup.SOLUTION.match(cell.source.strip())):
            assert match["body"].strip(), f"{match['label']}: a sentence inside the dropdown"
        if not is_solution_part(cell):
            continue
        before = cells[i - 1]
        assert is_solution_part(before) or (before.cell_type == "markdown"
                                            and markup.SOLUTION.match(before.source.strip())), \
            f"cell {i} tagged solution does not follow a {{solution}} cell: {cell.source[:60]}"
        hidden = cell.metadata.get("jupyter", {})
        assert hidden.get("source_hidden"), f"cell {i} tagged solution is not collapsed"
        if cell.cell_type == "code":
            assert hidden.get("outputs_hidden"), f"cell {i}: its output is not collapsed"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_the_website_gets_gated_solutions_that_close(path):
    rewritten = json.loads(markup.rewrite_notebook(path.read_text(encoding="utf-8"), KEYS))
    sources = [markup._source(c) for c in rewritten["cells"]]
    starts = sum(s.lstrip("`:").startswith("{solution-start}") for s in sources)
    ends = sum(s.lstrip("`:").startswith("{solution-end}") for s in sources)
    cells = cells_of(path)
    tagged_runs = sum(1 for i, c in enumerate(cells)
                      if is_solution_part(c) and not is_solution_part(cells[i - 1]))
    assert starts == ends == tagged_runs
    assert not any("{cite" in s and "](#" in s for s in sources)
