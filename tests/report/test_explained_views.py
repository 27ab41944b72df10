"""Inputs beside attributions, and the walk from F(baseline) to F(x) (#13 items 1 and 2)."""

from __future__ import annotations

import base64
import json
import warnings
from dataclasses import replace
from typing import Any

import keras
import numpy as np
import pytest

from rnnlens.attribution import attribute
from rnnlens.errors import ShapeError
from rnnlens.report import collect_report, render_html
from rnnlens.report.explained_figures import inputs_figure, waterfall_figure
from rnnlens.report.explained_parts import (
    attribution_units,
    baseline_walk,
    inputs_beside_attributions,
)
from rnnlens.report.explained_views import InputsPlot, Waterfall
from rnnlens.report.sample_sections import SAMPLE_SECTIONS as KINDS
from rnnlens.report.sample_sections import SampleContext, inputs_section, section_parts
from tests.helpers import random_series, random_tokens, small_forecaster, small_sentiment
from tests.report.builders import PAYLOADS


def _regressor(features: int = 3) -> keras.Model:
    keras.utils.set_random_seed(3)
    inputs = keras.Input((6, features), name="sensors")
    hidden = keras.layers.LSTM(4)(inputs)
    return keras.Model(inputs, keras.layers.Dense(1, name="rul")(hidden))


def _decode(spec: dict[str, Any]) -> np.ndarray:
    return np.frombuffer(base64.b64decode(spec["bdata"]), dtype="<f4")


def _parts(report: Any, key: str) -> tuple[Any, ...]:
    kind = next(kind for kind in KINDS if kind.key == key)
    return section_parts(report.samples[0], kind)


def test_the_waterfall_goes_from_keras_baseline_output_to_keras_output() -> None:
    model = _regressor()
    x = random_series(2, 6, 3, seed=1)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        result = attribute(model, x, method="ig", target=0, n_steps=16)
    walk = baseline_walk([result], 1, units="units of rul", max_bars=2)
    assert walk is not None
    expected = model.predict(x, verbose=0)[1, 0]
    zero = model.predict(np.zeros_like(x[:1]), verbose=0)[0, 0]
    assert walk.end == pytest.approx(expected, abs=1e-5)
    assert walk.start == pytest.approx(zero, abs=1e-5)
    names = [name for name, _ in walk.contributions]
    assert names[-2:] == ["other (1)", "completeness gap"]
    values = np.array([value for _, value in walk.contributions])
    assert values.sum() == pytest.approx(walk.end - walk.start, abs=1e-6)
    # The gap bar is the result's completeness gap, with the sign that closes the walk at F(x).
    assert values[-1] == pytest.approx(-float(result.completeness_gap[1]), abs=1e-7)
    by_feature = result.values[1].sum(axis=0)
    top = np.argsort(-np.abs(by_feature))[:2]
    assert names[:2] == [f"feature {k}" for k in top]
    assert values[:2] == pytest.approx(by_feature[top], abs=1e-6)

    figure = waterfall_figure(walk)["data"][0]
    tops = np.array(figure["base"]) + np.array(figure["y"])
    # Each contribution floats where the previous one ended; the last one ends at F(x).
    assert figure["base"][1:-1] == pytest.approx([walk.start, *tops[1:-2]], abs=1e-6)
    assert tops[-2] == pytest.approx(walk.end, abs=1e-6) and figure["y"][-1] == walk.end


def test_a_waterfall_that_does_not_add_up_is_refused() -> None:
    with pytest.raises(ShapeError, match="completeness gap"):
        Waterfall(title="w", start=1.0, end=2.0, contributions=(("a", 0.5),))


def test_inputs_are_shown_in_original_units_with_a_scaler_and_the_top_feature_first() -> None:
    model = _regressor()
    x = random_series(1, 6, 3, seed=2)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        result = attribute(model, x, method="ig", target=0, n_steps=16)
    scaler = {"mean": [10.0, 20.0, 30.0], "std": [2.0, 4.0, 8.0]}
    plot = inputs_beside_attributions(
        result,
        0,
        units="cycles of rul",
        scaler=scaler,
        feature_names=("a", "b", "c"),
        time_ticks=tuple(str(t) for t in range(101, 107)),
        step_name="cycle",
        max_rows=2,
    )
    assert plot is not None
    order = np.argsort(-np.abs(result.values[0]).sum(axis=0))[:2]
    assert plot.features == tuple("abc"[k] for k in order)
    original = x[0] * np.array([2.0, 4.0, 8.0]) + np.array([10.0, 20.0, 30.0])
    np.testing.assert_allclose(plot.values, original[:, order].T, rtol=1e-6)
    np.testing.assert_allclose(plot.attributions, result.values[0][:, order].T, rtol=1e-6)
    assert plot.value_label == "original units" and "2 most attributed of 3" in plot.note

    figure = inputs_figure(plot)
    first = figure["data"][0]
    # Hover shows the input value (y) and its attribution (customdata) of the same cell.
    np.testing.assert_allclose(_decode(first["y"]), plot.values[0], rtol=1e-6)
    np.testing.assert_allclose(first["customdata"], plot.attributions[0], rtol=1e-6)
    assert "customdata" in first["hovertemplate"] and "cycle" in first["hovertemplate"]
    assert first["x"] == list(plot.x_ticks)
    assert first["marker"]["colorbar"]["title"]["text"] == "attribution (cycles of rul)"
    assert figure["layout"]["xaxis"]["title"]["text"] == "cycle"
    without = inputs_beside_attributions(result, 0, units="u")
    assert without is not None and without.value_label == "as fed to the model"
    every = np.argsort(-np.abs(result.values[0]).sum(axis=0), kind="stable")
    np.testing.assert_allclose(without.values, x[0][:, every].T, rtol=1e-6)


@pytest.mark.filterwarnings("ignore::UserWarning")
def test_a_report_with_a_scaler_shows_the_forecasters_input_in_original_units() -> None:
    x = random_series(2)
    report = collect_report(
        small_forecaster(),
        x,
        samples=[1],
        states=False,
        decode_options={"scaler": {"mean": [10.0], "std": [2.0]}},
        method_options={"n_steps": 8},
        faithfulness=False,
    )
    (plot,) = _parts(report, "inputs")
    np.testing.assert_allclose(plot.values[0], x[1, :, 0] * 2.0 + 10.0, rtol=1e-6)
    (walk,) = _parts(report, "prediction")
    assert walk.units == "scaled units of forecast"
    assert all("scaled units of forecast" in h.value_label for h in report.samples[0].attributions)


def test_token_models_put_tokens_on_every_time_axis_and_probabilities_on_colour_bars() -> None:
    vocab = tuple(f"w{i}" for i in range(50))
    tokens = random_tokens(1)
    report = collect_report(
        small_sentiment(),
        tokens,
        labels=("negative", "positive"),
        vocab=vocab,
        method_options={"n_steps": 8},
        faithfulness=False,
    )
    sample = report.samples[0]
    words = tuple(vocab[int(t)] for t in tokens[0])
    for group in sample.states:
        for heat in group.heatmaps:
            assert heat.x_ticks == words and heat.x_label == "token"
    (scores,) = sample.attributions
    assert scores.value_label == "attribution (probability of 'positive')"
    (walk,) = _parts(report, "prediction")
    assert walk.units == "probability of 'positive'"
    assert all(name.split(" [")[0] in vocab for name, _ in walk.contributions[:8])
    assert _parts(report, "inputs") == ()


def test_units_name_the_explained_output() -> None:
    from types import SimpleNamespace as NS

    regression = NS(name="rul", size=1, head=NS(meaning="value"))
    target = NS(target="output 'rul', unit 0")
    assert attribution_units(regression, target, 0, value_units="cycles") == "cycles of rul"
    softmax = NS(name="probs", size=3, head=NS(meaning="logits"))
    decoded = NS(meta={"class_names": ["cat", "dog", "eel"]})
    unit2 = NS(target="output 'probs', unit 2")
    assert attribution_units(softmax, unit2, 0, interpretation=decoded) == "logit of class 'eel'"


def test_feature_names_are_escaped_in_the_views_and_the_page() -> None:
    names = tuple(f"s{k}{PAYLOADS[k]}" for k in range(3))
    walk = Waterfall(
        title=names[0], start=0.0, end=1.0, contributions=((names[1], 1.0),), units=names[2]
    )
    plot = InputsPlot(
        title="inputs",
        features=names,
        values=np.zeros((3, 2)),
        attributions=np.ones((3, 2)),
        x_ticks=("0", "1"),
        attribution_label=names[2],
    )
    for view in (walk, plot):
        text = str(view.figure_json())
        assert "<" not in text and ">" not in text
        spec = json.loads(text)
        assert "<script" not in json.dumps(spec)
    report = collect_report(
        _regressor(),
        random_series(1, 6, 3),
        states=False,
        method_options={"n_steps": 8},
        faithfulness=False,
    )
    sample = report.samples[0]
    (plot_in_report,) = dict(sample.extra)["inputs"]
    evil = replace(plot_in_report, features=names[: len(plot_in_report.features)])
    extra = tuple((key, (evil,) if key == "inputs" else parts) for key, parts in sample.extra)
    page = render_html(replace(report, samples=(replace(sample, extra=extra),)))
    for payload in PAYLOADS[:4]:
        assert payload not in page


def test_the_inputs_section_reads_the_context_scaler_and_step_name() -> None:
    model = _regressor()
    x = random_series(1, 6, 3)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        result = attribute(model, x, method="ig", target=0, n_steps=8)
    from rnnlens import inspect_model
    from rnnlens.data import Dataset

    spec = inspect_model(model)
    context = SampleContext(
        position=0,
        sample=0,
        spec=spec,
        out=spec.output(0),
        dataset=Dataset(inputs={"sensors": x}),
        batch=[x],
        results=(result,),
        step_name="cycle",
        value_units="cycles",
        input_scaler={"mean": [1.0] * 3, "std": [3.0] * 3},
    )
    (plot,) = inputs_section(context)
    assert plot.step_name == "cycle" and plot.attribution_label == "attribution (cycles of rul)"
    assert float(plot.values.max()) == pytest.approx(float((x[0] * 3.0 + 1.0).max()), rel=1e-6)
