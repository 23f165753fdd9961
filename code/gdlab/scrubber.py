"""An explorer's website face: a self-contained HTML scrubber over pictures drawn in advance.

The website has no kernel, so :func:`scrubber_html` draws every combination of an
:class:`~gdlab.explorer.Explorer`'s control values in advance, twice when the website's
outputs are made (for a laptop's text column and a phone's, see :mod:`gdlab.renditions`),
and a few lines of JavaScript swap the pictures as the reader moves a slider or picks from a
drop-down list.
:func:`externalize_frames` moves those pictures out of the page into files at build time.
"""

from __future__ import annotations

import base64
import hashlib
import html
import itertools
import json
import re

import numpy as np

from .renditions import PHONE_MEDIA, for_website

__all__ = ["scrubber_html", "externalize_frames"]


def label_of(value) -> str:
    """A control value as the scrubber shows it: ``0.5``, ``on``, ``RMSProp``."""
    if isinstance(value, (bool, np.bool_)):
        return "on" if value else "off"
    return f"{value:g}" if isinstance(value, (float, int, np.floating)) else str(value)


def is_choice(values) -> bool:
    """Whether a control's values are choices (names, on/off) rather than numbers."""
    return any(isinstance(v, (bool, np.bool_)) or not isinstance(v, (int, float, np.number))
               for v in values)


def _data_uri(png: bytes) -> str:
    return "data:image/png;base64," + base64.b64encode(png).decode("ascii")


def scrubber_html(explorer) -> str:
    """A slider per numeric control, a drop-down list per choice, and the picture of each
    combination as data URIs (which :func:`externalize_frames` can move into files): wide,
    and for the website (:func:`~gdlab.renditions.for_website`) narrow too, shown on
    phones; ``data-text-px`` gives each rendition's smallest text in its own pixels."""
    names = list(explorer.controls)
    combos = [dict(zip(names, combo)) for combo in itertools.product(*explorer.controls.values())]
    wide = [_data_uri(explorer.render(**values)) for values in combos]
    narrow = ([_data_uri(explorer.narrow.render(**values)) for values in combos]
              if for_website() else None)
    uid = "gdlab-" + hashlib.sha1(
        (explorer.title + repr(explorer.controls)).encode()).hexdigest()[:10]
    rows = [_control(explorer, k, name) for k, name in enumerate(names)]
    labels = json.dumps([[label_of(v) for v in explorer.controls[n]] for n in names])
    sizes = json.dumps([len(explorer.controls[n]) for n in names])
    title = f"<b>{html.escape(explorer.title)}</b>" if explorer.title else ""
    first = combos.index(explorer.start)
    said = ", ".join(f"{name} = {label_of(explorer.start[name])}" for name in names)
    alt = html.escape(f"{explorer.title or 'explorer'}: {said}")
    return f"""<div id="{uid}" class="gdlab-explorer" style="font-family:sans-serif;font-size:15px">
{title}{''.join(rows)}
<picture>{_phone_source(explorer, narrow, first)}
<img style="max-width:100%;height:auto" alt="{alt}" src="{wide[first]}" data-text-px="{explorer.text_px:g}"></picture>
<script>(function(){{
var root=document.getElementById("{uid}"),wide={json.dumps(wide)},narrow={json.dumps(narrow)},labels={labels},sizes={sizes};
var inputs=root.querySelectorAll("[data-k]"),img=root.querySelector("img"),source=root.querySelector("source"),names={json.dumps(names)};
var title={json.dumps(explorer.title or "explorer")};
function show(){{var idx=0,said=[];for(var k=0;k<inputs.length;k++){{var i=+inputs[k].value;idx=idx*sizes[k]+i;
var out=root.querySelector("output[data-out='"+k+"']");if(out){{out.textContent=labels[k][i];}}
said.push(names[k]+" = "+labels[k][i]);}}if(source){{source.srcset=narrow[idx];}}img.src=wide[idx];img.alt=title+": "+said.join(", ");}}
for(var k=0;k<inputs.length;k++){{inputs[k].addEventListener("input",show);inputs[k].addEventListener("change",show);}}
}})();</script>
<div style="color:#595959;font-size:13px">Pre-computed for the website: run the notebook for the live version.</div>
</div>"""


def _phone_source(explorer, narrow: list | None, first: int) -> str:
    """The ``<source>`` that shows phones the narrow pictures; none without them."""
    if narrow is None:
        return ""
    return (f'<source media="{PHONE_MEDIA}" srcset="{narrow[first]}" '
            f'data-text-px="{explorer.narrow.text_px:g}">')


def _control(explorer, k: int, name: str) -> str:
    """One control of the scrubber: its name, then a drop-down list for a choice or a
    slider with its value for numbers; the row wraps on a narrow screen."""
    values = explorer.controls[name]
    start = values.index(explorer.start[name])
    label = html.escape(name)
    if is_choice(values):
        options = "".join(f'<option value="{i}"{" selected" if i == start else ""}>'
                          f"{html.escape(label_of(v))}</option>" for i, v in enumerate(values))
        field = (f'<select data-k="{k}" aria-label="{label}" style="font-size:15px;'
                 f'min-height:32px">{options}</select>')
    else:
        field = (f'<input type="range" min="0" max="{len(values) - 1}" step="1" '
                 f'value="{start}" data-k="{k}" aria-label="{label}" '
                 f'style="flex:1 1 180px;max-width:300px;min-height:32px">'
                 f'<output data-out="{k}">{html.escape(label_of(explorer.start[name]))}</output>')
    return (f'<div style="display:flex;flex-wrap:wrap;align-items:center;gap:2px 10px;'
            f'margin:4px 0"><span style="min-width:7em">{label}</span>{field}</div>')


_FRAME = re.compile(r"data:image/png;base64,([A-Za-z0-9+/=]+)")


def externalize_frames(page: str, prefix: str) -> tuple[str, dict[str, bytes]]:
    """Move the pictures an explorer's scrubber inlines (data URIs) into files.

    Returns ``page`` with every frame of every explorer in it replaced by
    ``prefix + "<sha1>.png"`` and a dict of those file names to PNG bytes. A browser then
    fetches a frame only when a reader moves a control to it, and caches it; identical
    frames share one file. Data URIs outside explorers are left alone.
    """
    files = {}

    def to_file(match):
        png = base64.b64decode(match.group(1))
        name = hashlib.sha1(png).hexdigest() + ".png"
        files[name] = png
        return prefix + name

    pieces, position = [], 0
    for start in (m.start() for m in re.finditer(r'<div id="gdlab-[0-9a-f]+" class="gdlab-explorer"', page)):
        if start < position:
            continue
        end = page.index("</script>", start)
        pieces += [page[position:start], _FRAME.sub(to_file, page[start:end])]
        position = end
    return "".join(pieces + [page[position:]]), files
