import pytest

import gdlab
from gdlab.source import show_source, source_markdown


def test_the_source_is_the_file_s_lines_in_a_python_block():
    text = source_markdown(gdlab.SGD)
    assert text.startswith("```python\nclass SGD(Optimizer):\n") and text.endswith("\n```")
    assert "def __init__(self, lr=" in text


def test_a_method_is_dedented():
    assert source_markdown(gdlab.nn.MLP.loss_and_grads).split("\n")[1].startswith("def ")


def test_the_fence_outlasts_backticks_inside():
    def quoted():
        """Shows ```` ```python ```` fences."""

    text = source_markdown(quoted)
    assert text.startswith("`````python\n") and text.endswith("\n`````")


def test_show_source_is_markdown_for_the_notebook():
    assert show_source(gdlab.ewma)._repr_markdown_() == source_markdown(gdlab.ewma)


@pytest.mark.parametrize("bad", [gdlab.Adam(), "Adam", gdlab, 3])
def test_not_a_function_or_class_is_refused(bad):
    with pytest.raises(TypeError, match="obj must be a function, class or method"):
        source_markdown(bad)
