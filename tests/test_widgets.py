"""Explorers: the compute part, the pictures, the live widget and the static scrubber."""

import re

import numpy as np
import pytest

import gdlab
from gdlab.widgets import Explorer

PNG = b"\x89PNG\r\n\x1a\n"


def tiny_explorer():
    def compute(a, b):
        return a * b

    def draw(fig, result, a, b):
        ax = fig.subplots()
        ax.bar([0], [result])
        ax.set_title(f"{a} x {b}")

    return Explorer({"a": [1, 2, 3], "b": [10, 20]}, compute, draw, defaults={"b": 20},
                    title="Product")


def test_result_uses_defaults_and_given_values():
    e = tiny_explorer()
    assert e.defaults == {"a": 2, "b": 20}   # middle of the list unless given
    none = Explorer({"a": [1, 2, 3]}, lambda a: a, lambda *args, **kw: None,
                    defaults={"a": None})
    assert none.defaults == {"a": 2}         # None also means "the middle"
    assert e.result() == 40 and e.result(a=3) == 60 and e.result(a=1, b=10) == 10


def test_render_is_png_and_cached():
    e = tiny_explorer()
    first = e.render(a=1)
    assert first.startswith(PNG)
    assert e.render(a=1) is first
    assert e.render(a=3) != first


def test_static_html_holds_every_frame_and_one_slider_per_control():
    e = tiny_explorer()
    page = e.to_html()
    assert page.count('type="range"') == 2
    frames = re.search(r"frames=(\[.*?\])", page).group(1)
    assert frames.count("iVBOR") == 6     # 3 x 2 base64 PNGs
    assert "<script>" in page and "Product" in page
    assert 'max="2"' in page and 'max="1"' in page
    # the picture shown first is the default combination (a=2, b=20): frame index 1*2+1 = 3
    assert e._frame_index([1, 1]) == 3


def test_live_widget_has_sliders_over_the_same_values():
    import ipywidgets as w
    e = tiny_explorer()
    box = e.widget()
    sliders = [c for c in box.children if isinstance(c, w.SelectionSlider)]
    assert [s.description for s in sliders] == ["a", "b"]
    assert [list(s.options) for s in sliders] == [[("1", 1), ("2", 2), ("3", 3)],
                                                 [("10", 10), ("20", 20)]]
    image = box.children[-1]
    sliders[0].value = 3                       # moving a slider redraws the picture
    assert image.value == e.render(a=3, b=20)


def test_mimebundle_offers_widget_and_html():
    bundle = tiny_explorer()._repr_mimebundle_()
    assert "application/vnd.jupyter.widget-view+json" in bundle
    assert bundle["text/html"].startswith('<div id="gdlab-')


@pytest.mark.parametrize("kwargs, pattern", [
    ({"controls": {}}, "controls must name at least one control"),
    ({"controls": {"a": []}}, r"controls\['a'\] must list at least one value"),
    ({"controls": {"a": list(range(100))}}, "controls give 100 combinations; max_frames allows 60"),
    ({"controls": {"a": [1, 2]}, "defaults": {"a": 5}}, r"defaults\['a'\] must be one of \[1, 2\]"),
    ({"controls": {"a": [1, 2]}, "defaults": {"c": 1}}, "defaults has 'c', which is not a control"),
])
def test_bad_explorer_arguments(kwargs, pattern):
    with pytest.raises(ValueError, match=pattern):
        Explorer(compute=lambda **v: None, draw=lambda *a, **v: None, **kwargs)


def test_unknown_control_value_name():
    with pytest.raises(ValueError, match="'c' is not a control"):
        tiny_explorer().result(c=1)


def test_learning_rate_explorer_runs_gradient_descent():
    e = gdlab.widgets.learning_rate_explorer(gdlab.elongated_bowl, [-8.0, 2.0],
                                             [0.1, 0.5, 1.05], steps=20, default=0.5)
    traj = e.result()
    expected = gdlab.run(gdlab.SGD(lr=0.5), gdlab.elongated_bowl, [-8.0, 2.0], 20)
    np.testing.assert_array_equal(traj.xs, expected.xs)
    assert e.result(lr=1.05).diverged is False or e.result(lr=1.05).losses[-1] > traj.losses[-1]
    assert e.render(lr=1.05).startswith(PNG)


def test_ewma_explorer_averages_the_series():
    series = gdlab.data.seasonal_series(100, seed=1)
    e = gdlab.widgets.ewma_explorer(series, [0.5, 0.9, 0.98], default=0.9)
    np.testing.assert_array_equal(e.result(), gdlab.ewma(series, 0.9))
    np.testing.assert_array_equal(e.result(beta=0.98, bias_correction=True),
                                  gdlab.ewma(series, 0.98, bias_correction=True))
    assert e.render(beta=0.5, bias_correction=True).startswith(PNG)


def test_boolean_controls_are_labelled_on_and_off():
    e = Explorer({"flag": [False, True]}, lambda flag: flag,
                 lambda fig, r, flag: fig.subplots().set_title(str(flag)))
    assert '["off", "on"]' in e.to_html()


def test_layout_is_computed_once_and_reused_or_left_alone():
    def draw(fig, result, a):
        ax = fig.subplots()
        ax.set_title("a long title " * a)
        ax.set_ylabel("y")

    laid_out = Explorer({"a": [1, 2]}, lambda a: a, draw)
    laid_out.render(a=1)
    first = laid_out.figure.axes[0].get_position().bounds
    laid_out.render(a=2)
    assert laid_out.figure.axes[0].get_position().bounds == first
    assert first != pytest.approx((0.125, 0.11, 0.775, 0.77))   # not matplotlib's default

    manual = Explorer({"a": [1, 2]}, lambda a: a,
                      lambda fig, r, a: fig.add_axes([0.2, 0.2, 0.5, 0.5]), layout=None)
    manual.render(a=1)
    assert manual.figure.axes[0].get_position().bounds == pytest.approx((0.2, 0.2, 0.5, 0.5))
    with pytest.raises(ValueError, match="layout must be one of 'constrained', None"):
        Explorer({"a": [1]}, lambda a: a, draw, layout="tight")


def test_book_style_does_not_leak_a_layout_engine_into_explorers():
    """The book style turns constrained layout on in rcParams; explorers that place their
    axes by hand must neither warn nor be re-laid out."""
    import warnings

    import matplotlib as mpl

    with mpl.rc_context():
        gdlab.plots.use_book_style()
        e = Explorer({"a": [1, 2, 3]}, lambda a: a,
                     lambda fig, r, a: fig.add_axes([0.1, 0.1, 0.8, 0.8]).plot([0, r]))
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            for a in (1, 2, 3):
                e.render(a=a)
        assert e.figure.axes[0].get_position().bounds == pytest.approx((0.1, 0.1, 0.8, 0.8))
