"""The per-row memory estimate that sizes attribution's chunks (rnnlens.attribution.memory).

Structure is checked in process; the bound itself against TensorFlow's real peak memory in fresh processes
(``bench/memory.py --one``), the backend CI runs: the estimate must cover what the backend keeps, and stay close
enough that chunks are as large as the budget allows.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import keras
import numpy as np
import pytest

from rnnlens.attribution.engine import Engine
from rnnlens.attribution.memory import RECURRENT_BYTES, bytes_per_row, data_steps

BENCH = Path(__file__).resolve().parents[2] / "bench" / "memory.py"
layers = keras.layers


def _model(*body, steps=20, features=3):
    return keras.Sequential([keras.Input((steps, features)), *body])


@pytest.mark.parametrize("backend", ["tensorflow", "jax", "torch"])
def test_a_backward_pass_needs_more_than_a_forward_pass(backend):
    model = _model(layers.LSTM(8), layers.Dense(1))
    forward = bytes_per_row(model, backend, gradients=False)
    backward = bytes_per_row(model, backend, gradients=True)
    assert backward > forward > 0


def test_the_cells_share_grows_with_steps_and_units_by_the_table():
    small = bytes_per_row(_model(layers.GRU(8)), "jax", gradients=True)
    wide = bytes_per_row(_model(layers.GRU(16)), "jax", gradients=True)
    per_step_unit = RECURRENT_BYTES[("jax", "GRU")][0]
    # 8 more units over 20 steps: the cells' figure, plus the extra output's (8 floats, 3 copies).
    assert wide - small == 20 * 8 * per_step_unit + 3 * 4 * 8


def test_a_bidirectional_layer_counts_both_directions():
    one = bytes_per_row(_model(layers.LSTM(8)), "tensorflow", gradients=True)
    both = bytes_per_row(_model(layers.Bidirectional(layers.LSTM(8))), "tensorflow", gradients=True)
    cells = 20 * 8 * RECURRENT_BYTES[("tensorflow", "LSTM")][0]
    # The second direction's cells, and an output twice as wide (8 more floats, 3 copies).
    assert both - one == cells + 3 * 4 * 8


def test_an_open_time_axis_takes_the_data_steps():
    model = keras.Sequential([keras.Input((None, 3)), layers.LSTM(8), layers.Dense(1)])
    short = bytes_per_row(model, "tensorflow", gradients=True, steps=10)
    long = bytes_per_row(model, "tensorflow", gradients=True, steps=100)
    assert long > 9 * short
    assert data_steps([np.zeros((4, 100, 3)), np.zeros((4, 7))]) == 100
    assert data_steps([np.zeros((4,))]) is None


def test_a_custom_cell_is_charged_more_than_any_standard_cell():
    class Cell(layers.Layer):
        def __init__(self, units, **kwargs):
            super().__init__(**kwargs)
            self.units, self.state_size = units, units

        def call(self, inputs, states):
            return inputs[:, :1] + states[0], [inputs[:, :1] + states[0]]

    custom = bytes_per_row(_model(layers.RNN(Cell(8))), "torch", gradients=True)
    standard = max(
        bytes_per_row(_model(layer), "torch", gradients=True)
        for layer in (layers.LSTM(8), layers.GRU(8), layers.SimpleRNN(8))
    )
    assert custom > standard


def test_only_time_distributed_layers_left_to_keras_pay_for_their_slices():
    class MyDense(layers.Dense):
        pass

    head = [layers.LSTM(8, return_sequences=True)]
    flat = _model(*head, layers.TimeDistributed(layers.Dense(2)))
    looped = _model(*head, layers.TimeDistributed(MyDense(2)))
    plain = _model(*head, layers.Dense(2))
    estimate = {
        name: bytes_per_row(m, "tensorflow", gradients=True)
        for name, m in (("flat", flat), ("looped", looped), ("plain", plain))
    }
    assert estimate["flat"] == estimate["plain"]
    # TensorFlow's gradient of each step's slice is a dense copy of the (20 x 8) input.
    assert estimate["looped"] == estimate["plain"] + 5 * 4 * 20 * (20 * 8) // 4
    assert bytes_per_row(looped, "jax", gradients=True) == bytes_per_row(
        plain, "jax", gradients=True
    )


def test_the_engine_sizes_forward_and_backward_passes_apart():
    model = _model(layers.LSTM(8), layers.Dense(1))
    engine = Engine.for_model(model)
    assert engine.bytes_per_row(gradients=True) == bytes_per_row(
        model, "tensorflow", gradients=True
    )
    assert engine.bytes_per_row(gradients=False) < engine.bytes_per_row(gradients=True)


@pytest.mark.parametrize(("name", "passes"), [("lstm2", "gradient"), ("lstm_sequence", "forward")])
def test_the_estimate_bounds_tensorflows_real_peak_memory(name, passes):
    # A fresh process per pass: the peak resident memory of one compiled call over 1,024 rows of 100 steps.
    env = {**os.environ, "KERAS_BACKEND": "tensorflow", "TF_CPP_MIN_LOG_LEVEL": "3"}
    command = [sys.executable, str(BENCH), "--rows", "1024", "--one", name, passes]
    done = subprocess.run(command, env=env, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-2000:]
    result = json.loads(done.stdout.strip().splitlines()[-1])
    # Never below what TensorFlow keeps (chunks stay within the budget), and not far above it
    # (chunks as large as the budget allows: bigger chunks are much faster).
    assert result["measured"] <= result["estimate"] <= 2.5 * result["measured"], result
