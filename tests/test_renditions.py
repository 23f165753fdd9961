"""gdlab.renditions: every figure drawn for a laptop's column and a phone's, its text at
least 11 px as shown."""

import base64
import io

import matplotlib
import numpy as np
import pytest
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from PIL import Image

from gdlab import renditions
from gdlab.renditions import NARROW, WIDE


def figure(width=12.0, height=3.5, panels=3, legend_size=6.0, title=""):
    fig = Figure(figsize=(width, height), layout="constrained")
    FigureCanvasAgg(fig)
    for k, ax in enumerate(fig.subplots(1, panels, squeeze=False).flat):
        ax.plot(np.arange(10), np.arange(10) * (k + 1), label=f"panel {k}")
        ax.legend(fontsize=legend_size)
        ax.set_title(title or f"panel {k}")
        ax.set_xlabel("step $t$")
    return fig


def shown_px(picture, rendition):
    """The smallest text of a rendered picture as the website shows it, in CSS pixels."""
    width = Image.open(io.BytesIO(picture.png)).size[0]
    shown_width = min(rendition.shown_px, width / rendition.density)
    return picture.text_px * shown_width / width


def test_min_points_is_the_text_size_formula():
    # t · D / (72 · W) = 11 px at D / W = 90 px per inch: t = 8.8 pt
    assert renditions.min_points(90) == pytest.approx(8.8)
    assert renditions.min_points(WIDE.shown_dpi(12.0)) == pytest.approx(11 * 72 * 12 / 688)


def test_enlarge_text_raises_every_small_text_and_leaves_large_ones():
    fig = figure(legend_size=6)
    fig.axes[0].set_title("big", fontsize=20)
    renditions.enlarge_text(fig, 9.0)
    sizes = renditions.text_sizes(fig)
    fig.canvas.draw()   # tick labels made at the draw take the enlarged size too
    assert min(renditions.text_sizes(fig)) == pytest.approx(9.0)
    assert 20 in sizes


def test_stack_puts_the_panels_one_per_row_in_reading_order():
    fig = figure(panels=3)
    first, second, third = fig.axes
    renditions.stack(fig)
    fig.canvas.draw()
    assert tuple(fig.get_size_inches())[0] == renditions.NARROW_INCHES
    tops = [ax.get_position().y1 for ax in (first, second, third)]
    assert tops[0] > tops[1] > tops[2]                       # top to bottom, as read
    lefts = {round(ax.get_position().x0, 3) for ax in fig.axes}
    assert len(lefts) == 1                                   # one column
    size = tuple(fig.get_size_inches())
    renditions.stack(fig)                                    # a second stack changes nothing
    assert tuple(fig.get_size_inches()) == size


def test_stack_keeps_a_twin_axes_with_its_axes():
    fig = figure(panels=2)
    twin = fig.axes[0].twinx()
    renditions.stack(fig)
    fig.canvas.draw()
    assert twin.get_position().bounds == pytest.approx(fig.axes[0].get_position().bounds)


def test_break_lines_fits_a_long_title_inside_its_axes_and_keeps_math_whole():
    fig = figure(width=3.8, panels=1, title="a long title with $\\hat m_t / \\sqrt{\\hat v_t}$ "
                                            "that is far wider than any phone's panel")
    renditions.break_lines(fig)
    title = fig.axes[0].title
    renderer = fig.canvas.get_renderer()
    assert "\n" in title.get_text()
    assert title.get_window_extent(renderer).width <= fig.axes[0].bbox.width
    assert "$\\hat m_t / \\sqrt{\\hat v_t}$" in title.get_text().replace("\n", " ")


@pytest.mark.parametrize("rendition", [WIDE, NARROW])
def test_every_rendition_shows_its_smallest_text_at_11_px(rendition):
    picture = renditions.draw_png(figure(legend_size=6), rendition)
    assert picture.png.startswith(b"\x89PNG")
    assert shown_px(picture, rendition) >= renditions.MIN_TEXT_PX - 0.05


def test_without_enlarging_the_text_the_check_would_fail():
    fig = figure(legend_size=6)
    fig.canvas.draw()
    dpi = WIDE.shown_dpi(12.0)
    assert renditions.smallest_text(fig) * dpi / 72 < renditions.MIN_TEXT_PX


def test_book_png_gives_the_wide_png_and_the_narrow_one_in_its_metadata(website):
    fig = figure()
    png, metadata = renditions.book_png(fig)
    extra = metadata["gdlab"]
    narrow = base64.b64decode(extra["narrow"])
    wide_size, narrow_size = (Image.open(io.BytesIO(p)).size for p in (png, narrow))
    assert wide_size[0] <= WIDE.shown_px + 10
    assert narrow_size[0] < wide_size[0] and narrow_size[1] > wide_size[1]   # stacked
    assert extra["text_px"] >= 11 and extra["narrow_text_px"] >= 11 * NARROW.density


def test_book_png_is_what_ipython_shows_for_a_figure_in_the_book_style(website):
    from IPython.core.formatters import PNGFormatter

    formatter = PNGFormatter()
    formatter.for_type(Figure, renditions.book_png)
    data, metadata = formatter(figure())
    assert data.startswith(b"\x89PNG") and "narrow" in metadata["gdlab"]


def test_book_png_draws_only_the_wide_png_for_a_reader(monkeypatch):
    monkeypatch.delenv(renditions.WEBSITE, raising=False)
    fig = figure()
    png, metadata = renditions.book_png(fig)
    assert png.startswith(b"\x89PNG") and set(metadata["gdlab"]) == {"text_px"}
    assert metadata["gdlab"]["text_px"] >= 11


@pytest.mark.parametrize("value, drawn", [("1", True), ("0", False), ("", False), ("yes", False)])
def test_only_gdlab_website_1_asks_for_the_websites_pictures(monkeypatch, value, drawn):
    monkeypatch.setenv(renditions.WEBSITE, value)
    assert renditions.for_website() is drawn


def test_picture_html_offers_the_narrow_picture_to_phones():
    page = renditions.picture_html("w.png", "n.png", 11.5, 17.0, 'a "quoted" alt')
    assert f'<source media="{renditions.PHONE_MEDIA}" srcset="n.png" data-text-px="17"' in page
    assert 'src="w.png" alt="a &quot;quoted&quot; alt" data-text-px="11.5"' in page


def test_the_book_style_leaves_figures_alone_outside_ipython():
    import gdlab

    gdlab.plots.use_book_style()   # no IPython shell here: nothing to register, no error
    assert matplotlib.rcParams["legend.fontsize"] == 9


def test_a_phone_gets_one_column_legends_in_their_place_with_their_title():
    fig = figure(width=8, panels=1)
    ax = fig.axes[0]
    ax.plot([0, 9], [9, 0], label="second")
    ax.plot([0, 9], [5, 5], label="third")
    ax.legend(ncol=3, loc="lower right", title="runs")
    renditions.draw_png(fig, NARROW)
    legend = ax.get_legend()
    assert legend._ncols == 1 and legend.get_title().get_text() == "runs"
    box, axes_box = legend.get_window_extent(), ax.get_window_extent()
    assert box.x1 <= axes_box.x1 + 1 and box.y0 >= axes_box.y0 - 1   # still lower right, inside
    assert box.width < axes_box.width
