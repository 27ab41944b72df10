"""AttributionResult shows itself in notebooks, with every user string escaped."""

from __future__ import annotations

from rnnlens.attribution import IntegratedGradients
from tests.helpers import random_series, small_forecaster


def test_attribution_result_renders_html():
    model = small_forecaster()
    result = IntegratedGradients(model).attribute(random_series(2, 10, 1), target=(9, 0), n_steps=8)
    html = result._repr_html_()
    assert "<table" in html or "<div" in html
    assert "<script" not in html  # notebook fragments carry no scripts
