"""Explorers: the compute part, the pictures, the live widget and the static scrubber."""

import base64
import hashlib
import json
import re

import matplotlib.pyplot as plt
import numpy as np
import pytest

import gdlab
from gdlab.explorer import Explorer
from gdlab.panels import log_ticks, loss_panel, path_panel, verdict_box

PNG = b"\x89PNG\r\n\x1a\n"


def tiny_explorer():
    def compute(a, b):
        return a * b

    def draw(fig, result, a, b):
        ax = fig.subplots()
        ax.bar([0], [result])
        ax.set_title(f"{a} x {b}")

    return Explorer({"a": [1, 2, 3], "b": [10, 20]}, compute, draw, start={"b": 20},
                    title="Product")


def test_result_uses_start_values_and_given_values():
    e = tiny_explorer()
    assert e.start == {"a": 2, "b": 20}   # middle of the list unless given
    none = Explorer({"a": [1, 2, 3]}, lambda a: a, lambda *args, **kw: None,
                    start={"a": None})
    assert none.start == {"a": 2}         # None also means "the middle"
    assert e.result() == 40 and e.result(a=3) == 60 and e.result(a=1, b=10) == 10


def test_render_is_png_and_cached():
    e = tiny_explorer()
    first = e.render(a=1)
    assert first.startswith(PNG)
    assert e.render(a=1) is first
    assert e.render(a=3) != first


def test_static_html_holds_every_frame_and_one_slider_per_control(website):
    e = tiny_explorer()
    page = e.to_html()
    assert page.count('type="range"') == 2
    wide = json.loads(re.search(r"wide=(\[.*?\])", page).group(1))
    narrow = json.loads(re.search(r"narrow=(\[.*?\])", page).group(1))
    assert len(wide) == len(narrow) == 6     # 3 x 2 base64 PNGs, for a laptop and a phone
    assert "<script>" in page and "Product" in page
    assert 'max="2"' in page and 'max="1"' in page
    # the picture shown first is the default combination (a=2, b=20): frame index 1*2+1 = 3
    assert f'src="{wide[3]}"' in page and f'srcset="{narrow[3]}"' in page
    assert wide[3] == "data:image/png;base64," + base64.b64encode(e.render(a=2, b=20)).decode()


def test_a_readers_html_holds_the_wide_frames_only(monkeypatch):
    monkeypatch.delenv(gdlab.renditions.WEBSITE, raising=False)
    e = tiny_explorer()
    page = e.to_html()
    wide = json.loads(re.search(r"wide=(\[.*?\])", page).group(1))
    assert len(wide) == 6 and "narrow=null" in page and "<source" not in page
    assert e._narrow is None                  # no phone's explorer was even made


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
    ({"controls": {"a": [1, 2]}, "start": {"a": 5}}, r"start\['a'\] must be one of \[1, 2\]"),
    ({"controls": {"a": [1, 2]}, "start": {"c": 1}}, "start has 'c', which is not a control"),
])
def test_bad_explorer_arguments(kwargs, pattern):
    with pytest.raises(ValueError, match=pattern):
        Explorer(compute=lambda **v: None, draw=lambda *a, **v: None, **kwargs)


def test_unknown_control_value_name():
    with pytest.raises(ValueError, match="'c' is not a control"):
        tiny_explorer().result(c=1)


def test_boolean_controls_are_labeled_on_and_off():
    e = Explorer({"flag": [False, True]}, lambda flag: flag,
                 lambda fig, r, flag: fig.subplots().set_title(str(flag)))
    assert '["off", "on"]' in e.to_html()


def choice_explorer():
    return Explorer({"lr": [0.1, 0.2], "method": ["SGD", "Adam"], "flag": [False, True]},
                    lambda lr, method, flag: lr,
                    lambda fig, r, lr, method, flag: fig.subplots().set_title(f"{method} {lr}"),
                    start={"method": "Adam"}, title="Demo")


def test_choices_are_drop_down_lists_and_numbers_sliders():
    page = choice_explorer().to_html()
    assert page.count('type="range"') == 1 and page.count("<select") == 2
    assert '<option value="1" selected>Adam</option>' in page
    assert '<option value="0">off</option>' in page
    assert 'alt="Demo: lr = 0.2, method = Adam, flag = on"' in page


def test_live_widget_offers_buttons_for_choices():
    import ipywidgets as w
    box = choice_explorer().widget()
    kinds = [type(c).__name__ for c in box.children[1:-1]]
    assert kinds == ["SelectionSlider", "ToggleButtons", "ToggleButtons"]
    buttons = box.children[2]
    assert isinstance(buttons, w.ToggleButtons) and buttons.value == "Adam"


def test_externalize_frames_moves_every_frame_into_a_file(website):
    e = tiny_explorer()
    inline = e.to_html()
    page = "<p>before</p>" + inline + '<img src="data:image/png;base64,AAAA">'
    out, files = gdlab.explorer.externalize_frames(page, "../_images/explorer/")
    assert len(files) == 12 and "base64" not in out.split("</script>")[0]   # wide and narrow
    assert out.endswith('<img src="data:image/png;base64,AAAA">')   # not an explorer's
    for name, png in files.items():
        assert png.startswith(PNG) and name == hashlib.sha1(png).hexdigest() + ".png"
        assert f'"../_images/explorer/{name}"' in out
    assert e.render(a=1, b=10) in files.values()


def test_palette_png_keeps_the_picture_and_shrinks_it():
    import io

    from PIL import Image
    fig = plt.figure(figsize=(4, 3), dpi=80)
    fig.subplots().contourf(np.random.default_rng(0).random((20, 20)), levels=30)
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png")
    plt.close(fig)
    png = buffer.getvalue()
    small = gdlab.frames.palette_png(png, colors=64)
    before, after = (np.asarray(Image.open(io.BytesIO(b)).convert("RGB"), float)
                     for b in (png, small))
    assert len(small) < len(png) and before.shape == after.shape
    assert np.abs(before - after).mean() < 4.0       # of 255: the same picture


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


def test_shared_panels_draw_what_they_are_given():
    from matplotlib.figure import Figure

    f = gdlab.elongated_bowl
    gd = gdlab.run(gdlab.SGD(lr=0.5), f, [-8.0, 2.0], 20)
    hb = gdlab.run(gdlab.Momentum(lr=0.5, beta=0.5), f, [-8.0, 2.0], 20)
    ax_path, ax_loss = Figure().subplots(1, 2)
    path_panel(ax_path, f, {"GD": gd, "momentum": hb}, title="paths", faded=["GD"])
    labels = [line.get_label() for line in ax_path.lines]
    assert "GD" in labels and "momentum" in labels and ax_path.get_title() == "paths"
    gd_line = ax_path.lines[labels.index("GD")]
    assert gd_line.get_alpha() == 0.45 and ax_path.lines[labels.index("momentum")].get_alpha() is None
    assert gd_line.get_color() == gdlab.plots.color_of("SGD")

    gaps = gd.gaps()
    gaps[-1] = 0.0                       # a run that hits the minimum exactly stays on the plot
    loss_panel(ax_loss, {"GD": (gaps, "black", 0.6)}, steps=20, low=-10, high=2)
    line = ax_loss.lines[0]
    assert line.get_ydata()[-1] == 1e-10 and line.get_alpha() == 0.6
    assert ax_loss.get_ylim() == pytest.approx((1e-10, 1e2)) and ax_loss.get_xlim() == (0, 20)
    assert [t.get_text() for t in ax_loss.get_yticklabels()] == ["1e-10", "1e-8", "1e-6",
                                                                 "1e-4", "1e-2", "1", "1e2"]
    box = verdict_box(ax_loss, "diverged")
    assert box.get_text() == "diverged" and box.get_position() == (0.97, 0.97)


def test_log_ticks_every_third_power():
    from matplotlib.figure import Figure

    ax = Figure().subplots()
    log_ticks(ax, -6, 3, every=3)
    assert [t.get_text() for t in ax.get_yticklabels()] == ["1e-6", "1e-3", "1", "1e3"]
    assert ax.yaxis.get_minor_locator().tick_values(1e-6, 1e3) == []


def test_compute_runs_once_at_the_start_values_when_built_and_is_kept():
    calls = []

    def compute(a, b):
        calls.append((a, b))
        return a * b

    e = Explorer({"a": [1, 2, 3], "b": [10, 20]}, compute,
                 lambda fig, result, a, b: fig.subplots().bar([0], [result]), start={"b": 20})
    assert calls == [(2, 20)]                     # built: the start values, once
    assert e.result() == 40 and e.result(a=2) == 40 and e.render().startswith(PNG)
    assert calls == [(2, 20)]                     # the first picture reuses that result
    assert e.result(a=3) == 60 and calls == [(2, 20), (3, 20)]


@pytest.mark.parametrize("controls, start, message", [
    ({"lr": [0.1, 0.5]}, {"lr": 0.5}, r"^compute\(lr=0.5\) raised ZeroDivisionError: "
                                      r"division by zero$"),
    ({"lr": [np.float64(0.25)], "name": ["RMSProp"], "flag": [True]}, None,
     r"^compute\(lr=0.25, name='RMSProp', flag=True\) raised ZeroDivisionError"),
])
def test_a_compute_that_raises_fails_when_built_naming_the_call(controls, start, message):
    def compute(**values):
        return 1 / 0

    with pytest.raises(ValueError, match=message) as error:
        Explorer(controls, compute, lambda *args, **kw: None, start=start)
    assert isinstance(error.value.__cause__, ZeroDivisionError)   # the original traceback


def test_a_compute_that_raises_later_names_the_call_too():
    def compute(x0):   # like a notebook's compute started at a point of the wrong dimension
        return gdlab.run(gdlab.SGD(lr=0.1), gdlab.elongated_bowl, x0, 5)

    e = Explorer({"x0": [(1.0, 2.0), (1.0, 2.0, 3.0)]}, compute, lambda *args, **kw: None,
                 start={"x0": (1.0, 2.0)})
    with pytest.raises(ValueError, match=r"^compute\(x0=\(1.0, 2.0, 3.0\)\) raised ValueError: "
                                         r"x0 must have shape \(2,\)"):
        e.result(x0=(1.0, 2.0, 3.0))
    with pytest.raises(ValueError, match=r"^compute\(x0=\(1.0, 2.0, 3.0\)\) raised"):
        e.render(x0=(1.0, 2.0, 3.0))


# -- drawing fast: setup once, draw the changes on the kept background ---------------------
def staged_explorer(calls=None):
    """A sine whose frequency a slider sets, over a landscape a choice sets: the axes, a
    fixed legend and a faint grid once per landscape, the curve, a title and a text per
    frame, and one animated marker that setup made and draw moves."""
    def setup(fig, shape):
        if calls is not None:
            calls.append(shape)
        ax = fig.subplots()
        ax.plot([0, 6], [0, 0] if shape == "flat" else [-1, 1], color="0.7", label="floor")
        ax.set_xlim(0, 6)
        ax.set_ylim(-2, 2)
        ax.set_xlabel("x")
        ax.legend(loc="upper right")   # static, above the curves: drawn over them
        marker, = ax.plot([], [], "o", color="red", animated=True)
        return ax, marker

    def draw(handles, result, k, shape):
        ax, marker = handles
        x = np.linspace(0, 6, 200)
        ax.plot(x, np.sin(k * x), linewidth=3)
        marker.set_data([result], [np.sin(k * result)])
        ax.set_title(f"k = {k}, {shape}")
        ax.text(0.1, -1.5, f"peak at {result:.2f}")

    return Explorer({"k": [1, 2, 3], "shape": ["flat", "tilted"]}, lambda k, shape: np.pi / 2 / k,
                    draw, setup=setup, static=["shape"], title="Staged")


def test_fast_frames_equal_whole_frames():
    from explorer_checks import check_fast_frames
    check_fast_frames(staged_explorer(), count=6, tolerance=0.05)


def test_setup_runs_once_per_combination_of_static_controls(website):
    calls = []
    e = staged_explorer(calls)
    e.to_html()   # every frame
    # once for the laptop's pictures and once for the phone's
    assert sorted(calls) == ["flat", "flat", "tilted", "tilted"]
    assert e.slow_frames == e.narrow.slow_frames == 0


def test_each_frame_shows_only_its_own_changes():
    """What draw added for one frame is gone in the next: a frame drawn after others equals
    the same frame drawn first."""
    later = staged_explorer()
    for k in (1, 3, 2):
        later.render(k=k, shape="flat")
    first = staged_explorer()
    first._start_result = first.compute(k=2, shape="flat")
    assert later.render(k=2, shape="flat") == staged_explorer().render(k=2, shape="flat")


def test_a_draw_that_moves_the_limits_is_drawn_whole_and_counted():
    from explorer_checks import pixels, whole_twin

    def setup(fig):
        ax = fig.subplots()
        ax.set_xlim(0, 1)
        ax.set_ylim(0, 1)   # left to autoscale, the y limits would follow draw's line
        return ax

    def draw(ax, result, wide):
        ax.plot([0, result], [0, 1])
        if wide:
            ax.set_xlim(0, 2)   # breaks the contract: the kept background is wrong

    e = Explorer({"wide": [False, True]}, lambda wide: 2.0 if wide else 0.5, draw, setup=setup,
                 start={"wide": False})
    twin = whole_twin(e)
    twin.render(), e.render()   # both laid out from the start values
    for wide in (True, False, True):
        assert np.abs(pixels(e.render(wide=wide)) - pixels(twin.render(wide=wide))).mean() < 0.05
        e._cache.clear()
    assert e.slow_frames == 2


@pytest.mark.parametrize("kwargs, pattern", [
    ({"setup": "axes"}, "setup must be a function setup"),
    ({"setup": lambda fig: None, "static": "a"}, r"static must be a list of control names, "
                                                 r"got the string 'a' \(write \['a'\]\)"),
    ({"setup": lambda fig: None, "static": ["c"]}, "static has 'c', which is not a control"),
    ({"static": ["a"]}, r"static names controls setup depends on \(\['a'\]\), but there is no"),
])
def test_bad_setup_arguments(kwargs, pattern):
    with pytest.raises(ValueError, match=pattern):
        Explorer({"a": [1, 2]}, lambda a: a, lambda *args, **values: None, **kwargs)


def test_draw_into_draws_one_frame_onto_a_given_figure():
    from matplotlib.figure import Figure
    e = staged_explorer()
    fig = e.draw_into(Figure(), e.result(k=3), k=3, shape="tilted")
    ax = fig.axes[0]
    assert ax.get_title() == "k = 3, tilted" and ax.texts[0].get_text() == "peak at 0.52"
    assert len(ax.lines) == 3


def test_an_animated_axes_is_redrawn_whole_and_may_change_its_limits():
    from explorer_checks import check_fast_frames

    def setup(fig):
        fixed, free = fig.subplots(1, 2)
        fixed.set_xlim(0, 3)
        fixed.set_ylim(0, 10)
        free.set_animated(True)   # its y range follows the data: redrawn with each frame
        return fixed, free

    def draw(axes, result, a):
        fixed, free = axes
        fixed.bar([1, 2], [a, 2 * a])
        free.plot([0, 1], [0, result])
        free.set_ylim(0, 1.2 * result)
        free.set_title(f"top {result}")

    e = Explorer({"a": [1, 2, 4]}, lambda a: a ** 2, draw, setup=setup)
    check_fast_frames(e, tolerance=0.05)
    assert e.figure.axes[1].get_animated()
