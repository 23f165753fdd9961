"""scripts/execute_notebooks.py re-executes a notebook in place with widget state saved."""

import importlib.util
from pathlib import Path

import nbformat
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

ROOT = Path(__file__).resolve().parent.parent
_spec = importlib.util.spec_from_file_location("execute_notebooks",
                                               ROOT / "scripts" / "execute_notebooks.py")
execute_notebooks = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(execute_notebooks)


def test_executes_in_place_numbering_cells_and_saving_widget_state(tmp_path):
    path = tmp_path / "tiny.ipynb"
    nb = new_notebook(cells=[
        new_markdown_cell("# Tiny"),
        new_code_cell("import gdlab\nprint(f'{gdlab.effective_window(0.9):.1f}')"),
        new_code_cell("gdlab.explorer.Explorer({'a': [1, 2]}, lambda a: a,\n"
                      "    lambda fig, r, a: fig.subplots().plot([0, r]))"),
        new_code_cell("import matplotlib.pyplot as plt\ngdlab.plots.use_book_style()\n"
                      "plt.plot([0, 1]);"),
    ])
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3",
                                 "language": "python"}
    nbformat.write(nb, path)
    seconds = execute_notebooks.execute(path)
    done = nbformat.read(path, as_version=4)
    code = [c for c in done.cells if c.cell_type == "code"]
    assert [c.execution_count for c in code] == [1, 2, 3]
    assert code[0].outputs[0]["text"] == "10.0\n"
    data = code[1].outputs[0]["data"]
    assert "text/html" in data and "application/vnd.jupyter.widget-view+json" in data
    # the website's pictures: the explorer's frames and the figure drawn for phones too
    assert "<source" in data["text/html"]
    figure = next(o for o in code[2].outputs if "image/png" in o.get("data", {}))
    assert {"narrow", "narrow_text_px", "text_px"} <= set(figure["metadata"]["image/png"]["gdlab"])
    state = done.metadata["widgets"]["application/vnd.jupyter.widget-state+json"]["state"]
    assert any(m["model_name"] == "SelectionSliderModel" for m in state.values())
    assert "execution" not in code[0].metadata     # no timing metadata
    assert seconds > 0
