"""decode() with precomputed predictions, ModelSpecs, multi-output models, and raw hidden states."""

from __future__ import annotations

import keras
import numpy as np
import pytest

from rnnlens.decoding import decode
from rnnlens.errors import ShapeError, TargetError
from rnnlens.inspection import inspect_model


def test_spec_and_precomputed_predictions_need_no_model_run(sentiment):
    spec = inspect_model(sentiment)
    p = np.array([[0.1], [0.8]], "float32")
    result = decode(spec, predictions=p)
    assert result.table["predicted"].tolist() == [0, 1]
    with pytest.raises(TargetError, match="ModelSpec without predictions"):
        decode(spec)


def test_predictions_of_the_wrong_shape(sentiment):
    with pytest.raises(ShapeError, match=r"must have shape \(batch, 1\), received \(2, 3\)"):
        decode(sentiment, predictions=np.zeros((2, 3)))
    with pytest.raises(ShapeError, match="needs `inputs` to run the model"):
        decode(sentiment)


@pytest.fixture(scope="module")
def two_headed():
    """One LSTM, a sigmoid head and a linear head; plus the raw state output."""
    keras.utils.set_random_seed(2)
    inputs = keras.Input(shape=(4, 2), name="x")
    seq, state_h, _ = keras.layers.LSTM(3, return_state=True, name="lstm")(inputs)
    alarm = keras.layers.Dense(1, activation="sigmoid", name="alarm")(seq)
    level = keras.layers.Dense(1, name="level")(seq)
    return keras.Model(inputs, [alarm, level, state_h], name="two_headed")


def test_outputs_by_name_and_index(two_headed):
    x = np.random.default_rng(0).normal(size=(3, 4, 2)).astype("float32")
    alarm, level, state = two_headed.predict(x, verbose=0)
    by_name = decode(two_headed, x, output="level", scaler=(1.0, 2.0))
    assert by_name.kind == "regression"
    np.testing.assert_allclose(by_name.table["value"], level[:, 0] * 2 + 1, atol=1e-5)
    first = decode(two_headed, x)
    np.testing.assert_allclose(first.table["probability"], alarm[:, 0], atol=1e-6)
    raw = decode(two_headed, x, output=2)
    assert raw.kind == "raw"
    np.testing.assert_allclose(raw.table[["value:0", "value:1", "value:2"]], state, atol=1e-6)
    assert "not a prediction head" in raw.meta["notes"][0]
    from_dict = decode(
        inspect_model(two_headed), predictions={"alarm": alarm, "level": level, "lstm": state}
    )
    np.testing.assert_allclose(from_dict.table["probability"], alarm[:, 0])
    with pytest.raises(TargetError, match="No output named 'nope'"):
        decode(two_headed, x, output="nope")
