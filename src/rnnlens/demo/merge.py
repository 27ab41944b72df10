"""Put several models' reports about the same samples on one page."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import replace
from typing import Any

import rnnlens.report.sample_sections as sample_sections
from rnnlens.report.data import Card, ReportData, SampleSection, SeriesPlot, StateGroup
from rnnlens.report.sample_sections import section_parts

__all__ = ["merge_reports"]


def _labelled(items: Sequence[Any], label: str) -> tuple[Any, ...]:
    """Each part named after its model: a state group by its layer, every other part by its title."""
    return tuple(
        replace(item, layer=f"{label} · {item.layer}")
        if isinstance(item, StateGroup)
        else replace(item, title=f"{label} · {item.title}")
        for item in items
    )


def merge_reports(
    title: str,
    parts: Sequence[tuple[str, ReportData]],
    *,
    sample_titles: Mapping[int, str] | None = None,
    extra_forecasts: Mapping[int, Sequence[SeriesPlot]] | None = None,
    overview: Card | None = None,
) -> ReportData:
    """Merge ``(label, report)`` pairs: anatomy and tables side by side, samples combined by index.

    Every title from a part is prefixed with its label so the reader knows which model speaks.
    """
    anatomy: list[Card] = [overview] if overview is not None else []
    predictions: list[Any] = []
    notes: list[str] = []
    meta: list[tuple[str, str]] = []
    kinds = sample_sections.SAMPLE_SECTIONS
    sections: dict[int, dict[str, list[Any]]] = {}
    for label, report in parts:
        anatomy.extend(replace(card, title=f"{label} · {card.title}") for card in report.anatomy)
        predictions.extend(
            replace(table, title=f"{label} · {table.title}") for table in report.predictions
        )
        notes.extend(f"{label}: {note}" for note in report.notes)
        meta.extend((key, value) for key, value in report.meta if (key, value) not in meta)
        for sample in report.samples:
            merged = sections.setdefault(
                sample.index,
                {"summary": [], "notes": [], **{kind.key: [] for kind in kinds}},
            )
            merged["summary"].extend((f"{label}: {k}", v) for k, v in sample.summary)
            merged["notes"].extend(f"{label}: {note}" for note in sample.notes)
            for kind in kinds:
                merged[kind.key].extend(_labelled(section_parts(sample, kind), label))
    samples = []
    for index, merged in sections.items():
        merged["forecast"] = list((extra_forecasts or {}).get(index, ())) + merged["forecast"]
        fields = {kind.field: tuple(merged[kind.key]) for kind in kinds if kind.field}
        extra = tuple(
            (kind.key, tuple(merged[kind.key]))
            for kind in kinds
            if kind.field is None and merged[kind.key]
        )
        samples.append(
            SampleSection(
                index=index,
                title=(sample_titles or {}).get(index, f"Sample {index}"),
                summary=tuple(merged["summary"]),
                notes=tuple(merged["notes"]),
                extra=extra,
                **fields,
            )
        )
    return ReportData(
        title=title,
        model_name=" + ".join(report.model_name for _, report in parts),
        anatomy=tuple(anatomy),
        predictions=tuple(predictions),
        samples=tuple(samples),
        notes=tuple(notes),
        meta=tuple(meta),
    )
