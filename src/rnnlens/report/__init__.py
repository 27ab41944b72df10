"""The interactive HTML report: rnnlens results -> a pure data model (:mod:`.data`) -> one HTML page.

``rnnlens.report`` is also callable: ``rnnlens.report(model, data, path="report.html")`` is
:func:`render_report`.
"""

from __future__ import annotations

from rnnlens.report.data import (
    Card,
    Heatmap,
    Line,
    ReportData,
    SampleSection,
    SeriesPlot,
    StateGroup,
    Table,
    TokenScores,
)
from rnnlens.report.html import render_html, result_html, write_report

__all__ = [
    "Card",
    "Heatmap",
    "Line",
    "ReportData",
    "SampleSection",
    "SeriesPlot",
    "StateGroup",
    "Table",
    "TokenScores",
    "render_html",
    "result_html",
    "write_report",
]
