"""result_html on rnnlens's own result objects: the ``_repr_html_`` helper the result classes call."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

from rnnlens.attribution import attribute
from rnnlens.decoding import decode
from rnnlens.inspection import inspect_model
from rnnlens.report import ReportData, result_html
from rnnlens.tracing import trace
from tests.helpers import random_series, small_forecaster
from tests.report.builders import full_report
from tests.report.page_parser import PageStructure


@pytest.fixture(scope="module")
def model_and_data() -> tuple[Any, np.ndarray]:
    return small_forecaster(), random_series(2)


def test_model_spec_shows_its_cards(model_and_data: tuple[Any, np.ndarray]) -> None:
    model, _ = model_and_data
    spec = inspect_model(model)
    fragment = result_html(spec)
    assert "Output 0: forecast" in fragment
    assert spec.outputs[0].facts[0] in fragment


def test_trace_shows_sample_0_with_values_on_hover(model_and_data: tuple[Any, np.ndarray]) -> None:
    model, x = model_and_data
    result = trace(model, x)
    fragment = result_html(result)
    hidden = np.asarray(result["lstm"].hidden)
    assert "<script" not in fragment
    assert f'title="time step 4, unit 2: {hidden[0, 4, 2]:.4g}"' in fragment
    assert "forget gate f" in fragment


def test_attribution_shows_its_heatmap(model_and_data: tuple[Any, np.ndarray]) -> None:
    model, x = model_and_data
    result = attribute(model, x, method="saliency", target=(9, 0))
    fragment = result_html(result)
    assert "saliency" in fragment
    assert f'title="time step 9, feature feature 0: {result.values[0, 9, 0]:.4g}"' in fragment


def test_interpretation_shows_its_table(model_and_data: tuple[Any, np.ndarray]) -> None:
    model, x = model_and_data
    fragment = result_html(decode(model, x), title="Forecasts")
    assert "<h3>Forecasts</h3>" in fragment
    assert PageStructure(fragment).visible_text.count("value") >= 1


def test_report_data_displays_itself_in_notebooks() -> None:
    report = full_report(n_samples=1)
    assert isinstance(report, ReportData)
    fragment = report._repr_html_()
    assert "<script" not in fragment
    assert report.samples[0].title in fragment
