"""Put several models' reports about the same samples on one page."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import replace
from typing import Any

import rnnlens.report.sample_sections as sample_sections
from rnnlens.report.data import Card, ReportData, SampleSection, SeriesPlot, StateGroup
from rnnlens.report.overview import OverviewSection
from rnnlens.report.sample_sections import section_parts

__all__ = ["merge_reports"]

#: Header facts about the run rather than a model: shown once.
_RUN_FACTS = ("backend", "created")


def _labelled(items: Sequence[Any], label: str) -> tuple[Any, ...]:
    """Each part named after its model: a state group by its layer, every other part by its title."""
    return tuple(
        replace(item, layer=f"{label} · {item.layer}")
        if isinstance(item, StateGroup)
        else replace(item, title=f"{label} · {item.title}")
        for item in items
    )


def _labelled_overview(
    blocks: Sequence[OverviewSection], label: str, prefix: str
) -> tuple[OverviewSection, ...]:
    """A model's data-set view: each block's id prefixed (two models' blocks must not share an id), its
    heading and every part's title naming the model."""
    return tuple(
        replace(
            block,
            key=f"{prefix}-{block.key}",
            heading=f"{label} · {block.heading}",
            parts=_labelled(block.parts, label),
            folded=_labelled(block.folded, label),
        )
        for block in blocks
    )


def _prefixes(labels: Sequence[str]) -> list[str]:
    """One html-id prefix per label, unique even when two labels read alike.

    Example:
        >>> _prefixes(["RUL model", "Failure model", "rul-model"])
        ['rul-model', 'failure-model', 'rul-model-3']
    """
    found: list[str] = []
    for position, label in enumerate(labels, start=1):
        slug = re.sub(r"[^a-z0-9]+", "-", label.lower()).strip("-") or "model"
        found.append(slug if slug not in found else f"{slug}-{position}")
    return found


def _merged_meta(parts: Sequence[tuple[str, ReportData]]) -> list[tuple[str, str]]:
    """The header's facts: those every model shares once, the others named after their model (facts
    about the run, such as when it was made, once)."""
    shared = set.intersection(*(set(report.meta) for _, report in parts)) if parts else set()
    meta: list[tuple[str, str]] = []
    for label, report in parts:
        for key, value in report.meta:
            if key in _RUN_FACTS and any(key == seen for seen, _ in meta):
                continue
            pair = (
                (key, value)
                if (key, value) in shared or len(parts) == 1 or key in _RUN_FACTS
                else (f"{label} · {key}", value)
            )
            if pair not in meta:
                meta.append(pair)
    return meta


def _sample_title(index: int, titles: Sequence[str], given: Mapping[int, str] | None) -> str:
    """The title given for the sample, else the first report's; flagged when a model got it wrong.

    Example:
        >>> _sample_title(3, ["Sample 3", "Sample 3 (misclassified)"], {3: "Engine 7"})
        'Engine 7 (misclassified)'
    """
    title = (given or {}).get(index) or (titles[0] if titles else f"Sample {index}")
    flag = " (misclassified)"
    return (
        title + flag
        if any(t.endswith(flag) for t in titles) and not title.endswith(flag)
        else title
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

    Every title from a part is prefixed with its label so the reader knows which model speaks: the
    header's facts (model, output, attribution, baseline) too, unless every model shares them. Each model's
    data-set view is kept, its blocks' ids prefixed with the label so they stay unique in the page.
    """
    anatomy: list[Card] = [overview] if overview is not None else []
    predictions: list[Any] = []
    notes: list[str] = []
    data_set_view: list[OverviewSection] = []
    alerts: list[str] = []
    attributions: list[Any] = []
    kinds = sample_sections.SAMPLE_SECTIONS
    sections: dict[int, dict[str, list[Any]]] = {}
    for (label, report), prefix in zip(
        parts, _prefixes([label for label, _ in parts]), strict=True
    ):
        data_set_view.extend(_labelled_overview(report.overview, label, prefix))
        alerts.extend(f"{label}: {alert}" for alert in report.alerts)
        attributions.extend(report.attributions)
        anatomy.extend(replace(card, title=f"{label} · {card.title}") for card in report.anatomy)
        predictions.extend(
            replace(table, title=f"{label} · {table.title}") for table in report.predictions
        )
        notes.extend(f"{label}: {note}" for note in report.notes)
        for sample in report.samples:
            merged = sections.setdefault(
                sample.index,
                {"summary": [], "notes": [], "title": [], **{kind.key: [] for kind in kinds}},
            )
            merged["title"].append(sample.title)
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
                title=_sample_title(index, merged["title"], sample_titles),
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
        meta=tuple(_merged_meta(parts)),
        alerts=tuple(alerts),
        attributions=tuple(attributions),
        overview=tuple(data_set_view),
    )
