"""Per-sample sections are a registry of (compute, layout) pairs: a new section is one entry."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

from rnnlens.demo.merge import merge_reports
from rnnlens.report import collect_report, render_html, result_html, sample_sections
from rnnlens.report.data import Heatmap
from rnnlens.report.sample_sections import SampleContext, SectionKind, section_parts
from tests.helpers import random_series, small_forecaster
from tests.report.page_parser import PageStructure


def _input_heatmap(context: SampleContext) -> tuple[Any, ...]:
    values = np.asarray(context.batch[0][context.position], dtype=np.float32).T
    return (
        Heatmap(
            title="Raw input",
            values=values,
            x_label="time step",
            x_ticks=tuple(str(t) for t in range(values.shape[1])),
            y_label="feature",
            y_ticks=tuple(str(f) for f in range(values.shape[0])),
        ),
    )


def test_the_page_draws_the_registered_sections_in_order() -> None:
    keys = [kind.key for kind in sample_sections.SAMPLE_SECTIONS]
    assert keys == [
        "checks",
        "prediction",
        "inputs",
        "attribution",
        "forecast",
        "states",
        "alignment",
    ]
    layouts = {kind.layout for kind in sample_sections.SAMPLE_SECTIONS}
    assert layouts == {"panels", "grid", "groups", "figures"}


def test_a_new_section_is_one_registry_entry(monkeypatch: pytest.MonkeyPatch) -> None:
    extra = SectionKind("raw-input", "Raw input", "grid", _input_heatmap)
    monkeypatch.setattr(
        sample_sections, "SAMPLE_SECTIONS", (*sample_sections.SAMPLE_SECTIONS, extra)
    )
    report = collect_report(
        small_forecaster(), random_series(2), samples=[1], states=False, attributions=False
    )
    (sample,) = report.samples
    (heatmap,) = section_parts(sample, extra)
    assert heatmap.title == "Raw input" and dict(sample.extra)["raw-input"] == (heatmap,)
    page = render_html(report)
    assert PageStructure(page).ids.count("raw-input-1") == 1
    assert "<h4>Raw input</h4>" in page
    assert "Raw input" in result_html(sample)
    merged = merge_reports("Both", [("A", report), ("B", report)])
    titles = [part.title for part in section_parts(merged.samples[0], extra)]
    assert titles == ["A · Raw input", "B · Raw input"]
