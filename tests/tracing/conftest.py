"""Fixtures shared by the tracing tests: one small masked Bidirectional model, traced once per module."""

from __future__ import annotations

import keras
import numpy as np
import pytest

import rnnlens
from tests.helpers import random_series


def build_bidirectional() -> keras.Model:
    """Masking -> Bidirectional(LSTM(3)) -> GRU(2): two layers, three traces, a mask."""
    keras.utils.set_random_seed(21)
    x_in = keras.Input((6, 2), name="x")
    masked = keras.layers.Masking(0.0)(x_in)
    seq = keras.layers.Bidirectional(keras.layers.LSTM(3, return_sequences=True), name="bi")(masked)
    out = keras.layers.GRU(2, name="gru")(seq)
    return keras.Model(x_in, out, name="bi_model")


def padded_series(batch: int = 5) -> np.ndarray:
    """Inputs for :func:`build_bidirectional` with right padding on sample 1."""
    x = random_series(batch, 6, 2, seed=5)
    x[1, 4:] = 0.0
    return x


@pytest.fixture(scope="module")
def bi_model() -> keras.Model:
    return build_bidirectional()


@pytest.fixture(scope="module")
def bi_inputs() -> np.ndarray:
    return padded_series()


@pytest.fixture(scope="module")
def bi_trace(bi_model, bi_inputs) -> rnnlens.Trace:
    return rnnlens.trace(bi_model, bi_inputs)
