"""Units, made readable: the few most informative units, memory timescales, and units sorted by memory.

Instead of every unit's gate barcode, the report shows which units stand out on the explained samples:
the longest memory (:func:`rnnlens.units.memory_timescales`), the most saturated gates
(:func:`rnnlens.units.gate_saturation`) and the strongest correlation with an input feature
(:func:`rnnlens.units.unit_concepts`); a chart of every unit's timescale, sorted; and each layer's mean
``|hidden state|`` with its units sorted by timescale.

Example:
    >>> import pandas as pd
    >>> table = pd.DataFrame({"layer": ["lstm"] * 3, "unit": [0, 1, 2], "timescale": [1.0, 9.0, 3.0]})
    >>> sorted_units(table, "timescale")
    [1, 2, 0]
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from rnnlens.errors import RnnlensError
from rnnlens.report.data import Heatmap, Line, SeriesPlot, Table

__all__ = ["TOP_UNITS", "sorted_units", "timescale_plot", "units_parts"]

#: Units listed per criterion and layer.
TOP_UNITS = 3


def sorted_units(table: Any, column: str, *, layer: str | None = None) -> list[int]:
    """The units of ``table`` (one layer's rows) by decreasing ``column``; NaN last, ``inf`` first."""
    rows = table if layer is None else table[table["layer"] == layer]
    values = np.asarray(rows[column], np.float64)
    key = np.where(np.isnan(values), -np.inf, values)
    order = np.argsort(-key, kind="stable")
    return [int(u) for u in np.asarray(rows["unit"])[order]]


def timescale_plot(timescales: Any) -> SeriesPlot:
    """Every unit's memory timescale (steps), sorted from the longest, one line per layer.

    Units that never forget (timescale ``inf``) are drawn at the top of the finite range and named in the
    line's legend entry.
    """
    keys = list(dict.fromkeys(_layer_keys(timescales)))
    width = max(int((_layer_keys(timescales) == key).sum()) for key in keys)
    finite = np.asarray(timescales["timescale"], np.float64)
    finite = finite[np.isfinite(finite)]
    ceiling = float(finite.max()) if finite.size else 1.0
    lines = []
    for key in keys:
        rows = timescales[_layer_keys(timescales) == key]
        values = np.sort(np.asarray(rows["timescale"], np.float64))[::-1]
        endless = int(np.isinf(values).sum())
        padded = np.full(width, np.nan)
        padded[: values.size] = np.where(np.isinf(values), ceiling, values)
        name = key + (f" ({endless} never forget)" if endless else "")
        lines.append(Line(name, padded))
    return SeriesPlot(
        title="Memory timescale of every unit, longest first",
        x=np.arange(width, dtype=np.float32),
        lines=tuple(lines),
        x_label="unit rank (longest memory first)",
        y_label="timescale (steps)",
    )


def units_parts(
    trace: Any,
    *,
    inputs: np.ndarray | None = None,
    feature_names: Sequence[str] | None = None,
    time_label: str = "time step",
) -> tuple[Any, ...]:
    """The units section of a report.

    Args:
        trace: the trace of the explained samples.
        inputs: ``(sample, time, feature)`` float inputs the trace was made from (for the feature
            correlations), or None.
        feature_names: names of the features.
        time_label: what a step is.

    Returns:
        A table of the most informative units (longest memory, most saturated, strongest feature
        correlation), the sorted timescale chart, and per layer a ``(unit, step)`` map of mean
        ``|hidden state|`` with units sorted by timescale (by mean activity without timescales).
    """
    from rnnlens.units import feature_concepts, gate_saturation, memory_timescales, unit_concepts

    timescales = _optional(lambda: memory_timescales(trace))
    saturation = _optional(lambda: gate_saturation(trace))
    concepts = None
    if inputs is not None and inputs.ndim == 3:
        names = _concept_names(inputs.shape[2], feature_names)
        concepts = _optional(lambda: unit_concepts(trace, feature_concepts(inputs, names), top=1))
    rows: list[tuple[str, ...]] = []
    if timescales is not None:
        for key in dict.fromkeys(_layer_keys(timescales)):
            layer_rows = timescales[_layer_keys(timescales) == key]
            for unit in sorted_units(layer_rows, "timescale")[:TOP_UNITS]:
                row = layer_rows[layer_rows["unit"] == unit].iloc[0]
                rows.append(
                    (
                        "longest memory",
                        key,
                        str(unit),
                        f"timescale {_steps(row['timescale'])} steps",
                    )
                )
    if saturation is not None:
        share = saturation.assign(
            saturated=saturation["left_saturated"] + saturation["right_saturated"]
        )
        top = share.sort_values("saturated", ascending=False, kind="stable").head(TOP_UNITS)
        for _, row in top.iterrows():
            rows.append(
                (
                    "most saturated",
                    _key(row),
                    str(int(row["unit"])),
                    f"{str(row['gate']).replace('_', ' ')} saturated {row['saturated']:.0%} of steps",
                )
            )
    if concepts is not None:
        for _, row in concepts.iterrows():
            rows.append(
                (
                    f"tracks {row['concept']}",
                    _key(row),
                    str(int(row["unit"])),
                    f"correlation {row['correlation']:+.2f}",
                )
            )
    parts: list[Any] = []
    if rows:
        parts.append(
            Table(
                "The most informative units",
                ("what", "layer", "unit", "evidence"),
                tuple(rows),
                caption=(
                    "Measured on the explained samples. A timescale is the number of steps over which "
                    "the unit's state shrinks by a factor e; a saturated gate is stuck near 0 or 1."
                ),
            )
        )
    if timescales is not None and len(timescales):
        parts.append(timescale_plot(timescales))
    for layer in trace.layers:
        hidden = layer.values.get("hidden")
        if hidden is None:
            continue
        activity = np.nanmean(np.abs(np.asarray(hidden, np.float64)), axis=0).T  # (unit, time)
        name = layer.key if not layer.bidirectional else f"{layer.key} ({layer.direction})"
        rows_of_layer = None
        if timescales is not None:
            rows_of_layer = timescales[_layer_keys(timescales) == layer.key]
            if "direction" in timescales and layer.bidirectional:
                rows_of_layer = rows_of_layer[rows_of_layer["direction"] == layer.direction]
        if rows_of_layer is not None and len(rows_of_layer) == activity.shape[0]:
            order, by = sorted_units(rows_of_layer, "timescale"), "memory timescale"
        else:
            order = [int(u) for u in np.argsort(-np.nanmean(activity, axis=1), kind="stable")]
            by = "mean activity"
        parts.append(
            Heatmap(
                title=f"{name}: mean |hidden state|, units sorted by {by}",
                values=np.nan_to_num(activity[order]),
                x_label=time_label,
                x_ticks=tuple(str(t) for t in range(activity.shape[1])),
                y_label="unit",
                y_ticks=tuple(str(u) for u in order),
                value_label="mean |h|",
                scale="sequential",
                zmin=0.0,
            )
        )
    return tuple(parts)


def _optional(compute: Any) -> Any:
    """A unit statistic, or None for a model it does not apply to (no gates, no LSTM / GRU...)."""
    try:
        return compute()
    except RnnlensError:
        return None


def _layer_keys(table: Any) -> np.ndarray:
    return np.asarray(table["layer"]).astype(str)


def _key(row: Any) -> str:
    return str(row["layer"])


def _steps(value: float) -> str:
    return "∞" if np.isinf(value) else f"{float(value):.3g}"


def _concept_names(count: int, names: Sequence[str] | None) -> list[str]:
    if names is not None and len(names) == count:
        return [str(n) for n in names]
    return [f"feature {k}" for k in range(count)]
