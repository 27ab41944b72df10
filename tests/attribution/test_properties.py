"""Property-based: IG completeness and causality over random recurrent layer configurations."""

from __future__ import annotations

import keras
import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from rnnlens.attribution import IntegratedGradients

CELLS = {"LSTM": keras.layers.LSTM, "GRU": keras.layers.GRU, "SimpleRNN": keras.layers.SimpleRNN}


@settings(max_examples=6)
@given(
    cell=st.sampled_from(sorted(CELLS)),
    units=st.integers(1, 8),
    steps=st.integers(2, 6),
    features=st.integers(1, 3),
    sequences=st.booleans(),
    bidirectional=st.booleans(),
    seed=st.integers(0, 1000),
)
def test_completeness_and_causality(cell, units, steps, features, sequences, bidirectional, seed):
    keras.utils.set_random_seed(seed)
    layer = CELLS[cell](units, return_sequences=sequences)
    model = keras.Sequential(
        [
            keras.Input((steps, features)),
            keras.layers.Bidirectional(layer) if bidirectional else layer,
            keras.layers.Dense(1),
        ]
    )
    x = np.random.default_rng(seed).normal(size=(2, steps, features)).astype("float32")
    step = steps // 2
    target = (step, 0) if sequences else 0
    result = IntegratedGradients(model).attribute(x, target=target, n_steps=32)
    scale = np.abs(result.outputs - result.baseline_outputs)
    assert np.all(np.abs(result.completeness_gap) <= 0.01 * scale + 1e-6)
    if sequences and not bidirectional:
        assert np.all(result.values[:, step + 1 :] == 0.0)
