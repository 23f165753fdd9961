"""Live mode: every chapter runs in the reader's browser, in JupyterLite with the Pyodide kernel.

At ``build-finished`` this builds a JupyterLite site into ``_build/html/lite/`` and gives each
notebook page a plain link, "Run this chapter live in your browser", to
``lite/lab/index.html?path=<notebook>``. Nothing of live mode loads before the link is followed.

The lite site holds:

* every notebook of the book, outputs and widget state stripped (the website is for reading,
  the live copy for running) and Pyodide's ``python`` kernel named, so no kernel dialog;
* three JupyterLab extensions: the Pyodide kernel, ipywidgets' widget manager and
  jupyterlab-myst (exercise boxes, equations, cross-references);
* a piplite index (``lite/pypi/``): a wheel of ``code/gdlab`` made here, and pure-Python wheels
  from PyPI (pinned by sha256 below, downloaded at build time into ``_build/.gdlab-lite-cache``);
* the kernel's ``loadPyodideOptions.packages``: the Pyodide packages and the wheels
  ``import gdlab`` needs are loaded while the kernel starts, so the notebooks run unchanged.
  (The kernel itself only loads the Pyodide packages a cell imports by name, not what gdlab
  imports inside.)

Pyodide itself (the interpreter and its numpy, scipy, matplotlib, scikit-learn) is not in the
site: the kernel loads the pinned version from its public CDN the first time a reader starts
a notebook, about 60 MB, then cached by the browser. To serve it from your own host instead,
set ``gdlab_pyodide_url`` in ``_config.yml`` (``sphinx: config:``) to your copy's
``pyodide.js``; that folder must hold the whole Pyodide distribution of the same version.

Versions go together: jupyterlite-pyodide-kernel 0.6 runs Pyodide 0.27 (Python 3.12, numpy
2.0, matplotlib 3.8), and JupyterLite 0.6 is JupyterLab 4.4, so its widget manager and
jupyterlab-myst are the releases built for JupyterLab 4.4, whatever the book's own
environment has.
"""

from __future__ import annotations

import base64
import csv
import hashlib
import io
import json
import re
import shutil
import subprocess
import sys
import tempfile
import time
import tomllib
import zipfile
from pathlib import Path
from urllib.parse import urlparse

PYODIDE_VERSION = "0.27.7"
CDN_PYODIDE_URL = f"https://cdn.jsdelivr.net/pyodide/v{PYODIDE_VERSION}/full/pyodide.js"
FIRST_USE_DOWNLOAD = "about 60&nbsp;MB"    # what the kernel loads (measured, uncompressed)
LITE_DIR = "lite"

# Pure-Python wheels for the kernel (piplite), from PyPI. ipywidgets 8.1.7 goes with the
# widget manager below; comm is what ipywidgets talks through; tqdm is in Pyodide too, but
# shipping it here means the published site and its test load the same file.
KERNEL_WHEELS = {
    "ipywidgets-8.1.7-py3-none-any.whl":
        "764f2602d25471c213919b8a1997df04bef869251db4ca8efba1b76b1bd9f7bb",
    "comm-0.2.3-py3-none-any.whl":
        "c615d91d75f7f04f095b30d1c1711babd43bdc6419c1be9886a85f2f4e489417",
    "tqdm-4.66.2-py3-none-any.whl":
        "1ee4f8a893eb9bef51c6e35730cebf234d5d0b6bd112b0271e10ed7c24a02bd9",
}
# JupyterLab extensions built for JupyterLab 4.4 (jupyterlab_widgets 3.0.16 and later need
# 4.4.6 or newer and would find no shared @jupyterlab/outputarea in JupyterLite 0.6).
LAB_EXTENSION_WHEELS = {
    "jupyterlab_widgets-3.0.15-py3-none-any.whl":
        "d59023d7d7ef71400d51e6fee9a88867f6e65e10a4201605d2d7f3e8f012a31c",
    "jupyterlab_myst-2.4.2-py3-none-any.whl":
        "2aa406d4754dcd2ec4fe749b6a2e15f0bc8a6c5c8f6b549419583715d8146230",
}
KERNEL_EXTENSION = "@jupyterlite/pyodide-kernel-extension"   # from jupyterlite-pyodide-kernel
# Loaded from the Pyodide distribution while the kernel starts: the kernel's own packages
# (under the names its worker checks, so it skips installing them one by one) and what gdlab
# imports at once or later (scipy, PIL and threadpoolctl at import; scikit-learn in
# gdlab.data.digits).
PYODIDE_PACKAGES = ["micropip", "ssl", "sqlite3", "jedi", "ipython", "numpy", "matplotlib",
                    "pillow", "scipy", "scikit-learn", "threadpoolctl"]
# Pyodide resolves a wheel's URL against the kernel's worker script, which pyodide-kernel
# 0.6.1 keeps in extensions/@jupyterlite/pyodide-kernel-extension/static/: this is lite/pypi/.
# (Check it when the kernel changes: tests/test_live.py's first cell fails otherwise.)
WORKER_TO_PYPI = "../../../../pypi/"

_COMMAND_MODE = ".jp-Notebook.jp-mod-commandMode:not(.jp-mod-readWrite) :focus"
SETTINGS = {
    # render every cell, not only those in view (a cell out of view would not show its output)
    "@jupyterlab/notebook-extension:tracker": {"windowingMode": "none"},
    # JupyterLab 4.4 binds ArrowLeft/Right in command mode to heading navigation for any
    # focused element, so an explorer's slider never gets them: give them back to the sliders
    "@jupyterlab/shortcuts-extension:shortcuts": {"shortcuts": [
        {"command": "notebook:move-cursor-heading-below-or-expand", "keys": ["ArrowRight"],
         "selector": _COMMAND_MODE, "disabled": True},
        {"command": "notebook:move-cursor-heading-above-or-collapse", "keys": ["ArrowLeft"],
         "selector": _COMMAND_MODE, "disabled": True},
    ]},
}
# Besides the Pyodide CDN, no URL of another host may be loaded by the site's own files.
_LOADED_URL = re.compile(rb"""(?:@import|url\(|href=|src=)\s*["']?(?:https?:)?//([a-z0-9.-]+)""",
                         re.I)


# -- what goes into the site ----------------------------------------------------------------

def gdlab_wheel(root: Path, folder: Path) -> Path:
    """A ``py3-none-any`` wheel of ``code/gdlab`` (PEP 427: a zip with METADATA, WHEEL and
    RECORD). Written directly, it takes milliseconds and leaves nothing in the source tree."""
    project = tomllib.loads((root / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    name, version = project["name"], project["version"]
    info = f"{name}-{version}.dist-info"
    files = {path.relative_to(root / "code").as_posix(): path.read_bytes()
             for path in sorted((root / "code" / name).rglob("*.py"))}
    metadata = ["Metadata-Version: 2.1", f"Name: {name}", f"Version: {version}"]
    metadata += [f"Requires-Dist: {d}" for d in project.get("dependencies", [])]
    files[f"{info}/METADATA"] = ("\n".join(metadata) + "\n").encode()
    files[f"{info}/WHEEL"] = (b"Wheel-Version: 1.0\nGenerator: gdlab_lite\n"
                              b"Root-Is-Purelib: true\nTag: py3-none-any\n")
    record = io.StringIO()
    writer = csv.writer(record, lineterminator="\n")
    for path, data in files.items():
        digest = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()
        writer.writerow([path, f"sha256={digest}", len(data)])
    writer.writerow([f"{info}/RECORD", "", ""])
    files[f"{info}/RECORD"] = record.getvalue().encode()
    wheel = folder / f"{name}-{version}-py3-none-any.whl"
    with zipfile.ZipFile(wheel, "w", zipfile.ZIP_DEFLATED) as archive:
        for path, data in files.items():
            entry = zipfile.ZipInfo(path, date_time=(1980, 1, 1, 0, 0, 0))   # reproducible
            entry.external_attr = 0o644 << 16
            archive.writestr(entry, data, zipfile.ZIP_DEFLATED)
    return wheel


def _sha256(path: Path) -> str | None:
    return hashlib.sha256(path.read_bytes()).hexdigest() if path.exists() else None


def pinned_wheels(pins: dict[str, str], cache: Path) -> list[Path]:
    """The wheels named in ``pins``, from ``cache`` or downloaded from PyPI with pip, each
    checked against its sha256."""
    cache.mkdir(parents=True, exist_ok=True)
    missing = [name for name, sha in pins.items() if _sha256(cache / name) != sha]
    if missing:
        wanted = ["{}=={}".format(*name.split("-")[:2]) for name in missing]
        done = subprocess.run([sys.executable, "-m", "pip", "download", "--quiet", "--no-deps",
                               "--only-binary=:all:", "--dest", str(cache), *wanted],
                              capture_output=True, text=True)
        if done.returncode != 0:
            raise RuntimeError(f"gdlab_lite: pip could not download {wanted}:\n{done.stderr[-2000:]}")
    for name, sha in pins.items():
        if _sha256(cache / name) != sha:
            raise RuntimeError(f"gdlab_lite: {name} has sha256 {_sha256(cache / name)}, "
                               f"expected {sha}")
    return [cache / name for name in pins]


def notebook_to_run(source: Path, target: Path) -> None:
    """A copy of the notebook to run, not to read: no outputs, counts or widget state, and
    Pyodide's kernel."""
    notebook = json.loads(source.read_text(encoding="utf-8"))
    for cell in notebook["cells"]:
        if cell["cell_type"] == "code":
            cell["outputs"], cell["execution_count"] = [], None
    notebook["metadata"].pop("widgets", None)
    notebook["metadata"]["kernelspec"] = {"name": "python", "display_name": "Python (Pyodide)",
                                          "language": "python"}
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(json.dumps(notebook, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")


def kernel_extension() -> Path:
    """The Pyodide kernel's JupyterLab extension, as jupyterlite-pyodide-kernel installs it."""
    from jupyter_core.paths import jupyter_path

    for folder in [Path(sys.prefix) / "share" / "jupyter" / "labextensions",
                   *map(Path, jupyter_path("labextensions"))]:
        if (folder / KERNEL_EXTENSION / "package.json").exists():
            return folder / KERNEL_EXTENSION
    raise RuntimeError(f"gdlab_lite: {KERNEL_EXTENSION} is not installed "
                       "(pip install -r requirements.txt)")


def lite_config(pyodide_url: str, wheels: list[Path], expose_app: bool) -> dict:
    """``jupyter-lite.json``: where Pyodide comes from and what the kernel loads first."""
    kernel = {"pyodideUrl": pyodide_url,
              "disablePyPIFallback": True,          # piplite asks lite/pypi/, never PyPI
              "loadPyodideOptions": {"packages": PYODIDE_PACKAGES
                                     + [WORKER_TO_PYPI + wheel.name for wheel in wheels]}}
    data = {"appName": "gdlab live",
            "litePluginSettings": {f"{KERNEL_EXTENSION}:kernel": kernel}}
    if expose_app:                                  # window.jupyterapp, for the tests
        data["exposeAppInBrowser"] = True
    return {"jupyter-lite-schema-version": 0, "jupyter-config-data": data}


# -- the build ------------------------------------------------------------------------------

def build_lite(root: Path, notebooks: list[Path], out: Path, *, pyodide_url: str = CDN_PYODIDE_URL,
               cache: Path, expose_app: bool = False) -> dict:
    """Build the JupyterLite site for ``notebooks`` (under ``root``) into ``out``, replacing it.

    Always in a fresh temporary folder: a ``.jupyterlite.doit.db`` left from an earlier build
    can silently drop settings such as ``pyodideUrl``. Returns the time taken and the size."""
    start = time.perf_counter()
    root, out = Path(root).resolve(), Path(out).resolve()
    with tempfile.TemporaryDirectory(prefix="gdlab-lite-") as scratch:
        scratch = Path(scratch)
        lite, contents, built = scratch / "lite", scratch / "contents", scratch / "site"
        for folder in (lite, contents, scratch / "wheels"):
            folder.mkdir()
        for notebook in notebooks:
            notebook_to_run(Path(notebook), contents / Path(notebook).resolve().relative_to(root))
        wheels = [gdlab_wheel(root, scratch / "wheels"), *pinned_wheels(KERNEL_WHEELS, cache)]
        extensions = [kernel_extension(), *pinned_wheels(LAB_EXTENSION_WHEELS, cache)]
        (lite / "jupyter-lite.json").write_text(json.dumps(lite_config(pyodide_url, wheels,
                                                                       expose_app), indent=1))
        (lite / "overrides.json").write_text(json.dumps(SETTINGS, indent=1))
        (lite / "jupyter_lite_config.json").write_text(json.dumps({
            "LiteBuildConfig": {"apps": ["lab"], "no_sourcemaps": True,
                                "no_unused_shared_packages": True,
                                # only the three extensions above, not the environment's
                                "ignore_sys_prefix": ["federated_extensions"],
                                "federated_extensions": [str(e) for e in extensions],
                                "contents": [str(contents)], "output_dir": str(built)},
            "PipliteAddon": {"piplite_urls": [str(w) for w in wheels]}}, indent=1))
        done = subprocess.run([sys.executable, "-m", "jupyterlite_core", "build",
                               "--lite-dir", str(lite), "--output-dir", str(built)],
                              cwd=lite, capture_output=True, text=True)
        if done.returncode != 0:
            raise RuntimeError(f"gdlab_lite: jupyter lite build failed:\n"
                               f"{done.stdout[-3000:]}\n{done.stderr[-3000:]}")
        check_site(built, pyodide_url)
        shutil.rmtree(out, ignore_errors=True)
        out.parent.mkdir(parents=True, exist_ok=True)
        shutil.move(str(built), str(out))
    size = sum(p.stat().st_size for p in out.rglob("*") if p.is_file())
    return {"seconds": round(time.perf_counter() - start, 2), "bytes": size,
            "notebooks": len(notebooks), "pyodide_url": pyodide_url}


def outside_hosts(site: Path) -> dict[str, str]:
    """Hosts the site's HTML, CSS and JSON would load something from (stylesheets, fonts,
    scripts), each with a file that names it."""
    found = {}
    for path in site.rglob("*"):
        if path.suffix in {".css", ".html", ".json"} and path.is_file():
            for host in _LOADED_URL.findall(path.read_bytes()):
                found.setdefault(host.decode().lower(), str(path.relative_to(site)))
    return found


def check_site(site: Path, pyodide_url: str) -> None:
    kernel = json.loads((site / "jupyter-lite.json").read_text())[
        "jupyter-config-data"]["litePluginSettings"][f"{KERNEL_EXTENSION}:kernel"]
    if kernel.get("pyodideUrl") != pyodide_url:
        raise RuntimeError(f"gdlab_lite: the built site lost pyodideUrl: {kernel}")
    outside = {host: where for host, where in outside_hosts(site).items()
               if host != urlparse(CDN_PYODIDE_URL).hostname}
    if outside:
        raise RuntimeError(f"gdlab_lite: the lite site would load from other hosts: {outside}")


# -- Sphinx ---------------------------------------------------------------------------------

def pyodide_url(app) -> str:
    return app.config.gdlab_pyodide_url or CDN_PYODIDE_URL


def _build(app, exc) -> None:
    if exc is not None or app.builder.format != "html":
        return
    from sphinx.util import logging

    notebooks = sorted(Path(app.env.doc2path(doc)) for doc in app.env.found_docs
                       if str(app.env.doc2path(doc)).endswith(".ipynb"))
    built = build_lite(Path(app.srcdir), notebooks, Path(app.outdir) / LITE_DIR,
                       pyodide_url=pyodide_url(app),
                       cache=Path(app.outdir).parent / ".gdlab-lite-cache")
    logging.getLogger(__name__).info(
        f"gdlab_lite: {LITE_DIR}/ with {built['notebooks']} notebooks, "
        f"{built['bytes'] / 1e6:.1f} MB, in {built['seconds']} s")


def live_link(href: str, pyodide: str) -> str:
    host = urlparse(pyodide).hostname or "this site"
    return ('<p class="gdlab-live"><a class="btn btn-sm btn-outline-primary" '
            f'href="{href}">Run this chapter live in your browser</a> '
            f'<span class="gdlab-live-note">Python runs in the page (JupyterLite): the first '
            f'time, it downloads Pyodide, {FIRST_USE_DOWNLOAD}, from {host}.</span></p>')


def _add_live_link(app, pagename, templatename, context, doctree) -> None:
    """Below a notebook page's title: a plain link, no script."""
    if context.get("page_source_suffix") != ".ipynb" or "body" not in context:
        return
    notebook = Path(app.env.doc2path(pagename)).resolve().relative_to(Path(app.srcdir).resolve())
    href = f"{context['pathto'](f'{LITE_DIR}/lab/index.html', 1)}?path={notebook.as_posix()}"
    body, title_end = context["body"], context["body"].find("</h1>")
    at = title_end + len("</h1>") if title_end >= 0 else 0
    context["body"] = body[:at] + live_link(href, pyodide_url(app)) + body[at:]


def setup(app):
    app.add_config_value("gdlab_pyodide_url", "", "html", types=[str])
    app.connect("html-page-context", _add_live_link)
    app.connect("build-finished", _build)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
