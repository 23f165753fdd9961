"""Sphinx tweaks for the gdlab website (loaded through ``_config.yml``'s ``local_extensions``).

* The theme stack adds some inline scripts twice (sphinx-thebe's configuration, the
  toggle-button selector); the second copy of ``const THEBE_JS_URL`` is a console
  ``SyntaxError`` on every page. Keep the first copy of each script only.
* The bibliography lists each work under the label the text cites it by, "Polyak, 1964",
  "Kingma and Ba, 2015", "Dauphin et al., 2014" (pybtex's default labels are "[BBLP13]").
  The style is registered as ``author_year`` for ``bibtex_default_style``.
* The search page, and only it, gets ``_ext/static/gdlab-search.js`` (not in ``_static/``,
  whose scripts Jupyter Book adds to every page), which makes the result snippets from a
  page's prose (Sphinx's own take the theme's toolbar and raw TeX along).
* The launch buttons of ``_config.yml`` (Binder, Colab, JupyterHub) stay off while
  ``repository.url`` is empty: the theme would fail on them with no repository to point at.
* After the build (:func:`finish_site`): the explorers' pre-drawn frames move out of the
  pages into ``_images/explorer/<sha1>.png`` (a browser fetches a frame only when a reader
  moves a control to it, and caches it); each notebook figure gets its phone rendition
  (:func:`add_phone_renditions`, a ``<picture>``); the bibliography loses an ARIA role its entries
  do not fit; the figures are re-encoded with a palette of 256
  colors where that saves a tenth or more; and the Hangul the pages use is cut from
  NanumGothic (shipped on PyPI in ``koreanize-matplotlib``, SIL Open Font License) into
  ``_static/fonts/hangul.woff``, which ``_static/gdlab.css`` offers after the readers' own
  Korean fonts, so only a reader without one downloads it.
"""

from __future__ import annotations

import base64
import hashlib
import html
import importlib.util
import json
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


def _add_search_snippets(app, pagename, templatename, context, doctree):
    """On search.html only; deferred, so it runs after searchtools.js and before the search."""
    if pagename == "search":
        app.add_js_file("gdlab-search.js", defer="defer")


def _serve_own_static(app, config) -> None:
    config.html_static_path.append(str(Path(__file__).parent / "static"))


def _launch_buttons_need_a_repository(app, config) -> None:
    options = config.html_theme_options
    if not options.get("repository_url"):
        options.pop("launch_buttons", None)


def author_year(entry) -> str:
    """ "Polyak, 1964", "Kingma and Ba, 2015", "Dauphin et al., 2014"; a work with no author
    is labeled by its editor or, failing that, by its first words of title."""
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
    """pybtex's ``plain`` entries (sorted by author), labeled author-year."""

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
    add_phone_renditions(Path(app.srcdir), out, pages)
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


def add_phone_renditions(source: Path, out: Path, pages) -> None:
    """Give each notebook figure its phone rendition: ``gdlab.renditions.book_png`` keeps
    the narrow PNG in the output's metadata; myst-nb names the wide one by its sha256. The
    ``<img>`` becomes a ``<picture>`` that shows the narrow file on phones."""
    from gdlab.renditions import picture_html

    narrow = {}
    for notebook in source.glob("*/*.ipynb"):
        for cell in json.loads(notebook.read_text(encoding="utf-8"))["cells"]:
            for output in cell.get("outputs", []):
                extra = output.get("metadata", {}).get("image/png", {}).get("gdlab")
                if extra and "narrow" not in extra:   # run by a reader, not for the website
                    raise RuntimeError(
                        f"{notebook.relative_to(source)} holds a figure without its phone "
                        f"rendition: execute it with scripts/execute_notebooks.py")
                if extra and "image/png" in output.get("data", {}):
                    wide = base64.b64decode("".join(output["data"]["image/png"]))
                    narrow[hashlib.sha256(wide).hexdigest()] = extra
    image = re.compile(r'<img alt="([^"]*)" src="([^"]*_images/)([0-9a-f]{64})\.png" />')

    def picture(match):
        alt, folder, name = match.groups()
        extra = narrow.get(name)
        if extra is None:
            return match.group(0)
        png = base64.b64decode(extra["narrow"])
        small = hashlib.sha256(png).hexdigest()
        (out / "_images" / f"{small}.png").write_bytes(png)
        return picture_html(f"{folder}{name}.png", f"{folder}{small}.png", extra["text_px"],
                            extra["narrow_text_px"], html.unescape(alt))

    for page in pages:
        text = page.read_text(encoding="utf-8")
        changed = image.sub(picture, text)
        if changed != text:
            page.write_text(changed, encoding="utf-8")


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
    app.connect("config-inited", _serve_own_static)
    app.connect("config-inited", _launch_buttons_need_a_repository)
    # Before _drop_repeated_scripts, which replaces the page's list of scripts.
    app.connect("html-page-context", _add_search_snippets, priority=400)
    app.connect("html-page-context", _drop_repeated_scripts)
    app.connect("build-finished", finish_site)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
