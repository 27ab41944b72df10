"""Report data -> plotly figure specs (plain dicts), compact and safe to embed in a page.

Arrays travel as plotly.js typed arrays (``{"dtype": "f4", "bdata": <base64>}``): 4 bytes a value, exact,
instead of ~18 characters of decimal text. Every user string (feature names, tokens, labels) is HTML-escaped
because plotly.js reads labels as a small HTML dialect; escaped text is shown literally and never parsed.
:func:`spec_json` then escapes ``<``, ``>`` and ``&`` so a spec can sit inside a ``<script>`` element.
"""

from __future__ import annotations

import base64
import html
import json
import math
from collections.abc import Sequence
from typing import Any

import numpy as np

from rnnlens.report.data import Heatmap, SeriesPlot
from rnnlens.report.runs import compact_ticks

__all__ = ["heatmap_figure", "label", "series_figure", "spec_json", "typed_array"]

DIVERGING = [
    [0.0, "#2166ac"],
    [0.25, "#92c5de"],
    [0.5, "#f7f7f7"],
    [0.75, "#f4a582"],
    [1.0, "#b2182b"],
]
SEQUENTIAL = "Viridis"
_TICK_CHARS = 24
_FONT = {"family": "system-ui, -apple-system, Segoe UI, Roboto, sans-serif", "size": 12}


def typed_array(values: np.ndarray) -> dict[str, Any]:
    """Encode a float array as a plotly.js typed-array spec (float32, base64, shape kept for 2-D)."""
    array = np.ascontiguousarray(values, dtype="<f4")
    spec: dict[str, Any] = {
        "dtype": "f4",
        "bdata": base64.b64encode(array.tobytes()).decode("ascii"),
    }
    if array.ndim > 1:
        spec["shape"] = ", ".join(str(n) for n in array.shape)
    return spec


def label(text: str) -> str:
    """Make ``text`` display literally in plotly.js (which renders a subset of HTML in labels).

    ``%`` becomes an entity too, so a label cannot inject ``%{...}`` hover-template variables. Quotes stay
    as they are: plotly.js shows ``&quot;`` literally, and a quote outside a tag is plain text to it.
    """
    return html.escape(str(text), quote=False).replace("%", "&#37;")


def unique_ticks(ticks: Sequence[str]) -> list[str]:
    """Escaped tick labels, with repeats told apart by position (plotly merges equal categories)."""
    counts: dict[str, int] = {}
    for tick in ticks:
        counts[tick] = counts.get(tick, 0) + 1
    out = []
    for position, tick in enumerate(ticks):
        shown = label(tick)
        out.append(f"{shown} [{position}]" if counts[tick] > 1 else shown)
    return out


def _axis(title: str, ticks: list[str], **extra: Any) -> dict[str, Any]:
    """A category axis; hover shows every tick label whole, the axis shows them compactly.

    Per-step labels such as ``"12: fails within 30 cycles"`` keep their text only where a run of it
    starts (:func:`rnnlens.report.runs.compact_ticks`), and labels longer than ``_TICK_CHARS`` are cut.
    """
    axis: dict[str, Any] = {"type": "category", "title": {"text": label(title)}, "automargin": True}
    shown = [_shorten(tick) for tick in compact_ticks(ticks)]
    if shown != ticks:
        axis["tickmode"] = "array"
        axis["tickvals"] = ticks
        axis["ticktext"] = shown
    axis.update(extra)
    return axis


def _shorten(tick: str) -> str:
    # Cut only outside entities such as &lt; so the shortened label still displays correctly.
    if len(tick) <= _TICK_CHARS:
        return tick
    cut = tick[:_TICK_CHARS]
    amp = cut.rfind("&")
    if amp != -1 and ";" not in cut[amp:]:
        cut = cut[:amp]
    return cut + "…"


def _limits(heat: Heatmap) -> tuple[float | None, float | None]:
    finite = heat.values[np.isfinite(heat.values)]
    zmin, zmax = heat.zmin, heat.zmax
    if heat.scale == "diverging" and (zmin is None or zmax is None):
        bound = float(np.abs(finite).max()) if finite.size else 1.0
        bound = bound if bound > 0 else 1.0
        zmin = -bound if zmin is None else zmin
        zmax = bound if zmax is None else zmax
    return zmin, zmax


def heatmap_figure(heat: Heatmap) -> dict[str, Any]:
    """A plotly heatmap whose hover label shows the cell's position and value (4 significant digits)."""
    zmin, zmax = _limits(heat)
    x_ticks, y_ticks = unique_ticks(heat.x_ticks), unique_ticks(heat.y_ticks)
    trace: dict[str, Any] = {
        "type": "heatmap",
        "z": typed_array(heat.values),
        "x": x_ticks,
        "y": y_ticks,
        "colorscale": DIVERGING if heat.scale == "diverging" else SEQUENTIAL,
        "hoverongaps": False,
        "hovertemplate": (
            f"{label(heat.x_label)}: %{{x}}<br>{label(heat.y_label)}: %{{y}}"
            f"<br>{label(heat.value_label)}: <b>%{{z:.4g}}</b><extra></extra>"
        ),
        "colorbar": {
            "thickness": 12,
            "outlinewidth": 0,
            "title": {"text": label(heat.value_label)},
        },
    }
    if zmin is not None:
        trace["zmin"] = zmin
    if zmax is not None:
        trace["zmax"] = zmax
    rows = heat.values.shape[0]
    layout = {
        "title": {"text": label(heat.title), "font": {"size": 14}, "x": 0.01},
        "xaxis": _axis(heat.x_label, x_ticks),
        "yaxis": _axis(heat.y_label, y_ticks, autorange="reversed"),
        "height": int(min(900, max(240, 16 * rows + 130))),
        "margin": {"l": 60, "r": 20, "t": 40, "b": 50},
        "font": _FONT,
        "paper_bgcolor": "rgba(0,0,0,0)",
    }
    return {"data": [trace], "layout": layout}


def series_figure(series: SeriesPlot) -> dict[str, Any]:
    """A line chart with one trace per :class:`~rnnlens.report.data.Line`, values on hover."""
    x = typed_array(series.x)
    traces = [
        {
            "type": "scatter",
            "mode": "lines+markers",
            "name": label(line.name),
            "x": x,
            "y": typed_array(line.values),
            "line": {"dash": "dash"} if line.dashed else {},
            "marker": {"size": 4},
            "hovertemplate": (
                f"{label(line.name)}<br>{label(series.x_label)}: %{{x}}"
                f"<br>{label(series.y_label)}: <b>%{{y:.4g}}</b><extra></extra>"
            ),
        }
        for line in series.lines
    ]
    layout = {
        "title": {"text": label(series.title), "font": {"size": 14}, "x": 0.01},
        "xaxis": {"title": {"text": label(series.x_label)}, "automargin": True},
        "yaxis": {"title": {"text": label(series.y_label)}, "automargin": True},
        "height": 320,
        "margin": {"l": 60, "r": 20, "t": 40, "b": 50},
        "legend": {"orientation": "h", "y": -0.25},
        "font": _FONT,
        "paper_bgcolor": "rgba(0,0,0,0)",
    }
    return {"data": traces, "layout": layout}


def spec_json(figure: dict[str, Any]) -> str:
    """Serialise a figure for a ``<script type="application/json">`` element.

    ``<``, ``>`` and ``&`` are written as ``\\u003c`` etc., so no string can close the element or open a
    comment; ``JSON.parse`` restores them. Non-finite numbers become ``null``.
    """
    text = json.dumps(_finite(figure), separators=(",", ":"), ensure_ascii=False, allow_nan=False)
    return (
        text.replace("<", "\\u003c")
        .replace(">", "\\u003e")
        .replace("&", "\\u0026")
        .replace("\u2028", "\\u2028")
        .replace("\u2029", "\\u2029")
    )


def _finite(value: Any) -> Any:
    if isinstance(value, dict):
        return {key: _finite(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_finite(item) for item in value]
    if isinstance(value, float | np.floating):
        number = float(value)
        return number if math.isfinite(number) else None
    if isinstance(value, np.integer):
        return int(value)
    return value
