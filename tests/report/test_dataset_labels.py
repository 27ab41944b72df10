"""What a Dataset carries reaches the report's attributions, and class names never break a regression report."""

from __future__ import annotations

import numpy as np

from rnnlens.data import Dataset
from rnnlens.report import collect_report


def test_feature_names_and_ids_reach_the_attributions(forecaster, series, monkeypatch):
    import rnnlens.attribution

    data = Dataset(
        inputs={"x": series},
        feature_names=("vibration",),
        sequence_ids=np.array([f"engine-{i}" for i in range(len(series))]),
    )
    seen = []
    real = rnnlens.attribution.attribute

    def recording(model, inputs, **kwargs):
        result = real(model, inputs, **kwargs)
        seen.append(result)
        return result

    monkeypatch.setattr(rnnlens.attribution, "attribute", recording)
    report = collect_report(forecaster, data, samples=[1, 2])
    assert report.samples
    (result,) = seen
    assert result.feature_names == ("vibration",)
    assert list(result.sample_ids) == ["engine-1", "engine-2"]


def test_class_names_in_the_data_do_not_break_a_regression_report(forecaster, series):
    data = Dataset(inputs={"x": series}, labels=("low", "high"))
    report = collect_report(forecaster, data, samples=[0])
    assert report.predictions
