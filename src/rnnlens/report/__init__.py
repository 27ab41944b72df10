"""The interactive HTML report: rnnlens results -> a pure data model (:mod:`.data`) -> one HTML page.

``rnnlens.report`` is also callable: ``rnnlens.report(model, data, "report.html")`` is
:func:`render_report` (type checkers know it as ``rnnlens.render_report``).

Example:
    >>> import rnnlens
    >>> rnnlens.report(model, x_test, "report.html", samples=[0, 3])  # doctest: +SKIP
"""

from __future__ import annotations

import sys
import types
from pathlib import Path
from typing import Any

import rnnlens.report.adapters as _adapters  # noqa: F401  (registers how results are displayed)
from rnnlens.report.api import render_report
from rnnlens.report.collect import collect_report
from rnnlens.report.data import (
    Card,
    DiagnosticsPanel,
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
    "DiagnosticsPanel",
    "Heatmap",
    "Line",
    "ReportData",
    "SampleSection",
    "SeriesPlot",
    "StateGroup",
    "Table",
    "TokenScores",
    "collect_report",
    "render_html",
    "render_report",
    "result_html",
    "write_report",
]


class _CallableModule(types.ModuleType):
    """Lets ``rnnlens.report(...)`` call :func:`render_report` while ``rnnlens.report.html`` stays a module."""

    def __call__(self, *args: Any, **kwargs: Any) -> Path:
        return render_report(*args, **kwargs)


sys.modules[__name__].__class__ = _CallableModule
# ``rnnlens.__getattr__("report")`` looks the name up in this module: it is the module itself.
report = sys.modules[__name__]
