"""Every ``rnnlens <command>`` a report or a demo tells the reader to run is a real CLI command."""

from __future__ import annotations

import html
from pathlib import Path

import pandas as pd
import pytest

import rnnlens.demo
import rnnlens.report
from rnnlens.decoding import Interpretation
from rnnlens.report import ReportData, render_html
from rnnlens.report.predictions import prediction_table
from tests.report.page_parser import unknown_commands

SOURCES = [
    *sorted(Path(rnnlens.report.__file__).parent.rglob("*.py")),
    *sorted((Path(rnnlens.report.__file__).parent / "templates").iterdir()),
    *sorted(Path(rnnlens.demo.__file__).parent.rglob("*.py")),
]


def test_the_pattern_finds_a_command_that_does_not_exist() -> None:
    assert unknown_commands("see `rnnlens decode` for all rows") == ["rnnlens decode"]
    assert unknown_commands("f'... `rnnlens decode` writes'", quoted_only=True) == [
        "rnnlens decode"
    ]
    assert unknown_commands("rnnlens predict model.keras x.npy; rnnlens report: lstm") == []


@pytest.mark.parametrize("path", SOURCES, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_templates_and_sources_name_real_commands(path: Path) -> None:
    assert unknown_commands(path.read_text(encoding="utf-8"), quoted_only=True) == []


def test_truncated_table_footnote_names_a_real_command() -> None:
    frame = pd.DataFrame({"sample": [0, 0, 0], "step": [0, 1, 2], "value": [1.0, 2.0, 3.0]})
    interpretation = Interpretation(kind="regression", output="y", table=frame)
    table = prediction_table(interpretation, [7], max_rows=2)
    assert "First 2 of 3 rows" in table.caption
    assert "rnnlens predict" in table.caption
    page = html.unescape(render_html(ReportData(title="t", model_name="m", predictions=(table,))))
    assert "rnnlens predict" in page
    assert unknown_commands(page) == []
