"""Decoded predictions (an ``Interpretation``) -> the predictions table and each sample's summary."""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np

from rnnlens.report.data import Table
from rnnlens.report.runs import compact_runs

__all__ = ["format_value", "prediction_table", "sample_summary"]

_HIDDEN = ("sample",)
_ROW_FACTS = ("sample", "step", "target_step", "time", "sequence_id", "window_start")


def format_value(value: Any) -> str:
    """A table cell: floats to 4 significant digits, NaN as an empty cell, everything else as text."""
    if isinstance(value, bool | np.bool_):
        return str(bool(value))
    if isinstance(value, float | np.floating):
        number = float(value)
        return "" if math.isnan(number) else f"{number:.4g}"
    if isinstance(value, np.integer):
        return str(int(value))
    return "" if value is None else str(value)


def prediction_table(interpretation: Any, indices: Sequence[int], *, max_rows: int = 500) -> Table:
    """The decoded predictions of the reported samples.

    Args:
        interpretation: an :class:`rnnlens.decoding.Interpretation` of the reported samples, in order (its
            ``sample`` column counts rows of that batch).
        indices: the data index of each decoded sample; it replaces the batch position and links to the
            sample's section.
        max_rows: show at most this many rows (per-step tables grow as samples x steps).

    Returns:
        A :class:`Table` with the sample's data index first.
    """
    frame = interpretation.summary if interpretation.summary is not None else interpretation.table
    columns = [str(c) for c in frame.columns if c not in _HIDDEN]
    positions = frame["sample"].to_numpy() if "sample" in frame.columns else np.arange(len(frame))
    rows: list[tuple[str, ...]] = []
    links: list[str | None] = []
    for position, (_, record) in zip(positions, frame.iterrows(), strict=True):
        if len(rows) >= max_rows:
            break
        index = int(indices[int(position)])
        rows.append(
            (str(index), *(format_value(record[c]) for c in frame.columns if c not in _HIDDEN))
        )
        links.append(f"sample-{index}")
    caption = str(interpretation.meta.get("task", "")) if hasattr(interpretation, "meta") else ""
    if len(frame) > max_rows:
        caption = (caption + ". " if caption else "") + (
            f"First {max_rows} of {len(frame)} rows; `rnnlens predict MODEL DATA -o table.csv` (or "
            "rnnlens.decode(model, data).table) gives them all."
        )
    return Table(
        title=f"{interpretation.kind} predictions of output {interpretation.output}",
        columns=("sample", *columns),
        rows=tuple(rows),
        caption=caption,
        row_links=tuple(links),
    )


def sample_summary(interpretation: Any, position: int) -> tuple[tuple[str, str], ...]:
    """``(label, value)`` pairs describing one sample's prediction.

    Per-sample tables give the sample's row. Per-step tables give the summary row when there is one;
    otherwise the predicted label of every step (categorical outputs) and each column's value at the last
    step.
    """
    frame = interpretation.summary if interpretation.summary is not None else interpretation.table
    if "sample" not in frame.columns:
        return ()
    rows = frame[frame["sample"] == position]
    if rows.empty:
        return ()
    if len(rows) == 1:
        record = rows.iloc[0]
        return tuple(
            (str(column), format_value(record[column]))
            for column in frame.columns
            if column not in _HIDDEN
        )
    pairs: list[tuple[str, str]] = []
    if "label" in rows.columns:
        steps = [format_value(s) for s in rows["step"]] if "step" in rows.columns else None
        labels = [format_value(v) for v in rows["label"]]
        # Runs ("healthy at steps 0-11; fails at steps 12-29") when they are shorter than the labels
        # themselves; a generated sentence reads best as it is.
        joined, runs = " ".join(labels), compact_runs(labels, steps)
        pairs.append(("predicted per step", runs if len(runs) < len(joined) else joined))
    last = rows.iloc[-1]
    step = format_value(last["step"]) if "step" in rows.columns else str(len(rows) - 1)
    for column in rows.columns:
        if column in _ROW_FACTS or column == "label" or str(column).startswith("top"):
            continue
        pairs.append((f"{column} at step {step}", format_value(last[column])))
    return tuple(pairs)
