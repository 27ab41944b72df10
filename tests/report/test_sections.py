"""Per-sample adapters: every cell of a report part is the value of the result it came from."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

from rnnlens.attribution import Target, attribute
from rnnlens.errors import ShapeError
from rnnlens.report import Heatmap, TokenScores
from rnnlens.report.sections import (
    alignment_heatmap,
    attribution_parts,
    forecast_plot,
    state_groups,
    token_labels,
)
from rnnlens.tracing import trace
from tests.helpers import (
    random_series,
    random_tokens,
    small_forecaster,
    small_sentiment,
    small_translator,
)


@pytest.fixture(scope="module")
def forecaster() -> Any:
    return small_forecaster()


@pytest.fixture(scope="module")
def series() -> np.ndarray:
    return random_series(3)


def test_state_heatmaps_are_the_trace_transposed(forecaster: Any, series: np.ndarray) -> None:
    result = trace(forecaster, series)
    (group,) = state_groups(result, 2)
    layer = result["lstm"]
    assert group.layer == "lstm" and group.kind == "LSTM"
    assert [h.value_label for h in group.heatmaps][:2] == ["hidden state h", "cell state c"]
    for heat, values in zip(group.heatmaps, layer.values.values(), strict=True):
        np.testing.assert_array_equal(heat.values, np.asarray(values[2]).T)
        assert heat.x_label == "time step" and heat.y_label == "unit"
    gates = {h.value_label: h for h in group.heatmaps}
    assert (gates["forget gate f"].zmin, gates["forget gate f"].zmax) == (0.0, 1.0)
    assert gates["forget gate f"].scale == "sequential"
    assert gates["candidate"].scale == "diverging" and gates["candidate"].zmin is None


def test_hidden_state_heatmap_equals_the_keras_layer_output(
    forecaster: Any, series: np.ndarray
) -> None:
    import keras

    lstm_out = keras.Model(forecaster.inputs, forecaster.get_layer("lstm").output)([series])
    (group,) = state_groups(trace(forecaster, series), 1)
    np.testing.assert_allclose(group.heatmaps[0].values, np.asarray(lstm_out)[1].T, atol=1e-5)


def test_feature_attribution_is_a_feature_by_time_heatmap(
    forecaster: Any, series: np.ndarray
) -> None:
    result = attribute(forecaster, series, method="ig", target=(9, 0), n_steps=16)
    (heat,) = attribution_parts(result, 1, feature_names=["load"], time_ticks=list("abcdefghij"))
    assert isinstance(heat, Heatmap)
    np.testing.assert_array_equal(heat.values, result.values[1].T)
    assert heat.y_ticks == ("load",) and heat.x_ticks == tuple("abcdefghij")
    # Completeness (zero baseline): the cells sum to F(x) - F(0) for the explained step.
    y = (
        np.asarray(forecaster(series))[1, 9, 0]
        - np.asarray(forecaster(np.zeros_like(series)))[1, 9, 0]
    )
    assert heat.values.sum() == pytest.approx(y, abs=1e-4)


def test_every_step_attribution_gives_an_output_by_input_matrix(
    forecaster: Any, series: np.ndarray
) -> None:
    result = attribute(
        forecaster, series, method="ig", target=Target(time="all", unit=0), n_steps=16
    )
    matrix, last = attribution_parts(result, 0)
    assert isinstance(matrix, Heatmap) and isinstance(last, Heatmap)
    np.testing.assert_array_equal(matrix.values, result.values[0].sum(axis=-1))
    np.testing.assert_array_equal(last.values, result.values[0, -1].T)
    assert matrix.y_label == "output step" and matrix.y_ticks == tuple(str(t) for t in range(10))
    # A causal LSTM: output step t cannot depend on later input steps.
    assert np.all(np.triu(matrix.values, k=1) == 0)


def test_token_attribution_becomes_coloured_tokens() -> None:
    model = small_sentiment()
    tokens = random_tokens(2, 20, 50)
    result = attribute(model, tokens, method="saliency")
    vocab = [f"w{i}" for i in range(50)]
    (scores,) = attribution_parts(result, 1, vocab=vocab)
    assert isinstance(scores, TokenScores)
    assert scores.tokens == tuple(vocab[i] for i in tokens[1])
    np.testing.assert_array_equal(scores.scores, result.values[1])


def test_alignment_is_decoder_step_by_encoder_token() -> None:
    model = small_translator()
    source, target = random_tokens(2, 6, 20, seed=1), random_tokens(2, 5, 20, seed=2)
    encoder, _ = attribute(
        model, [source, target], method="saliency", target=Target(time="all", unit="predicted")
    )
    heat = alignment_heatmap(encoder, 0, vocab=[f"s{i}" for i in range(20)])
    assert heat.values.shape == (5, 6)
    assert heat.x_ticks == tuple(f"s{i}" for i in source[0])
    np.testing.assert_array_equal(heat.values, encoder.values[0])
    with pytest.raises(ShapeError, match="Explain every decoder step"):
        last_only = attribute(model, [source, target], method="saliency", target=(4, "predicted"))
        alignment_heatmap(last_only[0], 0)


def test_forecast_plot_lines() -> None:
    predictions = np.arange(6.0).reshape(3, 2)
    plot = forecast_plot(
        predictions,
        target_names=["a", "b"],
        inputs=np.ones((3, 1)),
        truth=np.zeros((3, 2)),
        start=10,
    )
    assert [line.name for line in plot.lines] == [
        "prediction: a",
        "prediction: b",
        "truth: a",
        "truth: b",
        "input: feature 0",
    ]
    np.testing.assert_array_equal(plot.x, [10, 11, 12])
    np.testing.assert_array_equal(plot.lines[1].values, [1, 3, 5])
    many = forecast_plot(np.zeros(3), inputs=np.ones((3, 4)))
    assert [line.name for line in many.lines] == ["prediction"]  # four inputs: too many to draw


def test_token_labels_fall_back_to_ids() -> None:
    assert token_labels(np.array([0, 2, 5]), ["<pad>", "a", "b"]) == ("<pad>", "b", "5")
    assert token_labels(np.array([3]), None) == ("3",)


@pytest.mark.parametrize("offset", [1, 2, -1])
def test_forecast_plot_draws_each_prediction_at_the_step_it_estimates(offset: int) -> None:
    predictions = np.array([1.0, 2.0, 3.0])
    inputs = np.array([[10.0], [20.0], [30.0]])
    plot = forecast_plot(
        predictions, inputs=inputs, truth=predictions + 0.5, start=5, target_offset=offset
    )
    x = plot.x.tolist()
    assert len(x) == 3 + abs(offset) and x == list(range(int(x[0]), int(x[0]) + len(x)))
    prediction, truth, reading = (
        dict(zip(x, line.values.tolist(), strict=True)) for line in plot.lines
    )
    for step in range(3):
        assert prediction[5 + step + offset] == predictions[step]  # output t estimates t + offset
        assert truth[5 + step + offset] == predictions[step] + 0.5
        assert reading[5 + step] == inputs[step, 0]  # inputs stay at their own step
    assert np.isnan([v for k, v in prediction.items() if not 0 <= k - 5 - offset < 3]).all()
