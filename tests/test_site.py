"""The website as a reader gets it, page by page, in headless Chromium.

The book is built fresh (from the sources, with warnings as errors) into a temporary folder,
served on 127.0.0.1 and read with :mod:`site_checks`. Every page: no console error, no
request outside the site, every formula typeset, every image loaded, nothing wider than a
390 px phone, every display equation inside the text column at 1280 px, every explorer
control live, no serious or critical axe-core violation, every internal link and anchor
resolving, and a cold transfer within budget. Besides: the search page's result snippets
show prose (no toolbar text, no raw TeX), every notebook page offers its download and
Binder, Colab and JupyterHub links (the test build names a placeholder repository and
hub) and its live-mode link (nothing of which loads before it is followed), notebook
citations read as the page cites, and every page's headings go in order.
A deliberately broken page shows that each of these checks can fail.

Needs Chromium (Debian: ``apt-get install chromium``; ``.ci/run`` installs it) and is
skipped where it is absent.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
from html.parser import HTMLParser
from pathlib import Path
from types import SimpleNamespace
from urllib.parse import quote, unquote, urldefrag

import pytest
import yaml

from site_checks import CHROMIUM, Site, extension

ROOT = Path(__file__).resolve().parent.parent
pytestmark = pytest.mark.skipif(CHROMIUM is None, reason="Chromium is not installed")

PAGE_BUDGET, CHAPTER_BUDGET = 1.5e6, 2.5e6   # bytes, cold, text gzipped
# The test build's launch buttons point here; the committed _config.yml names no repository.
REPOSITORY, BRANCH, HUB = "https://github.com/example/gdlab", "main", "https://hub.example.org"


def built_pages(html: Path, redirects: bool = False) -> list[str]:
    """The site's pages, without its assets (and without redirect stubs unless asked)."""
    skip = {"_static", "_sources", "_images", "lite"}   # lite/: JupyterLite's app, tests/test_live.py
    return sorted(str(p.relative_to(html)) for p in html.rglob("*.html")
                  if not skip & set(p.relative_to(html).parts)
                  and (redirects or not is_redirect(p)))


def is_redirect(page: Path) -> bool:
    return 'http-equiv="refresh"' in page.read_text(encoding="utf-8")[:2000].lower()


def config_with_repository(folder: Path) -> Path:
    """``_config.yml`` with the placeholder repository and JupyterHub, written to ``folder``
    (the book's own file stays as it is)."""
    config = yaml.safe_load((ROOT / "_config.yml").read_text(encoding="utf-8"))
    config["repository"].update(url=REPOSITORY, branch=BRANCH)
    config["launch_buttons"]["jupyterhub_url"] = HUB
    # Jupyter Book finds local extensions relative to the configuration file.
    extensions = config["sphinx"]["local_extensions"]
    config["sphinx"]["local_extensions"] = {name: str(ROOT / path) for name, path in extensions.items()}
    path = folder / "_config.yml"
    path.write_text(yaml.safe_dump(config, sort_keys=False, allow_unicode=True), encoding="utf-8")
    return path


@pytest.fixture(scope="session")
def html(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("site")
    config = config_with_repository(tmp_path_factory.mktemp("config"))
    jupyter_book = Path(sys.executable).parent / "jupyter-book"   # this Python's, not another
    done = subprocess.run([str(jupyter_book), "build", "--all", "-W", "--keep-going",
                           "--config", str(config), "--path-output", str(out), str(ROOT)],
                          capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    return out / "_build" / "html"


@pytest.fixture(scope="session")
def site(html):
    served = Site(html)
    yield served
    served.close()


@pytest.fixture(scope="session")
def visits(site, html):
    """Every page; the code blocks (the highlighting theme's, the same on every page) go
    through axe-core on the first chapter only."""
    pages = built_pages(html)
    first = next(p for p in pages if p.startswith("chapters/"))
    return {page: site.visit(page, code_blocks=page == first) for page in pages}


def test_the_site_has_every_page(html):
    assert is_redirect(html / "index.html") and "intro.html" in (html / "index.html").read_text()
    pages = built_pages(html)
    assert "intro.html" in pages and "bibliography.html" in pages
    assert sum(p.startswith("chapters/") for p in pages) == len(list((ROOT / "chapters").glob("*.ipynb")))


@pytest.mark.parametrize("check", ["console_errors", "outside_requests", "failed_requests",
                                   "raw_tex", "broken_images", "too_wide_on_phone",
                                   "wide_equations", "accessibility", "small_text",
                                   "placeholder_alt"])
def test_every_page_is_clean(visits, check):
    problems = {page: getattr(v, check) for page, v in visits.items() if getattr(v, check)}
    assert not problems, f"{check}: {problems}"


def test_every_explorer_control_moves_the_picture(visits):
    explorers = {page: v.explorers for page, v in visits.items() if v.explorers}
    assert len(explorers) >= 7, "every chapter has an explorer"
    inert = {page: v.inert_explorers for page, v in visits.items() if v.inert_explorers}
    assert not inert, inert


def test_page_weight(visits):
    heavy = {page: round(v.transfer / 1e6, 2) for page, v in visits.items()
             if v.transfer > (CHAPTER_BUDGET if page.startswith("chapters/") else PAGE_BUDGET)}
    assert not heavy, f"cold transfer in MB over budget: {heavy}"


class _Links(HTMLParser):
    def __init__(self):
        super().__init__()
        self.hrefs, self.ids = [], set()

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if attrs.get("id"):
            self.ids.add(attrs["id"])
        if tag == "a" and attrs.get("href"):
            self.hrefs.append(attrs["href"])


def test_every_internal_link_and_anchor_resolves(html):
    parsed = {}
    for page in built_pages(html, redirects=True):
        parser = _Links()
        parser.feed((html / page).read_text(encoding="utf-8"))
        parsed[page] = parser
    broken = []
    for page, parser in parsed.items():
        for href in parser.hrefs:
            if re.match(r"^[a-z]+:", href):        # http:, mailto:, javascript: ...
                continue
            target, anchor = urldefrag(href)
            target = target.partition("?")[0]       # lite/lab/index.html?path=...
            path = (html / page).parent / unquote(target) if target else html / page
            name = str(path.resolve().relative_to(html.resolve())) if path.exists() else None
            if name is None:
                broken.append(f"{page}: {href}")
            elif anchor and name in parsed and unquote(anchor) not in parsed[name].ids:
                broken.append(f"{page}: {href} (no such anchor)")
    assert not broken, broken[:20]


BROKEN_PAGE = """<!doctype html><html><head><title>broken</title></head><body>
<p>A formula left raw: \\(\\alpha_t\\).</p>
<img src="missing.png" alt="missing"><img src="data:image/gif;base64,R0lGODlhAQABAAAAACw=">
<img src="http://example.invalid/logo.png" alt="outside">
<div style="width:900px">wider than a phone</div>
<div class="gdlab-explorer" id="dead"><input type="range" min="0" max="2" value="0"
 aria-label="lr"><img src="data:image/gif;base64,R0lGODlhAQABAAAAACw="></div>
<div class="cell_output"><img src="data:image/gif;base64,R0lGODlhAQABAIAAAAAAAP///yH5BAEAAAAALAAAAAABAAEAAAIBRAA7" alt="small"
 data-text-px="8" style="width:1px"><img src="data:image/gif;base64,R0lGODlhAQABAAAAACw="
 alt="../_images/0123.png"></div>
<script>console.error("boom")</script>
</body></html>"""


def test_the_checks_catch_a_broken_page(site, html):
    (html / "_broken.html").write_text(BROKEN_PAGE)
    try:
        found = site.visit("_broken.html")
    finally:
        (html / "_broken.html").unlink()
    assert found.raw_tex and "alpha" in found.raw_tex[0]
    assert any("missing.png" in src for src in found.broken_images)
    assert found.outside_requests == ["http://example.invalid/logo.png"]
    assert found.too_wide_on_phone
    assert found.inert_explorers and found.inert_explorers[0]["dead"] == ["lr"]
    assert "boom" in " ".join(found.console_errors)
    assert any(line.startswith("image-alt (critical") for line in found.accessibility)
    assert any(line.endswith(": 8.0 px") for line in found.small_text)       # text too small
    assert any("unmeasured" in line for line in found.small_text)           # no data-text-px
    assert "../_images/0123.png" in found.placeholder_alt                  # a file name
    assert "(empty)" in found.placeholder_alt                              # no alt at all


# --- search snippets -------------------------------------------------------------------

# Text of the theme's toolbar, sidebars, footer and code-cell toggles, none of it prose.
CHROME = [".ipynb", ".pdf", "Contents", "Binder", "Colab", "JupyterHub", "Show code cell",
          "Hide code cell", "© Copyright"]
RAW_TEX = re.compile(r"\\[a-zA-Z]{2,}|\\[()\[\]]|\$\$")   # as site_checks.PROBE


def search_snippets(site, query: str, fix: bool = True) -> dict:
    """The result snippets search.html shows for ``query``, by result title, and the console
    errors; ``fix=False`` blocks _ext/static/gdlab-search.js (Sphinx's own snippets)."""
    context = site.browser.new_context()
    context.route("**/*", lambda route: route.continue_()
                  if route.request.url.startswith(site.origin)
                  and (fix or "gdlab-search.js" not in route.request.url) else route.abort())
    page = context.new_page()
    errors = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.on("console", lambda m: m.type == "error" and not m.text.startswith(
        "Failed to load resource") and errors.append(m.text))
    page.goto(f"{site.origin}/search.html?q={quote(query)}")
    page.wait_for_function("""() => {
        const items = document.querySelectorAll("#search-results li");
        return /finished/.test(document.querySelector("#search-results").textContent)
            && items.length && [...items].every(li => li.querySelector("p.context")); }""",
                           timeout=20000)
    found = page.evaluate("""() => [...document.querySelectorAll("#search-results li")]
        .map(li => [li.querySelector("a").textContent, li.querySelector("p.context").textContent])""")
    context.close()
    return {"snippets": dict(found), "errors": errors}


def snippet_problems(snippets: dict) -> dict:
    problems = {}
    for title, text in snippets.items():
        found = [s for s in CHROME if s in text] + RAW_TEX.findall(text)
        if found:
            problems[title] = found
    return problems


@pytest.mark.parametrize("query", ["momentum", "learning rate"])
def test_search_snippets_show_the_prose(site, query):
    found = search_snippets(site, query)
    assert len(found["snippets"]) >= 5, found
    assert not found["errors"], found["errors"]
    assert not snippet_problems(found["snippets"]), snippet_problems(found["snippets"])


def test_the_snippet_check_catches_sphinx_snippets(site):
    problems = snippet_problems(search_snippets(site, "momentum", fix=False)["snippets"])
    flagged = {p for found in problems.values() for p in found}
    assert flagged & set(CHROME) and any(RAW_TEX.match(p) for p in flagged), problems


def test_search_snippets_write_math_as_text(site):
    context = site.browser.new_context()
    page = context.new_page()
    page.goto(f"{site.origin}/search.html")
    cases = {r"\(\beta_1\)": "β₁", r"\(\hat v_t\)": "v̂ₜ", r"\(10^{-3}\)": "10⁻³",
             r"\(\frac{\alpha}{\sqrt{\hat v_t} + \epsilon}\)": "α/(√(v̂ₜ) + ε)",
             r"\(\tfrac12\lVert w\rVert^2\)": "1/2‖ w‖²",
             r"\(A = \begin{pmatrix} 4 & 2 \\ 2 & 2\end{pmatrix}\)": "A = [4 2; 2 2]",
             r"\(S_{dW}\)": "S_(dW)"}
    got = page.evaluate("cases => cases.map(c => Search.gdlabTexToText(c))", list(cases))
    context.close()
    assert dict(zip(cases, got)) == cases


# --- launch buttons and downloads ------------------------------------------------------

def notebooks() -> list[str]:
    return sorted(str(p.relative_to(ROOT)) for folder in ("chapters", "appendix")
                  for p in (ROOT / folder).glob("*.ipynb"))


def launch_links(notebook: str) -> dict:
    """Where Binder, Colab and JupyterHub (nbgitpuller) open ``notebook`` of REPOSITORY."""
    org_repo = REPOSITORY.removeprefix("https://github.com/")
    repo = org_repo.split("/")[1]
    return {
        "Binder": f"https://mybinder.org/v2/gh/{org_repo}/{BRANCH}?urlpath=lab/tree/{notebook}",
        "Colab": f"https://colab.research.google.com/github/{org_repo}/blob/{BRANCH}/{notebook}",
        "JupyterHub": f"{HUB}/hub/user-redirect/git-pull?repo={quote(REPOSITORY, safe='/')}"
                      f"&urlpath=lab/tree/{repo}/{notebook}&branch={BRANCH}",
    }


def test_every_notebook_page_has_launch_and_download_links(html):
    assert len(notebooks()) >= 12
    missing = {}
    for notebook in notebooks():
        page = html / Path(notebook).with_suffix(".html")
        parser = _Links()
        parser.feed(page.read_text(encoding="utf-8"))
        lost = [name for name, url in launch_links(notebook).items() if url not in parser.hrefs]
        download = "../_sources/" + notebook
        if download not in parser.hrefs:
            lost.append("download")
        elif json.loads((html / "_sources" / notebook).read_text(encoding="utf-8"))["nbformat"] != 4:
            lost.append("download (not a notebook)")
        if lost:
            missing[notebook] = lost
    assert not missing, missing


CITED = re.compile(r'<span class="bibtex-citation"[^>]*>(.*?)</span>', re.S)


def test_a_notebooks_citation_links_read_as_the_website_cites(html):
    """In JupyterLab a citation is a link whose text must be what the website shows:
    ``[[Polyak, 1964]](#polyak1964some)`` where the page has "[Polyak, 1964]"."""
    gdlab_markup = extension("gdlab_markup")
    keys = gdlab_markup.bibliography_keys([ROOT / "references.bib"])
    wrong = {}
    for notebook in notebooks():
        cells = json.loads((ROOT / notebook).read_text(encoding="utf-8"))["cells"]
        text = "\n".join("".join(c["source"]) for c in cells if c["cell_type"] == "markdown")
        written = [m["text"] for m in gdlab_markup.CITATION.finditer(text)
                   if set(m["keys"].split(",")) <= keys]
        page = (html / Path(notebook).with_suffix(".html")).read_text(encoding="utf-8")
        shown = [re.sub(r"<[^>]+>", "", c) for c in CITED.findall(page)]
        if written != shown:
            wrong[notebook] = [(w, s) for w, s in zip(written, shown) if w != s][:3] or \
                f"{len(written)} links, {len(shown)} citations on the page"
    assert not wrong, wrong


def test_live_mode_waits_for_its_link(html, visits):
    """Each notebook page links to its notebook in the JupyterLite site and says where Pyodide
    comes from; no page loads anything of live mode before the link is followed."""
    for notebook in notebooks():
        page = html / Path(notebook).with_suffix(".html")
        parser = _Links()
        parser.feed(page.read_text(encoding="utf-8"))
        live = [href for href in parser.hrefs if "lite/lab/index.html" in href]
        assert len(live) == 1, notebook
        target, _, query = live[0].partition("?")
        assert (page.parent / target).resolve() == (html / "lite" / "lab" / "index.html").resolve()
        assert query == f"path={notebook}" and (html / "lite" / "files" / notebook).exists()
        assert "from cdn.jsdelivr.net" in page.read_text(encoding="utf-8"), notebook
    assert not [url for visit in visits.values() for url in visit.responses if "/lite/" in url]


def test_launch_buttons_wait_for_a_repository():
    _launch_buttons_need_a_repository = extension("gdlab_site")._launch_buttons_need_a_repository
    for url, kept in [("", False), (REPOSITORY, True)]:
        config = SimpleNamespace(html_theme_options={"repository_url": url,
                                                     "launch_buttons": {"colab_url": "x"}})
        _launch_buttons_need_a_repository(None, config)
        assert ("launch_buttons" in config.html_theme_options) == kept


def test_a_figure_without_its_phone_rendition_stops_the_build(tmp_path, monkeypatch):
    """A notebook saved from a reader's run (not scripts/execute_notebooks.py) has figures
    drawn once; the build names it instead of shipping them unmeasured."""
    import base64
    import matplotlib.pyplot as plt
    from gdlab import renditions
    add_phone_renditions = extension("gdlab_site").add_phone_renditions
    monkeypatch.delenv(renditions.WEBSITE, raising=False)
    fig = plt.figure()
    png, metadata = renditions.book_png(fig)
    plt.close(fig)
    output = {"output_type": "display_data", "metadata": {"image/png": metadata},
              "data": {"image/png": base64.b64encode(png).decode()}}
    (tmp_path / "chapters").mkdir()
    (tmp_path / "chapters" / "x.ipynb").write_text(json.dumps(
        {"cells": [{"cell_type": "code", "outputs": [output]}]}), encoding="utf-8")
    with pytest.raises(RuntimeError, match="chapters/x.ipynb .*scripts/execute_notebooks.py"):
        add_phone_renditions(tmp_path, tmp_path, [])


# --- heading order ---------------------------------------------------------------------

class _Headings(HTMLParser):
    """The levels and texts of the headings inside the page's article (on a page without
    one, the search page, inside its main)."""

    def __init__(self):
        super().__init__()
        self.inside, self.current = {"article": False, "main": False}, None
        self.found, self.has_article = {"article": [], "main": []}, False

    def handle_starttag(self, tag, attrs):
        if tag == "article" and "bd-article" in (dict(attrs).get("class") or "").split():
            self.inside["article"] = self.has_article = True
        elif tag == "main":
            self.inside["main"] = True
        elif re.fullmatch("h[1-6]", tag) and self.inside["main"]:
            self.current = [int(tag[1]), ""]

    def handle_endtag(self, tag):
        if tag in self.inside:
            self.inside[tag] = False
        elif re.fullmatch("h[1-6]", tag) and self.current:
            for where in ("article", "main"):
                if self.inside[where]:
                    self.found[where].append((self.current[0], self.current[1].strip()))
            self.current = None

    def handle_data(self, data):
        if self.current:
            self.current[1] += data


def heading_problems(text: str) -> list[str]:
    """One h1, and no level skipped going down (h2 then h4), in the article."""
    parser = _Headings()
    parser.feed(text)
    headings = parser.found["article" if parser.has_article else "main"]
    ones = [level for level, _ in headings].count(1)
    problems = [] if ones == 1 else [f"{ones} h1"]
    previous = 0
    for level, title in headings:
        if level > previous + 1:
            problems.append(f"h{previous} then h{level} ({title[:50]})")
        previous = level
    return problems


def test_headings_go_in_order(html):
    problems = {page: found for page in built_pages(html)
                if (found := heading_problems((html / page).read_text(encoding="utf-8")))}
    assert not problems, problems


def test_the_heading_check_catches_bad_order():
    article = '<main><h2>Contents</h2><article class="bd-article">{}</article></main>'
    assert heading_problems(article.format("<h1>A</h1><h2>B</h2><h3>C</h3><h2>D</h2>")) == []
    assert heading_problems(article.format("<h1>A</h1><h2>B</h2><h4>C</h4>")) == ["h2 then h4 (C)"]
    assert heading_problems(article.format("<h2>B</h2>")) == ["0 h1", "h0 then h2 (B)"]
    assert heading_problems(article.format("<h1>A</h1><h1>B</h1>")) == ["2 h1"]
