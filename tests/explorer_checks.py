"""Checks every explorer with a ``setup`` must pass (imported as ``explorer_checks``; pytest
puts tests/ on the path).

An explorer with ``setup`` draws each frame on a kept background (blitting). That frame must
be the picture a whole draw of the same figure gives, and must not fall back to the slow
path; :func:`check_fast_frames` renders a few combinations both ways and compares the pixels.
"""

import io
import itertools

import numpy as np
from PIL import Image

from gdlab.explorer import Explorer


def whole_twin(explorer: Explorer) -> Explorer:
    """The same explorer without ``setup``: every frame drawn whole, from an empty figure."""
    return Explorer(explorer.controls, explorer.compute,
                    lambda fig, result, **values: explorer.draw_into(fig, result, **values),
                    start=explorer.start, title=explorer.title, figsize=explorer.figsize,
                    dpi=explorer.dpi, max_frames=10 ** 6,
                    layout=explorer.layout, rendition=explorer.rendition)


def pixels(png: bytes) -> np.ndarray:
    return np.asarray(Image.open(io.BytesIO(png)).convert("RGB"), dtype=float)


def check_fast_frames(explorer: Explorer, count: int = 3, tolerance: float = 0.5) -> None:
    """``count`` combinations spread evenly over the grid, the first and the last among them
    (and the start), drawn fast, equal the whole draw to a mean of ``tolerance`` (of 255)
    per pixel, with no frame on the slow path: for a laptop's pictures and for the phone's
    (``explorer.narrow``). ``count`` at least the number of combinations checks them all."""
    for rendition in (explorer, explorer.narrow):
        _check_fast_frames(rendition, count, tolerance)


def _check_fast_frames(explorer: Explorer, count: int, tolerance: float) -> None:
    assert explorer.setup is not None, "this explorer draws whole frames (no setup)"
    every = [dict(zip(explorer.controls, combo))
             for combo in itertools.product(*explorer.controls.values())]
    picked = sorted({round(i * (len(every) - 1) / max(count - 1, 1)) for i in range(count)})
    combos = [every[i] for i in picked if i < len(every)]
    twin = whole_twin(explorer)
    twin.render()   # lays out from the start values, as the explorer did
    for values in [explorer.start] + combos:
        fast, whole = pixels(explorer.render(**values)), pixels(twin.render(**values))
        assert fast.shape == whole.shape
        difference = np.abs(fast - whole).mean()
        assert difference <= tolerance, f"{values}: the fast frame differs by {difference:.2f}"
    assert explorer.slow_frames == 0, f"{explorer.slow_frames} frames took the slow path"
