"""Trace shows itself in notebooks as script-free heatmaps."""

from __future__ import annotations

import rnnlens
from tests.helpers import random_series, small_forecaster


def test_trace_renders_html():
    html = rnnlens.trace(small_forecaster(), random_series(2, 10, 1))._repr_html_()
    assert "forget" in html
    assert "<script" not in html
