"""Figures drawn for the width they are shown at: a laptop's text column and a phone's.

On the website a figure is shown at most as wide as the text column: 688 px on a laptop
(a 1280 px screen) and 358 px on a phone (390 px). A figure ``W`` inches wide shown ``D``
pixels wide shows a text of ``t`` points at

    t · D / (72 · W)  pixels,                                         (text size)

so a figure drawn for a laptop, with 8-point legends, shows them at about 5 px on a phone.
Each figure is therefore drawn twice: the **wide** rendition as the author laid it out, and
the **narrow** one :data:`NARROW_INCHES` wide with its panels stacked one per row. In both,
text that would show smaller than :data:`MIN_TEXT_PX` is enlarged until it does not.

:func:`book_png` is the book's PNG formatter for matplotlib figures in IPython
(:func:`gdlab.plots.use_book_style` installs it): the output is the wide PNG, and its
metadata carries the narrow one and the smallest text of each, which the website's build
turns into a ``<picture>`` (see :func:`picture_html`) and its browser tests measure.

Only the website shows the narrow rendition, so it is drawn only when the website's outputs
are made: ``scripts/execute_notebooks.py`` runs the notebooks with the environment variable
:data:`WEBSITE` set to ``1`` (see :func:`for_website`). A reader's own run draws each figure
once, as a laptop shows it.
"""

from __future__ import annotations

import base64
import html
import io
import math
import os
import pickle
import re
from dataclasses import dataclass

import matplotlib as mpl
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.font_manager import FontProperties
from matplotlib.figure import Figure
from matplotlib.axis import Axis
from matplotlib.text import Text

__all__ = ["Rendition", "Picture", "WIDE", "NARROW", "MIN_TEXT_PX", "NARROW_INCHES",
           "min_points", "floor_points", "text_sizes", "smallest_text", "enlarge_text",
           "frame_texts", "break_lines", "one_column_legends", "fit_added", "stack", "fit",
           "draw_png", "book_png", "picture_html", "PHONE_MEDIA", "PHONE_PADS",
           "WEBSITE", "for_website"]

MIN_TEXT_PX = 11        # the smallest text a figure may show, in CSS pixels
NARROW_INCHES = 3.8     # the width of a phone's rendition
#: Constrained layout's padding for a phone's picture, in inches: room at the right for the
#: last tick label, which the layout lets overhang the axes.
PHONE_PADS = {"w_pad": 0.12, "h_pad": 0.05}
#: The screens that get the narrow rendition (the wide one would show text under 11 px).
PHONE_MEDIA = "(max-width: 720px)"
#: The environment variable that asks for the website's pictures (both renditions).
WEBSITE = "GDLAB_WEBSITE"


def for_website() -> bool:
    """Whether pictures are being drawn for the website, narrow renditions included: when
    the environment variable :data:`WEBSITE` is ``"1"``, as ``scripts/execute_notebooks.py``
    sets it for the notebooks it runs."""
    return os.environ.get(WEBSITE) == "1"


@dataclass(frozen=True)
class Rendition:
    """One way of showing a figure: ``shown_px`` wide at most (the text column), with
    ``density`` image pixels per CSS pixel (1: a phone's picture is as sharp as the
    laptop's, and light), panels
    ``stacked`` one per row or as laid out, and at most ``max_dpi`` CSS pixels per inch (a
    small figure is not blown up to the column's width)."""

    name: str
    shown_px: int
    density: float
    stacked: bool
    max_dpi: float

    def shown_dpi(self, width_in: float) -> float:
        """CSS pixels per inch of a figure ``width_in`` inches wide, as shown."""
        return min(self.max_dpi, self.shown_px / width_in)


WIDE = Rendition("wide", shown_px=688, density=1.0, stacked=False, max_dpi=90)
NARROW = Rendition("narrow", shown_px=358, density=1.0, stacked=True, max_dpi=1e9)


def min_points(shown_dpi: float) -> float:
    """The smallest text, in points, that shows at :data:`MIN_TEXT_PX` pixels or more at
    ``shown_dpi`` CSS pixels per inch: ``MIN_TEXT_PX · 72 / shown_dpi`` (text size)."""
    return MIN_TEXT_PX * 72 / shown_dpi


def floor_points(shown_dpi: float) -> float:
    """The size small text is enlarged to: :func:`min_points` and 4% to spare (a tight
    bounding box can make the picture a little wider than the figure)."""
    return 1.04 * min_points(shown_dpi)


def _root_figure(artist):
    """The top-level figure ``artist`` is drawn on (``get_figure(root=True)``, which
    matplotlib < 3.10 lacks: Pyodide 0.27 has 3.8.4)."""
    try:
        return artist.get_figure(root=True)
    except TypeError:
        fig = artist.figure
        while fig is not None and getattr(fig, "figure", fig) is not fig:
            fig = fig.figure
        return fig


def _texts(fig: Figure) -> list[Text]:
    """The texts a reader sees: visible, non-empty, tick labels included."""
    return [t for t in fig.findobj(Text) if t.get_visible() and t.get_text().strip()
            and _root_figure(t) is fig]


def text_sizes(fig: Figure) -> list[float]:
    """The sizes in points of the texts ``fig`` shows now (tick labels appear at a draw)."""
    return [t.get_fontsize() for t in _texts(fig)]


def smallest_text(fig: Figure) -> float:
    """The size in points of the smallest text ``fig`` shows (drawn first, so that the
    tick labels exist)."""
    fig.canvas.draw()
    return min(text_sizes(fig), default=math.inf)


def enlarge_text(fig: Figure, points: float) -> None:
    """Raise every text of ``fig`` smaller than ``points`` to ``points``: tick labels
    (present and future), axis labels, titles, legends, annotations."""
    for ax in fig.axes:
        for name, axis in (("x", ax.xaxis), ("y", ax.yaxis)):
            for which, settings in (("major", axis._major_tick_kw), ("minor", axis._minor_tick_kw)):
                # the size ticks are made with (asking a tick would make one, which is slow)
                size = FontProperties(size=settings.get(
                    "labelsize", mpl.rcParams[f"{name}tick.labelsize"])).get_size_in_points()
                if size < points:
                    ax.tick_params(axis=name, which=which, labelsize=points)
    _raise(_texts_but_ticks(fig), points)


def _texts_but_ticks(fig: Figure) -> list[Text]:
    """Every text of ``fig`` but the tick labels, by a walk over its artists that does not
    ask an axis for its ticks (``findobj`` would: that makes them, which is slow)."""
    texts, todo = [], [fig]
    while todo:
        artist = todo.pop()
        if isinstance(artist, Text):
            texts.append(artist)
        todo += ([artist.label, artist.offsetText] if isinstance(artist, Axis)
                 else artist.get_children())
    return texts


def _raise(texts, points: float) -> None:
    for text in texts:
        if text.get_fontsize() < points:
            text.set_fontsize(points)


def frame_texts(fig: Figure) -> list[Text]:
    """The texts an explorer's ``draw`` can add to a fitted figure or change in it, found
    without walking every artist (a contour plot has thousands): the figure's and each
    axes' titles, labels, texts, annotations and legends. Tick labels are left out: their
    size is set for all ticks, present and future, when the figure is fitted."""
    texts = [fig._suptitle] if fig._suptitle is not None else []
    texts += fig.texts
    legends = list(fig.legends)
    for ax in fig.axes:
        texts += [ax.title, ax._left_title, ax._right_title, ax.xaxis.label, ax.yaxis.label]
        texts += ax.texts
        if ax.get_legend() is not None:
            legends.append(ax.get_legend())
    for legend in legends:
        texts += [*legend.texts, legend.get_title()]
    return [t for t in texts if t.get_visible() and t.get_text().strip()]


def break_lines(fig: Figure) -> None:
    """Break titles and x labels that are wider than their room (the axes, the figure for a
    suptitle) into lines, at spaces outside ``$...$``; a wide title would otherwise widen
    the picture and so shrink all its text. (matplotlib's own ``wrap=True`` is applied
    only when drawing, after constrained layout has placed the axes.)"""
    if not hasattr(fig.canvas, "get_renderer"):   # an unpickled figure has a plain canvas
        FigureCanvasAgg(fig)
    renderer = fig.canvas.get_renderer()
    rooms = [(fig._suptitle, 0.96 * fig.bbox.width)] if fig._suptitle is not None else []
    for ax in fig.axes:
        room = _room(fig, ax)
        rooms += [(text, room) for text in (ax.title, ax._left_title, ax._right_title,
                                            ax.xaxis.label)]
    for text, room in rooms:
        if _surely_fits(text, room):   # measuring a text is slow: skip the short ones
            continue
        key = (text.get_text(), hash(text.get_fontproperties()), fig.dpi, round(room, 1))
        if key not in _BROKEN:   # an explorer sets the same titles frame after frame
            if len(_BROKEN) > 4096:
                _BROKEN.clear()
            _BROKEN[key] = text.get_text()
            if text.get_window_extent(renderer).width > room:
                _BROKEN[key] = "\n".join(_broken(text, line, room, renderer)
                                         for line in text.get_text().split("\n"))
        text.set_text(_BROKEN[key])


#: Titles as :func:`break_lines` broke them, by text, font, dpi and room.
_BROKEN: dict = {}


def _room(fig: Figure, ax) -> float:
    """The width in pixels a title of ``ax`` may take: its grid cell's (as the subplot
    parameters place it, before constrained layout widens it a little), so that a title
    breaks the same way whatever the layout did last."""
    spec = ax.get_subplotspec()
    box = spec.get_position(fig) if spec is not None else ax.get_position()
    return 1.1 * box.width * fig.bbox.width


def _surely_fits(text: Text, room: float) -> bool:
    """Whether ``text`` is short enough to fit ``room`` pixels without measuring it: no
    glyph of the book's fonts is wider than 0.75 em (its TeX source is longer than what it
    shows)."""
    em = text.get_fontsize() * _root_figure(text).dpi / 72
    return max(map(len, text.get_text().split("\n"))) * 0.75 * em <= room


def _broken(text: Text, line: str, room: float, renderer) -> str:
    """``line`` broken greedily into lines that fit ``room`` pixels, as ``text`` sets them."""
    words = re.findall(r"(?:\$[^$]*\$|\S)+", line)
    lines, current = [], ""
    for word in words:
        trial = f"{current} {word}" if current else word
        text.set_text(trial)
        if current and text.get_window_extent(renderer).width > room:
            lines.append(current)
            current = word
        else:
            current = trial
    return "\n".join(lines + [current])


def one_column_legends(fig: Figure) -> None:
    """Put each legend's entries in one column: a row of them is wider than a phone's panel
    (and makes constrained layout give up)."""
    for legend in [ax.get_legend() for ax in fig.axes] + list(fig.legends):
        if legend is None or legend._ncols == 1:
            continue
        # matplotlib lays a legend's entries out once, when it is made: lay them out again
        # (private API, as matplotlib 3.8-3.11 have it), then restore its place and title
        title = legend.get_title()
        text, prop = title.get_text(), title.get_fontproperties()
        legend._ncols = 1
        legend._init_legend_box(legend.legend_handles, [t.get_text() for t in legend.texts])
        legend._set_loc(legend._loc)
        legend.set_title(text, prop=prop)


def fit_added(fig: Figure, points: float, rendition: Rendition) -> None:
    """Fit what was added to a fitted figure (an explorer's frame): legends in one column
    for a phone, text enlarged to ``points``, long titles broken into lines."""
    if rendition.stacked:
        one_column_legends(fig)
    _raise(frame_texts(fig), points)
    break_lines(fig)


def _panels(fig: Figure) -> list[list]:
    """The figure's panels in reading order (top row first, left to right), each the axes
    that share one place (an axes and its twin); colorbars follow their axes."""
    axes = [ax for ax in fig.axes if not hasattr(ax, "_colorbar")]
    panels = []
    for ax in sorted(axes, key=lambda a: (-round(a.get_position(original=True).y1, 2), a.get_position(original=True).x0)):
        box = ax.get_position(original=True)
        for panel in panels:
            other = panel[0].get_position(original=True)
            if abs(other.x0 - box.x0) < 0.02 and abs(other.y0 - box.y0) < 0.02:
                panel.append(ax)
                break
        else:
            panels.append([ax])
    return panels


def stack(fig: Figure, width_in: float = NARROW_INCHES) -> Figure:
    """Lay ``fig`` out for a phone, in place: ``width_in`` inches wide, one panel per row
    (each keeping its height-to-width ratio, within 0.5-1.0), by constrained layout."""
    if fig.axes and all(getattr(ax, "_gdlab_stacked", False) for ax in fig.axes):
        return fig   # stacked already (a cleared figure has new axes, stacked afresh)
    panels = _panels(fig)
    # the size the figure was drawn for (a cleared, re-drawn figure keeps the stacked one)
    if not hasattr(fig, "_gdlab_drawn_size"):
        fig._gdlab_drawn_size = tuple(fig.get_size_inches())
    fig_w, fig_h = fig._gdlab_drawn_size
    ratios = []
    for panel in panels:
        box = panel[0].get_position(original=True)   # not as a fixed aspect shrinks it
        ratios.append(min(1.0, max(0.5, (box.height * fig_h) / (box.width * fig_w))))
    inner = width_in - 0.9   # room for the y tick labels and label
    heights = [r * inner + 0.9 for r in ratios]   # plus the title and the x labels
    top = 0.35 if fig.get_suptitle() else 0.0
    fig.set_size_inches(width_in, sum(heights) + top + _legend_room(fig))
    grid = fig.add_gridspec(len(panels), 1, height_ratios=heights)
    for row, panel in enumerate(panels):
        for ax in panel:
            ax.set_subplotspec(grid[row])
    for legend in fig.legends:   # beside the stacked panels it would cover them: below
        legend.set_loc("outside lower center")
    fig.set_layout_engine("constrained", **PHONE_PADS)
    for ax in fig.axes:
        ax._gdlab_stacked = True
    return fig


def _legend_room(fig: Figure) -> float:
    """The height in inches of the figure's own legends (beside the panels, not in one) once
    their entries stand in one column: about 1.5 lines of text an entry."""
    return sum(0.15 + 1.5 * len(legend.texts) * max(t.get_fontsize() for t in legend.texts) / 72
               for legend in fig.legends if legend.texts)


def fit(fig: Figure, rendition: Rendition, max_dpi: float | None = None) -> float:
    """Make ``fig`` ready for ``rendition``, in place: stacked if it asks, its text enlarged
    to show at :data:`MIN_TEXT_PX` or more, its dpi set to render at (and returned). ``max_dpi``
    lowers the rendition's own cap (an explorer's frames are drawn at its ``dpi``)."""
    if rendition.stacked:
        stack(fig)
        one_column_legends(fig)
    shown = rendition.shown_dpi(fig.get_size_inches()[0])
    if max_dpi is not None:
        shown = min(shown, max_dpi)
    fig.set_dpi(shown * rendition.density)   # first: text measures a little differently per dpi
    enlarge_text(fig, floor_points(shown))
    break_lines(fig)
    return fig.get_dpi()


@dataclass(frozen=True)
class Picture:
    """A rendered figure: PNG bytes and the smallest text's height in the PNG's pixels."""

    png: bytes
    text_px: float


def draw_png(fig: Figure, rendition: Rendition) -> Picture:
    """``fig`` fitted to ``rendition`` (in place) and rendered to PNG, in one draw. A figure
    laid out by constrained layout is saved as it is; one without a layout engine is
    cropped to its tight bounding box, as IPython's inline backend does."""
    dpi = fit(fig, rendition)
    buffer = io.BytesIO()
    tight = "tight" if fig.get_layout_engine() is None else None
    fig.savefig(buffer, format="png", dpi=dpi, bbox_inches=tight)
    points = min(text_sizes(fig), default=math.inf)   # tick labels exist once drawn
    return Picture(buffer.getvalue(), points * dpi / 72)


def book_png(fig: Figure):
    """IPython's PNG formatter for the book: the wide rendition, with its smallest text in
    the output's metadata under ``"gdlab"``; for the website (:func:`for_website`) also the
    narrow one (base64) and its smallest text."""
    narrow = draw_png(pickle.loads(pickle.dumps(fig)), NARROW) if for_website() else None
    wide = draw_png(fig, WIDE)
    about = {"text_px": round(wide.text_px, 2)}
    if narrow is not None:
        about.update(narrow=base64.b64encode(narrow.png).decode("ascii"),
                     narrow_text_px=round(narrow.text_px, 2))
    return wide.png, {"gdlab": about}


def picture_html(wide_src: str, narrow_src: str, wide_text_px: float, narrow_text_px: float,
                 alt: str, attributes: str = "") -> str:
    """A ``<picture>`` that shows ``narrow_src`` on phones (:data:`PHONE_MEDIA`) and
    ``wide_src`` elsewhere; ``data-text-px`` gives each rendition's smallest text in its own
    pixels, for the website's tests."""
    return (f'<picture><source media="{PHONE_MEDIA}" srcset="{narrow_src}" '
            f'data-text-px="{narrow_text_px:g}">'
            f'<img src="{wide_src}" alt="{html.escape(alt)}" data-text-px="{wide_text_px:g}"'
            f'{attributes}></picture>')
