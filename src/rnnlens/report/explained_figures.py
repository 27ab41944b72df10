"""Plotly specs for the views of one explained sample: inputs beside attributions, and the waterfall.

Only ``scatter`` and ``bar`` traces are used (the waterfall is bars with base offsets), so any plotly.js
bundle that draws the other report figures draws these. User strings go through
:func:`rnnlens.report.figures.label`, as everywhere in the report.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

from rnnlens.report.figures import DIVERGING, label, typed_array, unique_ticks

if TYPE_CHECKING:  # the views import this module to draw themselves
    from rnnlens.report.explained_views import InputsPlot, Waterfall

__all__ = ["inputs_figure", "waterfall_figure"]

_FONT = {"family": "system-ui, -apple-system, Segoe UI, Roboto, sans-serif", "size": 12}
_UP, _DOWN, _NEUTRAL, _TOTAL = "#b2182b", "#2166ac", "#9aa5b1", "#52606d"
_ROW_HEIGHT = 110


def inputs_figure(plot: InputsPlot) -> dict[str, Any]:
    """One row per feature: its input values over time, each marker coloured by its attribution.

    Every row shares the time axis and one colour scale centred on zero (its colour bar titled with the
    attribution's units); hovering a marker shows the step, the input value and the attribution.
    """
    rows = len(plot.features)
    finite = plot.attributions[np.isfinite(plot.attributions)]
    bound = float(np.abs(finite).max()) if finite.size else 1.0
    bound = bound if bound > 0 else 1.0
    x = unique_ticks(plot.x_ticks)
    gap = 0.06 if rows > 1 else 0.0
    height = (1.0 - gap * (rows - 1)) / rows
    traces: list[dict[str, Any]] = []
    layout: dict[str, Any] = {
        "title": {"text": label(plot.title), "font": {"size": 14}, "x": 0.01},
        "height": int(_ROW_HEIGHT * rows + 110),
        "margin": {"l": 70, "r": 20, "t": 40, "b": 50},
        "showlegend": False,
        "font": _FONT,
        "paper_bgcolor": "rgba(0,0,0,0)",
        "hovermode": "closest",
    }
    for row, feature in enumerate(plot.features):
        suffix = "" if row == 0 else str(row + 1)
        top = 1.0 - row * (height + gap)
        name = label(feature)
        trace: dict[str, Any] = {
            "type": "scatter",
            "mode": "lines+markers",
            "name": name,
            "x": x,
            "y": typed_array(plot.values[row]),
            "xaxis": "x",
            "yaxis": f"y{suffix}",
            "line": {"color": "#9aa5b1", "width": 1},
            "customdata": [_number(v) for v in plot.attributions[row]],
            "marker": {
                "size": 7,
                "color": [_number(v) for v in plot.attributions[row]],
                "colorscale": DIVERGING,
                "cmin": -bound,
                "cmax": bound,
                "line": {"width": 0},
                "showscale": row == 0,
            },
            "hovertemplate": (
                f"{label(plot.step_name)}: %{{x}}<br>{name}: <b>%{{y:.4g}}</b> "
                f"({label(plot.value_label)})<br>{label(plot.attribution_label)}: "
                "<b>%{customdata:.4g}</b><extra></extra>"
            ),
        }
        if row == 0:
            trace["marker"]["colorbar"] = {
                "thickness": 12,
                "outlinewidth": 0,
                "title": {"text": label(plot.attribution_label), "side": "right"},
            }
        traces.append(trace)
        layout[f"yaxis{suffix}"] = {
            "domain": [max(0.0, top - height), top],
            "title": {"text": name, "font": {"size": 11}},
            "automargin": True,
            "zeroline": False,
        }
    layout["xaxis"] = {
        "type": "category",
        "title": {"text": label(plot.step_name)},
        "automargin": True,
        "anchor": f"y{'' if rows == 1 else rows}",
    }
    return {"data": traces, "layout": layout}


def waterfall_figure(walk: Waterfall) -> dict[str, Any]:
    """Bars from F(baseline) to F(x): the two totals in grey, each contribution floating where the last
    one ended (red up, blue down; ``other`` and the completeness gap in light grey).

    Hover shows each bar's contribution and the running total after it.
    """
    names = ["F(baseline)", *(name for name, _ in walk.contributions), "F(x)"]
    ticks = unique_ticks(names)
    values = [walk.start, *(value for _, value in walk.contributions), walk.end]
    bases: list[float] = [0.0]
    running = [walk.start]
    level = walk.start
    for _, value in walk.contributions:
        bases.append(level)
        level += value
        running.append(level)
    bases.append(0.0)
    running.append(walk.end)
    colours = [_TOTAL]
    for name, value in walk.contributions:
        grey = name in ("other", "completeness gap") or name.startswith("other ")
        colours.append(_NEUTRAL if grey else (_UP if value >= 0 else _DOWN))
    colours.append(_TOTAL)
    units = label(walk.units)
    trace = {
        "type": "bar",
        "x": ticks,
        "y": [_number(v) for v in values],
        "base": [_number(b) for b in bases],
        "marker": {"color": colours},
        "customdata": [_number(v) for v in running],
        "hovertemplate": (
            f"%{{x}}<br>contribution: <b>%{{y:+.4g}}</b> {units}<br>"
            f"total after it: %{{customdata:.4g}}<extra></extra>"
        ),
    }
    layout = {
        "title": {"text": label(walk.title), "font": {"size": 14}, "x": 0.01},
        "xaxis": {"type": "category", "automargin": True, "tickangle": -30},
        "yaxis": {"title": {"text": units}, "automargin": True},
        "height": 360,
        "margin": {"l": 70, "r": 20, "t": 40, "b": 60},
        "showlegend": False,
        "font": _FONT,
        "paper_bgcolor": "rgba(0,0,0,0)",
        "bargap": 0.25,
    }
    return {"data": [trace], "layout": layout}


def _number(value: float) -> float | None:
    number = float(value)
    return number if np.isfinite(number) else None
