"""result_html: the script-free notebook fragment behind ``_repr_html_``."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from rnnlens.report import Card, Heatmap, Table, TokenScores, result_html
from tests.report.builders import PAYLOADS, full_report
from tests.report.page_parser import PageStructure


def test_heatmap_cells_carry_their_values() -> None:
    values = np.array([[0.5, -0.25], [1.0, np.nan]])
    fragment = result_html(Heatmap("Map", values, "time", ("0", "1"), "feature", ("a", "b")))
    assert "<script" not in fragment
    assert 'title="time 1, feature a: -0.25"' in fragment
    assert 'title="time 0, feature b: 1"' in fragment
    assert "background:rgba(178,24,43,0.900)" in fragment  # the largest positive value: full red
    assert "transparent" in fragment  # the NaN cell


def test_large_heatmaps_are_summarised_not_drawn() -> None:
    values = np.arange(12.0).reshape(3, 4)
    heat = Heatmap("Big", values, "t", tuple("0123"), "u", tuple("abc"))
    fragment = result_html(heat, max_cells=10)
    assert "3 × 4" in fragment and "from 0 to 11" in fragment
    assert "<td" not in fragment


def test_every_string_is_escaped() -> None:
    report = full_report(n_samples=1, payloads=True)
    fragment = result_html(report)
    structure = PageStructure(fragment)
    assert structure.scripts == []
    assert not any(name.startswith("on") for _, name, _ in structure.attributes)
    for payload in PAYLOADS:
        assert payload in structure.visible_text


def test_parts_render_with_their_titles() -> None:
    card = Card(
        "Output 0", subtitle="forecast", fields=(("shape", "(batch, 10, 1)"),), facts=("f",)
    )
    table = Table("Predictions", ("sample", "value"), (("0", "1.5"),))
    tokens = TokenScores("Tokens", ("good", "bad"), np.array([1.0, -1.0]))
    assert "Output 0" in result_html(card) and "(batch, 10, 1)" in result_html(card)
    assert "<td>1.5</td>" in result_html(table)
    assert ">good</span>" in result_html(tokens, title="Why")
    assert "<h3>Why</h3>" in result_html(tokens, title="Why")


def test_unknown_objects_are_summarised_field_by_field() -> None:
    @dataclass(frozen=True)
    class Result:
        name: str
        values: np.ndarray
        labels: tuple[str, ...]

    fragment = result_html(Result("<b>r</b>", np.array([[1.0, 3.0]]), ("x", "y")))
    assert "&lt;b&gt;r&lt;/b&gt;" in fragment
    assert "array (1, 2) float64, 1 to 3" in fragment
    assert "x, y" in fragment
