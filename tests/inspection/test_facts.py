"""Facts about a recurrent layer under a head name the layer: none can be read as a fact about the head."""

from __future__ import annotations

import keras
import numpy as np
import pytest

from rnnlens import inspect_model


def _sigmoid_head() -> keras.Model:
    x = keras.Input((5, 2))
    y = keras.layers.Dense(1, activation="sigmoid", name="alarm")(
        keras.layers.LSTM(4, name="lstm")(x)
    )
    return keras.Model(x, y)


def _softmax_sequence_head() -> keras.Model:
    x = keras.Input((5, 2))
    seq, _, _ = keras.layers.LSTM(4, return_sequences=True, return_state=True, name="lstm")(x)
    return keras.Model(x, keras.layers.Dense(100, activation="softmax", name="next")(seq))


def _masked_bidirectional_head() -> keras.Model:
    tokens = keras.Input((6,), dtype="int32")
    emb = keras.layers.Embedding(10, 4, mask_zero=True)(tokens)
    seq = keras.layers.Bidirectional(keras.layers.GRU(3, return_sequences=True), name="bi")(emb)
    return keras.Model(tokens, keras.layers.Dense(2, activation="softmax", name="tag")(seq))


# Phrases that state a fact about "this output" / "the last axis" without naming the recurrent layer.
UNATTRIBUTED = (
    "this output equals state_h",
    "Its last step output[:, -1, :] equals state_h",
    "The full sequence: one vector per timestep",
    "Only the last timestep",
    "Bidirectional concat: the last axis has",
    "the state is carried over unchanged and the output is zero",
)


@pytest.mark.parametrize(
    ("build", "attributed"),
    [
        (_sigmoid_head, "The LSTM layer 'lstm' (feeding the head) returns only its last step"),
        (
            _softmax_sequence_head,
            "that sequence's last step equals its state_h when no step is masked",
        ),
        (_masked_bidirectional_head, "the last axis of the output of layer 'bi' has 6 values"),
    ],
)
def test_facts_under_a_head_name_the_recurrent_layer(build, attributed):
    out = inspect_model(build()).outputs[0]
    text = " ".join(out.facts)
    assert attributed in text
    for phrase in UNATTRIBUTED:
        assert phrase not in text


def test_the_state_h_fact_is_true_of_the_layer_it_names():
    """'that tensor equals its state_h': the LSTM's last-step output equals its state_h in Keras."""
    model = _sigmoid_head()
    lstm = model.get_layer("lstm")
    x = np.random.default_rng(0).normal(size=(3, 5, 2)).astype("float32")
    twin = keras.layers.LSTM(4, return_state=True)
    twin.build(x.shape)
    twin.set_weights(lstm.get_weights())
    _, state_h, _ = twin(x)
    np.testing.assert_allclose(lstm(x), state_h, atol=1e-6)
    # ... and the sigmoid head's output is not that state.
    assert model(x).shape != state_h.shape


def test_masked_sequence_under_a_head_says_whose_output_is_zero():
    out = inspect_model(_masked_bidirectional_head()).outputs[0]
    assert any(
        "at masked steps layer 'bi' carries its state over unchanged and its output is zero" in fact
        for fact in out.facts
    )


def test_without_a_head_the_facts_speak_of_this_output():
    x = keras.Input((5, 2))
    out = inspect_model(keras.Model(x, keras.layers.LSTM(4)(x))).outputs[0]
    assert any("this output equals state_h" in fact for fact in out.facts)
    assert not any("feeding the head" in fact for fact in out.facts)
