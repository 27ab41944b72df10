"""Tiny models for the faithfulness tests, built once per session (compiled functions are cached on them)."""

from __future__ import annotations

import numpy as np
import pytest

from tests.helpers import random_series


@pytest.fixture(scope="session")
def linear_model():
    """Dense(1) over Flatten of a (4, 3) sequence, fixed weights: F(x) = sum(w * x) + 0.3."""
    import keras

    model = keras.Sequential(
        [keras.Input(shape=(4, 3), name="signals"), keras.layers.Flatten(), keras.layers.Dense(1)]
    )
    weights = np.random.default_rng(11).normal(size=(12, 1)).astype("float32")
    model.layers[-1].set_weights([weights, np.array([0.3], "float32")])
    return model


@pytest.fixture(scope="session")
def linear_weights(linear_model) -> np.ndarray:
    """The linear model's weights as a (4, 3) array, in the input's (time, feature) layout."""
    return linear_model.layers[-1].get_weights()[0].reshape(4, 3)


@pytest.fixture(scope="session")
def signal_model():
    """LSTM(6) + Dense(1) over (6 steps, 3 features) whose features 1 and 2 have zero input weights."""
    import keras

    keras.utils.set_random_seed(5)
    model = keras.Sequential(
        [
            keras.Input(shape=(6, 3), name="signals"),
            keras.layers.LSTM(6, name="lstm"),
            keras.layers.Dense(1, name="head"),
        ]
    )
    lstm = model.get_layer("lstm")
    kernel, recurrent, bias = lstm.get_weights()
    kernel[1:, :] = 0.0
    lstm.set_weights([kernel, recurrent, bias])
    return model


@pytest.fixture(scope="session")
def signal_inputs() -> np.ndarray:
    return random_series(5, 6, 3, seed=4)
