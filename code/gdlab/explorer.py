"""Explorers: interactive figures that work in Jupyter *and* on the static website.

An :class:`Explorer` has named controls, each a short list of values, a ``compute`` function
that turns control values into a result (this is what the tests check) and the functions
that draw the result. Shown in a notebook it offers two faces:

* in Jupyter (a live kernel) the ipywidgets sliders, re-computing and re-drawing on change;
* on the website (no kernel) a self-contained HTML scrubber: every combination of values is
  drawn in advance and the sliders swap the pictures with a few lines of JavaScript.

Both faces walk the same grid of values, so the website shows exactly what Jupyter would.
JupyterLab and VS Code prefer the live widget; the book's ``_config.yml`` tells the website
to prefer ``text/html``.

**Drawing a frame fast.** Most of a picture never changes as the controls move: the axes,
their ticks and labels, the contour lines of a landscape. An explorer with a ``setup``
draws those once; matplotlib renders them, the bitmap is kept, and each frame restores it
and draws on top only what ``draw`` adds (matplotlib's *blitting*). That makes a frame
some ten times faster than drawing the figure from scratch. Without ``setup``, ``draw``
gets an empty figure and draws everything, every frame.

The panels several chapters draw (a path on contour lines, a loss curve) are in
:mod:`gdlab.panels`, split the same way; a chapter's own explorer, its ``compute`` and its
drawing, lives in that chapter's companion module, ``gdlab.chapters.<slug>``.

Start values follow one convention everywhere: an explorer function takes
``start={"control": value, ...}``; a control left out (or given as None) starts at the
middle of its list.
"""

from __future__ import annotations

import html
from typing import Callable, Sequence

import matplotlib as mpl
import numpy as np
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from . import renditions
from .frames import Stage, frame_png
from .scrubber import externalize_frames, is_choice, label_of, scrubber_html
from .validation import check_choice, check_positive_int

__all__ = ["Explorer", "externalize_frames"]


def _argument(value) -> str:
    """A control value as Python source writes it: ``0.5``, ``True``, ``'RMSProp'``."""
    if isinstance(value, (bool, np.bool_)):
        return repr(bool(value))
    return f"{value:g}" if isinstance(value, (float, int, np.floating, np.integer)) else repr(value)


class Explorer:
    """Controls -> ``compute`` -> a picture, live in Jupyter, pre-rendered on the website.

    Parameters
    ----------
    controls : dict mapping a control's name to the list of values it can take.
    compute : ``compute(**values) -> result``; pure, cheap and tested. It is called once
        at the start values when the explorer is built (that result is kept for the first
        picture), so a compute that raises fails at once, with a ValueError naming the call.
    draw : what changes from frame to frame. Without ``setup``,
        ``draw(fig, result, **values)`` draws everything onto an empty matplotlib Figure.
        With ``setup``, ``draw(handles, result, **values)`` adds only the changing parts
        (lines, texts, legends, titles) to the axes ``setup`` made, or updates artists
        ``setup`` marked ``set_animated(True)``; it must not change their limits, scales,
        axis labels or ticks (a frame where it does is drawn whole, correctly but slowly,
        and counted in ``slow_frames``). A panel whose limits must follow the data is an
        axes ``setup`` marks ``ax.set_animated(True)``: it is redrawn whole, ticks and all,
        with each frame, and ``draw`` may set its limits.
    setup : optional ``setup(fig, **static_values) -> handles``: draws the parts no control
        changes (axes, limits, ticks, axis labels, contour lines) once and returns what
        ``draw`` needs, usually the axes.
    static : the names of the controls ``setup`` depends on (a landscape to choose, say);
        ``setup`` gets their values, and runs once for each combination of them.
    start : the starting value of each control (each must be in its list); a control
        left out, or given as None, starts at the middle of its list.
    title : a heading shown above the controls.
    max_frames : the most pictures the website version may hold (the product of the
        list lengths); it keeps notebooks small.
    layout : ``"constrained"`` lays the first picture out automatically and reuses those
        axes positions for every other picture (so the scrubber does not jitter); ``None``
        keeps the positions the drawing code sets itself.
    rendition : the screen the pictures are drawn for (:mod:`gdlab.renditions`): ``WIDE``,
        a laptop's text column, at most ``dpi`` and at most 688 px wide. Its twin for
        phones, :attr:`narrow`, draws the same pictures with the panels stacked, and both
        enlarge any text that would show under 11 px.
    """

    def __init__(self, controls: dict[str, Sequence], compute: Callable, draw: Callable,
                 start: dict | None = None, title: str = "", figsize=(9.0, 3.6),
                 dpi: int = 80, max_frames: int = 60, layout: str | None = "constrained",
                 setup: Callable | None = None, static: Sequence[str] = (),
                 rendition: renditions.Rendition = renditions.WIDE):
        if not controls:
            raise ValueError("controls must name at least one control, got none")
        self.controls = {name: list(values) for name, values in controls.items()}
        for name, values in self.controls.items():
            if len(values) == 0:
                raise ValueError(f"controls[{name!r}] must list at least one value, got none")
        frames = int(np.prod([len(v) for v in self.controls.values()]))
        max_frames = check_positive_int("max_frames", max_frames)
        if frames > max_frames:
            raise ValueError(f"controls give {frames} combinations; max_frames allows "
                             f"{max_frames} (use shorter lists or raise max_frames)")
        self.start = {name: values[len(values) // 2] for name, values in self.controls.items()}
        for name, value in (start or {}).items():
            if value is None:   # None: keep the middle value
                continue
            if name not in self.controls:
                raise ValueError(f"start has {name!r}, which is not a control; "
                                 f"controls are {', '.join(self.controls)}")
            if value not in self.controls[name]:
                raise ValueError(f"start[{name!r}] must be one of {self.controls[name]}, "
                                 f"got {value!r}")
            self.start[name] = value
        if setup is not None and not callable(setup):
            raise ValueError(f"setup must be a function setup(fig, ...) -> handles or None, "
                             f"got {setup!r}")
        if isinstance(static, str):
            raise ValueError(f"static must be a list of control names, got the string "
                             f"{static!r} (write [{static!r}])")
        self.static = list(static)
        for name in self.static:
            if name not in self.controls:
                raise ValueError(f"static has {name!r}, which is not a control; controls "
                                 f"are {', '.join(self.controls)}")
        if self.static and setup is None:
            raise ValueError(f"static names controls setup depends on ({self.static}), "
                             f"but there is no setup")
        self.compute, self.draw, self.setup, self.title = compute, draw, setup, title
        self.figsize, self.dpi, self.rendition = figsize, dpi, rendition
        self.figure = self._new_figure()   # the figure of the last picture drawn
        self.layout = check_choice("layout", layout, ("constrained", None))
        if rendition.stacked:   # stacked panels are laid out by constrained layout
            self.layout = "constrained"
        self.max_frames = max_frames
        self.text_px = float("inf")   # the smallest text drawn so far, in image pixels
        self._narrow = None
        self._positions = None   # axes positions found by the first (laid-out) render
        self._cache = {}         # PNG bytes per combination of control values
        self._stages = {}        # with setup: a Stage per combination of static values
        self.slow_frames = 0     # frames drawn whole because draw changed setup's parts
        # A compute that fails (a typo, a start point of the wrong dimension) fails here,
        # when the explorer is built, not when it is first drawn; the result is kept.
        self._start_result = self._call(self.start)

    @property
    def narrow(self) -> "Explorer":
        """The same explorer drawn for a phone (:data:`gdlab.renditions.NARROW`): panels
        stacked, text enlarged; it computes through this one."""
        if self._narrow is None:
            self._narrow = Explorer(self.controls, self.result, self.draw, start=self.start,
                                    title=self.title, figsize=self.figsize, dpi=self.dpi,
                                    max_frames=self.max_frames, layout=self.layout,
                                    setup=self.setup, static=self.static,
                                    rendition=renditions.NARROW)
        return self._narrow

    # -- the pieces, each testable on its own -----------------------------------------
    def result(self, **values):
        """``compute`` at the given control values (missing ones take their start values);
        at the start values, the result computed when the explorer was built."""
        values = self._complete(values)
        if values == self.start:
            return self._start_result
        return self._call(values)

    def _call(self, values: dict):
        """``compute(**values)``; an exception in it is re-raised as a ValueError that names
        the call and its values, e.g. ``compute(lr=0.5) raised ValueError: ...``."""
        try:
            return self.compute(**values)
        except Exception as error:   # the notebook's code: say which call failed
            arguments = ", ".join(f"{name}={_argument(value)}" for name, value in values.items())
            raise ValueError(f"compute({arguments}) raised {type(error).__name__}: "
                             f"{error}") from error

    def render(self, **values) -> bytes:
        """The figure for the given control values, as PNG bytes (drawn once, then cached)."""
        values = self._complete(values)
        key = tuple(values[name] for name in self.controls)
        if key not in self._cache:
            self._cache[key] = self._draw_png(values)
        return self._cache[key]

    def draw_into(self, fig: Figure, result, **values) -> Figure:
        """Draw the picture of ``result`` at these control values onto ``fig`` (``setup``
        first, if any, then ``draw``): one frame as a figure to inspect, for tests and
        one-off pictures. Missing values take their start values."""
        values = self._complete(values)
        if self.setup is None:
            self.draw(fig, result, **values)
            self._fit(fig)
        else:
            handles = self._setup(fig, values)
            self._draw(fig, handles, result, values)
        return fig

    def _setup(self, fig: Figure, values: dict):
        """``setup``, then the figure fitted to the rendition (stacked, text enlarged)."""
        handles = self.setup(fig, **{name: values[name] for name in self.static})
        self._fit(fig)
        return handles

    def _fit(self, fig: Figure) -> None:
        cap = None if self.rendition.stacked else self.dpi   # a phone's picture fills its column
        fig.set_dpi(renditions.fit(fig, self.rendition, max_dpi=cap))
        self._points = renditions.floor_points(fig.get_dpi() / self.rendition.density)

    def _draw(self, fig: Figure, handles, result, values: dict) -> None:
        """``draw``, its new texts enlarged like the rest, the smallest text noted."""
        self.draw(handles, result, **values)
        renditions.fit_added(fig, self._points, self.rendition)
        self._note_text(fig, [t.get_fontsize() for t in renditions.frame_texts(fig)])

    def _note_text(self, fig: Figure, sizes=None) -> None:
        """Keep the smallest of ``sizes`` (points; all of ``fig``'s texts if None) in
        :attr:`text_px`."""
        sizes = renditions.text_sizes(fig) if sizes is None else sizes
        self.text_px = min(self.text_px, min(sizes, default=float("inf")) * fig.get_dpi() / 72)

    def _new_figure(self) -> Figure:
        figure = Figure(figsize=self.figsize, dpi=self.dpi, layout="none")   # ignore rcParams
        FigureCanvasAgg(figure)
        return figure

    def _draw_png(self, values: dict) -> bytes:
        result = self.result(**values)
        if self.setup is None:
            return self._draw_whole(values, result)
        key = tuple(values[name] for name in self.static)
        stage = self._stages.get(key) or self._new_stage(values, result)
        if stage is None:   # draw changes what setup drew: no background to keep
            self.slow_frames += 1
            return self._draw_whole(values, result)
        self._stages[key] = stage
        self.figure = stage.figure
        png = stage.frame(lambda: self._draw(stage.figure, stage.handles, result, values))
        if png is None:   # draw changed what setup drew: draw it whole, start afresh next time
            self.slow_frames += 1
            del self._stages[key]
            png = self._finish(stage.figure)
        return png

    def _draw_whole(self, values: dict, result) -> bytes:
        """The whole picture drawn onto the cleared figure (setup, if any, then draw)."""
        self.figure.clear()
        self.draw_into(self.figure, result, **values)
        self._lay_out(self.figure)
        self._note_text(self.figure)
        return self._finish(self.figure)

    def _finish(self, figure: Figure) -> bytes:
        """Render the whole figure, animated artists included (in their places), and encode
        it."""
        animated = [a for a in figure.findobj() if a.get_animated()]
        for artist in animated:
            artist.set_animated(False)
        # The book style turns constrained layout on in rcParams; the explorer decides the
        # layout itself, so make sure no engine moves the axes while rendering.
        with mpl.rc_context({"figure.constrained_layout.use": False, "figure.autolayout": False}):
            figure.set_layout_engine(None)
            figure.canvas.draw()
        for artist in animated:
            artist.set_animated(True)
        return frame_png(figure.canvas)

    def _new_stage(self, values: dict, result) -> Stage | None:
        """A fresh figure with ``setup``'s parts, laid out with this frame's changing parts
        in place (titles and legends take room), and its background kept; None if ``draw``
        changes the parts ``setup`` drew (their limits, say)."""
        figure = self._new_figure()
        handles = self._setup(figure, values)
        stage = Stage(figure, handles)
        fixed = stage._signature()
        added = stage.add(lambda: self._draw(figure, handles, result, values))
        if stage._signature() != fixed:
            return None
        stage.learn(added)
        self._lay_out(figure)
        stage.take_away(added)
        stage.keep_background()
        self._note_text(figure)   # the background's texts, tick labels included; once
        return stage

    def _lay_out(self, figure: Figure) -> None:
        """Constrained layout for the first picture; the same axes positions afterwards."""
        if self.layout != "constrained":
            return
        if self._positions is None:
            if not all(ax.get_subplotspec() for ax in figure.axes):
                self._positions = []   # axes placed with add_axes keep their own positions
                return
            pads = renditions.PHONE_PADS if self.rendition.stacked else {}
            figure.set_layout_engine("constrained", **pads)
            figure.draw_without_rendering()
            self._positions = [ax.get_position() for ax in figure.axes]
            figure.set_layout_engine("none")
        elif self._positions and len(self._positions) == len(figure.axes):
            for ax, position in zip(figure.axes, self._positions):
                ax.set_position(position)

    def _complete(self, values: dict) -> dict:
        for name, value in values.items():
            if name not in self.controls:
                raise ValueError(f"{name!r} is not a control; controls are "
                                 f"{', '.join(self.controls)}")
        return {**self.start, **values}

    # -- face 1: the live widget ------------------------------------------------------
    def widget(self):
        """An ipywidgets box: a slider for each numeric control, buttons for each choice
        (a name, on/off), above the picture."""
        import ipywidgets as w

        def control(name, values):
            options = [(label_of(v), v) for v in values]
            if is_choice(values):
                return w.ToggleButtons(options=options, value=self.start[name], description=name)
            return w.SelectionSlider(options=options, value=self.start[name], description=name,
                                     continuous_update=False, layout=w.Layout(width="420px"))

        controls = {name: control(name, values) for name, values in self.controls.items()}
        image = w.Image(value=self.render(**self.start), format="png")

        def redraw(_change=None):
            image.value = self.render(**{n: c.value for n, c in controls.items()})

        for widget in controls.values():
            widget.observe(redraw, names="value")
        header = [w.HTML(f"<b>{html.escape(self.title)}</b>")] if self.title else []
        return w.VBox(header + list(controls.values()) + [image])

    # -- face 2: the static scrubber --------------------------------------------------
    def to_html(self) -> str:
        """The self-contained HTML scrubber of :func:`gdlab.scrubber.scrubber_html`: every
        combination drawn in advance, wide and narrow."""
        return scrubber_html(self)

    def _repr_mimebundle_(self, include=None, exclude=None):
        page = self.to_html()   # draws every frame; the live widget then reuses them
        bundle = self.widget()._repr_mimebundle_(include=include, exclude=exclude)
        bundle["text/html"] = page
        return bundle
