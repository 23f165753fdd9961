"""The website version of an explorer works in a real browser with no kernel: moving a
slider or picking from a list swaps the picture for the one pre-rendered at those values,
and updates the value shown and the picture's alt text.

Needs Chromium (Debian: apt-get install chromium); skipped where it is not installed.
"""

import base64

import pytest

from gdlab import renditions
from gdlab.explorer import Explorer, externalize_frames
from site_checks import CHROMIUM, PHONE, Site

pytestmark = pytest.mark.skipif(CHROMIUM is None, reason="Chromium is not installed")


def small_explorer():
    def draw(fig, result, a, b):
        ax = fig.subplots()
        ax.bar([0], [result])
        ax.set_title(f"{a}, {b}")

    return Explorer({"a": [1, 2, 3], "b": ["x", "y"]}, lambda a, b: a, draw,
                    start={"a": 2, "b": "x"}, title="Tiny")


def data_uri(png: bytes) -> str:
    return "data:image/png;base64," + base64.b64encode(png).decode()


MOVE = """() => {
  const root = document.querySelector(".gdlab-explorer"), img = root.querySelector("img");
  const slider = root.querySelector("input[type=range]"), list = root.querySelector("select");
  slider.value = "0"; slider.dispatchEvent(new Event("input"));
  list.selectedIndex = 1; list.dispatchEvent(new Event("change"));
  return {src: img.getAttribute("src"), alt: img.alt, shown: root.querySelector("output").textContent};
}"""


@pytest.fixture
def served(tmp_path):
    site = Site(tmp_path)
    yield site, tmp_path
    site.close()


def open_page(site, name):
    context = site.browser.new_context(viewport=PHONE)
    page = context.new_page()
    errors = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.goto(f"{site.origin}/{name}")
    return context, page, errors


@pytest.mark.parametrize("for_website", [True, False])
def test_controls_swap_the_prerendered_frame(served, monkeypatch, for_website):
    """With the phone's frames (the website) and without them (a reader's run)."""
    monkeypatch.setenv(renditions.WEBSITE, "1" if for_website else "0")
    site, folder = served
    explorer = small_explorer()
    (folder / "page.html").write_text(f"<html><body>{explorer.to_html()}</body></html>")
    context, page, errors = open_page(site, "page.html")
    moved = page.evaluate(MOVE)
    context.close()
    assert not errors
    assert moved["src"] == data_uri(explorer.render(a=1, b="y"))
    assert moved["shown"] == "1" and moved["alt"] == "Tiny: a = 1, b = y"


def test_externalized_frames_load_from_files(served):
    site, folder = served
    explorer = small_explorer()
    page_html, files = externalize_frames(explorer.to_html(), "frames/")
    (folder / "frames").mkdir()
    for name, png in files.items():
        (folder / "frames" / name).write_bytes(png)
    (folder / "page.html").write_text(f"<html><body>{page_html}</body></html>")
    context, page, errors = open_page(site, "page.html")
    moved = page.evaluate(MOVE)
    page.wait_for_function("document.querySelector('.gdlab-explorer img').complete")
    width = page.evaluate("document.querySelector('.gdlab-explorer img').naturalWidth")
    context.close()
    assert not errors and width > 0
    wanted = explorer.render(a=1, b="y")
    assert moved["src"].startswith("frames/") and files[moved["src"][len("frames/"):]] == wanted
