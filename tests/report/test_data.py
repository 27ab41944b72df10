"""The report data model: shapes are checked up front, arrays are frozen."""

from __future__ import annotations

import numpy as np
import pytest

from rnnlens.errors import RnnlensError, ShapeError
from rnnlens.report import (
    Heatmap,
    Line,
    ReportData,
    SampleSection,
    SeriesPlot,
    Table,
    TokenScores,
)
from tests.report.builders import heatmap


def test_heatmap_keeps_values_as_frozen_float32_copy() -> None:
    source = np.arange(6, dtype=np.float64).reshape(2, 3)
    heat = Heatmap("h", source, "time", ("0", "1", "2"), "feature", ("a", "b"))
    source[0, 0] = 99.0
    assert heat.values.dtype == np.float32
    assert heat.values[0, 0] == 0.0
    with pytest.raises(ValueError):
        heat.values[0, 0] = 1.0


def test_heatmap_tick_count_mismatch_names_the_shapes() -> None:
    with pytest.raises(ShapeError, match=r"shape \(2, 3\).*3 y ticks and 3 x ticks.*Transpose"):
        Heatmap("h", np.zeros((2, 3)), "time", ("0", "1", "2"), "feature", ("a", "b", "c"))


def test_heatmap_rejects_wrong_rank_and_scale() -> None:
    with pytest.raises(ShapeError, match="2 axis"):
        Heatmap("h", np.zeros((2, 3, 1)), "t", ("0", "1", "2"), "f", ("a", "b"))
    with pytest.raises(ShapeError, match="'diverging' or 'sequential'"):
        Heatmap("h", np.zeros((1, 1)), "t", ("0",), "f", ("a",), scale="rainbow")  # type: ignore[arg-type]


def test_non_numeric_values_raise_shape_error() -> None:
    with pytest.raises(ShapeError, match="must be numeric"):
        TokenScores("t", ("a",), np.array(["x"], dtype=object))


def test_token_scores_need_one_score_per_token() -> None:
    with pytest.raises(ShapeError, match="2 tokens but 3 scores"):
        TokenScores("t", ("a", "b"), np.zeros(3))


def test_ticks_must_not_be_a_single_string() -> None:
    with pytest.raises(ShapeError, match="single string"):
        TokenScores("t", "ab", np.zeros(2))  # type: ignore[arg-type]


def test_series_lines_match_x() -> None:
    with pytest.raises(ShapeError, match="line 'y' has 2 points but x has 3"):
        SeriesPlot("s", np.arange(3), (Line("y", np.zeros(2)),))


def test_table_rows_and_links_match_columns() -> None:
    with pytest.raises(ShapeError, match="row 1 has 1 cells but there are 2 columns"):
        Table("t", ("a", "b"), (("1", "2"), ("3",)))
    with pytest.raises(ShapeError, match="`row_links` has 1 entries for 2 rows"):
        Table("t", ("a",), (("1",), ("2",)), row_links=("x",))


def test_sample_indices_are_unique_and_integral() -> None:
    with pytest.raises(ShapeError, match="index 3"):
        ReportData("r", "m", samples=(SampleSection(3, "a"), SampleSection(3, "b")))
    with pytest.raises(ShapeError, match="must be an int"):
        SampleSection("3", "a")  # type: ignore[arg-type]
    assert SampleSection(np.int64(4), "a").index == 4


def test_shape_errors_are_rnnlens_errors() -> None:
    assert issubclass(ShapeError, RnnlensError)


def test_sections_accept_lists_and_store_tuples() -> None:
    section = SampleSection(0, "s", attributions=[heatmap(2, 3)], summary=[("a", 1)])  # type: ignore[arg-type]
    assert isinstance(section.attributions, tuple)
    assert section.summary == (("a", "1"),)
