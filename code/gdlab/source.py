"""The source code of a gdlab function or class, shown as a notebook cell's output.

A chapter that writes an optimizer by hand also shows the library's version. Sphinx could
include it from the file (``literalinclude``), but JupyterLab renders each markdown cell on
its own and cannot read files, so the library's code would be missing there. An output
reads the same on the website, in JupyterLab and in the browser's JupyterLite.
"""

from __future__ import annotations

import inspect
import re
import textwrap


def source_markdown(obj) -> str:
    """The source of ``obj`` (a function, class or method), dedented, as a fenced Python
    block whose fence is longer than any run of backticks inside it."""
    if not (inspect.isfunction(obj) or inspect.isclass(obj) or inspect.ismethod(obj)):
        raise TypeError(f"obj must be a function, class or method, got {obj!r} "
                        f"({type(obj).__name__})")
    code = textwrap.dedent(inspect.getsource(obj)).rstrip()
    fence = "`" * max(3, 1 + max((len(run) for run in re.findall(r"`+", code)), default=0))
    return f"{fence}python\n{code}\n{fence}"


def show_source(obj):
    """``IPython.display.Markdown`` of :func:`source_markdown`: end a cell with it."""
    from IPython.display import Markdown

    return Markdown(source_markdown(obj))
