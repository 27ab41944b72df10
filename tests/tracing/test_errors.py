"""Bad input raises an rnnlens error that says what was wrong and what to do, never a Keras traceback."""

from __future__ import annotations

import keras
import numpy as np
import pytest

import rnnlens
from rnnlens.errors import (
    DataError,
    ModelLoadError,
    OptionError,
    ShapeError,
    TargetError,
    UnsupportedLayerError,
)
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
        (np.zeros((0, 10, 1), "float32"), ShapeError, "(no|0) samples"),
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
    with pytest.raises(OptionError, match="`layers`"):
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


@pytest.mark.parametrize("layers", [42, 3.5, b"lstm", [], ["lstm", 7]])
def test_layers_of_the_wrong_type(forecaster, layers):
    with pytest.raises(
        OptionError, match=r"`layers` must be a name or a (non-empty )?list of names"
    ):
        rnnlens.trace(forecaster, random_series(2), layers=layers)


@pytest.mark.parametrize("quantities", [42, [], [None]])
def test_quantities_of_the_wrong_type(forecaster, quantities):
    with pytest.raises(OptionError, match=r"`quantities` must be a name.*Expected names among"):
        rnnlens.trace(forecaster, random_series(2), quantities=quantities)


@pytest.mark.parametrize("budget", [float("inf"), float("-inf"), float("nan"), 0, -1, "64", True])
@pytest.mark.parametrize("entry", ["trace", "trace_to_file"])
def test_memory_budget_must_be_finite_and_positive(forecaster, tmp_path, budget, entry):
    target = tmp_path / "t.h5"
    call = {
        "trace": lambda: rnnlens.trace(forecaster, random_series(2), memory_budget_mb=budget),
        "trace_to_file": lambda: rnnlens.trace_to_file(
            forecaster, random_series(2), target, memory_budget_mb=budget
        ),
    }[entry]
    with pytest.raises(OptionError, match="`memory_budget_mb`.*finite positive number"):
        call()
    assert not target.exists()


@pytest.mark.parametrize("batch_size", [0, -2, 1.5, True, "4"])
def test_batch_size_must_be_a_positive_integer(forecaster, batch_size):
    with pytest.raises(OptionError, match="`batch_size` must be a positive integer"):
        rnnlens.trace(forecaster, random_series(2), batch_size=batch_size)


@pytest.mark.parametrize(
    "inputs", [np.zeros((0, 10, 1), "float32"), np.zeros((3, 0, 1), "float32")]
)
def test_empty_inputs_are_a_shape_error(forecaster, inputs):
    with pytest.raises(ShapeError, match="0 (samples|time|on its time)|no samples"):
        rnnlens.trace(forecaster, inputs)


@pytest.mark.parametrize("name", ["my lstm", "Ölschicht λ", "слой", "a:b", "-x"])
def test_layer_names_tensorflow_cannot_scope(name):
    """Keras's graph-mode call opens a TensorFlow name scope per layer and refuses such names;
    the trace opens none, so it works and equals Keras's eager output."""
    x_in = keras.Input((5, 2), name="in put")
    hidden = keras.layers.LSTM(3, return_sequences=True, name=name)(x_in)
    model = keras.Model(x_in, keras.layers.Dense(1, name=f"head {name}")(hidden), name=f"m {name}")
    x = random_series(2, 5, 2)
    trace = rnnlens.trace(model, x, layers=name)
    assert trace.keys() == [name]
    expected = keras.Model(model.inputs, hidden)([x])
    np.testing.assert_allclose(trace[name].hidden, keras.ops.convert_to_numpy(expected), atol=1e-5)
