"""Figure specs: exact typed arrays, escaped labels, JSON that cannot leave its <script> element."""

from __future__ import annotations

import base64
import json

import numpy as np
from hypothesis import given
from hypothesis import strategies as st

from rnnlens.report import Heatmap, Line, SeriesPlot
from rnnlens.report.figures import (
    heatmap_figure,
    label,
    series_figure,
    spec_json,
    typed_array,
    unique_ticks,
)
from tests.report.builders import PAYLOADS, heatmap


def decode(spec: dict) -> np.ndarray:
    array = np.frombuffer(base64.b64decode(spec["bdata"]), dtype="<f4")
    if "shape" in spec:
        array = array.reshape([int(n) for n in spec["shape"].split(",")])
    return array


def test_typed_array_round_trips_exactly() -> None:
    values = np.random.default_rng(0).normal(size=(5, 7)).astype(np.float32)
    spec = typed_array(values)
    assert spec["dtype"] == "f4" and spec["shape"] == "5, 7"
    np.testing.assert_array_equal(decode(spec), values)


def test_heatmap_figure_carries_the_values_and_ticks() -> None:
    heat = heatmap(3, 4)
    figure = heatmap_figure(heat)
    trace = figure["data"][0]
    np.testing.assert_array_equal(decode(trace["z"]), heat.values)
    assert trace["x"] == list(heat.x_ticks)
    assert trace["y"] == list(heat.y_ticks)
    assert "%{z:.4g}" in trace["hovertemplate"]
    assert figure["layout"]["yaxis"]["autorange"] == "reversed"


def test_diverging_limits_are_symmetric_and_sequential_limits_are_kept() -> None:
    values = np.array([[-1.0, 3.0]])
    diverging = heatmap_figure(Heatmap("h", values, "t", ("0", "1"), "f", ("a",)))["data"][0]
    assert (diverging["zmin"], diverging["zmax"]) == (-3.0, 3.0)
    gate = Heatmap("g", values, "t", ("0", "1"), "f", ("a",), scale="sequential", zmin=0, zmax=1)
    trace = heatmap_figure(gate)["data"][0]
    assert (trace["zmin"], trace["zmax"]) == (0, 1)


def test_repeated_ticks_are_told_apart() -> None:
    assert unique_ticks(["the", "cat", "the"]) == ["the [0]", "cat", "the [2]"]


def test_long_ticks_are_shortened_for_display_only() -> None:
    name = "x" * 30 + "<b>"
    figure = heatmap_figure(Heatmap("h", np.zeros((1, 1)), "t", ("0",), "f", (name,)))
    axis = figure["layout"]["yaxis"]
    assert axis["tickvals"] == [label(name)]
    assert axis["ticktext"][0].endswith("…") and len(axis["ticktext"][0]) <= 25
    assert figure["data"][0]["y"] == [label(name)]


def test_label_escapes_markup_and_template_variables() -> None:
    assert label("<b>%{z}</b> & co") == "&lt;b&gt;&#37;{z}&lt;/b&gt; &amp; co"


@given(st.text())
def test_spec_json_has_no_markup_characters_and_round_trips(text: str) -> None:
    figure = {"data": [{"name": text, "x": [1.5, float("nan")]}], "layout": {}}
    encoded = spec_json(figure)
    assert "<" not in encoded and ">" not in encoded and "&" not in encoded
    decoded = json.loads(encoded)
    assert decoded["data"][0]["name"] == text
    assert decoded["data"][0]["x"] == [1.5, None]


def test_payloads_cannot_close_the_script_element() -> None:
    heat = Heatmap("h", np.zeros((1, len(PAYLOADS))), "t", PAYLOADS, "f", PAYLOADS[:1])
    encoded = spec_json(heatmap_figure(heat))
    assert "</script" not in encoded.lower()
    assert json.loads(encoded)["data"][0]["x"] == unique_ticks(PAYLOADS)


def test_series_figure_has_one_trace_per_line() -> None:
    series = SeriesPlot(
        "s",
        np.arange(3),
        (Line("a", np.array([1.0, np.nan, 2.0])), Line("b", np.zeros(3), dashed=True)),
    )
    figure = series_figure(series)
    assert [t["name"] for t in figure["data"]] == ["a", "b"]
    np.testing.assert_array_equal(decode(figure["data"][0]["y"]), series.lines[0].values)
    assert figure["data"][1]["line"] == {"dash": "dash"}
