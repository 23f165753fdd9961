"""Live mode, end to end: every notebook of the book runs in JupyterLite in headless Chromium.

The lite site is built by ``_ext/gdlab_lite.py`` as the book build does, except that Pyodide
comes from a local copy (``local_pyodide.py``: the official npm core, and wheels each checked
against the official lock), served with the site from 127.0.0.1, instead of the CDN. For each
notebook, in a fresh browser context (nothing cached from the one before), the test opens
``lite/lab/index.html?path=<notebook>``, waits for the kernel, runs all cells, and checks that

* every code cell ran (has an execution count) and none has an error output;
* an explorer (a slider above its picture) is shown, and moving its slider with the keyboard
  redraws the picture through the kernel;
* the browser asked no host but 127.0.0.1 for anything (the rest is also blocked);

and prints the seconds to kernel-ready and to the last cell. Skipped, with the reason, where
Chromium or the local Pyodide cannot be had. About eight minutes on two cores: chapter 10
trains its networks in WebAssembly.
"""

from __future__ import annotations

import functools
import http.server
import threading
import time
from pathlib import Path
from urllib.parse import urlparse

import pytest

from lab_checks import PANEL, move_a_slider, run_all_cells
from site_checks import CHROMIUM, CHROMIUM_FLAGS, LAPTOP, chromium, extension

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOKS = sorted((ROOT / "chapters").glob("*.ipynb")) + sorted((ROOT / "appendix").glob("*.ipynb"))
RUN_TIMEOUT = 420          # seconds per notebook, kernel start included
# no name resolves but 127.0.0.1's: a request elsewhere fails even if the routing missed it
FLAGS = CHROMIUM_FLAGS + ["--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1"]

pytestmark = pytest.mark.skipif(CHROMIUM is None, reason="Chromium is not installed")


class _Files(http.server.SimpleHTTPRequestHandler):
    extensions_map = {**http.server.SimpleHTTPRequestHandler.extensions_map,
                      ".wasm": "application/wasm", ".mjs": "text/javascript",
                      ".js": "text/javascript", ".whl": "application/octet-stream",
                      ".json": "application/json", ".zip": "application/zip"}

    def log_message(self, *args):
        pass


@pytest.fixture(scope="module")
def live_site(tmp_path_factory):
    from local_pyodide import LocalPyodideUnavailable, local_pyodide

    try:
        pyodide = local_pyodide()
    except LocalPyodideUnavailable as why:
        pytest.skip(f"no local Pyodide: {why}")
    gdlab_lite = extension("gdlab_lite")
    root = tmp_path_factory.mktemp("live")
    (root / "pyodide").symlink_to(pyodide, target_is_directory=True)
    server = http.server.ThreadingHTTPServer(
        ("127.0.0.1", 0), functools.partial(_Files, directory=str(root)))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    origin = f"http://127.0.0.1:{server.server_address[1]}"
    built = gdlab_lite.build_lite(ROOT, NOTEBOOKS, root / "lite",
                                  pyodide_url=f"{origin}/pyodide/pyodide.js",
                                  cache=tmp_path_factory.mktemp("wheels"), expose_app=True)
    print(f"\nlite site: {built}")
    yield origin
    server.shutdown()


@pytest.fixture(scope="module")
def browser(live_site):
    launched = chromium(FLAGS)
    yield launched
    launched.close()


KERNEL_READY = """async () => {
  const panel = (%s)(); await panel.sessionContext.ready;
  const kernel = panel.sessionContext.session.kernel; await kernel.info; return kernel.status; }""" % PANEL


def run_everything(page, notebook: str, origin: str) -> dict:
    start = time.perf_counter()
    page.goto(f"{origin}/lite/lab/index.html?path={notebook}")
    page.wait_for_function(f"({PANEL})() !== null", timeout=60_000)
    assert page.evaluate(KERNEL_READY) in ("idle", "busy")
    kernel_ready = time.perf_counter() - start
    ran = run_all_cells(page, timeout=RUN_TIMEOUT - kernel_ready)
    return {**ran, "kernel_ready": kernel_ready, "last_cell": time.perf_counter() - start}


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_a_notebook_runs_live_in_the_browser(live_site, browser, path):
    notebook = path.relative_to(ROOT).as_posix()
    context = browser.new_context(viewport=LAPTOP)
    outside = []

    def only_this_machine(route):
        url = route.request.url
        if url.startswith(("data:", "blob:")) or urlparse(url).hostname == "127.0.0.1":
            route.continue_()
        else:
            outside.append(url)
            route.abort()

    context.route("**/*", only_this_machine)
    context.on("request", lambda r: r.url.startswith(("data:", "blob:"))
               or urlparse(r.url).hostname == "127.0.0.1" or outside.append(r.url))
    try:
        ran = run_everything(context.new_page(), notebook, live_site)
        assert not ran["errors"], ran["errors"]
        assert not ran["missing"], f"code cells that did not run: {ran['missing']}"
        move_a_slider(context.pages[0])
        print(f"\n{notebook}: kernel ready {ran['kernel_ready']:.1f} s, last of "
              f"{ran['cells']} code cells done {ran['last_cell']:.1f} s")
        assert not outside, sorted(set(outside))[:10]
    finally:
        context.close()
