"""Every gate equals Keras's cell equations, restated in NumPy from the Keras 3 weight layout."""

from __future__ import annotations

import keras
import numpy as np
import pytest

import rnnlens
from tests.tracing.reference import (
    TOL,
    gru_step_numpy,
    lstm_step_numpy,
    max_abs,
    previous,
    simple_rnn_step_numpy,
    to_numpy,
)

X = np.random.default_rng(3).normal(size=(3, 6, 4)).astype("float32")


def _single(layer: keras.layers.Layer) -> keras.Model:
    keras.utils.set_random_seed(11)
    inputs = keras.Input((6, 4))
    return keras.Model(inputs, layer(inputs))


def _check_steps(tr, step) -> float:
    """Feed each traced previous state to the NumPy cell; every quantity must match at every step."""
    prev = {
        name: previous(tr.values[name], tr.initial_states[name], tr.processing_order)
        for name in tr.state_names
    }
    x = X[:, ::-1] if tr.processing_order == "backward" else X
    order = range(X.shape[1])
    worst = 0.0
    for t in order:
        t_in = X.shape[1] - 1 - t if tr.processing_order == "backward" else t
        expected = step(x[:, t], *(prev[name][:, t_in] for name in tr.state_names))
        for name, value in expected.items():
            worst = max(worst, max_abs(tr.values[name][:, t_in], value))
    return worst


@pytest.mark.parametrize(
    ("activation", "recurrent_activation", "use_bias", "go_backwards"),
    [
        ("tanh", "sigmoid", True, False),
        ("relu", "hard_sigmoid", False, True),
        ("softsign", "tanh", True, False),
    ],
)
def test_lstm_gates_follow_keras_equations(
    activation, recurrent_activation, use_bias, go_backwards
):
    layer = keras.layers.LSTM(
        5,
        activation=activation,
        recurrent_activation=recurrent_activation,
        use_bias=use_bias,
        go_backwards=go_backwards,
        return_sequences=True,
        bias_initializer="glorot_uniform",
        name="lstm",
    )
    tr = rnnlens.trace(_single(layer), X)["lstm"]
    assert tr.gate_names == ("input_gate", "forget_gate", "candidate", "output_gate")
    assert tr.activation == activation and tr.recurrent_activation == recurrent_activation
    assert _check_steps(tr, lambda x, h, c: lstm_step_numpy(layer.cell, x, h, c)) <= TOL


@pytest.mark.parametrize("reset_after", [True, False])
@pytest.mark.parametrize("use_bias", [True, False])
def test_gru_gates_follow_keras_equations_for_both_reset_variants(reset_after, use_bias):
    layer = keras.layers.GRU(
        4,
        reset_after=reset_after,
        use_bias=use_bias,
        return_sequences=True,
        bias_initializer="glorot_uniform",
        name="gru",
    )
    model = _single(layer)
    if use_bias:  # Keras 3 layout: a (2, 3u) bias when reset_after, else (3u,)
        assert tuple(layer.cell.bias.shape) == ((2, 12) if reset_after else (12,))
    tr = rnnlens.trace(model, X)["gru"]
    assert tr.reset_after is reset_after
    assert tr.gate_names == ("update_gate", "reset_gate", "candidate")
    assert _check_steps(tr, lambda x, h: gru_step_numpy(layer.cell, x, h)) <= TOL


@pytest.mark.parametrize("activation", ["tanh", "relu", None])
def test_simple_rnn_pre_activation_and_hidden(activation):
    layer = keras.layers.SimpleRNN(
        3, activation=activation, return_sequences=True, bias_initializer="ones", name="rnn"
    )
    tr = rnnlens.trace(_single(layer), X)["rnn"]
    assert tr.gate_names == ("pre_activation",)
    assert _check_steps(tr, lambda x, h: simple_rnn_step_numpy(layer.cell, x, h)) <= TOL


def test_lstm_step_agrees_with_the_keras_cell_itself():
    # One more reference that is Keras's own code path: LSTMCell.call on the traced previous states.
    layer = keras.layers.LSTM(4, return_sequences=True, name="lstm")
    tr = rnnlens.trace(_single(layer), X)["lstm"]
    h_prev = previous(tr.hidden, tr.initial_states["hidden"], "forward")
    c_prev = previous(tr.cell_state, tr.initial_states["cell_state"], "forward")
    for t in range(X.shape[1]):
        h, (_, c) = layer.cell(X[:, t], [h_prev[:, t], c_prev[:, t]])
        assert max_abs(to_numpy(h), tr.hidden[:, t]) <= TOL
        assert max_abs(to_numpy(c), tr.cell_state[:, t]) <= TOL
