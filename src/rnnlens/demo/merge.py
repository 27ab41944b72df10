"""Put several models' reports about the same samples on one page."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import replace
from typing import Any

from rnnlens.report.data import Card, ReportData, SampleSection, SeriesPlot

__all__ = ["merge_reports"]


def _prefixed(items: Sequence[Any], label: str) -> tuple[Any, ...]:
    return tuple(replace(item, title=f"{label} · {item.title}") for item in items)


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
                {
                    "summary": [],
                    "attributions": [],
                    "forecasts": [],
                    "states": [],
                    "alignments": [],
                    "notes": [],
                },
            )
            merged["summary"].extend((f"{label}: {k}", v) for k, v in sample.summary)
            merged["attributions"].extend(_prefixed(sample.attributions, label))
            merged["forecasts"].extend(_prefixed(sample.forecasts, label))
            merged["states"].extend(
                replace(group, layer=f"{label} · {group.layer}") for group in sample.states
            )
            merged["alignments"].extend(_prefixed(sample.alignments, label))
            merged["notes"].extend(f"{label}: {note}" for note in sample.notes)
    samples = []
    for index, merged in sections.items():
        forecasts = list((extra_forecasts or {}).get(index, ())) + merged["forecasts"]
        samples.append(
            SampleSection(
                index=index,
                title=(sample_titles or {}).get(index, f"Sample {index}"),
                summary=tuple(merged["summary"]),
                attributions=tuple(merged["attributions"]),
                forecasts=tuple(forecasts),
                states=tuple(merged["states"]),
                alignments=tuple(merged["alignments"]),
                notes=tuple(merged["notes"]),
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
