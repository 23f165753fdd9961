"""An explorer's frames: drawn fast on a kept background, encoded as small PNGs.

Most of an explorer's picture never changes as its controls move: the axes, their ticks and
labels, the contour lines of a landscape. A :class:`Stage` holds a figure whose unchanging
parts were drawn once and rendered; each frame restores that bitmap and draws only what
changed on top (matplotlib's *blitting*), some ten times faster than drawing the whole
figure. :func:`frame_png` encodes a frame with a small palette; :func:`palette_png` does
the same for any PNG (the website lightens its images with it).

:class:`gdlab.explorer.Explorer` is the one user of :class:`Stage`; its docstring gives
the contract ``setup`` and ``draw`` keep.
"""

from __future__ import annotations

import copy
import io
from operator import attrgetter
from typing import Callable

import numpy as np
from matplotlib.axis import Axis
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from PIL import Image

__all__ = ["Stage", "frame_png", "palette_png"]


def palette_png(png: bytes, colors: int = 128, optimize: bool = True) -> bytes:
    """Re-encode a PNG with a palette of ``colors`` colors: line plots look the same and
    take about a third of the bytes, which keeps notebooks and web pages small.
    ``optimize=False`` skips the slow search for the smallest encoding (about 50 ms for an
    explorer frame, for some 7% more bytes)."""
    image = Image.open(io.BytesIO(png)).convert("RGB")
    buffer = io.BytesIO()
    image.quantize(colors=colors, method=Image.Quantize.MEDIANCUT).save(
        buffer, format="PNG", optimize=optimize)
    return buffer.getvalue()


def frame_png(canvas: FigureCanvasAgg) -> bytes:
    """What the canvas shows, as a PNG with a palette of at most 128 colors.

    The fast octree quantizer takes about 8 ms for an explorer frame, against 35 ms for the
    median cut of :func:`palette_png`, and gives smaller files of line plots."""
    image = Image.fromarray(np.asarray(canvas.buffer_rgba())).convert("RGB")
    buffer = io.BytesIO()
    image.quantize(colors=128, method=Image.Quantize.FASTOCTREE).save(buffer, format="PNG")
    return buffer.getvalue()


class Stage:
    """One figure whose unchanging parts are drawn once.

    ``setup`` has drawn the axes, their labels and whatever else no control changes;
    :meth:`learn` watches one ``draw`` to find what it adds and which titles it sets, and
    :meth:`keep_background` renders the rest once and keeps the bitmap. :meth:`frame` then
    restores the bitmap, lets ``draw`` add the changing parts, draws only those (with the
    artists marked ``set_animated(True)``, the titles ``draw`` sets, and the few static ones
    a full draw would put on top of them, such as spines), encodes the picture and takes
    the added parts away again, ready for the next frame.
    """

    def __init__(self, figure: Figure, handles):
        self.figure, self.handles = figure, handles
        self.canvas = figure.canvas
        self.background = self.signature = None
        self.titles = {text: text.get_text() for text in self._title_texts()}
        self.moving = set()    # ids of the titles draw sets: drawn with each frame
        self.overlay = []      # static artists drawn over the changing ones: with each frame
        # where each axes' color cycle stood after setup: every frame starts from there
        self.cycles = {ax: (copy.deepcopy(ax._get_lines), copy.deepcopy(ax._get_patches_for_fill))
                       for ax in figure.axes}

    # -- what is in the figure ----------------------------------------------------------
    def _groups(self) -> list[tuple]:
        """The figure's artists: ``(axes, its artists)`` for each axes and ``(None, the
        figure's own)``, each in drawing order."""
        own = [a for a in self.figure.get_children() if a not in self.figure.axes]
        return [(ax, ax.get_children()) for ax in self.figure.axes] + [(None, own)]

    def _title_texts(self) -> list:
        texts = [self.figure._suptitle] if self.figure._suptitle is not None else []
        for ax in self.figure.axes:
            texts += [ax.title, ax._left_title, ax._right_title]
        return texts

    def _signature(self) -> list:
        """What ``setup`` fixed and ``draw`` must leave alone: the axes, their places,
        limits, scales, axis labels and tickers (a change there means the kept bitmap is
        wrong)."""
        signature = [len(self.figure.axes)]
        for ax in self.figure.axes:
            if ax.get_animated():   # redrawn whole with each frame: free to change
                continue
            signature += [ax.get_position().bounds, ax.viewLim.bounds, ax.get_xscale(),
                          ax.get_yscale(), ax.get_xlabel(), ax.get_ylabel(), ax.axison]
            signature += [id(part) for axis in (ax.xaxis, ax.yaxis)
                          for part in (axis.get_major_locator(), axis.get_major_formatter())]
        return signature

    # -- adding and taking away ---------------------------------------------------------
    def add(self, draw: Callable) -> list:
        """Run ``draw`` and return the artists it added."""
        before = {id(a) for _, group in self._groups() for a in group}
        draw()
        return [a for _, group in self._groups() for a in group if id(a) not in before]

    def take_away(self, added: list) -> None:
        """Remove the artists ``draw`` added, give the titles back their setup text and the
        axes their color cycle."""
        for artist in added:
            artist.remove()
        for text, value in self.titles.items():
            text.set_text(value)
        for ax, (lines, patches) in self.cycles.items():
            ax._get_lines, ax._get_patches_for_fill = copy.deepcopy(lines), copy.deepcopy(patches)

    # -- the three steps ----------------------------------------------------------------
    def learn(self, added: list) -> None:
        """From one ``draw`` (which added ``added``): the titles it sets, and the static
        artists a full draw puts above the lowest changing artist of their axes (spines,
        a fixed legend; not the axis ticks, which lie outside, nor the titles)."""
        self.moving = {id(t) for t, text in self.titles.items() if t.get_text() != text}
        changing = {id(a) for a in added} | self.moving
        skip = {id(t) for t in self.titles} | {id(self.figure.patch)}
        skip |= {id(ax.patch) for ax in self.figure.axes}
        for ax, group in self._groups():
            if ax is not None and ax.get_animated():
                continue   # drawn whole with each frame
            moving = [a for a in group if id(a) in changing or a.get_animated()]
            if moving:
                lowest = min(a.get_zorder() for a in moving)
                self.overlay += [a for a in group if a.get_zorder() > lowest and a.get_visible()
                                 and id(a) not in changing | skip and not a.get_animated()
                                 and not isinstance(a, Axis)]

    def keep_background(self) -> None:
        """Render what ``setup`` drew, without the titles ``draw`` sets and the overlay
        (both are drawn with each frame), and keep the bitmap."""
        for text in self.titles:   # emptied, not hidden: a hidden title is moved up
            if id(text) in self.moving:
                text.set_text("")
        for artist in self.overlay:
            artist.set_visible(False)
        self.canvas.draw()
        self.background = self.canvas.copy_from_bbox(self.figure.bbox)
        for artist in self.overlay:
            artist.set_visible(True)
        for text, value in self.titles.items():
            text.set_text(value)
        self.signature = self._signature()

    def frame(self, draw: Callable) -> bytes | None:
        """The picture with what ``draw`` adds on top of the kept background, as PNG bytes;
        None if ``draw`` changed something the background shows (the figure then holds the
        whole picture, and the caller starts a new stage next time)."""
        added = self.add(draw)
        if self._signature() != self.signature or any(
                t.get_text() != text for t, text in self.titles.items() if id(t) not in self.moving):
            return None
        self.canvas.restore_region(self.background)
        renderer = self.canvas.get_renderer()
        for artist in self._layers(added):
            artist.draw(renderer)
        png = frame_png(self.canvas)
        self.take_away(added)
        return png

    def _layers(self, added: list) -> list:
        """What to draw on the background, per axes in the order a full draw would (by
        zorder): the added artists, the animated ones, the titles draw sets, the overlay; an
        animated axes whole."""
        drawn = {id(a) for a in added} | self.moving | {id(a) for a in self.overlay}
        layers = []
        for ax, group in self._groups():
            if ax is not None and ax.get_animated():
                layers.append(ax)
                continue
            layer = [a for a in group if (id(a) in drawn or a.get_animated()) and a.get_visible()]
            layers += sorted(layer, key=attrgetter("zorder"))
        return layers
