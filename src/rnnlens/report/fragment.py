"""Script-free HTML fragments for notebooks (``_repr_html_``): report parts drawn with plain HTML and CSS."""

from __future__ import annotations

import dataclasses
from html import escape
from typing import Any

import numpy as np

from rnnlens.report.data import (
    Card,
    DiagnosticsPanel,
    Heatmap,
    ReportData,
    SampleSection,
    SeriesPlot,
    StateGroup,
    Table,
    TokenScores,
)

__all__ = ["render_fragment"]

_STYLE = (
    "<style>"
    ".rnnlens-result{font:13px/1.45 system-ui,-apple-system,'Segoe UI',Roboto,sans-serif;color:#1f2933;"
    "border:1px solid #e4e7eb;border-radius:8px;padding:10px 14px;max-width:100%;overflow-x:auto}"
    ".rnnlens-result h3{font-size:15px;margin:0 0 6px}.rnnlens-result h4{font-size:13px;margin:10px 0 4px;"
    "color:#616e7c}.rnnlens-result dl{display:grid;grid-template-columns:max-content 1fr;gap:1px 10px;"
    "margin:0 0 6px}.rnnlens-result dt{color:#616e7c}.rnnlens-result dd{margin:0}"
    ".rnnlens-result table{border-collapse:collapse}.rnnlens-result th,.rnnlens-result td{padding:2px 6px;"
    "border-bottom:1px solid #e4e7eb;text-align:left}.rnnlens-result table.heat td{padding:0;width:12px;"
    "height:12px;border:0}.rnnlens-result table.heat th{font-weight:400;font-size:11px;color:#616e7c;"
    "border:0;padding:0 4px}.rnnlens-result .warn{background:#fff8e1;border-left:3px solid #f0b429;"
    "padding:2px 8px}.rnnlens-result .tok{padding:1px 3px;margin:0 1px;border-radius:3px;"
    "font-family:ui-monospace,monospace;white-space:pre}"
    "</style>"
)


def render_fragment(result: Any, *, title: str | None = None, max_cells: int = 2500) -> str:
    """See :func:`rnnlens.report.html.result_html`."""
    parts = _parts(result)
    heading = title if title is not None else _title_of(result)
    body = "".join(_part(part, max_cells) for part in parts)
    return f'{_STYLE}<div class="rnnlens-result"><h3>{escape(heading)}</h3>{body}</div>'


def _parts(result: Any) -> list[Any]:
    if isinstance(
        result, Card | Table | Heatmap | TokenScores | SeriesPlot | StateGroup | DiagnosticsPanel
    ):
        return [result]
    if isinstance(result, SampleSection):
        return _sample_parts(result)
    if isinstance(result, ReportData):
        alerts = [Card(title="", warnings=result.alerts)] if result.alerts else []
        parts: list[Any] = [*alerts, *result.anatomy, *result.predictions]
        for sample in result.samples:
            parts.append(Card(title=sample.title, fields=sample.summary, warnings=sample.notes))
            parts.extend(_sample_parts(sample)[1:])
        return parts
    from rnnlens.report.parts import result_parts

    found = result_parts(result)
    return list(found) if found is not None else [_generic_card(result)]


def _sample_parts(sample: SampleSection) -> list[Any]:
    import rnnlens.report.sample_sections as sample_sections

    parts: list[Any] = [Card(title="", fields=sample.summary, warnings=sample.notes)]
    for kind in sample_sections.SAMPLE_SECTIONS:
        parts.extend(sample_sections.section_parts(sample, kind))
    return parts


def _title_of(result: Any) -> str:
    for attribute in ("title", "name", "layer"):
        value = getattr(result, attribute, None)
        if isinstance(value, str) and value:
            return value
    return type(result).__name__


def _part(part: Any, max_cells: int) -> str:
    if isinstance(part, Card):
        return _card(part)
    if isinstance(part, Table):
        return _table(part)
    if isinstance(part, Heatmap):
        return _heatmap(part, max_cells)
    if isinstance(part, TokenScores):
        return _tokens(part)
    if isinstance(part, SeriesPlot):
        return _series(part)
    if isinstance(part, DiagnosticsPanel):
        return _panel(part)
    if isinstance(part, StateGroup):
        inner = "".join(_heatmap(heat, max_cells) for heat in part.heatmaps)
        return f"<h4>{escape(part.layer)} ({escape(part.kind)})</h4>{inner}"
    return f"<p>{escape(str(part))}</p>"


def _fields(pairs: tuple[tuple[str, str], ...]) -> str:
    if not pairs:
        return ""
    rows = "".join(f"<dt>{escape(k)}</dt><dd>{escape(v)}</dd>" for k, v in pairs)
    return f"<dl>{rows}</dl>"


def _card(card: Card) -> str:
    head = f"<h4>{escape(card.title)}</h4>" if card.title else ""
    sub = f"<div>{escape(card.subtitle)}</div>" if card.subtitle else ""
    warnings = "".join(f'<div class="warn">{escape(w)}</div>' for w in card.warnings)
    facts = "".join(f"<li>{escape(f)}</li>" for f in card.facts)
    return head + sub + _fields(card.fields) + warnings + (f"<ul>{facts}</ul>" if facts else "")


def _panel(panel: DiagnosticsPanel) -> str:
    badge = "weak explanation" if panel.weak else "no check failed"
    reasons = "".join(f"<li>{escape(reason)}</li>" for reason in panel.reasons)
    flagged = (
        f'<div class="warn"><strong>Why this explanation is weak:</strong><ul>{reasons}</ul></div>'
        if reasons
        else ""
    )
    notes = "".join(f'<div class="warn">{escape(note)}</div>' for note in panel.notes)
    rows = _table(panel.rows) if panel.rows is not None else ""
    return f"<h4>{escape(panel.title)} ({badge})</h4>{_fields(panel.fields)}{flagged}{notes}{rows}"


def _table(table: Table) -> str:
    head = "".join(f"<th>{escape(c)}</th>" for c in table.columns)
    rows = "".join(
        "<tr>" + "".join(f"<td>{escape(cell)}</td>" for cell in row) + "</tr>" for row in table.rows
    )
    caption = f"<caption>{escape(table.caption)}</caption>" if table.caption else ""
    return f"<h4>{escape(table.title)}</h4><table>{caption}<thead><tr>{head}</tr></thead><tbody>{rows}</tbody></table>"


def _colour(value: float, low: float, high: float, diverging: bool) -> str:
    if not np.isfinite(value):
        return "transparent"
    if diverging:
        bound = max(abs(low), abs(high)) or 1.0
        alpha = min(1.0, abs(value) / bound)
        rgb = "178,24,43" if value > 0 else "33,102,172"
        return f"rgba({rgb},{0.9 * alpha:.3f})"
    span = (high - low) or 1.0
    alpha = min(1.0, max(0.0, (value - low) / span))
    return f"rgba(47,111,222,{0.05 + 0.9 * alpha:.3f})"


def _heatmap(heat: Heatmap, max_cells: int) -> str:
    values = heat.values
    finite = values[np.isfinite(values)]
    low = float(finite.min()) if finite.size else 0.0
    high = float(finite.max()) if finite.size else 0.0
    summary = (
        f"{escape(heat.y_label)} × {escape(heat.x_label)}: {values.shape[0]} × {values.shape[1]}, "
        f"{escape(heat.value_label)} from {low:.4g} to {high:.4g}"
    )
    head = f"<h4>{escape(heat.title)}</h4><div>{summary}</div>"
    if values.size > max_cells:
        return head
    low = heat.zmin if heat.zmin is not None else low
    high = heat.zmax if heat.zmax is not None else high
    diverging = heat.scale == "diverging"
    rows = []
    for y_tick, row in zip(heat.y_ticks, values, strict=True):
        cells = "".join(
            f'<td style="background:{_colour(float(v), low, high, diverging)}" '
            f'title="{escape(heat.x_label)} {escape(x_tick)}, {escape(heat.y_label)} {escape(y_tick)}: '
            f'{float(v):.4g}"></td>'
            for x_tick, v in zip(heat.x_ticks, row, strict=True)
        )
        rows.append(f"<tr><th>{escape(y_tick)}</th>{cells}</tr>")
    return f'{head}<table class="heat">{"".join(rows)}</table>'


def _tokens(scores: TokenScores) -> str:
    from rnnlens.report.tokens import token_cells

    spans = "".join(
        f'<span class="tok" style="{cell.style}" title="{escape(cell.tip)}">{escape(cell.token)}</span>'
        for cell in token_cells(scores)
    )
    return f"<h4>{escape(scores.title)}</h4><div>{spans}</div>"


def _series(series: SeriesPlot) -> str:
    rows = []
    for line in series.lines:
        finite = line.values[np.isfinite(line.values)]
        span = f"{finite.min():.4g} to {finite.max():.4g}" if finite.size else "no values"
        last = f"{finite[-1]:.4g}" if finite.size else "n/a"
        rows.append((line.name, f"{line.values.shape[0]} steps, {span}, last {last}"))
    return f"<h4>{escape(series.title)}</h4>{_fields(tuple(rows))}"


def _generic_card(result: Any) -> Card:
    """Summarise any object field by field: scalars as text, arrays as shape and range."""
    if dataclasses.is_dataclass(result) and not isinstance(result, type):
        items = [(f.name, getattr(result, f.name)) for f in dataclasses.fields(result)]
    else:
        items = (
            [(k, v) for k, v in vars(result).items() if not k.startswith("_")]
            if hasattr(result, "__dict__")
            else []
        )
    fields = tuple((name, _describe(value)) for name, value in items)
    return Card(title="", fields=fields)


def _describe(value: Any) -> str:
    if isinstance(value, np.ndarray):
        if value.size and np.issubdtype(value.dtype, np.number):
            return f"array {value.shape} {value.dtype}, {np.nanmin(value):.4g} to {np.nanmax(value):.4g}"
        return f"array {value.shape} {value.dtype}"
    if isinstance(value, str | int | float | bool) or value is None:
        text = str(value)
        return text if len(text) <= 200 else text[:200] + "…"
    if isinstance(value, tuple | list):
        if all(isinstance(v, str | int | float | bool) for v in value):
            text = ", ".join(str(v) for v in value)
            return text if len(text) <= 200 else text[:200] + "…"
        return f"{len(value)} × {type(value[0]).__name__}" if value else "none"
    return type(value).__name__
