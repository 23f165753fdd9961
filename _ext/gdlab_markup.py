"""A notebook's markup that reads well in JupyterLab becomes the markup Sphinx needs.

The chapters are read in two places: on the website (Sphinx, myst-nb) and in JupyterLab with
``jupyterlab-myst``, which renders each markdown cell on its own and knows no bibliography.
Two constructs are therefore written in a form JupyterLab shows well, and rewritten here, in
``source-read`` (before myst-nb parses the notebook), into what the website is built from:

* **Citations** are links whose text is what the website shows, ``[[Polyak, 1964]](#polyak1964some)``
  (parenthetical) or ``[Goh [2017]](#goh2017momentum)`` (textual), and become
  ``{cite:p}`polyak1964some``` and ``{cite:t}`goh2017momentum```. A link counts as a
  citation when every key after ``#`` (comma-separated) is in ``references.bib``.
  ``tests/test_site.py`` checks that each link's text is the website's.
* **Solutions that run code.** A markdown cell holding one ``{solution}`` directive,
  followed by cells tagged ``solution`` (collapsed in JupyterLab by their
  ``jupyter.source_hidden`` metadata), becomes sphinx-exercise's gated form: the directive
  turns into ``{solution-start}`` with its body after it, and a ``{solution-end}`` cell
  follows the last tagged cell, so the website's dropdown holds the code and its output.
  (JupyterLab shows a gated ``solution-start`` as an empty box with the code outside it.)
"""

from __future__ import annotations

import json
import re
from pathlib import Path

from pybtex.database import parse_file

CITATION = re.compile(r"\[(?P<text>(?:[^\[\]\n]|\[[^\[\]\n]*\])+)\]\(#(?P<keys>[\w:-]+(?:,[\w:-]+)*)\)")
SOLUTION = re.compile(r"\A(?P<fence>`{3,}|:{3,})\{solution\} (?P<label>\S+)[ \t]*\n"
                      r"(?P<options>(?::[^\n]*\n)*)(?P<body>.*?)\n?(?P=fence)[ \t]*\Z", re.S)


def citation_roles(markdown: str, keys: set[str]) -> str:
    """``[[A, 2015]](#a2015)`` -> ``{cite:p}`a2015```; ``[A [2015]](#a2015)`` -> ``{cite:t}``."""

    def role(match):
        cited = match["keys"].split(",")
        if not set(cited) <= keys:
            return match.group(0)          # an ordinary link to a label
        kind = "p" if match["text"].startswith("[") else "t"
        return f"{{cite:{kind}}}`{','.join(cited)}`"

    return CITATION.sub(role, markdown)


def _source(cell) -> str:
    return "".join(cell["source"]) if isinstance(cell["source"], list) else cell["source"]


def _is_solution_part(cell) -> bool:
    return "solution" in cell.get("metadata", {}).get("tags", [])


def gated_solutions(cells: list[dict]) -> list[dict]:
    """Each ``{solution}`` cell followed by cells tagged ``solution`` -> start, cells, end."""
    out, i = [], 0
    while i < len(cells):
        cell = cells[i]
        match = SOLUTION.match(_source(cell).strip()) if cell["cell_type"] == "markdown" else None
        parts = 0
        while match and i + 1 + parts < len(cells) and _is_solution_part(cells[i + 1 + parts]):
            parts += 1
        if not parts:
            out.append(cell)
            i += 1
            continue
        fence = match["fence"]
        start = f"{fence}{{solution-start}} {match['label']}\n{match['options']}{fence}\n\n{match['body'].lstrip()}"
        out.append({**cell, "source": start})
        out.extend(cells[i + 1:i + 1 + parts])
        out.append({"cell_type": "markdown", "id": f"{cell.get('id', 'solution')}-end",
                    "metadata": {}, "source": f"{fence}{{solution-end}}\n{fence}"})
        i += 1 + parts
    return out


def rewrite_notebook(text: str, keys: set[str]) -> str:
    notebook = json.loads(text)
    for cell in notebook["cells"]:
        if cell["cell_type"] == "markdown":
            cell["source"] = citation_roles(_source(cell), keys)
    notebook["cells"] = gated_solutions(notebook["cells"])
    return json.dumps(notebook, ensure_ascii=False)


def bibliography_keys(paths) -> set[str]:
    """Every key of the BibTeX files ``paths``."""
    return {key for path in paths for key in parse_file(str(path)).entries.keys()}


def _rewrite_source(app, docname, source) -> None:
    if str(app.env.doc2path(docname)).endswith(".ipynb"):
        if not hasattr(app, "_gdlab_bib_keys"):
            app._gdlab_bib_keys = bibliography_keys(Path(app.srcdir) / name
                                                    for name in app.config.bibtex_bibfiles)
        source[0] = rewrite_notebook(source[0], app._gdlab_bib_keys)


def setup(app):
    app.connect("source-read", _rewrite_source)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
