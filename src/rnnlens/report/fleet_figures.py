"""Plotly specs for the fleet page: importance with 95 % confidence intervals, and a distribution.

Only ``bar`` and ``scatter`` traces (with plotly's error bars), which the embedded partial bundle draws.
Every user string (feature names, labels, titles) goes through :func:`rnnlens.report.figures.label`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

from rnnlens.report.figures import label, unique_ticks

if TYPE_CHECKING:
    from rnnlens.report.fleet import Bars, Estimates

__all__ = ["bars_figure", "estimates_figure"]

_FONT = {"family": "system-ui, -apple-system, Segoe UI, Roboto, sans-serif", "size": 12}
_BAR, _LINE, _ERROR = "#4c78a8", "#2166ac", "#52606d"


def estimates_figure(plot: Estimates) -> dict[str, Any]:
    """Means with asymmetric error bars to the interval's ends: bars over categories (features), or a
    line with markers over an ordered axis (time steps). Hover shows the mean and its interval."""
    mean = np.asarray(plot.mean, np.float64)
    upper = np.asarray(plot.high, np.float64) - mean
    lower = mean - np.asarray(plot.low, np.float64)
    x: list[Any] = unique_ticks(plot.names) if plot.categorical else [int(n) for n in plot.names]
    trace: dict[str, Any] = {
        "type": "bar" if plot.categorical else "scatter",
        "x": x,
        "y": _numbers(mean),
        "customdata": [[_number(a), _number(b)] for a, b in zip(plot.low, plot.high, strict=True)],
        "error_y": {
            "type": "data",
            "symmetric": False,
            "array": _numbers(upper),
            "arrayminus": _numbers(lower),
            "color": _ERROR,
            "thickness": 1.2,
            "width": 3,
        },
        "hovertemplate": (
            f"{label(plot.x_label)}: %{{x}}<br>{label(plot.y_label)}: <b>%{{y:.4g}}</b>"
            "<br>95% CI: %{customdata[0]:.4g} to %{customdata[1]:.4g}<extra></extra>"
        ),
    }
    if plot.categorical:
        trace["marker"] = {"color": _BAR}
    else:
        trace.update(mode="lines+markers", line={"color": _LINE}, marker={"size": 4})
    layout = _layout(plot.title, plot.x_label, plot.y_label, categorical=plot.categorical)
    return {"data": [trace], "layout": layout}


def bars_figure(plot: Bars) -> dict[str, Any]:
    """Counts per category (labels, or histogram bins named by their range)."""
    trace = {
        "type": "bar",
        "x": unique_ticks(plot.names),
        "y": [int(count) for count in plot.counts],
        "marker": {"color": _BAR},
        "hovertemplate": f"%{{x}}<br>{label(plot.y_label)}: <b>%{{y}}</b><extra></extra>",
    }
    return {"data": [trace], "layout": _layout(plot.title, plot.x_label, plot.y_label, True)}


def _layout(title: str, x_label: str, y_label: str, categorical: bool) -> dict[str, Any]:
    return {
        "title": {"text": label(title), "font": {"size": 14}, "x": 0.01},
        "xaxis": {
            "title": {"text": label(x_label)},
            "automargin": True,
            **({"type": "category", "tickangle": -30} if categorical else {"zeroline": False}),
        },
        "yaxis": {"title": {"text": label(y_label)}, "automargin": True, "rangemode": "tozero"},
        "height": 340,
        "margin": {"l": 70, "r": 20, "t": 40, "b": 60},
        "showlegend": False,
        "font": _FONT,
        "paper_bgcolor": "rgba(0,0,0,0)",
        "bargap": 0.25,
    }


def _number(value: float) -> float | None:
    number = float(value)
    return number if np.isfinite(number) else None


def _numbers(values: np.ndarray) -> list[float | None]:
    return [_number(v) for v in values]
