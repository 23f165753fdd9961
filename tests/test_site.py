"""The website as a reader gets it, page by page, in headless Chromium.

The book is built fresh (from the sources, with warnings as errors) into a temporary folder,
served on 127.0.0.1 and read with :mod:`site_checks`. Every page: no console error, no
request outside the site, every formula typeset, every image loaded, nothing wider than a
390 px phone, every display equation inside the text column at 1280 px, every explorer
control live, no serious or critical axe-core violation, every internal link and anchor
resolving, and a cold transfer within budget.
A deliberately broken page shows that each of these checks can fail.

Needs Chromium (Debian: ``apt-get install chromium``; ``.ci/run`` installs it) and is
skipped where it is absent.
"""

from __future__ import annotations

import re
import subprocess
import sys
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote, urldefrag

import pytest

from site_checks import CHROMIUM, Site

ROOT = Path(__file__).resolve().parent.parent
pytestmark = pytest.mark.skipif(CHROMIUM is None, reason="Chromium is not installed")

PAGE_BUDGET, CHAPTER_BUDGET = 1.5e6, 2.5e6   # bytes, cold, text gzipped


def built_pages(html: Path, redirects: bool = False) -> list[str]:
    """The site's pages, without its assets (and without redirect stubs unless asked)."""
    skip = {"_static", "_sources", "_images"}
    return sorted(str(p.relative_to(html)) for p in html.rglob("*.html")
                  if not skip & set(p.relative_to(html).parts)
                  and (redirects or not is_redirect(p)))


def is_redirect(page: Path) -> bool:
    return 'http-equiv="refresh"' in page.read_text(encoding="utf-8")[:2000].lower()


@pytest.fixture(scope="session")
def html(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("site")
    jupyter_book = Path(sys.executable).parent / "jupyter-book"   # this Python's, not another
    done = subprocess.run([str(jupyter_book), "build", "--all", "-W",
                           "--keep-going", "--path-output", str(out), str(ROOT)],
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
                                   "wide_equations", "accessibility"])
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
