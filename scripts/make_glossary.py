"""Build appendix/glossary.md from the "Key terms" tables of the chapters and of the
appendices written as notebooks (regularization).

    python scripts/make_glossary.py

Each chapter ends with a table of its key terms in English and Korean; the glossary merges
them (one row per term, with every chapter that lists it). tests/test_book.py checks that
the committed glossary is what this script makes, so it cannot drift from the chapters.
"""

from __future__ import annotations

import re
from pathlib import Path

import nbformat

ROOT = Path(__file__).resolve().parent.parent
HEADER = """# Appendix: glossary (용어집)

Every key term of the book in English and Korean, with the chapters (and appendices) that
introduce or use it. This page is generated from the "Key terms" table at the end of each
chapter by `scripts/make_glossary.py`.

| English | 한국어 | where |
| --- | --- | --- |
"""


def key_terms(path: Path):
    """(English, Korean) pairs from the chapter's Key terms table."""
    notebook = nbformat.read(path, as_version=4)
    text = "\n".join(c.source for c in notebook.cells if c.cell_type == "markdown")
    section = re.search(r"^#+ [^\n]*key terms[^\n]*\n(.*?)(?=^#+ |\Z)", text, re.I | re.M | re.S)
    if section is None:
        raise ValueError(f"{path.name} has no 'Key terms' section")
    for line in section.group(1).splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if len(cells) >= 2 and cells[0] and not set(cells[0]) <= set("-: ") \
                and cells[0].lower() != "english":
            yield cells[0], cells[1]


def normalize(term: str) -> str:
    """The grouping key: lower case, without a parenthesis or a '/ alternative'."""
    term = re.sub(r"\s*\([^)]*\)", "", term).split(" / ")[0]
    return term.strip().lower()


def SOURCES() -> list[Path]:
    """The chapters in order, then the appendices that are notebooks."""
    return (sorted((ROOT / "chapters").glob("*.ipynb"))
            + sorted((ROOT / "appendix").glob("*.ipynb")))


def _link(path: Path) -> str:
    """A link from appendix/glossary.md: a chapter by its number, an appendix by its name."""
    if path.parent.name == "chapters":
        return f"{{doc}}`{int(path.stem[:2])} <../chapters/{path.stem}>`"
    return f"{{doc}}`{path.stem} <{path.stem}>`"


def glossary() -> str:
    entries: dict[str, dict] = {}
    for path in SOURCES():
        for english, korean in key_terms(path):
            entry = entries.setdefault(normalize(english),
                                       {"english": english, "korean": [], "chapters": []})
            for word in re.split(r"\s*[,/]\s*", korean):
                if word and word not in entry["korean"]:
                    entry["korean"].append(word)
            if path not in entry["chapters"]:
                entry["chapters"].append(path)
    rows = []
    for key in sorted(entries, key=lambda k: k.lstrip("(").lower()):
        entry = entries[key]
        links = ", ".join(_link(path) for path in entry["chapters"])
        rows.append(f"| {entry['english']} | {' / '.join(entry['korean'])} | {links} |")
    return HEADER + "\n".join(rows) + "\n"


if __name__ == "__main__":
    out = ROOT / "appendix" / "glossary.md"
    out.write_text(glossary(), encoding="utf-8")
    print(f"wrote {out.relative_to(ROOT)}")
