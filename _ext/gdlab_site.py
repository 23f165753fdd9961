"""Sphinx tweaks for the gdlab website (loaded through ``_config.yml``'s ``local_extensions``).

* The theme stack adds some inline scripts twice (sphinx-thebe's configuration, the
  toggle-button selector); the second copy of ``const THEBE_JS_URL`` is a console
  ``SyntaxError`` on every page. Keep the first copy of each script only.
* The bibliography lists each work under the label the text cites it by, "Polyak, 1964",
  "Kingma and Ba, 2015", "Dauphin et al., 2014" (pybtex's default labels are "[BBLP13]").
  The style is registered as ``author_year`` for ``bibtex_default_style``.
* After the build (:func:`finish_site`): the explorers' pre-drawn frames move out of the
  pages into ``_images/explorer/<sha1>.png`` (a browser fetches a frame only when a reader
  moves a control to it, and caches it); the bibliography loses an ARIA role its entries
  do not fit; the figures are re-encoded with a palette of 256
  colours where that saves a tenth or more; and the Hangul the pages use is cut from
  NanumGothic (shipped on PyPI in ``koreanize-matplotlib``, SIL Open Font License) into
  ``_static/fonts/hangul.woff``, which ``_static/gdlab.css`` offers after the readers' own
  Korean fonts, so only a reader without one downloads it.
"""

from __future__ import annotations

import importlib.util
import os
import re
from pathlib import Path

from fontTools import subset
from pybtex.plugin import register_plugin
from pybtex.style.formatting.plain import Style as PlainStyle
from pybtex.style.labels import BaseLabelStyle


def _drop_repeated_scripts(app, pagename, templatename, context, doctree):
    seen, kept = set(), []
    for script in context.get("script_files", []):
        # The same file or inline body, whatever priority each copy was added with
        # (an inline script may carry filename None or "").
        key = (getattr(script, "filename", script) or "", getattr(script, "attributes", {}).get("body"))
        if key not in seen:
            seen.add(key)
            kept.append(script)
    context["script_files"] = kept


def author_year(entry) -> str:
    """ "Polyak, 1964", "Kingma and Ba, 2015", "Dauphin et al., 2014"; a work with no author
    is labelled by its editor or, failing that, by its first words of title."""
    people = entry.persons.get("author") or entry.persons.get("editor") or []
    names = [" ".join(p.last_names) for p in people]
    if not names:
        who = " ".join(entry.fields.get("title", entry.key).replace("{", "").replace("}", "").split()[:3])
    elif len(names) == 1:
        who = names[0]
    elif len(names) == 2:
        who = f"{names[0]} and {names[1]}"
    else:
        who = f"{names[0]} et al."
    who = who.replace("{", "").replace("}", "")
    return f"{who}, {entry.fields.get('year', 'n.d.')}"


class AuthorYearLabels(BaseLabelStyle):
    def format_labels(self, sorted_entries):
        for entry in sorted_entries:
            yield author_year(entry)


class AuthorYearStyle(PlainStyle):
    """pybtex's ``plain`` entries (sorted by author), labelled author-year."""

    default_label_style = "author_year"


register_plugin("pybtex.style.labels", "author_year", AuthorYearLabels)
register_plugin("pybtex.style.formatting", "author_year", AuthorYearStyle)


HANGUL = re.compile("[\u1100-\u11ff\u3130-\u318f\uac00-\ud7a3]")


def finish_site(app, exc) -> None:
    if exc is not None or app.builder.format != "html":
        return
    out = Path(app.outdir)
    pages = [p for p in out.rglob("*.html") if not {"_static", "_sources"} & set(p.parts)]
    externalize_explorer_frames(out, pages)
    drop_citation_list_role(pages)
    lighten_images(out / "_images")
    write_hangul_font(out, pages)


def externalize_explorer_frames(out: Path, pages) -> None:
    from gdlab.explorer import externalize_frames

    folder = out / "_images" / "explorer"
    for page in pages:
        text = page.read_text(encoding="utf-8")
        prefix = os.path.relpath(folder, page.parent).replace(os.sep, "/") + "/"
        moved, files = externalize_frames(text, prefix)
        if files:
            folder.mkdir(parents=True, exist_ok=True)
            for name, png in files.items():
                (folder / name).write_bytes(png)
            page.write_text(moved, encoding="utf-8")


def drop_citation_list_role(pages) -> None:
    """docutils marks a bibliography ``role="list"`` but its entries are
    ``doc-biblioentry``, not list items, which breaks ARIA (axe-core: critical)."""
    for page in pages:
        text = page.read_text(encoding="utf-8")
        if '<div role="list" class="citation-list">' in text:
            page.write_text(text.replace('<div role="list" class="citation-list">',
                                         '<div class="citation-list">'), encoding="utf-8")


def lighten_images(images: Path, colors: int = 256, saving: float = 0.1) -> None:
    from gdlab.frames import palette_png

    for path in images.glob("*.png"):
        png = path.read_bytes()
        light = palette_png(png, colors=colors)
        if len(light) < (1 - saving) * len(png):
            path.write_bytes(light)


def write_hangul_font(out: Path, pages) -> None:
    used = set()
    for page in pages:
        used.update(HANGUL.findall(page.read_text(encoding="utf-8")))
    if not used:
        return
    spec = importlib.util.find_spec("koreanize_matplotlib")   # found, not imported
    font_file = Path(spec.submodule_search_locations[0]) / "fonts" / "NanumGothic.ttf"
    options = subset.Options()
    options.flavor = "woff"
    font = subset.load_font(str(font_file), options)
    subsetter = subset.Subsetter(options)
    subsetter.populate(text="".join(sorted(used)))
    subsetter.subset(font)
    (out / "_static" / "fonts").mkdir(parents=True, exist_ok=True)
    subset.save_font(font, str(out / "_static" / "fonts" / "hangul.woff"), options)


def setup(app):
    app.connect("html-page-context", _drop_repeated_scripts)
    app.connect("build-finished", finish_site)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
