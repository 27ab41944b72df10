"""Bad input raises an rnnlens error that says what was wrong and what to do, never a Keras traceback."""

from __future__ import annotations

import keras
import numpy as np
import pytest

import rnnlens
from rnnlens.errors import DataError, ModelLoadError, ShapeError, TargetError, UnsupportedLayerError
from tests.helpers import random_series, random_tokens, small_forecaster, small_sentiment


@pytest.fixture(scope="module")
def forecaster():
    return small_forecaster()  # input (batch, 10, 1)


@pytest.mark.parametrize(
    ("inputs", "error", "pattern"),
    [
        (np.zeros((10, 1), "float32"), ShapeError, r"rank 3.*x\[None\]"),
        (np.zeros((2, 10, 1, 1), "float32"), ShapeError, "rank 3"),
        (np.zeros((2, 10, 3), "float32"), ShapeError, "feature axis.*expects 1"),
        (np.full((2, 10, 1), np.nan, "float32"), DataError, "NaN or inf"),
        (np.full((2, 10, 1), np.inf, "float32"), DataError, "NaN or inf"),
        (np.full((2, 10, 1), "a"), DataError, "numeric"),
        (np.zeros((0, 10, 1), "float32"), ShapeError, "no samples"),
        # A list for a one-input model is read as one array (a list of samples): the rank is wrong.
        (
            [np.zeros((2, 10, 1)), np.zeros((2, 10, 1))],
            ShapeError,
            r"received shape \(2, 2, 10, 1\)",
        ),
    ],
)
def test_bad_inputs(forecaster, inputs, error, pattern):
    with pytest.raises(error, match=pattern):
        rnnlens.trace(forecaster, inputs)


def test_token_ids_out_of_vocabulary():
    with pytest.raises(DataError, match="token ids outside"):
        rnnlens.trace(small_sentiment(), random_tokens(2, 20, 50) + 100)


def test_unknown_and_non_recurrent_layer_names(forecaster):
    with pytest.raises(TargetError, match=r"no layer of that name.*\['lstm'\]"):
        rnnlens.trace(forecaster, random_series(2), layers="lstm_2")
    with pytest.raises(UnsupportedLayerError, match="'forecast', which is not a recurrent layer"):
        rnnlens.trace(forecaster, random_series(2), layers=["forecast"])
    with pytest.raises(TargetError, match="`layers`"):
        rnnlens.trace(forecaster, random_series(2), layers=[3])


def test_unknown_quantity(forecaster):
    with pytest.raises(TargetError, match="reset_gate.*Expected names among"):
        rnnlens.trace(forecaster, random_series(2), quantities=["reset_gate"])


def test_model_without_recurrent_layers():
    x_in = keras.Input((4, 2))
    model = keras.Model(x_in, keras.layers.Dense(1)(x_in), name="dense_only")
    with pytest.raises(UnsupportedLayerError, match="'dense_only' has no recurrent layer"):
        rnnlens.trace(model, random_series(2, 4, 2))


def test_subclassed_models_are_refused_with_advice():
    class Subclassed(keras.Model):
        def __init__(self):
            super().__init__(name="sub")
            self.lstm = keras.layers.LSTM(2)

        def call(self, x):
            return self.lstm(x)

    model = Subclassed()
    model(random_series(1, 4, 2))
    with pytest.raises(UnsupportedLayerError, match="functional API"):
        rnnlens.trace(model, random_series(2, 4, 2))


def test_stateful_batch_must_match():
    x_in = keras.Input((4, 2), batch_size=3)
    model = keras.Model(x_in, keras.layers.LSTM(2, stateful=True)(x_in))
    with pytest.raises(ShapeError, match="batches of 3"):
        rnnlens.trace(model, random_series(5, 4, 2))


def test_not_a_model(tmp_path):
    with pytest.raises(ModelLoadError, match="does not exist"):
        rnnlens.trace(tmp_path / "missing.keras", random_series(2))
    with pytest.raises(ModelLoadError, match="Expected a keras.Model"):
        rnnlens.trace(42, random_series(2))
