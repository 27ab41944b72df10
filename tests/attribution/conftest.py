"""Models built once per test session: compiled attribution functions are cached on each model."""

from __future__ import annotations

import numpy as np
import pytest

from tests.helpers import (
    random_tokens,
    small_translator,
)


@pytest.fixture(scope="session")
def translator():
    """Seed example 3: GRU encoder-decoder with two token inputs."""
    return small_translator()


@pytest.fixture(scope="session")
def translation_pair() -> list[np.ndarray]:
    return [random_tokens(2, 6, 20, seed=3), random_tokens(2, 5, 20, seed=4)]


@pytest.fixture(scope="session")
def unused_feature_model():
    """LSTM(6, return_sequences) + Dense(1) over 3 features whose feature 1 has all-zero input weights."""
    import keras

    keras.utils.set_random_seed(7)
    model = keras.Sequential(
        [
            keras.Input(shape=(8, 3), name="signals"),
            keras.layers.LSTM(6, return_sequences=True, name="lstm"),
            keras.layers.Dense(1, name="head"),
        ]
    )
    lstm = model.get_layer("lstm")
    kernel, recurrent, bias = lstm.get_weights()
    kernel[1, :] = 0.0
    lstm.set_weights([kernel, recurrent, bias])
    return model
