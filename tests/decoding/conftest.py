"""Tiny models for the decoding tests, built once per session (untrained: decoding needs no skill)."""

from __future__ import annotations

import keras
import numpy as np
import pytest

from tests.helpers import small_forecaster, small_sentiment, small_translator

START, END = 1, 2
TARGET_VOCAB = ("<pad>", "<start>", "<end>", *(f"w{i}" for i in range(3, 20)))


def _head_model(units: int, activation: str | None, loss, name: str, steps: bool = False):
    keras.utils.set_random_seed(1)
    inputs = keras.Input(shape=(6, 3), name="series")
    hidden = keras.layers.GRU(8, return_sequences=steps, name="gru")(inputs)
    outputs = keras.layers.Dense(units, activation=activation, name="head")(hidden)
    model = keras.Model(inputs, outputs, name=name)
    model.compile(loss=loss)
    return model


@pytest.fixture(scope="session")
def sentiment():
    return small_sentiment()


@pytest.fixture(scope="session")
def forecaster():
    return small_forecaster()


@pytest.fixture(scope="session")
def translator():
    model = small_translator()
    # Sharpen the untrained softmax so greedy choices are well separated and end tokens occur.
    dense = model.get_layer("next_token")
    kernel, bias = dense.get_weights()
    dense.set_weights([kernel * 8.0, bias])
    return model


@pytest.fixture(scope="session")
def softmax_classifier():
    """Many-to-one, 4 classes, softmax."""
    return _head_model(4, "softmax", "categorical_crossentropy", "softmax_clf")


@pytest.fixture(scope="session")
def logit_classifier():
    """Many-to-one, 1 unit, linear head trained with binary_crossentropy(from_logits=True)."""
    return _head_model(1, None, keras.losses.BinaryCrossentropy(from_logits=True), "logit_clf")


@pytest.fixture(scope="session")
def multilabel_classifier():
    """Many-to-one, 3 independent sigmoid labels."""
    return _head_model(3, "sigmoid", "binary_crossentropy", "tagger")


@pytest.fixture(scope="session")
def log_softmax_tagger():
    """Many-to-many: log_softmax over 5 tags at every step."""
    return _head_model(5, "log_softmax", None, "tagger_log", steps=True)


@pytest.fixture()
def series():
    return np.random.default_rng(3).normal(size=(7, 6, 3)).astype("float32")


@pytest.fixture(scope="session")
def source_tokens():
    return np.random.default_rng(4).integers(3, 20, size=(9, 6)).astype("int32")
