"""A JupyterLab server on 127.0.0.1, isolated from the user's own Jupyter set-up, what a test
reads off a notebook opened in it, and what it does there (run every cell, move an
explorer's slider), in JupyterLab and in JupyterLite alike (tests/test_live.py).

The server gets a random token and its own settings, config, runtime and workspace folders
(so no saved layout or extension setting of the machine leaks in). Two settings matter:
``windowingMode: none`` makes JupyterLab render every cell, not only those scrolled into
view, and the news and update checks are off so that no notification covers the notebook
and nothing is fetched from the internet.
"""

from __future__ import annotations

import json
import os
import secrets
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

SETTINGS = {
    "@jupyterlab/notebook-extension/tracker.jupyterlab-settings": {"windowingMode": "none"},
    "@jupyterlab/apputils-extension/notification.jupyterlab-settings": {
        "fetchNews": "false", "checkForUpdates": False},
}

# What a notebook's markdown looks like where JupyterLab did not render it (raw markup),
# where jupyterlab-myst could not resolve a reference (a citation or label outside the
# notebook, marked "... Not Found"), or where it shows sphinx-exercise's gated solution
# as an empty "Start of Solution" box with the code outside it, or names a directive or role
# it does not know.
RAW_MARKUP = r"```|:::|\{[a-z:-]+\}`|\{(?:exercise|solution|glue)[^}]*\}|^:\w+:|Start of Solution|Unknown (?:Directive|Role)"

PROBLEMS = """(pattern) => {
  const raw = new RegExp(pattern, "m"), found = [];
  for (const cell of document.querySelectorAll(".jp-MarkdownCell")) {
    if (cell.querySelector(".jp-InputPlaceholder")) continue;   // collapsed: a solution's part
    const shown = cell.querySelector(".jp-RenderedMarkdown, .myst");
    if (!shown) { found.push("not rendered: " + cell.innerText.slice(0, 80)); continue; }
    for (const lost of shown.querySelectorAll("[title$='Not Found']"))
      found.push(lost.title + ": " + lost.textContent);
    const clone = shown.cloneNode(true);
    clone.querySelectorAll("code, pre, .katex, mjx-container").forEach(e => e.remove());
    const match = clone.textContent.match(raw);
    if (match) found.push(match[0] + " in: " + clone.textContent.trim().slice(0, 80));
  }
  return found;
}"""


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class JupyterLab:
    """``with JupyterLab(tmp) as lab: page.goto(lab.url("chapters/03-momentum.ipynb"))``."""

    def __init__(self, scratch: Path, root: Path = ROOT):
        self.token, self.port, self._opened = secrets.token_hex(16), free_port(), 0
        env = dict(os.environ)
        for name in ("settings", "config", "runtime", "workspaces"):
            (scratch / name).mkdir(parents=True, exist_ok=True)
        for name, value in SETTINGS.items():
            path = scratch / "settings" / name
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(json.dumps(value))
        env.update(JUPYTERLAB_SETTINGS_DIR=str(scratch / "settings"),
                   JUPYTER_CONFIG_DIR=str(scratch / "config"),
                   JUPYTER_RUNTIME_DIR=str(scratch / "runtime"),
                   JUPYTERLAB_WORKSPACES_DIR=str(scratch / "workspaces"))
        command = [sys.executable, "-m", "jupyterlab", "--no-browser",
                   "--ServerApp.ip=127.0.0.1", f"--ServerApp.port={self.port}",
                   "--ServerApp.port_retries=0", f"--IdentityProvider.token={self.token}",
                   f"--ServerApp.root_dir={root}", "--LabApp.news_url=",
                   "--ServerApp.open_browser=False",
                   # window.jupyterapp: a test runs JupyterLab's own commands (run all cells)
                   "--LabApp.expose_app_in_browser=True"]
        if hasattr(os, "geteuid") and os.geteuid() == 0:
            command.append("--allow-root")
        self.log = open(scratch / "jupyterlab.log", "w")
        self.process = subprocess.Popen(command, env=env, stdout=self.log,
                                        stderr=subprocess.STDOUT)
        self._wait_until_up(scratch / "jupyterlab.log")

    @property
    def origin(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def url(self, notebook: str) -> str:
        """The notebook alone in a fresh workspace (``?reset`` would reload the page once)."""
        self._opened += 1
        return f"{self.origin}/lab/workspaces/w{self._opened}/tree/{notebook}?token={self.token}"

    def _wait_until_up(self, log: Path, timeout: float = 60) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"JupyterLab exited: {log.read_text()[-2000:]}")
            try:
                with urllib.request.urlopen(f"{self.origin}/api/status?token={self.token}",
                                            timeout=2):
                    return
            except OSError:
                time.sleep(0.3)
        self.close()
        raise RuntimeError(f"JupyterLab did not answer in {timeout} s: {log.read_text()[-2000:]}")

    def close(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.process.kill()
        self.log.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


ALL_RENDERED = """() => {
  // every markdown cell rendered (or collapsed), in three polls in a row: jupyterlab-myst
  // renders the notebook again once the kernel is connected
  const done = [...document.querySelectorAll(".jp-MarkdownCell")]
    .every(c => c.querySelector(".jp-RenderedMarkdown, .myst, .jp-InputPlaceholder"));
  window.__gdlabRendered = done ? (window.__gdlabRendered || 0) + 1 : 0;
  return window.__gdlabRendered >= 3;
}"""


def open_notebook(page, lab: JupyterLab, notebook: str, timeout: float = 60_000) -> None:
    """Open ``notebook``, wait for its kernel to be idle and every markdown cell rendered."""
    page.goto(lab.url(notebook))
    page.wait_for_selector(".jp-Notebook .jp-MarkdownCell", timeout=timeout)
    page.wait_for_selector(".jp-Notebook-ExecutionIndicator[data-status=idle]", timeout=timeout)
    page.wait_for_function(ALL_RENDERED, timeout=timeout, polling=300)


# In the page, through window.jupyterapp (JupyterLab's, or JupyterLite's): the notebook open.
PANEL = """() => { const w = window.jupyterapp && window.jupyterapp.shell.currentWidget;
  return w && w.content && w.sessionContext ? w : null; }"""

STATE = """() => {
  const w = (%s)(), cells = w.content.widgets.filter(c => c.model.type === 'code');
  const errors = [], missing = [];
  cells.forEach((cell, i) => {
    if (cell.model.executionCount == null) missing.push(i);
    for (let k = 0; k < cell.model.outputs.length; k++) {
      const out = cell.model.outputs.get(k).toJSON();
      if (out.output_type === 'error') errors.push({cell: i, ename: out.ename, evalue: out.evalue,
        traceback: (out.traceback || []).slice(-3).join('\\n').replace(/\\x1b\\[[0-9;]*m/g, '')});
    }
  });
  const kernel = w.sessionContext.session && w.sessionContext.session.kernel;
  return {cells: cells.length, missing, errors, status: kernel ? kernel.status : 'none'};
}""" % PANEL

EXPLORER = """() => {
  for (const box of document.querySelectorAll('.jp-OutputArea .widget-vbox')) {
    const img = box.querySelector('img');
    if (box.querySelector('.widget-slider .noUi-handle') && img) {
      box.setAttribute('data-gdlab-test', 'explorer');
      return img.src;
    }
  }
  return null; }"""

PICTURE = "() => document.querySelector('[data-gdlab-test=explorer] img').src"


def run_all_cells(page, timeout: float = 120) -> dict:
    """JupyterLab's "Clear Outputs of All Cells" and "Run All Cells", then wait (at most
    ``timeout`` seconds) until a cell fails, or every code cell has run and the kernel is
    idle. Returns the code cells' count, those not run, the errors and the kernel's status."""
    page.evaluate("""async () => {
      await window.jupyterapp.commands.execute('notebook:clear-all-cell-outputs');
      await window.jupyterapp.commands.execute('notebook:run-all-cells');
    }""")
    deadline = time.monotonic() + timeout
    while True:
        state = page.evaluate(STATE)
        if state["errors"] or (not state["missing"] and state["status"] == "idle"):
            return state
        assert time.monotonic() < deadline, f"not done in {timeout:.0f} s: {state}"
        time.sleep(0.5)


def move_a_slider(page, timeout: float = 60_000) -> tuple[str, str]:
    """The first explorer's slider one step right, with the keyboard, then wait until the
    kernel has redrawn its picture. Returns the slider's readout before and after."""
    page.wait_for_function(f"({EXPLORER})() !== null", timeout=30_000)
    before = page.evaluate(EXPLORER)
    explorer = page.locator("[data-gdlab-test=explorer]")
    explorer.scroll_into_view_if_needed()
    readout = explorer.locator(".widget-readout").first
    shown = readout.text_content()
    explorer.locator(".widget-slider .noUi-handle").first.focus()
    page.keyboard.press("ArrowRight")
    page.wait_for_function(f"({PICTURE})() !== {json.dumps(before)}", timeout=timeout)
    return shown, readout.text_content()
