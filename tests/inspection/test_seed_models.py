"""The three models of the user's seed document, described fact by fact."""

from __future__ import annotations

import json

import pytest

from rnnlens import inspect_model
from tests.helpers import build_forecaster, build_sentiment_classifier, build_translator


@pytest.fixture(scope="module")
def forecaster_spec():
    return inspect_model(build_forecaster(units=4))


@pytest.fixture(scope="module")
def sentiment_spec():
    return inspect_model(build_sentiment_classifier(units=4))


@pytest.fixture(scope="module")
def translator_spec():
    return inspect_model(build_translator(units=4))


def test_forecaster_is_a_causal_many_to_many_regression(forecaster_spec):
    out = forecaster_spec.outputs[0]
    assert out.name == "forecast"
    assert out.shape == (None, 10, 1)
    assert out.axes == ("batch", "time", "targets")
    assert out.kind == "sequence"
    assert out.source_layer == "lstm"
    assert out.head.layers == ("forecast",)
    assert out.head.meaning == "value"
    assert out.head.activation == "linear"
    assert out.loss == "mean_squared_error"
    assert out.task == "forecasting"
    assert out.pattern == "many-to-many"
    assert out.causal is True
    assert out.warnings == ()
    assert forecaster_spec.pattern == "many-to-many"


def test_sentiment_is_a_thresholded_probability_from_the_last_step(sentiment_spec):
    out = sentiment_spec.outputs[0]
    assert out.axes == ("batch", "labels")
    assert out.kind == "last_step"
    assert out.head.meaning == "probability"
    assert out.head.range == (0.0, 1.0)
    assert out.task == "binary_classification"
    assert out.pattern == "many-to-one"
    assert out.causal is None
    # The state_h fact is about the LSTM's output under the sigmoid head, not about the probability.
    assert "The LSTM layer 'lstm' (feeding the head) returns only its last step" in " ".join(
        out.facts
    )
    assert any("that tensor equals its state_h" in fact for fact in out.facts)
    (tokens,) = sentiment_spec.inputs
    assert tokens.tokens and tokens.vocab_size == 1000
    assert tokens.axes == ("batch", "time")


def test_translator_is_an_encoder_decoder_over_100_tokens(translator_spec):
    out = translator_spec.outputs[0]
    assert out.shape == (None, 10, 100)
    assert out.axes == ("batch", "time", "classes")
    assert out.head.meaning == "distribution"
    assert out.task == "sequence_generation"
    assert out.pattern == "encoder-decoder"
    assert out.causal is True  # in the decoder input
    assert any("teacher forcing" in fact for fact in out.facts)
    decoder = translator_spec.layer("decoder_gru")
    assert decoder.initial_state_from == ("encoder_gru",)
    encoder = translator_spec.layer("encoder_gru")
    assert encoder.return_state and not encoder.return_sequences
    assert [i.name for i in translator_spec.inputs] == ["encoder_tokens", "decoder_tokens"]
    assert all(i.tokens and i.vocab_size == 100 for i in translator_spec.inputs)


def test_to_dict_is_json_and_holds_the_same_facts(translator_spec):
    data = json.loads(json.dumps(translator_spec.to_dict()))
    out = data["outputs"][0]
    assert out["axes"] == ["batch", "time", "classes"]
    assert out["kind"] == "sequence"
    assert out["head"]["meaning"] == "distribution"
    assert out["pattern"] == "encoder-decoder"
    assert out["is_sequence"] is True
    assert data["pattern"] == "encoder-decoder"
    assert data["recurrent_layers"][1]["initial_state_from"] == ["encoder_gru"]
    assert data["warnings"] == []


def test_explain_reads_out_every_output(translator_spec, sentiment_spec):
    text = translator_spec.explain()
    assert "Output 0 'next_token'" in text
    assert "classes=100" in text
    assert "encoder_gru" in text
    assert "threshold" in sentiment_spec.explain()


def test_seed_code_as_written_is_described_once_built():
    """The seed's Sequential models without keras.Input: unbuilt models get a clear error, built ones work."""
    import keras
    import numpy as np

    from rnnlens import UnsupportedLayerError

    model = keras.Sequential(
        [
            keras.layers.Embedding(input_dim=50, output_dim=4),
            keras.layers.LSTM(4),
            keras.layers.Dense(1, activation="sigmoid"),
        ]
    )
    model.compile(optimizer="adam", loss="binary_crossentropy")
    with pytest.raises(UnsupportedLayerError, match="not built"):
        inspect_model(model)
    tokens = np.random.default_rng(0).integers(0, 50, size=(8, 6))
    model.fit(tokens, np.arange(8) % 2, epochs=1, verbose=0)
    spec = inspect_model(model)
    assert spec.outputs[0].task == "binary_classification"
    assert spec.inputs[0].tokens and spec.inputs[0].vocab_size == 50


def test_notebook_display_escapes_names():
    import keras

    x = keras.Input((3, 2), name="x")
    y = keras.layers.Dense(1, name="p")(keras.layers.LSTM(2, name="lstm")(x))
    spec = inspect_model(keras.Model(x, y, name="<img src=x onerror=alert(1)>"))
    html = spec._repr_html_()
    assert "<img src=x" not in html
    assert "&lt;img src=x onerror=alert(1)&gt;" in html
    assert "lstm" in html
