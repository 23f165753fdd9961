"""The website version of an explorer works in a real browser with no kernel: moving a
slider swaps the picture for the one pre-rendered at that value.

Needs Chromium (Debian: apt-get install chromium); skipped where it is not installed.
"""

import re
import shutil
import subprocess

import pytest

from gdlab.explorer import Explorer

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
pytestmark = pytest.mark.skipif(CHROMIUM is None, reason="Chromium is not installed")

PROBE = """<script>
var root = document.querySelector(".gdlab-explorer");
var inputs = root.querySelectorAll("input[type=range]"), img = root.querySelector("img");
var before = img.src;
inputs[0].value = "0"; inputs[0].dispatchEvent(new Event("input"));
inputs[1].value = "1"; inputs[1].dispatchEvent(new Event("input"));
var outputs = root.querySelectorAll("output");
document.body.setAttribute("data-result", JSON.stringify({
  changed: img.src !== before, src: img.src,
  labels: [outputs[0].textContent, outputs[1].textContent]}));
</script>"""


def dump_dom(html_path):
    flags = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
             "--disable-background-networking", "--disable-component-update", "--disable-sync"]
    out = subprocess.run([CHROMIUM, *flags, "--dump-dom", f"file://{html_path}"],
                         capture_output=True, text=True, timeout=60)
    return out.stdout


def test_slider_swaps_the_prerendered_frame(tmp_path):
    def draw(fig, result, a, b):
        ax = fig.subplots()
        ax.bar([0], [result])
        ax.set_title(f"{a}, {b}")

    explorer = Explorer({"a": [1, 2, 3], "b": ["x", "y"]}, lambda a, b: a, draw,
                        start={"a": 2, "b": "x"})
    page = tmp_path / "page.html"
    page.write_text(f"<html><body>{explorer.to_html()}{PROBE}</body></html>")
    dom = dump_dom(page)
    match = re.search(r'data-result="([^"]*)"', dom)
    assert match, dom[:500]
    result = match.group(1).replace("&quot;", '"')
    assert '"changed":true' in result
    assert '"labels":["1","y"]' in result
    import base64
    expected = base64.b64encode(explorer.render(a=1, b="y")).decode()
    assert expected[:200] in result
