"""Reading a built page of the website in a real browser: what a reader would meet.

``Site`` serves a built ``_build/html`` on 127.0.0.1 and opens its pages in headless Chromium
(Debian's, driven by Playwright with no browser download). ``Site.visit(path)`` loads one page
cold, at a phone's width (390 px) and at a laptop's (1280 px), and returns a ``Visit`` with
everything the tests judge: console errors, requests that left the origin, formulas left as
raw TeX, images that did not load, figures whose text shows under 11 px, elements wider
than the screen, display equations wider
than the text column, explorers whose controls move nothing, axe-core's serious and
critical accessibility violations, and the bytes a phone's and a laptop's cold load transfer (text counted gzipped, as a
static host sends it).

``tests/test_site.py`` runs it over every page of the book, and over a deliberately broken
page to show that each check can fail.
"""

from __future__ import annotations

import atexit
import gzip
import http.server
import importlib.util
import shutil
import threading
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
# The flags a closed network needs (no background connections to Google's hosts).
CHROMIUM_FLAGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                  "--disable-background-networking", "--disable-component-update",
                  "--disable-sync"]
PHONE, LAPTOP = {"width": 390, "height": 844}, {"width": 1280, "height": 900}
TEXT_TYPES = ("text/", "javascript", "json", "svg", "xml")
MIN_TEXT_PX = 10.95   # gdlab.renditions.MIN_TEXT_PX, less rounding

# Runs in the page once MathJax has finished: the findings, as plain data.
PROBE = r"""async () => {
  if (window.MathJax && MathJax.startup && MathJax.startup.promise) {
    await MathJax.startup.promise;
  }
  const images = [...document.images];
  images.forEach(i => { i.loading = "eager"; });
  await Promise.all(images.map(i => i.complete ? null :
      new Promise(r => { i.onload = i.onerror = r; setTimeout(r, 5000); })));
  const broken = images.filter(i => !(i.complete && i.naturalWidth > 0))
                       .map(i => (i.getAttribute("src") || "").slice(0, 80));
  // Raw TeX: backslash commands or \( \[ $$ in the text a reader sees (code excluded).
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  const skip = "PRE, CODE, SCRIPT, STYLE, TEXTAREA, MJX-CONTAINER, .highlight";
  const raw = [];
  for (let n = walker.nextNode(); n; n = walker.nextNode()) {
    if (n.parentElement.closest(skip)) continue;
    const m = n.textContent.match(/\\[a-zA-Z]{2,}|\\[()\[\]]|\$\$/);
    if (m && n.parentElement.offsetParent !== null) raw.push(n.textContent.trim().slice(0, 80));
  }
  return {broken, raw, title: document.title};
}"""

OVERFLOW = r"""() => {
  const width = document.documentElement.clientWidth, wide = [];
  for (const e of document.querySelectorAll("body *")) {
    const r = e.getBoundingClientRect();
    if (r.width === 0 || r.right <= width + 1) continue;
    // Inside something that scrolls or clips sideways, an element is not wider than the page.
    let p = e.parentElement, held = false;
    for (; p && p !== document.body; p = p.parentElement) {
      const o = getComputedStyle(p).overflowX;
      if (o === "auto" || o === "scroll" || o === "hidden" || o === "clip") { held = true; break; }
    }
    if (!held) wide.push(e.tagName.toLowerCase() + (e.className && e.className.baseVal === undefined
                        ? "." + String(e.className).split(" ")[0] : "") + ` (${Math.round(r.right)} px)`);
  }
  return {scroll: document.documentElement.scrollWidth, width, wide: wide.slice(0, 5)};
}"""

WIDE_EQUATIONS = r"""() => [...document.querySelectorAll("div.math, .math-wrapper, mjx-container[display=true]")]
  .filter(e => e.scrollWidth > e.clientWidth + 1)
  .map(e => ((e.closest("div.math") || e).id || (e.textContent || "").slice(0, 40)))"""

# Each figure's smallest text as shown, in CSS pixels: the rendition on screen (a <picture>'s
# source when its media query matches) gives its smallest text in its own pixels
# (data-text-px), scaled by how wide the image is shown. A figure without it is unmeasured.
SMALL_TEXT = r"""async (least) => {
  const figures = [...document.querySelectorAll(".cell_output img, .gdlab-explorer img")]
    .filter(i => i.offsetParent !== null);
  await Promise.all(figures.map(i => i.complete ? null :
      new Promise(r => { i.onload = i.onerror = r; setTimeout(r, 5000); })));
  const found = [];
  for (const img of figures) {
    const source = img.closest("picture") && img.closest("picture").querySelector("source");
    const shown = source && matchMedia(source.media).matches ? source : img;
    const px = parseFloat(shown.dataset.textPx), name = (img.currentSrc || "").split("/").pop().slice(0, 16);
    if (!(px > 0)) { found.push(`${name}: unmeasured (no data-text-px)`); continue; }
    if (!img.naturalWidth) continue;   // did not load: reported as a broken image
    const size = px * img.getBoundingClientRect().width / img.naturalWidth;
    if (!(size >= least)) found.push(`${name}: ${size.toFixed(1)} px`);
  }
  return found;
}"""

# Figures whose alt text says nothing: empty, or a file name (myst-nb's default).
PLACEHOLDER_ALT = r"""() => [...document.querySelectorAll(".cell_output img, .gdlab-explorer img")]
  .map(i => i.getAttribute("alt") || "").filter(a => !a.trim() || /\.(png|jpe?g|gif|svg)$/i.test(a))
  .map(a => a.slice(0, 80) || "(empty)")"""

# For each explorer: move each control to another value; did the picture change each time?
EXPLORERS = r"""() => [...document.querySelectorAll(".gdlab-explorer")].map(root => {
  const img = root.querySelector("img"), dead = [];
  for (const c of root.querySelectorAll("input, select")) {
    const before = img.src, name = c.getAttribute("aria-label") || c.name || "control";
    if (c.tagName === "SELECT") c.selectedIndex = (c.selectedIndex + 1) % c.options.length;
    else if (c.type === "radio") { continue; }
    else c.value = String(+c.value === +c.max ? +c.min : +c.value + 1);
    c.dispatchEvent(new Event("input", {bubbles: true}));
    c.dispatchEvent(new Event("change", {bubbles: true}));
    if (img.src === before) dead.push(name);
  }
  return {id: root.id, controls: root.querySelectorAll("input, select").length, dead};
})"""


def extension(name: str):
    """The book's Sphinx extension ``_ext/<name>.py``, imported for a test."""
    spec = importlib.util.spec_from_file_location(name, ROOT / "_ext" / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


_PLAYWRIGHT = []


def chromium(flags: list[str] = CHROMIUM_FLAGS):
    """A new headless Chromium, launched by the test process's one Playwright: its sync API
    refuses a second instance in the same thread while one runs, and the website's, the
    JupyterLab and the live-mode tests may share a worker."""
    if not _PLAYWRIGHT:
        from playwright.sync_api import sync_playwright

        _PLAYWRIGHT.append(sync_playwright().start())
        atexit.register(_PLAYWRIGHT[0].stop)
    return _PLAYWRIGHT[0].chromium.launch(executable_path=CHROMIUM, args=flags)


@dataclass
class Visit:
    """What one page showed a reader; empty lists mean nothing wrong was found."""

    path: str
    console_errors: list = field(default_factory=list)
    outside_requests: list = field(default_factory=list)
    failed_requests: list = field(default_factory=list)
    raw_tex: list = field(default_factory=list)
    broken_images: list = field(default_factory=list)
    too_wide_on_phone: list = field(default_factory=list)
    wide_equations: list = field(default_factory=list)
    explorers: list = field(default_factory=list)
    accessibility: list = field(default_factory=list)   # axe-core: serious or critical
    small_text: list = field(default_factory=list)   # figures showing text under 11 px
    placeholder_alt: list = field(default_factory=list)   # figures without a real alt text
    transfer: int = 0   # bytes, text gzipped: the larger of a phone's and a laptop's cold load
    phone_transfer: int = 0
    laptop_transfer: int = 0
    responses: dict = field(default_factory=dict)   # url -> bytes, in the order fetched
    phone_urls: set = field(default_factory=set)

    @property
    def inert_explorers(self):
        return [e for e in self.explorers if e["dead"] or not e["controls"]]


class _Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


class _Server(http.server.ThreadingHTTPServer):
    def handle_error(self, request, client_address):
        pass   # a page closed while a file was still being sent: nothing to report


class Site:
    """A built website served on 127.0.0.1, and a headless Chromium to read it with."""

    def __init__(self, root: Path):
        self.root = Path(root)
        handler = partial(_Quiet, directory=str(self.root))
        self.server = _Server(("127.0.0.1", 0), handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        self.origin = f"http://127.0.0.1:{self.server.server_port}"
        self.browser = chromium()

    def close(self) -> None:
        self.browser.close()
        self.server.shutdown()

    def visit(self, path: str, code_blocks: bool = True) -> Visit:
        """Load ``path`` cold in a fresh context at 390 px, then widen it to 1280 px.
        ``code_blocks=False`` leaves the code blocks out of the axe-core checks: they are
        the highlighting theme's, the same on every page, and checking the contrast of
        their thousands of colored tokens is most of axe's time."""
        found = Visit(path)
        context = self.browser.new_context(viewport=PHONE)
        # Outside requests are recorded and refused: a test must never depend on the network.
        context.route("**/*", lambda route: route.continue_()
                      if route.request.url.startswith((self.origin, "data:", "blob:"))
                      else (found.outside_requests.append(route.request.url), route.abort()))
        page = context.new_page()
        # "Failed to load resource" repeats a failed request, which is reported with its URL.
        page.on("console", lambda m: m.type == "error" and not m.text.startswith(
            "Failed to load resource") and found.console_errors.append(m.text))
        page.on("pageerror", lambda e: found.console_errors.append(str(e)))
        page.on("requestfailed", lambda r: r.url.startswith(self.origin)
                and found.failed_requests.append(r.url))
        page.on("response", lambda r: self._count(found, r))
        page.goto(f"{self.origin}/{path}", wait_until="load")
        probe = page.evaluate(PROBE)
        found.raw_tex, found.broken_images = probe["raw"], probe["broken"]
        found.placeholder_alt = page.evaluate(PLACEHOLDER_ALT)
        found.small_text = [f"390 px: {s}" for s in page.evaluate(SMALL_TEXT, MIN_TEXT_PX)]
        found.phone_transfer = sum(found.responses.values())
        found.phone_urls = set(found.responses)
        overflow = page.evaluate(OVERFLOW)
        if overflow["scroll"] > overflow["width"] + 1:
            found.too_wide_on_phone = overflow["wide"] or [f"page ({overflow['scroll']} px)"]
        page.set_viewport_size(LAPTOP)
        page.wait_for_timeout(100)
        found.wide_equations = page.evaluate(WIDE_EQUATIONS)
        found.small_text += [f"1280 px: {s}" for s in page.evaluate(SMALL_TEXT, MIN_TEXT_PX)]
        self._split_transfer(found, page)   # the laptop's pictures have loaded now
        found.accessibility = self.accessibility(page, code_blocks)
        found.explorers = page.evaluate(EXPLORERS)
        context.close()
        return found

    def accessibility(self, page, code_blocks: bool = True) -> list[str]:
        """axe-core's serious and critical violations on the page, one line each (code
        blocks left out unless ``code_blocks``)."""
        from axe_playwright_python.sync_playwright import Axe

        # preload off: axe would fetch @import-ed stylesheets against the wrong base URL.
        options = {"resultTypes": ["violations"], "preload": False}
        context = None if code_blocks else {"exclude": [[".highlight"]]}
        report = Axe().run(page, context=context, options=options).response
        return [f"{v['id']} ({v['impact']}, {len(v['nodes'])}×): {v['nodes'][0]['target']}"
                for v in report["violations"] if v["impact"] in ("serious", "critical")]

    @staticmethod
    def _count(found: Visit, response) -> None:
        """Add a response's bytes as a gzipping static host would send them (and note a
        response that says the file is missing)."""
        if response.status >= 400:
            found.failed_requests.append(f"{response.url} ({response.status})")
        try:
            body = response.body()
        except Exception:   # redirects and aborted requests have no body
            return
        kind = response.headers.get("content-type", "")
        size = len(gzip.compress(body, 6)) if any(t in kind for t in TEXT_TYPES) else len(body)
        found.responses[response.url] = found.responses.get(response.url, 0) + size

    @staticmethod
    def _split_transfer(found: Visit, page) -> None:
        """A laptop's cold load: everything so far but the phone's pictures it does not
        show (each figure has a rendition per screen, and a reader's browser fetches one)."""
        shown = set(page.evaluate("() => [...document.images].map(i => i.currentSrc)"))
        phone_only = sum(size for url, size in found.responses.items()
                         if url.endswith(".png") and url not in shown
                         and url in found.phone_urls)
        found.laptop_transfer = sum(found.responses.values()) - phone_only
        found.transfer = max(found.phone_transfer, found.laptop_transfer)
