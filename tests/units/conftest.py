"""Hand-built recurrent models with fixed weights, so each unit's job is known before tracing."""

from __future__ import annotations

import keras
import numpy as np
import pytest

import rnnlens
from tests.helpers import random_series

UNITS = 4
BIAS = 20.0  # sigmoid(+20) rounds to 1 in float32, sigmoid(-20) is 2.1e-9


def build_fixed_lstm() -> keras.Model:
    """Masking -> LSTM(4) over (time, 2) features, recurrent kernel zero.

    unit 0: forget bias +20 (never forgets), input/output gates open, candidate tanh((x0 + x1) / 2):
            the cell state sums the inputs.
    unit 1: forget bias -20 (forgets at once), gates open, candidate tanh(x1): h = tanh(tanh(x1)).
    unit 2: as unit 1 with x0: h = tanh(tanh(x0)), a monotone function of feature 0.
    unit 3: forget bias 0 (f = 0.5 exactly), input gate sigmoid(2 * x0).
    """
    x_in = keras.Input((None, 2), name="x")
    masked = keras.layers.Masking(0.0)(x_in)
    lstm = keras.layers.LSTM(UNITS, return_sequences=True, name="lstm")
    model = keras.Model(x_in, lstm(masked), name="fixed_lstm")
    kernel = np.zeros((2, 4 * UNITS), "float32")
    bias = np.zeros(4 * UNITS, "float32")
    i, f, c, o = (slice(k * UNITS, (k + 1) * UNITS) for k in range(4))  # Keras order i, f, c, o
    bias[i] = BIAS
    bias[o] = BIAS
    bias[f] = [BIAS, -BIAS, -BIAS, 0.0]
    kernel[:, c.start + 0] = 0.5
    kernel[1, c.start + 1] = 1.0
    kernel[0, c.start + 2] = 1.0
    kernel[0, c.start + 3] = 1.0
    kernel[0, i.start + 3] = 2.0
    bias[i.start + 3] = 0.0
    lstm.set_weights([kernel, np.zeros((UNITS, 4 * UNITS), "float32"), bias])
    return model


def build_fixed_gru() -> keras.Model:
    """GRU(2) over one feature, recurrent kernel zero: unit 0 update-gate bias +20, unit 1 -20."""
    x_in = keras.Input((5, 1), name="x")
    gru = keras.layers.GRU(2, return_sequences=True, name="gru")
    model = keras.Model(x_in, gru(x_in), name="fixed_gru")
    kernel = np.zeros((1, 6), "float32")
    kernel[0, 4:6] = 1.0  # candidate block (Keras order z, r, h)
    bias = np.zeros((2, 6), "float32")  # reset_after=True: input and recurrent bias rows
    bias[0, 0:2] = [BIAS, -BIAS]
    gru.set_weights([kernel, np.zeros((2, 6), "float32"), bias])
    return model


def padded_inputs() -> np.ndarray:
    """(6, 7, 2) float32; samples 1 and 4 padded with zeros from step 4 (Masking skips them)."""
    x = random_series(6, 7, 2, seed=3)
    x[[1, 4], 4:] = 0.0
    return x


@pytest.fixture(scope="module")
def lstm_model() -> keras.Model:
    return build_fixed_lstm()


@pytest.fixture(scope="module")
def inputs() -> np.ndarray:
    return padded_inputs()


@pytest.fixture(scope="module")
def lstm_trace(lstm_model, inputs) -> rnnlens.Trace:
    return rnnlens.trace(lstm_model, inputs)


@pytest.fixture(scope="module")
def keras_hidden(lstm_model, inputs) -> np.ndarray:
    """Keras's own LSTM output (batch, time, unit), the reference for correlations."""
    return np.asarray(lstm_model.predict(inputs, verbose=0))
