"""The predictions table and per-sample summaries, from real decoded predictions."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

from rnnlens.decoding import decode
from rnnlens.report.predictions import format_value, prediction_table, sample_summary
from tests.helpers import random_series, random_tokens, small_forecaster, small_sentiment


@pytest.fixture(scope="module")
def forecast() -> tuple[Any, np.ndarray]:
    model = small_forecaster()
    x = random_series(6)
    return decode(model, x), np.asarray(model.predict(x, verbose=0))


def test_format_value() -> None:
    assert format_value(0.123456) == "0.1235"
    assert format_value(np.float32(2.5e-7)) == "2.5e-07"
    assert format_value(float("nan")) == ""
    assert format_value(np.int64(3)) == "3"
    assert format_value(np.bool_(True)) == "True"
    assert format_value(None) == ""
    assert format_value("<b>") == "<b>"  # escaping is the page's job


def test_per_step_table_is_capped_and_says_so(forecast: tuple[Any, np.ndarray]) -> None:
    interpretation, _ = forecast
    table = prediction_table(interpretation, [10, 11, 12, 13, 14, 15], max_rows=25)
    assert len(table.rows) == 25
    assert "First 25 of 60 rows" in table.caption
    assert table.columns[0] == "sample" and "step" in table.columns
    assert {row[0] for row in table.rows} == {"10", "11", "12"}  # data indices, not batch positions
    assert table.row_links[0] == "sample-10"


def test_table_cells_are_the_keras_predictions(forecast: tuple[Any, np.ndarray]) -> None:
    interpretation, keras_out = forecast
    table = prediction_table(interpretation, list(range(6)))
    value = table.columns.index("value")
    step = table.columns.index("step")
    for row in table.rows:
        assert row[value] == f"{keras_out[int(row[0]), int(row[step]), 0]:.4g}"


def test_summary_of_a_per_step_output_reads_the_last_step(forecast: tuple[Any, np.ndarray]) -> None:
    interpretation, keras_out = forecast
    summary = dict(sample_summary(interpretation, 3))
    assert summary["value at step 9"] == f"{keras_out[3, 9, 0]:.4g}"
    assert sample_summary(interpretation, 99) == ()


def test_summary_of_a_per_sample_output_is_its_row() -> None:
    model = small_sentiment()
    tokens = random_tokens(3, 20, 50)
    interpretation = decode(model, tokens)
    probability = np.asarray(model.predict(tokens, verbose=0))[:, 0]
    summary = dict(sample_summary(interpretation, 2))
    assert summary["probability"] == f"{probability[2]:.4g}"
    assert summary["predicted"] == str(int(probability[2] >= 0.5))
