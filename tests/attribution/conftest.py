"""Models built once per test session: compiled attribution functions are cached on each model."""

from __future__ import annotations

import numpy as np
import pytest

from tests.helpers import (
    random_series,
    random_tokens,
    small_forecaster,
    small_sentiment,
    small_translator,
)


@pytest.fixture(scope="session")
def forecaster():
    """Seed example 1 (LSTM(8, return_sequences) + Dense(1)), 10 steps x 1 feature."""
    return small_forecaster()


@pytest.fixture(scope="session")
def series() -> np.ndarray:
    return random_series(4, 10, 1, seed=1)


@pytest.fixture(scope="session")
def sentiment():
    """Seed example 2 with Embedding(mask_zero=True): padded tokens are masked."""
    return small_sentiment(mask_zero=True)


@pytest.fixture(scope="session")
def padded_tokens() -> np.ndarray:
    """Left-padded token ids ``(3, 20)``: sample i has 2 + 3 i padding tokens."""
    tokens = random_tokens(3, 20, 50, seed=2)
    for i in range(3):
        tokens[i, : 2 + 3 * i] = 0
    return tokens


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
