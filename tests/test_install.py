"""`import gdlab` works from any folder once the README's set-up has run."""

import subprocess
import sys


def test_import_from_another_folder(tmp_path):
    out = subprocess.run([sys.executable, "-c", "import gdlab, numpy as np;"
                          "print(gdlab.run(gdlab.Adam(lr=0.1), gdlab.rosenbrock,"
                          " x0=[-1.5, 2.0], steps=5).steps)"],
                         cwd=tmp_path, capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "5"


def test_stdlib_code_module_is_not_shadowed(tmp_path):
    out = subprocess.run([sys.executable, "-c", "import code; print(hasattr(code, 'interact'))"],
                         cwd=tmp_path, capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "True"
