"""The pieces of live mode (``_ext/gdlab_lite.py``), one by one; ``tests/test_live.py`` runs
the whole site in a browser and ``tests/test_site.py`` checks each chapter's link to it."""

from __future__ import annotations

import json
import zipfile
from pathlib import Path

import pytest

from site_checks import extension

ROOT = Path(__file__).resolve().parent.parent
lite = extension("gdlab_lite")


def test_the_gdlab_wheel_holds_every_module_and_a_consistent_record(tmp_path):
    wheel = lite.gdlab_wheel(ROOT, tmp_path)
    assert wheel.name == "gdlab-0.1.0-py3-none-any.whl"
    with zipfile.ZipFile(wheel) as archive:
        names = set(archive.namelist())
        record = archive.read("gdlab-0.1.0.dist-info/RECORD").decode().splitlines()
        metadata = archive.read("gdlab-0.1.0.dist-info/METADATA").decode()
    modules = {p.relative_to(ROOT / "code").as_posix() for p in (ROOT / "code" / "gdlab").rglob("*.py")}
    assert modules and modules <= names
    assert {line.split(",")[0] for line in record} == names
    assert "Requires-Dist: numpy>=2.0" in metadata
    assert lite.gdlab_wheel(ROOT, tmp_path).read_bytes() == wheel.read_bytes(), "reproducible"


def test_a_notebook_to_run_has_no_outputs_and_pyodide_s_kernel(tmp_path):
    source = ROOT / "chapters" / "03-momentum.ipynb"
    lite.notebook_to_run(source, tmp_path / "run.ipynb")
    notebook = json.loads((tmp_path / "run.ipynb").read_text(encoding="utf-8"))
    code = [c for c in notebook["cells"] if c["cell_type"] == "code"]
    assert code and all(c["outputs"] == [] and c["execution_count"] is None for c in code)
    assert "widgets" not in notebook["metadata"]
    assert notebook["metadata"]["kernelspec"]["name"] == "python"
    original = json.loads(source.read_text(encoding="utf-8"))
    assert [c["source"] for c in notebook["cells"]] == [c["source"] for c in original["cells"]]


def test_the_kernel_loads_gdlab_s_wheels_from_the_site(tmp_path):
    wheels = [tmp_path / "gdlab-0.1.0-py3-none-any.whl"]
    config = lite.lite_config("https://example.org/pyodide.js", wheels, expose_app=False)
    data = config["jupyter-config-data"]
    kernel = data["litePluginSettings"][f"{lite.KERNEL_EXTENSION}:kernel"]
    assert kernel["pyodideUrl"] == "https://example.org/pyodide.js"
    assert kernel["disablePyPIFallback"] is True
    assert "../../../../pypi/gdlab-0.1.0-py3-none-any.whl" in kernel["loadPyodideOptions"]["packages"]
    assert "exposeAppInBrowser" not in data


def site_with(tmp_path, pyodide_url, extra=""):
    site = tmp_path / "site"
    site.mkdir()
    config = lite.lite_config(pyodide_url, [], expose_app=False)
    (site / "jupyter-lite.json").write_text(json.dumps(config))
    (site / "style.css").write_text(f"body {{ color: red; }} {extra}")
    return site


def test_the_site_check_accepts_the_pyodide_cdn_only(tmp_path):
    lite.check_site(site_with(tmp_path, lite.CDN_PYODIDE_URL), lite.CDN_PYODIDE_URL)


def test_the_site_check_catches_a_lost_pyodide_url(tmp_path):
    with pytest.raises(RuntimeError, match="lost pyodideUrl"):
        lite.check_site(site_with(tmp_path, lite.CDN_PYODIDE_URL), "https://mine.example/p.js")


def test_the_site_check_catches_an_outside_stylesheet(tmp_path):
    site = site_with(tmp_path, lite.CDN_PYODIDE_URL,
                     "@import url('https://fonts.googleapis.com/css?family=Roboto');")
    with pytest.raises(RuntimeError, match="fonts.googleapis.com"):
        lite.check_site(site, lite.CDN_PYODIDE_URL)


def test_the_live_link_names_where_pyodide_comes_from():
    assert "from cdn.jsdelivr.net" in lite.live_link("lite/lab/index.html", lite.CDN_PYODIDE_URL)
    assert "from my.host" in lite.live_link("x", "https://my.host/pyodide/pyodide.js")
